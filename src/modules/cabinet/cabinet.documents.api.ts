/**
 * Documents on the letterhead under /api/v1: the head issues one about a problem (POST, the head in person), any
 * official lists the organization's, and anyone reads an issued document with its hash and the address of its PDF.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { bearer, cabinetSecurity, errorResponses, Id, IdParams, noAuth, SlugParams } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import * as documents from './cabinet.documents.ts';
import { type DocumentSummary, documentLimits } from './cabinet.documents.ts';
import * as members from './cabinet.members.ts';

const DocumentSchema = Type.Object({
  id: Type.Integer(),
  organization: Type.Object({ name: Type.String(), slug: Type.String() }),
  problemId: Type.Integer(),
  title: Type.String(),
  addressee: Type.String({ description: 'To whom, one line per printed line' }),
  outgoingNumber: Type.Union([Type.Null(), Type.String()]),
  text: Type.String({ description: 'As issued, in the comment Markdown subset' }),
  textSha256: Type.String({ description: 'SHA-256 (hex) of text, printed on every page of the PDF' }),
  signatures: Type.Integer({ description: 'Signatures of the problem’s appeals when the document was issued' }),
  named: Type.Union([Type.Null(), Type.Integer()], { description: 'How many signers the annex names (with their consent); null until the PDF is set' }),
  issuedAt: Type.String({ format: 'date-time' }),
  pdfUrl: Type.Union([Type.Null(), Type.String()], { description: 'The PDF on the letterhead; null for the few seconds until it is set' }),
  url: Type.String(),
});

function documentJson(ctx: AppContext, document: DocumentSummary, organization: { name: string; slug: string }) {
  return {
    id: document.id,
    organization,
    problemId: document.problem_id,
    title: document.title,
    addressee: document.addressee,
    outgoingNumber: document.outgoing_number,
    text: document.text,
    textSha256: document.text_sha256,
    signatures: document.signatures,
    named: document.named,
    issuedAt: document.issued_at.toISOString(),
    pdfUrl: document.ready ? `${ctx.config.baseUrl}/documents/${document.id}/pdf` : null,
    url: `${ctx.config.baseUrl}/documents/${document.id}`,
  };
}

export function documentApi(ctx: AppContext): AppModule {
  return {
    name: 'cabinet.documents.api',
    routes(app: App) {
      app.get(
        '/api/v1/cabinet/:slug/documents',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetDocuments',
            summary: 'The documents the organization issued on its letterhead, newest first (any of its officials)',
            security: cabinetSecurity,
            params: SlugParams,
            response: { 200: Type.Object({ items: Type.Array(DocumentSchema) }), ...errorResponses(401, 403, 404) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const list = await documents.documentsOf(ctx, request.actor, organization);
          return { items: list.map((document) => documentJson(ctx, document, { name: organization.name, slug: organization.slug })) };
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/problems/:id/documents',
        {
          config: { policy: 'cabinet.issueDocument', rateLimit: { max: 20, timeWindow: '1 hour' } },
          schema: {
            tags: ['cabinet'],
            operationId: 'issueCabinetDocument',
            summary: 'Issue a document on the letterhead about a problem — a deputy’s inquiry, a letter (the head, in person)',
            description:
              'The document cites the citizens’ support: the signatures of the problem’s appeals, and in an annex the public names of the signers who agreed to be named (never an address). It is public at once; its PDF is set a few seconds later (pdfUrl).',
            security: bearer,
            params: Type.Object({ slug: Type.String({ maxLength: 100 }), id: Id }),
            body: Type.Object(
              {
                title: Type.String({ maxLength: documentLimits.titleMaxLength * 2 }),
                addressee: Type.String({ maxLength: documentLimits.addresseeMaxLength * 2 }),
                outgoingNumber: Type.Optional(Type.String({ maxLength: documentLimits.numberMaxLength * 2 })),
                text: Type.String({ maxLength: documentLimits.textMaxLength * 2, description: 'The comment Markdown subset' }),
              },
              { additionalProperties: false },
            ),
            response: { 201: DocumentSchema, ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const issued = await documents.issueDocument(ctx, request.actor, organization, request.params.id, {
            title: request.body.title,
            addressee: request.body.addressee,
            outgoingNumber: request.body.outgoingNumber ?? '',
            text: request.body.text,
          });
          return reply.status(201).send(documentJson(ctx, issued, { name: organization.name, slug: organization.slug }));
        },
      );

      app.get(
        '/api/v1/documents/:id',
        {
          config: { policy: 'document.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'getDocument',
            summary: 'A document an organization issued on its letterhead (public)',
            security: noAuth,
            params: IdParams,
            response: { 200: DocumentSchema, ...errorResponses(404) },
          },
        },
        async (request) => {
          const view = await documents.publicDocument(ctx, request.actor, request.params.id);
          return documentJson(ctx, view.document, view.organization);
        },
      );
    },
  };
}
