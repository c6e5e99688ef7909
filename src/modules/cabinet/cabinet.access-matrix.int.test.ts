/**
 * The cabinet's access matrix: every cabinet page and API route (test/support/cabinet-routes.ts), read from
 * Fastify's route table, asked by the cabinet's eight kinds of actor — anonymous, a citizen, the appeal's author,
 * a clerk and the head of organization A, the head of organization B, a moderator and an administrator — and each
 * answer compared with the route's real policy. A cabinet route without a row fails the first test. And the leak
 * check: a signer's name and address reach nobody but A's own officials, and them only in the letter addressed to A.
 *
 * A cell is a status or a refusal (an error code, whose status and message or code must both match). Where success
 * would change the record for the next actor, the row sends what the action refuses (the cell is its 422), or it
 * acts on a record of its own; within a row the refusals are asked first, the successes last.
 */
import sharp from 'sharp';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Credentials, credentials } from '../../../test/support/access-world.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { isCabinetRoute } from '../../../test/support/cabinet-routes.ts';
import { actorOf, addMember, createOrganization, createUser, openAppeal, sign, verifiedCitizen } from '../../../test/support/factories.ts';
import { decode } from '../../../test/support/http.ts';
import type { Appeal, Organization, User } from '../../core/db/schema.ts';
import { type ErrorCode, errorStatus } from '../../core/errors.ts';
import { routeTable } from '../../core/http/server.tsx';
import { type MessageKey, translator } from '../../core/i18n/i18n.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';
import { publishDraft, saveDraft, saveTemplate, submitDraft } from './cabinet.answers.ts';
import { issueDocument, setDocumentPdf } from './cabinet.documents.ts';
import { saveView } from './cabinet.inbox.ts';
import { requestMembership } from './cabinet.members.ts';
import { writeToCitizen } from './cabinet.threads.ts';
import { createToken } from './cabinet.tokens.ts';
import { createEndpoint, updateEndpoint } from './cabinet.webhooks.ts';

const actorNames = ['anonymous', 'citizen', 'author', 'clerkA', 'headA', 'headB', 'moderator', 'admin'] as const;
type ActorName = (typeof actorNames)[number];
type Cell = number | ErrorCode;
type Cells = [anonymous: Cell, citizen: Cell, author: Cell, clerkA: Cell, headA: Cell, headB: Cell, moderator: Cell, admin: Cell];

interface World {
  a: Organization;
  b: Organization;
  users: Record<Exclude<ActorName, 'anonymous'>, User>;
  /** Sent to A by the platform: a draft answer with a scan, a signer whose data must not leak. */
  work: Appeal;
  /** Sent to A, with a prepared answer the head publishes (the API's publish row). */
  publishable: Appeal;
  /** Sent to A and answered: it takes no more answers. */
  answered: Appeal;
  template: number;
  deletableTemplates: { page: number; api: number };
  views: { page: number; api: number };
  /** Members the head removes: one by the page, one by the API. */
  removable: { page: User; api: User };
  /** The citizen's own pending requests to withdraw, and one an administrator decides. */
  requests: { cancelledByPage: number; cancelledByApi: number; decided: number };
  /** A's webhook endpoints, all turned off (no delivery leaves the test): one to read and change, one each to delete. */
  webhooks: { kept: number; deletable: { page: number; api: number } };
  /** A's API tokens: one to confirm the revocation of, one each to revoke. */
  tokens: { kept: number; deletable: { page: number; api: number } };
  /** A's message thread with the author of `work`. */
  thread: number;
  /** A document A's head issued about the work appeal's problem, its PDF set: public. */
  document: number;
}

interface Row {
  method: string;
  url: string;
  expected: Record<ActorName, Cell>;
  params?: (w: World) => Record<string, string | number>;
  query?: (w: World) => Record<string, string>;
  body?: (w: World) => Record<string, unknown>;
}

function row(route: string, cells: Cells, setup: Omit<Row, 'method' | 'url' | 'expected'> = {}): Row {
  const [method = '', url = ''] = route.split(' ');
  return { method, url, expected: Object.fromEntries(actorNames.map((name, i) => [name, cells[i]])) as Record<ActorName, Cell>, ...setup };
}

