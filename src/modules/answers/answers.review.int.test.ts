/**
 * The two weeks after an answer: the signers and the author rate it on the page and over the API (nobody
 * else; bad input refused with nothing written), the window's end closes the appeal once under two sweeps
 * with the citizens' verdict and one e-mail each, and an appeal left unanswered past the grace period
 * closes «без ответа».
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, apiTokenFor, createOrganization, createUser, openAppeal, sessionCookieFor, sign } from '../../../test/support/factories.ts';
import { browser, csrfFrom, formFields } from '../../../test/support/http.ts';
import type { Organization } from '../../core/db/schema.ts';
import { escalateAppeal } from '../appeals/appeals.escalation.ts';
import { replyAddress } from '../appeals/appeals.reply-address.ts';
import { getAppealRow, openForSignatures, recordSelfSent } from '../appeals/appeals.service.ts';
import { follow } from '../problems/problems.service.ts';
import { recountOrganizationStats } from './answers.ratings.ts';
import { closeEndedReviews, rateAnswer } from './answers.review.ts';
import { decideLetter, processInbound, receiveInbound } from './answers.service.ts';
import { closeUnansweredAppeals } from './answers.unanswered.ts';

const domain = 'reply.democrator.test';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ INBOUND_MAIL_DOMAIN: domain, REVIEW_DAYS: '14', UNANSWERED_GRACE_DAYS: '7', RATING_MIN_CLOSED: '2' });
});
afterAll(() => t?.stop());

const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

/** An appeal the author sent himself, with three signers and a follower, whose e-mailed answer the author confirmed. */
async function answeredAppeal(organization?: Organization) {
  const fixture = await openAppeal(t.ctx, { threshold: 50, acknowledgeWarnings: true, ...(organization ? { organization } : {}) });
  const { appeal, author } = fixture;
  const signers = [];
  for (let i = 0; i < 3; i++) signers.push((await sign(t.ctx, appeal.id, undefined, { consentPublicName: i === 0 })).signer);
  const follower = await createUser(t.ctx, { surname: 'Следящая', firstName: 'Нина' });
  await follow(t.ctx, actorOf(follower), fixture.problem.id, true);
  await recordSelfSent(t.ctx, actorOf(author), appeal.id, { sentOn: new Date(Date.now() - 86_400_000), registrationNumber: '' });
  const raw = Buffer.from(
    [
      'From: priemnaya@admin.example',
      `To: ${replyAddress(appeal.id, t.ctx.config.secret, domain)}`,
      `Subject: Ответ на обращение № ${appeal.id}`,
      `Message-ID: <answer-${appeal.id}@admin.example>`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Ремонт двора включён в план работ на июнь.',
    ].join('\r\n'),
  );
  await processInbound(t.ctx, await receiveInbound(t.ctx, { channel: 'webhook', raw }));
  const letter = await t.ctx.db.selectFrom('appeal_letters').select('id').where('appeal_id', '=', appeal.id).executeTakeFirstOrThrow();
  await decideLetter(t.ctx, actorOf(author), appeal.id, letter.id, 'answer');
  return { ...fixture, signers, follower };
}

const ratingsOf = (appealId: number) =>
  t.ctx.db.selectFrom('answer_ratings').select(['user_id', 'score', 'solved', 'comment']).where('appeal_id', '=', appealId).orderBy('user_id').execute();

