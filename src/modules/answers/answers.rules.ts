/**
 * Answers: how an incoming letter is read — an automatic reply, a registration notice, or a letter that
 * may be the answer (the reply address itself is the appeals module's: appeals.reply-address.ts). No I/O.
 */
/** The headers a letter is judged by, lower-cased names. */
export type LetterHeaders = ReadonlyMap<string, unknown>;

const headerText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'value' in value && typeof (value as { value: unknown }).value === 'string')
    return (value as { value: string }).value;
  return '';
};

/**
 * An automatic reply (RFC 3834 `Auto-Submitted`, and the older `X-Autoreply`, `X-Autorespond`,
 * `Precedence: auto_reply`/`bulk`/`junk`): an acknowledgement on the timeline, never an answer.
 */
export function isAutoReply(headers: LetterHeaders): boolean {
  const autoSubmitted = headerText(headers.get('auto-submitted')).trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (headers.has('x-autoreply') || headers.has('x-autorespond') || headers.has('x-auto-response-suppress')) return true;
  const precedence = headerText(headers.get('precedence')).trim().toLowerCase();
  return precedence === 'auto_reply' || precedence === 'bulk' || precedence === 'junk';
}

/**
 * A registration number in a notice («зарегистрировано за № 12-34/567», «регистрационный номер: ОГ-1234»,
 * «входящий № 01-15/2345 от 03.12.2026»): offered to the author to confirm, never set on its own.
 */
export function findRegistrationNumber(text: string): string | null {
  const match =
    /(?:регистрационн\p{L}*\s+(?:номер|№)|зарегистрирован\p{L}*[^.\n]{0,60}?(?:под|за)\s+(?:номером|№)|вх(?:одящ\p{L}*|\.)\s*(?:номер|№))\s*[:№]?\s*([\p{L}\p{N}][\p{L}\p{N}\-/.]{0,39})/iu.exec(
      text,
    );
  if (!match) return null;
  // A number ends where the sentence does: a trailing dot or hyphen is punctuation.
  const value = match[1]!.replace(/[-/.]+$/, '');
  return /\p{N}/u.test(value) ? value : null;
}

/** A registration notice: a letter that only says the appeal was registered (short, with a number). */
export function isRegistrationNotice(subject: string, text: string): boolean {
  if (!findRegistrationNumber(`${subject}\n${text}`)) return false;
  return text.length < 1500 && /зарегистрирован|регистрац/iu.test(`${subject}\n${text}`);
}

/** What a matched letter becomes: an acknowledgement (timeline only) or a letter pending the author's word. */
export function letterKind(input: { headers: LetterHeaders; subject: string; text: string }): 'acknowledgement' | 'letter' {
  return isAutoReply(input.headers) || isRegistrationNotice(input.subject, input.text) ? 'acknowledgement' : 'letter';
}
