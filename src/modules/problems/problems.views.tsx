/** Problem views: cards and listings, filters, the map, the publish/edit form, the problem page with its timeline and comments. */
import type { ComponentChildren } from 'preact';
import type { FieldProblem } from '../../core/errors.ts';
import { formatDate, type MessageKey, type Translate } from '../../core/i18n/i18n.ts';
import { photoLimits } from '../../core/images/photos.ts';
import {
  Breadcrumbs,
  Button,
  CsrfField,
  ErrorSummary,
  Field,
  type FormErrors,
  fieldMessage,
  Pagination,
  SelectField,
  type SelectOption,
} from '../../core/views/components.tsx';
import type { HeadLink } from '../../core/views/layout.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { publicName } from '../accounts/accounts.rules.ts';
import type { AppealSummary } from '../appeals/appeals.queries.ts';
import { AppealCard } from '../appeals/appeals.views.tsx';
import { commentMaxLength, excerpt, listedStatuses, problemSorts } from './problems.rules.ts';
import type { CommentItem, ProblemDetails, ProblemEvent, ProblemListItem, SimilarProblem } from './problems.service.ts';

export type Values = Record<string, string>;

function categoryName(item: { category_ru: string; category_en: string }, locale: string): string {
  return locale === 'en' ? item.category_en : item.category_ru;
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = usePage();
  return <span class={`badge badge-${status}`}>{t(`problemStatus.${status}` as MessageKey)}</span>;
}

export function ProblemCard({ problem, headingLevel = 3 }: { problem: ProblemListItem; headingLevel?: 2 | 3 }) {
  const { t, locale } = usePage();
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <li class="card problem-card">
      <p class="card-meta">
        <StatusBadge status={problem.status} /> <span class="muted">{categoryName(problem, locale)}</span>
      </p>
      <Heading>
        <a href={`/problems/${problem.id}`}>{problem.title}</a>
      </Heading>
      <p class="muted">
        {problem.territory_name}
        {problem.address && <> · {problem.address}</>}
      </p>
      <p class="excerpt">{excerpt(problem.excerpt, 160)}</p>
      <p class="card-footer muted">
        <time dateTime={problem.created_at.toISOString()}>{formatDate(locale, problem.created_at)}</time>
        {problem.signatures > 0 && <> · {t('problems.signatures', { count: problem.signatures })}</>}
        {problem.status === 'solved' && problem.solved_at && <> · {t('problems.solvedOn', { date: formatDate(locale, problem.solved_at) })}</>}
      </p>
    </li>
  );
}

export function ProblemList({ items, empty, headingLevel }: { items: ProblemListItem[]; empty?: string; headingLevel?: 2 | 3 }) {
  const { t } = usePage();
  if (items.length === 0) return <p class="muted">{empty ?? t('problems.none')}</p>;
  return (
    <ul class="card-list problem-list">
      {items.map((problem) => (
        <ProblemCard problem={problem} key={problem.id} {...(headingLevel ? { headingLevel } : {})} />
      ))}
    </ul>
  );
}

/** Options shared by the filters and the form: territories grouped by region, categories, organizations. */
export interface ProblemOptions {
  /** value = territory id (the form) */
  territoriesById: SelectOption[];
  /** value = OKTMO (the filters) */
  territoriesByOktmo: SelectOption[];
  categoriesById: SelectOption[];
  categoriesBySlug: SelectOption[];
  organizations: SelectOption[];
}

export interface ListingState {
  q: string;
  territory: string;
  category: string;
  organization: string;
  status: string;
  sort: string;
  page: number;
}

export function listingQuery(state: ListingState, overrides: Partial<ListingState> = {}): string {
  const merged = { ...state, ...overrides };
  const params = new URLSearchParams();
  if (merged.q) params.set('q', merged.q);
  if (merged.territory) params.set('territory', merged.territory);
  if (merged.category) params.set('category', merged.category);
  if (merged.organization) params.set('organization', merged.organization);
  if (merged.status) params.set('status', merged.status);
  if (merged.sort && merged.sort !== 'new') params.set('sort', merged.sort);
  if (merged.page > 1) params.set('page', String(merged.page));
  const query = params.toString();
  return query ? `?${query}` : '';
}

