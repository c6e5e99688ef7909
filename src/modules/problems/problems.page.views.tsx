/** The problem page: description, photos, appeals, the timeline and the comment threads. */
import type { ComponentChildren } from 'preact';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate, type Locale, type MessageKey, type Translate } from '../../core/i18n/i18n.ts';
import { Breadcrumbs, Button, CsrfField, ErrorSummary, Field, fieldMessage } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import type { PageSection } from '../../core/views/page-section.ts';
import { publicName } from '../accounts/accounts.rules.ts';
import type { ProblemAppeal, ProblemController, ProblemPorts } from './problems.ports.ts';
import { commentMaxLength, solvedNoteMaxLength } from './problems.rules.ts';
import type { CommentItem, ProblemDetails, ProblemEvent } from './problems.service.ts';
import { LanguageAcknowledge, StatusBadge } from './problems.shared.views.tsx';

function Paragraphs({ text }: { text: string }) {
  return (
    <>
      {text.split(/\n\s*\n/).map((paragraph, index) => (
        <p key={index} class="pre-line">
          {paragraph.trim()}
        </p>
      ))}
    </>
  );
}

/**
 * Who the timeline says acted: an organization's official acts under its name (with theirs and their position
 * when the organization chooses to show them, as the event recorded it); anyone else under their public name.
 */
export function eventActor(event: Pick<ProblemEvent, 'data' | 'first_name' | 'surname'>): string | null {
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (typeof data.byOrganization === 'string' && data.byOrganization) {
    return typeof data.official === 'string' && data.official ? `${data.byOrganization} — ${data.official}` : data.byOrganization;
  }
  return event.first_name && event.surname ? publicName(event.first_name, event.surname) : null;
}

