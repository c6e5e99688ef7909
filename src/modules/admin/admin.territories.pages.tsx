/**
 * A territory's form for administrators (`/admin/territories/{oktmo}/edit`): its Russian and English names, OKATO
 * and time zone; its OKTMO and its place in the tree stay (municipalities come and go by the CSV import). The
 * zone is the one the 59-FZ terms of its organizations are counted in. A rename reaches the problems' search in
 * the same transaction. REST twin: PUT /api/v1/admin/territories/{oktmo}.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { Territory } from '../../core/db/schema.ts';
import { type FieldProblem, problemsOf } from '../../core/errors.ts';
import { bearer, errorResponses } from '../../core/http/api-schemas.ts';
import { type FormBody, form, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { Button, CsrfField, ErrorSummary, Field, SelectField } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { renameTerritoryInSearch } from '../problems/problems.service.ts';
import { russianTimeZones, type TerritoryEdit, utcOffsetLabel } from '../territories/territories.rules.ts';
import { getTerritory, getTerritoryById, territoryTimeZone, updateTerritory } from '../territories/territories.service.ts';
import '../territories/territories.policy.ts';

/** One of Russia's zones with its offset; a municipality's empty choice keeps its subject's. */
function ZoneField({ value, level, inherited, errors }: { value: string; level: Territory['level']; inherited: string | null; errors: FieldProblem[] }) {
  const { t } = usePage();
  const now = new Date();
  return (
    <SelectField
      name="timeZone"
      label={t('territoryEdit.timeZone')}
      hint={t('territoryEdit.timeZoneHint')}
      options={russianTimeZones.map((zone) => ({ value: zone, label: `${zone} (${utcOffsetLabel(zone, now)})` }))}
      value={value}
      errors={errors}
      required={level === 'federal_subject'}
      {...(level === 'municipality' ? { emptyLabel: t('territoryEdit.asSubject', { zone: inherited ?? '' }) } : {})}
    />
  );
}

type Values = Record<keyof TerritoryEdit, string>;

function EditPage({ territory, inherited, values, errors }: { territory: Territory; inherited: string | null; values: Values; errors: FieldProblem[] }) {
  const { t } = usePage();
  return (
    <section class="narrow">
      <p>
        <a href={`/territories/${territory.oktmo}`}>{t('territoryEdit.back', { name: territory.name })}</a>
      </p>
      <h1>{t('territoryEdit.title', { name: territory.name })}</h1>
      <p class="hint">{t('territoryEdit.oktmoKept', { oktmo: territory.oktmo })}</p>
      <form method="post" action={`/admin/territories/${territory.oktmo}/edit`} novalidate>
        <CsrfField />
        <ErrorSummary errors={errors} />
        <Field name="name" label={t('territoryEdit.name')} value={values.name} errors={errors} required maxLength={300} />
        <Field name="nameEn" label={t('territoryEdit.nameEn')} value={values.nameEn} errors={errors} maxLength={300} />
        <Field
          name="okato"
          label={t('territoryEdit.okato')}
          hint={t('territoryEdit.okatoHint')}
          value={values.okato}
          errors={errors}
          inputMode="numeric"
          maxLength={11}
        />
        <ZoneField value={values.timeZone} level={territory.level} inherited={inherited} errors={errors} />
        <Button>{t('form.save')}</Button>
      </form>
    </section>
  );
}

const valuesOf = (territory: Territory): Values => ({
  name: territory.name,
  nameEn: territory.name_en ?? '',
  okato: territory.okato ?? '',
  timeZone: territory.time_zone ?? '',
});

function inputOf(body: FormBody): Values {
  return { name: text(body, 'name', 1000), nameEn: text(body, 'nameEn', 1000), okato: text(body, 'okato', 100), timeZone: text(body, 'timeZone', 100) };
}

/** The zone a municipality without its own keeps: its subject's. */
async function inheritedZone(ctx: AppContext, territory: Territory): Promise<string | null> {
  if (territory.level !== 'municipality' || territory.parent_id === null) return null;
  const parent = await getTerritoryById(ctx, territory.parent_id);
  return parent ? territoryTimeZone(ctx, parent.id) : null;
}

const TerritorySchema = Type.Object({
  oktmo: Type.String(),
  name: Type.String(),
  nameEn: Type.Union([Type.String(), Type.Null()]),
  okato: Type.Union([Type.String(), Type.Null()]),
  timeZone: Type.Union([Type.String(), Type.Null()], { description: 'IANA zone; null for a municipality that keeps its subject’s' }),
});
const json = (territory: Territory) => ({
  oktmo: territory.oktmo,
  name: territory.name,
  nameEn: territory.name_en,
  okato: territory.okato,
  timeZone: territory.time_zone,
});

export function territoryEditPages(ctx: AppContext): AppModule {
  return {
    name: 'admin.territories.pages',
    routes(app: App) {
      app.get('/admin/territories/:oktmo/edit', { config: { policy: 'territory.edit' } }, async (request, reply) => {
        const territory = await getTerritory(ctx, (request.params as { oktmo: string }).oktmo);
        return reply.page(
          request.t('territoryEdit.title', { name: territory.name }),
          <EditPage territory={territory} inherited={await inheritedZone(ctx, territory)} values={valuesOf(territory)} errors={[]} />,
        );
      });

      app.post('/admin/territories/:oktmo/edit', { config: { policy: 'territory.edit' } }, async (request, reply) => {
        const territory = await getTerritory(ctx, (request.params as { oktmo: string }).oktmo);
        const values = inputOf(form(request));
        try {
          await updateTerritory(ctx, request.actor?.id ?? 0, territory.oktmo, values, renameTerritoryInSearch);
          return reply.flash('flash.territorySaved').redirectAfterPost(`/territories/${territory.oktmo}`);
        } catch (error) {
          const problems = problemsOf(error);
          if (!problems) throw error;
          return reply.page(
            request.t('territoryEdit.errorTitle'),
            <EditPage territory={territory} inherited={await inheritedZone(ctx, territory)} values={values} errors={problems} />,
            { status: 422 },
          );
        }
      });

      app.put(
        '/api/v1/admin/territories/:oktmo',
        {
          config: { policy: 'territory.edit' },
          schema: {
            tags: ['territories'],
            operationId: 'updateTerritory',
            summary: 'Correct a territory’s names, OKATO and time zone (administrators); its OKTMO and place in the tree stay',
            security: bearer,
            params: Type.Object({ oktmo: Type.String({ maxLength: 20 }) }),
            body: Type.Object(
              {
                name: Type.String({ maxLength: 600 }),
                nameEn: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 600 })])),
                okato: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 20 })])),
                timeZone: Type.Optional(
                  Type.Union([Type.Null(), Type.String({ maxLength: 100 })], {
                    description: 'An IANA zone of Russia; null or absent for a municipality that keeps its subject’s',
                  }),
                ),
              },
              { additionalProperties: false },
            ),
            response: { 200: TerritorySchema, ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request) =>
          json(
            await updateTerritory(
              ctx,
              request.actor?.id ?? 0,
              request.params.oktmo,
              { name: request.body.name, nameEn: request.body.nameEn ?? '', okato: request.body.okato ?? '', timeZone: request.body.timeZone ?? '' },
              renameTerritoryInSearch,
            ),
          ),
      );
    },
  };
}
