import { describe, expect, it } from 'vitest';
import { csvCell, csvValue } from './csv.ts';

describe('csvCell and csvValue', () => {
  it('makes a leading formula character inert, and reads it back as it was', () => {
    for (const value of ['=SUM(A1)', '+7 900', '- пункт', '@home', 'обычный текст', "'как есть"]) {
      const cell = csvCell(value);
      const unquoted = cell.slice(1, -1).replaceAll('""', '"');
      expect(csvValue(unquoted)).toBe(value);
    }
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
  });
});
