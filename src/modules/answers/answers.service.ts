/**
 * Answers: the letters that come back from the bodies. This module owns inbound mail (every message kept raw
 * as it arrived, matched to an appeal by its reply address or listed as unmatched for the admins) and the
 * letters of an appeal: acknowledgements on the timeline, and letters that wait for the author (or a
 * moderator) to say whether they are the answer — nothing a stranger mails in is shown publicly before that.
 *
 * Receiving is two steps so that nothing acknowledged is lost: `receiveInbound` stores the raw message and
 * queues its processing in one transaction (the SMTP listener answers 250, the webhook 202, only after it
 * commits); `processInbound` (a job, retried, idempotent) parses, matches and files it.
 */
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, AppealLetter, InboundChannel, InboundMessage, LetterDecision } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { type Actor, authorize, can } from '../../core/policy.ts';
import { appealAudience } from '../appeals/appeals.notices.ts';
import { readReplyAddress } from '../appeals/appeals.reply-address.ts';
import { canPerform } from '../appeals/appeals.rules.ts';
import { findAppealRow, getAppealRow, organizationOf, recordAnswer } from '../appeals/appeals.service.ts';
import { notify, notifyInBatches } from '../notifications/notifications.service.ts';
import { recordEvent } from '../problems/problems.service.ts';
import { countAnswer } from './answers.ratings.ts';
import { findRegistrationNumber, isAutoReply, letterKind } from './answers.rules.ts';
import '../appeals/appeals.policy.ts';
import './answers.policy.ts';

export interface InboundInput {
  channel: InboundChannel;
  raw: Buffer;
  envelopeFrom?: string | null;
  envelopeTo?: readonly string[];
}

/** Stores a message as it arrived and queues its processing, in one transaction; returns its id. */
export async function receiveInbound(ctx: AppContext, input: InboundInput): Promise<number> {
  if (input.raw.length > ctx.config.inboundMailMaxBytes) throw new DomainError('payload_too_large', { limit: ctx.config.inboundMailMaxBytes });
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('inbound_messages')
      .values({
        channel: input.channel,
        envelope_from: input.envelopeFrom?.slice(0, 500) ?? null,
        envelope_to: (input.envelopeTo ?? []).slice(0, 100).map((address) => address.slice(0, 500)),
        raw: input.raw,
        size: input.raw.length,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await ctx.jobs.send('answers.process-inbound', { inboundId: row.id }, trx);
    return row.id;
  });
}

const addressesOf = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((group) => group.value.flatMap((entry) => (entry.address ? [entry.address] : [])));

/** Every address the message was delivered to: the envelope first (what the MTA says), then the headers. */
function recipientsOf(message: InboundMessage, parsed: ParsedMail): string[] {
  const headerValues = (name: string) => {
    const value = parsed.headers.get(name);
    return typeof value === 'string' ? value.split(',').map((part) => part.replace(/^.*<|>.*$/g, '').trim()) : [];
  };
  return [...message.envelope_to, ...headerValues('delivered-to'), ...headerValues('x-original-to'), ...addressesOf(parsed.to), ...addressesOf(parsed.cc)];
}

type Match = { appealId: number } | { reason: 'no_reply_address' | 'bad_signature' | 'unknown_appeal' | 'not_sent' };

async function matchAppeal(ctx: AppContext, recipients: readonly string[]): Promise<Match> {
  const domain = ctx.config.inboundMailDomain;
  if (!domain) return { reason: 'no_reply_address' };
  let forged = false;
  for (const address of recipients) {
    const read = readReplyAddress(address, ctx.config.secret, domain);
    if ('appealId' in read) {
      const appeal = await findAppealRow(ctx.db, read.appealId);
      if (!appeal) return { reason: 'unknown_appeal' };
      if (!canPerform(appeal.status, 'receiveLetter')) return { reason: 'not_sent' };
      return { appealId: appeal.id };
    }
    if (read.refused === 'bad_signature') forged = true;
  }
  return { reason: forged ? 'bad_signature' : 'no_reply_address' };
}

