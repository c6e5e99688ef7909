import { type CompiledQuery, type DatabaseConnection, type Driver, Kysely, PostgresDialect, type QueryResult, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { mayReadReplica, wroteCookie } from '../http/replica-reads.ts';
import type { Actor } from '../policy.ts';
import { type ReplicaPosition, ReplicaSet, readsOnly, replicaReadingDialect } from './read-replicas.ts';

/** A server that records what it was sent and answers with its name; `failure` makes it refuse (at connect or per statement). */
class FakeServer implements Driver {
  readonly statements: string[] = [];
  failure: { error: Error; at: 'connect' | 'statement' } | null = null;
  position: ReplicaPosition = { recovering: true, replayed: 0n };
  positionFails = false;

  constructor(readonly name: string) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.failure?.at === 'connect') throw this.failure.error;
    const server = this;
    return {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        server.statements.push(query.sql);
        if (server.failure?.at === 'statement') throw server.failure.error;
        return { rows: [{ server: server.name } as R] };
      },
      async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
        server.statements.push(query.sql);
        yield { rows: [{ server: server.name } as R] };
      },
    };
  }

  async beginTransaction(): Promise<void> {
    this.statements.push('begin');
  }

  async commitTransaction(): Promise<void> {
    this.statements.push('commit');
  }

  async rollbackTransaction(): Promise<void> {
    this.statements.push('rollback');
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}

  source() {
    return {
      name: this.name,
      driver: this,
      position: async () => {
        if (this.positionFails) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
        return this.position;
      },
      close: async () => {},
    };
  }
}

function cluster(options: { maxLagMs?: number } = {}) {
  const primary = new FakeServer('primary');
  const replicas = [new FakeServer('replica-1'), new FakeServer('replica-2')];
  let clock = 1_000;
  let primaryPosition = 100n;
  const changes: string[] = [];
  const set = new ReplicaSet(
    replicas.map((replica) => replica.source()),
    async () => primaryPosition,
    { maxLagMs: options.maxLagMs ?? 5_000, now: () => clock, onChange: (status, reason) => changes.push(`${status.name} ${reason}`) },
  );
  for (const replica of replicas) replica.position = { recovering: true, replayed: primaryPosition };
  // The dialect's SQL is PostgreSQL's; its pool is never used (every statement goes to a fake server).
  const postgres = new PostgresDialect({ pool: {} as never });
  const db = new Kysely<{ items: { id: number; name: string } }>({ dialect: replicaReadingDialect(postgres, primary, set) });
  const serverOf = async (query: Promise<{ server: string }[]>) => ((await query)[0] as { server: string }).server;
  const read = () => serverOf(db.selectFrom('items').select(sql<string>`'x'`.as('server')).execute() as unknown as Promise<{ server: string }[]>);
  return {
    primary,
    replicas,
    set,
    db,
    read,
    serverOf,
    changes,
    advance: (ms: number) => {
      clock += ms;
    },
    write: (bytes: bigint) => {
      primaryPosition += bytes;
    },
    get primaryPosition() {
      return primaryPosition;
    },
  };
}

