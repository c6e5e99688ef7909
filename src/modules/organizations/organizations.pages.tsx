/** Public organization pages, and the admin forms that create and edit organizations. */

import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { OrganizationKind } from '../../core/db/schema.ts';
import { DomainError, type FieldProblem, ValidationError } from '../../core/errors.ts';
import { type FormBody, form, idFromText, optionalId, pageNumber, query, text } from '../../core/http/forms.ts';
import { publicReads } from '../../core/http/replica-reads.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { can } from '../../core/policy.ts';
import type { TerritoryPorts } from '../territories/territories.ports.ts';
import { getTerritoryById, listMunicipalitiesWithRegion, listTerritories, territoryTimeZone } from '../territories/territories.service.ts';
import { redirectedSlug } from './organizations.merge.ts';
import './organizations.policy.ts';
import { type OrganizationInput, organizationKinds } from './organizations.rules.ts';
import * as organizations from './organizations.service.ts';
import {
  type JurisdictionRow,
  OrganizationForm,
  type OrganizationFormOptions,
  OrganizationsIndex,
  OrganizationView,
  TerritoryOrganizations,
  type ZoneNote,
} from './organizations.views.tsx';

const perPage = 20;

function list(body: FormBody, name: string): string[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string').slice(0, 500);
}

/** Jurisdiction rows as the form posts them: jurisdiction{N}Territory with jurisdiction{N}Categories. */
function jurisdictionRows(body: FormBody): JurisdictionRow[] {
  const rows: JurisdictionRow[] = [];
  for (let index = 0; index < 500 && `jurisdiction${index}Territory` in body; index++) {
    const territory = text(body, `jurisdiction${index}Territory`, 20).trim();
    if (territory) rows.push({ territory, categories: list(body, `jurisdiction${index}Categories`) });
  }
  return rows;
}

export function organizationInputFromForm(body: FormBody): { input: OrganizationInput; values: Record<string, string>; jurisdictions: JurisdictionRow[] } {
  const values = {
    name: text(body, 'name', 600),
    slug: text(body, 'slug', 100).trim(),
    kind: text(body, 'kind', 50),
    territoryId: text(body, 'territoryId', 20),
    parentId: text(body, 'parentId', 20),
    appealEmail: text(body, 'appealEmail', 300),
    postalAddress: text(body, 'postalAddress', 600),
    website: text(body, 'website', 600),
    appealThreshold: text(body, 'appealThreshold', 20).trim(),
    description: text(body, 'description', 6000),
    officialEmailDomains: text(body, 'officialEmailDomains', 6000),
  };
  const jurisdictions = jurisdictionRows(body);
  const threshold = values.appealThreshold === '' ? null : Number(values.appealThreshold);
  return {
    values,
    jurisdictions,
    input: {
      name: values.name,
      slug: values.slug,
      kind: values.kind,
      territoryId: optionalId(body, 'territoryId'),
      parentId: optionalId(body, 'parentId'),
      appealEmail: values.appealEmail,
      postalAddress: values.postalAddress,
      website: values.website,
      appealThreshold: threshold === null || Number.isNaN(threshold) ? (values.appealThreshold === '' ? null : -1) : threshold,
      description: values.description,
      officialEmailDomains: values.officialEmailDomains,
      // A territory or category that is not a positive PostgreSQL integer (1e10, 2147483648) becomes -1, which the service reports as unknown.
      jurisdictions: jurisdictions.map((row) => ({ territoryId: idFromText(row.territory), categoryIds: row.categories.map(idFromText) })),
    },
  };
}

/** The organizations section of the territory page (territories.ports.ts). */
export const organizationsOfTerritory: TerritoryPorts['organizationsSection'] = async (ctx, _request, territory) => {
  const { items, total } = await organizations.listOrganizations(ctx, { territoryOktmo: territory.oktmo, limit: 30, offset: 0 });
  return { content: <TerritoryOrganizations oktmo={territory.oktmo} items={items} total={total} /> };
};

