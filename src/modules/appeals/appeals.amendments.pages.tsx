/** HTML routes of amendments: list, propose (form → POST → 303), one amendment with its discussion, and the author's decision. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { type FieldProblem, problemsOf } from '../../core/errors.ts';
import { form, idParam, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { can } from '../../core/policy.ts';
import {
  amendmentDetails,
  amendmentLimits,
  amendmentsOf,
  commentOnAmendment,
  currentMarkdown,
  decideAmendment,
  proposeAmendment,
} from './appeals.amendments.ts';
import { AmendmentFormPage, AmendmentListPage, AmendmentPage } from './appeals.amendments.views.tsx';
import { maxTextCharacters } from './appeals.revisions.ts';
import { publicCount } from './appeals.signing.ts';

/** The amendment's number in the path: 1, 2, … */
function amendmentNumber(request: FastifyRequest): number {
  return idParam(request, 'number');
}

export function amendmentPages(ctx: AppContext): AppModule {
  async function renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    appealId: number,
    values?: { text: string; reason: string },
    errors: FieldProblem[] = [],
  ) {
    const current = await currentMarkdown(ctx, request.actor, appealId);
    return reply.page(
      request.t('amendments.new'),
      <AmendmentFormPage appeal={current.appeal} revision={current.revision} values={values ?? { text: current.markdown, reason: '' }} errors={errors} />,
      { status: errors.length ? 422 : 200 },
    );
  }

  async function renderAmendment(
    request: FastifyRequest,
    reply: FastifyReply,
    appealId: number,
    number: number,
    extra: { comment?: { values: { body: string }; errors: FieldProblem[] }; decision?: { values: { reason: string }; errors: FieldProblem[] } } = {},
  ) {
    const details = await amendmentDetails(ctx, request.actor, appealId, number);
    const count = details.canDecide ? await publicCount(ctx, appealId) : 0;
    return reply.page(
      `${request.t('amendments.number', { number })} — ${details.appeal.title}`,
      <AmendmentPage
        details={details}
        count={count}
        comment={extra.comment ?? { values: { body: '' }, errors: [] }}
        decision={extra.decision ?? { values: { reason: '' }, errors: [] }}
      />,
      { status: extra.comment?.errors.length || extra.decision?.errors.length ? 422 : 200 },
    );
  }

  return {
    name: 'appeals.amendments.pages',
    routes(app: App) {
      app.get('/appeals/:id/amendments', { config: { policy: 'appeal.view' } }, async (request, reply) => {
        const { appeal, amendments } = await amendmentsOf(ctx, request.actor, idParam(request));
        return reply.page(
          request.t('amendments.heading', { title: appeal.title }),
          <AmendmentListPage appeal={appeal} amendments={amendments} canPropose={can(request.actor, 'amendment.propose', appeal)} />,
        );
      });

      app.get('/appeals/:id/amendments/new', { config: { policy: 'amendment.propose' } }, (request, reply) => renderForm(request, reply, idParam(request)));

      app.post(
        '/appeals/:id/amendments',
        { config: { policy: 'amendment.propose', rateLimit: { max: 10, timeWindow: '1 minute' } } },
        async (request, reply) => {
          const appealId = idParam(request);
          const body = form(request);
          const values = { text: text(body, 'text', maxTextCharacters * 2), reason: text(body, 'reason', amendmentLimits.reason * 2) };
          try {
            const amendment = await proposeAmendment(ctx, request.actor, appealId, values);
            return reply.flash('flash.amendmentProposed').redirectAfterPost(`/appeals/${appealId}/amendments/${amendment.number}`);
          } catch (error) {
            const problems = problemsOf(error);
            if (problems) return renderForm(request, reply, appealId, values, problems);
            throw error;
          }
        },
      );

      app.get('/appeals/:id/amendments/:number', { config: { policy: 'appeal.view' } }, (request, reply) =>
        renderAmendment(request, reply, idParam(request), amendmentNumber(request)),
      );

      app.post(
        '/appeals/:id/amendments/:number/comments',
        { config: { policy: 'amendment.comment', rateLimit: { max: 30, timeWindow: '1 minute' } } },
        async (request, reply) => {
          const appealId = idParam(request);
          const number = amendmentNumber(request);
          const values = { body: text(form(request), 'body', amendmentLimits.comment * 2) };
          try {
            await commentOnAmendment(ctx, request.actor, appealId, number, values.body);
            return reply.flash('flash.amendmentCommented').redirectAfterPost(`/appeals/${appealId}/amendments/${number}#discussion-heading`);
          } catch (error) {
            const problems = problemsOf(error);
            if (problems) return renderAmendment(request, reply, appealId, number, { comment: { values, errors: problems } });
            throw error;
          }
        },
      );

      app.post('/appeals/:id/amendments/:number/decision', { config: { policy: 'amendment.decide' } }, async (request, reply) => {
        const appealId = idParam(request);
        const number = amendmentNumber(request);
        const body = form(request);
        const choice = text(body, 'decision', 10);
        const values = { reason: text(body, 'reason', amendmentLimits.reason * 2) };
        const decision = choice === 'accept' ? true : choice === 'reject' ? false : null;
        try {
          if (decision === null)
            return renderAmendment(request, reply, appealId, number, { decision: { values, errors: [{ field: 'decision', rule: 'required' }] } });
          const decided = await decideAmendment(ctx, request.actor, appealId, number, { accept: decision, reason: values.reason });
          return reply
            .flash(decided.status === 'accepted' ? 'flash.amendmentAccepted' : 'flash.amendmentRejected')
            .redirectAfterPost(decided.status === 'accepted' ? `/appeals/${appealId}` : `/appeals/${appealId}/amendments/${number}`);
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderAmendment(request, reply, appealId, number, { decision: { values, errors: problems } });
          throw error;
        }
      });
    },
  };
}
