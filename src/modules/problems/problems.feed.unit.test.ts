import { beforeAll, describe, expect, it } from 'vitest';
import { XmlDocument } from 'xmldoc';
import { translator } from '../../core/i18n/i18n.ts';
import { registerModuleMessages } from '../../messages.ts';
import { problemFeedXml } from './problems.feed.ts';
import type { ProblemListItem } from './problems.service.ts';

beforeAll(() => registerModuleMessages());

const item: ProblemListItem = {
  id: 7,
  title: 'Яма на Лесной',
  status: 'open',
  created_at: new Date('2026-01-01T00:00:00Z'),
  updated_at: new Date('2026-01-03T00:00:00Z'),
  solved_at: null,
  category_id: 1,
  category_slug: 'roads',
  category_ru: 'Дороги',
  category_en: 'Roads',
  territory_id: 2,
  territory_name: 'Тверь',
  territory_oktmo: '28701000',
  latitude: null,
  longitude: null,
  address: 'ул. Лесная, 5',
  excerpt: 'Глубокая яма.',
  author_name: null,
  photos: 0,
  signatures: 0,
  recent_signatures: 0,
  latest_appeal_status: null,
  controlled_by: [],
};

describe('problemFeedXml', () => {
  const input = {
    baseUrl: 'http://example.test',
    queryString: '?q=x',
    search: 'яма',
    status: 'open',
    t: translator('ru'),
    now: new Date('2026-02-01T00:00:00Z'),
  };

  it('names the feed by its filters and maps each problem to an entry', () => {
    const feed = new XmlDocument(problemFeedXml({ ...input, locale: 'ru', items: [item] }));
    expect(feed.childNamed('title')?.val).toBe('Проблемы на Democrator: «яма», открыта');
    expect(feed.childNamed('updated')?.val).toBe('2026-01-03T00:00:00.000Z');
    const entry = feed.childNamed('entry')!;
    expect(entry.childNamed('id')?.val).toBe('http://example.test/problems/7');
    expect(entry.childNamed('category')?.attr).toEqual({ term: 'roads', label: 'Дороги' });
    expect(entry.childNamed('summary')?.val).toBe('Тверь, ул. Лесная, 5. Глубокая яма.');
    expect(entry.childNamed('author')?.childNamed('name')?.val).toBe(translator('ru')('comments.deletedUser'));
  });

  it('is dated now when empty, and takes the category label in the reader’s language', () => {
    expect(new XmlDocument(problemFeedXml({ ...input, locale: 'ru', items: [] })).childNamed('updated')?.val).toBe('2026-02-01T00:00:00.000Z');
    const english = new XmlDocument(problemFeedXml({ ...input, locale: 'en', t: translator('en'), items: [item] }));
    expect(english.childNamed('entry')?.childNamed('category')?.attr.label).toBe('Roads');
  });
});
