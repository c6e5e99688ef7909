/** Appeal views: the card in a problem's chain, the progress towards the threshold. */

import type { VNode } from 'preact';
import type { Problem } from '../../core/db/schema.ts';
import type { DomainError, FieldProblem } from '../../core/errors.ts';
import { formatDate, type MessageKey, type Translate } from '../../core/i18n/i18n.ts';
import {
  Breadcrumbs,
  Button,
  CsrfField,
  ErrorSummary,
  Field,
  type FormErrors,
  fieldMessage,
  Pagination,
  ProofOfWorkField,
  SelectField,
} from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { AppealStatusTag } from '../../core/views/status-tags.tsx';
import type { AmendmentsOnPage } from './appeals.amendments.ts';
import { standing } from './appeals.deadlines.ts';
import { type LetterDelivery, letterDeliveryText } from './appeals.dispatch.ts';
import { sanitizeStoredHtml } from './appeals.document.ts';
import type { ChainLink } from './appeals.escalation.ts';
import type { AppealDetails, AppealSummary, PublicSigner } from './appeals.queries.ts';
import type { MergeRegion } from './appeals.revisions.rules.ts';
import { maxTextCharacters } from './appeals.revisions.ts';
import { type AppealStage, appealStages, awaitsAnswer } from './appeals.rules.ts';

export function AppealProgress(props: { appealId: number; count: number; threshold: number; live: boolean; large?: boolean }) {
  const { appealId, count, threshold, live } = props;
  const { t } = usePage();
  const percent = Math.min(100, Math.round((count / Math.max(threshold, 1)) * 100));
  // Once the collection is over (sent, by the platform or by its author on paper; withdrawn) the threshold is no
  // longer something to reach: the count alone, without «из N нужных для отправки» and its bar.
  return (
    <div class={props.large ? 'progress progress-large' : 'progress'} data-appeal-count={live ? String(appealId) : undefined}>
      <p class="progress-label">
        <strong data-count>{t('appeal.signatures', { count })}</strong> {live && <span>{t('appeal.ofThreshold', { threshold })}</span>}
      </p>
      {live && <progress max={threshold} value={Math.min(count, threshold)} aria-label={t('appeal.progress', { percent })} data-progress />}
    </div>
  );
}

export function AppealCard({ appeal }: { appeal: AppealSummary }) {
  const { t, locale } = usePage();
  return (
    <article class="card appeal-card" aria-labelledby={`appeal-${appeal.id}-title`}>
      <p class="appeal-meta">
        <AppealStatusTag status={appeal.status} /> <span class="muted">{t('appeal.to')}</span>{' '}
        <a href={`/organizations/${appeal.organization_slug}`}>{appeal.organization_name}</a>
      </p>
      <h3 id={`appeal-${appeal.id}-title`}>
        <a href={`/appeals/${appeal.id}`}>{appeal.hidden_reason === null ? appeal.title : t('appeal.hiddenTitle', { reason: appeal.hidden_reason })}</a>
      </h3>
      {appeal.status !== 'draft' && (
        <AppealProgress appealId={appeal.id} count={appeal.signatures} threshold={appeal.threshold} live={appeal.status === 'collecting'} />
      )}
      {appeal.sent_at && (
        <p>
          {t(appeal.sent_by === 'author' ? 'appeal.sentByAuthor' : 'appeal.sentByPlatform', { date: formatDate(locale, appeal.sent_at) })}
          {appeal.answer_due_at && <> {t('appeal.answerDue', { date: formatDate(locale, appeal.answer_due_at, false, appeal.time_zone) })}</>}
        </p>
      )}
    </article>
  );
}

export interface SignFormValues {
  fullName: string;
  postalAddress: string;
  consentTransfer: string;
  consentPublicName: string;
  consentAuthor: string;
}

interface OrganizationChoice {
  id: number;
  name: string;
}

export function AppealDraftForm(props: {
  problem: Problem;
  suggested: OrganizationChoice[];
  others: OrganizationChoice[];
  action: string;
  values: Record<string, string>;
  errors: FormErrors;
  message?: string | undefined;
  baseRevision?: number | undefined;
  /** The open appeal to the same addressee that refused this draft: the page links to it. */
  openAppealId?: number | undefined;
  /** A save over a newer revision that changed the same paragraph: both versions, side by side, above the form. */
  conflict?: { latest: number; regions: MergeRegion[] } | undefined;
}) {
  const { t } = usePage();
  const { values, errors } = props;
  const options = [
    ...props.suggested.map((o) => ({ value: String(o.id), label: o.name, group: t('appealForm.suggested') })),
    ...props.others.map((o) => ({ value: String(o.id), label: o.name, group: t('appealForm.others') })),
  ];
  return (
    <section>
      <Breadcrumbs items={[{ href: `/problems/${props.problem.id}`, label: props.problem.title }, { label: t('appealForm.title') }]} />
      <h1>{t('appealForm.title')}</h1>
      <p class="lead">{t('appealForm.lead')}</p>
      {props.openAppealId !== undefined ? (
        <div class="error-summary" role="alert" tabIndex={-1} aria-labelledby="error-summary-title">
          <h2 id="error-summary-title">{t('appealForm.alreadyOpenTitle')}</h2>
          <p>{props.message}</p>
          <p>
            <a href={`/appeals/${props.openAppealId}`}>{t('appealForm.openAppeal', { id: props.openAppealId })}</a>
          </p>
        </div>
      ) : (
        <ErrorSummary errors={errors} message={props.message} />
      )}
      {props.conflict && <MergeColumns latest={props.conflict.latest} regions={props.conflict.regions} />}
      <form method="post" action={props.action} novalidate class="wide-form">
        <CsrfField />
        {props.baseRevision !== undefined && <input type="hidden" name="baseRevision" value={String(props.baseRevision)} />}
        <SelectField
          name="organizationId"
          label={t('appealForm.addressee')}
          options={options}
          value={values.organizationId}
          errors={errors}
          required
          hint={t('appealForm.addresseeHint')}
        />
        <Field name="title" label={t('appealForm.subject')} value={values.title} errors={errors} required maxLength={300} />
        <Field name="text" label={t('appealForm.text')} value={values.text} errors={errors} required multiline hint={t('appealForm.textHint')} />
        <Button>{t('form.save')}</Button>
      </form>
    </section>
  );
}

