/**
 * The cabinet's pages: the list of one's cabinets, the inbox (filters, saved views, bulk actions), an appeal as its
 * addressee works on it (registration, assignment, extension, the answer and its approval), the members and the
 * settings, the templates, and joining. Every form is a plain POST that works without JavaScript.
 */
import type { ComponentChildren } from 'preact';
import type { AnswerTemplate, Appeal, MemberRole, Organization } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate, type MessageKey } from '../../core/i18n/i18n.ts';
import {
  Breadcrumbs,
  Button,
  CheckboxField,
  CsrfField,
  ErrorSummary,
  Field,
  Pagination,
  SelectField,
  type SelectOption,
} from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { AppealStatusTag } from '../../core/views/status-tags.tsx';
import { MonthlyChart, MonthlyTable, PartValue } from '../answers/answers.ratings.views.tsx';
import { answerUploadLimits } from '../answers/answers.upload.ts';
import { type InboxFilter, type InboxItem, inboxSorts, inboxStates } from '../appeals/appeals.cabinet.ts';
import { forwardingDays, maxExtensionDays } from '../appeals/appeals.deadlines.ts';
import { type ForwardingRecord, forwardingReasonLimits } from '../appeals/appeals.forwarding.ts';
import { DaysLeft } from '../appeals/appeals.views.tsx';
import type { Member } from '../organizations/organizations.members.ts';
import type { ProblemListItem } from '../problems/problems.service.ts';
import type { DraftView } from './cabinet.answers.ts';
import type { MembershipState, RequestListItem } from './cabinet.members.ts';
import { type Oversight, type OversightSort, oversightSorts } from './cabinet.oversight.ts';
import { answerTextMaxLength, memberRoles } from './cabinet.rules.ts';

export type CabinetSection = 'inbox' | 'messages' | 'problems' | 'members' | 'templates' | 'letterhead' | 'documents' | 'oversight' | 'webhooks' | 'tokens';

function memberName(member: Pick<Member, 'first_name' | 'surname' | 'patronymic'>): string {
  return [member.surname, member.first_name, member.patronymic].filter(Boolean).join(' ');
}

export function CabinetHeader({ organization, current, role }: { organization: Organization; current: CabinetSection; role: MemberRole }) {
  const { t } = usePage();
  const base = `/cabinet/${organization.slug}`;
  const links: [CabinetSection, string, MessageKey][] = [
    ['inbox', base, 'cabinet.nav.inbox'],
    ['messages', `${base}/messages`, 'cabinet.nav.messages'],
    ['problems', `${base}/problems`, 'cabinet.nav.problems'],
    ['members', `${base}/members`, 'cabinet.nav.members'],
    ['templates', `${base}/templates`, 'cabinet.nav.templates'],
    ['letterhead', `${base}/letterhead`, 'cabinet.nav.letterhead'],
    ['documents', `${base}/documents`, 'cabinet.nav.documents'],
    ['oversight', `${base}/oversight`, 'cabinet.nav.oversight'],
    // The webhooks carry their signing secrets: the head's alone.
    ...(role === 'head' ? [['webhooks', `${base}/webhooks`, 'cabinet.nav.webhooks'] as [CabinetSection, string, MessageKey]] : []),
    // So are the organization's API tokens.
    ...(role === 'head' ? [['tokens', `${base}/tokens`, 'cabinet.nav.tokens'] as [CabinetSection, string, MessageKey]] : []),
  ];
  return (
    <header class="cabinet-header">
      <p class="muted cabinet-kicker">
        {t('cabinet.kicker')} · {t(`cabinet.role.${role}` as MessageKey)}
      </p>
      <h1>{organization.name}</h1>
      <nav aria-label={t('cabinet.nav.label')} class="cabinet-nav">
        <ul>
          {links.map(([section, href, label]) => (
            <li key={section}>
              <a href={href} aria-current={section === current ? 'page' : undefined}>
                {t(label)}
              </a>
            </li>
          ))}
          <li>
            <a href={`/organizations/${organization.slug}`}>{t('cabinet.nav.publicPage')}</a>
          </li>
        </ul>
      </nav>
    </header>
  );
}

