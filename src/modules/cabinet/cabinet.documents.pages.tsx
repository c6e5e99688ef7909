/**
 * Documents on the letterhead as pages: the head's form on a problem (`/cabinet/:slug/problems/:id/document`, one POST
 * that redirects to the issued document), the organization's list in its cabinet, and a document's public page and PDF.
 */
import { create as contentDisposition } from 'content-disposition';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { problemsOf } from '../../core/errors.ts';
import { form, idParam, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import * as documents from './cabinet.documents.ts';
import { CabinetDocumentsPage, DocumentFormPage, emptyDocument, PublicDocumentPage } from './cabinet.documents.views.tsx';
import * as members from './cabinet.members.ts';

function slugParam(request: FastifyRequest): string {
  return ((request.params as Record<string, string | undefined>).slug ?? '').slice(0, 200);
}

export function documentPages(ctx: AppContext): AppModule {
  async function cabinet(request: FastifyRequest) {
    const organization = await members.cabinetOrganization(ctx, request.actor, slugParam(request));
    return { organization, role: request.actor?.memberships.get(organization.id) ?? ('clerk' as const) };
  }

  return {
    name: 'cabinet.documents.pages',
    routes(app: App) {
      app.get('/cabinet/:slug/documents', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const list = await documents.documentsOf(ctx, request.actor, organization);
        return reply.page(
          request.t('cabinet.documents.pageTitle', { organization: organization.name }),
          <CabinetDocumentsPage organization={organization} role={role} documents={list} />,
        );
      });

      app.get('/cabinet/:slug/problems/:id/document', { config: { policy: 'cabinet.issueDocument' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const problem = await documents.problemForDocument(ctx, request.actor, organization, idParam(request));
        return reply.page(
          request.t('cabinet.documents.newTitle'),
          <DocumentFormPage organization={organization} role={role} problem={problem} values={emptyDocument} errors={[]} />,
        );
      });

      app.post(
        '/cabinet/:slug/problems/:id/document',
        { config: { policy: 'cabinet.issueDocument', rateLimit: { max: 20, timeWindow: '1 hour' } } },
        async (request, reply) => {
          const { organization, role } = await cabinet(request);
          const problemId = idParam(request);
          const body = form(request);
          const values = {
            title: text(body, 'title', 2_000),
            addressee: text(body, 'addressee', 5_000),
            outgoingNumber: text(body, 'outgoingNumber', 1_000),
            text: text(body, 'text', 100_000),
          };
          try {
            const issued = await documents.issueDocument(ctx, request.actor, organization, problemId, values);
            return reply.flash('flash.cabinetDocumentIssued').redirectAfterPost(`/documents/${issued.id}`);
          } catch (error) {
            const errors = problemsOf(error);
            if (!errors) throw error;
            const problem = await documents.problemForDocument(ctx, request.actor, organization, problemId);
            return reply.page(
              request.t('cabinet.documents.newTitle'),
              <DocumentFormPage organization={organization} role={role} problem={problem} values={values} errors={errors} />,
              { status: 422 },
            );
          }
        },
      );

      app.get('/documents/:id', { config: { policy: 'document.view' } }, async (request, reply) => {
        const view = await documents.publicDocument(ctx, request.actor, idParam(request));
        return reply.page(view.document.title, <PublicDocumentPage view={view} />);
      });

      app.get('/documents/:id/pdf', { config: { policy: 'document.view' } }, async (request, reply) => {
        const id = idParam(request);
        const { pdf, sha256 } = await documents.documentPdf(ctx, request.actor, id);
        return reply
          .header('Content-Type', 'application/pdf')
          .header('Content-Disposition', contentDisposition(documents.documentFilename(id), { type: 'inline' }))
          .header('X-Content-Type-Options', 'nosniff')
          .header('ETag', `"${sha256}"`)
          .header('Cache-Control', 'public, max-age=3600')
          .send(pdf);
      });
    },
  };
}
