/**
 * Factories: real rows in the real database, made by the same use cases the app runs (registration,
 * e-mail verification, the admin's organization form, publishing, drafting, opening, signing…), so a
 * test's data passes every rule a user's data passes and carries the same side effects (mail, audit,
 * timeline). Only what no use case does yet is written directly, and says so: a user's role (set by an
 * operator), an organization's member (appointing is not built), backdating a row (nobody can act in the past), hiding a problem (moderation is not built).
 *
 * Tables and the factories that fill them: territories — createMunicipality (the CSV import);
 * categories — seeded by the migrations' start-up, read with categoryId; organizations and
 * organization_jurisdictions — createOrganization; organization_members — addMember; users, email_tokens, mail_messages, audit_log —
 * createUser / verifiedCitizen, passwordResetLink; sessions — sessionCookieFor; api_tokens — apiTokenFor;
 * problems, problem_photos, problem_events — createProblem, addPhotos; problem_follows — followProblem;
 * comments — addComment; appeals, appeal_revisions — createAppeal, openAppeal; signatures — sign;
 * appeal_documents and mail_attachments — dispatchAppeal (the appeals service, called by the tests);
 * captcha_uses — the registration forms in the account tests.
 */

import type { AppContext } from '../../src/core/context.ts';
import type {
  Appeal,
  MemberRole,
  ModerationCaseState,
  ModerationItemType,
  ModerationSubjectType,
  Organization,
  Problem,
  ReportReason,
  User,
  UserRole,
} from '../../src/core/db/schema.ts';
import type { ProcessedPhoto } from '../../src/core/images/photos.ts';
import { type Actor, type TokenScope, tokenScopes } from '../../src/core/policy.ts';
import {
  createApiToken,
  createSession,
  getUser,
  passwordResetJob,
  register,
  requestPasswordReset,
  updateProfile,
  verifyEmail,
} from '../../src/modules/accounts/accounts.service.ts';
import { createAppeal as draftAppealService, openForSignatures } from '../../src/modules/appeals/appeals.service.ts';
import { type SignInput, sign as signService } from '../../src/modules/appeals/appeals.signing.ts';
import { report as reportService } from '../../src/modules/moderation/moderation.service.ts';
import { putMember } from '../../src/modules/organizations/organizations.members.ts';
import type { OrganizationInput } from '../../src/modules/organizations/organizations.rules.ts';
import { createOrganization as createOrganizationService, listCategories } from '../../src/modules/organizations/organizations.service.ts';
import {
  addComment as addCommentService,
  addPhotos as addPhotosService,
  createProblem as createProblemService,
  follow,
} from '../../src/modules/problems/problems.service.ts';
import { getTerritory, importMunicipalities } from '../../src/modules/territories/territories.service.ts';

let counter = 0;
const next = () => {
  counter += 1;
  return counter;
};
export const factoryPassword = 'correct-Horse-battery-7';

/**
 * The actor a request by `user` carries. With `person`, also the user's own row as authentication
 * reads it, so that sign() writes without reading the user again (and joins a batch of signers).
 */
