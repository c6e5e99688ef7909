/**
 * HTML routes of problems: listings (with filters, search, a map and an Atom feed), publishing in
 * two steps (similar problems first), editing, the problem page with photos, appeals, timeline and
 * comments, following and marking solved. Every form posts, then redirects (POST → 303 → GET).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppContext, stateSlot } from '../../core/context.ts';
import { DomainError, type FieldProblem } from '../../core/errors.ts';
import { type FormBody, form, idList, idParam, optionalId, pageNumber, query, text } from '../../core/http/forms.ts';
import { rateLimitFor, withoutProofLimitFor } from '../../core/http/rate-limits.ts';
import { publicReads } from '../../core/http/replica-reads.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import type { Locale } from '../../core/i18n/i18n.ts';
import { photoLimits } from '../../core/images/photos.ts';
import { type Actor, authorize, can } from '../../core/policy.ts';
import { checkProofOfWork, maxPayloadLength } from '../../core/security/altcha.ts';
import { type SelectOption, SignInNeeded } from '../../core/views/components.tsx';
import { renderForEveryone } from '../../core/views/for-everyone.tsx';
import type { HeadLink } from '../../core/views/layout.tsx';
import type { OrganizationPorts } from '../organizations/organizations.ports.ts';
import { listCategories, listOrganizations } from '../organizations/organizations.service.ts';
import type { TerritoryPorts } from '../territories/territories.ports.ts';
import { territoryName } from '../territories/territories.rules.ts';
import { listFederalSubjects, municipalityGroups } from '../territories/territories.service.ts';
import { problemFeedXml } from './problems.feed.ts';
import './problems.policy.ts';
import { ProblemForm, type Values } from './problems.form.views.tsx';
import {
  firstPage,
  type ListingState,
  listingQuery,
  ProblemsIndex,
  ProblemsMap,
  RelatedProblems,
  RelatedProblemsContent,
  RelatedProblemsSection,
} from './problems.list.views.tsx';
import { type CommentFormState, type CommentsForEveryone, CommentsForEveryoneContent, ProblemPage, SolvedConfirmPage } from './problems.page.views.tsx';
import { forgetPendingPhotos, keepPendingPhotos, pendingPhotoIds, pendingThumbnail, takePendingPhotos } from './problems.pending-photos.ts';
import {
  decodeCursor,
  type ListedStatus,
  type ListingCursor,
  listedStatuses,
  type ProblemInput,
  type ProblemSort,
  parseCoordinate,
  problemSorts,
} from './problems.rules.ts';
import * as problems from './problems.service.ts';
import type { ProblemOptions } from './problems.shared.views.tsx';

const perPage = 20;
/** Multipart limits of the routes that take photos: one file more than allowed and a byte more than allowed, so both are reported per file instead of failing the whole request. */
export const photoUploadOptions = {
  limits: { fileSize: photoLimits.maxBytes + 1, files: photoLimits.maxPerProblem + 1 },
  throwFileSizeLimit: false,
};

/** Uploaded files of a multipart body (attachFieldsToBody: 'keyValues'): Buffers; an empty file input sends an empty one. */
export function uploadedFiles(body: FormBody, name: string): Buffer[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is Buffer => Buffer.isBuffer(v) && v.length > 0);
}

export function problemInputFromForm(body: FormBody): { input: ProblemInput; values: Values } {
  const values: Values = {
    title: text(body, 'title', 400),
    description: text(body, 'description', 40_000),
    categoryId: text(body, 'categoryId', 20),
    territoryId: text(body, 'territoryId', 20),
    address: text(body, 'address', 1000),
    latitude: text(body, 'latitude', 40).trim(),
    longitude: text(body, 'longitude', 40).trim(),
  };
  return {
    values,
    input: {
      title: values.title ?? '',
      description: values.description ?? '',
      categoryId: optionalId(body, 'categoryId'),
      territoryId: optionalId(body, 'territoryId'),
      address: values.address ?? '',
      latitude: parseCoordinate(values.latitude ?? ''),
      longitude: parseCoordinate(values.longitude ?? ''),
      acknowledgeWarnings: text(body, 'acknowledge', 10) === 'yes',
    },
  };
}

