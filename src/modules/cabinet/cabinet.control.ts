/**
 * Officials and problems: an organization takes a problem «на контроль» (its badge on the problem's page and in the
 * listings; the official who took it follows the problem, so every change reaches them) and releases it; and it
 * commits publicly to help solve it, then reports its progress, each on the problem's timeline under its name.
 */
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Organization } from '../../core/db/schema.ts';
import type { TableName } from '../../core/db/table-writes.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { onBehalfOf } from '../appeals/appeals.cabinet.ts';
import { memberOf } from '../organizations/organizations.members.ts';
import { organizationLabelReads, organizationLabels } from '../organizations/organizations.service.ts';
import type { ProblemController } from '../problems/problems.ports.ts';
import { follow, getProblemRow, hasOrganizationEvent, recordEvent } from '../problems/problems.service.ts';
import { getTerritoryById } from '../territories/territories.service.ts';
import './cabinet.policy.ts';

export const statementMaxLength = 5000;

async function openProblem(ctx: AppContext, problemId: number) {
  const problem = await getProblemRow(ctx, problemId);
  if (problem.status === 'hidden') throw new DomainError('not_found');
  if (problem.status !== 'open') throw new DomainError('conflict');
  return problem;
}

/** What controlsOfProblems reads. */
export const controlsReads: readonly TableName[] = ['problem_controls', ...organizationLabelReads];

/** The organizations holding each problem «на контроль», by name. */
export async function controlsOfProblems(ctx: AppContext, problemIds: readonly number[]): Promise<Map<number, ProblemController[]>> {
  const ids = [...new Set(problemIds)];
  if (ids.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('problem_controls')
    .select(['problem_id', 'organization_id'])
    .where('problem_id', 'in', ids)
    .where('released_at', 'is', null)
    .execute();
  const labels = await organizationLabels(
    ctx,
    rows.map((row) => row.organization_id),
  );
  const result = new Map<number, ProblemController[]>();
  for (const row of rows) {
    const label = labels.get(row.organization_id);
    if (label) result.set(row.problem_id, [...(result.get(row.problem_id) ?? []), { name: label.name, slug: label.slug }]);
  }
  for (const list of result.values()) list.sort((a, b) => a.name.localeCompare(b.name, 'ru'));
  return result;
}

/** Whether the organization holds the problem «на контроль» now. */
export async function holdsControl(ctx: AppContext, organizationId: number, problemId: number): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('problem_controls')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('problem_id', '=', problemId)
    .where('released_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** The organization takes the open problem «на контроль»; the official follows it. Taking it twice changes nothing. */
export async function takeControl(ctx: AppContext, asker: Actor | null, organization: Organization, problemId: number): Promise<boolean> {
  const actor = authorize(asker, 'cabinet.work', organization);
  const problem = await openProblem(ctx, problemId);
  const taken = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('problem_controls')
      .values({ problem_id: problem.id, organization_id: organization.id, taken_by: actor.id })
      .onConflict((oc) => oc.columns(['problem_id', 'organization_id']).where('released_at', 'is', null).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return false;
    await recordEvent(trx, {
      problemId: problem.id,
      kind: 'problem.controlled',
      actorId: actor.id,
      data: onBehalfOf(organization, await memberOf(trx, organization.id, actor.id)),
    });
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.problem_control',
      subjectType: 'problem',
      subjectId: problem.id,
      details: { organizationId: organization.id },
    });
    return true;
  });
  await follow(ctx, actor, problem.id, true);
  return taken;
}

export async function releaseControl(ctx: AppContext, asker: Actor | null, organization: Organization, problemId: number): Promise<void> {
  const actor = authorize(asker, 'cabinet.work', organization);
  const problem = await getProblemRow(ctx, problemId);
  if (problem.status === 'hidden') throw new DomainError('not_found');
  await ctx.db.transaction().execute(async (trx) => {
    const released = await trx
      .updateTable('problem_controls')
      .set({ released_at: ctx.now(), released_by: actor.id })
      .where('problem_id', '=', problem.id)
      .where('organization_id', '=', organization.id)
      .where('released_at', 'is', null)
      .executeTakeFirst();
    if (Number(released.numUpdatedRows) !== 1) throw new DomainError('not_found');
    await recordEvent(trx, {
      problemId: problem.id,
      kind: 'problem.control_released',
      actorId: actor.id,
      data: onBehalfOf(organization, await memberOf(trx, organization.id, actor.id)),
    });
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.problem_release',
      subjectType: 'problem',
      subjectId: problem.id,
      details: { organizationId: organization.id },
    });
  });
}

/**
 * The organization's public word on the problem: a commitment to help solve it (the first), then dated progress
 * reports — each on the problem's timeline under the organization's name, the text as written (shown escaped).
 */
export async function statementOnProblem(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  problemId: number,
  input: { text: string },
): Promise<'organization.committed' | 'organization.progress'> {
  const actor = authorize(asker, 'cabinet.work', organization);
  const problem = await openProblem(ctx, problemId);
  const text = input.text.replace(/\r\n?/g, '\n').trim();
  const checks = new FieldChecks();
  if (!text) checks.add('statement', 'required');
  else if (characterCount(text) < 10) checks.add('statement', 'tooShort', { limit: 10 });
  else if (characterCount(text) > statementMaxLength) checks.add('statement', 'tooLong', { limit: statementMaxLength });
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    // The first statement of the organization on this problem is its commitment; the later ones report progress.
    const earlier = await hasOrganizationEvent(trx, problem.id, ['organization.committed'], organization.id);
    const kind = earlier ? 'organization.progress' : 'organization.committed';
    await recordEvent(trx, {
      problemId: problem.id,
      kind,
      actorId: actor.id,
      data: { statement: text, organizationId: organization.id, ...onBehalfOf(organization, await memberOf(trx, organization.id, actor.id)) },
    });
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.problem_statement',
      subjectType: 'problem',
      subjectId: problem.id,
      details: { organizationId: organization.id, kind },
    });
    return kind;
  });
}

/** The problem a statement is about, and whether the organization already committed (then it reports progress). */
export async function problemForStatement(
  ctx: AppContext,
  problemId: number,
  organization: Organization,
): Promise<{ id: number; title: string; committed: boolean }> {
  const problem = await openProblem(ctx, problemId);
  return { id: problem.id, title: problem.title, committed: await hasOrganizationEvent(ctx.db, problem.id, ['organization.committed'], organization.id) };
}

/** The problems the organization holds «на контроль» now, newest control first (at most 1,000). */
export async function controlledProblemIds(ctx: AppContext, organization: Organization): Promise<number[]> {
  const rows = await ctx.db
    .selectFrom('problem_controls')
    .select('problem_id')
    .where('organization_id', '=', organization.id)
    .where('released_at', 'is', null)
    .orderBy('taken_at', 'desc')
    .limit(1000)
    .execute();
  return rows.map((row) => row.problem_id);
}

/** The territory the organization serves (its own): the resonant problems of the cabinet are that territory's. */
export async function organizationTerritory(ctx: AppContext, organization: Organization): Promise<{ oktmo: string; name: string }> {
  const territory = await getTerritoryById(ctx, organization.territory_id);
  if (!territory) throw new Error(`organization ${organization.id} names territory ${organization.territory_id}, which does not exist`);
  return { oktmo: territory.oktmo, name: territory.name };
}