describe('rating an answer', () => {
  it('lets the signers and the author rate and change their rating, on the page and over the API, and nobody else', async () => {
    const { appeal, author, signers, follower } = await answeredAppeal();
    const [first, second] = signers as [NonNullable<(typeof signers)[0]>, NonNullable<(typeof signers)[1]>];
    const answered = await getAppealRow(t.ctx, appeal.id);
    expect(answered.status).toBe('review');
    const windowDays = ((answered.review_closes_at as Date).getTime() - (answered.answered_at as Date).getTime()) / 86_400_000;
    expect(windowDays).toBe(14);

    // A signer sees the form; the follower (who did not sign) and a visitor see why they cannot rate.
    const signerBrowser = browser(t.app, await sessionCookieFor(t.ctx, first));
    const signerPage = await signerBrowser.get(`/appeals/${appeal.id}`);
    expect(signerPage.body).toContain(`action="/appeals/${appeal.id}/rating"`);
    expect(textOf(signerPage.body)).toContain('Ответ пока никто не оценил.');
    const followerPage = await browser(t.app, await sessionCookieFor(t.ctx, follower)).get(`/appeals/${appeal.id}`);
    expect(followerPage.body).not.toContain(`/appeals/${appeal.id}/rating"`);
    expect(textOf(followerPage.body)).toContain('Оценивать ответ могут только подписавшие обращение и его автор.');
    const visitorPage = await browser(t.app).get(`/appeals/${appeal.id}`);
    expect(textOf(visitorPage.body)).toContain('войдите, если вы подписывали его');

    // Out of range: the form comes back with its message, nothing written.
    const csrf = csrfFrom(signerPage.body);
    const refused = await signerBrowser.post(`/appeals/${appeal.id}/rating`, { score: '6', solved: 'perhaps', comment: 'Всё хорошо' }, csrf);
    expect(refused.status).toBe(422);
    expect(textOf(refused.body)).toContain('Выберите оценку от 1 до 5.');
    expect(textOf(refused.body)).toContain('Ответьте, решена ли проблема');
    expect(refused.body).toContain('Всё хорошо');
    expect(await ratingsOf(appeal.id)).toEqual([]);

    // The form, then a change of mind: one rating, the latest.
    expect((await signerBrowser.post(`/appeals/${appeal.id}/rating`, { score: '2', solved: 'no', comment: '' }, csrf)).status).toBe(303);
    expect((await signerBrowser.post(`/appeals/${appeal.id}/rating`, { score: '4', solved: 'partly', comment: 'Обещали только на июнь.' }, csrf)).status).toBe(
      303,
    );
    // The API: a second signer and the author; the follower is refused with its code.
    const api = async (user: typeof first, body: unknown) =>
      t.app.inject({
        method: 'PUT',
        url: `/api/v1/appeals/${appeal.id}/review/mine`,
        headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, user)}` },
        payload: body as Record<string, unknown>,
      });
    const byApi = await api(second, { score: 5, solved: 'yes' });
    expect(byApi.statusCode).toBe(200);
    expect(byApi.json()).toMatchObject({ total: 2, verdicts: { yes: 1, partly: 1, no: 0 }, mine: { score: 5, solved: 'yes' }, canRate: true, open: true });
    expect((await api(author, { score: 3, solved: 'partly', comment: 'Посмотрим в июне.' })).statusCode).toBe(200);
    const stranger = await api(follower, { score: 1, solved: 'no' });
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json()).toMatchObject({ error: { code: 'not_signer' } });
    expect((await api(second, { score: 0, solved: 'yes' })).statusCode).toBe(422);

    expect(await ratingsOf(appeal.id)).toEqual(
      [
        { user_id: author.id, score: 3, solved: 'partly', comment: 'Посмотрим в июне.' },
        { user_id: first.id, score: 4, solved: 'partly', comment: 'Обещали только на июнь.' },
        { user_id: second.id, score: 5, solved: 'yes', comment: null },
      ].sort((a, b) => a.user_id - b.user_id),
    );
    // On reload, without JavaScript: the distribution, the author's own verdict, the comments under the answer.
    const reloaded = textOf((await browser(t.app).get(`/appeals/${appeal.id}`)).body);
    expect(reloaded).toContain('3 оценки, средний балл — 4,0 из 5.');
    expect(reloaded).toContain('Частично 2 (67 %)');
    expect(reloaded).toContain('Мнение автора обращения: Частично');
    expect(reloaded).toContain('2 комментария к ответу');
    expect(reloaded).toContain('Обещали только на июнь.');
    const review = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}/review` });
    expect(review.json()).toMatchObject({ total: 3, authorVerdict: 'partly', canRate: false, refusal: 'unauthenticated' });
  });
});

