/**
 * Does a password-reset request take as long for a registered address as for an unknown one?
 * (issue 9, finding 9: it took about twice as long, which tells an attacker which e-mails exist.)
 *
 *   npx tsx bench/password-reset-timing.ts [rounds=50]
 *
 * The real app on a fresh test database (PGlite, or TEST_DATABASE_URL), requests sent in-process
 * with `inject` so the network adds no noise. Known and unknown addresses alternate, each round a new
 * address of each kind, after a warm-up. Prints the median and p90 of each and the ratio of medians.
 * It prints figures and never fails on them: wall time on a shared machine is evidence, not a test.
 */
import { createTestApp } from '../test/support/app.ts';
import { createUser } from '../test/support/factories.ts';

const rounds = Number(process.argv[2] ?? 50);
const t = await createTestApp({ AUTH_RATE_LIMIT: '100000' });

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function timeReset(email: string): Promise<number> {
  const started = process.hrtime.bigint();
  const response = await t.app.inject({ method: 'POST', url: '/api/v1/accounts/password-reset', payload: { email } });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.statusCode !== 202) throw new Error(`unexpected ${response.statusCode}: ${response.body}`);
  return elapsed;
}

try {
  const known: string[] = [];
  for (let i = 0; i < rounds + 10; i++) known.push((await createUser(t.ctx, { email: `known-${i}@example.test` })).email);
  for (let i = 0; i < 10; i++) {
    await timeReset(known[i] as string);
    await timeReset(`warmup-${i}@example.test`);
  }
  const knownTimes: number[] = [];
  const unknownTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternating, and each kind first in every other round, so drift hits both alike.
    if (i % 2 === 0) {
      knownTimes.push(await timeReset(known[10 + i] as string));
      unknownTimes.push(await timeReset(`nobody-${i}@example.test`));
    } else {
      unknownTimes.push(await timeReset(`nobody-${i}@example.test`));
      knownTimes.push(await timeReset(known[10 + i] as string));
    }
  }
  const format = (ms: number) => `${ms.toFixed(2)} ms`;
  const knownMedian = quantile(knownTimes, 0.5);
  const unknownMedian = quantile(unknownTimes, 0.5);
  console.log(`database: ${t.testDatabase.label}, ${rounds} requests of each kind`);
  console.log(`known address:   median ${format(knownMedian)}, p90 ${format(quantile(knownTimes, 0.9))}`);
  console.log(`unknown address: median ${format(unknownMedian)}, p90 ${format(quantile(unknownTimes, 0.9))}`);
  console.log(`ratio of medians (known / unknown): ${(knownMedian / unknownMedian).toFixed(2)}`);
} finally {
  await t.stop();
}
