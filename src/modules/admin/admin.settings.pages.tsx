/** The site settings page and its REST twin (admins): thresholds, the review window and the rate limits, each with its default. */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { problemsOf } from '../../core/errors.ts';
import { bearer, errorResponses } from '../../core/http/api-schemas.ts';
import { form, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import type { MessageKey } from '../../core/i18n/i18n.ts';
import { Button, CheckboxField, CsrfField, ErrorSummary, Field, type FormErrors } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import './admin.policy.ts';
import { type SettingKey, settingDefinitions, settingKeys, settingValues, switchKeys, updateSiteSettings } from './admin.settings.ts';

function SettingsView({ values, defaults, errors }: { values: Record<string, string>; defaults: Record<SettingKey, number>; errors?: FormErrors | undefined }) {
  const { t } = usePage();
  const hint = (key: SettingKey) =>
    `${t(`settings.${key}Hint` as MessageKey)} ${t('settings.default', { value: defaults[key], variable: settingDefinitions[key].variable })}`;
  const field = (key: SettingKey) => (
    <Field
      key={key}
      name={key}
      label={t(`settings.${key}` as MessageKey)}
      hint={hint(key)}
      value={values[key]}
      errors={errors}
      required
      inputMode="numeric"
      maxLength={7}
    />
  );
  return (
    <section class="narrow">
      <h1>{t('settings.title')}</h1>
      <p>{t('settings.lead')}</p>
      <ErrorSummary errors={errors} />
      <form method="post" action="/admin/settings">
        <CsrfField />
        <fieldset>
          <legend>{t('settings.appeals')}</legend>
          {field('appealThreshold')}
          {field('reviewDays')}
        </fieldset>
        <fieldset>
          <legend>{t('settings.moderation')}</legend>
          {field('reportThreshold')}
        </fieldset>
        <fieldset>
          <legend>{t('settings.rateLimits')}</legend>
          <p class="hint">{t('settings.rateLimitsLead')}</p>
          {settingKeys.filter((key) => key.startsWith('rateLimit')).map(field)}
        </fieldset>
        <fieldset>
          <legend>{t('settings.altcha')}</legend>
          <CheckboxField
            name="altchaEnabled"
            value="1"
            label={t('settings.altchaEnabled')}
            checked={values.altchaEnabled === '1'}
            hint={t('settings.altchaEnabledHint')}
          />
        </fieldset>
        <Button>{t('settings.save')}</Button>
      </form>
    </section>
  );
}

const SettingsSchema = Type.Object(
  Object.fromEntries(settingKeys.map((key) => [key, Type.Integer({ minimum: settingDefinitions[key].min, maximum: settingDefinitions[key].max })])) as Record<
    SettingKey,
    ReturnType<typeof Type.Integer>
  >,
);
const SettingsUpdate = Type.Partial(SettingsSchema);

export function adminSettings(ctx: AppContext): AppModule {
  const defaults = () => Object.fromEntries(settingKeys.map((key) => [key, settingDefinitions[key].default(ctx.config)])) as Record<SettingKey, number>;
  return {
    name: 'admin-settings',
    routes(app: App) {
      app.get('/admin/settings', { config: { policy: 'admin.settings' } }, async (request, reply) => {
        const values = await settingValues(ctx);
        return reply.page(
          request.t('settings.title'),
          <SettingsView values={Object.fromEntries(settingKeys.map((key) => [key, String(values[key])]))} defaults={defaults()} />,
        );
      });

      app.post('/admin/settings', { config: { policy: 'admin.settings' } }, async (request, reply) => {
        const body = form(request);
        // An unticked checkbox is not sent at all: a switch absent from the form is off.
        const values = Object.fromEntries(
          settingKeys.map((key) => [key, switchKeys.has(key) ? (text(body, key, 20) === '1' ? '1' : '0') : text(body, key, 20)]),
        );
        try {
          await updateSiteSettings(ctx, request.actor?.id ?? 0, values, request.ip);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return reply.page(request.t('settings.title'), <SettingsView values={values} defaults={defaults()} errors={errors} />, { status: 422 });
        }
        return reply.flash('flash.settingsSaved').redirectAfterPost('/admin/settings');
      });

      app.get(
        '/api/v1/admin/settings',
        {
          config: { policy: 'admin.settings' },
          schema: {
            tags: ['admin'],
            operationId: 'getSettings',
            summary:
              'The site settings: default threshold, review window days, report threshold, rate limits per minute, the hourly limit without an ALTCHA solution, and the ALTCHA switch (1 on, 0 off) (admins)',
            security: bearer,
            response: { 200: SettingsSchema, ...errorResponses(401, 403) },
          },
        },
        async () => settingValues(ctx),
      );

      app.put(
        '/api/v1/admin/settings',
        {
          config: { policy: 'admin.settings' },
          schema: {
            tags: ['admin'],
            operationId: 'updateSettings',
            summary: 'Change some site settings (admins): the ones sent change, the others stay; a changed threshold applies to organizations saved afterwards',
            security: bearer,
            body: SettingsUpdate,
            response: { 200: SettingsSchema, ...errorResponses(400, 401, 403, 422) },
          },
        },
        async (request) => updateSiteSettings(ctx, request.actor?.id ?? 0, request.body, request.ip),
      );
    },
  };
}
