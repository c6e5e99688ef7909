/**
 * The moderators' pages of flagged signatures: the appeals that have them; one appeal's flagged signatures grouped by
 * reason and by address (with the counted ones from the same address), to clear or to invalidate; the preview of an
 * invalidation and its confirmation. Everything works without JavaScript: checkboxes, a whole group by one checkbox,
 * two submit buttons (clear, or go to the preview).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { type FieldProblem, problemsOf } from '../../core/errors.ts';
import { type FormBody, form, idList, idParam, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { formatDate } from '../../core/i18n/i18n.ts';
import { Breadcrumbs, Button, CsrfField, ErrorSummary, Field, fieldMessage } from '../../core/views/components.tsx';
import { usePage } from '../../core/views/page-context.ts';
import { AppealStatusTag } from '../../core/views/status-tags.tsx';
import './appeals.policy.ts';
import type { AppealStatus } from '../../core/db/schema.ts';
import { isSignatureFlagReason, type SignatureFlagReason } from './appeals.flags.rules.ts';
import {
  type AppealSignatureReview,
  appealSignatureReview,
  clearSignatures,
  type FlaggedAppeal,
  flaggedAppeals,
  type InvalidationPreview,
  invalidateSignatures,
  type ModeratedSignature,
  moderationBatch,
  previewInvalidation,
} from './appeals.signature-moderation.ts';

function ReasonLabel({ reason }: { reason: SignatureFlagReason }) {
  const { t } = usePage();
  return <>{t(`signatureModeration.reason.${reason}`)}</>;
}

function FlaggedAppealsPage({ items }: { items: FlaggedAppeal[] }) {
  const { t } = usePage();
  return (
    <section>
      <h1>{t('signatureModeration.title')}</h1>
      <p class="lead">{t('signatureModeration.lead')}</p>
      {items.length === 0 ? (
        <p class="notice">{t('signatureModeration.empty')}</p>
      ) : (
        <table class="table">
          <caption class="visually-hidden">{t('signatureModeration.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('signatureModeration.appeal')}</th>
              <th scope="col">{t('signatureModeration.status')}</th>
              <th scope="col">{t('signatureModeration.flagged')}</th>
              <th scope="col">{t('signatureModeration.reasons')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                <td>
                  <a href={`/moderation/signatures/${item.id}`}>
                    № {item.id}. {item.title}
                  </a>
                </td>
                <td>
                  <AppealStatusTag status={item.status as AppealStatus} />
                </td>
                <td>{t('signatureModeration.flaggedCount', { count: item.flagged })}</td>
                <td>
                  <ul class="plain-list">
                    {Object.entries(item.byReason).map(([reason, count]) =>
                      isSignatureFlagReason(reason) ? (
                        <li key={reason}>
                          <ReasonLabel reason={reason} />: {count}
                        </li>
                      ) : null,
                    )}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SignatureRows({ signatures, selected }: { signatures: ModeratedSignature[]; selected: ReadonlySet<number> }) {
  const { t, locale } = usePage();
  return (
    <table class="table">
      <thead>
        <tr>
          <th scope="col">
            <span class="visually-hidden">{t('signatureModeration.select')}</span>
          </th>
          <th scope="col">{t('signatureModeration.name')}</th>
          <th scope="col">{t('signatureModeration.municipality')}</th>
          <th scope="col">{t('signatureModeration.signedAt')}</th>
          <th scope="col">{t('signatureModeration.state')}</th>
          <th scope="col">{t('signatureModeration.reasons')}</th>
        </tr>
      </thead>
      <tbody>
        {signatures.map((signature) => (
          <tr key={signature.id}>
            <td>
              <input
                type="checkbox"
                name="signatureId"
                value={String(signature.id)}
                id={`signature-${signature.id}`}
                checked={selected.has(signature.id)}
                aria-label={signature.fullName}
              />
            </td>
            <td>
              <label for={`signature-${signature.id}`}>{signature.fullName}</label>
            </td>
            <td>{signature.municipality ?? '—'}</td>
            <td>
              <time dateTime={signature.signedAt.toISOString()}>{formatDate(locale, signature.signedAt, true)}</time>
            </td>
            <td>
              {signature.flagged ? (
                <strong class="tag tag-warning">{t('signatureModeration.stateFlagged')}</strong>
              ) : (
                <span>{t('signatureModeration.stateCounted')}</span>
              )}
            </td>
            <td>
              {signature.reasons.map((reason, i) => (
                <span key={reason}>
                  {i > 0 && ', '}
                  <ReasonLabel reason={reason} />
                </span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface ReviewValues {
  selected: number[];
  groups: string[];
}

function AppealReviewPage({ review, values, errors }: { review: AppealSignatureReview; values: ReviewValues; errors: FieldProblem[] }) {
  const { t } = usePage();
  const { appeal } = review;
  const selected = new Set(values.selected);
  const withAddress = new Map(review.byAddress.map((group) => [group.group, group]));
  const ungrouped = review.signatures.filter((s) => !s.addressGroup || !withAddress.has(s.addressGroup));
  const selectionProblems = errors.filter((p) => p.field === 'signatureIds');
  return (
    <section>
      <Breadcrumbs items={[{ href: '/moderation/signatures', label: t('signatureModeration.title') }, { label: `№ ${appeal.id}` }]} />
      <h1>{t('signatureModeration.appealTitle', { id: appeal.id })}</h1>
      <p>
        <a href={`/appeals/${appeal.id}`}>{appeal.title}</a> <AppealStatusTag status={appeal.status as AppealStatus} />
      </p>
      <p>
        <strong>{t('signatureModeration.count', { count: review.count, threshold: appeal.threshold })}</strong>.{' '}
        {t('signatureModeration.flaggedCount', { count: review.flagged })}.
      </p>
      {!appeal.open && <p class="notice notice-warning">{t('signatureModeration.closed')}</p>}
      {review.signatures.length === 0 ? (
        <p class="notice">{t('signatureModeration.empty')}</p>
      ) : (
        <form method="post" action={`/moderation/signatures/${appeal.id}/clear`} novalidate>
          <CsrfField />
          <ErrorSummary errors={errors} />
          <fieldset class={selectionProblems.length ? 'field field-error' : 'field'} id="field-signatureIds">
            <legend>{t('signatureModeration.select')}</legend>
            {selectionProblems.length > 0 && <p class="error-message">{selectionProblems.map((p) => fieldMessage(t, p)).join(' ')}</p>}
            <fieldset class="field">
              <legend>{t('signatureModeration.groups')}</legend>
              {review.byReason.map((group) => (
                <div class="field" key={group.reason}>
                  <input
                    type="checkbox"
                    name="group"
                    value={`reason:${group.reason}`}
                    id={`group-reason-${group.reason}`}
                    checked={values.groups.includes(`reason:${group.reason}`)}
                  />
                  <label for={`group-reason-${group.reason}`} class="checkbox-label">
                    {t('signatureModeration.reasonGroup', { reason: t(`signatureModeration.reason.${group.reason}`), count: group.ids.length })}
                  </label>
                </div>
              ))}
              {review.byAddress.map((group) => (
                <div class="field" key={group.group}>
                  <input
                    type="checkbox"
                    name="group"
                    value={`address:${group.group}`}
                    id={`group-address-${group.group}`}
                    checked={values.groups.includes(`address:${group.group}`)}
                  />
                  <label for={`group-address-${group.group}`} class="checkbox-label">
                    {t('signatureModeration.addressGroup', { group: group.group, count: group.ids.length, flagged: group.flagged })}
                  </label>
                </div>
              ))}
              {review.byAddress.length > 0 && <p class="hint">{t('signatureModeration.addressHint')}</p>}
            </fieldset>
            {review.byAddress.map((group) => (
              <section key={group.group} aria-labelledby={`address-${group.group}`}>
                <h2 id={`address-${group.group}`}>
                  {t('signatureModeration.addressGroup', { group: group.group, count: group.ids.length, flagged: group.flagged })}
                </h2>
                <SignatureRows signatures={review.signatures.filter((s) => s.addressGroup === group.group)} selected={selected} />
              </section>
            ))}
            {ungrouped.length > 0 && (
              <section aria-labelledby="address-none">
                <h2 id="address-none">{t('signatureModeration.noAddress')}</h2>
                <SignatureRows signatures={ungrouped} selected={selected} />
              </section>
            )}
          </fieldset>
          {appeal.open && (
            <div class="button-group">
              <Button variant="secondary">{t('signatureModeration.clear')}</Button>{' '}
              <button type="submit" class="button button-danger" formaction={`/moderation/signatures/${appeal.id}/invalidation`}>
                {t('signatureModeration.invalidate')}
              </button>
            </div>
          )}
        </form>
      )}
      <p>
        <a href="/moderation/signatures">{t('signatureModeration.back')}</a>
      </p>
    </section>
  );
}

function InvalidationPreviewPage({ preview, reason, errors }: { preview: InvalidationPreview; reason: string; errors: FieldProblem[] }) {
  const { t } = usePage();
  return (
    <section class="narrow">
      <h1>{t('signatureModeration.previewTitle')}</h1>
      <ErrorSummary errors={errors} />
      <p>
        <a href={`/appeals/${preview.appealId}`}>
          № {preview.appealId}. {preview.title}
        </a>
      </p>
      <ul>
        <li>{t('signatureModeration.previewSignatures', { count: preview.signatureIds.length, counted: preview.counted, flagged: preview.flagged })}</li>
        <li>{t('signatureModeration.previewCount', { before: preview.countBefore, after: preview.countAfter, threshold: preview.threshold })}</li>
        <li>{t('signatureModeration.previewSigners', { count: preview.signers })}</li>
        <li>{t('signatureModeration.previewTimeline', { event: t('event.appeal.signaturesInvalidated', { count: preview.signatureIds.length }) })}</li>
      </ul>
      <p class="notice notice-warning">{t('signatureModeration.previewIrreversible')}</p>
      <form method="post" action={`/moderation/signatures/${preview.appealId}/invalidate`} novalidate>
        <CsrfField />
        {preview.signatureIds.map((id) => (
          <input type="hidden" name="signatureId" value={String(id)} key={id} />
        ))}
        <Field
          name="reason"
          label={t('signatureModeration.invalidReason')}
          hint={t('signatureModeration.invalidReasonHint')}
          value={reason}
          errors={errors}
          multiline
          required
          maxLength={1000}
        />
        <Button variant="danger">{t('signatureModeration.confirm')}</Button>{' '}
        <a href={`/moderation/signatures/${preview.appealId}`}>{t('signatureModeration.cancel')}</a>
      </form>
    </section>
  );
}

/** The selection of a form: the ticked signatures, and every signature of each ticked group. */
export function selectionOf(body: FormBody, review: AppealSignatureReview | null): ReviewValues & { ids: number[] } {
  const selected = idList(body, 'signatureId', moderationBatch);
  const raw = body.group;
  const groups = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((g): g is string => typeof g === 'string').slice(0, 50);
  const ids = new Set(selected);
  if (review) {
    for (const group of groups) {
      const [kind, name] = [group.slice(0, group.indexOf(':')), group.slice(group.indexOf(':') + 1)];
      const members =
        kind === 'reason'
          ? review.byReason.find((g) => g.reason === name)?.ids
          : kind === 'address'
            ? review.byAddress.find((g) => g.group === name)?.ids
            : undefined;
      for (const id of members ?? []) ids.add(id);
    }
  }
  return { selected, groups, ids: [...ids].slice(0, moderationBatch) };
}

