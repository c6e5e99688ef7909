/**
 * The cabinet's HTML routes: `/cabinet` (one's cabinets), `/cabinet/:slug` (the inbox, its saved views and bulk
 * actions), `/cabinet/:slug/appeals/:id` (an appeal as its addressee works on it), members and settings, templates;
 * joining from an organization's page (`/organizations/:slug/join`) and the administrator's queue
 * (`/admin/memberships`). Every form is POST → 303 → GET; a refused one is shown again with its messages (422).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Organization } from '../../core/db/schema.ts';
import { DomainError, type FieldProblem, problemsOf } from '../../core/errors.ts';
import { type FormBody, form, idFromText, idList, idParam, optionalId, pageNumber, text } from '../../core/http/forms.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { authorize, can } from '../../core/policy.ts';
import { answerUploadLimits, answerUploadOptions, uploadedFiles } from '../answers/answers.upload.ts';
import * as addressee from '../appeals/appeals.cabinet.ts';
import { forwardAppeal, forwardingRecord, forwardingTargets, planForwarding } from '../appeals/appeals.forwarding.ts';
import { parseFormDate } from '../appeals/appeals.rules.ts';
import { publicCount } from '../appeals/appeals.signing.ts';
import { membersOf, organizationsOfMember } from '../organizations/organizations.members.ts';
import { listCategories } from '../organizations/organizations.service.ts';
import type { ProblemOfficials } from '../problems/problems.ports.ts';
import { listProblems } from '../problems/problems.service.ts';
import * as answers from './cabinet.answers.ts';
import * as control from './cabinet.control.ts';
import { deleteView, inboxFilterFrom, savedViews, saveView } from './cabinet.inbox.ts';
import * as members from './cabinet.members.ts';
import { isOversightSort, oversightCsv, oversightOf } from './cabinet.oversight.ts';
import { fillTemplate, inboxQuery } from './cabinet.rules.ts';
import {
  AdminMembershipsPage,
  type AppealWorkValues,
  BulkRegisterPage,
  CabinetAppealPage,
  type CabinetAppealPageProps,
  CabinetIndexPage,
  CabinetProblemsPage,
  emptyWorkValues,
  ForwardPage,
  type ForwardPageProps,
  InboxPage,
  JoinPage,
  MembersPage,
  OversightPage,
  ProblemOfficialsSection,
  RemoveMemberPage,
  StatementPage,
  TemplatePage,
  TemplatesPage,
} from './cabinet.views.tsx';

/** The 0-based positions a form's checkboxes send under one name (scans to take off). */
function positions(body: FormBody, name: string): number[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values
    .slice(0, 20)
    .filter((v): v is string => typeof v === 'string' && /^\d{1,2}$/.test(v))
    .map(Number);
}

/** The assignee a form names: `none` (or nothing) for nobody, a member's id, or -1 for what is neither (refused as not a member). */
function assigneeFrom(body: FormBody): number | null {
  const value = text(body, 'assigneeId', 20).trim();
  return value === 'none' || value === '' ? null : idFromText(value);
}

function slugParam(request: FastifyRequest): string {
  const slug = (request.params as Record<string, string | undefined>).slug ?? '';
  return slug.slice(0, 200);
}

