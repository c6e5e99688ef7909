/**
 * The review of an answer on the appeal page: the distribution of scores and verdicts (bars with their
 * numbers, readable without JavaScript; review-live.js refreshes them while the window is open), the
 * rating form for whoever may rate (or why one may not), and the public comments.
 */
import type { AnswerVerdict } from '../../core/db/schema.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate, type MessageKey } from '../../core/i18n/i18n.ts';
import { CsrfField, ErrorSummary, Field, fieldMessage } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { commentMaxLength, scores, shares, verdicts } from './answers.review.rules.ts';
import type { Review } from './answers.review.ts';

function FieldError({ field, problem }: { field: string; problem: FieldProblem | undefined }) {
  const { t } = usePage();
  if (!problem) return null;
  return (
    <p class="error-message" id={`field-${field}-error`}>
      {fieldMessage(t, problem)}
    </p>
  );
}

export interface RatingFormValues {
  score: string;
  solved: string;
  comment: string;
}

function Distribution({ review }: { review: Review }) {
  const { t, locale } = usePage();
  const { distribution } = review;
  const share = shares(distribution.verdicts);
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  return (
    <div class="review-distribution" data-review={review.appealId} data-review-open={review.open ? 'true' : undefined}>
      <p class="review-summary" data-review-summary aria-live="polite">
        {distribution.total === 0
          ? t('review.noRatings')
          : t('review.summary', { count: distribution.total, average: number.format(distribution.average ?? 0) })}
      </p>
      <table class="table review-table">
        <caption>{t('review.verdictCaption')}</caption>
        <tbody>
          {verdicts.map((verdict) => (
            <tr key={verdict}>
              <th scope="row">{t(`review.verdict.${verdict}` as MessageKey)}</th>
              <td class="review-bar">
                <progress max={Math.max(1, distribution.total)} value={distribution.verdicts[verdict]} data-verdict-bar={verdict} aria-hidden="true" />
              </td>
              <td class="numeric" data-verdict-count={verdict}>
                {t('review.countShare', { count: distribution.verdicts[verdict], percent: share[verdict] })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="table review-table">
        <caption>{t('review.scoreCaption')}</caption>
        <tbody>
          {[...scores].reverse().map((score) => (
            <tr key={score}>
              <th scope="row">{t('review.scoreLabel', { score })}</th>
              <td class="review-bar">
                <progress max={Math.max(1, distribution.total)} value={distribution.scores[score]} data-score-bar={score} aria-hidden="true" />
              </td>
              <td class="numeric" data-score-count={score}>
                {distribution.scores[score]}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {review.authorVerdict && (
        <p>
          {t('review.authorVerdict')} <strong>{t(`review.verdict.${review.authorVerdict}` as MessageKey)}</strong>
        </p>
      )}
    </div>
  );
}

/** The rating form: radios for the score and the verdict, an optional comment; the same form on its own page. */
export function RatingForm({ appealId, values, errors = [] }: { appealId: number; values: RatingFormValues; errors?: FieldProblem[] }) {
  const { t } = usePage();
  const errorOf = (field: string) => errors.find((problem) => problem.field === field);
  return (
    <form method="post" action={`/appeals/${appealId}/rating`} class="rating-form" novalidate>
      <CsrfField />
      <ErrorSummary errors={errors} />
      <fieldset class={errorOf('score') ? 'field field-error' : 'field'} id="field-score">
        <legend>{t('review.scoreQuestion')}</legend>
        <FieldError field="score" problem={errorOf('score')} />
        <div class="radios-inline">
          {scores.map((score) => (
            <label key={score} class="radio">
              <input type="radio" name="score" value={String(score)} checked={values.score === String(score)} required /> {t('review.scoreOption', { score })}
            </label>
          ))}
        </div>
        <p class="hint">{t('review.scoreHint')}</p>
      </fieldset>
      <fieldset class={errorOf('solved') ? 'field field-error' : 'field'} id="field-solved">
        <legend>{t('review.solvedQuestion')}</legend>
        <FieldError field="solved" problem={errorOf('solved')} />
        <div class="radios-stack">
          {verdicts.map((verdict) => (
            <label key={verdict} class="radio">
              <input type="radio" name="solved" value={verdict} checked={values.solved === verdict} required /> {t(`review.verdict.${verdict}` as MessageKey)}
            </label>
          ))}
        </div>
      </fieldset>
      <Field
        name="comment"
        label={t('review.commentLabel')}
        hint={t('review.commentHint', { limit: commentMaxLength })}
        value={values.comment}
        errors={errors}
        multiline
        maxLength={commentMaxLength}
      />
      <button type="submit" class="button">
        {t('review.submit')}
      </button>
    </form>
  );
}

const verdictClass: Record<AnswerVerdict, string> = { yes: 'tag-verdict-yes', partly: 'tag-verdict-partly', no: 'tag-verdict-no' };

export function ReviewSection({ review }: { review: Review }) {
  const { t, locale } = usePage();
  const { refusal, mine } = review;
  return (
    <section aria-labelledby="review-title" class="review" id="review">
      <h2 id="review-title">{t('review.title')}</h2>
      {review.closesAt && (
        <p class="muted">
          {review.open
            ? t('review.openUntil', { date: formatDate(locale, review.closesAt, true) })
            : t('review.closedOn', { date: formatDate(locale, review.closesAt, true) })}
        </p>
      )}
      <Distribution review={review} />
      {review.open && refusal === null && (
        <>
          <h3>{mine ? t('review.changeTitle') : t('review.rateTitle')}</h3>
          {mine && <p>{t('review.mine', { score: mine.score, verdict: t(`review.verdict.${mine.solved}` as MessageKey) })}</p>}
          <RatingForm appealId={review.appealId} values={{ score: mine ? String(mine.score) : '', solved: mine?.solved ?? '', comment: mine?.comment ?? '' }} />
        </>
      )}
      {review.open && refusal !== null && (
        <p class="notice">
          {t(`review.why.${refusal === 'not_signer' || refusal === 'unauthenticated' || refusal === 'email_not_verified' ? refusal : 'other'}` as MessageKey)}
        </p>
      )}
      {review.comments.length > 0 && (
        <>
          <h3>{t('review.commentsTitle', { count: review.comments.length })}</h3>
          <ul class="plain-list review-comments">
            {review.comments.map((comment) => (
              <li key={comment.id} id={`rating-${comment.id}`} class="review-comment">
                <p class="muted">
                  <span class={`tag ${verdictClass[comment.solved]}`}>{t(`review.verdict.${comment.solved}` as MessageKey)}</span>{' '}
                  {t('review.scoreShort', { score: comment.score })} ·{' '}
                  {comment.by.kind === 'author' ? t('review.byAuthor') : (comment.by.publicName ?? t('review.bySigner'))} ·{' '}
                  <time dateTime={comment.updated_at.toISOString()}>{formatDate(locale, comment.updated_at, true)}</time>
                </p>
                {comment.hiddenReason !== null ? (
                  <p class="muted">{comment.hiddenReason ? t('review.commentHiddenBecause', { reason: comment.hiddenReason }) : t('review.commentHidden')}</p>
                ) : (
                  <>
                    <p class="review-comment-text">{comment.comment}</p>
                    <p class="comment-actions">
                      <a class="muted" href={`/report/rating/${comment.id}`} rel="nofollow">
                        {t('review.report')}
                      </a>
                    </p>
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
