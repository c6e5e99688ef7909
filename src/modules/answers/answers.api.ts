/**
 * REST routes of answers under /api/v1: the inbound mail webhook, an appeal's letters and the author's
 * decision on one, and the admins' list of inbound mail.
 */
import { timingSafeEqual } from 'node:crypto';
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { DomainError } from '../../core/errors.ts';
import { bearer, errorResponses, Id, IdParams, optionalBearer, PageQuery } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { can } from '../../core/policy.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';
import * as answers from './answers.service.ts';
import { type AnswerSource, answerUploadLimits, answerUploadOptions, uploadAnswer, uploadedFiles } from './answers.upload.ts';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

const LetterSchema = Type.Object({
  id: Type.Integer(),
  appealId: Type.Integer(),
  kind: Type.Union([Type.Literal('acknowledgement'), Type.Literal('letter')], {
    description: 'acknowledgement: an automatic reply or a registration notice; letter: may be the answer',
  }),
  decision: Nullable(
    Type.Union([Type.Literal('answer'), Type.Literal('not_answer')], {
      description: 'null: the author has not said yet (then only the author and moderators see it)',
    }),
  ),
  source: Type.Union([Type.Literal('email'), Type.Literal('author'), Type.Literal('admin'), Type.Literal('cabinet')], {
    description: 'How it arrived: by e-mail, uploaded by the author, published by an administrator, or by the organization in its cabinet',
  }),
  subject: Nullable(Type.String()),
  text: Type.String(),
  sender: Nullable(Type.String()),
  receivedAt: DateTime,
  registrationNumber: Nullable(Type.String({ description: 'A registration number the letter gives, not yet confirmed' })),
  outgoingNumber: Nullable(Type.String({ description: 'The body’s outgoing number, as an uploaded paper answer gives it' })),
  outgoingDate: Nullable(Type.String({ format: 'date', description: 'The date of an uploaded paper answer' })),
  decidedAt: Nullable(DateTime),
  attachments: Type.Array(
    Type.Object({
      position: Type.Integer(),
      kind: Type.Union([Type.Literal('letterhead'), Type.Literal('scan'), Type.Literal('mail')], {
        description:
          'letterhead: the letter the platform set on the organization’s letterhead (an answer from its service cabinet); scan: uploaded with the answer; mail: attached to the e-mail',
      }),
      filename: Type.String(),
      contentType: Type.String(),
      size: Type.Integer(),
      url: Type.String(),
    }),
  ),
});

const megabytes = Math.round(answerUploadLimits.maxBytes / (1024 * 1024));
const UploadAnswerBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: answerUploadLimits.maxTextLength, description: 'The text of the answer, as the letter says it' }),
    outgoingNumber: Type.Optional(Type.String({ maxLength: answerUploadLimits.maxOutgoingNumberLength, description: 'The body’s outgoing number' })),
    outgoingDate: Type.Optional(Type.String({ format: 'date', description: 'The date of the letter' })),
    files: Type.Optional(
      Type.Unsafe<unknown>({
        description: `Scans of the letter (multipart/form-data only, the field repeated per file): PDF, JPEG or PNG by their bytes, at most ${answerUploadLimits.maxFiles} files of ${megabytes} MB each. Images are re-encoded without their metadata; PDFs are kept as they are`,
      }),
    ),
  },
  { additionalProperties: false },
);

const LetterParams = Type.Object({ id: Id, letterId: Id });

const InboundSchema = Type.Object({
  id: Type.Integer(),
  channel: Type.Union([Type.Literal('smtp'), Type.Literal('webhook')]),
  receivedAt: DateTime,
  status: Type.Union([Type.Literal('received'), Type.Literal('matched'), Type.Literal('unmatched'), Type.Literal('duplicate')]),
  reason: Nullable(Type.String({ description: 'Why it matched no appeal: no_reply_address, bad_signature, unknown_appeal, not_sent, malformed' })),
  envelopeTo: Type.Array(Type.String()),
  from: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  size: Type.Integer(),
});

function secretMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const [a, b] = [Buffer.from(expected), Buffer.from(given)];
  return a.length === b.length && timingSafeEqual(a, b);
}