function validationProblems(error: unknown): FieldProblem[] | null {
  return error instanceof DomainError && (error.code === 'validation_failed' || error.code === 'language_warning') ? error.fields : null;
}

const oktmoPattern = /^\d{8}(\d{3})?$/;
const slugPattern = /^[a-z0-9][a-z0-9-]{0,99}$/;

export function listingStateFrom(request: FastifyRequest): ListingState {
  const territory = query(request, 'territory');
  const category = query(request, 'category');
  const organization = query(request, 'organization');
  const status = query(request, 'status');
  const sort = query(request, 'sort');
  const after = query(request, 'after');
  const before = query(request, 'before');
  const state = {
    q: query(request, 'q').slice(0, 200).trim(),
    territory: oktmoPattern.test(territory) ? territory : '',
    category: slugPattern.test(category) ? category : '',
    organization: slugPattern.test(organization) ? organization : '',
    status: (listedStatuses as readonly string[]).includes(status) ? status : '',
    sort: (problemSorts as readonly string[]).includes(sort) ? sort : 'new',
    page: pageNumber(request),
    after,
    before,
  };
  // A damaged link says so (400) instead of quietly showing the first page.
  if ((after && cursorOf(state, 'after') === undefined) || (before && cursorOf(state, 'before') === undefined)) throw new DomainError('invalid_cursor');
  return state;
}

function cursorOf(state: ListingState, which: 'after' | 'before'): ListingCursor | undefined {
  const text = state[which];
  return text ? (decodeCursor(text, state.sort as ProblemSort) ?? undefined) : undefined;
}

export function filterOf(state: ListingState, limit: number, withPoint = false): problems.ProblemFilter {
  return {
    territoryOktmo: state.territory || undefined,
    categorySlug: state.category || undefined,
    organizationSlug: state.organization || undefined,
    status: (state.status || undefined) as ListedStatus | undefined,
    search: state.q || undefined,
    withPoint,
    sort: state.sort as ProblemSort,
    limit,
    offset: (state.page - 1) * limit,
    after: cursorOf(state, 'after'),
    before: cursorOf(state, 'before'),
  };
}

/** What the filters and the problem form offer: territories, topics, addressees. */
interface Choices {
  subjects: Awaited<ReturnType<typeof listFederalSubjects>>;
  groups: Awaited<ReturnType<typeof municipalityGroups>>;
  categories: Awaited<ReturnType<typeof listCategories>>;
  organizations: Awaited<ReturnType<typeof listOrganizations>>;
}

async function loadChoices(ctx: AppContext): Promise<Choices> {
  const [subjects, groups, categories, organizations] = await Promise.all([
    listFederalSubjects(ctx),
    municipalityGroups(ctx),
    listCategories(ctx),
    listOrganizations(ctx, { limit: 1000, offset: 0 }),
  ]);
  return { subjects, groups, categories, organizations };
}

/** How long a listing's filters may offer the choices read for an earlier view (the problem form reads them afresh). */
const listingChoicesSeconds = 5;
const listingChoicesSlot = stateSlot<{ value: Promise<Choices> | null; until: number }>('problems.listingChoices', () => ({ value: null, until: 0 }));

/**
 * The choices of a listing's filters: four queries and some 200 rows that change when an administrator edits the directory,
 * read for every view of every list. Shared for five seconds by the views of this process: a new organization shows in the
 * filter a few seconds late, and every list view makes four queries fewer.
 */
