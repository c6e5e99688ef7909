/** Problem listings: cards, the list with its filters, the map, and the problem blocks of other pages (home, territory, organization). */
import { formatDate, type MessageKey } from '../../core/i18n/i18n.ts';
import { Button, Field, SelectField } from '../../core/views/components.tsx';
import type { HeadLink } from '../../core/views/layout.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { AppealStatusTag } from '../../core/views/status-tags.tsx';
import { encodeCursor, excerpt, listedStatuses, problemSorts } from './problems.rules.ts';
import type { ProblemListItem, ProblemListing } from './problems.service.ts';
import { type ProblemOptions, StatusBadge } from './problems.shared.views.tsx';

function categoryName(item: { category_ru: string; category_en: string }, locale: string): string {
  return locale === 'en' ? item.category_en : item.category_ru;
}

export function ProblemCard({ problem, headingLevel = 3 }: { problem: ProblemListItem; headingLevel?: 2 | 3 }) {
  const { t, locale } = usePage();
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <li class="card problem-card">
      <p class="card-meta">
        <StatusBadge status={problem.status} /> <span class="muted">{categoryName(problem, locale)}</span>
      </p>
      {problem.latest_appeal_status && (
        <p class="card-meta appeal-state">
          <span class="muted">{t('problems.latestAppeal')}</span> <AppealStatusTag status={problem.latest_appeal_status} />
        </p>
      )}
      <Heading>
        <a href={`/problems/${problem.id}`}>{problem.title}</a>
      </Heading>
      {problem.controlled_by.length > 0 && (
        <p class="card-meta">
          <span class="badge badge-control">{t('problem.controlledBy')}</span> {problem.controlled_by.map((organization) => organization.name).join(', ')}
        </p>
      )}
      <p class="muted">
        {problem.territory_name}
        {problem.address && <> · {problem.address}</>}
      </p>
      <p class="excerpt">{excerpt(problem.excerpt, 160)}</p>
      <p class="card-footer muted">
        <time dateTime={problem.created_at.toISOString()}>{formatDate(locale, problem.created_at)}</time>
        {problem.signatures > 0 && <> · {t('problems.signatures', { count: problem.signatures })}</>}
        {problem.status === 'solved' && problem.solved_at && <> · {t('problems.solvedOn', { date: formatDate(locale, problem.solved_at) })}</>}
      </p>
    </li>
  );
}

export function ProblemList({ items, empty, headingLevel }: { items: ProblemListItem[]; empty?: string; headingLevel?: 2 | 3 }) {
  const { t } = usePage();
  if (items.length === 0) return <p class="muted">{empty ?? t('problems.none')}</p>;
  return (
    <ul class="card-list problem-list">
      {items.map((problem) => (
        <ProblemCard problem={problem} key={problem.id} {...(headingLevel ? { headingLevel } : {})} />
      ))}
    </ul>
  );
}

export interface ListingState {
  q: string;
  territory: string;
  category: string;
  organization: string;
  status: string;
  sort: string;
  /** An old `?page=N` link (served by offset); the links this site writes carry a cursor instead. */
  page: number;
  /** The cursor of a «next» (after) or «previous» (before) link, as sent. */
  after: string;
  before: string;
}

/** The overrides that take a listing back to its first page. */
export const firstPage = { page: 1, after: '', before: '' } as const;

export function listingQuery(state: ListingState, overrides: Partial<ListingState> = {}): string {
  const merged = { ...state, ...overrides };
  const params = new URLSearchParams();
  if (merged.q) params.set('q', merged.q);
  if (merged.territory) params.set('territory', merged.territory);
  if (merged.category) params.set('category', merged.category);
  if (merged.organization) params.set('organization', merged.organization);
  if (merged.status) params.set('status', merged.status);
  if (merged.sort && merged.sort !== 'new') params.set('sort', merged.sort);
  if (merged.page > 1) params.set('page', String(merged.page));
  if (merged.after) params.set('after', merged.after);
  if (merged.before) params.set('before', merged.before);
  const query = params.toString();
  return query ? `?${query}` : '';
}