export function eventLabel(t: Translate, locale: Locale, event: ProblemEvent): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const number = (value: unknown) => (typeof value === 'number' ? value : 0);
  switch (event.kind) {
    case 'problem.published':
      return t('event.problem.published');
    case 'problem.edited': {
      const changed = Array.isArray(data.changed) ? data.changed.filter((c): c is string => typeof c === 'string') : [];
      const names = changed.map((field) => t(`changedField.${field}` as MessageKey)).filter((name) => !name.startsWith('changedField.'));
      return names.length ? t('event.problem.editedFields', { fields: names.join(', ') }) : t('event.problem.edited');
    }
    case 'problem.solved':
      return data.note ? t('event.problem.solvedNote', { note: text(data.note) }) : t('event.problem.solved');
    case 'problem.closed':
      return t('event.problem.closed');
    case 'problem.controlled':
      return t('event.problem.controlled');
    case 'problem.control_released':
      return t('event.problem.controlReleased');
    case 'organization.committed':
      return t('event.organization.committed');
    case 'organization.progress':
      return t('event.organization.progress');
    case 'organization.document':
      return t('event.organization.document');
    case 'comment.created':
      return data.parentId ? t('event.comment.reply') : t('event.comment.created');
    case 'appeal.drafted':
      return t('event.appeal.drafted', { organization: text(data.organization) });
    case 'appeal.opened':
      return t('event.appeal.opened');
    case 'appeal.threshold_reached':
      return t('event.appeal.thresholdReached', { count: number(data.count), threshold: number(data.threshold) });
    case 'appeal.sent':
      return data.by === 'author'
        ? t('event.appeal.sentByAuthor')
        : t('event.appeal.sentByPlatform', { organization: text(data.organization), count: number(data.signatures) });
    case 'appeal.dispatch_no_address':
      return t('event.appeal.noAddress', { organization: text(data.organization) });
    case 'appeal.dispatch_failed':
      return t('event.appeal.dispatchFailed', { organization: text(data.organization) });
    case 'appeal.registered':
      return t('event.appeal.registered');
    case 'appeal.overdue':
      return t('event.appeal.overdue', {
        organization: text(data.organization),
        // The last day in the addressee's zone, which is where the law counts it.
        date: typeof data.answerDueAt === 'string' ? formatDate(locale, new Date(data.answerDueAt), false, text(data.timeZone) || undefined) : '',
      });
    case 'appeal.forwarded':
      return data.organization ? t('event.appeal.forwardedTo', { organization: text(data.organization) }) : t('event.appeal.forwarded');
    case 'appeal.forwarded_in':
      return t('event.appeal.forwardedIn', { organization: text(data.organization), from: text(data.from) });
    case 'appeal.extended':
      return typeof data.answerDueAt === 'string'
        ? t('event.appeal.extendedUntil', {
            count: number(data.days),
            date: formatDate(locale, new Date(data.answerDueAt), false, text(data.timeZone) || undefined),
          })
        : t('event.appeal.extended');
    case 'appeal.acknowledged':
      return typeof data.registrationNumber === 'string'
        ? t('event.appeal.acknowledgedNumber', { organization: text(data.organization), number: data.registrationNumber })
        : t('event.appeal.acknowledged', { organization: text(data.organization) });
    case 'appeal.letter_received':
      return t('event.appeal.letterReceived', { organization: text(data.organization) });
    case 'appeal.answered':
      if (!data.organization) return t('event.appeal.answered');
      return typeof data.reviewClosesAt === 'string'
        ? t('event.appeal.answeredReview', {
            organization: text(data.organization),
            date: formatDate(locale, new Date(data.reviewClosesAt), false),
          })
        : t('event.appeal.answeredBy', { organization: text(data.organization) });
    case 'appeal.review':
      return t('event.appeal.review');
    case 'appeal.closed':
      return typeof data.yes === 'number'
        ? t('event.appeal.closedVerdict', { yes: number(data.yes), partly: number(data.partly), no: number(data.no) })
        : t('event.appeal.closed');
    case 'appeal.closed_unanswered':
      return t('event.appeal.closedUnanswered', {
        organization: text(data.organization),
        count: number(data.graceDays),
        date: typeof data.answerDueAt === 'string' ? formatDate(locale, new Date(data.answerDueAt), false, text(data.timeZone) || undefined) : '',
      });
    case 'appeal.withdrawn':
      return t('event.appeal.withdrawn');
    case 'appeal.signatures_invalidated':
      return t('event.appeal.signaturesInvalidated', { count: number(data.count) });
    case 'appeal.amendment_proposed':
      return t('event.appeal.amendmentProposed', { number: number(data.amendment) });
    case 'appeal.amendment_rejected':
      return t('event.appeal.amendmentRejected', { number: number(data.amendment) });
    case 'appeal.amended':
      return t('event.appeal.amended', { number: number(data.amendment), revision: number(data.revision), count: number(data.superseded) });
    case 'appeal.escalated':
      return data.organization ? t('event.appeal.escalatedTo', { organization: text(data.organization) }) : t('event.appeal.escalated');
    default:
      return event.kind.startsWith('appeal.') ? t('event.appeal.other') : t('event.other');
  }
}

