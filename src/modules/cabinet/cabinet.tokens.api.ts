/**
 * An organization's API tokens under /api/v1/cabinet/{slug}/tokens, for its head (as the page): the tokens with who
 * made them and their last use, making one (the secret is in that answer alone) and revoking one.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { bearer, errorResponses, Id } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import type { OrganizationTokenRow } from '../accounts/accounts.service.ts';
import * as members from './cabinet.members.ts';
import * as tokens from './cabinet.tokens.ts';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const SlugParams = Type.Object({ slug: Type.String({ maxLength: 100 }) });
const SlugIdParams = Type.Object({ slug: Type.String({ maxLength: 100 }), id: Id });
const Scope = Type.Union([Type.Literal('read'), Type.Literal('write')]);

const TokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart' }),
  scopes: Type.Array(Scope),
  createdAt: DateTime,
  createdBy: Type.Object(
    { userId: Type.Integer(), name: Type.String() },
    { description: 'The head who made it; the token ends when they stop heading the organization' },
  ),
  lastUsedAt: Nullable(DateTime),
});

function tokenJson(token: OrganizationTokenRow) {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes.filter((scope): scope is 'read' | 'write' => scope === 'read' || scope === 'write'),
    createdAt: token.created_at.toISOString(),
    createdBy: { userId: token.created_by.id, name: `${token.created_by.firstName} ${token.created_by.surname}` },
    lastUsedAt: token.last_used_at?.toISOString() ?? null,
  };
}

export function organizationTokenApi(ctx: AppContext): AppModule {
  return {
    name: 'cabinet.tokens.api',
    routes(app: App) {
      app.get(
        '/api/v1/cabinet/:slug/tokens',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetTokens',
            summary: 'The organization’s API tokens (the head): name, prefix, scopes, made when and by whom, last use',
            security: bearer,
            params: SlugParams,
            response: { 200: Type.Object({ items: Type.Array(TokenSchema) }), ...errorResponses(401, 403, 404) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return { items: (await tokens.listTokens(ctx, request.actor, organization)).map(tokenJson) };
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/tokens',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'createCabinetToken',
            summary: 'Make an organization API token (the head), e.g. for the document-management system; the secret is in this answer only',
            description:
              'The token works in this organization’s cabinet API alone (`/api/v1/cabinet/{slug}/…`, and the letter PDF of its appeals), with a clerk’s rights: the inbox, appeals, registration, assignment, extension, forwarding, answers (submitted for the head’s approval where that is required). It never manages members, tokens, templates, webhooks or settings (`403 organization_token_not_allowed`); elsewhere it gets `403 organization_token_cabinet_only`, in another organization’s cabinet `403 organization_token_other_organization`. What it does is audited under the head who made it, naming the token. It ends when revoked, or when that head leaves, is removed or made a clerk. `scopes`: `read` (GET) and/or `write` (changes); default `read`. At most 20 per organization.',
            security: bearer,
            params: SlugParams,
            body: Type.Object(
              {
                name: Type.String({ maxLength: 200 }),
                scopes: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 5 })),
              },
              { additionalProperties: false },
            ),
            response: {
              201: Type.Object({
                id: Type.Integer(),
                name: Type.String(),
                prefix: Type.String(),
                scopes: Type.Array(Scope),
                token: Type.String({ description: 'The secret: shown only this once, stored as a hash' }),
              }),
              ...errorResponses(400, 401, 403, 404, 409, 422),
            },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const created = await tokens.createToken(ctx, request.actor, organization, { name: request.body.name, scopes: request.body.scopes ?? ['read'] });
          return reply.status(201).send({
            id: created.id,
            name: created.name,
            prefix: created.prefix,
            scopes: created.scopes.filter((scope): scope is 'read' | 'write' => scope === 'read' || scope === 'write'),
            token: created.token,
          });
        },
      );

      app.delete(
        '/api/v1/cabinet/:slug/tokens/:id',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'revokeCabinetToken',
            summary: 'Revoke an organization API token (the head): it is refused from the next request',
            security: bearer,
            params: SlugIdParams,
            response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          await tokens.revokeToken(ctx, request.actor, organization, request.params.id);
          return reply.status(204).send(null);
        },
      );
    },
  };
}
