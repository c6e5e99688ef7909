/** HTML routes of appeals: draft, edit, open for signatures, sign and withdraw, PDF, sent-by-me, withdraw (confirm, then do). */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { DomainError, type FieldProblem, problemsOf } from '../../core/errors.ts';
import { form, idParam, optionalId, pageNumber, text } from '../../core/http/forms.ts';
import { rateLimitFor } from '../../core/http/rate-limits.ts';
import { publicReads } from '../../core/http/replica-reads.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { authorize, can } from '../../core/policy.ts';
import { checkProofOfWork, maxPayloadLength } from '../../core/security/altcha.ts';
import { fullName } from '../accounts/accounts.rules.ts';
import { getUser } from '../accounts/accounts.service.ts';
import { organizationOptions, suggestAddressees } from '../organizations/organizations.service.ts';
import { getProblemRow } from '../problems/problems.service.ts';
import type { MergeRegion } from './appeals.revisions.rules.ts';
import { revisionMarkdown } from './appeals.revisions.ts';
import './appeals.policy.ts';
import { amendmentsOnPage } from './appeals.amendments.ts';
import * as dispatch from './appeals.dispatch.ts';
import { appealChain, defaultEscalationTarget, escalateAppeal } from './appeals.escalation.ts';
import * as appealQueries from './appeals.queries.ts';
import { parseFormDate } from './appeals.rules.ts';
import * as appeals from './appeals.service.ts';
import * as signing from './appeals.signing.ts';
import { AppealDraftForm, AppealPage, EscalatePage, type SignFormValues, WithdrawConfirmPage } from './appeals.views.tsx';

const signersPerPage = 50;

/** The open appeal that refused a second one to the same addressee (appeal_already_drafted), or null. */
function openAppealOf(error: unknown): number | null {
  return error instanceof DomainError && error.code === 'appeal_already_drafted' ? Number(error.params.appealId) : null;
}

