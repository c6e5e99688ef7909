/**
 * Amendments on a real database: proposing, discussing, accepting and rejecting; every signature bound to the version
 * it was given for — signers of a replaced version leave the count, the threshold and the letter until they sign the
 * new one (one POST, a new consent) — and the refusal after 1,000 signatures.
 */
import { sql } from 'kysely';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf as actor,
  apiTokenFor,
  createUser,
  defaultAppealText,
  openAppeal,
  reportContent,
  sessionCookieFor,
  sign,
  signInput,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import { decide } from '../moderation/moderation.service.ts';
import * as amendments from './appeals.amendments.ts';
import { foldSignatureCounts, recountSignatures } from './appeals.counts.ts';
import * as dispatch from './appeals.dispatch.ts';
import { notifyWithdrawn } from './appeals.notices.ts';
import { textSha256 } from './appeals.rules.ts';
import { getAppealRow, withdrawAppeal } from './appeals.service.ts';
import * as signing from './appeals.signing.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.stop());

const amendedText =
  'Просим отремонтировать дорогу по улице Октябрьской в пгт Оленино до 1 июня.\n\nЯмы глубиной до 20 см, весной их заливает водой, автобус объезжает участок по встречной полосе.';

async function signersOf(appealId: number) {
  return t.ctx.db.selectFrom('signatures').select(['user_id', 'revision_id', 'text_sha256']).where('appeal_id', '=', appealId).orderBy('user_id').execute();
}

