/**
 * The answer an organization prepares in its cabinet, and its templates. A clerk (or the head) writes the answer
 * — from a template or from scratch, in the Markdown subset comments use, with the body's outgoing number and
 * date and its scans — and saves it as often as needed: the draft is private to the organization. Where the
 * organization requires it, the clerk submits it and the head approves (publishes) or returns it with a reason;
 * elsewhere any official publishes. Publishing makes it the appeal's answer (source `cabinet`) through the answers
 * module, which opens the 14-day review; the draft is gone then, the letter stays, and a job sets it on the
 * organization's letterhead as a PDF (cabinet.answer-pdf.ts). Several appeals can be answered
 * from one template at once, all or none.
 */
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { AnswerDraft, AnswerTemplate, Appeal, Organization } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { answerUploadLimits, assertAwaitsAnswer, checkedText, prepareScans, publishLetterAnswer } from '../answers/answers.upload.ts';
import { addresseeAppeal, lockedAppeal, onBehalfOf } from '../appeals/appeals.cabinet.ts';
import { localDate } from '../appeals/appeals.deadlines.ts';
import { notify } from '../notifications/notifications.service.ts';
import { memberIds, memberOf } from '../organizations/organizations.members.ts';
import { answerPdfJob } from './cabinet.answer-pdf.ts';
import './cabinet.policy.ts';
import { answerTextMaxLength, checkTemplate, fillTemplate, returnReasonMaxLength } from './cabinet.rules.ts';

export async function listTemplates(ctx: AppContext, asker: Actor | null, organization: Organization): Promise<AnswerTemplate[]> {
  authorize(asker, 'cabinet.view', organization);
  return ctx.db.selectFrom('answer_templates').selectAll().where('organization_id', '=', organization.id).orderBy('title').orderBy('id').execute();
}

async function templateOf(executor: Executor, organization: Organization, templateId: number): Promise<AnswerTemplate> {
  const template =
    Number.isInteger(templateId) && templateId > 0
      ? await executor.selectFrom('answer_templates').selectAll().where('id', '=', templateId).where('organization_id', '=', organization.id).executeTakeFirst()
      : undefined;
  if (!template) throw new DomainError('not_found');
  return template;
}

export async function getTemplate(ctx: AppContext, asker: Actor | null, organization: Organization, templateId: number): Promise<AnswerTemplate> {
  authorize(asker, 'cabinet.view', organization);
  return templateOf(ctx.db, organization, templateId);
}

/** The head writes a template (a new one, or `templateId` anew). */
export async function saveTemplate(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  templateId: number | null,
  input: { title: string; body: string },
): Promise<AnswerTemplate> {
  const actor = authorize(asker, 'cabinet.manage', organization);
  const checks = new FieldChecks();
  checkTemplate(checks, input);
  if (templateId !== null) await templateOf(ctx.db, organization, templateId);
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    const values = { title: input.title.trim(), body: input.body.replace(/\r\n?/g, '\n').trim() };
    const template =
      templateId === null
        ? await trx
            .insertInto('answer_templates')
            .values({ ...values, organization_id: organization.id, created_by: actor.id })
            .returningAll()
            .executeTakeFirstOrThrow()
        : await trx
            .updateTable('answer_templates')
            .set({ ...values, updated_at: ctx.now() })
            .where('id', '=', templateId)
            .where('organization_id', '=', organization.id)
            .returningAll()
            .executeTakeFirstOrThrow();
    await audit(trx, {
      actorId: actor.id,
      action: templateId === null ? 'cabinet.template_create' : 'cabinet.template_update',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { templateId: template.id, title: template.title },
    });
    return template;
  });
}

export async function deleteTemplate(ctx: AppContext, asker: Actor | null, organization: Organization, templateId: number): Promise<void> {
  const actor = authorize(asker, 'cabinet.manage', organization);
  const template = await templateOf(ctx.db, organization, templateId);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('answer_templates').where('id', '=', template.id).execute();
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.template_delete',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { templateId, title: template.title },
    });
  });
}

export interface DraftAttachment {
  id: number;
  position: number;
  filename: string;
  content_type: string;
  size: number;
}

export interface DraftView {
  draft: AnswerDraft | null;
  attachments: DraftAttachment[];
  writtenBy: string | null;
  submittedBy: string | null;
}