function listingChoices(ctx: AppContext): Promise<Choices> {
  const kept = ctx.state.get(listingChoicesSlot);
  const now = Date.now();
  if (kept.value && kept.until > now) return kept.value;
  const loading = loadChoices(ctx);
  Object.assign(kept, { value: loading, until: now + listingChoicesSeconds * 1000 });
  loading.catch(() => Object.assign(kept, { value: null, until: 0 }));
  return loading;
}

/** Territories grouped by region (the region itself first), then regions whose municipalities are not loaded. */
function territoryOptions({ subjects, groups }: Choices, locale: Locale, wholeRegion: (name: string) => string, others: string) {
  const byId: SelectOption[] = [];
  const byOktmo: SelectOption[] = [];
  const withMunicipalities = new Set(groups.map((g) => g.region.id));
  for (const group of groups) {
    const region = subjects.find((s) => s.id === group.region.id) ?? group.region;
    const label = territoryName(region, locale);
    byId.push({ value: String(region.id), label: wholeRegion(label), group: label });
    byOktmo.push({ value: region.oktmo, label: wholeRegion(label), group: label });
    for (const m of group.municipalities) {
      byId.push({ value: String(m.id), label: territoryName(m, locale), group: label });
      byOktmo.push({ value: m.oktmo, label: territoryName(m, locale), group: label });
    }
  }
  for (const subject of subjects) {
    if (withMunicipalities.has(subject.id)) continue;
    byId.push({ value: String(subject.id), label: territoryName(subject, locale), group: others });
    byOktmo.push({ value: subject.oktmo, label: territoryName(subject, locale), group: others });
  }
  return { byId, byOktmo };
}

export async function problemOptions(ctx: AppContext, request: FastifyRequest, choices?: Choices): Promise<ProblemOptions> {
  const { t, locale } = request;
  const read = choices ?? (await loadChoices(ctx));
  const territories = territoryOptions(read, locale, (name) => t('problems.wholeRegion', { name }), t('problems.otherRegions'));
  const categoryLabel = (c: { name_ru: string; name_en: string }) => (locale === 'en' ? c.name_en : c.name_ru);
  return {
    territoriesById: territories.byId,
    territoriesByOktmo: territories.byOktmo,
    categoriesById: read.categories.map((c) => ({ value: String(c.id), label: categoryLabel(c) })),
    categoriesBySlug: read.categories.map((c) => ({ value: c.slug, label: categoryLabel(c) })),
    organizations: read.organizations.items.map((o) => ({ value: o.slug, label: o.name, group: o.territory_name })),
  };
}

/** The filters' options of a listing (the list, the map), from the shared choices. */
async function listingOptions(ctx: AppContext, request: FastifyRequest): Promise<ProblemOptions> {
  return problemOptions(ctx, request, await listingChoices(ctx));
}

export function feedLink(request: FastifyRequest, state: Partial<ListingState>, title?: string): HeadLink {
  const full: ListingState = { q: '', territory: '', category: '', organization: '', status: '', sort: 'new', page: 1, after: '', before: '', ...state };
  return {
    rel: 'alternate',
    type: 'application/atom+xml',
    href: `/problems.atom${listingQuery(full, firstPage)}`,
    title: title ?? request.t('problems.feedTitle'),
  };
}

/** The problems section of the territory page (territories.ports.ts), with the territory's feed. */
export const problemsOfTerritory: TerritoryPorts['problemsSection'] = async (ctx, request, territory) => {
  const { items, total, totalCapped } = await problems.listProblems(ctx, { territoryOktmo: territory.oktmo, sort: 'new', limit: 6, offset: 0 });
  return {
    content: (
      <RelatedProblems
        items={items}
        total={total}
        title={request.t(totalCapped ? 'territory.problemsMore' : 'territory.problems', { count: total })}
        allHref={`/problems?territory=${territory.oktmo}`}
        empty={request.t('territory.noProblems')}
        allLabel={request.t('territory.allProblems')}
      />
    ),
    headLinks: [feedLink(request, { territory: territory.oktmo }, `${request.t('problems.feedTitle')}: ${territoryName(territory, request.locale)}`)],
  };
};

