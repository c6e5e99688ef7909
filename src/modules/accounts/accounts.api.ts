/** REST routes of accounts under /api/v1: registration, verification, tokens, profile, export, deletion. */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { User } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { bearer, errorResponses, Id, IdParams, noAuth, OpenObject, ref } from '../../core/http/api-schemas.ts';
import { requireActor } from '../../core/http/forms.ts';
import { rateLimitFor, withoutProofLimitFor } from '../../core/http/rate-limits.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { isLocale } from '../../core/i18n/i18n.ts';
import { altchaDescription, challengeFor, checkProofOfWork } from '../../core/security/altcha.ts';
import './accounts.policy.ts';
import * as accounts from './accounts.service.ts';

const UserSchema = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    surname: Type.String(),
    firstName: Type.String(),
    patronymic: Type.Union([Type.String(), Type.Null()]),
    municipalityId: Type.Union([Type.Integer(), Type.Null()]),
    postalAddress: Type.Union([Type.String(), Type.Null()]),
    role: Type.String(),
    locale: Type.String(),
    emailVerified: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);

const ScopeSchema = Type.Union([Type.Literal('read'), Type.Literal('sign'), Type.Literal('write')], {
  description: 'read: every GET; sign: sign an appeal and withdraw the signature; write: every other change',
});

const TokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(ScopeSchema),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

function userJson(user: User) {
  return { ...accounts.toPublicUser(user), createdAt: user.created_at.toISOString() };
}

/** Challenges a minute per client address: a page with a form fetches one when the person starts on it. */
const challengeRateLimit = { max: 60, timeWindow: '1 minute' };

