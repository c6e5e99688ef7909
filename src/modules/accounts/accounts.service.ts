/**
 * Accounts: registration, e-mail verification, sessions, password reset, e-mail change, profile,
 * personal API tokens, data export and deletion. Every use case is one transaction.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type DataLoader from 'dataloader';
import { type CompiledQuery, type ExpressionBuilder, sql, type Transaction } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { keptCount } from '../../core/db/kept-counts.ts';
import { likePattern } from '../../core/db/like.ts';
import type { DB, EmailTokenPurpose, MemberRole, TokenScope, User, UserRole } from '../../core/db/schema.ts';
import type { TableName } from '../../core/db/table-writes.ts';
import { DomainError, FieldChecks, ValidationError } from '../../core/errors.ts';
import { type Locale, translate } from '../../core/i18n/i18n.ts';
import { mailSentTo } from '../../core/mail/mailer.ts';
import { type Actor, noMemberships, type OrganizationToken, tokenScopes } from '../../core/policy.ts';
import { clientAddressHash } from '../../core/security/client-address.ts';
import { characterCount } from '../../core/text/characters.ts';
import { perDatabase, perTurn } from '../../core/util/batch.ts';
import { getTerritoryById } from '../territories/territories.service.ts';
import { clearLoginFailures, loginLockedUntil, recordLoginFailure } from './accounts.login-throttle.ts';
import {
  blockRefusal,
  canonicalEmail,
  checkPerson,
  checkPostalAddress,
  emailDomain,
  fullName,
  hashSecret,
  isRegistrationBurst,
  isValidEmail,
  newSecret,
  normalizeEmail,
  passwordProblems,
  publicName,
  reasonMaxLength,
  registrationBurst,
  roleChangeRefusal,
  sessionLifetimeMs,
  tokenLifetimes,
  userRoles,
} from './accounts.rules.ts';
import { flushTokenUses, recordTokenUse } from './accounts.token-uses.ts';

// argon2id (the library's Algorithm.Argon2id = 2, a const enum that cannot be imported here) with
// OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane.
const argonOptions = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
// Verified against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
let dummyHash: Promise<string> | null = null;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, argonOptions);
}

export interface RegisterInput {
  email: string;
  password: string;
  surname: string;
  firstName: string;
  patronymic: string;
  municipalityId: number | null;
  locale: Locale;
}

export interface PublicUser {
  id: number;
  email: string;
  surname: string;
  firstName: string;
  patronymic: string | null;
  municipalityId: number | null;
  postalAddress: string | null;
  role: User['role'];
  locale: string;
  emailVerified: boolean;
  createdAt: Date;
}

export function toPublicUser(user: User): PublicUser {
  return {
    id: user.id,
    email: user.email,
    surname: user.surname,
    firstName: user.first_name,
    patronymic: user.patronymic,
    municipalityId: user.municipality_id,
    postalAddress: user.postal_address,
    role: user.role,
    locale: user.locale,
    emailVerified: user.email_verified_at !== null,
    createdAt: user.created_at,
  };
}

async function checkMunicipality(ctx: AppContext, checks: FieldChecks, municipalityId: number | null): Promise<void> {
  if (municipalityId === null) return;
  const territory = await getTerritoryById(ctx, municipalityId);
  if (!territory) checks.add('municipalityId', 'unknownTerritory');
  else if (territory.level !== 'municipality') checks.add('municipalityId', 'notMunicipality');
}

export interface Registration {
  /** The new account, or null when the address was already registered: its owner was mailed instead. */
  user: User | null;
  /** The address as stored, where the mail went. */
  email: string;
  /**
   * Kept by the registering browser (a signed cookie): opening the verification link there signs the
   * new person in. For a known address it is random, so the answer looks the same and proves nothing.
   */
  signInProof: string;
}

/** What register checks before it writes: the form's field problems, for a form that fails for another reason too. */
export async function registrationProblems(ctx: AppContext, input: RegisterInput): Promise<FieldChecks> {
  const email = normalizeEmail(input.email);
  const checks = new FieldChecks();
  if (!email) checks.add('email', 'required');
  else if (!isValidEmail(email)) checks.add('email', 'email');
  const passwordProblem = passwordProblems(input.password, [email.split('@')[0] ?? '', input.surname, input.firstName]);
  if (passwordProblem) checks.add('password', passwordProblem, { min: 10 });
  checkPerson(checks, input);
  await checkMunicipality(ctx, checks, input.municipalityId);
  return checks;
}

/**
 * Registers a person, or, when the address is already registered, mails its owner and says nothing
 * different to the caller (issue 8, rough edge 11): both answers are «check your mail», with the same
 * work done (the password is hashed either way, one mail is written either way).
 */
export async function register(ctx: AppContext, input: RegisterInput, ip: string | null = null): Promise<Registration> {
  const email = normalizeEmail(input.email);
  (await registrationProblems(ctx, input)).throwIfAny();

  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction().execute(async (trx): Promise<Registration> => {
    const user = await trx
      .insertInto('users')
      .values({
        email,
        email_canonical: canonicalEmail(email),
        registration_address_hash: clientAddressHash(ctx.config.secret, ip),
        password_hash: passwordHash,
        surname: input.surname.trim(),
        first_name: input.firstName.trim(),
        patronymic: input.patronymic.trim() || null,
        municipality_id: input.municipalityId,
        locale: input.locale,
      })
      // Either unique index: the address itself, or another spelling of its mailbox (canonicalEmail).
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!user) {
      const owner = await accountByEmail(trx, email);
      if (owner) {
        await mailKnownAddress(ctx, trx, owner);
        await audit(trx, { actorId: null, action: 'account.register_known_email', subjectType: 'user', subjectId: owner.id, ip });
      }
      return { user: null, email, signInProof: randomBytes(32).toString('base64url') };
    }
    const token = await sendVerification(ctx, trx, user);
    await audit(trx, { actorId: user.id, action: 'account.register', subjectType: 'user', subjectId: user.id, ip });
    return { user, email, signInProof: registrationProof(ctx, token) };
  });
}

