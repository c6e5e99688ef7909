/**
 * REST routes of the ratings under /api/v1: the league tables (the same filters and sorts as the page), one
 * organization's rating with its parts, counts and monthly series, and the formula's parameters.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { errorResponses, noAuth, OktmoPattern, SlugParams } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { organizationKinds } from '../organizations/organizations.rules.ts';
import { getOrganization } from '../organizations/organizations.service.ts';
import type { OrganizationRating, RatingParameters } from './answers.ratings.rules.ts';
import { leagueSorts, leagueTable, organizationRating, ratingParameters } from './answers.ratings.ts';

const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const IntervalSchema = Nullable(Type.Object({ low: Type.Number(), high: Type.Number() }, { description: '95 % Wilson interval' }));
const Part = (description: string) =>
  Type.Object({ value: Nullable(Type.Number()), interval: IntervalSchema, n: Type.Integer({ minimum: 0 }) }, { description });

const RatingSchema = Type.Object({
  quality: Part('Bayesian (IMDb-weighted) mean score, 1–5; n = ratings'),
  timeliness: Part('Share of answers given by the due date, 0–1; n = appeals answered or closed unanswered'),
  resolution: Part('Share closed as resolved or partly resolved, 0–1; n = closed appeals with a verdict'),
  closedAppeals: Type.Integer({ minimum: 0 }),
  ranked: Type.Boolean({ description: 'false: «недостаточно данных» (fewer closed appeals than the minimum)' }),
  medianAnswerDays: Nullable(Type.Integer()),
});

const ParametersSchema = Type.Object({
  priorRatings: Type.Integer({ description: 'm: ratings at the overall mean every organization starts with' }),
  overallMean: Type.Number({ description: 'C: the mean score over every organization' }),
  minimumClosed: Type.Integer({ description: 'Closed appeals needed for a place in the ranking' }),
});

const ratingJson = (rating: OrganizationRating) => ({
  quality: rating.quality,
  timeliness: rating.timeliness,
  resolution: rating.resolution,
  closedAppeals: rating.closedAppeals,
  ranked: rating.ranked,
  medianAnswerDays: rating.medianAnswerDays,
});
const parametersJson = (parameters: RatingParameters) => ({ ...parameters });

export function ratingApi(ctx: AppContext): AppModule {
  return {
    name: 'answers.ratings.api',
    routes(app: App) {
      app.get(
        '/api/v1/ratings',
        {
          config: { policy: 'organization-rating.view' },
          schema: {
            tags: ['ratings'],
            operationId: 'listRatings',
            summary: 'A league table of organizations: the ranked first by the chosen part, best first, then those without enough data',
            security: noAuth,
            querystring: Type.Object({
              territory: Type.Optional(Type.String({ pattern: OktmoPattern, description: 'OKTMO of a region or municipality (and what lies within it)' })),
              kind: Type.Optional(Type.Union(organizationKinds.map((kind) => Type.Literal(kind)))),
              sort: Type.Optional(
                Type.Union(
                  leagueSorts.map((sort) => Type.Literal(sort)),
                  { default: 'quality' },
                ),
              ),
              page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1 })),
              perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            }),
            response: {
              200: Type.Object({
                items: Type.Array(
                  Type.Object({
                    position: Nullable(Type.Integer()),
                    organization: Type.Object({ id: Type.Integer(), name: Type.String(), slug: Type.String() }),
                    rating: RatingSchema,
                  }),
                ),
                total: Type.Integer(),
                ranked: Type.Integer(),
                page: Type.Integer(),
                perPage: Type.Integer(),
                parameters: ParametersSchema,
              }),
              ...errorResponses(422),
            },
          },
        },
        async (request) => {
          const page = request.query.page ?? 1;
          const perPage = request.query.perPage ?? 50;
          const league = await leagueTable(ctx, {
            territoryOktmo: request.query.territory,
            kind: request.query.kind,
            sort: request.query.sort ?? 'quality',
            limit: perPage,
            offset: (page - 1) * perPage,
          });
          return {
            items: league.rows.map((row) => ({
              position: row.position,
              organization: { id: row.organizationId, name: row.name, slug: row.slug },
              rating: ratingJson(row.rating),
            })),
            total: league.total,
            ranked: league.ranked,
            page,
            perPage,
            parameters: parametersJson(league.parameters),
          };
        },
      );

      app.get(
        '/api/v1/organizations/:slug/rating',
        {
          config: { policy: 'organization-rating.view' },
          schema: {
            tags: ['ratings'],
            operationId: 'getOrganizationRating',
            summary: 'An organization’s rating: its parts, the counts behind them, and answers per month over the last 12 months',
            security: noAuth,
            params: SlugParams,
            response: {
              200: Type.Object({
                rating: RatingSchema,
                counts: Type.Record(Type.String(), Type.Union([Type.Integer(), Type.Array(Type.Integer())])),
                months: Type.Array(Type.Object({ month: Type.String(), onTime: Type.Integer(), late: Type.Integer(), unanswered: Type.Integer() })),
                parameters: ParametersSchema,
              }),
              ...errorResponses(404, 422),
            },
          },
        },
        async (request) => {
          const { organization } = await getOrganization(ctx, request.params.slug);
          const view = await organizationRating(ctx, organization.id);
          return { rating: ratingJson(view), counts: { ...view.counts }, months: view.months, parameters: parametersJson(view.parameters) };
        },
      );

      app.get(
        '/api/v1/ratings/formula',
        {
          config: { policy: 'organization-rating.view' },
          schema: {
            tags: ['ratings'],
            operationId: 'getRatingFormula',
            summary: 'The rating formula’s parameters now (the formula itself is on /ratings/formula)',
            security: noAuth,
            response: { 200: ParametersSchema, ...errorResponses(429) },
          },
        },
        async () => parametersJson(await ratingParameters(ctx)),
      );
    },
  };
}