const anon: ErrorCode = 'unauthenticated';
const nm: ErrorCode = 'not_member';
const notHead: ErrorCode = 'not_head';
const forbidden: ErrorCode = 'forbidden';
const missing: ErrorCode = 'not_found';
/** Any official of A may; nobody else. */
const membersOfA = (cell: Cell): Cells => [anon, nm, nm, cell, cell, nm, nm, nm];
/** Only A's head; A's clerk is refused as not the head. */
const headOfA = (cell: Cell): Cells => [anon, nm, nm, notHead, cell, nm, nm, nm];
/** Every official, of whichever organization. */
const anyOfficial = (cell: Cell): Cells => [anon, nm, nm, cell, cell, cell, nm, nm];
const verifiedOnes = (cell: Cell): Cells => [anon, cell, cell, cell, cell, cell, cell, cell];
const joinCells: Cells = [anon, 422, 422, 'already_member', 'already_member', 422, 422, 422];
const adminOnly = (cell: Cell): Cells => [anon, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, cell];

const slug = (w: World) => ({ slug: w.a.slug });
const onAppeal = (pick: (w: World) => Appeal) => (w: World) => ({ slug: w.a.slug, id: pick(w).id });
const today = () => new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow' }).format(new Date());

const matrix: Row[] = [
  // Pages
  row('GET /cabinet', anyOfficial(200)),
  row('GET /cabinet/:slug', membersOfA(200), { params: slug }),
  row('POST /cabinet/:slug/views', membersOfA(422), { params: slug, body: () => ({ name: '', query: 'state=all' }) }),
  // A saved view is its owner's (A's clerk): the head of A does not find it.
  row('POST /cabinet/:slug/views/:id/delete', [anon, nm, nm, 303, missing, nm, nm, nm], { params: (w) => ({ slug: w.a.slug, id: w.views.page }) }),
  // Nothing selected: back to the inbox with a message.
  row('POST /cabinet/:slug/bulk', membersOfA(303), { params: slug, body: () => ({ action: 'assign' }) }),
  row('GET /cabinet/:slug/register', membersOfA(200), { params: slug, query: (w) => ({ ids: String(w.work.id) }) }),
  row('POST /cabinet/:slug/register', membersOfA(422), { params: slug, body: (w) => ({ appealIds: String(w.work.id), registeredOn: '' }) }),
  row('GET /cabinet/:slug/appeals/:id', membersOfA(200), { params: onAppeal((w) => w.work) }),
  row('GET /cabinet/:slug/appeals/:id/letter.pdf', membersOfA(200), { params: onAppeal((w) => w.work) }),
  row('POST /cabinet/:slug/appeals/:id/register', membersOfA(422), {
    params: onAppeal((w) => w.work),
    body: () => ({ registrationNumber: '', registeredOn: today() }),
  }),
  row('POST /cabinet/:slug/appeals/:id/assign', membersOfA(303), { params: onAppeal((w) => w.work), body: () => ({ assigneeId: 'none' }) }),
  row('POST /cabinet/:slug/appeals/:id/extend', membersOfA(422), { params: onAppeal((w) => w.work), body: () => ({ days: '', reason: '' }) }),
  row('GET /cabinet/:slug/appeals/:id/forward', membersOfA(200), { params: onAppeal((w) => w.work) }),
  // A reason is required: refused before anything is forwarded.
  row('POST /cabinet/:slug/appeals/:id/forward', membersOfA(422), {
    params: onAppeal((w) => w.work),
    body: (w) => ({ organizationId: String(w.b.id), reason: '', confirm: 'yes' }),
  }),
  row('POST /cabinet/:slug/appeals/:id/answer', membersOfA(422), {
    params: onAppeal((w) => w.work),
    body: () => ({ action: 'save', text: 'я'.repeat(20_001) }),
  }),
  row('POST /cabinet/:slug/appeals/:id/answer/template', membersOfA(303), {
    params: onAppeal((w) => w.work),
    body: (w) => ({ templateId: String(w.template) }),
  }),
  row('POST /cabinet/:slug/appeals/:id/answer/return', headOfA(422), { params: onAppeal((w) => w.work), body: () => ({ returnReason: '' }) }),
  row('GET /cabinet/:slug/appeals/:id/answer/files/:position', membersOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.work.id, position: 0 }) }),
  row('GET /cabinet/:slug/members', membersOfA(200), { params: slug }),
  row('POST /cabinet/:slug/members/:userId', headOfA(422), {
    params: (w) => ({ slug: w.a.slug, userId: w.users.clerkA.id }),
    body: () => ({ role: '', position: '' }),
  }),
  // The confirmation page: the head for anyone, a member for himself (leaving).
  row('GET /cabinet/:slug/members/:userId/remove', membersOfA(200), { params: (w) => ({ slug: w.a.slug, userId: w.users.clerkA.id }) }),
  row('POST /cabinet/:slug/members/:userId/remove', headOfA(303), { params: (w) => ({ slug: w.a.slug, userId: w.removable.page.id }) }),
  row('POST /cabinet/:slug/settings', headOfA(303), { params: slug, body: () => ({ answersNeedApproval: 'yes' }) }),
  row('GET /cabinet/:slug/templates', membersOfA(200), { params: slug }),
  row('POST /cabinet/:slug/templates', headOfA(422), { params: slug, body: () => ({ title: '', body: '' }) }),
  row('GET /cabinet/:slug/templates/:id', membersOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.template }) }),
  row('POST /cabinet/:slug/templates/:id', headOfA(422), { params: (w) => ({ slug: w.a.slug, id: w.template }), body: () => ({ title: '', body: '' }) }),
  row('POST /cabinet/:slug/templates/:id/delete', headOfA(303), { params: (w) => ({ slug: w.a.slug, id: w.deletableTemplates.page }) }),
  row('GET /cabinet/:slug/letterhead', membersOfA(200), { params: slug }),
  // No header line: refused, nothing stored.
  row('POST /cabinet/:slug/letterhead', headOfA(422), { params: slug, body: () => ({ headerLines: '', signaturePosition: '', signatureName: '' }) }),
  // A's letterhead has no logo.
  row('GET /cabinet/:slug/letterhead/logo', membersOfA(missing), { params: slug }),
  row('GET /cabinet/:slug/oversight', membersOfA(200), { params: slug }),
  // A problem «на контроль»: taking it twice changes nothing; releasing one the organization does not hold finds nothing.
  // Documents on the letterhead: the head issues them (a refused form here); everyone reads an issued one.
  row('GET /cabinet/:slug/documents', membersOfA(200), { params: slug }),
  row('GET /cabinet/:slug/problems/:id/document', headOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }) }),
  row('POST /cabinet/:slug/problems/:id/document', headOfA(422), {
    params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }),
    body: () => ({ title: '', addressee: '', outgoingNumber: '', text: '' }),
  }),
  row('GET /documents/:id', [200, 200, 200, 200, 200, 200, 200, 200], { params: (w) => ({ id: w.document }) }),
  row('GET /documents/:id/pdf', [200, 200, 200, 200, 200, 200, 200, 200], { params: (w) => ({ id: w.document }) }),
  row('GET /cabinet/:slug/problems', membersOfA(200), { params: slug }),
  row('POST /cabinet/:slug/problems/:id/control', membersOfA(303), { params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }) }),
  row('POST /cabinet/:slug/problems/:id/release', membersOfA(missing), { params: (w) => ({ slug: w.a.slug, id: w.publishable.problem_id }) }),
  row('GET /cabinet/:slug/problems/:id/statement', membersOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }) }),
  row('POST /cabinet/:slug/problems/:id/statement', membersOfA(422), {
    params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }),
    body: () => ({ statement: '' }),
  }),
  row('GET /cabinet/:slug/oversight.csv', membersOfA(200), { params: slug }),
  row('GET /cabinet/:slug/webhooks', headOfA(200), { params: slug }),
  row('POST /cabinet/:slug/webhooks', headOfA(422), { params: slug, body: () => ({ url: 'не адрес', events: 'appeal.received' }) }),
  row('GET /cabinet/:slug/webhooks/:id', headOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.kept }) }),
  row('POST /cabinet/:slug/webhooks/:id', headOfA(422), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.kept }), body: () => ({ url: '', events: '' }) }),
  // Turning off what is off changes nothing.
  row('POST /cabinet/:slug/webhooks/:id/enabled', headOfA(303), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.kept }), body: () => ({ enabled: 'no' }) }),
  // The endpoint is off: the test event is refused, and nothing is sent anywhere.
  row('POST /cabinet/:slug/webhooks/:id/test', headOfA('webhook_disabled'), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.kept }) }),
  row('GET /cabinet/:slug/webhooks/:id/delete', headOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.kept }) }),
  row('POST /cabinet/:slug/webhooks/:id/delete', headOfA(303), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.deletable.page }) }),
  row('GET /cabinet/:slug/tokens', headOfA(200), { params: slug }),
  row('POST /cabinet/:slug/tokens', headOfA(422), { params: slug, body: () => ({ name: '', scopes: 'read' }) }),
  row('GET /cabinet/:slug/tokens/:id/revoke', headOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.tokens.kept }) }),
  row('POST /cabinet/:slug/tokens/:id/revoke', headOfA(303), { params: (w) => ({ slug: w.a.slug, id: w.tokens.deletable.page }) }),
  row('GET /organizations/:slug/join', verifiedOnes(200), { params: slug }),
  // A's own officials are told they already work there; everyone else's empty form is refused.
  row('POST /organizations/:slug/join', joinCells, { params: slug, body: () => ({ position: '' }) }),
  // One's own pending request; anyone else's does not exist for the asker.
  row('POST /organizations/:slug/join/cancel', [anon, 303, missing, missing, missing, missing, missing, missing], {
    params: (w) => ({ slug: w.b.slug }),
    body: (w) => ({ requestId: String(w.requests.cancelledByPage) }),
  }),
  row('GET /admin/memberships', adminOnly(200)),
  row('POST /admin/memberships/:id', adminOnly(422), { params: (w) => ({ id: w.requests.decided }), body: () => ({ decision: 'approve', role: '' }) }),

  // API
  row('GET /api/v1/cabinet', anyOfficial(200)),
  row('GET /api/v1/cabinet/:slug/appeals', membersOfA(200), { params: slug }),
  row('GET /api/v1/cabinet/:slug/appeals/:id', membersOfA(200), { params: onAppeal((w) => w.work) }),
  row('POST /api/v1/cabinet/:slug/registrations', membersOfA(422), {
    params: slug,
    body: (w) => ({ registeredOn: today(), entries: [{ appealId: w.work.id, registrationNumber: '' }] }),
  }),
  row('POST /api/v1/cabinet/:slug/assignments', membersOfA(200), { params: slug, body: (w) => ({ appealIds: [w.work.id], assigneeId: null }) }),
  row('POST /api/v1/cabinet/:slug/appeals/:id/extension', membersOfA(422), { params: onAppeal((w) => w.work), body: () => ({ days: 0, reason: '' }) }),
  row('POST /api/v1/cabinet/:slug/appeals/:id/forwarding', membersOfA(422), {
    params: onAppeal((w) => w.work),
    body: (w) => ({ organizationId: w.b.id, reason: '' }),
  }),
  row('PUT /api/v1/cabinet/:slug/appeals/:id/answer-draft', membersOfA(422), { params: onAppeal((w) => w.work), body: () => ({ text: 'я'.repeat(20_001) }) }),
  row('POST /api/v1/cabinet/:slug/appeals/:id/answer-draft/submission', membersOfA(200), { params: onAppeal((w) => w.work), body: () => ({}) }),
  row('POST /api/v1/cabinet/:slug/appeals/:id/answer-draft/return', headOfA(422), { params: onAppeal((w) => w.work), body: () => ({ reason: '' }) }),
  // A requires the head's approval: the clerk may not publish.
  row('POST /api/v1/cabinet/:slug/appeals/:id/answer', [anon, nm, nm, 'answer_needs_approval', 200, nm, nm, nm], {
    params: onAppeal((w) => w.publishable),
    body: () => ({}),
  }),
  row('POST /api/v1/cabinet/:slug/answers-from-template', membersOfA(422), {
    params: slug,
    body: (w) => ({ appealIds: [w.answered.id], templateId: w.template }),
  }),
  row('GET /api/v1/cabinet/:slug/members', membersOfA(200), { params: slug }),
  row('PATCH /api/v1/cabinet/:slug/members/:userId', headOfA(422), {
    params: (w) => ({ slug: w.a.slug, userId: w.users.clerkA.id }),
    body: () => ({ role: 'clerk', position: '' }),
  }),
  row('DELETE /api/v1/cabinet/:slug/members/:userId', headOfA(204), { params: (w) => ({ slug: w.a.slug, userId: w.removable.api.id }) }),
  row('PUT /api/v1/cabinet/:slug/settings', headOfA(200), { params: slug, body: () => ({ answersNeedApproval: true, showOfficialNames: false }) }),
  row('GET /api/v1/cabinet/:slug/templates', membersOfA(200), { params: slug }),
  row('POST /api/v1/cabinet/:slug/templates', headOfA(422), { params: slug, body: () => ({ title: '', body: '' }) }),
  row('PUT /api/v1/cabinet/:slug/templates/:id', headOfA(422), { params: (w) => ({ slug: w.a.slug, id: w.template }), body: () => ({ title: '', body: '' }) }),
  row('DELETE /api/v1/cabinet/:slug/templates/:id', headOfA(204), { params: (w) => ({ slug: w.a.slug, id: w.deletableTemplates.api }) }),
  row('GET /api/v1/cabinet/:slug/views', membersOfA(200), { params: slug }),
  row('POST /api/v1/cabinet/:slug/views', membersOfA(422), { params: slug, body: () => ({ name: '', query: '' }) }),
  row('DELETE /api/v1/cabinet/:slug/views/:id', [anon, nm, nm, 204, missing, nm, nm, nm], { params: (w) => ({ slug: w.a.slug, id: w.views.api }) }),
  row('GET /api/v1/cabinet/:slug/oversight', membersOfA(200), { params: slug }),
  row('GET /api/v1/cabinet/:slug/documents', membersOfA(200), { params: slug }),
  row('POST /api/v1/cabinet/:slug/problems/:id/documents', headOfA(422), {
    params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }),
    body: () => ({ title: '', addressee: '', text: '' }),
  }),
  row('GET /api/v1/documents/:id', [200, 200, 200, 200, 200, 200, 200, 200], { params: (w) => ({ id: w.document }) }),
  row('POST /api/v1/cabinet/:slug/problems/:id/control', membersOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }) }),
  row('DELETE /api/v1/cabinet/:slug/problems/:id/control', membersOfA(missing), { params: (w) => ({ slug: w.a.slug, id: w.publishable.problem_id }) }),
  row('POST /api/v1/cabinet/:slug/problems/:id/statements', membersOfA(422), {
    params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }),
    body: () => ({ text: '' }),
  }),
  row('GET /api/v1/cabinet/:slug/webhooks', headOfA(200), { params: slug }),
  row('POST /api/v1/cabinet/:slug/webhooks', headOfA(422), {
    params: slug,
    body: () => ({ url: 'https://sed.example.org/hooks', events: ['appeal.deleted'] }),
  }),
  row('GET /api/v1/cabinet/:slug/webhooks/:id', headOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.kept }) }),
  row('PATCH /api/v1/cabinet/:slug/webhooks/:id', headOfA(422), {
    params: (w) => ({ slug: w.a.slug, id: w.webhooks.kept }),
    body: () => ({ url: 'http://sed.example.org' }),
  }),
  row('DELETE /api/v1/cabinet/:slug/webhooks/:id', headOfA(204), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.deletable.api }) }),
  row('GET /api/v1/cabinet/:slug/webhooks/:id/deliveries', headOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.kept }) }),
  row('POST /api/v1/cabinet/:slug/webhooks/:id/test', headOfA('webhook_disabled'), { params: (w) => ({ slug: w.a.slug, id: w.webhooks.kept }) }),
  row('GET /api/v1/cabinet/:slug/letterhead', membersOfA(200), { params: slug }),
  row('PUT /api/v1/cabinet/:slug/letterhead', headOfA(422), { params: slug, body: () => ({ headerLines: [], signature: { position: '', name: '' } }) }),
  // JSON where a multipart upload belongs: refused before anything is read.
  row('PUT /api/v1/cabinet/:slug/letterhead/logo', headOfA('bad_request'), { params: slug, body: () => ({ logo: 'не картинка' }) }),
  // Removing the logo it does not have changes nothing but the time.
  row('DELETE /api/v1/cabinet/:slug/letterhead/logo', headOfA(200), { params: slug }),
  row('GET /api/v1/cabinet/:slug/tokens', headOfA(200), { params: slug }),
  row('POST /api/v1/cabinet/:slug/tokens', headOfA(422), { params: slug, body: () => ({ name: '', scopes: ['read'] }) }),
  row('DELETE /api/v1/cabinet/:slug/tokens/:id', headOfA(204), { params: (w) => ({ slug: w.a.slug, id: w.tokens.deletable.api }) }),
  row('POST /api/v1/organizations/:slug/membership-requests', joinCells, { params: slug, body: () => ({ position: '' }) }),
  row('DELETE /api/v1/membership-requests/:id', [anon, 204, missing, missing, missing, missing, missing, missing], {
    params: (w) => ({ id: w.requests.cancelledByApi }),
  }),
  row('GET /api/v1/admin/membership-requests', adminOnly(200)),
  row('POST /api/v1/admin/membership-requests/:id/decision', adminOnly(422), { params: (w) => ({ id: w.requests.decided }), body: () => ({ approve: true }) }),

  // Messages to citizens (cabinet.threads.ts): A's officials alone; an empty message is refused before anything is written.
  row('GET /cabinet/:slug/messages', membersOfA(200), { params: slug }),
  row('GET /cabinet/:slug/messages/:id', membersOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.thread }) }),
  row('POST /cabinet/:slug/messages/:id', membersOfA(422), { params: (w) => ({ slug: w.a.slug, id: w.thread }), body: () => ({ body: '' }) }),
  row('GET /cabinet/:slug/appeals/:id/messages', membersOfA(200), { params: onAppeal((w) => w.work) }),
  row('POST /cabinet/:slug/appeals/:id/messages', membersOfA(422), { params: onAppeal((w) => w.work), body: () => ({ body: '' }) }),
  row('POST /cabinet/:slug/appeals/:id/messages/signers', membersOfA(422), { params: onAppeal((w) => w.work), body: () => ({ body: ' ' }) }),
  row('GET /cabinet/:slug/problems/:id/messages', membersOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }) }),
  row('POST /cabinet/:slug/problems/:id/messages', membersOfA(422), { params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }), body: () => ({ body: '' }) }),
  row('GET /api/v1/cabinet/:slug/messages', membersOfA(200), { params: slug }),
  row('GET /api/v1/cabinet/:slug/messages/:id', membersOfA(200), { params: (w) => ({ slug: w.a.slug, id: w.thread }) }),
  row('POST /api/v1/cabinet/:slug/messages/:id', membersOfA(422), { params: (w) => ({ slug: w.a.slug, id: w.thread }), body: () => ({ body: '' }) }),
  row('POST /api/v1/cabinet/:slug/appeals/:id/messages', membersOfA(422), { params: onAppeal((w) => w.work), body: () => ({ body: '' }) }),
  row('POST /api/v1/cabinet/:slug/appeals/:id/messages/signers', membersOfA(422), { params: onAppeal((w) => w.work), body: () => ({ body: '' }) }),
  row('POST /api/v1/cabinet/:slug/problems/:id/messages', membersOfA(422), {
    params: (w) => ({ slug: w.a.slug, id: w.work.problem_id }),
    body: () => ({ body: '' }),
  }),
];

