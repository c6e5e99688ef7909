/** The appeal pages without JavaScript: draft, edit, open (with the 59-FZ warning), sign, withdraw, PDF, sent-by-me. */
import { sql } from 'kysely';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  categoryId,
  createAppeal,
  createMunicipality,
  createOrganization,
  createProblem,
  createUser,
  sessionCookieFor,
  signInput,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import * as appeals from './appeals.service.ts';
import * as signing from './appeals.signing.ts';

let t: TestApp;
let author: User;
let problemId: number;
let organizationId: number;

const text = 'Просим отремонтировать дорогу по улице Октябрьской в пгт Оленино: ямы глубиной до двадцати сантиметров.\n\nПросим ответить письменно.';

beforeAll(async () => {
  t = await createTestApp();
  const municipalityId = await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
  const roads = await categoryId(t.ctx, 'roads');
  author = await createUser(t.ctx, { surname: 'Авторова', firstName: 'Алла' });
  problemId = (
    await createProblem(t.ctx, {
      author,
      title: 'Разбитая дорога на Октябрьской',
      description: 'Ямы по всей улице Октябрьской.',
      categoryId: roads,
      territoryId: municipalityId,
    })
  ).id;
  organizationId = (
    await createOrganization(t.ctx, {
      name: 'Администрация Оленинского муниципального округа',
      territoryId: municipalityId,
      appealEmail: 'olenino@example.test',
      postalAddress: '172400, пгт Оленино, ул. Октябрьская, д. 7',
      appealThreshold: 50,
      jurisdictions: [{ territoryId: municipalityId, categoryIds: [roads] }],
    })
  ).id;
});
afterAll(() => t?.stop());

