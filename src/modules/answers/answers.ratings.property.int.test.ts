/**
 * Property-based test of the organizations' rating stats: after any sequence of answers (on time and late),
 * overdue marks, ratings, closes after the review and closes without an answer, spread over two addressees,
 * the counts kept incrementally equal a full recount from the appeals and ratings — the nightly recount
 * finds no difference.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, createOrganization, createProblem, openAppeal, sign, verifiedCitizen } from '../../../test/support/factories.ts';
import { propertyRuns } from '../../../test/support/tier.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { markOverdueAppeals } from '../appeals/appeals.overdue.ts';
import { replyAddress } from '../appeals/appeals.reply-address.ts';
import { recordSelfSent } from '../appeals/appeals.service.ts';
import { recountOrganizationStats } from './answers.ratings.ts';
import { closeEndedReviews, rateAnswer } from './answers.review.ts';
import { decideLetter, processInbound, receiveInbound } from './answers.service.ts';
import { closeUnansweredAppeals } from './answers.unanswered.ts';

const domain = 'reply.democrator.test';
let t: TestApp;
let author: User;
let organizations: Organization[];

beforeAll(async () => {
  // No job worker: the test runs the sweeps itself, at the moments it picks.
  t = await createTestApp({ ROLE: 'web', INBOUND_MAIL_DOMAIN: domain });
  author = await verifiedCitizen(t.ctx, { surname: 'Оценщикова', firstName: 'Ольга' });
  organizations = [await createOrganization(t.ctx, { appealThreshold: 50 }), await createOrganization(t.ctx, { appealThreshold: 50 })];
});
afterAll(() => t?.stop());

interface Script {
  organization: 0 | 1;
  signers: number;
  /** What happens to it: overdue first (or not), then an answer with ratings (closed or left open), or no answer. */
  overdue: boolean;
  fate: 'answer-closed' | 'answer-open' | 'unanswered' | 'waiting';
  ratings: { score: number; solved: 'yes' | 'partly' | 'no' }[];
}

const script = fc.record({
  organization: fc.constantFrom<0 | 1>(0, 1),
  signers: fc.integer({ min: 1, max: 3 }),
  overdue: fc.boolean(),
  fate: fc.constantFrom<Script['fate']>('answer-closed', 'answer-open', 'unanswered', 'waiting'),
  ratings: fc.array(fc.record({ score: fc.integer({ min: 1, max: 5 }), solved: fc.constantFrom<'yes' | 'partly' | 'no'>('yes', 'partly', 'no') }), {
    maxLength: 4,
  }),
});

async function play(scripts: Script[]): Promise<void> {
  for (const [index, step] of scripts.entries()) {
    const problem = await createProblem(t.ctx, { author });
    const { appeal } = await openAppeal(t.ctx, { author, problem, organization: organizations[step.organization], acknowledgeWarnings: true });
    const signers: User[] = [];
    for (let i = 0; i < step.signers; i++) signers.push((await sign(t.ctx, appeal.id)).signer);
    await recordSelfSent(t.ctx, actorOf(author), appeal.id, { sentOn: new Date(Date.now() - 86_400_000), registrationNumber: '' });
    if (step.overdue || step.fate === 'unanswered') {
      await sql`update appeals set answer_due_at = now() - interval '${sql.raw(step.fate === 'unanswered' ? '9' : '1')} days' where id = ${appeal.id}`.execute(
        t.ctx.db,
      );
      await markOverdueAppeals(t.ctx);
    }
    if (step.fate === 'unanswered') {
      await closeUnansweredAppeals(t.ctx);
      continue;
    }
    if (step.fate === 'waiting') continue;
    const raw = Buffer.from(
      `From: body@example.test\r\nTo: ${replyAddress(appeal.id, t.ctx.config.secret, domain)}\r\nSubject: Ответ ${index}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nОтвет по существу.\r\n`,
    );
    await processInbound(t.ctx, await receiveInbound(t.ctx, { channel: 'webhook', raw }));
    const letter = await t.ctx.db.selectFrom('appeal_letters').select('id').where('appeal_id', '=', appeal.id).executeTakeFirstOrThrow();
    await decideLetter(t.ctx, actorOf(author), appeal.id, letter.id, 'answer');
    const raters = [author, ...signers];
    for (const [i, rating] of step.ratings.entries()) await rateAnswer(t.ctx, actorOf(raters[i % raters.length]!), appeal.id, { ...rating, comment: null });
    if (step.fate === 'answer-closed') {
      await sql`update appeals set review_closes_at = now() - interval '1 second' where id = ${appeal.id}`.execute(t.ctx.db);
      await closeEndedReviews(t.ctx);
    }
  }
}

describe('the organizations’ rating stats', () => {
  it('kept as events happen, equal a full recount after any sequence of answers, overdue marks, ratings and closes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(script, { minLength: 1, maxLength: 5 }), async (scripts) => {
        await play(scripts);
        expect(await recountOrganizationStats(t.ctx)).toEqual([]);
      }),
      { numRuns: propertyRuns(8), seed: 20_261_202 },
    );
    // And the recount is not blind: a count changed by hand is found and fixed.
    await sql`update organization_stats set closed = closed + 1 where organization_id = ${organizations[0]!.id}`.execute(t.ctx.db);
    const found = await recountOrganizationStats(t.ctx);
    expect(found).toEqual([expect.stringMatching(new RegExp(`^organization ${organizations[0]!.id}: closed: kept \\d+, recounted \\d+$`))]);
    expect(await recountOrganizationStats(t.ctx)).toEqual([]);
  });
});