export function appealPages(ctx: AppContext): AppModule {
  async function addresseeOptions(problemId: number) {
    const problem = await getProblemRow(ctx, problemId);
    const [suggested, all] = await Promise.all([suggestAddressees(ctx, problem.territory_id, problem.category_id), organizationOptions(ctx)]);
    const suggestedIds = new Set(suggested.map((o) => o.id));
    return { problem, suggested, others: all.filter((o) => !suggestedIds.has(o.id)) };
  }

  async function renderDraftForm(
    request: FastifyRequest,
    reply: FastifyReply,
    options: {
      problemId: number;
      action: string;
      values: Record<string, string>;
      errors: FieldProblem[];
      message?: string | undefined;
      baseRevision?: number;
      openAppealId?: number;
      conflict?: { latest: number; regions: MergeRegion[] };
    },
  ) {
    const { problem, suggested, others } = await addresseeOptions(options.problemId);
    return reply.page(
      request.t('appealForm.title'),
      <AppealDraftForm
        problem={problem}
        suggested={suggested}
        others={others}
        action={options.action}
        values={options.values}
        errors={options.errors}
        message={options.message}
        baseRevision={options.baseRevision}
        openAppealId={options.openAppealId}
        conflict={options.conflict}
      />,
      { status: options.openAppealId !== undefined || options.conflict ? 409 : options.errors.length || options.message ? 422 : 200 },
    );
  }

  async function renderAppeal(
    request: FastifyRequest,
    reply: FastifyReply,
    appealId: number,
    extra: {
      signErrors?: FieldProblem[];
      sentErrors?: FieldProblem[];
      registrationErrors?: FieldProblem[];
      registrationValues?: { registrationNumber: string; registeredOn: string };
      signValues?: SignFormValues;
      openError?: DomainError;
      status?: number;
    } = {},
  ) {
    // The public parts from a replica when the request may (core/http/replica-reads.ts); the viewer's own from the primary.
    const reads = publicReads(ctx, request);
    const details = await appealQueries.getAppealDetails(reads, appealId, request.actor);
    const page = pageNumber(request);
    const isAuthor = can(request.actor, 'appeal.manage', details.appeal);
    const [signers, mySignature, viewer, authorCopyListed, letters, chain] = await Promise.all([
      appealQueries.publicSigners(reads, appealId, { limit: signersPerPage, offset: (page - 1) * signersPerPage }),
      request.actor ? signing.mySignature(ctx, request.actor.id, appealId) : Promise.resolve(undefined),
      request.actor ? getUser(ctx, request.actor.id) : Promise.resolve(null),
      isAuthor ? appealQueries.authorCopyCount(ctx, appealId) : Promise.resolve(0),
      details.appeal.sent_at ? ctx.ports.appeals.lettersSection(reads, request.actor, appealId) : Promise.resolve(null),
      appealChain(reads, details.appeal),
    ]);
    const collectingNow = details.appeal.status === 'collecting';
    const [superseded, amendments] = await Promise.all([
      request.actor && !mySignature && collectingNow ? signing.mySupersededSignature(ctx, request.actor.id, appealId) : Promise.resolve(undefined),
      collectingNow ? amendmentsOnPage(reads, appealId) : Promise.resolve(null),
    ]);
    // A signer of a replaced version signs the new one with the name, address and choices he gave; the consent to send them is given anew.
    const signValues: SignFormValues = extra.signValues ?? {
      fullName: superseded?.full_name ?? (viewer ? fullName(viewer) : ''),
      postalAddress: superseded?.postal_address ?? viewer?.postal_address ?? '',
      consentTransfer: '',
      consentPublicName: superseded?.public_name ? 'yes' : '',
      consentAuthor: superseded?.consent_author ? 'yes' : '',
    };
    return reply.page(
      details.appeal.title,
      <AppealPage
        details={details}
        signers={signers}
        signersPage={page}
        signersPerPage={signersPerPage}
        mySignature={mySignature ?? null}
        mySupersededSignature={superseded ?? null}
        amendments={amendments}
        canPropose={collectingNow && can(request.actor, 'amendment.propose', details.appeal)}
        isAuthor={isAuthor}
        authorCopyListed={authorCopyListed}
        signValues={signValues}
        signErrors={extra.signErrors ?? []}
        sentErrors={extra.sentErrors ?? []}
        registrationErrors={extra.registrationErrors ?? []}
        registrationValues={extra.registrationValues}
        openError={extra.openError}
        shareUrl={new URL(`/appeals/${appealId}`, ctx.config.baseUrl).href}
        now={ctx.now()}
        letters={letters}
        chain={chain}
        canEscalate={can(request.actor, 'appeal.escalate', details.appeal) && !chain.some((link) => link.id > appealId && link.status !== 'withdrawn')}
      />,
      // The copy button of the share block (shown to signers and the author) is the copy-link island.
      {
        status: extra.status ?? 200,
        // The sign form's ALTCHA widget is the captcha island: only where the form is (a verified person who has not signed).
        scripts:
          details.appeal.status === 'collecting'
            ? ['live-count.js', 'copy-link.js', ...(request.actor?.emailVerified && !mySignature ? ['captcha.js'] : [])]
            : details.appeal.status === 'review'
              ? ['review-live.js']
              : [],
      },
    );
  }

  return {
    name: 'appeals.pages',
    routes(app: App) {
      app.get('/problems/:id/appeals/new', { config: { policy: 'appeal.create' } }, async (request, reply) => {
        const problemId = idParam(request);
        const problem = await getProblemRow(ctx, problemId);
        authorize(request.actor, 'appeal.create', problem);
        return renderDraftForm(request, reply, { problemId, action: `/problems/${problemId}/appeals/new`, values: { title: problem.title }, errors: [] });
      });

      app.post('/problems/:id/appeals/new', { config: { policy: 'appeal.create' } }, async (request, reply) => {
        const problemId = idParam(request);
        const body = form(request);
        const values = { title: text(body, 'title', 400), text: text(body, 'text', 60_000), organizationId: text(body, 'organizationId', 20) };
        try {
          const appeal = await appeals.createAppeal(ctx, request.actor, problemId, {
            title: values.title,
            text: values.text,
            organizationId: optionalId(body, 'organizationId'),
          });
          return reply.flash('flash.appealDrafted').redirectAfterPost(`/appeals/${appeal.id}`);
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderDraftForm(request, reply, { problemId, action: `/problems/${problemId}/appeals/new`, values, errors: problems });
          const open = openAppealOf(error);
          if (open !== null) {
            return renderDraftForm(request, reply, {
              problemId,
              action: `/problems/${problemId}/appeals/new`,
              values,
              errors: [],
              message: request.t('errors.appeal_already_drafted', { appealId: open }),
              openAppealId: open,
            });
          }
          throw error;
        }
      });

      app.get('/appeals/:id', { config: { policy: 'appeal.view' } }, (request, reply) => renderAppeal(request, reply, idParam(request)));

      app.get('/appeals/:id/edit', { config: { policy: 'appeal.revise' } }, async (request, reply) => {
        const appealId = idParam(request);
        const details = await appealQueries.getAppealDetails(ctx, appealId, request.actor);
        authorize(request.actor, 'appeal.revise', details.appeal);
        return renderDraftForm(request, reply, {
          problemId: details.appeal.problem_id,
          action: `/appeals/${appealId}/edit`,
          values: { title: details.appeal.title, text: revisionMarkdown(details.revision), organizationId: String(details.appeal.organization_id) },
          errors: [],
          baseRevision: details.revision.number,
        });
      });

      app.post('/appeals/:id/edit', { config: { policy: 'appeal.revise' } }, async (request, reply) => {
        const appealId = idParam(request);
        const body = form(request);
        const values = { title: text(body, 'title', 400), text: text(body, 'text', 60_000), organizationId: text(body, 'organizationId', 20) };
        const baseRevision = Number(text(body, 'baseRevision', 10));
        try {
          const outcome = await appeals.reviseAppeal(ctx, request.actor, appealId, {
            title: values.title,
            text: values.text,
            organizationId: optionalId(body, 'organizationId'),
            baseRevision,
          });
          if (outcome.kind === 'conflict') {
            const appeal = await appeals.getAppealRow(ctx, appealId);
            return renderDraftForm(request, reply, {
              problemId: appeal.problem_id,
              action: `/appeals/${appealId}/edit`,
              values,
              errors: [],
              message: request.t('errors.draft_conflict', { latest: outcome.latest.number }),
              baseRevision: outcome.latest.number,
              conflict: { latest: outcome.latest.number, regions: outcome.regions },
            });
          }
          return reply.flash(outcome.merged ? 'flash.appealMerged' : 'flash.appealSaved').redirectAfterPost(`/appeals/${appealId}`);
        } catch (error) {
          const appeal = await appeals.getAppealRow(ctx, appealId);
          const problems = problemsOf(error);
          if (problems)
            return renderDraftForm(request, reply, {
              problemId: appeal.problem_id,
              action: `/appeals/${appealId}/edit`,
              values,
              errors: problems,
              baseRevision,
            });
          const open = openAppealOf(error);
          if (open !== null) {
            return renderDraftForm(request, reply, {
              problemId: appeal.problem_id,
              action: `/appeals/${appealId}/edit`,
              values,
              errors: [],
              message: request.t('errors.appeal_already_drafted', { appealId: open }),
              baseRevision,
              openAppealId: open,
            });
          }
          if (error instanceof DomainError && error.code === 'stale_revision') {
            return renderDraftForm(request, reply, {
              problemId: appeal.problem_id,
              action: `/appeals/${appealId}/edit`,
              values,
              errors: [],
              message: request.t('errors.stale_revision', error.params),
              baseRevision: Number(error.params.latest),
            });
          }
          throw error;
        }
      });

      app.post('/appeals/:id/open', { config: { policy: 'appeal.open' } }, async (request, reply) => {
        const appealId = idParam(request);
        try {
          await appeals.openForSignatures(ctx, request.actor, appealId, { acknowledgeWarnings: text(form(request), 'acknowledge', 10) === 'yes' });
          return reply.flash('flash.appealOpened').redirectAfterPost(`/appeals/${appealId}`);
        } catch (error) {
          if (error instanceof DomainError && error.code === 'language_warning')
            return renderAppeal(request, reply, appealId, { openError: error, status: 422 });
          throw error;
        }
      });

      app.post(
        '/appeals/:id/signatures',
        { config: { policy: 'appeal.sign', scope: 'sign' }, onRequest: rateLimitFor(app, ctx, 'sign') },
        async (request, reply) => {
          const appealId = idParam(request);
          const body = form(request);
          const signValues: SignFormValues = {
            fullName: text(body, 'fullName', 400),
            postalAddress: text(body, 'postalAddress', 600),
            consentTransfer: text(body, 'consentTransfer', 10),
            consentPublicName: text(body, 'consentPublicName', 10),
            consentAuthor: text(body, 'consentAuthor', 10),
          };
          try {
            // A forged, expired or used ALTCHA solution: refused before anything is written; a missing one flags the signature.
            const proofOfWork = await checkProofOfWork(ctx, text(body, 'altcha', maxPayloadLength + 1)).catch(async (error: unknown) => {
              // Like the form's other mistakes, a refused proof matters only to someone who may still sign.
              if (error instanceof DomainError && error.code === 'altcha_failed') await signing.refuseIfCannotSign(ctx, appealId, request.actor?.id ?? 0);
              throw error;
            });
            await signing.sign(ctx, request.actor, appealId, {
              proofOfWork,
              fullName: signValues.fullName,
              postalAddress: signValues.postalAddress,
              consentTransfer: signValues.consentTransfer === 'yes',
              consentPublicName: signValues.consentPublicName === 'yes',
              consentAuthor: signValues.consentAuthor === 'yes',
              clientAddress: request.ip,
              textSha256: text(body, 'textSha256', 64) || null,
            });
            return reply.flash('flash.signed').redirectAfterPost(`/appeals/${appealId}#signature`);
          } catch (error) {
            const problems = error instanceof DomainError && error.code === 'altcha_failed' ? [{ field: 'altcha', rule: 'altchaFailed' }] : problemsOf(error);
            if (problems) return renderAppeal(request, reply, appealId, { signErrors: problems, signValues, status: 422 });
            // An amendment was accepted while he read the old text: the page shows the new one, and asks his consent to it again.
            if (error instanceof DomainError && error.code === 'text_changed')
              return renderAppeal(request, reply, appealId, {
                signErrors: [{ field: 'consentTransfer', rule: 'textChanged' }],
                signValues: { ...signValues, consentTransfer: '' },
                status: 409,
              });
            // A second submit from a stale tab (or a double click) is not an error to the signer: the signature stands.
            if (error instanceof DomainError && error.code === 'already_signed')
              return reply.flash('flash.alreadySigned').redirectAfterPost(`/appeals/${appealId}#signature`);
            throw error;
          }
        },
      );

      app.post('/appeals/:id/signatures/withdraw', { config: { policy: 'appeal.mySignature', scope: 'sign' } }, async (request, reply) => {
        const appealId = idParam(request);
        await signing.withdrawSignature(ctx, request.actor, appealId);
        return reply.flash('flash.signatureWithdrawn').redirectAfterPost(`/appeals/${appealId}`);
      });

      app.get('/appeals/:id/document.pdf', { config: { policy: 'appeal.document' } }, async (request, reply) => {
        const { pdf, filename } = await dispatch.authorPdf(ctx, request.actor, idParam(request));
        return reply.header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store').type('application/pdf').send(pdf);
      });

      app.post('/appeals/:id/sent-by-me', { config: { policy: 'appeal.recordSent' } }, async (request, reply) => {
        const appealId = idParam(request);
        const body = form(request);
        try {
          await appeals.recordSelfSent(ctx, request.actor, appealId, {
            sentOn: parseFormDate(text(body, 'sentOn', 20)),
            registrationNumber: text(body, 'registrationNumber', 200),
          });
          return reply.flash('flash.appealRecordedSent').redirectAfterPost(`/appeals/${appealId}`);
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderAppeal(request, reply, appealId, { sentErrors: problems, status: 422 });
          throw error;
        }
      });

      app.post('/appeals/:id/registration', { config: { policy: 'appeal.recordRegistration' } }, async (request, reply) => {
        const appealId = idParam(request);
        const body = form(request);
        const values = { registrationNumber: text(body, 'registrationNumber', 200), registeredOn: text(body, 'registeredOn', 20) };
        try {
          await appeals.recordRegistration(ctx, request.actor, appealId, {
            registrationNumber: values.registrationNumber,
            registeredOn: parseFormDate(values.registeredOn),
          });
          return reply.flash('flash.appealRegistered').redirectAfterPost(`/appeals/${appealId}`);
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderAppeal(request, reply, appealId, { registrationErrors: problems, registrationValues: values, status: 422 });
          throw error;
        }
      });

      // Escalation: a form to pick the addressee (the parent by default); its POST starts the next appeal of the chain.
      const renderEscalate = async (request: FastifyRequest, reply: FastifyReply, appealId: number, selected: number | null, errors: FieldProblem[]) => {
        const appeal = await appeals.getAppealRow(ctx, appealId);
        authorize(request.actor, 'appeal.escalate', appeal);
        const options = (await organizationOptions(ctx)).filter((organization) => organization.id !== appeal.organization_id);
        return reply.page(
          request.t('escalate.title'),
          <EscalatePage appeal={appeal} organizations={options} selected={selected ?? (await defaultEscalationTarget(ctx, appeal))} errors={errors} />,
          { status: errors.length ? 422 : 200 },
        );
      };
      app.get('/appeals/:id/escalate', { config: { policy: 'appeal.escalate' } }, (request, reply) =>
        renderEscalate(request, reply, idParam(request), null, []),
      );
      app.post('/appeals/:id/escalate', { config: { policy: 'appeal.escalate' } }, async (request, reply) => {
        const appealId = idParam(request);
        const organizationId = optionalId(form(request), 'organizationId');
        try {
          const escalated = await escalateAppeal(ctx, request.actor, appealId, { organizationId });
          return reply.flash('flash.appealEscalated').redirectAfterPost(`/appeals/${escalated.id}/edit`);
        } catch (error) {
          const problems = problemsOf(error);
          if (problems) return renderEscalate(request, reply, appealId, organizationId, problems);
          throw error;
        }
      });

      // Withdrawing cannot be undone: the page says what follows, and its red button posts to the same address.
      app.get('/appeals/:id/withdraw', { config: { policy: 'appeal.withdraw' } }, async (request, reply) => {
        const details = await appealQueries.getAppealDetails(ctx, idParam(request), request.actor);
        authorize(request.actor, 'appeal.withdraw', details.appeal);
        return reply.page(request.t('withdraw.title'), <WithdrawConfirmPage details={details} />);
      });

      app.post('/appeals/:id/withdraw', { config: { policy: 'appeal.withdraw' } }, async (request, reply) => {
        const appealId = idParam(request);
        await appeals.withdrawAppeal(ctx, request.actor, appealId);
        return reply.flash('flash.appealWithdrawn').redirectAfterPost(`/appeals/${appealId}`);
      });
    },
  };
}