/** PostgreSQL text holds no NUL character, which a message may carry anywhere: dropped, or the filing would fail on every retry. */
const withoutNul = (value: string) => value.replaceAll('\u0000', '');
const clip = (value: string | undefined | null, length: number) => (value ? withoutNul(value).slice(0, length) : null);

/** Parses, matches and files one stored message. Runs again harmlessly: a processed message is left as it is. */
export async function processInbound(ctx: AppContext, inboundId: number): Promise<void> {
  const message = await ctx.db.selectFrom('inbound_messages').selectAll().where('id', '=', inboundId).executeTakeFirst();
  if (message?.status !== 'received') return;
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(Buffer.from(message.raw), { skipHtmlToText: false, maxHtmlLengthToParse: 2_000_000 });
  } catch (error) {
    ctx.log.warn({ err: error, inboundId }, 'an inbound message could not be parsed; it is kept as unmatched');
    await ctx.db
      .updateTable('inbound_messages')
      .set({ status: 'unmatched', reason: 'malformed', processed_at: ctx.now() })
      .where('id', '=', inboundId)
      .where('status', '=', 'received')
      .execute();
    return;
  }
  const now = ctx.now();
  const subject = withoutNul(parsed.subject ?? '');
  const text = withoutNul(parsed.text ?? '')
    .replace(/\r\n?/g, '\n')
    .trim();
  const sender = parsed.from?.value[0];
  const kind = letterKind({ headers: parsed.headers, subject, text });
  const parsedColumns = {
    message_id: clip(parsed.messageId, 500),
    from_address: clip(sender?.address, 500),
    from_name: clip(sender?.name, 500),
    subject: clip(subject, 1000),
    sent_at: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    text_body: text.slice(0, 200_000),
    auto_reply: kind === 'acknowledgement' && !findRegistrationNumber(`${subject}\n${text}`),
    processed_at: now,
  };
  const recipients = recipientsOf(message, parsed);
  // A citizen's reply to a cabinet's message thread: the cabinet files it (the port), in this message's transaction.
  const replyAddress = ctx.config.inboundMailDomain ? ctx.ports.answers.messageReplies.address(ctx, recipients) : null;
  if (replyAddress !== null && replyAddress !== 'bad_signature') {
    await ctx.db.transaction().execute(async (trx) => {
      const locked = await trx.selectFrom('inbound_messages').select('status').where('id', '=', inboundId).forUpdate().executeTakeFirst();
      if (locked?.status !== 'received') return;
      // A vacation notice or another automatic reply from the citizen's mailbox is no message of theirs.
      const outcome = isAutoReply(parsed.headers)
        ? { status: 'unmatched' as const, reason: 'auto_reply' }
        : await ctx.ports.answers.messageReplies.file(ctx, trx, replyAddress, {
            inboundId,
            messageId: parsedColumns.message_id,
            fromAddress: parsedColumns.from_address,
            text,
            receivedAt: message.received_at,
          });
      await trx
        .updateTable('inbound_messages')
        .set({ ...parsedColumns, status: outcome.status, reason: outcome.status === 'matched' ? 'message thread' : outcome.reason })
        .where('id', '=', inboundId)
        .execute();
    });
    return;
  }
  const appealMatch = await matchAppeal(ctx, recipients);
  // A forged thread address is as forged as an appeal's.
  const match: Match =
    replyAddress === 'bad_signature' && 'reason' in appealMatch && appealMatch.reason === 'no_reply_address' ? { reason: 'bad_signature' } : appealMatch;

  await ctx.db.transaction().execute(async (trx) => {
    // Under the row lock: two workers processing one message file it once.
    const locked = await trx.selectFrom('inbound_messages').select('status').where('id', '=', inboundId).forUpdate().executeTakeFirst();
    if (locked?.status !== 'received') return;
    if (!('appealId' in match)) {
      await trx
        .updateTable('inbound_messages')
        .set({ ...parsedColumns, status: 'unmatched', reason: match.reason })
        .where('id', '=', inboundId)
        .execute();
      return;
    }
    const appeal = await getAppealRow(ctx, match.appealId, trx);
    // The same message delivered twice (an MTA's retry, a provider's duplicate webhook) is filed once.
    if (parsedColumns.message_id) {
      const earlier = await trx
        .selectFrom('inbound_messages')
        .select('id')
        .where('appeal_id', '=', appeal.id)
        .where('message_id', '=', parsedColumns.message_id)
        .where('status', '=', 'matched')
        .executeTakeFirst();
      if (earlier) {
        await trx
          .updateTable('inbound_messages')
          .set({ ...parsedColumns, status: 'duplicate', appeal_id: appeal.id, reason: `duplicate of ${earlier.id}` })
          .where('id', '=', inboundId)
          .execute();
        return;
      }
    }
    await trx
      .updateTable('inbound_messages')
      .set({ ...parsedColumns, status: 'matched', appeal_id: appeal.id, reason: null })
      .where('id', '=', inboundId)
      .execute();
    const attachments = parsed.attachments.filter((attachment) => !attachment.related || attachment.contentDisposition === 'attachment');
    for (const [position, attachment] of attachments.slice(0, 50).entries()) {
      await trx
        .insertInto('inbound_attachments')
        .values({
          inbound_message_id: inboundId,
          position,
          filename: withoutNul(attachment.filename ?? `attachment-${position + 1}`).slice(0, 255),
          content_type: withoutNul(attachment.contentType).slice(0, 255),
          size: attachment.content.length,
          content: attachment.content,
        })
        .execute();
    }
    const registrationNumber = findRegistrationNumber(`${subject}\n${text}`);
    const letter = await trx
      .insertInto('appeal_letters')
      .values({
        appeal_id: appeal.id,
        source: 'email',
        inbound_message_id: inboundId,
        kind,
        subject: parsedColumns.subject,
        text: text.slice(0, 200_000),
        sender: parsedColumns.from_address,
        received_at: message.received_at,
        registration_number: registrationNumber,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const organization = await organizationOf(trx, appeal.organization_id);
    if (kind === 'acknowledgement') {
      // Public: the fact and the number the notice gives (the body's own registration, not a person's data).
      await recordEvent(trx, {
        problemId: appeal.problem_id,
        appealId: appeal.id,
        kind: 'appeal.acknowledged',
        actorId: null,
        data: { organization: organization.name, ...(registrationNumber ? { registrationNumber } : {}) },
      });
      return;
    }
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId: appeal.id,
      kind: 'appeal.letter_received',
      actorId: null,
      data: { organization: organization.name, letterId: letter.id },
    });
    if (appeal.author_id)
      await notify(
        ctx,
        trx,
        {
          kind: 'appeal.letter_received',
          problemId: appeal.problem_id,
          appealId: appeal.id,
          key: `appeal.letter_received:${letter.id}`,
          data: { title: appeal.title, organization: organization.name },
        },
        [{ userId: appeal.author_id, reason: 'author' }],
      );
  });
}

