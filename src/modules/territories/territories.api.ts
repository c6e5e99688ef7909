/** REST routes of territories: list, one by OKTMO, and the municipalities CSV import (admins). */

import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { Territory } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { bearer, errorResponses, noAuth, OktmoParams, PageQuery, paged, ref } from '../../core/http/api-schemas.ts';
import { publicReads } from '../../core/http/replica-reads.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import './territories.policy.ts';
import { importRefused } from './territories.rules.ts';
import { getTerritoryWithParent, importMunicipalities, listTerritories } from './territories.service.ts';

export const TerritorySchema = Type.Object(
  {
    id: Type.Integer(),
    level: Type.Union([Type.Literal('federal_subject'), Type.Literal('municipality')]),
    kind: Type.String(),
    name: Type.String(),
    nameEn: Type.Union([Type.String(), Type.Null()]),
    okato: Type.Union([Type.String(), Type.Null()]),
    oktmo: Type.String(),
    iso: Type.Union([Type.String(), Type.Null()], { description: 'ISO 3166-2 code; null where ISO lists none' }),
    federalDistrict: Type.Union([Type.String(), Type.Null()]),
    parentId: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: 'Territory' },
);

export function territoryJson(t: Territory) {
  return {
    id: t.id,
    level: t.level,
    kind: t.kind,
    name: t.name,
    nameEn: t.name_en,
    okato: t.okato,
    oktmo: t.oktmo,
    iso: t.iso_code,
    federalDistrict: t.federal_district,
    parentId: t.parent_id,
  };
}

export function territoryApi(ctx: AppContext): AppModule {
  return {
    name: 'territories.api',
    routes(app: App) {
      app.addSchema(TerritorySchema);

      app.get(
        '/api/v1/territories',
        {
          config: { policy: 'territory.view' },
          schema: {
            tags: ['territories'],
            operationId: 'listTerritories',
            security: noAuth,
            summary: 'Federal subjects and municipalities',
            querystring: Type.Intersect([
              PageQuery,
              Type.Object({
                level: Type.Optional(Type.Union([Type.Literal('federal_subject'), Type.Literal('municipality')])),
                parent: Type.Optional(Type.String({ pattern: '^[0-9]{8}$', description: 'OKTMO of the parent region' })),
                q: Type.Optional(Type.String({ maxLength: 200 })),
              }),
            ]),
            response: { 200: paged(ref(TerritorySchema)), ...errorResponses(404, 422) },
          },
        },
        async (request, reply) => {
          const { page = 1, perPage = 50, level, parent, q } = request.query;
          const result = await listTerritories(publicReads(ctx, request), {
            level,
            parentOktmo: parent,
            search: q,
            limit: perPage,
            offset: (page - 1) * perPage,
          });
          return reply.header('cache-control', 'public, max-age=300').send({ items: result.items.map(territoryJson), total: result.total, page, perPage });
        },
      );

      app.get(
        '/api/v1/territories/:oktmo',
        {
          config: { policy: 'territory.view' },
          schema: {
            tags: ['territories'],
            operationId: 'getTerritory',
            security: noAuth,
            summary: 'One territory by OKTMO, with its parent and children',
            params: OktmoParams,
            response: {
              200: Type.Object({
                territory: ref(TerritorySchema),
                parent: Type.Union([ref(TerritorySchema), Type.Null()]),
                children: Type.Array(ref(TerritorySchema)),
              }),
              ...errorResponses(404, 422),
            },
          },
        },
        async (request, reply) => {
          const { territory, parent, children } = await getTerritoryWithParent(publicReads(ctx, request), request.params.oktmo);
          return reply
            .header('cache-control', 'public, max-age=300')
            .send({ territory: territoryJson(territory), parent: parent ? territoryJson(parent) : null, children: children.map(territoryJson) });
        },
      );

      // CSV arrives as text/csv; Fastify has no parser for it by default.
      app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 }, (_request, body, done) => done(null, body));

      app.post(
        '/api/v1/territories/import',
        {
          config: { policy: 'territory.import' },
          bodyLimit: 5 * 1024 * 1024,
          schema: {
            tags: ['territories'],
            operationId: 'importMunicipalities',
            summary: 'Import a municipalities CSV (admins). All or nothing: any bad row writes nothing.',
            description: 'Columns: region_oktmo, oktmo, okato, name, kind (municipal_district | municipal_okrug | urban_okrug). Send as text/csv.',
            security: bearer,
            response: {
              200: Type.Object({ created: Type.Integer(), updated: Type.Integer() }),
              ...errorResponses(401, 403, 413, 422),
            },
          },
        },
        async (request) => {
          if (typeof request.body !== 'string') throw new DomainError('bad_request');
          const result = await importMunicipalities(ctx, request.body, { actorId: request.actor?.id ?? null, renamed: ctx.ports.territories.placesRenamed });
          if (result.problems.length > 0) throw importRefused(result.problems);
          return { created: result.created, updated: result.updated };
        },
      );
    },
  };
}
