/** Territory pages: the federal subjects by federal district, and each territory with its children. */

import type { AppContext } from '../../core/context.ts';
import type { Territory } from '../../core/db/schema.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import type { MessageKey } from '../../core/i18n/i18n.ts';
import { Breadcrumbs } from '../../core/views/components.tsx';
import type { HeadLink } from '../../core/views/layout.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { listOrganizations, type OrganizationListItem } from '../organizations/organizations.service.ts';
import { OrganizationList } from '../organizations/organizations.views.tsx';
import { feedLink } from '../problems/problems.pages.tsx';
import { listProblems, type ProblemListItem } from '../problems/problems.service.ts';
import { RelatedProblems } from '../problems/problems.views.tsx';
import './territories.policy.ts';
import { federalDistricts } from './territories.rules.ts';
import { getTerritoryWithParent, listFederalSubjects, type TerritorySummary } from './territories.service.ts';

export function territoryName(territory: Pick<Territory, 'name' | 'name_en'>, locale: string): string {
  return locale === 'en' && territory.name_en ? territory.name_en : territory.name;
}

function TerritoriesIndex({ subjects }: { subjects: TerritorySummary[] }) {
  const { t, locale } = usePage();
  return (
    <section>
      <h1>{t('territories.title')}</h1>
      <p class="lead">{t('territories.lead', { count: subjects.length })}</p>
      <div class="columns">
        {federalDistricts.map((district) => {
          const members = subjects.filter((s) => s.federal_district === district);
          if (members.length === 0) return null;
          return (
            <section key={district} aria-labelledby={`fd-${district}`} class="card">
              <h2 id={`fd-${district}`}>{t(`district.${district}` as MessageKey)}</h2>
              <ul class="plain-list">
                {members.map((subject) => (
                  <li key={subject.id}>
                    <a href={`/territories/${subject.oktmo}`}>{territoryName(subject, locale)}</a>
                    {subject.children_count > 0 && <span class="muted"> · {t('territories.municipalities', { count: subject.children_count })}</span>}
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </section>
  );
}

function TerritoryView(props: {
  territory: Territory;
  parent: Territory | null;
  children: Territory[];
  organizations: OrganizationListItem[];
  organizationsTotal: number;
  problems: { items: ProblemListItem[]; total: number };
  headLinks?: HeadLink[];
}) {
  const { t, locale } = usePage();
  const { territory, parent, children } = props;
  return (
    <article>
      <Breadcrumbs
        items={[
          { href: '/territories', label: t('territories.title') },
          ...(parent ? [{ href: `/territories/${parent.oktmo}`, label: territoryName(parent, locale) }] : []),
          { label: territoryName(territory, locale) },
        ]}
      />
      <h1>{territoryName(territory, locale)}</h1>
      <dl class="facts">
        <div>
          <dt>{t('territory.kind')}</dt>
          <dd>{t(`territoryKind.${territory.kind}` as MessageKey)}</dd>
        </div>
        <div>
          <dt>{t('territory.oktmo')}</dt>
          <dd>
            <code>{territory.oktmo}</code>
          </dd>
        </div>
        {territory.okato && (
          <div>
            <dt>{t('territory.okato')}</dt>
            <dd>
              <code>{territory.okato}</code>
            </dd>
          </div>
        )}
        {territory.iso_code && (
          <div>
            <dt>{t('territory.iso')}</dt>
            <dd>
              <code>{territory.iso_code}</code>
            </dd>
          </div>
        )}
        {territory.federal_district && (
          <div>
            <dt>{t('territory.district')}</dt>
            <dd>{t(`district.${territory.federal_district}` as MessageKey)}</dd>
          </div>
        )}
      </dl>
      <RelatedProblems
        items={props.problems.items}
        total={props.problems.total}
        title={t('territory.problems', { count: props.problems.total })}
        allHref={`/problems?territory=${territory.oktmo}`}
        empty={t('territory.noProblems')}
        allLabel={t('territory.allProblems')}
      />
      {territory.level === 'federal_subject' && (
        <section aria-labelledby="children-title">
          <h2 id="children-title">{t('territory.children', { count: children.length })}</h2>
          {children.length === 0 ? (
            <p class="muted">{t('territory.noChildren')}</p>
          ) : (
            <ul class="grid-list">
              {children.map((child) => (
                <li key={child.id}>
                  <a href={`/territories/${child.oktmo}`}>{child.name}</a>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      <section aria-labelledby="organizations-title">
        <h2 id="organizations-title">{t('territory.organizations', { count: props.organizationsTotal })}</h2>
        <OrganizationList items={props.organizations} />
        {props.organizationsTotal > props.organizations.length && (
          <p>
            <a href={`/organizations?territory=${territory.oktmo}`}>{t('territory.allOrganizations')}</a>
          </p>
        )}
      </section>
    </article>
  );
}

export function territoryPages(ctx: AppContext): AppModule {
  return {
    name: 'territories.pages',
    routes(app: App) {
      app.get('/territories', { config: { policy: 'territory.view' } }, async (request, reply) => {
        const subjects = await listFederalSubjects(ctx);
        return reply.page(request.t('territories.title'), <TerritoriesIndex subjects={subjects} />);
      });

      app.get('/territories/:oktmo', { config: { policy: 'territory.view' } }, async (request, reply) => {
        const { oktmo } = request.params as { oktmo: string };
        const { territory, parent, children } = await getTerritoryWithParent(ctx, oktmo);
        const [organizations, problems] = await Promise.all([
          listOrganizations(ctx, { territoryOktmo: territory.oktmo, limit: 30, offset: 0 }),
          listProblems(ctx, { territoryOktmo: territory.oktmo, sort: 'new', limit: 6, offset: 0 }),
        ]);
        return reply.page(
          territoryName(territory, request.locale),
          <TerritoryView
            territory={territory}
            parent={parent}
            children={children}
            organizations={organizations.items}
            organizationsTotal={organizations.total}
            problems={problems}
            headLinks={[feedLink(request, { territory: territory.oktmo }, `${request.t('problems.feedTitle')}: ${territoryName(territory, request.locale)}`)]}
          />,
        );
      });
    },
  };
}