const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('amendments of a collecting appeal', () => {
  it('binds each signature to its version: the old version’s signers leave the count and the letter until they sign the new text', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 3 });
    const [anna, boris, proposer, dina, egor] = await Promise.all(
      ['Аннова', 'Борисов', 'Поправкин', 'Динова', 'Егоров'].map((surname) => verifiedCitizen(t.ctx, { surname, firstName: 'Ия' })),
    );
    const people = { anna: anna as User, boris: boris as User, proposer: proposer as User, dina: dina as User, egor: egor as User };
    await sign(t.ctx, appeal.id, people.anna);
    await sign(t.ctx, appeal.id, people.boris);
    const firstVersion = appeal.frozen_revision_id as number;

    // The same text is no amendment; a reason is required.
    await expect(amendments.proposeAmendment(t.ctx, actor(people.proposer), appeal.id, { text: defaultAppealText, reason: 'x' })).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'text', rule: 'amendmentUnchanged' }],
    });
    await expect(amendments.proposeAmendment(t.ctx, actor(people.proposer), appeal.id, { text: amendedText, reason: ' ' })).rejects.toMatchObject({
      fields: [{ field: 'reason', rule: 'required' }],
    });

    const proposed = await amendments.proposeAmendment(t.ctx, actor(people.proposer), appeal.id, {
      text: amendedText,
      reason: 'Нужен срок, иначе ответят «в плановом порядке».',
    });
    expect(proposed.number).toBe(1);
    const details = await amendments.amendmentDetails(t.ctx, null, appeal.id, 1);
    // Whole Russian words, with the new ones marked as added.
    expect(details.changes.filter((change) => change.kind === 'added').map((change) => change.text.trim())).toEqual(['до 1 июня']);
    expect(details.canDecide).toBe(false);
    expect((await amendments.amendmentDetails(t.ctx, actor(author), appeal.id, 1)).canDecide).toBe(true);

    // Only the author decides, with a reason.
    await expect(amendments.decideAmendment(t.ctx, actor(people.proposer), appeal.id, 1, { accept: true, reason: 'да' })).rejects.toMatchObject({
      code: 'not_author',
    });
    await expect(amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: '' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    const accepted = await amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Согласна, срок нужен.' });
    expect(accepted).toMatchObject({ status: 'accepted', superseded_count: 2 });

    const amended = await getAppealRow(t.ctx, appeal.id);
    expect(amended.frozen_revision_id).not.toBe(firstVersion);
    const version = await t.ctx.db
      .selectFrom('appeal_revisions')
      .selectAll()
      .where('id', '=', amended.frozen_revision_id as number)
      .executeTakeFirstOrThrow();
    expect(version.text).toBe(amendedText);
    expect(amended.text_sha256).toBe(textSha256(amendedText));
    // Nobody is counted for the new text yet; both old signatures are kept as given, under version 1.
    expect(await signersOf(appeal.id)).toEqual([]);
    expect(await signing.freshCount(t.ctx, appeal.id)).toBe(0);
    expect(await amendments.supersededVersions(t.ctx, appeal.id)).toEqual({ superseded: [{ revision: 1, signatures: 2 }] });
    await foldSignatureCounts(t.ctx);
    expect(await recountSignatures(t.ctx)).toEqual([]);
    const events = await t.ctx.db.selectFrom('problem_events').select(['kind', 'data']).where('appeal_id', '=', appeal.id).execute();
    expect(events.find((event) => event.kind === 'appeal.amended')?.data).toMatchObject({ amendment: 1, superseded: 2, sha256: textSha256(amendedText) });

    // The old version's signers are told, once per version.
    await amendments.notifyAmended(t.ctx, appeal.id, version.id);
    await amendments.notifyAmended(t.ctx, appeal.id, version.id);
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select(['user_id', 'kind'])
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.amended')
      .execute();
    expect(told.map((row) => row.user_id).sort()).toEqual([people.anna.id, people.boris.id].sort());
    await amendments.notifyAmendment(t.ctx, accepted.id, 'decided');
    expect(
      await t.ctx.db
        .selectFrom('notifications')
        .select(['user_id', 'kind'])
        .where('appeal_id', '=', appeal.id)
        .where('kind', '=', 'amendment.accepted')
        .execute(),
    ).toEqual([{ user_id: people.proposer.id, kind: 'amendment.accepted' }]);

    // Anna signs the new version (a new consent): her superseded signature goes in the same commit.
    const mine = await t.app.inject({
      method: 'GET',
      url: `/api/v1/appeals/${appeal.id}/signatures/me`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, people.anna)}` },
    });
    expect(mine.json()).toMatchObject({ revision: 1, current: false });
    await signing.sign(t.ctx, actor(people.anna), appeal.id, signInput(people.anna));
    expect(await signing.mySupersededSignature(t.ctx, people.anna.id, appeal.id)).toBeUndefined();
    expect(await signersOf(appeal.id)).toEqual([{ user_id: people.anna.id, revision_id: version.id, text_sha256: textSha256(amendedText) }]);
    await sign(t.ctx, appeal.id, people.dina);
    expect(await signing.freshCount(t.ctx, appeal.id)).toBe(2);
    // Boris has not re-signed: the third signature of the new text reaches the threshold, not his old one.
    expect((await getAppealRow(t.ctx, appeal.id)).threshold_reached_at).toBeNull();
    await sign(t.ctx, appeal.id, people.egor);
    expect((await getAppealRow(t.ctx, appeal.id)).threshold_reached_at).not.toBeNull();

    expect(await dispatch.dispatchAppeal(t.ctx, appeal.id)).toBe('sent');
    const document = await t.ctx.db.selectFrom('appeal_documents').selectAll().where('appeal_id', '=', appeal.id).executeTakeFirstOrThrow();
    expect(document.signatures_count).toBe(3);
    const letter = flat((await extractText(await getDocumentProxy(new Uint8Array(document.pdf)), { mergePages: true })).text);
    for (const person of [people.anna, people.dina, people.egor]) expect(letter).toContain(person.surname);
    expect(letter).not.toContain('Борисов');
    expect(letter).toContain(textSha256(amendedText));
    expect(letter).toContain('до 1 июня');
    // Once the letter is made, the superseded signatures are not kept.
    expect(await amendments.forgetSupersededSignatures(t.ctx)).toBe(1);
    expect(await t.ctx.db.selectFrom('superseded_signatures').select('user_id').where('appeal_id', '=', appeal.id).execute()).toEqual([]);
  });

  it('refuses an amendment made to a replaced version, and accepting one after 1,000 signatures', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 5000 });
    const [first, second] = await Promise.all([verifiedCitizen(t.ctx), verifiedCitizen(t.ctx)]);
    await amendments.proposeAmendment(t.ctx, actor(first as User), appeal.id, { text: amendedText, reason: 'Срок.' });
    await amendments.proposeAmendment(t.ctx, actor(second as User), appeal.id, {
      text: `${amendedText}\n\nПросим ответить письменно.`,
      reason: 'Ответ письменно.',
    });
    await amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' });
    expect((await amendments.amendmentDetails(t.ctx, actor(author), appeal.id, 2)).amendment.outdated).toBe(true);
    await expect(amendments.decideAmendment(t.ctx, actor(author), appeal.id, 2, { accept: true, reason: 'Да.' })).rejects.toMatchObject({
      code: 'amendment_outdated',
    });
    // Rejecting it is still possible, and a decided amendment is not decided twice.
    await amendments.decideAmendment(t.ctx, actor(author), appeal.id, 2, { accept: false, reason: 'Предложите заново к новой редакции.' });
    await expect(amendments.decideAmendment(t.ctx, actor(author), appeal.id, 2, { accept: false, reason: 'Ещё раз.' })).rejects.toMatchObject({
      code: 'amendment_decided',
    });

    // 1,000 signatures of the current version (made in SQL: the limit is what is tested, not signing).
    const version = (await getAppealRow(t.ctx, appeal.id)).frozen_revision_id as number;
    await sql`
      with people as (
        insert into users (email, password_hash, surname, first_name, email_verified_at)
        select 'bulk-' || n || '-' || ${appeal.id} || '@example.test', 'x', 'Массовый', 'Иван', now() from generate_series(1, 1000) as n
        returning id
      )
      insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, consent_transfer)
      select ${appeal.id}, id, ${version}, ${textSha256(amendedText)}, 'Массовый Иван', '172400, пгт Оленино, ул. Мира, д. 3', true from people`.execute(
      t.ctx.db,
    );
    await amendments.proposeAmendment(t.ctx, actor(first as User), appeal.id, { text: `${amendedText}\n\nС уважением.`, reason: 'Вежливость.' });
    await expect(amendments.decideAmendment(t.ctx, actor(author), appeal.id, 3, { accept: true, reason: 'Да.' })).rejects.toMatchObject({
      code: 'amendment_too_late',
      params: { limit: 1000 },
    });
    // Nothing moved.
    expect(await signing.countSignaturesExactly(t.ctx.db, appeal.id)).toBe(1000);
    expect((await getAppealRow(t.ctx, appeal.id)).frozen_revision_id).toBe(version);
  });

  it('leaves no signature of the old version counted when signers sign while the author accepts', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 500 });
    const proposer = await verifiedCitizen(t.ctx);
    await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: amendedText, reason: 'Срок.' });
    const signers = await Promise.all(Array.from({ length: 20 }, () => verifiedCitizen(t.ctx)));
    await Promise.all([
      ...signers.map((signer) => signing.sign(t.ctx, actor(signer), appeal.id, signInput(signer))),
      amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' }),
    ]);
    const current = (await getAppealRow(t.ctx, appeal.id)).frozen_revision_id;
    const rows = await signersOf(appeal.id);
    expect(rows.every((row) => row.revision_id === current)).toBe(true);
    const superseded = await t.ctx.db.selectFrom('superseded_signatures').select('user_id').where('appeal_id', '=', appeal.id).execute();
    // Every signer is exactly once: for the new version, or waiting under the old one.
    expect(rows.length + superseded.length).toBe(20);
    expect(await signing.freshCount(t.ctx, appeal.id)).toBe(rows.length);
  });

  it('keeps a flagged signature flagged, for the same reasons, when its signer signs the new version; and one person cannot fill a discussion', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 50 });
    const [suspect, proposer] = await Promise.all([verifiedCitizen(t.ctx), verifiedCitizen(t.ctx)]);
    // Signed without the automatic check: flagged silently, not counted, waiting for a moderator.
    await signing.sign(t.ctx, actor(suspect), appeal.id, { ...signInput(suspect), proofOfWork: 'missing' });
    await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: amendedText, reason: 'Срок.' });
    await amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' });
    // Signing the new text with the check solved does not wash the flag away.
    await signing.sign(t.ctx, actor(suspect), appeal.id, { ...signInput(suspect), proofOfWork: 'solved' });
    const row = await t.ctx.db.selectFrom('signatures').select(['flagged_at', 'flag_reasons']).where('appeal_id', '=', appeal.id).executeTakeFirstOrThrow();
    expect(row.flagged_at).not.toBeNull();
    expect(row.flag_reasons).toContain('no_proof_of_work');
    expect(await signing.freshCount(t.ctx, appeal.id)).toBe(0);

    // A decided amendment's discussion is closed; a waiting one's has room for many, not for one person alone.
    await expect(amendments.commentOnAmendment(t.ctx, actor(proposer), appeal.id, 1, 'Поздно.')).rejects.toMatchObject({ code: 'amendment_decided' });
    await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: `${amendedText}\n\nПросим ответить письменно.`, reason: 'Письменно.' });
    for (let i = 0; i < amendments.amendmentLimits.commentsPerPerson; i++)
      await amendments.commentOnAmendment(t.ctx, actor(proposer), appeal.id, 2, `Довод № ${i + 1}.`);
    await expect(amendments.commentOnAmendment(t.ctx, actor(proposer), appeal.id, 2, 'Ещё один.')).rejects.toMatchObject({ code: 'amendment_limit' });
    await amendments.commentOnAmendment(t.ctx, actor(suspect), appeal.id, 2, 'А я — впервые.');
  });

  it('tells the signers waiting under a replaced version, too, when the author withdraws the appeal', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 50 });
    const [waiting, proposer] = await Promise.all([verifiedCitizen(t.ctx), verifiedCitizen(t.ctx)]);
    await sign(t.ctx, appeal.id, waiting);
    await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: amendedText, reason: 'Срок.' });
    await amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' });
    await withdrawAppeal(t.ctx, actor(author), appeal.id);
    // The sweep keeps the superseded signature for the withdrawal's notice; a day later it is gone.
    expect(await amendments.forgetSupersededSignatures(t.ctx)).toBe(0);
    await notifyWithdrawn(t.ctx, appeal.id);
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select('user_id')
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.withdrawn')
      .execute();
    expect(told).toEqual([{ user_id: waiting.id }]);
    await t.ctx.db
      .updateTable('appeals')
      .set({ withdrawn_at: new Date(Date.now() - 2 * 86_400_000) })
      .where('id', '=', appeal.id)
      .execute();
    expect(await amendments.forgetSupersededSignatures(t.ctx)).toBe(1);
  });

  it('lets amendments and their comments be reported and hidden by a moderator, the reason shown in their place', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 50 });
    const [proposer, commenter, reader] = await Promise.all([verifiedCitizen(t.ctx), verifiedCitizen(t.ctx), verifiedCitizen(t.ctx)]);
    const moderator = await createUser(t.ctx, { role: 'moderator' });
    const proposed = await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: amendedText, reason: 'Оскорбительная причина.' });
    await amendments.commentOnAmendment(t.ctx, actor(commenter), appeal.id, 1, 'Оскорбительный комментарий.');
    const [comment] = (await amendments.amendmentDetails(t.ctx, null, appeal.id, 1)).comments;
    // The report links are on the page, for the others (not one's own).
    const asReader = browser(t.app, await sessionCookieFor(t.ctx, reader));
    const before = await asReader.get(`/appeals/${appeal.id}/amendments/1`);
    expect(before.body).toContain(`/report/amendment/${proposed.id}`);
    expect(before.body).toContain(`/report/amendment_comment/${comment?.id}`);
    const asProposer = browser(t.app, await sessionCookieFor(t.ctx, proposer));
    expect((await asProposer.get(`/appeals/${appeal.id}/amendments/1`)).body).not.toContain(`/report/amendment/${proposed.id}`);

    const cases = [
      (await reportContent(t.ctx, 'amendment', proposed.id, reader, 'abuse')).caseId,
      (await reportContent(t.ctx, 'amendment_comment', comment?.id ?? 0, reader, 'abuse')).caseId,
    ];
    await decide(t.ctx, actor(moderator), { caseIds: cases, decision: 'hide', reason: 'Оскорбления участников.' });
    const page = await asReader.get(`/appeals/${appeal.id}/amendments/1`);
    expect(page.body).toContain('Поправка скрыта модератором: Оскорбления участников.');
    expect(page.body).toContain('Комментарий скрыт модератором: Оскорбления участников.');
    expect(page.body).not.toContain('Оскорбительная причина');
    expect(page.body).not.toContain('Оскорбительный комментарий');
    expect(page.body).not.toContain('до 1 июня');
    const api = (await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}/amendments/1` })).json();
    expect(api).toMatchObject({
      text: '',
      amendment: { reason: '', hiddenReason: 'Оскорбления участников.' },
      comments: [{ body: '', hiddenReason: 'Оскорбления участников.' }],
    });
    // Its words are not published as the appeal's text.
    await expect(amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' })).rejects.toMatchObject({
      code: 'content_hidden',
    });
    await decide(t.ctx, actor(moderator), { caseIds: cases, decision: 'restore', reason: 'Проверено, всё в порядке.' });
    expect((await asReader.get(`/appeals/${appeal.id}/amendments/1`)).body).toContain('Оскорбительная причина');
  });

  it('changes nothing when accepting fails halfway: the signatures stay counted under the old text', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 50 });
    const [signer, proposer] = await Promise.all([verifiedCitizen(t.ctx), verifiedCitizen(t.ctx)]);
    await sign(t.ctx, appeal.id, signer);
    await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: amendedText, reason: 'Срок.' });
    // The outage comes after the signatures moved and the version was written, at the last step of the transaction.
    const send = vi.spyOn(t.ctx.jobs, 'send').mockImplementationOnce(async () => {
      throw Object.assign(new Error('connection terminated'), { code: '57P01' });
    });
    try {
      await expect(amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' })).rejects.toThrow('connection terminated');
    } finally {
      send.mockRestore();
    }
    const after = await getAppealRow(t.ctx, appeal.id);
    expect(after.frozen_revision_id).toBe(appeal.frozen_revision_id);
    expect(after.text_sha256).toBe(appeal.text_sha256);
    expect(await signersOf(appeal.id)).toEqual([{ user_id: signer.id, revision_id: appeal.frozen_revision_id, text_sha256: appeal.text_sha256 }]);
    expect(await t.ctx.db.selectFrom('superseded_signatures').select('user_id').where('appeal_id', '=', appeal.id).execute()).toEqual([]);
    expect((await amendments.amendmentDetails(t.ctx, null, appeal.id, 1)).amendment.status).toBe('proposed');
    expect(await signing.freshCount(t.ctx, appeal.id)).toBe(1);
    // And once the database is back, the same decision goes through.
    await amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' });
    expect(await signing.freshCount(t.ctx, appeal.id)).toBe(0);
  });

  it('works without JavaScript: propose, discuss, accept, and the old signer’s page asks him to sign the new text', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 50 });
    const [signer, proposer] = await Promise.all([verifiedCitizen(t.ctx, { surname: 'Старов' }), verifiedCitizen(t.ctx, { surname: 'Новиков' })]);
    await sign(t.ctx, appeal.id, signer);
    const asProposer = browser(t.app, await sessionCookieFor(t.ctx, proposer));
    const formPage = await asProposer.get(`/appeals/${appeal.id}/amendments/new`);
    expect(formPage.status).toBe(200);
    expect(formPage.body).toContain('Ямы глубиной');
    const xss = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const empty = await asProposer.post(`/appeals/${appeal.id}/amendments`, { text: amendedText, reason: '' }, csrfFrom(formPage.body));
    expect(empty.status).toBe(422);
    const created = await asProposer.post(`/appeals/${appeal.id}/amendments`, { text: amendedText, reason: `Срок ${xss}` }, csrfFrom(formPage.body));
    expect(created.status).toBe(303);
    expect(created.location).toBe(`/appeals/${appeal.id}/amendments/1`);
    const page = await asProposer.get(`/appeals/${appeal.id}/amendments/1`);
    expect(page.body).toContain('<ins>');
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).toContain('Срок &lt;script>alert(1)');
    const commented = await asProposer.post(`/appeals/${appeal.id}/amendments/1/comments`, { body: `Обсудим ${xss}` }, csrfFrom(page.body));
    expect(commented.status).toBe(303);

    const asAuthor = browser(t.app, await sessionCookieFor(t.ctx, author));
    const authorsView = await asAuthor.get(`/appeals/${appeal.id}/amendments/1`);
    expect(authorsView.body).toContain('name="decision"');
    expect(authorsView.body).toContain('Обсудим');
    // A stranger sees no decision form, and posting one is refused.
    expect(page.body).not.toContain('name="decision"');
    const forged = await asProposer.post(`/appeals/${appeal.id}/amendments/1/decision`, { decision: 'accept', reason: 'Сам себе.' }, csrfFrom(page.body));
    expect(forged.status).toBe(403);
    const decided = await asAuthor.post(`/appeals/${appeal.id}/amendments/1/decision`, { decision: 'accept', reason: 'Принято.' }, csrfFrom(authorsView.body));
    expect(decided.status).toBe(303);
    expect(decided.location).toBe(`/appeals/${appeal.id}`);

    const asSigner = browser(t.app, await sessionCookieFor(t.ctx, signer));
    const appealPage = await asSigner.get(`/appeals/${appeal.id}`);
    expect(appealPage.body).toContain('Текст изменился после вашей подписи');
    expect(appealPage.body).toContain('Подписать новую редакцию');
    // His name and address are filled in; the consent to send them is asked again.
    expect(appealPage.body).toContain('Старов');
    expect(appealPage.body).not.toMatch(/name="consentTransfer"[^>]*checked/);
    expect(appealPage.body).toContain('Под прежней редакцией 1 осталась 1 подпись');
    const resigned = await asSigner.post(
      `/appeals/${appeal.id}/signatures`,
      { fullName: `${signer.surname} ${signer.first_name}`, postalAddress: '172400, пгт Оленино, ул. Мира, д. 3', consentTransfer: 'yes' },
      csrfFrom(appealPage.body),
    );
    expect(resigned.status).toBe(303);
    const after = await asSigner.get(`/appeals/${appeal.id}`);
    expect(after.body).not.toContain('Текст изменился после вашей подписи');
    expect(after.body).toContain('Вы подписали это обращение');
    expect(await signing.freshCount(t.ctx, appeal.id)).toBe(1);
  });

  it('has the same steps in the API, and a superseded signature can be withdrawn', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 50 });
    const [signer, proposer] = await Promise.all([verifiedCitizen(t.ctx), verifiedCitizen(t.ctx)]);
    await sign(t.ctx, appeal.id, signer);
    const as = async (user: User) => ({ authorization: `Bearer ${await apiTokenFor(t.ctx, user)}` });
    const proposed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/amendments`,
      headers: await as(proposer),
      payload: { text: amendedText, reason: 'Срок.' },
    });
    expect(proposed.statusCode).toBe(201);
    expect(proposed.json()).toMatchObject({ number: 1, status: 'proposed', baseRevision: 1, outdated: false });
    const listed = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}/amendments` });
    expect(listed.json().items).toHaveLength(1);
    const commented = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/amendments/1/comments`,
      headers: await as(signer),
      payload: { body: 'Поддерживаю.' },
    });
    expect(commented.statusCode).toBe(204);
    const refused = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/appeals/${appeal.id}/amendments/1/decision`,
      headers: await as(proposer),
      payload: { decision: 'accept', reason: 'Сам.' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('not_author');
    const decided = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/appeals/${appeal.id}/amendments/1/decision`,
      headers: await as(author),
      payload: { decision: 'accept', reason: 'Да.' },
    });
    expect(decided.statusCode).toBe(200);
    expect(decided.json()).toMatchObject({ status: 'accepted', revision: 2, supersededSignatures: 1 });
    const one = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}/amendments/1` });
    expect(one.json()).toMatchObject({ text: amendedText, comments: [{ body: 'Поддерживаю.' }] });
    // What a moderator hid gives way to the reason here too.
    await t.ctx.db.updateTable('appeals').set({ hidden_at: new Date(), hidden_reason: 'Проверка модератором' }).where('id', '=', appeal.id).execute();
    for (const url of [`/api/v1/appeals/${appeal.id}/amendments`, `/api/v1/appeals/${appeal.id}/amendments/1`, `/appeals/${appeal.id}/amendments/1`])
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(410);
    // Nor does its discussion go on behind the moderator's back.
    const hiddenComment = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/amendments/1/comments`,
      headers: await as(signer),
      payload: { body: 'Пока никто не видит.' },
    });
    expect(hiddenComment.statusCode).toBe(410);
    await t.ctx.db.updateTable('appeals').set({ hidden_at: null, hidden_reason: null }).where('id', '=', appeal.id).execute();
    // The export of his own data lists the signature, as given, under the version it was given for.
    const exported = await t.app.inject({ method: 'GET', url: '/api/v1/me/export', headers: await as(signer) });
    expect(exported.json().signatures).toEqual([
      expect.objectContaining({ appealId: appeal.id, current: false, textSha256: appeal.text_sha256, fullName: `${signer.surname} ${signer.first_name}` }),
    ]);
    const withdrawn = await t.app.inject({ method: 'DELETE', url: `/api/v1/appeals/${appeal.id}/signatures/me`, headers: await as(signer) });
    expect(withdrawn.statusCode).toBe(204);
    const mine = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}/signatures/me`, headers: await as(signer) });
    expect(mine.statusCode).toBe(404);
  });
});