/** The proof a registering browser keeps for its verification token (HMAC, so nothing is stored). */
function registrationProof(ctx: AppContext, verificationToken: string): string {
  return createHmac('sha256', ctx.config.secret).update(`registration-sign-in:${verificationToken}`).digest('base64url');
}

/** Whether the browser that opened a verification link is the one that registered with it. */
export function isRegisteringBrowser(ctx: AppContext, verificationToken: string, proof: string): boolean {
  const expected = Buffer.from(registrationProof(ctx, verificationToken));
  const given = Buffer.from(proof);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Someone registered with an address that has an account: its owner hears of it, with the ways in. */
async function mailKnownAddress(ctx: AppContext, executor: Executor, owner: User): Promise<void> {
  const locale = mailLocale(owner);
  await ctx.mailer.enqueue(executor, {
    to: owner.email,
    subject: translate(locale, 'mail.registerKnown.subject'),
    text: translate(locale, 'mail.registerKnown.body', {
      name: owner.first_name,
      email: owner.email,
      loginLink: `${ctx.config.baseUrl}/login`,
      resetLink: `${ctx.config.baseUrl}/forgot-password`,
    }),
  });
}

async function issueEmailToken(
  ctx: AppContext,
  executor: Executor,
  userId: number,
  purpose: EmailTokenPurpose,
  newEmail: string | null = null,
): Promise<string> {
  // A new link replaces the older ones of the same purpose.
  await executor
    .updateTable('email_tokens')
    .set({ used_at: ctx.now() })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
  const { token, hash: tokenHash } = newSecret();
  await executor
    .insertInto('email_tokens')
    .values({
      user_id: userId,
      purpose,
      token_hash: tokenHash,
      new_email: newEmail,
      expires_at: new Date(ctx.now().getTime() + tokenLifetimes[purpose]),
    })
    .execute();
  return token;
}

function mailLocale(user: User): Locale {
  return user.locale === 'en' ? 'en' : 'ru';
}

async function sendVerification(ctx: AppContext, executor: Executor, user: User): Promise<string> {
  const token = await issueEmailToken(ctx, executor, user.id, 'verify_email');
  const locale = mailLocale(user);
  const link = `${ctx.config.baseUrl}/verify-email?token=${token}`;
  await ctx.mailer.enqueue(executor, {
    to: user.email,
    subject: translate(locale, 'mail.verify.subject'),
    text: translate(locale, 'mail.verify.body', { name: user.first_name, link, hours: 48 }),
  });
  return token;
}

export async function resendVerification(ctx: AppContext, userId: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!user || user.email_verified_at) return;
    await sendVerification(ctx, trx, user);
  });
}

/** Finds a live token without consuming it (for the confirmation page behind a link). */
export async function peekEmailToken(ctx: AppContext, token: string, purpose: EmailTokenPurpose, executor: Executor = ctx.db) {
  const row = await executor
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', hashSecret(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) throw new DomainError('token_invalid');
  if (row.used_at) throw new DomainError('token_used');
  if (row.expires_at.getTime() < ctx.now().getTime()) throw new DomainError('token_expired');
  return row;
}

/** Marks a token used, atomically: two clicks on one link consume it once. */
async function consumeEmailToken(ctx: AppContext, trx: Executor, token: string, purpose: EmailTokenPurpose) {
  await peekEmailToken(ctx, token, purpose, trx);
  const row = await trx
    .updateTable('email_tokens')
    .set({ used_at: ctx.now() })
    .where('token_hash', '=', hashSecret(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', ctx.now())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new DomainError('token_used');
  return row;
}

export async function verifyEmail(ctx: AppContext, token: string): Promise<User> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await consumeEmailToken(ctx, trx, token, 'verify_email');
    const user = await trx
      .updateTable('users')
      .set({ email_verified_at: ctx.now(), updated_at: ctx.now() })
      .where('id', '=', row.user_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, { actorId: user.id, action: 'account.verify_email', subjectType: 'user', subjectId: user.id });
    return user;
  });
}

/**
 * The account an address signs in to: the one registered with exactly this address, else the one whose mailbox
 * it reaches (`email_canonical`: `Ivan.Petrov+x@GoogleMail.com` finds ivanpetrov@gmail.com). Exact first, so
 * accounts that shared a mailbox before canonical forms existed (the migration kept them) still sign in.
 */