function Timeline({ events, viewerId }: { events: ProblemEvent[]; viewerId: number | null }) {
  const { t, locale } = usePage();
  return (
    <ol class="timeline">
      {events.map((event) => {
        const data = (event.data ?? {}) as Record<string, unknown>;
        const appealVisible = event.appeal_id !== null && (event.appeal_status !== 'draft' || (viewerId !== null && event.appeal_author_id === viewerId));
        return (
          <li key={event.id} class={`timeline-item timeline-${event.kind.replace(/[^a-z]+/g, '-')}`}>
            <time dateTime={event.created_at.toISOString()}>{formatDate(locale, event.created_at, true)}</time>
            <p>
              {event.kind === 'comment.created' && typeof data.commentId === 'number' ? (
                <a href={`#comment-${data.commentId}`}>{eventLabel(t, locale, event)}</a>
              ) : (
                eventLabel(t, locale, event)
              )}
              {appealVisible && event.appeal_title && (
                <>
                  {': '}
                  <a href={`/appeals/${event.appeal_id}`}>«{event.appeal_title}»</a>
                </>
              )}
              {event.kind === 'appeal.sent' && typeof data.registrationNumber === 'string' && data.registrationNumber && (
                <> {t('event.registrationNumber', { number: data.registrationNumber })}</>
              )}
              {event.kind === 'appeal.sent' && typeof data.answerDueAt === 'string' && (
                <> {t('event.answerDue', { date: formatDate(locale, new Date(data.answerDueAt)) })}</>
              )}
            </p>
            {event.kind === 'appeal.extended' && typeof data.reason === 'string' && data.reason && (
              <p class="timeline-note">{t('event.appeal.extensionReason', { reason: data.reason })}</p>
            )}
            {event.kind === 'appeal.forwarded' && typeof data.reason === 'string' && data.reason && (
              <p class="timeline-note">
                {t('event.appeal.forwardingReason', { reason: data.reason })}
                {typeof data.forwardedAppealId === 'number' && (
                  <>
                    {' '}
                    <a href={`/appeals/${data.forwardedAppealId}`}>{t('event.appeal.forwardedAppeal', { id: data.forwardedAppealId })}</a>
                  </>
                )}
              </p>
            )}
            {event.kind === 'organization.document' && typeof data.documentId === 'number' && typeof data.title === 'string' && (
              <p class="timeline-note">
                <a href={`/documents/${data.documentId}`}>{data.title}</a>
              </p>
            )}
            {(event.kind === 'organization.committed' || event.kind === 'organization.progress') && typeof data.statement === 'string' && (
              <blockquote class="timeline-note timeline-statement">{data.statement}</blockquote>
            )}
            {eventActor(event) && <p class="muted timeline-actor">{eventActor(event)}</p>}
          </li>
        );
      })}
    </ol>
  );
}

export interface CommentFormState {
  /** null: the top-level form; a comment id: the reply form under it. */
  parentId: number | null;
  body: string;
  errors: FieldProblem[];
}

function CommentForm({ problemId, parentId, state }: { problemId: number; parentId: number | null; state: CommentFormState | null }) {
  const { t } = usePage();
  const id = parentId === null ? 'field-body' : `field-reply-${parentId}`;
  const field = parentId === null ? 'body' : `reply-${parentId}`;
  const mine = state && state.parentId === parentId ? state : null;
  const problems = mine?.errors.filter((p) => p.field === field) ?? [];
  return (
    <form method="post" action={`/problems/${problemId}/comments`} class="comment-form">
      <CsrfField />
      {parentId !== null && <input type="hidden" name="parentId" value={String(parentId)} />}
      <div class={`field${problems.length ? ' field-error' : ''}`}>
        <label for={id}>{parentId === null ? t('comments.new') : t('comments.replyLabel')}</label>
        <p class="hint" id={`${id}-hint`}>
          {t('comments.hint', { limit: commentMaxLength })}
        </p>
        {problems.length > 0 && (
          <p class="error-message" id={`${id}-error`}>
            {problems.map((p) => fieldMessage(t, p)).join(' ')}
          </p>
        )}
        <textarea
          id={id}
          name="body"
          rows={parentId === null ? 5 : 3}
          maxLength={commentMaxLength}
          required
          aria-invalid={problems.length ? 'true' : undefined}
          aria-describedby={[`${id}-hint`, problems.length ? `${id}-error` : null].filter(Boolean).join(' ')}
        >
          {mine?.body ?? ''}
        </textarea>
      </div>
      {mine && <LanguageAcknowledge errors={mine.errors} id={`${id}-acknowledge`} />}
      <Button variant={parentId === null ? 'primary' : 'secondary'}>{parentId === null ? t('comments.submit') : t('comments.replySubmit')}</Button>
    </form>
  );
}

