/**
 * The head's webhook pages: the organization's endpoints with the form that adds one, an endpoint with its secret,
 * its settings, «Отправить тестовое событие» and its delivery log, and the confirmation before deleting one.
 * Every form is a plain POST that works without JavaScript.
 */
import type { MemberRole, Organization, WebhookEndpoint } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate, type MessageKey } from '../../core/i18n/i18n.ts';
import { Breadcrumbs, Button, CsrfField, ErrorSummary, Field, fieldMessage, Pagination } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { CabinetHeader } from './cabinet.views.tsx';
import { organizationEventTypes, webhookUrlMaxLength } from './cabinet.webhooks.rules.ts';
import type { DeliveryLogItem } from './cabinet.webhooks.ts';

export interface EndpointValues {
  url: string;
  events: string[];
}

export const emptyEndpointValues: EndpointValues = { url: '', events: [] };

function EndpointState({ endpoint }: { endpoint: WebhookEndpoint }) {
  const { t } = usePage();
  if (endpoint.enabled) return <strong class="tag tag-webhook-on">{t('cabinet.webhooks.on')}</strong>;
  return <strong class="tag tag-webhook-off">{t(endpoint.disabled_reason === 'failing' ? 'cabinet.webhooks.offFailing' : 'cabinet.webhooks.off')}</strong>;
}

/** The event checkboxes: one name, one value per event, each with its own id. */
function EventChoices({ values, errors }: { values: string[]; errors: FieldProblem[] }) {
  const { t } = usePage();
  const problems = errors.filter((p) => p.field === 'events');
  return (
    <fieldset class={`field${problems.length ? ' field-error' : ''}`} aria-describedby={problems.length ? 'field-events-error' : undefined}>
      <legend id="field-events">{t('cabinet.webhooks.events')}</legend>
      {problems.length > 0 && (
        <p class="error-message" id="field-events-error">
          {problems.map((p) => fieldMessage(t, p)).join(' ')}
        </p>
      )}
      {organizationEventTypes.map((type) => (
        <div class="field" key={type}>
          <input type="checkbox" id={`field-events-${type}`} name="events" value={type} checked={values.includes(type)} />
          <label for={`field-events-${type}`} class="checkbox-label">
            {t(`cabinet.webhooks.event.${type}` as MessageKey)} <code>{type}</code>
          </label>
        </div>
      ))}
    </fieldset>
  );
}

function EndpointForm({
  action,
  values,
  errors,
  title,
  submit,
}: {
  action: string;
  values: EndpointValues;
  errors: FieldProblem[];
  title: string;
  submit: string;
}) {
  const { t } = usePage();
  return (
    <section class="cabinet-section" aria-labelledby="webhook-form-title">
      <h2 id="webhook-form-title">{title}</h2>
      <ErrorSummary errors={errors} />
      <form method="post" action={action} novalidate>
        <CsrfField />
        <Field
          name="url"
          label={t('cabinet.webhooks.url')}
          hint={t('cabinet.webhooks.urlHint')}
          value={values.url}
          errors={errors}
          required
          type="url"
          maxLength={webhookUrlMaxLength}
        />
        <EventChoices values={values.events} errors={errors} />
        <Button>{submit}</Button>
      </form>
    </section>
  );
}