function ProblemFilters({ state, options, action }: { state: ListingState; options: ProblemOptions; action: string }) {
  const { t } = usePage();
  return (
    <form method="get" action={action} class="filters problem-filters" aria-label={t('problems.filtersLabel')}>
      <Field name="q" type="search" label={t('problems.search')} value={state.q} maxLength={200} />
      <SelectField
        name="territory"
        label={t('problems.territory')}
        options={options.territoriesByOktmo}
        value={state.territory}
        emptyLabel={t('problems.anyTerritory')}
      />
      <SelectField
        name="category"
        label={t('problems.category')}
        options={options.categoriesBySlug}
        value={state.category}
        emptyLabel={t('problems.anyCategory')}
      />
      <SelectField
        name="organization"
        label={t('problems.organization')}
        options={options.organizations}
        value={state.organization}
        emptyLabel={t('problems.anyOrganization')}
      />
      <SelectField
        name="status"
        label={t('problems.status')}
        options={listedStatuses.map((status) => ({ value: status, label: t(`problemStatus.${status}` as MessageKey) }))}
        value={state.status}
        emptyLabel={t('problems.anyStatus')}
      />
      <SelectField
        name="sort"
        label={t('problems.sort')}
        options={problemSorts.filter((sort) => sort !== 'new').map((sort) => ({ value: sort, label: t(`problemSort.${sort}` as MessageKey) }))}
        value={state.sort === 'new' ? '' : state.sort}
        emptyLabel={t('problemSort.new')}
      />
      <Button variant="secondary">{t('problems.filter')}</Button>
    </form>
  );
}

function ListingLinks({ state, current }: { state: ListingState; current: 'list' | 'map' }) {
  const { t, actor } = usePage();
  const query = listingQuery(state, firstPage);
  return (
    <p class="actions listing-links">
      {(!actor || actor.emailVerified) && (
        <a class="button" href="/problems/new">
          {t('problems.publish')}
        </a>
      )}
      {current === 'list' ? (
        <a class="button button-secondary" href={`/problems/map${query}`}>
          {t('problems.showMap')}
        </a>
      ) : (
        <a class="button button-secondary" href={`/problems${query}`}>
          {t('problems.showList')}
        </a>
      )}
      <a class="feed-link" href={`/problems.atom${query}`} type="application/atom+xml">
        {t('problems.feed')}
      </a>
    </p>
  );
}

/** «Найдено 12 проблем», or past the count's cap «Найдено более 10 000 проблем». */
function foundText(t: ReturnType<typeof usePage>['t'], listing: ProblemListing, onMap: boolean): string {
  if (listing.totalCapped) return t(onMap ? 'problems.foundOnMapMore' : 'problems.foundMore', { count: listing.total });
  return t(onMap ? 'problems.foundOnMap' : 'problems.found', { count: listing.total });
}

/** «Назад» and «Дальше» as plain links that carry the cursor of the page's first or last problem: no JavaScript, no page numbers to count. */
function CursorPagination({ listing, href }: { listing: ProblemListing; href: (overrides: Partial<ListingState>) => string }) {
  const { t } = usePage();
  if (!listing.next && !listing.previous) return null;
  return (
    <nav aria-label={t('pagination.label')} class="pagination">
      {listing.previous && (
        <a href={href({ page: 1, after: '', before: encodeCursor(listing.previous) })} rel="prev">
          {t('pagination.previous')}
        </a>
      )}
      {listing.previous && (
        <a href={href(firstPage)} class="pagination-first">
          {t('pagination.first')}
        </a>
      )}
      {listing.next && (
        <a href={href({ page: 1, after: encodeCursor(listing.next), before: '' })} rel="next">
          {t('pagination.next')}
        </a>
      )}
    </nav>
  );
}

export function ProblemsIndex(props: { state: ListingState; options: ProblemOptions; listing: ProblemListing; headLinks?: HeadLink[] }) {
  const { t } = usePage();
  const { state, listing } = props;
  return (
    <section aria-labelledby="problems-title">
      <h1 id="problems-title">{t('problems.title')}</h1>
      <ListingLinks state={state} current="list" />
      <ProblemFilters state={state} options={props.options} action="/problems" />
      <p role="status" class="found">
        {foundText(t, listing, false)}
      </p>
      <ProblemList items={listing.items} headingLevel={2} />
      <CursorPagination listing={listing} href={(overrides) => `/problems${listingQuery(state, overrides)}`} />
    </section>
  );
}

