/**
 * The signature counts kept off the signing path: the app's own job folds signatures and withdrawals
 * into them within about a second, an appeal they bring to its threshold has it recorded, and the
 * nightly recount finds and fixes a count that went wrong.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, openAppeal, sign, verifiedCitizen } from '../../../test/support/factories.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { countsCaughtUp, recountSignatures } from './appeals.counts.ts';
import { countNamedSigners, publicSigners } from './appeals.queries.ts';
import { withdrawSignature } from './appeals.signing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.stop());

async function kept(appealId: number): Promise<{ total: number | undefined; days: number }> {
  const total = await t.ctx.db.selectFrom('appeal_signature_counts').select('signatures').where('appeal_id', '=', appealId).executeTakeFirst();
  const days = await t.ctx.db
    .selectFrom('appeal_signature_days')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('signatures'), eb.lit(0)).as('n'))
    .where('appeal_id', '=', appealId)
    .executeTakeFirstOrThrow();
  return { total: total?.signatures, days: Number(days.n) };
}

async function keptNamed(appealId: number): Promise<number | undefined> {
  return (await t.ctx.db.selectFrom('appeal_signature_counts').select('named').where('appeal_id', '=', appealId).executeTakeFirst())?.named;
}

describe('signature counts', () => {
  it('folds signatures and withdrawals in off the signing path, within seconds', async () => {
    const { appeal } = await openAppeal(t.ctx, { acknowledgeWarnings: true });
    const signers = [];
    for (let i = 0; i < 3; i++) signers.push((await sign(t.ctx, appeal.id)).signer);
    // The counts lag the signatures: the job folds them in about once a second.
    await waitFor(async () => ((await kept(appeal.id)).total === 3 ? true : undefined), 10_000, { what: 'three signatures counted' });
    expect(await kept(appeal.id)).toEqual({ total: 3, days: 3 });
    await withdrawSignature(t.ctx, actorOf(signers[0] as never), appeal.id);
    await waitFor(async () => ((await kept(appeal.id)).total === 2 ? true : undefined), 10_000, { what: 'the withdrawal counted' });
    expect(await kept(appeal.id)).toEqual({ total: 2, days: 2 });
    await waitFor(async () => ((await countsCaughtUp(t.ctx)) ? true : undefined), 10_000, { what: 'the fold to catch up' });
    expect(await recountSignatures(t.ctx)).toEqual([]);
  });

  it('finds and fixes a count that differs from a recount', async () => {
    const { appeal } = await openAppeal(t.ctx, { acknowledgeWarnings: true });
    await sign(t.ctx, appeal.id);
    await sign(t.ctx, appeal.id);
    await waitFor(async () => ((await kept(appeal.id)).total === 2 ? true : undefined), 10_000, { what: 'two signatures counted' });
    await waitFor(async () => ((await countsCaughtUp(t.ctx)) ? true : undefined), 10_000, { what: 'the fold to catch up' });
    // Signatures moved to another day behind the app's back: only a recount can see it.
    await sql`update signatures set created_at = created_at - interval '40 days' where appeal_id = ${appeal.id}`.execute(t.ctx.db);
    await t.ctx.db.updateTable('appeal_signature_counts').set({ signatures: 7 }).where('appeal_id', '=', appeal.id).execute();
    const differences = await recountSignatures(t.ctx);
    expect(differences).toHaveLength(2);
    expect(differences.map((d) => [d.kept, d.counted]).sort()).toEqual([
      [0, 2],
      [2, 0],
    ]);
    expect(await kept(appeal.id)).toEqual({ total: 2, days: 2 });
    expect(await recountSignatures(t.ctx)).toEqual([]);
  });

  it('keeps the count of the signers named publicly with the counts, exact before the fold and after it', async () => {
    const { appeal } = await openAppeal(t.ctx, { acknowledgeWarnings: true });
    const named = [(await sign(t.ctx, appeal.id)).signer, (await sign(t.ctx, appeal.id)).signer];
    const unnamed = (await sign(t.ctx, appeal.id, undefined, { consentPublicName: false })).signer;
    // Whether the fold has run or not, the page's count is exact.
    expect(await countNamedSigners(t.ctx.db, appeal.id)).toBe(2);
    await waitFor(async () => ((await kept(appeal.id)).total === 3 ? true : undefined), 10_000, { what: 'three signatures counted' });
    await waitFor(async () => ((await countsCaughtUp(t.ctx)) ? true : undefined), 10_000, { what: 'the fold to catch up' });
    expect(await keptNamed(appeal.id)).toBe(2);
    await withdrawSignature(t.ctx, actorOf(named[0] as never), appeal.id);
    expect(await countNamedSigners(t.ctx.db, appeal.id)).toBe(1);
    await withdrawSignature(t.ctx, actorOf(unnamed as never), appeal.id);
    expect(await countNamedSigners(t.ctx.db, appeal.id)).toBe(1);
    expect((await publicSigners(t.ctx, appeal.id, { limit: 10, offset: 0 })).total).toBe(1);
    await waitFor(async () => ((await countsCaughtUp(t.ctx)) ? true : undefined), 10_000, { what: 'the withdrawals counted' });
    expect(await kept(appeal.id)).toEqual({ total: 1, days: 1 });
    expect(await keptNamed(appeal.id)).toBe(1);
    expect(await recountSignatures(t.ctx)).toEqual([]);
    // A named count gone wrong behind the app's back is found and fixed by the recount.
    await t.ctx.db.updateTable('appeal_signature_counts').set({ named: 9 }).where('appeal_id', '=', appeal.id).execute();
    expect(await recountSignatures(t.ctx)).toEqual([{ appealId: appeal.id, day: null, kept: 9, counted: 1 }]);
    expect(await keptNamed(appeal.id)).toBe(1);
    expect(await countNamedSigners(t.ctx.db, appeal.id)).toBe(1);
    expect(await recountSignatures(t.ctx)).toEqual([]);
  });

  it("records the threshold of an appeal whose kept count reached it, once, when no signer's check did", async () => {
    const { appeal } = await openAppeal(t.ctx, { acknowledgeWarnings: true, threshold: 2 });
    await sign(t.ctx, appeal.id);
    // A signature whose own threshold check never ran (its node died after the commit): only the counts see it.
    const late = await verifiedCitizen(t.ctx);
    await sql`insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, consent_transfer)
      select appeal_id, ${late.id}, revision_id, text_sha256, 'Поздняя Анна', postal_address, true from signatures where appeal_id = ${appeal.id}`.execute(
      t.ctx.db,
    );
    const reached = await waitFor(
      async () =>
        (await t.ctx.db.selectFrom('appeals').select('threshold_reached_at').where('id', '=', appeal.id).executeTakeFirstOrThrow()).threshold_reached_at ??
        undefined,
      10_000,
      { what: 'the threshold recorded' },
    );
    expect(reached).toBeInstanceOf(Date);
    const events = await t.ctx.db
      .selectFrom('problem_events')
      .select('data')
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.threshold_reached')
      .execute();
    expect(events.map((e) => e.data)).toEqual([{ count: 2, threshold: 2 }]);
  });
});