describe('reading from replicas', () => {
  it('reads from the primary until a check has found a replica fresh, then from the fresh replicas in turn', async () => {
    const c = cluster();
    expect(await c.read()).toBe('primary');
    await c.set.check();
    expect([await c.read(), await c.read(), await c.read()]).toEqual(['replica-1', 'replica-2', 'replica-1']);
    expect(c.set.status().map((s) => [s.name, s.fresh, s.reads])).toEqual([
      ['replica-1', true, 2],
      ['replica-2', true, 1],
    ]);
  });

  it('sends every write, lock and transaction to the primary', async () => {
    const c = cluster();
    await c.set.check();
    await c.db.insertInto('items').values({ id: 1, name: 'a' }).execute();
    await c.db.updateTable('items').set({ name: 'b' }).where('id', '=', 1).execute();
    await c.db.selectFrom('items').selectAll().forUpdate().execute();
    await sql`select nextval('items_id_seq')`.execute(c.db);
    await sql`select pg_advisory_xact_lock(1)`.execute(c.db);
    await sql`with moved as (delete from items where id = 1 returning *) select * from moved`.execute(c.db);
    const inTransaction = await c.db.transaction().execute(async (trx) => c.serverOf(trx.selectFrom('items').select(sql<string>`'x'`.as('server')).execute()));
    expect(inTransaction).toBe('primary');
    expect(c.replicas.flatMap((replica) => replica.statements)).toEqual([]);
    expect(c.primary.statements).toHaveLength(9);
    expect(c.primary.statements.at(-3)).toBe('begin');
    expect(c.primary.statements.at(-1)).toBe('commit');
  });

  it('tells reads from statements that must go to the primary', () => {
    expect(readsOnly('select "id" from "problems" where "id" = $1')).toBe(true);
    expect(readsOnly('/* statement:count */ select count(*) from signatures where appeal_id = $1')).toBe(true);
    expect(readsOnly('with t as (select 1) select * from t')).toBe(true);
    expect(readsOnly('select * from "updates_log"')).toBe(true);
    for (const statement of [
      'insert into "problems" ("title") values ($1)',
      'update "appeals" set "status" = $1',
      'delete from "sessions" where "id" = $1',
      'select * from "appeals" where "id" = $1 for no key update',
      'select * from "appeals" for share',
      'select pg_try_advisory_lock(42)',
      "select set_config('app.actor', '1', true)",
      'create index i on t (a)',
      'vacuum analyze signatures',
      'truncate "signatures"',
    ]) {
      expect(readsOnly(statement), statement).toBe(false);
    }
  });

  it('leaves out a replica further behind than the bound, and takes it back once it has caught up', async () => {
    const c = cluster({ maxLagMs: 5_000 });
    await c.set.check();
    // The primary moves on; replica-2 replays, replica-1 stops at 100.
    const stuck = c.primaryPosition;
    c.write(50n);
    c.advance(1_000);
    c.replicas[1]!.position = { recovering: true, replayed: c.primaryPosition };
    await c.set.check();
    expect(await c.read()).not.toBe('primary');
    c.replicas[0]!.position = { recovering: true, replayed: stuck };
    for (let i = 0; i < 6; i += 1) {
      c.advance(1_000);
      c.replicas[1]!.position = { recovering: true, replayed: c.primaryPosition };
      await c.set.check();
    }
    // replica-1 has replayed nothing the primary wrote in the last 6 s: past the 5 s bound.
    const status = c.set.status();
    expect(status[0]).toMatchObject({ name: 'replica-1', fresh: false });
    expect(status[0]?.lagMs).toBeGreaterThan(5_000);
    expect(status[1]).toMatchObject({ name: 'replica-2', fresh: true, lagMs: 0 });
    expect([await c.read(), await c.read(), await c.read()]).toEqual(['replica-2', 'replica-2', 'replica-2']);
    expect(c.changes.some((change) => change.startsWith('replica-1 not read from'))).toBe(true);
    // It catches up.
    c.replicas[0]!.position = { recovering: true, replayed: c.primaryPosition };
    c.advance(1_000);
    await c.set.check();
    expect(c.set.status()[0]).toMatchObject({ fresh: true });
    expect(c.changes.at(-1)).toMatch(/^replica-1 read from again/);
  });

  it('stops reading from every replica when the checks stop succeeding for longer than the bound', async () => {
    const c = cluster({ maxLagMs: 2_000 });
    await c.set.check();
    expect(await c.read()).not.toBe('primary');
    for (const replica of c.replicas) replica.positionFails = true;
    c.advance(500);
    await c.set.check();
    // A check that cannot reach a replica takes it out at once.
    expect(await c.read()).toBe('primary');
    for (const replica of c.replicas) replica.positionFails = false;
    c.advance(500);
    await c.set.check();
    expect(await c.read()).not.toBe('primary');
    // No check for longer than the bound (the check loop stalled): what the replicas hold is too old to read.
    c.advance(2_500);
    expect(await c.read()).toBe('primary');
  });

  it('answers from the primary when a replica is unreachable, and reads from it again after a check finds it back', async () => {
    const c = cluster();
    await c.set.check();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
    c.replicas[0]!.failure = { error: refused, at: 'connect' };
    c.replicas[1]!.failure = { error: new Error('Connection terminated unexpectedly'), at: 'statement' };
    expect(await c.read()).toBe('primary');
    expect(await c.read()).toBe('primary');
    // Both are out of the rotation now: the next reads go straight to the primary, not to a replica first.
    const triedBefore = c.replicas[1]!.statements.length;
    expect(await c.read()).toBe('primary');
    expect(c.replicas[1]!.statements.length).toBe(triedBefore);
    expect(c.set.status().map((s) => [s.fresh, s.fallbacks])).toEqual([
      [false, 1],
      [false, 1],
    ]);
    c.replicas[0]!.failure = null;
    c.replicas[1]!.failure = null;
    c.advance(1_000);
    await c.set.check();
    expect([await c.read(), await c.read()].sort()).toEqual(['replica-1', 'replica-2']);
  });

  it('runs a statement a replica cancelled or refused as a write again on the primary, and passes on any other error', async () => {
    const c = cluster();
    await c.set.check();
    c.replicas[0]!.failure = { error: Object.assign(new Error('canceling statement due to conflict with recovery'), { code: '40001' }), at: 'statement' };
    c.replicas[1]!.failure = { error: Object.assign(new Error('cannot execute UPDATE in a read-only transaction'), { code: '25006' }), at: 'statement' };
    expect(await c.read()).toBe('primary');
    expect(await c.read()).toBe('primary');
    // Neither is unreachable: both stay in the rotation.
    expect(c.set.status().map((s) => s.fresh)).toEqual([true, true]);
    c.replicas[0]!.failure = { error: Object.assign(new Error('column "nope" does not exist'), { code: '42703' }), at: 'statement' };
    c.replicas[1]!.failure = null;
    await expect(c.read()).rejects.toThrow(/column "nope" does not exist/);
  });

  it('counts a check a replica does not answer as failed, and keeps checking', async () => {
    const primary = new FakeServer('primary');
    const silent = new FakeServer('silent');
    let answers = false;
    const source = {
      ...silent.source(),
      position: () => (answers ? Promise.resolve({ recovering: false, replayed: null }) : new Promise<ReplicaPosition>(() => {})),
    };
    const set = new ReplicaSet([source], async () => 1n, { maxLagMs: 5_000, checkTimeoutMs: 20 });
    const db = new Kysely<{ items: { id: number } }>({ dialect: replicaReadingDialect(new PostgresDialect({ pool: {} as never }), primary, set) });
    await set.check();
    expect(set.status()[0]).toMatchObject({ fresh: false, lastError: 'silent did not answer the check within 20 ms' });
    answers = true;
    await set.check();
    expect(set.status()[0]).toMatchObject({ fresh: true, lastError: null });
    await db.selectFrom('items').selectAll().execute();
    expect(silent.statements).toHaveLength(1);
  });

  it('reads a server that is not in recovery (the primary itself) as fresh', async () => {
    const c = cluster();
    for (const replica of c.replicas) replica.position = { recovering: false, replayed: null };
    c.write(1_000n);
    await c.set.check();
    expect(c.set.status().map((s) => [s.fresh, s.lagMs])).toEqual([
      [true, 0],
      [true, 0],
    ]);
  });
});

describe('which requests may read from a replica', () => {
  const citizen = { id: 7, role: 'citizen', via: 'session' } as unknown as Actor;
  const tokenHolder = { id: 7, role: 'citizen', via: 'token' } as unknown as Actor;
  const request = (method: string, actor: Actor | null, cookies: Record<string, string> = {}) => ({ method, actor, cookies });

  it('a GET or HEAD of a reader who has not just written, by session or anonymously', () => {
    expect(mayReadReplica(request('GET', null))).toBe(true);
    expect(mayReadReplica(request('HEAD', null))).toBe(true);
    expect(mayReadReplica(request('GET', citizen))).toBe(true);
  });

  it('never a write, a browser that wrote within the window, or a token client (which keeps no cookie)', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) expect(mayReadReplica(request(method, null)), method).toBe(false);
    expect(mayReadReplica(request('GET', citizen, { [wroteCookie]: '1' }))).toBe(false);
    expect(mayReadReplica(request('GET', null, { [wroteCookie]: '1' }))).toBe(false);
    expect(mayReadReplica(request('GET', tokenHolder))).toBe(false);
  });
});
