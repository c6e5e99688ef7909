/** REST routes of organizations and categories. */

import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { Organization } from '../../core/db/schema.ts';
import { bearer, errorResponses, Id, noAuth, OktmoPattern, PageQuery, paged, ref, SlugParams } from '../../core/http/api-schemas.ts';
import { publicReads } from '../../core/http/replica-reads.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { redirectedSlug } from './organizations.merge.ts';
import './organizations.policy.ts';
import { DomainError } from '../../core/errors.ts';
import { authorize } from '../../core/policy.ts';
import { type OrganizationInput, organizationKinds } from './organizations.rules.ts';
import * as organizations from './organizations.service.ts';

const KindSchema = Type.Union(organizationKinds.map((k) => Type.Literal(k)));

const OrganizationSchema = Type.Object(
  {
    id: Type.Integer(),
    slug: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    parentId: Type.Union([Type.Integer(), Type.Null()]),
    territoryId: Type.Integer(),
    appealEmail: Type.Union([Type.String(), Type.Null()]),
    postalAddress: Type.Union([Type.String(), Type.Null()]),
    website: Type.Union([Type.String(), Type.Null()]),
    appealThreshold: Type.Integer(),
    description: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Organization' },
);

const OrganizationBody = Type.Object({
  name: Type.String({ maxLength: 500 }),
  slug: Type.Optional(Type.String({ maxLength: 80 })),
  kind: KindSchema,
  territoryId: Id,
  parentId: Type.Optional(Type.Union([Id, Type.Null()])),
  appealEmail: Type.Optional(Type.String({ maxLength: 254 })),
  postalAddress: Type.Optional(Type.String({ maxLength: 500 })),
  website: Type.Optional(Type.String({ maxLength: 500 })),
  appealThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  description: Type.Optional(Type.String({ maxLength: 5000 })),
  officialEmailDomains: Type.Optional(
    Type.Array(Type.String({ maxLength: 253 }), {
      maxItems: 50,
      description: 'The staff’s e-mail domains: a verified address on one joins the cabinet without an administrator (absent: unchanged)',
    }),
  ),
  jurisdictions: Type.Optional(
    Type.Array(Type.Object({ territoryId: Id, categoryIds: Type.Array(Id, { maxItems: 100 }) }), {
      maxItems: 500,
    }),
  ),
});

function organizationJson(o: Organization) {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    kind: o.kind,
    parentId: o.parent_id,
    territoryId: o.territory_id,
    appealEmail: o.appeal_email,
    postalAddress: o.postal_address,
    website: o.website,
    appealThreshold: o.appeal_threshold,
    description: o.description,
  };
}

function inputFrom(body: import('typebox').Static<typeof OrganizationBody>): OrganizationInput {
  return {
    name: body.name,
    slug: body.slug ?? '',
    kind: body.kind,
    territoryId: body.territoryId,
    parentId: body.parentId ?? null,
    appealEmail: body.appealEmail ?? '',
    postalAddress: body.postalAddress ?? '',
    website: body.website ?? '',
    appealThreshold: body.appealThreshold ?? null,
    description: body.description ?? '',
    jurisdictions: body.jurisdictions ?? [],
    ...(body.officialEmailDomains === undefined ? {} : { officialEmailDomains: body.officialEmailDomains.join(',') }),
  };
}

