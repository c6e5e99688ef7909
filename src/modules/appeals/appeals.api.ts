/** REST routes of appeals: drafting, opening, signatures (sign, withdraw, mine), counts, PDF, sent-by-me, registration, withdrawal. */

import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { Appeal } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { bearer, errorResponses, Id, IdParams, maxId, noAuth, optionalBearer, PageQuery, ref } from '../../core/http/api-schemas.ts';
import { rateLimitFor } from '../../core/http/rate-limits.ts';
import { publicReads } from '../../core/http/replica-reads.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { authorize } from '../../core/policy.ts';
import { altchaDescription, checkProofOfWork } from '../../core/security/altcha.ts';
import './appeals.policy.ts';
import * as dispatch from './appeals.dispatch.ts';
import { escalateAppeal } from './appeals.escalation.ts';
import * as appealQueries from './appeals.queries.ts';
import * as appeals from './appeals.service.ts';
import * as signing from './appeals.signing.ts';

const AppealSchema = Type.Object(
  {
    id: Type.Integer(),
    problemId: Type.Integer(),
    previousAppealId: Type.Union([Type.Integer(), Type.Null()]),
    organizationId: Type.Integer(),
    title: Type.String(),
    status: Type.String(),
    threshold: Type.Integer(),
    signatures: Type.Integer(),
    revision: Type.Integer(),
    text: Type.String(),
    textSha256: Type.Union([Type.String(), Type.Null()], { description: 'SHA-256 of the frozen text; null while a draft' }),
    openedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    thresholdReachedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    dispatchStartedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'Set while the platform prepares the letter: signing and withdrawing are closed from then on',
    }),
    sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    sentBy: Type.Union([Type.Literal('platform'), Type.Literal('author'), Type.Null()]),
    registrationNumber: Type.Union([Type.String(), Type.Null()]),
    registrationDueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    forwardingDueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    answerDueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    forwarding: Type.Union(
      [
        Type.Object({
          forwardedAt: Type.String({ format: 'date-time' }),
          reason: Type.String(),
          forwardedAppealId: Type.Integer({ description: 'The next appeal of the chain, to the competent body' }),
        }),
        Type.Null(),
      ],
      { description: 'The addressee forwarded the appeal to the competent body (status `forwarded`, 59-FZ Art. 8 p. 3): when and why' },
    ),
    letter: Type.Union(
      [
        Type.Object({
          state: Type.Union([Type.Literal('queued'), Type.Literal('delayed'), Type.Literal('failed')], {
            description:
              'queued: not tried yet; delayed: the mail server refused or was unreachable, it is tried again; failed: given up, the admins are alerted',
          }),
          reason: Type.Union([Type.Literal('unreachable'), Type.Literal('deferred'), Type.Literal('rejected'), Type.Literal('other'), Type.Null()]),
          nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          message: Type.String({ description: 'What the appeal page says about it, in the caller’s language («Отправка задерживается: …»)' }),
        }),
        Type.Null(),
      ],
      {
        description:
          'The platform’s letter to the addressee while no mail server has accepted it: the appeal is not sent yet and its deadlines have not started. Null before the dispatch and once sent',
      },
    ),
  },
  { $id: 'Appeal' },
);

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** If-None-Match (RFC 9110 §13.1.2): `*` or a list of entity tags, compared weakly (a W/ prefix is ignored). */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function appealJson(appeal: Appeal, extra: { count: number; revision: number; text: string; letter?: AppealLetterJson | null }) {
  return {
    id: appeal.id,
    problemId: appeal.problem_id,
    previousAppealId: appeal.previous_appeal_id,
    organizationId: appeal.organization_id,
    title: appeal.title,
    status: appeal.status,
    threshold: appeal.threshold,
    signatures: extra.count,
    revision: extra.revision,
    text: extra.text,
    textSha256: appeal.text_sha256,
    openedAt: iso(appeal.opened_at),
    thresholdReachedAt: iso(appeal.threshold_reached_at),
    dispatchStartedAt: iso(appeal.dispatch_started_at),
    sentAt: iso(appeal.sent_at),
    sentBy: appeal.sent_by,
    registrationNumber: appeal.registration_number,
    registrationDueAt: iso(appeal.registration_due_at),
    forwardingDueAt: iso(appeal.forwarding_due_at),
    answerDueAt: iso(appeal.answer_due_at),
    forwarding:
      appeal.forwarded_at && appeal.forwarded_appeal_id
        ? { forwardedAt: appeal.forwarded_at.toISOString(), reason: appeal.forwarding_reason ?? '', forwardedAppealId: appeal.forwarded_appeal_id }
        : null,
    letter: extra.letter ?? null,
  };
}

