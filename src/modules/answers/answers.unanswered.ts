/**
 * Appeals that got no answer: UNANSWERED_GRACE_DAYS after the answer term (59-FZ Art. 12) an appeal still
 * unanswered is closed «без ответа». It counts as unanswered in its addressee's rating, the fact goes on the
 * timeline and its people are told — together, in one transaction per batch, and once: two sweeps take
 * different rows (`skip locked`) and the close's status guard makes a second close nothing.
 */
import type { AppContext } from '../../core/context.ts';
import { appealAudience } from '../appeals/appeals.notices.ts';
import { appealsUnansweredPastGrace, closeAppeal, getAppealRow, organizationOf } from '../appeals/appeals.service.ts';
import { notifyInBatches } from '../notifications/notifications.service.ts';
import { recordEvent } from '../problems/problems.service.ts';
import { timeZoneOf } from '../territories/territories.service.ts';
import { countUnanswered } from './answers.ratings.ts';

const batchSize = 100;

/** Closes every appeal unanswered past the grace period at `ctx.now()`; returns how many it closed. */
export async function closeUnansweredAppeals(ctx: AppContext): Promise<number> {
  let closed = 0;
  for (;;) {
    const now = ctx.now();
    const { taken, done } = await ctx.db.transaction().execute(async (trx) => {
      const due = await appealsUnansweredPastGrace(trx, now, ctx.config.unansweredGraceDays, batchSize);
      let count = 0;
      for (const appeal of due) {
        if (!(await closeAppeal(trx, appeal.id, 'closeUnanswered', 'unanswered', now))) continue;
        await countUnanswered(trx, appeal, now);
        const organization = await organizationOf(trx, appeal.organization_id);
        await recordEvent(trx, {
          problemId: appeal.problem_id,
          appealId: appeal.id,
          kind: 'appeal.closed_unanswered',
          actorId: null,
          data: {
            organization: organization.name,
            answerDueAt: (appeal.answer_due_at as Date).toISOString(),
            timeZone: await timeZoneOf(trx, organization.territory_id),
            graceDays: ctx.config.unansweredGraceDays,
          },
        });
        await ctx.jobs.send('answers.notify-closed-unanswered', { appealId: appeal.id }, trx);
        count += 1;
      }
      return { taken: due.length, done: count };
    });
    closed += done;
    if (taken < batchSize) return closed;
  }
}

/** The author, the signers and the followers learn that the appeal was closed with no answer. */
export async function notifyClosedUnanswered(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  if (appeal.outcome !== 'unanswered') return;
  const organization = await organizationOf(ctx.db, appeal.organization_id);
  await notifyInBatches(
    ctx,
    {
      kind: 'appeal.closed_unanswered',
      problemId: appeal.problem_id,
      appealId,
      data: { title: appeal.title, organization: organization.name, count: ctx.config.unansweredGraceDays },
    },
    await appealAudience(ctx, appeal),
  );
}