/**
 * The problems section of the organization page (organizations.ports.ts): problems with an appeal to it, with their
 * feed. The section links to all of them when there are more than six, so it asks for seven and counts no further:
 * counting a big body's 50,000 problems took 350 ms of every view of its page. Its cards are the same for everyone:
 * rendered once and kept between readers (problems.keptWithListing: a change made by this process shows at once).
 */
export const problemsOfOrganization: OrganizationPorts['problemsSection'] = async (ctx, request, organization) => {
  const { slug } = organization;
  const shown = 6;
  const html = await problems.keptWithListing(ctx, `organization:${organization.id}:${slug}:${request.locale}`, async () => {
    const { items, total } = await problems.listProblems(ctx, { organizationId: organization.id, sort: 'new', limit: shown + 1, offset: 0, withTotal: false });
    return renderForEveryone(
      request.t,
      request.locale,
      <RelatedProblemsContent
        items={items.slice(0, shown)}
        total={total}
        title={request.t('organization.problems')}
        allHref={`/problems?organization=${slug}`}
        empty={request.t('organization.noProblems')}
        allLabel={request.t('organization.allProblems')}
      />,
    );
  });
  return {
    content: <RelatedProblemsSection html={html} />,
    headLinks: [feedLink(request, { organization: slug }, `${request.t('problems.feedTitle')}: ${organization.name}`)],
  };
};

