/**
 * Signatures that cannot be faked, on a real database (issue 14's tests): a scripted burst from one address is
 * flagged silently and dispatches nothing until a moderator clears it, then dispatches once; bulk invalidation
 * changes the count, is on the timeline and in the audit log, and tells the signers; a moderator never moderates
 * an appeal he wrote or signed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, apiTokenFor, createMunicipality, createUser, openAppeal, sessionCookieFor, signInput, surnameFor } from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { clientAddressHash } from '../../core/security/client-address.ts';
import { registrationBurst } from '../accounts/accounts.rules.ts';
import { countsCaughtUp, foldSignatureCounts, recountSignatures } from './appeals.counts.ts';
import { addressBurstSignatures } from './appeals.flags.rules.ts';
import * as appeals from './appeals.service.ts';
import * as moderation from './appeals.signature-moderation.ts';
import * as signing from './appeals.signing.ts';

let t: TestApp;
let municipalityId: number;
let moderator: User;

beforeAll(async () => {
  // No job worker: the test runs the fold and looks at the queued jobs itself.
  t = await createTestApp({ ROLE: 'web' });
  municipalityId = await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
  moderator = await createUser(t.ctx, { surname: 'Модераторова', firstName: 'Мира', role: 'moderator' });
});
afterAll(() => t?.stop());

const scriptAddress = '203.0.113.77';

async function people(n: number, stem: string, email?: (i: number) => string): Promise<User[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => createUser(t.ctx, { surname: surnameFor(i, stem), firstName: 'Олег', ...(email ? { email: email(i) } : {}) })),
  );
}

async function signFrom(appealId: number, users: readonly User[], clientAddress: string | null): Promise<void> {
  for (const user of users) await signing.sign(t.ctx, actorOf(user), appealId, { ...signInput(user), clientAddress });
}

async function foldAll(): Promise<void> {
  for (let i = 0; i < 50 && !(await countsCaughtUp(t.ctx)); i++) await foldSignatureCounts(t.ctx);
}

const dispatchJobs = (appealId: number) => t.jobs.boss.findJobs('appeals.dispatch', { data: { appealId } } as never);

describe('a burst of signatures from one address', () => {
  it('is flagged silently, does not dispatch until a moderator clears it, then dispatches exactly once', async () => {
    const threshold = addressBurstSignatures + 3;
    const { appeal } = await openAppeal(t.ctx, { threshold });
    const scripted = await people(threshold, 'Скриптов');
    // The signers see the ordinary success: each sign call answers with a signature.
    await signFrom(appeal.id, scripted, scriptAddress);
    const rows = await t.ctx.db
      .selectFrom('signatures')
      .select(['flagged_at', 'flag_reasons', 'client_hash'])
      .where('appeal_id', '=', appeal.id)
      .orderBy('id')
      .execute();
    expect(rows.map((row) => row.flagged_at !== null)).toEqual(Array.from({ length: threshold }, (_, i) => i >= addressBurstSignatures));
    expect(rows.at(-1)?.flag_reasons).toEqual(['address_burst']);
    // The address itself is stored nowhere: only its keyed hash, the same for every signature from it.
    expect(new Set(rows.map((row) => row.client_hash)).size).toBe(1);
    expect(JSON.stringify(rows)).not.toContain('203.0.113');

    await foldAll();
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(addressBurstSignatures);
    await signing.checkThreshold(t.ctx, appeal.id);
    expect((await appeals.getAppealRow(t.ctx, appeal.id)).threshold_reached_at).toBeNull();
    expect(await dispatchJobs(appeal.id)).toHaveLength(0);

    // The moderator sees them grouped, and clears them.
    const review = await moderation.appealSignatureReview(t.ctx, actorOf(moderator), appeal.id);
    expect(review.flagged).toBe(threshold - addressBurstSignatures);
    expect(review.byReason).toEqual([{ reason: 'address_burst', ids: review.signatures.filter((s) => s.flagged).map((s) => s.id) }]);
    expect(review.byAddress).toHaveLength(1);
    expect(review.byAddress[0]?.ids).toHaveLength(threshold);
    expect(review.signatures[0]).not.toHaveProperty('postalAddress');
    const flaggedIds = review.signatures.filter((s) => s.flagged).map((s) => s.id);
    const cleared = await moderation.clearSignatures(t.ctx, actorOf(moderator), appeal.id, flaggedIds);
    expect(cleared).toEqual({ cleared: flaggedIds.length, count: threshold });
    expect((await appeals.getAppealRow(t.ctx, appeal.id)).threshold_reached_at).toBeInstanceOf(Date);
    expect(await dispatchJobs(appeal.id)).toHaveLength(1);
    // Clearing again, another check, the fold's own threshold check: still one dispatch, one threshold event.
    await moderation.clearSignatures(t.ctx, actorOf(moderator), appeal.id, flaggedIds);
    await foldAll();
    await signing.checkThreshold(t.ctx, appeal.id);
    expect(await dispatchJobs(appeal.id)).toHaveLength(1);
    const events = await t.ctx.db
      .selectFrom('problem_events')
      .select('kind')
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.threshold_reached')
      .execute();
    expect(events).toHaveLength(1);
    // The kept counts agree with counting every row.
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(threshold);
    expect(await recountSignatures(t.ctx)).toEqual([]);
    const entry = await t.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'signatures.clear')
      .where('subject_id', '=', String(appeal.id))
      .orderBy('id')
      .executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(moderator.id);
    expect((entry.details as { signatureIds: number[] }).signatureIds).toEqual(flaggedIds);
  });

  it('flags a disposable mailbox and a company domain burst, not the public services', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 500 });
    const [throwaway] = await people(1, 'Одноразов', () => `someone${Date.now()}@mailinator.com`);
    const company = await people(12, 'Заводов', (i) => `worker${i}-${Date.now()}@zavod-metiz.ru`);
    await signFrom(appeal.id, [throwaway as User, ...company], null);
    const rows = await t.ctx.db.selectFrom('signatures').select(['user_id', 'flag_reasons']).where('appeal_id', '=', appeal.id).orderBy('id').execute();
    expect(rows[0]?.flag_reasons).toEqual(['disposable_domain']);
    // The tenth signature and on from one company domain (all of the appeal's recent ones) are a burst.
    expect(rows.slice(1).map((row) => row.flag_reasons.includes('domain_burst'))).toEqual(Array.from({ length: 12 }, (_, i) => i >= 9));
  });
});

describe('many accounts from one address', () => {
  it('flags the signatures of every account of a registration burst, the first ones too', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 50 });
    const burst = await people(registrationBurst.accounts, 'Регистров');
    const loner = (await people(1, 'Одинцов'))[0] as User;
    const hash = clientAddressHash(t.ctx.config.secret, '198.51.100.150');
    // As registration stores it (accounts.int.test.ts checks that): the same keyed hash, within minutes.
    await t.ctx.db
      .updateTable('users')
      .set({ registration_address_hash: hash })
      .where(
        'id',
        'in',
        burst.map((user) => user.id),
      )
      .execute();
    await t.ctx.db
      .updateTable('users')
      .set({ registration_address_hash: clientAddressHash(t.ctx.config.secret, '198.51.100.151') })
      .where('id', '=', loner.id)
      .execute();
    await signFrom(appeal.id, [...burst, loner], null);
    const rows = await t.ctx.db.selectFrom('signatures').select(['user_id', 'flag_reasons']).where('appeal_id', '=', appeal.id).orderBy('user_id').execute();
    expect(rows.map((row) => row.flag_reasons)).toEqual([...burst.map(() => ['registration_burst']), []]);
  });
});

describe('bulk invalidation', () => {
  it('previews, then removes the signatures from the count, puts one event on the timeline, writes the audit log and tells each signer', async () => {
    const { appeal, problem } = await openAppeal(t.ctx, { threshold: 50 });
    const scripted = await people(addressBurstSignatures + 2, 'Накрутов');
    const honest = await people(2, 'Честнов');
    await signFrom(appeal.id, scripted, '198.51.100.200');
    await signFrom(appeal.id, honest, null);
    await foldAll();
    const before = await signing.countSignatures(t.ctx.db, appeal.id);
    expect(before).toBe(addressBurstSignatures + 2);

    // The whole address group: the counted first five and the flagged rest.
    const review = await moderation.appealSignatureReview(t.ctx, actorOf(moderator), appeal.id);
    const group = review.byAddress[0]?.ids ?? [];
    expect(group).toHaveLength(scripted.length);
    const preview = await moderation.previewInvalidation(t.ctx, actorOf(moderator), appeal.id, group);
    expect(preview).toMatchObject({ countBefore: before, countAfter: 2, counted: addressBurstSignatures, flagged: 2, signers: scripted.length });
    // The preview changed nothing.
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(before);

    const done = await moderation.invalidateSignatures(t.ctx, actorOf(moderator), appeal.id, group, 'Подписи с одного адреса за несколько минут');
    expect(done).toEqual({ invalidated: scripted.length, countBefore: before, count: 2 });
    await foldAll();
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(2);
    expect(await recountSignatures(t.ctx)).toEqual([]);

    const events = await t.ctx.db
      .selectFrom('problem_events')
      .select(['kind', 'data', 'actor_id'])
      .where('problem_id', '=', problem.id)
      .where('kind', '=', 'appeal.signatures_invalidated')
      .execute();
    expect(events).toEqual([{ kind: 'appeal.signatures_invalidated', data: { count: scripted.length }, actor_id: null }]);
    const page = await t.app.inject({ method: 'GET', url: `/problems/${problem.id}` });
    expect(page.body).toContain(`${scripted.length} подписей признаны недействительными`);
    expect(page.body).not.toContain('Накрутов');

    const entry = await t.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'signatures.invalidate')
      .where('subject_id', '=', String(appeal.id))
      .executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(moderator.id);
    expect(entry.details).toMatchObject({ signatureIds: group, counted: addressBurstSignatures, reason: 'Подписи с одного адреса за несколько минут' });

    const told = await t.ctx.db
      .selectFrom('notifications')
      .select('user_id')
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'signature.invalidated')
      .orderBy('user_id')
      .execute();
    expect(told.map((row) => row.user_id)).toEqual(scripted.map((user) => user.id).sort((a, b) => a - b));
    const mail = await t.ctx.db
      .selectFrom('mail_messages')
      .select(['subject', 'text_body'])
      .where('to_address', '=', scripted[0]?.email ?? '')
      .where('subject', 'like', '%недействительной%')
      .execute();
    expect(mail).toHaveLength(1);
    expect(mail[0]?.text_body).toContain('Причина: Подписи с одного адреса за несколько минут');

    // Signing again is possible, and flagged for a moderator.
    await signFrom(appeal.id, [scripted[0] as User], null);
    const again = await t.ctx.db
      .selectFrom('signatures')
      .select('flag_reasons')
      .where('appeal_id', '=', appeal.id)
      .where('user_id', '=', scripted[0]?.id ?? 0)
      .executeTakeFirstOrThrow();
    expect(again.flag_reasons).toEqual(['invalidated_before']);
  });

  it('asks for a selection and a reason, and refuses once the dispatch has fixed the list', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 2 });
    const signers = await people(2, 'Отправлин');
    await signFrom(appeal.id, signers, null);
    const ids = (await t.ctx.db.selectFrom('signatures').select('id').where('appeal_id', '=', appeal.id).execute()).map((row) => Number(row.id));
    await expect(moderation.invalidateSignatures(t.ctx, actorOf(moderator), appeal.id, [], '')).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await t.ctx.db.updateTable('appeals').set({ dispatch_started_at: new Date() }).where('id', '=', appeal.id).execute();
    await expect(moderation.invalidateSignatures(t.ctx, actorOf(moderator), appeal.id, ids, 'причина')).rejects.toMatchObject({ code: 'signing_closed' });
    await expect(moderation.clearSignatures(t.ctx, actorOf(moderator), appeal.id, ids)).rejects.toMatchObject({ code: 'signing_closed' });
  });
});

describe('who moderates', () => {
  it('refuses the appeal’s author and its signers even as moderators, and citizens', async () => {
    const authorModerator = await createUser(t.ctx, { surname: 'Авторова', firstName: 'Мила', role: 'moderator' });
    const signerModerator = await createUser(t.ctx, { surname: 'Подписантова', firstName: 'Мила', role: 'moderator' });
    const citizen = await createUser(t.ctx, { surname: 'Гражданова', firstName: 'Галина' });
    const { appeal } = await openAppeal(t.ctx, { author: authorModerator, threshold: 50 });
    await signFrom(appeal.id, [signerModerator], null);
    const refusal = (work: Promise<unknown>) =>
      work.then(
        () => 'allowed',
        (error: unknown) => (error instanceof DomainError ? error.code : 'crash'),
      );
    expect(await refusal(moderation.appealSignatureReview(t.ctx, actorOf(authorModerator), appeal.id))).toBe('moderator_involved');
    expect(await refusal(moderation.clearSignatures(t.ctx, actorOf(signerModerator), appeal.id, [1]))).toBe('moderator_involved');
    expect(await refusal(moderation.appealSignatureReview(t.ctx, actorOf(citizen), appeal.id))).toBe('forbidden');
    expect(await refusal(moderation.flaggedAppeals(t.ctx, null))).toBe('unauthenticated');
    expect(await refusal(moderation.appealSignatureReview(t.ctx, actorOf(moderator), appeal.id))).toBe('allowed');
    void municipalityId;
  });
});

describe('the moderators’ pages, without JavaScript', () => {
  it('list the appeal, group its signatures, preview and confirm the invalidation of a whole address group, and say what is missing', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 50 });
    const scripted = await people(addressBurstSignatures + 2, 'Страничнов');
    await signFrom(appeal.id, scripted, '192.0.2.44');
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, moderator));

    const list = await visitor.get('/moderation/signatures');
    expect(list.status).toBe(200);
    expect(list.body).toContain(`href="/moderation/signatures/${appeal.id}"`);
    expect(list.body).toContain('много подписей с одного адреса: 2');
    const page = await visitor.get(`/moderation/signatures/${appeal.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('2 подписи на проверке');
    expect(page.body).not.toContain('192.0.2');
    expect(page.body).not.toContain('172400');

    // Nothing ticked: the same page, 422, the error summary.
    const nothing = await visitor.post(`/moderation/signatures/${appeal.id}/clear`, {}, csrfFrom(page.body));
    expect(nothing.status).toBe(422);
    expect(nothing.body).toContain('Отметьте хотя бы одну подпись.');

    // The whole address group to the preview: the count before and after, who is told; nothing changed yet.
    const group = /name="group" value="(address:[^"]+)"/.exec(page.body)?.[1] ?? '';
    const preview = await visitor.post(`/moderation/signatures/${appeal.id}/invalidation`, { group }, csrfFrom(page.body));
    expect(preview.status).toBe(200);
    expect(preview.body).toContain(`Будут удалены ${scripted.length} подписей: учтённых в подсчёте — ${addressBurstSignatures}, на проверке — 2.`);
    expect(preview.body).toContain(`Подсчёт: было ${addressBurstSignatures}, станет 0 (нужно 50).`);
    expect(preview.body).toContain(`Уведомление получат ${scripted.length} человек.`);
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(addressBurstSignatures);
    const ids = [...preview.body.matchAll(/name="signatureId" value="(\d+)"/g)].map((m) => m[1] as string);
    expect(ids).toHaveLength(scripted.length);
    const noReason = await visitor.post(`/moderation/signatures/${appeal.id}/invalidate`, { signatureId: ids, reason: ' ' }, csrfFrom(preview.body));
    expect(noReason.status).toBe(422);
    expect(noReason.body).toContain('Заполните это поле.');
    const done = await visitor.post(`/moderation/signatures/${appeal.id}/invalidate`, { signatureId: ids, reason: 'Скрипт' }, csrfFrom(preview.body));
    expect(done.status).toBe(303);
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(0);

    // The API twin answers the same for the list, and refuses a citizen.
    const token = await apiTokenFor(t.ctx, moderator);
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/moderation/signatures', headers: { authorization: `Bearer ${token}` } });
    expect(api.statusCode).toBe(200);
    const citizen = await createUser(t.ctx, { surname: 'Гражданинова', firstName: 'Гея' });
    const refused = await t.app.inject({
      method: 'GET',
      url: '/api/v1/moderation/signatures',
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, citizen)}` },
    });
    expect(refused.statusCode).toBe(403);
  });
});
