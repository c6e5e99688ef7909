/**
 * Oversight: an organization's officials compare the bodies below it in the hierarchy by the citizens' ratings —
 * each one's quality, timeliness and resolution (the ratings module's figures), the appeals overdue now, the median
 * answer time and its last twelve months — worst first by the chosen part; the same as CSV.
 */
import type { AppContext } from '../../core/context.ts';
import type { Organization } from '../../core/db/schema.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { csvFile } from '../../core/text/csv.ts';
import { type OrganizationRatingSummary, ratingsOfOrganizations } from '../answers/answers.ratings.ts';
import { type Subordinate, subordinatesOf } from '../organizations/organizations.members.ts';
import { timeZoneOf } from '../territories/territories.service.ts';
import './cabinet.policy.ts';

export const oversightSorts = ['overdue', 'timeliness', 'quality', 'resolution', 'name'] as const;
export type OversightSort = (typeof oversightSorts)[number];

export function isOversightSort(value: unknown): value is OversightSort {
  return typeof value === 'string' && (oversightSorts as readonly string[]).includes(value);
}

export interface OversightRow extends OrganizationRatingSummary {
  organization: Subordinate;
}

export interface Oversight {
  rows: OversightRow[];
  /** Every subordinate's months summed: the trend of the whole hierarchy below. */
  months: OrganizationRatingSummary['months'];
  timeZone: string;
}

/** Worst first: the most overdue, the lowest share or score (no data last); by name within a tie. */
function compare(sort: OversightSort): (a: OversightRow, b: OversightRow) => number {
  const byName = (a: OversightRow, b: OversightRow) => a.organization.name.localeCompare(b.organization.name, 'ru') || a.organizationId - b.organizationId;
  if (sort === 'name') return byName;
  if (sort === 'overdue') return (a, b) => b.counts.overdue_open - a.counts.overdue_open || byName(a, b);
  return (a, b) => {
    const x = a.rating[sort].value;
    const y = b.rating[sort].value;
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
    return x - y || byName(a, b);
  };
}

export async function oversightOf(ctx: AppContext, asker: Actor | null, organization: Organization, sort: OversightSort): Promise<Oversight> {
  authorize(asker, 'cabinet.view', organization);
  const [below, timeZone] = await Promise.all([subordinatesOf(ctx, organization.id), timeZoneOf(ctx.db, organization.territory_id)]);
  const summaries = await ratingsOfOrganizations(
    ctx,
    below.map((entry) => entry.id),
    timeZone,
  );
  const byId = new Map(below.map((entry) => [entry.id, entry]));
  const rows = summaries.map((summary) => ({ ...summary, organization: byId.get(summary.organizationId) as Subordinate })).sort(compare(sort));
  const months = (summaries[0]?.months ?? []).map((month, index) => ({
    month: month.month,
    onTime: summaries.reduce((sum, summary) => sum + (summary.months[index]?.onTime ?? 0), 0),
    late: summaries.reduce((sum, summary) => sum + (summary.months[index]?.late ?? 0), 0),
    unanswered: summaries.reduce((sum, summary) => sum + (summary.months[index]?.unanswered ?? 0), 0),
  }));
  return { rows, months, timeZone };
}

/** The dashboard as CSV, in the reader's language: one row per subordinate, the figures as numbers. */
export function oversightCsv(
  t: (key: import('../../core/i18n/i18n.ts').MessageKey, params?: Record<string, string | number>) => string,
  oversight: Oversight,
): Buffer {
  const round = (value: number | null, digits: number) => (value === null ? null : Number(value.toFixed(digits)));
  const sum = (row: OversightRow, key: 'onTime' | 'late' | 'unanswered') => row.months.reduce((total, month) => total + month[key], 0);
  return csvFile([
    [
      t('ratings.organization'),
      'slug',
      t('cabinet.oversight.csvLevel'),
      t('ratings.quality'),
      t('ratings.qualityRatings'),
      t('ratings.timeliness'),
      t('ratings.resolution'),
      t('ratings.sort.appeals'),
      t('cabinet.oversight.overdue'),
      t('cabinet.oversight.csvMedian'),
      t('ratings.onTime'),
      t('ratings.late'),
      t('ratings.unansweredShort'),
    ],
    ...oversight.rows.map((row) => [
      row.organization.name,
      row.organization.slug,
      row.organization.depth,
      round(row.rating.quality.value, 3),
      row.rating.quality.n,
      round(row.rating.timeliness.value, 4),
      round(row.rating.resolution.value, 4),
      row.rating.closedAppeals,
      row.counts.overdue_open,
      row.rating.medianAnswerDays,
      sum(row, 'onTime'),
      sum(row, 'late'),
      sum(row, 'unanswered'),
    ]),
  ]);
}
