/** The audit log: who did what to which record, and why. Written in the action's own transaction. */
import type { Selectable } from 'kysely';
import type { Executor } from './db/database.ts';
import type { AuditLogTable } from './db/schema.ts';

export interface AuditEntry {
  actorId: number | null;
  action: string;
  subjectType: string;
  subjectId?: string | number | null;
  details?: Record<string, unknown>;
  ip?: string | null;
}

export async function audit(executor: Executor, entry: AuditEntry): Promise<void> {
  await executor
    .insertInto('audit_log')
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      subject_type: entry.subjectType,
      subject_id: entry.subjectId === undefined || entry.subjectId === null ? null : String(entry.subjectId),
      details: JSON.stringify(entry.details ?? {}),
      ip: entry.ip ?? null,
    })
    .execute();
}

export type AuditLogEntry = Selectable<AuditLogTable>;

/** A page of the log, newest first, and how many entries there are in all (the admin's audit page). */
export async function auditEntries(executor: Executor, options: { limit: number; offset: number }): Promise<{ items: AuditLogEntry[]; total: number }> {
  const [items, total] = await Promise.all([
    executor.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(options.limit).offset(options.offset).execute(),
    executor
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}
