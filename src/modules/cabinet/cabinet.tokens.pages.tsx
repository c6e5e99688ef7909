/**
 * The head's page of the organization's API tokens: `/cabinet/:slug/tokens` (the list, making one: the secret is on
 * the answer to that POST alone, never behind a redirect), and revoking one behind a confirmation page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { DomainError, type FieldProblem, problemsOf } from '../../core/errors.ts';
import { type FormBody, form, idParam, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { authorize } from '../../core/policy.ts';
import * as members from './cabinet.members.ts';
import * as tokens from './cabinet.tokens.ts';
import { emptyTokenValues, RevokeTokenPage, TokensPage, type TokenValues } from './cabinet.tokens.views.tsx';

function tokenValues(body: FormBody): TokenValues {
  const value = body.scopes;
  const chosen = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return {
    name: text(body, 'name', 200),
    scopes: chosen
      .slice(0, 5)
      .filter((v): v is string => typeof v === 'string')
      .map((v) => v.slice(0, 20)),
  };
}

function slugParam(request: FastifyRequest): string {
  return ((request.params as Record<string, string | undefined>).slug ?? '').slice(0, 200);
}

export function organizationTokenPages(ctx: AppContext): AppModule {
  async function cabinet(request: FastifyRequest) {
    const organization = await members.cabinetOrganization(ctx, request.actor, slugParam(request));
    authorize(request.actor, 'cabinet.manage', organization);
    return { organization, role: request.actor?.memberships.get(organization.id) ?? 'clerk' };
  }

  async function renderList(request: FastifyRequest, reply: FastifyReply, options: { created?: string; values?: TokenValues; errors?: FieldProblem[] } = {}) {
    const { organization, role } = await cabinet(request);
    const errors = options.errors ?? [];
    return reply.page(
      request.t('cabinet.tokens.pageTitle', { organization: organization.name }),
      <TokensPage
        organization={organization}
        role={role}
        tokens={await tokens.listTokens(ctx, request.actor, organization)}
        created={options.created}
        values={options.values ?? emptyTokenValues}
        errors={errors}
      />,
      { status: errors.length ? 422 : 200 },
    );
  }

  return {
    name: 'cabinet.tokens.pages',
    routes(app: App) {
      app.get('/cabinet/:slug/tokens', { config: { policy: 'cabinet.manage' } }, (request, reply) => renderList(request, reply));

      app.post('/cabinet/:slug/tokens', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const values = tokenValues(form(request));
        try {
          const created = await tokens.createToken(ctx, request.actor, organization, values);
          // Shown once, on this answer: the secret is stored as a hash, so no later page can show it again.
          return renderList(request, reply, { created: created.token });
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderList(request, reply, { values, errors });
        }
      });

      app.get('/cabinet/:slug/tokens/:id/revoke', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const id = idParam(request);
        const token = (await tokens.listTokens(ctx, request.actor, organization)).find((row) => row.id === id);
        if (!token) throw new DomainError('not_found');
        return reply.page(request.t('cabinet.tokens.revokePageTitle'), <RevokeTokenPage organization={organization} role={role} token={token} />);
      });

      app.post('/cabinet/:slug/tokens/:id/revoke', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        await tokens.revokeToken(ctx, request.actor, organization, idParam(request));
        return reply.flash('flash.cabinetTokenRevoked').redirectAfterPost(`/cabinet/${organization.slug}/tokens`);
      });
    },
  };
}
