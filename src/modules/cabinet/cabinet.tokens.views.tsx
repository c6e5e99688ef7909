/**
 * The head's page of the organization's API tokens: the form that makes one (its secret shown once, on the answer to
 * that POST), the list (prefix, scopes, made when and by whom, last used) and the confirmation before revoking one.
 * Every form is a plain POST that works without JavaScript.
 */
import type { MemberRole, Organization } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate } from '../../core/i18n/i18n.ts';
import { Button, CsrfField, ErrorSummary, Field, fieldMessage } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import type { OrganizationTokenRow } from '../accounts/accounts.service.ts';
import { CabinetHeader } from './cabinet.views.tsx';

export interface TokenValues {
  name: string;
  scopes: readonly string[];
}

export const emptyTokenValues: TokenValues = { name: '', scopes: ['read'] };

const scopes = ['read', 'write'] as const;

function ScopeChoice({ chosen, errors }: { chosen: readonly string[]; errors: FieldProblem[] }) {
  const { t } = usePage();
  const problems = errors.filter((p) => p.field === 'scopes');
  return (
    <fieldset class={`field${problems.length ? ' field-error' : ''}`} aria-describedby={problems.length ? 'field-scopes-error' : undefined}>
      <legend id="field-scopes">{t('cabinet.tokens.scopes')}</legend>
      {problems.length > 0 && (
        <p class="error-message" id="field-scopes-error">
          {problems.map((p) => fieldMessage(t, p)).join(' ')}
        </p>
      )}
      {scopes.map((scope) => (
        <div class="checkbox" key={scope}>
          <input
            type="checkbox"
            id={`field-scopes-${scope}`}
            name="scopes"
            value={scope}
            checked={chosen.includes(scope)}
            aria-describedby={`field-scopes-${scope}-hint`}
          />
          <label for={`field-scopes-${scope}`} class="checkbox-label">
            {t(scope === 'read' ? 'tokens.scope.read' : 'tokens.scope.write')} <code>{scope}</code>
          </label>
          <p class="hint" id={`field-scopes-${scope}-hint`}>
            {t(scope === 'read' ? 'cabinet.tokens.readHint' : 'cabinet.tokens.writeHint')}
          </p>
        </div>
      ))}
    </fieldset>
  );
}

function scopeNames(t: ReturnType<typeof usePage>['t'], chosen: readonly string[]): string {
  return scopes
    .filter((scope) => chosen.includes(scope))
    .map((scope) => t(scope === 'read' ? 'tokens.scope.read' : 'tokens.scope.write'))
    .join(', ');
}

export function TokensPage(props: {
  organization: Organization;
  role: MemberRole;
  tokens: OrganizationTokenRow[];
  created?: string | undefined;
  values: TokenValues;
  errors: FieldProblem[];
}) {
  const { t, locale } = usePage();
  const base = `/cabinet/${props.organization.slug}/tokens`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="tokens" role={props.role} />
      <h2>{t('cabinet.tokens.title')}</h2>
      <p class="hint">{t('cabinet.tokens.lead')}</p>
      {props.created && (
        <div class="notice notice-success" role="status">
          <p>{t('cabinet.tokens.created')}</p>
          <p>
            <code class="token" data-testid="new-token">
              {props.created}
            </code>
          </p>
        </div>
      )}
      {props.tokens.length === 0 ? (
        <p class="muted">{t('cabinet.tokens.none')}</p>
      ) : (
        <table class="table">
          <caption>{t('tokens.caption', { count: props.tokens.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('tokens.name')}</th>
              <th scope="col">{t('tokens.prefix')}</th>
              <th scope="col">{t('tokens.scopesColumn')}</th>
              <th scope="col">{t('tokens.createdAt')}</th>
              <th scope="col">{t('cabinet.tokens.createdBy')}</th>
              <th scope="col">{t('tokens.lastUsed')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('tokens.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>
                  <code>{token.prefix}…</code>
                </td>
                <td>{scopeNames(t, token.scopes)}</td>
                <td>{formatDate(locale, token.created_at)}</td>
                <td>
                  {token.created_by.firstName} {token.created_by.surname}
                </td>
                <td>{token.last_used_at ? formatDate(locale, token.last_used_at, true) : t('tokens.never')}</td>
                <td>
                  <a href={`${base}/${token.id}/revoke`} class="button button-danger button-small" aria-label={t('tokens.revokeNamed', { name: token.name })}>
                    {t('tokens.revoke')}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <section class="cabinet-section" aria-labelledby="token-form-title">
        <h2 id="token-form-title">{t('cabinet.tokens.new')}</h2>
        <ErrorSummary errors={props.errors} />
        <form method="post" action={base} novalidate class="narrow">
          <CsrfField />
          <Field
            name="name"
            label={t('tokens.name')}
            value={props.values.name}
            errors={props.errors}
            required
            maxLength={100}
            hint={t('cabinet.tokens.nameHint')}
          />
          <ScopeChoice chosen={props.values.scopes} errors={props.errors} />
          <Button>{t('tokens.create')}</Button>
        </form>
      </section>
    </section>
  );
}

export function RevokeTokenPage({ organization, role, token }: { organization: Organization; role: MemberRole; token: OrganizationTokenRow }) {
  const { t } = usePage();
  const base = `/cabinet/${organization.slug}/tokens`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="tokens" role={role} />
      <section class="narrow confirm-page">
        <h2>{t('cabinet.tokens.revokeConfirmTitle', { name: token.name })}</h2>
        <p>{t('cabinet.tokens.revokeLead')}</p>
        <form method="post" action={`${base}/${token.id}/revoke`}>
          <CsrfField />
          <div class="actions">
            <Button variant="danger">{t('cabinet.tokens.revokeConfirm')}</Button>
            <a href={base}>{t('cabinet.cancel')}</a>
          </div>
        </form>
      </section>
    </section>
  );
}
