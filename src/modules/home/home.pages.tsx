/** The home page and the health check. */

import type { AppContext } from '../../core/context.ts';
import type { Category } from '../../core/db/schema.ts';
import { publicReads } from '../../core/http/replica-reads.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import type { HeadLink } from '../../core/views/layout.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { countUsers } from '../accounts/accounts.service.ts';
import { countOrganizations, listCategories } from '../organizations/organizations.service.ts';
import { HomeProblems } from '../problems/problems.list.views.tsx';
import { feedLink } from '../problems/problems.pages.tsx';
import { listProblemsTogether, type ProblemListItem } from '../problems/problems.service.ts';
import { territoryName } from '../territories/territories.rules.ts';
import { listFederalSubjects, type TerritorySummary } from '../territories/territories.service.ts';
import { checkDatabase } from './home.service.ts';

function Home({
  regions,
  categories,
  counts,
  problems,
}: {
  regions: TerritorySummary[];
  categories: Category[];
  counts: { organizations: number; users: number };
  problems: { resonant: ProblemListItem[]; fresh: ProblemListItem[]; solved: ProblemListItem[] };
  headLinks?: HeadLink[];
}) {
  const { t, locale, actor } = usePage();
  const steps = [t('home.step1'), t('home.step2'), t('home.step3'), t('home.step4')];
  return (
    <>
      <section class="hero" aria-labelledby="hero-title">
        <h1 id="hero-title">{t('home.title')}</h1>
        <p class="lead">{t('home.lead')}</p>
        <p class="actions">
          <a class="button" href="/problems/new">
            {t('home.publish')}
          </a>
          {!actor && (
            <a class="button button-secondary" href="/register">
              {t('home.join')}
            </a>
          )}
          <a class="button button-secondary" href="/problems">
            {t('home.browseProblems')}
          </a>
        </p>
      </section>
      <HomeProblems resonant={problems.resonant} fresh={problems.fresh} solved={problems.solved} />
      <section aria-labelledby="how-title">
        <h2 id="how-title">{t('home.how')}</h2>
        <ol class="steps">
          {steps.map((step, i) => (
            <li key={i}>{step}</li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="regions-title">
        <h2 id="regions-title">{t('home.regions')}</h2>
        <ul class="card-list">
          {regions.map((region) => (
            <li key={region.id} class="card">
              <h3>
                <a href={`/territories/${region.oktmo}`}>{territoryName(region, locale)}</a>
              </h3>
              <p class="muted">{t('territories.municipalities', { count: region.children_count })}</p>
            </li>
          ))}
        </ul>
        <p>
          <a href="/territories">{t('home.allRegions')}</a> · <a href="/organizations">{t('home.organizations', { count: counts.organizations })}</a>
        </p>
      </section>
      <section aria-labelledby="categories-title">
        <h2 id="categories-title">{t('home.categories')}</h2>
        <ul class="tags">
          {categories.map((c) => (
            <li key={c.id}>
              <a href={`/problems?category=${c.slug}`}>{locale === 'en' ? c.name_en : c.name_ru}</a>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="principles-title" class="principles">
        <h2 id="principles-title">{t('home.principles')}</h2>
        <ul>
          <li>{t('home.principle1')}</li>
          <li>{t('home.principle2')}</li>
          <li>{t('home.principle3')}</li>
        </ul>
      </section>
    </>
  );
}

export function homePages(ctx: AppContext): AppModule {
  return {
    name: 'home',
    routes(app: App) {
      app.get('/', { config: { policy: 'public.view' } }, async (request, reply) => {
        // No totals: the home page shows no counts of these lists.
        const page = { limit: 6, offset: 0, withTotal: false };
        const reads = publicReads(ctx, request);
        const [regions, categories, organizations, users, [resonant, fresh, solved]] = await Promise.all([
          listFederalSubjects(reads, { withMunicipalities: true }),
          listCategories(reads),
          countOrganizations(reads),
          countUsers(reads),
          listProblemsTogether(reads, [
            { status: 'open', sort: 'resonant', ...page },
            { status: 'open', sort: 'new', ...page },
            { status: 'solved', sort: 'solved', limit: 3, offset: 0, withTotal: false },
          ]),
        ]);
        // Resonant means supported lately: problems without signatures in the window are "new", not resonant.
        const supportedLately = resonant.items.filter((p) => p.recent_signatures > 0);
        return reply.page(
          request.t('home.pageTitle'),
          <Home
            regions={regions}
            categories={categories}
            counts={{ organizations, users }}
            problems={{ resonant: supportedLately, fresh: fresh.items, solved: solved.items }}
            headLinks={[feedLink(request, {})]}
          />,
        );
      });

      app.get('/healthz', { config: { policy: 'public.view' } }, async (_request, reply) => {
        await checkDatabase(ctx);
        return reply.header('cache-control', 'no-store').send({ status: 'ok' });
      });
    },
  };
}