/** A letter of an appeal with what the viewer may see of it. */
export interface LetterView extends AppealLetter {
  /** `checked`: a scan of an uploaded answer (its type read from its bytes); else an e-mailed attachment as its sender described it. */
  attachments: { position: number; filename: string; content_type: string; size: number; checked: boolean; kind: LetterFileKind }[];
}

/** `letterhead`: the letter the platform set on the organization's letterhead; `scan`: uploaded; `mail`: e-mailed. */
export type LetterFileKind = 'letterhead' | 'scan' | 'mail';

/**
 * The letters of an appeal the viewer may read: the answer and the letters judged «не ответ» and the
 * acknowledgements for everyone; pending letters only for whoever decides them (the author, a moderator).
 */
export async function lettersOf(ctx: AppContext, viewer: Actor | null, appealId: number, executor: Executor = ctx.db): Promise<LetterView[]> {
  return visibleLetters(ctx, viewer, await getAppealRow(ctx, appealId, executor), executor);
}

/** The same for an appeal the caller already read (the appeal page and the API also ask its policies). */
export async function visibleLetters(ctx: AppContext, viewer: Actor | null, appeal: Appeal, executor: Executor = ctx.db): Promise<LetterView[]> {
  const appealId = appeal.id;
  // A draft exists only for its author (appeal.view): its letters, of which it has none, do not either.
  authorize(viewer, 'appeal.view', appeal);
  const decides = can(viewer, 'appeal-letter.decide', appeal);
  let query = executor.selectFrom('appeal_letters').selectAll().where('appeal_id', '=', appealId);
  if (!decides) query = query.where((eb) => eb.or([eb('kind', '=', 'acknowledgement'), eb('decision', '=', 'answer')]));
  const letters = await query.orderBy('received_at').orderBy('id').execute();
  const inboundIds = letters.flatMap((letter) => (letter.inbound_message_id ? [letter.inbound_message_id] : []));
  const uploadedIds = letters.flatMap((letter) => (letter.inbound_message_id ? [] : [letter.id]));
  const columns = ['position', 'filename', 'content_type', 'size'] as const;
  const [mailed, uploaded] = await Promise.all([
    inboundIds.length
      ? executor
          .selectFrom('inbound_attachments')
          .select(['inbound_message_id', ...columns])
          .where('inbound_message_id', 'in', inboundIds)
          .orderBy('position')
          .execute()
      : [],
    uploadedIds.length
      ? executor
          .selectFrom('letter_attachments')
          .select(['letter_id', 'kind', ...columns])
          .where('letter_id', 'in', uploadedIds)
          .orderBy('position')
          .execute()
      : [],
  ]);
  return letters.map((letter) => ({
    ...letter,
    attachments: letter.inbound_message_id
      ? mailed
          .filter((attachment) => attachment.inbound_message_id === letter.inbound_message_id)
          .map(({ inbound_message_id: _, ...attachment }) => ({ ...attachment, checked: false, kind: 'mail' as const }))
      : uploaded
          .filter((attachment) => attachment.letter_id === letter.id)
          // The letter on the letterhead first: it is the answer itself, the scans come with it.
          .sort((a, b) => Number(b.kind === 'letterhead') - Number(a.kind === 'letterhead') || a.position - b.position)
          .map(({ letter_id: _, ...attachment }) => ({ ...attachment, checked: true })),
  }));
}