/** The answer being prepared for the appeal, if any, with its scans (without their bytes). */
export async function draftOf(ctx: AppContext, asker: Actor | null, organization: Organization, appeal: Appeal): Promise<DraftView> {
  authorize(asker, 'cabinet.view', organization);
  const draft = await ctx.db
    .selectFrom('answer_drafts')
    .selectAll()
    .where('appeal_id', '=', appeal.id)
    .where('organization_id', '=', organization.id)
    .executeTakeFirst();
  if (!draft) return { draft: null, attachments: [], writtenBy: null, submittedBy: null };
  const [attachments, writer, submitter] = await Promise.all([
    ctx.db
      .selectFrom('answer_draft_attachments')
      .select(['id', 'position', 'filename', 'content_type', 'size'])
      .where('draft_id', '=', draft.id)
      .orderBy('position')
      .execute(),
    draft.written_by ? memberOf(ctx.db, organization.id, draft.written_by) : undefined,
    draft.submitted_by ? memberOf(ctx.db, organization.id, draft.submitted_by) : undefined,
  ]);
  const name = (m: typeof writer) => (m ? `${m.first_name} ${m.surname}` : null);
  return { draft, attachments, writtenBy: name(writer), submittedBy: name(submitter) };
}

export async function draftAttachment(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  appealId: number,
  position: number,
): Promise<{ filename: string; content_type: string; content: Buffer }> {
  await addresseeAppeal(ctx, asker, organization.id, appealId);
  const row = await ctx.db
    .selectFrom('answer_draft_attachments as f')
    .innerJoin('answer_drafts as d', 'd.id', 'f.draft_id')
    .select(['f.filename', 'f.content_type', 'f.content'])
    .where('d.appeal_id', '=', appealId)
    .where('d.organization_id', '=', organization.id)
    .where('f.position', '=', position)
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found');
  return row;
}

export interface DraftInput {
  text: string;
  outgoingNumber: string;
  outgoingDate: string;
  /** Scans to add. */
  files: readonly Buffer[];
  /** Positions of scans to take off. */
  removeAttachments: readonly number[];
}

function checkDraftText(checks: FieldChecks, text: string): void {
  if (characterCount(text) > answerTextMaxLength) checks.add('text', 'tooLong', { limit: answerTextMaxLength });
}

/**
 * Saves the answer being prepared: a new draft, or the one there is. The text may be empty while it is a draft
 * (publishing asks for it). Scans are checked as the paper-answer upload checks them, at most 10 in all.
 */
export async function saveDraft(ctx: AppContext, asker: Actor | null, organization: Organization, appealId: number, input: DraftInput): Promise<AnswerDraft> {
  const appeal = await addresseeAppeal(ctx, asker, organization.id, appealId);
  const actor = authorize(asker, 'cabinet.work', organization);
  assertAwaitsAnswer(appeal);
  const text = input.text.replace(/\r\n?/g, '\n').trim();
  const checks = new FieldChecks();
  checkDraftText(checks, text);
  // The number and date are checked as the published letter will be (an empty text is allowed until then).
  const fields = (() => {
    try {
      return checkedText({ text: text || '-', outgoingNumber: input.outgoingNumber, outgoingDate: input.outgoingDate });
    } catch (error) {
      if (error instanceof DomainError)
        for (const problem of error.fields) if (problem.field !== 'text') checks.add(problem.field, problem.rule, problem.params);
      return null;
    }
  })();
  checks.throwIfAny();
  const scans = await prepareScans(input.files);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    const draft = await trx
      .insertInto('answer_drafts')
      .values({
        appeal_id: appeal.id,
        organization_id: organization.id,
        text,
        outgoing_number: fields?.outgoingNumber ?? null,
        outgoing_date: fields?.outgoingDate ?? null,
        written_by: actor.id,
      })
      .onConflict((oc) =>
        oc.column('appeal_id').doUpdateSet({
          text,
          outgoing_number: fields?.outgoingNumber ?? null,
          outgoing_date: fields?.outgoingDate ?? null,
          written_by: actor.id,
          updated_at: now,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    if (input.removeAttachments.length > 0) {
      await trx
        .deleteFrom('answer_draft_attachments')
        .where('draft_id', '=', draft.id)
        .where('position', 'in', [...input.removeAttachments])
        .execute();
    }
    const kept = await trx.selectFrom('answer_draft_attachments').select('position').where('draft_id', '=', draft.id).orderBy('position').execute();
    if (kept.length + scans.length > answerUploadLimits.maxFiles) {
      throw new DomainError('upload_too_many_files', { limit: answerUploadLimits.maxFiles }, [
        { field: 'files', rule: 'uploadTooManyFiles', params: { limit: answerUploadLimits.maxFiles } },
      ]);
    }
    let next = (kept.at(-1)?.position ?? -1) + 1;
    for (const scan of scans) {
      await trx
        .insertInto('answer_draft_attachments')
        .values({
          draft_id: draft.id,
          position: next,
          filename: scan.filename.replace(/^scan-\d+/, `scan-${next + 1}`),
          content_type: scan.contentType,
          size: scan.content.length,
          content: scan.content,
        })
        .execute();
      next += 1;
    }
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.answer_save',
      subjectType: 'appeal',
      subjectId: appeal.id,
      details: { organizationId: organization.id, files: scans.length },
    });
    return draft;
  });
}

