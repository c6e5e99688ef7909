/** The pages of moderation: the report form, the moderators' queue and a case, the author's hidden items, the administrators' appeals. */
import type { ModerationCase, ModerationCaseState, ModerationSubjectType } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate, type MessageKey } from '../../core/i18n/i18n.ts';
import { Button, CsrfField, ErrorSummary, Field, fieldMessage, Pagination } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { appealMaxLength, bulkMax, detailsMaxLength, reasonMaxLength, reportReasons } from './moderation.rules.ts';
import type { CaseDetails, QueueItem, QueueSort } from './moderation.service.ts';
import { queueSorts } from './moderation.service.ts';
import type { Subject } from './moderation.subjects.ts';

function FieldError({ field, errors }: { field: string; errors: FieldProblem[] }) {
  const { t } = usePage();
  const problem = errors.find((p) => p.field === field);
  if (!problem) return null;
  return (
    <p class="error-message" id={`field-${field}-error`}>
      {fieldMessage(t, problem)}
    </p>
  );
}

function Quoted({ text }: { text: string }) {
  return (
    <blockquote class="moderated-text">
      {text.split(/\n{2,}/).map((paragraph, index) => (
        <p key={index}>{paragraph}</p>
      ))}
    </blockquote>
  );
}

/** The case's last decision as this page shows it, sent back with a decision so that one taken meanwhile is not overwritten. */
function SeenField({ item }: { item: Pick<ModerationCase, 'id' | 'decided_at'> }) {
  return <input type="hidden" name="seen" value={`${item.id}:${item.decided_at?.getTime() ?? 0}`} />;
}

function TypeTag({ type }: { type: ModerationSubjectType }) {
  const { t } = usePage();
  return <span class="tag">{t(`moderation.type.${type}` as MessageKey)}</span>;
}

function StateTag({ state }: { state: ModerationCaseState }) {
  const { t } = usePage();
  return <strong class={`tag tag-moderation-${state}`}>{t(`moderation.state.${state}` as MessageKey)}</strong>;
}

export interface ReportFormValues {
  reason: string;
  details: string;
}

export function ReportPage({
  subject,
  origin,
  values,
  errors,
}: {
  subject: Subject;
  /** For a report about a person: the item of his it is made through. */
  origin: Subject | null;
  values: ReportFormValues;
  errors: FieldProblem[];
}) {
  const { t } = usePage();
  return (
    <section class="narrow">
      <h1>{origin ? t('moderation.report.personTitle', { name: subject.context }) : t('moderation.report.title')}</h1>
      {origin ? (
        <>
          <p>{t('moderation.report.personIntro')}</p>
          <p>
            <TypeTag type={origin.type} /> {t('moderation.inContext', { context: origin.context })}
          </p>
          <Quoted text={origin.text} />
        </>
      ) : (
        <>
          <p>
            <TypeTag type={subject.type} /> {t('moderation.inContext', { context: subject.context })}
          </p>
          <Quoted text={subject.text} />
        </>
      )}
      <form method="post" action={origin ? `/report/${origin.type}/${origin.id}/author` : `/report/${subject.type}/${subject.id}`} novalidate>
        <CsrfField />
        <ErrorSummary errors={errors} />
        <fieldset class={errors.some((p) => p.field === 'reason') ? 'field field-error' : 'field'} id="field-reason">
          <legend>{origin ? t('moderation.report.personReasonQuestion') : t('moderation.report.reasonQuestion')}</legend>
          <FieldError field="reason" errors={errors} />
          <div class="radios-stack">
            {reportReasons.map((reason) => (
              <label key={reason} class="radio">
                <input type="radio" name="reason" value={reason} checked={values.reason === reason} required /> {t(`moderation.reason.${reason}` as MessageKey)}
              </label>
            ))}
          </div>
        </fieldset>
        <Field
          name="details"
          label={t('moderation.report.details')}
          hint={t('moderation.report.detailsHint', { limit: detailsMaxLength })}
          value={values.details}
          errors={errors}
          multiline
          maxLength={detailsMaxLength}
        />
        <p class="hint">{origin ? t('moderation.report.personPrivacy') : t('moderation.report.privacy')}</p>
        <div class="form-actions">
          <Button>{t('moderation.report.submit')}</Button> <a href={subject.href}>{t('moderation.cancel')}</a>
        </div>
      </form>
    </section>
  );
}