/**
 * Two versions of a text side by side, the paragraphs in conflict marked on both sides: a save over a newer revision
 * that changed the same paragraph (appeals.revisions.ts) shows it for the person to settle the text below.
 */
/**
 * The appeal's whole text in the Markdown of the forms without JavaScript (the draft's text form, an amendment's
 * proposal): `field-text`, with the formatting hint and the field's own errors.
 */
export function AppealTextField({ label, value, errors }: { label: string; value: string; errors: FieldProblem[] }) {
  const { t } = usePage();
  const problems = errors.filter((problem) => problem.field === 'text');
  return (
    <div class={`field${problems.length ? ' field-error' : ''}`}>
      <label for="field-text">{label}</label>
      <p class="hint" id="field-text-hint">
        {t('appealText.markdownHint')}
      </p>
      {problems.length > 0 && (
        <p class="error-message" id="field-text-error">
          {problems.map((problem) => t(`validation.${problem.rule}` as 'validation.required', problem.params)).join(' ')}
        </p>
      )}
      <textarea
        id="field-text"
        name="text"
        rows={18}
        maxLength={maxTextCharacters * 2}
        aria-describedby={`field-text-hint${problems.length ? ' field-text-error' : ''}`}
        aria-invalid={problems.length ? 'true' : undefined}
      >
        {value}
      </textarea>
    </div>
  );
}

export function MergeColumns({ latest, regions }: { latest: number; regions: MergeRegion[] }) {
  const { t } = usePage();
  const side = (which: 'mine' | 'theirs') =>
    regions.map((region, index) =>
      region.kind === 'same' ? (
        <pre key={index}>{region.lines.join('\n')}</pre>
      ) : (
        <pre key={index} class="merge-conflict">
          <span class="visually-hidden">{t('merge.passage')}: </span>
          {region[which].join('\n')}
        </pre>
      ),
    );
  return (
    <div class="side-by-side">
      <section aria-labelledby="merge-mine">
        <h2 id="merge-mine">{t('merge.mine')}</h2>
        <div class="merge-text">{side('mine')}</div>
      </section>
      <section aria-labelledby="merge-theirs">
        <h2 id="merge-theirs">{t('merge.theirs', { revision: latest })}</h2>
        <div class="merge-text">{side('theirs')}</div>
      </section>
    </div>
  );
}

function Paragraphs({ text }: { text: string }) {
  return (
    <>
      {text.split(/\n{2,}/).map((paragraph, i) => (
        <p key={i}>
          {paragraph.split('\n').map((line, j) => (
            <>
              {j > 0 && <br />}
              {line}
            </>
          ))}
        </p>
      ))}
    </>
  );
}

