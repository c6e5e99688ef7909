/** Notification pages: the in-site list, the account's notification settings, and unsubscribing from a mail. */
import type { NotificationMailChoice } from '../../core/db/schema.ts';
import { formatDate } from '../../core/i18n/i18n.ts';
import type { FormErrors } from '../../core/views/components.tsx';
import { Button, CheckboxField, CsrfField, ErrorSummary, Pagination, SelectField } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { AccountNav } from '../accounts/accounts.views.tsx';
import { mailChoices, type UnsubscribeScope, type UnsubscribeTarget } from './notifications.rules.ts';
import type { NotificationPage, Preferences } from './notifications.service.ts';
import { kindLabel, notificationPath, notificationText } from './notifications.texts.ts';

export function NotificationsView(props: { page: NotificationPage; pageNumber: number; pageSize: number }) {
  const { t, locale } = usePage();
  const { items, total, unread } = props.page;
  const here = props.pageNumber > 1 ? `/notifications?page=${props.pageNumber}` : '/notifications';
  return (
    <section>
      <h1>{t('notifications.title')}</h1>
      <p class="lead">{t('notifications.lead')}</p>
      <div class="notifications-actions">
        <p class="muted">
          {t('notifications.caption', { count: total })}
          {unread > 0 && ` · ${t('notifications.unreadSummary', { count: unread })}`}
        </p>
        {unread > 0 && (
          <form method="post" action="/notifications/read-all" class="inline-form">
            <CsrfField />
            <input type="hidden" name="return" value={here} />
            <Button variant="secondary">{t('notifications.markAllRead')}</Button>
          </form>
        )}
        <a href="/account/notifications">{t('notifications.settingsLink')}</a>
      </div>
      {items.length === 0 ? (
        <p>{t('notifications.empty')}</p>
      ) : (
        <ol class="notification-list">
          {items.map((item) => {
            const text = notificationText(locale, item);
            return (
              <li key={item.id} class={`notification${item.read_at ? '' : ' notification-unread'}`} data-testid="notification">
                <p class="notification-text">
                  {!item.read_at && <span class="badge badge-new">{t('notifications.new')}</span>} <a href={notificationPath(item)}>{text}</a>
                </p>
                <p class="notification-meta muted">
                  <time dateTime={item.created_at.toISOString()}>{formatDate(locale, item.created_at, true)}</time> · {t(`notifications.reason.${item.reason}`)}{' '}
                  · {t(`notifications.mailState.${item.mail}`)}
                </p>
                {!item.read_at && (
                  <form method="post" action={`/notifications/${item.id}/read`} class="notification-read">
                    <CsrfField />
                    <input type="hidden" name="return" value={here} />
                    <button type="submit" class="button button-secondary button-small" aria-label={t('notifications.markReadNamed', { text })}>
                      {t('notifications.markRead')}
                    </button>
                  </form>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <Pagination page={props.pageNumber} pageSize={props.pageSize} total={total} href={(page) => `/notifications?page=${page}`} />
    </section>
  );
}

function ChoiceRadios(props: { name: string; legend: string; hint?: string; value: NotificationMailChoice; errors: FormErrors }) {
  const { t } = usePage();
  const problems = props.errors.filter((p) => p.field === props.name);
  return (
    <fieldset class={`choice-group${problems.length ? ' field-error' : ''}`} id={`field-${props.name}`}>
      <legend>{props.legend}</legend>
      {props.hint && <p class="hint">{props.hint}</p>}
      <div class="radios-inline">
        {mailChoices.map((choice) => (
          <span class="radio" key={choice}>
            <input type="radio" id={`field-${props.name}-${choice}`} name={props.name} value={choice} checked={props.value === choice} />
            <label for={`field-${props.name}-${choice}`}>{t(`preferences.choice.${choice}`)}</label>
          </span>
        ))}
      </div>
    </fieldset>
  );
}

export function PreferencesView(props: { preferences: Preferences; errors: FormErrors }) {
  const { t, locale } = usePage();
  const { preferences, errors } = props;
  return (
    <section>
      <h1>{t('preferences.title')}</h1>
      <AccountNav current="/account/notifications" />
      <p class="lead">{t('preferences.lead')}</p>
      <ErrorSummary errors={errors} />
      <form method="post" action="/account/notifications" novalidate class="preferences-form">
        <CsrfField />
        <CheckboxField name="mailEnabled" label={t('preferences.mailEnabled')} checked={preferences.mailEnabled} hint={t('preferences.mailEnabledHint')} />
        <h2>{t('preferences.kinds')}</h2>
        {preferences.kinds.map((kind) => (
          <ChoiceRadios key={kind.kind} name={`kind.${kind.kind}`} legend={kindLabel(locale, kind.kind)} value={kind.choice ?? kind.default} errors={errors} />
        ))}
        <CheckboxField
          name="unlimitedAppealMail"
          label={t('preferences.unlimited')}
          checked={preferences.unlimitedAppealMail}
          hint={t('preferences.unlimitedHint')}
        />
        <h2>{t('preferences.problems')}</h2>
        {preferences.problems.length === 0 ? (
          <p>{t('preferences.problemsNone')}</p>
        ) : (
          <>
            <p class="hint">{t('preferences.problemsLead')}</p>
            {preferences.problems.map((problem) => (
              <SelectField
                key={problem.problemId}
                name={`problem.${problem.problemId}`}
                label={t('preferences.problemLabel', { id: problem.problemId, title: problem.title })}
                options={[
                  { value: 'inherit', label: t('preferences.choice.inherit') },
                  ...mailChoices.map((choice) => ({ value: choice, label: t(`preferences.choice.${choice}`) })),
                ]}
                value={problem.choice ?? 'inherit'}
                errors={errors}
                required
              />
            ))}
          </>
        )}
        <Button>{t('preferences.save')}</Button>
      </form>
    </section>
  );
}

function targetLabel(t: ReturnType<typeof usePage>['t'], locale: ReturnType<typeof usePage>['locale'], scope: UnsubscribeScope, target: UnsubscribeTarget) {
  if (target === 'problem') return t('unsubscribe.target.problem', { id: scope.problemId ?? 0 });
  if (target === 'kind' && scope.kind !== 'digest') return t('unsubscribe.target.kind', { kind: kindLabel(locale, scope.kind) });
  return t('unsubscribe.target.all');
}

/** A GET only shows this page (mail scanners fetch links); the button's POST unsubscribes. */
export function UnsubscribeView(props: { token: string; scope: UnsubscribeScope; targets: UnsubscribeTarget[] }) {
  const { t, locale } = usePage();
  return (
    <section class="narrow">
      <h1>{t('unsubscribe.title')}</h1>
      <form method="post" action={`/unsubscribe/${props.token}`}>
        <fieldset>
          <legend>{t('unsubscribe.lead')}</legend>
          {props.targets.map((target, index) => (
            <div class="field radio" key={target}>
              <input type="radio" id={`field-target-${target}`} name="target" value={target} checked={index === 0} />
              <label for={`field-target-${target}`} class="checkbox-label">
                {targetLabel(t, locale, props.scope, target)}
              </label>
            </div>
          ))}
        </fieldset>
        <Button>{t('unsubscribe.submit')}</Button>
      </form>
    </section>
  );
}

export function UnsubscribedView(props: { scope: UnsubscribeScope; target: UnsubscribeTarget }) {
  const { t, locale } = usePage();
  const { scope, target } = props;
  const done =
    target === 'problem'
      ? t('unsubscribe.done.problem', { id: scope.problemId ?? 0 })
      : target === 'kind' && scope.kind !== 'digest'
        ? t('unsubscribe.done.kind', { kind: kindLabel(locale, scope.kind) })
        : t('unsubscribe.done.all');
  return (
    <section class="narrow">
      <h1>{t('unsubscribe.doneTitle')}</h1>
      <p class="lead">{done}</p>
      <p>{t('unsubscribe.siteStill')}</p>
      <p>
        <a href="/account/notifications">{t('unsubscribe.settings')}</a>
      </p>
    </section>
  );
}
