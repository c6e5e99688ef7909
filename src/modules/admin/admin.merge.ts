/**
 * Merging a duplicate organization into the one that survives (an administrator's use case): in one transaction
 * the duplicate's appeals, cabinet (requests, templates, drafts, views, controls, webhooks), staff, jurisdictions
 * and children become the survivor's, its kept rating counts go, and its address becomes a permanent redirect;
 * then the rating counts are recounted, which adds the moved appeals to the survivor's. Audit-logged with why.
 */
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Organization } from '../../core/db/schema.ts';
import { DomainError, FieldChecks, type FieldProblem } from '../../core/errors.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { forgetOrganizationStats, recountOrganizationStats } from '../answers/answers.ratings.ts';
import { countAppealsOfOrganization, moveAppealsToOrganization } from '../appeals/appeals.service.ts';
import { moveCabinet } from '../cabinet/cabinet.merge.ts';
import {
  absorbOrganization,
  isBelow,
  type MergePreviewCounts,
  mergeCounts,
  organizationForMerge,
  organizationsForMerge,
} from '../organizations/organizations.merge.ts';
import '../organizations/organizations.policy.ts';

export const mergeReasonMaxLength = 500;

export interface MergePreview extends MergePreviewCounts {
  duplicate: Organization;
  appeals: number;
}

/** What merging this organization away would move: for the confirmation page. */
export async function mergePreview(ctx: AppContext, asker: Actor | null, duplicateSlug: string): Promise<MergePreview> {
  authorize(asker, 'organization.manage');
  const duplicate = await organizationForMerge(ctx.db, duplicateSlug);
  if (!duplicate) throw new DomainError('not_found');
  const [counts, appeals] = await Promise.all([mergeCounts(ctx.db, duplicate.id), countAppealsOfOrganization(ctx.db, duplicate.id)]);
  return { duplicate, appeals, ...counts };
}

export interface MergeInput {
  /** The slug of the organization that survives. */
  into: string;
  reason: string;
}

const tidyReason = (reason: string) => reason.replace(/\r\n?/g, '\n').trim();

/** What is wrong with merging `duplicate` into `survivor` (undefined: no organization has that slug), field by field. */
async function mergeChecks(executor: Executor, duplicate: Organization, survivor: Organization | undefined, input: MergeInput): Promise<FieldChecks> {
  const reason = tidyReason(input.reason);
  const checks = new FieldChecks();
  if (!input.into) checks.add('into', 'required');
  else if (!survivor) checks.add('into', 'unknownOrganization');
  else if (survivor.id === duplicate.id) checks.add('into', 'mergeIntoItself');
  // Its children move under the survivor: a survivor below the duplicate would become its own ancestor.
  else if ((await isBelow(executor, survivor.id, duplicate.id)) && survivor.parent_id !== duplicate.id) checks.add('into', 'mergeIntoDescendant');
  if (!reason) checks.add('reason', 'required');
  else if (characterCount(reason) > mergeReasonMaxLength) checks.add('reason', 'tooLong', { limit: mergeReasonMaxLength });
  return checks;
}

/** The merge's own checks, without merging: the confirmation page appears only for a merge that would go through. */
export async function mergeProblems(ctx: AppContext, asker: Actor | null, duplicateSlug: string, input: MergeInput): Promise<FieldProblem[]> {
  authorize(asker, 'organization.manage');
  const found = await organizationsForMerge(ctx.db, [duplicateSlug, input.into], { lock: false });
  const duplicate = found.get(duplicateSlug);
  if (!duplicate) throw new DomainError('not_found');
  return (await mergeChecks(ctx.db, duplicate, input.into ? found.get(input.into) : undefined, input)).problems;
}

export async function mergeOrganizations(
  ctx: AppContext,
  asker: Actor | null,
  duplicateSlug: string,
  input: MergeInput,
): Promise<{ survivor: Organization; movedAppeals: number }> {
  const actor = authorize(asker, 'organization.manage');
  const reason = tidyReason(input.reason);
  const result = await ctx.db.transaction().execute(async (trx) => {
    // Both rows locked in one statement, in id order: two merges of the same pair in opposite directions wait for
    // each other instead of deadlocking (the second then finds its duplicate gone: 404).
    const locked = await organizationsForMerge(trx, [duplicateSlug, input.into]);
    const duplicate = locked.get(duplicateSlug);
    if (!duplicate) throw new DomainError('not_found');
    const survivor = input.into ? locked.get(input.into) : undefined;
    (await mergeChecks(trx, duplicate, survivor, input)).throwIfAny();
    const target = survivor as Organization;
    const movedAppeals = await moveAppealsToOrganization(trx, duplicate.id, target.id);
    await moveCabinet(trx, duplicate.id, target.id, ctx.now());
    await forgetOrganizationStats(trx, duplicate.id, target.id);
    await absorbOrganization(trx, duplicate, target);
    await audit(trx, {
      actorId: actor.id,
      action: 'organization.merge',
      subjectType: 'organization',
      subjectId: target.id,
      details: { reason, duplicate: { id: duplicate.id, slug: duplicate.slug, name: duplicate.name }, movedAppeals },
    });
    return { survivor: target, movedAppeals };
  });
  try {
    await recountOrganizationStats(ctx);
  } catch (error) {
    // The merge stands; the nightly recount adds the moved appeals to the survivor's counts.
    ctx.log.error({ err: error }, 'recounting the ratings after a merge failed; the nightly recount will');
  }
  return result;
}