describe('the end of the review', () => {
  it('closes the appeal once under two sweeps, with the citizens’ verdict, freezes the ratings and tells each person once', async () => {
    const { appeal, author, signers, follower } = await answeredAppeal();
    for (const [signer, solved] of [
      [signers[0], 'no'],
      [signers[1], 'no'],
      [signers[2], 'yes'],
    ] as const)
      await rateAnswer(t.ctx, actorOf(signer!), appeal.id, { score: 2, solved, comment: null });
    await rateAnswer(t.ctx, actorOf(author), appeal.id, { score: 1, solved: 'no', comment: null });
    // Not yet: the window is open.
    expect(await closeEndedReviews(t.ctx)).toBe(0);
    await sql`update appeals set review_closes_at = now() - interval '1 minute' where id = ${appeal.id}`.execute(t.ctx.db);

    const closed = await Promise.all([closeEndedReviews(t.ctx), closeEndedReviews(t.ctx)]);
    expect(closed[0] + closed[1]).toBe(1);
    expect(await closeEndedReviews(t.ctx)).toBe(0);
    const row = await getAppealRow(t.ctx, appeal.id);
    expect(row).toMatchObject({ status: 'closed', outcome: 'unresolved' });
    expect(row.closed_at).toBeInstanceOf(Date);
    const events = await t.ctx.db.selectFrom('problem_events').select('data').where('appeal_id', '=', appeal.id).where('kind', '=', 'appeal.closed').execute();
    expect(events.map((event) => event.data)).toEqual([expect.objectContaining({ outcome: 'unresolved', yes: 1, partly: 0, no: 3 })]);

    // Frozen: no change, no late rating.
    await expect(rateAnswer(t.ctx, actorOf(signers[2]!), appeal.id, { score: 5, solved: 'yes', comment: null })).rejects.toMatchObject({
      code: 'review_closed',
    });
    const page = textOf((await browser(t.app).get(`/appeals/${appeal.id}`)).body);
    expect(page).toMatch(/Закрыто \d+ \S+ \d{4} г\. — по мнению подписавших и автора, проблема не решена/);
    expect(page).toContain('Нет, не решена 3 (75 %)');
    expect(page).not.toContain('Сохранить оценку');

    await t.ctx.jobs.drain('answers.notify-closed');
    await t.ctx.jobs.drain('answers.notify-closed');
    const told = await t.ctx.db.selectFrom('notifications').select('user_id').where('appeal_id', '=', appeal.id).where('kind', '=', 'appeal.closed').execute();
    expect(told.map((row) => row.user_id).sort((a, b) => a - b)).toEqual(
      [author.id, ...signers.map((signer) => signer!.id), follower.id].sort((a, b) => a - b),
    );
  });

  it('closes an appeal with no answer «без ответа» once the grace period after its due date passed, skipping the answer on the tracker', async () => {
    const fixture = await openAppeal(t.ctx, { threshold: 50, acknowledgeWarnings: true });
    const { signer } = await sign(t.ctx, fixture.appeal.id);
    await recordSelfSent(t.ctx, actorOf(fixture.author), fixture.appeal.id, { sentOn: new Date(Date.now() - 86_400_000), registrationNumber: '' });
    // Six days past due: still within the grace period.
    await sql`update appeals set answer_due_at = now() - interval '6 days' where id = ${fixture.appeal.id}`.execute(t.ctx.db);
    expect(await closeUnansweredAppeals(t.ctx)).toBe(0);
    await sql`update appeals set answer_due_at = now() - interval '8 days' where id = ${fixture.appeal.id}`.execute(t.ctx.db);
    const closed = await Promise.all([closeUnansweredAppeals(t.ctx), closeUnansweredAppeals(t.ctx)]);
    expect(closed[0] + closed[1]).toBe(1);
    expect(await getAppealRow(t.ctx, fixture.appeal.id)).toMatchObject({ status: 'closed', outcome: 'unanswered', answered_at: null });

    const page = await browser(t.app).get(`/appeals/${fixture.appeal.id}`);
    expect(textOf(page.body)).toContain('без ответа: адресат не ответил и после срока');
    const tracker = page.body.slice(page.body.indexOf('class="stages'), page.body.indexOf('</ol>', page.body.indexOf('class="stages')));
    expect(tracker).not.toContain('Оценка');
    await t.ctx.jobs.drain('answers.notify-closed-unanswered');
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select('user_id')
      .where('appeal_id', '=', fixture.appeal.id)
      .where('kind', '=', 'appeal.closed_unanswered')
      .execute();
    expect(told.map((row) => row.user_id).sort((a, b) => a - b)).toEqual([fixture.author.id, signer.id].sort((a, b) => a - b));
  });
});

