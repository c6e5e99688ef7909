/**
 * The HTML routes of the cabinet's messages to citizens. The cabinet's side: `/cabinet/:slug/messages` (the
 * organization's conversations), `/cabinet/:slug/messages/:id` (one, with the answer form), and the pages of an appeal's
 * and a problem's conversations with the forms that start them (`/cabinet/:slug/appeals/:id/messages`,
 * `/cabinet/:slug/problems/:id/messages`). The citizen's side: `/messages`, `/messages/:id`, and
 * `/messages/broadcasts/:id` (the organization's message to all signers, answered privately). Every form is
 * POST → 303 → GET; a refused one is shown again with its messages (422) and nothing written.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Organization } from '../../core/db/schema.ts';
import { type FieldProblem, problemsOf } from '../../core/errors.ts';
import { form, idParam, pageNumber, text } from '../../core/http/forms.ts';
import { rateLimitFor } from '../../core/http/rate-limits.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { can } from '../../core/policy.ts';
import { addresseeAppeal } from '../appeals/appeals.cabinet.ts';
import { getProblemRow } from '../problems/problems.service.ts';
import * as members from './cabinet.members.ts';
import { messageMaxLength } from './cabinet.threads.rules.ts';
import * as threads from './cabinet.threads.ts';
import {
  CabinetThreadPage,
  CabinetThreadsPage,
  CabinetTopicMessagesPage,
  CitizenBroadcastPage,
  CitizenThreadPage,
  CitizenThreadsPage,
  threadsPageSize,
} from './cabinet.threads.views.tsx';

function slugParam(request: FastifyRequest): string {
  return ((request.params as Record<string, string | undefined>).slug ?? '').slice(0, 200);
}

/** The body as sent, cut a little past the limit so that a longer one is refused as too long, not shortened. */
const bodyOf = (request: FastifyRequest) => text(form(request), 'body', messageMaxLength + 100);

