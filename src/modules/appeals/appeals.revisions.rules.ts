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

/** `lines` are blocks of the Markdown (paragraphs, headings, lists), in order. */
export type MergeRegion = { kind: 'same'; lines: string[] } | { kind: 'conflict'; mine: string[]; theirs: string[]; base: string[] };

/** The blocks of a Markdown text: what an empty line separates (a paragraph, a heading, a whole list). */
function blocksOf(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((block) => block.replace(/\s+$/, ''))
    .filter((block) => block !== '');
}

/** Past this many block comparisons the merge gives up and calls the whole text a conflict (it grows as their product). */
const mergeBudget = 2_000_000;

/**
 * A three-way merge by blocks (paragraphs, headings, lists): `mine` was written from `base` while the draft became
 * `theirs`. Changes to different blocks merge; the same change on both sides is no conflict; two different changes
 * of one block are a conflict, never a silent choice of one side.
 */
export function mergeTexts(base: string, mine: string, theirs: string): MergeOutcome {
  if (mine === theirs || mine === base) return { kind: 'merged', text: theirs };
  if (theirs === base) return { kind: 'merged', text: mine };
  const [o, a, b] = [blocksOf(base), blocksOf(mine), blocksOf(theirs)];
  if (o.length * (a.length + b.length) > mergeBudget) return { kind: 'conflict', regions: [{ kind: 'conflict', mine: a, theirs: b, base: o }] };
  const regions = diff3Merge(a, o, b, { excludeFalseConflicts: true });
  const out: MergeRegion[] = regions.map((region) =>
    region.conflict
      ? { kind: 'conflict', mine: region.conflict.a, theirs: region.conflict.b, base: region.conflict.o }
      : { kind: 'same', lines: region.ok ?? [] },
  );
  if (out.some((region) => region.kind === 'conflict')) return { kind: 'conflict', regions: out };
  return { kind: 'merged', text: out.flatMap((region) => (region.kind === 'same' ? region.lines : [])).join('\n\n') };
}

export interface WordChange {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

// The `diff` package's own word tokenizer splits Cyrillic letter by letter; the Unicode word segmenter knows Russian.
const russianWords = new Intl.Segmenter('ru', { granularity: 'word' });

/** The most edits a comparison looks for, and for how long, before it shows the whole text as replaced. */
const diffLimits = { maxEditLength: 5_000, timeout: 500 } as const;

/** What changed from `before` to `after`, word by word (whole Russian words, spaces kept with their words). */
export function wordDiff(before: string, after: string): WordChange[] {
  const parts = diffWords(before, after, { intlSegmenter: russianWords, ...diffLimits });
  // Beyond the limits the two texts have too little in common to show word by word: one removed, the other added.
  if (!parts) return [...(before ? [{ kind: 'removed' as const, text: before }] : []), ...(after ? [{ kind: 'added' as const, text: after }] : [])];
  return parts.map((part) => ({
    kind: part.added ? 'added' : part.removed ? 'removed' : 'same',
    text: part.value,
  }));
}
