/**
 * Fault: the app is killed (SIGKILL: no shutdown, nothing flushed) in the middle of a signing burst
 * on PostgreSQL, just after the threshold was crossed, and started again. The real app runs as a
 * child process (src/main.ts, as `npm start` runs it) on a fresh database; signers sign over HTTP
 * with their own API tokens, many at once, and every acknowledged (201) signature is recorded.
 *
 * Afterwards: every acknowledged signature is in the database, the count shown equals the rows, the
 * signers whose answer was lost can sign again or are told they already have (never twice, never a
 * 5xx), and the appeal is dispatched exactly once — one dispatch document listing every signature,
 * one letter in mail_messages, one "sent" on the timeline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, freePort } from '../../../test/support/app.ts';
import { createPostgresDatabase, faultPostgresUrl, reachablePostgres, type TestDatabase } from '../../../test/support/database.ts';
import { apiTokenFor, openAppeal, signInput, surnameFor, verifiedCitizen } from '../../../test/support/factories.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { User } from '../../core/db/schema.ts';

const server = await reachablePostgres();
const skipped = server ? '' : ` — SKIPPED: no PostgreSQL answers at ${new URL(faultPostgresUrl).host} (start one, or set TEST_DATABASE_URL)`;
if (!server) console.warn(`kill -9 fault test${skipped}`);

const root = path.resolve(import.meta.dirname, '../../..');
const secret = 'fault-test-secret-0123456789abcdef';
const threshold = 40;
const signerCount = 80;
/** Requests in flight at once during the burst. */
const concurrency = 24;
/** The kill comes with this many signatures acknowledged: past the threshold, the dispatch under way. */
const killAfterAcks = threshold + 5;
const organizationEmail = 'crash@olenino.example.test';

let database: TestDatabase & { url: string; name: string };
let dataDir: string;
let appealId: number;
let signers: { user: User; token: string }[] = [];
let child: ChildProcess | null = null;

beforeAll(async () => {
  if (!server) return;
  database = await createPostgresDatabase(server);
  dataDir = mkdtempSync(path.join(tmpdir(), 'democrator-crash-'));
  // The fixtures through the use cases, in this process; then the app of the test is a child process.
  const setup = await createTestApp({ SECRET: secret }, { testDatabase: { ...database, drop: async () => {} } });
  try {
    const { appeal } = await openAppeal(setup.ctx, { threshold, appealEmail: organizationEmail });
    appealId = appeal.id;
    for (let i = 0; i < signerCount; i += 1) {
      const user = await verifiedCitizen(setup.ctx, { surname: surnameFor(i), firstName: 'Пётр' });
      signers.push({ user, token: await apiTokenFor(setup.ctx, user) });
    }
  } finally {
    await setup.stop();
  }
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  signers = [];
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  process: ChildProcess;
  url: string;
  output: () => string;
}

async function startApp(): Promise<Started> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    SECRET: secret,
    SEED_DEMO: 'never',
    LOG_LEVEL: 'warn',
    // Many signers from this one address within a minute: the per-minute signing limit would refuse them.
    RATE_LIMIT_SIGN: '100000',
    // The signers solve no ALTCHA challenge: with it on their signatures would wait for a moderator, not dispatch.
    ALTCHA_ENABLED: 'false',
  };
  // No SMTP server: the outbox accepts the letter (the mail-outage test covers a refusing server).
  for (const name of ['SMTP_URL', 'ROLE']) delete env[name];
  const started = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child = started;
  let output = '';
  started.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  started.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  await waitFor(
    () => {
      if (started.exitCode !== null) throw new Error(`the app exited early:\n${output}`);
      return output.includes('Democrator is running at') ? true : undefined;
    },
    60_000,
    { what: `the app to start:\n${output}` },
  );
  return { process: started, url: `http://127.0.0.1:${port}`, output: () => output };
}

const exited = (process: ChildProcess) =>
  new Promise<void>((resolve) => (process.exitCode !== null || process.signalCode !== null ? resolve() : process.once('exit', () => resolve())));

type Outcome = { kind: 'acked'; signatureId: number } | { kind: 'refused'; status: number; code: string } | { kind: 'lost'; error: string };

