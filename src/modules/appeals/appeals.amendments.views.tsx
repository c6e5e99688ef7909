/** Pages of amendments: the list of an appeal's amendments, the proposal form, and one amendment with its diff, discussion and decision. */

import type { Appeal } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate } from '../../core/i18n/i18n.ts';
import { Breadcrumbs, Button, CsrfField, ErrorSummary, Field } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { type AmendmentDetails, type AmendmentSummary, amendmentLimits, amendmentSignatureLimit } from './appeals.amendments.ts';
import { sanitizeStoredHtml } from './appeals.document.ts';
import type { WordChange } from './appeals.revisions.rules.ts';
import { maxTextCharacters } from './appeals.revisions.ts';
import { AppealTextField } from './appeals.views.tsx';

function StatusLine({ amendment }: { amendment: AmendmentSummary }) {
  const { t, locale } = usePage();
  if (amendment.status === 'accepted')
    return (
      <p class="amendment-status amendment-accepted">
        {t('amendments.acceptedOn', { date: formatDate(locale, amendment.decidedAt ?? amendment.createdAt), revision: amendment.revision ?? 0 })}
      </p>
    );
  if (amendment.status === 'rejected')
    return (
      <p class="amendment-status amendment-rejected">{t('amendments.rejectedOn', { date: formatDate(locale, amendment.decidedAt ?? amendment.createdAt) })}</p>
    );
  return <p class="amendment-status">{amendment.outdated ? t('amendments.outdated', { revision: amendment.baseRevision }) : t('amendments.waiting')}</p>;
}

/** A word diff with its legend (`lead` says what the struck and the underlined words are): amendments and the history's comparison. */
export function WordChanges({ changes, lead }: { changes: WordChange[]; lead: string }) {
  const { t } = usePage();
  return (
    <>
      <p class="compare-legend">
        {lead} <del>{t('amendments.removed')}</del> <ins>{t('amendments.added')}</ins>
      </p>
      <div class="word-diff">
        {changes.map((change, index) =>
          change.kind === 'added' ? (
            <ins key={index}>{change.text}</ins>
          ) : change.kind === 'removed' ? (
            <del key={index}>{change.text}</del>
          ) : (
            <span key={index}>{change.text}</span>
          ),
        )}
      </div>
    </>
  );
}

