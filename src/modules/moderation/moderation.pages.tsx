/**
 * The HTML routes of moderation: reporting an item (`/report/<type>/<id>`), the moderators' queue with bulk
 * decisions and a case's page, the author's hidden items with the appeal, and the administrators' appeals.
 * Every form works without JavaScript; a refused form comes back with its errors (422).
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { ModerationItemType } from '../../core/db/schema.ts';
import { DomainError, problemsOf, ValidationError } from '../../core/errors.ts';
import { type FormBody, form, idList, idParam, pageNumber, query, text } from '../../core/http/forms.ts';
import { rateLimitFor } from '../../core/http/rate-limits.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { type AppealOutcome, bulkMax, type Decision, isAppealOutcome, isDecision, isItemType, reportTargets } from './moderation.rules.ts';
import * as moderation from './moderation.service.ts';
import { AppealsPage, CasePage, MinePage, QueuePage, ReportPage } from './moderation.views.tsx';

const perPage = 25;

function subjectParams(request: FastifyRequest): { type: ModerationItemType; id: number } {
  const type = (request.params as { type?: unknown }).type;
  if (!isItemType(type)) throw new DomainError('not_found');
  return { type, id: idParam(request) };
}

/** The `seen` fields of a decision form: each case's last decision as the page showed it («id:ms», 0 for none). */
function seenOf(body: FormBody): Map<number, number> {
  const raw = body.seen;
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const seen = new Map<number, number>();
  for (const value of values.slice(0, bulkMax * 2)) {
    const match = typeof value === 'string' ? /^([0-9]{1,10}):([0-9]{1,15})$/.exec(value) : null;
    if (match) seen.set(Number(match[1]), Number(match[2]));
  }
  return seen;
}

function sortOf(request: FastifyRequest): moderation.QueueSort {
  const sort = query(request, 'sort');
  return (moderation.queueSorts as readonly string[]).includes(sort) ? (sort as moderation.QueueSort) : 'oldest';
}

/** The decision a form's button sent; anything else is no decision, which the service refuses as a field. */
function decisionOf(value: string): Decision {
  return (isDecision(value) ? value : '') as Decision;
}

