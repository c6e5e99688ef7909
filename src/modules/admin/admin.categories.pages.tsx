/**
 * Topics (categories) for administrators: the list with a form to add one, and a topic's form to rename it or
 * move it in the lists (its slug, the address filters and links use, stays). A rename reaches the problems'
 * search in the same transaction. REST twins under /api/v1/admin/categories.
 */
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { Category } from '../../core/db/schema.ts';
import { type FieldProblem, problemsOf } from '../../core/errors.ts';
import { bearer, errorResponses } from '../../core/http/api-schemas.ts';
import { type FormBody, form, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { Button, CsrfField, ErrorSummary, Field } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { type CategoryInput, createCategory, getCategory, listCategories, updateCategory } from '../organizations/organizations.service.ts';
import { renameCategoryInSearch } from '../problems/problems.service.ts';
import '../organizations/organizations.policy.ts';

type Values = Record<'slug' | 'nameRu' | 'nameEn' | 'position', string>;

function CategoryFields({ values, errors, withSlug }: { values: Values; errors: FieldProblem[]; withSlug: boolean }) {
  const { t } = usePage();
  return (
    <>
      {withSlug && (
        <Field name="slug" label={t('categories.slug')} hint={t('categories.slugHint')} value={values.slug} errors={errors} required maxLength={60} />
      )}
      <Field name="nameRu" label={t('categories.nameRu')} value={values.nameRu} errors={errors} required maxLength={100} />
      <Field name="nameEn" label={t('categories.nameEn')} value={values.nameEn} errors={errors} required maxLength={100} />
      <Field name="position" label={t('categories.position')} hint={t('categories.positionHint')} value={values.position} errors={errors} inputMode="numeric" />
    </>
  );
}

function CategoriesPage({ categories, values, errors }: { categories: Category[]; values: Values; errors: FieldProblem[] }) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('categories.title')}</h1>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('categories.position')}</th>
            <th scope="col">{t('categories.nameRu')}</th>
            <th scope="col">{t('categories.nameEn')}</th>
          </tr>
        </thead>
        <tbody>
          {categories.map((category) => (
            <tr key={category.id}>
              <td>{category.position}</td>
              <td>
                <a href={`/admin/categories/${category.slug}/edit`}>{category.name_ru}</a>
                <br />
                <code class="muted">{category.slug}</code>
              </td>
              <td>{category.name_en}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t('categories.new')}</h2>
      <form method="post" action="/admin/categories" novalidate class="narrow">
        <CsrfField />
        <ErrorSummary errors={errors} />
        <CategoryFields values={values} errors={errors} withSlug />
        <Button>{t('categories.create')}</Button>
      </form>
    </section>
  );
}

function EditPage({ category, values, errors }: { category: Category; values: Values; errors: FieldProblem[] }) {
  const { t } = usePage();
  return (
    <section class="narrow">
      <p>
        <a href="/admin/categories">{t('categories.back')}</a>
      </p>
      <h1>{t('categories.edit', { name: category.name_ru })}</h1>
      <p class="hint">{t('categories.slugKept', { slug: category.slug })}</p>
      <form method="post" action={`/admin/categories/${category.slug}/edit`} novalidate>
        <CsrfField />
        <ErrorSummary errors={errors} />
        <CategoryFields values={values} errors={errors} withSlug={false} />
        <Button>{t('form.save')}</Button>
      </form>
    </section>
  );
}

function inputOf(body: FormBody): { values: Values; input: CategoryInput } {
  const values = {
    slug: text(body, 'slug', 200).trim(),
    nameRu: text(body, 'nameRu', 1000),
    nameEn: text(body, 'nameEn', 1000),
    position: text(body, 'position', 20).trim(),
  };
  return {
    values,
    input: {
      slug: values.slug,
      nameRu: values.nameRu,
      nameEn: values.nameEn,
      position: values.position === '' ? null : /^\d+$/.test(values.position) ? Number(values.position) : -1,
    },
  };
}

