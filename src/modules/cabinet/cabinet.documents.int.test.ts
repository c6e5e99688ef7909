/**
 * Documents on the letterhead (issue 12): the head of a deputy's organization issues an inquiry about a problem from
 * its page without JavaScript (a refused form shown again, nothing written); the document is public at once, on the
 * problem's timeline under the organization's name; its PDF, set by the job, prints the letterhead, the text, its
 * SHA-256 and the document's page, the signatures of the problem's appeals and, in the annex, the public names of the
 * signers who agreed to be named, each once — never an address, a full name or an e-mail. A clerk, another
 * organization's head and the organization's API token cannot issue one.
 */
import { createHash } from 'node:crypto';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  addMember,
  apiTokenFor,
  createOrganization,
  createProblem,
  openAppeal,
  sessionCookieFor,
  sign,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom, decode } from '../../../test/support/http.ts';
import type { Organization, Problem, User } from '../../core/db/schema.ts';
import { documentPdfJob, setDocumentPdf } from './cabinet.documents.ts';
import { updateLetterhead } from './cabinet.letterhead.ts';
import { createToken } from './cabinet.tokens.ts';

let t: TestApp;
let deputy: Organization;
let other: Organization;
let head: User;
let clerk: User;
let headOfOther: User;
let problem: Problem;
const signers: User[] = [];

const textOf = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const as = async (user: User) => browser(t.app, await sessionCookieFor(t.ctx, user));
const flat = (value: string) => value.replace(/\s+/g, ' ');
const inquiry = [
  'Прошу сообщить, в какие сроки будет отремонтирован мост через реку Тьмаку.',
  '',
  'Жители просят:',
  '',
  '- закрыть **аварийный** пролёт;',
  '- установить временное ограждение.',
].join('\n');

beforeAll(async () => {
  t = await createTestApp();
  deputy = await createOrganization(t.ctx, { name: 'Депутат Тверской городской Думы по округу № 5', slug: 'deputy-district-5' });
  other = await createOrganization(t.ctx, { name: 'Соседняя фракция', slug: 'other-faction' });
  head = await verifiedCitizen(t.ctx, { surname: 'Депутатова', firstName: 'Дарья' });
  clerk = await verifiedCitizen(t.ctx, { surname: 'Помощников', firstName: 'Павел' });
  headOfOther = await verifiedCitizen(t.ctx, { surname: 'Фракционный', firstName: 'Фёдор' });
  await addMember(t.ctx, deputy, head, 'head', 'депутат');
  await addMember(t.ctx, deputy, clerk, 'clerk', 'помощник депутата');
  await addMember(t.ctx, other, headOfOther, 'head');
  await updateLetterhead(t.ctx, actorOf(head, { memberships: new Map([[deputy.id, 'head']]) }), deputy, {
    headerLines: ['Депутат Тверской городской Думы', 'избирательный округ № 5', '170100, г. Тверь, ул. Советская, д. 11'],
    signaturePosition: 'Депутат Тверской городской Думы',
    signatureName: 'Д. Д. Депутатова',
  });
  const author = await verifiedCitizen(t.ctx, { surname: 'Мостовая', firstName: 'Мария' });
  problem = await createProblem(t.ctx, { author, title: 'Аварийный мост через Тьмаку' });
  const { appeal } = await openAppeal(t.ctx, { author, problem, threshold: 100, acknowledgeWarnings: true });
  const named = [
    ['Светлова', 'Светлана'],
    ['Ясенев', 'Ярослав'],
  ];
  for (const [surname, firstName] of named) {
    const signer = await verifiedCitizen(t.ctx, { surname, firstName, email: `${surname}@signers.example` });
    signers.push(signer);
    await sign(t.ctx, appeal.id, signer, { postalAddress: `170000, г. Тверь, ул. Потаённая, д. ${signers.length}` });
  }
  // A signer who did not agree to be named: counted, never named.
  const unnamed = await verifiedCitizen(t.ctx, { surname: 'Безымянный', firstName: 'Борис', email: 'boris@signers.example' });
  await sign(t.ctx, appeal.id, unnamed, { consentPublicName: false, postalAddress: '170000, г. Тверь, ул. Тайная, д. 9' });
});
afterAll(() => t?.stop());