interface AppealLetterJson {
  state: 'queued' | 'delayed' | 'failed';
  reason: 'unreachable' | 'deferred' | 'rejected' | 'other' | null;
  nextAttemptAt: string | null;
  message: string;
}

export function appealApi(ctx: AppContext): AppModule {
  async function details(request: FastifyRequest, appealId: number) {
    const d = await appealQueries.getAppealDetails(publicReads(ctx, request), appealId, request.actor);
    // Signing closed and a letter queued: the same notice as on the page, so an API client sees why it is not sent yet.
    const letter: AppealLetterJson | null =
      d.appeal.status === 'collecting' && d.appeal.dispatch_message_id
        ? {
            state: d.delivery?.state ?? 'queued',
            reason: d.delivery?.reason ?? null,
            nextAttemptAt: iso(d.delivery?.nextAttemptAt ?? null),
            message: dispatch.letterDeliveryText(request.t, request.locale, d.delivery),
          }
        : null;
    return appealJson(d.appeal, { count: d.count, revision: d.revision.number, text: d.revision.text, letter });
  }

  return {
    name: 'appeals.api',
    routes(app: App) {
      app.addSchema(AppealSchema);

      app.post(
        '/api/v1/problems/:id/appeals',
        {
          config: { policy: 'appeal.create' },
          schema: {
            tags: ['appeals'],
            operationId: 'createAppeal',
            summary:
              'Draft a collective appeal for a problem (its author). 409 appeal_already_drafted while another appeal of the problem to the same addressee is a draft or collecting (error.details.appealId names it)',
            security: bearer,
            params: IdParams,
            body: Type.Object({
              organizationId: Id,
              title: Type.String({ maxLength: 300 }),
              text: Type.String({ maxLength: 50_000 }),
            }),
            response: { 201: ref(AppealSchema), ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          const appeal = await appeals.createAppeal(ctx, request.actor, request.params.id, request.body);
          return reply.code(201).send(await details(request, appeal.id));
        },
      );

      app.get(
        '/api/v1/problems/:id/appeals',
        {
          config: { policy: 'problem.view' },
          schema: {
            tags: ['appeals'],
            operationId: 'listProblemAppeals',
            security: optionalBearer,
            summary: 'The chain of appeals of a problem, oldest first',
            params: IdParams,
            response: {
              200: Type.Array(
                Type.Object({
                  id: Type.Integer(),
                  title: Type.String(),
                  status: Type.String(),
                  threshold: Type.Integer(),
                  signatures: Type.Integer(),
                  organization: Type.String(),
                  organizationSlug: Type.String(),
                  previousAppealId: Type.Union([Type.Integer(), Type.Null()]),
                  sentAt: Type.Union([Type.String(), Type.Null()]),
                  answerDueAt: Type.Union([Type.String(), Type.Null()]),
                }),
              ),
              ...errorResponses(404, 422),
            },
          },
        },
        async (request) =>
          (await appealQueries.appealsForProblem(publicReads(ctx, request), request.params.id, request.actor?.id ?? null)).map((a) => ({
            id: a.id,
            title: a.title,
            status: a.status,
            threshold: a.threshold,
            signatures: a.signatures,
            organization: a.organization_name,
            organizationSlug: a.organization_slug,
            previousAppealId: a.previous_appeal_id,
            sentAt: iso(a.sent_at),
            answerDueAt: iso(a.answer_due_at),
          })),
      );

      app.get(
        '/api/v1/appeals/:id',
        {
          config: { policy: 'appeal.view' },
          schema: {
            tags: ['appeals'],
            operationId: 'getAppeal',
            security: optionalBearer,
            summary: 'An appeal: its text (frozen once signing opened), hash, status, deadlines',
            params: IdParams,
            response: { 200: ref(AppealSchema), ...errorResponses(404, 422) },
          },
        },
        async (request) => await details(request, request.params.id),
      );

      app.put(
        '/api/v1/appeals/:id',
        {
          config: { policy: 'appeal.revise' },
          schema: {
            tags: ['appeals'],
            operationId: 'reviseAppeal',
            summary:
              'Save a new revision of a draft (its author). `baseRevision` must be the latest, or 409 stale_revision; a new addressee with an open appeal of the problem gives 409 appeal_already_drafted',
            security: bearer,
            params: IdParams,
            body: Type.Object({
              title: Type.String({ maxLength: 300 }),
              text: Type.String({ maxLength: 50_000 }),
              organizationId: Type.Optional(Id),
              baseRevision: Type.Integer({ minimum: 1, maximum: maxId }),
            }),
            response: { 200: ref(AppealSchema), ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await appeals.reviseAppeal(ctx, request.actor, request.params.id, { ...request.body, organizationId: request.body.organizationId ?? null });
          return await details(request, request.params.id);
        },
      );

      app.post(
        '/api/v1/appeals/:id/open',
        {
          config: { policy: 'appeal.open' },
          schema: {
            tags: ['appeals'],
            operationId: 'openAppeal',
            summary:
              'Open for signatures: the text freezes. With obscene language or threats (59-FZ Art. 11) answers 422 language_warning until acknowledgeWarnings is true',
            security: bearer,
            params: IdParams,
            body: Type.Object({ acknowledgeWarnings: Type.Optional(Type.Boolean()) }),
            response: { 200: ref(AppealSchema), ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await appeals.openForSignatures(ctx, request.actor, request.params.id, { acknowledgeWarnings: request.body.acknowledgeWarnings ?? false });
          return await details(request, request.params.id);
        },
      );

      app.get(
        '/api/v1/appeals/:id/count',
        {
          config: { policy: 'appeal.view' },
          schema: {
            tags: ['appeals'],
            operationId: 'getAppealCount',
            security: noAuth,
            summary:
              'The signature count: answered from memory, at most half a second old. Its ETag changes with the count, threshold and status: send it back as If-None-Match for a 304 without a body',
            params: IdParams,
            headers: Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 200, description: 'The ETag of an earlier answer' })) }),
            response: {
              200: Type.Object({ count: Type.Integer(), threshold: Type.Integer(), status: Type.String() }),
              304: Type.Unsafe<undefined>({ description: 'Not modified: the count, threshold and status are those of the ETag sent (no body)' }),
              ...errorResponses(404, 422),
            },
          },
        },
        async (request, reply) => {
          const view = await signing.countView(publicReads(ctx, request), request.params.id);
          if (!view.appeal) throw new DomainError('not_found');
          // The policy, not a rule of its own: a draft's count is its author's (and never a shared cache's).
          authorize(request.actor, 'appeal.view', view.appeal);
          if (view.appeal.status !== 'draft') reply.header('cache-control', 'public, max-age=1');
          reply.header('etag', view.etag);
          if (etagMatches(request.headers['if-none-match'], view.etag)) return reply.code(304).send();
          return reply.send({ count: view.count, threshold: view.appeal.threshold, status: view.appeal.status });
        },
      );

      app.post(
        '/api/v1/appeals/:id/signatures',
        {
          config: { policy: 'appeal.sign', scope: 'sign' },
          onRequest: rateLimitFor(app, ctx, 'sign'),
          schema: {
            tags: ['appeals'],
            operationId: 'signAppeal',
            summary: 'Sign (a citizen with a verified e-mail). Binds to the frozen text; one signature per person',
            security: bearer,
            params: IdParams,
            body: Type.Object({
              fullName: Type.String({ maxLength: 300 }),
              postalAddress: Type.String({ maxLength: 500 }),
              consentTransfer: Type.Boolean({ description: 'Consent to pass the name and address to the addressee (required)' }),
              consentPublicName: Type.Optional(Type.Boolean({ description: 'Show "Иван П." and municipality publicly' })),
              consentAuthor: Type.Optional(
                Type.Boolean({
                  description:
                    'Give the full name and postal address to the appeal’s author too, for a letter the author sends himself (optional, default false)',
                }),
              ),
              altcha: Type.Optional(
                Type.String({
                  maxLength: 20_000,
                  description: `${altchaDescription} A signature without one is accepted but flagged (\`no_proof_of_work\`): it counts once a moderator clears it.`,
                }),
              ),
              textSha256: Type.Optional(
                Type.String({
                  pattern: '^[0-9a-f]{64}$',
                  description:
                    'The `textSha256` of the text the client showed the signer. If the author has accepted an amendment since, nothing is signed: 409 `text_changed` (show the new text, then sign it). Without it, the current text is signed',
                }),
              ),
            }),
            response: {
              201: Type.Object({
                signatureId: Type.Integer(),
                count: Type.Integer({
                  description:
                    'The appeal’s signature count as last counted: exact when the appeal is quiet; while many sign at once, up to half a second old (GET …/count for the current one)',
                }),
              }),
              ...errorResponses(401, 403, 404, 409, 422),
            },
          },
        },
        async (request, reply) => {
          const { altcha, ...body } = request.body;
          const proofOfWork = await checkProofOfWork(ctx, altcha);
          const result = await signing.sign(ctx, request.actor, request.params.id, {
            ...body,
            proofOfWork,
            consentPublicName: body.consentPublicName ?? false,
            consentAuthor: body.consentAuthor ?? false,
            clientAddress: request.ip,
          });
          return reply.code(201).send(result);
        },
      );

      app.get(
        '/api/v1/appeals/:id/signatures/me',
        {
          config: { policy: 'appeal.mySignature' },
          schema: {
            tags: ['appeals'],
            operationId: 'getMySignature',
            summary: 'My signature under this appeal',
            security: bearer,
            params: IdParams,
            response: {
              200: Type.Object({
                id: Type.Integer(),
                fullName: Type.String(),
                postalAddress: Type.String(),
                publicName: Type.Union([Type.String(), Type.Null()]),
                consentAuthor: Type.Boolean({ description: 'Whether the appeal’s author may list my full name and address' }),
                signedAt: Type.String(),
                textSha256: Type.String(),
                revision: Type.Integer({ description: 'The version of the text the signature was given for' }),
                current: Type.Boolean({
                  description:
                    'False: the author accepted an amendment since, so the signature does not count (nor go in the letter) until it is given for the current version with POST …/signatures — or withdrawn with DELETE',
                }),
              }),
              ...errorResponses(401, 404, 422),
            },
          },
        },
        async (request) => {
          const userId = authorize(request.actor, 'appeal.mySignature').id;
          const signature = await signing.mySignature(ctx, userId, request.params.id);
          if (signature)
            return {
              id: Number(signature.id),
              fullName: signature.full_name,
              postalAddress: signature.postal_address,
              publicName: signature.public_name,
              consentAuthor: signature.consent_author,
              signedAt: signature.created_at.toISOString(),
              textSha256: signature.text_sha256,
              revision: signature.revision_number,
              current: true,
            };
          const superseded = await signing.mySupersededSignature(ctx, userId, request.params.id);
          if (!superseded) throw new DomainError('not_found');
          return {
            id: Number(superseded.signature_id),
            fullName: superseded.full_name,
            postalAddress: superseded.postal_address,
            publicName: superseded.public_name,
            consentAuthor: superseded.consent_author,
            signedAt: superseded.signed_at.toISOString(),
            textSha256: superseded.text_sha256,
            revision: superseded.revision_number,
            current: false,
          };
        },
      );

      app.delete(
        '/api/v1/appeals/:id/signatures/me',
        {
          config: { policy: 'appeal.mySignature', scope: 'sign' },
          schema: {
            tags: ['appeals'],
            operationId: 'withdrawMySignature',
            summary: 'Withdraw my signature (before dispatch)',
            security: bearer,
            params: IdParams,
            response: { 204: Type.Null(), ...errorResponses(401, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          await signing.withdrawSignature(ctx, request.actor, request.params.id);
          return reply.code(204).send(null);
        },
      );

      app.get(
        '/api/v1/appeals/:id/signers',
        {
          config: { policy: 'appeal.view' },
          schema: {
            tags: ['appeals'],
            operationId: 'listAppealSigners',
            security: optionalBearer,
            summary: 'Signers who agreed to be named: "Иван П." and municipality, never addresses',
            params: IdParams,
            querystring: PageQuery,
            response: {
              200: Type.Object({
                items: Type.Array(Type.Object({ name: Type.String(), municipality: Type.Union([Type.String(), Type.Null()]), signedAt: Type.String() })),
                total: Type.Integer(),
              }),
              ...errorResponses(404, 422),
            },
          },
        },
        async (request) => {
          await appealQueries.getAppealDetails(ctx, request.params.id, request.actor);
          const { page = 1, perPage = 50 } = request.query;
          const result = await appealQueries.publicSigners(ctx, request.params.id, { limit: perPage, offset: (page - 1) * perPage });
          return {
            total: result.total,
            items: result.items.map((s) => ({ name: s.public_name, municipality: s.municipality, signedAt: s.created_at.toISOString() })),
          };
        },
      );

      app.get(
        '/api/v1/appeals/:id/document.pdf',
        {
          config: { policy: 'appeal.document' },
          schema: {
            tags: ['appeals'],
            operationId: 'getAppealDocument',
            summary:
              'The author’s copy of the appeal as PDF: the author as initiator, the signers who consented to give the author their full name and address (consentAuthor), the others counted with their public names. Never the addressee’s letter',
            security: bearer,
            params: IdParams,
            response: {
              200: {
                description: 'The PDF, as a download',
                content: { 'application/pdf': { schema: Type.Unsafe<Buffer>(Type.String({ format: 'binary' })) } },
              },
              ...errorResponses(401, 403, 404, 422),
            },
          },
        },
        async (request, reply) => {
          const { pdf, filename } = await dispatch.authorPdf(ctx, request.actor, request.params.id);
          return reply
            .header('content-disposition', `attachment; filename="${filename}"`)
            .header('cache-control', 'no-store')
            .type('application/pdf')
            .send(pdf);
        },
      );

      app.post(
        '/api/v1/appeals/:id/sent-by-me',
        {
          config: { policy: 'appeal.recordSent' },
          schema: {
            tags: ['appeals'],
            operationId: 'recordAppealSentByAuthor',
            summary:
              'Record that the author sent the appeal himself; the 59-FZ deadlines run from that date. Only while collecting (409 appeal_still_draft for a draft) and with at least one signature (409 appeal_no_signatures)',
            security: bearer,
            params: IdParams,
            body: Type.Object({ sentOn: Type.String({ format: 'date' }), registrationNumber: Type.Optional(Type.String({ maxLength: 100 })) }),
            response: { 200: ref(AppealSchema), ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await appeals.recordSelfSent(ctx, request.actor, request.params.id, {
            sentOn: new Date(`${request.body.sentOn}T12:00:00+03:00`),
            registrationNumber: request.body.registrationNumber ?? '',
          });
          return await details(request, request.params.id);
        },
      );

      app.post(
        '/api/v1/appeals/:id/registration',
        {
          config: { policy: 'appeal.recordRegistration' },
          schema: {
            tags: ['appeals'],
            operationId: 'recordAppealRegistration',
            summary:
              'Record the registration number and date the addressee gave (its author, once, while the appeal is sent): the 30-day answer term runs from that date. 409 wrong_state otherwise',
            security: bearer,
            params: IdParams,
            body: Type.Object(
              { registrationNumber: Type.String({ minLength: 1, maxLength: 100 }), registeredOn: Type.String({ format: 'date' }) },
              { additionalProperties: false },
            ),
            response: { 200: ref(AppealSchema), ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await appeals.recordRegistration(ctx, request.actor, request.params.id, {
            registrationNumber: request.body.registrationNumber,
            registeredOn: new Date(`${request.body.registeredOn}T12:00:00+03:00`),
          });
          return await details(request, request.params.id);
        },
      );

      app.post(
        '/api/v1/appeals/:id/withdraw',
        {
          config: { policy: 'appeal.withdraw' },
          schema: {
            tags: ['appeals'],
            operationId: 'withdrawAppeal',
            summary: 'Withdraw the appeal before it is sent (its author)',
            security: bearer,
            params: IdParams,
            response: { 200: ref(AppealSchema), ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await appeals.withdrawAppeal(ctx, request.actor, request.params.id);
          return await details(request, request.params.id);
        },
      );

      app.post(
        '/api/v1/appeals/:id/escalation',
        {
          config: { policy: 'appeal.escalate' },
          schema: {
            tags: ['appeals'],
            operationId: 'escalateAppeal',
            summary:
              'Start the next appeal of the chain, a draft whose text starts from this one (its author; after an unresolved, partly resolved, unrated or unanswered close, or when overdue). Earlier signers are invited to sign it once it opens.',
            security: bearer,
            params: IdParams,
            body: Type.Object(
              { organizationId: Type.Optional(Type.Union([Type.Null(), Id], { description: 'The addressee; the parent organization when absent' })) },
              { additionalProperties: false },
            ),
            response: { 201: ref(AppealSchema), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          const escalated = await escalateAppeal(ctx, request.actor, request.params.id, { organizationId: request.body.organizationId ?? null });
          return reply.code(201).send(await details(request, escalated.id));
        },
      );
    },
  };
}
