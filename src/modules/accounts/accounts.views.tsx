/** Account pages: register, log in, recover, verify, profile, security, tokens, export, delete. */

import type { TokenScope } from '../../core/db/schema.ts';
import { formatDate } from '../../core/i18n/i18n.ts';
import { tokenScopes } from '../../core/policy.ts';
import type { TextQuestion } from '../../core/security/captcha.ts';
import type { FormErrors } from '../../core/views/components.tsx';
import { AltchaHolder, Button, CheckboxField, CsrfField, ErrorSummary, Field, fieldMessage, SelectField } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import type { MunicipalityGroup } from '../territories/territories.service.ts';

export type Values = Record<string, string>;

function municipalityOptions(groups: MunicipalityGroup[]) {
  return groups.flatMap((g) => g.municipalities.map((m) => ({ value: String(m.id), label: m.name, group: g.region.name })));
}

export function RegisterView(props: { values: Values; errors: FormErrors; message?: string; groups: MunicipalityGroup[]; question: TextQuestion }) {
  const { t } = usePage();
  const { values, errors } = props;
  return (
    <section class="narrow">
      <h1>{t('register.title')}</h1>
      <p class="lead">{t('register.lead')}</p>
      <ErrorSummary errors={errors} message={props.message} />
      <form method="post" action="/register" novalidate data-module="captcha-form">
        <CsrfField />
        <Field name="surname" label={t('field.surname')} value={values.surname} errors={errors} required autocomplete="family-name" maxLength={100} />
        <Field name="firstName" label={t('field.firstName')} value={values.firstName} errors={errors} required autocomplete="given-name" maxLength={100} />
        <Field name="patronymic" label={t('field.patronymic')} value={values.patronymic} errors={errors} autocomplete="additional-name" maxLength={100} />
        <Field
          name="email"
          type="email"
          label={t('field.email')}
          value={values.email}
          errors={errors}
          required
          autocomplete="email"
          hint={t('register.emailHint')}
        />
        <Field
          name="password"
          type="password"
          label={t('field.password')}
          errors={errors}
          required
          autocomplete="new-password"
          hint={t('register.passwordHint', { count: 10 })}
        />
        <SelectField
          name="municipalityId"
          label={t('field.municipality')}
          options={municipalityOptions(props.groups)}
          value={values.municipalityId}
          errors={errors}
          hint={t('register.municipalityHint')}
        />
        <fieldset class="captcha" id="field-altcha">
          <legend>{t('captcha.legend')}</legend>
          {errors
            .filter((problem) => problem.field === 'altcha')
            .map((problem) => (
              <p key={problem.rule} class="error-message">
                {fieldMessage(t, problem)}
              </p>
            ))}
          <AltchaHolder />
          <div class="captcha-question">
            <input type="hidden" name="captchaToken" value={props.question.token} />
            <Field
              name="captchaAnswer"
              label={t('captcha.question', { first: props.question.first, second: props.question.second })}
              errors={errors}
              inputMode="numeric"
              required
            />
          </div>
        </fieldset>
        <p class="hint">{t('register.consent')}</p>
        <Button>{t('register.submit')}</Button>
      </form>
      <p>
        {t('register.haveAccount')} <a href="/login">{t('nav.login')}</a>
      </p>
    </section>
  );
}

export function LoginView(props: { values: Values; message?: string | undefined; returnTo: string }) {
  const { t } = usePage();
  return (
    <section class="narrow">
      <h1>{t('login.title')}</h1>
      <ErrorSummary message={props.message} />
      <form method="post" action="/login">
        <CsrfField />
        <input type="hidden" name="return" value={props.returnTo} />
        <Field name="email" type="email" label={t('field.email')} value={props.values.email} required autocomplete="email" />
        <Field name="password" type="password" label={t('field.password')} required autocomplete="current-password" />
        <Button>{t('login.submit')}</Button>
      </form>
      <p>
        <a href="/forgot-password">{t('login.forgot')}</a>
      </p>
      <p>
        {t('login.noAccount')} <a href="/register">{t('nav.register')}</a>
      </p>
    </section>
  );
}

export function MessageView(props: { title: string; text: string; link?: { href: string; label: string } }) {
  return (
    <section class="narrow">
      <h1>{props.title}</h1>
      <p class="lead">{props.text}</p>
      {props.link && (
        <p>
          <a href={props.link.href}>{props.link.label}</a>
        </p>
      )}
    </section>
  );
}

/** A link from an e-mail opens this page; only the button's POST uses the token, so mail scanners that follow links don't. */
export function ConfirmTokenView(props: { title: string; text: string; action: string; token: string; button: string }) {
  return (
    <section class="narrow">
      <h1>{props.title}</h1>
      <p class="lead">{props.text}</p>
      <form method="post" action={props.action}>
        <CsrfField />
        <input type="hidden" name="token" value={props.token} />
        <Button>{props.button}</Button>
      </form>
    </section>
  );
}