export function threadPages(ctx: AppContext): AppModule {
  async function cabinet(request: FastifyRequest): Promise<{ organization: Organization; role: 'head' | 'clerk' }> {
    const organization = await members.cabinetOrganization(ctx, request.actor, slugParam(request));
    return { organization, role: request.actor?.memberships.get(organization.id) ?? 'clerk' };
  }

  async function renderCabinetThread(request: FastifyRequest, reply: FastifyReply, value = '', errors: FieldProblem[] = []) {
    const { organization, role } = await cabinet(request);
    const thread = await threads.organizationThread(ctx, request.actor, organization, idParam(request));
    return reply.page(thread.subject, <CabinetThreadPage organization={organization} role={role} thread={thread} value={value} errors={errors} />, {
      status: errors.length ? 422 : 200,
    });
  }

  async function renderTopic(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: 'appeal' | 'problem',
    options: { form: 'author' | 'signers' | null; value: string; errors: FieldProblem[] } = { form: null, value: '', errors: [] },
  ) {
    const { organization, role } = await cabinet(request);
    const id = idParam(request);
    let topic: { kind: 'appeal' | 'problem'; id: number; title: string };
    if (kind === 'appeal') {
      const appeal = await addresseeAppeal(ctx, request.actor, organization.id, id);
      topic = { kind, id: appeal.id, title: appeal.title };
    } else {
      const problem = await getProblemRow(ctx, id);
      topic = { kind, id: problem.id, title: problem.status === 'hidden' ? '' : problem.title };
    }
    const list =
      kind === 'appeal'
        ? (await threads.threadsOfAppeal(ctx, request.actor, organization, id)).items
        : (await threads.organizationThreads(ctx, request.actor, organization, { limit: 200, offset: 0 })).items.filter(
            (thread) => thread.problemId === id && thread.appealId === null,
          );
    const broadcasts = kind === 'appeal' ? await threads.broadcastsOfAppeal(ctx, request.actor, organization, id) : [];
    return reply.page(
      request.t('messages.cabinetPageTitle', { organization: organization.name }),
      <CabinetTopicMessagesPage
        organization={organization}
        role={role}
        topic={topic}
        threads={list}
        broadcasts={broadcasts}
        form={options.form}
        value={options.value}
        errors={options.errors}
      />,
      { status: options.errors.length ? 422 : 200 },
    );
  }

  async function renderCitizenThread(request: FastifyRequest, reply: FastifyReply, value = '', errors: FieldProblem[] = []) {
    const thread = await threads.citizenThread(ctx, request.actor, idParam(request));
    return reply.page(
      thread.subject,
      <CitizenThreadPage thread={thread} canReply={can(request.actor, 'message.reply', { citizenId: request.actor?.id ?? 0 })} value={value} errors={errors} />,
      { status: errors.length ? 422 : 200 },
    );
  }

  async function renderBroadcast(request: FastifyRequest, reply: FastifyReply, value = '', errors: FieldProblem[] = []) {
    const broadcast = await threads.citizenBroadcast(ctx, request.actor, idParam(request));
    return reply.page(
      broadcast.subject,
      <CitizenBroadcastPage
        broadcast={broadcast}
        canReply={can(request.actor, 'message.reply', { citizenId: request.actor?.id ?? 0 })}
        value={value}
        errors={errors}
      />,
      { status: errors.length ? 422 : 200 },
    );
  }

  return {
    name: 'cabinet.threads.pages',
    routes(app: App) {
      // The cabinet's side.
      app.get('/cabinet/:slug/messages', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const page = pageNumber(request);
        const result = await threads.organizationThreads(ctx, request.actor, organization, { limit: threadsPageSize, offset: (page - 1) * threadsPageSize });
        return reply.page(
          request.t('messages.cabinetPageTitle', { organization: organization.name }),
          <CabinetThreadsPage organization={organization} role={role} items={result.items} total={result.total} unread={result.unread} page={page} />,
        );
      });

      app.get('/cabinet/:slug/messages/:id', { config: { policy: 'cabinet.view' } }, (request, reply) => renderCabinetThread(request, reply));

      app.post('/cabinet/:slug/messages/:id', { config: { policy: 'cabinet.work' }, onRequest: rateLimitFor(app, ctx, 'comment') }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const body = bodyOf(request);
        try {
          const { thread, message } = await threads.replyAsOrganization(ctx, request.actor, organization, idParam(request), { body, channel: 'site' });
          return reply.flash('flash.messageSent').redirectAfterPost(`/cabinet/${organization.slug}/messages/${thread.id}#message-${message.id}`);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderCabinetThread(request, reply, body, errors);
        }
      });

      /** An official's first (or next) message to the author of an appeal or of a problem, from the topic's page. */
      async function writeToAuthor(request: FastifyRequest, reply: FastifyReply, kind: 'appeal' | 'problem') {
        const { organization } = await cabinet(request);
        const body = bodyOf(request);
        try {
          const topic = kind === 'appeal' ? { appealId: idParam(request) } : { problemId: idParam(request) };
          const { thread, message } = await threads.writeToCitizen(ctx, request.actor, organization, topic, { body, channel: 'site' });
          return reply.flash('flash.messageSent').redirectAfterPost(`/cabinet/${organization.slug}/messages/${thread.id}#message-${message.id}`);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderTopic(request, reply, kind, { form: 'author', value: body, errors });
        }
      }

      app.get('/cabinet/:slug/appeals/:id/messages', { config: { policy: 'cabinet.view' } }, (request, reply) => renderTopic(request, reply, 'appeal'));

      app.post('/cabinet/:slug/appeals/:id/messages', { config: { policy: 'cabinet.work' }, onRequest: rateLimitFor(app, ctx, 'comment') }, (request, reply) =>
        writeToAuthor(request, reply, 'appeal'),
      );

      app.post(
        '/cabinet/:slug/appeals/:id/messages/signers',
        { config: { policy: 'cabinet.work' }, onRequest: rateLimitFor(app, ctx, 'comment') },
        async (request, reply) => {
          const { organization } = await cabinet(request);
          const body = bodyOf(request);
          const appealId = idParam(request);
          try {
            await threads.writeToSigners(ctx, request.actor, organization, appealId, { body, channel: 'site' });
            return reply.flash('flash.messageSentToSigners').redirectAfterPost(`/cabinet/${organization.slug}/appeals/${appealId}/messages`);
          } catch (error) {
            const errors = problemsOf(error);
            if (!errors) throw error;
            return renderTopic(request, reply, 'appeal', { form: 'signers', value: body, errors });
          }
        },
      );

      app.get('/cabinet/:slug/problems/:id/messages', { config: { policy: 'cabinet.view' } }, (request, reply) => renderTopic(request, reply, 'problem'));

      app.post('/cabinet/:slug/problems/:id/messages', { config: { policy: 'cabinet.work' }, onRequest: rateLimitFor(app, ctx, 'comment') }, (request, reply) =>
        writeToAuthor(request, reply, 'problem'),
      );

      // The citizen's side.
      app.get('/messages', { config: { policy: 'message.list' } }, async (request, reply) => {
        const page = pageNumber(request);
        const result = await threads.citizenThreads(ctx, request.actor, { limit: threadsPageSize, offset: (page - 1) * threadsPageSize });
        return reply.page(request.t('messages.pageTitle'), <CitizenThreadsPage items={result.items} total={result.total} page={page} />);
      });

      app.get('/messages/:id', { config: { policy: 'message.read' } }, (request, reply) => renderCitizenThread(request, reply));

      app.post('/messages/:id', { config: { policy: 'message.reply' }, onRequest: rateLimitFor(app, ctx, 'comment') }, async (request, reply) => {
        const body = bodyOf(request);
        try {
          const { thread, message } = await threads.replyAsCitizen(ctx, request.actor, idParam(request), { body, channel: 'site' });
          return reply.flash('flash.messageSent').redirectAfterPost(`/messages/${thread.id}#message-${message.id}`);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderCitizenThread(request, reply, body, errors);
        }
      });

      app.get('/messages/broadcasts/:id', { config: { policy: 'message.list' } }, (request, reply) => renderBroadcast(request, reply));

      app.post('/messages/broadcasts/:id', { config: { policy: 'message.reply' }, onRequest: rateLimitFor(app, ctx, 'comment') }, async (request, reply) => {
        const body = bodyOf(request);
        try {
          const { thread, message } = await threads.answerBroadcast(ctx, request.actor, idParam(request), { body, channel: 'site' });
          return reply.flash('flash.messageSent').redirectAfterPost(`/messages/${thread.id}#message-${message.id}`);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderBroadcast(request, reply, body, errors);
        }
      });
    },
  };
}