function CommentThread(props: {
  comments: CommentItem[];
  byParent: Map<number | null, CommentItem[]>;
  parentId: number | null;
  depth: number;
  problemId: number;
  canComment: boolean;
  formState: CommentFormState | null;
}) {
  const children = props.byParent.get(props.parentId) ?? [];
  if (children.length === 0) return null;
  return (
    <ol class={props.depth === 0 ? 'comments' : 'comments comment-replies'}>
      <CommentItems {...props} />
    </ol>
  );
}

/** The comments under one parent (the items of its list), each with its replies. */
function CommentItems(props: Parameters<typeof CommentThread>[0]) {
  const { t, locale, actor } = usePage();
  const children = props.byParent.get(props.parentId) ?? [];
  return (
    <>
      {children.map((comment) => (
        <li key={comment.id} class={props.depth >= 4 ? 'comment comment-flat' : 'comment'}>
          <article id={`comment-${comment.id}`} class="comment-body" aria-label={t('comments.by', { name: comment.author_name ?? t('comments.deletedUser') })}>
            <p class="comment-meta">
              <strong>{comment.author_name ?? t('comments.deletedUser')}</strong>{' '}
              <a class="muted" href={`#comment-${comment.id}`}>
                <time dateTime={comment.created_at.toISOString()}>{formatDate(locale, comment.created_at, true)}</time>
              </a>
            </p>
            {comment.hidden ? (
              <p class="muted">{comment.hiddenReason ? t('comments.hiddenBecause', { reason: comment.hiddenReason }) : t('comments.hidden')}</p>
            ) : (
              // Rendered once from the Markdown source through renderMarkdown (escaped, allow-listed).
              <div class="comment-text" dangerouslySetInnerHTML={{ __html: comment.html }} />
            )}
            {!comment.hidden && (
              <p class="comment-actions">
                <a class="muted" href={`/report/comment/${comment.id}`} rel="nofollow">
                  {t('comments.report')}
                </a>
                {comment.author_id !== null && comment.author_id !== actor?.id && (
                  <>
                    {' · '}
                    <a class="muted" href={`/report/comment/${comment.id}/author`} rel="nofollow">
                      {t('comments.reportAuthor')}
                    </a>
                  </>
                )}
              </p>
            )}
            {props.canComment && !comment.hidden && (
              <details class="reply" open={props.formState?.parentId === comment.id}>
                <summary>{t('comments.reply')}</summary>
                <CommentForm problemId={props.problemId} parentId={comment.id} state={props.formState} />
              </details>
            )}
          </article>
          <CommentThread {...props} parentId={comment.id} depth={props.depth + 1} />
        </li>
      ))}
    </>
  );
}

/** The discussion's threads by parent id; a reply whose parent is not among them is shown at the top level. */
function commentsByParent(comments: CommentItem[]): Map<number | null, CommentItem[]> {
  const byParent = new Map<number | null, CommentItem[]>();
  const known = new Set(comments.map((c) => c.id));
  for (const comment of comments) {
    const parent = comment.parent_id !== null && known.has(comment.parent_id) ? comment.parent_id : null;
    const siblings = byParent.get(parent);
    if (siblings) siblings.push(comment);
    else byParent.set(parent, [comment]);
  }
  return byParent;
}

/** The discussion as a visitor who is not signed in sees it, rendered once for all of them (renderForEveryone). */
export interface CommentsForEveryone {
  /** The items of the top-level list, replies inside; '' without comments. */
  html: string;
  total: number;
  visible: number;
}

/** The items of the discussion's top-level list for a visitor who is not signed in: the same for all of them. */
export function CommentsForEveryoneContent({ comments, problemId }: { comments: CommentItem[]; problemId: number }) {
  return (
    <CommentItems
      comments={comments}
      byParent={commentsByParent(comments)}
      parentId={null}
      depth={0}
      problemId={problemId}
      canComment={false}
      formState={null}
    />
  );
}

