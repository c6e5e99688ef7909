/**
 * Territory pages: the federal subjects by federal district, and each territory with its children.
 * Its problems and organizations are sections those modules render (territories.ports.ts).
 */

import type { AppContext } from '../../core/context.ts';
import type { Territory } from '../../core/db/schema.ts';
import { publicReads } from '../../core/http/replica-reads.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import type { MessageKey } from '../../core/i18n/i18n.ts';
import { refusal } from '../../core/policy.ts';
import { Breadcrumbs } from '../../core/views/components.tsx';
import type { HeadLink } from '../../core/views/layout.tsx';
import { usePage } from '../../core/views/page-context.ts';
import type { PageSection } from '../../core/views/page-section.ts';
import './territories.policy.ts';
import { federalDistricts, territoryName } from './territories.rules.ts';
import { getTerritoryWithParent, listFederalSubjects, type TerritorySummary, territoryTimeZone } from './territories.service.ts';

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
  problems: PageSection;
  organizations: PageSection;
  headLinks?: HeadLink[];
  /** The zone its terms are counted in: its own, or its subject's. */
  timeZone: string;
}) {
  const { t, locale, actor } = usePage();
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
      <p class="lead territory-kind">
        {t(`territoryKind.${territory.kind}` as MessageKey)}
        {territory.federal_district && <> · {t(`district.${territory.federal_district}` as MessageKey)}</>}
      </p>
      {props.problems.content}
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
      {props.organizations.content}
      {/* The codes matter to officials and API users, not to a resident looking for problems: they come last. */}
      <section aria-labelledby="codes-title" class="territory-codes">
        <h2 id="codes-title">{t('territory.codesTitle')}</h2>
        <dl class="facts">
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
          <div>
            <dt>{t('territory.timeZone')}</dt>
            <dd>
              <code>{props.timeZone}</code>
            </dd>
          </div>
        </dl>
        {refusal(actor, 'territory.edit') === null && (
          <p>
            <a href={`/admin/territories/${territory.oktmo}/edit`}>{t('territory.edit')}</a>
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
        const subjects = await listFederalSubjects(publicReads(ctx, request));
        return reply.page(request.t('territories.title'), <TerritoriesIndex subjects={subjects} />);
      });

      app.get('/territories/:oktmo', { config: { policy: 'territory.view' } }, async (request, reply) => {
        const { oktmo } = request.params as { oktmo: string };
        const reads = publicReads(ctx, request);
        const { territory, parent, children } = await getTerritoryWithParent(reads, oktmo);
        const { problemsSection, organizationsSection } = ctx.ports.territories;
        const [organizations, problems, timeZone] = await Promise.all([
          organizationsSection(reads, request, territory),
          problemsSection(reads, request, territory),
          territoryTimeZone(reads, territory.id),
        ]);
        return reply.page(
          territoryName(territory, request.locale),
          <TerritoryView
            territory={territory}
            parent={parent}
            children={children}
            problems={problems}
            organizations={organizations}
            headLinks={[...(problems.headLinks ?? []), ...(organizations.headLinks ?? [])]}
            timeZone={timeZone}
          />,
        );
      });
    },
  };
}