export function accountApi(ctx: AppContext): AppModule {
  const authRateLimit = { max: ctx.config.authRateLimit, timeWindow: '1 minute' };
  return {
    name: 'accounts.api',
    routes(app: App) {
      const withoutProof = withoutProofLimitFor(app, ctx, 'register');
      app.addSchema(UserSchema);

      app.get(
        '/api/v1/altcha/challenge',
        {
          // Public, and each is cheap to make, but not to be fetched by the thousand from one address.
          config: { policy: 'public.view', rateLimit: challengeRateLimit },
          schema: {
            tags: ['accounts'],
            operationId: 'getAltchaChallenge',
            security: noAuth,
            summary: 'A fresh ALTCHA proof-of-work challenge, for signing, registering and publishing a problem',
            description:
              'Solve it with altcha-lib `solveChallenge` (or the ALTCHA widget) and send the base64 JSON `{challenge, solution}` as `altcha` with the request. A challenge expires after five minutes and a solution is accepted once; a forged, expired or used one is refused with 422 `altcha_failed`. A request without one is accepted, more cautiously: a signature waits for a moderator before it counts, and registrations and problems from one address get a tighter hourly limit.',
            response: { 200: OpenObject('An ALTCHA challenge, to be solved unchanged'), ...errorResponses(400, 429) },
          },
        },
        async (_request, reply) => reply.header('cache-control', 'no-store').send(await challengeFor(ctx)),
      );

      app.post(
        '/api/v1/accounts',
        {
          config: { policy: 'account.register' },
          onRequest: rateLimitFor(app, ctx, 'register'),
          schema: {
            tags: ['accounts'],
            operationId: 'registerAccount',
            security: noAuth,
            summary: 'Register; a verification link is e-mailed',
            description:
              'Answers 202 with the same body whether or not the address was already registered, so the API does not tell who has an account: a new address gets a verification link, a registered one a note to its owner with links to log in and to reset the password. Then create a token with POST /api/v1/tokens.',
            body: Type.Object({
              email: Type.String({ maxLength: 254 }),
              password: Type.String({ maxLength: 200 }),
              surname: Type.String({ maxLength: 100 }),
              firstName: Type.String({ maxLength: 100 }),
              patronymic: Type.Optional(Type.String({ maxLength: 100 })),
              municipalityId: Type.Optional(Type.Union([Id, Type.Null()])),
              locale: Type.Optional(Type.Union([Type.Literal('ru'), Type.Literal('en')])),
              altcha: Type.Optional(Type.String({ maxLength: 20_000, description: altchaDescription })),
            }),
            response: {
              202: Type.Object({
                accepted: Type.Boolean(),
                email: Type.String({ description: 'The address, normalised, that the mail went to' }),
              }),
              ...errorResponses(400, 422, 429),
            },
          },
        },
        async (request, reply) => {
          const body = request.body;
          if ((await checkProofOfWork(ctx, body.altcha)) === 'missing') await withoutProof(request);
          const registration = await accounts.register(
            ctx,
            {
              email: body.email,
              password: body.password,
              surname: body.surname,
              firstName: body.firstName,
              patronymic: body.patronymic ?? '',
              municipalityId: body.municipalityId ?? null,
              locale: body.locale ?? request.locale,
            },
            request.ip,
          );
          return reply.code(202).send({ accepted: true, email: registration.email });
        },
      );

      app.post(
        '/api/v1/accounts/verify-email',
        {
          config: { policy: 'account.verify', rateLimit: authRateLimit },
          schema: {
            tags: ['accounts'],
            operationId: 'verifyEmail',
            security: noAuth,
            summary: 'Confirm an e-mail address with the token from the verification link',
            body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }),
            response: { 200: ref(UserSchema), ...errorResponses(400, 422) },
          },
        },
        async (request) => userJson(await accounts.verifyEmail(ctx, request.body.token)),
      );

      app.post(
        '/api/v1/accounts/password-reset',
        {
          config: { policy: 'account.recover', rateLimit: authRateLimit },
          schema: {
            tags: ['accounts'],
            operationId: 'requestPasswordReset',
            security: noAuth,
            summary: 'E-mail a password reset link (answers 202 whether or not the address is known)',
            body: Type.Object({ email: Type.String({ maxLength: 254 }) }),
            response: { 202: Type.Object({ accepted: Type.Boolean() }), ...errorResponses(422, 429) },
          },
        },
        async (request, reply) => {
          await accounts.requestPasswordReset(ctx, request.body.email);
          return reply.code(202).send({ accepted: true });
        },
      );

      app.post(
        '/api/v1/accounts/password-reset/confirm',
        {
          config: { policy: 'account.recover', rateLimit: authRateLimit },
          schema: {
            tags: ['accounts'],
            operationId: 'confirmPasswordReset',
            security: noAuth,
            summary: 'Set a new password with the token from the reset link; ends every session',
            body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ maxLength: 200 }) }),
            response: { 204: Type.Null(), ...errorResponses(400, 422) },
          },
        },
        async (request, reply) => {
          await accounts.resetPassword(ctx, request.body.token, request.body.password);
          return reply.code(204).send(null);
        },
      );

      app.post(
        '/api/v1/tokens',
        {
          config: { policy: 'account.login', rateLimit: authRateLimit },
          schema: {
            tags: ['accounts'],
            operationId: 'createToken',
            security: noAuth,
            summary: 'Create a personal API token with e-mail and password (also possible in the profile)',
            description:
              'A token may only do what its scopes allow (403 `token_scope_missing` otherwise): `read` for every GET, `sign` to sign an appeal or withdraw the signature, `write` for every other change. Without `scopes` the token can only read.',
            body: Type.Object({
              email: Type.String({ maxLength: 254 }),
              password: Type.String({ maxLength: 1000 }),
              name: Type.String({ maxLength: 100 }),
              scopes: Type.Optional(Type.Array(ScopeSchema, { minItems: 1, maxItems: 3, uniqueItems: true, default: ['read'] })),
            }),
            response: {
              201: Type.Object({ id: Type.Integer(), name: Type.String(), prefix: Type.String(), scopes: Type.Array(ScopeSchema), token: Type.String() }),
              ...errorResponses(401, 422, 429),
            },
          },
        },
        async (request, reply) => {
          const user = await accounts.checkCredentials(ctx, request.body.email, request.body.password);
          return reply.code(201).send(await accounts.createApiToken(ctx, user.id, request.body.name, request.body.scopes));
        },
      );

      app.get(
        '/api/v1/me',
        {
          config: { policy: 'account.manage' },
          schema: {
            tags: ['accounts'],
            operationId: 'getMe',
            summary: 'The signed-in user',
            security: bearer,
            response: { 200: ref(UserSchema), ...errorResponses(401) },
          },
        },
        async (request) => userJson(await accounts.getUser(ctx, requireActor(request).id)),
      );

      app.patch(
        '/api/v1/me',
        {
          config: { policy: 'account.manage' },
          schema: {
            tags: ['accounts'],
            operationId: 'updateMe',
            summary: 'Update the profile (fields left out keep their value)',
            security: bearer,
            body: Type.Object({
              surname: Type.Optional(Type.String({ maxLength: 100 })),
              firstName: Type.Optional(Type.String({ maxLength: 100 })),
              patronymic: Type.Optional(Type.String({ maxLength: 100 })),
              municipalityId: Type.Optional(Type.Union([Id, Type.Null()])),
              postalAddress: Type.Optional(Type.String({ maxLength: 500 })),
              locale: Type.Optional(Type.Union([Type.Literal('ru'), Type.Literal('en')])),
            }),
            response: { 200: ref(UserSchema), ...errorResponses(401, 422) },
          },
        },
        async (request) => {
          const actor = requireActor(request);
          const user = await accounts.getUser(ctx, actor.id);
          const body = request.body;
          const updated = await accounts.updateProfile(ctx, actor.id, {
            surname: body.surname ?? user.surname,
            firstName: body.firstName ?? user.first_name,
            patronymic: body.patronymic ?? user.patronymic ?? '',
            municipalityId: body.municipalityId === undefined ? user.municipality_id : body.municipalityId,
            postalAddress: body.postalAddress ?? user.postal_address ?? '',
            locale: body.locale ?? (isLocale(user.locale) ? user.locale : 'ru'),
          });
          return userJson(updated);
        },
      );

      app.post(
        '/api/v1/me/email',
        {
          config: { policy: 'account.manage', rateLimit: authRateLimit },
          schema: {
            tags: ['accounts'],
            operationId: 'changeMyEmail',
            summary: 'Start an e-mail change: a confirmation link goes to the new address',
            security: bearer,
            body: Type.Object({ newEmail: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1000 }) }),
            response: { 202: Type.Object({ accepted: Type.Boolean() }), ...errorResponses(401, 409, 422) },
          },
        },
        async (request, reply) => {
          await accounts.requestEmailChange(ctx, requireActor(request).id, request.body.newEmail, request.body.password);
          return reply.code(202).send({ accepted: true });
        },
      );

      app.get(
        '/api/v1/me/tokens',
        {
          config: { policy: 'account.manage' },
          schema: {
            tags: ['accounts'],
            operationId: 'listMyTokens',
            summary: 'Personal API tokens (never the secrets)',
            security: bearer,
            response: { 200: Type.Array(TokenSchema), ...errorResponses(401) },
          },
        },
        async (request) =>
          (await accounts.listApiTokens(ctx, requireActor(request).id)).map((t) => ({
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t.scopes,
            createdAt: t.created_at.toISOString(),
            lastUsedAt: t.last_used_at?.toISOString() ?? null,
          })),
      );

      app.delete(
        '/api/v1/me/tokens/:id',
        {
          config: { policy: 'account.manage' },
          schema: {
            tags: ['accounts'],
            operationId: 'revokeMyToken',
            summary: 'Revoke a personal API token',
            security: bearer,
            params: IdParams,
            response: { 204: Type.Null(), ...errorResponses(401, 404, 422) },
          },
        },
        async (request, reply) => {
          await accounts.revokeApiToken(ctx, requireActor(request).id, request.params.id);
          return reply.code(204).send(null);
        },
      );

      app.get(
        '/api/v1/me/export',
        {
          config: { policy: 'account.manage' },
          schema: {
            tags: ['accounts'],
            operationId: 'exportMe',
            summary: 'Everything kept about the signed-in user, as JSON',
            security: bearer,
            response: { 200: OpenObject('The profile, sessions, API tokens (never the secrets), signatures and mail of the account'), ...errorResponses(401) },
          },
        },
        async (request) => accounts.exportData(ctx, requireActor(request).id),
      );

      app.delete(
        '/api/v1/me',
        {
          config: { policy: 'account.manage', rateLimit: authRateLimit },
          schema: {
            tags: ['accounts'],
            operationId: 'deleteMe',
            summary: 'Delete the account (export it first with GET /api/v1/me/export)',
            security: bearer,
            body: Type.Object({ password: Type.String({ maxLength: 1000 }) }),
            response: { 204: Type.Null(), ...errorResponses(401, 422) },
          },
        },
        async (request, reply) => {
          await accounts.deleteAccount(ctx, requireActor(request).id, request.body.password);
          return reply.code(204).send(null);
        },
      );
    },
  };
}