async function accountByEmail(executor: Executor, email: string): Promise<User | undefined> {
  if (!email) return undefined;
  return executor
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('email', '=', email), eb('email_canonical', '=', canonicalEmail(email))]))
    .orderBy(sql`email = ${email}`, 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Checks e-mail and password; the error never tells which of the two was wrong. */
export async function checkCredentials(ctx: AppContext, emailInput: string, password: string): Promise<User> {
  // The failures are counted per mailbox, so spelling one address many ways does not buy more guesses.
  const email = canonicalEmail(emailInput);
  const now = ctx.now().getTime();
  // Refused before the password is even looked at, so a locked account cannot be guessed at all.
  const lockedUntil = loginLockedUntil(ctx, email, now);
  if (lockedUntil !== null) throw new DomainError('rate_limited', { seconds: Math.max(1, Math.ceil((lockedUntil - now) / 1000)) });
  const user = await accountByEmail(ctx.db, normalizeEmail(emailInput));
  if (!user) {
    dummyHash ??= hashPassword('a password nobody has 1234');
    await verify(await dummyHash, password || 'x');
    recordLoginFailure(ctx, email, now);
    throw new DomainError('invalid_credentials');
  }
  const ok = password.length > 0 && password.length <= 1000 && (await verify(user.password_hash, password));
  if (!ok) {
    recordLoginFailure(ctx, email, now);
    throw new DomainError('invalid_credentials');
  }
  clearLoginFailures(ctx, email);
  // Told only with the right password, so the block is no way to learn which addresses have accounts.
  refuseBlocked(user);
  return user;
}

export async function createSession(ctx: AppContext, userId: number, userAgent: string | null): Promise<string> {
  const { token, hash: id } = newSecret();
  await ctx.db
    .insertInto('sessions')
    .values({
      id,
      user_id: userId,
      expires_at: new Date(ctx.now().getTime() + sessionLifetimeMs),
      user_agent: userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return token;
}

export async function endSession(ctx: AppContext, sessionId: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** The columns of `users` that authentication reads on every request: no more, it is the hot path. */
const actorColumns = [
  'users.id',
  'users.role',
  'users.email_verified_at',
  'users.first_name',
  'users.surname',
  'users.municipality_id',
  'users.locale',
  'users.blocked_reason',
] as const;
type ActorUser = Pick<User, 'id' | 'role' | 'email_verified_at' | 'first_name' | 'surname' | 'municipality_id' | 'locale' | 'blocked_reason'>;

/** A blocked account is refused at its next request, with the reason (its owner reads it on the page or in the API error's details). */
function refuseBlocked(user: ActorUser): void {
  if (user.blocked_reason !== null) throw new DomainError('account_blocked', { reason: user.blocked_reason });
}

export interface ResolvedActor {
  actor: Actor;
  user: ActorUser;
  sessionId: string | null;
}

function actorOf(user: ActorUser, memberships: [number, MemberRole][], via: Actor['via'], scopes?: readonly TokenScope[]): Actor {
  return {
    id: user.id,
    role: user.role,
    emailVerified: user.email_verified_at !== null,
    via,
    memberships: memberships.length ? new Map(memberships) : noMemberships,
    ...(scopes ? { scopes } : {}),
    person: { firstName: user.first_name, surname: user.surname, municipalityId: user.municipality_id },
  };
}

/**
 * Every request that carries a session or a token looks it up. The lookups of requests that arrive
 * together (many signers at once) are one query (`… = any($1)`), and that query is built and compiled
 * once per database, not per request.
 */
function batchedLookup<Row>(db: AppContext['db'], query: CompiledQuery<Row>, keyOf: (row: Row) => string): DataLoader<string, Row | null> {
  return perTurn(async (keys) => {
    const { rows } = await db.executeQuery<Row>({ ...query, parameters: [keys] });
    const byKey = new Map(rows.map((row) => [keyOf(row), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

function sessionLookup(ctx: AppContext, sessionIds: readonly string[]) {
  return (
    ctx.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .modifyFront(sql`/* statement:auth.session */`)
      .select(actorColumns)
      // The cabinet needs the memberships on the actor; the organizations module writes their subquery (accounts.ports.ts).
      .select(ctx.ports.accounts.memberships(sql.ref('users.id')))
      .select(['sessions.id as session_id', 'sessions.expires_at', 'sessions.last_seen_at'])
      .where(sql<boolean>`sessions.id = any(${sessionIds}::text[])`)
  );
}
type SessionRow = Awaited<ReturnType<ReturnType<typeof sessionLookup>['executeTakeFirstOrThrow']>>;
const sessionLoaders = new WeakMap<AppContext['db'], DataLoader<string, SessionRow | null>>();

export async function resolveSession(ctx: AppContext, token: string): Promise<ResolvedActor | null> {
  const id = hashSecret(token);
  const sessions = perDatabase(sessionLoaders, ctx.db, () => batchedLookup(ctx.db, sessionLookup(ctx, []).compile(), (row) => row.session_id));
  const row = await sessions.load(id);
  if (!row) return null;
  const now = ctx.now();
  if (row.expires_at.getTime() < now.getTime()) {
    await endSession(ctx, id);
    return null;
  }
  // Sliding expiry, written at most once an hour so reading pages does not write on every request.
  if (now.getTime() - row.last_seen_at.getTime() > 3600_000) {
    await ctx.db
      .updateTable('sessions')
      .set({ last_seen_at: now, expires_at: new Date(now.getTime() + sessionLifetimeMs) })
      .where('id', '=', id)
      .execute();
  }
  if (row.blocked_reason !== null) {
    // Signed out for good: the page says why once, and the next request is a visitor's.
    await endSession(ctx, id);
    refuseBlocked(row);
  }
  const { session_id: _s, expires_at: _e, last_seen_at: _l, memberships, ...user } = row;
  return { actor: actorOf(user, memberships, 'session'), user, sessionId: id };
}

/**
 * Which of these sessions still stand: not ended (signed out), not expired, their person not blocked. Long-lived
 * connections (co-editing) ask it now and then, so signing out or a block ends them too.
 */
export async function liveSessions(ctx: AppContext, sessionIds: readonly string[]): Promise<Set<string>> {
  const wanted = [...new Set(sessionIds)];
  if (wanted.length === 0) return new Set();
  const rows = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select('sessions.id')
    .where('sessions.id', '=', sql<string>`any(${wanted}::text[])`)
    .where('sessions.expires_at', '>', ctx.now())
    .where('users.blocked_at', 'is', null)
    .execute();
  return new Set(rows.map((row) => row.id));
}

export const apiTokenPrefix = 'dm_';

function tokenLookup(ctx: AppContext, tokenHashes: readonly string[]) {
  return ctx.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .modifyFront(sql`/* statement:auth.token */`)
    .select(actorColumns)
    .select(ctx.ports.accounts.memberships(sql.ref('users.id')))
    .select([
      'api_tokens.id as token_id',
      'api_tokens.token_hash',
      'api_tokens.last_used_at',
      'api_tokens.scopes',
      'api_tokens.name as token_name',
      'api_tokens.organization_id as token_organization_id',
    ])
    .where(sql<boolean>`api_tokens.token_hash = any(${tokenHashes}::text[])`);
}
type TokenRow = Awaited<ReturnType<ReturnType<typeof tokenLookup>['executeTakeFirstOrThrow']>>;

const tokenLoaders = new WeakMap<AppContext['db'], DataLoader<string, TokenRow | null>>();

export async function resolveApiToken(ctx: AppContext, token: string): Promise<ResolvedActor | null> {
  if (!token.startsWith(apiTokenPrefix)) return null;
  const tokens = perDatabase(tokenLoaders, ctx.db, () => batchedLookup(ctx.db, tokenLookup(ctx, []).compile(), (row) => row.token_hash));
  const row = await tokens.load(hashSecret(token));
  if (!row) return null;
  refuseBlocked(row);
  const now = ctx.now();
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) recordTokenUse(ctx, row.token_id, now);
  const {
    token_id: tokenId,
    token_hash: _h,
    last_used_at: _u,
    scopes,
    memberships,
    token_name: tokenName,
    token_organization_id: organizationId,
    ...user
  } = row;
  if (organizationId === null) return { actor: actorOf(user, memberships, 'token', scopes), user, sessionId: null };
  // An organization's token lives while the person who made it heads the organization: read with the user in this
  // one statement, so leaving, removal or losing the head's role end it at the next request (it is also deleted then).
  if (!memberships.some(([id, role]) => id === organizationId && role === 'head')) return null;
  return { actor: organizationTokenActor(user, { id: tokenId, name: tokenName, organizationId, createdBy: user.id }, scopes), user, sessionId: null };
}

/**
 * The actor of an organization's token: a clerk of that organization alone, with no site role (a head who is also an
 * administrator or a moderator lends none of it), acting under the id of the head who made it (the audit log names
 * both, core/audit.ts).
 */
function organizationTokenActor(user: ActorUser, token: OrganizationToken, scopes: readonly TokenScope[]): Actor {
  return {
    ...actorOf({ ...user, role: 'citizen' }, [[token.organizationId, 'clerk']], 'token', scopes),
    organizationToken: token,
  };
}

/** What a new token may do when its creator ticks nothing more: read only, the least that is useful. */
export const defaultTokenScopes: readonly TokenScope[] = ['read'];

export interface CreatedApiToken {
  id: number;
  token: string;
  name: string;
  prefix: string;
  scopes: TokenScope[];
}

export async function createApiToken(ctx: AppContext, userId: number, name: string, scopes: readonly string[] = defaultTokenScopes): Promise<CreatedApiToken> {
  const trimmed = name.trim();
  const checks = new FieldChecks();
  if (!trimmed) checks.add('name', 'required');
  else if (trimmed.length > 100) checks.add('name', 'tooLong', { limit: 100 });
  // In the pages' order, each once; an empty choice is a mistake, not a token that can do nothing.
  const chosen = tokenScopes.filter((scope) => scopes.includes(scope));
  if (chosen.length === 0) checks.add('scopes', 'scopeRequired');
  else if (scopes.some((scope) => !(tokenScopes as readonly string[]).includes(scope))) checks.add('scopes', 'invalid');
  checks.throwIfAny();
  const { token, hash: tokenHash } = newSecret(apiTokenPrefix);
  const prefix = token.slice(0, apiTokenPrefix.length + 6);
  const row = await ctx.db.transaction().execute(async (trx) => {
    const count = await trx
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('user_id', '=', userId)
      .where('organization_id', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(count.count) >= 20) throw new DomainError('conflict', { reason: 'tokens' });
    const inserted = await trx
      .insertInto('api_tokens')
      .values({ user_id: userId, name: trimmed, token_hash: tokenHash, prefix, scopes: chosen })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    await audit(trx, { actorId: userId, action: 'account.api_token.create', subjectType: 'api_token', subjectId: inserted.id });
    return inserted;
  });
  return { id: row.id, token, name: trimmed, prefix, scopes: chosen };
}

export async function listApiTokens(ctx: AppContext, userId: number) {
  await flushTokenUses(ctx);
  return ctx.db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'prefix', 'scopes', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .where('organization_id', 'is', null)
    .orderBy('id', 'desc')
    .execute();
}

export async function revokeApiToken(ctx: AppContext, userId: number, tokenId: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom('api_tokens')
      .where('id', '=', tokenId)
      .where('user_id', '=', userId)
      .where('organization_id', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!deleted) throw new DomainError('not_found');
    await audit(trx, { actorId: userId, action: 'account.api_token.revoke', subjectType: 'api_token', subjectId: tokenId });
  });
}

/** What an organization's token may be given: reading its cabinet, and changing it (signing is a citizen's act). */
export const organizationTokenScopes: readonly TokenScope[] = ['read', 'write'];

export interface OrganizationTokenRow {
  id: number;
  name: string;
  prefix: string;
  scopes: TokenScope[];
  created_at: Date;
  last_used_at: Date | null;
  created_by: { id: number; firstName: string; surname: string };
}

/**
 * Makes an organization's API token (the cabinet checks that `headId` heads it, cabinet.tokens.ts), in the caller's
 * transaction: the same secret, hash, prefix and scopes as a personal token, at most 20 per organization.
 */
export async function createOrganizationApiToken(
  trx: Executor,
  input: { organizationId: number; headId: number; name: string; scopes: readonly string[] },
): Promise<CreatedApiToken> {
  const trimmed = input.name.trim();
  const checks = new FieldChecks();
  if (!trimmed) checks.add('name', 'required');
  else if (trimmed.length > 100) checks.add('name', 'tooLong', { limit: 100 });
  const chosen = organizationTokenScopes.filter((scope) => input.scopes.includes(scope));
  if (chosen.length === 0) checks.add('scopes', 'scopeRequired');
  else if (input.scopes.some((scope) => !(organizationTokenScopes as readonly string[]).includes(scope))) checks.add('scopes', 'invalid');
  checks.throwIfAny();
  const count = await trx
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('organization_id', '=', input.organizationId)
    .executeTakeFirstOrThrow();
  if (Number(count.count) >= 20) throw new DomainError('conflict', { reason: 'tokens' });
  const { token, hash: tokenHash } = newSecret(apiTokenPrefix);
  const prefix = token.slice(0, apiTokenPrefix.length + 6);
  const row = await trx
    .insertInto('api_tokens')
    .values({ user_id: input.headId, organization_id: input.organizationId, name: trimmed, token_hash: tokenHash, prefix, scopes: chosen })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  return { id: row.id, token, name: trimmed, prefix, scopes: chosen };
}

/** An organization's tokens, newest first, with who made each and when it was last used (uses in memory written first). */
export async function organizationApiTokens(ctx: AppContext, organizationId: number): Promise<OrganizationTokenRow[]> {
  await flushTokenUses(ctx);
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.prefix',
      'api_tokens.scopes',
      'api_tokens.created_at',
      'api_tokens.last_used_at',
      'users.id as user_id',
      'users.first_name',
      'users.surname',
    ])
    .where('api_tokens.organization_id', '=', organizationId)
    .orderBy('api_tokens.id', 'desc')
    .execute();
  return rows.map(({ user_id, first_name, surname, ...token }) => ({ ...token, created_by: { id: user_id, firstName: first_name, surname } }));
}

/** Deletes one of the organization's tokens (the caller audits it); null when it has no such token. */
export async function deleteOrganizationApiToken(trx: Executor, organizationId: number, tokenId: number): Promise<{ id: number; name: string } | null> {
  const deleted = await trx
    .deleteFrom('api_tokens')
    .where('id', '=', tokenId)
    .where('organization_id', '=', organizationId)
    .returning(['id', 'name'])
    .executeTakeFirst();
  return deleted ?? null;
}

/**
 * Deletes the organization's tokens a person made, when they stop heading it (removed, left, made a clerk): their
 * ids, for the audit entry. Authentication refuses such tokens anyway; deleting them keeps the list true and a
 * later return to the head's role from bringing them back.
 */
export async function deleteOrganizationApiTokensOf(trx: Executor, organizationId: number, userId: number): Promise<number[]> {
  const rows = await trx.deleteFrom('api_tokens').where('organization_id', '=', organizationId).where('user_id', '=', userId).returning('id').execute();
  return rows.map((row) => row.id);
}

export const passwordResetJob = 'accounts.password-reset';

declare module '../../core/jobs/jobs.ts' {
  interface JobPayloads {
    /** Mail a reset link to this address if it has an account (see requestPasswordReset). */
    'accounts.password-reset': { email: string };
  }
}

/**
 * Always succeeds from the caller's view, so the form does not reveal which e-mails exist — neither
 * by its answer nor by its time: the request only enqueues a job, the same work for every address,
 * and the job looks the address up and writes the mail (issue 9, finding 9; bench/password-reset-timing.ts).
 */
export async function requestPasswordReset(ctx: AppContext, emailInput: string): Promise<void> {
  const email = normalizeEmail(emailInput);
  const checks = new FieldChecks();
  if (!email) checks.add('email', 'required');
  else if (!isValidEmail(email)) checks.add('email', 'email');
  checks.throwIfAny();
  await ctx.jobs.send(passwordResetJob, { email });
}

/** The job of requestPasswordReset: a link for a known address, nothing for an unknown one. */
export async function mailPasswordReset(ctx: AppContext, email: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await accountByEmail(trx, email);
    if (!user) return;
    const token = await issueEmailToken(ctx, trx, user.id, 'reset_password');
    const locale = mailLocale(user);
    await ctx.mailer.enqueue(trx, {
      to: user.email,
      subject: translate(locale, 'mail.reset.subject'),
      text: translate(locale, 'mail.reset.body', { name: user.first_name, link: `${ctx.config.baseUrl}/reset-password?token=${token}` }),
    });
  });
}

export async function resetPassword(ctx: AppContext, token: string, password: string): Promise<User> {
  const row = await peekEmailToken(ctx, token, 'reset_password');
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirstOrThrow();
  const problem = passwordProblems(password, [user.email.split('@')[0] ?? '', user.surname, user.first_name]);
  const checks = new FieldChecks();
  if (problem) checks.add('password', problem, { min: 10 });
  checks.throwIfAny();
  const passwordHash = await hashPassword(password);
  return ctx.db.transaction().execute(async (trx) => {
    await consumeEmailToken(ctx, trx, token, 'reset_password');
    // The link came by mail, so the mailbox is proven too.
    const updated = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: ctx.now(), email_verified_at: user.email_verified_at ?? ctx.now() })
      .where('id', '=', user.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    // Whoever knew the old password is signed out everywhere, and whatever tokens they made with it stop working.
    await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('api_tokens').where('user_id', '=', user.id).execute();
    await audit(trx, { actorId: user.id, action: 'account.reset_password', subjectType: 'user', subjectId: user.id });
    return updated;
  });
}

export interface ChangePasswordOptions {
  /** The session making the change stays signed in; every other session ends. */
  keepSessionId: string | null;
  /** Also revoke every personal API token (the page's checkbox, ticked by default). */
  revokeTokens: boolean;
}

export async function changePassword(
  ctx: AppContext,
  userId: number,
  currentPassword: string,
  newPassword: string,
  { keepSessionId, revokeTokens }: ChangePasswordOptions,
): Promise<{ revokedTokens: number }> {
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  const checks = new FieldChecks();
  if (!(await verify(user.password_hash, currentPassword || 'x'))) checks.add('currentPassword', 'wrongPassword');
  const problem = passwordProblems(newPassword, [user.email.split('@')[0] ?? '', user.surname, user.first_name]);
  if (problem) checks.add('newPassword', problem, { min: 10 });
  checks.throwIfAny();
  const passwordHash = await hashPassword(newPassword);
  return ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: ctx.now() }).where('id', '=', userId).execute();
    let others = trx.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepSessionId) others = others.where('id', '<>', keepSessionId);
    await others.execute();
    const revoked = revokeTokens ? await trx.deleteFrom('api_tokens').where('user_id', '=', userId).returning('id').execute() : [];
    await audit(trx, {
      actorId: userId,
      action: 'account.change_password',
      subjectType: 'user',
      subjectId: userId,
      details: { revokedTokens: revoked.length },
    });
    return { revokedTokens: revoked.length };
  });
}

