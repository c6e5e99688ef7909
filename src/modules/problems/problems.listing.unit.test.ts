/** The listing's cursors (what a «next» link carries) and the wording of a total past the count's cap. */
import { beforeAll, describe, expect, it } from 'vitest';
import { translate } from '../../core/i18n/i18n.ts';
import { registerModuleMessages } from '../../messages.ts';
import { decodeCursor, encodeCursor, type ListingCursor, resonanceWindowStart } from './problems.rules.ts';

beforeAll(() => registerModuleMessages());

describe('listing cursors', () => {
  const cursors: ListingCursor[] = [
    { sort: 'new', createdMicros: 1_764_800_000_123_456, id: 42 },
    { sort: 'solved', solvedMicros: 1_764_800_000_000_001, id: 7 },
    { sort: 'solved', solvedMicros: null, id: 2_147_483_647 },
    { sort: 'resonant', recent: 0, signatures: 1_000_000, id: 1 },
  ];

  it.each(cursors)('reads back what it wrote: %o', (cursor) => {
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, cursor.sort)).toEqual(cursor);
  });

  it('refuses a cursor of another sort, so a link cannot start a list in the middle of another order', () => {
    const text = encodeCursor({ sort: 'new', createdMicros: 1_764_800_000_123_456, id: 42 });
    expect(decodeCursor(text, 'resonant')).toBeNull();
    expect(decodeCursor(text, 'solved')).toBeNull();
  });

  it.each([
    '',
    'garbage',
    '%%%',
    'bi4xMjM', // «n.123»: a key missing
    Buffer.from('n.1.2.3').toString('base64url'),
    Buffer.from('n.-1.2').toString('base64url'),
    Buffer.from('n.1.99999999999').toString('base64url'),
    Buffer.from('n.01.2').toString('base64url'), // not the spelling encodeCursor writes
    Buffer.from('n.99999999999999999.2').toString('base64url'),
    Buffer.from('r.1.2').toString('base64url'),
    Buffer.from('s.x.2').toString('base64url'),
    'x'.repeat(101),
  ])('refuses %j', (text) => {
    expect(decodeCursor(text, 'new')).toBeNull();
    expect(decodeCursor(text, 'resonant')).toBeNull();
  });
});

describe('the total past the count’s cap', () => {
  it.each([
    [10_000, 'Найдено более 10\u00a0000 проблем'],
    [21, 'Найдено более 21 проблемы'],
    [22, 'Найдено более 22 проблем'],
    [1001, 'Найдено более 1\u00a0001 проблемы'],
  ])('%i → %s', (count, expected) => {
    expect(translate('ru', 'problems.foundMore', { count })).toBe(expected);
  });

  it('reads the same on the map, on a territory’s page and in English', () => {
    expect(translate('ru', 'problems.foundOnMapMore', { count: 10_000 })).toBe('На карте более 10\u00a0000 проблем');
    expect(translate('ru', 'territory.problemsMore', { count: 10_000 })).toBe('Более 10\u00a0000 проблем');
    expect(translate('en', 'problems.foundMore', { count: 10_000 })).toBe('More than 10,000 problems found');
  });
});

describe('the resonance window', () => {
  it('starts on the UTC day 30 days back, whole days', () => {
    expect(resonanceWindowStart(new Date('2026-12-04T00:30:00Z'))).toBe('2026-11-04');
    expect(resonanceWindowStart(new Date('2026-12-04T23:59:00Z'))).toBe('2026-11-04');
  });
});
