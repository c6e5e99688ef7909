/**
 * Merging a duplicate organization, for administrators: the form (which organization survives, and why), a
 * confirmation page saying what will move, then the merge; and its REST twin. The duplicate's old address
 * redirects to the survivor from then on.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { problemsOf } from '../../core/errors.ts';
import { bearer, errorResponses, SlugParams } from '../../core/http/api-schemas.ts';
import { form, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { Button, CsrfField, ErrorSummary, Field, SelectField } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { organizationOptions } from '../organizations/organizations.service.ts';
import { type MergePreview, mergeOrganizations, mergePreview, mergeProblems, mergeReasonMaxLength } from './admin.merge.ts';

interface MergeValues {
  into: string;
  reason: string;
}

function MergePage(props: {
  preview: MergePreview;
  candidates: { value: string; label: string }[];
  values: MergeValues;
  errors: FieldProblem[];
  confirming: boolean;
}) {
  const { t } = usePage();
  const { preview, values } = props;
  const survivor = props.candidates.find((candidate) => candidate.value === values.into);
  const action = `/admin/organizations/${preview.duplicate.slug}/merge`;
  return (
    <section class="narrow">
      <p>
        <a href={`/admin/organizations/${preview.duplicate.slug}/edit`}>{t('merge.back')}</a>
      </p>
      <h1>{t('merge.title', { name: preview.duplicate.name })}</h1>
      <p>{t('merge.lead')}</p>
      <ul>
        <li>{t('merge.appeals', { count: preview.appeals })}</li>
        <li>{t('merge.members', { count: preview.members })}</li>
        <li>{t('merge.children', { count: preview.children })}</li>
        <li>{t('merge.jurisdictions', { count: preview.jurisdictions })}</li>
      </ul>
      {props.confirming && survivor ? (
        <form method="post" action={action} class="danger-zone">
          <CsrfField />
          <input type="hidden" name="into" value={values.into} />
          <input type="hidden" name="reason" value={values.reason} />
          <input type="hidden" name="confirmed" value="yes" />
          <div class="notice notice-warning">
            <p>{t('merge.confirm', { duplicate: preview.duplicate.name, survivor: survivor.label })}</p>
            <p>{t('merge.redirect', { slug: preview.duplicate.slug })}</p>
          </div>
          <Button variant="danger">{t('merge.submit')}</Button> <a href={action}>{t('merge.cancel')}</a>
        </form>
      ) : (
        <form method="post" action={action} novalidate>
          <CsrfField />
          <ErrorSummary errors={props.errors} />
          <SelectField
            name="into"
            label={t('merge.into')}
            options={props.candidates.filter((candidate) => candidate.value !== preview.duplicate.slug)}
            emptyLabel={t('merge.choose')}
            value={values.into}
            errors={props.errors}
          />
          <Field
            name="reason"
            label={t('merge.reason')}
            hint={t('merge.reasonHint', { limit: mergeReasonMaxLength })}
            value={values.reason}
            errors={props.errors}
            multiline
            maxLength={mergeReasonMaxLength}
            required
          />
          <Button>{t('merge.review')}</Button>
        </form>
      )}
    </section>
  );
}

export function mergePages(ctx: AppContext): AppModule {
  async function candidates() {
    // By slug, since the survivor is named by its address (the duplicate's own is left out by the page).
    const organizations = await organizationOptions(ctx);
    return organizations.map((organization) => ({ value: organization.slug, label: organization.name }));
  }

  return {
    name: 'admin.merge.pages',
    routes(app: App) {
      app.get('/admin/organizations/:slug/merge', { config: { policy: 'organization.manage' } }, async (request, reply) => {
        const preview = await mergePreview(ctx, request.actor, (request.params as { slug: string }).slug);
        return reply.page(
          request.t('merge.title', { name: preview.duplicate.name }),
          <MergePage preview={preview} candidates={await candidates()} values={{ into: '', reason: '' }} errors={[]} confirming={false} />,
        );
      });

      app.post('/admin/organizations/:slug/merge', { config: { policy: 'organization.manage' } }, async (request, reply) => {
        const slug = (request.params as { slug: string }).slug;
        const body = form(request);
        const values = { into: text(body, 'into', 200), reason: text(body, 'reason', 20_000) };
        const preview = await mergePreview(ctx, request.actor, slug);
        const options = await candidates();
        const title = request.t('merge.title', { name: preview.duplicate.name });
        // Step one: the choice and the reason, checked; step two: the confirmation page, whose button merges.
        if (text(body, 'confirmed', 5) !== 'yes') {
          const errors = await mergeProblems(ctx, request.actor, slug, values);
          return reply.page(title, <MergePage preview={preview} candidates={options} values={values} errors={errors} confirming={errors.length === 0} />, {
            status: errors.length ? 422 : 200,
          });
        }
        try {
          const { survivor } = await mergeOrganizations(ctx, request.actor, slug, values);
          return reply.flash('flash.organizationsMerged').redirectAfterPost(`/organizations/${survivor.slug}`);
        } catch (error) {
          const problems = problemsOf(error);
          if (!problems) throw error;
          return reply.page(title, <MergePage preview={preview} candidates={options} values={values} errors={problems} confirming={false} />, { status: 422 });
        }
      });

      app.post(
        '/api/v1/admin/organizations/:slug/merge',
        {
          config: { policy: 'organization.manage' },
          schema: {
            tags: ['admin'],
            operationId: 'mergeOrganization',
            summary:
              'Merge this (duplicate) organization into another (administrators): its appeals, cabinet, staff, jurisdictions and children move to the survivor, it is deleted, and its address redirects to the survivor',
            security: bearer,
            params: SlugParams,
            body: Type.Object(
              {
                into: Type.String({ maxLength: 100, description: 'Slug of the organization that survives' }),
                reason: Type.String({ maxLength: mergeReasonMaxLength * 2 }),
              },
              { additionalProperties: false },
            ),
            response: { 200: Type.Object({ slug: Type.String(), movedAppeals: Type.Integer() }), ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request) => {
          const { survivor, movedAppeals } = await mergeOrganizations(ctx, request.actor, request.params.slug, request.body);
          return { slug: survivor.slug, movedAppeals };
        },
      );
    },
  };
}
