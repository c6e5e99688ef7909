import { describe, expect, it } from 'vitest';
import { XmlDocument } from 'xmldoc';
import { atomXml, escapeXml } from './atom.ts';

describe('atomXml', () => {
  it('escapes markup and drops characters XML cannot carry, so the feed always parses', () => {
    const hostile = 'Тег <script>alert("x")</script> & \'кавычки\' \u0001\u0008 \uD800 конец';
    const xml = atomXml({
      id: 'http://example.test/problems.atom?a=1&b=2',
      title: hostile,
      selfUrl: 'http://example.test/problems.atom?a=1&b=2',
      alternateUrl: 'http://example.test/problems?a=1&b=2',
      language: 'ru',
      updated: new Date('2026-01-02T03:04:05Z'),
      entries: [
        {
          id: 'http://example.test/problems/1',
          url: 'http://example.test/problems/1',
          title: hostile,
          published: new Date('2026-01-01T00:00:00Z'),
          updated: new Date('2026-01-02T00:00:00Z'),
          author: 'Иван П.',
          category: { term: 'roads', label: 'Дороги & мосты' },
          summary: hostile,
        },
      ],
    });
    const feed = new XmlDocument(xml);
    expect(feed.childNamed('title')?.val).toBe('Тег <script>alert("x")</script> & \'кавычки\'   конец');
    expect(feed.childNamed('updated')?.val).toBe('2026-01-02T03:04:05.000Z');
    expect(feed.childNamed('link')?.attr.href).toBe('http://example.test/problems.atom?a=1&b=2');
    expect(feed.childNamed('entry')?.childNamed('category')?.attr.label).toBe('Дороги & мосты');
    expect(xml).not.toContain('<script>');
    expect(escapeXml('😀')).toBe('😀');
  });
});
