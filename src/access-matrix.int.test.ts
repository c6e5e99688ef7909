/**
 * The access matrix: every route of the app, read from Fastify's route table, asked by the six kinds of
 * actor, each answer compared with the real policy of the route's action. A route without a row fails
 * the first test, which says what to add. And the leak check: every page, feed, JSON and PDF any
 * non-admin actor can fetch, searched for every signer's name, address and e-mail.
 *
 * A cell is the status the actor gets, or the refusal (an error code) it gets, whose status and
 * message (page) or code (API) must both match, so a refusal for the wrong reason (a bad CSRF token,
 * a validation error) never passes for a gate. "Allowed" is the action's own success where that
 * leaves the world usable (a sign, a revoke, a withdrawal on a record of its own); where it would not
 * (delete the account, change the password) the request is the empty form, and the cell is the
 * form's 422: past the gate, refused by the action.
 *
 * Columns: anonymous, unverified (signed in, e-mail not confirmed), citizen (verified; signed the
 * collecting appeal), author (of the problem, its appeals, its tokens and notifications),
 * moderator, admin. Outside moderation's own routes a moderator may exactly what a citizen may, and block citizens (/admin/users/:id/block).
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActorName, actorNames, buildWorld, type Credentials, freshSession, type Signer, type World } from '../test/support/access-world.ts';
import { createTestApp, type TestApp } from '../test/support/app.ts';
import { isCabinetRoute } from '../test/support/cabinet-routes.ts';
import { actorOf, addMember, createOrganization, factoryPassword, verifiedCitizen } from '../test/support/factories.ts';
import { decode } from '../test/support/http.ts';
import { type ErrorCode, errorStatus } from './core/errors.ts';
import { routeTable } from './core/http/server.tsx';
import { type MessageKey, translator } from './core/i18n/i18n.ts';
import { createToken } from './modules/cabinet/cabinet.tokens.ts';

type Cell = number | ErrorCode;
type Cells = [anonymous: Cell, unverified: Cell, citizen: Cell, author: Cell, moderator: Cell, admin: Cell];
type Fields = Record<string, unknown>;

interface Setup {
  /** Which record, when the route has one of several kinds (draft, collecting, sent). */
  variant?: string;
  params?: (w: World) => Record<string, string | number>;
  query?: (w: World) => Record<string, string>;
  /** JSON for the API, form fields for pages (the CSRF token is added). */
  body?: (w: World) => Fields;
  /** Sent as text/csv. */
  csv?: string;
  /** A multipart body with one file in the field "photos": a PNG, or text named photo.png. */
  photo?: 'png' | 'text';
  /** The row ends or replaces the session it arrives with: each actor comes in a session of its own. */
  ownSession?: boolean;
}

interface Row extends Setup {
  method: string;
  url: string;
  expected: Record<ActorName, Cell>;
}

function row(route: string, cells: Cells, setup: Setup = {}): Row {
  const [method = '', url = ''] = route.split(' ');
  return { method, url, expected: Object.fromEntries(actorNames.map((name, i) => [name, cells[i]])) as Record<ActorName, Cell>, ...setup };
}

// The refusals, by name.
const anon: ErrorCode = 'unauthenticated';
const unverified: ErrorCode = 'email_not_verified';
const notAuthor: ErrorCode = 'not_author';
const forbidden: ErrorCode = 'forbidden';
const missing: ErrorCode = 'not_found';
const signedIn: ErrorCode = 'already_signed_in';
const badToken: ErrorCode = 'token_invalid';

// Everyone the same; the usual audiences.
const all = (cell: Cell): Cells => [cell, cell, cell, cell, cell, cell];
const signedInOnly = (cell: Cell): Cells => [anon, cell, cell, cell, cell, cell];
const verifiedOnly = (cell: Cell): Cells => [anon, unverified, cell, cell, cell, cell];
const adminOnly = (cell: Cell): Cells => [anon, forbidden, forbidden, forbidden, forbidden, cell];
const moderatorsOnly = (cell: Cell): Cells => [anon, forbidden, forbidden, forbidden, cell, cell];
const authorOnly = (cell: Cell, refusal: ErrorCode = notAuthor): Cells => [anon, refusal, refusal, cell, refusal, refusal];
/** An action on the author's draft: nobody else can tell the draft exists. */
const draftOfAuthor = (cell: Cell): Cells => [anon, missing, missing, cell, missing, missing];
/** Reading the author's draft: the same, without having to sign in first. */
const draftSeenByAuthor = (cell: Cell): Cells => [missing, missing, missing, cell, missing, missing];

/** A citizen's account, for the people pages: the login target, who is no actor of the matrix. */
const person = { params: (w: World) => ({ id: w.loginTarget.id }) };
const problem = (pick: (w: World) => { id: number } = (w) => w.problem) => ({ params: (w: World) => ({ id: pick(w).id }) });
const appeal = (name: keyof World['appeals']) => ({ variant: name, params: (w: World) => ({ id: w.appeals[name].id }) });
const problemFields = (w: World) => ({
  title: 'Разбитая дорога на улице Матричной',
  description: 'Разбитая дорога на улице Матричной. Подробное описание проблемы для проверки.',
  categoryId: w.categoryId,
  territoryId: w.municipalityId,
});
const organizationFields = (w: World) => ({
  name: `Организация ${Math.random().toString(36).slice(2, 8)}`,
  kind: 'municipal_administration',
  territoryId: w.municipalityId,
});
/** An appeal's fields, to the addressee of `organizationId` (each draft of the problem has an addressee of its own). */
const appealFields = (organizationId: (w: World) => number) => (w: World) => ({
  title: 'О ремонте улицы Матричной',
  text: 'Просим отремонтировать дорогу по улице Матричной: ямы глубиной до 20 см.',
  organizationId: organizationId(w),
});
const revision = (name: keyof World['appeals']) => (w: World) => ({ ...appealFields((w) => w.appeals[name].organization_id)(w), baseRevision: 1 });
const draftText = 'Просим отремонтировать дорогу по улице Октябрьской: ямы глубиной до двадцати сантиметров, весной их заливает водой.';
/** A co-written draft and its co-author (the stranger: none of the actors). */
const coauthorOf = (name: keyof World['appeals']) => ({
  variant: name,
  params: (w: World) => ({ id: w.appeals[name].id, userId: (w.stranger.user as { id: number }).id }),
});
const commentFields = { passage: 'Просим отремонтировать', body: 'Замечание к началу текста.' };
/** The shared draft's thread, started by the stranger: its author or the draft's may resolve it. */
const threadOf = () => ({ variant: 'sharedDraft', params: (w: World) => ({ id: w.appeals.sharedDraft.id, commentId: w.draftThreadId }) });
const revisionOf = (name: keyof World['appeals']) => ({ variant: name, params: (w: World) => ({ id: w.appeals[name].id, number: 1 }) });
/** Amendment 1 of a collecting appeal, proposed by the stranger. */
const amendmentOf = (name: keyof World['appeals']) => ({ variant: name, params: (w: World) => ({ id: w.appeals[name].id, number: 1 }) });
const amendmentFields = {
  text: 'Просим отремонтировать дорогу по улице Октябрьской в пгт Оленино до осени.\n\nЯмы глубиной до 20 см, весной их заливает водой.',
  reason: 'Нужен срок.',
};
const signFields = { fullName: 'Подписантов Пётр', postalAddress: '172400, пгт Оленино, ул. Мира, д. 3', consentTransfer: 'yes' };
const today = () => new Date().toISOString().slice(0, 10);
/** Today where the appeals' dates are days (a registration may not predate the sending, which is counted in Moscow's days). */
const todayInMoscow = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date());
const csv = 'region_oktmo,oktmo,okato,name,kind\n28000000,28701000,,город Тверь,urban_okrug\n';
const login = (w: World) => ({ email: w.loginTarget.email, password: factoryPassword });

