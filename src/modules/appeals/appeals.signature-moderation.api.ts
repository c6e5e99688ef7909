/** REST twin of the flagged-signature pages (moderators): the appeals with flagged signatures, one appeal's groups, clear, preview, invalidate. */
import { type Static, Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { bearer, errorResponses, Id, IdParams } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import './appeals.policy.ts';
import type { signatureFlagReasons } from './appeals.flags.rules.ts';
import {
  appealSignatureReview,
  clearSignatures,
  flaggedAppeals,
  invalidateSignatures,
  moderationBatch,
  previewInvalidation,
} from './appeals.signature-moderation.ts';

const Reason = Type.Union(
  [
    Type.Literal('address_burst'),
    Type.Literal('domain_burst'),
    Type.Literal('disposable_domain'),
    Type.Literal('registration_burst'),
    Type.Literal('invalidated_before'),
    Type.Literal('no_proof_of_work'),
  ],
  { description: 'Why the signing statement flagged it' },
);
// Listed by hand for the schema's literal types; this fails to compile when the rules gain a reason the API lacks.
const everyReasonListed: (typeof signatureFlagReasons)[number] extends Static<typeof Reason> ? true : never = true;
void everyReasonListed;
const ReasonCounts = Type.Object(
  {
    address_burst: Type.Optional(Type.Integer()),
    domain_burst: Type.Optional(Type.Integer()),
    disposable_domain: Type.Optional(Type.Integer()),
    registration_burst: Type.Optional(Type.Integer()),
    invalidated_before: Type.Optional(Type.Integer()),
    no_proof_of_work: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

const FlaggedAppealSchema = Type.Object({
  id: Type.Integer(),
  problemId: Type.Integer(),
  title: Type.String(),
  status: Type.String(),
  flagged: Type.Integer({ description: 'Signatures waiting for a moderator' }),
  byReason: ReasonCounts,
});

const SignatureSchema = Type.Object({
  id: Type.Integer(),
  fullName: Type.String({ description: 'As signed; never the postal address' }),
  municipality: Type.Union([Type.String(), Type.Null()]),
  signedAt: Type.String({ format: 'date-time' }),
  flagged: Type.Boolean({ description: 'false: counted (a signature from the address of a flagged one)' }),
  reasons: Type.Array(Reason),
  addressGroup: Type.Union([Type.String(), Type.Null()], { description: 'A label of the keyed hash of the client network; the address is not stored' }),
  emailDomain: Type.Union([Type.String(), Type.Null()]),
});

const ReviewSchema = Type.Object({
  appeal: Type.Object({
    id: Type.Integer(),
    problemId: Type.Integer(),
    title: Type.String(),
    status: Type.String(),
    threshold: Type.Integer(),
    open: Type.Boolean(),
  }),
  count: Type.Integer({ description: 'Counted signatures now' }),
  flagged: Type.Integer(),
  signatures: Type.Array(SignatureSchema),
  byReason: Type.Array(Type.Object({ reason: Reason, ids: Type.Array(Type.Integer()) })),
  byAddress: Type.Array(Type.Object({ group: Type.String(), ids: Type.Array(Type.Integer()), flagged: Type.Integer() })),
});

const Selection = Type.Object({ signatureIds: Type.Array(Id, { minItems: 1, maxItems: moderationBatch }) }, { additionalProperties: false });

const PreviewSchema = Type.Object({
  appealId: Type.Integer(),
  title: Type.String(),
  signatureIds: Type.Array(Type.Integer()),
  countBefore: Type.Integer(),
  countAfter: Type.Integer(),
  counted: Type.Integer({ description: 'Of the selected, those in the count now' }),
  flagged: Type.Integer(),
  signers: Type.Integer({ description: 'People who will be told' }),
  threshold: Type.Integer(),
});

export function signatureModerationApi(ctx: AppContext): AppModule {
  return {
    name: 'signature-moderation-api',
    routes(app: App) {
      app.get(
        '/api/v1/moderation/signatures',
        {
          config: { policy: 'signature.review' },
          schema: {
            tags: ['moderation'],
            operationId: 'listFlaggedSignatureAppeals',
            summary: 'Appeals with signatures flagged at signing, waiting for a moderator, with counts by reason (moderators)',
            security: bearer,
            response: { 200: Type.Object({ items: Type.Array(FlaggedAppealSchema) }), ...errorResponses(401, 403) },
          },
        },
        async (request) => ({ items: await flaggedAppeals(ctx, request.actor) }),
      );

      app.get(
        '/api/v1/moderation/signatures/:id',
        {
          config: { policy: 'signature.moderate' },
          schema: {
            tags: ['moderation'],
            operationId: 'getFlaggedSignatures',
            summary:
              'One appeal’s flagged signatures, and the counted ones from the same addresses, grouped by reason and by address (moderators who neither wrote nor signed it: else 403 moderator_involved)',
            security: bearer,
            params: IdParams,
            response: { 200: ReviewSchema, ...errorResponses(401, 403, 404, 422) },
          },
        },
        async (request) => {
          const review = await appealSignatureReview(ctx, request.actor, request.params.id);
          return { ...review, signatures: review.signatures.map((s) => ({ ...s, signedAt: s.signedAt.toISOString() })) };
        },
      );

      app.post(
        '/api/v1/moderation/signatures/:id/clear',
        {
          config: { policy: 'signature.moderate' },
          schema: {
            tags: ['moderation'],
            operationId: 'clearFlaggedSignatures',
            summary:
              'Clear the flags of the selected signatures: they count from now on; an appeal they bring to its threshold is sent, once. Only while the appeal collects (409 signing_closed)',
            security: bearer,
            params: IdParams,
            body: Selection,
            response: { 200: Type.Object({ cleared: Type.Integer(), count: Type.Integer() }), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => clearSignatures(ctx, request.actor, request.params.id, request.body.signatureIds),
      );

      app.post(
        '/api/v1/moderation/signatures/:id/invalidation-preview',
        {
          config: { policy: 'signature.moderate' },
          schema: {
            tags: ['moderation'],
            operationId: 'previewSignatureInvalidation',
            summary: 'What invalidating the selected signatures would change (the count before and after, who is told), changing nothing',
            security: bearer,
            params: IdParams,
            body: Selection,
            response: { 200: PreviewSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => previewInvalidation(ctx, request.actor, request.params.id, request.body.signatureIds),
      );

      app.post(
        '/api/v1/moderation/signatures/:id/invalidate',
        {
          config: { policy: 'signature.moderate' },
          schema: {
            tags: ['moderation'],
            operationId: 'invalidateSignatures',
            summary:
              'Invalidate the selected signatures with a reason: removed from the count, one event on the problem’s timeline, the audit log, and each signer told',
            security: bearer,
            params: IdParams,
            body: Type.Object(
              {
                signatureIds: Type.Array(Id, { minItems: 1, maxItems: moderationBatch }),
                reason: Type.String({ maxLength: 2000, description: 'Told to the signers and kept in the audit log (at most 1000 characters after trimming)' }),
              },
              { additionalProperties: false },
            ),
            response: {
              200: Type.Object({ invalidated: Type.Integer(), countBefore: Type.Integer(), count: Type.Integer() }),
              ...errorResponses(400, 401, 403, 404, 409, 422),
            },
          },
        },
        async (request) => invalidateSignatures(ctx, request.actor, request.params.id, request.body.signatureIds, request.body.reason),
      );
    },
  };
}
