/** The admin pages of the organizations directory as CSV: the export, and the import with every broken row listed; and their REST twins. */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { DomainError } from '../../core/errors.ts';
import { bearer, errorResponses } from '../../core/http/api-schemas.ts';
import { form, uploadedText } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { CsrfField, ErrorSummary } from '../../core/views/components.tsx';
import { ImportProblemsTable } from '../../core/views/import-problems.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { importRefused, type RowProblem } from '../territories/territories.rules.ts';
import { importOrganizations, type OrganizationImport, organizationColumns, organizationsCsv } from './organizations.csv.ts';
import './organizations.policy.ts';

function ImportPage({ result }: { result?: OrganizationImport }) {
  const { t } = usePage();
  const problems: RowProblem[] = result?.problems ?? [];
  return (
    <section>
      <h1>{t('organizationImport.title')}</h1>
      <p>{t('organizationImport.lead')}</p>
      <p>
        <a class="button button-secondary" href="/admin/organizations.csv" download>
          {t('organizationImport.export')}
        </a>
      </p>
      <p class="hint">{t('organizationImport.columns')}</p>
      {/* The header line wraps (a row this wide would scroll, and a scrolled region must be reachable by keyboard). */}
      <p class="csv-columns">
        <code>{organizationColumns.join(',')}</code>
      </p>
      {result && problems.length === 0 && (
        <div class="notice notice-success" role="status">
          <p>{t('organizationImport.done', { created: result.created, updated: result.updated })}</p>
        </div>
      )}
      {problems.length > 0 && <ErrorSummary message={t('organizationImport.failed', { count: problems.length })} />}
      {problems.length > 0 && <ImportProblemsTable problems={problems} />}
      <form method="post" action="/admin/organizations/import" enctype="multipart/form-data">
        <CsrfField />
        <div class="field">
          <label for="field-file">{t('organizationImport.file')}</label>
          <input type="file" id="field-file" name="file" accept=".csv,text/csv" required />
        </div>
        <button type="submit" class="button">
          {t('organizationImport.submit')}
        </button>
      </form>
    </section>
  );
}

export function organizationCsvPages(ctx: AppContext): AppModule {
  return {
    name: 'organizations.csv.pages',
    routes(app: App) {
      app.get('/admin/organizations.csv', { config: { policy: 'organization.manage' } }, async (_request, reply) =>
        reply
          .header('content-disposition', 'attachment; filename="organizations.csv"')
          .header('cache-control', 'private, no-store')
          .type('text/csv; charset=utf-8')
          .send(await organizationsCsv(ctx)),
      );

      app.get('/admin/organizations/import', { config: { policy: 'organization.manage' } }, (request, reply) =>
        reply.page(request.t('organizationImport.title'), <ImportPage />),
      );

      app.post('/admin/organizations/import', { config: { policy: 'organization.manage' }, bodyLimit: 6 * 1024 * 1024 }, async (request, reply) => {
        const result = await importOrganizations(ctx, request.actor?.id ?? 0, uploadedText(form(request), 'file'));
        return reply.page(request.t('organizationImport.title'), <ImportPage result={result} />, { status: result.problems.length ? 422 : 200 });
      });

      app.post(
        '/api/v1/admin/organizations/import',
        {
          config: { policy: 'organization.manage' },
          bodyLimit: 5 * 1024 * 1024,
          schema: {
            tags: ['organizations'],
            operationId: 'importOrganizations',
            summary: 'Import an organizations CSV (admins): new slugs are created, known ones updated; all or nothing, any broken row writes nothing',
            description: `Columns: ${organizationColumns.join(', ')}. Send as text/csv. Refused rows come back as fields "line N: column".`,
            security: bearer,
            response: { 200: Type.Object({ created: Type.Integer(), updated: Type.Integer() }), ...errorResponses(400, 401, 403, 413, 422) },
          },
        },
        async (request) => {
          if (typeof request.body !== 'string') throw new DomainError('bad_request');
          const result = await importOrganizations(ctx, request.actor?.id ?? 0, request.body);
          if (result.problems.length > 0) throw importRefused(result.problems);
          return { created: result.created, updated: result.updated };
        },
      );
    },
  };
}