function ProblemFilters({ state, options, action }: { state: ListingState; options: ProblemOptions; action: string }) {
  const { t } = usePage();
  return (
    <form method="get" action={action} class="filters problem-filters" aria-label={t('problems.filtersLabel')}>
      <Field name="q" type="search" label={t('problems.search')} value={state.q} maxLength={200} />
      <SelectField
        name="territory"
        label={t('problems.territory')}
        options={options.territoriesByOktmo}
        value={state.territory}
        emptyLabel={t('problems.anyTerritory')}
      />
      <SelectField
        name="category"
        label={t('problems.category')}
        options={options.categoriesBySlug}
        value={state.category}
        emptyLabel={t('problems.anyCategory')}
      />
      <SelectField
        name="organization"
        label={t('problems.organization')}
        options={options.organizations}
        value={state.organization}
        emptyLabel={t('problems.anyOrganization')}
      />
      <SelectField
        name="status"
        label={t('problems.status')}
        options={listedStatuses.map((status) => ({ value: status, label: t(`problemStatus.${status}` as MessageKey) }))}
        value={state.status}
        emptyLabel={t('problems.anyStatus')}
      />
      <SelectField
        name="sort"
        label={t('problems.sort')}
        options={problemSorts.filter((sort) => sort !== 'new').map((sort) => ({ value: sort, label: t(`problemSort.${sort}` as MessageKey) }))}
        value={state.sort === 'new' ? '' : state.sort}
        emptyLabel={t('problemSort.new')}
      />
      <Button variant="secondary">{t('problems.filter')}</Button>
    </form>
  );
}

function ListingLinks({ state, current }: { state: ListingState; current: 'list' | 'map' }) {
  const { t, actor } = usePage();
  const query = listingQuery({ ...state, page: 1 });
  return (
    <p class="actions listing-links">
      {(!actor || actor.emailVerified) && (
        <a class="button" href="/problems/new">
          {t('problems.publish')}
        </a>
      )}
      {current === 'list' ? (
        <a class="button button-secondary" href={`/problems/map${query}`}>
          {t('problems.showMap')}
        </a>
      ) : (
        <a class="button button-secondary" href={`/problems${query}`}>
          {t('problems.showList')}
        </a>
      )}
      <a class="feed-link" href={`/problems.atom${query}`} type="application/atom+xml">
        {t('problems.feed')}
      </a>
    </p>
  );
}

export function ProblemsIndex(props: {
  state: ListingState;
  options: ProblemOptions;
  items: ProblemListItem[];
  total: number;
  perPage: number;
  headLinks?: HeadLink[];
}) {
  const { t } = usePage();
  const { state } = props;
  return (
    <section aria-labelledby="problems-title">
      <h1 id="problems-title">{t('problems.title')}</h1>
      <ListingLinks state={state} current="list" />
      <ProblemFilters state={state} options={props.options} action="/problems" />
      <p role="status" class="found">
        {t('problems.found', { count: props.total })}
      </p>
      <ProblemList items={props.items} headingLevel={2} />
      <Pagination page={state.page} pageSize={props.perPage} total={props.total} href={(page) => `/problems${listingQuery(state, { page })}`} />
    </section>
  );
}

export function ProblemsMap(props: {
  state: ListingState;
  options: ProblemOptions;
  items: ProblemListItem[];
  total: number;
  perPage: number;
  tileUrl: string;
  headLinks?: HeadLink[];
}) {
  const { t } = usePage();
  const { state } = props;
  const markerQuery = listingQuery({ ...state, page: 1 });
  return (
    <section aria-labelledby="map-title">
      <h1 id="map-title">{t('problems.mapTitle')}</h1>
      <ListingLinks state={state} current="map" />
      <div
        class="map map-large"
        data-map="markers"
        data-markers={`/api/v1/problems/markers${markerQuery}`}
        data-tiles={props.tileUrl}
        data-attribution={t('map.attribution')}
        data-label={t('map.label')}
        hidden
      />
      {/* The map comes first; the filters fold away unless some are in use. */}
      <details class="filters-fold" open={Boolean(state.q || state.territory || state.category || state.organization || state.status)}>
        <summary>{t('problems.filtersLabel')}</summary>
        <ProblemFilters state={state} options={props.options} action="/problems/map" />
      </details>
      <p role="status" class="found">
        {t('problems.foundOnMap', { count: props.total })}
      </p>
      <ProblemList items={props.items} headingLevel={2} empty={t('problems.noneOnMap')} />
      <Pagination page={state.page} pageSize={props.perPage} total={props.total} href={(page) => `/problems/map${listingQuery(state, { page })}`} />
    </section>
  );
}

