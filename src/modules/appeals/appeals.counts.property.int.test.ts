/**
 * Property-based test of the signature counts: after any mix of signatures (alone and in bursts, some
 * flagged at signing: two signers have throwaway mailboxes), withdrawals of signatures, a moderator's
 * clears and invalidations, threshold checks, dispatches and folds, interleaved on two appeals,
 * once the fold has caught up the counts per appeal and per day equal a full recount, and so do the problems'
 * support counts the resonant sort reads (all signatures, and those of the last 30 days, while days pass); and at
 * every step, folded or not, the count signing and the pages use equals counting every signature.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, createMunicipality, createOrganization, createProblem, createUser } from '../../../test/support/factories.ts';
import { propertyRuns } from '../../../test/support/tier.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { User } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { resonanceWindowStart } from '../problems/problems.rules.ts';
import { countsCaughtUp, foldSignatureCounts, recountSignatures } from './appeals.counts.ts';
import * as dispatch from './appeals.dispatch.ts';
import * as appeals from './appeals.service.ts';
import * as moderation from './appeals.signature-moderation.ts';
import * as signing from './appeals.signing.ts';

let t: TestApp;
let municipalityId: number;
let organizationId: number;
let author: User;
let citizens: User[];
let moderator: User;

beforeAll(async () => {
  // No job worker: the test runs the fold itself, at the moments it picks.
  t = await createTestApp({ ROLE: 'web' });
  municipalityId = await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
  organizationId = (
    await createOrganization(t.ctx, {
      name: 'Администрация Оленинского округа',
      territoryId: municipalityId,
      appealEmail: 'olenino@example.test',
      postalAddress: '',
      appealThreshold: 3,
      jurisdictions: [],
    })
  ).id;
  author = await createUser(t.ctx, { surname: 'Авторов', firstName: 'Артём' });
  citizens = await Promise.all(['Аристова', 'Белова', 'Веселова', 'Глебова', 'Денисова'].map((surname) => createUser(t.ctx, { surname, firstName: 'Дарья' })));
  // Their signatures are flagged at signing (a disposable domain), until a moderator clears them.
  for (const surname of ['Ерёмина', 'Жукова']) {
    citizens.push(
      await createUser(t.ctx, { surname, firstName: 'Дарья', email: `${surname === 'Ерёмина' ? 'eremina' : 'zhukova'}-${process.pid}@mailinator.com` }),
    );
  }
  moderator = await createUser(t.ctx, { surname: 'Модераторова', firstName: 'Мира', role: 'moderator' });
});
afterAll(() => t?.stop());

type Action =
  | { kind: 'sign'; appeal: number; who: number }
  | { kind: 'burst'; appeal: number; who: number[] }
  | { kind: 'unsign'; appeal: number; who: number }
  | { kind: 'dispatch'; appeal: number }
  | { kind: 'clear'; appeal: number }
  | { kind: 'invalidate'; appeal: number; who: number[] }
  | { kind: 'fold' }
  | { kind: 'days'; days: number };

const appealIndex = fc.nat({ max: 1 });
const who = fc.nat({ max: 6 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('sign' as const), appeal: appealIndex, who }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('burst' as const), appeal: appealIndex, who: fc.uniqueArray(who, { minLength: 2, maxLength: 5 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('unsign' as const), appeal: appealIndex, who }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('dispatch' as const), appeal: appealIndex }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('clear' as const), appeal: appealIndex }), weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constant('invalidate' as const), appeal: appealIndex, who: fc.uniqueArray(who, { minLength: 1, maxLength: 3 }) }),
    weight: 2,
  },
  { arbitrary: fc.constant({ kind: 'fold' as const }), weight: 2 },
  // Days pass: signatures leave the resonance window of 30 days (the clock moves, the signatures keep their dates).
  { arbitrary: fc.record({ kind: fc.constant('days' as const), days: fc.integer({ min: 1, max: 40 }) }), weight: 2 },
);

const realNow = () => new Date();
let daysPassed = 0;

async function refusedOrDone(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    // A refusal (already signed, signing closed, nothing to withdraw) is a valid outcome; anything else is a bug.
    if (!(error instanceof DomainError)) throw error;
  }
}

function signAs(appealId: number, index: number): Promise<unknown> {
  const citizen = citizens[index] as User;
  return signing.sign(t.ctx, actorOf(citizen), appealId, {
    fullName: `${citizen.surname} ${citizen.first_name}`,
    postalAddress: '172400, Оленино, ул. Мира, д. 1',
    consentTransfer: true,
    consentPublicName: false,
  });
}

async function apply(appealIds: number[], step: Action): Promise<void> {
  const appealId = 'appeal' in step ? (appealIds[step.appeal] as number) : 0;
  switch (step.kind) {
    case 'sign':
      return refusedOrDone(signAs(appealId, step.who));
    case 'burst':
      // Signers arriving together share one statement of the batch writer.
      await Promise.all(step.who.map((index) => refusedOrDone(signAs(appealId, index))));
      return;
    case 'unsign':
      return refusedOrDone(signing.withdrawSignature(t.ctx, actorOf(citizens[step.who] as User), appealId));
    case 'dispatch':
      await refusedOrDone(signing.checkThreshold(t.ctx, appealId));
      return refusedOrDone(dispatch.dispatchAppeal(t.ctx, appealId));
    case 'clear': {
      const flagged = await t.ctx.db.selectFrom('signatures').select('id').where('appeal_id', '=', appealId).where('flagged_at', 'is not', null).execute();
      return refusedOrDone(
        moderation.clearSignatures(
          t.ctx,
          actorOf(moderator),
          appealId,
          flagged.map((row) => Number(row.id)),
        ),
      );
    }
    case 'invalidate': {
      const userIds = step.who.map((index) => (citizens[index] as User).id);
      const chosen = await t.ctx.db.selectFrom('signatures').select('id').where('appeal_id', '=', appealId).where('user_id', 'in', userIds).execute();
      return refusedOrDone(
        moderation.invalidateSignatures(
          t.ctx,
          actorOf(moderator),
          appealId,
          chosen.map((row) => Number(row.id)),
          'Проверка',
        ),
      );
    }
    case 'fold':
      await foldSignatureCounts(t.ctx);
      return;
    case 'days':
      daysPassed += step.days;
      t.ctx.now = () => new Date(realNow().getTime() + daysPassed * 24 * 3600_000);
      return;
  }
}

interface Counted {
  appeal_id: number;
  day: string;
  n: number;
}

/** What the counts say, and what counting every signature says, for these appeals (days with no signature left out). */
async function keptAndCounted(appealIds: number[]): Promise<{ kept: Counted[]; counted: Counted[]; totals: Counted[]; counts: Counted[] }> {
  const kept = await sql<Counted>`
    select appeal_id, to_char(day, 'YYYY-MM-DD') as day, signatures as n from appeal_signature_days
    where appeal_id = any(${appealIds}::integer[]) and signatures <> 0 order by 1, 2`.execute(t.ctx.db);
  const counted = await sql<Counted>`
    select appeal_id, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as n from signatures
    where appeal_id = any(${appealIds}::integer[]) and flagged_at is null group by 1, 2 order by 1, 2`.execute(t.ctx.db);
  const totals = await sql<Counted>`
    select appeal_id, '' as day, signatures as n from appeal_signature_counts
    where appeal_id = any(${appealIds}::integer[]) and signatures <> 0 order by 1`.execute(t.ctx.db);
  const counts = await Promise.all(appealIds.map(async (id) => ({ appeal_id: id, day: '', n: await signing.countSignaturesExactly(t.ctx.db, id) })));
  return { kept: kept.rows, counted: counted.rows, totals: totals.rows, counts: counts.filter((c) => c.n !== 0) };
}