export async function requestEmailChange(ctx: AppContext, userId: number, newEmailInput: string, password: string): Promise<void> {
  const newEmail = normalizeEmail(newEmailInput);
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  const checks = new FieldChecks();
  if (!newEmail) checks.add('newEmail', 'required');
  else if (!isValidEmail(newEmail)) checks.add('newEmail', 'email');
  else if (newEmail === user.email) checks.add('newEmail', 'sameEmail');
  if (!(await verify(user.password_hash, password || 'x'))) checks.add('password', 'wrongPassword');
  checks.throwIfAny();
  if (await emailTakenByAnother(ctx.db, newEmail, userId)) throw new DomainError('email_taken');
  await ctx.db.transaction().execute(async (trx) => {
    const token = await issueEmailToken(ctx, trx, userId, 'change_email', newEmail);
    const locale = mailLocale(user);
    await ctx.mailer.enqueue(trx, {
      to: newEmail,
      subject: translate(locale, 'mail.changeEmail.subject'),
      text: translate(locale, 'mail.changeEmail.body', { name: user.first_name, link: `${ctx.config.baseUrl}/confirm-email?token=${token}` }),
    });
    await ctx.mailer.enqueue(trx, {
      to: user.email,
      subject: translate(locale, 'mail.changeEmailNotice.subject'),
      text: translate(locale, 'mail.changeEmailNotice.body', { name: user.first_name, email: newEmail }),
    });
  });
}