/**
 * One attachment of a letter the viewer may read (not_found otherwise: a pending letter does not exist for others).
 * `checked`: a scan of an uploaded answer, its type read from its bytes at upload (a PDF, or an image encoded
 * afresh); an e-mailed attachment's type is only what its sender declared.
 */
export async function letterAttachment(
  ctx: AppContext,
  viewer: Actor | null,
  appealId: number,
  letterId: number,
  position: number,
): Promise<{ filename: string; content_type: string; content: Uint8Array; checked: boolean }> {
  const letter = (await lettersOf(ctx, viewer, appealId)).find((candidate) => candidate.id === letterId);
  if (!letter || !Number.isInteger(position) || position < 0 || position > 1000) throw new DomainError('not_found');
  const attachment = letter.inbound_message_id
    ? await ctx.db
        .selectFrom('inbound_attachments')
        .select(['filename', 'content_type', 'content'])
        .where('inbound_message_id', '=', letter.inbound_message_id)
        .where('position', '=', position)
        .executeTakeFirst()
    : await ctx.db
        .selectFrom('letter_attachments')
        .select(['filename', 'content_type', 'content'])
        .where('letter_id', '=', letter.id)
        .where('position', '=', position)
        .executeTakeFirst();
  if (!attachment) throw new DomainError('not_found');
  return { ...attachment, checked: !letter.inbound_message_id };
}

/**
 * The author (or a moderator) says whether a letter is the answer. «Ответ»: the letter is published, the
 * appeal becomes answered, its people are told; «не ответ»: the letter stays private. Once per letter; one
 * answer per appeal.
 */
