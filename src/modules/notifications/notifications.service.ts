/**
 * Notifications: the one way any capability tells people that something happened. `notify` is called
 * inside the action's own transaction with an event and its recipients; it records one in-site
 * notification per person and, by each person's choice, writes the mail now (through the mail
 * outbox, in the same transaction) or leaves it for the daily digest. It owns the in-site list, the
 * choices (per kind, per problem, overall), the per-appeal mail cap, the digest and unsubscribing.
 * People's addresses come from the accounts module; nothing here reads another module's tables.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Notification, NotificationMail, NotificationMailChoice, NotificationReason } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { isLocale, type Locale } from '../../core/i18n/i18n.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { contactsOf } from '../accounts/accounts.service.ts';
import { followedProblems, problemTitles } from '../problems/problems.service.ts';
import './notifications.policy.ts';
import {
  appealMailCap,
  digestDay,
  effectiveChoice,
  eventKey,
  isNotificationKind,
  kindList,
  type NotificationEvent,
  type NotificationKind,
  notificationKinds,
  type Recipient,
  readUnsubscribeToken,
  type UnsubscribeScope,
  type UnsubscribeTarget,
  uniqueRecipients,
  unsubscribeTargets,
  unsubscribeToken,
} from './notifications.rules.ts';
import { digestMail, immediateMail, type MailLinks } from './notifications.texts.ts';

export type { NotificationEvent, Recipient } from './notifications.rules.ts';

export interface NotifyOutcome {
  /** New in-site notifications (a person already told about this event is not told again). */
  recorded: number;
  mailed: number;
  digest: number;
  capped: number;
}

const localeOf = (value: string): Locale => (isLocale(value) ? value : 'ru');

/** The address a mail client writes to when it unsubscribes by mail: the sender's own. */
function mailtoAddress(mailFrom: string): string {
  return (/<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom).trim();
}