function ReasonCounts({ item }: { item: QueueItem }) {
  const { t } = usePage();
  return (
    <ul class="plain-list moderation-reasons">
      {item.reasons.map((entry) => (
        <li key={entry.reason}>
          {t(`moderation.reason.${entry.reason}` as MessageKey)}: {entry.count}
        </li>
      ))}
    </ul>
  );
}

function SubjectSummary({ item }: { item: QueueItem }) {
  const { t } = usePage();
  if (!item.subject) return <p class="muted">{t('moderation.subjectGone')}</p>;
  const excerpt = item.subject.text.length > 300 ? `${item.subject.text.slice(0, 300)}…` : item.subject.text;
  return (
    <>
      <p class="muted">{t('moderation.inContext', { context: item.subject.context })}</p>
      <p class="moderation-excerpt">{excerpt}</p>
    </>
  );
}

/** The reason (shown publicly when hiding) and the two buttons of a decision, on one item or on the ticked ones. */
function DecisionControls({ reason, errors, many, person = false }: { reason: string; errors: FieldProblem[]; many: boolean; person?: boolean }) {
  const { t } = usePage();
  return (
    <>
      <Field
        name="reason"
        label={t('moderation.decision.reason')}
        hint={t('moderation.decision.reasonHint', { limit: reasonMaxLength })}
        value={reason}
        errors={errors}
        multiline
        maxLength={reasonMaxLength}
        required
      />
      {person ? (
        // A person is blocked with the form below, which asks for confirmation; here the reports are dismissed.
        <div class="form-actions">
          <button type="submit" class="button button-secondary" name="decision" value="restore">
            {t('moderation.decision.dismissPerson')}
          </button>
        </div>
      ) : (
        <div class="form-actions">
          <button type="submit" class="button button-danger" name="decision" value="hide">
            {t(many ? 'moderation.decision.hideSelected' : 'moderation.decision.hide')}
          </button>{' '}
          <button type="submit" class="button button-secondary" name="decision" value="restore">
            {t(many ? 'moderation.decision.restoreSelected' : 'moderation.decision.restore')}
          </button>
        </div>
      )}
    </>
  );
}

export interface DecisionFormValues {
  selected: number[];
  reason: string;
}