export function problemPages(ctx: AppContext): AppModule {
  const tileUrl = ctx.config.mapTileUrl;

  async function renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    options: {
      mode: 'new' | 'edit';
      action: string;
      values: Values;
      errors: FieldProblem[];
      photoSlots: number;
      similar?: problems.SimilarProblem[];
      /** Photos already attached and kept for this form (problems.pending-photos.ts). */
      pendingPhotos?: number[];
      cancelHref?: string;
    },
  ) {
    const title = options.mode === 'new' ? request.t('problemForm.newTitle') : request.t('problemForm.editTitle');
    return reply.page(
      options.errors.length ? request.t('problemForm.errorTitle', { title }) : title,
      <ProblemForm {...options} options={await problemOptions(ctx, request)} tileUrl={tileUrl} />,
      {
        status: options.errors.length ? 422 : 200,
        scripts: options.mode === 'new' ? ['map.js', 'problem-form.js', 'captcha.js'] : ['map.js', 'problem-form.js'],
      },
    );
  }

  /**
   * The photos of a problem form: those kept from the form's last round (still ticked), then the new
   * uploads, checked now — before the similar-problems step, so its «publish anyway» never finds a
   * photo too big — and kept at once, so the form never asks for them again.
   */
  async function attachedPhotos(actor: Actor, body: FormBody, slots: number) {
    const kept = await pendingPhotoIds(ctx, actor, idList(body, 'pendingPhoto'));
    const uploads = uploadedFiles(body, 'photos');
    const room = slots - kept.length;
    const tooMany: FieldProblem[] =
      uploads.length > room ? [{ field: 'photos', rule: 'tooManyPhotos', params: { limit: photoLimits.maxPerProblem, remaining: Math.max(0, room) } }] : [];
    const processed = tooMany.length ? { photos: [], problems: [] } : await problems.processPhotos(uploads);
    const added = await keepPendingPhotos(ctx, actor, processed.photos);
    return { ids: [...kept, ...added], problems: [...tooMany, ...processed.problems] };
  }

  /**
   * The discussion of a problem as a visitor who is not signed in sees it (no reply forms, every author reportable):
   * rendered once per language and kept between readers (problems.keptWithComments). A viral problem has hundreds of
   * comments, and rendering them for each reader was most of its page's time.
   */
  function commentsForEveryone(reads: AppContext, request: FastifyRequest, problemId: number): Promise<CommentsForEveryone> {
    return problems.keptWithComments(reads, `${problemId}:${request.locale}`, async () => {
      const comments = await problems.listComments(reads, problemId);
      return {
        html: renderForEveryone(request.t, request.locale, <CommentsForEveryoneContent comments={comments} problemId={problemId} />),
        total: comments.length,
        visible: comments.filter((comment) => !comment.hidden).length,
      };
    });
  }

  /** What a problem's page shows of it: the same for every visitor who is not signed in (the discussion rendered for them). */
  async function publicParts(reads: AppContext, request: FastifyRequest, problemId: number) {
    const viewer = request.actor?.id ?? null;
    const details = await problems.getProblemDetails(reads, problemId);
    const [appeals, events, comments, controls] = await Promise.all([
      ctx.ports.problems.appeals.forProblem(reads, problemId, viewer),
      problems.problemEvents(reads, problemId, viewer),
      request.actor ? problems.listComments(reads, problemId) : commentsForEveryone(reads, request, problemId),
      ctx.ports.problems.officials.controls(ctx, [problemId]),
    ]);
    return { details, appeals, events, comments, controls };
  }

  async function renderProblem(request: FastifyRequest, reply: FastifyReply, problemId: number, commentForm: CommentFormState | null = null) {
    // The public parts from a replica when the request may (core/http/replica-reads.ts); the viewer's own from the primary.
    const reads = publicReads(ctx, request);
    const actor = request.actor;
    // A visitor who is not signed in sees the page's public parts as every such visitor does: read (the discussion
    // rendered) once and kept between them. A signed-in person's drafts and own links are his alone: read for him.
    const { details, appeals, events, comments, controls } =
      actor || commentForm
        ? await publicParts(reads, request, problemId)
        : await problems.keptWithProblemPage(reads, `${problemId}:${request.locale}`, () => publicParts(reads, request, problemId));
    const [following, officials] = await Promise.all([
      actor ? problems.isFollowing(ctx, actor.id, problemId) : Promise.resolve(false),
      ctx.ports.problems.officials.section(ctx, request, details.problem),
    ]);
    const subject = details.problem;
    return reply.page(
      commentForm?.errors.length ? request.t('problemForm.errorTitle', { title: subject.title }) : subject.title,
      <ProblemPage
        details={details}
        appeals={appeals}
        AppealCard={ctx.ports.problems.AppealCard}
        events={events}
        comments={comments}
        following={following}
        canEdit={can(actor, 'problem.update', subject)}
        canMarkSolved={can(actor, 'problem.markSolved', subject)}
        canWriteAppeal={can(actor, 'appeal.create', subject)}
        tileUrl={tileUrl}
        commentForm={commentForm}
        controlledBy={controls.get(problemId) ?? []}
        officials={officials}
      />,
      { status: commentForm?.errors.length ? 422 : 200, scripts: subject.latitude !== null ? ['map.js'] : [] },
    );
  }

  return {
    name: 'problems.pages',
    routes(app: App) {
      const withoutProof = withoutProofLimitFor(app, ctx, 'publish');
      app.get('/problems', { config: { policy: 'problem.view' } }, async (request, reply) => {
        const state = listingStateFrom(request);
        const [result, options] = await Promise.all([problems.listProblems(publicReads(ctx, request), filterOf(state, perPage)), listingOptions(ctx, request)]);
        return reply.page(
          state.page > 1 && !state.after && !state.before
            ? `${request.t('problems.title')} — ${request.t('pagination.status', { page: state.page, pages: Math.max(1, Math.ceil(result.total / perPage)) })}`
            : request.t('problems.title'),
          <ProblemsIndex state={state} options={options} listing={result} headLinks={[feedLink(request, state)]} />,
        );
      });

      app.get('/problems/map', { config: { policy: 'problem.view' } }, async (request, reply) => {
        const state = listingStateFrom(request);
        const [result, options] = await Promise.all([
          problems.listProblems(publicReads(ctx, request), filterOf(state, perPage, true)),
          listingOptions(ctx, request),
        ]);
        return reply.page(
          request.t('problems.mapTitle'),
          <ProblemsMap state={state} options={options} listing={result} tileUrl={tileUrl} headLinks={[feedLink(request, state)]} />,
          { scripts: ['map.js'] },
        );
      });

      app.get('/problems.atom', { config: { policy: 'problem.view' } }, async (request, reply) => {
        const state = { ...listingStateFrom(request), ...firstPage };
        const result = await problems.listProblems(publicReads(ctx, request), { ...filterOf(state, 50), withTotal: false });
        const xml = problemFeedXml({
          baseUrl: ctx.config.baseUrl,
          queryString: listingQuery(state),
          search: state.q,
          status: state.status,
          locale: request.locale,
          t: request.t,
          items: result.items,
          now: ctx.now(),
        });
        return reply.header('cache-control', 'public, max-age=300').type('application/atom+xml; charset=utf-8').send(xml);
      });

      app.get('/problems/new', { config: { policy: 'problem.view' } }, async (request, reply) => {
        const actor = request.actor;
        if (!actor) return reply.redirect(`/login?return=${encodeURIComponent('/problems/new')}`, 303);
        if (!actor.emailVerified) {
          return reply.page(
            request.t('problemForm.newTitle'),
            <SignInNeeded
              title={request.t('problemForm.newTitle')}
              text={request.t('problemForm.verifyFirst')}
              action={{ href: '/account', label: request.t('problemForm.toAccount') }}
            />,
            { status: 403 },
          );
        }
        const territoryId = query(request, 'territory');
        return renderForm(request, reply, {
          mode: 'new',
          action: '/problems/new',
          values: /^\d{1,9}$/.test(territoryId) ? { territoryId } : {},
          errors: [],
          photoSlots: photoLimits.maxPerProblem,
        });
      });

      app.post(
        '/problems/new',
        { config: { policy: 'problem.create', multipartOptions: photoUploadOptions }, onRequest: rateLimitFor(app, ctx, 'publish') },
        async (request, reply) => {
          const actor = authorize(request.actor, 'problem.create');
          const body = form(request);
          const { input, values } = problemInputFromForm(body);
          const confirmed = text(body, 'confirmed', 5) === '1' || text(body, 'similarChecked', 5) === '1';
          const base = { mode: 'new' as const, action: '/problems/new', values, photoSlots: photoLimits.maxPerProblem };
          const photos = await attachedPhotos(actor, body, photoLimits.maxPerProblem);
          const withPhotos = { ...base, pendingPhotos: photos.ids };
          const inputProblems = await problems.checkProblemInput(ctx, input);
          const errors = [...inputProblems, ...photos.problems];
          if (errors.length === 0 && !confirmed) {
            // Step two: similar open problems nearby; the photos stay attached through it.
            const similar = await problems.similarProblems(ctx, input);
            if (similar.length > 0) return renderForm(request, reply, { ...withPhotos, errors: [], similar });
          }
          if (errors.length > 0) return renderForm(request, reply, { ...withPhotos, errors });
          // The proof of work is asked for by the step that publishes (a step that shows similar problems writes nothing):
          // a forged, expired or used one is refused, a missing one goes through the tighter per-address limit.
          try {
            if ((await checkProofOfWork(ctx, text(body, 'altcha', maxPayloadLength + 1))) === 'missing') await withoutProof(request);
          } catch (error) {
            if (error instanceof DomainError && error.code === 'altcha_failed')
              return renderForm(request, reply, { ...withPhotos, errors: [{ field: 'altcha', rule: 'altchaFailed' }] });
            throw error;
          }
          try {
            const created = await problems.createProblem(ctx, actor, input, await takePendingPhotos(ctx, actor, photos.ids));
            await forgetPendingPhotos(ctx, actor, photos.ids);
            return reply.flash('flash.problemPublished').redirectAfterPost(`/problems/${created.id}`);
          } catch (error) {
            const fields = validationProblems(error);
            if (fields) return renderForm(request, reply, { ...withPhotos, errors: fields });
            throw error;
          }
        },
      );

      // The preview of a photo attached to a form not yet sent, for the person who attached it.
      app.get('/problems/pending-photos/:id', { config: { policy: 'problem.create' } }, async (request, reply) => {
        const actor = authorize(request.actor, 'problem.create');
        const thumbnail = await pendingThumbnail(ctx, actor, idParam(request));
        return reply.type(thumbnail.contentType).header('x-content-type-options', 'nosniff').header('content-disposition', 'inline').send(thumbnail.bytes);
      });

      app.get('/problems/:id', { config: { policy: 'problem.view' } }, (request, reply) => renderProblem(request, reply, idParam(request)));

      app.get('/problems/:id/photos/:position', { config: { policy: 'problem.view' } }, (request, reply) => sendPhoto(request, reply, 'full'));
      app.get('/problems/:id/photos/:position/thumbnail', { config: { policy: 'problem.view' } }, (request, reply) => sendPhoto(request, reply, 'thumbnail'));

      async function sendPhoto(request: FastifyRequest, reply: FastifyReply, size: 'full' | 'thumbnail') {
        const photo = await problems.getPhoto(ctx, idParam(request), idParam(request, 'position', 0), size);
        reply.header('etag', photo.etag).header('cache-control', 'public, max-age=86400').header('x-content-type-options', 'nosniff');
        if (request.headers['if-none-match'] === photo.etag) return reply.code(304).send();
        return reply.type(photo.contentType).header('content-disposition', 'inline').send(photo.bytes);
      }

      app.get('/problems/:id/edit', { config: { policy: 'problem.update' } }, async (request, reply) => {
        const problemId = idParam(request);
        const details = await problems.getProblemDetails(ctx, problemId);
        authorize(request.actor, 'problem.update', details.problem);
        const p = details.problem;
        return renderForm(request, reply, {
          mode: 'edit',
          action: `/problems/${problemId}/edit`,
          values: {
            title: p.title,
            description: p.description,
            categoryId: String(p.category_id),
            territoryId: String(p.territory_id),
            address: p.address ?? '',
            latitude: p.latitude === null ? '' : String(p.latitude),
            longitude: p.longitude === null ? '' : String(p.longitude),
          },
          errors: [],
          photoSlots: photoLimits.maxPerProblem - details.photos.length,
          cancelHref: `/problems/${problemId}`,
        });
      });

      app.post(
        '/problems/:id/edit',
        { config: { policy: 'problem.update', multipartOptions: photoUploadOptions, rateLimit: { max: 30, timeWindow: '1 minute' } } },
        async (request, reply) => {
          const problemId = idParam(request);
          const details = await problems.getProblemDetails(ctx, problemId);
          const actor = authorize(request.actor, 'problem.update', details.problem);
          const body = form(request);
          const { input, values } = problemInputFromForm(body);
          const slots = photoLimits.maxPerProblem - details.photos.length;
          const photos = await attachedPhotos(actor, body, slots);
          const base = {
            mode: 'edit' as const,
            action: `/problems/${problemId}/edit`,
            values,
            photoSlots: slots,
            pendingPhotos: photos.ids,
            cancelHref: `/problems/${problemId}`,
          };
          const errors = [...(await problems.checkProblemInput(ctx, input)), ...photos.problems];
          if (errors.length > 0) return renderForm(request, reply, { ...base, errors });
          try {
            await problems.updateProblem(ctx, actor, problemId, input, await takePendingPhotos(ctx, actor, photos.ids));
            await forgetPendingPhotos(ctx, actor, photos.ids);
            return reply.flash('flash.problemSaved').redirectAfterPost(`/problems/${problemId}`);
          } catch (error) {
            const fields = validationProblems(error);
            if (fields) return renderForm(request, reply, { ...base, errors: fields });
            throw error;
          }
        },
      );

      app.get('/problems/:id/solved', { config: { policy: 'problem.markSolved' } }, async (request, reply) => {
        const problemId = idParam(request);
        const problem = await problems.getProblemRow(ctx, problemId);
        authorize(request.actor, 'problem.markSolved', problem);
        const chain = await ctx.ports.problems.appeals.forProblem(ctx, problemId, request.actor?.id ?? null);
        const openAppeals = chain.filter((appeal) => appeal.status === 'draft' || appeal.status === 'collecting');
        return reply.page(request.t('solved.confirmTitle'), <SolvedConfirmPage problem={problem} openAppeals={openAppeals} />);
      });

      app.post('/problems/:id/solved', { config: { policy: 'problem.markSolved' } }, async (request, reply) => {
        const problemId = idParam(request);
        const body = form(request);
        // An unticked checkbox is absent from the form: no withdrawal unless it was ticked.
        const withdrawOpenAppeals = text(body, 'withdrawOpenAppeals', 5) === 'yes';
        const note = text(body, 'note', 5000);
        try {
          const withdrawn = await problems.markSolved(ctx, request.actor, problemId, { withdrawOpenAppeals, note });
          return reply.flash(withdrawn.length > 0 ? 'flash.problemSolvedWithdrawn' : 'flash.problemSolved').redirectAfterPost(`/problems/${problemId}`);
        } catch (error) {
          const errors = validationProblems(error);
          if (!errors) throw error;
          const problem = await problems.getProblemRow(ctx, problemId);
          const chain = await ctx.ports.problems.appeals.forProblem(ctx, problemId, request.actor?.id ?? null);
          const openAppeals = chain.filter((appeal) => appeal.status === 'draft' || appeal.status === 'collecting');
          return reply.page(
            request.t('solved.confirmTitle'),
            <SolvedConfirmPage problem={problem} openAppeals={openAppeals} note={note} withdraw={withdrawOpenAppeals} errors={errors} />,
            { status: 422 },
          );
        }
      });

      app.post('/problems/:id/follow', { config: { policy: 'problem.follow' } }, async (request, reply) => {
        const problemId = idParam(request);
        const following = text(form(request), 'follow', 5) !== '0';
        await problems.follow(ctx, request.actor, problemId, following);
        return reply.flash(following ? 'flash.followed' : 'flash.unfollowed').redirectAfterPost(`/problems/${problemId}`);
      });

      app.post('/problems/:id/comments', { config: { policy: 'comment.create' }, onRequest: rateLimitFor(app, ctx, 'comment') }, async (request, reply) => {
        const problemId = idParam(request);
        const body = form(request);
        const parentId = optionalId(body, 'parentId');
        const commentText = text(body, 'body', 20_000);
        try {
          const comment = await problems.addComment(ctx, request.actor, problemId, {
            body: commentText,
            parentId,
            acknowledgeWarnings: text(body, 'acknowledge', 10) === 'yes',
          });
          return reply.flash('flash.commentAdded').redirectAfterPost(`/problems/${problemId}#comment-${comment.id}`);
        } catch (error) {
          const fields = validationProblems(error);
          if (!fields) throw error;
          // A reply's problems belong to its own textarea (field-reply-N), so the summary links there.
          const replyTo = parentId !== null && !fields.some((f) => f.field === 'parentId') ? parentId : null;
          const errors = fields.map((f) => ({ ...f, field: replyTo === null ? 'body' : `reply-${replyTo}` }));
          return renderProblem(request, reply, problemId, { parentId: replyTo, body: commentText, errors });
        }
      });
    },
  };
}