describe('signing while the text changes', () => {
  it('does not sign the new version for someone who read the old one: the form carries the text it showed', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 50 });
    const [reader, proposer, apiReader] = await Promise.all([verifiedCitizen(t.ctx, { surname: 'Читалов' }), verifiedCitizen(t.ctx), verifiedCitizen(t.ctx)]);
    const asReader = browser(t.app, await sessionCookieFor(t.ctx, reader));
    // He opens the page while version 1 is the text, and reads it.
    const page = await asReader.get(`/appeals/${appeal.id}`);
    expect(page.body).toContain(`name="textSha256" value="${appeal.text_sha256}"`);
    await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: amendedText, reason: 'Срок.' });
    await amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' });

    // His form is sent after the author accepted: no signature for a text he has not seen; the page shows the new one.
    const stale = await asReader.post(
      `/appeals/${appeal.id}/signatures`,
      {
        fullName: `${reader.surname} ${reader.first_name}`,
        postalAddress: '172400, пгт Оленино, ул. Мира, д. 3',
        consentTransfer: 'yes',
        textSha256: appeal.text_sha256 as string,
      },
      csrfFrom(page.body),
    );
    expect(stale.status).toBe(409);
    expect(stale.body).toContain('Текст обращения изменился');
    expect(stale.body).toContain('до 1 июня');
    expect(stale.body).toContain('Читалов');
    expect(stale.body).not.toMatch(/name="consentTransfer"[^>]*checked/);
    expect(await signersOf(appeal.id)).toEqual([]);

    // The API likewise, when the client says which text it showed; the current one signs.
    const headers = { authorization: `Bearer ${await apiTokenFor(t.ctx, apiReader)}` };
    const payload = { fullName: `${apiReader.surname} ${apiReader.first_name}`, postalAddress: '172400, пгт Оленино, ул. Мира, д. 3', consentTransfer: true };
    const refused = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/signatures`,
      headers,
      payload: { ...payload, textSha256: appeal.text_sha256 },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('text_changed');
    expect(await signersOf(appeal.id)).toEqual([]);
    const signed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/signatures`,
      headers,
      payload: { ...payload, textSha256: textSha256(amendedText) },
    });
    expect(signed.statusCode).toBe(201);
    expect(await signersOf(appeal.id)).toEqual([{ user_id: apiReader.id, revision_id: expect.any(Number), text_sha256: textSha256(amendedText) }]);

    // The fresh page's form signs the text it shows.
    const fresh = await asReader.get(`/appeals/${appeal.id}`);
    const resigned = await asReader.post(
      `/appeals/${appeal.id}/signatures`,
      {
        fullName: `${reader.surname} ${reader.first_name}`,
        postalAddress: '172400, пгт Оленино, ул. Мира, д. 3',
        consentTransfer: 'yes',
        textSha256: textSha256(amendedText),
      },
      csrfFrom(fresh.body),
    );
    expect(resigned.status).toBe(303);
    expect(await signing.freshCount(t.ctx, appeal.id)).toBe(2);
  });

  it('refuses to accept an amendment once the signatures reach the threshold, recorded or not yet', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 2 });
    const proposer = await verifiedCitizen(t.ctx);
    await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: amendedText, reason: 'Срок.' });
    // Two signatures committed, the threshold check that follows them not run yet (a node between the two).
    await sql`
      with people as (
        insert into users (email, password_hash, surname, first_name, email_verified_at)
        select 'gap-' || n || '-' || ${appeal.id} || '@example.test', 'x', 'Промежуткин', 'Иван', now() from generate_series(1, 2) as n
        returning id
      )
      insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, consent_transfer)
      select ${appeal.id}, id, ${appeal.frozen_revision_id}, ${appeal.text_sha256}, 'Промежуткин Иван', '172400, пгт Оленино, ул. Мира, д. 3', true from people`.execute(
      t.ctx.db,
    );
    expect((await getAppealRow(t.ctx, appeal.id)).threshold_reached_at).toBeNull();
    await expect(amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' })).rejects.toMatchObject({
      code: 'amendment_threshold_reached',
    });
    // His page says why, and offers no button that would only be refused; rejecting stays possible.
    const page = await browser(t.app, await sessionCookieFor(t.ctx, author)).get(`/appeals/${appeal.id}/amendments/1`);
    expect(page.body).toContain('обращение уйдёт адресату с тем текстом, который подписали');
    expect(page.body).not.toContain('value="accept"');
    expect(page.body).toContain('value="reject"');
    expect(await signing.countSignaturesExactly(t.ctx.db, appeal.id)).toBe(2);
    expect((await getAppealRow(t.ctx, appeal.id)).frozen_revision_id).toBe(appeal.frozen_revision_id);
  });
});

