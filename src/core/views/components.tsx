/** Form and page pieces shared by every module, accessible by construction (labels, error links). */
import type { ComponentChildren } from 'preact';
import type { FieldProblem } from '../errors.ts';
import { isMessageKey } from '../i18n/i18n.ts';
import { usePage } from './page-context.ts';

export type FormErrors = FieldProblem[];

export function fieldMessage(t: ReturnType<typeof usePage>['t'], problem: FieldProblem): string {
  const key = `validation.${problem.rule}`;
  return isMessageKey(key) ? t(key, problem.params) : t('validation.invalid');
}

export function CsrfField() {
  const { csrfToken } = usePage();
  return <input type="hidden" name="_csrf" value={csrfToken} />;
}

/** GOV.UK-style summary at the top of a form: every problem, each linking to its field. */
export function ErrorSummary({ errors, message }: { errors?: FormErrors; message?: string | undefined }) {
  const { t } = usePage();
  if ((!errors || errors.length === 0) && !message) return null;
  return (
    <div class="error-summary" role="alert" tabIndex={-1} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{t('form.errorSummary')}</h2>
      {message && <p>{message}</p>}
      {errors && errors.length > 0 && (
        <ul>
          {errors.map((problem) => (
            <li key={`${problem.field}-${problem.rule}`}>
              <a href={`#field-${problem.field}`}>{fieldMessage(t, problem)}</a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface FieldProps {
  name: string;
  label: string;
  type?: string;
  value?: string | null | undefined;
  errors?: FormErrors | undefined;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  multiline?: boolean;
  inputMode?: 'numeric' | 'decimal' | 'email' | 'text' | 'search' | 'tel' | 'url';
  maxLength?: number;
}

export function Field(props: FieldProps) {
  const { t } = usePage();
  const id = `field-${props.name}`;
  const problems = (props.errors ?? []).filter((p) => p.field === props.name);
  const describedBy = [props.hint ? `${id}-hint` : null, problems.length ? `${id}-error` : null].filter(Boolean).join(' ');
  const common = {
    id,
    name: props.name,
    required: props.required,
    autocomplete: props.autocomplete,
    'aria-invalid': problems.length > 0 ? ('true' as const) : undefined,
    'aria-describedby': describedBy || undefined,
    maxLength: props.maxLength,
  };
  return (
    <div class={`field${problems.length ? ' field-error' : ''}`}>
      <label for={id}>
        {props.label}
        {!props.required && <span class="optional"> {t('form.optional')}</span>}
      </label>
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {problems.length > 0 && (
        <p class="error-message" id={`${id}-error`}>
          {problems.map((p) => fieldMessage(t, p)).join(' ')}
        </p>
      )}
      {props.multiline ? (
        <textarea {...common} rows={4}>
          {props.value ?? ''}
        </textarea>
      ) : (
        <input {...common} type={(props.type ?? 'text') as 'text'} value={props.value ?? ''} inputMode={props.inputMode} />
      )}
    </div>
  );
}

export interface SelectOption {
  value: string;
  label: string;
  group?: string;
}

/** One yes/no choice: the box, its label beside it and a hint below; the form sends `value` only when ticked. */
export function CheckboxField(props: { name: string; label: string; checked: boolean; hint?: string | undefined; value?: string }) {
  const id = `field-${props.name}`;
  return (
    <div class="field">
      <input
        type="checkbox"
        id={id}
        name={props.name}
        value={props.value ?? 'yes'}
        checked={props.checked}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      <label for={id} class="checkbox-label">
        {props.label}
      </label>
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

export function SelectField(props: {
  name: string;
  label: string;
  options: SelectOption[];
  value?: string | null | undefined;
  errors?: FormErrors | undefined;
  required?: boolean;
  emptyLabel?: string;
  hint?: string;
}) {
  const { t } = usePage();
  const id = `field-${props.name}`;
  const problems = (props.errors ?? []).filter((p) => p.field === props.name);
  const groups = new Map<string, SelectOption[]>();
  for (const option of props.options) {
    const group = option.group ?? '';
    groups.set(group, [...(groups.get(group) ?? []), option]);
  }
  const renderOption = (option: SelectOption) => (
    <option value={option.value} selected={option.value === props.value} key={option.value}>
      {option.label}
    </option>
  );
  return (
    <div class={`field${problems.length ? ' field-error' : ''}`}>
      <label for={id}>
        {props.label}
        {!props.required && <span class="optional"> {t('form.optional')}</span>}
      </label>
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {problems.length > 0 && (
        <p class="error-message" id={`${id}-error`}>
          {problems.map((p) => fieldMessage(t, p)).join(' ')}
        </p>
      )}
      <select
        id={id}
        name={props.name}
        required={props.required}
        aria-invalid={problems.length > 0 ? 'true' : undefined}
        aria-describedby={[props.hint ? `${id}-hint` : null, problems.length ? `${id}-error` : null].filter(Boolean).join(' ') || undefined}
      >
        <option value="">{props.emptyLabel ?? t('form.choose')}</option>
        {[...groups.entries()].map(([group, options]) =>
          group ? (
            <optgroup label={group} key={group}>
              {options.map(renderOption)}
            </optgroup>
          ) : (
            options.map(renderOption)
          ),
        )}
      </select>
    </div>
  );
}

export function Breadcrumbs({ items }: { items: { href?: string; label: string }[] }) {
  const { t } = usePage();
  return (
    <nav aria-label={t('layout.breadcrumbs')} class="breadcrumbs">
      <ol>
        {items.map((item) => (
          <li key={item.label}>{item.href ? <a href={item.href}>{item.label}</a> : <span aria-current="page">{item.label}</span>}</li>
        ))}
      </ol>
    </nav>
  );
}

export function Pagination({ page, pageSize, total, href }: { page: number; pageSize: number; total: number; href: (page: number) => string }) {
  const { t } = usePage();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  return (
    <nav aria-label={t('pagination.label')} class="pagination">
      {page > 1 && (
        <a href={href(page - 1)} rel="prev">
          {t('pagination.previous')}
        </a>
      )}
      <span>{t('pagination.status', { page, pages })}</span>
      {page < pages && (
        <a href={href(page + 1)} rel="next">
          {t('pagination.next')}
        </a>
      )}
    </nav>
  );
}

export function Button({ children, variant = 'primary' }: { children: ComponentChildren; variant?: 'primary' | 'secondary' | 'danger' }) {
  return (
    <button type="submit" class={`button button-${variant}`}>
      {children}
    </button>
  );
}

/** What an unverified or anonymous visitor sees instead of a form they cannot send. */
export function SignInNeeded({ title, text, action }: { title: string; text: string; action: { href: string; label: string } }) {
  return (
    <section class="narrow">
      <h1>{title}</h1>
      <p class="lead">{text}</p>
      <p>
        <a class="button" href={action.href}>
          {action.label}
        </a>
      </p>
    </section>
  );
}

/**
 * The holder the browser's script (client/captcha.ts) fills with the ALTCHA widget, which solves a proof of work
 * (core/security/altcha.ts) and adds the `altcha` field; nothing when ALTCHA is switched off. Hidden until the script
 * runs, so without JavaScript the form is sent without it. A page that has one loads `captcha.js`.
 */
export function AltchaHolder() {
  const { t, locale, altchaEnabled } = usePage();
  if (!altchaEnabled) return null;
  const strings = {
    label: t('altcha.label'),
    verifying: t('altcha.verifying'),
    verified: t('altcha.verified'),
    error: t('altcha.error'),
    expired: t('altcha.expired'),
    verificationRequired: t('altcha.verificationRequired'),
    waitAlert: t('altcha.waitAlert'),
    loading: t('altcha.loading'),
    reload: t('altcha.reload'),
    verify: t('altcha.verify'),
    ariaLinkLabel: t('altcha.ariaLinkLabel'),
    footer: '',
  };
  return <div class="captcha-widget" data-challenge-url="/api/v1/altcha/challenge" data-locale={locale} data-strings={JSON.stringify(strings)} hidden />;
}

/** A form's proof of work where there is no question to fall back on (signing, publishing): the holder and the error of a refused solution, which the error summary links to. */
export function ProofOfWorkField({ errors }: { errors?: FormErrors | undefined }) {
  const { t, altchaEnabled } = usePage();
  const problems = (errors ?? []).filter((problem) => problem.field === 'altcha');
  if (!altchaEnabled && problems.length === 0) return null;
  return (
    <div class={`proof-of-work${problems.length ? ' field-error' : ''}`} id="field-altcha">
      {problems.map((problem) => (
        <p key={problem.rule} class="error-message">
          {fieldMessage(t, problem)}
        </p>
      ))}
      <AltchaHolder />
    </div>
  );
}
