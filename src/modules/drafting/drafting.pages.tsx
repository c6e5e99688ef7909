/**
 * Co-writing pages of a draft: `/appeals/:id/draft` (the text, its editor, the co-authors and the author's controls),
 * the history (`/appeals/:id/history`) with a word-level comparison of two revisions, and the websocket `/collab` of
 * the live editor. Without JavaScript the text is a Markdown form carrying its base revision (POST → 303 → GET); a
 * save over a newer revision merges, and a conflict shows both versions side by side to resolve.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { DomainError, type FieldProblem, problemsOf } from '../../core/errors.ts';
import { form, idFromText, idParam, query, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { formatDate } from '../../core/i18n/i18n.ts';
import { can } from '../../core/policy.ts';
import { Breadcrumbs, Button, CsrfField, ErrorSummary, Field } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { WordChanges } from '../appeals/appeals.amendments.views.tsx';
import type { MergeRegion, WordChange } from '../appeals/appeals.revisions.rules.ts';
import {
  compareRevisions,
  type DraftView,
  draftView,
  joinDraft,
  maxTextCharacters,
  type RevisionEntry,
  removeCoauthor,
  restoreRevision,
  revisionHistory,
  saveDraftText,
  setDraftShared,
  setTextLocked,
} from '../appeals/appeals.revisions.ts';
import { AppealTextField, MergeColumns } from '../appeals/appeals.views.tsx';
import { collaborationOf, documentName } from './drafting.collab.ts';
import { addDraftComment, commentLimits, type DraftThread, draftThreads, resolveDraftComment } from './drafting.comments.ts';

function DraftText({ html }: { html: string }) {
  // Sanitized when the revision was written and again on the way out (appeals.document.ts).
  return <div class="appeal-text rich-text" dangerouslySetInnerHTML={{ __html: html }} />;
}

function TextForm({
  appealId,
  markdown,
  baseRevision,
  errors,
  label,
}: {
  appealId: number;
  markdown: string;
  baseRevision: number;
  errors: FieldProblem[];
  label: string;
}) {
  const { t } = usePage();
  return (
    <form method="post" action={`/appeals/${appealId}/draft`} class="draft-form" novalidate>
      <CsrfField />
      <ErrorSummary errors={errors} />
      <input type="hidden" name="baseRevision" value={String(baseRevision)} />
      <AppealTextField label={label} value={markdown} errors={errors} />
      <p class="hint">{t('draft.baseNote', { revision: baseRevision })}</p>
      <Button>{t('draft.save')}</Button>
    </form>
  );
}

function Coauthors({ view }: { view: DraftView }) {
  const { t, locale } = usePage();
  const id = view.appeal.id;
  return (
    <section class="draft-coauthors" aria-labelledby="coauthors-heading">
      <h2 id="coauthors-heading">{t('draft.coauthors')}</h2>
      <p class="hint">{t('draft.coauthorsLead')}</p>
      {view.coauthors.length === 0 ? (
        <p>{t('draft.coauthorsNone')}</p>
      ) : (
        <ul class="coauthor-list">
          {view.coauthors.map((coauthor) => (
            <li key={coauthor.userId}>
              {coauthor.name} <span class="hint">{t('draft.joined', { date: formatDate(locale, coauthor.joinedAt) })}</span>
              {view.isAuthor && (
                <>
                  {' '}
                  <a href={`/appeals/${id}/coauthors/${coauthor.userId}/remove`}>{t('draft.remove')}</a>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {view.joinRefusal === null && (
        <form method="post" action={`/appeals/${id}/coauthors`}>
          <CsrfField />
          <p>{t('draft.joinLead')}</p>
          <Button variant="secondary">{t('draft.join')}</Button>
        </form>
      )}
      {view.isCoauthor && (
        <form method="post" action={`/appeals/${id}/coauthors/leave`}>
          <CsrfField />
          <Button variant="secondary">{t('draft.leave')}</Button>
        </form>
      )}
    </section>
  );
}

function AuthorControls({ view }: { view: DraftView }) {
  const { t } = usePage();
  const id = view.appeal.id;
  const shared = view.appeal.shared_at !== null;
  const locked = view.appeal.text_locked_at !== null;
  return (
    <section class="draft-manage" aria-labelledby="manage-heading">
      <h2 id="manage-heading">{t('draft.manage')}</h2>
      <p>{t(shared ? 'draft.shared' : 'draft.private')}</p>
      <form method="post" action={`/appeals/${id}/draft/sharing`} class="inline-form">
        <CsrfField />
        <input type="hidden" name="shared" value={shared ? '0' : '1'} />
        <Button variant="secondary">{t(shared ? 'draft.unshare' : 'draft.share')}</Button>
      </form>
      {shared && (
        <form method="post" action={`/appeals/${id}/draft/lock`} class="inline-form">
          <CsrfField />
          <input type="hidden" name="locked" value={locked ? '0' : '1'} />
          <Button variant="secondary">{t(locked ? 'draft.unlock' : 'draft.lock')}</Button>
        </form>
      )}
    </section>
  );
}

interface CommentValues {
  passage: string;
  body: string;
}

function Discussion({
  appealId,
  threads,
  canComment,
  errors,
  values,
}: {
  appealId: number;
  threads: DraftThread[];
  canComment: boolean;
  errors: FieldProblem[];
  values: CommentValues;
}) {
  const { t, locale } = usePage();
  const meta = (comment: { author: string; createdAt: Date; revisionNumber: number }) =>
    t('draftComments.meta', { author: comment.author, date: formatDate(locale, comment.createdAt, true), revision: comment.revisionNumber });
  return (
    <section class="draft-comments" aria-labelledby="comments-heading" id="comments">
      <h2 id="comments-heading">{t('draftComments.title')}</h2>
      <p class="hint">{t('draftComments.lead')}</p>
      {threads.length === 0 ? (
        <p>{t('draftComments.none')}</p>
      ) : (
        <ol class="comment-threads">
          {threads.map((thread) => (
            <li
              key={thread.id}
              id={`comment-${thread.id}`}
              class={thread.resolved ? 'comment-thread resolved' : 'comment-thread'}
              // The editor island marks the open threads' passages in the text and adds a «show in the text» button.
              data-thread={String(thread.id)}
              data-passage={thread.resolved || thread.passageGone ? undefined : thread.passage}
            >
              <article aria-labelledby={`comment-${thread.id}-passage`}>
                <p class="visually-hidden" id={`comment-${thread.id}-passage`}>
                  {t('draftComments.passage')}: {thread.passage}
                </p>
                <blockquote class="comment-passage" aria-hidden="true">
                  {thread.passage}
                </blockquote>
                {thread.passageGone && <p class="hint">{t('draftComments.passageGone')}</p>}
                {thread.resolved && <strong class="tag tag-resolved">{t('draftComments.resolved')}</strong>}
                <p class="draft-comment-body">{thread.body}</p>
                <p class="hint">{meta(thread)}</p>
                {thread.replies.length > 0 && (
                  <ol class="comment-replies">
                    {thread.replies.map((reply) => (
                      <li key={reply.id} id={`comment-${reply.id}`}>
                        <p class="draft-comment-body">{reply.body}</p>
                        <p class="hint">{meta(reply)}</p>
                      </li>
                    ))}
                  </ol>
                )}
                {canComment && (
                  <form method="post" action={`/appeals/${appealId}/draft/comments`} class="comment-reply">
                    <CsrfField />
                    <input type="hidden" name="parentId" value={String(thread.id)} />
                    <label for={`reply-${thread.id}`}>{t('draftComments.reply')}</label>
                    <textarea id={`reply-${thread.id}`} name="body" rows={2} maxLength={commentLimits.body * 2} required />
                    <Button variant="secondary">{t('draftComments.replySubmit')}</Button>
                  </form>
                )}
                {thread.canResolve && (
                  <form method="post" action={`/appeals/${appealId}/draft/comments/${thread.id}/resolve`} class="inline-form">
                    <CsrfField />
                    <input type="hidden" name="resolved" value={thread.resolved ? '0' : '1'} />
                    <Button variant="secondary">{t(thread.resolved ? 'draftComments.reopen' : 'draftComments.resolve')}</Button>
                  </form>
                )}
              </article>
            </li>
          ))}
        </ol>
      )}
      {canComment ? (
        <form method="post" action={`/appeals/${appealId}/draft/comments`} class="comment-new" id="comment-form" novalidate>
          <CsrfField />
          <ErrorSummary errors={errors} />
          <Field
            name="passage"
            label={t('draftComments.passage')}
            hint={t('draftComments.passageHint')}
            value={values.passage}
            errors={errors}
            required
            multiline
            maxLength={commentLimits.passage * 2}
          />
          <Field name="body" label={t('draftComments.body')} value={values.body} errors={errors} required multiline maxLength={commentLimits.body * 2} />
          <Button variant="secondary">{t('draftComments.add')}</Button>
        </form>
      ) : (
        <p class="hint">{t('draftComments.signInToComment')}</p>
      )}
    </section>
  );
}

function DraftPage({
  view,
  errors,
  discussion,
}: {
  view: DraftView;
  errors: FieldProblem[];
  discussion: { threads: DraftThread[]; canComment: boolean; errors: FieldProblem[]; values: CommentValues };
}) {
  const { t, locale, actor } = usePage();
  const { appeal, latest } = view;
  const live = appeal.status === 'draft';
  return (
    <section class="draft-page">
      <Breadcrumbs items={[{ href: `/appeals/${appeal.id}`, label: appeal.title }, { label: t('draft.breadcrumb') }]} />
      <h1>{t('draft.title', { title: appeal.title })}</h1>
      <p class="hint">
        {t('draft.revision', { revision: latest.number, date: formatDate(locale, latest.created_at, true) })} ·{' '}
        <a href={`/appeals/${appeal.id}/history`}>{t('draft.history')}</a>
      </p>
      <p>{t('draft.lead')}</p>
      {!view.canWrite && appeal.text_locked_at && view.isCoauthor && <p class="notice">{t('draft.lockedNote')}</p>}
      <div
        class="draft-editor"
        data-module={live ? 'draft-editor' : undefined}
        data-document={documentName(appeal.id)}
        data-writable={view.canWrite ? 'true' : 'false'}
        data-user={actor ? (view.isAuthor ? `${t('draft.author')}` : '') : ''}
        data-status-connecting={t('draft.liveStatus.connecting')}
        data-status-connected={t('draft.liveStatus.connected')}
        data-status-offline={t('draft.liveStatus.offline')}
        data-status-readonly={t('draft.liveStatus.readOnly')}
        data-presence={t('draft.presence')}
        data-passage-missing={t('draftComments.passageGone')}
        data-toolbar={t('draft.toolbar')}
        data-toolbar-labels={JSON.stringify({
          paragraph: t('draft.toolbar.paragraph'),
          heading2: t('draft.toolbar.heading2'),
          heading3: t('draft.toolbar.heading3'),
          bold: t('draft.toolbar.bold'),
          italic: t('draft.toolbar.italic'),
          bulletList: t('draft.toolbar.bulletList'),
          orderedList: t('draft.toolbar.orderedList'),
          blockquote: t('draft.toolbar.blockquote'),
          link: t('draft.toolbar.link'),
          linkPrompt: t('draft.toolbar.linkPrompt'),
          editor: t('draft.editorLabel'),
          comment: t('draftComments.fromSelection'),
          showInText: t('draftComments.showInText'),
          highlightTitle: t('draftComments.highlightTitle'),
        })}
      >
        {view.canWrite ? (
          <TextForm appealId={appeal.id} markdown={view.markdown} baseRevision={latest.number} errors={errors} label={t('draft.editorLabel')} />
        ) : (
          <>
            <p class="hint">{t('draft.readOnly')}</p>
            <DraftText html={view.html} />
          </>
        )}
      </div>
      {live && <Discussion appealId={appeal.id} {...discussion} />}
      {live && <Coauthors view={view} />}
      {live && view.isAuthor && <AuthorControls view={view} />}
      <p>
        <a href={`/appeals/${appeal.id}`}>{t('draft.back')}</a>
      </p>
    </section>
  );
}

function ConflictPage({ view, mine, latest, regions }: { view: DraftView; mine: string; latest: number; regions: MergeRegion[] }) {
  const { t } = usePage();
  const { appeal } = view;
  return (
    <section class="draft-page">
      <Breadcrumbs items={[{ href: `/appeals/${appeal.id}`, label: appeal.title }, { label: t('draft.breadcrumb') }]} />
      <h1>{t('draft.conflictTitle')}</h1>
      <div class="notice" role="alert">
        <p>{t('draft.conflictLead', { revision: latest })}</p>
      </div>
      <MergeColumns latest={latest} regions={regions} />
      <TextForm appealId={appeal.id} markdown={mine} baseRevision={latest} errors={[]} label={t('draft.conflictResolve')} />
    </section>
  );
}

function HistoryPage({ appealId, title, revisions, canRestore }: { appealId: number; title: string; revisions: RevisionEntry[]; canRestore: boolean }) {
  const { t, locale } = usePage();
  const newest = revisions[0]?.number ?? 1;
  return (
    <section>
      <Breadcrumbs items={[{ href: `/appeals/${appealId}`, label: title }, { label: t('draft.history') }]} />
      <h1>{t('history.title', { title })}</h1>
      <p>{t('history.lead')}</p>
      <form method="get" action={`/appeals/${appealId}/history/compare`} class="compare-form">
        <div class="field">
          <label for="field-from">{t('history.from')}</label>
          <select id="field-from" name="from">
            {revisions.map((revision) => (
              <option key={revision.number} value={String(revision.number)} selected={revision.number === Math.max(1, newest - 1)}>
                {revision.number}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="field-to">{t('history.to')}</label>
          <select id="field-to" name="to">
            {revisions.map((revision) => (
              <option key={revision.number} value={String(revision.number)} selected={revision.number === newest}>
                {revision.number}
              </option>
            ))}
          </select>
        </div>
        <Button variant="secondary">{t('history.compare')}</Button>
      </form>
      <table class="table history-table">
        <thead>
          <tr>
            <th scope="col">{t('history.number')}</th>
            <th scope="col">{t('history.when')}</th>
            <th scope="col">{t('history.who')}</th>
            {canRestore && <td />}
          </tr>
        </thead>
        <tbody>
          {revisions.map((revision) => (
            <tr key={revision.number}>
              <th scope="row">
                {revision.number}
                {revision.restoredFrom !== null && <span class="hint"> ({t('history.restoredFrom', { revision: revision.restoredFrom })})</span>}
              </th>
              <td>{formatDate(locale, revision.createdAt, true)}</td>
              <td>
                {revision.contributors.length > 0 ? revision.contributors.join(', ') : t('history.nobody')}
                <span class="hint"> · {t('history.size', { count: revision.characters })}</span>
              </td>
              {canRestore && (
                <td>
                  {revision.number !== newest && (
                    <form method="post" action={`/appeals/${appealId}/history/${revision.number}/restore`}>
                      <CsrfField />
                      <Button variant="secondary">
                        {t('history.restore')} <span class="visually-hidden">{revision.number}</span>
                      </Button>
                    </form>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {canRestore && <p class="hint">{t('history.restoreHint')}</p>}
      <p>
        <a href={`/appeals/${appealId}/draft`}>{t('draft.back')}</a>
      </p>
    </section>
  );
}

function ComparePage({ appealId, title, from, to, changes }: { appealId: number; title: string; from: number; to: number; changes: WordChange[] }) {
  const { t } = usePage();
  const same = changes.every((change) => change.kind === 'same');
  return (
    <section>
      <Breadcrumbs
        items={[
          { href: `/appeals/${appealId}`, label: title },
          { href: `/appeals/${appealId}/history`, label: t('draft.history') },
          { label: `${from} → ${to}` },
        ]}
      />
      <h1>{t('compare.title', { from, to, title })}</h1>
      {same ? <p>{t('compare.same')}</p> : <WordChanges changes={changes} lead={t('compare.lead')} />}
      <p>
        <a href={`/appeals/${appealId}/history`}>{t('compare.back')}</a>
      </p>
    </section>
  );
}

function RemovePage({ appealId, name, userId }: { appealId: number; name: string; userId: number }) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('draft.removeTitle', { name })}</h1>
      <p>{t('draft.removeLead')}</p>
      <form method="post" action={`/appeals/${appealId}/coauthors/${userId}/remove`}>
        <CsrfField />
        <Button variant="danger">{t('draft.removeConfirm')}</Button>
      </form>
      <p>
        <a href={`/appeals/${appealId}/draft`}>{t('draft.cancel')}</a>
      </p>
    </section>
  );
}

function revisionNumber(value: string): number {
  const number = Number(value);
  if (!/^[1-9]\d{0,8}$/.test(value) || !Number.isSafeInteger(number)) throw new DomainError('not_found');
  return number;
}

export function draftingPages(ctx: AppContext): AppModule {
  async function renderDraft(
    request: FastifyRequest,
    reply: FastifyReply,
    appealId: number,
    errors: FieldProblem[] = [],
    comment: { errors: FieldProblem[]; values: CommentValues } = { errors: [], values: { passage: '', body: '' } },
  ) {
    const view = await draftView(ctx, request.actor, appealId);
    const threads = await draftThreads(ctx, request.actor, appealId);
    const canComment = can(request.actor, 'draft.comment', view.appeal);
    const discussion = { threads, canComment, ...comment };
    return reply.page(request.t('draft.title', { title: view.appeal.title }), <DraftPage view={view} errors={errors} discussion={discussion} />, {
      status: errors.length || comment.errors.length ? 422 : 200,
      scripts: view.appeal.status === 'draft' ? ['draft-editor.js'] : [],
    });
  }

  return {
    name: 'drafting.pages',
    routes(app: App) {
      app.get('/appeals/:id/draft', { config: { policy: 'appeal.view' } }, (request, reply) => renderDraft(request, reply, idParam(request)));

      app.post('/appeals/:id/draft', { config: { policy: 'appeal.writeText', rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request, reply) => {
        const appealId = idParam(request);
        const body = form(request);
        const markdown = text(body, 'text', maxTextCharacters * 2);
        const baseRevision = Number(text(body, 'baseRevision', 10));
        if (!Number.isSafeInteger(baseRevision) || baseRevision < 1) throw new DomainError('bad_request');
        let outcome: Awaited<ReturnType<typeof saveDraftText>>;
        try {
          outcome = await saveDraftText(ctx, request.actor, appealId, { markdown, baseRevision });
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderDraft(request, reply, appealId, problems);
          throw error;
        }
        if (outcome.kind === 'conflict') {
          const view = await draftView(ctx, request.actor, appealId);
          return reply.page(
            request.t('draft.conflictTitle'),
            <ConflictPage view={view} mine={outcome.mine} latest={outcome.latest.number} regions={outcome.regions} />,
            {
              status: 409,
            },
          );
        }
        return reply.flash(outcome.merged ? 'flash.draftMerged' : 'flash.draftSaved').redirectAfterPost(`/appeals/${appealId}/draft`);
      });

      app.post(
        '/appeals/:id/draft/comments',
        { config: { policy: 'draft.comment', rateLimit: { max: 30, timeWindow: '1 minute' } } },
        async (request, reply) => {
          const appealId = idParam(request);
          const body = form(request);
          const values = { passage: text(body, 'passage', commentLimits.passage * 2), body: text(body, 'body', commentLimits.body * 2) };
          const parentText = text(body, 'parentId', 12);
          const parentId = parentText === '' ? null : idFromText(parentText);
          try {
            const comment = await addDraftComment(ctx, request.actor, appealId, { ...values, parentId });
            return reply
              .flash(parentId === null ? 'flash.draftCommentAdded' : 'flash.draftReplyAdded')
              .redirectAfterPost(`/appeals/${appealId}/draft#comment-${parentId ?? comment.id}`);
          } catch (error) {
            const problems = problemsOf(error);
            if (problems)
              return renderDraft(request, reply, appealId, [], { errors: problems, values: parentId === null ? values : { passage: '', body: values.body } });
            throw error;
          }
        },
      );

      app.post('/appeals/:id/draft/comments/:commentId/resolve', { config: { policy: 'draft.resolveComment' } }, async (request, reply) => {
        const appealId = idParam(request);
        const commentId = idParam(request, 'commentId');
        const resolved = text(form(request), 'resolved', 1) === '1';
        await resolveDraftComment(ctx, request.actor, appealId, commentId, resolved);
        return reply
          .flash(resolved ? 'flash.draftCommentResolved' : 'flash.draftCommentReopened')
          .redirectAfterPost(`/appeals/${appealId}/draft#comment-${commentId}`);
      });

      app.post('/appeals/:id/coauthors', { config: { policy: 'appeal.joinDraft' } }, async (request, reply) => {
        const appealId = idParam(request);
        await joinDraft(ctx, request.actor, appealId);
        return reply.flash('flash.coauthorJoined').redirectAfterPost(`/appeals/${appealId}/draft`);
      });

      app.post('/appeals/:id/coauthors/leave', { config: { policy: 'appeal.leaveDraft' } }, async (request, reply) => {
        const appealId = idParam(request);
        await removeCoauthor(ctx, request.actor, appealId, request.actor?.id ?? 0);
        return reply.flash('flash.coauthorLeft').redirectAfterPost(`/appeals/${appealId}/draft`);
      });

      app.get('/appeals/:id/coauthors/:userId/remove', { config: { policy: 'appeal.leadDraft' } }, async (request, reply) => {
        const appealId = idParam(request);
        const userId = idParam(request, 'userId');
        const view = await draftView(ctx, request.actor, appealId);
        if (!view.isAuthor) throw new DomainError('not_author');
        const coauthor = view.coauthors.find((entry) => entry.userId === userId);
        if (!coauthor) throw new DomainError('not_found');
        return reply.page(request.t('draft.removeTitle', { name: coauthor.name }), <RemovePage appealId={appealId} name={coauthor.name} userId={userId} />);
      });

      app.post('/appeals/:id/coauthors/:userId/remove', { config: { policy: 'appeal.leadDraft' } }, async (request, reply) => {
        const appealId = idParam(request);
        await removeCoauthor(ctx, request.actor, appealId, idParam(request, 'userId'));
        return reply.flash('flash.coauthorRemoved').redirectAfterPost(`/appeals/${appealId}/draft`);
      });

      app.post('/appeals/:id/draft/sharing', { config: { policy: 'appeal.leadDraft' } }, async (request, reply) => {
        const appealId = idParam(request);
        const shared = text(form(request), 'shared', 1) === '1';
        await setDraftShared(ctx, request.actor, appealId, shared);
        return reply.flash(shared ? 'flash.draftShared' : 'flash.draftUnshared').redirectAfterPost(`/appeals/${appealId}/draft`);
      });

      app.post('/appeals/:id/draft/lock', { config: { policy: 'appeal.leadDraft' } }, async (request, reply) => {
        const appealId = idParam(request);
        const locked = text(form(request), 'locked', 1) === '1';
        await setTextLocked(ctx, request.actor, appealId, locked);
        return reply.flash(locked ? 'flash.draftLocked' : 'flash.draftUnlocked').redirectAfterPost(`/appeals/${appealId}/draft`);
      });

      app.get('/appeals/:id/history', { config: { policy: 'appeal.view' } }, async (request, reply) => {
        const appealId = idParam(request);
        const { appeal, revisions } = await revisionHistory(ctx, request.actor, appealId);
        const canRestore = appeal.status === 'draft' && request.actor?.id === appeal.author_id;
        return reply.page(
          request.t('history.title', { title: appeal.title }),
          <HistoryPage appealId={appealId} title={appeal.title} revisions={revisions} canRestore={canRestore} />,
        );
      });

      app.get('/appeals/:id/history/compare', { config: { policy: 'appeal.view', rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request, reply) => {
        const appealId = idParam(request);
        const from = revisionNumber(query(request, 'from'));
        const to = revisionNumber(query(request, 'to'));
        const compared = await compareRevisions(ctx, request.actor, appealId, from, to);
        return reply.page(
          request.t('compare.title', { from, to, title: compared.appeal.title }),
          <ComparePage appealId={appealId} title={compared.appeal.title} from={from} to={to} changes={compared.changes} />,
        );
      });

      app.post('/appeals/:id/history/:number/restore', { config: { policy: 'appeal.leadDraft' } }, async (request, reply) => {
        const appealId = idParam(request);
        await restoreRevision(ctx, request.actor, appealId, idParam(request, 'number'));
        return reply.flash('flash.revisionRestored').redirectAfterPost(`/appeals/${appealId}/draft`);
      });

      // The live editor's websocket. The actor is the session of the upgrade request (core's onRequest hook); a page of
      // another origin may not open it with the visitor's cookie (cross-site websocket hijacking).
      app.route({
        method: 'GET',
        url: '/collab',
        config: { policy: 'appeal.view' },
        // A plain GET (no upgrade) is not a co-editing connection.
        handler: async () => {
          throw new DomainError('bad_request');
        },
        wsHandler: (socket, request) => {
          // The live editor is the browser's, on its session: a personal API token (whose scopes a websocket would
          // not honour, and whose revocation it would not see) opens no connection.
          if (request.actor?.via === 'token') {
            socket.close(4401, 'sessions only');
            return;
          }
          const origin = request.headers.origin;
          if (origin !== undefined) {
            let host: string | null = null;
            try {
              host = new URL(origin).host;
            } catch {
              host = null;
            }
            if (host !== request.headers.host) {
              socket.close(4403, 'origin');
              return;
            }
          }
          collaborationOf(ctx).accept(socket, {
            url: request.url,
            headers: request.headers,
            // The address the rate limits count (the forwarded one behind TRUST_PROXY).
            address: request.ip,
            actor: request.actor,
            sessionId: request.sessionId,
          });
        },
      });
    },
  };
}