function PhotoField({ errors, remaining, reattach }: { errors: FormErrors; remaining: number; reattach?: number }) {
  const { t } = usePage();
  const problems = errors.filter((p) => p.field === 'photos');
  const describedBy = ['field-photos-hint', reattach ? 'field-photos-reattach' : null, problems.length ? 'field-photos-error' : null].filter(Boolean).join(' ');
  return (
    <div class={`field${problems.length ? ' field-error' : ''}`}>
      <label for="field-photos">
        {t('problemForm.photos')}
        <span class="optional"> {t('form.optional')}</span>
      </label>
      <p class="hint" id="field-photos-hint">
        {t('problemForm.photosHint', { count: remaining, megabytes: Math.round(photoLimits.maxBytes / (1024 * 1024)) })}
      </p>
      {reattach ? (
        <p class="notice notice-warning" id="field-photos-reattach">
          {t('problemForm.photosReattach', { count: reattach })}
        </p>
      ) : null}
      {problems.length > 0 && (
        <ul class="error-message error-list" id="field-photos-error">
          {problems.map((problem) => (
            <li key={`${problem.rule}-${problem.params?.number ?? ''}`}>{fieldMessage(t, problem)}</li>
          ))}
        </ul>
      )}
      <input
        type="file"
        id="field-photos"
        name="photos"
        multiple
        accept={photoLimits.acceptedTypes.join(',')}
        aria-describedby={describedBy}
        aria-invalid={problems.length ? 'true' : undefined}
        data-max-files={String(remaining)}
      />
    </div>
  );
}

export interface ProblemFormProps {
  mode: 'new' | 'edit';
  action: string;
  values: Values;
  errors: FormErrors;
  options: ProblemOptions;
  tileUrl: string;
  /** How many more photos fit (5 for a new problem). */
  photoSlots: number;
  /** The step that shows similar problems before publishing anyway. */
  similar?: SimilarProblem[];
  /** How many photos were chosen in the step before (browsers cannot keep them). */
  reattachPhotos?: number;
  cancelHref?: string;
}

