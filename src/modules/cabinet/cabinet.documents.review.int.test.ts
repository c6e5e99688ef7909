/**
 * The hostile review of documents on the letterhead: a problem a moderator hid is refused on the page and the API,
 * and an appeal a moderator hid lends the document neither its signatures nor its signers' names — its page shows
 * neither, so a public PDF must not either.
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  addMember,
  apiTokenFor,
  createOrganization,
  createProblem,
  openAppeal,
  sessionCookieFor,
  sign,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { hideAppeal } from '../appeals/appeals.moderation.ts';
import { hideSubject } from '../moderation/moderation.subjects.ts';
import { documentPdfJob } from './cabinet.documents.ts';

let t: TestApp;
let deputy: Organization;
let head: User;

beforeAll(async () => {
  t = await createTestApp();
  deputy = await createOrganization(t.ctx, { name: 'Депутат по округу № 7', slug: 'deputy-district-7' });
  head = await verifiedCitizen(t.ctx, { surname: 'Проверкина', firstName: 'Полина' });
  await addMember(t.ctx, deputy, head, 'head', 'депутат');
});
afterAll(() => t?.stop());

const body = { title: 'Запрос о проблеме', addressee: 'Главе города', text: 'Прошу сообщить, что будет сделано.' };

async function issue(problemId: number) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/cabinet/${deputy.slug}/problems/${problemId}/documents`,
    headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, head, 'write')}` },
    payload: body,
  });
}

describe('a document on the letterhead, against moderation', () => {
  it('is refused about a hidden problem, on the page and over the API, and nothing is written', async () => {
    const problem = await createProblem(t.ctx, { title: 'Скрытая модератором проблема' });
    await hideSubject(t.ctx, t.ctx.db, 'problem', problem.id, 'Нарушение правил');
    expect((await issue(problem.id)).statusCode).toBe(404);
    const page = await browser(t.app, await sessionCookieFor(t.ctx, head)).get(`/cabinet/${deputy.slug}/problems/${problem.id}/document`);
    expect(page.status).toBe(404);
    expect(await t.ctx.db.selectFrom('organization_documents').select('id').where('problem_id', '=', problem.id).execute()).toEqual([]);
  });

  it('neither counts nor names the signers of an appeal a moderator hid', async () => {
    const author = await verifiedCitizen(t.ctx);
    const problem = await createProblem(t.ctx, { author, title: 'Проблема со скрытым обращением' });
    const { appeal } = await openAppeal(t.ctx, { author, problem, threshold: 100, acknowledgeWarnings: true });
    await sign(t.ctx, appeal.id, await verifiedCitizen(t.ctx, { surname: 'Скрытова', firstName: 'Серафима' }));
    await hideAppeal(t.ctx, t.ctx.db, appeal.id, 'Оскорбления в тексте');
    // The appeal's page shows neither its text nor its signers.
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}/signers` })).statusCode).not.toBe(200);
    const issued = await issue(problem.id);
    expect(issued.statusCode).toBe(201);
    expect(issued.json().signatures).toBe(0);
    await t.jobs.drain(documentPdfJob);
    const pdf = await t.app.inject({ method: 'GET', url: `/documents/${issued.json().id}/pdf` });
    expect(pdf.statusCode).toBe(200);
    const printed = (await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true })).text.replace(/\s+/g, ' ');
    expect(printed).not.toContain('Серафима');
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/documents/${issued.json().id}` })).json()).toMatchObject({ signatures: 0, named: 0 });
  });

  it('withholds the PDF, which prints the problem’s title and its supporters’ names, once a moderator hides the problem', async () => {
    const author = await verifiedCitizen(t.ctx);
    const problem = await createProblem(t.ctx, { author, title: 'Заголовок, который скроет модератор' });
    const { appeal } = await openAppeal(t.ctx, { author, problem, threshold: 100, acknowledgeWarnings: true });
    await sign(t.ctx, appeal.id, await verifiedCitizen(t.ctx, { surname: 'Названова', firstName: 'Нина' }));
    const issued = await issue(problem.id);
    expect(issued.statusCode).toBe(201);
    await t.jobs.drain(documentPdfJob);
    const id = issued.json().id as number;
    expect((await t.app.inject({ method: 'GET', url: `/documents/${id}/pdf` })).statusCode).toBe(200);
    await hideSubject(t.ctx, t.ctx.db, 'problem', problem.id, 'Нарушение правил');
    expect((await t.app.inject({ method: 'GET', url: `/documents/${id}/pdf` })).statusCode).toBe(404);
    const page = await t.app.inject({ method: 'GET', url: `/documents/${id}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Заголовок, который скроет модератор');
    expect(page.body).not.toContain(`/documents/${id}/pdf`);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/documents/${id}` })).json()).toMatchObject({ pdfUrl: null });
  });
});
