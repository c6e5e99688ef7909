/**
 * Fault: the job that sets a published cabinet answer on the letterhead loses its database connection after the PDF
 * is rendered, while it waits to keep it (the attachments table held by a lock of the test's own, the waiting session
 * then terminated, as a failover would). Nothing is kept and the answer stays published; the job's retry keeps one
 * copy, and a run after that keeps none more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { createPostgresDatabase, faultPostgresUrl, holdTable, reachablePostgres, type TestDatabase } from '../../../test/support/database.ts';
import { actorOf, openAppeal, sign } from '../../../test/support/factories.ts';
import { publishLetterAnswer } from '../answers/answers.upload.ts';
import { lockedAppeal } from '../appeals/appeals.cabinet.ts';
import { getAppealRow, recordSelfSent } from '../appeals/appeals.service.ts';
import { setAnswerPdf } from './cabinet.answer-pdf.ts';

const server = await reachablePostgres();
const skipped = server ? '' : ` — SKIPPED: no PostgreSQL answers at ${new URL(faultPostgresUrl).host}`;
if (!server) console.warn(`letterhead copy fault test${skipped}`);

let database: TestDatabase & { url: string; name: string };
let t: TestApp;

beforeAll(async () => {
  if (!server) return;
  database = await createPostgresDatabase(server);
  // No job worker: the test runs the job's step itself.
  t = await createTestApp(
    { LOG_LEVEL: 'silent', ROLE: 'web' },
    { testDatabase: { ...database, target: { kind: 'postgres', url: database.url, poolSize: 10 } } },
  );
});
afterAll(async () => {
  await t?.stop();
});

describe.skipIf(!server)('the letterhead copy of a cabinet answer whose connection is killed', () => {
  it('keeps nothing, leaves the answer published, and the retry keeps exactly one copy', async () => {
    const fixture = await openAppeal(t.ctx, { threshold: 50, acknowledgeWarnings: true });
    await sign(t.ctx, fixture.appeal.id);
    await recordSelfSent(t.ctx, actorOf(fixture.author), fixture.appeal.id, { sentOn: new Date(Date.now() - 86_400_000), registrationNumber: '' });
    const letter = await t.ctx.db.transaction().execute(async (trx) =>
      publishLetterAnswer(t.ctx, trx, {
        appeal: await lockedAppeal(trx, fixture.appeal.id),
        source: 'cabinet',
        text: 'Ремонт *включён* в план на май.',
        outgoingNumber: '07-15/2',
        outgoingDate: null,
        scans: [],
        actorId: fixture.author.id,
      }),
    );
    const copies = () => t.ctx.db.selectFrom('letter_attachments').select(['kind', 'position']).where('letter_id', '=', letter.id).execute();

    const held = await holdTable(database, 'letter_attachments');
    const run = setAnswerPdf(t.ctx, letter.id, fixture.appeal.organization_id).then(
      () => 'finished',
      () => 'failed',
    );
    expect(await held.killWaiting()).toBe(1);
    expect(await run).toBe('failed');
    await held.release();
    expect(await copies()).toEqual([]);
    expect((await getAppealRow(t.ctx, fixture.appeal.id)).status).toBe('review');

    // The pool replaced the killed connection: the retry keeps the copy, once.
    expect(await setAnswerPdf(t.ctx, letter.id, fixture.appeal.organization_id)).toBe(true);
    expect(await setAnswerPdf(t.ctx, letter.id, fixture.appeal.organization_id)).toBe(false);
    expect(await copies()).toEqual([{ kind: 'letterhead', position: 0 }]);
  });
});
