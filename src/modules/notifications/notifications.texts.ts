/** What a notification says, in the reader's language: on the site, in its own mail, and in the digest. */
import type { NotificationReason } from '../../core/db/schema.ts';
import { formatDate, type Locale, type Params, translate } from '../../core/i18n/i18n.ts';
import { isNotificationKind, type NotificationKind } from './notifications.rules.ts';

export interface Renderable {
  kind: string;
  problem_id: number | null;
  appeal_id: number | null;
  data: Record<string, unknown>;
}

function paramsOf(locale: Locale, data: Record<string, unknown>): Params {
  const params: Params = {};
  for (const [name, value] of Object.entries(data)) if (typeof value === 'string' || typeof value === 'number') params[name] = value;
  // The day the answer is due in the addressee's zone (Moscow's for notifications written before the zone was kept).
  // The extension's days choose the plural form of its sentence.
  if (typeof data.days === 'number') params.count = data.days;
  if (typeof data.answerDueAt === 'string')
    params.date = formatDate(locale, new Date(data.answerDueAt), false, typeof data.timeZone === 'string' ? data.timeZone : undefined);
  return params;
}

export function kindLabel(locale: Locale, kind: NotificationKind): string {
  return translate(locale, `notifications.kind.${kind}`);
}

/** One sentence; a kind this version does not know (written by a newer one) reads as its label would. */
export function notificationText(locale: Locale, notification: Renderable): string {
  if (!isNotificationKind(notification.kind)) return notification.kind;
  const sentence = translate(locale, `notifications.text.${notification.kind}`, paramsOf(locale, notification.data));
  // The author's note on how the problem was solved follows the sentence, in the author's own words.
  const note = notification.kind === 'problem.solved' ? notification.data.note : undefined;
  return typeof note === 'string' && note ? `${sentence} ${translate(locale, 'notifications.text.problem.solvedNote', { note })}` : sentence;
}

/** The page the notification is about: its appeal, else its problem. */
export function notificationPath(notification: Pick<Renderable, 'problem_id' | 'appeal_id'> & { data?: Record<string, unknown> }): string {
  // The cabinet's notifications lead to its own page, or to the request to join (only a path on this site).
  const path = notification.data?.path;
  if (typeof path === 'string' && /^\/(cabinet|organizations|moderation|appeals|messages)(\/[\w-]+)*$/.test(path)) return path;
  if (notification.appeal_id) return `/appeals/${notification.appeal_id}`;
  if (notification.problem_id) return `/problems/${notification.problem_id}`;
  return '/notifications';
}

export interface MailLinks {
  baseUrl: string;
  unsubscribe: string;
}

function footer(locale: Locale, reason: NotificationReason | 'digest', links: MailLinks): string {
  return [
    '—',
    translate(locale, `notifications.mail.reason.${reason}`),
    translate(locale, 'notifications.mail.preferences', { link: `${links.baseUrl}/account/notifications` }),
    translate(locale, 'notifications.mail.unsubscribe', { link: links.unsubscribe }),
  ].join('\n');
}

export function immediateMail(
  locale: Locale,
  input: {
    name: string;
    reason: NotificationReason;
    notification: Renderable & { kind: NotificationKind };
    lastBeforeCap: number | null;
    /** The mail has a reply address: answering it adds the answer to the conversation. */
    repliesByMail?: boolean;
  },
  links: MailLinks,
): { subject: string; text: string } {
  const { notification } = input;
  const id = notification.appeal_id ?? notification.problem_id ?? 0;
  const parts = [
    translate(locale, 'notifications.mail.greeting', { name: input.name }),
    notificationText(locale, notification),
    translate(locale, 'notifications.mail.follow', { link: `${links.baseUrl}${notificationPath(notification)}` }),
  ];
  if (input.repliesByMail) parts.push(translate(locale, 'notifications.mail.replyByMail'));
  if (input.lastBeforeCap !== null) parts.push(translate(locale, 'notifications.mail.capReached', { count: input.lastBeforeCap }));
  parts.push(footer(locale, input.reason, links));
  return {
    subject: translate(locale, `notifications.mail.${notification.kind}.subject`, { ...paramsOf(locale, notification.data), id }),
    text: parts.join('\n\n'),
  };
}

export function digestMail(locale: Locale, input: { name: string; items: Renderable[] }, links: MailLinks): { subject: string; text: string } {
  const lines = input.items.map((item) => `• ${notificationText(locale, item)}\n  ${links.baseUrl}${notificationPath(item)}`);
  return {
    subject: translate(locale, 'notifications.digest.subject', { count: input.items.length }),
    text: [
      translate(locale, 'notifications.mail.greeting', { name: input.name }),
      translate(locale, 'notifications.digest.intro'),
      lines.join('\n\n'),
      `${links.baseUrl}/notifications`,
      footer(locale, 'digest', links),
    ].join('\n\n'),
  };
}