export function moderationPages(ctx: AppContext): AppModule {
  return {
    name: 'moderation.pages',
    routes(app: App) {
      // A report about an item, or (…/author) about the person who wrote it, made through the item.
      for (const target of reportTargets) {
        const path = target === 'item' ? '/report/:type/:id' : '/report/:type/:id/author';
        app.get(path, { config: { policy: 'content.report' } }, async (request, reply) => {
          const { type, id } = subjectParams(request);
          const { subject, origin } = await moderation.reportable(ctx, type, id, target);
          return reply.page(
            request.t('moderation.report.title'),
            <ReportPage subject={subject} origin={origin} values={{ reason: '', details: '' }} errors={[]} />,
          );
        });

        app.post(path, { config: { policy: 'content.report' }, onRequest: rateLimitFor(app, ctx, 'report') }, async (request, reply) => {
          const { type, id } = subjectParams(request);
          const body = form(request);
          const values = { reason: text(body, 'reason', 40), details: text(body, 'details', 20_000) };
          try {
            const outcome = await moderation.report(ctx, request.actor, { subjectType: type, subjectId: id, target, ...values });
            // A problem that this report hid is gone from its page: back to the list then.
            const back = outcome.state === 'auto_hidden' && type === 'problem' ? '/problems' : outcome.href;
            return reply.flash('flash.reported').redirectAfterPost(back);
          } catch (error) {
            const problems = problemsOf(error);
            if (!problems) throw error;
            const { subject, origin } = await moderation.reportable(ctx, type, id, target);
            return reply.page(request.t('moderation.report.errorTitle'), <ReportPage subject={subject} origin={origin} values={values} errors={problems} />, {
              status: 422,
            });
          }
        });
      }

      async function renderQueue(
        request: FastifyRequest,
        values: { selected: number[]; reason: string },
        errors: ReturnType<typeof problemsOf>,
        message?: string,
      ) {
        const page = pageNumber(request);
        const sort = sortOf(request);
        const { items, total } = await moderation.queue(ctx, request.actor, { sort, limit: perPage, offset: (page - 1) * perPage });
        return { items, total, page, sort, values, errors: errors ?? [], message };
      }

      app.get('/moderation', { config: { policy: 'moderation.queue' } }, async (request, reply) => {
        const state = await renderQueue(request, { selected: [], reason: '' }, []);
        return reply
          .header('cache-control', 'private, no-store')
          .page(request.t('moderation.queue.title'), <QueuePage {...state} perPage={perPage} errorMessage={undefined} />);
      });

      app.post('/moderation/decisions', { config: { policy: 'moderation.queue' } }, async (request, reply) => {
        const body = form(request);
        const values = { selected: idList(body, 'case', bulkMax + 1), reason: text(body, 'reason', 20_000) };
        try {
          const { decided } = await moderation.decide(ctx, request.actor, {
            caseIds: values.selected,
            decision: decisionOf(text(body, 'decision', 20)),
            reason: values.reason,
            seen: seenOf(body),
          });
          request.log.info({ decided }, 'moderation decision');
          return reply.flash('flash.moderationDecided').redirectAfterPost('/moderation');
        } catch (error) {
          const problems = problemsOf(error);
          // A refused item of a bulk decision (his own, one he reported, one under appeal) is said on the queue, nothing decided.
          const refusal =
            !problems && error instanceof DomainError && (error.code === 'own_content' || error.code === 'wrong_state' || error.code === 'case_already_decided')
              ? error
              : null;
          if (!problems && !refusal) throw error;
          const state = await renderQueue(request, values, problems, refusal ? request.t(`errors.${refusal.code}`) : undefined);
          return reply.page(request.t('moderation.queue.errorTitle'), <QueuePage {...state} perPage={perPage} errorMessage={state.message} />, {
            status: refusal ? refusal.status : 422,
          });
        }
      });

      app.get('/moderation/cases/:id', { config: { policy: 'moderation.queue' } }, async (request, reply) => {
        const details = await moderation.caseDetails(ctx, request.actor, idParam(request));
        return reply
          .header('cache-control', 'private, no-store')
          .page(request.t('moderation.case.title', { id: details.case.id }), <CasePage details={details} values={{ reason: '' }} errors={[]} />);
      });

      app.post('/moderation/cases/:id/decision', { config: { policy: 'moderation.queue' } }, async (request, reply) => {
        const caseId = idParam(request);
        const body = form(request);
        const values = { reason: text(body, 'reason', 20_000) };
        try {
          await moderation.decide(ctx, request.actor, {
            caseIds: [caseId],
            decision: decisionOf(text(body, 'decision', 20)),
            reason: values.reason,
            seen: seenOf(body),
          });
          return reply.flash('flash.moderationDecided').redirectAfterPost(`/moderation/cases/${caseId}`);
        } catch (error) {
          const problems = problemsOf(error);
          // Decided meanwhile by another moderator: the case again, with that decision and what happened.
          const stale = !problems && error instanceof DomainError && error.code === 'case_already_decided' ? error : null;
          if (!problems && !stale) throw error;
          const details = await moderation.caseDetails(ctx, request.actor, caseId);
          return reply.page(
            request.t('moderation.case.errorTitle', { id: caseId }),
            <CasePage details={details} values={values} errors={problems ?? []} message={stale ? request.t('errors.case_already_decided') : undefined} />,
            { status: stale ? stale.status : 422 },
          );
        }
      });

      app.post('/moderation/cases/:id/block-author', { config: { policy: 'moderation.queue' } }, async (request, reply) => {
        const caseId = idParam(request);
        const body = form(request);
        const values = { reason: text(body, 'blockReason', 20_000) };
        try {
          if (text(body, 'confirm', 5) !== 'yes') throw new ValidationError([{ field: 'confirm', rule: 'required' }]);
          const seen = seenOf(body).get(caseId);
          const { hidden } = await moderation.blockAuthor(ctx, request.actor, caseId, { ...values, ...(seen === undefined ? {} : { seen }) });
          request.log.info({ hidden }, 'moderation blocked an author');
          return reply.flash('flash.moderationBlocked').redirectAfterPost(`/moderation/cases/${caseId}`);
        } catch (error) {
          const problems = problemsOf(error)?.map((problem) => (problem.field === 'reason' ? { ...problem, field: 'blockReason' } : problem));
          const stale = !problems && error instanceof DomainError && error.code === 'case_already_decided' ? error : null;
          if (!problems && !stale) throw error;
          const details = await moderation.caseDetails(ctx, request.actor, caseId);
          return reply.page(
            request.t('moderation.case.errorTitle', { id: caseId }),
            <CasePage
              details={details}
              values={{ reason: '' }}
              errors={[]}
              blockValues={values}
              blockErrors={problems ?? []}
              message={stale ? request.t('errors.case_already_decided') : undefined}
            />,
            { status: stale ? stale.status : 422 },
          );
        }
      });

      app.get('/moderation/mine', { config: { policy: 'moderation.mine' } }, async (request, reply) => {
        const items = await moderation.myCases(ctx, request.actor);
        return reply
          .header('cache-control', 'private, no-store')
          .page(request.t('moderation.mine.title'), <MinePage items={items} errors={[]} errorCase={null} values={{ text: '' }} />);
      });

      app.post('/moderation/cases/:id/appeal', { config: { policy: 'moderation.mine' } }, async (request, reply) => {
        const caseId = idParam(request);
        const values = { text: text(form(request), 'text', 20_000) };
        try {
          await moderation.appealDecision(ctx, request.actor, caseId, values);
          return reply.flash('flash.moderationAppealed').redirectAfterPost('/moderation/mine');
        } catch (error) {
          const problems = problemsOf(error);
          if (!problems) throw error;
          const items = await moderation.myCases(ctx, request.actor);
          return reply.page(request.t('moderation.mine.errorTitle'), <MinePage items={items} errors={problems} errorCase={caseId} values={values} />, {
            status: 422,
          });
        }
      });

      app.get('/moderation/appeals', { config: { policy: 'moderation.decideAppeal' } }, async (request, reply) => {
        const items = await moderation.pendingAppeals(ctx, request.actor);
        return reply
          .header('cache-control', 'private, no-store')
          .page(request.t('moderation.appeals.title'), <AppealsPage items={items} errors={[]} errorCase={null} values={{ reason: '', outcome: '' }} />);
      });

      app.post('/moderation/cases/:id/appeal-decision', { config: { policy: 'moderation.decideAppeal' } }, async (request, reply) => {
        const caseId = idParam(request);
        const body = form(request);
        const values = { reason: text(body, 'reason', 20_000), outcome: text(body, 'outcome', 20) };
        try {
          const outcome = (isAppealOutcome(values.outcome) ? values.outcome : '') as AppealOutcome;
          await moderation.decideAppeal(ctx, request.actor, caseId, { outcome, reason: values.reason });
          return reply.flash('flash.moderationAppealDecided').redirectAfterPost('/moderation/appeals');
        } catch (error) {
          const problems = problemsOf(error);
          if (!problems) throw error;
          const items = await moderation.pendingAppeals(ctx, request.actor);
          return reply.page(request.t('moderation.appeals.errorTitle'), <AppealsPage items={items} errors={problems} errorCase={caseId} values={values} />, {
            status: 422,
          });
        }
      });
    },
  };
}
