/**
 * The organizations module's part of merging a duplicate into the organization that survives: jurisdictions and
 * staff join the survivor's, the duplicate's children move under it, its address becomes a redirect, and the row
 * goes. The use case (admin.merge.ts) moves what the other modules own first, in the same transaction.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Organization } from '../../core/db/schema.ts';

/** The organization with this slug, locked for the merge; undefined when there is none. */
export async function organizationForMerge(executor: Executor, slug: string): Promise<Organization | undefined> {
  return executor.selectFrom('organizations').selectAll().where('slug', '=', slug).forUpdate().executeTakeFirst();
}

/** The organizations with these slugs, by slug; locked for the merge in id order (one statement) unless told not to. */
export async function organizationsForMerge(
  executor: Executor,
  slugs: readonly string[],
  options: { lock: boolean } = { lock: true },
): Promise<Map<string, Organization>> {
  const wanted = [...new Set(slugs.filter(Boolean))];
  if (wanted.length === 0) return new Map();
  const rows = await executor
    .selectFrom('organizations')
    .selectAll()
    .where('slug', 'in', wanted)
    .orderBy('id')
    .$if(options.lock, (qb) => qb.forUpdate())
    .execute();
  return new Map(rows.map((row) => [row.slug, row]));
}

/** Whether `organizationId` is below `ancestorId` in the hierarchy (at any depth). */
export async function isBelow(executor: Executor, organizationId: number, ancestorId: number): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    with recursive up (id, parent_id, depth) as (
      select id, parent_id, 0 from organizations where id = ${organizationId}
      union all
      select o.id, o.parent_id, up.depth + 1 from organizations o join up on o.id = up.parent_id where up.depth < 50
    )
    select exists (select 1 from up where parent_id = ${ancestorId}) as found`.execute(executor);
  return rows[0]?.found === true;
}

export interface MergePreviewCounts {
  members: number;
  children: number;
  jurisdictions: number;
}

export async function mergeCounts(executor: Executor, organizationId: number): Promise<MergePreviewCounts> {
  const [members, children, jurisdictions] = await Promise.all([
    executor
      .selectFrom('organization_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirstOrThrow(),
    executor
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('parent_id', '=', organizationId)
      .executeTakeFirstOrThrow(),
    executor
      .selectFrom('organization_jurisdictions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirstOrThrow(),
  ]);
  return { members: Number(members.n), children: Number(children.n), jurisdictions: Number(jurisdictions.n) };
}

/**
 * Takes the duplicate into the survivor and deletes it: its jurisdictions and staff join the survivor's (a person
 * in both keeps the survivor's role), its children move under the survivor (the survivor itself, if it was one,
 * takes the duplicate's parent), and its slug — with any redirects to it — now leads to the survivor.
 */
export async function absorbOrganization(trx: Executor, duplicate: Organization, survivor: Organization): Promise<void> {
  await sql`insert into organization_jurisdictions (organization_id, territory_id, category_id)
    select ${survivor.id}, d.territory_id, d.category_id from organization_jurisdictions d
    where d.organization_id = ${duplicate.id}
      and not exists (select 1 from organization_jurisdictions s
        where s.organization_id = ${survivor.id} and s.territory_id = d.territory_id and s.category_id is not distinct from d.category_id)`.execute(trx);
  await sql`insert into organization_members (organization_id, user_id, role, position, created_at)
    select ${survivor.id}, user_id, role, position, created_at from organization_members where organization_id = ${duplicate.id}
    on conflict (organization_id, user_id) do nothing`.execute(trx);
  if (survivor.parent_id === duplicate.id) {
    await trx.updateTable('organizations').set({ parent_id: duplicate.parent_id }).where('id', '=', survivor.id).execute();
  }
  await trx.updateTable('organizations').set({ parent_id: survivor.id }).where('parent_id', '=', duplicate.id).where('id', '<>', survivor.id).execute();
  await trx.updateTable('organization_slug_redirects').set({ organization_id: survivor.id }).where('organization_id', '=', duplicate.id).execute();
  await trx.insertInto('organization_slug_redirects').values({ slug: duplicate.slug, organization_id: survivor.id }).execute();
  await trx.deleteFrom('organizations').where('id', '=', duplicate.id).execute();
}

/** Where an old address of a merged organization leads now: the survivor's slug, or null. */
export async function redirectedSlug(ctx: AppContext, slug: string): Promise<string | null> {
  const row = await ctx.db
    .selectFrom('organization_slug_redirects as r')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .select('o.slug')
    .where('r.slug', '=', slug)
    .executeTakeFirst();
  return row?.slug ?? null;
}
