/**
 * The organization's letterhead under /api/v1/cabinet/{slug}/letterhead, as its page: any official reads it, the head
 * changes the lines and the signature block (PUT, JSON), and puts or removes the logo (multipart, field "logo").
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { DomainError } from '../../core/errors.ts';
import { bearer, errorResponses } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { authorize } from '../../core/policy.ts';
import { uploadedFiles } from '../answers/answers.upload.ts';
import { logoUploadOptions } from './cabinet.letterhead.pages.tsx';
import * as letterheads from './cabinet.letterhead.ts';
import { type Letterhead, letterheadLimits } from './cabinet.letterhead.ts';
import * as members from './cabinet.members.ts';

const SlugParams = Type.Object({ slug: Type.String({ maxLength: 100 }) });

const LetterheadSchema = Type.Object({
  headerLines: Type.Array(Type.String(), { description: 'Printed at the top of the organization’s answers: its full name, address, contacts' }),
  signature: Type.Object(
    { position: Type.String(), name: Type.String() },
    { description: 'The signing official, printed under the answer; empty strings when not set' },
  ),
  logo: Type.Union([Type.Null(), Type.Object({ url: Type.String(), contentType: Type.String(), width: Type.Integer(), height: Type.Integer() })]),
  updatedAt: Type.Union([Type.Null(), Type.String({ format: 'date-time' })]),
});

function letterheadJson(slug: string, letterhead: Letterhead) {
  return {
    headerLines: letterhead.headerLines,
    signature: { position: letterhead.signaturePosition, name: letterhead.signatureName },
    logo: letterhead.logo
      ? { url: `/cabinet/${slug}/letterhead/logo`, contentType: letterhead.logo.contentType, width: letterhead.logo.width, height: letterhead.logo.height }
      : null,
    updatedAt: letterhead.updatedAt?.toISOString() ?? null,
  };
}

export function letterheadApi(ctx: AppContext): AppModule {
  return {
    name: 'cabinet.letterhead.api',
    routes(app: App) {
      app.get(
        '/api/v1/cabinet/:slug/letterhead',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'getCabinetLetterhead',
            summary: 'The organization’s letterhead its answers are printed on (any of its officials)',
            security: bearer,
            params: SlugParams,
            response: { 200: LetterheadSchema, ...errorResponses(401, 403, 404) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return letterheadJson(organization.slug, await letterheads.getLetterhead(ctx, request.actor, organization));
        },
      );

      app.put(
        '/api/v1/cabinet/:slug/letterhead',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'updateCabinetLetterhead',
            summary: 'Change the letterhead’s lines and signature block (the head, in person); the logo is kept',
            description: `At most ${letterheadLimits.maxHeaderLines} header lines of ${letterheadLimits.maxLineLength} characters; the signature’s position and name go together or not at all.`,
            security: bearer,
            params: SlugParams,
            body: Type.Object(
              {
                headerLines: Type.Array(Type.String({ maxLength: 1_000 }), { maxItems: 20 }),
                signature: Type.Object(
                  { position: Type.String({ maxLength: 1_000 }), name: Type.String({ maxLength: 1_000 }) },
                  { additionalProperties: false },
                ),
              },
              { additionalProperties: false },
            ),
            response: { 200: LetterheadSchema, ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const updated = await letterheads.updateLetterhead(ctx, request.actor, organization, {
            headerLines: request.body.headerLines,
            signaturePosition: request.body.signature.position,
            signatureName: request.body.signature.name,
          });
          return letterheadJson(organization.slug, updated);
        },
      );

      app.put(
        '/api/v1/cabinet/:slug/letterhead/logo',
        {
          config: { policy: 'cabinet.manage', multipartOptions: logoUploadOptions, rateLimit: { max: 20, timeWindow: '1 minute' } },
          schema: {
            tags: ['cabinet'],
            operationId: 'putCabinetLetterheadLogo',
            summary: `Put the letterhead’s logo (the head): multipart/form-data, one PNG or JPEG in the field "logo", at most ${letterheadLimits.logoMaxBytes / 1024 / 1024} MB; re-encoded, resized and stripped of metadata`,
            security: bearer,
            consumes: ['multipart/form-data'],
            params: SlugParams,
            response: { 200: LetterheadSchema, ...errorResponses(400, 401, 403, 404, 415, 422) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          // Who asks before what was sent, as on every cabinet route.
          authorize(request.actor, 'cabinet.manage', organization);
          if (!request.isMultipart()) throw new DomainError('bad_request');
          const current = await letterheads.getLetterhead(ctx, request.actor, organization);
          const [logo] = uploadedFiles((request.body ?? {}) as Record<string, unknown>, 'logo');
          if (!logo) throw new DomainError('validation_failed', {}, [{ field: 'logo', rule: 'required' }]);
          const updated = await letterheads.updateLetterhead(ctx, request.actor, organization, {
            headerLines: current.headerLines,
            signaturePosition: current.signaturePosition,
            signatureName: current.signatureName,
            logo,
          });
          return letterheadJson(organization.slug, updated);
        },
      );

      app.delete(
        '/api/v1/cabinet/:slug/letterhead/logo',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'deleteCabinetLetterheadLogo',
            summary: 'Remove the letterhead’s logo (the head)',
            security: bearer,
            params: SlugParams,
            response: { 200: LetterheadSchema, ...errorResponses(401, 403, 404, 422) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const current = await letterheads.getLetterhead(ctx, request.actor, organization);
          const updated = await letterheads.updateLetterhead(ctx, request.actor, organization, {
            headerLines: current.headerLines,
            signaturePosition: current.signaturePosition,
            signatureName: current.signatureName,
            logo: null,
          });
          return letterheadJson(organization.slug, updated);
        },
      );
    },
  };
}