export function organizationApi(ctx: AppContext): AppModule {
  return {
    name: 'organizations.api',
    routes(app: App) {
      app.addSchema(OrganizationSchema);

      app.get(
        '/api/v1/categories',
        {
          config: { policy: 'category.view' },
          schema: {
            tags: ['organizations'],
            operationId: 'listCategories',
            security: noAuth,
            summary: 'Categories of problems',
            response: {
              200: Type.Array(Type.Object({ id: Type.Integer(), slug: Type.String(), nameRu: Type.String(), nameEn: Type.String() })),
              ...errorResponses(400),
            },
          },
        },
        async (_request, reply) => {
          const categories = await organizations.listCategories(ctx);
          return reply
            .header('cache-control', 'public, max-age=300')
            .send(categories.map((c) => ({ id: c.id, slug: c.slug, nameRu: c.name_ru, nameEn: c.name_en })));
        },
      );

      app.get(
        '/api/v1/organizations',
        {
          config: { policy: 'organization.view' },
          schema: {
            tags: ['organizations'],
            operationId: 'listOrganizations',
            security: noAuth,
            summary: 'Organizations, filtered by territory (OKTMO, including its municipalities), kind and name',
            querystring: Type.Intersect([
              PageQuery,
              Type.Object({
                territory: Type.Optional(Type.String({ pattern: OktmoPattern })),
                kind: Type.Optional(KindSchema),
                q: Type.Optional(Type.String({ maxLength: 200 })),
              }),
            ]),
            response: { 200: paged(ref(OrganizationSchema)), ...errorResponses(422) },
          },
        },
        async (request) => {
          const { page = 1, perPage = 50, territory, kind, q } = request.query;
          const result = await organizations.listOrganizations(publicReads(ctx, request), {
            territoryOktmo: territory,
            kind,
            search: q,
            limit: perPage,
            offset: (page - 1) * perPage,
          });
          return { items: result.items.map(organizationJson), total: result.total, page, perPage };
        },
      );

      app.get(
        '/api/v1/organizations/suggest',
        {
          config: { policy: 'organization.view' },
          schema: {
            tags: ['organizations'],
            operationId: 'suggestOrganizations',
            security: noAuth,
            summary: 'Organizations competent for a territory and category (by jurisdiction), closest first',
            querystring: Type.Object({ territoryId: Id, categoryId: Type.Optional(Id) }),
            response: { 200: Type.Array(ref(OrganizationSchema)), ...errorResponses(422) },
          },
        },
        async (request) => (await organizations.suggestAddressees(ctx, request.query.territoryId, request.query.categoryId ?? null)).map(organizationJson),
      );

      app.get(
        '/api/v1/organizations/:slug',
        {
          config: { policy: 'organization.view' },
          schema: {
            tags: ['organizations'],
            operationId: 'getOrganization',
            security: noAuth,
            summary: 'One organization with its parent, children and jurisdictions',
            params: SlugParams,
            response: {
              200: Type.Object({
                organization: ref(OrganizationSchema),
                parent: Type.Union([ref(OrganizationSchema), Type.Null()]),
                children: Type.Array(ref(OrganizationSchema)),
                jurisdictions: Type.Array(Type.Object({ territoryId: Type.Integer(), oktmo: Type.String(), categoryIds: Type.Array(Type.Integer()) })),
              }),
              301: Type.Null({ description: 'The organization was merged into another: Location is the survivor’s address' }),
              ...errorResponses(404),
            },
          },
        },
        async (request, reply) => {
          const d = await organizations.getOrganization(publicReads(ctx, request), request.params.slug).catch(async (error: unknown) => {
            const survivor = error instanceof DomainError && error.code === 'not_found' ? await redirectedSlug(ctx, request.params.slug) : null;
            if (survivor === null) throw error;
            return survivor;
          });
          if (typeof d === 'string') return reply.redirect(`/api/v1/organizations/${d}`, 301);
          return {
            organization: organizationJson(d.organization),
            parent: d.parent ? organizationJson(d.parent) : null,
            children: d.children.map(organizationJson),
            jurisdictions: d.jurisdictions.map((j) => ({ territoryId: j.territory.id, oktmo: j.territory.oktmo, categoryIds: j.categories.map((c) => c.id) })),
          };
        },
      );

      app.post(
        '/api/v1/organizations',
        {
          config: { policy: 'organization.manage' },
          schema: {
            tags: ['organizations'],
            operationId: 'createOrganization',
            summary: 'Create an organization (admins)',
            security: bearer,
            body: OrganizationBody,
            response: { 201: ref(OrganizationSchema), ...errorResponses(401, 403, 422) },
          },
        },
        async (request, reply) => {
          const created = await organizations.createOrganization(ctx, authorize(request.actor, 'organization.manage').id, inputFrom(request.body));
          return reply.code(201).send(organizationJson(created));
        },
      );

      app.put(
        '/api/v1/organizations/:slug',
        {
          config: { policy: 'organization.manage' },
          schema: {
            tags: ['organizations'],
            operationId: 'updateOrganization',
            summary: 'Replace an organization (admins)',
            security: bearer,
            params: SlugParams,
            body: OrganizationBody,
            response: { 200: ref(OrganizationSchema), ...errorResponses(401, 403, 404, 422) },
          },
        },
        async (request) => {
          const admin = authorize(request.actor, 'organization.manage');
          return organizationJson(await organizations.updateOrganization(ctx, admin.id, request.params.slug, inputFrom(request.body)));
        },
      );
    },
  };
}
