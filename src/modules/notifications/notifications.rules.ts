/**
 * The rules of notifications, without I/O: the kinds and their default delivery, which choice wins
 * (a problem's over a kind's), the per-appeal mail cap, and the signed unsubscribe tokens.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationMailChoice, NotificationReason } from '../../core/db/schema.ts';

/** Every kind of notification, with the delivery a person gets until they choose another. */
export const notificationKinds = {
  'appeal.sent': 'immediately',
  'appeal.threshold_reached': 'digest',
  'appeal.withdrawn': 'immediately',
  'appeal.overdue': 'immediately',
  'appeal.letter_received': 'immediately',
  'appeal.answered': 'immediately',
  'appeal.closed': 'immediately',
  'appeal.closed_unanswered': 'immediately',
  'appeal.escalated': 'immediately',
  'problem.solved': 'immediately',
  'appeal.extended': 'immediately',
  'appeal.forwarded': 'immediately',
  'membership.approved': 'immediately',
  'membership.rejected': 'immediately',
  'cabinet.appeal_received': 'immediately',
  'cabinet.appeal_assigned': 'immediately',
  'cabinet.answer_submitted': 'immediately',
  'cabinet.answer_returned': 'immediately',
  'cabinet.webhook_disabled': 'immediately',
  'cabinet.message': 'immediately',
  'cabinet.message_received': 'immediately',
  'moderation.hidden_pending': 'immediately',
  'moderation.hidden': 'immediately',
  'moderation.restored': 'immediately',
  'moderation.appeal_upheld': 'immediately',
  'moderation.appeal_reversed': 'immediately',
  'signature.invalidated': 'immediately',
  'appeal.amended': 'immediately',
  'amendment.proposed': 'immediately',
  'amendment.accepted': 'immediately',
  'amendment.rejected': 'immediately',
} as const satisfies Record<string, NotificationMailChoice>;

export type NotificationKind = keyof typeof notificationKinds;
export const kindList = Object.keys(notificationKinds) as NotificationKind[];
export const mailChoices = ['immediately', 'digest', 'off'] as const satisfies readonly NotificationMailChoice[];

export function isNotificationKind(value: unknown): value is NotificationKind {
  return typeof value === 'string' && Object.hasOwn(notificationKinds, value);
}

export function isMailChoice(value: unknown): value is NotificationMailChoice {
  return typeof value === 'string' && (mailChoices as readonly string[]).includes(value);
}