describe('the threshold check racing an accepted amendment', () => {
  it('records no threshold for signatures that left the count while it was checking (on PostgreSQL: two connections)', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 2 });
    await sql`
      with people as (
        insert into users (email, password_hash, surname, first_name, email_verified_at)
        select 'race-' || n || '-' || ${appeal.id} || '@example.test', 'x', 'Гонкин', 'Иван', now() from generate_series(1, 2) as n
        returning id
      )
      insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, consent_transfer)
      select ${appeal.id}, id, ${appeal.frozen_revision_id}, ${appeal.text_sha256}, 'Гонкин Иван', '172400, пгт Оленино, ул. Мира, д. 3', true from people`.execute(
      t.ctx.db,
    );
    // What accepting does, held open: the appeal locked, its signatures moved out; the check counts them meanwhile.
    let check: Promise<number> | undefined;
    await t.ctx.db.transaction().execute(async (trx) => {
      await trx.selectFrom('appeals').select('id').where('id', '=', appeal.id).forUpdate().execute();
      await trx.deleteFrom('signatures').where('appeal_id', '=', appeal.id).execute();
      check = signing.checkThreshold(t.ctx, appeal.id);
      await new Promise((resolve) => setTimeout(resolve, 400));
    });
    await check;
    expect((await getAppealRow(t.ctx, appeal.id)).threshold_reached_at).toBeNull();
    const events = await t.ctx.db.selectFrom('problem_events').select('kind').where('appeal_id', '=', appeal.id).execute();
    expect(events.map((event) => event.kind)).not.toContain('appeal.threshold_reached');
  });
});