function SignForm({
  appealId,
  textSha256,
  values,
  errors,
  again,
}: {
  appealId: number;
  /** The text this page shows: an amendment accepted before the form comes back signs nothing (`text_changed`). */
  textSha256: string | null;
  values: SignFormValues;
  errors: FormErrors;
  again?: boolean;
}) {
  const { t } = usePage();
  return (
    <form method="post" action={`/appeals/${appealId}/signatures`} novalidate class="sign-form" id="sign">
      <CsrfField />
      {textSha256 && <input type="hidden" name="textSha256" value={textSha256} />}
      <h3>{t(again ? 'sign.resubmit' : 'sign.title')}</h3>
      <ErrorSummary errors={errors} />
      <Field name="fullName" label={t('sign.fullName')} value={values.fullName} errors={errors} required autocomplete="name" hint={t('sign.fullNameHint')} />
      <Field
        name="postalAddress"
        label={t('sign.postalAddress')}
        value={values.postalAddress}
        errors={errors}
        required
        multiline
        autocomplete="street-address"
        hint={t('sign.postalAddressHint')}
      />
      <div class={`field${errors.some((e) => e.field === 'consentTransfer') ? ' field-error' : ''}`}>
        {errors
          .filter((e) => e.field === 'consentTransfer')
          .map((e) => (
            <p class="error-message" id="field-consentTransfer-error" key={e.rule}>
              {fieldMessage(t, e)}
            </p>
          ))}
        <input
          type="checkbox"
          id="field-consentTransfer"
          name="consentTransfer"
          value="yes"
          required
          checked={values.consentTransfer === 'yes'}
          aria-describedby="consent-transfer-hint"
        />
        <label for="field-consentTransfer" class="checkbox-label">
          {t('sign.consentTransfer')}
        </label>
        <p class="hint" id="consent-transfer-hint">
          {t('sign.consentTransferHint')}
        </p>
      </div>
      <div class="field">
        <input type="checkbox" id="field-consentPublicName" name="consentPublicName" value="yes" checked={values.consentPublicName === 'yes'} />
        <label for="field-consentPublicName" class="checkbox-label">
          {t('sign.consentPublicName')}
        </label>
      </div>
      <div class="field">
        <input
          type="checkbox"
          id="field-consentAuthor"
          name="consentAuthor"
          value="yes"
          checked={values.consentAuthor === 'yes'}
          aria-describedby="consent-author-hint"
        />
        <label for="field-consentAuthor" class="checkbox-label">
          {t('sign.consentAuthor')}
        </label>
        <p class="hint" id="consent-author-hint">
          {t('sign.consentAuthorHint')}
        </p>
      </div>
      <WhoSees />
      <ProofOfWorkField errors={errors} />
      <Button>{t(again ? 'sign.resubmit' : 'sign.submit')}</Button>
    </form>
  );
}