export async function decideLetter(ctx: AppContext, asker: Actor | null, appealId: number, letterId: number, decision: LetterDecision): Promise<AppealLetter> {
  const decided = await ctx.db.transaction().execute(async (trx) => {
    const appeal = await getAppealRow(ctx, appealId, trx);
    const actor = authorize(asker, 'appeal-letter.decide', appeal);
    const letter = await trx
      .selectFrom('appeal_letters')
      .selectAll()
      .where('id', '=', letterId)
      .where('appeal_id', '=', appealId)
      .where('kind', '=', 'letter')
      .forUpdate()
      .executeTakeFirst();
    if (!letter) throw new DomainError('not_found');
    if (letter.decision !== null) throw new DomainError('letter_already_decided');
    // The appeal first: a second answer is refused before the letter's unique index could be.
    if (decision === 'answer') await publishAnswer(ctx, trx, { appeal, letter, actorId: actor.id });
    return trx
      .updateTable('appeal_letters')
      .set({ decision, decided_by: actor.id, decided_at: ctx.now() })
      .where('id', '=', letterId)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  return decided;
}

/**
 * Makes a letter of the appeal its answer, in the caller's transaction: the appeal is answered and its review
 * window opens (REVIEW_DAYS), the fact goes on the timeline, and its people are told. Every way an answer
 * arrives ends here — an e-mailed letter the author confirms, a paper answer the author uploads, one an
 * administrator publishes on the body's behalf. A second answer is refused (appeal_already_answered) and
 * the caller's transaction rolls back, so nothing of it is written.
 */
export async function publishAnswer(
  ctx: AppContext,
  trx: Executor,
  input: {
    appeal: Appeal;
    letter: Pick<AppealLetter, 'id' | 'source'>;
    actorId: number | null;
    /** More for the timeline event: who acted for the organization (appeals.cabinet.ts: onBehalfOf). */
    eventData?: Record<string, unknown>;
  },
): Promise<Date> {
  const { appeal, letter } = input;
  const now = ctx.now();
  const { reviewDays } = await ctx.ports.settings.current(ctx, trx);
  const reviewClosesAt = new Date(now.getTime() + reviewDays * 86_400_000);
  if (!(await recordAnswer(trx, appeal.id, now, reviewClosesAt))) throw new DomainError('appeal_already_answered');
  await countAnswer(trx, appeal, now);
  const organization = await organizationOf(trx, appeal.organization_id);
  await recordEvent(trx, {
    problemId: appeal.problem_id,
    appealId: appeal.id,
    kind: 'appeal.answered',
    actorId: input.actorId,
    data: {
      organization: organization.name,
      letterId: letter.id,
      source: letter.source,
      late: appeal.answer_overdue_at !== null,
      reviewClosesAt: reviewClosesAt.toISOString(),
      ...input.eventData,
    },
  });
  await ctx.jobs.send('answers.notify-answered', { appealId: appeal.id }, trx);
  return reviewClosesAt;
}

/** The author, the signers and the followers learn that the body answered. */
export async function notifyAnswered(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  if (!appeal.answered_at) return;
  const organization = await organizationOf(ctx.db, appeal.organization_id);
  await notifyInBatches(
    ctx,
    { kind: 'appeal.answered', problemId: appeal.problem_id, appealId, data: { title: appeal.title, organization: organization.name } },
    await appealAudience(ctx, appeal),
  );
}

export interface InboundSummary {
  id: number;
  channel: InboundChannel;
  received_at: Date;
  status: InboundMessage['status'];
  reason: string | null;
  envelope_to: string[];
  from_address: string | null;
  subject: string | null;
  size: number;
}

/** Inbound messages for the admins, newest first: by default the unmatched ones, which nobody else sees. */
export async function listInbound(
  ctx: AppContext,
  asker: Actor | null,
  filter: { status?: InboundMessage['status']; limit: number; offset: number },
): Promise<{ items: InboundSummary[]; total: number }> {
  authorize(asker, 'inbound-mail.list');
  const status = filter.status ?? 'unmatched';
  const [items, total] = await Promise.all([
    ctx.db
      .selectFrom('inbound_messages')
      .select(['id', 'channel', 'received_at', 'status', 'reason', 'envelope_to', 'from_address', 'subject', 'size'])
      .where('status', '=', status)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute(),
    ctx.db
      .selectFrom('inbound_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', status)
      .executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}
