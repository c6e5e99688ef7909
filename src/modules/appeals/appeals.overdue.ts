/**
 * Appeals whose answer term (59-FZ Art. 12) passed with no answer: the sweep marks each once, puts the fact on
 * the problem's timeline and queues the mail to the author, signers and followers — all in one transaction, so
 * an appeal is marked, announced and told about together or not at all. Two workers sweeping at once share the
 * work (`skip locked`) and never mark an appeal twice (`answer_overdue_at is null` under the row lock).
 */
import type { AppContext } from '../../core/context.ts';
import { notifyInBatches } from '../notifications/notifications.service.ts';
import { recordEvent } from '../problems/problems.service.ts';
import { timeZoneOf } from '../territories/territories.service.ts';
import { appealAudience } from './appeals.notices.ts';
import { statusesAllowing } from './appeals.rules.ts';
import { getAppealRow, organizationOf } from './appeals.service.ts';

/** Appeals marked per transaction: a backlog (a day the workers were down) goes in short transactions. */
const batchSize = 100;

/** Marks every appeal whose answer is overdue at `ctx.now()`; returns how many it marked. */
export async function markOverdueAppeals(ctx: AppContext): Promise<number> {
  let marked = 0;
  for (;;) {
    const now = ctx.now();
    const count = await ctx.db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('appeals')
        .select(['id', 'problem_id', 'title', 'organization_id', 'answer_due_at'])
        .where('status', 'in', statusesAllowing('markOverdue'))
        .where('answer_overdue_at', 'is', null)
        .where('answer_due_at', '<', now)
        .orderBy('answer_due_at')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      for (const appeal of due) {
        const dueAt = appeal.answer_due_at as Date;
        const organization = await organizationOf(trx, appeal.organization_id);
        await trx.updateTable('appeals').set({ answer_overdue_at: now }).where('id', '=', appeal.id).where('answer_overdue_at', 'is', null).execute();
        // The addressee's rating counts it overdue, in this transaction (answers.ratings.ts, through the ports).
        await ctx.ports.appeals.answerOverdue(trx, appeal, now);
        await recordEvent(trx, {
          problemId: appeal.problem_id,
          appealId: appeal.id,
          kind: 'appeal.overdue',
          actorId: null,
          data: { organization: organization.name, answerDueAt: dueAt.toISOString(), timeZone: await timeZoneOf(trx, organization.territory_id) },
        });
        await ctx.jobs.send('appeals.notify-overdue', { appealId: appeal.id }, trx);
        await ctx.ports.appeals.organizationEvent(ctx, trx, {
          organizationId: organization.id,
          type: 'appeal.overdue',
          data: {
            appealId: appeal.id,
            problemId: appeal.problem_id,
            title: appeal.title,
            answerDueAt: dueAt.toISOString(),
            overdueAt: now.toISOString(),
            url: `${ctx.config.baseUrl}/appeals/${appeal.id}`,
            cabinetUrl: `${ctx.config.baseUrl}/cabinet/${organization.slug}/appeals/${appeal.id}`,
          },
        });
      }
      return due.length;
    });
    marked += count;
    if (count < batchSize) return marked;
  }
}

/** The author, the signers and the followers learn that the body did not answer in time (once each: notify is idempotent). */
export async function notifyOverdue(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  if (!appeal.answer_overdue_at || !appeal.answer_due_at) return;
  const organization = await organizationOf(ctx.db, appeal.organization_id);
  const [recipients, timeZone] = await Promise.all([appealAudience(ctx, appeal), timeZoneOf(ctx.db, organization.territory_id)]);
  await notifyInBatches(
    ctx,
    {
      kind: 'appeal.overdue',
      problemId: appeal.problem_id,
      appealId,
      data: { title: appeal.title, organization: organization.name, answerDueAt: appeal.answer_due_at.toISOString(), timeZone },
    },
    recipients,
  );
}