export function QueuePage(props: {
  items: QueueItem[];
  total: number;
  page: number;
  perPage: number;
  sort: QueueSort;
  values: DecisionFormValues;
  errors: FieldProblem[];
  errorMessage?: string | undefined;
}) {
  const { t, locale } = usePage();
  return (
    <section>
      <h1>{t('moderation.queue.title')}</h1>
      <p>{t('moderation.queue.count', { count: props.total })}</p>
      <form method="get" action="/moderation" class="inline-form moderation-sort">
        <label for="queue-sort">{t('moderation.queue.sort')}</label>{' '}
        <select id="queue-sort" name="sort">
          {queueSorts.map((sort) => (
            <option key={sort} value={sort} selected={sort === props.sort}>
              {t(`moderation.queue.sort.${sort}` as MessageKey)}
            </option>
          ))}
        </select>{' '}
        <Button variant="secondary">{t('moderation.queue.apply')}</Button>
      </form>
      <p>
        <a href="/moderation/appeals">{t('moderation.appeals.link')}</a>
      </p>
      <p>
        <a href="/moderation/signatures">{t('signatureModeration.title')}</a>
      </p>
      {props.items.length === 0 ? (
        <p class="notice">{t('moderation.queue.empty')}</p>
      ) : (
        <form method="post" action="/moderation/decisions" novalidate>
          <CsrfField />
          <ErrorSummary errors={props.errors} message={props.errorMessage} />
          <fieldset class={props.errors.some((p) => p.field === 'case') ? 'field field-error' : 'field'} id="field-case">
            <legend>{t('moderation.queue.select', { limit: bulkMax })}</legend>
            <FieldError field="case" errors={props.errors} />
            <ol class="plain-list moderation-queue">
              {props.items.map((item) => (
                <li key={item.case.id} class="moderation-item">
                  <div class="moderation-item-check">
                    <SeenField item={item.case} />
                    <input
                      type="checkbox"
                      name="case"
                      value={String(item.case.id)}
                      id={`case-${item.case.id}`}
                      checked={props.values.selected.includes(item.case.id)}
                      aria-describedby={`case-${item.case.id}-summary`}
                    />
                    <label for={`case-${item.case.id}`} class="checkbox-label">
                      <TypeTag type={item.case.subject_type} /> {t('moderation.queue.reports', { count: item.case.open_reports })}
                    </label>
                  </div>
                  <div id={`case-${item.case.id}-summary`} class="moderation-item-body">
                    <p>
                      <StateTag state={item.case.state} />{' '}
                      {item.case.last_reported_at && (
                        <span class="muted">
                          {t('moderation.queue.lastReport')}{' '}
                          <time dateTime={item.case.last_reported_at.toISOString()}>{formatDate(locale, item.case.last_reported_at, true)}</time>
                        </span>
                      )}
                    </p>
                    <SubjectSummary item={item} />
                    <ReasonCounts item={item} />
                    <p>
                      <a href={`/moderation/cases/${item.case.id}`}>{t('moderation.queue.open')}</a>
                    </p>
                  </div>
                </li>
              ))}
            </ol>
          </fieldset>
          <DecisionControls reason={props.values.reason} errors={props.errors} many />
        </form>
      )}
      <Pagination page={props.page} pageSize={props.perPage} total={props.total} href={(page) => `/moderation?sort=${props.sort}&page=${page}`} />
    </section>
  );
}

function History({ details }: { details: CaseDetails }) {
  const { t, locale } = usePage();
  if (details.history.length === 0) return <p class="muted">{t('moderation.case.noHistory')}</p>;
  return (
    <ol class="plain-list">
      {details.history.map((entry) => {
        const reason = typeof entry.details.reason === 'string' ? entry.details.reason : null;
        return (
          <li key={entry.id}>
            <time dateTime={entry.created_at.toISOString()}>{formatDate(locale, entry.created_at, true)}</time> —{' '}
            {t(`moderation.action.${entry.action}` as MessageKey)}
            {reason && <> — «{reason}»</>}
          </li>
        );
      })}
    </ol>
  );
}