describe('a signer who signs again while the author accepts', () => {
  it('keeps one signature of his: the new one, and withdrawing it leaves nothing behind', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 50 });
    const [signer, proposer] = await Promise.all([verifiedCitizen(t.ctx), verifiedCitizen(t.ctx)]);
    await sign(t.ctx, appeal.id, signer);
    await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: amendedText, reason: 'Срок.' });
    // His second submit (a client that names no text) starts while the accept holds the appeal, before it commits.
    let again: Promise<unknown> | undefined;
    const send = t.ctx.jobs.send.bind(t.ctx.jobs);
    const spy = vi.spyOn(t.ctx.jobs, 'send').mockImplementationOnce(async (...args: Parameters<typeof send>) => {
      again = signing.sign(t.ctx, actor(signer), appeal.id, signInput(signer)).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 400));
      return send(...args);
    });
    try {
      await amendments.decideAmendment(t.ctx, actor(author), appeal.id, 1, { accept: true, reason: 'Да.' });
    } finally {
      spy.mockRestore();
    }
    await again;
    const current = await signing.mySignature(t.ctx, signer.id, appeal.id);
    const superseded = await signing.mySupersededSignature(t.ctx, signer.id, appeal.id);
    // Either his submit came after the accept (a signature of the new text) or it was "already signed" (the old one kept).
    expect([current === undefined, superseded === undefined].filter(Boolean)).toHaveLength(1);
    expect(await amendments.supersededVersions(t.ctx, appeal.id)).toEqual({ superseded: superseded ? [{ revision: 1, signatures: 1 }] : [] });
    await signing.withdrawSignature(t.ctx, actor(signer), appeal.id);
    expect(await signing.mySignature(t.ctx, signer.id, appeal.id)).toBeUndefined();
    expect(await signing.mySupersededSignature(t.ctx, signer.id, appeal.id)).toBeUndefined();
  });
});