export function cabinetPages(ctx: AppContext): AppModule {
  async function cabinet(request: FastifyRequest): Promise<{ organization: Organization; role: 'head' | 'clerk' }> {
    const organization = await members.cabinetOrganization(ctx, request.actor, slugParam(request));
    return { organization, role: request.actor?.memberships.get(organization.id) ?? 'clerk' };
  }

  async function renderInbox(request: FastifyRequest, reply: FastifyReply, errors: FieldProblem[] = []) {
    const { organization, role } = await cabinet(request);
    const actor = authorize(request.actor, 'cabinet.view', organization);
    const rawQuery = (request.query ?? {}) as Record<string, unknown>;
    const filter = inboxFilterFrom(rawQuery);
    const [summary, result, staff, categories, templates, views, timeZone] = await Promise.all([
      addressee.inboxSummary(ctx, organization.id),
      addressee.organizationInbox(ctx, organization.id, filter),
      membersOf(ctx, organization.id),
      listCategories(ctx),
      answers.listTemplates(ctx, actor, organization),
      savedViews(ctx, actor, organization),
      members.cabinetTimeZone(ctx, organization),
    ]);
    return reply.page(
      request.t('cabinet.inboxTitle', { organization: organization.name }),
      <InboxPage
        organization={organization}
        role={role}
        actorId={actor.id}
        summary={summary}
        filter={filter}
        result={result}
        members={staff}
        categories={categories.map((c) => ({ value: c.slug, label: request.locale === 'en' ? c.name_en : c.name_ru }))}
        templates={templates}
        savedViews={views}
        query={inboxQuery(rawQuery)}
        timeZone={timeZone}
        now={ctx.now()}
        errors={errors}
      />,
      { status: errors.length ? 422 : 200 },
    );
  }

  async function renderAppeal(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { form: CabinetAppealPageProps['form']; values: AppealWorkValues; errors: FieldProblem[] } = { form: null, values: emptyWorkValues, errors: [] },
  ) {
    const { organization, role } = await cabinet(request);
    const appeal = await addressee.addresseeAppeal(ctx, request.actor, organization.id, idParam(request));
    const [staff, templates, draft, timeZone, signatures, signed, letter, forwarding] = await Promise.all([
      membersOf(ctx, organization.id),
      answers.listTemplates(ctx, request.actor, organization),
      answers.draftOf(ctx, request.actor, organization, appeal),
      members.cabinetTimeZone(ctx, organization),
      publicCount(ctx, appeal.id),
      addressee.signedText(ctx, appeal),
      addressee.dispatchedLetter(ctx, appeal),
      forwardingRecord(ctx, appeal),
    ]);
    return reply.page(
      request.t('cabinet.appeal.pageTitle', { id: appeal.id }),
      <CabinetAppealPage
        organization={organization}
        role={role}
        appeal={appeal}
        signatures={signatures}
        signedText={signed}
        hasLetter={letter !== null}
        timeZone={timeZone}
        now={ctx.now()}
        members={staff}
        templates={templates}
        draft={draft}
        canPublish={can(request.actor, 'cabinet.publishAnswer', organization)}
        canForward={can(request.actor, 'appeal.forward', appeal)}
        forwarding={forwarding}
        form={options.form}
        values={options.values}
        errors={options.errors}
      />,
      { status: options.errors.length ? 422 : 200 },
    );
  }

  function workValues(body: FormBody): AppealWorkValues {
    return {
      registrationNumber: text(body, 'registrationNumber', 200),
      registeredOn: text(body, 'registeredOn', 20),
      days: text(body, 'days', 10),
      reason: text(body, 'reason', 4000),
      text: text(body, 'text', answerUploadLimits.maxTextLength + 1),
      outgoingNumber: text(body, 'outgoingNumber', 200),
      outgoingDate: text(body, 'outgoingDate', 20),
      returnReason: text(body, 'returnReason', 4000),
    };
  }

  /** Runs a form's action; a refusal with field problems shows the appeal page again with them (422). */
  async function appealAction(
    request: FastifyRequest,
    reply: FastifyReply,
    which: NonNullable<CabinetAppealPageProps['form']>,
    values: AppealWorkValues,
    run: (organization: Organization, appealId: number) => Promise<unknown>,
    flash: Parameters<FastifyReply['flash']>[0],
  ) {
    const { organization } = await cabinet(request);
    const appealId = idParam(request);
    try {
      await run(organization, appealId);
    } catch (error) {
      const errors = problemsOf(error);
      if (!errors) throw error;
      return renderAppeal(request, reply, { form: which, values, errors });
    }
    return reply.flash(flash).redirectAfterPost(`/cabinet/${organization.slug}/appeals/${appealId}#${which}`);
  }

  /** The forwarding form (or, with `confirming`, its confirmation), as the official fills it in. */
  async function renderForward(
    request: FastifyRequest,
    reply: FastifyReply,
    values: ForwardPageProps['values'],
    options: { confirming: ForwardPageProps['confirming']; errors: FieldProblem[] } = { confirming: null, errors: [] },
  ) {
    const { organization, role } = await cabinet(request);
    const appeal = await addressee.addresseeAppeal(ctx, request.actor, organization.id, idParam(request));
    authorize(request.actor, 'appeal.forward', appeal);
    const [targets, timeZone] = await Promise.all([forwardingTargets(ctx, appeal), members.cabinetTimeZone(ctx, organization)]);
    return reply.page(
      request.t('cabinet.forward.pageTitle', { id: appeal.id }),
      <ForwardPage
        organization={organization}
        role={role}
        appeal={appeal}
        targets={[
          ...targets.suggested.map((target) => ({ value: String(target.id), label: target.name, group: request.t('cabinet.forward.suggested') })),
          ...targets.others.map((target) => ({ value: String(target.id), label: target.name, group: request.t('cabinet.forward.others') })),
        ]}
        values={values}
        confirming={options.confirming}
        timeZone={timeZone}
        now={ctx.now()}
        errors={options.errors}
      />,
      { status: options.errors.length ? 422 : 200 },
    );
  }

  async function renderRegister(
    request: FastifyRequest,
    reply: FastifyReply,
    ids: number[],
    values: { registeredOn: string; numbers: Record<number, string> },
    errors: FieldProblem[],
  ) {
    const { organization, role } = await cabinet(request);
    const appeals = [];
    for (const id of ids) appeals.push(await addressee.addresseeAppeal(ctx, request.actor, organization.id, id));
    return reply.page(
      request.t('cabinet.register.title', { count: appeals.length }),
      <BulkRegisterPage organization={organization} role={role} appeals={appeals} values={values} errors={errors} />,
      { status: errors.length ? 422 : 200 },
    );
  }

  async function renderMembers(request: FastifyRequest, reply: FastifyReply, errors: FieldProblem[] = [], errorsFor: number | null = null) {
    const { organization, role } = await cabinet(request);
    const actor = authorize(request.actor, 'cabinet.view', organization);
    return reply.page(
      request.t('cabinet.members.pageTitle', { organization: organization.name }),
      <MembersPage
        organization={organization}
        role={role}
        actorId={actor.id}
        members={await membersOf(ctx, organization.id)}
        errors={errors}
        errorsFor={errorsFor}
      />,
      { status: errors.length ? 422 : 200 },
    );
  }

  async function renderTemplates(request: FastifyRequest, reply: FastifyReply, values = { title: '', body: '' }, errors: FieldProblem[] = []) {
    const { organization, role } = await cabinet(request);
    return reply.page(
      request.t('cabinet.templates.pageTitle', { organization: organization.name }),
      <TemplatesPage
        organization={organization}
        role={role}
        templates={await answers.listTemplates(ctx, request.actor, organization)}
        values={values}
        errors={errors}
      />,
      { status: errors.length ? 422 : 200 },
    );
  }

  async function renderJoin(request: FastifyRequest, reply: FastifyReply, values = { position: '', note: '' }, errors: FieldProblem[] = []) {
    const state = await members.membershipState(ctx, request.actor, slugParam(request));
    return reply.page(request.t('cabinet.join.title'), <JoinPage state={state} values={values} errors={errors} />, { status: errors.length ? 422 : 200 });
  }

  async function renderAdminQueue(request: FastifyRequest, reply: FastifyReply, errors: FieldProblem[] = [], errorsFor: number | null = null) {
    const status = (request.query as Record<string, unknown> | undefined)?.status === 'decided' ? 'decided' : 'pending';
    const page = pageNumber(request);
    const list = await members.listMembershipRequests(ctx, request.actor, { status, limit: 50, offset: (page - 1) * 50 });
    return reply.page(
      request.t('cabinet.admin.title'),
      <AdminMembershipsPage items={list.items} total={list.total} status={status} errors={errors} errorsFor={errorsFor} />,
      { status: errors.length ? 422 : 200 },
    );
  }

  return {
    name: 'cabinet.pages',
    routes(app: App) {
      app.get('/cabinet', { config: { policy: 'cabinet.enter' } }, async (request, reply) => {
        const actor = authorize(request.actor, 'cabinet.enter');
        const mine = await organizationsOfMember(ctx, actor.id);
        return reply.page(request.t('cabinet.indexTitle'), <CabinetIndexPage organizations={mine} />);
      });

      app.get('/cabinet/:slug', { config: { policy: 'cabinet.view' } }, (request, reply) => renderInbox(request, reply));

      app.post('/cabinet/:slug/views', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const body = form(request);
        const query = text(body, 'query', 2000);
        try {
          await saveView(ctx, request.actor, organization, { name: text(body, 'name', 200), query });
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          request.query = Object.fromEntries(new URLSearchParams(query));
          return renderInbox(request, reply, errors);
        }
        return reply
          .flash('flash.cabinetViewSaved')
          .redirectAfterPost(`/cabinet/${organization.slug}?${inboxQuery(Object.fromEntries(new URLSearchParams(query)))}`);
      });

      app.post('/cabinet/:slug/views/:id/delete', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        await deleteView(ctx, request.actor, organization, idParam(request));
        return reply.flash('flash.cabinetViewDeleted').redirectAfterPost(`/cabinet/${organization.slug}`);
      });

      // The inbox's bulk form: assign at once, or go on to the registration of the selected appeals, or draft their answers from a template.
      app.post('/cabinet/:slug/bulk', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const body = form(request);
        const ids = idList(body, 'appealIds', 100);
        const action = text(body, 'action', 30);
        const back = `/cabinet/${organization.slug}?${inboxQuery(Object.fromEntries(new URLSearchParams(text(body, 'return', 2000))))}`;
        if (ids.length === 0) return reply.flash('flash.cabinetNothingSelected').redirectAfterPost(back);
        try {
          if (action === 'assign') {
            await addressee.assignAppeals(ctx, request.actor, organization.id, ids, assigneeFrom(body));
            return reply.flash('flash.cabinetAssigned').redirectAfterPost(back);
          }
          if (action === 'draftFromTemplate') {
            await answers.answerFromTemplate(ctx, request.actor, organization, {
              appealIds: ids,
              templateId: idFromText(text(body, 'templateId', 20)),
              publish: false,
            });
            return reply.flash('flash.cabinetDraftsCreated').redirectAfterPost(back);
          }
          if (action === 'register') return reply.redirectAfterPost(`/cabinet/${organization.slug}/register?ids=${ids.join(',')}`);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          request.query = Object.fromEntries(new URLSearchParams(text(body, 'return', 2000)));
          return renderInbox(request, reply, errors);
        }
        return reply.flash('flash.cabinetNothingSelected').redirectAfterPost(back);
      });

      app.get('/cabinet/:slug/register', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const raw = String((request.query as Record<string, unknown> | undefined)?.ids ?? '');
        const ids = idList({ ids: raw.split(',').slice(0, 100) }, 'ids', 100);
        return renderRegister(request, reply, ids, { registeredOn: '', numbers: {} }, []);
      });

      app.post('/cabinet/:slug/register', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const body = form(request);
        const ids = idList(body, 'appealIds', 100);
        const registeredOn = text(body, 'registeredOn', 20);
        const numbers = Object.fromEntries(ids.map((id) => [id, text(body, `registrationNumber-${id}`, 200)]));
        try {
          await addressee.registerAppeals(
            ctx,
            request.actor,
            organization.id,
            ids.map((id) => ({ appealId: id, registrationNumber: numbers[id] ?? '' })),
            parseFormDate(registeredOn),
          );
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderRegister(request, reply, ids, { registeredOn, numbers }, errors);
        }
        return reply.flash('flash.cabinetRegistered').redirectAfterPost(`/cabinet/${organization.slug}`);
      });

      app.get('/cabinet/:slug/appeals/:id', { config: { policy: 'cabinet.view' } }, (request, reply) => renderAppeal(request, reply));

      app.get('/cabinet/:slug/appeals/:id/letter.pdf', { config: { policy: 'cabinet.view', organizationToken: true } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const appeal = await addressee.addresseeAppeal(ctx, request.actor, organization.id, idParam(request));
        const letter = await addressee.dispatchedLetter(ctx, appeal);
        if (!letter) throw new DomainError('not_found');
        return reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', `inline; filename="appeal-${appeal.id}.pdf"`)
          .header('cache-control', 'private, no-store')
          .send(letter.pdf);
      });

      app.post('/cabinet/:slug/appeals/:id/register', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const values = workValues(form(request));
        return appealAction(
          request,
          reply,
          'register',
          values,
          (organization, appealId) =>
            addressee.registerAppeals(
              ctx,
              request.actor,
              organization.id,
              [{ appealId, registrationNumber: values.registrationNumber }],
              parseFormDate(values.registeredOn),
            ),
          'flash.cabinetRegisteredOne',
        );
      });

      app.post('/cabinet/:slug/appeals/:id/assign', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const body = form(request);
        return appealAction(
          request,
          reply,
          'assign',
          workValues(body),
          (organization, appealId) => addressee.assignAppeals(ctx, request.actor, organization.id, [appealId], assigneeFrom(body)),
          'flash.cabinetAssigned',
        );
      });

      app.post('/cabinet/:slug/appeals/:id/extend', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const values = workValues(form(request));
        return appealAction(
          request,
          reply,
          'extend',
          values,
          (organization, appealId) =>
            addressee.extendAnswer(ctx, request.actor, organization.id, appealId, {
              days: /^\d{1,3}$/.test(values.days.trim()) ? Number(values.days.trim()) : Number.NaN,
              reason: values.reason,
            }),
          'flash.cabinetExtended',
        );
      });

      app.get('/cabinet/:slug/appeals/:id/forward', { config: { policy: 'cabinet.work' } }, (request, reply) =>
        renderForward(request, reply, { organizationId: '', reason: '' }),
      );

      // Forwarding to the competent body: the first post checks and asks to confirm, the confirmed one forwards.
      app.post('/cabinet/:slug/appeals/:id/forward', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const body = form(request);
        const values = { organizationId: text(body, 'organizationId', 20).trim(), reason: text(body, 'reason', 4000) };
        const input = { organizationId: optionalId(body, 'organizationId'), reason: values.reason };
        const appealId = idParam(request);
        // «Изменить» on the confirmation: the form again, as it was filled in.
        if (text(body, 'edit', 10) === 'yes') return renderForward(request, reply, values);
        try {
          if (text(body, 'confirm', 10) !== 'yes') {
            const plan = await planForwarding(ctx, request.actor, organization.id, appealId, input);
            return renderForward(request, reply, values, { confirming: { targetName: plan.target.name }, errors: [] });
          }
          await forwardAppeal(ctx, request.actor, organization.id, appealId, input);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderForward(request, reply, values, { confirming: null, errors });
        }
        return reply.flash('flash.cabinetForwarded').redirectAfterPost(`/cabinet/${organization.slug}/appeals/${appealId}#forwarding`);
      });

      // The answer form: save the draft, submit it for approval, or publish it (the head, or anyone where no approval is needed).
      app.post(
        '/cabinet/:slug/appeals/:id/answer',
        { config: { policy: 'cabinet.work', multipartOptions: answerUploadOptions, rateLimit: { max: 30, timeWindow: '1 minute' } } },
        async (request, reply) => {
          const body = form(request);
          const values = workValues(body);
          const action = text(body, 'action', 20);
          const removeAttachments = positions(body, 'removeAttachments');
          return appealAction(
            request,
            reply,
            'answer',
            values,
            async (organization, appealId) => {
              await answers.saveDraft(ctx, request.actor, organization, appealId, {
                text: values.text,
                outgoingNumber: values.outgoingNumber,
                outgoingDate: values.outgoingDate,
                files: uploadedFiles(body, 'files'),
                removeAttachments,
              });
              if (action === 'submit') await answers.submitDraft(ctx, request.actor, organization, appealId);
              if (action === 'publish') await answers.publishDraft(ctx, request.actor, organization, appealId);
            },
            action === 'publish' ? 'flash.answerPublished' : action === 'submit' ? 'flash.cabinetSubmitted' : 'flash.cabinetDraftSaved',
          );
        },
      );

      // «Вставить шаблон» without JavaScript: the template's text, with the appeal's details put in, becomes the draft.
      app.post('/cabinet/:slug/appeals/:id/answer/template', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const body = form(request);
        return appealAction(
          request,
          reply,
          'answer',
          emptyWorkValues,
          async (organization, appealId) => {
            const template = await answers.getTemplate(ctx, request.actor, organization, idFromText(text(body, 'templateId', 20)));
            const appeal = await addressee.addresseeAppeal(ctx, request.actor, organization.id, appealId);
            const draft = await answers.draftOf(ctx, request.actor, organization, appeal);
            const filled = fillTemplate(template.body, {
              id: appeal.id,
              title: appeal.title,
              registrationNumber: appeal.registration_number,
              sentOn: appeal.sent_at ? appeal.sent_at.toISOString().slice(0, 10).split('-').reverse().join('.') : null,
            });
            await answers.saveDraft(ctx, request.actor, organization, appealId, {
              text: filled,
              outgoingNumber: draft.draft?.outgoing_number ?? '',
              outgoingDate: draft.draft?.outgoing_date ?? '',
              files: [],
              removeAttachments: [],
            });
          },
          'flash.cabinetTemplateApplied',
        );
      });

      app.post('/cabinet/:slug/appeals/:id/answer/return', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const values = workValues(form(request));
        return appealAction(
          request,
          reply,
          'return',
          values,
          (organization, appealId) => answers.returnDraft(ctx, request.actor, organization, appealId, values.returnReason),
          'flash.cabinetReturned',
        );
      });

      app.get('/cabinet/:slug/appeals/:id/answer/files/:position', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const file = await answers.draftAttachment(ctx, request.actor, organization, idParam(request), idParam(request, 'position', 0));
        return reply
          .header('content-type', file.content_type)
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .header('cache-control', 'private, no-store')
          .header('x-content-type-options', 'nosniff')
          .send(file.content);
      });

      app.get('/cabinet/:slug/members', { config: { policy: 'cabinet.view' } }, (request, reply) => renderMembers(request, reply));

      app.post('/cabinet/:slug/members/:userId', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const userId = idParam(request, 'userId');
        const body = form(request);
        try {
          await members.changeMember(ctx, request.actor, organization.slug, userId, { role: text(body, 'role', 20), position: text(body, 'position', 400) });
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderMembers(request, reply, errors, userId);
        }
        return reply.flash('flash.cabinetMemberSaved').redirectAfterPost(`/cabinet/${organization.slug}/members`);
      });

      app.get('/cabinet/:slug/members/:userId/remove', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const userId = idParam(request, 'userId');
        const self = request.actor?.id === userId;
        authorize(request.actor, self ? 'cabinet.leave' : 'cabinet.manage', organization);
        const member = await members.cabinetMember(ctx, organization, userId);
        if (!member) throw new DomainError('not_found');
        return reply.page(
          request.t(self ? 'cabinet.remove.leaveTitle' : 'cabinet.remove.pageTitle'),
          <RemoveMemberPage organization={organization} role={role} member={member} self={self} />,
        );
      });

      app.post('/cabinet/:slug/members/:userId/remove', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const userId = idParam(request, 'userId');
        const self = request.actor?.id === userId;
        await members.removeMember(ctx, request.actor, organization.slug, userId);
        return self
          ? reply.flash('flash.cabinetLeft').redirectAfterPost('/')
          : reply.flash('flash.cabinetMemberRemoved').redirectAfterPost(`/cabinet/${organization.slug}/members`);
      });

      app.post('/cabinet/:slug/settings', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const body = form(request);
        await members.updateSettings(ctx, request.actor, organization.slug, {
          answersNeedApproval: text(body, 'answersNeedApproval', 5) === 'yes',
          showOfficialNames: text(body, 'showOfficialNames', 5) === 'yes',
        });
        return reply.flash('flash.cabinetSettingsSaved').redirectAfterPost(`/cabinet/${organization.slug}/members`);
      });

      app.get('/cabinet/:slug/templates', { config: { policy: 'cabinet.view' } }, (request, reply) => renderTemplates(request, reply));

      app.post('/cabinet/:slug/templates', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const body = form(request);
        const values = { title: text(body, 'title', 400), body: text(body, 'body', 40_000) };
        try {
          await answers.saveTemplate(ctx, request.actor, organization, null, values);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderTemplates(request, reply, values, errors);
        }
        return reply.flash('flash.cabinetTemplateSaved').redirectAfterPost(`/cabinet/${organization.slug}/templates`);
      });

      app.get('/cabinet/:slug/templates/:id', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const template = await answers.getTemplate(ctx, request.actor, organization, idParam(request));
        return reply.page(
          template.title,
          <TemplatePage organization={organization} role={role} template={template} values={{ title: template.title, body: template.body }} errors={[]} />,
        );
      });

      app.post('/cabinet/:slug/templates/:id', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const templateId = idParam(request);
        const body = form(request);
        const values = { title: text(body, 'title', 400), body: text(body, 'body', 40_000) };
        try {
          await answers.saveTemplate(ctx, request.actor, organization, templateId, values);
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          const template = await answers.getTemplate(ctx, request.actor, organization, templateId);
          return reply.page(template.title, <TemplatePage organization={organization} role={role} template={template} values={values} errors={errors} />, {
            status: 422,
          });
        }
        return reply.flash('flash.cabinetTemplateSaved').redirectAfterPost(`/cabinet/${organization.slug}/templates`);
      });

      app.post('/cabinet/:slug/templates/:id/delete', { config: { policy: 'cabinet.manage' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        await answers.deleteTemplate(ctx, request.actor, organization, idParam(request));
        return reply.flash('flash.cabinetTemplateDeleted').redirectAfterPost(`/cabinet/${organization.slug}/templates`);
      });

      app.get('/cabinet/:slug/oversight', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const wanted = (request.query as Record<string, unknown> | undefined)?.sort;
        const sort = isOversightSort(wanted) ? wanted : 'overdue';
        const oversight = await oversightOf(ctx, request.actor, organization, sort);
        return reply.page(
          request.t('cabinet.oversight.pageTitle', { organization: organization.name }),
          <OversightPage organization={organization} role={role} oversight={oversight} sort={sort} />,
        );
      });

      app.get('/cabinet/:slug/oversight.csv', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const wanted = (request.query as Record<string, unknown> | undefined)?.sort;
        const oversight = await oversightOf(ctx, request.actor, organization, isOversightSort(wanted) ? wanted : 'overdue');
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="democrator-${organization.slug}-subordinates.csv"`)
          .header('cache-control', 'private, no-store')
          .send(oversightCsv(request.t, oversight));
      });

      app.get('/cabinet/:slug/problems', { config: { policy: 'cabinet.view' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        authorize(request.actor, 'cabinet.view', organization);
        const view = (request.query as Record<string, unknown> | undefined)?.view === 'controlled' ? 'controlled' : 'resonant';
        const page = pageNumber(request);
        const perPage = 20;
        const territory = await control.organizationTerritory(ctx, organization);
        const listing =
          view === 'controlled'
            ? await listProblems(ctx, { ids: await control.controlledProblemIds(ctx, organization), sort: 'new', limit: perPage, offset: (page - 1) * perPage })
            : await listProblems(ctx, { territoryOktmo: territory.oktmo, status: 'open', sort: 'resonant', limit: perPage, offset: (page - 1) * perPage });
        return reply.page(
          request.t('cabinet.problems.pageTitle', { organization: organization.name }),
          <CabinetProblemsPage
            organization={organization}
            role={role}
            view={view}
            territoryName={territory.name}
            items={listing.items}
            total={listing.total}
            page={page}
            perPage={perPage}
          />,
        );
      });

      app.post('/cabinet/:slug/problems/:id/control', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const problemId = idParam(request);
        await control.takeControl(ctx, request.actor, organization, problemId);
        return reply.flash('flash.cabinetControlTaken').redirectAfterPost(`/problems/${problemId}#officials`);
      });

      app.post('/cabinet/:slug/problems/:id/release', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const { organization } = await cabinet(request);
        const problemId = idParam(request);
        await control.releaseControl(ctx, request.actor, organization, problemId);
        return reply.flash('flash.cabinetControlReleased').redirectAfterPost(`/problems/${problemId}#officials`);
      });

      app.get('/cabinet/:slug/problems/:id/statement', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        authorize(request.actor, 'cabinet.work', organization);
        const problem = await control.problemForStatement(ctx, idParam(request), organization);
        return reply.page(
          request.t('cabinet.problem.statementTitle'),
          <StatementPage organization={organization} role={role} problem={problem} committed={problem.committed} value="" errors={[]} />,
        );
      });

      app.post('/cabinet/:slug/problems/:id/statement', { config: { policy: 'cabinet.work' } }, async (request, reply) => {
        const { organization, role } = await cabinet(request);
        const problemId = idParam(request);
        const value = text(form(request), 'statement', 10_000);
        try {
          await control.statementOnProblem(ctx, request.actor, organization, problemId, { text: value });
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          const problem = await control.problemForStatement(ctx, problemId, organization);
          return reply.page(
            request.t('cabinet.problem.statementTitle'),
            <StatementPage organization={organization} role={role} problem={problem} committed={problem.committed} value={value} errors={errors} />,
            { status: 422 },
          );
        }
        return reply.flash('flash.cabinetStatementPublished').redirectAfterPost(`/problems/${problemId}#timeline-title`);
      });

      app.get('/organizations/:slug/join', { config: { policy: 'membership.request' } }, (request, reply) => renderJoin(request, reply));

      app.post(
        '/organizations/:slug/join',
        { config: { policy: 'membership.request', rateLimit: { max: 10, timeWindow: '1 hour' } } },
        async (request, reply) => {
          const body = form(request);
          const values = { position: text(body, 'position', 400), note: text(body, 'note', 2000) };
          try {
            const request_ = await members.requestMembership(ctx, request.actor, slugParam(request), values);
            return request_.status === 'approved'
              ? reply.flash('flash.cabinetJoined').redirectAfterPost(`/cabinet/${slugParam(request)}`)
              : reply.flash('flash.cabinetRequested').redirectAfterPost(`/organizations/${slugParam(request)}/join`);
          } catch (error) {
            const errors = problemsOf(error);
            if (!errors) throw error;
            return renderJoin(request, reply, values, errors);
          }
        },
      );

      app.post('/organizations/:slug/join/cancel', { config: { policy: 'membership.cancel' } }, async (request, reply) => {
        const body = form(request);
        await members.cancelMembershipRequest(ctx, request.actor, idFromText(text(body, 'requestId', 20)));
        return reply.flash('flash.cabinetRequestCancelled').redirectAfterPost(`/organizations/${slugParam(request)}/join`);
      });

      app.get('/admin/memberships', { config: { policy: 'membership.decide' } }, (request, reply) => renderAdminQueue(request, reply));

      app.post('/admin/memberships/:id', { config: { policy: 'membership.decide' } }, async (request, reply) => {
        const requestId = idParam(request);
        const body = form(request);
        const approve = text(body, 'decision', 10) === 'approve';
        try {
          await members.decideMembership(ctx, request.actor, requestId, { approve, role: text(body, 'role', 20), reason: text(body, 'reason', 2000) });
        } catch (error) {
          const errors = problemsOf(error);
          if (!errors) throw error;
          return renderAdminQueue(request, reply, errors, requestId);
        }
        return reply.flash(approve ? 'flash.membershipApproved' : 'flash.membershipRejected').redirectAfterPost('/admin/memberships');
      });
    },
  };
}

/**
 * The problems port's officials (problems.ports.ts): the organizations holding problems «на контроль», and on a
 * problem's page, for an official, the section to take it «на контроль» and speak for the organization on it.
 */
export const problemOfficials: ProblemOfficials = {
  controls: (ctx, problemIds) => control.controlsOfProblems(ctx, problemIds),
  controlsReads: control.controlsReads,
  async section(ctx, request, problem) {
    const actor = request.actor;
    if (!actor || actor.memberships.size === 0 || problem.status !== 'open') return null;
    const mine = await organizationsOfMember(ctx, actor.id);
    const organizations = [];
    for (const entry of mine) {
      const organization = await members.cabinetOrganization(ctx, actor, entry.slug);
      organizations.push({ organization, holds: await control.holdsControl(ctx, organization.id, problem.id), head: entry.role === 'head' });
    }
    return { content: <ProblemOfficialsSection problemId={problem.id} organizations={organizations} /> };
  },
};