/** The signer whose data only A's officials may see, and only in the letter addressed to A. */
const secret = { surname: 'Засекреченко', firstName: 'Аристарх', street: 'Тайнопроходная', email: `aristarkh-${process.pid}@signers.example` };

async function buildWorld(t: TestApp): Promise<World> {
  const ctx = t.ctx;
  const a = await createOrganization(ctx, { name: 'Администрация кабинетной матрицы', slug: 'cabinet-matrix-a', appealThreshold: 1 });
  const b = await createOrganization(ctx, { name: 'Соседнее управление матрицы', slug: 'cabinet-matrix-b', appealThreshold: 1 });
  const c = await createOrganization(ctx, { name: 'Третья организация матрицы', slug: 'cabinet-matrix-c' });
  const users = {
    citizen: await verifiedCitizen(ctx, { surname: 'Гражданкина', firstName: 'Гала' }),
    author: await verifiedCitizen(ctx, { surname: 'Авторский', firstName: 'Аким' }),
    clerkA: await verifiedCitizen(ctx, { surname: 'Клерков', firstName: 'Кирилл' }),
    headA: await verifiedCitizen(ctx, { surname: 'Главная', firstName: 'Глафира' }),
    headB: await verifiedCitizen(ctx, { surname: 'Соседов', firstName: 'Семён' }),
    moderator: await createUser(ctx, { role: 'moderator', surname: 'Модераторова', firstName: 'Мира' }),
    admin: await createUser(ctx, { role: 'admin', surname: 'Админов', firstName: 'Адам' }),
  };
  await addMember(ctx, a, users.headA, 'head', 'глава');
  await addMember(ctx, a, users.clerkA, 'clerk', 'специалист');
  await addMember(ctx, b, users.headB, 'head', 'начальник');
  const removable = {
    page: await verifiedCitizen(ctx, { surname: 'Уходящий', firstName: 'Ульян' }),
    api: await verifiedCitizen(ctx, { surname: 'Уволенный', firstName: 'Устин' }),
  };
  await addMember(ctx, a, removable.page, 'clerk');
  await addMember(ctx, a, removable.api, 'clerk');

  const signer = await verifiedCitizen(ctx, { surname: secret.surname, firstName: secret.firstName, email: secret.email });
  const sent = async (title: string, withSecret = false) => {
    const { appeal } = await openAppeal(ctx, { author: users.author, organization: a, title, acknowledgeWarnings: true });
    await sign(
      ctx,
      appeal.id,
      withSecret ? signer : undefined,
      withSecret
        ? { fullName: `${secret.surname} ${secret.firstName}`, postalAddress: `170000, г. Тверь, ул. ${secret.street}, д. 7`, consentPublicName: false }
        : {},
    );
    await dispatchAppeal(ctx, appeal.id);
    return getAppealRow(ctx, appeal.id);
  };
  const work = await sent('О ремонте подъезда матрицы', true);
  const publishable = await sent('О благоустройстве сквера матрицы');
  const answered = await sent('Об освещении аллеи матрицы');
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .png()
    .toBuffer();
  const head = actorOf(users.headA, { memberships: new Map([[a.id, 'head']]) });
  const clerk = actorOf(users.clerkA, { memberships: new Map([[a.id, 'clerk']]) });
  await saveDraft(ctx, clerk, a, work.id, { text: 'Черновик ответа матрицы.', outgoingNumber: '', outgoingDate: '', files: [png], removeAttachments: [] });
  // Submitted for approval: the head's return rows reach their input.
  await submitDraft(ctx, clerk, a, work.id);
  await saveDraft(ctx, clerk, a, publishable.id, { text: 'Сквер благоустроят летом.', outgoingNumber: '', outgoingDate: '', files: [], removeAttachments: [] });
  await saveDraft(ctx, clerk, a, answered.id, { text: 'Аллею осветят.', outgoingNumber: '', outgoingDate: '', files: [], removeAttachments: [] });
  await publishDraft(ctx, head, a, answered.id);
  const template = (await saveTemplate(ctx, head, a, null, { title: 'Общий ответ', body: 'По обращению {номер} сообщаем.' })).id;
  const deletableTemplates = {
    page: (await saveTemplate(ctx, head, a, null, { title: 'Удаляемый страницей', body: 'Текст' })).id,
    api: (await saveTemplate(ctx, head, a, null, { title: 'Удаляемый через API', body: 'Текст' })).id,
  };
  const views = {
    page: (await saveView(ctx, clerk, a, { name: 'Для страницы', query: 'state=all' })).id,
    api: (await saveView(ctx, clerk, a, { name: 'Для API', query: 'state=review' })).id,
  };
  const citizen = actorOf(users.citizen);
  const applicant = await verifiedCitizen(ctx, { surname: 'Заявителев', firstName: 'Захар' });
  const requests = {
    cancelledByPage: (await requestMembership(ctx, citizen, b.slug, { position: 'стажёр', note: '' })).id,
    cancelledByApi: (await requestMembership(ctx, citizen, c.slug, { position: 'стажёр', note: '' })).id,
    decided: (await requestMembership(ctx, actorOf(applicant), a.slug, { position: 'инспектор', note: '' })).id,
  };
  const endpoint = async (path: string) => {
    const created = await createEndpoint(ctx, head, a, { url: `https://sed.example.org/${path}`, events: ['appeal.received'] });
    return (await updateEndpoint(ctx, head, a, created.id, { enabled: false })).id;
  };
  const webhooks = { kept: await endpoint('kept'), deletable: { page: await endpoint('page'), api: await endpoint('api') } };
  const token = async (name: string) => (await createToken(ctx, head, a, { name, scopes: ['read'] })).id;
  const tokens = { kept: await token('Матричная СЭД'), deletable: { page: await token('Отзываемый страницей'), api: await token('Отзываемый через API') } };
  const { thread } = await writeToCitizen(ctx, clerk, a, { appealId: work.id }, { body: 'Уточните адрес подъезда, пожалуйста.', channel: 'site' });
  const document = (
    await issueDocument(ctx, head, a, work.problem_id, {
      title: 'Депутатский запрос матрицы',
      addressee: 'Главе матрицы',
      outgoingNumber: '',
      text: 'Прошу сообщить о сроках ремонта подъезда.',
    })
  ).id;
  await setDocumentPdf(ctx, document);
  return { a, b, users, work, publishable, answered, template, deletableTemplates, views, removable, requests, webhooks, tokens, thread: thread.id, document };
}

interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
}

function urlOf(r: Row, w: World): string {
  const params = r.params?.(w) ?? {};
  const url = r.url.replace(/:(\w+)/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`row ${r.method} ${r.url} gives no :${name}`);
    return encodeURIComponent(String(params[name]));
  });
  const query = r.query?.(w);
  return query ? `${url}?${new URLSearchParams(query)}` : url;
}

async function ask(t: TestApp, w: World, r: Row, actor: Credentials): Promise<Answer> {
  const url = urlOf(r, w);
  const isApi = url.startsWith('/api/');
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (isApi) {
    if (actor.bearer) headers.authorization = `Bearer ${actor.bearer}`;
    if (r.body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(r.body(w));
    }
  } else {
    headers.cookie = actor.cookie;
    if (r.method !== 'GET') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const fields = new URLSearchParams({ _csrf: actor.csrf });
      for (const [key, value] of Object.entries(r.body?.(w) ?? {})) fields.append(key, String(value));
      payload = fields.toString();
    }
  }
  const response = await t.app.inject({
    method: r.method as 'GET',
    url,
    headers,
    remoteAddress: actor.remoteAddress,
    ...(payload !== undefined ? { payload } : {}),
  });
  return { status: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), body: response.rawPayload };
}

const ru = translator('ru');

