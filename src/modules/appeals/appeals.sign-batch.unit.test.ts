/**
 * What a batch of signatures answers when its statement fails. The database is a scripted Kysely
 * driver, so a failure can be chosen exactly: a lost connection must reach every signer of the batch
 * unchanged (its commit may have happened; a retry would answer "already signed"), while a row the
 * database refuses is retried row by row and fails alone. The integration tests cover the real SQL.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import { type AppContext, AppState } from '../../core/context.ts';
import type { DB } from '../../core/db/schema.ts';
import type { Actor } from '../../core/policy.ts';
import { countCacheMs, publicCount, sign } from './appeals.signing.ts';

type Answer = (sql: string, parameters: readonly unknown[]) => unknown[];

class ScriptedDriver implements Driver {
  readonly statements: { sql: string; parameters: readonly unknown[] }[] = [];
  constructor(private readonly answer: Answer) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        this.statements.push({ sql: query.sql, parameters: query.parameters });
        return { rows: this.answer(query.sql, query.parameters) as R[] };
      },
      streamQuery: () => {
        throw new Error('not scripted');
      },
    };
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

function scriptedContext(answer: Answer, now: () => Date = () => new Date()) {
  const driver = new ScriptedDriver(answer);
  const db = new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const ctx = { db, now, log: { error: () => {} }, state: new AppState(), config: { secret: 'a-secret-for-the-scripted-test' } } as unknown as AppContext;
  return {
    ctx,
    signStatements: () => driver.statements.filter((s) => s.sql.includes('statement:appeals.sign')),
    countStatements: () => driver.statements.filter((s) => s.sql.includes('count(*)')),
  };
}

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
const signer = (id: number): Actor => ({
  id,
  role: 'citizen',
  emailVerified: true,
  via: 'token',
  memberships: new Map(),
  person: { firstName: 'Анна', surname: `Подписантова-${id}`, municipalityId: null },
});
const input = { fullName: 'Подписантова Анна', postalAddress: '172400, пгт Оленино, ул. Мира, д. 3', consentTransfer: true, consentPublicName: false };
const opened = { status: 'collecting', open: true, threshold: 50, threshold_reached_at: null };

/** Answers a signing statement of the given users as made, and a count as 3. */
function made(parameters: readonly unknown[]) {
  return (parameters[1] as number[]).map((userId) => ({ ...opened, user_id: userId, signature_id: 1_000 + userId }));
}

describe('a batch of signatures whose statement fails', () => {
  it('gives a lost connection to every signer, unchanged, and retries nothing', async () => {
    const lost = pgError('57P01', 'terminating connection due to administrator command');
    const { ctx, signStatements } = scriptedContext((sql) => {
      if (sql.includes('statement:appeals.sign')) throw lost;
      return [{ n: 3 }];
    });
    const results = await Promise.allSettled([1, 2, 3].map((id) => sign(ctx, signer(id), 910_001, input)));
    expect(results.map((r) => (r.status === 'rejected' ? r.reason : r.value))).toEqual([lost, lost, lost]);
    expect(signStatements()).toHaveLength(1);
    expect(signStatements()[0]?.parameters[1]).toEqual([1, 2, 3]);
  });

  it('retries row by row when the database refuses a row, so only that row fails', async () => {
    const refused = pgError('23503', 'insert or update on table "signatures" violates foreign key constraint "signatures_user_id_fkey"');
    const { ctx, signStatements } = scriptedContext((sql, parameters) => {
      if (!sql.includes('statement:appeals.sign')) return [{ n: 2 }];
      if ((parameters[1] as number[]).includes(12)) throw refused;
      return made(parameters);
    });
    const results = await Promise.allSettled([11, 12, 13].map((id) => sign(ctx, signer(id), 910_002, input)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.signatureId : r.reason))).toEqual([1_011, refused, 1_013]);
    expect(signStatements().map((s) => s.parameters[1])).toEqual([[11, 12, 13], [11], [12], [13]]);
  });

  it('sends a double submit once, in user order, and answers the second "already signed"', async () => {
    const { ctx, signStatements } = scriptedContext((sql, parameters) => (sql.includes('statement:appeals.sign') ? made(parameters) : [{ n: 2 }]));
    const results = await Promise.allSettled([22, 21, 22].map((id) => sign(ctx, signer(id), 910_003, input)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.signatureId : (r.reason as { code: string }).code))).toEqual([
      1_022,
      1_021,
      'already_signed',
    ]);
    expect(signStatements().map((s) => s.parameters[1])).toEqual([[21, 22]]);
  });
});

describe('the public count cache', () => {
  it('answers from the app clock: cached until countCacheMs later by ctx.now(), then counted again', async () => {
    let clock = Date.parse('2026-03-01T09:00:00Z');
    let signatures = 7;
    const { ctx, countStatements } = scriptedContext(
      () => [{ n: signatures }],
      () => new Date(clock),
    );
    expect(await publicCount(ctx, 920_001)).toBe(7);
    signatures = 8;
    clock += countCacheMs - 1;
    expect(await publicCount(ctx, 920_001)).toBe(7);
    expect(countStatements()).toHaveLength(1);
    clock += 1;
    expect(await publicCount(ctx, 920_001)).toBe(8);
    expect(countStatements()).toHaveLength(2);
  });

  it('belongs to one app: another app on the same clock counts for itself', async () => {
    const now = () => new Date('2026-03-01T09:00:00Z');
    const first = scriptedContext(() => [{ n: 3 }], now);
    const second = scriptedContext(() => [{ n: 4 }], now);
    expect(await publicCount(first.ctx, 920_002)).toBe(3);
    expect(await publicCount(second.ctx, 920_002)).toBe(4);
    expect(await publicCount(first.ctx, 920_002)).toBe(3);
    expect([first.countStatements().length, second.countStatements().length]).toEqual([1, 1]);
  });
});