/** Whether another account has this address, or another spelling of its mailbox. */
async function emailTakenByAnother(executor: Executor, email: string, userId: number): Promise<boolean> {
  const row = await executor
    .selectFrom('users')
    .select('id')
    .where((eb) => eb.or([eb('email', '=', email), eb('email_canonical', '=', canonicalEmail(email))]))
    .where('id', '<>', userId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function confirmEmailChange(ctx: AppContext, token: string): Promise<User> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await consumeEmailToken(ctx, trx, token, 'change_email');
    if (!row.new_email) throw new DomainError('token_invalid');
    if (await emailTakenByAnother(trx, row.new_email, row.user_id)) throw new DomainError('email_taken');
    const user = await trx
      .updateTable('users')
      .set({ email: row.new_email, email_canonical: canonicalEmail(row.new_email), email_verified_at: ctx.now(), updated_at: ctx.now() })
      .where('id', '=', row.user_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, { actorId: user.id, action: 'account.change_email', subjectType: 'user', subjectId: user.id });
    return user;
  });
}

export interface ProfileInput {
  surname: string;
  firstName: string;
  patronymic: string;
  municipalityId: number | null;
  postalAddress: string;
  locale: Locale;
}

export async function updateProfile(ctx: AppContext, userId: number, input: ProfileInput): Promise<User> {
  const checks = new FieldChecks();
  checkPerson(checks, input);
  checkPostalAddress(checks, input.postalAddress);
  await checkMunicipality(ctx, checks, input.municipalityId);
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    const user = await trx
      .updateTable('users')
      .set({
        surname: input.surname.trim(),
        first_name: input.firstName.trim(),
        patronymic: input.patronymic.trim() || null,
        municipality_id: input.municipalityId,
        postal_address: input.postalAddress.trim() || null,
        locale: input.locale,
        updated_at: ctx.now(),
      })
      .where('id', '=', userId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, { actorId: userId, action: 'account.update_profile', subjectType: 'user', subjectId: userId });
    return user;
  });
}

