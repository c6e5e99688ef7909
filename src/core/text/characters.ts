/**
 * Lengths as PostgreSQL counts them: `length(text)` counts characters (code points), while a JavaScript
 * string's `.length` counts UTF-16 units, so «🙂🇷🇺» is 3 to the database and 6 to `.length`. Every
 * length rule counts code points, as ajv's maxLength/minLength already do.
 */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** The first `max` characters, never splitting a surrogate pair. */
export function firstCharacters(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  let count = 0;
  for (const character of text) {
    if (count === max) break;
    end += character.length;
    count++;
  }
  return text.slice(0, end);
}