export function CasePage({
  details,
  values,
  errors,
  blockValues = { reason: '' },
  blockErrors = [],
  message,
}: {
  details: CaseDetails;
  values: { reason: string };
  errors: FieldProblem[];
  blockValues?: { reason: string };
  blockErrors?: FieldProblem[];
  /** Why the decision was not taken, when it is not a field's fault (another moderator decided first). */
  message?: string | undefined;
}) {
  const { t, locale } = usePage();
  const item = details.case;
  return (
    <section>
      <p>
        <a href="/moderation">{t('moderation.back')}</a>
      </p>
      <h1>{t('moderation.case.title', { id: item.id })}</h1>
      <p>
        <TypeTag type={item.subject_type} /> <StateTag state={item.state} />
      </p>
      {details.subject && item.subject_type === 'user' ? (
        // A person: his public name, and where the last report about him came from (he has no page of his own).
        <p>
          {t('moderation.case.person', { name: details.subject.context })} · <a href={details.subject.href}>{t('moderation.case.lastReportedThrough')}</a>
        </p>
      ) : details.subject ? (
        <>
          <p>
            {t('moderation.inContext', { context: details.subject.context })} · <a href={details.subject.href}>{t('moderation.case.whereShown')}</a>
          </p>
          <Quoted text={details.subject.text} />
        </>
      ) : (
        <p class="muted">{t('moderation.subjectGone')}</p>
      )}
      {item.public_reason && <p>{t('moderation.case.publicReason', { reason: item.public_reason })}</p>}
      {item.appealed_at && (
        <div class="notice">
          <p>{t('moderation.case.appealed', { date: formatDate(locale, item.appealed_at, true) })}</p>
          {item.appeal_text && <Quoted text={item.appeal_text} />}
          {item.appeal_outcome && <p>{t(`moderation.case.appeal.${item.appeal_outcome}` as MessageKey, { reason: item.appeal_reason ?? '' })}</p>}
        </div>
      )}
      <h2>{t('moderation.case.reports', { count: details.reports.length })}</h2>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('moderation.case.when')}</th>
            <th scope="col">{t('moderation.case.reason')}</th>
            <th scope="col">{t('moderation.case.reporter')}</th>
          </tr>
        </thead>
        <tbody>
          {details.reports.map((report) => (
            <tr key={report.id} class={report.resolved_at ? 'muted' : undefined}>
              <td>
                <time dateTime={report.created_at.toISOString()}>{formatDate(locale, report.created_at, true)}</time>
              </td>
              <td>
                {t(`moderation.reason.${report.reason}` as MessageKey)}
                {report.details && <p class="moderation-excerpt">{report.details}</p>}
                {report.origin && (
                  <p class="muted">
                    {t('moderation.case.through')} <TypeTag type={report.origin.type} /> <a href={report.origin.href}>{report.origin.context}</a>
                  </p>
                )}
              </td>
              <td>{details.reportersWithheld ? t('moderation.case.reporterWithheld') : (report.reporter ?? t('moderation.case.deletedUser'))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t('moderation.case.history')}</h2>
      <History details={details} />
      <h2>{t('moderation.case.decide')}</h2>
      {details.refusal ? (
        <p class="notice">{t(`errors.${details.refusal}` as MessageKey)}</p>
      ) : (
        <form method="post" action={`/moderation/cases/${item.id}/decision`} novalidate>
          <CsrfField />
          <SeenField item={item} />
          <ErrorSummary errors={errors} message={message} />
          <DecisionControls reason={values.reason} errors={errors} many={false} person={item.subject_type === 'user'} />
        </form>
      )}
      {!details.refusal && item.author_id !== null && (
        <section class="danger-zone" aria-labelledby="block-title">
          <h2 id="block-title">{t(item.subject_type === 'user' ? 'moderation.block.personTitle' : 'moderation.block.title')}</h2>
          <p>{t('moderation.block.lead')}</p>
          <form method="post" action={`/moderation/cases/${item.id}/block-author`} novalidate>
            <CsrfField />
            <SeenField item={item} />
            <ErrorSummary errors={blockErrors} />
            <Field
              name="blockReason"
              label={t('moderation.block.reason')}
              hint={t('moderation.block.reasonHint', { limit: reasonMaxLength })}
              value={blockValues.reason}
              errors={blockErrors}
              multiline
              maxLength={reasonMaxLength}
              required
            />
            <div class={blockErrors.some((p) => p.field === 'confirm') ? 'field field-error' : 'field'}>
              <FieldError field="confirm" errors={blockErrors} />
              <input type="checkbox" id="field-confirm" name="confirm" value="yes" />
              <label for="field-confirm" class="checkbox-label">
                {t('moderation.block.confirm')}
              </label>
            </div>
            <Button variant="danger">{t('moderation.block.submit')}</Button>
          </form>
        </section>
      )}
    </section>
  );
}

export function MinePage({
  items,
  errors,
  errorCase,
  values,
}: {
  items: QueueItem[];
  errors: FieldProblem[];
  errorCase: number | null;
  values: { text: string };
}) {
  const { t, locale } = usePage();
  return (
    <section class="narrow">
      <h1>{t('moderation.mine.title')}</h1>
      <p>{t('moderation.mine.intro')}</p>
      {items.length === 0 && <p class="notice">{t('moderation.mine.empty')}</p>}
      <ol class="plain-list moderation-queue">
        {items.map((item) => (
          <li key={item.case.id} class="moderation-item-body" id={`case-${item.case.id}`}>
            <p>
              <TypeTag type={item.case.subject_type} /> <StateTag state={item.case.state} />
            </p>
            <SubjectSummary item={item} />
            {item.case.public_reason && <p>{t('moderation.case.publicReason', { reason: item.case.public_reason })}</p>}
            {item.case.state === 'auto_hidden' && <p class="muted">{t('moderation.mine.pending')}</p>}
            {item.case.appealed_at ? (
              <p class="muted">
                {item.case.appeal_outcome
                  ? t(`moderation.case.appeal.${item.case.appeal_outcome}` as MessageKey, { reason: item.case.appeal_reason ?? '' })
                  : t('moderation.mine.appealWaiting', { date: formatDate(locale, item.case.appealed_at, true) })}
              </p>
            ) : (
              item.case.state === 'hidden' && (
                <form method="post" action={`/moderation/cases/${item.case.id}/appeal`} novalidate>
                  <CsrfField />
                  {errorCase === item.case.id && <ErrorSummary errors={errors} />}
                  <Field
                    name="text"
                    label={t('moderation.mine.appealLabel')}
                    hint={t('moderation.mine.appealHint', { limit: appealMaxLength })}
                    value={errorCase === item.case.id ? values.text : ''}
                    errors={errorCase === item.case.id ? errors : []}
                    multiline
                    maxLength={appealMaxLength}
                    required
                  />
                  <Button variant="secondary">{t('moderation.mine.appealSubmit')}</Button>
                </form>
              )
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function AppealsPage({
  items,
  errors,
  errorCase,
  values,
}: {
  items: QueueItem[];
  errors: FieldProblem[];
  errorCase: number | null;
  values: { reason: string; outcome: string };
}) {
  const { t, locale } = usePage();
  return (
    <section>
      <p>
        <a href="/moderation">{t('moderation.back')}</a>
      </p>
      <h1>{t('moderation.appeals.title')}</h1>
      {items.length === 0 && <p class="notice">{t('moderation.appeals.empty')}</p>}
      <ol class="plain-list moderation-queue">
        {items.map((item) => (
          <li key={item.case.id} class="moderation-item-body" id={`case-${item.case.id}`}>
            <p>
              <TypeTag type={item.case.subject_type} /> <a href={`/moderation/cases/${item.case.id}`}>{t('moderation.case.title', { id: item.case.id })}</a>
            </p>
            <SubjectSummary item={item} />
            {item.case.public_reason && <p>{t('moderation.case.publicReason', { reason: item.case.public_reason })}</p>}
            {item.case.appealed_at && <p class="muted">{t('moderation.case.appealed', { date: formatDate(locale, item.case.appealed_at, true) })}</p>}
            {item.case.appeal_text && <Quoted text={item.case.appeal_text} />}
            <form method="post" action={`/moderation/cases/${item.case.id}/appeal-decision`} novalidate>
              <CsrfField />
              {errorCase === item.case.id && <ErrorSummary errors={errors} />}
              <Field
                name="reason"
                label={t('moderation.appeals.reason')}
                hint={t('moderation.decision.reasonHint', { limit: reasonMaxLength })}
                value={errorCase === item.case.id ? values.reason : ''}
                errors={errorCase === item.case.id ? errors : []}
                multiline
                maxLength={reasonMaxLength}
                required
              />
              <div class="form-actions">
                <button type="submit" class="button button-secondary" name="outcome" value="upheld">
                  {t('moderation.appeals.uphold')}
                </button>{' '}
                <button type="submit" class="button" name="outcome" value="reversed">
                  {t('moderation.appeals.reverse')}
                </button>
              </div>
            </form>
          </li>
        ))}
      </ol>
    </section>
  );
}