async function signOverHttp(app: Started, signer: { user: User; token: string }): Promise<Outcome> {
  try {
    const response = await fetch(`${app.url}/api/v1/appeals/${appealId}/signatures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${signer.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(signInput(signer.user, { consentPublicName: false })),
    });
    const body = (await response.json()) as { signatureId?: number; error?: { code: string } };
    if (response.status === 201 && typeof body.signatureId === 'number') return { kind: 'acked', signatureId: body.signatureId };
    return { kind: 'refused', status: response.status, code: body.error?.code ?? '?' };
  } catch (error) {
    return { kind: 'lost', error: String((error as Error & { cause?: { code?: string } }).cause?.code ?? error) };
  }
}

/** Signs with every signer, `concurrency` at a time; `onAck` sees each acknowledgement as it comes. */
async function burst(app: Started, who: typeof signers, onAck: (acked: number) => void): Promise<Map<number, Outcome>> {
  const outcomes = new Map<number, Outcome>();
  let next = 0;
  let acked = 0;
  const worker = async () => {
    while (next < who.length) {
      const signer = who[next] as (typeof signers)[number];
      next += 1;
      const outcome = await signOverHttp(app, signer);
      outcomes.set(signer.user.id, outcome);
      if (outcome.kind === 'acked') {
        acked += 1;
        onAck(acked);
      }
      if (outcome.kind === 'lost') return;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

const tally = (outcomes: Iterable<Outcome>) => {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const key = o.kind === 'refused' ? `${o.status} ${o.code}` : o.kind;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${n} ${key}`).join(', ');
};

describe.skipIf(!server)(`kill -9 of the app in the middle of a signing burst on PostgreSQL${skipped}`, () => {
  it('keeps every acknowledged signature, shows the count of the rows, and dispatches exactly once after the restart', async () => {
    const { default: pg } = await import('pg');
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const query = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) => (await db.query<R>(text, values)).rows;
    try {
      const first = await startApp();
      let killedAt: number | null = null;
      const outcomes = await burst(first, signers, (acked) => {
        if (acked >= killAfterAcks && killedAt === null) {
          killedAt = acked;
          first.process.kill('SIGKILL');
        }
      });
      await exited(first.process);
      expect(first.process.signalCode).toBe('SIGKILL');
      const acked = new Map([...outcomes].flatMap(([userId, o]) => (o.kind === 'acked' ? [[userId, o.signatureId] as const] : [])));
      expect(acked.size).toBeGreaterThanOrEqual(killAfterAcks);
      // Nothing but acknowledgements and lost answers: no signer was refused or got a 5xx before the kill.
      expect([...outcomes.values()].filter((o) => o.kind === 'refused')).toEqual([]);

      const afterKill = await query<{ user_id: number; id: number }>('select user_id, id from signatures where appeal_id = $1', [appealId]);
      const stored = new Map(afterKill.map((row) => [row.user_id, Number(row.id)]));
      for (const [userId, signatureId] of acked) expect(stored.get(userId), `acknowledged signature of user ${userId}`).toBe(signatureId);
      const [state] = await query<{ status: string; threshold_reached_at: Date | null; dispatch_started_at: Date | null }>(
        'select status, threshold_reached_at, dispatch_started_at from appeals where id = $1',
        [appealId],
      );
      const report = [
        `SIGKILL at the ${killedAt}th acknowledgement of ${signerCount} signers (threshold ${threshold}, ${concurrency} requests in flight); answers: ${tally(outcomes.values())}, ${signerCount - outcomes.size} not sent`,
        `after the kill: ${stored.size} rows stored, all ${acked.size} acknowledged among them; appeal ${state?.status}, threshold ${state?.threshold_reached_at ? 'recorded' : 'not recorded'}, dispatch ${state?.dispatch_started_at ? 'started' : 'not started'}`,
      ];

      // The restart; the signers without an acknowledgement try again, as their browsers would. The
      // threshold is past, so the dispatch starts: the app is killed again the moment it has closed
      // signing (dispatch_started_at), before or while it renders the letter — if it is quick enough.
      const second = await startApp();
      let dispatchKill = 'none: the letter was queued before the watcher saw the dispatch start';
      let watching = true;
      let killedInDispatch = false;
      const watcher = (async () => {
        while (watching) {
          const [row] = await query<{ dispatch_started_at: Date | null; dispatch_message_id: string | null }>(
            'select dispatch_started_at, dispatch_message_id from appeals where id = $1',
            [appealId],
          );
          if (row?.dispatch_message_id) return;
          if (row?.dispatch_started_at) {
            second.process.kill('SIGKILL');
            killedInDispatch = true;
            dispatchKill = 'with signing closed and the letter not yet queued';
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const retried = await burst(
        second,
        signers.filter((s) => !acked.has(s.user.id)),
        () => {},
      );
      await waitFor(
        async () => {
          const [row] = await query<{ dispatch_message_id: string | null }>('select dispatch_message_id from appeals where id = $1', [appealId]);
          return row?.dispatch_message_id || killedInDispatch ? true : undefined;
        },
        30_000,
        { what: 'the dispatch to start' },
      );
      watching = false;
      await watcher;
      if (killedInDispatch) await exited(second.process);
      for (const [userId, outcome] of retried) if (outcome.kind === 'acked') acked.set(userId, outcome.signatureId);
      report.push(
        `after the restart: ${retried.size} unacknowledged signers tried again: ${tally(retried.values())}; killed again in the dispatch: ${dispatchKill}`,
      );
      const third = killedInDispatch ? await startApp() : second;
      const lastTry = await burst(
        third,
        signers.filter((s) => !acked.has(s.user.id) && retried.get(s.user.id)?.kind !== 'refused'),
        () => {},
      );
      for (const [userId, outcome] of lastTry) if (outcome.kind === 'acked') acked.set(userId, outcome.signatureId);
      if (killedInDispatch) report.push(`after the second restart: ${lastTry.size} signers tried again: ${tally(lastTry.values()) || 'none'}`);
      for (const outcome of [...retried.values(), ...lastTry.values()]) {
        if (outcome.kind === 'lost') continue;
        expect(outcome.kind === 'acked' || (outcome.kind === 'refused' && outcome.status === 409), JSON.stringify(outcome)).toBe(true);
        if (outcome.kind === 'refused') expect(['already_signed', 'signing_closed']).toContain(outcome.code);
      }
      // A signer told "already signed" is one whose signature committed while its answer was lost.
      for (const [userId, outcome] of retried) if (outcome.kind === 'refused' && outcome.code === 'already_signed') expect(stored.has(userId)).toBe(true);
      // Only the second kill may lose answers, and nobody is left who could still sign but did not get through.
      if (!killedInDispatch) expect([...retried.values()].filter((o) => o.kind === 'lost')).toEqual([]);
      expect([...lastTry.values()].filter((o) => o.kind === 'lost')).toEqual([]);

      const sent = await waitFor(
        async () => {
          const response = await fetch(`${third.url}/api/v1/appeals/${appealId}`);
          const appeal = (await response.json()) as { status: string; signatures: number };
          return appeal.status === 'sent' ? appeal : undefined;
        },
        30_000,
        { what: 'the appeal to be dispatched after the restart' },
      );
      // Once more, a moment later: a second dispatch (a resumed job, the old one expiring) would show now.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const rows = await query<{ user_id: number; id: number }>('select user_id, id from signatures where appeal_id = $1', [appealId]);
      const final = new Map(rows.map((row) => [row.user_id, Number(row.id)]));
      for (const [userId, signatureId] of acked) expect(final.get(userId)).toBe(signatureId);
      expect(new Set(rows.map((row) => row.user_id)).size).toBe(rows.length);
      const count = (await (await fetch(`${third.url}/api/v1/appeals/${appealId}/count`)).json()) as { count: number };
      const shown = (await (await fetch(`${third.url}/api/v1/appeals/${appealId}`)).json()) as { signatures: number; status: string };
      expect(count.count).toBe(rows.length);
      expect(shown.signatures).toBe(rows.length);
      expect(sent.signatures).toBe(rows.length);

      const documents = await query<{ signatures_count: number }>("select signatures_count from appeal_documents where appeal_id = $1 and kind = 'dispatch'", [
        appealId,
      ]);
      const letters = await query<{ status: string; message_id: string }>('select status, message_id from mail_messages where to_address = $1', [
        organizationEmail,
      ]);
      const events = await query<{ kind: string }>('select kind from problem_events where appeal_id = $1 order by id', [appealId]);
      expect(documents).toHaveLength(1);
      // The letter lists every signature: signing closed when the dispatch fixed the list.
      expect(documents[0]?.signatures_count).toBe(rows.length);
      expect(letters).toHaveLength(1);
      expect(letters[0]?.status).toBe('outbox');
      expect(events.filter((e) => e.kind === 'appeal.threshold_reached')).toHaveLength(1);
      expect(events.filter((e) => e.kind === 'appeal.sent')).toHaveLength(1);
      expect(third.output()).not.toMatch(/"level":50/);

      report.push(
        `final: ${rows.length} rows, count shown ${count.count} (appeal ${shown.signatures}); ${documents.length} dispatch document of ${documents[0]?.signatures_count} signatures, ${letters.length} letter (${letters[0]?.status}); timeline ${events.map((e) => e.kind).join(' → ')}`,
      );
      console.log(report.join('\n'));
      third.process.kill('SIGTERM');
      await exited(third.process);
    } finally {
      await db.end();
    }
  });
});
