/**
 * Moderation end to end: reports from three different people hide an item at once pending review and tell its
 * author; a moderator restores or hides it (alone or in bulk, all or nothing) with a reason shown in its place;
 * a moderator cannot decide on his own item or one he reported; the author appeals once and an administrator
 * decides; a hidden appeal stops collecting; every decision is in the audit log. Pages without JavaScript and
 * the API alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  addComment,
  apiTokenFor,
  createProblem,
  createUser,
  openAppeal,
  reportAuthor,
  reportContent,
  sessionCookieFor,
  sign,
  signInput,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import { rateAnswer } from '../answers/answers.review.ts';
import { uploadAnswer } from '../answers/answers.upload.ts';
import { recordSelfSent } from '../appeals/appeals.service.ts';

let t: TestApp;
let moderator: User;
let otherModerator: User;
let admin: User;

beforeAll(async () => {
  t = await createTestApp();
  moderator = await createUser(t.ctx, { role: 'moderator', surname: 'Модераторова', firstName: 'Ирина' });
  otherModerator = await createUser(t.ctx, { role: 'moderator', surname: 'Проверяев', firstName: 'Олег' });
  admin = await createUser(t.ctx, { role: 'admin', surname: 'Админова', firstName: 'Анна' });
});
afterAll(() => t?.stop());

const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');
const as = async (user: User) => browser(t.app, await sessionCookieFor(t.ctx, user));
const caseOf = (type: string, id: number) =>
  t.ctx.db
    .selectFrom('moderation_cases')
    .selectAll()
    .where('subject_type', '=', type as 'problem')
    .where('subject_id', '=', id)
    .executeTakeFirstOrThrow();
const kindsFor = async (user: User) =>
  (await t.ctx.db.selectFrom('notifications').select('kind').where('user_id', '=', user.id).orderBy('id').execute()).map((row) => row.kind);
const auditActions = async (type: string, id: number) =>
  (
    await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('subject_type', '=', type)
      .where('subject_id', '=', String(id))
      .where('action', 'like', 'moderation.%')
      .orderBy('id')
      .execute()
  ).map((row) => row.action);

async function api(user: User, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const token = await apiTokenFor(t.ctx, user);
  const response = await t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload: payload as object } : {}) });
  return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : null };
}

describe('reports', () => {
  it('hides a problem at the third report from different people, tells its author, and a moderator restores it', async () => {
    const author = await verifiedCitizen(t.ctx, { surname: 'Публикующая', firstName: 'Дарья' });
    const problem = await createProblem(t.ctx, { author, title: 'Спорная публикация о дворе' });
    // The report form without JavaScript: the item in context, the reasons, a translated error for a missing reason.
    const first = await verifiedCitizen(t.ctx);
    const page = await (await as(first)).get(`/report/problem/${problem.id}`);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Спорная публикация о дворе');
    expect(textOf(page.body)).toContain('Оскорбления, угрозы, травля');
    const firstBrowser = await as(first);
    const refused = await firstBrowser.submit(`/report/problem/${problem.id}`, `/report/problem/${problem.id}`, { reason: 'other', details: '' });
    expect(refused.status).toBe(422);
    expect(textOf(refused.body)).toContain('Заполните это поле.');
    const sent = await firstBrowser.submit(`/report/problem/${problem.id}`, `/report/problem/${problem.id}`, { reason: 'spam', details: 'Реклама ремонта.' });
    expect(sent.status).toBe(303);
    expect(sent.location).toBe(`/problems/${problem.id}`);
    // Once per person; never one's own.
    await expect(reportContent(t.ctx, 'problem', problem.id, first)).rejects.toMatchObject({ code: 'already_reported' });
    await expect(reportContent(t.ctx, 'problem', problem.id, author)).rejects.toMatchObject({ code: 'own_content' });
    expect((await caseOf('problem', problem.id)).open_reports).toBe(1);

    expect((await reportContent(t.ctx, 'problem', problem.id)).state).toBe('reported');
    expect((await browser(t.app).get(`/problems/${problem.id}`)).status).toBe(200);
    expect((await reportContent(t.ctx, 'problem', problem.id, undefined, 'abuse')).state).toBe('auto_hidden');

    // Hidden at once, for everyone: the page gives the reason (410), the API too, the list and search no longer have it.
    const hiddenPage = await browser(t.app).get(`/problems/${problem.id}`);
    expect(hiddenPage.status).toBe(410);
    expect(textOf(hiddenPage.body)).toContain('Скрыто модератором');
    expect(textOf(hiddenPage.body)).toContain('на публикацию пожаловались несколько участников');
    const hiddenApi = await t.app.inject({ method: 'GET', url: `/api/v1/problems/${problem.id}` });
    expect(hiddenApi.statusCode).toBe(410);
    expect(JSON.parse(hiddenApi.body).error.code).toBe('content_hidden');
    expect((await browser(t.app).get('/problems?q=Спорная')).body).not.toContain(`/problems/${problem.id}"`);
    expect(await kindsFor(author)).toContain('moderation.hidden_pending');
    const mine = await (await as(author)).get('/moderation/mine');
    expect(textOf(mine.body)).toContain('Публикация скрыта до проверки модератором');

    // The queue shows it first with its reasons; a citizen has no queue.
    expect((await (await as(first)).get('/moderation')).status).toBe(403);
    const queue = await (await as(moderator)).get('/moderation');
    expect(queue.status).toBe(200);
    expect(textOf(queue.body)).toContain('Скрыто до проверки');
    expect(textOf(queue.body)).toContain('Спам или реклама: 2');
    const item = await caseOf('problem', problem.id);
    const casePage = await (await as(moderator)).get(`/moderation/cases/${item.id}`);
    expect(textOf(casePage.body)).toContain('Реклама ремонта.');

    // Restoring it: visible again with its status, the reports resolved, the author told, the log written.
    const moderatorBrowser = await as(moderator);
    const restored = await moderatorBrowser.submit(`/moderation/cases/${item.id}`, `/moderation/cases/${item.id}/decision`, {
      decision: 'restore',
      reason: 'Нарушений нет: это описание проблемы.',
    });
    expect(restored.status).toBe(303);
    expect((await browser(t.app).get(`/problems/${problem.id}`)).status).toBe(200);
    const after = await caseOf('problem', problem.id);
    expect(after).toMatchObject({ state: 'restored', open_reports: 0, decided_by: moderator.id });
    expect(await kindsFor(author)).toContain('moderation.restored');
    expect(await auditActions('problem', problem.id)).toEqual(['moderation.auto_hidden', 'moderation.restore']);
    const row = await t.ctx.db.selectFrom('problems').select(['status', 'hidden_reason']).where('id', '=', problem.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'open', hidden_reason: null });

    // Reported again afterwards it waits for review again, and the old reporters cannot report twice.
    expect((await reportContent(t.ctx, 'problem', problem.id)).state).toBe('reported');
    await expect(reportContent(t.ctx, 'problem', problem.id, first)).rejects.toMatchObject({ code: 'already_reported' });
  });

  it('reports over the API with a stable error for bad input, and nothing written', async () => {
    const problem = await createProblem(t.ctx);
    const citizen = await verifiedCitizen(t.ctx);
    const bad = await api(citizen, 'POST', '/api/v1/reports', { subjectType: 'user', subjectId: problem.id, reason: 'spam' });
    expect(bad).toMatchObject({ status: 422, json: { error: { code: 'validation_failed' } } });
    const unknown = await api(citizen, 'POST', '/api/v1/reports', { subjectType: 'comment', subjectId: 999_999, reason: 'spam' });
    expect(unknown.status).toBe(404);
    const tooLong = await api(citizen, 'POST', '/api/v1/reports', {
      subjectType: 'problem',
      subjectId: problem.id,
      reason: 'other',
      details: 'я'.repeat(1001),
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.json.error.code).toBe('validation_failed');
    expect(
      await t.ctx.db.selectFrom('moderation_cases').select('id').where('subject_type', '=', 'problem').where('subject_id', '=', problem.id).execute(),
    ).toEqual([]);
    const ok = await api(citizen, 'POST', '/api/v1/reports', {
      subjectType: 'problem',
      subjectId: problem.id,
      reason: 'misleading',
      details: 'Адрес выдуман.',
    });
    expect(ok).toEqual({ status: 201, json: { state: 'reported' } });
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: { subjectType: 'problem', subjectId: problem.id, reason: 'spam' },
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('reports about a person', () => {
  it('reports the author through an item, never hides him by reports alone, and a moderator dismisses or blocks him', async () => {
    const troll = await verifiedCitizen(t.ctx, { surname: 'Троллев', firstName: 'Тимур' });
    const problem = await createProblem(t.ctx, { title: 'Обсуждение уборки снега' });
    const comment = await addComment(t.ctx, troll, problem.id, 'Все вы тут бездельники.');
    const own = await createProblem(t.ctx, { author: troll, title: 'Проблема тролля' });

    // The problem page offers a report about the comment's author, without his id in any link.
    const reporter = await verifiedCitizen(t.ctx);
    const reporterBrowser = await as(reporter);
    const problemPage = await reporterBrowser.get(`/problems/${problem.id}`);
    expect(problemPage.body).toContain(`/report/comment/${comment.id}/author`);
    expect(problemPage.body).not.toContain(`/report/user/`);
    // Not to the author himself.
    expect((await (await as(troll)).get(`/problems/${problem.id}`)).body).not.toContain(`/report/comment/${comment.id}/author`);

    const form = await reporterBrowser.get(`/report/comment/${comment.id}/author`);
    expect(form.status).toBe(200);
    expect(textOf(form.body)).toContain('Пожаловаться на участника: Тимур Т.');
    expect(textOf(form.body)).toContain('Все вы тут бездельники.');
    const refused = await reporterBrowser.submit(`/report/comment/${comment.id}/author`, `/report/comment/${comment.id}/author`, { reason: '', details: '' });
    expect(refused.status).toBe(422);
    expect(textOf(refused.body)).toContain('В чём нарушение?');
    const sent = await reporterBrowser.submit(`/report/comment/${comment.id}/author`, `/report/comment/${comment.id}/author`, {
      reason: 'abuse',
      details: 'Оскорбляет всех в каждом обсуждении.',
    });
    expect(sent.status).toBe(303);
    expect(sent.location).toBe(`/problems/${problem.id}#comment-${comment.id}`);
    // Once per person; never oneself; through his problem too, over the API.
    // Once per person, answered as the first time (so two items' authors cannot be told to be one person), not counted again.
    expect((await reportAuthor(t.ctx, 'comment', comment.id, troll.id, reporter)).state).toBe('reported');
    expect((await reportAuthor(t.ctx, 'problem', own.id, troll.id, reporter)).state).toBe('reported');
    expect((await caseOf('user', troll.id)).open_reports).toBe(1);
    await expect(reportAuthor(t.ctx, 'problem', own.id, troll.id, troll)).rejects.toMatchObject({ code: 'own_content' });
    const second = await verifiedCitizen(t.ctx);
    expect(await api(second, 'POST', '/api/v1/reports', { subjectType: 'problem', subjectId: own.id, target: 'author', reason: 'spam' })).toEqual({
      status: 201,
      json: { state: 'reported' },
    });
    // Never through a rating's comment, whose signer may not have agreed to be named (the comment itself may be).
    const { appeal: answered, author: appealAuthor } = await openAppeal(t.ctx, { threshold: 50, acknowledgeWarnings: true });
    const { signer: quiet } = await sign(t.ctx, answered.id, await verifiedCitizen(t.ctx, { surname: 'Тихонова', firstName: 'Таисия' }), {
      consentPublicName: false,
    });
    await recordSelfSent(t.ctx, actorOf(appealAuthor), answered.id, { sentOn: new Date(), registrationNumber: '' });
    await uploadAnswer(t.ctx, actorOf(appealAuthor), answered.id, 'author', { text: 'Ответ администрации по существу обращения.', files: [] });
    const rating = await rateAnswer(t.ctx, actorOf(quiet), answered.id, { score: 2, solved: 'no', comment: 'Ничего не сделано.' });
    const ratingBrowser = await as(second);
    expect((await ratingBrowser.get(`/report/rating/${rating.id}`)).status).toBe(200);
    const ratingAuthor = await ratingBrowser.get(`/report/rating/${rating.id}/author`);
    expect(ratingAuthor.status).toBe(404);
    expect(ratingAuthor.body).not.toContain(quiet.first_name);
    expect(await api(second, 'POST', '/api/v1/reports', { subjectType: 'rating', subjectId: rating.id, target: 'author', reason: 'spam' })).toMatchObject({
      status: 404,
    });
    // Nor through an appeal, whose author the appeal's page does not name.
    expect((await ratingBrowser.get(`/appeals/${answered.id}`)).body).not.toContain(`/report/appeal/${answered.id}/author`);
    expect((await ratingBrowser.get(`/report/appeal/${answered.id}/author`)).status).toBe(404);
    // However many report him, reports alone block nobody and hide nothing.
    const fourth = await reportAuthor(t.ctx, 'comment', comment.id, troll.id);
    expect((await reportAuthor(t.ctx, 'comment', comment.id, troll.id)).state).toBe('reported');
    expect(fourth.state).toBe('reported');
    const person = await caseOf('user', troll.id);
    expect(person).toMatchObject({ state: 'reported', open_reports: 4, author_id: troll.id });
    expect((await t.ctx.db.selectFrom('users').select('blocked_at').where('id', '=', troll.id).executeTakeFirstOrThrow()).blocked_at).toBeNull();
    expect((await browser(t.app).get(`/problems/${own.id}`)).status).toBe(200);
    // Nothing of it on his own page of moderation.
    expect(textOf((await (await as(troll)).get('/moderation/mine')).body)).not.toContain('Участник');

    // The case shows each report with the item it came through; a bulk hide does not block a person.
    const moderatorBrowser = await as(moderator);
    const casePage = await moderatorBrowser.get(`/moderation/cases/${person.id}`);
    expect(casePage.status).toBe(200);
    const caseText = textOf(casePage.body);
    expect(caseText).toContain('Участник, которого на сайте видят как «Тимур Т.»');
    expect(caseText).toContain('Оскорбляет всех в каждом обсуждении.');
    expect(caseText).toContain('Жалоба через: Комментарий Обсуждение уборки снега');
    expect(caseText).toContain('Жалоба через: Проблема Проблема тролля');
    expect(caseText).toContain('Заблокировать участника');
    expect(caseText).not.toContain(troll.email);
    const bulk = await api(moderator, 'POST', '/api/v1/moderation/decisions', {
      caseIds: [person.id],
      decision: 'hide',
      reason: 'Проверка массового скрытия.',
    });
    expect(bulk.status).toBe(409);
    const details = await api(moderator, 'GET', `/api/v1/moderation/cases/${person.id}`);
    expect(details.json.case).toMatchObject({ subjectType: 'user', subjectId: troll.id, subject: { context: 'Тимур Т.', text: 'Тимур Т.', hidden: false } });
    expect(details.json.reports).toHaveLength(4);

    // Blocking him from the case: his account and everything of his, and the case itself decided.
    const blocked = await moderatorBrowser.post(
      `/moderation/cases/${person.id}/block-author`,
      { blockReason: 'Систематически оскорбляет участников.', confirm: 'yes' },
      csrfFrom(casePage.body),
    );
    expect(blocked.status).toBe(303);
    expect((await t.ctx.db.selectFrom('users').select('blocked_reason').where('id', '=', troll.id).executeTakeFirstOrThrow()).blocked_reason).toBe(
      'Систематически оскорбляет участников.',
    );
    expect((await browser(t.app).get(`/problems/${own.id}`)).status).toBe(410);
    expect(await caseOf('user', troll.id)).toMatchObject({ state: 'hidden', open_reports: 0, decided_by: moderator.id });
    expect(await t.ctx.db.selectFrom('moderation_reports').select('id').where('case_id', '=', person.id).where('resolved_at', 'is', null).execute()).toEqual(
      [],
    );
    // A blocked person is reported no more.
    await expect(reportAuthor(t.ctx, 'comment', comment.id, troll.id)).rejects.toMatchObject({ code: 'not_found' });

    // A block is not undone by dismissing the case (his items would stay hidden, and a later block is not the
    // case's to lift): refused, he stays blocked; an administrator lifts it on his page.
    const dismissed = await api(otherModerator, 'POST', '/api/v1/moderation/decisions', {
      caseIds: [person.id],
      decision: 'restore',
      reason: 'Блокировка снята после проверки.',
    });
    expect(dismissed).toMatchObject({ status: 409, json: { error: { code: 'wrong_state' } } });
    expect((await t.ctx.db.selectFrom('users').select('blocked_at').where('id', '=', troll.id).executeTakeFirstOrThrow()).blocked_at).not.toBeNull();
    expect(await caseOf('user', troll.id)).toMatchObject({ state: 'hidden' });
  });

  it('never lets a moderator block a person he reported, or whose appeal he signed, through another case', async () => {
    const target = await verifiedCitizen(t.ctx, { surname: 'Спорный', firstName: 'Семён' });
    const problem = await createProblem(t.ctx, { author: target, title: 'Проблема спорного автора' });
    const comment = await addComment(t.ctx, target, problem.id, 'Комментарий спорного автора.');
    // The moderator reported him as a person; a citizen reported his comment.
    await reportAuthor(t.ctx, 'problem', problem.id, target.id, moderator);
    const { caseId: commentCase } = await reportContent(t.ctx, 'comment', comment.id);
    const through = await api(moderator, 'POST', `/api/v1/moderation/cases/${commentCase}/block-author`, { reason: 'Блокировка через другую жалобу.' });
    expect(through).toMatchObject({ status: 403, json: { error: { code: 'own_content' } } });
    // The other moderator signed his appeal: not through the person's case either (the block would hide it).
    const { appeal } = await openAppeal(t.ctx, { author: target, problem, threshold: 50, acknowledgeWarnings: true });
    await sign(t.ctx, appeal.id, otherModerator);
    const personCase = (await caseOf('user', target.id)).id;
    const signed = await api(otherModerator, 'POST', `/api/v1/moderation/cases/${personCase}/block-author`, { reason: 'Блокировка подписавшим.' });
    expect(signed).toMatchObject({ status: 403, json: { error: { code: 'own_content' } } });
    expect((await t.ctx.db.selectFrom('users').select('blocked_at').where('id', '=', target.id).executeTakeFirstOrThrow()).blocked_at).toBeNull();
    // A moderator party to nothing of his may, and a stale page's block form is refused.
    const third = await createUser(t.ctx, { role: 'moderator', surname: 'Третьякова', firstName: 'Тамара' });
    const stale = await api(third, 'POST', `/api/v1/moderation/cases/${commentCase}/block-author`, {
      reason: 'Блокировка с устаревшей страницы.',
      seenDecidedAt: new Date(0).toISOString(),
    });
    expect(stale).toMatchObject({ status: 409, json: { error: { code: 'case_already_decided' } } });
    const blocked = await api(third, 'POST', `/api/v1/moderation/cases/${commentCase}/block-author`, {
      reason: 'Систематические нарушения.',
      seenDecidedAt: null,
    });
    expect(blocked.status).toBe(200);
  });

  it('dismissing reports about a person blocked for another reason leaves the block', async () => {
    const spammer = await verifiedCitizen(t.ctx, { surname: 'Рекламов', firstName: 'Роман' });
    const problem = await createProblem(t.ctx, { author: spammer, title: 'Реклама под видом проблемы' });
    const { caseId } = await reportAuthor(t.ctx, 'problem', problem.id, spammer.id);
    await t.ctx.db
      .updateTable('users')
      .set({ blocked_at: new Date(), blocked_reason: 'Решение администратора.', blocked_by: admin.id })
      .where('id', '=', spammer.id)
      .execute();
    const dismissed = await api(moderator, 'POST', '/api/v1/moderation/decisions', {
      caseIds: [caseId],
      decision: 'restore',
      reason: 'Жалоба не подтвердилась.',
    });
    expect(dismissed.status).toBe(200);
    expect((await t.ctx.db.selectFrom('users').select('blocked_reason').where('id', '=', spammer.id).executeTakeFirstOrThrow()).blocked_reason).toBe(
      'Решение администратора.',
    );
  });
});

describe('decisions', () => {
  it('hides comments in bulk with the reason in their place, all or nothing, never on a moderator’s own or reported item', async () => {
    const problem = await createProblem(t.ctx, { title: 'Обсуждение с нарушениями' });
    const writer = await verifiedCitizen(t.ctx, { surname: 'Комментаторов', firstName: 'Пётр' });
    const first = await addComment(t.ctx, writer, problem.id, 'Первый грубый комментарий');
    const second = await addComment(t.ctx, writer, problem.id, 'Второй грубый комментарий');
    const own = await addComment(t.ctx, moderator, problem.id, 'Комментарий самого модератора');
    await reportContent(t.ctx, 'comment', first.id, undefined, 'abuse');
    await reportContent(t.ctx, 'comment', second.id, undefined, 'abuse');
    await reportContent(t.ctx, 'comment', own.id, writer, 'abuse');
    // The moderator reported this one himself.
    const reportedByModerator = await addComment(t.ctx, writer, problem.id, 'Комментарий, на который пожаловался модератор');
    await reportContent(t.ctx, 'comment', reportedByModerator.id, moderator, 'spam');
    const [a, b, c, d] = await Promise.all([
      caseOf('comment', first.id),
      caseOf('comment', second.id),
      caseOf('comment', own.id),
      caseOf('comment', reportedByModerator.id),
    ]);

    // A batch with his own item is refused whole: nothing is hidden.
    const moderatorBrowser = await as(moderator);
    const queue = await moderatorBrowser.get('/moderation');
    const refused = await moderatorBrowser.post(
      '/moderation/decisions',
      { case: [String(a?.id), String(c?.id)], decision: 'hide', reason: 'Оскорбления участников обсуждения.' },
      csrfFrom(queue.body),
    );
    expect(refused.status).toBe(403);
    expect(textOf(refused.body)).toContain('решение по ней примет другой модератор');
    expect((await caseOf('comment', first.id)).state).toBe('reported');
    const reportedRefusal = await api(moderator, 'POST', '/api/v1/moderation/decisions', { caseIds: [d?.id], decision: 'hide', reason: 'Спам в обсуждении.' });
    expect(reportedRefusal).toMatchObject({ status: 403, json: { error: { code: 'own_content' } } });
    // A reason is required and shown publicly: a too short one is a field error.
    const short = await moderatorBrowser.post(
      '/moderation/decisions',
      { case: [String(a?.id), String(b?.id)], decision: 'hide', reason: 'нет' },
      csrfFrom(queue.body),
    );
    expect(short.status).toBe(422);

    const hidden = await moderatorBrowser.post(
      '/moderation/decisions',
      { case: [String(a?.id), String(b?.id)], decision: 'hide', reason: 'Оскорбления участников обсуждения.' },
      csrfFrom(queue.body),
    );
    expect(hidden.status).toBe(303);
    const problemPage = textOf((await browser(t.app).get(`/problems/${problem.id}`)).body);
    expect(problemPage).toContain('Комментарий скрыт модератором: Оскорбления участников обсуждения.');
    expect(problemPage).not.toContain('Первый грубый комментарий');
    expect(problemPage).not.toContain('Второй грубый комментарий');
    expect(problemPage).toContain('Комментарий самого модератора');
    expect((await kindsFor(writer)).filter((kind) => kind === 'moderation.hidden')).toHaveLength(2);
    expect(await auditActions('comment', first.id)).toEqual(['moderation.hide']);
    const entry = await t.ctx.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('action', '=', 'moderation.hide')
      .where('subject_type', '=', 'comment')
      .where('subject_id', '=', String(second.id))
      .executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(moderator.id);
    expect(entry.details).toMatchObject({ reason: 'Оскорбления участников обсуждения.', bulk: true });
    // Another moderator may decide what the first could not.
    expect(
      (await api(otherModerator, 'POST', '/api/v1/moderation/decisions', { caseIds: [c?.id], decision: 'restore', reason: 'Нарушений нет.' })).status,
    ).toBe(200);
  });

  it('lets the author appeal a hide once, and an administrator reverses it', async () => {
    const writer = await verifiedCitizen(t.ctx, { surname: 'Обжалующая', firstName: 'Ольга' });
    const problem = await createProblem(t.ctx);
    const comment = await addComment(t.ctx, writer, problem.id, 'Резкий, но честный комментарий');
    await reportContent(t.ctx, 'comment', comment.id);
    const item = await caseOf('comment', comment.id);
    // Nothing to appeal before a moderator decides.
    const early = await api(writer, 'POST', `/api/v1/moderation/cases/${item.id}/appeal`, { text: 'Прошу пересмотреть решение.' });
    expect(early).toMatchObject({ status: 409, json: { error: { code: 'not_appealable' } } });
    await api(moderator, 'POST', '/api/v1/moderation/decisions', { caseIds: [item.id], decision: 'hide', reason: 'Переход на личности.' });

    // Somebody else's case does not exist for him.
    const stranger = await verifiedCitizen(t.ctx);
    expect((await api(stranger, 'POST', `/api/v1/moderation/cases/${item.id}/appeal`, { text: 'Пересмотрите, пожалуйста.' })).status).toBe(404);
    const writerBrowser = await as(writer);
    const minePage = await writerBrowser.get('/moderation/mine');
    expect(textOf(minePage.body)).toContain('Переход на личности.');
    const appealed = await writerBrowser.post(
      `/moderation/cases/${item.id}/appeal`,
      { text: 'Я не переходила на личности, это критика работы.' },
      csrfFrom(minePage.body),
    );
    expect(appealed.status).toBe(303);
    const again = await api(writer, 'POST', `/api/v1/moderation/cases/${item.id}/appeal`, { text: 'Ещё раз прошу пересмотреть.' });
    expect(again).toMatchObject({ status: 409, json: { error: { code: 'already_appealed' } } });
    // Under appeal, moderators wait: it is the administrator's.
    expect((await api(otherModerator, 'POST', '/api/v1/moderation/decisions', { caseIds: [item.id], decision: 'restore', reason: 'Передумали.' })).status).toBe(
      409,
    );
    expect((await api(moderator, 'GET', '/api/v1/moderation/appeals')).status).toBe(403);

    const adminBrowser = await as(admin);
    const appealsPage = await adminBrowser.get('/moderation/appeals');
    expect(textOf(appealsPage.body)).toContain('Я не переходила на личности, это критика работы.');
    const decided = await adminBrowser.post(
      `/moderation/cases/${item.id}/appeal-decision`,
      { outcome: 'reversed', reason: 'Это критика, а не оскорбление.' },
      csrfFrom(appealsPage.body),
    );
    expect(decided.status).toBe(303);
    expect(textOf((await browser(t.app).get(`/problems/${problem.id}`)).body)).toContain('Резкий, но честный комментарий');
    expect(await kindsFor(writer)).toEqual(expect.arrayContaining(['moderation.hidden', 'moderation.appeal_reversed']));
    expect(await auditActions('comment', comment.id)).toEqual(['moderation.hide', 'moderation.appealed', 'moderation.appeal_reversed']);
    expect((await caseOf('comment', comment.id)).state).toBe('restored');
  });

  it('stops an appeal collecting while its text is hidden, and lets it collect again when restored', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 50, acknowledgeWarnings: true, title: 'Обращение с жалобами' });
    await reportContent(t.ctx, 'appeal', appeal.id, undefined, 'abuse');
    const item = await caseOf('appeal', appeal.id);
    await api(moderator, 'POST', '/api/v1/moderation/decisions', { caseIds: [item.id], decision: 'hide', reason: 'Угрозы в тексте обращения.' });
    const page = await browser(t.app).get(`/appeals/${appeal.id}`);
    expect(page.status).toBe(410);
    expect(textOf(page.body)).toContain('Угрозы в тексте обращения.');
    const signer = await verifiedCitizen(t.ctx);
    const refused = await api(signer, 'POST', `/api/v1/appeals/${appeal.id}/signatures`, { ...signInput(signer), consentTransfer: true });
    expect(refused).toMatchObject({ status: 409, json: { error: { code: 'signing_closed' } } });
    expect(await t.ctx.db.selectFrom('signatures').select('id').where('appeal_id', '=', appeal.id).execute()).toEqual([]);
    await api(otherModerator, 'POST', '/api/v1/moderation/decisions', { caseIds: [item.id], decision: 'restore', reason: 'Текст исправлять не нужно.' });
    expect((await browser(t.app).get(`/appeals/${appeal.id}`)).status).toBe(200);
    const signed = await api(signer, 'POST', `/api/v1/appeals/${appeal.id}/signatures`, { ...signInput(signer), consentTransfer: true });
    expect(signed.status).toBe(201);
  });

  it('blocks an author and hides everything of the author’s with one reason; never a fellow moderator', async () => {
    const writer = await verifiedCitizen(t.ctx, { surname: 'Спамов', firstName: 'Савва' });
    const problem = await createProblem(t.ctx, { author: writer, title: 'Купите окна со скидкой' });
    const other = await createProblem(t.ctx);
    const comment = await addComment(t.ctx, writer, other.id, 'Окна со скидкой, звоните!');
    const { appeal } = await openAppeal(t.ctx, { author: writer, problem, threshold: 50, acknowledgeWarnings: true });
    await reportContent(t.ctx, 'comment', comment.id, undefined, 'spam');
    const item = await caseOf('comment', comment.id);
    const moderatorBrowser = await as(moderator);
    const page = await moderatorBrowser.get(`/moderation/cases/${item.id}`);
    expect(textOf(page.body)).toContain('Заблокировать автора');
    // Not confirmed: nothing happens.
    const unconfirmed = await moderatorBrowser.post(
      `/moderation/cases/${item.id}/block-author`,
      { blockReason: 'Рассылает рекламу во всех обсуждениях.' },
      csrfFrom(page.body),
    );
    expect(unconfirmed.status).toBe(422);
    expect((await t.ctx.db.selectFrom('users').select('blocked_at').where('id', '=', writer.id).executeTakeFirstOrThrow()).blocked_at).toBeNull();
    const blocked = await moderatorBrowser.post(
      `/moderation/cases/${item.id}/block-author`,
      { blockReason: 'Рассылает рекламу во всех обсуждениях.', confirm: 'yes' },
      csrfFrom(page.body),
    );
    expect(blocked.status).toBe(303);
    const user = await t.ctx.db.selectFrom('users').select(['blocked_at', 'blocked_reason']).where('id', '=', writer.id).executeTakeFirstOrThrow();
    expect(user.blocked_at).not.toBeNull();
    expect(user.blocked_reason).toBe('Рассылает рекламу во всех обсуждениях.');
    // His problem, comment and appeal are hidden with the reason, each a decided case in the log.
    expect((await browser(t.app).get(`/problems/${problem.id}`)).status).toBe(410);
    expect((await browser(t.app).get(`/appeals/${appeal.id}`)).status).toBe(410);
    expect(textOf((await browser(t.app).get(`/problems/${other.id}`)).body)).toContain('Комментарий скрыт модератором: Рассылает рекламу во всех обсуждениях.');
    for (const [type, id] of [
      ['problem', problem.id],
      ['comment', comment.id],
      ['appeal', appeal.id],
    ] as const) {
      expect((await caseOf(type, id)).state).toBe('hidden');
      expect(await auditActions(type, id)).toContain('moderation.hide');
    }
    expect(
      (await t.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'user.block').where('subject_id', '=', String(writer.id)).execute()).length,
    ).toBe(1);

    // A moderator's item: another moderator may not block its author.
    const own = await addComment(t.ctx, otherModerator, other.id, 'Комментарий модератора');
    const { caseId } = await reportContent(t.ctx, 'comment', own.id, undefined, 'abuse');
    const refused = await api(moderator, 'POST', `/api/v1/moderation/cases/${caseId}/block-author`, { reason: 'Проверка блокировки.' });
    expect(refused.status).toBe(403);
    expect((await t.ctx.db.selectFrom('users').select('blocked_at').where('id', '=', otherModerator.id).executeTakeFirstOrThrow()).blocked_at).toBeNull();
  });

  it('tells the second of two moderators on one case that the first has decided, and changes nothing', async () => {
    const problem = await createProblem(t.ctx);
    const comment = await addComment(t.ctx, await verifiedCitizen(t.ctx), problem.id, 'Спорный комментарий для двух модераторов.');
    const { caseId } = await reportContent(t.ctx, 'comment', comment.id, undefined, 'abuse');
    // Both open the case page; the first keeps the comment.
    const first = await as(moderator);
    const second = await as(otherModerator);
    const firstPage = await first.get(`/moderation/cases/${caseId}`);
    const secondPage = await second.get(`/moderation/cases/${caseId}`);
    expect(secondPage.body).toContain(`name="seen" value="${caseId}:0"`);
    const kept = await first.post(
      `/moderation/cases/${caseId}/decision`,
      { decision: 'restore', reason: 'Резко, но без оскорблений.', seen: `${caseId}:0` },
      csrfFrom(firstPage.body),
    );
    expect(kept.status).toBe(303);
    // The second, from his page as it was, would hide it: refused, the case page again with the first decision.
    const late = await second.post(
      `/moderation/cases/${caseId}/decision`,
      { decision: 'hide', reason: 'Оскорбление участников обсуждения.', seen: `${caseId}:0` },
      csrfFrom(secondPage.body),
    );
    expect(late.status).toBe(409);
    expect(textOf(late.body)).toContain('другой модератор уже принял решение по этой жалобе');
    expect(await caseOf('comment', comment.id)).toMatchObject({ state: 'restored', decided_by: moderator.id });
    // The same from the queue, and over the API when the caller says what it saw; a fresh read decides.
    const queue = await second.get('/moderation');
    const stale = await second.post(
      '/moderation/decisions',
      { case: String(caseId), decision: 'hide', reason: 'Оскорбление участников обсуждения.', seen: `${caseId}:0` },
      csrfFrom(queue.body),
    );
    expect(stale.status).toBe(409);
    const decidedAt = (await caseOf('comment', comment.id)).decided_at!.toISOString();
    const refused = await api(otherModerator, 'POST', '/api/v1/moderation/decisions', {
      caseIds: [caseId],
      decision: 'hide',
      reason: 'Оскорбление участников обсуждения.',
      seen: [{ caseId, decidedAt: null }],
    });
    expect(refused).toMatchObject({ status: 409, json: { error: { code: 'case_already_decided' } } });
    const hidden = await api(otherModerator, 'POST', '/api/v1/moderation/decisions', {
      caseIds: [caseId],
      decision: 'hide',
      reason: 'Оскорбление участников обсуждения.',
      seen: [{ caseId, decidedAt }],
    });
    expect(hidden).toEqual({ status: 200, json: { decided: 1 } });
    expect(await caseOf('comment', comment.id)).toMatchObject({ state: 'hidden', decided_by: otherModerator.id });
  });

  it('never lets a moderator who signed an appeal decide on its text', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 50, acknowledgeWarnings: true, title: 'Обращение, подписанное модератором' });
    await sign(t.ctx, appeal.id, moderator);
    const { caseId } = await reportContent(t.ctx, 'appeal', appeal.id, undefined, 'misleading');
    const refused = await api(moderator, 'POST', '/api/v1/moderation/decisions', { caseIds: [caseId], decision: 'hide', reason: 'Недостоверные сведения.' });
    expect(refused).toMatchObject({ status: 403, json: { error: { code: 'own_content' } } });
    const casePage = await (await as(moderator)).get(`/moderation/cases/${caseId}`);
    expect(textOf(casePage.body)).toContain('обращение, которое вы подписали');
    expect((await caseOf('appeal', appeal.id)).state).toBe('reported');
    expect(
      (await api(otherModerator, 'POST', '/api/v1/moderation/decisions', { caseIds: [caseId], decision: 'restore', reason: 'Сведения проверены.' })).status,
    ).toBe(200);
  });
});
