/** What the home module asks of the system itself (the home page's data comes from the other modules' services). */
import { sql } from 'kysely';
import type { AppContext } from '../../core/context.ts';

/** The health check's question: does the database answer? Throws when it does not. */
export async function checkDatabase(ctx: AppContext): Promise<void> {
  await sql`select 1`.execute(ctx.db);
}