/** RFC 8058: a one-click HTTPS unsubscribe (POST, no cookie, no CSRF token) and a mailto fallback. */
export function unsubscribeHeaders(ctx: AppContext, scope: UnsubscribeScope): { url: string; headers: Record<string, string> } {
  const token = unsubscribeToken(ctx.config.secret, scope);
  const url = `${ctx.config.baseUrl}/unsubscribe/${token}`;
  const mailto = `mailto:${mailtoAddress(ctx.config.mailFrom)}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`;
  return { url, headers: { 'List-Unsubscribe': `<${url}>, <${mailto}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } };
}

interface ChoiceRow {
  user_id: number;
  mail_enabled: boolean | null;
  unlimited_appeal_mail: boolean | null;
  kind_mail: NotificationMailChoice | null;
  problem_mail: NotificationMailChoice | null;
  digest_pending: boolean;
}

/**
 * Tells `recipients` about `event`, within `trx` (the transaction of the action that caused it, so a
 * rolled-back action tells nobody). Idempotent per person and event: a retried job adds nothing.
 * A signer gets at most `appealMailCap` mails about one appeal unless they asked for more; past it
 * the notification is still listed on the site.
 */
export async function notify(ctx: AppContext, trx: Executor, event: NotificationEvent, recipients: readonly Recipient[]): Promise<NotifyOutcome> {
  const outcome: NotifyOutcome = { recorded: 0, mailed: 0, digest: 0, capped: 0 };
  const people = uniqueRecipients(recipients);
  if (people.length === 0) return outcome;
  const key = eventKey(event);
  const appealId = event.appealId ?? null;
  const inserted = await sql<{ id: number; user_id: number; reason: NotificationReason }>`
    insert into notifications (user_id, reason, kind, event_key, problem_id, appeal_id, data, created_at)
    select r.user_id, r.reason, ${event.kind}, ${key}, ${event.problemId}, ${appealId}, ${JSON.stringify(event.data)}::jsonb, ${ctx.now()}
    from unnest(${people.map((p) => p.userId)}::integer[], ${people.map((p) => p.reason)}::text[]) as r (user_id, reason)
    order by r.user_id
    on conflict (user_id, event_key) do nothing
    returning id, user_id, reason`.execute(trx);
  const rows = inserted.rows;
  outcome.recorded = rows.length;
  if (rows.length === 0) return outcome;

  const userIds = rows.map((row) => row.user_id);
  const choices = await sql<ChoiceRow>`
    select u.user_id, s.mail_enabled, s.unlimited_appeal_mail, k.mail as kind_mail, p.mail as problem_mail,
      ${appealId}::integer is not null and exists (
        select 1 from notifications n
        where n.user_id = u.user_id and n.appeal_id = ${appealId} and n.mail = 'digest' and n.digest_id is null and n.event_key <> ${key}
      ) as digest_pending
    from unnest(${userIds}::integer[]) as u (user_id)
    left join notification_settings s on s.user_id = u.user_id
    left join notification_kind_preferences k on k.user_id = u.user_id and k.kind = ${event.kind}
    left join notification_problem_preferences p on p.user_id = u.user_id and p.problem_id = ${event.problemId}`.execute(trx);
  const choiceOf = new Map(choices.rows.map((row) => [row.user_id, row]));

  const decided = new Map<number, NotificationMail>();
  const counted: number[] = [];
  for (const row of rows) {
    const choice = choiceOf.get(row.user_id);
    const mail = effectiveChoice(event.kind, {
      mailEnabled: choice?.mail_enabled ?? true,
      kind: choice?.kind_mail ?? null,
      problem: choice?.problem_mail ?? null,
    });
    decided.set(row.user_id, mail);
    // A digest already holding news of this appeal carries this one in the same mail: it is not another mail.
    if (mail !== 'off' && appealId !== null && row.reason === 'signer' && !choice?.unlimited_appeal_mail && !choice?.digest_pending) counted.push(row.user_id);
  }

  // Counts the mails each signer got about the appeal; a signer at the cap is not counted, and not mailed.
  const mailsNow = new Map<number, number>();
  if (counted.length > 0 && appealId !== null) {
    const upserted = await sql<{ user_id: number; mails: number }>`
      insert into notification_appeal_mails as m (user_id, appeal_id, mails)
      select u, ${appealId}, 1 from unnest(${counted.sort((a, b) => a - b)}::integer[]) as u
      on conflict (user_id, appeal_id) do update set mails = m.mails + 1 where m.mails < ${appealMailCap}
      returning user_id, mails`.execute(trx);
    for (const row of upserted.rows) mailsNow.set(row.user_id, row.mails);
    for (const userId of counted) if (!mailsNow.has(userId)) decided.set(userId, 'capped');
  }

  const changed = rows.filter((row) => decided.get(row.user_id) !== 'off');
  if (changed.length > 0) {
    await sql`
      update notifications n set mail = v.mail
      from unnest(${changed.map((row) => row.id)}::bigint[], ${changed.map((row) => decided.get(row.user_id) as string)}::text[]) as v (id, mail)
      where n.id = v.id`.execute(trx);
  }

  const immediate = rows.filter((row) => decided.get(row.user_id) === 'immediately');
  for (const row of rows) {
    const mail = decided.get(row.user_id);
    if (mail === 'digest') outcome.digest += 1;
    else if (mail === 'capped') outcome.capped += 1;
  }
  if (immediate.length === 0) return outcome;
  const contacts = new Map(
    (
      await contactsOf(
        trx,
        immediate.map((row) => row.user_id),
      )
    ).map((contact) => [contact.id, contact]),
  );
  const replyAddresses = new Map(people.flatMap((person) => (person.replyTo ? [[person.userId, person.replyTo] as const] : [])));
  for (const row of immediate) {
    const contact = contacts.get(row.user_id);
    if (!contact) continue;
    const locale = localeOf(contact.locale);
    const unsubscribe = unsubscribeHeaders(ctx, { userId: row.user_id, kind: event.kind, problemId: event.problemId });
    const links: MailLinks = { baseUrl: ctx.config.baseUrl, unsubscribe: unsubscribe.url };
    const count = mailsNow.get(row.user_id);
    const mail = immediateMail(
      locale,
      {
        name: contact.firstName,
        reason: row.reason,
        notification: { kind: event.kind, problem_id: event.problemId, appeal_id: appealId, data: { ...event.data } },
        lastBeforeCap: count === appealMailCap ? appealMailCap : null,
        repliesByMail: replyAddresses.has(row.user_id),
      },
      links,
    );
    const replyTo = replyAddresses.get(row.user_id);
    await ctx.mailer.enqueue(trx, {
      to: contact.email,
      subject: mail.subject,
      text: mail.text,
      headers: replyTo ? { ...unsubscribe.headers, 'Reply-To': replyTo } : unsubscribe.headers,
    });
    outcome.mailed += 1;
  }
  return outcome;
}

/**
 * For an event with many recipients (a viral appeal has tens of thousands of signers), in a job after
 * the action's commit: short transactions of 500, each idempotent (notify tells nobody twice), so a
 * retried job resumes where the last one stopped.
 */
export async function notifyInBatches(ctx: AppContext, event: NotificationEvent, recipients: readonly Recipient[], batch = 500): Promise<void> {
  for (let start = 0; start < recipients.length; start += batch) {
    await ctx.db.transaction().execute((trx) => notify(ctx, trx, event, recipients.slice(start, start + batch)));
  }
}

/** Unread notifications of the header, counted up to 100 (the header shows "99+" past that): one index lookup. */
export async function unreadCount(ctx: AppContext, userId: number): Promise<number> {
  const row = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from notifications where user_id = ${userId} and read_at is null limit 100) as unread`.execute(ctx.db);
  return Number(row.rows[0]?.n ?? 0);
}

export interface NotificationPage {
  items: Notification[];
  total: number;
  unread: number;
}

export async function listNotifications(
  ctx: AppContext,
  actor: Actor,
  options: { limit: number; offset: number; unreadOnly?: boolean },
): Promise<NotificationPage> {
  authorize(actor, 'notification.list');
  let query = ctx.db.selectFrom('notifications').where('user_id', '=', actor.id);
  if (options.unreadOnly) query = query.where('read_at', 'is', null);
  const [items, total, unread] = await Promise.all([
    query.selectAll().orderBy('id', 'desc').limit(options.limit).offset(options.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ctx.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', actor.id)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow(),
  ]);
  return { items: items.map((item) => ({ ...item, id: Number(item.id) })), total: Number(total.n), unread: Number(unread.n) };
}

export async function markRead(ctx: AppContext, actor: Actor, notificationId: number): Promise<Notification> {
  const notification =
    Number.isSafeInteger(notificationId) && notificationId > 0
      ? await ctx.db.selectFrom('notifications').selectAll().where('id', '=', notificationId).executeTakeFirst()
      : undefined;
  if (!notification) throw new DomainError('not_found');
  authorize(actor, 'notification.read', notification);
  const updated = await ctx.db
    .updateTable('notifications')
    .set({ read_at: sql<Date>`coalesce(read_at, ${ctx.now()})` })
    .where('id', '=', notificationId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...updated, id: Number(updated.id) };
}

export async function markAllRead(ctx: AppContext, actor: Actor): Promise<number> {
  authorize(actor, 'notification.list');
  const result = await ctx.db
    .updateTable('notifications')
    .set({ read_at: ctx.now() })
    .where('user_id', '=', actor.id)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface Preferences {
  mailEnabled: boolean;
  unlimitedAppealMail: boolean;
  kinds: { kind: NotificationKind; choice: NotificationMailChoice | null; default: NotificationMailChoice }[];
  /** Followed problems, and any other problem the person made a choice for. */
  problems: { problemId: number; title: string; choice: NotificationMailChoice | null; following: boolean }[];
}

export async function getPreferences(ctx: AppContext, actor: Actor): Promise<Preferences> {
  authorize(actor, 'notification.preferences');
  const [settings, kinds, problemChoices, followed] = await Promise.all([
    ctx.db.selectFrom('notification_settings').selectAll().where('user_id', '=', actor.id).executeTakeFirst(),
    ctx.db.selectFrom('notification_kind_preferences').select(['kind', 'mail']).where('user_id', '=', actor.id).execute(),
    ctx.db.selectFrom('notification_problem_preferences').select(['problem_id', 'mail']).where('user_id', '=', actor.id).orderBy('problem_id').execute(),
    followedProblems(ctx, actor.id),
  ]);
  const kindChoice = new Map(kinds.map((row) => [row.kind, row.mail]));
  const problemChoice = new Map(problemChoices.map((row) => [row.problem_id, row.mail]));
  const followedIds = new Set(followed.map((problem) => problem.id));
  const others = problemChoices.map((row) => row.problem_id).filter((id) => !followedIds.has(id));
  const otherTitles = await problemTitles(ctx, others);
  return {
    mailEnabled: settings?.mail_enabled ?? true,
    unlimitedAppealMail: settings?.unlimited_appeal_mail ?? false,
    kinds: kindList.map((kind) => ({ kind, choice: kindChoice.get(kind) ?? null, default: notificationKinds[kind] })),
    problems: [
      ...followed.map((problem) => ({ problemId: problem.id, title: problem.title, choice: problemChoice.get(problem.id) ?? null, following: true })),
      ...others
        .filter((id) => otherTitles.has(id))
        .map((id) => ({ problemId: id, title: otherTitles.get(id) as string, choice: problemChoice.get(id) ?? null, following: false })),
    ],
  };
}

export interface PreferencesInput {
  mailEnabled?: boolean;
  unlimitedAppealMail?: boolean;
  kinds?: Partial<Record<NotificationKind, NotificationMailChoice>>;
  /** null: no choice of its own, the kind's choice applies. */
  problems?: { problemId: number; choice: NotificationMailChoice | null }[];
}

export async function savePreferences(ctx: AppContext, actor: Actor, input: PreferencesInput): Promise<Preferences> {
  authorize(actor, 'notification.preferences');
  const checks = new FieldChecks();
  for (const kind of Object.keys(input.kinds ?? {})) if (!isNotificationKind(kind)) checks.add(`kinds.${kind}`, 'notAllowed');
  const problemIds = [...new Set((input.problems ?? []).map((p) => p.problemId))];
  const known = await problemTitles(ctx, problemIds);
  for (const id of problemIds) if (!known.has(id)) checks.add(`problems.${id}`, 'unknownProblem');
  checks.throwIfAny();
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (input.mailEnabled !== undefined || input.unlimitedAppealMail !== undefined) {
      const set = {
        ...(input.mailEnabled !== undefined ? { mail_enabled: input.mailEnabled } : {}),
        ...(input.unlimitedAppealMail !== undefined ? { unlimited_appeal_mail: input.unlimitedAppealMail } : {}),
        updated_at: now,
      };
      await trx
        .insertInto('notification_settings')
        .values({ user_id: actor.id, ...set })
        .onConflict((oc) => oc.column('user_id').doUpdateSet(set))
        .execute();
    }
    for (const [kind, mail] of Object.entries(input.kinds ?? {}) as [NotificationKind, NotificationMailChoice][]) {
      await setKindChoice(trx, actor.id, kind, mail, now);
    }
    for (const { problemId, choice } of input.problems ?? []) {
      if (choice === null) {
        await trx.deleteFrom('notification_problem_preferences').where('user_id', '=', actor.id).where('problem_id', '=', problemId).execute();
      } else {
        await setProblemChoice(trx, actor.id, problemId, choice, now);
      }
    }
  });
  return getPreferences(ctx, actor);
}

async function setKindChoice(trx: Executor, userId: number, kind: NotificationKind, mail: NotificationMailChoice, now: Date): Promise<void> {
  await trx
    .insertInto('notification_kind_preferences')
    .values({ user_id: userId, kind, mail, updated_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'kind']).doUpdateSet({ mail, updated_at: now }))
    .execute();
}

async function setProblemChoice(trx: Executor, userId: number, problemId: number, mail: NotificationMailChoice, now: Date): Promise<void> {
  await trx
    .insertInto('notification_problem_preferences')
    .values({ user_id: userId, problem_id: problemId, mail, updated_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'problem_id']).doUpdateSet({ mail, updated_at: now }))
    .execute();
}

