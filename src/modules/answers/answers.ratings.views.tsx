/**
 * Organization ratings on the page: the rating section of an organization (its parts with their intervals,
 * its appeals by outcome, two server-side SVG charts each with its data table), the league table, and the
 * page «Как считается рейтинг». Everything reads without JavaScript; the charts are images with a text
 * alternative and a table beside them for screen readers.
 */
import type { MessageKey, Translate } from '../../core/i18n/i18n.ts';
import { Pagination } from '../../core/views/components.tsx';
import type { HeadLink } from '../../core/views/layout.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { organizationKinds } from '../organizations/organizations.rules.ts';
import type { OrganizationRating, RatingParameters, RatingPart } from './answers.ratings.rules.ts';
import { type LeagueRow, type LeagueSort, leagueSorts, type OrganizationRatingView } from './answers.ratings.ts';

/**
 * The formats of the ratings' numbers and months, made once per locale: building an Intl format costs about as
 * much as rendering a table row, and a league page formats hundreds of numbers (and the chart 24 month names).
 */
const formatsByLocale = new Map<
  string,
  { percent: Intl.NumberFormat; score: Intl.NumberFormat; number: Intl.NumberFormat; month: Intl.DateTimeFormat; shortMonth: Intl.DateTimeFormat }
>();

function formatsOf(locale: string) {
  let formats = formatsByLocale.get(locale);
  if (!formats) {
    formats = {
      percent: new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }),
      score: new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
      number: new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }),
      month: new Intl.DateTimeFormat(locale, { month: 'long', timeZone: 'UTC' }),
      shortMonth: new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' }),
    };
    formatsByLocale.set(locale, formats);
  }
  return formats;
}

function useFormats() {
  return formatsOf(usePage().locale);
}

export function PartValue({ part, kind, interval = true }: { part: RatingPart; kind: 'quality' | 'share'; interval?: boolean }) {
  const { t } = usePage();
  const { percent, score } = useFormats();
  if (part.value === null) return <span class="muted">{t('ratings.noData')}</span>;
  const format = (value: number) => (kind === 'quality' ? score.format(value) : percent.format(value));
  return (
    <>
      <strong>{format(part.value)}</strong>
      {interval && part.interval && (
        <span class="muted nowrap"> ({t('ratings.interval', { low: format(part.interval.low), high: format(part.interval.high) })})</span>
      )}
    </>
  );
}

/** «январь 2026» in a table (the month alone is the standalone form, not a date's genitive); «янв.» under a bar. */
export function monthLabel(locale: string, month: string, short = false): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  const formats = formatsOf(locale);
  const name = (short ? formats.shortMonth : formats.month).format(new Date(Date.UTC(year, number - 1, 15)));
  return short ? name : `${name} ${year}`;
}

