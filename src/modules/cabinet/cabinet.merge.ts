/**
 * The cabinet's part of merging a duplicate organization into the survivor: requests to join, answer templates
 * and drafts, issued documents, saved views, problems «на контроль» and webhook endpoints become the survivor's. What would collide
 * with the survivor's own (a second pending request of one person, a view of the same name, a second active control
 * of one problem) stays with the duplicate and goes with it, or, for a control, is released first.
 */
import { sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export async function moveCabinet(trx: Executor, fromOrganizationId: number, toOrganizationId: number, at: Date): Promise<void> {
  await sql`update membership_requests m set organization_id = ${toOrganizationId}
    where m.organization_id = ${fromOrganizationId}
      and not (m.status = 'pending' and exists (
        select 1 from membership_requests r where r.organization_id = ${toOrganizationId} and r.user_id = m.user_id and r.status = 'pending'))`.execute(trx);
  await trx.updateTable('answer_templates').set({ organization_id: toOrganizationId }).where('organization_id', '=', fromOrganizationId).execute();
  await trx.updateTable('answer_drafts').set({ organization_id: toOrganizationId }).where('organization_id', '=', fromOrganizationId).execute();
  // The duplicate's documents were issued in the name it had; they stay public, now under the survivor.
  await trx.updateTable('organization_documents').set({ organization_id: toOrganizationId }).where('organization_id', '=', fromOrganizationId).execute();
  await sql`update cabinet_saved_views v set organization_id = ${toOrganizationId}
    where v.organization_id = ${fromOrganizationId}
      and not exists (select 1 from cabinet_saved_views s where s.organization_id = ${toOrganizationId} and s.user_id = v.user_id and s.name = v.name)`.execute(
    trx,
  );
  await sql`update problem_controls c set released_at = ${at}
    where c.organization_id = ${fromOrganizationId} and c.released_at is null
      and exists (select 1 from problem_controls s where s.organization_id = ${toOrganizationId} and s.problem_id = c.problem_id and s.released_at is null)`.execute(
    trx,
  );
  await trx.updateTable('problem_controls').set({ organization_id: toOrganizationId }).where('organization_id', '=', fromOrganizationId).execute();
  await trx.updateTable('webhook_endpoints').set({ organization_id: toOrganizationId }).where('organization_id', '=', fromOrganizationId).execute();
}