interface Support {
  id: number;
  signatures: number;
  recent: number;
}

/** The problems' kept support, and the same counted from every signature, with the window's first day at the test's clock. */
async function supportKeptAndCounted(problemIds: number[]): Promise<{ kept: Support[]; counted: Support[] }> {
  const since = resonanceWindowStart(t.ctx.now());
  const kept = await sql<Support>`select id, support_signatures as signatures, support_recent as recent from problems
    where id = any(${problemIds}::integer[]) order by id`.execute(t.ctx.db);
  const counted = await sql<Support>`
    select p.id,
      (select count(*) from signatures s join appeals a on a.id = s.appeal_id where a.problem_id = p.id and s.flagged_at is null)::int as signatures,
      (select count(*) from signatures s join appeals a on a.id = s.appeal_id
        where a.problem_id = p.id and s.flagged_at is null and (s.created_at at time zone 'UTC')::date >= ${since}::date)::int as recent
    from problems p where p.id = any(${problemIds}::integer[]) order by p.id`.execute(t.ctx.db);
  return { kept: kept.rows, counted: counted.rows };
}

describe('signature counts', () => {
  it('equal a full recount after any mix of signatures, flags, clears, invalidations, withdrawals and dispatches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 16 }), async (steps) => {
        const appealIds: number[] = [];
        const problemIds: number[] = [];
        daysPassed = 0;
        t.ctx.now = realNow;
        for (const title of ['Разбитая дорога', 'Нет освещения']) {
          const problem = await createProblem(t.ctx, { author, title, description: 'Просим принять меры.', territoryId: municipalityId });
          const appeal = await appeals.createAppeal(t.ctx, actorOf(author), problem.id, {
            organizationId,
            title: 'О ремонте дороги',
            text: 'Просим отремонтировать дорогу по улице Октябрьской: ямы глубиной до двадцати сантиметров.',
          });
          await appeals.openForSignatures(t.ctx, actorOf(author), appeal.id, { acknowledgeWarnings: true });
          appealIds.push(appeal.id);
          problemIds.push(problem.id);
        }
        for (const step of steps) {
          await apply(appealIds, step);
          // Between folds, the count that signing and the pages use (kept + not folded yet − not taken off yet) is exact.
          for (const id of appealIds) expect(await signing.countSignatures(t.ctx.db, id)).toBe(await signing.countSignaturesExactly(t.ctx.db, id));
        }
        // The fold lags: run it until it has reached every signature made above.
        await waitFor(
          async () => {
            await foldSignatureCounts(t.ctx);
            return (await countsCaughtUp(t.ctx)) ? true : undefined;
          },
          10_000,
          { what: 'the fold to catch up' },
        );
        const { kept, counted, totals, counts } = await keptAndCounted(appealIds);
        expect(kept).toEqual(counted);
        expect(totals).toEqual(counts);
        // The resonant sort's keys: folded on the problems, the window moved with the clock.
        const support = await supportKeptAndCounted(problemIds);
        expect(support.kept).toEqual(support.counted);
        expect(await recountSignatures(t.ctx)).toEqual([]);
        const recounted = await supportKeptAndCounted(problemIds);
        expect(recounted.kept).toEqual(recounted.counted);
      }),
      // 60 sequences in the full tier (npm test, CI), 15 in the everyday one.
      {
        numRuns: propertyRuns(60),
        verbose: 1,
        // Always among the runs: a signature folded, then leaving the window with no signing after it.
        examples: [[[{ kind: 'sign', appeal: 0, who: 0 }, { kind: 'fold' }, { kind: 'days', days: 31 }]]],
      },
    );
  }, 240_000);
});