/** What each kind carries to be rendered later in the reader's language, without reading anybody's tables. */
export interface NotificationData {
  /** timeZone: the addressee's, in whose days the answer is due (absent in notifications written before it was kept). */
  'appeal.sent': { title: string; organization: string; answerDueAt: string; timeZone?: string };
  'appeal.threshold_reached': { title: string; count: number };
  'appeal.withdrawn': { title: string };
  'appeal.overdue': { title: string; organization: string; answerDueAt: string; timeZone: string };
  /** To the author alone: a letter came to the reply address, and only he can say whether it is the answer. */
  'appeal.letter_received': { title: string; organization: string };
  'appeal.answered': { title: string; organization: string };
  /** The review window ended: the citizens' verdict, with counts (the one e-mail that tells the result). */
  'appeal.closed': { title: string; organization: string; yes: number; partly: number; no: number };
  /** Closed «без ответа»: no answer `count` days after the due date. */
  'appeal.closed_unanswered': { title: string; organization: string; count: number };
  /** To the earlier signers: the problem went up the chain, and the new appeal (to `organization`) waits for their signature. */
  'appeal.escalated': { title: string; organization: string };
  'problem.solved': { title: string; note?: string };
  /** The body extended the answer term once (59-FZ Art. 12 p. 2): the new due date and why. */
  'appeal.extended': { title: string; organization: string; answerDueAt: string; timeZone: string; days: number; reason: string };
  /** The addressee (`organization`) forwarded the appeal to the competent body (`to`, 59-FZ Art. 8 p. 3): why, and the new appeal of the chain. */
  'appeal.forwarded': { title: string; organization: string; to: string; reason: string; forwardedAppealId: number };
  /** To the official who asked to join the organization's cabinet. */
  'membership.approved': { organization: string; path: string };
  'membership.rejected': { organization: string; reason: string; path: string };
  /** To the organization's officials: its cabinet's work. `path` is the cabinet page it is about. */
  'cabinet.appeal_received': { title: string; organization: string; path: string };
  'cabinet.appeal_assigned': { title: string; organization: string; path: string };
  'cabinet.answer_submitted': { title: string; organization: string; path: string };
  'cabinet.answer_returned': { title: string; organization: string; reason: string; path: string };
  /** To the organization's heads: the platform turned off a webhook endpoint after `count` failed attempts in a row. */
  'cabinet.webhook_disabled': { organization: string; url: string; count: number; path: string };
  /** To a citizen: an organization wrote to them in a message thread (`path`: the thread, or its message to all signers). */
  'cabinet.message': { organization: string; subject: string; text: string; path: string };
  /** To the organization's officials: a citizen (`name`, the public name «Иван П.») answered in a thread. */
  'cabinet.message_received': { organization: string; subject: string; name: string; path: string };
  /** To an item's author: reports from several people hid it until a moderator looks (`context`: the problem's or appeal's title). */
  'moderation.hidden_pending': { context: string; path: string };
  /** To an item's author: a moderator hid it, why, and that the decision may be appealed once (from `path`). */
  'moderation.hidden': { context: string; reason: string; path: string };
  'moderation.restored': { context: string; path: string };
  /** To an item's author: an administrator decided the appeal: upheld (it stays hidden) or reversed (shown again). */
  'moderation.appeal_upheld': { context: string; reason: string; path: string };
  'moderation.appeal_reversed': { context: string; reason: string; path: string };
  /** To a signer: a moderator found the signature not genuine (a burst from one address, a throwaway mailbox…) and removed it. */
  'signature.invalidated': { title: string; reason: string };
  /** To a signer: the author accepted an amendment; the signature counts again once given for the new version (`revision`). */
  'appeal.amended': { title: string; revision: number };
  /** To the appeal's author: somebody proposed amendment `number`; `path` is its page. */
  'amendment.proposed': { title: string; number: number; path: string };
  /** To the amendment's proposer: the author's decision and its reason. */
  'amendment.accepted': { title: string; number: number; reason: string; path: string };
  'amendment.rejected': { title: string; number: number; reason: string; path: string };
}

interface EventBase<K extends NotificationKind> {
  kind: K;
  problemId: number;
  data: NotificationData[K];
  /** Distinguishes two events of one kind on one subject; by default an event happens once per subject. */
  key?: string;
}

/** An event: its kind, its subject (problem, appeal) and what is needed to render it. */
export type NotificationEvent =
  | (EventBase<'appeal.sent'> & { appealId: number })
  | (EventBase<'appeal.threshold_reached'> & { appealId: number })
  | (EventBase<'appeal.withdrawn'> & { appealId: number })
  | (EventBase<'appeal.overdue'> & { appealId: number })
  | (EventBase<'appeal.letter_received'> & { appealId: number })
  | (EventBase<'appeal.answered'> & { appealId: number })
  | (EventBase<'appeal.closed'> & { appealId: number })
  | (EventBase<'appeal.closed_unanswered'> & { appealId: number })
  | (EventBase<'appeal.escalated'> & { appealId: number })
  | (EventBase<'problem.solved'> & { appealId?: null })
  | (EventBase<'appeal.extended'> & { appealId: number })
  | (EventBase<'appeal.forwarded'> & { appealId: number })
  | (Omit<EventBase<'membership.approved'>, 'problemId'> & { problemId: null; appealId?: null })
  | (Omit<EventBase<'membership.rejected'>, 'problemId'> & { problemId: null; appealId?: null })
  | (EventBase<'cabinet.appeal_received'> & { appealId: number })
  | (EventBase<'cabinet.appeal_assigned'> & { appealId: number })
  | (EventBase<'cabinet.answer_submitted'> & { appealId: number })
  | (EventBase<'cabinet.answer_returned'> & { appealId: number })
  | (Omit<EventBase<'cabinet.webhook_disabled'>, 'problemId'> & { problemId: null; appealId?: null })
  | (EventBase<'cabinet.message'> & { appealId: number | null })
  | (EventBase<'cabinet.message_received'> & { appealId: number | null })
  | (Omit<EventBase<'moderation.hidden_pending'>, 'problemId'> & { problemId: null; appealId?: null })
  | (Omit<EventBase<'moderation.hidden'>, 'problemId'> & { problemId: null; appealId?: null })
  | (Omit<EventBase<'moderation.restored'>, 'problemId'> & { problemId: null; appealId?: null })
  | (Omit<EventBase<'moderation.appeal_upheld'>, 'problemId'> & { problemId: null; appealId?: null })
  | (Omit<EventBase<'moderation.appeal_reversed'>, 'problemId'> & { problemId: null; appealId?: null })
  | (EventBase<'signature.invalidated'> & { appealId: number })
  | (EventBase<'appeal.amended'> & { appealId: number })
  | (EventBase<'amendment.proposed'> & { appealId: number })
  | (EventBase<'amendment.accepted'> & { appealId: number })
  | (EventBase<'amendment.rejected'> & { appealId: number });