/** Beside the consents: who gets which of the signer's data, in plain words. */
function WhoSees() {
  const { t } = usePage();
  const rows = [
    ['sign.whoSees.public', 'sign.whoSees.publicWhat'],
    ['sign.whoSees.addressee', 'sign.whoSees.addresseeWhat'],
    ['sign.whoSees.author', 'sign.whoSees.authorWhat'],
    ['sign.whoSees.admins', 'sign.whoSees.adminsWhat'],
  ] as const;
  return (
    <table class="table who-sees">
      <caption>{t('sign.whoSees')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('sign.whoSeesWho')}</th>
          <th scope="col">{t('sign.whoSeesWhat')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([who, what]) => (
          <tr key={who}>
            <th scope="row">{t(who)}</th>
            <td>{t(what)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface AppealPageProps {
  details: AppealDetails;
  /** The answer and the body's letters (the answers module's section, through the ports), once the appeal went out. */
  letters?: VNode | null;
  signers: { items: PublicSigner[]; total: number };
  signersPage: number;
  signersPerPage: number;
  mySignature: { created_at: Date; public_name: string | null } | null;
  /** The viewer's signature of a version an amendment replaced, when he has none of the current one. */
  mySupersededSignature?: { signed_at: Date; revision_number: number } | null;
  /** The appeal's amendments, while it collects signatures (null otherwise). */
  amendments?: AmendmentsOnPage | null;
  /** Whether the viewer may propose an amendment now. */
  canPropose?: boolean;
  isAuthor: boolean;
  /** For the author: how many signers consented to give the author their data (listed in the author's PDF). */
  authorCopyListed: number;
  signValues: SignFormValues;
  signErrors: FormErrors;
  sentErrors: FormErrors;
  /** The registration form's mistakes and what was typed (re-shown with them). */
  registrationErrors?: FormErrors;
  registrationValues?: { registrationNumber: string; registeredOn: string };
  openError?: DomainError | undefined;
  /** The appeal's address on this site, absolute, for the share block. */
  shareUrl: string;
  /** The clock the days left are counted from (ctx.now()). */
  now: Date;
  /** The appeals of the chain this one is in, oldest first (itself included). */
  chain?: ChainLink[];
  /** The author may escalate it now (closed unresolved or overdue, not escalated yet). */
  canEscalate?: boolean;
}

/** The chain of appeals about one problem, each escalated from the one before. */
function ChainSection({ chain, current }: { chain: ChainLink[]; current: number }) {
  const { t } = usePage();
  if (chain.length < 2) return null;
  return (
    <section aria-labelledby="chain-title" class="appeal-chain">
      <h2 id="chain-title">{t('chain.title')}</h2>
      <ol class="chain">
        {chain.map((link) => (
          <li key={link.id} aria-current={link.id === current ? 'step' : undefined}>
            {link.id === current ? (
              <strong>
                {t('chain.item', { id: link.id, organization: link.organization })} ({t('chain.current')})
              </strong>
            ) : (
              <a href={`/appeals/${link.id}`}>{t('chain.item', { id: link.id, organization: link.organization })}</a>
            )}{' '}
            · <span class={`tag tag-appeal-${link.status}`}>{t(`appealStatus.${link.status}` as MessageKey)}</span>
            {link.status === 'closed' && link.outcome && <span class="muted"> — {t(`appealOutcome.${link.outcome}` as MessageKey)}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/**
 * Forwarding to the competent body (59-FZ Art. 8 p. 3), as the citizens read it: on the forwarded appeal, where it went,
 * when and why, with the new appeal; on that new appeal, which one it continues and why it came.
 */
function ForwardingNotice({ chain, current }: { chain: ChainLink[]; current: AppealPageProps['details']['appeal'] }) {
  const { t, locale } = usePage();
  const self = chain.find((link) => link.id === current.id);
  const next = self?.forwardedAppealId ? chain.find((link) => link.id === self.forwardedAppealId) : undefined;
  const previous = chain.find((link) => link.forwardedAppealId === current.id);
  if (self?.status === 'forwarded' && next && self.forwardedAt)
    return (
      <section class="notice forwarding-notice" aria-labelledby="forwarding-title" id="forwarding">
        <h2 id="forwarding-title">{t('forwarding.forwardedTitle')}</h2>
        <p>
          {t('forwarding.forwardedTo', { date: formatDate(locale, self.forwardedAt) })}{' '}
          <a href={`/organizations/${next.organizationSlug}`}>{next.organization}</a>.
        </p>
        {self.forwardingReason && <p class="forwarding-reason">{t('forwarding.reason', { reason: self.forwardingReason })}</p>}
        <p>
          <a href={`/appeals/${next.id}`}>{t('forwarding.nextAppeal', { id: next.id })}</a>
        </p>
      </section>
    );
  if (previous)
    return (
      <section class="notice forwarding-notice" aria-labelledby="forwarding-title" id="forwarding">
        <h2 id="forwarding-title">{t('forwarding.receivedTitle')}</h2>
        <p>
          {t('forwarding.receivedFrom', { organization: previous.organization })}{' '}
          <a href={`/appeals/${previous.id}`}>{t('forwarding.previousAppeal', { id: previous.id })}</a>.
        </p>
        {previous.forwardingReason && <p class="forwarding-reason">{t('forwarding.reason', { reason: previous.forwardingReason })}</p>}
      </section>
    );
  return null;
}

/** Why this appeal's threshold may differ from the organization's page: it is fixed when signing opens. */
function ThresholdNote({ appeal, organizationThreshold }: { appeal: AppealPageProps['details']['appeal']; organizationThreshold: number }) {
  const { t, locale } = usePage();
  if (appeal.status === 'draft') return <p class="hint">{t('appealPage.thresholdWillBeFixed', { count: organizationThreshold })}</p>;
  if (!appeal.opened_at || appeal.sent_at) return null;
  return (
    <p class="hint">
      {t('appealPage.thresholdFixed', { date: formatDate(locale, appeal.opened_at) })}
      {organizationThreshold !== appeal.threshold && ` ${t('appealPage.thresholdChangedSince', { count: organizationThreshold })}`}
    </p>
  );
}

/** Signing is closed and the letter is on its way: the page says how far it got, and why it is late. */
function LetterNotice({ delivery, queued }: { delivery: LetterDelivery | null; queued: boolean }) {
  const { t, locale } = usePage();
  if (!queued) return <p class="notice">{t('sign.dispatching')}</p>;
  const text = letterDeliveryText(t, locale, delivery);
  return <p class={!delivery || delivery.state === 'queued' ? 'notice' : 'notice notice-warning'}>{text}</p>;
}

/** «осталось 5 дней», «последний день» or «просрочено на 3 дня», in the addressee's days. */
export function DaysLeft({ dueAt, now, timeZone }: { dueAt: Date; now: Date; timeZone: string }) {
  const { t } = usePage();
  const where = standing(dueAt, now, timeZone);
  if (where.kind === 'overdue')
    return (
      <>
        {' '}
        <span class="tag tag-overdue">{t('deadline.overdue', { count: where.days })}</span>
      </>
    );
  return <span class="muted days-left"> — {where.days === 0 ? t('deadline.lastDay') : t('deadline.left', { count: where.days })}</span>;
}

/** GOV.UK «step-by-step» of the appeal's life: stages passed checked, the current one marked, the rest muted. */
export function StageTracker({ appeal, timeZone }: { appeal: AppealPageProps['details']['appeal']; timeZone: string }) {
  const { t, locale } = usePage();
  // Under a narrow step a date wraps: keep «5 декабря» and «2026 г.» whole. Days of the addressee's zone, as its deadlines are.
  const day = (value: Date) =>
    formatDate(locale, value, false, timeZone)
      .replace(/^(\d+) /, '$1\u00a0')
      .replace(/ г\.$/, '\u00a0г.');
  const date = (value: Date | null) => (value ? day(value) : null);
  // A date where the stage has one: when it happened, or for what is ahead, the latest legal day.
  const details: Partial<Record<AppealStage, string | null>> = {
    collecting: appeal.opened_at && t('appealStage.since', { date: day(appeal.opened_at) }),
    sent: date(appeal.sent_at),
    registered: appeal.registration_number
      ? t('appealStage.number', { number: appeal.registration_number })
      : appeal.registration_due_at && t('appealStage.due', { date: day(appeal.registration_due_at) }),
    answered: awaitsAnswer(appeal.status) ? appeal.answer_due_at && t('appealStage.due', { date: day(appeal.answer_due_at) }) : null,
    withdrawn: date(appeal.withdrawn_at),
  };
  return (
    <section aria-labelledby="stages-title" class="stages-section">
      <h2 id="stages-title" class="stages-title">
        {t('appealStage.title')}
      </h2>
      <ol class="stages">
        {appealStages(appeal).map(({ stage, state }) => (
          <li
            key={stage}
            class={`stage stage-${state}${stage === 'withdrawn' || stage === 'forwarded' ? ' stage-end' : ''}`}
            aria-current={state === 'current' ? 'step' : undefined}
          >
            <span class="stage-marker" aria-hidden="true" />
            <span class="stage-name">{t(`appealStage.${stage}` as MessageKey)}</span>
            <span class="visually-hidden"> — {t(`appealStage.state.${state}` as MessageKey)}</span>
            {details[stage] && <span class="stage-detail">{details[stage]}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** After signing (and for the author): the link to pass on, copied in one click with JavaScript, selectable without. */
export function ShareBlock({ url, title, threshold }: { url: string; title: string; threshold: number }) {
  const { t } = usePage();
  const enc = encodeURIComponent;
  const message = t('share.message', { title });
  const links = [
    { label: t('share.vk'), href: `https://vk.com/share.php?url=${enc(url)}&title=${enc(title)}` },
    { label: t('share.telegram'), href: `https://t.me/share/url?url=${enc(url)}&text=${enc(message)}` },
    { label: t('share.whatsapp'), href: `https://wa.me/?text=${enc(`${message} ${url}`)}` },
    { label: t('share.email'), href: `mailto:?subject=${enc(title)}&body=${enc(`${message}\n\n${url}`)}` },
  ];
  return (
    <div class="share" data-module="copy-link" data-copied={t('share.copied')} data-copy-failed={t('share.copyFailed')}>
      <h3>{t('share.title')}</h3>
      <p class="hint">{t('share.hint', { count: threshold })}</p>
      <label for="share-url">{t('share.urlLabel')}</label>
      <div class="share-copy">
        <input type="text" id="share-url" value={url} readOnly spellcheck={false} data-copy-source />
        <button type="button" class="button button-secondary" data-copy-button hidden>
          {t('share.copy')}
        </button>
      </div>
      <p class="share-status" role="status" data-copy-status />
      <ul class="share-links" aria-label={t('share.linksLabel')}>
        {links.map((link) => (
          <li key={link.label}>
            <a href={link.href}>{link.label}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The count and, right beside it, what this visitor can do about it: sign, log in, or pass the link on. */
function SigningBlock(props: AppealPageProps & { collecting: boolean }) {
  const { t, locale, actor } = usePage();
  const { appeal, count, organization } = props.details;
  const action = !props.collecting ? null : props.mySignature ? (
    <>
      <div class="notice notice-success">
        <p>{t('sign.signedOn', { date: formatDate(locale, props.mySignature.created_at) })}</p>
        <form method="post" action={`/appeals/${appeal.id}/signatures/withdraw`}>
          <CsrfField />
          <Button variant="secondary">{t('sign.withdraw')}</Button>
        </form>
      </div>
      <ShareBlock url={props.shareUrl} title={appeal.title} threshold={appeal.threshold} />
    </>
  ) : !actor ? (
    <div class="notice sign-in-to-sign">
      <p>{t('sign.logInHint')}</p>
      <p>
        <a class="button" href={`/login?return=${encodeURIComponent(`/appeals/${appeal.id}#sign`)}`}>
          {t('sign.logInToSign')}
        </a>
      </p>
    </div>
  ) : props.mySupersededSignature ? (
    <>
      <div class="notice notice-warning" id="superseded">
        <h3>{t('sign.supersededTitle')}</h3>
        <p>
          {t('sign.superseded', {
            revision: props.mySupersededSignature.revision_number,
            date: formatDate(locale, props.mySupersededSignature.signed_at),
            current: props.details.revision.number,
          })}
        </p>
        <p>
          <a href={`/appeals/${appeal.id}/history/compare?from=${props.mySupersededSignature.revision_number}&to=${props.details.revision.number}`}>
            {t('sign.supersededDiff', { revision: props.mySupersededSignature.revision_number })}
          </a>
        </p>
        <form method="post" action={`/appeals/${appeal.id}/signatures/withdraw`}>
          <CsrfField />
          <Button variant="secondary">{t('sign.withdrawSuperseded')}</Button>
        </form>
      </div>
      {actor.emailVerified ? (
        <SignForm appealId={appeal.id} textSha256={appeal.text_sha256} values={props.signValues} errors={props.signErrors} again />
      ) : (
        <p class="notice">{t('sign.verifyToSign')}</p>
      )}
    </>
  ) : !actor.emailVerified ? (
    <p class="notice">{t('sign.verifyToSign')}</p>
  ) : (
    <>
      <SignForm appealId={appeal.id} textSha256={appeal.text_sha256} values={props.signValues} errors={props.signErrors} />
      {props.isAuthor && <ShareBlock url={props.shareUrl} title={appeal.title} threshold={appeal.threshold} />}
    </>
  );
  return (
    <section aria-labelledby="signature-title" id="signature" class={action ? 'signing' : 'signing signing-closed'}>
      <div class="signing-count">
        <h2 id="signature-title">{t('sign.countTitle')}</h2>
        <AppealProgress appealId={appeal.id} count={count} threshold={appeal.threshold} live={props.collecting} large />
        {props.collecting && <p class="hint">{t('sign.thresholdHint', { count: appeal.threshold })}</p>}
        <ThresholdNote appeal={appeal} organizationThreshold={organization.appeal_threshold} />
        {props.amendments && props.amendments.superseded.length > 0 && (
          <>
            <p class="hint">{t('amendments.currentVersion', { revision: props.details.revision.number })}</p>
            <ul class="versions hint">
              {props.amendments.superseded.map((version) => (
                <li key={version.revision}>{t('amendments.versionCount', { count: version.signatures, revision: version.revision })}</li>
              ))}
            </ul>
          </>
        )}
        {appeal.status === 'collecting' && appeal.dispatch_started_at && (
          <LetterNotice delivery={props.details.delivery} queued={appeal.dispatch_message_id !== null} />
        )}
      </div>
      {action && <div class="signing-action">{action}</div>}
    </section>
  );
}

export function AppealPage(props: AppealPageProps) {
  const { t, locale } = usePage();
  const { appeal, organization, revision } = props.details;
  const collecting = appeal.status === 'collecting' && !appeal.dispatch_started_at;
  return (
    <article class="appeal">
      <Breadcrumbs
        items={[{ href: `/problems/${appeal.problem_id}`, label: props.details.problemTitle ?? t('appeal.problemHidden') }, { label: appeal.title }]}
      />
      <p class="appeal-meta">
        <AppealStatusTag status={appeal.status} /> <span class="muted">{t('appeal.to')}</span>{' '}
        <a href={`/organizations/${organization.slug}`}>{organization.name}</a>
      </p>
      <h1>{appeal.title}</h1>
      <StageTracker appeal={appeal} timeZone={props.details.timeZone} />
      {appeal.status === 'draft' && <ThresholdNote appeal={appeal} organizationThreshold={organization.appeal_threshold} />}
      {appeal.sent_at && (
        <dl class="facts">
          <div>
            <dt>{t('appealPage.sentOn')}</dt>
            <dd>
              {formatDate(locale, appeal.sent_at)} ({t(appeal.sent_by === 'author' ? 'appealPage.byAuthor' : 'appealPage.byPlatform')})
            </dd>
          </div>
          {appeal.registration_number && (
            <div>
              <dt>{t('appealPage.registrationNumber')}</dt>
              <dd>{appeal.registration_number}</dd>
            </div>
          )}
          {appeal.registration_due_at && (
            <div>
              <dt>{t('appealPage.registrationDue')}</dt>
              <dd>
                {formatDate(locale, appeal.registration_due_at, false, props.details.timeZone)}
                {!appeal.registration_number && appeal.status === 'sent' && (
                  <DaysLeft dueAt={appeal.registration_due_at} now={props.now} timeZone={props.details.timeZone} />
                )}
              </dd>
            </div>
          )}
          {appeal.answer_due_at && (
            <div>
              <dt>{t('appealPage.answerDue')}</dt>
              <dd>
                {formatDate(locale, appeal.answer_due_at, false, props.details.timeZone)}
                {awaitsAnswer(appeal.status) && <DaysLeft dueAt={appeal.answer_due_at} now={props.now} timeZone={props.details.timeZone} />}
              </dd>
            </div>
          )}
          {appeal.answered_at && (
            <div>
              <dt>{t('appealPage.answeredOn')}</dt>
              <dd>
                <a href="#letters">{formatDate(locale, appeal.answered_at, false, props.details.timeZone)}</a>
              </dd>
            </div>
          )}
          {appeal.review_closes_at && (
            <div>
              <dt>{appeal.status === 'review' ? t('appealPage.reviewUntil') : t('appealPage.reviewEnded')}</dt>
              <dd>
                <a href="#review">{formatDate(locale, appeal.review_closes_at, true, props.details.timeZone)}</a>
              </dd>
            </div>
          )}
          {appeal.status === 'closed' && appeal.closed_at && (
            <div>
              <dt>{t('appealPage.closedOn')}</dt>
              <dd>
                {formatDate(locale, appeal.closed_at, false, props.details.timeZone)} —{' '}
                <strong>{t(`appealOutcome.${appeal.outcome ?? 'none'}` as MessageKey)}</strong>
              </dd>
            </div>
          )}
        </dl>
      )}
      {props.chain && <ForwardingNotice chain={props.chain} current={appeal} />}
      {props.letters}
      {props.chain && <ChainSection chain={props.chain} current={appeal.id} />}
      <section aria-labelledby="text-title" class="appeal-text">
        <h2 id="text-title">{appeal.status === 'draft' ? t('appealPage.draftText', { revision: revision.number }) : t('appealPage.frozenText')}</h2>
        <div class="letter rich-text">
          {revision.html ? <div dangerouslySetInnerHTML={{ __html: sanitizeStoredHtml(revision.html) }} /> : <Paragraphs text={revision.text} />}
        </div>
        <p class="draft-links">
          {appeal.status === 'draft' && (
            <>
              <a href={`/appeals/${appeal.id}/draft`}>{t('appealPage.coWriting')}</a>
              {' · '}
            </>
          )}
          <a href={`/appeals/${appeal.id}/history`}>{t('appealPage.history')}</a>
          {props.amendments && (props.amendments.total > 0 || props.canPropose) && (
            <>
              {' · '}
              <a href={`/appeals/${appeal.id}/amendments`}>
                {props.amendments.waiting > 0 ? t('amendments.onAppeal', { count: props.amendments.waiting }) : t('amendments.onAppealNone')}
              </a>
            </>
          )}
          {props.canPropose && (
            <>
              {' · '}
              <a href={`/appeals/${appeal.id}/amendments/new`}>{t('amendments.propose')}</a>
            </>
          )}
        </p>
        {appeal.text_sha256 && (
          <p class="muted hash">
            {t('appealPage.revision', { revision: revision.number })} · SHA-256: <code>{appeal.text_sha256}</code>
          </p>
        )}
        {appeal.status !== 'draft' && !props.isAuthor && (
          <p class="report-link">
            <a class="muted" href={`/report/appeal/${appeal.id}`} rel="nofollow">
              {t('appealPage.report')}
            </a>
          </p>
        )}
      </section>

      {appeal.status !== 'draft' && <SigningBlock {...props} collecting={collecting} />}

      {props.isAuthor && <AuthorActions {...props} />}

      {appeal.status !== 'draft' && (
        <section aria-labelledby="signers-title">
          <h2 id="signers-title">{signersTitle(t, props.signers.total)}</h2>
          <p class="hint">{t('signers.privacy', { count: props.details.count })}</p>
          {props.signers.items.length > 0 && (
            <ol class="signers">
              {props.signers.items.map((s, i) => (
                <li key={i}>
                  {s.public_name}
                  {s.municipality ? `, ${s.municipality}` : ''}
                </li>
              ))}
            </ol>
          )}
          <Pagination
            page={props.signersPage}
            pageSize={props.signersPerPage}
            total={props.signers.total}
            href={(n) => `/appeals/${appeal.id}?page=${n}#signers-title`}
          />
        </section>
      )}
    </article>
  );
}

/** The author's tools, in a section of their own; withdrawing sits apart at its end and asks first (its own page). */
function AuthorActions(props: AppealPageProps) {
  const { t } = usePage();
  const { appeal } = props.details;
  const openError = props.openError;
  const canWithdraw = (appeal.status === 'draft' || appeal.status === 'collecting') && !appeal.dispatch_started_at;
  return (
    <section aria-labelledby="author-title" class="author-actions">
      <h2 id="author-title">{t('appealPage.authorActions')}</h2>
      {props.canEscalate && (
        <div class="author-block">
          <p>
            <a class="button" href={`/appeals/${appeal.id}/escalate`}>
              {t('escalate.button')}
            </a>
          </p>
        </div>
      )}
      {appeal.status === 'draft' && (
        <div class="author-block">
          <p>
            <a class="button button-secondary" href={`/appeals/${appeal.id}/edit`}>
              {t('appealPage.edit')}
            </a>
          </p>
          <form method="post" action={`/appeals/${appeal.id}/open`}>
            <CsrfField />
            <p class="hint">{t('appealPage.openHint')}</p>
            {openError && (
              <div class="error-summary" role="alert">
                <h3>{t(`errors.${openError.code}` as MessageKey, openError.params)}</h3>
                <ul>
                  {openError.fields.map((f, i) => (
                    <li key={i}>{t(`validation.${f.rule}` as MessageKey, f.params)}</li>
                  ))}
                </ul>
                <div class="field">
                  <input type="checkbox" id="field-acknowledge" name="acknowledge" value="yes" />
                  <label for="field-acknowledge" class="checkbox-label">
                    {t('appealPage.acknowledge')}
                  </label>
                </div>
              </div>
            )}
            <Button>{t('appealPage.open')}</Button>
          </form>
        </div>
      )}
      {appeal.status !== 'withdrawn' && (
        <div class="author-block">
          <h3>{t('appealPage.pdfTitle')}</h3>
          <p>
            <a href={`/appeals/${appeal.id}/document.pdf`}>{t('appealPage.downloadPdf')}</a>
          </p>
          {appeal.status !== 'draft' && props.details.count > 0 && (
            <p class="hint">{t('appealPage.pdfPrivacy', { listed: props.authorCopyListed, total: props.details.count })}</p>
          )}
        </div>
      )}
      {appeal.status === 'collecting' && !appeal.dispatch_started_at && (
        <div class="author-block">
          {props.details.count > 0 ? (
            <form method="post" action={`/appeals/${appeal.id}/sent-by-me`} class="inline-fields" novalidate>
              <CsrfField />
              <h3>{t('appealPage.sentByMe')}</h3>
              <ErrorSummary errors={props.sentErrors} />
              <Field
                name="sentOn"
                label={t('appealPage.sentOnField')}
                hint={t('appealPage.sentOnHint')}
                autocomplete="off"
                errors={props.sentErrors}
                required
              />
              <Field name="registrationNumber" label={t('appealPage.registrationNumber')} errors={props.sentErrors} />
              <Button variant="secondary">{t('appealPage.recordSent')}</Button>
            </form>
          ) : (
            <>
              <h3>{t('appealPage.sentByMe')}</h3>
              <p class="hint">{t('appealPage.sentNeedsSignature')}</p>
            </>
          )}
        </div>
      )}
      {appeal.status === 'sent' && (
        <div class="author-block" id="registration">
          <form method="post" action={`/appeals/${appeal.id}/registration`} class="inline-fields" novalidate>
            <CsrfField />
            <h3>{t('appealPage.registrationTitle')}</h3>
            <p class="hint">{t('appealPage.registrationHint')}</p>
            <ErrorSummary errors={props.registrationErrors ?? []} />
            <Field
              name="registrationNumber"
              label={t('appealPage.registrationNumber')}
              value={props.registrationValues?.registrationNumber}
              errors={props.registrationErrors}
              autocomplete="off"
              required
            />
            <Field
              name="registeredOn"
              label={t('appealPage.registeredOnField')}
              hint={t('appealPage.sentOnHint')}
              value={props.registrationValues?.registeredOn}
              errors={props.registrationErrors}
              autocomplete="off"
              required
            />
            <Button variant="secondary">{t('appealPage.recordRegistration')}</Button>
          </form>
        </div>
      )}
      {canWithdraw && (
        <div class="author-block danger-zone">
          <h3>{t('appealPage.withdraw')}</h3>
          <p class="hint">{t(appeal.status === 'draft' ? 'appealPage.withdrawDraftHint' : 'appealPage.withdrawHint')}</p>
          <p>
            <a class="button button-danger-secondary" href={`/appeals/${appeal.id}/withdraw`}>
              {t('appealPage.withdraw')}
            </a>
          </p>
        </div>
      )}
    </section>
  );
}

/** GET /appeals/:id/withdraw: what withdrawing does, before it is done (POST to the same address). */
export function WithdrawConfirmPage({ details }: { details: AppealDetails }) {
  const { t } = usePage();
  const { appeal, count, problemTitle } = details;
  const collecting = appeal.status === 'collecting';
  const consequences = collecting
    ? [
        t('withdraw.stopsSigning'),
        count > 0 ? t('withdraw.signersTold', { count }) : null,
        t('withdraw.notSent', { organization: details.organization.name }),
        t('withdraw.final'),
      ]
    : [t('withdraw.draftClosed'), t('withdraw.notSent', { organization: details.organization.name }), t('withdraw.final')];
  return (
    <section class="withdraw-confirm">
      <Breadcrumbs
        items={[
          { href: `/problems/${appeal.problem_id}`, label: problemTitle ?? t('appeal.problemHidden') },
          { href: `/appeals/${appeal.id}`, label: appeal.title },
          { label: t('withdraw.crumb') },
        ]}
      />
      <h1>{t('withdraw.title')}</h1>
      <p class="lead">«{appeal.title}»</p>
      <div class="notice notice-warning">
        <h2>{t('withdraw.whatHappens')}</h2>
        <ul>
          {consequences.filter(Boolean).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </div>
      <form method="post" action={`/appeals/${appeal.id}/withdraw`} class="actions">
        <CsrfField />
        <Button variant="danger">{t('withdraw.confirm')}</Button>
        <a href={`/appeals/${appeal.id}`}>{t('withdraw.cancel')}</a>
      </form>
    </section>
  );
}

/** How many signers are named on the page; «0 подписавших названы публично» would read as a glitch. */
export function signersTitle(t: Translate, named: number): string {
  return named === 0 ? t('signers.titleNone') : t('signers.title', { count: named });
}

/** The escalation form: the addressee (the parent by default) and what follows. */
export function EscalatePage({
  appeal,
  organizations,
  selected,
  errors,
}: {
  appeal: { id: number; title: string };
  organizations: { id: number; name: string }[];
  selected: number | null;
  errors: FormErrors;
}) {
  const { t } = usePage();
  const problem = errors.find((error) => error.field === 'organizationId');
  return (
    <section>
      <p>
        <a href={`/appeals/${appeal.id}`}>{appeal.title}</a>
      </p>
      <h1>{t('escalate.title')}</h1>
      <p class="lead">{t('escalate.lead')}</p>
      <form method="post" action={`/appeals/${appeal.id}/escalate`}>
        <CsrfField />
        <ErrorSummary errors={errors} />
        <div class={`field${problem ? ' field-error' : ''}`}>
          <label for="field-organizationId">{t('escalate.organization')}</label>
          <p class="hint" id="field-organizationId-hint">
            {t('escalate.organizationHint')}
          </p>
          {problem && (
            <p class="error-message" id="field-organizationId-error">
              {fieldMessage(t, problem)}
            </p>
          )}
          <select id="field-organizationId" name="organizationId" aria-describedby="field-organizationId-hint" required>
            <option value="">—</option>
            {organizations.map((organization) => (
              <option key={organization.id} value={String(organization.id)} selected={organization.id === selected}>
                {organization.name}
              </option>
            ))}
          </select>
        </div>
        <Button>{t('escalate.submit')}</Button>
      </form>
    </section>
  );
}
