/**
 * An organization's API tokens, so that it connects its document-management system (СЭД) to its cabinet: the head
 * makes one (named, with the scopes read and/or write; its secret shown once, stored as a hash), lists them (prefix,
 * scopes, made when and by whom, last used) and revokes one. The rows and the secrets are the accounts module's
 * (`api_tokens`, the personal tokens' machinery); here is who may and the audit.
 *
 * Such a token acts as a clerk of that organization, under the id of the head who made it, in its cabinet API only;
 * it ends at the next request when revoked or when its maker stops heading the organization (cabinet.members.ts).
 */
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Organization } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import {
  type CreatedApiToken,
  createOrganizationApiToken,
  deleteOrganizationApiToken,
  type OrganizationTokenRow,
  organizationApiTokens,
} from '../accounts/accounts.service.ts';
import './cabinet.policy.ts';

export { organizationTokenScopes } from '../accounts/accounts.service.ts';

export function listTokens(ctx: AppContext, asker: Actor | null, organization: Organization): Promise<OrganizationTokenRow[]> {
  authorize(asker, 'cabinet.manage', organization);
  return organizationApiTokens(ctx, organization.id);
}

export async function createToken(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  input: { name: string; scopes: readonly string[] },
): Promise<CreatedApiToken> {
  const actor = authorize(asker, 'cabinet.manage', organization);
  return ctx.db.transaction().execute(async (trx) => {
    const created = await createOrganizationApiToken(trx, { organizationId: organization.id, headId: actor.id, name: input.name, scopes: input.scopes });
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.api_token.create',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { tokenId: created.id, name: created.name, prefix: created.prefix, scopes: created.scopes },
    });
    return created;
  });
}

export async function revokeToken(ctx: AppContext, asker: Actor | null, organization: Organization, tokenId: number): Promise<void> {
  const actor = authorize(asker, 'cabinet.manage', organization);
  await ctx.db.transaction().execute(async (trx) => {
    const deleted = await deleteOrganizationApiToken(trx, organization.id, tokenId);
    if (!deleted) throw new DomainError('not_found');
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.api_token.revoke',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { tokenId, name: deleted.name },
    });
  });
}
