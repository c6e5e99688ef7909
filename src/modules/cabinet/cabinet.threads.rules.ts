/**
 * The rules of the cabinet's messages to citizens, without I/O: the length of a message, the per-person limits, the
 * signed reply addresses of a thread and of a message to all signers (as appeals.reply-address.ts signs an appeal's,
 * under another prefix and another HMAC context, so one kind of address never reads as the other), and what of an
 * e-mailed reply is the reply (the quoted letter and the signature below it are cut off).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { FieldChecks } from '../../core/errors.ts';
import { characterCount } from '../../core/text/characters.ts';

/** Characters a message may have (the comment Markdown subset, rendered sanitized). */
export const messageMaxLength = 5000;
/** Messages an official may write for one organization in an hour (threads and messages to all signers together). */
export const officialMessagesPerHour = 60;
/** Messages a citizen may write in an hour, in all their threads (on the site, by the API and by e-mail). */
export const citizenMessagesPerHour = 20;

/** The trimmed body, or the field's problem (required, too long). */
export function checkMessageBody(body: string, field = 'body'): string {
  const trimmed = body.replace(/\r\n?/g, '\n').trim();
  const checks = new FieldChecks();
  if (!trimmed) checks.add(field, 'required');
  else if (characterCount(trimmed) > messageMaxLength) checks.add(field, 'tooLong', { limit: messageMaxLength });
  checks.throwIfAny();
  return trimmed;
}

const signatureLength = 16;

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex').slice(0, signatureLength);
}

/** The address a citizen's mail client answers a thread's message to. */
export function threadReplyAddress(threadId: number, secret: string, domain: string): string {
  return `thread-${threadId}-${sign(secret, `message-thread-reply:${threadId}`)}@${domain}`;
}

/** The address one signer answers the organization's message to all signers to: it names the signer, who gets a thread of their own. */
export function broadcastReplyAddress(broadcastId: number, userId: number, secret: string, domain: string): string {
  return `notice-${broadcastId}-${userId}-${sign(secret, `message-broadcast-reply:${broadcastId}:${userId}`)}@${domain}`;
}

export type MessageAddress = { threadId: number } | { broadcastId: number; userId: number };
export type MessageAddressMatch = MessageAddress | { refused: 'bad_signature' | 'other_domain' | 'not_a_reply_address' };

const maxId = 2_147_483_647;

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Reads one recipient address: the thread (or message to all signers) it answers, or why it answers none. Case does not matter. */
export function readMessageAddress(address: string, secret: string, domain: string): MessageAddressMatch {
  const at = address.lastIndexOf('@');
  if (at < 0) return { refused: 'not_a_reply_address' };
  if (address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return { refused: 'other_domain' };
  const local = address.slice(0, at).toLowerCase();
  const thread = /^thread-([1-9]\d{0,9})-([0-9a-f]{16})(?:\+.*)?$/.exec(local);
  if (thread) {
    const threadId = Number(thread[1]);
    if (threadId > maxId) return { refused: 'not_a_reply_address' };
    return same(thread[2] ?? '', sign(secret, `message-thread-reply:${threadId}`)) ? { threadId } : { refused: 'bad_signature' };
  }
  const notice = /^notice-([1-9]\d{0,9})-([1-9]\d{0,9})-([0-9a-f]{16})(?:\+.*)?$/.exec(local);
  if (notice) {
    const broadcastId = Number(notice[1]);
    const userId = Number(notice[2]);
    if (broadcastId > maxId || userId > maxId) return { refused: 'not_a_reply_address' };
    return same(notice[3] ?? '', sign(secret, `message-broadcast-reply:${broadcastId}:${userId}`)) ? { broadcastId, userId } : { refused: 'bad_signature' };
  }
  return { refused: 'not_a_reply_address' };
}

/** The lines mail clients put above the letter they quote («On … wrote:», «… написал(а):», Outlook's header block). */
const attribution = [
  /^On .{3,200}wrote:\s*$/i,
  /^.{3,200}(написал|написала|написал\(а\)|пишет):\s*$/i,
  // Gmail in Russian and others: «пн, 7 дек. 2026 г. в 12:00, Имя <адрес@почты>:».
  /^.{0,200}<[^<>@\s]+@[^<>\s]+>:\s*$/,
  /^-{2,}\s*(Original Message|Исходное сообщение|Пересылаемое сообщение|Forwarded message)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^(From|От|Отправлено|Sent):\s.+$/i,
];

/**
 * What the citizen wrote in an e-mailed reply: the text above the quoted letter (the attribution line, the `>` lines
 * and everything after them) and above the signature separator («-- »). An answer written below the quote (bottom
 * posting) keeps its own lines and loses only the quoted ones.
 */
export function replyText(mailText: string): string {
  const lines = mailText.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (const [index, line] of lines.entries()) {
    if (line === '-- ' || line === '--') break;
    if (attribution.some((pattern) => pattern.test(line.trim()))) {
      // The attribution of a bottom-posted reply is followed by quoted lines and then the answer: keep reading below.
      const rest = lines.slice(index + 1);
      if (kept.join('').trim() === '' && rest.some((later) => later.trim() !== '' && !later.startsWith('>'))) continue;
      break;
    }
    if (line.startsWith('>')) continue;
    kept.push(line);
  }
  return kept.join('\n').trim();
}
