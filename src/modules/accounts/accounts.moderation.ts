/**
 * What moderation reads of a person it is asked to judge: the name he is shown by, whether he is blocked, and
 * since when he has an account. Never his e-mail, full name or address: a moderator judges what the public sees.
 * Blocking itself is accounts.service's blockUser / unblockUser, with the moderator named.
 */
import type { Executor } from '../../core/db/database.ts';
import { isRowId } from '../../core/db/row-id.ts';
import { publicName } from './accounts.rules.ts';

export interface ModeratedPerson {
  id: number;
  /** «Иван П.», as his problems and comments show him. */
  name: string;
  blocked: boolean;
  createdAt: Date;
}

export async function personForModeration(executor: Executor, userId: number): Promise<ModeratedPerson | null> {
  if (!isRowId(userId)) return null;
  const row = await executor
    .selectFrom('users')
    .select(['id', 'first_name', 'surname', 'blocked_at', 'created_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row) return null;
  return { id: row.id, name: publicName(row.first_name, row.surname), blocked: row.blocked_at !== null, createdAt: row.created_at };
}