function mismatch(cell: Cell, answer: Answer, isApi: boolean): string | null {
  const text = answer.body.toString('utf8');
  const code = (() => {
    try {
      return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
    } catch {
      return Object.keys(errorStatus).find((c) => decode(text).includes(ru(`errors.${c}` as MessageKey))) ?? '';
    }
  })();
  if (typeof cell === 'number') return answer.status === cell ? null : `got ${answer.status} ${code}`;
  const named = isApi ? code === cell : decode(text).includes(ru(`errors.${cell}` as MessageKey));
  return answer.status === errorStatus[cell] && named ? null : `got ${answer.status} ${code}`;
}

async function textOf(answer: Answer): Promise<string | null> {
  if (answer.contentType.startsWith('application/pdf')) {
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(answer.body)), { mergePages: true });
    return text.replaceAll(/\s+/g, ' ');
  }
  if (/^(text\/(html|plain)|application\/json)/.test(answer.contentType)) return decode(answer.body.toString('utf8'));
  return null;
}

let t: TestApp;
let w: World;
const actors = {} as Record<ActorName, Credentials>;
const mismatches: string[] = [];
const seen: { route: string; url: string; actor: ActorName; answer: Answer }[] = [];
let requests = 0;

beforeAll(async () => {
  t = await createTestApp();
  w = await buildWorld(t);
  await t.app.inject({ method: 'GET', url: '/' });
  actors.anonymous = await credentials(t.app, t.ctx, 'anonymous', null);
  for (const name of actorNames.slice(1) as Exclude<ActorName, 'anonymous'>[]) actors[name] = await credentials(t.app, t.ctx, 'citizen', w.users[name]);
  // The publish row's clerk is refused because A requires the head's approval.
  await t.app.inject({
    method: 'PUT',
    url: `/api/v1/cabinet/${w.a.slug}/settings`,
    headers: { authorization: `Bearer ${actors.headA.bearer}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ answersNeedApproval: true, showOfficialNames: false }),
  });
  for (const r of matrix) {
    const isApi = r.url.startsWith('/api/');
    // Refusals first, successes last: a success never changes the record before a refusal is asked of it.
    const order = [...actorNames].sort((x, y) => Number(typeof r.expected[x] === 'number') - Number(typeof r.expected[y] === 'number'));
    for (const name of order) {
      const answer = await ask(t, w, r, actors[name]);
      requests += 1;
      const problem = mismatch(r.expected[name], answer, isApi);
      if (problem) mismatches.push(`${r.method} ${r.url} as ${name}: expected ${r.expected[name]}, ${problem}`);
      if (r.method === 'GET') seen.push({ route: `${r.method} ${r.url}`, url: urlOf(r, w), actor: name, answer });
    }
  }
}, 300_000);
afterAll(() => t?.stop());

describe('the cabinet’s access matrix', () => {
  it('has a row for every cabinet route in the route table, and none for a route that is gone', () => {
    const table = routeTable(t.app);
    const gets = new Set(table.filter((r) => r.method === 'GET').map((r) => r.url));
    const routes = new Set(table.filter((r) => (r.method !== 'HEAD' || !gets.has(r.url)) && isCabinetRoute(r.url)).map((r) => `${r.method} ${r.url}`));
    const rows = new Set(matrix.map((r) => `${r.method} ${r.url}`));
    expect(
      [...routes]
        .filter((route) => !rows.has(route))
        .map((route) => `add to the cabinet matrix: row('${route}', [anonymous, citizen, author, clerkA, headA, headB, moderator, admin], { … })`),
    ).toEqual([]);
    expect([...rows].filter((route) => !routes.has(route))).toEqual([]);
  });

  it('answers every actor on every cabinet route as the route’s policy says', () => {
    console.info(`cabinet access matrix: ${matrix.length} rows × ${actorNames.length} actors: ${requests} requests`);
    expect(mismatches).toEqual([]);
  });

  it('shows a signer’s name and address to nobody but A’s officials, and to them only in the letter addressed to A', async () => {
    const leaks: string[] = [];
    let letterSeen = 0;
    for (const entry of seen) {
      const text = await textOf(entry.answer);
      if (text === null) continue;
      const traces = [secret.surname, secret.street, secret.email].filter((trace) => text.includes(trace));
      const addressedLetter = entry.route.endsWith('/letter.pdf') && (entry.actor === 'clerkA' || entry.actor === 'headA');
      if (addressedLetter) {
        expect(traces).toEqual([secret.surname, secret.street]);
        letterSeen += 1;
      } else if (traces.length > 0) leaks.push(`${entry.url} as ${entry.actor}: ${traces.join(', ')}`);
    }
    expect(letterSeen).toBe(2);
    expect(leaks).toEqual([]);
  });
});
