/**
 * The reply address of an appeal's letter. Every dispatched letter carries
 * `Reply-To: appeal-<id>-<signature>@<INBOUND_MAIL_DOMAIN>` (one address per appeal, as Alaveteli gives one
 * per request). The signature is an HMAC of the appeal id under the site's secret, so an address cannot be
 * guessed from another appeal's, and a forged or mistyped one matches nothing: the answers module keeps such
 * a message as unmatched, never attached to an appeal. No I/O.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const signatureLength = 16;

function signature(secret: string, appealId: number): string {
  return createHmac('sha256', secret).update(`appeal-reply:${appealId}`).digest('hex').slice(0, signatureLength);
}

/** The reply address of an appeal's letter. */
export function replyAddress(appealId: number, secret: string, domain: string): string {
  return `appeal-${appealId}-${signature(secret, appealId)}@${domain}`;
}

export type AddressMatch = { appealId: number } | { refused: 'bad_signature' | 'other_domain' | 'not_a_reply_address' };

/** Reads one recipient address: the appeal it belongs to, or why it belongs to none. Case does not matter (MTAs change it). */
export function readReplyAddress(address: string, secret: string, domain: string): AddressMatch {
  const at = address.lastIndexOf('@');
  if (at < 0) return { refused: 'not_a_reply_address' };
  const local = address.slice(0, at).toLowerCase();
  if (address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return { refused: 'other_domain' };
  // A plus tag (appeal-7-…+anything) is the MTA's business, not part of the address.
  const match = /^appeal-([1-9]\d{0,9})-([0-9a-f]{16})(?:\+.*)?$/.exec(local);
  if (!match) return { refused: 'not_a_reply_address' };
  const appealId = Number(match[1]);
  if (appealId > 2_147_483_647) return { refused: 'not_a_reply_address' };
  const expected = Buffer.from(signature(secret, appealId));
  const given = Buffer.from(match[2]!);
  return given.length === expected.length && timingSafeEqual(given, expected) ? { appealId } : { refused: 'bad_signature' };
}