export function signatureModerationPages(ctx: AppContext): AppModule {
  async function renderReview(request: FastifyRequest, reply: FastifyReply, appealId: number, values: ReviewValues, errors: FieldProblem[]) {
    const review = await appealSignatureReview(ctx, request.actor, appealId);
    return reply
      .header('cache-control', 'private, no-store')
      .page(request.t('signatureModeration.appealTitle', { id: appealId }), <AppealReviewPage review={review} values={values} errors={errors} />, {
        status: errors.length ? 422 : 200,
      });
  }

  return {
    name: 'signature-moderation',
    routes(app: App) {
      app.get('/moderation/signatures', { config: { policy: 'signature.review' } }, async (request, reply) =>
        reply
          .header('cache-control', 'private, no-store')
          .page(request.t('signatureModeration.title'), <FlaggedAppealsPage items={await flaggedAppeals(ctx, request.actor)} />),
      );

      app.get('/moderation/signatures/:id', { config: { policy: 'signature.moderate' } }, async (request, reply) =>
        renderReview(request, reply, idParam(request), { selected: [], groups: [] }, []),
      );

      app.post('/moderation/signatures/:id/clear', { config: { policy: 'signature.moderate' } }, async (request, reply) => {
        const appealId = idParam(request);
        const body = form(request);
        const selection = selectionOf(body, selectsGroups(body) ? await appealSignatureReview(ctx, request.actor, appealId) : null);
        try {
          await clearSignatures(ctx, request.actor, appealId, selection.ids);
          return reply.flash('flash.signaturesCleared').redirectAfterPost(`/moderation/signatures/${appealId}`);
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderReview(request, reply, appealId, selection, problems);
          throw error;
        }
      });

      // The preview changes nothing: a POST only because it carries the selection.
      app.post('/moderation/signatures/:id/invalidation', { config: { policy: 'signature.moderate' } }, async (request, reply) => {
        const appealId = idParam(request);
        const body = form(request);
        const selection = selectionOf(body, selectsGroups(body) ? await appealSignatureReview(ctx, request.actor, appealId) : null);
        try {
          const preview = await previewInvalidation(ctx, request.actor, appealId, selection.ids);
          return reply
            .header('cache-control', 'private, no-store')
            .page(request.t('signatureModeration.previewTitle'), <InvalidationPreviewPage preview={preview} reason="" errors={[]} />);
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderReview(request, reply, appealId, selection, problems);
          throw error;
        }
      });

      app.post('/moderation/signatures/:id/invalidate', { config: { policy: 'signature.moderate' } }, async (request, reply) => {
        const appealId = idParam(request);
        const body = form(request);
        const ids = idList(body, 'signatureId', moderationBatch);
        const reason = text(body, 'reason', 2000);
        try {
          await invalidateSignatures(ctx, request.actor, appealId, ids, reason);
          return reply.flash('flash.signaturesInvalidated').redirectAfterPost(`/moderation/signatures/${appealId}`);
        } catch (error) {
          const problems = problemsOf(error);
          if (!problems) throw error;
          // Nothing selected any more: back to the appeal's list; a missing reason: the same preview again.
          if (ids.length === 0) return renderReview(request, reply, appealId, { selected: [], groups: [] }, problems);
          const preview = await previewInvalidation(ctx, request.actor, appealId, ids);
          return reply.page(request.t('signatureModeration.previewTitle'), <InvalidationPreviewPage preview={preview} reason={reason} errors={problems} />, {
            status: 422,
          });
        }
      });
    },
  };
}

/** Whether the form ticked a whole group, which needs the appeal's groups to expand. */
function selectsGroups(body: FormBody): boolean {
  return body.group !== undefined;
}
