/**
 * Several machines, on one: a streaming replica of the local PostgreSQL, two web nodes and a worker against primary +
 * replica. It makes the replica (`pg_basebackup -R -X stream` into a temporary folder, `pg_ctl start` on a free port),
 * a fresh database on the primary, starts `ROLE=web` twice and `ROLE=worker` with DATABASE_URL = the primary and
 * DATABASE_REPLICA_URLS = the replica, signs an appeal to its threshold through both web nodes in turn (the API, each
 * signer with his own bearer token, as bench/signatures.bench.ts does), reads the public count anonymously from both
 * nodes until it is exact, checks those reads were answered by the replica, and that the appeal was dispatched exactly
 * once (one dispatch document, one mail, one `appeal.sent` event). Then it stops everything, drops the database and
 * removes the replica, also when a check fails. .ci/run runs it after the PostgreSQL integration suite.
 *
 *   node --import tsx scripts/replica-test.ts [--configure-primary]
 *
 * The primary must accept replication connections from 127.0.0.1 (wal_level replica or logical, max_wal_senders > 0,
 * a `replication` line in pg_hba.conf). `--configure-primary` (CI only) adds `host replication all 127.0.0.1/32 trust`
 * to pg_hba.conf when no line allows it, reloads, says so, and takes the line out again at the end.
 * Settings (environment): REPLICA_TEST_SERVER_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * REPLICA_TEST_SIGNERS (default 60). Exit code 1 when a check fails.
 */
import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { databaseUrl, freePort, startApp, stopApp } from '../bench/app-process.ts';
import { hashSecret } from '../src/modules/accounts/accounts.rules.ts';
import { normalizeAppealText, textSha256 } from '../src/modules/appeals/appeals.rules.ts';

const serverUrl = process.env.REPLICA_TEST_SERVER_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
const signers = Number(process.env.REPLICA_TEST_SIGNERS ?? 60);
if (!Number.isInteger(signers) || signers < 2) throw new Error(`REPLICA_TEST_SIGNERS must be an integer ≥ 2; got "${process.env.REPLICA_TEST_SIGNERS}"`);
const configurePrimary = process.argv.includes('--configure-primary');
const organizationEmail = 'priemnaya@replica-test.democrator.local';
const signatureBody = { fullName: 'Иванов Иван Иванович', postalAddress: '170100, г. Тверь, ул. Советская, д. 1', consentTransfer: true };
const appealText = `Уважаемый глава города!

Просим отремонтировать мост через реку Тьмака на улице Советской и сообщить жителям сроки работ.`;