export interface ProblemPageProps {
  details: ProblemDetails;
  appeals: ProblemAppeal[];
  AppealCard: ProblemPorts['AppealCard'];
  events: ProblemEvent[];
  /** The discussion, or for a visitor who is not signed in its HTML, rendered once for all of them. */
  comments: CommentItem[] | CommentsForEveryone;
  following: boolean;
  canEdit: boolean;
  canMarkSolved: boolean;
  canWriteAppeal: boolean;
  tileUrl: string;
  commentForm: CommentFormState | null;
  /** The organizations holding it «на контроль». */
  controlledBy: ProblemController[];
  /** The officials' own section (the service cabinet's), for an official. */
  officials: PageSection | null;
}

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={`${id}-title`} class={`problem-section section-${id}`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

export function ProblemPage(props: ProblemPageProps) {
  const { t, locale, actor } = usePage();
  const { details } = props;
  const { problem, territory, region, category, photos, counts } = details;
  const territoryLabel = locale === 'en' && territory.name_en ? territory.name_en : territory.name;
  const comments = Array.isArray(props.comments) ? props.comments : null;
  const visibleComments = comments ? comments.filter((c) => !c.hidden).length : (props.comments as CommentsForEveryone).visible;
  const commentCount = comments ? comments.length : (props.comments as CommentsForEveryone).total;
  const returnTo = encodeURIComponent(`/problems/${problem.id}`);
  const formErrors = props.commentForm?.errors ?? [];
  return (
    <article class="problem-page">
      <Breadcrumbs
        items={[
          { href: '/problems', label: t('problems.title') },
          ...(region ? [{ href: `/problems?territory=${region.oktmo}`, label: locale === 'en' && region.name_en ? region.name_en : region.name }] : []),
          { href: `/problems?territory=${territory.oktmo}`, label: territoryLabel },
          { label: problem.title },
        ]}
      />
      <ErrorSummary errors={formErrors} />
      <header class="problem-header">
        <p class="card-meta">
          <StatusBadge status={problem.status} /> <a href={`/problems?category=${category.slug}`}>{locale === 'en' ? category.name_en : category.name_ru}</a>
        </p>
        <h1>{problem.title}</h1>
        <p class="problem-location">
          <a href={`/territories/${territory.oktmo}`}>{territoryLabel}</a>
          {region && <>, {locale === 'en' && region.name_en ? region.name_en : region.name}</>}
          {problem.address && <> · {problem.address}</>}
        </p>
        <p class="muted problem-byline">
          {t('problem.byline', {
            author: details.authorName ?? t('comments.deletedUser'),
            date: formatDate(locale, problem.created_at),
          })}
          {problem.updated_at.getTime() - problem.created_at.getTime() > 60_000 && (
            <> · {t('problem.updated', { date: formatDate(locale, problem.updated_at) })}</>
          )}
          {problem.solved_at && <> · {t('problems.solvedOn', { date: formatDate(locale, problem.solved_at) })}</>}
        </p>
        {props.controlledBy.length > 0 && (
          <p class="problem-controls">
            <span class="badge badge-control">{t('problem.controlledBy')}</span>{' '}
            {props.controlledBy.map((organization, index) => (
              <span key={organization.slug}>
                {index > 0 && ', '}
                <a href={`/organizations/${organization.slug}`}>{organization.name}</a>
              </span>
            ))}
          </p>
        )}
      </header>

      {problem.status === 'solved' && problem.solved_at && (
        <div class="notice notice-success solved-note">
          <p>{t('problem.solvedBy', { date: formatDate(locale, problem.solved_at), name: details.solvedByName ?? t('comments.deletedUser') })}</p>
          {problem.solved_note && (
            <>
              <p>
                <strong>{t('problem.solvedNoteLabel')}</strong>
              </p>
              <blockquote class="solved-note-text">{problem.solved_note}</blockquote>
            </>
          )}
        </div>
      )}

      <div class="problem-actions">
        {actor ? (
          <form method="post" action={`/problems/${problem.id}/follow`} class="inline-form">
            <CsrfField />
            <input type="hidden" name="follow" value={props.following ? '0' : '1'} />
            <Button variant="secondary">{props.following ? t('problem.unfollow') : t('problem.follow')}</Button>
          </form>
        ) : (
          <a class="button button-secondary" href={`/login?return=${returnTo}`}>
            {t('problem.followSignIn')}
          </a>
        )}
        <span class="muted">
          {t('problem.followers', { count: counts.followers })} · {t('problems.signatures', { count: counts.signatures })}
        </span>
        {props.canWriteAppeal && (
          <a class="button" href={`/problems/${problem.id}/appeals/new`}>
            {t('problem.writeAppeal')}
          </a>
        )}
        {props.canEdit && (
          <a class="button button-secondary" href={`/problems/${problem.id}/edit`}>
            {t('problem.edit')}
          </a>
        )}
        {props.canMarkSolved && (
          <a class="button button-secondary" href={`/problems/${problem.id}/solved`}>
            {t('problem.markSolved')}
          </a>
        )}
      </div>

      <div class="problem-layout">
        <div class="problem-main">
          <section aria-label={t('problem.description')} class="problem-description">
            <Paragraphs text={problem.description} />
          </section>
          {actor?.id !== problem.author_id && (
            <p class="report-link">
              <a class="muted" href={`/report/problem/${problem.id}`} rel="nofollow">
                {t('problem.report')}
              </a>
              {problem.author_id !== null && (
                <>
                  {' · '}
                  <a class="muted" href={`/report/problem/${problem.id}/author`} rel="nofollow">
                    {t('problem.reportAuthor')}
                  </a>
                </>
              )}
            </p>
          )}

          {photos.length > 0 && (
            <Section id="photos" title={t('problem.photos', { count: photos.length })}>
              <ul class="photo-grid">
                {photos.map((photo, index) => (
                  <li key={photo.position}>
                    <a href={`/problems/${problem.id}/photos/${photo.position}`}>
                      <img
                        src={`/problems/${problem.id}/photos/${photo.position}/thumbnail`}
                        alt={t('problem.photoAlt', { number: index + 1, count: photos.length, title: problem.title })}
                        width={480}
                        height={Math.round((480 * photo.height) / Math.max(photo.width, 1))}
                        loading="lazy"
                      />
                    </a>
                  </li>
                ))}
              </ul>
            </Section>
          )}

          <Section id="appeals" title={t('problem.appeals')}>
            {props.appeals.length === 0 ? (
              <p class="muted">{props.canWriteAppeal ? t('problem.noAppealsAuthor') : t('problem.noAppeals')}</p>
            ) : (
              <div class="appeal-chain">
                {props.appeals.map((appeal) => (
                  <props.AppealCard appeal={appeal} key={appeal.id} />
                ))}
              </div>
            )}
          </Section>

          <Section id="comments" title={t('comments.title', { count: visibleComments })}>
            {commentCount === 0 && <p class="muted">{t('comments.none')}</p>}
            {comments ? (
              <CommentThread
                comments={comments}
                byParent={commentsByParent(comments)}
                parentId={null}
                depth={0}
                problemId={problem.id}
                canComment={actor?.emailVerified === true}
                formState={props.commentForm}
              />
            ) : (
              commentCount > 0 && <ol class="comments" dangerouslySetInnerHTML={{ __html: (props.comments as CommentsForEveryone).html }} />
            )}
            {actor?.emailVerified ? (
              <CommentForm problemId={problem.id} parentId={null} state={props.commentForm} />
            ) : actor ? (
              <p class="notice">{t('comments.verifyFirst')}</p>
            ) : (
              <p class="notice">
                <a href={`/login?return=${returnTo}`}>{t('comments.signIn')}</a>
              </p>
            )}
          </Section>
        </div>

        <aside class="problem-aside" aria-label={t('problem.details')}>
          {problem.latitude !== null && problem.longitude !== null && (
            <div class="problem-point">
              <div
                class="map map-point"
                data-map="point"
                data-lat={String(problem.latitude)}
                data-lon={String(problem.longitude)}
                data-tiles={props.tileUrl}
                data-attribution={t('map.attribution')}
                data-label={t('map.pointLabel', { title: problem.title })}
                hidden
              />
              <p class="muted">
                {t('problem.coordinates', { latitude: problem.latitude.toFixed(5), longitude: problem.longitude.toFixed(5) })}{' '}
                <a
                  href={`https://www.openstreetmap.org/?mlat=${problem.latitude}&mlon=${problem.longitude}#map=17/${problem.latitude}/${problem.longitude}`}
                  rel="noopener noreferrer external"
                >
                  {t('problem.openMap')}
                </a>
              </p>
            </div>
          )}
          {props.officials?.content}
          <Section id="timeline" title={t('problem.timeline')}>
            <Timeline events={props.events} viewerId={actor?.id ?? null} />
          </Section>
        </aside>
      </div>
    </article>
  );
}

/**
 * «Проблема решена» asks first: the step cannot be undone, tells the signers and followers, and the
 * open appeals would go on collecting signatures for a solved problem unless the author withdraws them.
 */
export function SolvedConfirmPage({
  problem,
  openAppeals,
  note = '',
  withdraw = true,
  errors = [],
}: {
  problem: Pick<ProblemDetails['problem'], 'id' | 'title'>;
  openAppeals: ProblemAppeal[];
  note?: string;
  withdraw?: boolean;
  errors?: FieldProblem[];
}) {
  const { t } = usePage();
  const withdrawable = openAppeals.filter((appeal) => !appeal.dispatch_started_at);
  const sending = openAppeals.filter((appeal) => appeal.dispatch_started_at);
  return (
    <section class="narrow confirm-page">
      <Breadcrumbs items={[{ href: `/problems/${problem.id}`, label: problem.title }, { label: t('solved.confirmTitle') }]} />
      <h1>{t('solved.confirmTitle')}</h1>
      <p class="lead">{t('solved.confirmLead', { title: problem.title })}</p>
      <ul>
        <li>{t('solved.confirmIrreversible')}</li>
        <li>{t('solved.confirmNotified')}</li>
      </ul>
      <ErrorSummary errors={errors} />
      <form method="post" action={`/problems/${problem.id}/solved`} novalidate>
        <CsrfField />
        <Field
          name="note"
          label={t('solved.noteLabel')}
          hint={t('solved.noteHint', { limit: solvedNoteMaxLength })}
          value={note}
          errors={errors}
          multiline
          maxLength={solvedNoteMaxLength}
        />
        {withdrawable.length > 0 && (
          <fieldset class="field">
            <legend>{t('solved.openAppealsLegend', { count: withdrawable.length })}</legend>
            <p class="hint" id="field-withdrawOpenAppeals-hint">
              {t('solved.openAppealsHint')}
            </p>
            <ul class="plain-list">
              {withdrawable.map((appeal) => (
                <li key={appeal.id}>
                  <a href={`/appeals/${appeal.id}`}>{t('solved.appealLine', { id: appeal.id, organization: appeal.organization_name })}</a>{' '}
                  <span class="muted nowrap">({t('problems.signatures', { count: appeal.signatures })})</span>
                </li>
              ))}
            </ul>
            <input
              type="checkbox"
              id="field-withdrawOpenAppeals"
              name="withdrawOpenAppeals"
              value="yes"
              checked={withdraw}
              aria-describedby="field-withdrawOpenAppeals-hint"
            />
            <label for="field-withdrawOpenAppeals" class="checkbox-label">
              {t('solved.withdrawLabel', { count: withdrawable.length })}
            </label>
          </fieldset>
        )}
        {sending.length > 0 && <p class="notice">{t('solved.sendingNote', { count: sending.length })}</p>}
        <div class="actions">
          <Button>{t('solved.confirmButton')}</Button>
          <a href={`/problems/${problem.id}`}>{t('solved.cancel')}</a>
        </div>
      </form>
    </section>
  );
}
