/**
 * The inbox as an official asks for it: the filters read from a query string (unknown values fall back to the
 * defaults, never to an error — a link is a link), and each official's saved views of it.
 */
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Organization } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { type InboxFilter, type InboxSort, type InboxState, inboxSorts, inboxStates } from '../appeals/appeals.cabinet.ts';
import './cabinet.policy.ts';
import { checkSavedViewName, inboxQuery } from './cabinet.rules.ts';

export const inboxPageSize = 50;

/** The first value of a query parameter as text: the API's schema has already made numbers (page, perPage) of some. */
const first = (value: unknown): string => {
  const picked = Array.isArray(value) ? value[0] : value;
  return typeof picked === 'string' ? picked.trim() : typeof picked === 'number' && Number.isFinite(picked) ? String(picked) : '';
};

/** The filters of `/cabinet/:slug?…` (and of the API's query): what is not understood is the default. */
export function inboxFilterFrom(query: Record<string, unknown>): InboxFilter {
  const state = first(query.state);
  const sort = first(query.sort);
  const assignee = first(query.assignee);
  const territory = first(query.territory);
  const category = first(query.category);
  const page = Number(first(query.page));
  const perPage = Number(first(query.perPage));
  return {
    state: (inboxStates as readonly string[]).includes(state) ? (state as InboxState) : 'awaiting',
    overdue: ['1', 'true', 'yes', 'on'].includes(first(query.overdue)),
    assignee: assignee === 'none' ? 'none' : /^\d{1,9}$/.test(assignee) ? Number(assignee) : null,
    territoryOktmo: /^\d{8,11}$/.test(territory) ? territory : null,
    categorySlug: /^[a-z0-9-]{1,50}$/.test(category) ? category : null,
    search: first(query.q).slice(0, 200),
    sort: (inboxSorts as readonly string[]).includes(sort) ? (sort as InboxSort) : 'due',
    page: Number.isInteger(page) && page >= 1 && page <= 10_000 ? page : 1,
    perPage: Number.isInteger(perPage) && perPage >= 1 && perPage <= 100 ? perPage : inboxPageSize,
  };
}

export interface SavedView {
  id: number;
  name: string;
  query: string;
}

export async function savedViews(ctx: AppContext, asker: Actor | null, organization: Organization): Promise<SavedView[]> {
  const actor = authorize(asker, 'cabinet.view', organization);
  return ctx.db
    .selectFrom('cabinet_saved_views')
    .select(['id', 'name', 'query'])
    .where('organization_id', '=', organization.id)
    .where('user_id', '=', actor.id)
    .orderBy('name')
    .execute();
}

/** Saves the inbox's current filters under a name (the same name again replaces them). At most 50 views. */
export async function saveView(ctx: AppContext, asker: Actor | null, organization: Organization, input: { name: string; query: string }): Promise<SavedView> {
  const actor = authorize(asker, 'cabinet.work', organization);
  const checks = new FieldChecks();
  checkSavedViewName(checks, input.name);
  checks.throwIfAny();
  const query = inboxQuery(Object.fromEntries(new URLSearchParams(input.query)));
  return ctx.db.transaction().execute(async (trx) => {
    const count = await trx
      .selectFrom('cabinet_saved_views')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organization.id)
      .where('user_id', '=', actor.id)
      .executeTakeFirstOrThrow();
    const view = await trx
      .insertInto('cabinet_saved_views')
      .values({ organization_id: organization.id, user_id: actor.id, name: input.name.trim(), query })
      .onConflict((oc) => oc.columns(['organization_id', 'user_id', 'name']).doUpdateSet({ query }))
      .returning(['id', 'name', 'query'])
      .executeTakeFirstOrThrow();
    if (
      Number(count.n) >= 50 &&
      !(await trx.selectFrom('cabinet_saved_views').select('id').where('id', '=', view.id).where('query', '=', query).executeTakeFirst())
    ) {
      throw new DomainError('validation_failed', {}, [{ field: 'name', rule: 'tooMany', params: { limit: 50 } }]);
    }
    await audit(trx, { actorId: actor.id, action: 'cabinet.view_save', subjectType: 'organization', subjectId: organization.id, details: { name: view.name } });
    return view;
  });
}

export async function deleteView(ctx: AppContext, asker: Actor | null, organization: Organization, viewId: number): Promise<void> {
  const actor = authorize(asker, 'cabinet.work', organization);
  const removed =
    Number.isInteger(viewId) && viewId > 0
      ? await ctx.db
          .deleteFrom('cabinet_saved_views')
          .where('id', '=', viewId)
          .where('organization_id', '=', organization.id)
          .where('user_id', '=', actor.id)
          .executeTakeFirst()
      : undefined;
  if (!removed || Number(removed.numDeletedRows) !== 1) throw new DomainError('not_found');
}
