/**
 * Ratings' HTML routes: the league tables (filter by territory and kind, sort by each part, paginated), their
 * CSV download and Atom feed of changes, the page «Как считается рейтинг», and the rating section of an
 * organization's page (through the organizations ports).
 */

import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Organization, OrganizationKind } from '../../core/db/schema.ts';
import { pageNumber, query } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { formatDate, type MessageKey } from '../../core/i18n/i18n.ts';
import { csvCell } from '../../core/text/csv.ts';
import { atomXml } from '../../core/views/atom.ts';
import { renderForEveryone } from '../../core/views/for-everyone.tsx';
import type { PageSection } from '../../core/views/page-section.ts';
import type { OrganizationPorts } from '../organizations/organizations.ports.ts';
import { organizationKinds } from '../organizations/organizations.rules.ts';
import { listFederalSubjects } from '../territories/territories.service.ts';
import {
  type LeagueFilter,
  type LeagueSort,
  leagueSorts,
  leagueTable,
  organizationRating,
  ratingParameters,
  recentRatingChanges,
  withLeagueSnapshot,
} from './answers.ratings.ts';
import { FormulaPage, LeagueContent, LeaguePage, type LeagueQuery, leagueHref, RatingContent, RatingSection } from './answers.ratings.views.tsx';
import './answers.policy.ts';

export const leaguePerPage = 50;

/** The league table's query from the URL; anything unknown falls back to its default. */
export function leagueQueryOf(request: FastifyRequest): LeagueQuery {
  const territory = query(request, 'territory');
  const kind = query(request, 'kind');
  const sort = query(request, 'sort');
  return {
    territory: /^\d{8}(\d{3})?$/.test(territory) ? territory : '',
    kind: (organizationKinds as string[]).includes(kind) ? kind : '',
    sort: (leagueSorts as readonly string[]).includes(sort) ? (sort as LeagueSort) : 'quality',
    page: pageNumber(request),
  };
}

export function leagueFilterOf(state: LeagueQuery, limit: number): LeagueFilter {
  return {
    territoryOktmo: state.territory || undefined,
    kind: (state.kind || undefined) as OrganizationKind | undefined,
    sort: state.sort,
    limit,
    offset: (state.page - 1) * limit,
  };
}

/** The league table as CSV: every organization of the table at once (a few thousand rows at most). */
async function leagueCsv(ctx: AppContext, request: FastifyRequest, state: LeagueQuery): Promise<Buffer> {
  const league = await leagueTable(ctx, leagueFilterOf(state, 100_000));
  const t = request.t;
  const header = [
    t('ratings.position'),
    t('ratings.organization'),
    'slug',
    t('ratings.quality'),
    t('ratings.qualityRatings'),
    t('ratings.timeliness'),
    t('ratings.resolution'),
    t('ratings.sort.appeals'),
    t('ratings.ranked'),
  ];
  const round = (value: number | null, digits: number) => (value === null ? null : Number(value.toFixed(digits)));
  const lines = [header.map(csvCell).join(',')];
  for (const row of league.rows)
    lines.push(
      [
        row.position,
        row.name,
        row.slug,
        round(row.rating.quality.value, 3),
        row.rating.quality.n,
        round(row.rating.timeliness.value, 4),
        round(row.rating.resolution.value, 4),
        row.rating.closedAppeals,
        row.rating.ranked ? 1 : 0,
      ]
        .map(csvCell)
        .join(','),
    );
  // Encoded once: the bytes are what every download of this snapshot sends.
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** The rating section of an organization's page (organizations.ports.ts). */
export const ratingSection: OrganizationPorts['ratingSection'] = async (
  ctx: AppContext,
  request: FastifyRequest,
  organization: Organization,
): Promise<PageSection> => ({
  content: (
    <RatingSection
      html={
        await withLeagueSnapshot(ctx, `rating-section:${request.locale}:${organization.id}:${ctx.now().toISOString().slice(0, 10)}`, async () =>
          renderForEveryone(request.t, request.locale, <RatingContent view={await organizationRating(ctx, organization.id)} />),
        )
      }
    />
  ),
});

export function ratingPages(ctx: AppContext): AppModule {
  return {
    name: 'answers.ratings.pages',
    routes(app: App) {
      app.get('/ratings', { config: { policy: 'organization-rating.view' } }, async (request, reply) => {
        const state = leagueQueryOf(request);
        // Rendered once per league snapshot, language and table, not once per reader.
        const html = await withLeagueSnapshot(ctx, `page:${request.locale}:${leagueHref(state)}`, async () => {
          const [league, regions] = await Promise.all([leagueTable(ctx, leagueFilterOf(state, leaguePerPage)), listFederalSubjects(ctx)]);
          return renderForEveryone(
            request.t,
            request.locale,
            <LeagueContent
              rows={league.rows}
              total={league.total}
              ranked={league.ranked}
              query={state}
              perPage={leaguePerPage}
              territories={regions.map((region) => ({ value: region.oktmo, label: region.name }))}
            />,
          );
        });
        return reply.page(
          request.t('ratings.leagueTitle'),
          <LeaguePage
            html={html}
            headLinks={[{ rel: 'alternate', type: 'application/atom+xml', href: '/ratings.atom', title: request.t('ratings.atomTitle') }]}
          />,
        );
      });

      app.get('/ratings.csv', { config: { policy: 'organization-rating.view' } }, async (request, reply) => {
        const state = { ...leagueQueryOf(request), page: 1 };
        // Made once per league snapshot, language and table, not once per download.
        const csv = await withLeagueSnapshot(ctx, `csv:${request.locale}:${state.territory}|${state.kind}|${state.sort}`, () => leagueCsv(ctx, request, state));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="democrator-ratings.csv"')
          .header('cache-control', 'public, max-age=300')
          .send(csv);
      });

      app.get('/ratings.atom', { config: { policy: 'organization-rating.view' } }, async (request, reply) => {
        const changes = await recentRatingChanges(ctx, 50);
        const base = ctx.config.baseUrl;
        const xml = atomXml({
          id: `${base}/ratings`,
          title: request.t('ratings.atomTitle'),
          selfUrl: `${base}/ratings.atom`,
          alternateUrl: `${base}/ratings`,
          language: request.locale,
          updated: changes[0]?.at ?? ctx.now(),
          entries: changes.map((change) => ({
            id: `${base}/ratings/changes/${change.kind}/${change.appealId}`,
            url: `${base}/organizations/${change.slug}#rating`,
            title: request.t(`ratings.change.${change.kind}` as MessageKey, { organization: change.name, id: change.appealId }),
            published: change.at,
            updated: change.at,
            author: change.name,
            summary:
              request.t(`ratings.change.${change.kind}` as MessageKey, { organization: change.name, id: change.appealId }) +
              ` (${formatDate(request.locale, change.at, true)})`,
          })),
        });
        return reply.header('cache-control', 'public, max-age=300').type('application/atom+xml; charset=utf-8').send(xml);
      });

      app.get('/ratings/formula', { config: { policy: 'organization-rating.view' } }, async (request, reply) =>
        reply.page(request.t('ratings.formulaTitle'), <FormulaPage parameters={await ratingParameters(ctx)} />),
      );
    },
  };
}