/** What a reader sees: the text without tags, spaces folded. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('an appeal in the browser without JavaScript', () => {
  it('goes from draft to signatures to sent-by-me', async () => {
    const me = browser(t.app, await sessionCookieFor(t.ctx, author));
    const form = await me.get(`/problems/${problemId}/appeals/new`);
    expect(form.status).toBe(200);
    expect(form.body).toContain('<optgroup label="Компетентны по территории и теме проблемы">');

    const empty = await me.post(
      `/problems/${problemId}/appeals/new`,
      { organizationId: String(organizationId), title: 'О дороге', text: 'Коротко' },
      csrfFrom(form.body),
    );
    expect(empty.status).toBe(422);
    expect(empty.body).toContain('Не короче 50 символов.');

    const created = await me.post(
      `/problems/${problemId}/appeals/new`,
      { organizationId: String(organizationId), title: 'О ремонте улицы Октябрьской', text: `${text}\n\nИначе я вас убью.` },
      csrfFrom(form.body),
    );
    expect(created.status).toBe(303);
    const appealUrl = created.location as string;
    const appealId = Number(appealUrl.split('/').pop());

    // The 59-FZ warning stops opening until the author confirms; then he edits the threat out instead.
    const draftPage = await me.get(appealUrl);
    expect(draftPage.body).toContain('Черновик, редакция 1');
    const warned = await me.post(`${appealUrl}/open`, {}, csrfFrom(draftPage.body));
    expect(warned.status).toBe(422);
    expect(warned.body).toContain('Похоже на угрозу: «убью»');
    const edit = await me.get(`${appealUrl}/edit`);
    const saved = await me.post(
      `${appealUrl}/edit`,
      { organizationId: String(organizationId), title: 'О ремонте улицы Октябрьской', text, baseRevision: '1' },
      csrfFrom(edit.body),
    );
    expect(saved.status).toBe(303);
    // A save from the old form: the same paragraph changed meanwhile, so both versions are shown and nothing is saved.
    const stale = await me.post(
      `${appealUrl}/edit`,
      { organizationId: String(organizationId), title: 'О ремонте улицы Октябрьской', text: `${text}\n\nИначе пожалуемся.`, baseRevision: '1' },
      csrfFrom(edit.body),
    );
    expect(stale.status).toBe(409);
    expect(stale.body).toContain('Пока вы редактировали, этот же абзац изменили в редакции 2');
    expect(stale.body).toContain('Текущая редакция 2');
    const opened = await me.post(`${appealUrl}/open`, {}, csrfFrom((await me.get(appealUrl)).body));
    expect(opened.status).toBe(303);
    const frozen = await me.get(appealUrl);
    expect(frozen.body).toContain('Редакция 2 · SHA-256: <code>');
    expect(frozen.body).toContain('0 подписей');

    // A citizen signs: the address is required, the consent too; then it works, and he can withdraw.
    const citizen = await createUser(t.ctx, { surname: 'Петров', firstName: 'Иван', patronymic: 'Андреевич', postalAddress: null });
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, citizen));
    const page = await visitor.get(appealUrl);
    expect(page.body).toContain('value="Петров Иван Андреевич"');
    const bad = await visitor.post(`${appealUrl}/signatures`, { fullName: 'Петров Иван Андреевич', postalAddress: '' }, csrfFrom(page.body));
    expect(bad.status).toBe(422);
    expect(bad.body).toContain('Укажите почтовый адрес: закон требует его');
    expect(bad.body).toContain('Без согласия на передачу имени и адреса адресату подпись невозможна.');
    // The form says who sees what, beside the consents, before anyone signs.
    expect(textOf(page.body)).toContain('Кто что увидит');
    expect(page.body).toContain('name="consentAuthor"');
    expect(textOf(page.body)).toContain('Передать мои ФИО и почтовый адрес автору обращения, если автор отправит обращение самостоятельно');
    const signed = await visitor.post(
      `${appealUrl}/signatures`,
      {
        fullName: 'Петров Иван Андреевич',
        postalAddress: '172400, пгт Оленино, ул. Мира, д. 3',
        consentTransfer: 'yes',
        consentPublicName: 'yes',
        consentAuthor: 'yes',
      },
      csrfFrom(page.body),
    );
    expect(signed.status).toBe(303);
    const after = await visitor.get(appealUrl);
    expect(after.body).toContain('Спасибо! Ваша подпись учтена.');
    expect(after.body).toContain('1 подпись');
    expect(after.body).toContain('Иван П.');
    expect(after.body).not.toContain('ул. Мира');
    // Signed: the count and the share block (the link to copy, plain share links with the address and title encoded).
    const shared = textOf(after.body);
    expect(shared).toContain('Расскажите об обращении');
    expect(after.body).toMatch(
      new RegExp(`<input[^>]*id="share-url"[^>]*value="http[^"]*/appeals/${appealId}"|<input[^>]*value="http[^"]*/appeals/${appealId}"[^>]*id="share-url"`),
    );
    // The copy button needs JavaScript: hidden in the HTML, the island shows it.
    expect(after.body).toMatch(/<button[^>]*data-copy-button[^>]*hidden[^>]*>Скопировать ссылку</);
    const encodedUrl = encodeURIComponent(`${t.ctx.config.baseUrl.replace(/\/$/, '')}/appeals/${appealId}`);
    expect(after.body).toContain(`https://vk.com/share.php?url=${encodedUrl}&amp;title=${encodeURIComponent('О ремонте улицы Октябрьской')}`);
    expect(after.body).toContain(`https://t.me/share/url?url=${encodedUrl}`);
    expect(after.body).toContain('https://wa.me/?text=');
    expect(after.body).toContain(`mailto:?subject=${encodeURIComponent('О ремонте улицы Октябрьской')}`);
    expect(after.body).toContain('src="/static/assets/copy-link.js"');
    // The tracker: the draft checked, signing current, what follows muted.
    expect(after.body).toMatch(/class="stage stage-done"[^>]*>.*?Черновик/s);
    expect(after.body).toMatch(/class="stage stage-current" aria-current="step">.*?Сбор подписей/s);
    expect(after.body).toMatch(/class="stage stage-upcoming"[^>]*>.*?Отправлено/s);
    expect(after.body).toContain('<strong class="tag tag-appeal-collecting">сбор подписей</strong>');
    const again = await visitor.post(
      `${appealUrl}/signatures`,
      { fullName: 'Петров Иван Андреевич', postalAddress: '172400, пгт Оленино, ул. Мира, д. 3', consentTransfer: 'yes' },
      csrfFrom(page.body),
    );
    // A second submit from a stale tab goes back to the appeal with a message, and counts once.
    expect(again.status).toBe(303);
    expect(again.location).toBe(`${appealUrl}#signature`);
    const afterStaleTab = await visitor.get(appealUrl);
    expect(afterStaleTab.body).toContain('Вы уже подписали это обращение — ваша подпись учтена один раз.');
    expect(afterStaleTab.body).toContain('1 подпись');

    // The author downloads the letter with the signatures so far, then records sending it himself.
    const pdf = await t.app.inject({
      method: 'GET',
      url: `${appealUrl}/document.pdf`,
      headers: { cookie: [...me.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const { text: pdfText } = await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true });
    // He consented to give the author his name and address, so the author's copy lists him, under the author as initiator.
    expect(pdfText).toContain('Петров Иван Андреевич');
    expect(pdfText).toContain('Инициатор коллективного обращения');
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `${appealUrl}/document.pdf`,
          headers: { cookie: [...visitor.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        })
      ).statusCode,
    ).toBe(403);

    // The date is typed the Russian way (ДД.ММ.ГГГГ), as the field's hint asks, not in a browser date picker's ISO.
    const authorView = await me.get(appealUrl);
    expect(authorView.body).toContain('ДД.ММ.ГГГГ, например 05.03.2026');
    expect(authorView.body).not.toContain('type="date"');
    expect(authorView.body).toContain('Обращение отправлено мной');
    const today = new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date());
    const sent = await me.post(`${appealUrl}/sent-by-me`, { sentOn: today, registrationNumber: 'ОГ-77/26' }, csrfFrom(authorView.body));
    expect(sent.status).toBe(303);
    const final = await me.get(appealUrl);
    expect(final.body).toContain('ОГ-77/26');
    expect(final.body).toContain('Срок ответа');
    // Registered (the number is known), the answer is due in 30 days and more: the page counts them down.
    expect(textOf(final.body)).toMatch(/Срок ответа \d{1,2} [а-я]+ \d{4} г\. — осталось \d+ (дней|дня)/);
    const closed = await visitor.post(`${appealUrl}/signatures/withdraw`, {}, csrfFrom(after.body));
    expect(closed.status).toBe(409);
    const events = await t.ctx.db.selectFrom('problem_events').select('kind').where('appeal_id', '=', appealId).orderBy('id').execute();
    expect(events.map((e) => e.kind)).toEqual(['appeal.drafted', 'appeal.opened', 'appeal.sent']);
  });

  it("shows the deadlines as days of the addressee's zone and counts the days left, then the days overdue", async () => {
    const kaliningrad = await createMunicipality(t.ctx, '27000000', '27701000', 'город Калининград');
    const zoneAuthor = await createUser(t.ctx, { surname: 'Янтарная', firstName: 'Ольга' });
    const problem = await createProblem(t.ctx, {
      author: zoneAuthor,
      title: 'Нет освещения на набережной',
      description: 'Фонари не горят с октября.',
      territoryId: kaliningrad,
    });
    const organization = await createOrganization(t.ctx, { name: 'Администрация города Калининграда', territoryId: kaliningrad, appealThreshold: 50 });
    const { appeal } = await createAppeal(t.ctx, { author: zoneAuthor, problem, organization });
    await appeals.openForSignatures(t.ctx, actorOf(zoneAuthor), appeal.id, { acknowledgeWarnings: true });
    await signing.sign(t.ctx, actorOf(zoneAuthor), appeal.id, signInput(zoneAuthor));
    await sql`update appeals set created_at = ${new Date('2026-11-30T00:00:00Z')} where id = ${appeal.id}`.execute(t.ctx.db);
    // 23:30 on 30 November in Калининград (already 1 December in Moscow).
    await appeals.recordSelfSent(t.ctx, actorOf(zoneAuthor), appeal.id, { sentOn: new Date('2026-11-30T21:30:00Z'), registrationNumber: '' });
    const realNow = t.ctx.now;
    try {
      t.ctx.now = () => new Date('2026-12-01T09:00:00Z');
      const page = textOf((await browser(t.app).get(`/appeals/${appeal.id}`)).body);
      // Registration by the end of 3 December there (3 days from 30 November), which in Moscow is already 4 December.
      expect(page).toContain('Срок регистрации 3 декабря 2026 г. — осталось 2 дня');
      // The answer 30 days after: 2 January 2027 falls in the New Year holidays, so Monday 11 January.
      expect(page).toContain('Срок ответа 11 января 2027 г. — остался 41 день'); // «остался», in agreement with 41
      t.ctx.now = () => new Date('2026-12-03T21:00:00Z');
      expect(textOf((await browser(t.app).get(`/appeals/${appeal.id}`)).body)).toContain('Срок регистрации 3 декабря 2026 г. — сегодня последний день');
      t.ctx.now = () => new Date('2027-01-20T12:00:00Z');
      const late = textOf((await browser(t.app).get(`/appeals/${appeal.id}`)).body);
      expect(late).toContain('Срок регистрации 3 декабря 2026 г. просрочено на 48 дней');
      expect(late).toContain('Срок ответа 11 января 2027 г. просрочено на 9 дней');
    } finally {
      t.ctx.now = realNow;
    }
  });

  it('fixes the threshold when signing opens and says so on the appeal and the organization pages', async () => {
    const actor = actorOf(author);
    const draft = { organizationId, title: 'О пороге подписей', text: `${text}\n\nПорог.` };
    const setThreshold = (value: number) => t.ctx.db.updateTable('organizations').set({ appeal_threshold: value }).where('id', '=', organizationId).execute();
    const early = await appeals.createAppeal(t.ctx, actor, problemId, draft);
    try {
      // Drafted at 50, the admin raises it to 120 before opening: the appeal opens with 120.
      await setThreshold(120);
      const visitor = browser(t.app);
      expect((await visitor.get(`/appeals/${early.id}`)).status).toBe(404);
      const mine = browser(t.app, await sessionCookieFor(t.ctx, author));
      expect(textOf((await mine.get(`/appeals/${early.id}`)).body)).toContain(
        'Порог подписей закрепится при открытии сбора: сейчас у организации 120 подписей.',
      );
      const opened = await appeals.openForSignatures(t.ctx, actor, early.id, { acknowledgeWarnings: true });
      expect(opened.threshold).toBe(120);
      // Lowered to 51 afterwards: the open appeal keeps 120 and explains the difference.
      await setThreshold(51);
      const page = textOf((await visitor.get(`/appeals/${early.id}`)).body);
      expect(page).toContain('из 120 нужных для отправки');
      expect(page).toContain('Порог закреплён при открытии сбора подписей');
      expect(page).toContain('Для обращений, открытых позже, организация установила порог в 51 подпись.');
      const slug = (await t.ctx.db.selectFrom('organizations').select('slug').where('id', '=', organizationId).executeTakeFirstOrThrow()).slug;
      const organizationPage = textOf((await visitor.get(`/organizations/${slug}`)).body);
      expect(organizationPage).toContain('51 подпись');
      expect(organizationPage).toContain('открытые раньше обращения сохраняют прежний порог');
    } finally {
      await setThreshold(50);
      await appeals.withdrawAppeal(t.ctx, actor, early.id).catch(() => undefined);
    }
  });

  it('withdraws only after a page that says what follows, from the author section', async () => {
    const actor = actorOf(author);
    const draft = await appeals.createAppeal(t.ctx, actor, problemId, { organizationId, title: 'Об отзыве', text: `${text}\n\nОтзыв.` });
    await appeals.openForSignatures(t.ctx, actor, draft.id, { acknowledgeWarnings: true });
    const signer = await createUser(t.ctx, { surname: 'Сидорова', firstName: 'Анна', patronymic: 'Ильинична' });
    const signerPage = browser(t.app, await sessionCookieFor(t.ctx, signer));
    const signed = await signerPage.post(
      `/appeals/${draft.id}/signatures`,
      { fullName: 'Сидорова Анна Ильинична', postalAddress: '172400, пгт Оленино, ул. Мира, д. 4', consentTransfer: 'yes' },
      csrfFrom((await signerPage.get(`/appeals/${draft.id}`)).body),
    );
    expect(signed.status).toBe(303);

    const me = browser(t.app, await sessionCookieFor(t.ctx, author));
    const page = await me.get(`/appeals/${draft.id}`);
    // The author's tools are a section of their own, the withdrawal a link to its confirmation page, not a one-click form.
    const authorSection = page.body.slice(page.body.indexOf('id="author-title"'));
    expect(textOf(authorSection)).toContain('Для автора обращения');
    expect(authorSection).toContain(`href="/appeals/${draft.id}/withdraw"`);
    expect(page.body).not.toContain(`action="/appeals/${draft.id}/withdraw"`);

    const confirm = await me.get(`/appeals/${draft.id}/withdraw`);
    expect(confirm.status).toBe(200);
    const said = textOf(confirm.body);
    expect(said).toContain('Отозвать обращение?');
    expect(said).toContain('Сбор подписей прекратится');
    expect(said).toContain('Уведомление об отзыве получит 1 человек, подписавший обращение');
    expect(said).toContain('Обращение не будет отправлено адресату (Администрация Оленинского муниципального округа).');
    expect(said).toContain('Отменить отзыв нельзя');
    expect(confirm.body).toMatch(/<form method="post" action="\/appeals\/\d+\/withdraw"[^>]*>[\s\S]*class="button button-danger">Да, отозвать обращение</);
    expect(confirm.body).toContain(`href="/appeals/${draft.id}">Нет, вернуться к обращению</a>`);
    // Looking at the page changes nothing; the red button does.
    expect((await appeals.getAppealRow(t.ctx, draft.id)).status).toBe('collecting');
    const done = await me.post(`/appeals/${draft.id}/withdraw`, {}, csrfFrom(confirm.body));
    expect(done.status).toBe(303);
    const withdrawn = await me.get(`/appeals/${draft.id}`);
    expect(withdrawn.body).toContain('Обращение отозвано.');
    expect(withdrawn.body).toMatch(/class="stage stage-current stage-end" aria-current="step">.*?Отозвано/s);
    expect(withdrawn.body).toContain('<strong class="tag tag-appeal-withdrawn">отозвано</strong>');
    // Once withdrawn there is nothing to confirm: the page says why instead.
    const again = await me.get(`/appeals/${draft.id}/withdraw`);
    expect(again.status).toBe(409);
  });

  it('tells a signer whose form is stale that signing closed, or that they signed already, not field errors the page no longer shows', async () => {
    const actor = actorOf(author);
    const appeal = await appeals.createAppeal(t.ctx, actor, problemId, { organizationId, title: 'О подписи из старой вкладки', text: `${text}\n\nВкладка.` });
    await appeals.openForSignatures(t.ctx, actor, appeal.id, { acknowledgeWarnings: true });
    const action = `/appeals/${appeal.id}/signatures`;
    const address = '172400, пгт Оленино, ул. Мира, д. 3';

    // Signed, then the same form sent again with the address left empty (a second tab): the signature stands.
    const signer = browser(t.app, await sessionCookieFor(t.ctx, await createUser(t.ctx)));
    const csrf = csrfFrom((await signer.get(`/appeals/${appeal.id}`)).body);
    expect((await signer.post(action, { fullName: 'Кузнецова Мария', postalAddress: address, consentTransfer: 'yes' }, csrf)).status).toBe(303);
    const again = await signer.post(action, { fullName: 'Кузнецова Мария', postalAddress: '', consentTransfer: 'yes' }, csrf);
    expect(again.status).toBe(303);
    expect(again.location).toBe(`/appeals/${appeal.id}#signature`);

    // The only signer withdraws while the author's "sent by me" form stood open: the author is told why it is gone.
    const authorTab = browser(t.app, await sessionCookieFor(t.ctx, author));
    const authorCsrf = csrfFrom((await authorTab.get(`/appeals/${appeal.id}`)).body);
    expect((await signer.post(`/appeals/${appeal.id}/signatures/withdraw`, {}, csrf)).status).toBe(303);
    const unsigned = await authorTab.post(`/appeals/${appeal.id}/sent-by-me`, { sentOn: '', registrationNumber: '' }, authorCsrf);
    expect(unsigned.status).toBe(409);
    expect(unsigned.body).toContain('class="error-page"');

    // Withdrawn by its author while another signer's form stood open: that signer is told signing closed.
    const late = browser(t.app, await sessionCookieFor(t.ctx, await createUser(t.ctx)));
    const lateCsrf = csrfFrom((await late.get(`/appeals/${appeal.id}`)).body);
    await appeals.withdrawAppeal(t.ctx, actor, appeal.id);
    const closed = await late.post(action, { fullName: '', postalAddress: '' }, lateCsrf);
    expect(closed.status).toBe(409);
    expect(textOf(closed.body)).toContain('Подписи под этим обращением больше не собираются.');
  });

  it('refuses to let someone else edit or open an appeal', async () => {
    const stranger = await createUser(t.ctx);
    const other = browser(t.app, await sessionCookieFor(t.ctx, stranger));
    const form = await other.get(`/problems/${problemId}/appeals/new`);
    expect(form.status).toBe(403);
  });
});
