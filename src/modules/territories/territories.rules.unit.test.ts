import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  federalDistricts,
  isRussianTimeZone,
  municipalityKinds,
  parseMunicipalities,
  parseSubjects,
  russianTimeZones,
  subjectKinds,
  territoryEditProblems,
  utcOffsetLabel,
} from './territories.rules.ts';

const data = (file: string) => readFileSync(path.join(import.meta.dirname, 'data', file), 'utf8');

describe('federal subjects data', () => {
  const subjects = parseSubjects(data('federal-subjects.csv'));

  it('lists all 89 subjects with unique codes', () => {
    expect(subjects).toHaveLength(89);
    expect(new Set(subjects.map((s) => s.oktmo)).size).toBe(89);
    expect(new Set(subjects.map((s) => s.okato)).size).toBe(89);
    const iso = subjects.map((s) => s.isoCode).filter(Boolean);
    expect(new Set(iso).size).toBe(iso.length);
  });

  it('knows well-known codes', () => {
    const byName = new Map(subjects.map((s) => [s.name, s]));
    expect(byName.get('Тверская область')).toMatchObject({ okato: '28', oktmo: '28000000', isoCode: 'RU-TVE', kind: 'oblast', federalDistrict: 'central' });
    expect(byName.get('Москва')).toMatchObject({ oktmo: '45000000', isoCode: 'RU-MOW', kind: 'federal_city' });
    expect(byName.get('Республика Крым')?.isoCode).toBeNull();
  });

  it('uses only known kinds and federal districts', () => {
    for (const s of subjects) {
      expect(subjectKinds).toContain(s.kind);
      expect(federalDistricts).toContain(s.federalDistrict as (typeof federalDistricts)[number]);
      expect(s.oktmo).toMatch(/^\d{8}$/);
    }
  });
});

