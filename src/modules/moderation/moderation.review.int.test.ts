/**
 * A hostile review of moderation: what a moderator hid must not come back through a side door — the author's
 * «sent by me» record and PDF copy of a hidden appeal, the title of a hidden problem on its appeals' pages, and
 * the report form of a comment under a hidden problem (or a rating under a hidden appeal), which shows its context;
 * and a moderator whose own item was reported does not see who reported it.
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
  sessionCookieFor,
  sign,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import { appealDecision, decide, decideAppeal } from './moderation.service.ts';

let t: TestApp;
let moderator: User;

beforeAll(async () => {
  t = await createTestApp();
  moderator = await createUser(t.ctx, { role: 'moderator', surname: 'Строгова', firstName: 'Инна' });
});
afterAll(() => t?.stop());

const caseIdOf = async (type: 'problem' | 'appeal' | 'comment', id: number) => {
  // A report opens the case; a moderator hides it.
  const reporter = await verifiedCitizen(t.ctx);
  const { report } = await import('./moderation.service.ts');
  await report(t.ctx, actorOf(reporter), { subjectType: type, subjectId: id, reason: 'personal_data', details: '' });
  const row = await t.ctx.db
    .selectFrom('moderation_cases')
    .select('id')
    .where('subject_type', '=', type)
    .where('subject_id', '=', id)
    .executeTakeFirstOrThrow();
  return row.id;
};
const hide = async (type: 'problem' | 'appeal' | 'comment', id: number) =>
  decide(t.ctx, actorOf(moderator), { caseIds: [await caseIdOf(type, id)], decision: 'hide', reason: 'Персональные данные третьих лиц' });

async function api(user: User, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const token = await apiTokenFor(t.ctx, user);
  const response = await t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload: payload as object } : {}) });
  return { status: response.statusCode, body: response.body };
}

describe('a hidden appeal', () => {
  it('cannot be recorded as sent by its author, nor downloaded as his PDF copy', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 5 });
    await sign(t.ctx, appeal.id);
    await hide('appeal', appeal.id);
    const pdf = await api(author, 'GET', `/api/v1/appeals/${appeal.id}/document.pdf`);
    expect(pdf.status).toBe(410);
    const today = new Date().toISOString().slice(0, 10);
    const sent = await api(author, 'POST', `/api/v1/appeals/${appeal.id}/sent-by-me`, { sentOn: today });
    expect(sent.status).toBe(410);
    const row = await t.ctx.db.selectFrom('appeals').select(['status', 'hidden_at']).where('id', '=', appeal.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('collecting');
    expect(row.hidden_at).not.toBeNull();
  });
});

describe('a hidden problem', () => {
  it('does not show its title on its appeal’s page', async () => {
    const author = await verifiedCitizen(t.ctx, { surname: 'Заявителева', firstName: 'Ольга' });
    const problem = await createProblem(t.ctx, { author, title: 'Соседка Петрова из кв. 5 ворует' });
    const { appeal } = await openAppeal(t.ctx, { author, problem, threshold: 5 });
    const before = await t.app.inject({ method: 'GET', url: `/appeals/${appeal.id}` });
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('Соседка Петрова из кв. 5 ворует');
    await hide('problem', problem.id);
    const after = await t.app.inject({ method: 'GET', url: `/appeals/${appeal.id}` });
    expect(after.statusCode).toBe(200);
    expect(after.body).not.toContain('Соседка Петрова');
  });

  it('is not shown through the report form of one of its comments', async () => {
    const author = await verifiedCitizen(t.ctx);
    const problem = await createProblem(t.ctx, { author, title: 'Телефон Иванова +7 900 000-00-00' });
    const commenter = await verifiedCitizen(t.ctx);
    const comment = await addComment(t.ctx, commenter, problem.id, 'Полностью согласен с автором.');
    await hide('problem', problem.id);
    const visitor = await verifiedCitizen(t.ctx);
    const form = await browser(t.app, await sessionCookieFor(t.ctx, visitor)).get(`/report/comment/${comment.id}`);
    expect(form.body).not.toContain('Телефон Иванова');
    expect(form.status).toBe(404);
  });
});

describe('a case about a moderator’s own item', () => {
  it('does not learn from the case page or the API who reported him; another moderator does', async () => {
    const problem = await createProblem(t.ctx, { author: moderator, title: 'Публикация модератора о парковке' });
    const reporter = await verifiedCitizen(t.ctx, { surname: 'Доносова', firstName: 'Зинаида' });
    const { report } = await import('./moderation.service.ts');
    await report(t.ctx, actorOf(reporter), { subjectType: 'problem', subjectId: problem.id, reason: 'spam', details: '' });
    const item = await t.ctx.db
      .selectFrom('moderation_cases')
      .select('id')
      .where('subject_type', '=', 'problem')
      .where('subject_id', '=', problem.id)
      .executeTakeFirstOrThrow();
    const own = await browser(t.app, await sessionCookieFor(t.ctx, moderator)).get(`/moderation/cases/${item.id}`);
    expect(own.status).toBe(200);
    expect(own.body).not.toContain('Зинаида');
    const ownApi = await api(moderator, 'GET', `/api/v1/moderation/cases/${item.id}`);
    expect(ownApi.status).toBe(200);
    expect(JSON.parse(ownApi.body).reports).toEqual([expect.objectContaining({ reason: 'spam', reporter: null })]);
    const colleague = await createUser(t.ctx, { role: 'moderator' });
    const other = await browser(t.app, await sessionCookieFor(t.ctx, colleague)).get(`/moderation/cases/${item.id}`);
    expect(other.body).toContain('Зинаида Д.');
  });
});

describe('a hidden appeal in its problem’s chain', () => {
  it('is listed without its title, with the moderator’s reason, on the problem’s page and in the API', async () => {
    const { appeal, problem } = await openAppeal(t.ctx, { threshold: 5, title: 'Оскорбительный заголовок обращения' });
    await hide('appeal', appeal.id);
    const page = await t.app.inject({ method: 'GET', url: `/problems/${problem.id}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Оскорбительный заголовок');
    expect(page.body).toContain('Обращение скрыто модератором: Персональные данные третьих лиц');
    const json = await t.app.inject({ method: 'GET', url: `/api/v1/problems/${problem.id}` });
    expect(json.statusCode).toBe(200);
    expect(json.body).not.toContain('Оскорбительный заголовок');
    const appeals = await t.app.inject({ method: 'GET', url: `/api/v1/problems/${problem.id}/appeals` });
    expect(appeals.statusCode).toBe(200);
    expect(appeals.body).not.toContain('Оскорбительный заголовок');
  });
});

describe('an appeal an administrator reversed', () => {
  it('is not hidden again by a moderator over the administrator’s decision (the author has no second appeal)', async () => {
    const admin = await createUser(t.ctx, { role: 'admin' });
    const author = await verifiedCitizen(t.ctx);
    const problem = await createProblem(t.ctx);
    const comment = await addComment(t.ctx, author, problem.id, 'Обычный комментарий по делу.');
    const caseId = await caseIdOf('comment', comment.id);
    await decide(t.ctx, actorOf(moderator), { caseIds: [caseId], decision: 'hide', reason: 'Спам и реклама' });
    await appealDecision(t.ctx, actorOf(author), caseId, { text: 'Это не спам, а мнение по делу.' });
    await decideAppeal(t.ctx, actorOf(admin), caseId, { outcome: 'reversed', reason: 'Комментарий по делу' });
    const colleague = await createUser(t.ctx, { role: 'moderator' });
    await expect(decide(t.ctx, actorOf(colleague), { caseIds: [caseId], decision: 'hide', reason: 'Всё же спам' })).rejects.toMatchObject({
      code: 'wrong_state',
    });
    const row = await t.ctx.db.selectFrom('comments').select('hidden_at').where('id', '=', comment.id).executeTakeFirstOrThrow();
    expect(row.hidden_at).toBeNull();
    // Dismissing new reports stays a moderator's; hiding it again is an administrator's.
    await decide(t.ctx, actorOf(admin), { caseIds: [caseId], decision: 'hide', reason: 'Повторный спам после решения' });
    const hidden = await t.ctx.db.selectFrom('comments').select('hidden_at').where('id', '=', comment.id).executeTakeFirstOrThrow();
    expect(hidden.hidden_at).not.toBeNull();
  });
});
