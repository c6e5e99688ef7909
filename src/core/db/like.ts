/** `%` and `_` are wildcards in LIKE, `\\` its escape: a search for them means the characters themselves. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