describe('a document on the letterhead', () => {
  let documentId = 0;

  it('is issued by the head from the problem without JavaScript, after a refused form that wrote nothing', async () => {
    const me = await as(head);
    const problemPage = await me.get(`/problems/${problem.id}`);
    expect(problemPage.body).toContain(`href="/cabinet/${deputy.slug}/problems/${problem.id}/document"`);
    const form = await me.get(`/cabinet/${deputy.slug}/problems/${problem.id}/document`);
    expect(form.status).toBe(200);
    expect(textOf(form.body)).toContain('Подписей под коллективными обращениями о проблеме: 3.');
    const refused = await me.post(
      `/cabinet/${deputy.slug}/problems/${problem.id}/document`,
      { title: '', addressee: 'Раз\nДва\nТри\nЧетыре\nПять\nШесть\nСемь', outgoingNumber: '', text: 'Коротко' },
      csrfFrom(form.body),
    );
    expect(refused.status).toBe(422);
    expect(textOf(refused.body)).toContain('Не больше 6 строк в поле «Кому».');
    expect(await t.ctx.db.selectFrom('organization_documents').select('id').execute()).toEqual([]);
    const issued = await me.post(
      `/cabinet/${deputy.slug}/problems/${problem.id}/document`,
      { title: 'Депутатский запрос о ремонте моста через Тьмаку', addressee: 'Главе города Твери\nА. А. Огонькову', outgoingNumber: 'ДЗ-5/12', text: inquiry },
      csrfFrom(form.body),
    );
    expect(issued.status).toBe(303);
    const location = String(issued.location);
    expect(location).toMatch(/^\/documents\/\d+$/);
    documentId = Number(location.split('/').at(-1));

    // Public at once, with its hash; its PDF follows.
    const anonymous = browser(t.app);
    const page = await anonymous.get(location);
    expect(page.status).toBe(200);
    const shown = textOf(page.body);
    expect(shown).toContain('Депутатский запрос о ремонте моста через Тьмаку');
    expect(shown).toContain('Главе города Твери');
    expect(page.body).toContain('<strong>аварийный</strong>');
    expect(shown).toContain(createHash('sha256').update(inquiry, 'utf8').digest('hex'));
    const early = await t.app.inject({ method: 'GET', url: `/api/v1/documents/${documentId}` });
    expect(early.json()).toMatchObject({ id: documentId, signatures: 3, named: null, pdfUrl: null, outgoingNumber: 'ДЗ-5/12' });
    // On the problem's timeline, under the organization's name.
    const timeline = textOf((await anonymous.get(`/problems/${problem.id}`)).body);
    expect(timeline).toContain('Организация выпустила документ на своём бланке с поддержкой граждан');
    expect(timeline).toContain('Депутат Тверской городской Думы по округу № 5');
  });

  it('is set as a PDF on the letterhead naming the consenting signers, never an address, a full name or an e-mail', async () => {
    await t.jobs.drain(documentPdfJob);
    const pdf = await t.app.inject({ method: 'GET', url: `/documents/${documentId}/pdf` });
    expect([pdf.statusCode, pdf.headers['content-type']]).toEqual([200, 'application/pdf']);
    const printed = flat((await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true })).text);
    for (const line of ['Депутат Тверской городской Думы', 'избирательный округ № 5', 'Главе города Твери', 'А. А. Огонькову', '№ ДЗ-5/12'])
      expect(printed).toContain(line);
    expect(printed).toContain('Депутатский запрос о ремонте моста через Тьмаку');
    expect(printed).toContain('Прошу сообщить, в какие сроки будет отремонтирован мост через реку Тьмаку.');
    expect(printed).toContain('закрыть аварийный пролёт;');
    expect(printed).toMatch(/подписей под ними —\s3\./);
    expect(printed).toMatch(/Имена 2\sчеловек из подписавших приведены в приложении с их согласия\./);
    expect(printed).toContain('Д. Д. Депутатова');
    expect(printed).toContain('Светлана С.');
    expect(printed).toContain('Ярослав Я.');
    expect(printed).toContain(createHash('sha256').update(inquiry, 'utf8').digest('hex'));
    expect(printed).toContain(`/documents/${documentId}`);
    expect(printed).toContain(`/problems/${problem.id}`);
    for (const secret of ['Потаённая', 'Тайная', 'Безымянный', 'Борис', 'Светлова Светлана', '@signers.example']) expect(printed).not.toContain(secret);
    const api = await t.app.inject({ method: 'GET', url: `/api/v1/documents/${documentId}` });
    expect(api.json()).toMatchObject({ named: 2, pdfUrl: expect.stringContaining(`/documents/${documentId}/pdf`) });
    // The cabinet lists it for every official.
    const list = textOf((await (await as(clerk)).get(`/cabinet/${deputy.slug}/documents`)).body);
    expect(list).toContain('Депутатский запрос о ремонте моста через Тьмаку');
    expect(list).toContain('PDF на бланке');
  });

  it('cannot be issued by a clerk, another organization’s head or the organization’s API token; the head may over the API', async () => {
    const body = { title: 'Письмо', addressee: 'Главе', text: 'Прошу принять меры по обращению граждан.' };
    const clerkToken = await apiTokenFor(t.ctx, clerk, 'write');
    const byClerk = await t.app.inject({
      method: 'POST',
      url: `/api/v1/cabinet/${deputy.slug}/problems/${problem.id}/documents`,
      headers: { authorization: `Bearer ${clerkToken}` },
      payload: body,
    });
    expect([byClerk.statusCode, byClerk.json().error.code]).toEqual([403, 'not_head']);
    const otherToken = await apiTokenFor(t.ctx, headOfOther, 'write');
    const byOther = await t.app.inject({
      method: 'POST',
      url: `/api/v1/cabinet/${deputy.slug}/problems/${problem.id}/documents`,
      headers: { authorization: `Bearer ${otherToken}` },
      payload: body,
    });
    expect([byOther.statusCode, byOther.json().error.code]).toEqual([403, 'not_member']);
    const organizationToken = await createToken(t.ctx, actorOf(head, { memberships: new Map([[deputy.id, 'head']]) }), deputy, {
      name: 'СЭД',
      scopes: ['read', 'write'],
    });
    const bySed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/cabinet/${deputy.slug}/problems/${problem.id}/documents`,
      headers: { authorization: `Bearer ${organizationToken.token}` },
      payload: body,
    });
    expect(bySed.statusCode).toBe(403);
    const headToken = await apiTokenFor(t.ctx, head, 'write');
    const byHead = await t.app.inject({
      method: 'POST',
      url: `/api/v1/cabinet/${deputy.slug}/problems/${problem.id}/documents`,
      headers: { authorization: `Bearer ${headToken}` },
      payload: body,
    });
    expect(byHead.statusCode).toBe(201);
    expect(byHead.json()).toMatchObject({ title: 'Письмо', addressee: 'Главе', signatures: 3, organization: { slug: deputy.slug } });
    expect(await t.ctx.db.selectFrom('organization_documents').select('id').execute()).toHaveLength(2);
    // Until its job has run, the PDF is «not ready» (409) and the page says so; the job's run sets it once.
    const second = byHead.json().id as number;
    await t.jobs.drain(documentPdfJob);
    await t.ctx.db.updateTable('organization_documents').set({ pdf: null, pdf_sha256: null, named: null }).where('id', '=', second).execute();
    const pending = await t.app.inject({ method: 'GET', url: `/documents/${second}/pdf` });
    expect([pending.statusCode, pending.headers['content-type']]).toEqual([409, expect.stringContaining('text/html')]);
    expect(textOf(pending.body)).toContain('PDF документа ещё готовится');
    expect(textOf((await browser(t.app).get(`/documents/${second}`)).body)).toContain('PDF готовится');
    expect(await setDocumentPdf(t.ctx, second)).toBe(true);
    expect(await setDocumentPdf(t.ctx, second)).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: `/documents/${second}/pdf` })).statusCode).toBe(200);
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/documents/999999' });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'not_found']);
  });
});