export function SimilarList({ items }: { items: SimilarProblem[] }) {
  const { t } = usePage();
  return (
    <ul class="similar-list">
      {items.map((item) => (
        <li key={item.id}>
          <a href={`/problems/${item.id}`}>{item.title}</a>
          <span class="muted">
            {' '}
            · {item.territory_name}
            {item.signatures > 0 && <> · {t('problems.signatures', { count: item.signatures })}</>}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function ProblemForm(props: ProblemFormProps) {
  const { t } = usePage();
  const { values, errors, options } = props;
  const confirming = props.similar !== undefined && props.similar.length > 0;
  const title = props.mode === 'new' ? t('problemForm.newTitle') : t('problemForm.editTitle');
  return (
    <section class="form-page">
      <Breadcrumbs items={[{ href: '/problems', label: t('problems.title') }, { label: title }]} />
      <ErrorSummary errors={errors} />
      <h1>{title}</h1>
      {props.mode === 'new' && !confirming && <p class="lead">{t('problemForm.lead')}</p>}
      {confirming && (
        <section class="notice notice-warning similar-step" aria-labelledby="similar-title">
          <h2 id="similar-title">{t('problemForm.similarTitle')}</h2>
          <p>{t('problemForm.similarLead')}</p>
          <SimilarList items={props.similar ?? []} />
          <p>{t('problemForm.similarAnyway')}</p>
        </section>
      )}
      <form method="post" action={props.action} enctype="multipart/form-data" novalidate class="problem-form" data-module="problem-form">
        <CsrfField />
        {confirming && <input type="hidden" name="confirmed" value="1" />}
        <input type="hidden" name="similarChecked" value="" data-similar-checked />
        <Field name="title" label={t('problemForm.title')} value={values.title} errors={errors} required maxLength={200} hint={t('problemForm.titleHint')} />
        <Field
          name="description"
          label={t('problemForm.description')}
          value={values.description}
          errors={errors}
          required
          multiline
          maxLength={20_000}
          hint={t('problemForm.descriptionHint')}
        />
        <SelectField name="categoryId" label={t('problemForm.category')} options={options.categoriesById} value={values.categoryId} errors={errors} required />
        <SelectField
          name="territoryId"
          label={t('problemForm.territory')}
          options={options.territoriesById}
          value={values.territoryId}
          errors={errors}
          required
          hint={t('problemForm.territoryHint')}
        />
        <Field name="address" label={t('problemForm.address')} value={values.address} errors={errors} maxLength={500} hint={t('problemForm.addressHint')} />
        <fieldset class="point" aria-describedby="point-hint">
          <legend>
            {t('problemForm.point')} <span class="optional">{t('form.optional')}</span>
          </legend>
          <p class="hint" id="point-hint">
            {t('problemForm.pointHint')}
          </p>
          <div
            class="map map-picker"
            data-map="picker"
            data-tiles={props.tileUrl}
            data-attribution={t('map.attribution')}
            data-label={t('map.pickerLabel')}
            data-clear={t('map.clearPoint')}
            hidden
          />
          <div class="point-fields">
            <Field name="latitude" label={t('problemForm.latitude')} value={values.latitude} errors={errors} inputMode="decimal" maxLength={20} />
            <Field name="longitude" label={t('problemForm.longitude')} value={values.longitude} errors={errors} inputMode="decimal" maxLength={20} />
          </div>
        </fieldset>
        {props.photoSlots > 0 ? (
          <PhotoField errors={errors} remaining={props.photoSlots} {...(props.reattachPhotos ? { reattach: props.reattachPhotos } : {})} />
        ) : (
          <p class="hint">{t('problemForm.photosFull', { count: photoLimits.maxPerProblem })}</p>
        )}
        {props.mode === 'new' && (
          <div
            class="similar-live"
            data-similar-live
            data-endpoint="/api/v1/problems/similar"
            data-heading={t('problemForm.similarTitle')}
            data-lead={t('problemForm.similarLiveLead')}
            aria-live="polite"
            hidden
          />
        )}
        <p class="actions">
          <Button>{confirming ? t('problemForm.publishAnyway') : props.mode === 'new' ? t('problemForm.publish') : t('form.save')}</Button>
          {props.cancelHref && (
            <a class="button button-secondary" href={props.cancelHref}>
              {t('problemForm.cancel')}
            </a>
          )}
        </p>
      </form>
    </section>
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

export function eventLabel(t: Translate, event: ProblemEvent): string {
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
      return t('event.problem.solved');
    case 'problem.closed':
      return t('event.problem.closed');
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
    case 'appeal.registered':
      return t('event.appeal.registered');
    case 'appeal.forwarded':
      return t('event.appeal.forwarded');
    case 'appeal.extended':
      return t('event.appeal.extended');
    case 'appeal.answered':
      return t('event.appeal.answered');
    case 'appeal.review':
      return t('event.appeal.review');
    case 'appeal.closed':
      return t('event.appeal.closed');
    case 'appeal.withdrawn':
      return t('event.appeal.withdrawn');
    case 'appeal.escalated':
      return t('event.appeal.escalated');
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
                <a href={`#comment-${data.commentId}`}>{eventLabel(t, event)}</a>
              ) : (
                eventLabel(t, event)
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
            {event.first_name && event.surname && <p class="muted timeline-actor">{publicName(event.first_name, event.surname)}</p>}
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
  const { t, locale } = usePage();
  const children = props.byParent.get(props.parentId) ?? [];
  if (children.length === 0) return null;
  return (
    <ol class={props.depth === 0 ? 'comments' : 'comments comment-replies'}>
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
              <p class="muted">{t('comments.hidden')}</p>
            ) : (
              // Rendered once from the Markdown source through renderMarkdown (escaped, allow-listed).
              <div class="comment-text" dangerouslySetInnerHTML={{ __html: comment.html }} />
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
    </ol>
  );
}

export interface ProblemPageProps {
  details: ProblemDetails;
  appeals: AppealSummary[];
  events: ProblemEvent[];
  comments: CommentItem[];
  following: boolean;
  canEdit: boolean;
  canMarkSolved: boolean;
  canWriteAppeal: boolean;
  tileUrl: string;
  commentForm: CommentFormState | null;
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
  const byParent = new Map<number | null, CommentItem[]>();
  const known = new Set(props.comments.map((c) => c.id));
  for (const comment of props.comments) {
    const parent = comment.parent_id !== null && known.has(comment.parent_id) ? comment.parent_id : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), comment]);
  }
  const visibleComments = props.comments.filter((c) => !c.hidden).length;
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
      </header>

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
          <form method="post" action={`/problems/${problem.id}/solved`} class="inline-form">
            <CsrfField />
            <Button variant="secondary">{t('problem.markSolved')}</Button>
          </form>
        )}
      </div>

      <div class="problem-layout">
        <div class="problem-main">
          <section aria-label={t('problem.description')} class="problem-description">
            <Paragraphs text={problem.description} />
          </section>

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
                  <AppealCard appeal={appeal} key={appeal.id} />
                ))}
              </div>
            )}
          </Section>

          <Section id="comments" title={t('comments.title', { count: visibleComments })}>
            {props.comments.length === 0 && <p class="muted">{t('comments.none')}</p>}
            <CommentThread
              comments={props.comments}
              byParent={byParent}
              parentId={null}
              depth={0}
              problemId={problem.id}
              canComment={actor?.emailVerified === true}
              formState={props.commentForm}
            />
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
          <Section id="timeline" title={t('problem.timeline')}>
            <Timeline events={props.events} viewerId={actor?.id ?? null} />
          </Section>
        </aside>
      </div>
    </article>
  );
}