export function answerApi(ctx: AppContext): AppModule {
  return {
    name: 'answers.api',
    routes(app: App) {
      // The raw message, as a provider's inbound webhook posts it. Only this type: the larger body limit must
      // not open every other route to bodies of INBOUND_MAIL_MAX_MB.
      app.addContentTypeParser('message/rfc822', { parseAs: 'buffer', bodyLimit: ctx.config.inboundMailMaxBytes }, (_request, body, done) => done(null, body));

      const letterJson = (appealId: number, letter: answers.LetterView) => ({
        id: letter.id,
        appealId: letter.appeal_id,
        kind: letter.kind,
        decision: letter.decision,
        source: letter.source,
        subject: letter.subject,
        text: letter.text,
        sender: letter.sender,
        receivedAt: letter.received_at.toISOString(),
        registrationNumber: letter.registration_number,
        outgoingNumber: letter.outgoing_number,
        outgoingDate: letter.outgoing_date,
        decidedAt: letter.decided_at?.toISOString() ?? null,
        attachments: letter.attachments.map((attachment) => ({
          position: attachment.position,
          kind: attachment.kind,
          filename: attachment.filename,
          contentType: attachment.content_type,
          size: attachment.size,
          url: `${ctx.config.baseUrl}/appeals/${appealId}/letters/${letter.id}/attachments/${attachment.position}`,
        })),
      });

      app.post(
        '/api/v1/inbound-mail',
        {
          bodyLimit: ctx.config.inboundMailMaxBytes,
          config: { policy: 'inbound-mail.receive' },
          schema: {
            tags: ['answers'],
            operationId: 'receiveInboundMail',
            summary: 'Hand over one raw RFC 5322 message that came to a reply address (a mail provider’s inbound webhook)',
            description:
              'The body is the message as received (Content-Type: message/rfc822). It is stored before it is parsed, then matched to its appeal by the reply address; a message that matches none is kept for the admins. Off unless INBOUND_MAIL_SECRET is set.',
            security: [{ inboundSecret: [] }],
            headers: Type.Object({ 'x-inbound-secret': Type.Optional(Type.String({ maxLength: 500 })) }),
            response: { 202: Type.Object({ id: Type.Integer({ description: 'The stored message' }) }), ...errorResponses(400, 401, 404, 413, 415) },
          },
        },
        async (request, reply) => {
          const secret = ctx.config.inboundMailSecret;
          if (!secret) throw new DomainError('not_found');
          if (!secretMatches(secret, request.headers['x-inbound-secret'])) throw new DomainError('inbound_secret_invalid');
          const raw = request.body;
          if (!Buffer.isBuffer(raw) || raw.length === 0) throw new DomainError('malformed_body');
          const id = await answers.receiveInbound(ctx, { channel: 'webhook', raw });
          return reply.status(202).send({ id });
        },
      );

      app.get(
        '/api/v1/appeals/:id/letters',
        {
          config: { policy: 'appeal-letter.view' },
          schema: {
            tags: ['answers'],
            operationId: 'listAppealLetters',
            summary: 'The answer and the letters of an appeal: pending letters only for its author and moderators',
            security: optionalBearer,
            params: IdParams,
            response: { 200: Type.Object({ items: Type.Array(LetterSchema), canDecide: Type.Boolean() }), ...errorResponses(404, 422) },
          },
        },
        async (request) => {
          const appealId = request.params.id;
          const appeal = await getAppealRow(ctx, appealId);
          const letters = await answers.visibleLetters(ctx, request.actor, appeal);
          return { items: letters.map((letter) => letterJson(appealId, letter)), canDecide: can(request.actor, 'appeal-letter.decide', appeal) };
        },
      );

      app.post(
        '/api/v1/appeals/:id/letters/:letterId/decision',
        {
          config: { policy: 'appeal-letter.decide' },
          schema: {
            tags: ['answers'],
            operationId: 'decideAppealLetter',
            summary: 'Say whether a letter from the addressee is the answer (the author or a moderator; once per letter)',
            security: bearer,
            params: LetterParams,
            body: Type.Object({ decision: Type.Union([Type.Literal('answer'), Type.Literal('not_answer')]) }, { additionalProperties: false }),
            response: { 200: LetterSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          const { id: appealId, letterId } = request.params;
          await answers.decideLetter(ctx, request.actor, appealId, letterId, request.body.decision);
          const letter = (await answers.lettersOf(ctx, request.actor, appealId)).find((candidate) => candidate.id === letterId);
          if (!letter) throw new DomainError('not_found');
          return letterJson(appealId, letter);
        },
      );

      const uploadRoute = (source: AnswerSource, url: string, operationId: string, summary: string) =>
        app.post(
          url,
          {
            config: {
              policy: source === 'author' ? 'appeal-answer.upload' : 'appeal-answer.publishOnBehalf',
              multipartOptions: answerUploadOptions,
              rateLimit: { max: 20, timeWindow: '1 minute' },
            },
            schema: {
              tags: ['answers'],
              operationId,
              summary,
              description:
                'multipart/form-data with `text`, optional `outgoingNumber`, `outgoingDate` and `files` (or JSON without files). The letter, its scans and the answer are written together or not at all; the review window opens and the signers and followers are told. Refusals: `upload_wrong_type` (a file is not a PDF, JPEG or PNG), `payload_too_large` (a file over the limit), `upload_too_many_files`, `appeal_already_answered`, `wrong_state` (the appeal has not gone out).',
              security: bearer,
              consumes: ['multipart/form-data', 'application/json'],
              params: IdParams,
              body: UploadAnswerBody,
              response: { 201: LetterSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
            },
          },
          async (request, reply) => {
            const appealId = request.params.id;
            const body = request.body;
            const files = request.isMultipart() ? uploadedFiles(body as Record<string, unknown>, 'files') : [];
            const published = await uploadAnswer(ctx, request.actor, appealId, source, {
              text: body.text,
              outgoingNumber: body.outgoingNumber ?? null,
              outgoingDate: body.outgoingDate ?? null,
              files,
            });
            const letter = (await answers.lettersOf(ctx, request.actor, appealId)).find((candidate) => candidate.id === published.id);
            if (!letter) throw new DomainError('not_found');
            return reply.status(201).send(letterJson(appealId, letter));
          },
        );
      uploadRoute(
        'author',
        '/api/v1/appeals/:id/answer',
        'uploadAppealAnswer',
        'Publish the answer the addressee sent on paper (the appeal’s author, while the appeal awaits its answer); marked as uploaded by the author',
      );
      uploadRoute(
        'admin',
        '/api/v1/admin/appeals/:id/answer',
        'publishAppealAnswerOnBehalf',
        'Publish an answer on the addressee’s behalf (admins, while the appeal awaits its answer); marked as published by an administrator',
      );

      app.get(
        '/api/v1/admin/inbound-mail',
        {
          config: { policy: 'inbound-mail.list' },
          schema: {
            tags: ['answers'],
            operationId: 'listInboundMail',
            summary: 'Inbound mail as it arrived, newest first; by default the messages that matched no appeal (admins)',
            security: bearer,
            querystring: Type.Object({
              ...PageQuery.properties,
              status: Type.Optional(
                Type.Union([Type.Literal('unmatched'), Type.Literal('matched'), Type.Literal('duplicate'), Type.Literal('received')], { default: 'unmatched' }),
              ),
            }),
            response: {
              200: Type.Object({ items: Type.Array(InboundSchema), total: Type.Integer(), page: Type.Integer(), perPage: Type.Integer() }),
              ...errorResponses(401, 403, 422),
            },
          },
        },
        async (request) => {
          const page = request.query.page ?? 1;
          const perPage = request.query.perPage ?? 50;
          const list = await answers.listInbound(ctx, request.actor, { status: request.query.status, limit: perPage, offset: (page - 1) * perPage });
          return {
            items: list.items.map((item) => ({
              id: item.id,
              channel: item.channel,
              receivedAt: item.received_at.toISOString(),
              status: item.status,
              reason: item.reason,
              envelopeTo: item.envelope_to,
              from: item.from_address,
              subject: item.subject,
              size: item.size,
            })),
            total: list.total,
            page,
            perPage,
          };
        },
      );
    },
  };
}