const valuesOf = (category: Category): Values => ({
  slug: category.slug,
  nameRu: category.name_ru,
  nameEn: category.name_en,
  position: String(category.position),
});
const CategorySchema = Type.Object({ id: Type.Integer(), slug: Type.String(), nameRu: Type.String(), nameEn: Type.String(), position: Type.Integer() });
const json = (category: Category) => ({
  id: category.id,
  slug: category.slug,
  nameRu: category.name_ru,
  nameEn: category.name_en,
  position: category.position,
});

export function categoryPages(ctx: AppContext): AppModule {
  const empty: Values = { slug: '', nameRu: '', nameEn: '', position: '' };
  const list = async (reply: FastifyReply, title: string, values: Values, errors: FieldProblem[]) =>
    reply.page(title, <CategoriesPage categories={await listCategories(ctx)} values={values} errors={errors} />, { status: errors.length ? 422 : 200 });
  return {
    name: 'admin.categories.pages',
    routes(app: App) {
      app.get('/admin/categories', { config: { policy: 'category.manage' } }, (request, reply) => list(reply, request.t('categories.title'), empty, []));

      app.post('/admin/categories', { config: { policy: 'category.manage' } }, async (request, reply) => {
        const { values, input } = inputOf(form(request));
        try {
          await createCategory(ctx, request.actor?.id ?? 0, input);
          return reply.flash('flash.categorySaved').redirectAfterPost('/admin/categories');
        } catch (error) {
          const problems = problemsOf(error);
          if (!problems) throw error;
          return list(reply, request.t('categories.errorTitle'), values, problems);
        }
      });

      app.get('/admin/categories/:slug/edit', { config: { policy: 'category.manage' } }, async (request, reply) => {
        const category = await getCategory(ctx, (request.params as { slug: string }).slug);
        return reply.page(request.t('categories.edit', { name: category.name_ru }), <EditPage category={category} values={valuesOf(category)} errors={[]} />);
      });

      app.post('/admin/categories/:slug/edit', { config: { policy: 'category.manage' } }, async (request, reply) => {
        const category = await getCategory(ctx, (request.params as { slug: string }).slug);
        const { values, input } = inputOf(form(request));
        try {
          await updateCategory(ctx, request.actor?.id ?? 0, category.slug, input, renameCategoryInSearch);
          return reply.flash('flash.categorySaved').redirectAfterPost('/admin/categories');
        } catch (error) {
          const problems = problemsOf(error);
          if (!problems) throw error;
          return reply.page(
            request.t('categories.errorTitle'),
            <EditPage category={category} values={{ ...values, slug: category.slug }} errors={problems} />,
            {
              status: 422,
            },
          );
        }
      });

      const Body = {
        nameRu: Type.String({ maxLength: 200 }),
        nameEn: Type.String({ maxLength: 200 }),
        position: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 0, maximum: 10_000 })])),
      };
      app.post(
        '/api/v1/admin/categories',
        {
          config: { policy: 'category.manage' },
          schema: {
            tags: ['organizations'],
            operationId: 'createCategory',
            summary: 'Add a topic (administrators)',
            security: bearer,
            body: Type.Object({ slug: Type.String({ maxLength: 60 }), ...Body }, { additionalProperties: false }),
            response: { 201: CategorySchema, ...errorResponses(400, 401, 403, 422) },
          },
        },
        async (request, reply) => {
          const category = await createCategory(ctx, request.actor?.id ?? 0, { ...request.body, position: request.body.position ?? null });
          return reply.code(201).send(json(category));
        },
      );
      app.put(
        '/api/v1/admin/categories/:slug',
        {
          config: { policy: 'category.manage' },
          schema: {
            tags: ['organizations'],
            operationId: 'updateCategory',
            summary: 'Rename a topic or move it in the lists (administrators); its slug stays',
            security: bearer,
            params: Type.Object({ slug: Type.String({ maxLength: 100 }) }),
            body: Type.Object(Body, { additionalProperties: false }),
            response: { 200: CategorySchema, ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request) =>
          json(
            await updateCategory(
              ctx,
              request.actor?.id ?? 0,
              request.params.slug,
              { ...request.body, position: request.body.position ?? null },
              renameCategoryInSearch,
            ),
          ),
      );
    },
  };
}
