import { describe, expect, it } from 'vitest';
import { idFromText, safeReturnPath } from './forms.ts';

// What a browser makes of a Location header: the same WHATWG parser, against the page's origin.
const landsOn = (location: string) => new URL(location, 'http://democrator.test/account').origin;

describe('safeReturnPath', () => {
  it('keeps a path on this site with its query and fragment', () => {
    expect(safeReturnPath('/territories')).toBe('/territories');
    expect(safeReturnPath('/problems?q=a%20b&page=2#list')).toBe('/problems?q=a%20b&page=2#list');
    expect(safeReturnPath('/problems?q=a b')).toBe('/problems?q=a%20b');
  });

  it.each([
    '/\t/127.0.0.1:9999/x',
    '/\n/evil.example/',
    '/\r/evil.example/',
    '/\t\t/evil.example',
    '//evil.example/',
    '/\\evil.example/',
    '\\/evil.example/',
    '/.//evil.example/',
    '/./\t/evil.example/',
    'https://evil.example/',
    'javascript:alert(1)',
    ' /x',
    '',
    'territories',
  ])('falls back to / for %j', (value) => {
    const target = safeReturnPath(value);
    expect(target).toBe('/');
    expect(landsOn(target)).toBe('http://democrator.test');
  });

  it('answers non-Latin-1 and line breaks with a header-safe path', () => {
    expect(safeReturnPath('/problems?q=дорога')).toBe('/problems?q=%D0%B4%D0%BE%D1%80%D0%BE%D0%B3%D0%B0');
    expect(safeReturnPath('/проблемы')).toMatch(/^[\x21-\x7e]+$/);
    expect(safeReturnPath('/x\r\nSet-Cookie: a=b')).toBe('/');
    expect(safeReturnPath('/x\u2028y')).toMatch(/^[\x21-\x7e]+$/);
  });

  it('uses the fallback it is given', () => {
    expect(safeReturnPath('//evil.example', '/account')).toBe('/account');
  });
});

describe('idFromText', () => {
  it('reads a positive PostgreSQL integer written in digits', () => {
    expect(idFromText('1')).toBe(1);
    expect(idFromText('2147483647')).toBe(2_147_483_647);
  });

  it.each(['', '0', '-1', '2147483648', '99999999999', '1e10', '0x10', ' 7', '7 ', '1.0', '١', 'Infinity'])('names no record (-1) for %j', (value) => {
    expect(idFromText(value)).toBe(-1);
  });
});
