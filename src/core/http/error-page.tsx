/**
 * Error pages in GOV.UK's pattern: a plain-language title saying what happened, the specific reason,
 * and what to do next — never a bare status code. The status stays in a small caption for support.
 */
import type { ErrorCode } from '../errors.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import { usePage } from '../views/page-context.ts';

/** Errors that share a title and a next step. */
export type ErrorKind =
  | 'not_found'
  | 'sign_in'
  | 'verify_email'
  | 'forbidden'
  | 'expired_form'
  | 'rate_limited'
  | 'check_input'
  | 'conflict'
  | 'hidden'
  | 'unavailable'
  | 'internal';

export function errorKind(code: ErrorCode, status: number): ErrorKind {
  switch (code) {
    case 'not_found':
      return 'not_found';
    case 'unauthenticated':
      return 'sign_in';
    case 'email_not_verified':
      return 'verify_email';
    case 'csrf_invalid':
      return 'expired_form';
    case 'rate_limited':
      return 'rate_limited';
    case 'service_unavailable':
      return 'unavailable';
    case 'content_hidden':
      return 'hidden';
  }
  if (status === 403) return 'forbidden';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'internal';
  return 'check_input';
}

/** The heading of an error page, also its document title. */
export const errorHeading = (kind: ErrorKind): MessageKey => `errors.heading.${kind}` as MessageKey;

export interface ErrorPageProps {
  status: number;
  kind: ErrorKind;
  message: string;
  fields: string[];
  /** For a 429: seconds until the limit lets the next attempt through. */
  retryAfterSeconds?: number | undefined;
  /** The page the visitor was on, for "sign in and come back". */
  returnPath: string;
}

/** Called as a function by the error handler, so the hooks live in the component it returns. */
export function ErrorPage(props: ErrorPageProps) {
  return <ErrorBody {...props} />;
}

function ErrorBody(props: ErrorPageProps) {
  const { t } = usePage();
  const { status, kind, message, fields, retryAfterSeconds, returnPath } = props;
  return (
    <section class="error-page" aria-labelledby="error-title">
      <p class="error-status">{t('errors.title', { status })}</p>
      <h1 id="error-title">{t(errorHeading(kind))}</h1>
      <p class="error-message">{message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((field) => (
            <li key={field}>{field}</li>
          ))}
        </ul>
      )}
      <NextStep kind={kind} retryAfterSeconds={retryAfterSeconds} returnPath={returnPath} />
      <p>
        <a href="/">{t('errors.home')}</a>
      </p>
    </section>
  );
}

function NextStep({ kind, retryAfterSeconds, returnPath }: { kind: ErrorKind; retryAfterSeconds?: number | undefined; returnPath: string }) {
  const { t } = usePage();
  switch (kind) {
    case 'not_found':
      return (
        <p>
          {t('errors.next.not_found')} <a href="/problems">{t('errors.next.search')}</a>
        </p>
      );
    case 'sign_in':
      return (
        <p>
          <a href={`/login?return=${encodeURIComponent(returnPath)}`}>{t('errors.next.sign_in')}</a> {t('errors.next.sign_in_or')}{' '}
          <a href="/register">{t('errors.next.register')}</a>
        </p>
      );
    case 'verify_email':
      return (
        <p>
          {t('errors.next.verify_email')} <a href="/account">{t('errors.next.account')}</a>
        </p>
      );
    case 'rate_limited':
      return <p>{retryAfterSeconds ? retryIn(t, retryAfterSeconds) : t('errors.next.rate_limited')}</p>;
    case 'hidden':
      return (
        <p>
          {t('errors.next.hidden')} <a href="/moderation/mine">{t('errors.next.hiddenLink')}</a>
        </p>
      );
    default:
      return <p>{t(`errors.next.${kind}` as MessageKey)}</p>;
  }
}

/** «Попробуйте снова через 40 секунд» / «через 3 минуты»: minutes from two minutes on, rounded up. */
export function retryIn(t: (key: MessageKey, params?: Record<string, number>) => string, seconds: number): string {
  return seconds < 120 ? t('errors.retry.seconds', { count: Math.ceil(seconds) }) : t('errors.retry.minutes', { count: Math.ceil(seconds / 60) });
}