async function lockedDraft(trx: Executor, organization: Organization, appealId: number): Promise<AnswerDraft | undefined> {
  return trx
    .selectFrom('answer_drafts')
    .selectAll()
    .where('appeal_id', '=', appealId)
    .where('organization_id', '=', organization.id)
    .forUpdate()
    .executeTakeFirst();
}

function appealPath(organization: Organization, appealId: number): string {
  return `/cabinet/${organization.slug}/appeals/${appealId}`;
}

/** The clerk submits the draft for the head's approval; the heads are told. */
export async function submitDraft(ctx: AppContext, asker: Actor | null, organization: Organization, appealId: number): Promise<void> {
  const appeal = await addresseeAppeal(ctx, asker, organization.id, appealId);
  const actor = authorize(asker, 'cabinet.work', organization);
  assertAwaitsAnswer(appeal);
  await ctx.db.transaction().execute(async (trx) => {
    const draft = await lockedDraft(trx, organization, appealId);
    if (!draft) throw new DomainError('not_found');
    if (!draft.text.trim()) throw new DomainError('validation_failed', {}, [{ field: 'text', rule: 'required' }]);
    await trx
      .updateTable('answer_drafts')
      .set({ status: 'awaiting_approval', submitted_by: actor.id, submitted_at: ctx.now(), returned_reason: null, updated_at: ctx.now() })
      .where('id', '=', draft.id)
      .execute();
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.answer_submit',
      subjectType: 'appeal',
      subjectId: appealId,
      details: { organizationId: organization.id },
    });
    const heads = (await memberIds(trx, organization.id, 'head')).filter((id) => id !== actor.id);
    await notify(
      ctx,
      trx,
      {
        kind: 'cabinet.answer_submitted',
        problemId: appeal.problem_id,
        appealId,
        key: `cabinet.answer_submitted:${appealId}:${ctx.now().getTime()}`,
        data: { title: appeal.title, organization: organization.name, path: appealPath(organization, appealId) },
      },
      heads.map((userId) => ({ userId, reason: 'official' as const })),
    );
  });
}

/** The head sends a submitted draft back with a reason; whoever submitted it is told. */
export async function returnDraft(ctx: AppContext, asker: Actor | null, organization: Organization, appealId: number, reasonInput: string): Promise<void> {
  const appeal = await addresseeAppeal(ctx, asker, organization.id, appealId);
  const actor = authorize(asker, 'cabinet.manage', organization);
  const submitted = await ctx.db
    .selectFrom('answer_drafts')
    .select('status')
    .where('appeal_id', '=', appealId)
    .where('organization_id', '=', organization.id)
    .executeTakeFirst();
  if (submitted?.status !== 'awaiting_approval') throw new DomainError('answer_not_submitted');
  const reason = reasonInput.trim();
  const checks = new FieldChecks();
  if (!reason) checks.add('reason', 'required');
  else if (characterCount(reason) > returnReasonMaxLength) checks.add('reason', 'tooLong', { limit: returnReasonMaxLength });
  checks.throwIfAny();
  await ctx.db.transaction().execute(async (trx) => {
    const draft = await lockedDraft(trx, organization, appealId);
    if (draft?.status !== 'awaiting_approval') throw new DomainError('answer_not_submitted');
    await trx.updateTable('answer_drafts').set({ status: 'draft', returned_reason: reason, updated_at: ctx.now() }).where('id', '=', draft.id).execute();
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.answer_return',
      subjectType: 'appeal',
      subjectId: appealId,
      details: { organizationId: organization.id, reason },
    });
    if (draft.submitted_by && draft.submitted_by !== actor.id) {
      await notify(
        ctx,
        trx,
        {
          kind: 'cabinet.answer_returned',
          problemId: appeal.problem_id,
          appealId,
          key: `cabinet.answer_returned:${appealId}:${ctx.now().getTime()}`,
          data: { title: appeal.title, organization: organization.name, reason, path: appealPath(organization, appealId) },
        },
        [{ userId: draft.submitted_by, reason: 'official' }],
      );
    }
  });
}