export function organizationPages(ctx: AppContext): AppModule {
  async function formOptions(): Promise<OrganizationFormOptions> {
    const [regions, municipalities, orgs, categories] = await Promise.all([
      listTerritories(ctx, { level: 'federal_subject', limit: 500, offset: 0 }),
      listMunicipalitiesWithRegion(ctx),
      organizations.organizationOptions(ctx),
      organizations.listCategories(ctx),
    ]);
    return {
      territories: [
        ...regions.items.map((r) => ({ value: String(r.id), label: r.name })),
        ...municipalities.map((m) => ({ value: String(m.id), label: m.name, group: m.region })),
      ],
      organizations: orgs,
      categories,
    };
  }

  /** The zone an organization's terms are counted in: its territory's, set on the territory's form. */
  async function zoneNote(territoryId: number): Promise<ZoneNote | undefined> {
    const territory = await getTerritoryById(ctx, territoryId);
    return territory && { zone: await territoryTimeZone(ctx, territory.id), territoryName: territory.name, oktmo: territory.oktmo };
  }

  async function renderForm(
    reply: FastifyReply,
    options: {
      action: string;
      title: string;
      values: Record<string, string>;
      jurisdictions: JurisdictionRow[];
      errors: FieldProblem[];
      keepingThreshold?: { id: number; title: string; threshold: number }[];
      timeZone?: ZoneNote;
    },
  ) {
    return reply.page(
      options.title,
      <OrganizationForm
        action={options.action}
        title={options.title}
        values={options.values}
        jurisdictions={options.jurisdictions}
        errors={options.errors}
        options={await formOptions()}
        {...(options.keepingThreshold ? { keepingThreshold: options.keepingThreshold } : {})}
        {...(options.timeZone ? { timeZone: options.timeZone } : {})}
      />,
      { status: options.errors.length ? 422 : 200 },
    );
  }

  return {
    name: 'organizations.pages',
    // Every address under a merged organization's old slug — its pages, feeds, rating, cabinet and API — leads
    // to the same address under the survivor's, with the same query.
    async movedTo(request) {
      const match = /^\/(api\/v1\/organizations|organizations|cabinet)\/([^/?#.]+)(.*)$/.exec(request.url);
      if (!match) return null;
      const [, base, slug = '', rest] = match;
      const survivor = await redirectedSlug(ctx, decodeURIComponent(slug));
      return survivor ? `/${base}/${survivor}${rest}` : null;
    },
    routes(app: App) {
      app.get('/organizations', { config: { policy: 'organization.view' } }, async (request, reply) => {
        const page = pageNumber(request);
        const search = query(request, 'q').slice(0, 200);
        const kindParam = query(request, 'kind');
        const kind = (organizationKinds as string[]).includes(kindParam) ? (kindParam as OrganizationKind) : undefined;
        const territory = /^\d{8}(\d{3})?$/.test(query(request, 'territory')) ? query(request, 'territory') : '';
        const result = await organizations.listOrganizations(publicReads(ctx, request), {
          search: search || undefined,
          kind,
          territoryOktmo: territory || undefined,
          limit: perPage,
          offset: (page - 1) * perPage,
        });
        const hrefFor = (n: number) => {
          const params = new URLSearchParams();
          if (search) params.set('q', search);
          if (kind) params.set('kind', kind);
          if (territory) params.set('territory', territory);
          params.set('page', String(n));
          return `/organizations?${params}`;
        };
        return reply.page(
          request.t('organizations.title'),
          <OrganizationsIndex
            items={result.items}
            total={result.total}
            search={search}
            kind={kind ?? ''}
            territory={territory}
            page={page}
            pages={Math.max(1, Math.ceil(result.total / perPage))}
            hrefFor={hrefFor}
          />,
        );
      });

      app.get('/organizations/:slug', { config: { policy: 'organization.view' } }, async (request, reply) => {
        const slug = (request.params as { slug: string }).slug;
        // Its details kept between readers (a change made by this process shows at once); the edit form reads them afresh.
        const reads = publicReads(ctx, request);
        const details = await organizations.organizationForReaders(reads, slug).catch(async (error: unknown) => {
          // The address of an organization merged into another leads to the survivor, for good.
          const survivor = error instanceof DomainError && error.code === 'not_found' ? await redirectedSlug(ctx, slug) : null;
          if (survivor === null) throw error;
          return survivor;
        });
        if (typeof details === 'string') return reply.redirect(`/organizations/${details}`, 301);
        const [problems, rating] = await Promise.all([
          ctx.ports.organizations.problemsSection(reads, request, details.organization),
          ctx.ports.organizations.ratingSection(reads, request, details.organization),
        ]);
        return reply.page(
          details.organization.name,
          <OrganizationView
            details={details}
            canManage={can(request.actor, 'organization.manage')}
            problems={problems}
            rating={rating}
            headLinks={problems.headLinks ?? []}
          />,
        );
      });

      app.get('/admin/organizations/new', { config: { policy: 'organization.manage' } }, (request, reply) =>
        renderForm(reply, {
          action: '/admin/organizations/new',
          title: request.t('organization.new'),
          values: { appealThreshold: '50' },
          jurisdictions: [],
          errors: [],
        }),
      );

      app.post('/admin/organizations/new', { config: { policy: 'organization.manage' } }, async (request, reply) => {
        const parsed = organizationInputFromForm(form(request));
        try {
          const created = await organizations.createOrganization(ctx, request.actor?.id ?? null, parsed.input);
          return reply.flash('flash.organizationSaved').redirectAfterPost(`/organizations/${created.slug}`);
        } catch (error) {
          if (!(error instanceof DomainError) || !(error instanceof ValidationError || error.code === 'validation_failed')) throw error;
          return renderForm(reply, {
            action: '/admin/organizations/new',
            title: request.t('organization.new'),
            values: parsed.values,
            jurisdictions: parsed.jurisdictions,
            errors: error.fields,
          });
        }
      });

      app.get('/admin/organizations/:slug/edit', { config: { policy: 'organization.manage' } }, async (request, reply) => {
        const { slug } = request.params as { slug: string };
        const { organization: o, jurisdictions } = await organizations.getOrganization(ctx, slug);
        return renderForm(reply, {
          action: `/admin/organizations/${o.slug}/edit`,
          title: request.t('organization.edit', { name: o.name }),
          values: {
            name: o.name,
            slug: o.slug,
            kind: o.kind,
            territoryId: String(o.territory_id),
            parentId: o.parent_id ? String(o.parent_id) : '',
            appealEmail: o.appeal_email ?? '',
            postalAddress: o.postal_address ?? '',
            website: o.website ?? '',
            appealThreshold: String(o.appeal_threshold),
            officialEmailDomains: o.official_email_domains.join(', '),
            description: o.description ?? '',
          },
          jurisdictions: jurisdictions.map((j) => ({ territory: String(j.territory.id), categories: j.categories.map((c) => String(c.id)) })),
          errors: [],
          keepingThreshold: await ctx.ports.organizations.collectingAppealThresholds(ctx, o.id),
          timeZone: await zoneNote(o.territory_id),
        });
      });

      app.post('/admin/organizations/:slug/edit', { config: { policy: 'organization.manage' } }, async (request, reply) => {
        const { slug } = request.params as { slug: string };
        const parsed = organizationInputFromForm(form(request));
        try {
          const updated = await organizations.updateOrganization(ctx, request.actor?.id ?? 0, slug, parsed.input);
          return reply.flash('flash.organizationSaved').redirectAfterPost(`/organizations/${updated.slug}`);
        } catch (error) {
          if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
          return renderForm(reply, {
            action: `/admin/organizations/${slug}/edit`,
            title: request.t('organization.edit', { name: parsed.values.name }),
            values: parsed.values,
            jurisdictions: parsed.jurisdictions,
            errors: error.fields,
          });
        }
      });
    },
  };
}