/** How many people have an account (the home page's figure): counting a million rows takes 150 ms, so from 10,000 on the count is kept a minute. */
export async function countUsers(ctx: AppContext): Promise<number> {
  return keptCount(ctx.db, 'users', { seconds: 60, keepFrom: 10_000 }, async () => {
    const row = await ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });
}

/** A search over name and e-mail: every word must appear in the e-mail, surname, first name or patronymic. */
function matchingText(text: string) {
  const words = text.trim().split(/\s+/).filter(Boolean).slice(0, 5);
  return (eb: ExpressionBuilder<DB, 'users'>) =>
    eb.and(
      words.map((word) => {
        const pattern = likePattern(word);
        return eb.or([eb('email', 'ilike', pattern), eb('surname', 'ilike', pattern), eb('first_name', 'ilike', pattern), eb('patronymic', 'ilike', pattern)]);
      }),
    );
}

/** The ids of the people whose name or e-mail matches (the audit log's actor filter), at most `limit`. */
export async function userIdsMatching(ctx: AppContext, text: string, limit = 500): Promise<number[]> {
  const rows = await ctx.db.selectFrom('users').select('id').where(matchingText(text)).orderBy('id').limit(limit).execute();
  return rows.map((row) => row.id);
}

export async function getUser(ctx: AppContext, userId: number): Promise<User> {
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user) throw new DomainError('not_found');
  return user;
}

/**
 * What other modules may read of a person to show their public name (publicName of first name and
 * surname), as a subquery to join: a listing that names each row's author stays one query.
 */
export function userNameColumns(executor: Executor) {
  return executor.selectFrom('users').select(['id', 'first_name', 'surname']);
}

/** The tables userNameColumns reads: what a kept read showing people's names names (core/db/kept-reads.ts). */
export const userNameReads: readonly TableName[] = ['users'];

/**
 * What the cabinet and its administration read of an official: the full name (colleagues and the
 * administrator who approves see it whole), and the e-mail with whether it is verified (the administrator's
 * check, and the staff-domain rule). Never shown to the public.
 */
export function staffColumns(executor: Executor) {
  return executor.selectFrom('users').select(['id', 'first_name', 'surname', 'patronymic', 'email', 'email_verified_at']);
}

export interface OperatorAccountInput {
  email: string;
  passwordHash: string;
  surname: string;
  firstName: string;
  patronymic: string | null;
  role: UserRole;
  municipalityId: number | null;
  postalAddress: string | null;
}

/**
 * An account an operator creates (the demo data of a fresh installation): the e-mail counts as
 * verified and the role is given, so no mail is sent and no token made. The caller hashes the password
 * (hashPassword), once for many accounts.
 */