/**
 * One row per route (and per kind of record where the answer depends on it). A new route fails the
 * coverage test until it has its row here.
 */
const matrix: Row[] = [
  // Site, docs, static files
  row('GET /', all(200)),
  row('GET /healthz', all(200)),
  row('GET /locale/:locale', all(303), { params: () => ({ locale: 'en' }) }),
  row('GET /api/v1/openapi.json', all(200)),
  row('GET /static/*', all(200), { params: () => ({ '*': 'styles.css' }) }),
  row('GET /api/docs', all(200)),
  row('GET /api/docs/static/index.html', all(302)),
  row('HEAD /api/docs/', all(200)),
  row('GET /api/docs/static/swagger-initializer.js', all(200)),
  row('GET /api/docs/json', all(200)),
  row('GET /api/docs/yaml', all(200)),
  row('GET /api/docs/static/*', all(200), { params: () => ({ '*': 'swagger-ui.css' }) }),

  // Accounts: pages
  row('GET /register', [200, signedIn, signedIn, signedIn, signedIn, signedIn]),
  row('POST /register', [422, signedIn, signedIn, signedIn, signedIn, signedIn], { body: () => ({ email: 'new@example.test' }) }),
  // The «check your mail» page after registering: shown to anyone, since registering signs nobody in.
  row('GET /registered', all(200)),
  row('GET /login', all(200)),
  row('POST /login', all(303), { body: login, ownSession: true }),
  row('POST /logout', all(303), { ownSession: true }),
  row('GET /verify-email', all(badToken), { query: () => ({ token: 'no-such-token' }) }),
  row('POST /verify-email', all(badToken), { body: () => ({ token: 'no-such-token' }) }),
  row('POST /account/resend-verification', signedInOnly(303)),
  row('GET /forgot-password', all(200)),
  row('POST /forgot-password', all(303), { body: () => ({ email: 'nobody@example.test' }) }),
  row('GET /forgot-password/sent', all(200)),
  row('GET /reset-password', all(badToken), { query: () => ({ token: 'no-such-token' }) }),
  row('POST /reset-password', all(badToken), { body: () => ({ token: 'no-such-token', password: 'another-Horse-battery-8' }) }),
  row('GET /account', signedInOnly(200)),
  row('POST /account', signedInOnly(422)),
  row('GET /account/email', signedInOnly(200)),
  row('POST /account/email', signedInOnly(422)),
  row('GET /confirm-email', all(badToken), { query: () => ({ token: 'no-such-token' }) }),
  row('POST /confirm-email', all(badToken), { body: () => ({ token: 'no-such-token' }) }),
  row('GET /account/password', signedInOnly(200)),
  row('POST /account/password', signedInOnly(422)),
  row('GET /account/tokens', signedInOnly(200)),
  row('POST /account/tokens', signedInOnly(200), { body: () => ({ name: 'matrix', scopes: 'read' }) }),
  // Somebody else's token does not exist for the asker.
  row('POST /account/tokens/:id/revoke', [anon, missing, missing, 303, missing, missing], { params: (w) => ({ id: w.tokens.revokedByPage }) }),
  row('GET /account/export.json', signedInOnly(200)),
  row('GET /account/delete', signedInOnly(200)),
  row('POST /account/delete', signedInOnly(422)),

  // Accounts: API
  row('GET /api/v1/altcha/challenge', all(200)),
  row('POST /api/v1/accounts', ['altcha_failed', signedIn, signedIn, signedIn, signedIn, signedIn], {
    body: () => ({ email: 'new@example.test', password: 'correct-Horse-battery-9', surname: 'Новый', firstName: 'Нил', altcha: 'bogus' }),
  }),
  row('POST /api/v1/accounts/verify-email', all(badToken), { body: () => ({ token: 'no-such-token' }) }),
  row('POST /api/v1/accounts/password-reset', all(202), { body: () => ({ email: 'nobody@example.test' }) }),
  row('POST /api/v1/accounts/password-reset/confirm', all(badToken), { body: () => ({ token: 'no-such-token', password: 'another-Horse-battery-8' }) }),
  row('POST /api/v1/tokens', all(201), { body: (w) => ({ ...login(w), name: 'matrix' }) }),
  row('GET /api/v1/me', signedInOnly(200)),
  row('PATCH /api/v1/me', signedInOnly(200), { body: () => ({}) }),
  row('POST /api/v1/me/email', signedInOnly(422), { body: () => ({ newEmail: '', password: '' }) }),
  row('GET /api/v1/me/tokens', signedInOnly(200)),
  row('DELETE /api/v1/me/tokens/:id', [anon, missing, missing, 204, missing, missing], { params: (w) => ({ id: w.tokens.revokedByApi }) }),
  row('GET /api/v1/me/export', signedInOnly(200)),
  row('DELETE /api/v1/me', signedInOnly(422), { body: () => ({ password: 'not-the-password' }) }),

  // Territories
  row('GET /territories', all(200)),
  row('GET /territories/:oktmo', all(200), { params: () => ({ oktmo: '28701000' }) }),
  row('GET /api/v1/territories', all(200)),
  row('GET /api/v1/territories/:oktmo', all(200), { params: () => ({ oktmo: '28701000' }) }),
  row('POST /api/v1/territories/import', adminOnly(200), { csv }),
  row('GET /admin/territories/import', adminOnly(200)),
  row('POST /admin/territories/import', adminOnly(200), { body: () => ({ file: csv }) }),

  // Organizations
  row('GET /organizations', all(200)),
  row('GET /organizations/:slug', all(200), { params: (w) => ({ slug: w.organization.slug }) }),
  row('GET /admin/organizations/new', adminOnly(200)),
  row('POST /admin/organizations/new', adminOnly(422)),
  row('GET /admin/organizations/:slug/edit', adminOnly(200), { params: (w) => ({ slug: w.editableOrganization.slug }) }),
  row('POST /admin/organizations/:slug/edit', adminOnly(422), { params: (w) => ({ slug: w.editableOrganization.slug }) }),
  // Topics: empty forms are refused by the action (nothing renamed).
  row('GET /admin/categories', adminOnly(200)),
  row('POST /admin/categories', adminOnly(422), { body: () => ({}) }),
  row('GET /admin/categories/:slug/edit', adminOnly(200), { params: () => ({ slug: 'other' }) }),
  row('POST /admin/categories/:slug/edit', adminOnly(422), { params: () => ({ slug: 'other' }), body: () => ({}) }),
  row('POST /api/v1/admin/categories', adminOnly(422), { body: () => ({}) }),
  row('PUT /api/v1/admin/categories/:slug', adminOnly(422), { params: () => ({ slug: 'other' }), body: () => ({}) }),
  row('GET /admin/territories/:oktmo/edit', adminOnly(200), { params: () => ({ oktmo: '28701000' }) }),
  row('POST /admin/territories/:oktmo/edit', adminOnly(422), { params: () => ({ oktmo: '28701000' }), body: () => ({}) }),
  row('PUT /api/v1/admin/territories/:oktmo', adminOnly(422), { params: () => ({ oktmo: '28701000' }), body: () => ({}) }),
  // The directory as CSV: exported, and imported all or nothing (a file without its columns is refused whole).
  row('GET /admin/organizations.csv', adminOnly(200)),
  row('GET /admin/organizations/import', adminOnly(200)),
  row('POST /admin/organizations/import', adminOnly(422), { body: () => ({}) }),
  row('POST /api/v1/admin/organizations/import', adminOnly(422), { csv: 'name\nОрганизация без столбцов\n' }),
  // Merging: the empty form is refused by the action (nothing merged); the matrix never merges its world away.
  row('GET /admin/organizations/:slug/merge', adminOnly(200), { params: (w) => ({ slug: w.editableOrganization.slug }) }),
  row('POST /admin/organizations/:slug/merge', adminOnly(422), { params: (w) => ({ slug: w.editableOrganization.slug }), body: () => ({}) }),
  row('POST /api/v1/admin/organizations/:slug/merge', adminOnly(422), { params: (w) => ({ slug: w.editableOrganization.slug }), body: () => ({}) }),
  row('GET /api/v1/categories', all(200)),
  row('GET /api/v1/organizations', all(200)),
  row('GET /api/v1/organizations/suggest', all(200), { query: (w) => ({ territoryId: String(w.municipalityId) }) }),
  row('GET /api/v1/organizations/:slug', all(200), { params: (w) => ({ slug: w.organization.slug }) }),
  row('POST /api/v1/organizations', adminOnly(201), { body: organizationFields }),
  row('PUT /api/v1/organizations/:slug', adminOnly(200), { params: (w) => ({ slug: w.editableOrganization.slug }), body: organizationFields }),

  // Problems: pages
  row('GET /problems', all(200)),
  row('GET /problems/map', all(200)),
  row('GET /problems.atom', all(200)),
  // The form itself sends a visitor to log in and tells an unconfirmed e-mail to confirm it first.
  row('GET /problems/new', [303, 403, 200, 200, 200, 200]),
  row('POST /problems/new', verifiedOnly(422)),
  row('GET /problems/:id', all(200), problem()),
  // A photo attached to an unsent form: its uploader's only; nobody else can tell it exists.
  row('GET /problems/pending-photos/:id', [anon, unverified, missing, 200, missing, missing], { params: (w) => ({ id: w.pendingPhotoId }) }),
  row('GET /problems/:id/photos/:position', all(200), { params: (w) => ({ id: w.problem.id, position: 0 }) }),
  row('GET /problems/:id/photos/:position/thumbnail', all(200), { params: (w) => ({ id: w.problem.id, position: 0 }) }),
  row('GET /problems/:id/edit', authorOnly(200), problem()),
  row('POST /problems/:id/edit', authorOnly(303), { ...problem(), body: problemFields }),
  // The confirmation page before marking solved: the author's, while the problem is open.
  row('GET /problems/:id/solved', authorOnly(200), problem()),
  row(
    'POST /problems/:id/solved',
    authorOnly(303),
    problem((w) => w.problems.solvedByPage),
  ),
  row('POST /problems/:id/follow', signedInOnly(303), { ...problem(), body: () => ({ follow: '1' }) }),
  row('POST /problems/:id/comments', verifiedOnly(303), { ...problem(), body: () => ({ body: 'Поддерживаю.' }) }),

  // Problems: API
  row('GET /api/v1/problems', all(200)),
  row('GET /api/v1/problems/similar', all(200), { query: (w) => ({ territoryId: String(w.municipalityId), title: 'Разбитая дорога' }) }),
  row('GET /api/v1/problems/markers', all(200)),
  row('POST /api/v1/problems', verifiedOnly(201), { body: problemFields }),
  row('GET /api/v1/problems/:id', all(200), problem()),
  row('PUT /api/v1/problems/:id', authorOnly(200), { ...problem(), body: problemFields }),
  row('POST /api/v1/problems/:id/photos', authorOnly(201), { ...problem(), photo: 'png' }),
  // Whose problem it is comes before the file is read: only the author hears that it is no image.
  row('POST /api/v1/problems/:id/photos', authorOnly(422), { ...problem(), variant: 'not an image', photo: 'text' }),
  row(
    'POST /api/v1/problems/:id/solved',
    authorOnly(200),
    problem((w) => w.problems.solvedByApi),
  ),
  row('GET /api/v1/problems/:id/events', all(200), problem()),
  row('GET /api/v1/problems/:id/comments', all(200), problem()),
  row('POST /api/v1/problems/:id/comments', verifiedOnly(201), { ...problem(), body: () => ({ body: 'Поддерживаю.' }) }),
  row('PUT /api/v1/problems/:id/follow', signedInOnly(200), problem()),
  row('DELETE /api/v1/problems/:id/follow', signedInOnly(200), problem()),

  // Appeals: pages
  row('GET /problems/:id/appeals/new', [anon, unverified, notAuthor, 200, notAuthor, notAuthor], problem()),
  row('POST /problems/:id/appeals/new', [anon, unverified, notAuthor, 303, notAuthor, notAuthor], {
    ...problem(),
    body: appealFields((w) => w.newDraftAddressees.page.id),
  }),
  row('GET /appeals/:id', draftSeenByAuthor(200), appeal('draft')),
  row('GET /appeals/:id', all(200), appeal('collecting')),
  row('GET /appeals/:id', all(200), appeal('sent')),
  row('GET /appeals/:id/edit', draftOfAuthor(200), appeal('draft')),
  row('POST /appeals/:id/edit', draftOfAuthor(303), { ...appeal('revisedByPage'), body: revision('revisedByPage') }),
  row('POST /appeals/:id/open', draftOfAuthor(303), appeal('openedByPage')),
  // Co-writing (drafting.pages.tsx, drafting.api.ts): a private draft is its author's alone; a shared one anyone reads.
  row('GET /appeals/:id/draft', draftSeenByAuthor(200), appeal('draft')),
  row('GET /appeals/:id/draft', all(200), appeal('sharedDraft')),
  row('POST /appeals/:id/draft', draftOfAuthor(303), { ...appeal('textSavedByPage'), body: () => ({ text: draftText, baseRevision: '1' }) }),
  row('POST /appeals/:id/coauthors', [anon, unverified, 303, 'already_coauthor', 303, 303], appeal('joinedByPage')),
  row('POST /appeals/:id/coauthors/leave', [anon, 'not_coauthor', 303, 'not_coauthor', 'not_coauthor', 'not_coauthor'], appeal('coauthorLeftByPage')),
  row('GET /appeals/:id/coauthors/:userId/remove', authorOnly(200), coauthorOf('coWritten')),
  row('POST /appeals/:id/coauthors/:userId/remove', authorOnly(303), coauthorOf('coauthorRemovedByPage')),
  row('POST /appeals/:id/draft/sharing', draftOfAuthor(303), { ...appeal('sharedByPage'), body: () => ({ shared: '1' }) }),
  row('POST /appeals/:id/draft/lock', draftOfAuthor(303), { ...appeal('lockedByPage'), body: () => ({ locked: '1' }) }),
  row('GET /appeals/:id/history', draftSeenByAuthor(200), appeal('draft')),
  row('GET /appeals/:id/history', all(200), appeal('collecting')),
  row('GET /appeals/:id/history/compare', all(200), { ...appeal('collecting'), query: () => ({ from: '1', to: '1' }) }),
  row('POST /appeals/:id/history/:number/restore', draftOfAuthor(303), revisionOf('restoredByPage')),
  row('POST /appeals/:id/draft/comments', [anon, unverified, 303, 303, 303, 303], { ...appeal('sharedDraft'), body: () => commentFields }),
  row('POST /appeals/:id/draft/comments/:commentId/resolve', authorOnly(303), { ...threadOf(), body: () => ({ resolved: '1' }) }),
  row('GET /api/v1/appeals/:id/draft/comments', draftSeenByAuthor(200), appeal('draft')),
  row('GET /api/v1/appeals/:id/draft/comments', all(200), appeal('sharedDraft')),
  row('POST /api/v1/appeals/:id/draft/comments', [anon, unverified, 201, 201, 201, 201], { ...appeal('sharedDraft'), body: () => commentFields }),
  row('PUT /api/v1/appeals/:id/draft/comments/:commentId/resolved', authorOnly(204), { ...threadOf(), body: () => ({ resolved: true }) }),
  // A plain GET of the co-editing websocket (no upgrade) is no connection, for anyone.
  row('GET /collab', all('bad_request')),
  row('GET /api/v1/appeals/:id/draft', draftSeenByAuthor(200), appeal('draft')),
  row('GET /api/v1/appeals/:id/draft', all(200), appeal('sharedDraft')),
  row('PUT /api/v1/appeals/:id/draft', draftOfAuthor(200), { ...appeal('textSavedByApi'), body: () => ({ text: draftText, baseRevision: 1 }) }),
  row('PUT /api/v1/appeals/:id/draft/settings', draftOfAuthor(200), { ...appeal('settingsByApi'), body: () => ({ locked: true }) }),
  row('POST /api/v1/appeals/:id/coauthors', [anon, unverified, 200, 'already_coauthor', 200, 200], appeal('joinedByApi')),
  row('DELETE /api/v1/appeals/:id/coauthors/me', [anon, 'not_coauthor', 200, 'not_coauthor', 'not_coauthor', 'not_coauthor'], appeal('coauthorLeftByApi')),
  row('DELETE /api/v1/appeals/:id/coauthors/:userId', authorOnly(200), coauthorOf('coauthorRemovedByApi')),
  row('GET /api/v1/appeals/:id/revisions', draftSeenByAuthor(200), appeal('draft')),
  row('GET /api/v1/appeals/:id/revisions', all(200), appeal('collecting')),
  row('GET /api/v1/appeals/:id/revisions/compare', all(200), { ...appeal('collecting'), query: () => ({ from: '1', to: '1' }) }),
  row('POST /api/v1/appeals/:id/revisions/:number/restore', draftOfAuthor(200), revisionOf('restoredByApi')),
  // Amendments of a collecting appeal: anyone reads them, a verified citizen proposes and discusses, the author decides.
  row('GET /appeals/:id/amendments', all(200), appeal('amended')),
  row('GET /appeals/:id/amendments', draftSeenByAuthor(200), appeal('draft')),
  row('GET /appeals/:id/amendments/new', verifiedOnly(200), appeal('amended')),
  row('GET /appeals/:id/amendments/new', [anon, unverified, 'signing_closed', 'signing_closed', 'signing_closed', 'signing_closed'], appeal('sent')),
  row('POST /appeals/:id/amendments', verifiedOnly(303), { ...appeal('amended'), body: () => amendmentFields }),
  row('GET /appeals/:id/amendments/:number', all(200), amendmentOf('amended')),
  row('POST /appeals/:id/amendments/:number/comments', verifiedOnly(303), { ...amendmentOf('amended'), body: () => ({ body: 'Поддерживаю поправку.' }) }),
  row('POST /appeals/:id/amendments/:number/decision', authorOnly(303), {
    ...amendmentOf('amendmentAcceptedByPage'),
    body: () => ({ decision: 'accept', reason: 'Принято.' }),
  }),
  row('GET /api/v1/appeals/:id/amendments', all(200), appeal('amended')),
  row('POST /api/v1/appeals/:id/amendments', verifiedOnly(201), { ...appeal('amended'), body: () => amendmentFields }),
  row('GET /api/v1/appeals/:id/amendments/:number', all(200), amendmentOf('amended')),
  row('POST /api/v1/appeals/:id/amendments/:number/comments', verifiedOnly(204), { ...amendmentOf('amended'), body: () => ({ body: 'Поддерживаю.' }) }),
  row('PUT /api/v1/appeals/:id/amendments/:number/decision', authorOnly(200), {
    ...amendmentOf('amendmentAcceptedByApi'),
    body: () => ({ decision: 'accept', reason: 'Принято.' }),
  }),
  row('POST /appeals/:id/signatures', verifiedOnly(303), { ...appeal('signedByPage'), body: () => signFields }),
  // Only one's own signature can be withdrawn; the others have none.
  row('POST /appeals/:id/signatures/withdraw', [anon, missing, 303, missing, missing, missing], appeal('signatureWithdrawnByPage')),
  row('GET /appeals/:id/document.pdf', draftOfAuthor(200), appeal('draft')),
  row('GET /appeals/:id/document.pdf', authorOnly(200), appeal('collecting')),
  row('GET /appeals/:id/document.pdf', authorOnly(200), appeal('sent')),
  row('POST /appeals/:id/sent-by-me', authorOnly(303), { ...appeal('recordedSentByPage'), body: () => ({ sentOn: today(), registrationNumber: 'М-1' }) }),
  // The confirmation page before a withdrawal; a letter already with the addressee cannot be withdrawn, and it says so.
  row('GET /appeals/:id/withdraw', draftOfAuthor(200), appeal('draft')),
  row('GET /appeals/:id/withdraw', authorOnly(200), appeal('collecting')),
  row('GET /appeals/:id/withdraw', authorOnly('appeal_already_sent'), appeal('sent')),
  row('POST /appeals/:id/withdraw', authorOnly(303), appeal('withdrawnByPage')),

  // Appeals: API
  row('POST /api/v1/problems/:id/appeals', [anon, unverified, notAuthor, 201, notAuthor, notAuthor], {
    ...problem(),
    body: appealFields((w) => w.newDraftAddressees.api.id),
  }),
  row('GET /api/v1/problems/:id/appeals', all(200), problem()),
  row('GET /api/v1/appeals/:id', draftSeenByAuthor(200), appeal('draft')),
  row('GET /api/v1/appeals/:id', all(200), appeal('collecting')),
  row('GET /api/v1/appeals/:id', all(200), appeal('sent')),
  row('PUT /api/v1/appeals/:id', draftOfAuthor(200), { ...appeal('revisedByApi'), body: revision('revisedByApi') }),
  row('POST /api/v1/appeals/:id/open', draftOfAuthor(200), { ...appeal('openedByApi'), body: () => ({}) }),
  row('GET /api/v1/appeals/:id/count', draftSeenByAuthor(200), appeal('draft')),
  row('GET /api/v1/appeals/:id/count', all(200), appeal('collecting')),
  row('POST /api/v1/appeals/:id/signatures', verifiedOnly(201), { ...appeal('signedByApi'), body: () => ({ ...signFields, consentTransfer: true }) }),
  row('GET /api/v1/appeals/:id/signatures/me', [anon, missing, 200, missing, missing, missing], appeal('collecting')),
  row('DELETE /api/v1/appeals/:id/signatures/me', [anon, missing, 204, missing, missing, missing], appeal('signatureWithdrawnByApi')),
  row('GET /api/v1/appeals/:id/signers', draftSeenByAuthor(200), appeal('draft')),
  row('GET /api/v1/appeals/:id/signers', all(200), appeal('collecting')),
  row('GET /api/v1/appeals/:id/signers', all(200), appeal('sent')),
  row('GET /api/v1/appeals/:id/document.pdf', draftOfAuthor(200), appeal('draft')),
  row('GET /api/v1/appeals/:id/document.pdf', authorOnly(200), appeal('collecting')),
  row('GET /api/v1/appeals/:id/document.pdf', authorOnly(200), appeal('sent')),
  row('POST /api/v1/appeals/:id/sent-by-me', authorOnly(200), { ...appeal('recordedSentByApi'), body: () => ({ sentOn: today() }) }),
  row('POST /api/v1/appeals/:id/withdraw', authorOnly(200), appeal('withdrawnByApi')),

  // Notifications: one's own only
  row('GET /notifications', signedInOnly(200)),
  row('GET /messages', signedInOnly(200)),
  row('GET /messages/:id', [anon, missing, missing, 200, missing, missing], { params: (w) => ({ id: w.messages.threadId }) }),
  row('POST /messages/:id', [anon, unverified, missing, 422, missing, missing], { params: (w) => ({ id: w.messages.threadId }), body: () => ({ body: '' }) }),
  row('GET /messages/broadcasts/:id', [anon, missing, missing, 200, missing, missing], { params: (w) => ({ id: w.messages.broadcastId }) }),
  row('POST /messages/broadcasts/:id', [anon, unverified, missing, 422, missing, missing], {
    params: (w) => ({ id: w.messages.broadcastId }),
    body: () => ({ body: '' }),
  }),
  row('POST /notifications/:id/read', [anon, missing, missing, 303, missing, missing], { params: (w) => ({ id: w.notificationId }) }),
  row('POST /notifications/read-all', signedInOnly(303)),
  row('GET /account/notifications', signedInOnly(200)),
  row('POST /account/notifications', signedInOnly(303)),
  // The signed token in the link is the proof, whoever follows it.
  row('GET /unsubscribe/:token', all(200), { params: (w) => ({ token: w.unsubscribeToken }) }),
  row('GET /unsubscribe/:token/done', all(200), { params: (w) => ({ token: w.unsubscribeToken }) }),
  row('POST /unsubscribe/:token', all(303), { params: (w) => ({ token: w.unsubscribeToken }), body: () => ({ target: 'kind' }) }),
  row('GET /api/v1/notifications', signedInOnly(200)),
  // The cabinet's messages: a thread exists for its citizen alone (the author), as the message to all signers for them.
  row('GET /api/v1/messages', signedInOnly(200)),
  row('GET /api/v1/messages/:id', [anon, missing, missing, 200, missing, missing], { params: (w) => ({ id: w.messages.threadId }) }),
  row('POST /api/v1/messages/:id', [anon, unverified, missing, 422, missing, missing], {
    params: (w) => ({ id: w.messages.threadId }),
    body: () => ({ body: '' }),
  }),
  row('GET /api/v1/messages/broadcasts/:id', [anon, missing, missing, 200, missing, missing], { params: (w) => ({ id: w.messages.broadcastId }) }),
  row('POST /api/v1/messages/broadcasts/:id', [anon, unverified, missing, 422, missing, missing], {
    params: (w) => ({ id: w.messages.broadcastId }),
    body: () => ({ body: '' }),
  }),
  row('POST /api/v1/notifications/:id/read', [anon, missing, missing, 200, missing, missing], { params: (w) => ({ id: w.notificationId }) }),
  row('POST /api/v1/notifications/read-all', signedInOnly(200)),
  row('GET /api/v1/me/notification-preferences', signedInOnly(200)),
  row('PUT /api/v1/me/notification-preferences', signedInOnly(200), { body: () => ({}) }),

  // The body's registration, recorded by the author once (the moderator and the admin, who ask first, are not the author).
  row('POST /appeals/:id/registration', authorOnly(303), {
    ...appeal('registeredByPage'),
    body: () => ({ registrationNumber: '01-15/77', registeredOn: todayInMoscow() }),
  }),
  row('POST /api/v1/appeals/:id/registration', authorOnly(200), {
    ...appeal('registeredByApi'),
    body: () => ({ registrationNumber: '01-15/78', registeredOn: todayInMoscow() }),
  }),

  // Answers. A letter is decided once: the moderator (who asks first) decides it, the admin and the author,
  // past the gate, find it decided (409); the others are refused at the gate. «Не ответ», so the sent appeal stays sent.
  row('POST /appeals/:id/letters/:letterId/decision', [anon, notAuthor, notAuthor, 'letter_already_decided', 303, 'letter_already_decided'], {
    params: (w) => ({ id: w.appeals.sent.id, letterId: w.letters.decidedByPage }),
    body: () => ({ decision: 'not_answer' }),
  }),
  row('POST /api/v1/appeals/:id/letters/:letterId/decision', [anon, notAuthor, notAuthor, 'letter_already_decided', 200, 'letter_already_decided'], {
    params: (w) => ({ id: w.appeals.sent.id, letterId: w.letters.decidedByApi }),
    body: () => ({ decision: 'not_answer' }),
  }),
  // A pending letter does not exist for those who do not decide it.
  row('GET /appeals/:id/letters/:letterId/attachments/:position', [missing, missing, missing, 200, 200, 200], {
    params: (w) => ({ id: w.appeals.sent.id, letterId: w.letters.withAttachment, position: 0 }),
  }),
  row('GET /api/v1/appeals/:id/letters', all(200), { params: (w) => ({ id: w.appeals.sent.id }) }),
  row('GET /api/v1/appeals/:id/letters', draftSeenByAuthor(200), appeal('draft')),
  // A paper answer: uploaded by the author, or published by an admin on the body's behalf; each once, on an appeal of its own.
  row('GET /appeals/:id/answer/upload', authorOnly(200), { params: (w) => ({ id: w.appeals.sent.id }) }),
  row('POST /appeals/:id/answer/upload', authorOnly(303), { ...appeal('answerUploadedByPage'), body: () => ({ text: 'Ответ из матрицы доступа' }) }),
  row('POST /api/v1/appeals/:id/answer', authorOnly(201), { ...appeal('answerUploadedByApi'), body: () => ({ text: 'Ответ из матрицы доступа' }) }),
  row('GET /admin/appeals/:id/answer', adminOnly(200), { params: (w) => ({ id: w.appeals.sent.id }) }),
  row('POST /admin/appeals/:id/answer', adminOnly(303), { ...appeal('answerPublishedByPage'), body: () => ({ text: 'Ответ из матрицы доступа' }) }),
  row('POST /api/v1/admin/appeals/:id/answer', adminOnly(201), { ...appeal('answerPublishedByApi'), body: () => ({ text: 'Ответ из матрицы доступа' }) }),
  // The webhook's proof is its shared secret, which no caller here has.
  row('POST /api/v1/inbound-mail', all('inbound_secret_invalid'), { body: () => ({}) }),
  // Rating the answer: the signers (the citizen signed it) and the author, nobody else; everyone reads the review.
  row('GET /appeals/:id/rating', [anon, unverified, 200, 200, 'not_signer', 'not_signer'], appeal('inReview')),
  row('POST /appeals/:id/rating', [anon, unverified, 303, 303, 'not_signer', 'not_signer'], {
    ...appeal('inReview'),
    body: () => ({ score: '4', solved: 'partly', comment: 'Оценка из матрицы доступа' }),
  }),
  row('PUT /api/v1/appeals/:id/review/mine', [anon, unverified, 200, 200, 'not_signer', 'not_signer'], {
    ...appeal('inReview'),
    body: () => ({ score: 3, solved: 'no' }),
  }),
  row('GET /api/v1/appeals/:id/review', all(200), appeal('inReview')),
  // Escalation: the author's, once the appeal closed unresolved or is overdue (the one in review is neither).
  row('GET /appeals/:id/escalate', [anon, unverified, notAuthor, 'escalation_not_allowed', notAuthor, notAuthor], appeal('inReview')),
  row('POST /appeals/:id/escalate', [anon, unverified, notAuthor, 'escalation_not_allowed', notAuthor, notAuthor], {
    ...appeal('inReview'),
    body: () => ({ organizationId: '' }),
  }),
  row('POST /api/v1/appeals/:id/escalation', [anon, unverified, notAuthor, 'escalation_not_allowed', notAuthor, notAuthor], {
    ...appeal('inReview'),
    body: () => ({}),
  }),
  // Organization ratings: public.
  row('GET /ratings', all(200)),
  row('GET /ratings.csv', all(200)),
  row('GET /ratings.atom', all(200)),
  row('GET /ratings/formula', all(200)),
  row('GET /api/v1/ratings', all(200)),
  row('GET /api/v1/ratings/formula', all(200)),
  row('GET /api/v1/organizations/:slug/rating', all(200), { params: (w) => ({ slug: w.organization.slug }) }),
  row('GET /api/v1/appeals/:id/review', draftSeenByAuthor(200), appeal('draft')),
  row('GET /admin/inbound-mail', adminOnly(200)),
  row('GET /api/v1/admin/inbound-mail', adminOnly(200)),

  // Moderation: anyone signed in reports (not his own item); moderators work the queue; the author appeals his own
  // hidden item; administrators decide appeals. Empty forms: past the gate, refused by the action (422).
  row('GET /report/:type/:id', signedInOnly(200), { params: (w) => ({ type: 'problem', id: w.problem.id }) }),
  row('POST /report/:type/:id', [anon, 422, 422, 'own_content', 422, 422], { params: (w) => ({ type: 'problem', id: w.problem.id }), body: () => ({}) }),
  // The problem's author is the world's moderator: reporting him is reporting himself.
  row('GET /report/:type/:id/author', signedInOnly(200), { params: (w) => ({ type: 'problem', id: w.problem.id }) }),
  row('POST /report/:type/:id/author', [anon, 422, 422, 'own_content', 422, 422], {
    params: (w) => ({ type: 'problem', id: w.problem.id }),
    body: () => ({}),
  }),
  row('POST /api/v1/reports', signedInOnly(422), { body: () => ({}) }),
  row('GET /moderation', moderatorsOnly(200)),
  row('POST /moderation/decisions', moderatorsOnly(422), { body: () => ({}) }),
  row('GET /moderation/cases/:id', moderatorsOnly(200), { params: (w) => ({ id: w.moderation.reportedCase }) }),
  row('POST /moderation/cases/:id/decision', moderatorsOnly(422), { params: (w) => ({ id: w.moderation.reportedCase }), body: () => ({}) }),
  row('POST /moderation/cases/:id/block-author', moderatorsOnly(422), { params: (w) => ({ id: w.moderation.reportedCase }), body: () => ({}) }),
  row('POST /api/v1/moderation/cases/:id/block-author', moderatorsOnly(422), { params: (w) => ({ id: w.moderation.reportedCase }), body: () => ({}) }),
  row('GET /moderation/mine', signedInOnly(200)),
  row('POST /moderation/cases/:id/appeal', [anon, missing, missing, 422, missing, missing], {
    params: (w) => ({ id: w.moderation.appealableCase }),
    body: () => ({}),
  }),
  row('GET /moderation/appeals', adminOnly(200)),
  row('POST /moderation/cases/:id/appeal-decision', adminOnly(422), { params: (w) => ({ id: w.moderation.appealedCase }), body: () => ({}) }),
  row('GET /api/v1/moderation/queue', moderatorsOnly(200)),
  row('GET /api/v1/moderation/cases/:id', moderatorsOnly(200), { params: (w) => ({ id: w.moderation.reportedCase }) }),
  row('POST /api/v1/moderation/decisions', moderatorsOnly(422), { body: () => ({}) }),
  row('GET /api/v1/moderation/mine', signedInOnly(200)),
  row('POST /api/v1/moderation/cases/:id/appeal', signedInOnly(422), { params: (w) => ({ id: w.moderation.appealableCase }), body: () => ({}) }),
  row('GET /api/v1/moderation/appeals', adminOnly(200)),
  // Flagged signatures: moderators only; the world's collecting appeal has none flagged, so its page lists none (its
  // signers' names stay out of the leak check). An author or signer who is a moderator is refused (moderator_involved):
  // appeals.signature-moderation.int.test.ts.
  row('GET /moderation/signatures', moderatorsOnly(200)),
  row('GET /moderation/signatures/:id', moderatorsOnly(200), appeal('collecting')),
  row('POST /moderation/signatures/:id/clear', moderatorsOnly(422), { ...appeal('collecting'), body: () => ({}) }),
  row('POST /moderation/signatures/:id/invalidation', moderatorsOnly(422), { ...appeal('collecting'), body: () => ({}) }),
  row('POST /moderation/signatures/:id/invalidate', moderatorsOnly(422), { ...appeal('collecting'), body: () => ({}) }),
  row('GET /api/v1/moderation/signatures', moderatorsOnly(200)),
  row('GET /api/v1/moderation/signatures/:id', moderatorsOnly(200), appeal('collecting')),
  row('POST /api/v1/moderation/signatures/:id/clear', moderatorsOnly(422), { ...appeal('collecting'), body: () => ({}) }),
  row('POST /api/v1/moderation/signatures/:id/invalidation-preview', moderatorsOnly(422), { ...appeal('collecting'), body: () => ({}) }),
  row('POST /api/v1/moderation/signatures/:id/invalidate', moderatorsOnly(422), { ...appeal('collecting'), body: () => ({}) }),
  row('POST /api/v1/moderation/cases/:id/appeal-decision', adminOnly(422), { params: (w) => ({ id: w.moderation.appealedCase }), body: () => ({}) }),

  // Administration
  row('GET /admin', adminOnly(200)),
  row('GET /admin/outbox', adminOnly(200)),
  row('GET /admin/outbox/:id', adminOnly(200), { params: (w) => ({ id: w.mailId }) }),
  row('GET /admin/outbox/:id/attachments/:attachmentId', adminOnly(200), { params: (w) => ({ id: w.letter.mailId, attachmentId: w.letter.attachmentId }) }),
  row('GET /admin/audit', adminOnly(200)),
  row('GET /admin/audit.csv', adminOnly(200)),
  row('GET /api/v1/admin/audit', adminOnly(200)),
  row('GET /api/v1/admin/outbox', adminOnly(200)),
  // Site settings: the empty form is the action's 422 (every setting is required there); an empty PUT changes nothing.
  row('GET /admin/settings', adminOnly(200)),
  row('POST /admin/settings', adminOnly(422), { body: () => ({}) }),
  row('GET /api/v1/admin/settings', adminOnly(200)),
  row('PUT /api/v1/admin/settings', adminOnly(200), { body: () => ({}) }),
  // People: admins find them and give roles, moderators and admins block citizens. Posts without a reason are the action's 422.
  row('GET /admin/users', adminOnly(200)),
  row('GET /admin/users/:id', adminOnly(200), person),
  row('POST /admin/users/:id/role', adminOnly(422), { ...person, body: () => ({ role: 'moderator' }) }),
  row('GET /admin/users/:id/block', moderatorsOnly(200), person),
  row('POST /admin/users/:id/block', moderatorsOnly(422), { ...person, body: () => ({}) }),
  // Not blocked: the unblock page sends back to the person's page.
  row('GET /admin/users/:id/unblock', moderatorsOnly(303), person),
  row('POST /admin/users/:id/unblock', moderatorsOnly(422), { ...person, body: () => ({}) }),
  row('GET /api/v1/admin/users', adminOnly(200)),
  row('GET /api/v1/admin/users/:id', adminOnly(200), person),
  row('PUT /api/v1/admin/users/:id/role', adminOnly(422), { ...person, body: () => ({ role: 'moderator' }) }),
  row('POST /api/v1/admin/users/:id/block', moderatorsOnly(422), { ...person, body: () => ({}) }),
  row('POST /api/v1/admin/users/:id/unblock', moderatorsOnly(422), { ...person, body: () => ({}) }),
  row('GET /api/v1/admin/outbox/:id/attachments/:attachmentId', adminOnly(200), {
    params: (w) => ({ id: w.letter.mailId, attachmentId: w.letter.attachmentId }),
  }),
];