export function ForgotPasswordView(props: { values: Values; errors: FormErrors }) {
  const { t } = usePage();
  return (
    <section class="narrow">
      <h1>{t('forgot.title')}</h1>
      <p class="lead">{t('forgot.lead')}</p>
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/forgot-password" novalidate>
        <CsrfField />
        <Field name="email" type="email" label={t('field.email')} value={props.values.email} errors={props.errors} required autocomplete="email" />
        <Button>{t('forgot.submit')}</Button>
      </form>
    </section>
  );
}

export function ResetPasswordView(props: { token: string; errors: FormErrors; message?: string }) {
  const { t } = usePage();
  return (
    <section class="narrow">
      <h1>{t('reset.title')}</h1>
      <ErrorSummary errors={props.errors} message={props.message} />
      <form method="post" action="/reset-password" novalidate>
        <CsrfField />
        <input type="hidden" name="token" value={props.token} />
        <Field
          name="password"
          type="password"
          label={t('field.newPassword')}
          errors={props.errors}
          required
          autocomplete="new-password"
          hint={t('register.passwordHint', { count: 10 })}
        />
        <Button>{t('reset.submit')}</Button>
      </form>
    </section>
  );
}

export interface ProfileData {
  email: string;
  emailVerified: boolean;
  createdAt: Date;
}

export function AccountNav({ current }: { current: string }) {
  const { t } = usePage();
  const items = [
    ['/account', t('account.profile')],
    ['/account/notifications', t('nav.notifications')],
    ['/account/email', t('account.email')],
    ['/account/password', t('account.password')],
    ['/account/tokens', t('account.tokens')],
    ['/account/delete', t('account.delete')],
  ] as const;
  return (
    <nav aria-label={t('account.sections')} class="sub-nav">
      <ul>
        {items.map(([href, label]) => (
          <li key={href}>
            <a href={href} aria-current={current === href ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function ProfileView(props: { values: Values; errors: FormErrors; groups: MunicipalityGroup[]; profile: ProfileData }) {
  const { t, locale } = usePage();
  const { values, errors, profile } = props;
  return (
    <section>
      <h1>{t('account.title')}</h1>
      <AccountNav current="/account" />
      {!profile.emailVerified && (
        <div class="notice" role="status">
          <p>{t('account.unverified', { email: profile.email })}</p>
          <form method="post" action="/account/resend-verification">
            <CsrfField />
            <Button variant="secondary">{t('account.resend')}</Button>
          </form>
        </div>
      )}
      <p>
        {t('account.emailIs', { email: profile.email })} · {t('account.since', { date: formatDate(locale, profile.createdAt) })}
      </p>
      <ErrorSummary errors={errors} />
      <form method="post" action="/account" novalidate class="narrow">
        <CsrfField />
        <Field name="surname" label={t('field.surname')} value={values.surname} errors={errors} required autocomplete="family-name" />
        <Field name="firstName" label={t('field.firstName')} value={values.firstName} errors={errors} required autocomplete="given-name" />
        <Field name="patronymic" label={t('field.patronymic')} value={values.patronymic} errors={errors} autocomplete="additional-name" />
        <SelectField
          name="municipalityId"
          label={t('field.municipality')}
          options={municipalityOptions(props.groups)}
          value={values.municipalityId}
          errors={errors}
        />
        <Field
          name="postalAddress"
          label={t('field.postalAddress')}
          value={values.postalAddress}
          errors={errors}
          multiline
          autocomplete="street-address"
          hint={t('account.addressHint')}
        />
        <SelectField
          name="locale"
          label={t('field.locale')}
          options={[
            { value: 'ru', label: 'Русский' },
            { value: 'en', label: 'English' },
          ]}
          value={values.locale}
          errors={errors}
          required
        />
        <Button>{t('form.save')}</Button>
      </form>
      <h2>{t('account.exportTitle')}</h2>
      <p>
        <a href="/account/export.json" download="democrator-data.json">
          {t('account.export')}
        </a>
      </p>
    </section>
  );
}

export function ChangeEmailView(props: { values: Values; errors: FormErrors; message?: string; current: string }) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('account.email')}</h1>
      <AccountNav current="/account/email" />
      <p>{t('account.emailIs', { email: props.current })}</p>
      <ErrorSummary errors={props.errors} message={props.message} />
      <form method="post" action="/account/email" novalidate class="narrow">
        <CsrfField />
        <Field name="newEmail" type="email" label={t('field.newEmail')} value={props.values.newEmail} errors={props.errors} required autocomplete="email" />
        <Field name="password" type="password" label={t('field.currentPassword')} errors={props.errors} required autocomplete="current-password" />
        <Button>{t('account.changeEmail')}</Button>
      </form>
    </section>
  );
}

export function ChangePasswordView(props: { errors: FormErrors; revokeTokens: boolean }) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('account.password')}</h1>
      <AccountNav current="/account/password" />
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/account/password" novalidate class="narrow">
        <CsrfField />
        <Field name="currentPassword" type="password" label={t('field.currentPassword')} errors={props.errors} required autocomplete="current-password" />
        <Field
          name="newPassword"
          type="password"
          label={t('field.newPassword')}
          errors={props.errors}
          required
          autocomplete="new-password"
          hint={t('register.passwordHint', { count: 10 })}
        />
        <CheckboxField name="revokeTokens" label={t('password.revokeTokens')} checked={props.revokeTokens} hint={t('password.revokeTokensHint')} />
        <Button>{t('account.changePassword')}</Button>
      </form>
    </section>
  );
}