/** What an unsubscribe link names, or a 400 when it was damaged or forged. */
export function readUnsubscribeLink(ctx: AppContext, token: string): { scope: UnsubscribeScope; targets: UnsubscribeTarget[] } {
  const scope = readUnsubscribeToken(ctx.config.secret, token);
  if (!scope) throw new DomainError('unsubscribe_invalid');
  return { scope, targets: unsubscribeTargets(scope) };
}

/**
 * Stops the mail a link names, by the signed token alone (no session: the RFC 8058 POST of a mail
 * client carries no cookie). Without a target, the narrowest one that stops this mail.
 */
export async function unsubscribe(ctx: AppContext, token: string, target?: UnsubscribeTarget): Promise<{ scope: UnsubscribeScope; target: UnsubscribeTarget }> {
  const { scope, targets } = readUnsubscribeLink(ctx, token);
  const chosen = target ?? (targets[0] as UnsubscribeTarget);
  if (!targets.includes(chosen)) throw new DomainError('unsubscribe_invalid');
  const now = ctx.now();
  const problemExists = chosen === 'problem' && scope.problemId !== null && (await problemTitles(ctx, [scope.problemId])).has(scope.problemId);
  await ctx.db.transaction().execute(async (trx) => {
    // The person may have deleted the account since the mail went out: then there is nothing to stop.
    const [person] = await contactsOf(trx, [scope.userId]);
    if (!person) return;
    if (chosen === 'problem' && scope.problemId !== null) {
      if (problemExists) await setProblemChoice(trx, scope.userId, scope.problemId, 'off', now);
    } else if (chosen === 'kind' && scope.kind !== 'digest') {
      await setKindChoice(trx, scope.userId, scope.kind, 'off', now);
    } else {
      await trx
        .insertInto('notification_settings')
        .values({ user_id: scope.userId, mail_enabled: false, updated_at: now })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ mail_enabled: false, updated_at: now }))
        .execute();
    }
  });
  return { scope, target: chosen };
}

