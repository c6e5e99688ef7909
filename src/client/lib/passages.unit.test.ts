/** The discussion's passages found in the editor's document: across blocks, repeated, with odd whitespace, or gone. */
import { describe, expect, it } from 'vitest';
import { documentNode, markdownToDocument } from '../../modules/appeals/appeals.document.ts';
import { findPassages } from './passages.ts';

const doc = documentNode(
  markdownToDocument('Просим отремонтировать дорогу.\n\nЯмы   глубиной до **20 см**, дорогу заливает.\n\n- первый пункт\n- второй пункт'),
);
const textOf = (from: number, to: number) => doc.textBetween(from, to, ' ');

describe('passages of the discussion in the editor', () => {
  it('finds a passage inside a block, across marks, and each occurrence of a repeated one', () => {
    const ranges = findPassages(doc, [
      { id: 1, passage: 'глубиной до 20 см' },
      { id: 2, passage: 'дорогу' },
    ]);
    expect(ranges.filter((range) => range.id === 1).map((range) => textOf(range.from, range.to))).toEqual(['глубиной до 20 см']);
    expect(ranges.filter((range) => range.id === 2).map((range) => textOf(range.from, range.to))).toEqual(['дорогу', 'дорогу']);
  });

  it('takes runs of whitespace as one space, and a block boundary as a space', () => {
    const [inside] = findPassages(doc, [{ id: 1, passage: 'Ямы глубиной' }]);
    expect(textOf(inside?.from ?? 0, inside?.to ?? 0)).toBe('Ямы   глубиной');
    const [across] = findPassages(doc, [{ id: 2, passage: 'дорогу.\nЯмы' }]);
    expect(textOf(across?.from ?? 0, across?.to ?? 0)).toBe('дорогу. Ямы');
    const [list] = findPassages(doc, [{ id: 3, passage: 'первый пункт второй' }]);
    expect(textOf(list?.from ?? 0, list?.to ?? 0)).toBe('первый пункт второй');
  });

  it('compares composed and decomposed letters alike, and finds nothing for words edited away', () => {
    const decomposed = documentNode(markdownToDocument('Спокойный двор у дома 5, где играют дети.'.normalize('NFD')));
    const [range] = findPassages(decomposed, [{ id: 1, passage: 'двор у дома' }]);
    expect(decomposed.textBetween(range?.from ?? 0, range?.to ?? 0).normalize('NFC')).toBe('двор у дома');
    const composed = documentNode(markdownToDocument('Спокойный двор у дома 5, где играют дети.'));
    const [again] = findPassages(composed, [{ id: 1, passage: 'Спокойный двор'.normalize('NFD') }]);
    expect(composed.textBetween(again?.from ?? 0, again?.to ?? 0)).toBe('Спокойный двор');
    expect(
      findPassages(doc, [
        { id: 1, passage: 'асфальт' },
        { id: 2, passage: '   ' },
      ]),
    ).toEqual([]);
  });
});