export function actorOf(user: User, options: { via?: Actor['via']; person?: boolean; memberships?: ReadonlyMap<number, MemberRole> } = {}): Actor {
  return {
    id: user.id,
    role: user.role,
    emailVerified: user.email_verified_at !== null,
    via: options.via ?? 'session',
    memberships: options.memberships ?? new Map(),
    ...(options.person ? { person: { firstName: user.first_name, surname: user.surname, municipalityId: user.municipality_id } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// People

export interface UserOverrides {
  email?: string;
  surname?: string;
  firstName?: string;
  patronymic?: string | null;
  role?: UserRole;
  verified?: boolean;
  postalAddress?: string | null;
  municipalityId?: number | null;
}

/** The last mail sent to `address` whose text contains `path?token=…`, and that link. */
async function linkMailedTo(ctx: AppContext, address: string, path: string): Promise<string> {
  const mails = await ctx.db.selectFrom('mail_messages').select('text_body').where('to_address', '=', address).orderBy('id', 'desc').execute();
  for (const mail of mails) {
    const match = new RegExp(`(${path}\\?token=[A-Za-z0-9_-]+)`).exec(mail.text_body);
    if (match?.[1]) return match[1];
  }
  throw new Error(`no ${path} link was mailed to ${address}`);
}

/**
 * A person who registered (password `factoryPassword`), followed the verification link of the mail
 * they got (unless `verified: false`) and filled in a postal address on the profile page (unless
 * `postalAddress: null`).
 */
export async function createUser(ctx: AppContext, overrides: UserOverrides = {}): Promise<User> {
  const n = next();
  const registration = await register(ctx, {
    email: overrides.email ?? `user${n}-${process.pid}@example.test`,
    password: factoryPassword,
    surname: overrides.surname ?? 'Кузнецова',
    firstName: overrides.firstName ?? 'Мария',
    patronymic: overrides.patronymic === undefined ? 'Петровна' : (overrides.patronymic ?? ''),
    municipalityId: overrides.municipalityId ?? null,
    locale: 'ru',
  });
  const registered = registration.user;
  if (!registered) throw new Error(`${registration.email} is already registered`);
  if (overrides.verified !== false) {
    const link = await linkMailedTo(ctx, registered.email, '/verify-email');
    await verifyEmail(ctx, new URL(link, 'http://x').searchParams.get('token') ?? '');
  }
  const postalAddress = overrides.postalAddress === undefined ? '170100, г. Тверь, ул. Советская, д. 1, кв. 2' : overrides.postalAddress;
  if (postalAddress !== null) {
    await updateProfile(ctx, registered.id, {
      surname: registered.surname,
      firstName: registered.first_name,
      patronymic: registered.patronymic ?? '',
      municipalityId: registered.municipality_id,
      postalAddress,
      locale: 'ru',
    });
  }
  // Set directly, as the demo seed does: setUserRole (accounts.service.ts) needs an admin who acts, and audits him.
  if (overrides.role && overrides.role !== 'citizen') await ctx.db.updateTable('users').set({ role: overrides.role }).where('id', '=', registered.id).execute();
  return getUser(ctx, registered.id);
}

/** A citizen with a verified e-mail: who may publish, comment and sign. */
export function verifiedCitizen(ctx: AppContext, overrides: Omit<UserOverrides, 'role' | 'verified'> = {}): Promise<User> {
  return createUser(ctx, { ...overrides, role: 'citizen', verified: true });
}

/** A signed-in browser: the session cookie header for app.inject. */
export async function sessionCookieFor(ctx: AppContext, user: User): Promise<string> {
  return `dm_session=${await createSession(ctx, user.id, 'test')}`;
}

/** A personal API token; by default with every scope, as a test client stands for a program its owner trusts fully. */
export async function apiTokenFor(ctx: AppContext, user: User, name = 'test', scopes: readonly TokenScope[] = tokenScopes): Promise<string> {
  return (await createApiToken(ctx, user.id, name, scopes)).token;
}

/** The password-reset link the user was mailed after asking for one ("/reset-password?token=…"). */
export async function passwordResetLink(ctx: AppContext, user: User): Promise<string> {
  await requestPasswordReset(ctx, user.email);
  // The mail is written by a job, so the request takes as long for a known address as for an unknown one.
  await ctx.jobs.drain(passwordResetJob);
  return linkMailedTo(ctx, user.email, '/reset-password');
}

// ---------------------------------------------------------------------------------------------
// Places, topics, organizations

export async function territoryId(ctx: AppContext, oktmo: string): Promise<number> {
  return (await getTerritory(ctx, oktmo)).id;
}

/** A municipality, imported as an admin imports one (a one-row CSV); importing it again renames it. */
export async function createMunicipality(
  ctx: AppContext,
  regionOktmo = '28000000',
  oktmo = '28701000',
  name = 'город Тверь',
  kind: 'urban_okrug' | 'municipal_okrug' | 'municipal_district' = 'urban_okrug',
): Promise<number> {
  const result = await importMunicipalities(ctx, `region_oktmo,oktmo,okato,name,kind\n${regionOktmo},${oktmo},,${name},${kind}\n`, {
    actorId: null,
    renamed: ctx.ports.territories.placesRenamed,
  });
  if (result.problems.length > 0) throw new Error(`municipality ${oktmo} refused: ${JSON.stringify(result.problems)}`);
  return territoryId(ctx, oktmo);
}

/** Тверь: the one already there (imported by the test, perhaps under its full name), or imported now. */
export async function defaultMunicipality(ctx: AppContext): Promise<number> {
  return territoryId(ctx, '28701000').catch(() => createMunicipality(ctx));
}

export async function categoryId(ctx: AppContext, slug = 'roads'): Promise<number> {
  const category = (await listCategories(ctx)).find((c) => c.slug === slug);
  if (!category) throw new Error(`no category ${slug}`);
  return category.id;
}

export interface OrganizationOverrides extends Partial<Omit<OrganizationInput, 'appealEmail'>> {
  /** null: an organization without an address for appeals. */
  appealEmail?: string | null;
}

/** An organization as an admin creates it; by default a municipal administration of Тверь, competent for everything there. */
export async function createOrganization(ctx: AppContext, overrides: OrganizationOverrides = {}): Promise<Organization> {
  const n = next();
  const territory = overrides.territoryId ?? (await defaultMunicipality(ctx));
  return createOrganizationService(ctx, null, {
    name: overrides.name ?? `Администрация № ${n}`,
    slug: overrides.slug ?? '',
    kind: overrides.kind ?? 'municipal_administration',
    territoryId: territory,
    parentId: overrides.parentId ?? null,
    appealEmail: overrides.appealEmail === undefined ? `priemnaya-${n}@example.test` : (overrides.appealEmail ?? ''),
    postalAddress: overrides.postalAddress ?? '170100, г. Тверь, ул. Советская, д. 11',
    website: overrides.website ?? '',
    // null: none of its own, the site's default (its settings).
    appealThreshold: overrides.appealThreshold === undefined ? 50 : overrides.appealThreshold,
    description: overrides.description ?? '',
    jurisdictions: overrides.jurisdictions ?? [{ territoryId: territory, categoryIds: [] }],
  });
}

/**
 * `user` works in the organization's cabinet, as an approved request would leave it (the organizations module's
 * putMember, which the cabinet's approval calls); authentication reads it into the actor.
 */
export async function addMember(ctx: AppContext, organization: Organization, user: User, role: MemberRole = 'clerk', position = 'специалист'): Promise<void> {
  await ctx.db.transaction().execute((trx) => putMember(trx, { organizationId: organization.id, userId: user.id, role, position }));
}

// ---------------------------------------------------------------------------------------------
// Problems

export interface ProblemOverrides {
  /** Who publishes it; a new verified citizen when absent. */
  author?: User;
  title?: string;
  description?: string;
  categoryId?: number;
  territoryId?: number;
  address?: string;
  latitude?: number | null;
  longitude?: number | null;
  photos?: ProcessedPhoto[];
}

/** A problem published through the publish use case (the similar-problems step is the form's, not the service's). */
export async function createProblem(ctx: AppContext, overrides: ProblemOverrides = {}): Promise<Problem> {
  const author = overrides.author ?? (await verifiedCitizen(ctx));
  const title = overrides.title ?? `Яма на дороге у дома ${next()}`;
  return createProblemService(
    ctx,
    actorOf(author),
    {
      title,
      description: overrides.description ?? `${title}. Подробное описание проблемы для проверки.`,
      categoryId: overrides.categoryId ?? (await categoryId(ctx)),
      territoryId: overrides.territoryId ?? (await defaultMunicipality(ctx)),
      address: overrides.address ?? '',
      latitude: overrides.latitude ?? null,
      longitude: overrides.longitude ?? null,
    },
    overrides.photos ?? [],
  );
}

export async function addPhotos(ctx: AppContext, author: User, problemId: number, photos: ProcessedPhoto[]): Promise<void> {
  await addPhotosService(ctx, actorOf(author), problemId, photos);
}

export async function followProblem(ctx: AppContext, user: User, problemId: number): Promise<void> {
  await follow(ctx, actorOf(user), problemId, true);
}

export async function addComment(
  ctx: AppContext,
  author: User,
  problemId: number,
  body = 'Поддерживаю, сам там хожу каждый день.',
  parentId: number | null = null,
) {
  return addCommentService(ctx, actorOf(author), problemId, { body, parentId });
}

// ---------------------------------------------------------------------------------------------
// Appeals

export const defaultAppealText =
  'Просим отремонтировать дорогу по улице Октябрьской в пгт Оленино.\n\nЯмы глубиной до 20 см, весной их заливает водой, автобус объезжает участок по встречной полосе.';

export interface AppealOverrides {
  /** The problem's author, who drafts the appeal; a new verified citizen when absent. */
  author?: User;
  /** The problem it is about; published by `author` when absent. */
  problem?: Problem;
  /** The addressee; a new organization with `threshold` and `appealEmail` when absent. */
  organization?: Organization;
  threshold?: number;
  appealEmail?: string | null;
  title?: string;
  text?: string;
}

export interface AppealFixture {
  appeal: Appeal;
  author: User;
  problem: Problem;
  organization: Organization;
}

/** A draft appeal, written by the problem's author to an organization. */
export async function createAppeal(ctx: AppContext, overrides: AppealOverrides = {}): Promise<AppealFixture> {
  const author = overrides.author ?? (await verifiedCitizen(ctx, { surname: 'Авторова', firstName: 'Алла' }));
  const problem = overrides.problem ?? (await createProblem(ctx, { author }));
  const organization =
    overrides.organization ??
    (await createOrganization(ctx, {
      territoryId: problem.territory_id,
      appealThreshold: overrides.threshold ?? 50,
      ...(overrides.appealEmail !== undefined ? { appealEmail: overrides.appealEmail } : {}),
    }));
  const appeal = await draftAppealService(ctx, actorOf(author), problem.id, {
    organizationId: organization.id,
    title: overrides.title ?? 'О ремонте улицы Октябрьской',
    text: overrides.text ?? defaultAppealText,
  });
  return { appeal, author, problem, organization };
}

/** An appeal open for signatures: drafted, then opened by its author (its text frozen). */
export async function openAppeal(ctx: AppContext, overrides: AppealOverrides & { acknowledgeWarnings?: boolean } = {}): Promise<AppealFixture> {
  const drafted = await createAppeal(ctx, overrides);
  const appeal = await openForSignatures(ctx, actorOf(drafted.author), drafted.appeal.id, { acknowledgeWarnings: overrides.acknowledgeWarnings ?? false });
  return { ...drafted, appeal };
}

/** What a signer types into the sign form: full name, an address with a postcode, consent to send it. */
export function signInput(user: User, overrides: Partial<SignInput> = {}): SignInput {
  return {
    fullName: `${user.surname} ${user.first_name}`,
    postalAddress: '172400, пгт Оленино, ул. Мира, д. 3',
    consentTransfer: true,
    consentPublicName: true,
    ...overrides,
  };
}

/** `signer` (a new verified citizen when absent) signs the appeal. */
export async function sign(ctx: AppContext, appealId: number, signer?: User, input: Partial<SignInput> = {}) {
  const user = signer ?? (await verifiedCitizen(ctx));
  const signed = await signService(ctx, actorOf(user), appealId, signInput(user, input));
  return { ...signed, signer: user };
}

/** Russian-looking distinct surnames for many signers: Подписантов + two letters (аа, аб, …). */
export function surnameFor(i: number, stem = 'Подписантов'): string {
  const letters = 'абвгдежзиклмнопрстуфхцчшэюя';
  return `${stem}${letters[Math.floor(i / letters.length)]}${letters[i % letters.length]}`;
}

// ---------------------------------------------------------------------------------------------
// Moderation

/** `reporter` reports an item (a new verified citizen when absent), through the service as the report form does. */
export function reportContent(
  ctx: AppContext,
  subjectType: ModerationItemType,
  subjectId: number,
  reporter?: User,
  reason: ReportReason = 'spam',
  details = '',
): Promise<{ state: ModerationCaseState; reporter: User; caseId: number }> {
  return fileReport(ctx, { subjectType, subjectId, target: 'item', reason, details }, { type: subjectType, id: subjectId }, reporter);
}

/** `reporter` reports the author of an item, through the item, as the «пожаловаться на автора» form does. */
export function reportAuthor(
  ctx: AppContext,
  subjectType: ModerationItemType,
  subjectId: number,
  authorId: number,
  reporter?: User,
  reason: ReportReason = 'spam',
  details = '',
): Promise<{ state: ModerationCaseState; reporter: User; caseId: number }> {
  return fileReport(ctx, { subjectType, subjectId, target: 'author', reason, details }, { type: 'user', id: authorId }, reporter);
}

async function fileReport(
  ctx: AppContext,
  input: Parameters<typeof reportService>[2],
  caseOf: { type: ModerationSubjectType; id: number },
  reporter?: User,
): Promise<{ state: ModerationCaseState; reporter: User; caseId: number }> {
  const who = reporter ?? (await verifiedCitizen(ctx, { surname: 'Жалобщикова', firstName: 'Вера' }));
  const outcome = await reportService(ctx, actorOf(who), input);
  const row = await ctx.db
    .selectFrom('moderation_cases')
    .select('id')
    .where('subject_type', '=', caseOf.type)
    .where('subject_id', '=', caseOf.id)
    .executeTakeFirstOrThrow();
  return { ...outcome, reporter: who, caseId: row.id };
}
