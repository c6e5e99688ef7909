/** The audit log: who did what to which record, and why. Written in the action's own transaction. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Selectable, sql } from 'kysely';
import type { Executor } from './db/database.ts';
import { likePattern } from './db/like.ts';
import type { AuditLogTable } from './db/schema.ts';

export interface AuditEntry {
  actorId: number | null;
  action: string;
  subjectType: string;
  subjectId?: string | number | null;
  details?: Record<string, unknown>;
  ip?: string | null;
}

/** What made the request beyond its actor: an organization's API token (the actor is then the head who made it). */
export interface AuditOrigin {
  organizationToken: { id: number; name: string; organizationId: number };
}

const origins = new AsyncLocalStorage<AuditOrigin>();

/** Runs `fn` so that every entry it writes, however deep, names this origin in its details (`organizationToken`). */
export function withAuditOrigin<T>(origin: AuditOrigin, fn: () => T): T {
  return origins.run(origin, fn);
}

/** The origin of the request being handled, if it came through an organization's token (see withAuditOrigin). */
export function currentAuditOrigin(): AuditOrigin | undefined {
  return origins.getStore();
}

export async function audit(executor: Executor, entry: AuditEntry): Promise<void> {
  const origin = origins.getStore();
  await executor
    .insertInto('audit_log')
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      subject_type: entry.subjectType,
      subject_id: entry.subjectId === undefined || entry.subjectId === null ? null : String(entry.subjectId),
      details: JSON.stringify(origin ? { ...entry.details, organizationToken: origin.organizationToken } : (entry.details ?? {})),
      ip: entry.ip ?? null,
    })
    .execute();
}

export type AuditLogEntry = Selectable<AuditLogTable>;

/** What the audit page and its API filter on; every field optional, all of them together (AND). */
export interface AuditFilter {
  /** The entries of these actors only (already resolved from a name, e-mail or id); an empty list matches nothing. */
  actorIds?: readonly number[] | undefined;
  action?: string | undefined;
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  /** created_at ≥ from. */
  from?: Date | undefined;
  /** created_at < until. */
  until?: Date | undefined;
  /** A piece of the details' text (a reason, a field's value), case-insensitive. */
  text?: string | undefined;
}

/**
 * A page of the filtered log, newest first, read by keyset (entries older than `before`), so page 1000 costs what
 * page 1 does; `nextBefore` is the cursor of the next page, null on the last one.
 */
export async function searchAudit(
  executor: Executor,
  filter: AuditFilter,
  options: { limit: number; before?: number | undefined },
): Promise<{ items: AuditLogEntry[]; nextBefore: number | null }> {
  if (filter.actorIds && filter.actorIds.length === 0) return { items: [], nextBefore: null };
  let query = executor.selectFrom('audit_log').selectAll();
  if (filter.actorIds) query = query.where('actor_id', '=', sql<number>`any(${[...filter.actorIds]}::integer[])`);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.subjectType) query = query.where('subject_type', '=', filter.subjectType);
  if (filter.subjectId) query = query.where('subject_id', '=', filter.subjectId);
  if (filter.from) query = query.where('created_at', '>=', filter.from);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  if (filter.text) query = query.where(sql<boolean>`details::text ilike ${likePattern(filter.text)}`);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const items = rows.slice(0, options.limit);
  return { items, nextBefore: rows.length > options.limit ? (items.at(-1)?.id ?? null) : null };
}

/** Every action the log holds, for the filter's list (a loose index scan over audit_log_action_idx: one probe per action). */
export async function auditActions(executor: Executor): Promise<string[]> {
  const result = await sql<{ action: string }>`
    with recursive actions as (
      (select action from audit_log order by action limit 1)
      union all
      select (select a.action from audit_log a where a.action > actions.action order by a.action limit 1) from actions where actions.action is not null
    )
    select action from actions where action is not null`.execute(executor);
  return result.rows.map((row) => row.action);
}

/** One record's entries whose action starts with `actionPrefix` (a module's own history of it), oldest first. */
export async function auditEntriesOf(
  executor: Executor,
  subject: { type: string; id: string | number; actionPrefix: string },
  limit = 100,
): Promise<AuditLogEntry[]> {
  return executor
    .selectFrom('audit_log')
    .selectAll()
    .where('subject_type', '=', subject.type)
    .where('subject_id', '=', String(subject.id))
    .where('action', 'like', `${subject.actionPrefix.replace(/[%_\\]/g, '\\$&')}%`)
    .orderBy('id')
    .limit(limit)
    .execute();
}