describe('organization ratings', () => {
  it('shows each organization’s rating and its place in the league tables, as pages, CSV, Atom and JSON', async () => {
    const good = await createOrganization(t.ctx, { name: 'Администрация образцового округа', slug: 'model-district', appealThreshold: 50 });
    const weak = await createOrganization(t.ctx, { name: '=Управление «Медленное»', slug: 'slow-department', appealThreshold: 50 });
    const close = async (organization: Organization, verdict: 'yes' | 'no', score: number) => {
      const { appeal, signers } = await answeredAppeal(organization);
      for (const signer of signers) await rateAnswer(t.ctx, actorOf(signer), appeal.id, { score, solved: verdict, comment: null });
      await sql`update appeals set review_closes_at = now() - interval '1 minute' where id = ${appeal.id}`.execute(t.ctx.db);
      expect(await closeEndedReviews(t.ctx)).toBe(1);
    };
    await close(good, 'yes', 5);
    await close(good, 'yes', 4);
    await close(weak, 'no', 1);
    await close(weak, 'no', 2);
    expect(await recountOrganizationStats(t.ctx)).toEqual([]);

    const page = textOf((await browser(t.app).get('/organizations/model-district')).body);
    expect(page).toContain('Рейтинг организации');
    expect(page).toContain('по 6 оценкам');
    expect(page).toContain('Закрыты: проблема решена 2');
    expect(page).toMatch(/Решённые проблемы 100 %/);

    const league = await browser(t.app).get('/ratings?sort=resolution');
    expect(league.status).toBe(200);
    const rows = textOf(league.body);
    expect(rows.indexOf('Администрация образцового округа')).toBeLessThan(rows.indexOf('=Управление «Медленное»'));
    expect(league.body).toContain('href="/ratings.atom"');

    const csv = await t.app.inject({ method: 'GET', url: '/ratings.csv?sort=resolution' });
    expect(csv.headers['content-type']).toContain('text/csv');
    // A cell that starts like a formula is made inert for spreadsheets.
    expect(csv.body).toContain(`"'=Управление «Медленное»"`);
    expect(csv.body.split('\r\n')[1]).toMatch(/^1,"Администрация образцового округа","model-district",/);

    const feed = await t.app.inject({ method: 'GET', url: '/ratings.atom' });
    expect(feed.headers['content-type']).toContain('application/atom+xml');
    expect(feed.body).toContain('оценка ответа на обращение');

    const api = (await t.app.inject({ method: 'GET', url: '/api/v1/ratings?sort=resolution&perPage=200' })).json();
    const mine = api.items.filter((item: { organization: { slug: string } }) => ['model-district', 'slow-department'].includes(item.organization.slug));
    expect(
      mine.map((item: { organization: { slug: string }; rating: { resolution: { value: number } } }) => [item.organization.slug, item.rating.resolution.value]),
    ).toEqual([
      ['model-district', 1],
      ['slow-department', 0],
    ]);
    const one = (await t.app.inject({ method: 'GET', url: '/api/v1/organizations/model-district/rating' })).json();
    expect(one.rating).toMatchObject({ ranked: true, closedAppeals: 2, quality: { n: 6 } });
    expect(one.months).toHaveLength(12);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/organizations/nobody/rating' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/ratings?sort=loudness' })).statusCode).toBe(422);

    const formula = textOf((await browser(t.app).get('/ratings/formula')).body);
    expect(formula).toContain('W = v / (v + m) · R + m / (v + m) · C');
    expect(formula).toContain('m = 10');
  });
});