export function WebhooksPage(props: {
  organization: Organization;
  role: MemberRole;
  endpoints: WebhookEndpoint[];
  values: EndpointValues;
  errors: FieldProblem[];
}) {
  const { t } = usePage();
  const base = `/cabinet/${props.organization.slug}/webhooks`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="webhooks" role={props.role} />
      <h2>{t('cabinet.webhooks.title')}</h2>
      <p class="hint">{t('cabinet.webhooks.lead')}</p>
      {props.endpoints.length === 0 ? (
        <p class="muted">{t('cabinet.webhooks.none')}</p>
      ) : (
        <table class="table">
          <caption class="visually-hidden">{t('cabinet.webhooks.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('cabinet.webhooks.url')}</th>
              <th scope="col">{t('cabinet.webhooks.events')}</th>
              <th scope="col">{t('cabinet.webhooks.state')}</th>
            </tr>
          </thead>
          <tbody>
            {props.endpoints.map((endpoint) => (
              <tr key={endpoint.id}>
                <td>
                  <a href={`${base}/${endpoint.id}`}>{endpoint.url}</a>
                </td>
                <td>{endpoint.event_types.join(', ')}</td>
                <td>
                  <EndpointState endpoint={endpoint} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <EndpointForm action={base} values={props.values} errors={props.errors} title={t('cabinet.webhooks.new')} submit={t('cabinet.webhooks.create')} />
    </section>
  );
}

function DeliveryState({ delivery }: { delivery: DeliveryLogItem }) {
  const { t, locale } = usePage();
  if (delivery.delivered_at) return <strong class="tag tag-webhook-on">{t('cabinet.webhooks.delivered')}</strong>;
  if (delivery.failed_at) return <strong class="tag tag-webhook-off">{t('cabinet.webhooks.failed')}</strong>;
  return (
    <strong class="tag tag-webhook-retry">
      {delivery.next_attempt_at ? t('cabinet.webhooks.retryAt', { date: formatDate(locale, delivery.next_attempt_at, true) }) : t('cabinet.webhooks.waiting')}
    </strong>
  );
}

export interface WebhookPageProps {
  organization: Organization;
  role: MemberRole;
  endpoint: WebhookEndpoint;
  items: DeliveryLogItem[];
  total: number;
  page: number;
  perPage: number;
  values: EndpointValues;
  errors: FieldProblem[];
}

export function WebhookPage(props: WebhookPageProps) {
  const { t, locale } = usePage();
  const { endpoint } = props;
  const list = `/cabinet/${props.organization.slug}/webhooks`;
  const base = `${list}/${endpoint.id}`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="webhooks" role={props.role} />
      <Breadcrumbs items={[{ href: list, label: t('cabinet.webhooks.title') }, { label: endpoint.url }]} />
      <h2>
        {endpoint.url} <EndpointState endpoint={endpoint} />
      </h2>
      {!endpoint.enabled && endpoint.disabled_at && (
        <p class="notice notice-warning">
          {t(endpoint.disabled_reason === 'failing' ? 'cabinet.webhooks.disabledFailing' : 'cabinet.webhooks.disabledManual', {
            date: formatDate(locale, endpoint.disabled_at, true),
          })}
        </p>
      )}
      <dl class="facts">
        <dt>{t('cabinet.webhooks.secret')}</dt>
        <dd>
          <code class="webhook-secret">{endpoint.secret}</code>
          <p class="hint">{t('cabinet.webhooks.secretHint')}</p>
        </dd>
        <dt>{t('cabinet.webhooks.events')}</dt>
        <dd>{endpoint.event_types.join(', ')}</dd>
        <dt>{t('cabinet.webhooks.failuresInRow')}</dt>
        <dd>{endpoint.consecutive_failures}</dd>
      </dl>

      <div class="actions">
        <form method="post" action={`${base}/test`}>
          <CsrfField />
          <Button variant="secondary">{t('cabinet.webhooks.sendTest')}</Button>
        </form>
        <form method="post" action={`${base}/enabled`}>
          <CsrfField />
          <input type="hidden" name="enabled" value={endpoint.enabled ? 'no' : 'yes'} />
          <Button variant="secondary">{t(endpoint.enabled ? 'cabinet.webhooks.turnOff' : 'cabinet.webhooks.turnOn')}</Button>
        </form>
      </div>

      <section class="cabinet-section" aria-labelledby="webhook-log-title">
        <h2 id="webhook-log-title">{t('cabinet.webhooks.log')}</h2>
        {props.items.length === 0 ? (
          <p class="muted">{t('cabinet.webhooks.logEmpty')}</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">{t('cabinet.webhooks.log')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('cabinet.webhooks.logCreated')}</th>
                <th scope="col">{t('cabinet.webhooks.logEvent')}</th>
                <th scope="col">{t('cabinet.webhooks.logState')}</th>
                <th scope="col">{t('cabinet.webhooks.logAttempts')}</th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((delivery) => (
                <tr key={delivery.id}>
                  <td>{formatDate(locale, delivery.created_at, true)}</td>
                  <td>
                    <code>{delivery.event_type}</code>
                    <br />
                    <span class="muted">{delivery.message_id}</span>
                  </td>
                  <td>
                    <DeliveryState delivery={delivery} />
                  </td>
                  <td>
                    <ol class="plain-list webhook-attempts">
                      {delivery.attemptLog.map((attempt) => (
                        <li key={attempt.attempt}>
                          {formatDate(locale, attempt.attempted_at, true)}:{' '}
                          {attempt.status_code === null ? t('cabinet.webhooks.noAnswer') : t('cabinet.webhooks.statusCode', { code: attempt.status_code })}
                          {attempt.error && attempt.status_code === null ? ` (${attempt.error})` : ''}
                        </li>
                      ))}
                    </ol>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pagination page={props.page} pageSize={props.perPage} total={props.total} href={(page) => `${base}?page=${page}`} />
      </section>

      <EndpointForm action={base} values={props.values} errors={props.errors} title={t('cabinet.webhooks.edit')} submit={t('cabinet.webhooks.save')} />

      <section class="cabinet-section" aria-labelledby="webhook-delete-title">
        <h2 id="webhook-delete-title">{t('cabinet.webhooks.deleteTitle')}</h2>
        <p>
          <a href={`${base}/delete`} class="button button-danger">
            {t('cabinet.webhooks.delete')}
          </a>
        </p>
      </section>
    </section>
  );
}

export function DeleteWebhookPage({ organization, role, endpoint }: { organization: Organization; role: MemberRole; endpoint: WebhookEndpoint }) {
  const { t } = usePage();
  const base = `/cabinet/${organization.slug}/webhooks`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="webhooks" role={role} />
      <section class="narrow confirm-page">
        <h2>{t('cabinet.webhooks.deleteConfirmTitle', { url: endpoint.url })}</h2>
        <p>{t('cabinet.webhooks.deleteLead')}</p>
        <form method="post" action={`${base}/${endpoint.id}/delete`}>
          <CsrfField />
          <div class="actions">
            <Button variant="danger">{t('cabinet.webhooks.deleteConfirm')}</Button>
            <a href={`${base}/${endpoint.id}`}>{t('cabinet.cancel')}</a>
          </div>
        </form>
      </section>
    </section>
  );
}