/** The problems of a territory or an organization, on its page: the latest few and a link to all of them. */
export function RelatedProblems(props: { items: ProblemListItem[]; total: number; title: string; empty: string; allHref: string; allLabel: string }) {
  return (
    <section aria-labelledby="related-problems-title">
      <h2 id="related-problems-title">{props.title}</h2>
      <ProblemList items={props.items} empty={props.empty} />
      {props.total > props.items.length && (
        <p>
          <a href={props.allHref}>{props.allLabel}</a>
        </p>
      )}
    </section>
  );
}

export function HomeProblems(props: { resonant: ProblemListItem[]; fresh: ProblemListItem[]; solved: ProblemListItem[] }) {
  const { t } = usePage();
  return (
    <>
      <section aria-labelledby="resonant-title">
        <h2 id="resonant-title">{t('home.resonant')}</h2>
        <ProblemList items={props.resonant} empty={t('home.resonantNone')} />
        <p>
          <a href="/problems?sort=resonant&status=open">{t('home.allResonant')}</a>
        </p>
      </section>
      <section aria-labelledby="new-title">
        <h2 id="new-title">{t('home.new')}</h2>
        <ProblemList items={props.fresh} empty={t('home.newNone')} />
        <p>
          <a href="/problems">{t('home.allProblems')}</a> · <a href="/problems/map">{t('problems.showMap')}</a>
        </p>
      </section>
      <section aria-labelledby="solved-title">
        <h2 id="solved-title">{t('home.solved')}</h2>
        <ProblemList items={props.solved} empty={t('home.solvedNone')} />
        {props.solved.length > 0 && (
          <p>
            <a href="/problems?status=solved&sort=solved">{t('home.allSolved')}</a>
          </p>
        )}
      </section>
    </>
  );
}