export function CabinetIndexPage({ organizations }: { organizations: (Pick<Organization, 'slug' | 'name'> & { role: MemberRole })[] }) {
  const { t } = usePage();
  return (
    <section class="narrow">
      <h1>{t('cabinet.indexTitle')}</h1>
      <p class="lead">{t('cabinet.indexLead')}</p>
      <ul class="plain-list cabinet-list">
        {organizations.map((organization) => (
          <li key={organization.slug}>
            <a href={`/cabinet/${organization.slug}`}>{organization.name}</a>{' '}
            <span class="muted">— {t(`cabinet.role.${organization.role}` as MessageKey)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export interface InboxPageProps {
  organization: Organization;
  role: MemberRole;
  actorId: number;
  summary: { awaiting: number; overdue: number; unregistered: number; review: number };
  filter: InboxFilter;
  result: { items: InboxItem[]; total: number; capped: boolean };
  members: Member[];
  categories: SelectOption[];
  templates: AnswerTemplate[];
  savedViews: { id: number; name: string; query: string }[];
  /** The current filters as a query string (without the page), for the pages' links and for saving the view. */
  query: string;
  timeZone: string;
  now: Date;
  errors: FieldProblem[];
}

function Figure({ value, label, href }: { value: number; label: string; href: string }) {
  return (
    <a class="cabinet-figure" href={href}>
      <span class="cabinet-figure-value">{value}</span>
      <span class="cabinet-figure-label">{label}</span>
    </a>
  );
}

export function InboxPage(props: InboxPageProps) {
  const { t, locale } = usePage();
  const { organization, filter, result, members, timeZone, now } = props;
  const base = `/cabinet/${organization.slug}`;
  const pages = Math.max(1, Math.ceil(result.total / filter.perPage));
  const pageHref = (page: number) => `${base}?${[props.query, page > 1 ? `page=${page}` : ''].filter(Boolean).join('&')}`;
  const memberOptions: SelectOption[] = members.map((m) => ({ value: String(m.user_id), label: memberName(m) }));
  const assigneeValue = filter.assignee === null ? '' : String(filter.assignee);
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="inbox" role={props.role} />
      <ul class="cabinet-figures">
        <li>
          <Figure value={props.summary.awaiting} label={t('cabinet.summary.awaiting', { count: props.summary.awaiting })} href={`${base}?state=awaiting`} />
        </li>
        <li>
          <Figure
            value={props.summary.overdue}
            label={t('cabinet.summary.overdue', { count: props.summary.overdue })}
            href={`${base}?state=awaiting&overdue=1`}
          />
        </li>
        <li>
          <Figure
            value={props.summary.unregistered}
            label={t('cabinet.summary.unregistered', { count: props.summary.unregistered })}
            href={`${base}?state=unregistered`}
          />
        </li>
        <li>
          <Figure value={props.summary.review} label={t('cabinet.summary.review', { count: props.summary.review })} href={`${base}?state=review`} />
        </li>
      </ul>

      <div class="cabinet-layout">
        <aside class="cabinet-filters" aria-labelledby="inbox-filters-title">
          <h2 id="inbox-filters-title">{t('cabinet.filters.title')}</h2>
          <form method="get" action={base} class="filters">
            <div class="field">
              <label for="field-q">{t('cabinet.filters.search')}</label>
              <p class="hint" id="field-q-hint">
                {t('cabinet.filters.searchHint')}
              </p>
              <input type="search" id="field-q" name="q" value={filter.search} aria-describedby="field-q-hint" />
            </div>
            <SelectField
              name="state"
              label={t('cabinet.filters.state')}
              options={inboxStates.map((state) => ({ value: state, label: t(`cabinet.state.${state}` as MessageKey) }))}
              value={filter.state}
              emptyLabel={t('cabinet.state.awaiting')}
            />
            <CheckboxField name="overdue" value="1" label={t('cabinet.filters.overdue')} checked={filter.overdue} />
            <SelectField
              name="assignee"
              label={t('cabinet.filters.assignee')}
              options={[
                { value: String(props.actorId), label: t('cabinet.filters.assignedToMe') },
                { value: 'none', label: t('cabinet.filters.unassigned') },
                ...memberOptions,
              ]}
              value={assigneeValue}
              emptyLabel={t('cabinet.filters.anyone')}
            />
            <SelectField
              name="category"
              label={t('cabinet.filters.category')}
              options={props.categories}
              value={filter.categorySlug ?? ''}
              emptyLabel={t('cabinet.filters.anyCategory')}
            />
            <Field
              name="territory"
              label={t('cabinet.filters.territory')}
              hint={t('cabinet.filters.territoryHint')}
              value={filter.territoryOktmo ?? ''}
              inputMode="numeric"
            />
            <SelectField
              name="sort"
              label={t('cabinet.filters.sort')}
              options={inboxSorts.map((sort) => ({ value: sort, label: t(`cabinet.sort.${sort}` as MessageKey) }))}
              value={filter.sort}
              emptyLabel={t('cabinet.sort.due')}
            />
            <Button variant="secondary">{t('cabinet.filters.apply')}</Button>
          </form>
          <h2>{t('cabinet.views.title')}</h2>
          {props.savedViews.length === 0 ? (
            <p class="muted">{t('cabinet.views.none')}</p>
          ) : (
            <ul class="plain-list saved-views">
              {props.savedViews.map((view) => (
                <li key={view.id}>
                  <a href={`${base}?${view.query}`}>{view.name}</a>
                  <form method="post" action={`${base}/views/${view.id}/delete`} class="inline-form">
                    <CsrfField />
                    <button type="submit" class="link-button">
                      {t('cabinet.views.delete')}
                      <span class="visually-hidden"> «{view.name}»</span>
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          )}
          <form method="post" action={`${base}/views`}>
            <CsrfField />
            <input type="hidden" name="query" value={props.query} />
            <Field name="name" label={t('cabinet.views.name')} hint={t('cabinet.views.nameHint')} errors={props.errors} maxLength={100} />
            <Button variant="secondary">{t('cabinet.views.save')}</Button>
          </form>
        </aside>

        <div class="cabinet-main">
          <h2 class="inbox-count">
            {result.capped ? t('cabinet.inbox.countCapped', { count: result.total }) : t('cabinet.inbox.count', { count: result.total })}
          </h2>
          <ErrorSummary errors={props.errors} />
          {result.items.length === 0 ? (
            <p class="muted">{t('cabinet.inbox.empty')}</p>
          ) : (
            <form method="post" action={`${base}/bulk`}>
              <CsrfField />
              <input type="hidden" name="return" value={props.query} />
              <div class="table-scroll">
                <table class="table inbox-table">
                  <caption class="visually-hidden">{t('cabinet.inbox.caption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">
                        <span class="visually-hidden">{t('cabinet.inbox.select')}</span>
                      </th>
                      <th scope="col">{t('cabinet.inbox.appeal')}</th>
                      <th scope="col">{t('cabinet.inbox.state')}</th>
                      <th scope="col">{t('cabinet.inbox.due')}</th>
                      <th scope="col" class="numeric">
                        {t('cabinet.inbox.signatures')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.items.map((item) => (
                      <tr key={item.id}>
                        <td class="inbox-select">
                          <input type="checkbox" name="appealIds" value={String(item.id)} id={`select-${item.id}`} aria-labelledby={`appeal-${item.id}`} />
                        </td>
                        <td class="inbox-title">
                          <a href={`${base}/appeals/${item.id}`} id={`appeal-${item.id}`}>
                            № {item.id}. {item.title}
                          </a>
                          <span class="muted inbox-meta">
                            {item.sent_at && t('cabinet.inbox.receivedOn', { date: formatDate(locale, item.sent_at, false, timeZone) })}
                            {item.registration_number && <> · {t('cabinet.inbox.registrationNumber', { number: item.registration_number })}</>}
                          </span>
                          <span class="inbox-meta">
                            {item.assignee_surname
                              ? t('cabinet.inbox.assignedTo', { name: `${item.assignee_first_name} ${item.assignee_surname}` })
                              : t('cabinet.inbox.unassigned')}
                          </span>
                        </td>
                        <td data-label={t('cabinet.inbox.state')}>
                          <AppealStatusTag status={item.status} />
                          {item.extended_at && <span class="muted nowrap"> · {t('cabinet.inbox.extended')}</span>}
                        </td>
                        <td data-label={t('cabinet.inbox.due')}>
                          {item.answer_due_at ? (
                            <>
                              <span class="nowrap">{formatDate(locale, item.answer_due_at, false, timeZone)}</span>
                              {(item.status === 'sent' || item.status === 'registered') && (
                                <DaysLeft dueAt={item.answer_due_at} now={now} timeZone={timeZone} />
                              )}
                            </>
                          ) : (
                            '—'
                          )}
                        </td>
                        <td class="numeric" data-label={t('cabinet.inbox.signatures')}>
                          {item.signatures}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <fieldset class="bulk-actions">
                <legend>{t('cabinet.bulk.legend')}</legend>
                <div class="bulk-row">
                  <SelectField
                    name="assigneeId"
                    label={t('cabinet.bulk.assignTo')}
                    options={[{ value: 'none', label: t('cabinet.bulk.nobody') }, ...memberOptions]}
                  />
                  <button type="submit" name="action" value="assign" class="button button-secondary">
                    {t('cabinet.bulk.assign')}
                  </button>
                </div>
                <div class="bulk-row">
                  <button type="submit" name="action" value="register" class="button button-secondary">
                    {t('cabinet.bulk.register')}
                  </button>
                </div>
                {props.templates.length > 0 && (
                  <div class="bulk-row">
                    <SelectField
                      name="templateId"
                      label={t('cabinet.bulk.template')}
                      options={props.templates.map((tpl) => ({ value: String(tpl.id), label: tpl.title }))}
                    />
                    <button type="submit" name="action" value="draftFromTemplate" class="button button-secondary">
                      {t('cabinet.bulk.draftFromTemplate')}
                    </button>
                  </div>
                )}
              </fieldset>
            </form>
          )}
          {pages > 1 && (
            <nav aria-label={t('pagination.label')} class="pagination">
              {filter.page > 1 && (
                <a href={pageHref(filter.page - 1)} rel="prev">
                  {t('pagination.previous')}
                </a>
              )}
              <span>{t('pagination.status', { page: filter.page, pages })}</span>
              {filter.page < pages && (
                <a href={pageHref(filter.page + 1)} rel="next">
                  {t('pagination.next')}
                </a>
              )}
            </nav>
          )}
        </div>
      </div>
    </section>
  );
}

export function BulkRegisterPage(props: {
  organization: Organization;
  role: MemberRole;
  appeals: Appeal[];
  values: { registeredOn: string; numbers: Record<number, string> };
  errors: FieldProblem[];
}) {
  const { t } = usePage();
  const base = `/cabinet/${props.organization.slug}`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="inbox" role={props.role} />
      <h2>{t('cabinet.register.title', { count: props.appeals.length })}</h2>
      <p>{t('cabinet.register.lead')}</p>
      <ErrorSummary errors={props.errors} />
      <form method="post" action={`${base}/register`} novalidate>
        <CsrfField />
        <Field
          name="registeredOn"
          label={t('cabinet.register.date')}
          hint={t('cabinet.register.dateHint')}
          value={props.values.registeredOn}
          errors={props.errors}
          required
          autocomplete="off"
        />
        {props.appeals.map((appeal) => (
          <div key={appeal.id}>
            <input type="hidden" name="appealIds" value={String(appeal.id)} />
            <Field
              name={`registrationNumber-${appeal.id}`}
              label={t('cabinet.register.number', { id: appeal.id, title: appeal.title })}
              value={props.values.numbers[appeal.id] ?? ''}
              errors={props.errors}
              required
              autocomplete="off"
              maxLength={100}
            />
          </div>
        ))}
        <div class="actions">
          <Button>{t('cabinet.register.submit', { count: props.appeals.length })}</Button>
          <a href={base}>{t('cabinet.cancel')}</a>
        </div>
      </form>
    </section>
  );
}

export interface AppealWorkValues {
  registrationNumber: string;
  registeredOn: string;
  days: string;
  reason: string;
  text: string;
  outgoingNumber: string;
  outgoingDate: string;
  returnReason: string;
}

export const emptyWorkValues: AppealWorkValues = {
  registrationNumber: '',
  registeredOn: '',
  days: '',
  reason: '',
  text: '',
  outgoingNumber: '',
  outgoingDate: '',
  returnReason: '',
};

export interface CabinetAppealPageProps {
  organization: Organization;
  role: MemberRole;
  appeal: Appeal;
  signatures: number;
  signedText: string;
  hasLetter: boolean;
  timeZone: string;
  now: Date;
  members: Member[];
  templates: AnswerTemplate[];
  draft: DraftView;
  canPublish: boolean;
  /** The official may forward it to the competent body now (sent or registered, not yet forwarded). */
  canForward: boolean;
  /** Where a forwarded appeal went, when, why, and whether within the 7 days. */
  forwarding: ForwardingRecord | null;
  /** Which form the errors belong to. */
  form: 'register' | 'assign' | 'extend' | 'answer' | 'return' | null;
  values: AppealWorkValues;
  errors: FieldProblem[];
}

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="cabinet-section" aria-labelledby={`${id}-title`} id={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

export function CabinetAppealPage(props: CabinetAppealPageProps) {
  const { t, locale } = usePage();
  const { organization, appeal, timeZone, now, draft } = props;
  const base = `/cabinet/${organization.slug}/appeals/${appeal.id}`;
  const errorsOf = (form: CabinetAppealPageProps['form']) => (props.form === form ? props.errors : []);
  const formValue = (form: CabinetAppealPageProps['form'], name: keyof AppealWorkValues, fallback = '') =>
    props.form === form ? props.values[name] : fallback;
  const awaiting = appeal.status === 'sent' || appeal.status === 'registered';
  const date = (value: Date | null) => (value ? formatDate(locale, value, false, timeZone) : '—');
  const assignee = props.members.find((m) => m.user_id === appeal.assignee_id);
  const fileErrors = errorsOf('answer').filter((problem) => problem.field === 'files');
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="inbox" role={props.role} />
      <Breadcrumbs
        items={[{ href: `/cabinet/${organization.slug}`, label: t('cabinet.nav.inbox') }, { label: t('cabinet.appeal.breadcrumb', { id: appeal.id }) }]}
      />
      <h2 class="cabinet-appeal-title">
        № {appeal.id}. {appeal.title}
      </h2>
      <p>
        <AppealStatusTag status={appeal.status} /> <a href={`/appeals/${appeal.id}`}>{t('cabinet.appeal.publicPage')}</a>
        {props.hasLetter && (
          <>
            {' · '}
            <a href={`${base}/letter.pdf`}>{t('cabinet.appeal.letterPdf')}</a>
          </>
        )}
        {' · '}
        <a href={`${base}/messages`}>{t('messages.openThreads')}</a>
      </p>
      <dl class="facts cabinet-facts">
        <div>
          <dt>{t('cabinet.appeal.received')}</dt>
          <dd>{date(appeal.sent_at)}</dd>
        </div>
        <div>
          <dt>{t('cabinet.appeal.signatures')}</dt>
          <dd>{t('cabinet.appeal.signatureCount', { count: props.signatures })}</dd>
        </div>
        <div>
          <dt>{t('cabinet.appeal.registration')}</dt>
          <dd>
            {appeal.registration_number ? (
              t('cabinet.appeal.registeredAs', { number: appeal.registration_number })
            ) : appeal.registration_due_at ? (
              <>
                {t('cabinet.appeal.registerBy', { date: date(appeal.registration_due_at) })}
                {appeal.status === 'sent' && <DaysLeft dueAt={appeal.registration_due_at} now={now} timeZone={timeZone} />}
              </>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>{t('cabinet.appeal.answerDue')}</dt>
          <dd>
            {date(appeal.answer_due_at)}
            {awaiting && appeal.answer_due_at && <DaysLeft dueAt={appeal.answer_due_at} now={now} timeZone={timeZone} />}
            {appeal.extended_at && appeal.extension_days && (
              <p class="muted">{t('cabinet.appeal.extendedBy', { count: appeal.extension_days, reason: appeal.extension_reason ?? '' })}</p>
            )}
          </dd>
        </div>
        {(awaiting || props.forwarding) && appeal.forwarding_due_at && (
          <div>
            <dt>{t('cabinet.appeal.forwardingDue')}</dt>
            <dd>
              {date(appeal.forwarding_due_at)}
              {awaiting && <DaysLeft dueAt={appeal.forwarding_due_at} now={now} timeZone={timeZone} />}
            </dd>
          </div>
        )}
        <div>
          <dt>{t('cabinet.appeal.assignee')}</dt>
          <dd>{assignee ? memberName(assignee) : t('cabinet.inbox.nobody')}</dd>
        </div>
      </dl>

      {props.forwarding && (
        <section class="notice forwarding-notice" id="forwarding" aria-labelledby="forwarding-title">
          <h2 id="forwarding-title">{t('cabinet.forward.doneTitle')}</h2>
          <p>
            {t('cabinet.forward.doneTo', { date: date(props.forwarding.forwardedAt) })}{' '}
            <a href={`/organizations/${props.forwarding.target.slug}`}>{props.forwarding.target.name}</a>
            {' — '}
            {props.forwarding.daysLate > 0 ? (
              <span class="tag tag-overdue">{t('cabinet.forward.late', { count: props.forwarding.daysLate })}</span>
            ) : (
              <span class="tag">{t('cabinet.forward.inTime')}</span>
            )}
          </p>
          <p class="forwarding-reason">{t('cabinet.forward.doneReason', { reason: props.forwarding.reason })}</p>
          <p>
            <a href={`/appeals/${props.forwarding.nextAppealId}`}>{t('cabinet.forward.nextAppeal', { id: props.forwarding.nextAppealId })}</a>
          </p>
        </section>
      )}

      <details class="signed-text">
        <summary>{t('cabinet.appeal.text')}</summary>
        <div class="letter letter-plain">{props.signedText}</div>
      </details>

      {appeal.status === 'sent' && (
        <Section id="register" title={t('cabinet.appeal.registerTitle')}>
          <p class="hint">{t('cabinet.appeal.registerHint')}</p>
          <ErrorSummary errors={errorsOf('register')} />
          <form method="post" action={`${base}/register`} novalidate>
            <CsrfField />
            <Field
              name="registrationNumber"
              label={t('cabinet.appeal.registrationNumber')}
              value={formValue('register', 'registrationNumber')}
              errors={errorsOf('register')}
              required
              autocomplete="off"
              maxLength={100}
            />
            <Field
              name="registeredOn"
              label={t('cabinet.register.date')}
              hint={t('cabinet.register.dateHint')}
              value={formValue('register', 'registeredOn')}
              errors={errorsOf('register')}
              required
              autocomplete="off"
            />
            <Button>{t('cabinet.appeal.registerSubmit')}</Button>
          </form>
        </Section>
      )}

      <Section id="assign" title={t('cabinet.appeal.assignTitle')}>
        <ErrorSummary errors={errorsOf('assign')} />
        <form method="post" action={`${base}/assign`} class="inline-fields">
          <CsrfField />
          <SelectField
            name="assigneeId"
            label={t('cabinet.appeal.assignTo')}
            options={[{ value: 'none', label: t('cabinet.bulk.nobody') }, ...props.members.map((m) => ({ value: String(m.user_id), label: memberName(m) }))]}
            value={appeal.assignee_id ? String(appeal.assignee_id) : 'none'}
            errors={errorsOf('assign')}
          />
          <Button variant="secondary">{t('cabinet.appeal.assignSubmit')}</Button>
        </form>
      </Section>

      {awaiting && !appeal.extended_at && (
        <Section id="extend" title={t('cabinet.appeal.extendTitle')}>
          <p class="hint">{t('cabinet.appeal.extendHint', { count: maxExtensionDays })}</p>
          <ErrorSummary errors={errorsOf('extend')} />
          <form method="post" action={`${base}/extend`} novalidate>
            <CsrfField />
            <Field
              name="days"
              label={t('cabinet.appeal.extendDays')}
              value={formValue('extend', 'days')}
              errors={errorsOf('extend')}
              required
              inputMode="numeric"
            />
            <Field
              name="reason"
              label={t('cabinet.appeal.extendReason')}
              hint={t('cabinet.appeal.extendReasonHint')}
              value={formValue('extend', 'reason')}
              errors={errorsOf('extend')}
              required
              multiline
              maxLength={2000}
            />
            <Button variant="secondary">{t('cabinet.appeal.extendSubmit')}</Button>
          </form>
        </Section>
      )}

      {awaiting && props.canForward && (
        <Section id="forward" title={t('cabinet.forward.title')}>
          <p class="hint">{t('cabinet.forward.hint', { count: forwardingDays })}</p>
          <p>
            <a class="button button-secondary" href={`${base}/forward`}>
              {t('cabinet.forward.start')}
            </a>
          </p>
        </Section>
      )}

      {awaiting && (
        <Section id="answer" title={t('cabinet.appeal.answerTitle')}>
          {draft.draft?.status === 'awaiting_approval' && (
            <p class="notice">{t('cabinet.appeal.awaitingApproval', { name: draft.submittedBy ?? t('comments.deletedUser') })}</p>
          )}
          {draft.draft?.returned_reason && draft.draft.status === 'draft' && (
            <div class="notice notice-warning">
              <p>{t('cabinet.appeal.returned')}</p>
              <blockquote class="returned-reason">{draft.draft.returned_reason}</blockquote>
            </div>
          )}
          {props.templates.length > 0 && (
            <form method="post" action={`${base}/answer/template`} class="inline-fields">
              <CsrfField />
              <SelectField
                name="templateId"
                label={t('cabinet.appeal.template')}
                options={props.templates.map((tpl) => ({ value: String(tpl.id), label: tpl.title }))}
                hint={t('cabinet.appeal.templateHint')}
              />
              <Button variant="secondary">{t('cabinet.appeal.templateApply')}</Button>
            </form>
          )}
          <ErrorSummary errors={errorsOf('answer')} />
          <form method="post" action={`${base}/answer`} enctype="multipart/form-data" novalidate>
            <CsrfField />
            <Field
              name="text"
              label={t('cabinet.appeal.answerText')}
              hint={t('cabinet.appeal.answerTextHint', { limit: answerTextMaxLength })}
              value={formValue('answer', 'text', draft.draft?.text ?? '')}
              errors={errorsOf('answer')}
              multiline
              maxLength={answerTextMaxLength}
            />
            <Field
              name="outgoingNumber"
              label={t('answerUpload.outgoingNumber')}
              value={formValue('answer', 'outgoingNumber', draft.draft?.outgoing_number ?? '')}
              errors={errorsOf('answer')}
              autocomplete="off"
            />
            <Field
              name="outgoingDate"
              label={t('answerUpload.outgoingDate')}
              hint={t('answerUpload.outgoingDateHint')}
              value={formValue('answer', 'outgoingDate', draft.draft?.outgoing_date ? draft.draft.outgoing_date.split('-').reverse().join('.') : '')}
              errors={errorsOf('answer')}
              autocomplete="off"
            />
            {draft.attachments.length > 0 && (
              <fieldset class="field">
                <legend>{t('cabinet.appeal.attached')}</legend>
                <ul class="plain-list">
                  {draft.attachments.map((file) => (
                    <li key={file.position}>
                      <a href={`${base}/answer/files/${file.position}`}>{file.filename}</a>{' '}
                      <span class="muted">({Math.max(1, Math.round(file.size / 1024))} КБ)</span>{' '}
                      <input type="checkbox" name="removeAttachments" value={String(file.position)} id={`remove-${file.position}`} />
                      <label for={`remove-${file.position}`} class="checkbox-label">
                        {t('cabinet.appeal.removeFile')}
                        <span class="visually-hidden"> {file.filename}</span>
                      </label>
                    </li>
                  ))}
                </ul>
              </fieldset>
            )}
            <div class={`field${fileErrors.length ? ' field-error' : ''}`}>
              <label for="field-files">
                {t('answerUpload.files')}
                <span class="optional"> {t('form.optional')}</span>
              </label>
              <p class="hint" id="field-files-hint">
                {t('answerUpload.filesHint', { count: answerUploadLimits.maxFiles, megabytes: Math.round(answerUploadLimits.maxBytes / (1024 * 1024)) })}
              </p>
              <input type="file" id="field-files" name="files" multiple accept="application/pdf,image/jpeg,image/png" aria-describedby="field-files-hint" />
            </div>
            <div class="actions">
              <button type="submit" name="action" value="save" class="button button-secondary">
                {t('cabinet.appeal.saveDraft')}
              </button>
              {props.canPublish ? (
                <button type="submit" name="action" value="publish" class="button">
                  {draft.draft?.status === 'awaiting_approval' ? t('cabinet.appeal.approve') : t('cabinet.appeal.publish')}
                </button>
              ) : (
                <button type="submit" name="action" value="submit" class="button">
                  {t('cabinet.appeal.submit')}
                </button>
              )}
            </div>
            <p class="hint">{props.canPublish ? t('cabinet.appeal.publishHint') : t('cabinet.appeal.submitHint')}</p>
          </form>
          {props.canPublish && draft.draft?.status === 'awaiting_approval' && (
            <form method="post" action={`${base}/answer/return`} novalidate class="return-form">
              <CsrfField />
              <ErrorSummary errors={errorsOf('return')} />
              <Field
                name="returnReason"
                label={t('cabinet.appeal.returnReason')}
                value={formValue('return', 'returnReason')}
                errors={errorsOf('return').map((problem) => ({ ...problem, field: problem.field === 'reason' ? 'returnReason' : problem.field }))}
                required
                multiline
                maxLength={2000}
              />
              <Button variant="secondary">{t('cabinet.appeal.returnSubmit')}</Button>
            </form>
          )}
        </Section>
      )}
    </section>
  );
}

export function MembersPage(props: {
  organization: Organization;
  role: MemberRole;
  actorId: number;
  members: Member[];
  errors: FieldProblem[];
  /** The member whose row the errors belong to. */
  errorsFor: number | null;
}) {
  const { t, locale } = usePage();
  const { organization } = props;
  const base = `/cabinet/${organization.slug}`;
  const head = props.role === 'head';
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="members" role={props.role} />
      <h2>{t('cabinet.members.title', { count: props.members.length })}</h2>
      <p class="hint">{t('cabinet.members.lead')}</p>
      <ErrorSummary errors={props.errors} />
      <ul class="plain-list member-list">
        {props.members.map((member) => (
          <li key={member.user_id} class="member">
            <p>
              <strong>{memberName(member)}</strong>
              {member.user_id === props.actorId && <span class="muted"> ({t('cabinet.members.you')})</span>}
              <br />
              <span class="muted">
                {t(`cabinet.role.${member.role}` as MessageKey)}
                {member.position && <> · {member.position}</>} · {t('cabinet.members.since', { date: formatDate(locale, member.created_at) })}
              </span>
            </p>
            {head && (
              <form method="post" action={`${base}/members/${member.user_id}`} class="inline-fields">
                <CsrfField />
                <SelectField
                  name="role"
                  label={t('cabinet.members.role')}
                  options={memberRoles.map((role) => ({ value: role, label: t(`cabinet.role.${role}` as MessageKey) }))}
                  value={member.role}
                  required
                />
                <Field
                  name="position"
                  label={t('cabinet.members.position')}
                  value={member.position ?? ''}
                  errors={props.errorsFor === member.user_id ? props.errors : []}
                  required
                  maxLength={200}
                />
                <Button variant="secondary">
                  {t('cabinet.members.save')}
                  <span class="visually-hidden"> {memberName(member)}</span>
                </Button>
              </form>
            )}
            {(head || member.user_id === props.actorId) && (
              <p>
                <a href={`${base}/members/${member.user_id}/remove`} class="danger-link">
                  {member.user_id === props.actorId ? t('cabinet.members.leave') : t('cabinet.members.remove')}
                  {member.user_id !== props.actorId && <span class="visually-hidden"> {memberName(member)}</span>}
                </a>
              </p>
            )}
          </li>
        ))}
      </ul>
      <p class="hint">{t('cabinet.members.joinHint', { link: `/organizations/${organization.slug}/join` })}</p>
      {head && (
        <section class="cabinet-section" aria-labelledby="settings-title">
          <h2 id="settings-title">{t('cabinet.settings.title')}</h2>
          <form method="post" action={`${base}/settings`}>
            <CsrfField />
            <CheckboxField
              name="answersNeedApproval"
              label={t('cabinet.settings.answersNeedApproval')}
              hint={t('cabinet.settings.answersNeedApprovalHint')}
              checked={organization.answers_need_approval}
            />
            <CheckboxField
              name="showOfficialNames"
              label={t('cabinet.settings.showOfficialNames')}
              hint={t('cabinet.settings.showOfficialNamesHint')}
              checked={organization.show_official_names}
            />
            <Button variant="secondary">{t('cabinet.settings.save')}</Button>
          </form>
        </section>
      )}
    </section>
  );
}

export interface ForwardPageProps {
  organization: Organization;
  role: MemberRole;
  appeal: Appeal;
  targets: SelectOption[];
  values: { organizationId: string; reason: string };
  /** Checked and waiting for the official's confirmation: the competent body's name. */
  confirming: { targetName: string } | null;
  timeZone: string;
  now: Date;
  errors: FieldProblem[];
}

/**
 * Forwarding to the competent body (59-FZ Art. 8 p. 3) in two steps, as a destructive action: the choice and the
 * reason, then a page that says what will happen and asks to confirm (the same form, sent with `confirm`).
 */
export function ForwardPage(props: ForwardPageProps) {
  const { t, locale } = usePage();
  const { organization, appeal } = props;
  const base = `/cabinet/${organization.slug}/appeals/${appeal.id}`;
  const date = (value: Date) => formatDate(locale, value, false, props.timeZone);
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="inbox" role={props.role} />
      <Breadcrumbs
        items={[
          { href: `/cabinet/${organization.slug}`, label: t('cabinet.nav.inbox') },
          { href: base, label: t('cabinet.appeal.breadcrumb', { id: appeal.id }) },
          { label: t('cabinet.forward.title') },
        ]}
      />
      <section class="narrow confirm-page">
        <h2>{props.confirming ? t('cabinet.forward.confirmTitle', { organization: props.confirming.targetName }) : t('cabinet.forward.title')}</h2>
        <p>
          № {appeal.id}. {appeal.title}
        </p>
        {appeal.forwarding_due_at && (
          <p class="hint">
            {t('cabinet.forward.term', { date: date(appeal.forwarding_due_at) })}
            <DaysLeft dueAt={appeal.forwarding_due_at} now={props.now} timeZone={props.timeZone} />
          </p>
        )}
        <ErrorSummary errors={props.errors} />
        <form method="post" action={`${base}/forward`} novalidate>
          <CsrfField />
          {props.confirming ? (
            <>
              <input type="hidden" name="organizationId" value={props.values.organizationId} />
              <input type="hidden" name="reason" value={props.values.reason} />
              <input type="hidden" name="confirm" value="yes" />
              <p>{t('cabinet.forward.confirmLead')}</p>
              <blockquote class="forwarding-reason">{props.values.reason}</blockquote>
              <div class="actions">
                <Button variant="danger">{t('cabinet.forward.confirm')}</Button>
                <button type="submit" name="edit" value="yes" class="button button-secondary">
                  {t('cabinet.forward.change')}
                </button>
                <a href={base}>{t('cabinet.cancel')}</a>
              </div>
            </>
          ) : (
            <>
              <SelectField
                name="organizationId"
                label={t('cabinet.forward.organization')}
                hint={t('cabinet.forward.organizationHint')}
                options={props.targets}
                value={props.values.organizationId}
                emptyLabel={t('cabinet.forward.choose')}
                errors={props.errors}
                required
              />
              <Field
                name="reason"
                label={t('cabinet.forward.reason')}
                hint={t('cabinet.forward.reasonHint', { min: forwardingReasonLimits.min, max: forwardingReasonLimits.max })}
                value={props.values.reason}
                errors={props.errors}
                required
                multiline
                maxLength={forwardingReasonLimits.max}
              />
              <div class="actions">
                <Button variant="secondary">{t('cabinet.forward.continue')}</Button>
                <a href={base}>{t('cabinet.cancel')}</a>
              </div>
            </>
          )}
        </form>
      </section>
    </section>
  );
}

export function RemoveMemberPage({ organization, role, member, self }: { organization: Organization; role: MemberRole; member: Member; self: boolean }) {
  const { t } = usePage();
  const base = `/cabinet/${organization.slug}`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="members" role={role} />
      <section class="narrow confirm-page">
        <h2>{self ? t('cabinet.remove.leaveTitle') : t('cabinet.remove.title', { name: memberName(member) })}</h2>
        <p>{self ? t('cabinet.remove.leaveLead') : t('cabinet.remove.lead')}</p>
        <form method="post" action={`${base}/members/${member.user_id}/remove`}>
          <CsrfField />
          <div class="actions">
            <Button variant="danger">{self ? t('cabinet.remove.leaveConfirm') : t('cabinet.remove.confirm')}</Button>
            <a href={`${base}/members`}>{t('cabinet.cancel')}</a>
          </div>
        </form>
      </section>
    </section>
  );
}

export function TemplatesPage(props: {
  organization: Organization;
  role: MemberRole;
  templates: AnswerTemplate[];
  values: { title: string; body: string };
  errors: FieldProblem[];
}) {
  const { t } = usePage();
  const base = `/cabinet/${props.organization.slug}/templates`;
  const head = props.role === 'head';
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="templates" role={props.role} />
      <h2>{t('cabinet.templates.title')}</h2>
      <p class="hint">{t('cabinet.templates.lead')}</p>
      {props.templates.length === 0 ? (
        <p class="muted">{t('cabinet.templates.none')}</p>
      ) : (
        <ul class="plain-list template-list">
          {props.templates.map((template) => (
            <li key={template.id}>
              <a href={`${base}/${template.id}`}>{template.title}</a>
            </li>
          ))}
        </ul>
      )}
      {head && (
        <TemplateForm action={base} values={props.values} errors={props.errors} title={t('cabinet.templates.new')} submit={t('cabinet.templates.create')} />
      )}
    </section>
  );
}

function TemplateForm({
  action,
  values,
  errors,
  title,
  submit,
}: {
  action: string;
  values: { title: string; body: string };
  errors: FieldProblem[];
  title: string;
  submit: string;
}) {
  const { t } = usePage();
  return (
    <section class="cabinet-section" aria-labelledby="template-form-title">
      <h2 id="template-form-title">{title}</h2>
      <ErrorSummary errors={errors} />
      <form method="post" action={action} novalidate>
        <CsrfField />
        <Field name="title" label={t('cabinet.templates.titleLabel')} value={values.title} errors={errors} required maxLength={200} />
        <Field
          name="body"
          label={t('cabinet.templates.body')}
          hint={t('cabinet.templates.bodyHint')}
          value={values.body}
          errors={errors}
          required
          multiline
          maxLength={answerTextMaxLength}
        />
        <Button>{submit}</Button>
      </form>
    </section>
  );
}

export function TemplatePage(props: {
  organization: Organization;
  role: MemberRole;
  template: AnswerTemplate;
  values: { title: string; body: string };
  errors: FieldProblem[];
}) {
  const { t } = usePage();
  const base = `/cabinet/${props.organization.slug}/templates`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="templates" role={props.role} />
      <Breadcrumbs items={[{ href: base, label: t('cabinet.nav.templates') }, { label: props.template.title }]} />
      {props.role === 'head' ? (
        <>
          <TemplateForm
            action={`${base}/${props.template.id}`}
            values={props.values}
            errors={props.errors}
            title={t('cabinet.templates.edit')}
            submit={t('cabinet.templates.save')}
          />
          <form method="post" action={`${base}/${props.template.id}/delete`}>
            <CsrfField />
            <Button variant="danger">{t('cabinet.templates.delete')}</Button>
          </form>
        </>
      ) : (
        <>
          <h2>{props.template.title}</h2>
          <div class="letter letter-plain">{props.template.body}</div>
        </>
      )}
    </section>
  );
}

export function JoinPage({ state, values, errors }: { state: MembershipState; values: { position: string; note: string }; errors: FieldProblem[] }) {
  const { t, locale } = usePage();
  const { organization } = state;
  return (
    <section class="narrow">
      <Breadcrumbs items={[{ href: `/organizations/${organization.slug}`, label: organization.name }, { label: t('cabinet.join.breadcrumb') }]} />
      <h1>{t('cabinet.join.title')}</h1>
      <p class="lead">{t('cabinet.join.lead', { organization: organization.name })}</p>
      <ErrorSummary errors={errors} />
      {state.role ? (
        <p class="notice notice-success">
          {t('cabinet.join.member')} <a href={`/cabinet/${organization.slug}`}>{t('cabinet.join.open')}</a>
        </p>
      ) : state.pending ? (
        <div class="notice">
          <p>{t('cabinet.join.pending', { date: formatDate(locale, state.pending.created_at), position: state.pending.position })}</p>
          <form method="post" action={`/organizations/${organization.slug}/join/cancel`} class="inline-form">
            <CsrfField />
            <input type="hidden" name="requestId" value={String(state.pending.id)} />
            <button type="submit" class="link-button">
              {t('cabinet.join.cancel')}
            </button>
          </form>
        </div>
      ) : (
        <>
          {state.lastDecided?.status === 'rejected' && (
            <div class="notice notice-warning">
              <p>{t('cabinet.join.rejected', { date: formatDate(locale, state.lastDecided.decided_at ?? state.lastDecided.created_at) })}</p>
              {state.lastDecided.decision_reason && <blockquote class="returned-reason">{state.lastDecided.decision_reason}</blockquote>}
            </div>
          )}
          <ul>
            <li>{t('cabinet.join.how')}</li>
            <li>{t('cabinet.join.domains')}</li>
          </ul>
          <form method="post" action={`/organizations/${organization.slug}/join`} novalidate>
            <CsrfField />
            <Field
              name="position"
              label={t('cabinet.join.position')}
              hint={t('cabinet.join.positionHint')}
              value={values.position}
              errors={errors}
              required
              maxLength={200}
            />
            <Field
              name="note"
              label={t('cabinet.join.note')}
              hint={t('cabinet.join.noteHint')}
              value={values.note}
              errors={errors}
              multiline
              maxLength={1000}
            />
            <Button>{t('cabinet.join.submit')}</Button>
          </form>
        </>
      )}
    </section>
  );
}

export function AdminMembershipsPage({
  items,
  total,
  status,
  errors,
  errorsFor,
}: {
  items: RequestListItem[];
  total: number;
  status: 'pending' | 'decided';
  errors: FieldProblem[];
  errorsFor: number | null;
}) {
  const { t, locale } = usePage();
  return (
    <section>
      <Breadcrumbs items={[{ href: '/admin', label: t('nav.admin') }, { label: t('cabinet.admin.title') }]} />
      <h1>{t('cabinet.admin.title')}</h1>
      <nav class="tabs" aria-label={t('cabinet.admin.tabs')}>
        <a href="/admin/memberships" aria-current={status === 'pending' ? 'page' : undefined}>
          {t('cabinet.admin.pending')}
        </a>{' '}
        <a href="/admin/memberships?status=decided" aria-current={status === 'decided' ? 'page' : undefined}>
          {t('cabinet.admin.decided')}
        </a>
      </nav>
      <p>{t('cabinet.admin.count', { count: total })}</p>
      <ul class="plain-list request-list">
        {items.map((item) => (
          <li key={item.id} class="request" id={`request-${item.id}`}>
            <h2>
              {[item.surname, item.first_name, item.patronymic].filter(Boolean).join(' ')} —{' '}
              <a href={`/organizations/${item.organization_slug}`}>{item.organization_name}</a>
            </h2>
            <p class="muted">
              {item.position} · {item.email} {item.email_verified_at ? t('cabinet.admin.verified') : t('cabinet.admin.unverified')} ·{' '}
              {formatDate(locale, item.created_at, true)}
            </p>
            {item.note && <blockquote class="returned-reason">{item.note}</blockquote>}
            {item.status === 'pending' ? (
              <form method="post" action={`/admin/memberships/${item.id}`} novalidate>
                <CsrfField />
                <ErrorSummary errors={errorsFor === item.id ? errors : []} />
                <SelectField
                  name="role"
                  label={t('cabinet.admin.role')}
                  options={memberRoles.map((role) => ({ value: role, label: t(`cabinet.role.${role}` as MessageKey) }))}
                  value="clerk"
                  errors={errorsFor === item.id ? errors : []}
                  required
                />
                <Field
                  name="reason"
                  label={t('cabinet.admin.reason')}
                  hint={t('cabinet.admin.reasonHint')}
                  errors={errorsFor === item.id ? errors : []}
                  multiline
                  maxLength={1000}
                />
                <div class="actions">
                  <button type="submit" name="decision" value="approve" class="button">
                    {t('cabinet.admin.approve')}
                  </button>
                  <button type="submit" name="decision" value="reject" class="button button-secondary">
                    {t('cabinet.admin.reject')}
                  </button>
                </div>
              </form>
            ) : (
              <p>
                <strong>{t(`cabinet.admin.status.${item.status}` as MessageKey)}</strong>
                {item.decided_at && <> · {formatDate(locale, item.decided_at, true)}</>}
                {item.decision_reason && <> · {item.decision_reason}</>}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * One organization's last twelve months in its row: small stacked bars (on time, late, unanswered), the same scale
 * as no other row's (each row's own busiest month is the top) — a shape to compare at a glance; the figures are the
 * totals beside it and its month-by-month table below.
 */
function RowTrend({ months, label }: { months: Oversight['months']; label: string }) {
  const { t } = usePage();
  const width = 96;
  const height = 28;
  const max = Math.max(1, ...months.map((month) => month.onTime + month.late + month.unanswered));
  const step = width / Math.max(1, months.length);
  const colours = { onTime: '#1d7a3e', late: '#b7791f', unanswered: '#b42318' } as const;
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      class="row-trend"
      aria-label={t('cabinet.oversight.trendOf', { name: label })}
    >
      <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} stroke="#9ca3af" />
      {months.map((month, index) => {
        let y = height - 1;
        return (
          <g key={month.month}>
            {(['onTime', 'late', 'unanswered'] as const).map((key) => {
              const h = (month[key] / max) * (height - 2);
              y -= h;
              return h > 0 ? <rect key={key} x={index * step + step * 0.15} y={y} width={step * 0.7} height={h} fill={colours[key]} /> : null;
            })}
          </g>
        );
      })}
    </svg>
  );
}

export function OversightPage({
  organization,
  role,
  oversight,
  sort,
}: {
  organization: Organization;
  role: MemberRole;
  oversight: Oversight;
  sort: OversightSort;
}) {
  const { t, locale } = usePage();
  const base = `/cabinet/${organization.slug}/oversight`;
  const sum = (key: 'onTime' | 'late' | 'unanswered', months: Oversight['months']) => months.reduce((total, month) => total + month[key], 0);
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="oversight" role={role} />
      <h2>{t('cabinet.oversight.title', { count: oversight.rows.length })}</h2>
      <p class="hint">{t('cabinet.oversight.lead')}</p>
      {oversight.rows.length === 0 ? (
        <p class="muted">{t('cabinet.oversight.none')}</p>
      ) : (
        <>
          <form method="get" action={base} class="inline-fields">
            <SelectField
              name="sort"
              label={t('cabinet.oversight.sort')}
              options={oversightSorts.map((value) => ({ value, label: t(`cabinet.oversight.sort.${value}` as MessageKey) }))}
              value={sort}
              emptyLabel={t('cabinet.oversight.sort.overdue')}
              required
            />
            <Button variant="secondary">{t('cabinet.filters.apply')}</Button>
          </form>
          <p>
            <a href={`${base}.csv?sort=${sort}`}>{t('cabinet.oversight.csv')}</a> · <a href="/ratings/formula">{t('ratings.howLink')}</a>
          </p>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways on a phone must be reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable) */}
          <section class="table-scroll" tabIndex={0} aria-label={t('cabinet.oversight.tableLabel')}>
            <table class="table oversight-table">
              <caption class="visually-hidden">{t('cabinet.oversight.caption', { sort: t(`cabinet.oversight.sort.${sort}` as MessageKey) })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('ratings.organization')}</th>
                  <th scope="col">{t('ratings.column.quality')}</th>
                  <th scope="col">{t('ratings.column.timeliness')}</th>
                  <th scope="col">{t('ratings.column.resolution')}</th>
                  <th scope="col" class="numeric">
                    {t('cabinet.oversight.overdue')}
                  </th>
                  <th scope="col" class="numeric">
                    {t('ratings.medianAnswer')}
                  </th>
                  <th scope="col">{t('cabinet.oversight.year')}</th>
                </tr>
              </thead>
              <tbody>
                {oversight.rows.map((row) => (
                  <tr key={row.organizationId}>
                    <th scope="row">
                      <a href={`/organizations/${row.organization.slug}#rating`}>{row.organization.name}</a>
                      <span class="hint nowrap">
                        {' '}
                        · {row.organization.depth === 1 ? t('cabinet.oversight.direct') : t('cabinet.oversight.level', { count: row.organization.depth })}
                      </span>
                      {!row.rating.ranked && <span class="hint"> · {t('ratings.notEnoughShort')}</span>}
                    </th>
                    <td>
                      <PartValue part={row.rating.quality} kind="quality" interval={false} />
                    </td>
                    <td>
                      <PartValue part={row.rating.timeliness} kind="share" interval={false} />
                    </td>
                    <td>
                      <PartValue part={row.rating.resolution} kind="share" interval={false} />
                    </td>
                    <td class="numeric">{row.counts.overdue_open}</td>
                    <td class="numeric">{row.rating.medianAnswerDays === null ? '—' : t('ratings.days', { count: row.rating.medianAnswerDays })}</td>
                    <td class="year-figures">
                      <RowTrend months={row.months} label={row.organization.name} />
                      <span>{t('cabinet.oversight.yearOnTime', { count: sum('onTime', row.months) })}</span>
                      <span>{t('cabinet.oversight.yearLate', { count: sum('late', row.months) })}</span>
                      <span>{t('cabinet.oversight.yearUnanswered', { count: sum('unanswered', row.months) })}</span>
                      <details class="row-months">
                        <summary id={`oversight-months-${row.organizationId}`}>{t('cabinet.oversight.byMonth')}</summary>
                        <MonthlyTable months={row.months} labelledBy={`oversight-months-${row.organizationId}`} />
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <h3 id="oversight-monthly-title">{t('cabinet.oversight.trend')}</h3>
          <div class="chart-with-table">
            <MonthlyChart months={oversight.months} />
            <MonthlyTable months={oversight.months} labelledBy="oversight-monthly-title" />
          </div>
        </>
      )}
    </section>
  );
}

/** The officials' section of a problem's page: for each organization they work in, «на контроль» and its public word on the problem. */
export function ProblemOfficialsSection({
  problemId,
  organizations,
}: {
  problemId: number;
  organizations: { organization: Organization; holds: boolean; head: boolean }[];
}) {
  const { t } = usePage();
  return (
    <section aria-labelledby="officials-title" class="problem-section section-officials" id="officials">
      <h2 id="officials-title">{t('cabinet.problem.title')}</h2>
      <ul class="plain-list">
        {organizations.map(({ organization, holds, head }) => (
          <li key={organization.id} class="official-organization">
            <p>
              <strong>{organization.name}</strong>
              {holds && <span class="muted"> · {t('cabinet.problem.holds')}</span>}
            </p>
            <div class="actions">
              <form method="post" action={`/cabinet/${organization.slug}/problems/${problemId}/${holds ? 'release' : 'control'}`} class="inline-form">
                <CsrfField />
                <Button variant="secondary">
                  {holds ? t('cabinet.problem.release') : t('cabinet.problem.control')}
                  <span class="visually-hidden"> — {organization.name}</span>
                </Button>
              </form>
              <a href={`/cabinet/${organization.slug}/problems/${problemId}/statement`}>
                {t('cabinet.problem.statementLink')}
                <span class="visually-hidden"> — {organization.name}</span>
              </a>
              {head && (
                <a href={`/cabinet/${organization.slug}/problems/${problemId}/document`}>
                  {t('cabinet.problem.documentLink')}
                  <span class="visually-hidden"> — {organization.name}</span>
                </a>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function StatementPage(props: {
  organization: Organization;
  role: MemberRole;
  problem: { id: number; title: string };
  committed: boolean;
  value: string;
  errors: FieldProblem[];
}) {
  const { t } = usePage();
  return (
    <section class="cabinet">
      <CabinetHeader organization={props.organization} current="inbox" role={props.role} />
      <section class="narrow">
        <Breadcrumbs items={[{ href: `/problems/${props.problem.id}`, label: props.problem.title }, { label: t('cabinet.problem.statementTitle') }]} />
        <h2>{props.committed ? t('cabinet.problem.progressTitle') : t('cabinet.problem.commitTitle')}</h2>
        <p>{props.committed ? t('cabinet.problem.progressLead') : t('cabinet.problem.commitLead', { organization: props.organization.name })}</p>
        <ErrorSummary errors={props.errors} />
        <form method="post" action={`/cabinet/${props.organization.slug}/problems/${props.problem.id}/statement`} novalidate>
          <CsrfField />
          <Field
            name="statement"
            label={props.committed ? t('cabinet.problem.progressLabel') : t('cabinet.problem.commitLabel')}
            hint={t('cabinet.problem.statementHint')}
            value={props.value}
            errors={props.errors}
            required
            multiline
            maxLength={5000}
          />
          <div class="actions">
            <Button>{t('cabinet.problem.publish')}</Button>
            <a href={`/problems/${props.problem.id}`}>{t('cabinet.cancel')}</a>
          </div>
        </form>
      </section>
    </section>
  );
}

export function CabinetProblemsPage(props: {
  organization: Organization;
  role: MemberRole;
  view: 'resonant' | 'controlled';
  territoryName: string;
  items: ProblemListItem[];
  total: number;
  page: number;
  perPage: number;
}) {
  const { t, locale } = usePage();
  const { organization } = props;
  const base = `/cabinet/${organization.slug}/problems`;
  return (
    <section class="cabinet">
      <CabinetHeader organization={organization} current="problems" role={props.role} />
      <nav class="tabs" aria-label={t('cabinet.problems.tabs')}>
        <a href={base} aria-current={props.view === 'resonant' ? 'page' : undefined}>
          {t('cabinet.problems.resonant')}
        </a>{' '}
        <a href={`${base}?view=controlled`} aria-current={props.view === 'controlled' ? 'page' : undefined}>
          {t('cabinet.problems.controlled')}
        </a>
      </nav>
      <h2>
        {props.view === 'resonant'
          ? t('cabinet.problems.resonantTitle', { territory: props.territoryName })
          : t('cabinet.problems.controlledTitle', { count: props.total })}
      </h2>
      {props.view === 'resonant' && <p class="hint">{t('cabinet.problems.resonantLead')}</p>}
      {props.items.length === 0 ? (
        <p class="muted">{props.view === 'resonant' ? t('cabinet.problems.noneResonant') : t('cabinet.problems.noneControlled')}</p>
      ) : (
        <ul class="plain-list cabinet-problems">
          {props.items.map((problem) => {
            const holds = problem.controlled_by.some((controller) => controller.slug === organization.slug);
            return (
              <li key={problem.id} class="card">
                <h3>
                  <a href={`/problems/${problem.id}`}>{problem.title}</a>
                </h3>
                <p class="muted">
                  {problem.territory_name} · {t('problems.signatures', { count: problem.signatures })} ·{' '}
                  {t('cabinet.problems.recent', { count: problem.recent_signatures })} · {formatDate(locale, problem.created_at)}
                </p>
                {problem.controlled_by.length > 0 && (
                  <p class="card-meta">
                    <span class="badge badge-control">{t('problem.controlledBy')}</span> {problem.controlled_by.map((controller) => controller.name).join(', ')}
                  </p>
                )}
                {problem.status === 'open' && (
                  <form method="post" action={`/cabinet/${organization.slug}/problems/${problem.id}/${holds ? 'release' : 'control'}`} class="inline-form">
                    <CsrfField />
                    <Button variant="secondary">
                      {holds ? t('cabinet.problem.release') : t('cabinet.problem.control')}
                      <span class="visually-hidden"> — {problem.title}</span>
                    </Button>
                  </form>
                )}
                {holds && (
                  <p>
                    <a href={`/cabinet/${organization.slug}/problems/${problem.id}/messages`}>
                      {t('messages.writeAuthor')}
                      <span class="visually-hidden"> — {problem.title}</span>
                    </a>
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <Pagination
        page={props.page}
        pageSize={props.perPage}
        total={props.total}
        href={(n) => `${base}?${props.view === 'controlled' ? 'view=controlled&' : ''}page=${n}`}
      />
    </section>
  );
}