// ---------------------------------------------------------------------------------------------
// Asking

interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
}

const boundary = '----access-matrix-boundary';
function multipart(file: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

function urlOf(r: Row, w: World): string {
  const params = r.params?.(w) ?? {};
  let url = r.url.replace(/:(\w+)/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`row ${r.method} ${r.url} gives no :${name}`);
    return encodeURIComponent(String(params[name]));
  });
  if (url.endsWith('*')) url = `${url.slice(0, -1)}${params['*'] ?? ''}`;
  const query = r.query?.(w);
  return query ? `${url}?${new URLSearchParams(query)}` : url;
}

async function ask(t: TestApp, w: World, r: Row, actor: Credentials): Promise<Answer> {
  const url = urlOf(r, w);
  const isApi = url.startsWith('/api/');
  const unsafe = !['GET', 'HEAD'].includes(r.method);
  const headers: Record<string, string> = {};
  let payload: string | Buffer | undefined;
  if (isApi) {
    if (actor.bearer) headers.authorization = `Bearer ${actor.bearer}`;
  } else {
    headers.cookie = actor.cookie;
  }
  if (r.photo) {
    headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
    payload = multipart(r.photo === 'png' ? w.png : Buffer.from('Это не картинка, а текст.'));
  } else if (r.csv) {
    headers['content-type'] = 'text/csv';
    payload = r.csv;
  } else if (isApi && r.body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(r.body(w));
  } else if (!isApi && unsafe) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const fields = new URLSearchParams({ _csrf: actor.csrf });
    for (const [key, value] of Object.entries(r.body?.(w) ?? {})) fields.append(key, String(value));
    payload = fields.toString();
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

/** Why the answer is not the cell, or null when it is. */
function mismatch(cell: Cell, answer: Answer, isApi: boolean): string | null {
  if (typeof cell === 'number') return answer.status === cell ? null : `got ${answer.status}${reasonOf(answer, isApi)}`;
  const status = errorStatus[cell];
  const text = answer.body.toString('utf8');
  const named = isApi
    ? (() => (JSON.parse(text) as { error?: { code?: string } }).error?.code === cell)()
    : decode(text).includes(ru(`errors.${cell}` as MessageKey));
  return answer.status === status && named ? null : `got ${answer.status}${reasonOf(answer, isApi)}`;
}

function reasonOf(answer: Answer, isApi: boolean): string {
  if (answer.status < 400) return '';
  const text = answer.body.toString('utf8');
  if (isApi || answer.contentType.includes('json')) {
    try {
      return ` ${(JSON.parse(text) as { error?: { code?: string } }).error?.code ?? ''}`;
    } catch {
      return '';
    }
  }
  const code = Object.keys(errorStatus).find((c) => decode(text).includes(ru(`errors.${c}` as MessageKey)));
  return code ? ` ${code}` : '';
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

// Within a row, refusals first and the author last: a success (a withdrawal, a revoke) never comes before a refusal it would change.
const order: ActorName[] = ['anonymous', 'unverified', 'citizen', 'moderator', 'admin', 'author'];
const label = (r: Row) => `${r.method} ${r.url}${r.variant ? ` [${r.variant}]` : ''}`;

let t: TestApp;
let w: World;
const mismatches: string[] = [];
/** Every GET answer a non-admin actor got, for the leak check: [label, actor, answer]. */
const seen: { route: string; viewer: Credentials; answer: Answer }[] = [];
let requests = 0;
let leakRequests = 0;
let matrixMs = 0;

beforeAll(async () => {
  // ALTCHA on, as in production (createTestApp switches it off): a forged solution is refused past the gate.
  t = await createTestApp({ INBOUND_MAIL_DOMAIN: 'reply.democrator.test', INBOUND_MAIL_SECRET: 'access-matrix-inbound-secret', ALTCHA_ENABLED: 'true' });
  w = await buildWorld(t.app, t.ctx);
  const started = performance.now();
  await pool(matrix, 4, async (r) => {
    const isApi = r.url.startsWith('/api/');
    for (const name of order) {
      const actor = r.ownSession ? await freshSession(t.app, t.ctx, w.actors[name]) : w.actors[name];
      const answer = await ask(t, w, r, actor);
      requests += 1;
      const problem = mismatch(r.expected[name], answer, isApi);
      if (problem) mismatches.push(`${label(r)} as ${name}: expected ${r.expected[name]}, ${problem}`);
      if (r.method === 'GET' && name !== 'admin') seen.push({ route: label(r), viewer: actor, answer });
    }
    // Two more viewers for the leak check: another citizen, who signed nothing, and a signer who did not consent to be named.
    if (r.method === 'GET') {
      for (const viewer of [w.stranger, w.signerViewer]) {
        seen.push({ route: label(r), viewer, answer: await ask(t, w, r, viewer) });
        leakRequests += 1;
      }
    }
  });
  matrixMs = performance.now() - started;
}, 300_000);
afterAll(() => t?.stop());

describe('the access matrix', () => {
  it('has a row for every route in the route table, and no row for a route that is gone', () => {
    const table = routeTable(t.app);
    const gets = new Set(table.filter((r) => r.method === 'GET').map((r) => r.url));
    // Fastify adds a HEAD beside each GET, answered by the GET's handler: the GET's row is its row. A HEAD of its own needs one.
    // The cabinet's routes are asked of the cabinet's actors in its own matrix (test/support/cabinet-routes.ts).
    const routes = new Set(table.filter((r) => (r.method !== 'HEAD' || !gets.has(r.url)) && !isCabinetRoute(r.url)).map((r) => `${r.method} ${r.url}`));
    const rows = new Set(matrix.map((r) => `${r.method} ${r.url}`));
    const withoutRow = [...routes].filter((route) => !rows.has(route));
    const stale = [...rows].filter((route) => !routes.has(route));
    expect(
      withoutRow.map(
        (route) => `add to the matrix in src/access-matrix.int.test.ts: row('${route}', [anonymous, unverified, citizen, author, moderator, admin], { … })`,
      ),
    ).toEqual([]);
    expect(stale.map((route) => `the matrix has a row for ${route}, which the app no longer has`)).toEqual([]);
  });

  it('answers every actor on every route as the route’s policy says', () => {
    console.info(
      `access matrix: ${matrix.length} rows × ${actorNames.length} actors (+ ${leakRequests} GETs as another citizen and as a signer): ${requests} requests in ${(matrixMs / 1000).toFixed(1)} s`,
    );
    expect(mismatches).toEqual([]);
  });
});

describe('an organization’s API token on the site’s routes', () => {
  it('is refused on every route outside its cabinet with 403 organization_token_cabinet_only, before anything else', async () => {
    const organization = await createOrganization(t.ctx, { name: 'Организация токенной колонки', slug: 'matrix-token-column' });
    const head = await verifiedCitizen(t.ctx, { surname: 'Колонкова', firstName: 'Клара' });
    await addMember(t.ctx, organization, head, 'head', 'глава');
    const { token } = await createToken(t.ctx, actorOf(head, { memberships: new Map([[organization.id, 'head']]) }), organization, {
      name: 'СЭД матрицы',
      scopes: ['read', 'write'],
    });
    const misses: string[] = [];
    let asked = 0;
    for (const route of routeTable(t.app)) {
      if (route.policy === null || isCabinetRoute(route.url)) continue;
      const url = route.url.replace(/:id\b/g, '999999').replace(/:[A-Za-z]+/g, 'none');
      const payload = route.method === 'GET' || route.method === 'HEAD' ? {} : { payload: {} };
      const answer = await t.app.inject({ method: route.method as 'GET', url, headers: { authorization: `Bearer ${token}` }, ...payload });
      asked += 1;
      if (
        answer.statusCode !== 403 ||
        (route.method !== 'HEAD' &&
          !answer.body.includes(route.url.startsWith('/api/') ? 'organization_token_cabinet_only' : 'только в API служебного кабинета'))
      )
        misses.push(`${route.method} ${route.url}: ${answer.statusCode} ${answer.body.slice(0, 120)}`);
    }
    expect(asked).toBeGreaterThan(200);
    expect(misses).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The leak check

/** What of a signer may never show to someone else: the surname (so any form of the full name), the streets, the e-mail; the first name too, unless public. */
function traces(person: Signer): string[] {
  return [
    person.surname,
    person.street,
    person.profileStreet,
    person.email,
    person.postalAddress,
    person.profileAddress,
    ...(person.consentPublicName ? [] : [person.firstName]),
  ];
}

async function textOf(answer: Answer): Promise<string | null> {
  if (answer.contentType.startsWith('application/pdf')) {
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(answer.body)), { mergePages: true });
    return text.replaceAll(/\s+/g, ' ');
  }
  if (/^(text\/(html|plain)|application\/(json|atom\+xml|xml))/.test(answer.contentType)) return decode(answer.body.toString('utf8'));
  return null;
}

describe('the leak check', () => {
  it('finds no signer’s name, address or e-mail in any page, feed, JSON or PDF a non-admin actor can fetch', async () => {
    const leaks: string[] = [];
    let scanned = 0;
    let pdfs = 0;
    for (const { route, viewer, answer } of seen) {
      // The author's PDF is checked on its own below (issue 9, finding 5).
      if (viewer.name === 'author' && answer.contentType.startsWith('application/pdf')) continue;
      const text = await textOf(answer);
      if (text === null) continue;
      scanned += 1;
      if (answer.contentType.startsWith('application/pdf')) pdfs += 1;
      for (const person of w.signers.all) {
        if (person.user.id === viewer.user?.id) continue;
        for (const trace of traces(person))
          if (text.includes(trace)) leaks.push(`${route} as ${viewer.name} (${answer.status}) shows «${trace}» of ${person.surname}`);
      }
    }
    console.info(`leak check: ${scanned} responses (${pdfs} PDFs) × ${w.signers.all.length} signers, ${leaks.length} leaks`);
    expect(scanned).toBeGreaterThan(100);
    expect(leaks).toEqual([]);
  });

  // Issue 9, finding 5: the author's PDF (while collecting, and the addressee's letter once sent) listed every signer's
  // full name and postal address (24 traces of the two who did not consent to be named, in 4 PDFs). The author now gets
  // only what signers consented to give the author (a consent none of these signers gives) and public names otherwise.
  it('gives the author a PDF with no name, address or e-mail of a signer who did not consent to give them to the author', async () => {
    const leaks: string[] = [];
    let scanned = 0;
    for (const { route, viewer, answer } of seen) {
      if (viewer.name !== 'author' || !answer.contentType.startsWith('application/pdf')) continue;
      const text = (await textOf(answer)) ?? '';
      scanned += 1;
      // The PDF is really there and readable: the appeal's title is in it.
      expect(text).toContain('О ремонте улицы Октябрьской');
      for (const person of w.signers.all) {
        for (const trace of traces(person)) if (text.includes(trace)) leaks.push(`${route}: «${trace}» of ${person.surname}`);
      }
    }
    console.info(`author's PDFs: ${scanned} scanned × ${w.signers.all.length} signers, ${leaks.length} traces`);
    expect(scanned).toBe(6);
    expect(leaks).toEqual([]);
  });

  it('shows each public signer as «Имя Ф.» on the appeal’s page and in its signers list, and nobody who did not consent', async () => {
    const page = decode(
      (await ask(t, w, matrix.find((r) => r.url === '/appeals/:id' && r.variant === 'collecting') as Row, w.actors.anonymous)).body.toString(),
    );
    const list = (
      await ask(t, w, matrix.find((r) => r.url === '/api/v1/appeals/:id/signers' && r.variant === 'collecting') as Row, w.actors.anonymous)
    ).body.toString();
    for (const person of w.signers.collecting) {
      const shortForm = `${person.firstName} ${person.surname.slice(0, 1)}.`;
      expect([person.surname, page.includes(shortForm), list.includes(shortForm)]).toEqual([
        person.surname,
        person.consentPublicName,
        person.consentPublicName,
      ]);
    }
  });
});