export function AmendmentListPage({ appeal, amendments, canPropose }: { appeal: Appeal; amendments: AmendmentSummary[]; canPropose: boolean }) {
  const { t, locale } = usePage();
  return (
    <section class="amendments">
      <Breadcrumbs items={[{ href: `/appeals/${appeal.id}`, label: appeal.title }, { label: t('amendments.title') }]} />
      <h1>{t('amendments.heading', { title: appeal.title })}</h1>
      <p class="lead">{t('amendments.lead', { limit: amendmentSignatureLimit })}</p>
      {canPropose && (
        <p>
          <a class="button" href={`/appeals/${appeal.id}/amendments/new`}>
            {t('amendments.propose')}
          </a>
        </p>
      )}
      {amendments.length === 0 ? (
        <p>{t('amendments.none')}</p>
      ) : (
        <ol class="amendment-list" reversed>
          {amendments.map((amendment) => (
            <li key={amendment.number}>
              <h2>
                <a href={`/appeals/${appeal.id}/amendments/${amendment.number}`}>{t('amendments.number', { number: amendment.number })}</a>
              </h2>
              <p class="hint">
                {t('amendments.byline', { name: amendment.proposer, date: formatDate(locale, amendment.createdAt), revision: amendment.baseRevision })}
                {' · '}
                {t('amendments.comments', { count: amendment.comments })}
              </p>
              {amendment.hiddenReason !== null ? (
                <p class="muted">{t('amendments.hiddenBecause', { reason: amendment.hiddenReason })}</p>
              ) : (
                <p class="amendment-reason">{amendment.reason}</p>
              )}
              <StatusLine amendment={amendment} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function AmendmentFormPage(props: {
  appeal: Appeal;
  revision: number;
  values: { text: string; reason: string };
  errors: FieldProblem[];
  message?: string | undefined;
}) {
  const { t } = usePage();
  const { appeal, errors } = props;
  return (
    <section class="amendment-form">
      <Breadcrumbs
        items={[
          { href: `/appeals/${appeal.id}`, label: appeal.title },
          { href: `/appeals/${appeal.id}/amendments`, label: t('amendments.title') },
          { label: t('amendments.new') },
        ]}
      />
      <h1>{t('amendments.new')}</h1>
      <p class="lead">{t('amendments.formLead', { revision: props.revision })}</p>
      <form method="post" action={`/appeals/${appeal.id}/amendments`} novalidate>
        <CsrfField />
        <ErrorSummary errors={errors} message={props.message} />
        <AppealTextField label={t('amendments.text')} value={props.values.text} errors={errors} />
        <Field
          name="reason"
          label={t('amendments.reason')}
          hint={t('amendments.reasonHint')}
          value={props.values.reason}
          errors={errors}
          required
          multiline
          maxLength={amendmentLimits.reason * 2}
        />
        <Button>{t('amendments.submit')}</Button>
      </form>
    </section>
  );
}

export function AmendmentPage(props: {
  details: AmendmentDetails;
  /** Signatures the current version has now, and so how many would have to be given again. */
  count: number;
  comment: { values: { body: string }; errors: FieldProblem[] };
  decision: { values: { reason: string }; errors: FieldProblem[] };
}) {
  const { t, locale, actor } = usePage();
  const { appeal, amendment } = props.details;
  const base = `/appeals/${appeal.id}/amendments/${amendment.number}`;
  const tooLate = props.count >= amendmentSignatureLimit;
  // Its letter is due: accepting is refused (decideAmendment) and the button would only lead there.
  const thresholdReached = props.count >= appeal.threshold || appeal.threshold_reached_at !== null;
  return (
    <article class="amendment">
      <Breadcrumbs
        items={[
          { href: `/appeals/${appeal.id}`, label: appeal.title },
          { href: `/appeals/${appeal.id}/amendments`, label: t('amendments.title') },
          { label: t('amendments.number', { number: amendment.number }) },
        ]}
      />
      <h1>{t('amendments.number', { number: amendment.number })}</h1>
      <p class="hint">
        {t('amendments.byline', { name: amendment.proposer, date: formatDate(locale, amendment.createdAt), revision: amendment.baseRevision })}
      </p>
      <StatusLine amendment={amendment} />
      {amendment.decisionReason && (
        <p class="amendment-decision">
          <strong>{t(amendment.status === 'accepted' ? 'amendments.acceptNote' : 'amendments.rejectReason')}</strong> {amendment.decisionReason}
        </p>
      )}
      {amendment.hiddenReason !== null ? (
        <p class="notice">{t('amendments.hiddenBecause', { reason: amendment.hiddenReason })}</p>
      ) : (
        <>
          <section aria-labelledby="reason-heading">
            <h2 id="reason-heading">{t('amendments.reason')}</h2>
            <p class="amendment-reason">{props.details.amendment.reason}</p>
          </section>
          <section aria-labelledby="changes-heading">
            <h2 id="changes-heading">{t('amendments.changes', { revision: amendment.baseRevision })}</h2>
            {props.details.changes.every((change) => change.kind === 'same') ? (
              <p>{t('amendments.same')}</p>
            ) : (
              <WordChanges changes={props.details.changes} lead={t('amendments.diffLead')} />
            )}
          </section>
          <details class="amendment-text">
            <summary>{t('amendments.wholeText')}</summary>
            <div class="letter rich-text" dangerouslySetInnerHTML={{ __html: sanitizeStoredHtml(props.details.html) }} />
          </details>
          {actor && actor.id !== amendment.proposerId && (
            <p class="report-link">
              <a class="muted" href={`/report/amendment/${amendment.id}`} rel="nofollow">
                {t('amendments.report')}
              </a>
            </p>
          )}
        </>
      )}

      {props.details.canDecide && (
        <section aria-labelledby="decide-heading" class="amendment-decide">
          <h2 id="decide-heading">{t('amendments.decide')}</h2>
          {tooLate ? (
            <p class="notice">{t('errors.amendment_too_late', { limit: amendmentSignatureLimit })}</p>
          ) : thresholdReached ? (
            <p class="notice">{t('errors.amendment_threshold_reached')}</p>
          ) : (
            <p class="notice">{t('amendments.acceptConsequence', { count: props.count })}</p>
          )}
          <form method="post" action={`${base}/decision`} novalidate>
            <CsrfField />
            <ErrorSummary errors={props.decision.errors} />
            <Field
              name="reason"
              label={t('amendments.decisionReason')}
              hint={t('amendments.decisionReasonHint')}
              value={props.decision.values.reason}
              errors={props.decision.errors}
              required
              multiline
              maxLength={amendmentLimits.reason * 2}
            />
            <div class="actions">
              {!tooLate && !thresholdReached && (
                <button type="submit" class="button" name="decision" value="accept">
                  {t('amendments.accept')}
                </button>
              )}
              <button type="submit" class="button button-secondary" name="decision" value="reject">
                {t('amendments.reject')}
              </button>
            </div>
          </form>
        </section>
      )}

      <section aria-labelledby="discussion-heading" class="amendment-discussion">
        <h2 id="discussion-heading">{t('amendments.discussion')}</h2>
        {props.details.comments.length === 0 ? (
          <p>{t('amendments.noComments')}</p>
        ) : (
          <ol class="comments">
            {props.details.comments.map((comment) => (
              <li key={comment.id} class="comment" id={`amendment-comment-${comment.id}`}>
                <p class="comment-meta">
                  <strong>{comment.author}</strong> <span class="hint">{formatDate(locale, comment.createdAt, true)}</span>
                </p>
                {comment.hiddenReason !== null ? (
                  <p class="muted">{t('amendments.commentHiddenBecause', { reason: comment.hiddenReason })}</p>
                ) : (
                  <p class="comment-body">{comment.body}</p>
                )}
                {comment.hiddenReason === null && actor && actor.id !== comment.authorId && (
                  <p class="comment-actions">
                    <a class="muted" href={`/report/amendment_comment/${comment.id}`} rel="nofollow">
                      {t('amendments.report')}
                    </a>
                  </p>
                )}
              </li>
            ))}
          </ol>
        )}
        {props.details.canComment && (
          <form method="post" action={`${base}/comments`} novalidate id="comment" class="comment-form">
            <CsrfField />
            <ErrorSummary errors={props.comment.errors} />
            <Field
              name="body"
              label={t('amendments.comment')}
              value={props.comment.values.body}
              errors={props.comment.errors}
              required
              multiline
              maxLength={amendmentLimits.comment * 2}
            />
            <Button variant="secondary">{t('amendments.commentSubmit')}</Button>
          </form>
        )}
      </section>
      <p>
        <a href={`/appeals/${appeal.id}/amendments`}>{t('amendments.back')}</a>
      </p>
    </article>
  );
}