/** Answers on time, late, and appeals closed unanswered per month: stacked bars, 12 months. */
export function MonthlyChart({ months }: { months: OrganizationRatingView['months'] }) {
  const { t, locale } = usePage();
  const width = 640;
  const height = 220;
  const left = 36;
  const bottom = 34;
  const top = 12;
  const max = Math.max(1, ...months.map((m) => m.onTime + m.late + m.unanswered));
  const step = (width - left) / months.length;
  const scale = (value: number) => (value / max) * (height - top - bottom);
  const colours = { onTime: '#1d7a3e', late: '#b7791f', unanswered: '#b42318' } as const;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="monthly-chart-title" class="chart-svg">
        <title id="monthly-chart-title">{t('ratings.monthlyChartAlt')}</title>
        <line x1={left} y1={height - bottom} x2={width} y2={height - bottom} stroke="#6b7280" />
        <text x={left - 6} y={top + 4} text-anchor="end" font-size="11" fill="#4b5563">
          {max}
        </text>
        <text x={left - 6} y={height - bottom} text-anchor="end" font-size="11" fill="#4b5563">
          0
        </text>
        {months.map((month, i) => {
          const x = left + i * step + step * 0.15;
          const barWidth = step * 0.7;
          let y = height - bottom;
          const parts = (['onTime', 'late', 'unanswered'] as const).map((key) => {
            const h = scale(month[key]);
            y -= h;
            return h > 0 ? <rect key={key} x={x} y={y} width={barWidth} height={h} fill={colours[key]} /> : null;
          });
          return (
            <g key={month.month}>
              {parts}
              <text x={x + barWidth / 2} y={height - bottom + 14} text-anchor="middle" font-size="10" fill="#374151">
                {monthLabel(locale, month.month, true)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul class="plain-list inline-list chart-legend">
          <li>
            <span class="swatch swatch-on-time" aria-hidden="true" /> {t('ratings.onTime')}
          </li>
          <li>
            <span class="swatch swatch-late" aria-hidden="true" /> {t('ratings.late')}
          </li>
          <li>
            <span class="swatch swatch-unanswered" aria-hidden="true" /> {t('ratings.unansweredShort')}
          </li>
        </ul>
      </figcaption>
    </figure>
  );
}

/** The scores of the closed appeals' ratings, 1 to 5: horizontal bars. */
function ScoreChart({ scoreCounts }: { scoreCounts: number[] }) {
  const { t } = usePage();
  const width = 400;
  const row = 26;
  const left = 54;
  const max = Math.max(1, ...scoreCounts);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${row * 5 + 8}`} role="img" aria-labelledby="score-chart-title" class="chart-svg chart-small">
        <title id="score-chart-title">{t('ratings.scoreChartAlt')}</title>
        {[5, 4, 3, 2, 1].map((score, i) => {
          const count = scoreCounts[score - 1] ?? 0;
          const barWidth = (count / max) * (width - left - 50);
          return (
            <g key={score}>
              <text x={left - 8} y={i * row + 20} text-anchor="end" font-size="12" fill="#374151">
                {t('review.scoreLabel', { score })}
              </text>
              <rect x={left} y={i * row + 6} width={Math.max(barWidth, count > 0 ? 2 : 0)} height={row - 10} fill="#1d4ed8" />
              <text x={left + barWidth + 6} y={i * row + 20} font-size="12" fill="#374151">
                {count}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

function PartsList({ rating }: { rating: OrganizationRating }) {
  const { t } = usePage();
  return (
    <dl class="facts rating-parts">
      <div>
        <dt>{t('ratings.quality')}</dt>
        <dd>
          <PartValue part={rating.quality} kind="quality" />
          <span class="hint"> {t('ratings.qualityN', { count: rating.quality.n })}</span>
        </dd>
      </div>
      <div>
        <dt>{t('ratings.timeliness')}</dt>
        <dd>
          <PartValue part={rating.timeliness} kind="share" />
          <span class="hint"> {t('ratings.appealsN', { count: rating.timeliness.n })}</span>
        </dd>
      </div>
      <div>
        <dt>{t('ratings.resolution')}</dt>
        <dd>
          <PartValue part={rating.resolution} kind="share" />
          <span class="hint"> {t('ratings.appealsN', { count: rating.resolution.n })}</span>
        </dd>
      </div>
    </dl>
  );
}

/** The rating section of an organization's page. */
/** The rating section of an organization's page around its content, rendered once for every visitor (RatingContent). */
/** The data of the monthly chart as a table beside it (for screen readers, and to read the figures). */
export function MonthlyTable({ months, labelledBy }: { months: OrganizationRatingView['months']; labelledBy: string }) {
  const { t, locale } = usePage();
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways on a phone must be reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable)
    <table class="table chart-table" aria-labelledby={labelledBy} tabIndex={0}>
      <thead>
        <tr>
          <th scope="col">{t('ratings.month')}</th>
          <th scope="col" class="numeric">
            {t('ratings.onTime')}
          </th>
          <th scope="col" class="numeric">
            {t('ratings.late')}
          </th>
          <th scope="col" class="numeric">
            {t('ratings.unansweredShort')}
          </th>
        </tr>
      </thead>
      <tbody>
        {months.map((month) => (
          <tr key={month.month}>
            <th scope="row">{monthLabel(locale, month.month)}</th>
            <td class="numeric">{month.onTime}</td>
            <td class="numeric">{month.late}</td>
            <td class="numeric">{month.unanswered}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RatingSection({ html }: { html: string }) {
  return <section aria-labelledby="rating-title" class="organization-rating" id="rating" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** What the rating section shows: the same for every visitor in a language (it reads only t and locale from the page). */
export function RatingContent({ view }: { view: OrganizationRatingView }) {
  const { t, locale } = usePage();
  const { counts } = view;
  // Answered and not closed yet: in the review window.
  const inReview = Math.max(0, counts.answered - counts.closed);
  return (
    <>
      <h2 id="rating-title">{t('ratings.sectionTitle')}</h2>
      {!view.ranked && <p class="notice">{t('ratings.notEnough', { count: view.parameters.minimumClosed, closed: view.closedAppeals })}</p>}
      <PartsList rating={view} />
      <p>
        <a href="/ratings/formula">{t('ratings.howLink')}</a>
      </p>
      <h3>{t('ratings.appealsTitle')}</h3>
      <table class="table rating-counts">
        <caption class="visually-hidden">{t('ratings.appealsTitle')}</caption>
        <tbody>
          {(
            [
              ['ratings.count.answered', counts.answered],
              ['ratings.count.onTime', counts.answered_on_time],
              ['ratings.count.inReview', inReview],
              ['ratings.count.resolved', counts.resolved],
              ['ratings.count.partly', counts.partly],
              ['ratings.count.unresolved', counts.unresolved],
              ['ratings.count.noVerdict', counts.no_verdict],
              ['ratings.count.unanswered', counts.unanswered],
              ['ratings.count.overdueNow', counts.overdue_open],
            ] as const
          ).map(([key, value]) => (
            <tr key={key}>
              <th scope="row">{t(key as MessageKey)}</th>
              <td class="numeric">{value}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">{t('ratings.medianAnswer')}</th>
            <td class="numeric">{view.medianAnswerDays === null ? '—' : t('ratings.days', { count: view.medianAnswerDays })}</td>
          </tr>
        </tbody>
      </table>
      <h3 id="monthly-title">{t('ratings.monthlyTitle')}</h3>
      <div class="chart-with-table">
        <MonthlyChart months={view.months} />
        <MonthlyTable months={view.months} labelledBy="monthly-title" />
      </div>
      <h3 id="scores-title">{t('ratings.scoresTitle')}</h3>
      <div class="chart-with-table">
        <ScoreChart scoreCounts={counts.score_counts} />
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways on a phone must be reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable) */}
        <table class="table chart-table" aria-labelledby="scores-title" tabIndex={0}>
          <thead>
            <tr>
              <th scope="col">{t('ratings.score')}</th>
              <th scope="col" class="numeric">
                {t('ratings.ratingsCount')}
              </th>
            </tr>
          </thead>
          <tbody>
            {[5, 4, 3, 2, 1].map((score) => (
              <tr key={score}>
                <th scope="row">{t('review.scoreLabel', { score })}</th>
                <td class="numeric">{counts.score_counts[score - 1] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export interface LeagueQuery {
  territory: string;
  kind: string;
  sort: LeagueSort;
  page: number;
}

export function leagueHref(query: Partial<LeagueQuery>, base = '/ratings'): string {
  const params = new URLSearchParams();
  if (query.territory) params.set('territory', query.territory);
  if (query.kind) params.set('kind', query.kind);
  if (query.sort && query.sort !== 'quality') params.set('sort', query.sort);
  if (query.page && query.page > 1) params.set('page', String(query.page));
  const text = params.toString();
  return text ? `${base}?${text}` : base;
}

/** A league table's page around its content, rendered once for every visitor (LeagueContent, renderForEveryone). */
export function LeaguePage({ html }: { html: string /** Read by the layout: the feed of the ratings' changes. */; headLinks?: HeadLink[] }) {
  return <section dangerouslySetInnerHTML={{ __html: html }} />;
}

/** What the league table's page shows: the same for every visitor in a language (it reads only t from the page). */
export function LeagueContent({
  rows,
  total,
  ranked,
  query,
  perPage,
  territories,
}: {
  rows: LeagueRow[];
  total: number;
  ranked: number;
  query: LeagueQuery;
  perPage: number;
  territories: { value: string; label: string }[];
}) {
  const { t } = usePage();
  const sortLabel = (sort: LeagueSort) => t(`ratings.sort.${sort}` as MessageKey);
  const columnLabel = (sort: LeagueSort) => t(`ratings.column.${sort}` as MessageKey);
  return (
    <>
      <h1>{t('ratings.leagueTitle')}</h1>
      <p class="lead">{t('ratings.leagueLead')}</p>
      <p>
        <a href="/ratings/formula">{t('ratings.howLink')}</a> · <a href={leagueHref({ ...query, page: 1 }, '/ratings.csv')}>{t('ratings.csv')}</a> ·{' '}
        <a href="/ratings.atom">{t('ratings.atom')}</a>
      </p>
      <form method="get" action="/ratings" class="filters">
        <div class="field">
          <label for="league-territory">{t('ratings.territory')}</label>
          <select id="league-territory" name="territory">
            <option value="">{t('ratings.allTerritories')}</option>
            {territories.map((territory) => (
              <option key={territory.value} value={territory.value} selected={territory.value === query.territory}>
                {territory.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="league-kind">{t('ratings.kind')}</label>
          <select id="league-kind" name="kind">
            <option value="">{t('ratings.allKinds')}</option>
            {organizationKinds.map((kind) => (
              <option key={kind} value={kind} selected={kind === query.kind}>
                {t(`organizationKind.${kind}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="league-sort">{t('ratings.sortBy')}</label>
          <select id="league-sort" name="sort">
            {leagueSorts.map((sort) => (
              <option key={sort} value={sort} selected={sort === query.sort}>
                {sortLabel(sort)}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-submit">
          <button type="submit" class="button">
            {t('ratings.show')}
          </button>
        </div>
      </form>
      <p>{t('ratings.leagueCount', { count: total, ranked })}</p>
      {rows.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways on a phone must be reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable)
        <section class="table-scroll" tabIndex={0} aria-label={t('ratings.leagueTitle')}>
          <table class="table league-table">
            <caption class="visually-hidden">{t('ratings.leagueCaption', { sort: sortLabel(query.sort) })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('ratings.position')}</th>
                <th scope="col">{t('ratings.organization')}</th>
                {leagueSorts.map((sort) => (
                  <th scope="col" key={sort} aria-sort={sort === query.sort ? 'descending' : undefined}>
                    {sort === query.sort ? (
                      columnLabel(sort)
                    ) : (
                      <a href={leagueHref({ ...query, sort, page: 1 })} title={t('ratings.sortTitle', { sort: sortLabel(sort) })}>
                        {columnLabel(sort)}
                      </a>
                    )}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.organizationId}>
                  <td>{row.position ?? '—'}</td>
                  <th scope="row">
                    <a href={`/organizations/${row.slug}#rating`}>{row.name}</a>
                    {!row.rating.ranked && <span class="hint"> · {t('ratings.notEnoughShort')}</span>}
                  </th>
                  <td>
                    <PartValue part={row.rating.quality} kind="quality" interval={false} />
                  </td>
                  <td>
                    <PartValue part={row.rating.timeliness} kind="share" interval={false} />
                  </td>
                  <td>
                    <PartValue part={row.rating.resolution} kind="share" interval={false} />
                  </td>
                  <td class="numeric">{row.rating.closedAppeals}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <Pagination page={query.page} pageSize={perPage} total={total} href={(n) => leagueHref({ ...query, page: n })} />
    </>
  );
}

export function FormulaPage({ parameters }: { parameters: RatingParameters }) {
  const { t, locale } = usePage();
  const { number } = formatsOf(locale);
  return (
    <article class="prose">
      <h1>{t('ratings.formulaTitle')}</h1>
      <p class="lead">{t('ratings.formulaLead')}</p>
      <h2>{t('ratings.quality')}</h2>
      <p>{t('ratings.formulaQuality')}</p>
      <p class="formula">
        <code>W = v / (v + m) · R + m / (v + m) · C</code>
      </p>
      <ul>
        <li>{t('ratings.formulaV')}</li>
        <li>{t('ratings.formulaR')}</li>
        <li>{t('ratings.formulaM', { m: parameters.priorRatings })}</li>
        <li>{t('ratings.formulaC', { c: number.format(parameters.overallMean) })}</li>
      </ul>
      <h2>{t('ratings.timeliness')}</h2>
      <p>{t('ratings.formulaTimeliness')}</p>
      <h2>{t('ratings.resolution')}</h2>
      <p>{t('ratings.formulaResolution')}</p>
      <h2>{t('ratings.formulaIntervalTitle')}</h2>
      <p>{t('ratings.formulaInterval')}</p>
      <p class="formula">
        <code>(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), z = 1,96</code>
      </p>
      <h2>{t('ratings.formulaRankingTitle')}</h2>
      <p>{t('ratings.formulaRanking', { count: parameters.minimumClosed })}</p>
      <p>{t('ratings.formulaUpdates')}</p>
    </article>
  );
}

/** A one-line summary of a rating for the CSV and the feed: «качество 4,12; в срок 80 %; решено 60 %». */
export function ratingSummary(t: Translate, locale: string, rating: OrganizationRating): string {
  const { percent, score } = formatsOf(locale);
  const value = (part: RatingPart, format: (n: number) => string) => (part.value === null ? '—' : format(part.value));
  return t('ratings.summary', {
    quality: value(rating.quality, (n) => score.format(n)),
    timeliness: value(rating.timeliness, (n) => percent.format(n)),
    resolution: value(rating.resolution, (n) => percent.format(n)),
  });
}