async function publishInTransaction(ctx: AppContext, trx: Executor, actor: Actor, organization: Organization, appealId: number): Promise<void> {
  const appeal = await lockedAppeal(trx, appealId);
  assertAwaitsAnswer(appeal);
  const draft = await lockedDraft(trx, organization, appealId);
  if (!draft) throw new DomainError('not_found');
  const fields = checkedText({ text: draft.text, outgoingNumber: draft.outgoing_number, outgoingDate: draft.outgoing_date });
  const scans = await trx
    .selectFrom('answer_draft_attachments')
    .select(['filename', 'content_type', 'content'])
    .where('draft_id', '=', draft.id)
    .orderBy('position')
    .execute();
  const official = await memberOf(trx, organization.id, actor.id);
  const letter = await publishLetterAnswer(ctx, trx, {
    appeal,
    source: 'cabinet',
    ...fields,
    scans: scans.map((scan) => ({ filename: scan.filename, contentType: scan.content_type as 'application/pdf', content: scan.content })),
    actorId: actor.id,
    eventData: onBehalfOf(organization, official),
  });
  await trx.deleteFrom('answer_drafts').where('id', '=', draft.id).execute();
  // Set on the letterhead once this transaction commits (and only if it does).
  await ctx.jobs.send(answerPdfJob, { letterId: letter.id, organizationId: organization.id }, trx);
  await audit(trx, {
    actorId: actor.id,
    action: 'cabinet.answer_publish',
    subjectType: 'appeal',
    subjectId: appealId,
    details: {
      organizationId: organization.id,
      letterId: letter.id,
      writtenBy: draft.written_by,
      ...(draft.status === 'awaiting_approval' ? { approvedSubmissionOf: draft.submitted_by } : {}),
    },
  });
}

/**
 * Publishes the prepared answer as the appeal's answer: the head (approving a clerk's submission, or his own), or any
 * official where the organization does not require approval. The review window opens; the draft becomes the letter.
 */
export async function publishDraft(ctx: AppContext, asker: Actor | null, organization: Organization, appealId: number): Promise<void> {
  const appeal = await addresseeAppeal(ctx, asker, organization.id, appealId);
  const actor = authorize(asker, 'cabinet.publishAnswer', organization);
  assertAwaitsAnswer(appeal);
  await ctx.db.transaction().execute((trx) => publishInTransaction(ctx, trx, actor, organization, appealId));
}

/**
 * Answers several appeals from one template at once: each gets the template's text with its own number and date put
 * in, as a draft, or published when `publish` is set (and the official may publish). All or none: one appeal that
 * cannot take an answer refuses the batch, naming it.
 */
export async function answerFromTemplate(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  input: { appealIds: readonly number[]; templateId: number; publish: boolean },
): Promise<number[]> {
  const checks = new FieldChecks();
  if (input.appealIds.length === 0) checks.add('appealIds', 'required');
  if (input.appealIds.length > 100) checks.add('appealIds', 'tooMany', { limit: 100 });
  checks.throwIfAny();
  const actor = input.publish ? authorize(asker, 'cabinet.publishAnswer', organization) : authorize(asker, 'cabinet.work', organization);
  const template = await templateOf(ctx.db, organization, input.templateId);
  const appeals: Appeal[] = [];
  for (const appealId of input.appealIds) appeals.push(await addresseeAppeal(ctx, asker, organization.id, appealId));
  for (const appeal of appeals) {
    try {
      assertAwaitsAnswer(appeal);
    } catch (error) {
      if (error instanceof DomainError)
        throw new DomainError('validation_failed', {}, [{ field: 'appealIds', rule: 'appealTakesNoAnswer', params: { id: appeal.id } }]);
      throw error;
    }
  }
  const timeZone = 'Europe/Moscow';
  return ctx.db.transaction().execute(async (trx) => {
    for (const appeal of appeals) {
      const text = fillTemplate(template.body, {
        id: appeal.id,
        title: appeal.title,
        registrationNumber: appeal.registration_number,
        sentOn: appeal.sent_at ? localDate(appeal.sent_at, timeZone).split('-').reverse().join('.') : null,
      });
      await trx
        .insertInto('answer_drafts')
        .values({ appeal_id: appeal.id, organization_id: organization.id, text, written_by: actor.id })
        .onConflict((oc) => oc.column('appeal_id').doUpdateSet({ text, written_by: actor.id, updated_at: ctx.now() }))
        .execute();
      await audit(trx, {
        actorId: actor.id,
        action: 'cabinet.answer_from_template',
        subjectType: 'appeal',
        subjectId: appeal.id,
        details: { organizationId: organization.id, templateId: template.id, publish: input.publish },
      });
      if (input.publish) await publishInTransaction(ctx, trx, actor, organization, appeal.id);
    }
    return appeals.map((appeal) => appeal.id);
  });
}
