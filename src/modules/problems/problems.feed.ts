/** The problem listing as an Atom feed: which problems become entries and how; core/views/atom.ts writes the XML. */
import type { Locale, MessageKey, Translate } from '../../core/i18n/i18n.ts';
import { atomXml } from '../../core/views/atom.ts';
import { excerpt } from './problems.rules.ts';
import type { ProblemListItem } from './problems.service.ts';

export interface ProblemFeedInput {
  baseUrl: string;
  /** The listing's query string (`?q=…&status=…` or empty): the feed's id and both links carry it. */
  queryString: string;
  /** The search words and the status filter, empty when not filtered: they name the feed. */
  search: string;
  status: string;
  locale: Locale;
  t: Translate;
  items: ProblemListItem[];
  /** The feed's date when it has no entry. */
  now: Date;
}

export function problemFeedXml({ baseUrl: base, queryString, search, status, locale, t, items, now }: ProblemFeedInput): string {
  const updated = new Date(Math.max(0, ...items.map((item) => item.updated_at.getTime())));
  const labels = [search ? `«${search}»` : '', ...(status ? [t(`problemStatus.${status}` as MessageKey)] : [])].filter(Boolean);
  return atomXml({
    id: `${base}/problems.atom${queryString}`,
    title: labels.length ? `${t('problems.feedTitle')}: ${labels.join(', ')}` : t('problems.feedTitle'),
    subtitle: t('problems.feedSubtitle'),
    selfUrl: `${base}/problems.atom${queryString}`,
    alternateUrl: `${base}/problems${queryString}`,
    language: locale,
    updated: items.length ? updated : now,
    entries: items.map((item) => ({
      id: `${base}/problems/${item.id}`,
      url: `${base}/problems/${item.id}`,
      title: item.title,
      published: item.created_at,
      updated: item.updated_at,
      author: item.author_name ?? t('comments.deletedUser'),
      category: { term: item.category_slug, label: locale === 'en' ? item.category_en : item.category_ru },
      summary: `${item.territory_name}${item.address ? `, ${item.address}` : ''}. ${excerpt(item.excerpt, 600)}`,
    })),
  });
}
