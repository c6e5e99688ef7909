/**
 * The cabinet's messages to citizens (issue 12): a private thread between an organization and one citizen — the author
 * of an appeal addressed to it, or of a problem it holds «на контроль» — and the organization's one message to all the
 * signers of an appeal, which becomes a private thread for each signer who answers it (signers never see each other).
 *
 * Who reads what: the thread's citizen, and the organization's officials (head and clerks, through `cabinet.view`;
 * they write through `cabinet.work`). Nobody else — not another organization, not a moderator, not an administrator
 * (who sees the audit log's entries of the officials' actions, never the text). The officials see the citizen's
 * public name («Иван П.») and nothing else of them: the e-mail is the notifications module's business, which mails
 * the citizen every message with the thread's signed reply address; a reply by e-mail comes back through the answers
 * module's inbound mail (`fileMailedReply`, its port). A citizen's message notifies the officials and fires the
 * organization's `message.received` webhook, in the transaction that stores it.
 */
import { sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { MessageBroadcast, MessageThread, Organization, ThreadChannel, ThreadMessage } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { renderMarkdown } from '../../core/text/markdown.ts';
import { publicName } from '../accounts/accounts.rules.ts';
import { contactsOf, isBlocked, userNameColumns } from '../accounts/accounts.service.ts';
import type { InboundReply, MessageReplyAddress, MessageReplyOutcome } from '../answers/answers.ports.ts';
import { addresseeAppeal, onBehalfOf } from '../appeals/appeals.cabinet.ts';
import { appealSignerIds, isAppealSigner } from '../appeals/appeals.notices.ts';
import { findAppealRow } from '../appeals/appeals.service.ts';
import { notify, notifyInBatches } from '../notifications/notifications.service.ts';
import { memberIds, memberOf } from '../organizations/organizations.members.ts';
import { organizationById, organizationLabels } from '../organizations/organizations.service.ts';
import { getProblemRow } from '../problems/problems.service.ts';
import { holdsControl } from './cabinet.control.ts';
import './cabinet.policy.ts';
import {
  broadcastReplyAddress,
  checkMessageBody,
  citizenMessagesPerHour,
  messageMaxLength,
  officialMessagesPerHour,
  readMessageAddress,
  replyText,
  threadReplyAddress,
} from './cabinet.threads.rules.ts';
import { emitOrganizationEvent } from './cabinet.webhooks.ts';

export const broadcastJob = 'cabinet.message-broadcast';

declare module '../../core/jobs/jobs.ts' {
  interface JobPayloads {
    /** Mails the organization's message to all the signers of an appeal, in batches (queued in the transaction that wrote it). */
    'cabinet.message-broadcast': { broadcastId: number };
  }
}

/** What a thread is about: an appeal addressed to the organization, or a problem it holds «на контроль». */
export type ThreadTopic = { appealId: number } | { problemId: number };

/** One message as either side reads it (the body rendered from the comment Markdown subset, sanitized). */
export interface ThreadMessageView {
  id: number;
  side: ThreadMessage['side'];
  channel: ThreadChannel;
  body: string;
  html: string;
  /** On the organization's side: the official, where the organization shows its officials' names. */
  official: string | null;
  createdAt: Date;
}

export interface ThreadSummary {
  id: number;
  organizationId: number;
  organizationName: string;
  organizationSlug: string;
  /** The citizen's public name («Иван П.»): all the organization's side ever reads of them. */
  citizenName: string;
  subject: string;
  appealId: number | null;
  problemId: number;
  lastMessageAt: Date;
  /** Unread by the side asking: a message of the other side came after it last read the thread. */
  unread: boolean;
  messages: number;
}

export interface ThreadView extends ThreadSummary {
  items: ThreadMessageView[];
}

export function storedMessageView(row: ThreadMessage): ThreadMessageView {
  return {
    id: row.id,
    side: row.side,
    channel: row.channel,
    body: row.body,
    html: renderMarkdown(row.body),
    official: row.side === 'organization' ? row.signature : null,
    createdAt: row.created_at,
  };
}

const hourMs = 3_600_000;

/** Refuses (429, with the wait) the message past `max` in the last hour of `sent` (newest first, at most `max` of them). */
function refuseOverLimit(ctx: AppContext, sent: readonly Date[], max: number): void {
  if (sent.length < max) return;
  const oldest = sent[sent.length - 1] as Date;
  const seconds = Math.max(1, Math.ceil((oldest.getTime() + hourMs - ctx.now().getTime()) / 1000));
  throw new DomainError('rate_limited', { seconds });
}

async function checkOfficialLimit(ctx: AppContext, trx: Executor, organizationId: number, userId: number): Promise<void> {
  const since = new Date(ctx.now().getTime() - hourMs);
  const rows = await sql<{ at: Date }>`
    select at from (
      select m.created_at as at from thread_messages m join message_threads t on t.id = m.thread_id
      where m.author_id = ${userId} and m.side = 'organization' and m.channel <> 'broadcast' and t.organization_id = ${organizationId} and m.created_at > ${since}
      union all
      select b.created_at as at from message_broadcasts b where b.sent_by = ${userId} and b.organization_id = ${organizationId} and b.created_at > ${since}
    ) as sent order by at desc limit ${officialMessagesPerHour}`.execute(trx);
  refuseOverLimit(
    ctx,
    rows.rows.map((row) => new Date(row.at)),
    officialMessagesPerHour,
  );
}

async function checkCitizenLimit(ctx: AppContext, trx: Executor, userId: number): Promise<void> {
  const rows = await trx
    .selectFrom('thread_messages')
    .select('created_at')
    .where('author_id', '=', userId)
    .where('side', '=', 'citizen')
    .where('created_at', '>', new Date(ctx.now().getTime() - hourMs))
    .orderBy('created_at', 'desc')
    .limit(citizenMessagesPerHour)
    .execute();
  refuseOverLimit(
    ctx,
    rows.map((row) => row.created_at),
    citizenMessagesPerHour,
  );
}

function replyAddressOf(ctx: AppContext, threadId: number): string | undefined {
  const domain = ctx.config.inboundMailDomain;
  return domain ? threadReplyAddress(threadId, ctx.config.secret, domain) : undefined;
}

/** The official's line under the organization's message: their name and position where the organization shows them, else none. */
async function officialSignature(trx: Executor, organization: Organization, actorId: number): Promise<string | null> {
  return onBehalfOf(organization, await memberOf(trx, organization.id, actorId)).official ?? null;
}

async function insertMessage(
  ctx: AppContext,
  trx: Executor,
  input: Omit<ThreadMessage, 'id' | 'created_at' | 'inbound_message_id' | 'mail_message_id' | 'signature' | 'broadcast_id'> & {
    signature?: string | null;
    broadcastId?: number;
    inboundMessageId?: number | null;
    mailMessageId?: string | null;
    createdAt?: Date;
  },
): Promise<ThreadMessage> {
  const createdAt = input.createdAt ?? ctx.now();
  const message = await trx
    .insertInto('thread_messages')
    .values({
      thread_id: input.thread_id,
      side: input.side,
      author_id: input.author_id,
      body: input.body,
      signature: input.signature ?? null,
      channel: input.channel,
      inbound_message_id: input.inboundMessageId ?? null,
      mail_message_id: input.mailMessageId ?? null,
      broadcast_id: input.broadcastId ?? null,
      created_at: createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('message_threads')
    .set({
      last_message_at: sql<Date>`greatest(last_message_at, ${createdAt})`,
      // The side that writes has read what came before.
      ...(input.side === 'organization' ? { organization_read_at: createdAt } : { citizen_read_at: createdAt }),
    })
    .where('id', '=', input.thread_id)
    .execute();
  return message;
}

/** The thread of the organization, the citizen and the topic, made when it is the first message (one per the three). */
async function threadFor(
  trx: Executor,
  input: { organizationId: number; citizenId: number; problemId: number; appealId: number | null; subject: string; startedBy: number | null; at: Date },
): Promise<{ thread: MessageThread; created: boolean }> {
  const inserted = await sql<MessageThread>`
    insert into message_threads (organization_id, citizen_id, problem_id, appeal_id, subject, started_by, created_at, last_message_at)
    values (${input.organizationId}, ${input.citizenId}, ${input.problemId}, ${input.appealId}, ${input.subject}, ${input.startedBy}, ${input.at}, ${input.at})
    on conflict (organization_id, citizen_id, problem_id, (coalesce(appeal_id, 0))) do nothing
    returning *`.execute(trx);
  const row = inserted.rows[0];
  if (row) return { thread: row, created: true };
  let query = trx
    .selectFrom('message_threads')
    .selectAll()
    .where('organization_id', '=', input.organizationId)
    .where('citizen_id', '=', input.citizenId)
    .where('problem_id', '=', input.problemId);
  query = input.appealId === null ? query.where('appeal_id', 'is', null) : query.where('appeal_id', '=', input.appealId);
  return { thread: await query.forUpdate().executeTakeFirstOrThrow(), created: false };
}

/** Tells the citizen of the organization's message: in-site, and by mail with the thread's reply address. */
async function notifyCitizen(ctx: AppContext, trx: Executor, organization: Organization, thread: MessageThread, message: ThreadMessage): Promise<void> {
  const replyTo = replyAddressOf(ctx, thread.id);
  await notify(
    ctx,
    trx,
    {
      kind: 'cabinet.message',
      problemId: thread.problem_id,
      // Not the appeal's: a conversation's mails are not counted in the cap of news about the appeal.
      appealId: null,
      key: `cabinet.message:${message.id}`,
      data: { organization: organization.name, subject: thread.subject, text: message.body, path: `/messages/${thread.id}` },
    },
    [{ userId: thread.citizen_id, reason: 'author', ...(replyTo ? { replyTo } : {}) }],
  );
}

/** What a thread is about, and who the citizen is: the appeal's author (an appeal addressed to it), or the problem's (held «на контроль»). */
async function topicOf(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  topic: ThreadTopic,
): Promise<{ citizenId: number; problemId: number; appealId: number | null; subject: string }> {
  if ('appealId' in topic) {
    const appeal = await addresseeAppeal(ctx, asker, organization.id, topic.appealId);
    if (!appeal.author_id) throw new DomainError('message_no_citizen');
    return { citizenId: appeal.author_id, problemId: appeal.problem_id, appealId: appeal.id, subject: appeal.title };
  }
  if (!Number.isInteger(topic.problemId) || topic.problemId <= 0) throw new DomainError('not_found');
  const problem = await getProblemRow(ctx, topic.problemId);
  if (problem.status === 'hidden') throw new DomainError('not_found');
  if (!(await holdsControl(ctx, organization.id, problem.id))) throw new DomainError('message_not_controlled');
  if (!problem.author_id) throw new DomainError('message_no_citizen');
  return { citizenId: problem.author_id, problemId: problem.id, appealId: null, subject: problem.title };
}

/** The organization's message in a thread, signed by the official as the organization shows them, told to the citizen, audited. */
async function sendAsOrganization(
  ctx: AppContext,
  trx: Executor,
  actor: Actor,
  organization: Organization,
  thread: MessageThread,
  body: string,
  channel: 'site' | 'api',
  details: Record<string, unknown> = {},
): Promise<ThreadMessage> {
  const message = await insertMessage(ctx, trx, {
    thread_id: thread.id,
    side: 'organization',
    author_id: actor.id,
    body,
    channel,
    signature: await officialSignature(trx, organization, actor.id),
  });
  await notifyCitizen(ctx, trx, organization, thread, message);
  await audit(trx, {
    actorId: actor.id,
    action: 'cabinet.message_sent',
    subjectType: 'message_thread',
    subjectId: thread.id,
    details: { organizationId: organization.id, messageId: message.id, channel, ...details },
  });
  return message;
}

/**
 * An official writes to the author of an appeal addressed to the organization, or of a problem it holds «на контроль»:
 * the thread of the three is made with the first message and continued after. The author is told in-site and by mail.
 */
export async function writeToCitizen(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  topic: ThreadTopic,
  input: { body: string; channel: 'site' | 'api' },
): Promise<{ thread: MessageThread; message: ThreadMessage }> {
  const actor = authorize(asker, 'cabinet.work', organization);
  const body = checkMessageBody(input.body);
  const about = await topicOf(ctx, actor, organization, topic);
  return ctx.db.transaction().execute(async (trx) => {
    await checkOfficialLimit(ctx, trx, organization.id, actor.id);
    const now = ctx.now();
    const { thread } = await threadFor(trx, { organizationId: organization.id, ...about, startedBy: actor.id, at: now });
    const message = await sendAsOrganization(ctx, trx, actor, organization, thread, body, input.channel, {
      appealId: thread.appeal_id,
      problemId: thread.problem_id,
    });
    return { thread, message };
  });
}

/** The organization's thread, for its officials (not_found for another organization's, as for a thread that does not exist). */
async function organizationThreadRow(ctx: AppContext, organization: Organization, threadId: number, executor: Executor = ctx.db): Promise<MessageThread> {
  const thread =
    Number.isInteger(threadId) && threadId > 0
      ? await executor.selectFrom('message_threads').selectAll().where('id', '=', threadId).where('organization_id', '=', organization.id).executeTakeFirst()
      : undefined;
  if (!thread) throw new DomainError('not_found');
  return thread;
}

/** An official answers in the organization's thread; the citizen is told in-site and by mail. */
export async function replyAsOrganization(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  threadId: number,
  input: { body: string; channel: 'site' | 'api' },
): Promise<{ thread: MessageThread; message: ThreadMessage }> {
  const actor = authorize(asker, 'cabinet.work', organization);
  const body = checkMessageBody(input.body);
  return ctx.db.transaction().execute(async (trx) => {
    const thread = await organizationThreadRow(ctx, organization, threadId, trx);
    await checkOfficialLimit(ctx, trx, organization.id, actor.id);
    const message = await sendAsOrganization(ctx, trx, actor, organization, thread, body, input.channel);
    return { thread, message };
  });
}

interface SummaryRow extends MessageThread {
  first_name: string | null;
  surname: string | null;
  unread: boolean;
  messages: number;
}

async function summaries(ctx: AppContext, rows: SummaryRow[]): Promise<ThreadSummary[]> {
  const labels = await organizationLabels(
    ctx,
    rows.map((row) => row.organization_id),
  );
  return rows.map((row) => ({
    id: row.id,
    organizationId: row.organization_id,
    organizationName: labels.get(row.organization_id)?.name ?? '',
    organizationSlug: labels.get(row.organization_id)?.slug ?? '',
    citizenName: row.first_name !== null && row.surname !== null ? publicName(row.first_name, row.surname) : '',
    subject: row.subject,
    appealId: row.appeal_id,
    problemId: row.problem_id,
    lastMessageAt: row.last_message_at,
    unread: row.unread,
    messages: Number(row.messages),
  }));
}

function summaryQuery(ctx: AppContext, side: 'organization' | 'citizen') {
  const other = side === 'organization' ? 'citizen' : 'organization';
  const readColumn = side === 'organization' ? 't.organization_read_at' : 't.citizen_read_at';
  return ctx.db
    .selectFrom('message_threads as t')
    .leftJoin(userNameColumns(ctx.db).as('u'), 'u.id', 't.citizen_id')
    .selectAll('t')
    .select(['u.first_name', 'u.surname'])
    .select(
      sql<boolean>`exists (select 1 from thread_messages m where m.thread_id = t.id and m.side = ${other} and m.created_at > coalesce(${sql.ref(readColumn)}, '-infinity'::timestamptz))`.as(
        'unread',
      ),
    )
    .select(sql<number>`(select count(*)::int from thread_messages m where m.thread_id = t.id)`.as('messages'));
}

/** The organization's threads, unread first, then the newest; optionally those about one appeal. */
export async function organizationThreads(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  options: { limit: number; offset: number; appealId?: number },
): Promise<{ items: ThreadSummary[]; total: number; unread: number }> {
  authorize(asker, 'cabinet.view', organization);
  let query = summaryQuery(ctx, 'organization').where('t.organization_id', '=', organization.id);
  if (options.appealId !== undefined) query = query.where('t.appeal_id', '=', options.appealId);
  const [rows, counts] = await Promise.all([
    query.orderBy('unread', 'desc').orderBy('t.last_message_at', 'desc').orderBy('t.id', 'desc').limit(options.limit).offset(options.offset).execute(),
    sql<{ total: number; unread: number }>`
      select count(*)::int as total,
        count(*) filter (where exists (select 1 from thread_messages m where m.thread_id = t.id and m.side = 'citizen'
          and m.created_at > coalesce(t.organization_read_at, '-infinity'::timestamptz)))::int as unread
      from message_threads t where t.organization_id = ${organization.id}
        and (${options.appealId ?? null}::integer is null or t.appeal_id = ${options.appealId ?? null})`.execute(ctx.db),
  ]);
  return { items: await summaries(ctx, rows as SummaryRow[]), total: Number(counts.rows[0]?.total ?? 0), unread: Number(counts.rows[0]?.unread ?? 0) };
}

async function messagesOf(ctx: AppContext, threadId: number): Promise<ThreadMessageView[]> {
  const rows = await ctx.db.selectFrom('thread_messages').selectAll().where('thread_id', '=', threadId).orderBy('created_at').orderBy('id').execute();
  return rows.map(storedMessageView);
}

async function threadView(ctx: AppContext, side: 'organization' | 'citizen', thread: MessageThread): Promise<ThreadView> {
  const [row] = await summaryQuery(ctx, side).where('t.id', '=', thread.id).execute();
  const [summary] = await summaries(ctx, [row as SummaryRow]);
  return { ...(summary as ThreadSummary), items: await messagesOf(ctx, thread.id) };
}

/** One of the organization's threads with its messages, for its officials; reading it marks it read for the organization. */
export async function organizationThread(ctx: AppContext, asker: Actor | null, organization: Organization, threadId: number): Promise<ThreadView> {
  authorize(asker, 'cabinet.view', organization);
  const thread = await organizationThreadRow(ctx, organization, threadId);
  const view = await threadView(ctx, 'organization', thread);
  await ctx.db.updateTable('message_threads').set({ organization_read_at: ctx.now() }).where('id', '=', thread.id).execute();
  return view;
}

/** The citizen's own threads with organizations, unread first, then the newest. */
export async function citizenThreads(
  ctx: AppContext,
  asker: Actor | null,
  options: { limit: number; offset: number },
): Promise<{ items: ThreadSummary[]; total: number }> {
  const actor = authorize(asker, 'message.list');
  const [rows, total] = await Promise.all([
    summaryQuery(ctx, 'citizen')
      .where('t.citizen_id', '=', actor.id)
      .orderBy('unread', 'desc')
      .orderBy('t.last_message_at', 'desc')
      .orderBy('t.id', 'desc')
      .limit(options.limit)
      .offset(options.offset)
      .execute(),
    ctx.db
      .selectFrom('message_threads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('citizen_id', '=', actor.id)
      .executeTakeFirstOrThrow(),
  ]);
  return { items: await summaries(ctx, rows as SummaryRow[]), total: Number(total.n) };
}

async function citizenThreadRow(ctx: AppContext, threadId: number, executor: Executor = ctx.db): Promise<MessageThread> {
  const thread =
    Number.isInteger(threadId) && threadId > 0
      ? await executor.selectFrom('message_threads').selectAll().where('id', '=', threadId).executeTakeFirst()
      : undefined;
  if (!thread) throw new DomainError('not_found');
  return thread;
}

/** One of the citizen's threads (not_found for anyone else's); reading it marks it read for the citizen. */
export async function citizenThread(ctx: AppContext, asker: Actor | null, threadId: number): Promise<ThreadView> {
  const thread = await citizenThreadRow(ctx, threadId);
  authorize(asker, 'message.read', thread);
  const view = await threadView(ctx, 'citizen', thread);
  await ctx.db.updateTable('message_threads').set({ citizen_read_at: ctx.now() }).where('id', '=', thread.id).execute();
  return view;
}

/**
 * Stores the citizen's message in the thread and tells the organization: its officials in-site and by mail (reason
 * «служебный кабинет»), its `message.received` webhooks — all in `trx`, so nothing is told of a message not stored.
 */
async function addCitizenMessage(
  ctx: AppContext,
  trx: Executor,
  thread: MessageThread,
  input: { userId: number; body: string; channel: ThreadChannel; inboundMessageId?: number; mailMessageId?: string | null },
): Promise<ThreadMessage> {
  await checkCitizenLimit(ctx, trx, input.userId);
  const message = await insertMessage(ctx, trx, {
    thread_id: thread.id,
    side: 'citizen',
    author_id: input.userId,
    body: input.body,
    channel: input.channel,
    inboundMessageId: input.inboundMessageId ?? null,
    mailMessageId: input.mailMessageId ?? null,
  });
  const organization = await organizationById(trx, thread.organization_id);
  const [name] = await trx.selectFrom(userNameColumns(trx).as('u')).select(['u.first_name', 'u.surname']).where('u.id', '=', input.userId).execute();
  await notify(
    ctx,
    trx,
    {
      kind: 'cabinet.message_received',
      problemId: thread.problem_id,
      appealId: null,
      key: `cabinet.message_received:${message.id}`,
      data: {
        organization: organization.name,
        subject: thread.subject,
        name: name ? publicName(name.first_name, name.surname) : '',
        path: `/cabinet/${organization.slug}/messages/${thread.id}`,
      },
    },
    (await memberIds(trx, organization.id)).map((userId) => ({ userId, reason: 'official' as const })),
  );
  await emitOrganizationEvent(ctx, trx, {
    organizationId: organization.id,
    type: 'message.received',
    data: {
      threadId: thread.id,
      messageId: message.id,
      appealId: thread.appeal_id,
      problemId: thread.problem_id,
      channel: input.channel,
      receivedAt: message.created_at.toISOString(),
    },
  });
  return message;
}

/** The citizen answers in their thread, on the site or through the API. */
export async function replyAsCitizen(
  ctx: AppContext,
  asker: Actor | null,
  threadId: number,
  input: { body: string; channel: 'site' | 'api' },
): Promise<{ thread: MessageThread; message: ThreadMessage }> {
  const thread = await citizenThreadRow(ctx, threadId);
  authorize(asker, 'message.read', thread);
  const actor = authorize(asker, 'message.reply', { citizenId: thread.citizen_id });
  const body = checkMessageBody(input.body);
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('message_threads').selectAll().where('id', '=', thread.id).forUpdate().executeTakeFirstOrThrow();
    const message = await addCitizenMessage(ctx, trx, locked, { userId: actor.id, body, channel: input.channel });
    return { thread: locked, message };
  });
}

// The organization's message to all signers.

export interface BroadcastView {
  id: number;
  organizationName: string;
  appealId: number;
  subject: string;
  body: string;
  html: string;
  official: string | null;
  createdAt: Date;
  recipients: number;
  /** For a signer: the thread their answer went to, if they answered. */
  threadId: number | null;
}

async function broadcastRow(executor: Executor, broadcastId: number): Promise<MessageBroadcast> {
  const row =
    Number.isInteger(broadcastId) && broadcastId > 0
      ? await executor.selectFrom('message_broadcasts').selectAll().where('id', '=', broadcastId).executeTakeFirst()
      : undefined;
  if (!row) throw new DomainError('not_found');
  return row;
}

/**
 * An official writes once to all the signers of an appeal addressed to the organization (its author among them): the
 * message is stored, then mailed in batches by a job, each signer with a reply address of their own.
 */
export async function writeToSigners(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  appealId: number,
  input: { body: string; channel: 'site' | 'api' },
): Promise<MessageBroadcast> {
  const actor = authorize(asker, 'cabinet.work', organization);
  const body = checkMessageBody(input.body);
  const appeal = await addresseeAppeal(ctx, actor, organization.id, appealId);
  return ctx.db.transaction().execute(async (trx) => {
    await checkOfficialLimit(ctx, trx, organization.id, actor.id);
    const broadcast = await trx
      .insertInto('message_broadcasts')
      .values({
        organization_id: organization.id,
        appeal_id: appeal.id,
        body,
        signature: await officialSignature(trx, organization, actor.id),
        sent_by: actor.id,
        created_at: ctx.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await ctx.jobs.send(broadcastJob, { broadcastId: broadcast.id }, trx);
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.message_to_signers',
      subjectType: 'appeal',
      subjectId: appeal.id,
      details: { organizationId: organization.id, broadcastId: broadcast.id, channel: input.channel },
    });
    return broadcast;
  });
}

/** The job: each signer is told in-site and by mail, with their own reply address; a retried job tells nobody twice. */
export async function mailBroadcast(ctx: AppContext, broadcastId: number): Promise<void> {
  const broadcast = await broadcastRow(ctx.db, broadcastId);
  const appeal = await findAppealRow(ctx.db, broadcast.appeal_id);
  if (!appeal) return;
  const organization = await organizationById(ctx.db, broadcast.organization_id);
  const recipients = await appealSignerIds(ctx, appeal);
  const domain = ctx.config.inboundMailDomain;
  await notifyInBatches(
    ctx,
    {
      kind: 'cabinet.message',
      problemId: appeal.problem_id,
      appealId: appeal.id,
      key: `cabinet.message:broadcast:${broadcast.id}`,
      data: { organization: organization.name, subject: appeal.title, text: broadcast.body, path: `/messages/broadcasts/${broadcast.id}` },
    },
    recipients.map((userId) => ({
      userId,
      reason: userId === appeal.author_id ? ('author' as const) : ('signer' as const),
      ...(domain ? { replyTo: broadcastReplyAddress(broadcast.id, userId, ctx.config.secret, domain) } : {}),
    })),
  );
  await ctx.db.updateTable('message_broadcasts').set({ recipients: recipients.length }).where('id', '=', broadcast.id).execute();
}

/** Whether the person is one the message to all signers was for (the author, or a signer whose signature counts). */
async function isBroadcastRecipient(ctx: AppContext, broadcast: MessageBroadcast, userId: number, executor: Executor = ctx.db): Promise<boolean> {
  const appeal = await findAppealRow(executor, broadcast.appeal_id);
  return appeal !== null && (await isAppealSigner(appeal, userId, executor));
}

async function subjectOfBroadcast(executor: Executor, broadcast: MessageBroadcast) {
  const appeal = await findAppealRow(executor, broadcast.appeal_id);
  if (!appeal) throw new DomainError('not_found');
  return appeal;
}

/** The message to all signers as one of them reads it (not_found for anyone it was not for). */
export async function citizenBroadcast(ctx: AppContext, asker: Actor | null, broadcastId: number): Promise<BroadcastView> {
  const actor = authorize(asker, 'message.list');
  const broadcast = await broadcastRow(ctx.db, broadcastId);
  if (!(await isBroadcastRecipient(ctx, broadcast, actor.id))) throw new DomainError('not_found');
  const appeal = await subjectOfBroadcast(ctx.db, broadcast);
  const organization = await organizationById(ctx.db, broadcast.organization_id);
  const thread = await ctx.db
    .selectFrom('message_threads')
    .select('id')
    .where('organization_id', '=', broadcast.organization_id)
    .where('citizen_id', '=', actor.id)
    .where('appeal_id', '=', appeal.id)
    .executeTakeFirst();
  return {
    id: broadcast.id,
    organizationName: organization.name,
    appealId: appeal.id,
    subject: appeal.title,
    body: broadcast.body,
    html: renderMarkdown(broadcast.body),
    official: broadcast.signature,
    createdAt: broadcast.created_at,
    recipients: broadcast.recipients,
    threadId: thread?.id ?? null,
  };
}

/** The messages to all signers of one of the organization's appeals, newest first, for its officials. */
export async function broadcastsOfAppeal(ctx: AppContext, asker: Actor | null, organization: Organization, appealId: number): Promise<MessageBroadcast[]> {
  authorize(asker, 'cabinet.view', organization);
  return ctx.db
    .selectFrom('message_broadcasts')
    .selectAll()
    .where('organization_id', '=', organization.id)
    .where('appeal_id', '=', appealId)
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
}

/**
 * A signer answers the message to all signers: the answer goes to the signer's own thread with the organization about
 * the appeal (made now, starting with the organization's message, if the signer had none), which no other signer sees.
 */
async function answerBroadcastIn(
  ctx: AppContext,
  trx: Executor,
  broadcast: MessageBroadcast,
  input: { userId: number; body: string; channel: ThreadChannel; inboundMessageId?: number; mailMessageId?: string | null },
): Promise<{ thread: MessageThread; message: ThreadMessage }> {
  const appeal = await subjectOfBroadcast(trx, broadcast);
  const { thread, created } = await threadFor(trx, {
    organizationId: broadcast.organization_id,
    citizenId: input.userId,
    problemId: appeal.problem_id,
    appealId: appeal.id,
    subject: appeal.title,
    startedBy: broadcast.sent_by,
    at: broadcast.created_at,
  });
  const copied =
    !created &&
    (await trx.selectFrom('thread_messages').select('id').where('thread_id', '=', thread.id).where('broadcast_id', '=', broadcast.id).executeTakeFirst()) !==
      undefined;
  if (!copied) {
    await insertMessage(ctx, trx, {
      thread_id: thread.id,
      side: 'organization',
      author_id: broadcast.sent_by,
      body: broadcast.body,
      signature: broadcast.signature,
      channel: 'broadcast',
      broadcastId: broadcast.id,
      createdAt: broadcast.created_at,
    });
  }
  const message = await addCitizenMessage(ctx, trx, thread, input);
  return { thread, message };
}

/** A signer answers the organization's message to all signers on the site or through the API. */
export async function answerBroadcast(
  ctx: AppContext,
  asker: Actor | null,
  broadcastId: number,
  input: { body: string; channel: 'site' | 'api' },
): Promise<{ thread: MessageThread; message: ThreadMessage }> {
  const viewer = authorize(asker, 'message.list');
  const broadcast = await broadcastRow(ctx.db, broadcastId);
  if (!(await isBroadcastRecipient(ctx, broadcast, viewer.id))) throw new DomainError('not_found');
  const actor = authorize(asker, 'message.reply', { citizenId: viewer.id });
  const body = checkMessageBody(input.body);
  return ctx.db.transaction().execute((trx) => answerBroadcastIn(ctx, trx, broadcast, { userId: actor.id, body, channel: input.channel }));
}

// Replies by e-mail (the answers module's inbound mail, through its port).

/** The first recipient that is a thread's or a message to all signers' reply address, `bad_signature` for a forged one, or null. */
export function messageReplyAddress(ctx: AppContext, recipients: readonly string[]): MessageReplyAddress | 'bad_signature' | null {
  const domain = ctx.config.inboundMailDomain;
  if (!domain) return null;
  let forged = false;
  for (const address of recipients) {
    const read = readMessageAddress(address, ctx.config.secret, domain);
    if (!('refused' in read)) return read;
    if (read.refused === 'bad_signature') forged = true;
  }
  return forged ? 'bad_signature' : null;
}

/**
 * Files an e-mailed reply, in the inbound message's transaction: only from the citizen's own address (a reply address
 * passed on to someone else adds nothing), the text above the quote, within the length and the citizen's limit.
 * Anything else stays in the inbound mail as unmatched, with the reason, for the administrators.
 */
export async function fileMailedReply(ctx: AppContext, trx: Executor, address: MessageReplyAddress, reply: InboundReply): Promise<MessageReplyOutcome> {
  let citizenId: number;
  let broadcast: MessageBroadcast | null = null;
  let thread: MessageThread | null = null;
  if ('threadId' in address) {
    thread = (await trx.selectFrom('message_threads').selectAll().where('id', '=', address.threadId).forUpdate().executeTakeFirst()) ?? null;
    if (!thread) return { status: 'unmatched', reason: 'unknown_thread' };
    citizenId = thread.citizen_id;
  } else {
    broadcast = (await trx.selectFrom('message_broadcasts').selectAll().where('id', '=', address.broadcastId).executeTakeFirst()) ?? null;
    if (!broadcast) return { status: 'unmatched', reason: 'unknown_thread' };
    if (!(await isBroadcastRecipient(ctx, broadcast, address.userId, trx))) return { status: 'unmatched', reason: 'not_a_signer' };
    citizenId = address.userId;
  }
  const [contact] = await contactsOf(trx, [citizenId]);
  if (!contact || !reply.fromAddress || contact.email.toLowerCase() !== reply.fromAddress.toLowerCase())
    return { status: 'unmatched', reason: 'not_from_participant' };
  // A blocked account writes nothing on the site; by mail neither.
  if (await isBlocked(trx, citizenId)) return { status: 'unmatched', reason: 'account_blocked' };
  if (reply.messageId) {
    const earlier = await trx
      .selectFrom('thread_messages')
      .select('id')
      .where('mail_message_id', '=', reply.messageId)
      .where('author_id', '=', citizenId)
      .executeTakeFirst();
    if (earlier) return { status: 'duplicate', reason: `duplicate of message ${earlier.id}` };
  }
  const body = replyText(reply.text);
  if (!body) return { status: 'unmatched', reason: 'empty_reply' };
  if ([...body].length > messageMaxLength) return { status: 'unmatched', reason: 'message_too_long' };
  const input = { userId: citizenId, body, channel: 'email' as const, inboundMessageId: reply.inboundId, mailMessageId: reply.messageId };
  try {
    if (thread) await addCitizenMessage(ctx, trx, thread, input);
    else if (broadcast) await answerBroadcastIn(ctx, trx, broadcast, input);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'rate_limited') return { status: 'unmatched', reason: 'rate_limited' };
    throw error;
  }
  return { status: 'matched', reason: null };
}

/** The organization's threads about one appeal, for the cabinet's appeal page. */
export function threadsOfAppeal(ctx: AppContext, asker: Actor | null, organization: Organization, appealId: number) {
  return organizationThreads(ctx, asker, organization, { limit: 50, offset: 0, appealId });
}

/**
 * A person's conversations with organizations, for their data export (152-FZ Art. 14): each thread with its
 * organization and subject, and every message in it — theirs and the organization's — as written.
 */
export async function messagesOfPerson(ctx: AppContext, userId: number): Promise<{ messages: Record<string, unknown>[] }> {
  const threads = await ctx.db
    .selectFrom('message_threads')
    .select(['id', 'organization_id', 'problem_id', 'appeal_id', 'subject', 'created_at'])
    .where('citizen_id', '=', userId)
    .orderBy('id')
    .execute();
  if (threads.length === 0) return { messages: [] };
  const [messages, labels] = await Promise.all([
    ctx.db
      .selectFrom('thread_messages')
      .select(['thread_id', 'side', 'body', 'channel', 'created_at'])
      .where(
        'thread_id',
        'in',
        threads.map((thread) => thread.id),
      )
      .orderBy('id')
      .execute(),
    organizationLabels(
      ctx,
      threads.map((thread) => thread.organization_id),
    ),
  ]);
  return {
    messages: threads.map((thread) => ({
      threadId: thread.id,
      organization: labels.get(thread.organization_id)?.name ?? null,
      problemId: thread.problem_id,
      appealId: thread.appeal_id,
      subject: thread.subject,
      startedAt: thread.created_at.toISOString(),
      messages: messages
        .filter((message) => message.thread_id === thread.id)
        .map((message) => ({ from: message.side, body: message.body, channel: message.channel, sentAt: message.created_at.toISOString() })),
    })),
  };
}