/**
 * The daily digest: one mail per person per day with everything waiting for it. A person's digest
 * of the day is a row with a unique (person, day), written in the transaction that writes the mail,
 * so a second run on the same day (a retry, two nodes, a manual run) sends nothing more. Choices
 * made since the news arrived are asked again: what the person switched off is not sent.
 */
export async function sendDigests(ctx: AppContext): Promise<number> {
  const day = digestDay(ctx.now());
  let sent = 0;
  let after = 0;
  for (;;) {
    const waiting = await ctx.db
      .selectFrom('notifications')
      .select('user_id')
      .distinct()
      .where('mail', '=', 'digest')
      .where('digest_id', 'is', null)
      .where('user_id', '>', after)
      .orderBy('user_id')
      .limit(200)
      .execute();
    if (waiting.length === 0) return sent;
    for (const { user_id: userId } of waiting) {
      if (await sendDigest(ctx, userId, day)) sent += 1;
    }
    after = (waiting.at(-1) as { user_id: number }).user_id;
  }
}

async function sendDigest(ctx: AppContext, userId: number, day: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const digest = await trx
      .insertInto('notification_digests')
      .values({ user_id: userId, day, created_at: ctx.now() })
      .onConflict((oc) => oc.columns(['user_id', 'day']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!digest) return false;
    const items = await trx
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .where('mail', '=', 'digest')
      .where('digest_id', 'is', null)
      .orderBy('id')
      .forUpdate()
      .execute();
    const [settings, kinds, problems] = await Promise.all([
      trx.selectFrom('notification_settings').select('mail_enabled').where('user_id', '=', userId).executeTakeFirst(),
      trx.selectFrom('notification_kind_preferences').select(['kind', 'mail']).where('user_id', '=', userId).execute(),
      trx.selectFrom('notification_problem_preferences').select(['problem_id', 'mail']).where('user_id', '=', userId).execute(),
    ]);
    const kindChoice = new Map(kinds.map((row) => [row.kind, row.mail]));
    const problemChoice = new Map(problems.map((row) => [row.problem_id, row.mail]));
    const keep = items.filter((item) => {
      if (!isNotificationKind(item.kind)) return false;
      const choice = effectiveChoice(item.kind, {
        mailEnabled: settings?.mail_enabled ?? true,
        kind: kindChoice.get(item.kind) ?? null,
        problem: item.problem_id !== null ? (problemChoice.get(item.problem_id) ?? null) : null,
      });
      return choice !== 'off';
    });
    const dropped = items.filter((item) => !keep.includes(item)).map((item) => item.id);
    if (dropped.length > 0) await trx.updateTable('notifications').set({ mail: 'off' }).where('id', 'in', dropped).execute();
    const [contact] = await contactsOf(trx, [userId]);
    if (keep.length === 0 || !contact) {
      // Nothing left to send: no digest today, so news arriving later today can still go out.
      await trx.deleteFrom('notification_digests').where('id', '=', digest.id).execute();
      return false;
    }
    const unsubscribe = unsubscribeHeaders(ctx, { userId, kind: 'digest', problemId: null });
    const mail = digestMail(localeOf(contact.locale), { name: contact.firstName, items: keep }, { baseUrl: ctx.config.baseUrl, unsubscribe: unsubscribe.url });
    const messageId = await ctx.mailer.enqueue(trx, { to: contact.email, subject: mail.subject, text: mail.text, headers: unsubscribe.headers });
    await trx
      .updateTable('notifications')
      .set({ digest_id: digest.id })
      .where(
        'id',
        'in',
        keep.map((item) => item.id),
      )
      .execute();
    await trx.updateTable('notification_digests').set({ items: keep.length, mail_message_id: messageId }).where('id', '=', digest.id).execute();
    return true;
  });
}