export interface Recipient {
  userId: number;
  reason: NotificationReason;
  /** The Reply-To of this person's mail: a message thread's signed reply address, answered by e-mail. */
  replyTo?: string;
}

export function eventKey(event: NotificationEvent): string {
  return event.key ?? `${event.kind}:${event.problemId}:${event.appealId ?? '-'}`;
}

const reasonRank: Record<NotificationReason, number> = { official: 0, author: 1, signer: 2, follower: 3 };

/** One recipient per person, with the closest reason (an author who also follows is told as the author). */
export function uniqueRecipients(recipients: readonly Recipient[]): Recipient[] {
  const byUser = new Map<number, Recipient>();
  for (const recipient of recipients) {
    const known = byUser.get(recipient.userId);
    if (!known || reasonRank[recipient.reason] < reasonRank[known.reason]) byUser.set(recipient.userId, recipient);
  }
  return [...byUser.values()];
}

export interface Choices {
  mailEnabled: boolean;
  kind: NotificationMailChoice | null;
  problem: NotificationMailChoice | null;
}

/** The most specific choice wins: the problem's, then the kind's, then the kind's default. Mail switched off overall wins over all. */
export function effectiveChoice(kind: NotificationKind, choices: Choices): NotificationMailChoice {
  if (!choices.mailEnabled) return 'off';
  return choices.problem ?? choices.kind ?? notificationKinds[kind];
}

/** A signer gets at most this many mails about one appeal over its whole life, unless they asked for more. */
export const appealMailCap = 5;

/** YYYY-MM-DD in Moscow: the day a digest belongs to. */
const moscowDays = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit' });
export const digestDay = (date: Date): string => moscowDays.format(date);

/**
 * What an unsubscribe link names: the person, and the kind (or `digest`) and the problem the mail
 * was about. Signed with the app's SECRET, so it works without a session and cannot be forged for
 * someone else; it never expires, as a link in an old mail must still work (RFC 8058 asks for it).
 */
export interface UnsubscribeScope {
  userId: number;
  kind: NotificationKind | 'digest';
  problemId: number | null;
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`notifications.unsubscribe\n${payload}`).digest('base64url');
}

export function unsubscribeToken(secret: string, scope: UnsubscribeScope): string {
  const payload = Buffer.from(JSON.stringify({ u: scope.userId, k: scope.kind, p: scope.problemId })).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

export function readUnsubscribeToken(secret: string, token: string): UnsubscribeScope | null {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0 || token.length > 500) return null;
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u?: unknown; k?: unknown; p?: unknown };
    const userId = value.u;
    const problemId = value.p;
    if (typeof userId !== 'number' || !Number.isInteger(userId) || userId <= 0) return null;
    if (value.k !== 'digest' && !isNotificationKind(value.k)) return null;
    if (problemId !== null && (typeof problemId !== 'number' || !Number.isInteger(problemId) || problemId <= 0)) return null;
    return { userId, kind: value.k, problemId };
  } catch {
    return null;
  }
}

/** What one unsubscribe stops: mail about one problem, one kind, or all notification mail. */
export type UnsubscribeTarget = 'problem' | 'kind' | 'all';

/** The choices an unsubscribe link offers, the one-click default first (the narrowest that stops this mail). */
export function unsubscribeTargets(scope: UnsubscribeScope): UnsubscribeTarget[] {
  const targets: UnsubscribeTarget[] = [];
  if (scope.problemId !== null && scope.kind !== 'digest') targets.push('problem');
  if (scope.kind !== 'digest') targets.push('kind');
  targets.push('all');
  return targets;
}
