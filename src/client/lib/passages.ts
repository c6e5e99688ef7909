/**
 * Where the discussion's passages are in the editor's document: each thread quotes words of the text (a text-quote
 * anchor, drafting.comments.ts), compared with runs of whitespace as one space, as the server compares them. The
 * document's text is read block by block, a block boundary counting as a space; every occurrence of a passage is
 * found, so a phrase that appears twice is marked twice. Pure: the editor island turns the ranges into decorations.
 */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';

export interface Passage {
  id: number;
  passage: string;
}

export interface PassageRange {
  id: number;
  from: number;
  to: number;
}

/** Decomposed (NFD) on both sides: decomposing never merges characters, so each one maps back to where it stood. */
function normalized(text: string): string {
  return text.replace(/\s+/g, ' ').trim().normalize('NFD');
}

/** The document's text with whitespace runs as one space, and for each of its characters the document position (-1: a block boundary). */
function flatText(doc: ProseMirrorNode): { text: string; positions: number[] } {
  let text = '';
  const positions: number[] = [];
  const space = (position: number) => {
    if (text.length > 0 && !text.endsWith(' ')) {
      text += ' ';
      positions.push(position);
    }
  };
  doc.descendants((node, position) => {
    if (node.isBlock && text.length > 0) space(-1);
    if (!node.isText || !node.text) return true;
    const content = node.text;
    for (let i = 0; i < content.length; i += 1) {
      const character = content[i] as string;
      if (/\s/.test(character)) space(position + i);
      else
        for (const part of character.normalize('NFD')) {
          text += part;
          positions.push(position + i);
        }
    }
    return false;
  });
  return { text, positions };
}

/** The ranges of every occurrence of each passage; a passage not in the text (edited away) has none. */
export function findPassages(doc: ProseMirrorNode, passages: readonly Passage[], limit = 2000): PassageRange[] {
  const { text, positions } = flatText(doc);
  const ranges: PassageRange[] = [];
  for (const { id, passage } of passages) {
    const needle = normalized(passage);
    if (!needle) continue;
    for (let at = text.indexOf(needle); at >= 0 && ranges.length < limit; at = text.indexOf(needle, at + needle.length)) {
      // The passage starts and ends on a character (normalized, it has no outer spaces), never on a block boundary.
      const from = positions[at] as number;
      const last = positions[at + needle.length - 1] as number;
      if (from >= 0 && last >= 0) ranges.push({ id, from, to: last + 1 });
    }
  }
  return ranges;
}
