/** Factories: real rows in the real database, through the same services the app uses where it matters. */
import type { AppContext } from '../../src/core/context.ts';
import type { User, UserRole } from '../../src/core/db/schema.ts';
import { createApiToken, createSession, hashPassword } from '../../src/modules/accounts/accounts.service.ts';

let counter = 0;
let cachedHash: Promise<string> | null = null;
export const factoryPassword = 'correct-Horse-battery-7';

export interface UserOverrides {
  email?: string;
  surname?: string;
  firstName?: string;
  patronymic?: string | null;
  role?: UserRole;
  verified?: boolean;
  postalAddress?: string | null;
  municipalityId?: number | null;
}

export async function createUser(ctx: AppContext, overrides: UserOverrides = {}): Promise<User> {
  counter += 1;
  cachedHash ??= hashPassword(factoryPassword);
  return ctx.db
    .insertInto('users')
    .values({
      email: overrides.email ?? `user${counter}-${process.pid}@example.test`,
      password_hash: await cachedHash,
      surname: overrides.surname ?? 'Кузнецова',
      first_name: overrides.firstName ?? 'Мария',
      patronymic: overrides.patronymic === undefined ? 'Петровна' : overrides.patronymic,
      role: overrides.role ?? 'citizen',
      email_verified_at: overrides.verified === false ? null : new Date(),
      postal_address: overrides.postalAddress === undefined ? '170100, г. Тверь, ул. Советская, д. 1, кв. 2' : overrides.postalAddress,
      municipality_id: overrides.municipalityId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A signed-in browser: the session cookie header for app.inject. */
export async function sessionCookieFor(ctx: AppContext, user: User): Promise<string> {
  return `dm_session=${await createSession(ctx, user.id, 'test')}`;
}

export async function apiTokenFor(ctx: AppContext, user: User): Promise<string> {
  return (await createApiToken(ctx, user.id, 'test')).token;
}

export async function territoryId(ctx: AppContext, oktmo: string): Promise<number> {
  const row = await ctx.db.selectFrom('territories').select('id').where('oktmo', '=', oktmo).executeTakeFirstOrThrow();
  return row.id;
}

export async function createMunicipality(ctx: AppContext, regionOktmo = '28000000', oktmo = '28701000', name = 'город Тверь'): Promise<number> {
  const parent = await territoryId(ctx, regionOktmo);
  const row = await ctx.db
    .insertInto('territories')
    .values({ parent_id: parent, level: 'municipality', kind: 'urban_okrug', name, oktmo })
    .onConflict((oc) => oc.column('oktmo').doUpdateSet({ name }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