export async function createOperatorAccount(executor: Executor, input: OperatorAccountInput, verifiedAt: Date): Promise<User> {
  return executor
    .insertInto('users')
    .values({
      email: normalizeEmail(input.email),
      email_canonical: canonicalEmail(input.email),
      password_hash: input.passwordHash,
      surname: input.surname,
      first_name: input.firstName,
      patronymic: input.patronymic,
      role: input.role,
      municipality_id: input.municipalityId,
      postal_address: input.postalAddress,
      email_verified_at: verifiedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Everything Democrator keeps about a person, as they would want to take it away (152-FZ Art. 14). */
export async function exportData(ctx: AppContext, userId: number) {
  const user = await getUser(ctx, userId);
  const [sessions, tokens, municipality, mail, elsewhere] = await Promise.all([
    ctx.db.selectFrom('sessions').select(['created_at', 'expires_at', 'last_seen_at', 'user_agent']).where('user_id', '=', userId).execute(),
    listApiTokens(ctx, userId),
    user.municipality_id ? getTerritoryById(ctx, user.municipality_id).then((t) => t && { name: t.name, oktmo: t.oktmo }) : Promise.resolve(undefined),
    mailSentTo(ctx.db, user.email),
    ctx.ports.accounts.personalData(ctx, userId),
  ]);
  return {
    exportedAt: ctx.now().toISOString(),
    format: 'democrator-account-export/1',
    profile: { ...toPublicUser(user), fullName: fullName(user), municipality: municipality ?? null },
    sessions,
    apiTokens: tokens.map(({ name, prefix, scopes, created_at, last_used_at }) => ({ name, prefix, scopes, created_at, last_used_at })),
    mail,
    ...elsewhere,
  };
}

export async function deleteAccount(ctx: AppContext, userId: number, password: string): Promise<void> {
  const user = await getUser(ctx, userId);
  if (!(await verify(user.password_hash, password || 'x'))) {
    const checks = new FieldChecks();
    checks.add('password', 'wrongPassword');
    checks.throwIfAny();
  }
  await ctx.db.transaction().execute(async (trx) => {
    await audit(trx, { actorId: null, action: 'account.delete', subjectType: 'user', subjectId: userId });
    await trx.deleteFrom('users').where('id', '=', userId).execute();
  });
}

export interface Contact {
  id: number;
  email: string;
  firstName: string;
  locale: string;
}

/** A moderator's or admin's reason, as the audit log and the blocked person will read it. */
function checkedReason(reason: string): string {
  const trimmed = reason.trim();
  const checks = new FieldChecks();
  if (!trimmed) checks.add('reason', 'required');
  else if (characterCount(trimmed) > reasonMaxLength) checks.add('reason', 'tooLong', { limit: reasonMaxLength });
  checks.throwIfAny();
  return trimmed;
}

/** In the caller's transaction when it has one (the moderation queue blocks and hides in one), else in a new one. */
function inTransaction<T>(executor: Executor, run: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return executor.isTransaction ? run(executor as Transaction<DB>) : executor.transaction().execute(run);
}

/** The actor and the target, the target's row locked, or 404 / 403 when either is missing. */
async function actorAndTarget(trx: Transaction<DB>, actorId: number, userId: number) {
  const actor = await trx.selectFrom('users').select(['id', 'role', 'blocked_at']).where('id', '=', actorId).executeTakeFirst();
  if (!actor || actor.blocked_at) throw new DomainError('forbidden');
  const target = await trx.selectFrom('users').selectAll().where('id', '=', userId).forUpdate().executeTakeFirst();
  if (!target) throw new DomainError('not_found');
  return { actor, target };
}

export interface BlockInput {
  /** The moderator or admin who blocks; his role is read here, not trusted from the caller. */
  actorId: number;
  userId: number;
  /** Shown to the blocked person and kept in the audit log. */
  reason: string;
  ip?: string | null;
}

/**
 * Blocks an account: its sessions and API tokens are refused from their next request (with the reason), and it
 * cannot sign in. Moderators block citizens, admins anyone but themselves. In `executor`'s transaction when it is
 * one, so a caller can block and hide the person's content together. Audit logged as `user.block`.
 */
export async function blockUser(executor: Executor, input: BlockInput): Promise<User> {
  const reason = checkedReason(input.reason);
  return inTransaction(executor, async (trx) => {
    const { actor, target } = await actorAndTarget(trx, input.actorId, input.userId);
    const refused = blockRefusal(actor, target);
    if (refused) throw new DomainError(refused);
    if (target.blocked_at) throw new DomainError('already_blocked');
    const blocked = await trx
      .updateTable('users')
      .set({ blocked_at: sql<Date>`now()`, blocked_reason: reason, blocked_by: actor.id, updated_at: sql<Date>`now()` })
      .where('id', '=', target.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, { actorId: actor.id, action: 'user.block', subjectType: 'user', subjectId: target.id, details: { reason }, ip: input.ip ?? null });
    return blocked;
  });
}

/** Lifts a block, with a reason; the same people may do it as may block. Audit logged as `user.unblock` (with the block's reason too). */
export async function unblockUser(executor: Executor, input: BlockInput): Promise<User> {
  const reason = checkedReason(input.reason);
  return inTransaction(executor, async (trx) => {
    const { actor, target } = await actorAndTarget(trx, input.actorId, input.userId);
    const refused = blockRefusal(actor, target);
    if (refused) throw new DomainError(refused);
    if (!target.blocked_at) throw new DomainError('not_blocked');
    const unblocked = await trx
      .updateTable('users')
      .set({ blocked_at: null, blocked_reason: null, blocked_by: null, updated_at: sql<Date>`now()` })
      .where('id', '=', target.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, {
      actorId: actor.id,
      action: 'user.unblock',
      subjectType: 'user',
      subjectId: target.id,
      details: { reason, blockedReason: target.blocked_reason, blockedBy: target.blocked_by },
      ip: input.ip ?? null,
    });
    return unblocked;
  });
}

/** Gives an account the role citizen, moderator or admin (admins only; an admin keeps his own). Audit logged as `user.role` with before, after and why. */
export async function setUserRole(
  ctx: AppContext,
  input: { actorId: number; userId: number; role: UserRole; reason: string; ip?: string | null },
): Promise<User> {
  const reason = checkedReason(input.reason);
  if (!userRoles.includes(input.role)) throw new ValidationError([{ field: 'role', rule: 'invalid' }]);
  return ctx.db.transaction().execute(async (trx) => {
    const { actor, target } = await actorAndTarget(trx, input.actorId, input.userId);
    const refused = roleChangeRefusal(actor, target, input.role);
    if (refused) throw new DomainError(refused);
    if (target.role === input.role) return target;
    const changed = await trx
      .updateTable('users')
      .set({ role: input.role, updated_at: ctx.now() })
      .where('id', '=', target.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, {
      actorId: actor.id,
      action: 'user.role',
      subjectType: 'user',
      subjectId: target.id,
      details: { reason, from: target.role, to: input.role },
      ip: input.ip ?? null,
    });
    return changed;
  });
}

export interface UserListItem {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  emailVerified: boolean;
  blocked: boolean;
  createdAt: Date;
}

/** People by name or e-mail (every word must match), newest first, for the admins' and moderators' list. */
export async function searchUsers(
  ctx: AppContext,
  options: { text?: string | undefined; role?: UserRole | undefined; blocked?: boolean | undefined; limit: number; offset: number },
): Promise<{ items: UserListItem[]; total: number }> {
  let query = ctx.db.selectFrom('users');
  if (options.text?.trim()) query = query.where(matchingText(options.text));
  if (options.role) query = query.where('role', '=', options.role);
  if (options.blocked !== undefined) query = query.where('blocked_at', options.blocked ? 'is not' : 'is', null);
  const [rows, total] = await Promise.all([
    query
      .select(['id', 'email', 'surname', 'first_name', 'patronymic', 'role', 'email_verified_at', 'blocked_at', 'created_at'])
      .orderBy('id', 'desc')
      .limit(options.limit)
      .offset(options.offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(total.n),
    items: rows.map((row) => ({
      id: row.id,
      email: row.email,
      name: fullName(row),
      role: row.role,
      emailVerified: row.email_verified_at !== null,
      blocked: row.blocked_at !== null,
      createdAt: row.created_at,
    })),
  };
}

/** Who these people are, for an admin's lists (the audit log's actors): e-mail and full name. */
export async function userLabels(ctx: AppContext, userIds: readonly number[]): Promise<Map<number, { email: string; name: string }>> {
  const wanted = [...new Set(userIds)];
  if (wanted.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('users')
    .select(['id', 'email', 'surname', 'first_name', 'patronymic'])
    .where('id', '=', sql<number>`any(${wanted}::integer[])`)
    .execute();
  return new Map(rows.map((row) => [row.id, { email: row.email, name: fullName(row) }]));
}

/** The public names («Иван П.») of these people, as co-authors and public signers are shown; a blocked account shows none. */
export async function publicNamesOf(executor: Executor, userIds: readonly number[]): Promise<Map<number, string>> {
  const wanted = [...new Set(userIds)];
  if (wanted.length === 0) return new Map();
  const rows = await executor
    .selectFrom('users')
    .select(['id', 'surname', 'first_name', 'blocked_at'])
    .where('id', '=', sql<number>`any(${wanted}::integer[])`)
    .execute();
  return new Map(rows.filter((row) => row.blocked_at === null).map((row) => [row.id, publicName(row.first_name, row.surname)]));
}

/** Where and how to write to these people (the notifications module mails through this, never reading users itself). */
/** Whether a moderator or an administrator blocked the account (its sessions and tokens stop; what it mails in is not filed). */
export async function isBlocked(executor: Executor, userId: number): Promise<boolean> {
  const row = await executor.selectFrom('users').select('blocked_at').where('id', '=', userId).executeTakeFirst();
  return row?.blocked_at !== null && row?.blocked_at !== undefined;
}

export async function contactsOf(executor: Executor, userIds: readonly number[]): Promise<Contact[]> {
  if (userIds.length === 0) return [];
  return executor
    .selectFrom('users')
    .select(['id', 'email', 'first_name as firstName', 'locale'])
    .where('id', '=', sql<number>`any(${[...userIds]}::integer[])`)
    .execute();
}

/** What the signing statement needs to know of a signer's account (appeals.flags.rules.ts decides with it). */
export interface SignerSignals {
  emailDomain: string;
  /** The account is one of `registrationBurst.accounts` or more registered from one client address within the window. */
  registrationBurst: boolean;
}

/**
 * The signers' signals, by user id: their e-mail domain, and whether their account was registered in a burst of
 * accounts from one address (counted around its own registration, so the first accounts of a burst are in it too).
 * One statement for the signers of one turn (many people sign a viral appeal at once).
 */
export async function signerSignals(ctx: AppContext, userId: number): Promise<SignerSignals> {
  const loader = perDatabase(signalLoaders, ctx.db, () =>
    perTurn(async (ids: readonly number[]) => {
      const { rows } = await sql<{ id: number; email: string; siblings: number }>`/* statement:accounts.signer-signals */
        select u.id, u.email,
          case when u.registration_address_hash is null then 0 else (
            select count(*)::int from users o
            where o.registration_address_hash = u.registration_address_hash
              and o.created_at between u.created_at - ${`${registrationBurst.windowMs} milliseconds`}::interval
                and u.created_at + ${`${registrationBurst.windowMs} milliseconds`}::interval
          ) end as siblings
        from users u where u.id = any(${[...ids]}::integer[])`.execute(ctx.db);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => {
        const row = byId.get(id);
        return { emailDomain: row ? emailDomain(row.email) : '', registrationBurst: row ? isRegistrationBurst(Number(row.siblings)) : false };
      });
    }),
  );
  return loader.load(userId);
}
const signalLoaders = new WeakMap<AppContext['db'], DataLoader<number, SignerSignals>>();
