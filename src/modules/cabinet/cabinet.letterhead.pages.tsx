/**
 * The letterhead page, `/cabinet/:slug/letterhead`: every official reads it, the head changes it with one multipart
 * POST (lines, signature block, logo) that redirects back; a refused form is shown again with its messages and
 * nothing stored. The logo is served to the organization's officials for the page's preview.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { DomainError, type FieldProblem, problemsOf } from '../../core/errors.ts';
import { form, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { uploadedFiles } from '../answers/answers.upload.ts';
import * as letterheads from './cabinet.letterhead.ts';
import { LetterheadPage, type LetterheadValues, letterheadValues } from './cabinet.letterhead.views.tsx';
import * as members from './cabinet.members.ts';

export const logoUploadOptions = {
  limits: { fileSize: letterheads.letterheadLimits.logoMaxBytes + 1, files: 1 },
  throwFileSizeLimit: false,
};

function slugParam(request: FastifyRequest): string {
  return ((request.params as Record<string, string | undefined>).slug ?? '').slice(0, 200);
}

export function letterheadPages(ctx: AppContext): AppModule {
  async function render(request: FastifyRequest, reply: FastifyReply, options: { values?: LetterheadValues; errors?: FieldProblem[] } = {}) {
    const organization = await members.cabinetOrganization(ctx, request.actor, slugParam(request));
    const letterhead = await letterheads.getLetterhead(ctx, request.actor, organization);
    const errors = options.errors ?? [];
    return reply.page(
      request.t('cabinet.letterhead.pageTitle', { organization: organization.name }),
      <LetterheadPage
        organization={organization}
        role={request.actor?.memberships.get(organization.id) ?? 'clerk'}
        letterhead={letterhead}
        values={options.values ?? letterheadValues(letterhead)}
        errors={errors}
      />,
      { status: errors.length ? 422 : 200 },
    );
  }

  return {
    name: 'cabinet.letterhead.pages',
    routes(app: App) {
      app.get('/cabinet/:slug/letterhead', { config: { policy: 'cabinet.view' } }, (request, reply) => render(request, reply));

      app.post(
        '/cabinet/:slug/letterhead',
        { config: { policy: 'cabinet.manage', multipartOptions: logoUploadOptions, rateLimit: { max: 20, timeWindow: '1 minute' } } },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, slugParam(request));
          const body = form(request);
          const values: LetterheadValues = {
            headerLines: text(body, 'headerLines', 5_000),
            signaturePosition: text(body, 'signaturePosition', 1_000),
            signatureName: text(body, 'signatureName', 1_000),
          };
          const [logo] = uploadedFiles(body as Record<string, unknown>, 'logo');
          try {
            await letterheads.updateLetterhead(ctx, request.actor, organization, {
              headerLines: values.headerLines.split(/\r?\n/),
              signaturePosition: values.signaturePosition,
              signatureName: values.signatureName,
              ...(logo ? { logo } : text(body, 'removeLogo', 10) ? { logo: null } : {}),
            });
          } catch (error) {
            const errors = problemsOf(error);
            if (!errors) throw error;
            return render(request, reply, { values, errors });
          }
          return reply.flash('flash.cabinetLetterheadSaved').redirectAfterPost(`/cabinet/${organization.slug}/letterhead`);
        },
      );

      app.get('/cabinet/:slug/letterhead/logo', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const organization = await members.cabinetOrganization(ctx, request.actor, slugParam(request));
        const { logo } = await letterheads.getLetterhead(ctx, request.actor, organization);
        if (!logo) throw new DomainError('not_found');
        return reply.header('content-type', logo.contentType).header('cache-control', 'private, no-cache').send(logo.image);
      });
    },
  };
}
