import { describe, expect, it } from 'vitest';
import { mergeTexts, wordDiff } from './appeals.revisions.rules.ts';

const base = 'Первый абзац.\n\nВторой абзац.\n\nТретий абзац.';

describe('the Russian word diff', () => {
  it('marks whole words, not letters', () => {
    const changes = wordDiff('Прошу отремонтировать дорогу на улице Ленина.', 'Прошу срочно отремонтировать тротуар на улице Ленина.');
    expect(changes.filter((change) => change.kind !== 'same')).toEqual([
      { kind: 'added', text: 'срочно ' },
      { kind: 'removed', text: 'дорогу' },
      { kind: 'added', text: 'тротуар' },
    ]);
  });

  it('gives up on texts with too little in common and shows one removed, the other added', () => {
    const words = (stem: string) => Array.from({ length: 8000 }, (_, i) => `${stem}${i}`).join(' ');
    const changes = wordDiff(words('слово'), words('другое'));
    expect(changes.map((change) => change.kind)).toEqual(['removed', 'added']);
  });
});

describe('merging a save made from an older revision', () => {
  it('keeps both sides’ changes to different paragraphs', () => {
    expect(mergeTexts(base, base.replace('Первый', 'Мой первый'), base.replace('Третий', 'Их третий'))).toEqual({
      kind: 'merged',
      text: 'Мой первый абзац.\n\nВторой абзац.\n\nИх третий абзац.',
    });
  });

  it('calls two different changes of one paragraph a conflict, with both sides', () => {
    const outcome = mergeTexts(base, base.replace('Второй', 'Мой второй'), base.replace('Второй', 'Их второй'));
    expect(outcome.kind).toBe('conflict');
    if (outcome.kind !== 'conflict') return;
    expect(outcome.regions).toContainEqual({ kind: 'conflict', mine: ['Мой второй абзац.'], theirs: ['Их второй абзац.'], base: ['Второй абзац.'] });
  });

  it('takes the same change on both sides as no conflict, and a save that changed nothing as theirs', () => {
    const same = base.replace('Второй', 'Общий второй');
    expect(mergeTexts(base, same, same)).toEqual({ kind: 'merged', text: same });
    expect(mergeTexts(base, base, same)).toEqual({ kind: 'merged', text: same });
  });

  it('calls the whole text a conflict past its budget rather than comparing for seconds', () => {
    const many = (stem: string) => Array.from({ length: 1500 }, (_, i) => `${stem} ${i}.`).join('\n\n');
    const outcome = mergeTexts(many('а'), many('б'), many('в'));
    expect(outcome.kind).toBe('conflict');
    if (outcome.kind === 'conflict') expect(outcome.regions).toHaveLength(1);
  });
});