export interface TokenRow {
  id: number;
  name: string;
  prefix: string;
  scopes: TokenScope[];
  created_at: Date;
  last_used_at: Date | null;
}

function ScopeChoice(props: { chosen: readonly string[]; errors: FormErrors }) {
  const { t } = usePage();
  const problems = props.errors.filter((problem) => problem.field === 'scopes');
  return (
    <fieldset class={`field${problems.length ? ' field-error' : ''}`} id="field-scopes" aria-describedby="field-scopes-hint">
      <legend>{t('tokens.scopes')}</legend>
      <p class="hint" id="field-scopes-hint">
        {t('tokens.scopesHint')}
      </p>
      {problems.map((problem) => (
        <p key={problem.rule} class="error-message">
          {fieldMessage(t, problem)}
        </p>
      ))}
      {tokenScopes.map((scope) => (
        <div key={scope} class="checkbox">
          <input
            type="checkbox"
            id={`field-scopes-${scope}`}
            name="scopes"
            value={scope}
            checked={props.chosen.includes(scope)}
            aria-describedby={`field-scopes-${scope}-hint`}
          />
          <label for={`field-scopes-${scope}`} class="checkbox-label">
            {t(`tokens.scope.${scope}`)} <code>{scope}</code>
          </label>
          <p class="hint" id={`field-scopes-${scope}-hint`}>
            {t(`tokens.scope.${scope}Hint`)}
          </p>
        </div>
      ))}
    </fieldset>
  );
}

export function TokensView(props: { tokens: TokenRow[]; created?: string | undefined; errors: FormErrors; values: Values; scopes: readonly string[] }) {
  const { t, locale } = usePage();
  return (
    <section>
      <h1>{t('account.tokens')}</h1>
      <AccountNav current="/account/tokens" />
      <p>{t('tokens.lead')}</p>
      {props.created && (
        <div class="notice notice-success" role="status">
          <p>{t('tokens.created')}</p>
          <p>
            <code class="token" data-testid="new-token">
              {props.created}
            </code>
          </p>
        </div>
      )}
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/account/tokens" novalidate class="narrow">
        <CsrfField />
        <Field name="name" label={t('tokens.name')} value={props.values.name} errors={props.errors} required maxLength={100} hint={t('tokens.nameHint')} />
        <ScopeChoice chosen={props.scopes} errors={props.errors} />
        <Button>{t('tokens.create')}</Button>
      </form>
      {props.tokens.length === 0 ? (
        <p>{t('tokens.none')}</p>
      ) : (
        <table class="table">
          <caption>{t('tokens.caption', { count: props.tokens.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('tokens.name')}</th>
              <th scope="col">{t('tokens.prefix')}</th>
              <th scope="col">{t('tokens.scopesColumn')}</th>
              <th scope="col">{t('tokens.createdAt')}</th>
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
                <td>
                  {tokenScopes
                    .filter((scope) => token.scopes.includes(scope))
                    .map((scope) => t(`tokens.scope.${scope}`))
                    .join(', ')}
                </td>
                <td>{formatDate(locale, token.created_at)}</td>
                <td>{token.last_used_at ? formatDate(locale, token.last_used_at, true) : t('tokens.never')}</td>
                <td>
                  <form method="post" action={`/account/tokens/${token.id}/revoke`}>
                    <CsrfField />
                    <button type="submit" class="button button-danger button-small" aria-label={t('tokens.revokeNamed', { name: token.name })}>
                      {t('tokens.revoke')}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function DeleteAccountView(props: { errors: FormErrors }) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('account.delete')}</h1>
      <AccountNav current="/account/delete" />
      <div class="notice notice-warning">
        <p>{t('delete.warning')}</p>
      </div>
      <h2>{t('delete.step1')}</h2>
      <p>
        <a class="button button-secondary" href="/account/export.json" download="democrator-data.json">
          {t('account.export')}
        </a>
      </p>
      <h2>{t('delete.step2')}</h2>
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/account/delete" novalidate class="narrow">
        <CsrfField />
        <div class={`field${props.errors.some((e) => e.field === 'confirm') ? ' field-error' : ''}`}>
          <input type="checkbox" id="field-confirm" name="confirm" value="yes" required />
          <label for="field-confirm" class="checkbox-label">
            {t('delete.confirm')}
          </label>
        </div>
        <Field name="password" type="password" label={t('field.currentPassword')} errors={props.errors} required autocomplete="current-password" />
        <Button variant="danger">{t('delete.submit')}</Button>
      </form>
    </section>
  );
}
