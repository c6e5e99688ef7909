/** The drafting module's one table: the live Yjs state of each draft's co-editing session. */
import { sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface StoredDraft {
  state: Uint8Array;
  revisionNumber: number;
  contributorIds: number[];
  changedSinceRevision: boolean;
}

export async function storedDraft(executor: Executor, appealId: number): Promise<StoredDraft | null> {
  const row = await executor
    .selectFrom('appeal_drafts')
    .select(['state', 'revision_number', 'contributor_ids', 'changed_since_revision'])
    .where('appeal_id', '=', appealId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    state: new Uint8Array(row.state),
    revisionNumber: row.revision_number,
    contributorIds: row.contributor_ids,
    changedSinceRevision: row.changed_since_revision,
  };
}

/**
 * Writes the session's state. `contributorIds` are added to those already waiting for the next revision;
 * `recorded` says the state is the revision `revisionNumber` as it stands (nobody is waiting any more).
 */
export async function storeDraft(
  executor: Executor,
  appealId: number,
  input: { state: Uint8Array; revisionNumber: number; contributorIds: readonly number[]; recorded: boolean; now: Date },
): Promise<void> {
  const contributors = [...new Set(input.contributorIds)];
  await executor
    .insertInto('appeal_drafts')
    .values({
      appeal_id: appealId,
      state: input.state,
      revision_number: input.revisionNumber,
      contributor_ids: input.recorded ? [] : contributors,
      changed_since_revision: !input.recorded,
      updated_at: input.now,
    })
    .onConflict((oc) =>
      oc.column('appeal_id').doUpdateSet({
        state: input.state,
        revision_number: input.revisionNumber,
        contributor_ids: input.recorded
          ? sql<number[]>`'{}'::integer[]`
          : sql<number[]>`(select coalesce(array_agg(distinct id), '{}') from unnest(appeal_drafts.contributor_ids || ${contributors}::integer[]) as id)`,
        changed_since_revision: !input.recorded,
        updated_at: input.now,
      }),
    )
    .execute();
}