describe('API tokens and amendments', () => {
  it('lets a token propose, comment and decide only with the write scope; read and sign tokens get 403', async () => {
    const { appeal, author } = await openAppeal(t.ctx, { threshold: 50 });
    const proposer = await verifiedCitizen(t.ctx);
    for (const scopes of [['read'], ['sign'], ['read', 'sign']] as const) {
      const headers = { authorization: `Bearer ${await apiTokenFor(t.ctx, proposer, `t-${scopes.join('-')}`, scopes)}` };
      const proposed = await t.app.inject({
        method: 'POST',
        url: `/api/v1/appeals/${appeal.id}/amendments`,
        headers,
        payload: { text: amendedText, reason: 'Срок.' },
      });
      expect(proposed.statusCode).toBe(403);
      expect(proposed.json().error.code).toBe('token_scope_missing');
    }
    await amendments.proposeAmendment(t.ctx, actor(proposer), appeal.id, { text: amendedText, reason: 'Срок.' });
    const readOnly = { authorization: `Bearer ${await apiTokenFor(t.ctx, author, 'ro', ['read', 'sign'])}` };
    const comment = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/amendments/1/comments`,
      headers: readOnly,
      payload: { body: 'Да.' },
    });
    expect(comment.statusCode).toBe(403);
    const decision = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/appeals/${appeal.id}/amendments/1/decision`,
      headers: readOnly,
      payload: { decision: 'accept', reason: 'Да.' },
    });
    expect(decision.statusCode).toBe(403);
    expect((await getAppealRow(t.ctx, appeal.id)).frozen_revision_id).toBe(appeal.frozen_revision_id);
  });
});
