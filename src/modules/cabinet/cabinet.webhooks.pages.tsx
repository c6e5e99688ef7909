/**
 * The head's webhook pages: `/cabinet/:slug/webhooks` (the endpoints, adding one), `/cabinet/:slug/webhooks/:id`
 * (its secret, settings, test event and delivery log), turning it off or on, and deleting it behind a confirmation.
 * Every form is POST → 303 → GET; a refused one is shown again with its messages (422).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { problemsOf } from '../../core/errors.ts';
import { type FormBody, form, idParam, pageNumber, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { authorize } from '../../core/policy.ts';
import * as members from './cabinet.members.ts';
import * as webhooks from './cabinet.webhooks.ts';
import { DeleteWebhookPage, type EndpointValues, emptyEndpointValues, WebhookPage, WebhooksPage } from './cabinet.webhooks.views.tsx';

/** The values a form's repeated field sends (the event checkboxes), at most 20 of at most 100 characters. */
function repeated(body: FormBody, name: string): string[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values
    .slice(0, 20)
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.slice(0, 100));
}

function endpointValues(body: FormBody): EndpointValues {
  return { url: text(body, 'url', 4000), events: repeated(body, 'events') };
}

function slugParam(request: FastifyRequest): string {
  return ((request.params as Record<string, string | undefined>).slug ?? '').slice(0, 200);
}

export function webhookPages(ctx: AppContext): AppModule {
  async function cabinet(request: FastifyRequest) {
    const organization = await members.cabinetOrganization(ctx, request.actor, slugParam(request));
    authorize(request.actor, 'cabinet.manage', organization);
    return { organization, role: request.actor?.memberships.get(organization.id) ?? 'clerk' };
  }

  async function renderList(request: FastifyRequest, reply: FastifyReply, values = emptyEndpointValues, errors: FieldProblem[] = []) {
    const { organization, role } = await cabinet(request);
    return reply.page(
      request.t('cabinet.webhooks.pageTitle', { organization: organization.name }),
      <WebhooksPage
        organization={organization}
        role={role}
        endpoints={await webhooks.listEndpoints(ctx, request.actor, organization)}
        values={values}
        errors={errors}
      />,
      { status: errors.length ? 422 : 200 },
    );
  }

  async function renderEndpoint(request: FastifyRequest, reply: FastifyReply, values: EndpointValues | null = null, errors: FieldProblem[] = []) {
    const { organization, role } = await cabinet(request);
    const log = await webhooks.deliveryLog(ctx, request.actor, organization, idParam(request), pageNumber(request));
    return reply.page(
      request.t('cabinet.webhooks.endpointTitle', { url: log.endpoint.url }),
      <WebhookPage
        organization={organization}
        role={role}
        endpoint={log.endpoint}
        items={log.items}
        total={log.total}
        page={log.page}
        perPage={log.perPage}
        values={values ?? { url: log.endpoint.url, events: log.endpoint.event_types }}
        errors={errors}
      />,
      { status: errors.length ? 422 : 200 },
    );
  }

  return {
    name: 'cabinet.webhooks.pages',
    routes(app: App) {
      app.get('/cabinet/:slug/webhooks', { config: { policy: 'cabinet.manage' } }, (request, reply) => renderList(request, reply));

      app.post('/cabinet/:slug/webhooks', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const values = endpointValues(form(request));
        try {
          const endpoint = await webhooks.createEndpoint(ctx, request.actor, organization, values);
          return reply.flash('flash.cabinetWebhookCreated').redirectAfterPost(`/cabinet/${organization.slug}/webhooks/${endpoint.id}`);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderList(request, reply, values, errors);
        }
      });

      app.get('/cabinet/:slug/webhooks/:id', { config: { policy: 'cabinet.manage' } }, (request, reply) => renderEndpoint(request, reply));

      app.post('/cabinet/:slug/webhooks/:id', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const endpointId = idParam(request);
        const values = endpointValues(form(request));
        try {
          await webhooks.updateEndpoint(ctx, request.actor, organization, endpointId, values);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderEndpoint(request, reply, values, errors);
        }
        return reply.flash('flash.cabinetWebhookSaved').redirectAfterPost(`/cabinet/${organization.slug}/webhooks/${endpointId}`);
      });

      app.post('/cabinet/:slug/webhooks/:id/enabled', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const endpointId = idParam(request);
        const enabled = text(form(request), 'enabled', 5) === 'yes';
        await webhooks.updateEndpoint(ctx, request.actor, organization, endpointId, { enabled });
        return reply
          .flash(enabled ? 'flash.cabinetWebhookOn' : 'flash.cabinetWebhookOff')
          .redirectAfterPost(`/cabinet/${organization.slug}/webhooks/${endpointId}`);
      });

      app.post(
        '/cabinet/:slug/webhooks/:id/test',
        { config: { policy: 'cabinet.manage', rateLimit: { max: 20, timeWindow: '1 minute' } } },
        async (request, reply) => {
          const { organization } = await cabinet(request);
          const endpointId = idParam(request);
          await webhooks.sendTestEvent(ctx, request.actor, organization, endpointId);
          return reply.flash('flash.cabinetWebhookTestSent').redirectAfterPost(`/cabinet/${organization.slug}/webhooks/${endpointId}`);
        },
      );

      app.get('/cabinet/:slug/webhooks/:id/delete', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const endpoint = await webhooks.getEndpoint(ctx, request.actor, organization, idParam(request));
        return reply.page(request.t('cabinet.webhooks.deletePageTitle'), <DeleteWebhookPage organization={organization} role={role} endpoint={endpoint} />);
      });

      app.post('/cabinet/:slug/webhooks/:id/delete', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        await webhooks.deleteEndpoint(ctx, request.actor, organization, idParam(request));
        return reply.flash('flash.cabinetWebhookDeleted').redirectAfterPost(`/cabinet/${organization.slug}/webhooks`);
      });
    },
  };
}