const startedAt = performance.now();
const log = (message: string) => console.log(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let failed = 0;
function check(name: string, pass: boolean, detail: string): void {
  if (!pass) failed += 1;
  console.log(`${pass ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
}

// ---------------------------------------------------------------------------------------------
// The PostgreSQL binaries, and running them as the cluster's owner

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name) && existsSync(path.join(root, name, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return path.dirname(onPath);
  throw new Error('no PostgreSQL binaries: neither /usr/lib/postgresql/<version>/bin nor pg_ctl on PATH');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program as the postgres user when we are root (the server refuses to run as root). */
function runAsOwner(program: string, args: string[], options: { timeoutMs?: number } = {}): string {
  const [command, fullArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  const result = spawnSync(command, fullArgs, { encoding: 'utf8', timeout: options.timeoutMs ?? 300_000 });
  if (result.status !== 0) {
    throw new Error(`${path.basename(program)} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

// ---------------------------------------------------------------------------------------------
// The primary: does it accept replication connections?

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const replicationLine = 'host replication all 127.0.0.1/32 trust';

/** Returns the pg_hba.conf it changed (to be restored), or null. */
async function prepareReplication(): Promise<{ file: string; original: string } | null> {
  const [settings] = await query<{ wal_level: string; max_wal_senders: string; hba_file: string }>(
    serverUrl,
    `select current_setting('wal_level') as wal_level, current_setting('max_wal_senders') as max_wal_senders, current_setting('hba_file') as hba_file`,
  );
  if (!settings) throw new Error('the primary answered no settings');
  if (settings.wal_level === 'minimal' || Number(settings.max_wal_senders) < 1) {
    throw new Error(
      `the primary cannot stream to a replica: wal_level=${settings.wal_level}, max_wal_senders=${settings.max_wal_senders} (needs replica and ≥ 1; a restart)`,
    );
  }
  const rules = await query<{ n: number }>(
    serverUrl,
    `select count(*)::int as n from pg_hba_file_rules where error is null and 'replication' = any(database) and type in ('host', 'hostnossl') and (address is null or address in ('127.0.0.1', 'all', 'samehost'))`,
  );
  if ((rules[0]?.n ?? 0) > 0) return null;
  if (!configurePrimary) {
    throw new Error(
      `${settings.hba_file} has no line allowing replication connections from 127.0.0.1: add "${replicationLine}" and reload, or run with --configure-primary (CI)`,
    );
  }
  const original = readFileSync(settings.hba_file, 'utf8');
  writeFileSync(
    settings.hba_file,
    `${original.replace(/\n?$/, '\n')}# Added by scripts/replica-test.ts --configure-primary for the time of the test\n${replicationLine}\n`,
  );
  await query(serverUrl, 'select pg_reload_conf()');
  log(`--configure-primary: added "${replicationLine}" to ${settings.hba_file} and reloaded the configuration (taken out again at the end)`);
  return { file: settings.hba_file, original };
}

// ---------------------------------------------------------------------------------------------
// The replica

interface ReplicaServer {
  dir: string;
  dataDir: string;
  port: number;
  url(database: string): string;
}

async function startReplica(bin: string, dir: string): Promise<ReplicaServer> {
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const primary = new URL(serverUrl);
  log(`pg_basebackup of ${primary.host} into ${dataDir} (the whole cluster: ${await clusterSize()})`);
  const copyStarted = performance.now();
  runAsOwner(path.join(bin, 'pg_basebackup'), [
    '-h',
    primary.hostname,
    '-p',
    primary.port || '5432',
    '-U',
    decodeURIComponent(primary.username || 'postgres'),
    '-D',
    dataDir,
    '-R',
    '-X',
    'stream',
    '--checkpoint=fast',
  ]);
  log(`pg_basebackup done in ${((performance.now() - copyStarted) / 1000).toFixed(1)} s`);
  // A hot standby needs these at least as large as the primary's.
  const [limits] = await query<Record<string, string>>(
    serverUrl,
    `select current_setting('max_connections') as max_connections, current_setting('max_worker_processes') as max_worker_processes,
            current_setting('max_wal_senders') as max_wal_senders, current_setting('max_locks_per_transaction') as max_locks_per_transaction,
            current_setting('max_prepared_transactions') as max_prepared_transactions`,
  );
  // Debian keeps the configuration outside the data folder, so the copy has none (or the primary's own): the replica's is written here.
  const settings = {
    ...limits,
    listen_addresses: `'127.0.0.1'`,
    port: String(port),
    unix_socket_directories: `'${dir}'`,
    hot_standby: 'on',
    hot_standby_feedback: 'on',
    shared_buffers: `'32MB'`,
    ssl: 'off',
    logging_collector: 'off',
  };
  writeFileSync(
    path.join(dataDir, 'postgresql.conf'),
    `${Object.entries(settings)
      .map(([name, value]) => `${name} = ${value}`)
      .join('\n')}\n`,
  );
  writeFileSync(path.join(dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
  writeFileSync(path.join(dataDir, 'pg_ident.conf'), '');
  if (asRoot)
    for (const file of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) chownSync(path.join(dataDir, file), ownerOf(dataDir).uid, ownerOf(dataDir).gid);
  runAsOwner(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
  const replica: ReplicaServer = {
    dir,
    dataDir,
    port,
    url: (database) => `postgres://${encodeURIComponent(decodeURIComponent(primary.username || 'postgres'))}@127.0.0.1:${port}/${database}`,
  };
  const [state] = await query<{ recovering: boolean }>(replica.url('postgres'), 'select pg_is_in_recovery() as recovering');
  if (!state?.recovering) throw new Error('the replica started but is not in recovery');
  log(`replica streaming from the primary on 127.0.0.1:${port}`);
  return replica;
}

function ownerOf(file: string): { uid: number; gid: number } {
  const stat = statSync(file);
  return { uid: stat.uid, gid: stat.gid };
}

async function clusterSize(): Promise<string> {
  const [row] = await query<{ size: string }>(serverUrl, 'select pg_size_pretty(sum(pg_database_size(datname))::bigint) as size from pg_database');
  return row?.size ?? 'unknown';
}

function stopReplica(bin: string, replica: { dataDir: string }): void {
  try {
    runAsOwner(path.join(bin, 'pg_ctl'), ['-D', replica.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], { timeoutMs: 90_000 });
  } catch (error) {
    log(`stopping the replica failed: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The data: one organization, one problem, one appeal open for signatures, its signers with their tokens

interface Fixture {
  appealId: number;
  tokens: string[];
}

async function prepare(url: string): Promise<Fixture> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const one = async <T>(text: string, values: unknown[] = []): Promise<T> => (await db.query(text, values)).rows[0] as T;
    const region = await one<{ id: number }>(`select id from territories where oktmo = '28000000'`);
    const municipality = await one<{ id: number }>(
      `insert into territories (parent_id, level, kind, name, oktmo) values ($1, 'municipality', 'urban_okrug', 'Тверь (реплика)', '28799000') returning id`,
      [region.id],
    );
    const category = await one<{ id: number }>('select id from categories order by position, id limit 1');
    const passwordHash = '$argon2id$v=19$m=19456,t=2,p=1$cmVwbGljYQ$bm90LWEtcmVhbC1wYXNzd29yZC1oYXNo';
    const author = await one<{ id: number }>(
      `insert into users (email, password_hash, surname, first_name, patronymic, municipality_id, email_verified_at)
       values ('author@replica-test.democrator.local', $1, 'Петрова', 'Анна', 'Сергеевна', $2, now()) returning id`,
      [passwordHash, municipality.id],
    );
    const users = (
      await db.query<{ id: number }>(
        `insert into users (email, password_hash, surname, first_name, patronymic, municipality_id, email_verified_at)
         select 'signer-' || g || '@replica-test.democrator.local', $1, 'Иванов', 'Иван', 'Иванович', $2, now() from generate_series(1, $3) g
         order by g returning id`,
        [passwordHash, municipality.id, signers],
      )
    ).rows.map((row) => row.id);
    const tokens = users.map(() => `dm_${randomBytes(32).toString('base64url')}`);
    await db.query(
      `insert into api_tokens (user_id, name, token_hash, prefix, scopes)
       select u, 'replica test', h, p, array['read', 'sign'] from unnest($1::int[], $2::text[], $3::text[]) as t(u, h, p)`,
      [users, tokens.map(hashSecret), tokens.map((token) => token.slice(0, 9))],
    );
    const organization = await one<{ id: number }>(
      `insert into organizations (slug, name, kind, territory_id, appeal_email, postal_address, appeal_threshold)
       values ('tver-administration-replica', 'Администрация города Твери', 'municipal_administration', $1, $2, '170100, г. Тверь, ул. Советская, д. 11', $3)
       returning id`,
      [municipality.id, organizationEmail, signers],
    );
    const problem = await one<{ id: number }>(
      `insert into problems (title, description, category_id, territory_id, address, author_id)
       values ('Разрушается мост через Тьмаку', 'Опоры моста на улице Советской разрушаются.', $1, $2, 'г. Тверь, ул. Советская', $3) returning id`,
      [category.id, municipality.id, author.id],
    );
    const text = normalizeAppealText(appealText);
    const sha256 = textSha256(text);
    const appeal = await one<{ id: number }>(
      `insert into appeals (problem_id, organization_id, author_id, title, threshold) values ($1, $2, $3, 'О ремонте моста через Тьмаку', $4) returning id`,
      [problem.id, organization.id, author.id, signers],
    );
    const revision = await one<{ id: number }>(`insert into appeal_revisions (appeal_id, number, text, author_id) values ($1, 1, $2, $3) returning id`, [
      appeal.id,
      text,
      author.id,
    ]);
    await db.query(
      `update appeals set status = 'collecting', frozen_revision_id = $2, text_sha256 = $3, opened_at = now(), updated_at = now() where id = $1 and status = 'draft'`,
      [appeal.id, revision.id, sha256],
    );
    await db.query(`insert into problem_events (problem_id, appeal_id, kind, actor_id, data) values ($1, $2, 'appeal.opened', $3, $4)`, [
      problem.id,
      appeal.id,
      author.id,
      JSON.stringify({ revision: 1, sha256, warningsAcknowledged: 0 }),
    ]);
    return { appealId: appeal.id, tokens };
  } finally {
    await db.end();
  }
}

/**
 * Scans of the appeal's tables on the replica (its own statistics, flushed about once a second): only a read of the
 * app's data makes one, not the replicas' checks, which read no table.
 */
async function replicaScans(replica: ReplicaServer, database: string): Promise<number> {
  const [row] = await query<{ n: string }>(
    replica.url(database),
    `select coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0)::text as n from pg_stat_user_tables where relname in ('appeals', 'signatures')`,
  );
  return Number(row?.n ?? 0);
}

async function replicaSessions(replica: ReplicaServer, database: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    replica.url('postgres'),
    `select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'democrator-replica'`,
    [database],
  );
  return row?.n ?? 0;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const bin = postgresBin();
  const restoreHba = await prepareReplication();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'democrator-replica-'));
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const name = `democrator_replica_${randomBytes(5).toString('hex')}`;
  const primaryUrl = databaseUrl(serverUrl, name);
  const apps: ChildProcess[] = [];
  let replica: ReplicaServer | null = null;
  let databaseCreated = false;
  try {
    replica = await startReplica(bin, dir);
    await query(serverUrl, `create database ${name}`);
    databaseCreated = true;
    const replicaUrl = replica.url(name);
    const secret = randomBytes(16).toString('hex');
    const shared = { ROLE: 'web', DATABASE_REPLICA_URLS: replicaUrl, DATABASE_REPLICA_MAX_LAG_SECONDS: '5', SECRET: secret, DATABASE_POOL_SIZE: '10' };
    // The first web node migrates the fresh database (the others would wait on the migrations' advisory lock).
    const ports = [await freePort(), await freePort()];
    const output: string[][] = [[], [], []];
    apps.push(await startApp(primaryUrl, ports[0] as number, shared, { output: output[0] as string[] }));
    apps.push(await startApp(primaryUrl, ports[1] as number, shared, { output: output[1] as string[] }));
    apps.push(
      await startApp(
        primaryUrl,
        await freePort(),
        { ...shared, ROLE: 'worker', LOG_LEVEL: 'info' },
        { output: output[2] as string[], readyText: 'worker started' },
      ),
    );
    const nodes = ports.map((port) => `http://127.0.0.1:${port}`);
    log(`web nodes ${nodes.join(', ')} and a worker, on ${new URL(primaryUrl).host} + replica 127.0.0.1:${replica.port}`);

    const fixture = await prepare(primaryUrl);
    log(`appeal ${fixture.appealId} open, threshold ${signers}, ${signers} signers with their tokens`);

    // Sign through both web nodes in turn, 8 requests in flight.
    const statuses = new Map<number, number>();
    let next = 0;
    const signOne = async () => {
      while (next < fixture.tokens.length) {
        const index = next++;
        const response = await fetch(`${nodes[index % 2]}/api/v1/appeals/${fixture.appealId}/signatures`, {
          method: 'POST',
          headers: { authorization: `Bearer ${fixture.tokens[index]}`, 'content-type': 'application/json' },
          body: JSON.stringify(signatureBody),
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, signOne));
    const signedAt = performance.now();
    check(
      'every signature accepted',
      statuses.get(201) === signers,
      `${[...statuses].map(([status, n]) => `${n} × ${status}`).join(', ')} through ${nodes.length} web nodes`,
    );

    // Anonymous readers of the public count, on both nodes: read from the replica, until exact.
    const counts = new Map<string, number>();
    let reads = 0;
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      for (const node of nodes) {
        const response = await fetch(`${node}/api/v1/appeals/${fixture.appealId}/count`);
        reads += 1;
        if (response.status === 200) counts.set(node, ((await response.json()) as { count: number }).count);
        else await response.arrayBuffer();
      }
      if (nodes.every((node) => counts.get(node) === signers)) break;
      await sleep(100);
    }
    const convergedMs = performance.now() - signedAt;
    check(
      'the public count converges on both nodes',
      nodes.every((node) => counts.get(node) === signers),
      `${nodes.map((node) => `${new URL(node).port}: ${counts.get(node) ?? '—'}`).join(', ')} of ${signers}, ${(convergedMs / 1000).toFixed(1)} s after the last signature (${reads} anonymous GET /count)`,
    );
    // Which server answered: each node in turn reads the count (past its half-second cache) and the appeal's page, and
    // the replica's own statistics must show scans of the appeal's tables for it; a signer's token reads stay on the primary.
    // A replica's backend reports its scans when a transaction ends a second after its last report, or after 10 s idle
    // (PostgreSQL 15): so each node reads again every second until the scans show, for up to 20 s, and before the token
    // reads the statistics must have stood still for 11 s, so that no anonymous read's late report is counted as theirs.
    const server = replica;
    if (!server) throw new Error('the replica is not running');
    const settled = async () => {
      let last = await replicaScans(server, name);
      for (const until = performance.now() + 40_000; performance.now() < until; ) {
        await sleep(11_000);
        const now = await replicaScans(server, name);
        if (now === last) return now;
        last = now;
      }
      return last;
    };
    const scansByNode: number[] = [];
    for (const node of nodes) {
      const before = await settled();
      let scans = 0;
      for (const until = performance.now() + 20_000; scans === 0 && performance.now() < until; ) {
        await sleep(1_000);
        await (await fetch(`${node}/api/v1/appeals/${fixture.appealId}/count`)).arrayBuffer();
        await (await fetch(`${node}/appeals/${fixture.appealId}`)).arrayBuffer();
        await sleep(1_000);
        scans = (await replicaScans(replica, name)) - before;
      }
      scansByNode.push(scans);
    }
    const beforeToken = await settled();
    for (const node of nodes) {
      await (await fetch(`${node}/api/v1/appeals/${fixture.appealId}`, { headers: { authorization: `Bearer ${fixture.tokens[0]}` } })).arrayBuffer();
    }
    await sleep(11_000);
    const tokenScans = (await replicaScans(replica, name)) - beforeToken;
    const sessions = await replicaSessions(replica, name);
    check(
      'anonymous reads served by the replica, a token client on the primary',
      scansByNode.every((scans) => scans > 0) && tokenScans === 0,
      `scans of appeals and signatures on the replica: ${nodes.map((node, index) => `${scansByNode[index]} while node ${new URL(node).port} answered anonymously`).join(', ')}, ${tokenScans} while both answered a token; ${sessions} 'democrator-replica' sessions open on it`,
    );

    // The dispatch: the worker renders and mails the letter, once.
    type Dispatch = { status: string; documents: number; signatures: number | null; mails: number; sentEvents: number; jobs: number };
    const dispatchState = async () =>
      (
        await query<Dispatch>(
          primaryUrl,
          `select a.status,
                  (select count(*)::int from appeal_documents d where d.appeal_id = a.id and d.kind = 'dispatch') as documents,
                  (select max(d.signatures_count) from appeal_documents d where d.appeal_id = a.id and d.kind = 'dispatch') as signatures,
                  (select count(*)::int from mail_messages m where m.to_address = $2) as mails,
                  (select count(*)::int from problem_events e where e.appeal_id = a.id and e.kind = 'appeal.sent') as "sentEvents",
                  (select count(*)::int from pgboss.job j where j.name = 'appeals.dispatch' and j.data->>'appealId' = a.id::text) as jobs
             from appeals a where a.id = $1`,
          [fixture.appealId, organizationEmail],
        )
      )[0];
    let dispatch = await dispatchState();
    const dispatchDeadline = performance.now() + 60_000;
    while (dispatch?.status !== 'sent' && performance.now() < dispatchDeadline) {
      await sleep(250);
      dispatch = await dispatchState();
    }
    const dispatchedS = (performance.now() - signedAt) / 1000;
    // A second dispatch would come from a duplicate job: give one a moment to show.
    if (dispatch?.status === 'sent') await sleep(2_000);
    dispatch = await dispatchState();
    check(
      'dispatched exactly once',
      dispatch?.status === 'sent' && dispatch.documents === 1 && dispatch.signatures === signers && dispatch.mails === 1 && dispatch.sentEvents === 1,
      dispatch
        ? `status '${dispatch.status}' ${dispatchedS.toFixed(1)} s after the last signature; ${dispatch.documents} dispatch document(s) with ${dispatch.signatures ?? '—'} signatures; ${dispatch.mails} mail(s); ${dispatch.sentEvents} 'appeal.sent' event(s); ${dispatch.jobs} dispatch job(s)`
        : 'the appeal is gone',
    );
    // And the replica shows the outcome to the public: the count's status from both nodes.
    const sentDeadline = performance.now() + 10_000;
    let publicStatus: string[] = [];
    while (performance.now() < sentDeadline) {
      publicStatus = await Promise.all(
        nodes.map(async (node) => ((await (await fetch(`${node}/api/v1/appeals/${fixture.appealId}/count`)).json()) as { status: string }).status),
      );
      if (publicStatus.every((status) => status === 'sent')) break;
      await sleep(200);
    }
    check(
      "both nodes show the appeal 'sent'",
      publicStatus.every((status) => status === 'sent'),
      publicStatus.join(', '),
    );
    if (failed > 0) for (const [index, lines] of output.entries()) console.log(`--- app ${index + 1}, last lines ---\n${lines.slice(-30).join('\n')}`);
  } finally {
    for (const app of apps.reverse()) await stopApp(app, log);
    if (databaseCreated)
      await query(serverUrl, `drop database if exists ${name} with (force)`).catch((error: Error) => log(`dropping ${name} failed: ${error.message}`));
    if (replica) stopReplica(bin, replica);
    rmSync(dir, { recursive: true, force: true });
    if (restoreHba) {
      writeFileSync(restoreHba.file, restoreHba.original);
      await query(serverUrl, 'select pg_reload_conf()').catch(() => {});
      log(`--configure-primary: took "${replicationLine}" out of ${restoreHba.file} again and reloaded`);
    }
    log('stopped the apps, dropped the database, removed the replica');
  }
}

main().then(
  () => {
    console.log(failed === 0 ? 'replica test: every check passed' : `replica test: ${failed} check(s) FAILED`);
    process.exit(failed === 0 ? 0 : 1);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
