/**
 * What the accounts module needs from modules above it (see Ports in core/context.ts): the actor
 * carries its organization memberships (the cabinet asks them), but memberships belong to the
 * organizations module, which imports accounts, never the other way round. Organizations answer
 * (organizations.service.ts: membershipsOf); src/app.ts plugs it in.
 */
import type { AliasedExpression, Expression } from 'kysely';
import type { AppContext } from '../../core/context.ts';
import type { MemberRole } from '../../core/db/schema.ts';

export interface AccountPorts {
  /**
   * The memberships of the person whose id is `userId` as `[[organizationId, role], …]` ([] for none),
   * an SQL expression named `memberships`: authentication places it in its own statement, so the hot
   * path stays one round trip per request.
   */
  memberships(userId: Expression<number>): AliasedExpression<[number, MemberRole][], 'memberships'>;
  /**
   * What other modules keep about the person, for the export of his own data (`/account/export.json`): sections by
   * name (the appeals module's signatures, each with the name and address it was given with), JSON-ready.
   */
  personalData(ctx: AppContext, userId: number): Promise<Record<string, unknown>>;
}

declare module '../../core/context.ts' {
  interface Ports {
    accounts: AccountPorts;
  }
}