describe('federal subjects time zones', () => {
  const subjects = parseSubjects(data('federal-subjects.csv'));
  const offsetHours = (timeZone: string) => {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(new Date('2026-07-01T00:00:00Z'))
      .find((p) => p.type === 'timeZoneName')?.value;
    return Number(/GMT([+-]\d{2})/.exec(name ?? '')?.[1]);
  };

  it("gives every subject a zone the runtime knows, spanning Russia's eleven offsets", () => {
    for (const s of subjects) expect(() => new Intl.DateTimeFormat('ru', { timeZone: s.timeZone }), s.name).not.toThrow();
    expect([...new Set(subjects.map((s) => offsetHours(s.timeZone)))].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('puts well-known subjects in their zones', () => {
    const expected: Record<string, number> = {
      'Калининградская область': 2,
      Москва: 3,
      'Тверская область': 3,
      'Самарская область': 4,
      'Свердловская область': 5,
      'Омская область': 6,
      'Новосибирская область': 7,
      'Иркутская область': 8,
      'Республика Саха (Якутия)': 9,
      'Приморский край': 10,
      'Магаданская область': 11,
      'Камчатский край': 12,
      'Чукотский автономный округ': 12,
    };
    const offsets = Object.fromEntries(subjects.filter((s) => s.name in expected).map((s) => [s.name, offsetHours(s.timeZone)]));
    expect(offsets).toEqual(expected);
  });
});

describe('municipalities CSV', () => {
  it('parses the demo files without problems', () => {
    for (const [file, prefix] of [
      ['municipalities-tver.csv', '28'],
      ['municipalities-yaroslavl.csv', '78'],
    ] as const) {
      const { rows, problems } = parseMunicipalities(data(file));
      expect(problems).toEqual([]);
      expect(rows.length).toBeGreaterThan(10);
      for (const row of rows) {
        expect(row.oktmo.startsWith(prefix)).toBe(true);
        expect(municipalityKinds).toContain(row.kind);
      }
    }
  });

  it('reports every bad row with its line and the column at fault', () => {
    const csv = [
      'region_oktmo,oktmo,okato,name,kind',
      '28000000,28701000,28401000000,город Тверь,urban_okrug',
      '28000000,7870100,,Нет кода,urban_okrug',
      '28000000,78701000,,Чужой регион,urban_okrug',
      '28000000,28701000,,Повтор,urban_okrug',
      '28000000,28544000,,,village',
    ].join('\n');
    const { rows, problems } = parseMunicipalities(csv);
    expect(rows.map((r) => r.oktmo)).toEqual(['28701000']);
    expect(problems).toEqual([
      { line: 3, field: 'oktmo', rule: 'oktmo' },
      { line: 4, field: 'oktmo', rule: 'oktmoRegion' },
      { line: 5, field: 'oktmo', rule: 'duplicate' },
      { line: 6, field: 'name', rule: 'required' },
      { line: 6, field: 'kind', rule: 'notAllowed' },
    ]);
  });

  it('names missing columns', () => {
    const { problems } = parseMunicipalities('oktmo,name\n28701000,Тверь\n');
    expect(problems).toEqual([{ line: 1, field: 'header', rule: 'csvColumns', params: { columns: 'region_oktmo, okato, kind' } }]);
  });

  it('accepts columns in any order and a byte-order mark', () => {
    const { rows, problems } = parseMunicipalities('\uFEFFname,kind,oktmo,okato,region_oktmo\n"город Тверь, столица",urban_okrug,28701000,,28000000\n');
    expect(problems).toEqual([]);
    expect(rows[0]).toMatchObject({ name: 'город Тверь, столица', oktmo: '28701000', okato: null });
  });
});

describe('a territory’s form', () => {
  const fine = { name: 'Оленинский муниципальный округ', nameEn: '', okato: '', timeZone: '' };

  it('knows every zone the federal subjects data uses, and Russia’s eleven offsets among them', () => {
    for (const subject of parseSubjects(data('federal-subjects.csv'))) expect(isRussianTimeZone(subject.timeZone)).toBe(true);
    const january = new Date('2026-01-15T12:00:00Z');
    const offsets = new Set(russianTimeZones.map((zone) => utcOffsetLabel(zone, january)));
    expect([...offsets].sort()).toEqual(['UTC+10', 'UTC+11', 'UTC+12', 'UTC+2', 'UTC+3', 'UTC+4', 'UTC+5', 'UTC+6', 'UTC+7', 'UTC+8', 'UTC+9']);
    expect(utcOffsetLabel('Europe/Kaliningrad', january)).toBe('UTC+2');
    expect(utcOffsetLabel('Asia/Kamchatka', january)).toBe('UTC+12');
    expect(isRussianTimeZone('Europe/Paris')).toBe(false);
  });

  it('asks for a name, an OKATO of 2 to 11 digits and a zone of Russia; a subject may not leave its zone empty', () => {
    expect(territoryEditProblems(fine, 'municipality')).toEqual([]);
    expect(territoryEditProblems({ ...fine, timeZone: 'Asia/Yakutsk', okato: '28244000000' }, 'municipality')).toEqual([]);
    expect(territoryEditProblems({ ...fine, name: '  ' }, 'municipality')).toEqual([{ field: 'name', rule: 'required' }]);
    expect(territoryEditProblems({ ...fine, name: '\u0007\u200b' }, 'municipality')).toEqual([{ field: 'name', rule: 'required' }]);
    expect(territoryEditProblems({ ...fine, name: 'я'.repeat(301) }, 'municipality')).toEqual([{ field: 'name', rule: 'tooLong', params: { limit: 300 } }]);
    expect(territoryEditProblems({ ...fine, okato: '1' }, 'municipality')).toEqual([{ field: 'okato', rule: 'okato' }]);
    expect(territoryEditProblems({ ...fine, timeZone: 'UTC' }, 'municipality')).toEqual([{ field: 'timeZone', rule: 'notAllowed' }]);
    expect(territoryEditProblems(fine, 'federal_subject')).toEqual([{ field: 'timeZone', rule: 'required' }]);
  });
});
