/**
 * The service cabinet under /api/v1, with the same policies as its pages, so an organization can connect its
 * document-management system (СЭД): the inbox with its filters, one appeal, registration (several at once),
 * assignment, extension, the answer being prepared (save, submit, return, publish; from a template for several),
 * members and settings, templates, saved views; joining an organization and the administrator's decisions.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { AnswerTemplate, Appeal, MembershipRequest, Organization } from '../../core/db/schema.ts';
import { absentBodyIsEmpty, bearer, cabinetSecurity, errorResponses, Id, PageQuery } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { authorize, can } from '../../core/policy.ts';
import { answerUploadLimits, answerUploadOptions, uploadedFiles } from '../answers/answers.upload.ts';
import * as addressee from '../appeals/appeals.cabinet.ts';
import { forwardAppeal, forwardingReasonLimits, forwardingRecord } from '../appeals/appeals.forwarding.ts';
import { parseFormDate } from '../appeals/appeals.rules.ts';
import { publicCount } from '../appeals/appeals.signing.ts';
import { type Member, membersOf, organizationsOfMember } from '../organizations/organizations.members.ts';
import { organizationLabels } from '../organizations/organizations.service.ts';
import * as answers from './cabinet.answers.ts';
import * as control from './cabinet.control.ts';
import { deleteView, inboxFilterFrom, savedViews, saveView } from './cabinet.inbox.ts';
import * as members from './cabinet.members.ts';
import { oversightOf, oversightSorts } from './cabinet.oversight.ts';
import { answerTextMaxLength } from './cabinet.rules.ts';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const Role = Type.Union([Type.Literal('head'), Type.Literal('clerk')]);
const SlugParams = Type.Object({ slug: Type.String({ maxLength: 100 }) });
const SlugIdParams = Type.Object({ slug: Type.String({ maxLength: 100 }), id: Id });
const SlugUserParams = Type.Object({ slug: Type.String({ maxLength: 100 }), userId: Id });

const InboxItemSchema = Type.Object({
  id: Type.Integer(),
  problemId: Type.Integer(),
  title: Type.String(),
  status: Type.String(),
  receivedAt: Nullable(DateTime),
  registrationNumber: Nullable(Type.String()),
  registrationDueAt: Nullable(DateTime),
  answerDueAt: Nullable(DateTime),
  overdue: Type.Boolean({ description: 'The answer term passed with no answer' }),
  extendedAt: Nullable(DateTime),
  answeredAt: Nullable(DateTime),
  assignee: Nullable(Type.Object({ userId: Type.Integer(), name: Type.String() })),
  signatures: Type.Integer(),
  url: Type.String({ description: 'The appeal in the cabinet' }),
});

const AppealSchema = Type.Object({
  ...InboxItemSchema.properties,
  text: Type.String({ description: 'The text the signatures were collected under' }),
  textSha256: Nullable(Type.String()),
  extensionDays: Nullable(Type.Integer()),
  extensionReason: Nullable(Type.String()),
  letterPdfUrl: Nullable(Type.String({ description: 'The letter the platform sent, with the signatories (only the addressee’s officials get it)' })),
  draft: Nullable(
    Type.Object({
      status: Type.Union([Type.Literal('draft'), Type.Literal('awaiting_approval')]),
      text: Type.String(),
      outgoingNumber: Nullable(Type.String()),
      outgoingDate: Nullable(Type.String({ format: 'date' })),
      returnedReason: Nullable(Type.String()),
      updatedAt: DateTime,
      attachments: Type.Array(Type.Object({ position: Type.Integer(), filename: Type.String(), contentType: Type.String(), size: Type.Integer() })),
    }),
  ),
  canPublish: Type.Boolean({ description: 'Whether the caller may publish the answer (the head, or anyone where no approval is required)' }),
  forwardingDueAt: Nullable(DateTime),
  forwarding: Nullable(
    Type.Object(
      {
        forwardedAt: DateTime,
        reason: Type.String(),
        to: Type.Object({ slug: Type.String(), name: Type.String() }),
        forwardedAppealId: Type.Integer({ description: 'The next appeal of the chain, addressed to the competent body' }),
        daysLate: Type.Integer({ description: 'Days after the 7-day forwarding term (59-FZ Art. 8 p. 3); 0 when within it' }),
      },
      { description: 'The appeal was forwarded to the competent body (status `forwarded`)' },
    ),
  ),
});

const MemberSchema = Type.Object({
  userId: Type.Integer(),
  name: Type.String(),
  role: Role,
  position: Nullable(Type.String()),
  since: DateTime,
});

const TemplateSchema = Type.Object({ id: Type.Integer(), title: Type.String(), body: Type.String(), updatedAt: DateTime });
const TemplateBody = Type.Object(
  { title: Type.String({ maxLength: 400 }), body: Type.String({ maxLength: answerTextMaxLength * 2 }) },
  { additionalProperties: false },
);

const RequestSchema = Type.Object({
  id: Type.Integer(),
  organization: Type.Object({ slug: Type.String(), name: Type.String() }),
  position: Type.String(),
  note: Nullable(Type.String()),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('cancelled')]),
  createdAt: DateTime,
  decidedAt: Nullable(DateTime),
  decisionReason: Nullable(Type.String()),
  applicant: Type.Optional(Type.Object({ name: Type.String(), email: Type.String(), emailVerified: Type.Boolean() })),
});

const CabinetSchema = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  role: Role,
  answersNeedApproval: Type.Boolean(),
  showOfficialNames: Type.Boolean(),
});

const DraftBody = Type.Object(
  {
    text: Type.Optional(Type.String({ maxLength: answerUploadLimits.maxTextLength })),
    outgoingNumber: Type.Optional(Type.String({ maxLength: 200 })),
    outgoingDate: Type.Optional(Type.String({ maxLength: 20, description: 'YYYY-MM-DD or DD.MM.YYYY' })),
    removeAttachments: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 50 }), { maxItems: 20 })),
    files: Type.Optional(
      Type.Unsafe<unknown>({ description: 'Scans (multipart/form-data only, the field repeated per file): PDF, JPEG or PNG, at most 10 in all' }),
    ),
  },
  { additionalProperties: false },
);

function memberName(member: Pick<Member, 'first_name' | 'surname' | 'patronymic'>): string {
  return [member.surname, member.first_name, member.patronymic].filter(Boolean).join(' ');
}

function inboxItemJson(organization: Organization, item: addressee.InboxItem, now: Date) {
  return {
    id: item.id,
    problemId: item.problem_id,
    title: item.title,
    status: item.status,
    receivedAt: item.sent_at?.toISOString() ?? null,
    registrationNumber: item.registration_number,
    registrationDueAt: item.registration_due_at?.toISOString() ?? null,
    answerDueAt: item.answer_due_at?.toISOString() ?? null,
    overdue: (item.status === 'sent' || item.status === 'registered') && item.answer_due_at !== null && item.answer_due_at.getTime() < now.getTime(),
    extendedAt: item.extended_at?.toISOString() ?? null,
    answeredAt: item.answered_at?.toISOString() ?? null,
    assignee: item.assignee_id && item.assignee_surname ? { userId: item.assignee_id, name: `${item.assignee_first_name} ${item.assignee_surname}` } : null,
    signatures: item.signatures,
    url: `/cabinet/${organization.slug}/appeals/${item.id}`,
  };
}

function templateJson(template: AnswerTemplate) {
  return { id: template.id, title: template.title, body: template.body, updatedAt: template.updated_at.toISOString() };
}

function requestJson(request: MembershipRequest, organization: { slug: string; name: string }, applicant?: members.RequestListItem) {
  return {
    id: request.id,
    organization,
    position: request.position,
    note: request.note,
    status: request.status,
    createdAt: request.created_at.toISOString(),
    decidedAt: request.decided_at?.toISOString() ?? null,
    decisionReason: request.decision_reason,
    ...(applicant ? { applicant: { name: memberName(applicant), email: applicant.email, emailVerified: applicant.email_verified_at !== null } } : {}),
  };
}

export function cabinetApi(ctx: AppContext): AppModule {
  async function appealJson(actor: Parameters<typeof can>[0], organization: Organization, appeal: Appeal) {
    const [staff, draft, signatures, text, letter, forwarding] = await Promise.all([
      membersOf(ctx, organization.id),
      answers.draftOf(ctx, actor, organization, appeal),
      publicCount(ctx, appeal.id),
      addressee.signedText(ctx, appeal),
      addressee.dispatchedLetter(ctx, appeal),
      forwardingRecord(ctx, appeal),
    ]);
    const assignee = staff.find((m) => m.user_id === appeal.assignee_id);
    const now = ctx.now();
    return {
      ...inboxItemJson(
        organization,
        {
          ...appeal,
          assignee_first_name: assignee?.first_name ?? null,
          assignee_surname: assignee?.surname ?? null,
          signatures,
        },
        now,
      ),
      text,
      textSha256: appeal.text_sha256,
      extensionDays: appeal.extension_days,
      extensionReason: appeal.extension_reason,
      letterPdfUrl: letter ? `/cabinet/${organization.slug}/appeals/${appeal.id}/letter.pdf` : null,
      draft: draft.draft
        ? {
            status: draft.draft.status,
            text: draft.draft.text,
            outgoingNumber: draft.draft.outgoing_number,
            outgoingDate: draft.draft.outgoing_date,
            returnedReason: draft.draft.returned_reason,
            updatedAt: draft.draft.updated_at.toISOString(),
            attachments: draft.attachments.map((file) => ({
              position: file.position,
              filename: file.filename,
              contentType: file.content_type,
              size: file.size,
            })),
          }
        : null,
      canPublish: can(actor, 'cabinet.publishAnswer', organization),
      forwardingDueAt: appeal.forwarding_due_at?.toISOString() ?? null,
      forwarding: forwarding
        ? {
            forwardedAt: forwarding.forwardedAt.toISOString(),
            reason: forwarding.reason,
            to: forwarding.target,
            forwardedAppealId: forwarding.nextAppealId,
            daysLate: forwarding.daysLate,
          }
        : null,
    };
  }

  async function appealOf(request: { actor: Parameters<typeof can>[0]; params: { slug: string; id: number } }) {
    const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
    const appeal = await addressee.addresseeAppeal(ctx, request.actor, organization.id, request.params.id);
    return { organization, appeal };
  }

  return {
    name: 'cabinet.api',
    routes(app: App) {
      app.get(
        '/api/v1/cabinet',
        {
          config: { policy: 'cabinet.enter' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listMyCabinets',
            summary: 'The organizations whose cabinets the caller works in, with the role there',
            security: bearer,
            response: { 200: Type.Object({ items: Type.Array(CabinetSchema) }), ...errorResponses(401, 403) },
          },
        },
        async (request) => {
          const actor = authorize(request.actor, 'cabinet.enter');
          const mine = await organizationsOfMember(ctx, actor.id);
          const items = [];
          for (const entry of mine) {
            const organization = await members.cabinetOrganization(ctx, actor, entry.slug);
            items.push({
              slug: organization.slug,
              name: organization.name,
              role: entry.role,
              answersNeedApproval: organization.answers_need_approval,
              showOfficialNames: organization.show_official_names,
            });
          }
          return { items };
        },
      );

      app.get(
        '/api/v1/cabinet/:slug/appeals',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetInbox',
            summary: 'The organization’s inbox: its appeals from the moment they went out, with their 59-FZ terms',
            description:
              'Filters as the inbox page has them: `state` (awaiting, unregistered, registered, review, closed, all; default awaiting), `overdue`, `assignee` (a user id or `none`), `territory` (OKTMO), `category` (slug), `q` (title words, the appeal’s number or registration number), `sort` (due, received, signatures). `total` is exact up to 10,000 (`capped` past that).',
            security: cabinetSecurity,
            params: SlugParams,
            querystring: Type.Object({
              ...PageQuery.properties,
              state: Type.Optional(Type.String({ maxLength: 20 })),
              overdue: Type.Optional(Type.Boolean()),
              assignee: Type.Optional(Type.String({ maxLength: 20 })),
              territory: Type.Optional(Type.String({ maxLength: 20 })),
              category: Type.Optional(Type.String({ maxLength: 60 })),
              q: Type.Optional(Type.String({ maxLength: 200 })),
              sort: Type.Optional(Type.String({ maxLength: 20 })),
            }),
            response: {
              200: Type.Object({
                items: Type.Array(InboxItemSchema),
                total: Type.Integer(),
                capped: Type.Boolean(),
                page: Type.Integer(),
                perPage: Type.Integer(),
              }),
              ...errorResponses(401, 403, 404, 422),
            },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const query = request.query as Record<string, unknown>;
          const filter = inboxFilterFrom({ ...query, overdue: query.overdue === true ? '1' : '' });
          const result = await addressee.organizationInbox(ctx, organization.id, filter);
          const now = ctx.now();
          return {
            items: result.items.map((item) => inboxItemJson(organization, item, now)),
            total: result.total,
            capped: result.capped,
            page: filter.page,
            perPage: filter.perPage,
          };
        },
      );

      app.get(
        '/api/v1/cabinet/:slug/appeals/:id',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'getCabinetAppeal',
            summary: 'One appeal as its addressee works on it: terms, assignee, the signed text and the answer being prepared',
            security: cabinetSecurity,
            params: SlugIdParams,
            response: { 200: AppealSchema, ...errorResponses(401, 403, 404) },
          },
        },
        async (request) => {
          const { organization, appeal } = await appealOf(request);
          return appealJson(request.actor, organization, appeal);
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/registrations',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'registerCabinetAppeals',
            summary: 'Register one or several appeals with the numbers the organization gave them, on one date (all or none)',
            description:
              'The answer term (30 days, 59-FZ Art. 12 p. 1) runs from the registration date instead of the assumed one; each registration goes on the appeal’s public timeline. A row that is already registered refuses the batch (`validation_failed`, field `registrationNumber-<id>`).',
            security: cabinetSecurity,
            params: SlugParams,
            body: Type.Object(
              {
                registeredOn: Type.String({ maxLength: 20, description: 'YYYY-MM-DD or DD.MM.YYYY' }),
                entries: Type.Array(Type.Object({ appealId: Id, registrationNumber: Type.String({ maxLength: 200 }) }, { additionalProperties: false }), {
                  minItems: 1,
                  maxItems: 100,
                }),
              },
              { additionalProperties: false },
            ),
            response: { 200: Type.Object({ registered: Type.Array(Type.Integer()) }), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const registered = await addressee.registerAppeals(
            ctx,
            request.actor,
            organization.id,
            request.body.entries,
            parseFormDate(request.body.registeredOn),
          );
          return { registered };
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/assignments',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'assignCabinetAppeals',
            summary: 'Assign appeals to a member of the organization (or to nobody, assigneeId null); the assignee is told',
            security: cabinetSecurity,
            params: SlugParams,
            body: Type.Object(
              { appealIds: Type.Array(Id, { minItems: 1, maxItems: 100 }), assigneeId: Type.Union([Id, Type.Null()]) },
              { additionalProperties: false },
            ),
            response: { 200: Type.Object({ changed: Type.Array(Type.Integer()) }), ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return { changed: await addressee.assignAppeals(ctx, request.actor, organization.id, request.body.appealIds, request.body.assigneeId) };
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/appeals/:id/extension',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'extendCabinetAppeal',
            summary: 'Extend the answer term once, by 1 to 30 days, before it ends, with a reason (59-FZ Art. 12 p. 2); the signers are told',
            description: 'Refusals: `already_extended`, `extension_too_late` (the term has ended), `wrong_state` (no answer is awaited).',
            security: cabinetSecurity,
            params: SlugIdParams,
            body: Type.Object(
              { days: Type.Integer({ minimum: -1000, maximum: 1000 }), reason: Type.String({ maxLength: 4000 }) },
              { additionalProperties: false },
            ),
            response: { 200: AppealSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          const { organization } = await appealOf(request);
          const appeal = await addressee.extendAnswer(ctx, request.actor, organization.id, request.params.id, request.body);
          return appealJson(request.actor, organization, appeal);
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/appeals/:id/forwarding',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'forwardCabinetAppeal',
            summary:
              'Forward the appeal to the competent body with a reason (59-FZ Art. 8 p. 3): it becomes `forwarded`, the next appeal of the chain goes there with the same text and signatures (once: into its cabinet if it has one, and by e-mail if it has an address); the citizens are told',
            description:
              'Any official of the addressee (clerk or head), while the appeal is sent or registered. Refusals: `already_forwarded`, `wrong_state` (answered, closed), `same_organization`, `unknown_organization` (none with that id, or merged into another), `validation_failed` (a reason of 10 to 2,000 characters; `organizationWithoutAddress`: the body has neither an e-mail for appeals nor a cabinet), `content_hidden`. The forwarding organization’s webhooks get `appeal.forwarded`; the competent body’s get `appeal.received` when its letter is delivered.',
            security: cabinetSecurity,
            params: SlugIdParams,
            body: Type.Object(
              {
                organizationId: Id,
                reason: Type.String({
                  maxLength: forwardingReasonLimits.max * 2,
                  description: `${forwardingReasonLimits.min} to ${forwardingReasonLimits.max} characters; public`,
                }),
              },
              { additionalProperties: false },
            ),
            response: {
              200: Type.Object({
                appeal: AppealSchema,
                forwardedAppeal: Type.Object({ id: Type.Integer(), url: Type.String({ description: 'Its public page' }) }),
              }),
              ...errorResponses(400, 401, 403, 404, 409, 410, 422),
            },
          },
        },
        async (request) => {
          const { organization } = await appealOf(request);
          const { forwarded, next } = await forwardAppeal(ctx, request.actor, organization.id, request.params.id, request.body);
          return { appeal: await appealJson(request.actor, organization, forwarded), forwardedAppeal: { id: next.id, url: `/appeals/${next.id}` } };
        },
      );

      app.put(
        '/api/v1/cabinet/:slug/appeals/:id/answer-draft',
        {
          config: { policy: 'cabinet.work', multipartOptions: answerUploadOptions, rateLimit: { max: 30, timeWindow: '1 minute' } },
          schema: {
            tags: ['cabinet'],
            operationId: 'saveCabinetAnswerDraft',
            summary: 'Save the answer being prepared (private to the organization until it is published); scans by multipart/form-data',
            security: cabinetSecurity,
            consumes: ['application/json', 'multipart/form-data'],
            params: SlugIdParams,
            body: DraftBody,
            response: { 200: AppealSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
          },
        },
        async (request) => {
          const { organization } = await appealOf(request);
          const body = request.body;
          const files = request.isMultipart() ? uploadedFiles(body as Record<string, unknown>, 'files') : [];
          await answers.saveDraft(ctx, request.actor, organization, request.params.id, {
            text: body.text ?? '',
            outgoingNumber: body.outgoingNumber ?? '',
            outgoingDate: body.outgoingDate ?? '',
            files,
            removeAttachments: body.removeAttachments ?? [],
          });
          const { appeal } = await appealOf(request);
          return appealJson(request.actor, organization, appeal);
        },
      );

      const draftStep = (
        url: string,
        operationId: string,
        summary: string,
        policy: 'cabinet.work' | 'cabinet.manage' | 'cabinet.publishAnswer',
        step: 'submit' | 'return' | 'publish',
      ) =>
        app.post(
          url,
          {
            config: { policy },
            preValidation: absentBodyIsEmpty,
            schema: {
              tags: ['cabinet'],
              operationId,
              summary,
              security: bearer,
              params: SlugIdParams,
              body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 4000 })) }, { additionalProperties: false }),
              response: { 200: AppealSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
            },
          },
          async (request) => {
            const { organization } = await appealOf(request);
            if (step === 'submit') await answers.submitDraft(ctx, request.actor, organization, request.params.id);
            if (step === 'return') await answers.returnDraft(ctx, request.actor, organization, request.params.id, request.body.reason ?? '');
            if (step === 'publish') await answers.publishDraft(ctx, request.actor, organization, request.params.id);
            const { appeal } = await appealOf(request);
            return appealJson(request.actor, organization, appeal);
          },
        );
      draftStep(
        '/api/v1/cabinet/:slug/appeals/:id/answer-draft/submission',
        'submitCabinetAnswerDraft',
        'Submit the prepared answer for the head’s approval; the heads are told',
        'cabinet.work',
        'submit',
      );
      draftStep(
        '/api/v1/cabinet/:slug/appeals/:id/answer-draft/return',
        'returnCabinetAnswerDraft',
        'Send a submitted answer back for rework with a reason (the head)',
        'cabinet.manage',
        'return',
      );
      draftStep(
        '/api/v1/cabinet/:slug/appeals/:id/answer',
        'publishCabinetAnswer',
        'Publish the prepared answer as the appeal’s answer (the head, or any member where no approval is required): the 14-day review opens',
        'cabinet.publishAnswer',
        'publish',
      );

      app.post(
        '/api/v1/cabinet/:slug/answers-from-template',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'answerCabinetAppealsFromTemplate',
            summary: 'Prepare (or, with publish, publish) the answers of several appeals from one template, all or none',
            security: cabinetSecurity,
            params: SlugParams,
            body: Type.Object(
              { appealIds: Type.Array(Id, { minItems: 1, maxItems: 100 }), templateId: Id, publish: Type.Optional(Type.Boolean({ default: false })) },
              { additionalProperties: false },
            ),
            response: { 200: Type.Object({ appeals: Type.Array(Type.Integer()) }), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const done = await answers.answerFromTemplate(ctx, request.actor, organization, {
            appealIds: request.body.appealIds,
            templateId: request.body.templateId,
            publish: request.body.publish === true,
          });
          return { appeals: done };
        },
      );

      app.get(
        '/api/v1/cabinet/:slug/members',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetMembers',
            summary: 'The organization’s officials in its cabinet',
            security: cabinetSecurity,
            params: SlugParams,
            response: { 200: Type.Object({ items: Type.Array(MemberSchema) }), ...errorResponses(401, 403, 404) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const items = await membersOf(ctx, organization.id);
          return {
            items: items.map((m) => ({ userId: m.user_id, name: memberName(m), role: m.role, position: m.position, since: m.created_at.toISOString() })),
          };
        },
      );

      app.patch(
        '/api/v1/cabinet/:slug/members/:userId',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'changeCabinetMember',
            summary: 'Give a member another role or position (the head); the last head cannot become a clerk',
            security: bearer,
            params: SlugUserParams,
            body: Type.Object({ role: Role, position: Type.String({ maxLength: 400 }) }, { additionalProperties: false }),
            response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          await members.changeMember(ctx, request.actor, request.params.slug, request.params.userId, request.body);
          return reply.status(204).send(null);
        },
      );

      app.delete(
        '/api/v1/cabinet/:slug/members/:userId',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'removeCabinetMember',
            summary: 'Remove a member (the head), or leave (one’s own id); access ends at once. The last head may not go',
            security: bearer,
            params: SlugUserParams,
            response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
          },
        },
        async (request, reply) => {
          await members.removeMember(ctx, request.actor, request.params.slug, request.params.userId);
          return reply.status(204).send(null);
        },
      );

      app.put(
        '/api/v1/cabinet/:slug/settings',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'updateCabinetSettings',
            summary: 'The cabinet’s settings (the head): whether clerks’ answers need approval, whether the timeline names the official',
            security: bearer,
            params: SlugParams,
            body: Type.Object({ answersNeedApproval: Type.Boolean(), showOfficialNames: Type.Boolean() }, { additionalProperties: false }),
            response: { 200: CabinetSchema, ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request) => {
          const updated = await members.updateSettings(ctx, request.actor, request.params.slug, request.body);
          return {
            slug: updated.slug,
            name: updated.name,
            role: request.actor?.memberships.get(updated.id) ?? 'head',
            answersNeedApproval: updated.answers_need_approval,
            showOfficialNames: updated.show_official_names,
          };
        },
      );

      app.get(
        '/api/v1/cabinet/:slug/templates',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetTemplates',
            summary: 'The organization’s answer templates',
            security: cabinetSecurity,
            params: SlugParams,
            response: { 200: Type.Object({ items: Type.Array(TemplateSchema) }), ...errorResponses(401, 403, 404) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return { items: (await answers.listTemplates(ctx, request.actor, organization)).map(templateJson) };
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/templates',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'createCabinetTemplate',
            summary: 'Create an answer template (the head); {номер}, {дата} and {заголовок} are put in from each appeal',
            security: bearer,
            params: SlugParams,
            body: TemplateBody,
            response: { 201: TemplateSchema, ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return reply.status(201).send(templateJson(await answers.saveTemplate(ctx, request.actor, organization, null, request.body)));
        },
      );

      app.put(
        '/api/v1/cabinet/:slug/templates/:id',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'updateCabinetTemplate',
            summary: 'Rewrite an answer template (the head)',
            security: bearer,
            params: SlugIdParams,
            body: TemplateBody,
            response: { 200: TemplateSchema, ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return templateJson(await answers.saveTemplate(ctx, request.actor, organization, request.params.id, request.body));
        },
      );

      app.delete(
        '/api/v1/cabinet/:slug/templates/:id',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'deleteCabinetTemplate',
            summary: 'Delete an answer template (the head)',
            security: bearer,
            params: SlugIdParams,
            response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          await answers.deleteTemplate(ctx, request.actor, organization, request.params.id);
          return reply.status(204).send(null);
        },
      );

      app.get(
        '/api/v1/cabinet/:slug/views',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetViews',
            summary: 'The caller’s saved inbox filters in this cabinet',
            security: cabinetSecurity,
            params: SlugParams,
            response: {
              200: Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), query: Type.String() })) }),
              ...errorResponses(401, 403, 404),
            },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return { items: await savedViews(ctx, request.actor, organization) };
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/views',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'saveCabinetView',
            summary: 'Save inbox filters (a query string of the inbox’s parameters) under a name; the same name replaces them',
            security: cabinetSecurity,
            params: SlugParams,
            body: Type.Object({ name: Type.String({ maxLength: 200 }), query: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
            response: { 201: Type.Object({ id: Type.Integer(), name: Type.String(), query: Type.String() }), ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return reply.status(201).send(await saveView(ctx, request.actor, organization, request.body));
        },
      );

      app.delete(
        '/api/v1/cabinet/:slug/views/:id',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'deleteCabinetView',
            summary: 'Delete one of the caller’s saved inbox filters',
            security: cabinetSecurity,
            params: SlugIdParams,
            response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          await deleteView(ctx, request.actor, organization, request.params.id);
          return reply.status(204).send(null);
        },
      );

      app.get(
        '/api/v1/cabinet/:slug/oversight',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'getCabinetOversight',
            summary:
              'The organizations below this one in the hierarchy with their citizens’ rating, overdue appeals, median answer time and last 12 months, worst first',
            security: cabinetSecurity,
            params: SlugParams,
            querystring: Type.Object({ sort: Type.Optional(Type.Union(oversightSorts.map((sort) => Type.Literal(sort)))) }),
            response: {
              200: Type.Object({
                items: Type.Array(
                  Type.Object({
                    slug: Type.String(),
                    name: Type.String(),
                    depth: Type.Integer({ description: '1 for a direct subordinate' }),
                    quality: Nullable(Type.Number()),
                    timeliness: Nullable(Type.Number()),
                    resolution: Nullable(Type.Number()),
                    closedAppeals: Type.Integer(),
                    ranked: Type.Boolean(),
                    overdueNow: Type.Integer(),
                    medianAnswerDays: Nullable(Type.Integer()),
                    months: Type.Array(Type.Object({ month: Type.String(), onTime: Type.Integer(), late: Type.Integer(), unanswered: Type.Integer() })),
                  }),
                ),
              }),
              ...errorResponses(401, 403, 404, 422),
            },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const oversight = await oversightOf(ctx, request.actor, organization, request.query.sort ?? 'overdue');
          return {
            items: oversight.rows.map((row) => ({
              slug: row.organization.slug,
              name: row.organization.name,
              depth: row.organization.depth,
              quality: row.rating.quality.value,
              timeliness: row.rating.timeliness.value,
              resolution: row.rating.resolution.value,
              closedAppeals: row.rating.closedAppeals,
              ranked: row.rating.ranked,
              overdueNow: row.counts.overdue_open,
              medianAnswerDays: row.rating.medianAnswerDays,
              months: row.months,
            })),
          };
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/problems/:id/control',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'takeProblemControl',
            summary: 'Take an open problem «на контроль» for the organization: its badge on the problem, and the caller follows it',
            security: cabinetSecurity,
            params: SlugIdParams,
            response: {
              200: Type.Object({ taken: Type.Boolean({ description: 'false when the organization already held it' }) }),
              ...errorResponses(401, 403, 404, 409),
            },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return { taken: await control.takeControl(ctx, request.actor, organization, request.params.id) };
        },
      );

      app.delete(
        '/api/v1/cabinet/:slug/problems/:id/control',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'releaseProblemControl',
            summary: 'Release the organization’s control of a problem',
            security: cabinetSecurity,
            params: SlugIdParams,
            response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          await control.releaseControl(ctx, request.actor, organization, request.params.id);
          return reply.status(204).send(null);
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/problems/:id/statements',
        {
          config: { policy: 'cabinet.work' },
          schema: {
            tags: ['cabinet'],
            operationId: 'publishProblemStatement',
            summary: 'Publish the organization’s word on an open problem: the first is its commitment to help, the later ones progress reports',
            security: cabinetSecurity,
            params: SlugIdParams,
            body: Type.Object({ text: Type.String({ maxLength: 10_000 }) }, { additionalProperties: false }),
            response: {
              201: Type.Object({ kind: Type.Union([Type.Literal('organization.committed'), Type.Literal('organization.progress')]) }),
              ...errorResponses(400, 401, 403, 404, 409, 422),
            },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return reply.status(201).send({ kind: await control.statementOnProblem(ctx, request.actor, organization, request.params.id, request.body) });
        },
      );

      app.post(
        '/api/v1/organizations/:slug/membership-requests',
        {
          config: { policy: 'membership.request', rateLimit: { max: 10, timeWindow: '1 hour' } },
          schema: {
            tags: ['cabinet'],
            operationId: 'requestCabinetMembership',
            summary: 'Ask to work in the organization’s cabinet; approved at once on one of its staff e-mail domains, else by an administrator',
            description: 'Refusals: `already_member`, `membership_pending` (a request awaits a decision).',
            security: bearer,
            params: SlugParams,
            body: Type.Object(
              { position: Type.String({ maxLength: 400 }), note: Type.Optional(Type.String({ maxLength: 2000 })) },
              { additionalProperties: false },
            ),
            response: { 201: RequestSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          const created = await members.requestMembership(ctx, request.actor, request.params.slug, {
            position: request.body.position,
            note: request.body.note ?? '',
          });
          const state = await members.membershipState(ctx, request.actor, request.params.slug);
          return reply.status(201).send(requestJson(created, { slug: state.organization.slug, name: state.organization.name }));
        },
      );

      app.delete(
        '/api/v1/membership-requests/:id',
        {
          config: { policy: 'membership.cancel' },
          schema: {
            tags: ['cabinet'],
            operationId: 'cancelCabinetMembershipRequest',
            summary: 'Withdraw one’s own pending request to join a cabinet',
            security: bearer,
            params: Type.Object({ id: Id }),
            response: { 204: Type.Null(), ...errorResponses(401, 404, 409) },
          },
        },
        async (request, reply) => {
          await members.cancelMembershipRequest(ctx, request.actor, request.params.id);
          return reply.status(204).send(null);
        },
      );

      app.get(
        '/api/v1/admin/membership-requests',
        {
          config: { policy: 'membership.decide' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetMembershipRequests',
            summary: 'Requests to join cabinets (admins): pending ones oldest first, or the decided ones',
            security: bearer,
            querystring: Type.Object({ ...PageQuery.properties, status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('decided')])) }),
            response: { 200: Type.Object({ items: Type.Array(RequestSchema), total: Type.Integer() }), ...errorResponses(401, 403) },
          },
        },
        async (request) => {
          const perPage = request.query.perPage ?? 50;
          const list = await members.listMembershipRequests(ctx, request.actor, {
            status: request.query.status ?? 'pending',
            limit: perPage,
            offset: ((request.query.page ?? 1) - 1) * perPage,
          });
          return {
            items: list.items.map((item) => requestJson(item, { slug: item.organization_slug, name: item.organization_name }, item)),
            total: list.total,
          };
        },
      );

      app.post(
        '/api/v1/admin/membership-requests/:id/decision',
        {
          config: { policy: 'membership.decide' },
          schema: {
            tags: ['cabinet'],
            operationId: 'decideCabinetMembershipRequest',
            summary: 'Approve a request (as head or clerk) or decline it with a reason (admins); the applicant is told',
            security: bearer,
            params: Type.Object({ id: Id }),
            body: Type.Object(
              { approve: Type.Boolean(), role: Type.Optional(Role), reason: Type.Optional(Type.String({ maxLength: 2000 })) },
              { additionalProperties: false },
            ),
            response: { 200: RequestSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          const decided = await members.decideMembership(ctx, request.actor, request.params.id, {
            approve: request.body.approve,
            role: request.body.role ?? '',
            reason: request.body.reason ?? '',
          });
          const label = (await organizationLabels(ctx, [decided.organization_id])).get(decided.organization_id);
          return requestJson(decided, { slug: label?.slug ?? '', name: label?.name ?? '' });
        },
      );
    },
  };
}
