/**
 * Pure rules of an appeal's revisions: merging a save made from an older revision (the form without JavaScript)
 * and the word-level difference between two texts that the history shows.
 */
import { diffWords } from 'diff';
import { diff3Merge } from 'node-diff3';

export type MergeOutcome =
  | { kind: 'merged'; text: string }
  /** The two sides changed the same passage: the person resolves it; `regions` keeps both sides of each conflict. */
  | { kind: 'conflict'; regions: MergeRegion[] };

export type MergeRegion = { kind: 'same'; lines: string[] } | { kind: 'conflict'; mine: string[]; theirs: string[]; base: string[] };

function linesOf(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/**
 * A three-way merge by lines (a paragraph of the Markdown is one line): `mine` was written from `base` while the
 * draft became `theirs`. Changes to different paragraphs merge; the same change on both sides is no conflict; two
 * different changes of one passage are a conflict, never a silent choice of one side.
 */
export function mergeTexts(base: string, mine: string, theirs: string): MergeOutcome {
  if (mine === theirs || mine === base) return { kind: 'merged', text: theirs };
  if (theirs === base) return { kind: 'merged', text: mine };
  const regions = diff3Merge(linesOf(mine), linesOf(base), linesOf(theirs), { excludeFalseConflicts: true });
  const out: MergeRegion[] = regions.map((region) =>
    region.conflict
      ? { kind: 'conflict', mine: region.conflict.a, theirs: region.conflict.b, base: region.conflict.o }
      : { kind: 'same', lines: region.ok ?? [] },
  );
  if (out.some((region) => region.kind === 'conflict')) return { kind: 'conflict', regions: out };
  return { kind: 'merged', text: out.flatMap((region) => (region.kind === 'same' ? region.lines : [])).join('\n') };
}

export interface WordChange {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

// The `diff` package's own word tokenizer splits Cyrillic letter by letter; the Unicode word segmenter knows Russian.
const russianWords = new Intl.Segmenter('ru', { granularity: 'word' });

/** What changed from `before` to `after`, word by word (whole Russian words, spaces kept with their words). */
export function wordDiff(before: string, after: string): WordChange[] {
  return diffWords(before, after, { intlSegmenter: russianWords }).map((part) => ({
    kind: part.added ? 'added' : part.removed ? 'removed' : 'same',
    text: part.value,
  }));
}