export function ProblemsMap(props: { state: ListingState; options: ProblemOptions; listing: ProblemListing; tileUrl: string; headLinks?: HeadLink[] }) {
  const { t } = usePage();
  const { state, listing } = props;
  const markerQuery = listingQuery(state, firstPage);
  return (
    <section aria-labelledby="map-title">
      <h1 id="map-title">{t('problems.mapTitle')}</h1>
      <ListingLinks state={state} current="map" />
      <div
        class="map map-large"
        data-map="markers"
        data-markers={`/api/v1/problems/markers${markerQuery}`}
        data-tiles={props.tileUrl}
        data-attribution={t('map.attribution')}
        data-label={t('map.label')}
        hidden
      />
      {/* The map comes first; the filters fold away unless some are in use. */}
      <details class="filters-fold" open={Boolean(state.q || state.territory || state.category || state.organization || state.status)}>
        <summary>{t('problems.filtersLabel')}</summary>
        <ProblemFilters state={state} options={props.options} action="/problems/map" />
      </details>
      <p role="status" class="found">
        {foundText(t, listing, true)}
      </p>
      <ProblemList items={listing.items} headingLevel={2} empty={t('problems.noneOnMap')} />
      <CursorPagination listing={listing} href={(overrides) => `/problems/map${listingQuery(state, overrides)}`} />
    </section>
  );
}

/** The problems of a territory or an organization, on its page: the latest few and a link to all of them. */
interface RelatedProblemsProps {
  items: ProblemListItem[];
  total: number;
  title: string;
  empty: string;
  allHref: string;
  allLabel: string;
}

export function RelatedProblems(props: RelatedProblemsProps) {
  return (
    <section aria-labelledby="related-problems-title">
      <RelatedProblemsContent {...props} />
    </section>
  );
}

/** What RelatedProblems shows inside its section: the same for every visitor in a language (it reads only t and locale from the page). */
export function RelatedProblemsContent(props: RelatedProblemsProps) {
  return (
    <>
      <h2 id="related-problems-title">{props.title}</h2>
      <ProblemList items={props.items} empty={props.empty} />
      {props.total > props.items.length && (
        <p>
          <a href={props.allHref}>{props.allLabel}</a>
        </p>
      )}
    </>
  );
}

/** RelatedProblems with its content rendered once for everyone (core/views/for-everyone.tsx). */
export function RelatedProblemsSection({ html }: { html: string }) {
  return <section aria-labelledby="related-problems-title" dangerouslySetInnerHTML={{ __html: html }} />;
}

export function HomeProblems(props: { resonant: ProblemListItem[]; fresh: ProblemListItem[]; solved: ProblemListItem[] }) {
  const { t } = usePage();
  return (
    <>
      <section aria-labelledby="resonant-title">
        <h2 id="resonant-title">{t('home.resonant')}</h2>
        <ProblemList items={props.resonant} empty={t('home.resonantNone')} />
        <p>
          <a href="/problems?sort=resonant&status=open">{t('home.allResonant')}</a>
        </p>
      </section>
      <section aria-labelledby="new-title">
        <h2 id="new-title">{t('home.new')}</h2>
        <ProblemList items={props.fresh} empty={t('home.newNone')} />
        <p>
          <a href="/problems">{t('home.allProblems')}</a> · <a href="/problems/map">{t('problems.showMap')}</a>
        </p>
      </section>
      <section aria-labelledby="solved-title">
        <h2 id="solved-title">{t('home.solved')}</h2>
        <ProblemList items={props.solved} empty={t('home.solvedNone')} />
        {props.solved.length > 0 && (
          <p>
            <a href="/problems?status=solved&sort=solved">{t('home.allSolved')}</a>
          </p>
        )}
      </section>
    </>
  );
}