describe('escalation', () => {
  it('lets the author of an appeal closed unresolved start the next appeal to the parent, and invites the earlier signers to sign it with one form', async () => {
    const region = await createOrganization(t.ctx, { name: 'Правительство области (эскалация)', slug: 'region-government', appealThreshold: 50 });
    const district = await createOrganization(t.ctx, {
      name: 'Администрация района (эскалация)',
      slug: 'district-escalation',
      parentId: region.id,
      appealThreshold: 50,
    });
    const { appeal, author, signers } = await answeredAppeal(district);
    for (const signer of signers) await rateAnswer(t.ctx, actorOf(signer), appeal.id, { score: 1, solved: 'no', comment: null });
    // Not while it is being rated: the verdict is not in yet.
    const api = async (user: typeof author, appealId: number, body: Record<string, unknown> = {}) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/appeals/${appealId}/escalation`,
        headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, user)}` },
        payload: body,
      });
    expect((await api(author, appeal.id)).json()).toMatchObject({ error: { code: 'escalation_not_allowed' } });
    await sql`update appeals set review_closes_at = now() - interval '1 minute' where id = ${appeal.id}`.execute(t.ctx.db);
    await closeEndedReviews(t.ctx);

    const authorBrowser = browser(t.app, await sessionCookieFor(t.ctx, author));
    const page = await authorBrowser.get(`/appeals/${appeal.id}`);
    expect(page.body).toContain(`href="/appeals/${appeal.id}/escalate"`);
    expect((await browser(t.app, await sessionCookieFor(t.ctx, signers[0]!)).get(`/appeals/${appeal.id}`)).body).not.toContain('/escalate"');
    expect((await api(signers[0]!, appeal.id)).json()).toMatchObject({ error: { code: 'not_author' } });

    // The form picks the parent; its POST starts a draft with the earlier text, addressed to it.
    const form = await authorBrowser.get(`/appeals/${appeal.id}/escalate`);
    expect(form.status).toBe(200);
    expect(form.body).toMatch(new RegExp(`<option value="${region.id}" selected`));
    const started = await authorBrowser.post(`/appeals/${appeal.id}/escalate`, { organizationId: String(region.id) }, csrfFrom(form.body));
    expect(started.status).toBe(303);
    const escalated = await t.ctx.db.selectFrom('appeals').selectAll().where('previous_appeal_id', '=', appeal.id).executeTakeFirstOrThrow();
    expect(started.location).toBe(`/appeals/${escalated.id}/edit`);
    expect(escalated).toMatchObject({ status: 'draft', organization_id: region.id, title: appeal.title });
    const texts = await t.ctx.db.selectFrom('appeal_revisions').select(['appeal_id', 'text']).where('appeal_id', 'in', [appeal.id, escalated.id]).execute();
    expect(new Set(texts.map((row) => row.text)).size).toBe(1);
    // Once: a second escalation names the first.
    expect((await api(author, appeal.id)).json()).toMatchObject({ error: { code: 'appeal_already_escalated' } });

    // Opened: each earlier signer is invited once, the author not.
    await openForSignatures(t.ctx, actorOf(author), escalated.id, { acknowledgeWarnings: true });
    await t.ctx.jobs.drain('appeals.invite-earlier-signers');
    await t.ctx.jobs.drain('appeals.invite-earlier-signers');
    const invited = await t.ctx.db
      .selectFrom('notifications')
      .select('user_id')
      .where('appeal_id', '=', escalated.id)
      .where('kind', '=', 'appeal.escalated')
      .execute();
    expect(invited.map((row) => row.user_id).sort((a, b) => a - b)).toEqual(signers.map((signer) => signer!.id).sort((a, b) => a - b));

    // An earlier signer signs the new text with the page's one form (name and address filled in), giving consent anew.
    const signerBrowser = browser(t.app, await sessionCookieFor(t.ctx, signers[1]!));
    const newPage = await signerBrowser.get(`/appeals/${escalated.id}`);
    expect(textOf(newPage.body)).toContain('Цепочка обращений');
    expect(textOf(newPage.body)).toContain(`№ ${appeal.id} — Администрация района (эскалация)`);
    const fields = formFields(newPage.body, `/appeals/${escalated.id}/signatures`);
    expect(fields.fullName?.[0]).toBeTruthy();
    const signed = await signerBrowser.post(
      `/appeals/${escalated.id}/signatures`,
      { fullName: fields.fullName![0]!, postalAddress: fields.postalAddress![0]!, consentTransfer: 'yes' },
      csrfFrom(newPage.body),
    );
    expect(signed.status).toBe(303);
    const signature = await t.ctx.db
      .selectFrom('signatures')
      .select(['user_id', 'text_sha256'])
      .where('appeal_id', '=', escalated.id)
      .executeTakeFirstOrThrow();
    expect(signature.user_id).toBe(signers[1]!.id);
    expect(signature.text_sha256).toBe((await getAppealRow(t.ctx, escalated.id)).text_sha256);
  });

  it('refuses to escalate an appeal whose problem the citizens called solved', async () => {
    const { appeal, author, signers } = await answeredAppeal();
    for (const signer of signers) await rateAnswer(t.ctx, actorOf(signer), appeal.id, { score: 5, solved: 'yes', comment: null });
    await sql`update appeals set review_closes_at = now() - interval '1 minute' where id = ${appeal.id}`.execute(t.ctx.db);
    await closeEndedReviews(t.ctx);
    await expect(escalateAppeal(t.ctx, actorOf(author), appeal.id, { organizationId: null })).rejects.toMatchObject({ code: 'escalation_not_allowed' });
  });
});
