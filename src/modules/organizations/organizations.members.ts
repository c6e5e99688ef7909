/**
 * Who works in an organization's cabinet (`organization_members`), and the cabinet's settings on the
 * organization: the cabinet module asks these functions when an official joins, is given another role,
 * leaves or is removed, and when the head changes the settings. Authentication reads the memberships in its
 * own statement (organizations.service.ts: membershipsOf), so a change here applies from the next request.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { MemberRole, Organization } from '../../core/db/schema.ts';
import { staffColumns } from '../accounts/accounts.service.ts';

export interface Member {
  user_id: number;
  role: MemberRole;
  position: string | null;
  created_at: Date;
  first_name: string;
  surname: string;
  patronymic: string | null;
  email: string;
}

export async function membersOf(ctx: AppContext, organizationId: number, executor: Executor = ctx.db): Promise<Member[]> {
  return executor
    .selectFrom('organization_members as m')
    .innerJoin(staffColumns(executor).as('u'), 'u.id', 'm.user_id')
    .select(['m.user_id', 'm.role', 'm.position', 'm.created_at', 'u.first_name', 'u.surname', 'u.patronymic', 'u.email'])
    .where('m.organization_id', '=', organizationId)
    .orderBy('m.role')
    .orderBy('u.surname')
    .orderBy('u.first_name')
    .orderBy('m.user_id')
    .execute();
}

export async function memberOf(executor: Executor, organizationId: number, userId: number): Promise<Member | undefined> {
  return executor
    .selectFrom('organization_members as m')
    .innerJoin(staffColumns(executor).as('u'), 'u.id', 'm.user_id')
    .select(['m.user_id', 'm.role', 'm.position', 'm.created_at', 'u.first_name', 'u.surname', 'u.patronymic', 'u.email'])
    .where('m.organization_id', '=', organizationId)
    .where('m.user_id', '=', userId)
    .executeTakeFirst();
}

/** The ids of the organization's officials (only its heads, with `role`), for notifications. */
export async function memberIds(executor: Executor, organizationId: number, role?: MemberRole): Promise<number[]> {
  let query = executor.selectFrom('organization_members').select('user_id').where('organization_id', '=', organizationId);
  if (role) query = query.where('role', '=', role);
  return (await query.orderBy('user_id').execute()).map((row) => row.user_id);
}

/** Adds the person, or gives an existing member the role and position; returns whether they were a member before. */
export async function putMember(trx: Executor, input: { organizationId: number; userId: number; role: MemberRole; position: string | null }): Promise<boolean> {
  const before = await trx
    .selectFrom('organization_members')
    .select('role')
    .where('organization_id', '=', input.organizationId)
    .where('user_id', '=', input.userId)
    .forUpdate()
    .executeTakeFirst();
  await trx
    .insertInto('organization_members')
    .values({ organization_id: input.organizationId, user_id: input.userId, role: input.role, position: input.position })
    .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doUpdateSet({ role: input.role, position: input.position }))
    .execute();
  return before !== undefined;
}

export async function removeMemberRow(trx: Executor, organizationId: number, userId: number): Promise<boolean> {
  const removed = await trx.deleteFrom('organization_members').where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
  return Number(removed.numDeletedRows) === 1;
}

/** The heads of the organization, locked: the last head may not leave or be made a clerk while others depend on him. */
export async function lockedHeadIds(trx: Executor, organizationId: number): Promise<number[]> {
  const rows = await trx
    .selectFrom('organization_members')
    .select('user_id')
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'head')
    .orderBy('user_id')
    .forUpdate()
    .execute();
  return rows.map((row) => row.user_id);
}

export interface CabinetSettings {
  answersNeedApproval: boolean;
  showOfficialNames: boolean;
}

export async function writeCabinetSettings(trx: Executor, organizationId: number, settings: CabinetSettings): Promise<Organization> {
  return trx
    .updateTable('organizations')
    .set({ answers_need_approval: settings.answersNeedApproval, show_official_names: settings.showOfficialNames })
    .where('id', '=', organizationId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The organizations a person works in, by name, with the role: the cabinet's list. */
export async function organizationsOfMember(
  ctx: AppContext,
  userId: number,
): Promise<(Pick<Organization, 'id' | 'slug' | 'name' | 'kind'> & { role: MemberRole })[]> {
  return ctx.db
    .selectFrom('organization_members as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select(['o.id', 'o.slug', 'o.name', 'o.kind', 'm.role'])
    .where('m.user_id', '=', userId)
    .orderBy('o.name')
    .execute();
}

/** The organization a slug names, or undefined. */
export function organizationBySlug(executor: Executor, slug: string): Promise<Organization | undefined> {
  return executor.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export interface Subordinate extends Pick<Organization, 'id' | 'slug' | 'name' | 'kind' | 'parent_id'> {
  /** 1 for a direct subordinate, 2 for one of theirs, … */
  depth: number;
}

/** Every organization below this one in the hierarchy (at most ten levels down, at most 5,000), nearest first, by name. */
export async function subordinatesOf(ctx: AppContext, organizationId: number): Promise<Subordinate[]> {
  const { rows } = await sql<Subordinate>`
    with recursive below (id, slug, name, kind, parent_id, depth, path) as (
      select o.id, o.slug, o.name, o.kind, o.parent_id, 1, array[o.id] from organizations o where o.parent_id = ${organizationId}
      union all
      select o.id, o.slug, o.name, o.kind, o.parent_id, b.depth + 1, b.path || o.id
      from organizations o join below b on o.parent_id = b.id
      where b.depth < 10 and not o.id = any(b.path)
    )
    select id, slug, name, kind, parent_id, depth from below order by depth, name, id limit 5000`.execute(ctx.db);
  return rows.map((row) => ({ ...row, depth: Number(row.depth) }));
}
