/** Appeals on a real database: drafting, freezing, signing, the threshold, the dispatch — exactly once. */
import { sql } from 'kysely';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf as actor,
  apiTokenFor,
  defaultAppealText as appealText,
  createMunicipality,
  createOrganization,
  createProblem,
  createUser,
  createAppeal as draft,
  sessionCookieFor,
  signInput,
  surnameFor,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import type { Actor } from '../../core/policy.ts';
import { updateProfile } from '../accounts/accounts.service.ts';
import { deadlines } from './appeals.deadlines.ts';
import * as dispatch from './appeals.dispatch.ts';
import * as notices from './appeals.notices.ts';
import * as appealQueries from './appeals.queries.ts';
import { textSha256 } from './appeals.rules.ts';
import * as appeals from './appeals.service.ts';
import * as signing from './appeals.signing.ts';

let t: TestApp;
let municipalityId: number;

/** Text as a reader sees it: line breaks and runs of spaces are one space. */
const flat = (text: string) => text.replace(/\s+/g, ' ');
const pdfText = async (pdf: Buffer | Uint8Array) => flat((await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true })).text);

beforeAll(async () => {
  t = await createTestApp();
  municipalityId = await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
});
afterAll(() => t?.stop());

/** A draft by «Авторова Алла» about a road in Оленино, to a new Оленино administration with this threshold. */
async function draftAppeal(threshold: number, options: { text?: string; email?: string | null } = {}) {
  const author = await createUser(t.ctx, { surname: 'Авторова', firstName: 'Алла' });
  const problem = await createProblem(t.ctx, {
    author,
    title: 'Разбитая дорога на Октябрьской',
    description: 'Ямы на всей улице, автобус ездит по встречной.',
    territoryId: municipalityId,
    address: 'пгт Оленино, ул. Октябрьская',
  });
  const organization = await createOrganization(t.ctx, {
    name: `Администрация Оленинского округа ${Math.random().toString(36).slice(2, 8)}`,
    territoryId: municipalityId,
    appealEmail: options.email === undefined ? 'olenino@example.test' : options.email,
    postalAddress: '172400, пгт Оленино, ул. Октябрьская, д. 7',
    appealThreshold: threshold,
  });
  const drafted = await draft(t.ctx, { author, problem, organization, ...(options.text ? { text: options.text } : {}) });
  return { ...drafted, org: drafted.organization };
}

async function openAppeal(threshold: number, options: { email?: string | null } = {}) {
  const drafted = await draftAppeal(threshold, options);
  await appeals.openForSignatures(t.ctx, actor(drafted.author), drafted.appeal.id, { acknowledgeWarnings: false });
  return drafted;
}

describe('drafting and freezing', () => {
  it('keeps every revision, merges a save from an older one, refuses a conflicting one, and freezes the text with its hash on opening', async () => {
    const { author, appeal } = await draftAppeal(50);
    await appeals.reviseAppeal(t.ctx, actor(author), appeal.id, {
      title: appeal.title,
      text: `${appealText}\n\nПросим ответить письменно.`,
      organizationId: null,
      baseRevision: 1,
    });
    // Written from revision 1, it changes another paragraph than revision 2 did: both changes stay.
    const merged = await appeals.reviseAppeal(t.ctx, actor(author), appeal.id, {
      title: appeal.title,
      text: `${appealText}\n\nПросим принять меры.`,
      organizationId: null,
      baseRevision: 1,
    });
    expect(merged).toMatchObject({ kind: 'conflict', latest: { number: 2 } });
    const added = await appeals.reviseAppeal(t.ctx, actor(author), appeal.id, {
      title: appeal.title,
      text: `Уважаемые коллеги!\n\n${appealText}`,
      organizationId: null,
      baseRevision: 1,
    });
    expect(added).toMatchObject({ kind: 'saved', merged: true, revision: { number: 3 } });
    const opened = await appeals.openForSignatures(t.ctx, actor(author), appeal.id, { acknowledgeWarnings: false });
    const revision = await appeals.latestRevision(t.ctx.db, appeal.id);
    expect(revision.number).toBe(3);
    expect(revision.text).toContain('Уважаемые коллеги!');
    expect(revision.text).toContain('Просим ответить письменно.');
    expect(opened).toMatchObject({ status: 'collecting', frozen_revision_id: revision.id, text_sha256: textSha256(revision.text) });
    await expect(
      appeals.reviseAppeal(t.ctx, actor(author), appeal.id, { title: 'Другая тема обращения', text: appealText, organizationId: null, baseRevision: 3 }),
    ).rejects.toMatchObject({
      code: 'appeal_frozen',
    });
  });

  it('warns about obscene language and threats before opening, and opens only when the author confirms', async () => {
    const { author, appeal } = await draftAppeal(50, { text: `${appealText}\n\nЕсли не сделаете, я вас убью.` });
    const refused = await appeals.openForSignatures(t.ctx, actor(author), appeal.id, { acknowledgeWarnings: false }).catch((e) => e);
    expect(refused.code).toBe('language_warning');
    expect(refused.fields[0]).toMatchObject({ field: 'text', rule: 'threatLanguage' });
    expect((await appeals.getAppealRow(t.ctx, appeal.id)).status).toBe('draft');
    await appeals.openForSignatures(t.ctx, actor(author), appeal.id, { acknowledgeWarnings: true });
    expect((await appeals.getAppealRow(t.ctx, appeal.id)).status).toBe('collecting');
  });

  it('keeps a draft’s events off the public timeline, page and API, showing them to its author only', async () => {
    const { author, problem, org } = await draftAppeal(5);
    const kindsFor = async (headers: Record<string, string>) => {
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/problems/${problem.id}/events`, headers });
      expect(response.statusCode).toBe(200);
      return (response.json().items as { kind: string }[]).map((e) => e.kind);
    };
    expect(await kindsFor({})).not.toContain('appeal.drafted');
    const stranger = await createUser(t.ctx);
    expect(await kindsFor({ authorization: `Bearer ${await apiTokenFor(t.ctx, stranger)}` })).not.toContain('appeal.drafted');
    expect(await kindsFor({ authorization: `Bearer ${await apiTokenFor(t.ctx, author)}` })).toContain('appeal.drafted');
    const page = await t.app.inject({ method: 'GET', url: `/problems/${problem.id}` });
    expect(page.body).not.toContain('timeline-appeal-drafted');
    expect(page.body).not.toContain(org.name);
  });

  it('lets only the problem’s author draft, and only the appeal’s author manage', async () => {
    const { appeal, problem, org } = await draftAppeal(50);
    const stranger = await createUser(t.ctx);
    await expect(
      appeals.createAppeal(t.ctx, actor(stranger), problem.id, { organizationId: org.id, title: 'Чужое обращение', text: appealText }),
    ).rejects.toMatchObject({ code: 'not_author' });
    // The draft is not the stranger's to see: it answers as for no appeal.
    await expect(appeals.openForSignatures(t.ctx, actor(stranger), appeal.id, { acknowledgeWarnings: false })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('signing', () => {
  it('needs a verified e-mail, a full name, an address and consent; one signature per person; none on a draft', async () => {
    const { appeal, author } = await draftAppeal(50);
    const citizen = await createUser(t.ctx, { surname: 'Подписантова', firstName: 'Полина' });
    await expect(signing.sign(t.ctx, actor(citizen), appeal.id, signInput(citizen))).rejects.toMatchObject({ code: 'signing_closed' });
    await appeals.openForSignatures(t.ctx, actor(author), appeal.id, { acknowledgeWarnings: false });

    const unverified = await createUser(t.ctx, { verified: false });
    await expect(signing.sign(t.ctx, actor(unverified), appeal.id, signInput(unverified))).rejects.toMatchObject({ code: 'email_not_verified' });
    const bad = await signing
      .sign(t.ctx, actor(citizen), appeal.id, { fullName: '', postalAddress: '', consentTransfer: false, consentPublicName: false })
      .catch((e) => e);
    expect(bad.fields.map((f: { field: string; rule: string }) => `${f.field}:${f.rule}`)).toEqual([
      'fullName:required',
      'postalAddress:addressRequired',
      'consentTransfer:consentRequired',
    ]);
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(0);

    const signed = await signing.sign(t.ctx, actor(citizen), appeal.id, signInput(citizen));
    expect(signed.count).toBe(1);
    await expect(signing.sign(t.ctx, actor(citizen), appeal.id, signInput(citizen))).rejects.toMatchObject({ code: 'already_signed' });
    const row = await t.ctx.db.selectFrom('signatures').selectAll().where('appeal_id', '=', appeal.id).executeTakeFirstOrThrow();
    const frozen = await appeals.getAppealRow(t.ctx, appeal.id);
    expect(row).toMatchObject({
      revision_id: frozen.frozen_revision_id,
      text_sha256: frozen.text_sha256,
      public_name: 'Полина П.',
      postal_address: '172400, пгт Оленино, ул. Мира, д. 3',
    });

    await signing.withdrawSignature(t.ctx, actor(citizen), appeal.id);
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(0);
  });

  it('shows only consenting signers publicly, as a first name and initial with the municipality, never addresses', async () => {
    const { appeal } = await openAppeal(50);
    const shown = await createUser(t.ctx, { surname: 'Иванов', firstName: 'Иван', municipalityId });
    const hidden = await createUser(t.ctx, { surname: 'Скрытов', firstName: 'Семён' });
    await signing.sign(t.ctx, actor(shown), appeal.id, signInput(shown));
    await signing.sign(t.ctx, actor(hidden), appeal.id, { ...signInput(hidden), consentPublicName: false });
    const list = await appealQueries.publicSigners(t.ctx, appeal.id, { limit: 10, offset: 0 });
    expect(list.total).toBe(1);
    expect(list.items).toEqual([expect.objectContaining({ public_name: 'Иван И.', municipality: 'Оленинский муниципальный округ' })]);
    expect(JSON.stringify(list)).not.toContain('Мира');
  });
});

describe('signatures that arrive together', () => {
  // With the person known (as authentication provides it), sign() reaches the writer without awaiting,
  // so signers started together land in one batch: one statement, one transaction.
  const signerOf = (user: User): Actor => actor(user, { person: true });

  it('are written by one statement; a double submit signs once; a row the database refuses fails alone', async () => {
    const { appeal } = await openAppeal(50);
    const [a, b, c, d, e] = await Promise.all(
      ['Арсеньев', 'Бобров', 'Волков', 'Гусев', 'Дроздов'].map((surname) => createUser(t.ctx, { surname, firstName: 'Пётр', municipalityId })),
    );
    const together = await Promise.allSettled([a, b, c, c].map((user) => signing.sign(t.ctx, signerOf(user as User), appeal.id, signInput(user as User))));
    expect(together.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((together[3] as PromiseRejectedResult).reason).toMatchObject({ code: 'already_signed' });
    const ids = together.slice(0, 3).map((r) => (r as PromiseFulfilledResult<{ signatureId: number }>).value.signatureId);
    const rows = await t.ctx.db.selectFrom('signatures').select(['id', 'user_id', 'created_at']).where('appeal_id', '=', appeal.id).orderBy('id').execute();
    expect(new Map(rows.map((row) => [row.user_id, row.id]))).toEqual(new Map([a, b, c].map((user, i) => [(user as User).id, ids[i]])));
    // One transaction: now() is the same for all three.
    expect(new Set(rows.map((row) => row.created_at.getTime())).size).toBe(1);

    // A signer whose account is gone by the time of the insert (deleted after authentication): the
    // batch's statement fails on the foreign key, and the others are signed one by one.
    const gone: Actor = {
      id: 2_000_000_000,
      role: 'citizen',
      emailVerified: true,
      via: 'token',
      memberships: new Map(),
      person: { firstName: 'Нет', surname: 'Никого', municipalityId },
    };
    const withGone = await Promise.allSettled([
      signing.sign(t.ctx, signerOf(d as User), appeal.id, signInput(d as User)),
      signing.sign(t.ctx, gone, appeal.id, { ...signInput(d as User), fullName: 'Никого Нет' }),
      signing.sign(t.ctx, signerOf(e as User), appeal.id, signInput(e as User)),
    ]);
    expect(withGone.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(5);
    const signers = await t.ctx.db.selectFrom('signatures').select('user_id').where('appeal_id', '=', appeal.id).execute();
    expect(signers.map((row) => row.user_id).sort((x, y) => x - y)).toEqual([a, b, c, d, e].map((user) => (user as User).id).sort((x, y) => x - y));
  });

  it('answers each signer of a batch for its own appeal: open, closed or missing', async () => {
    const open = await openAppeal(50);
    const draft = await draftAppeal(50);
    const user = await createUser(t.ctx, { surname: 'Ершов', firstName: 'Егор', municipalityId });
    const results = await Promise.allSettled(
      [open.appeal.id, draft.appeal.id, 2_000_000_000].map((id) => signing.sign(t.ctx, signerOf(user), id, signInput(user))),
    );
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { count: 1 } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'signing_closed' } });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { code: 'not_found' } });
  });
});

describe('threshold and dispatch', () => {
  it('records the threshold once, dispatches once with the PDF of every signatory, and then closes signing', async () => {
    const { appeal, org, author } = await openAppeal(3);
    const signers = await Promise.all([0, 1, 2, 3].map((i) => createUser(t.ctx, { surname: `Подписантов${'абвг'[i]}`, firstName: 'Пётр' })));
    for (const signer of signers.slice(0, 2)) await signing.sign(t.ctx, actor(signer), appeal.id, signInput(signer));
    expect((await appeals.getAppealRow(t.ctx, appeal.id)).threshold_reached_at).toBeNull();
    await signing.sign(t.ctx, actor(signers[2] as User), appeal.id, signInput(signers[2] as User));
    expect((await appeals.getAppealRow(t.ctx, appeal.id)).threshold_reached_at).toBeInstanceOf(Date);
    expect(await t.jobs.boss.findJobs('appeals.dispatch', { data: { appealId: appeal.id } } as never)).toHaveLength(1);

    expect(await dispatch.dispatchAppeal(t.ctx, appeal.id)).toMatch(/sent|skipped/);
    expect(await dispatch.dispatchAppeal(t.ctx, appeal.id)).toBe('skipped');
    const sent = await appeals.getAppealRow(t.ctx, appeal.id);
    expect(sent).toMatchObject({ status: 'sent', sent_by: 'platform' });
    // 59-FZ terms from the moment the server accepted it, in Оленино's (Moscow's) days: 3 days to register, 30 to answer.
    expect(sent.answer_due_at?.toISOString()).toBe(deadlines(sent.sent_at as Date, null, 'Europe/Moscow').answer.dueAt.toISOString());
    expect((sent.answer_due_at as Date).getTime() - (sent.sent_at as Date).getTime()).toBeGreaterThanOrEqual(33 * 24 * 3600_000);
    await expect(signing.sign(t.ctx, actor(signers[3] as User), appeal.id, signInput(signers[3] as User))).rejects.toMatchObject({ code: 'signing_closed' });

    const documents = await t.ctx.db.selectFrom('appeal_documents').selectAll().where('appeal_id', '=', appeal.id).execute();
    expect(documents).toHaveLength(1);
    expect(documents[0]?.signatures_count).toBe(3);
    const mails = await t.ctx.db
      .selectFrom('mail_messages')
      .selectAll()
      .where('to_address', '=', org.appeal_email as string)
      .execute();
    expect(mails.filter((m) => m.message_id === sent.dispatch_message_id)).toHaveLength(1);
    const attachment = await t.ctx.db
      .selectFrom('mail_attachments')
      .selectAll()
      .where('message_id', '=', (mails[0] as { id: number }).id)
      .executeTakeFirstOrThrow();
    expect(attachment.content_type).toBe('application/pdf');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(attachment.content)), { mergePages: true });
    for (const signer of signers.slice(0, 3)) expect(text).toContain(`${signer.surname} ${signer.first_name}`);
    expect(text).not.toContain(signers[3]?.surname as string);

    const events = await t.ctx.db.selectFrom('problem_events').select('kind').where('appeal_id', '=', appeal.id).orderBy('id').execute();
    expect(events.map((e) => e.kind)).toEqual(['appeal.drafted', 'appeal.opened', 'appeal.threshold_reached', 'appeal.sent']);
    // The author's copy is never the addressee's letter: these signers gave their data to the addressee only, so the
    // author's copy counts them and names them as the public list does, with no full name and no address.
    const pdf = await dispatch.authorPdf(t.ctx, actor(author), appeal.id);
    expect(Buffer.compare(pdf.pdf, documents[0]?.pdf as Buffer)).not.toBe(0);
    const authorCopy = flat((await extractText(await getDocumentProxy(new Uint8Array(pdf.pdf)), { mergePages: true })).text);
    for (const signer of signers.slice(0, 3)) expect(authorCopy).not.toContain(signer.surname);
    expect(authorCopy).not.toContain('ул. Мира');
    expect(authorCopy).toContain('подписали ещё 3 человека');
    expect(authorCopy).toContain('Публичные имена: Пётр П., Пётр П., Пётр П.');
  });

  it('closes signing while the letter is made, and a dispatch stopped after that step resumes with the same list', async () => {
    const { appeal } = await openAppeal(3);
    const [first, second, late] = await Promise.all(['а', 'б', 'в'].map((x) => createUser(t.ctx, { surname: `Поздняков${x}`, firstName: 'Лев' })));
    for (const signer of [first, second] as User[]) await signing.sign(t.ctx, actor(signer), appeal.id, signInput(signer));
    // What the dispatch's first step leaves behind when its process dies before the letter is stored
    // (set by hand, with the threshold lowered to 2, so that no dispatch job races this test).
    await t.ctx.db
      .updateTable('appeals')
      .set({ threshold: 2, threshold_reached_at: new Date(), dispatch_started_at: new Date() })
      .where('id', '=', appeal.id)
      .execute();
    await expect(signing.sign(t.ctx, actor(late as User), appeal.id, signInput(late as User))).rejects.toMatchObject({ code: 'signing_closed' });
    await expect(signing.withdrawSignature(t.ctx, actor(first as User), appeal.id)).rejects.toMatchObject({ code: 'signing_closed' });
    const page = await t.app.inject({ method: 'GET', url: `/appeals/${appeal.id}` });
    expect(page.body).toContain('Сбор подписей закрыт');
    expect(page.body).not.toContain('name="fullName"');

    expect(await dispatch.dispatchAppeal(t.ctx, appeal.id)).toBe('sent');
    const document = await t.ctx.db.selectFrom('appeal_documents').selectAll().where('appeal_id', '=', appeal.id).executeTakeFirstOrThrow();
    expect(document.signatures_count).toBe(2);
    const events = await t.ctx.db.selectFrom('problem_events').select('kind').where('appeal_id', '=', appeal.id).execute();
    expect(events.filter((e) => e.kind === 'appeal.sent')).toHaveLength(1);
  });

  it('tells the author, every signer and every follower through the notifications module once the platform sent it, each once', async () => {
    const { appeal, problem, author } = await openAppeal(2);
    const [first, second, follower] = await Promise.all(['а', 'б', 'в'].map((x) => createUser(t.ctx, { surname: `Уведомлёнов${x}`, firstName: 'Ян' })));
    await t.ctx.db
      .insertInto('problem_follows')
      .values([
        { user_id: (follower as User).id, problem_id: problem.id },
        { user_id: (first as User).id, problem_id: problem.id },
      ])
      .execute();
    for (const signer of [first, second] as User[]) await signing.sign(t.ctx, actor(signer), appeal.id, signInput(signer));
    await dispatch.dispatchAppeal(t.ctx, appeal.id);
    await dispatch.notifySent(t.ctx, appeal.id);
    await dispatch.notifySent(t.ctx, appeal.id);
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select(['user_id', 'reason', 'kind', 'mail'])
      .where('appeal_id', '=', appeal.id)
      .orderBy('user_id')
      .execute();
    expect(told).toEqual(
      [
        { user_id: author.id, reason: 'author' },
        { user_id: (first as User).id, reason: 'signer' },
        { user_id: (second as User).id, reason: 'signer' },
        { user_id: (follower as User).id, reason: 'follower' },
      ]
        .sort((x, y) => x.user_id - y.user_id)
        .map((row) => ({ ...row, kind: 'appeal.sent', mail: 'immediately' })),
    );
    for (const person of [author, first, second, follower] as User[]) {
      const mails = (await t.ctx.db.selectFrom('mail_messages').selectAll().where('to_address', '=', person.email).execute()).filter(
        (m) => m.headers['List-Unsubscribe'],
      );
      expect(mails.map((m) => m.subject)).toEqual([`Обращение № ${appeal.id} отправлено`]);
      expect(mails[0]?.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    }
  });

  it('gives a dispatch run two minutes, not 15, and resumes a dispatch cut short at start-up', async () => {
    const queue = await t.jobs.boss.getQueue('appeals.dispatch');
    expect(queue?.expireInSeconds).toBe(120);
    const { appeal } = await openAppeal(3);
    // What a node that died while rendering leaves: signing closed, no letter queued, its job still "active".
    await t.ctx.db
      .updateTable('appeals')
      .set({ threshold: 1, threshold_reached_at: new Date(), dispatch_started_at: new Date() })
      .where('id', '=', appeal.id)
      .execute();
    expect(await signing.resumeStartedDispatches(t.ctx)).toBeGreaterThanOrEqual(1);
    const jobs = await t.jobs.boss.findJobs('appeals.dispatch', { data: { appealId: appeal.id } } as never);
    expect(jobs.length).toBeGreaterThanOrEqual(1);
  });

  it('at start-up also records a threshold the signatures crossed unrecorded, and re-enqueues a recorded one whose job may have died — not one without an address', async () => {
    // A node killed between a signature's commit and its threshold check: crossed, not recorded.
    const crossed = await openAppeal(3);
    const signer = await createUser(t.ctx, { surname: 'Подписантова', firstName: 'Вера' });
    await signing.sign(t.ctx, actor(signer), crossed.appeal.id, signInput(signer));
    await t.ctx.db.updateTable('appeals').set({ threshold: 1 }).where('id', '=', crossed.appeal.id).execute();
    // A node killed just after it took the dispatch job: the threshold recorded, signing still open, the job "active".
    const taken = await openAppeal(3);
    const noAddress = await openAppeal(3, { email: null });
    await t.ctx.db.updateTable('appeals').set({ threshold_reached_at: new Date() }).where('id', 'in', [taken.appeal.id, noAddress.appeal.id]).execute();
    await signing.resumeStartedDispatches(t.ctx);
    expect((await appeals.getAppealRow(t.ctx, crossed.appeal.id)).threshold_reached_at).toBeInstanceOf(Date);
    const jobsOf = (appealId: number) => t.jobs.boss.findJobs('appeals.dispatch', { data: { appealId } } as never);
    expect((await jobsOf(crossed.appeal.id)).length).toBeGreaterThanOrEqual(1);
    expect((await jobsOf(taken.appeal.id)).length).toBeGreaterThanOrEqual(1);
    expect(await jobsOf(noAddress.appeal.id)).toHaveLength(0);
  });

  it('lets the author record sending it himself, with deadlines from that date', async () => {
    const { appeal, author } = await openAppeal(50);
    const signer = await createUser(t.ctx, { surname: 'Самоотправкина', firstName: 'Юлия' });
    await signing.sign(t.ctx, actor(signer), appeal.id, signInput(signer));
    const bad = await appeals
      .recordSelfSent(t.ctx, actor(author), appeal.id, { sentOn: new Date(Date.now() + 5 * 24 * 3600_000), registrationNumber: '' })
      .catch((e) => e);
    expect(bad.fields).toEqual([{ field: 'sentOn', rule: 'dateInFuture' }]);
    const sentOn = new Date(Date.now() - 3600_000);
    const sent = await appeals.recordSelfSent(t.ctx, actor(author), appeal.id, { sentOn, registrationNumber: 'ОГ-123/26' });
    expect(sent).toMatchObject({ status: 'sent', sent_by: 'author', registration_number: 'ОГ-123/26' });
    expect(sent.registration_due_at?.toISOString()).toBe(deadlines(sentOn, null, 'Europe/Moscow').registration.dueAt.toISOString());
    expect((sent.registration_due_at as Date).getTime() - sentOn.getTime()).toBeGreaterThanOrEqual(3 * 24 * 3600_000 - 3600_000);
    // Once sent, withdrawing is refused with a reason that says the letter is already with the addressee.
    await expect(appeals.withdrawAppeal(t.ctx, actor(author), appeal.id)).rejects.toMatchObject({ code: 'appeal_already_sent', status: 409 });
  });

  it("counts the deadlines in the days of the organization's own time zone: Калининград and Камчатка", async () => {
    const due: Record<string, Date | null> = {};
    // 23:30 on Monday 30 November 2026 in Калининград is already 09:30 on Tuesday 1 December in Петропавловск-Камчатский.
    const sentOn = new Date('2026-11-30T21:30:00Z');
    for (const [region, oktmo, town] of [
      ['27000000', '27701000', 'город Калининград'],
      ['30000000', '30701000', 'Петропавловск-Камчатский городской округ'],
    ] as const) {
      const territoryId = await createMunicipality(t.ctx, region, oktmo, town);
      const author = await createUser(t.ctx, { surname: 'Часовая', firstName: 'Зоя' });
      const problem = await createProblem(t.ctx, { author, title: 'Нет освещения во дворе', description: 'Фонари не горят с октября.', territoryId });
      const organization = await createOrganization(t.ctx, { name: `Администрация: ${town}`, territoryId, appealThreshold: 50 });
      const { appeal } = await draft(t.ctx, { author, problem, organization });
      await appeals.openForSignatures(t.ctx, actor(author), appeal.id, { acknowledgeWarnings: false });
      await signing.sign(t.ctx, actor(author), appeal.id, signInput(author));
      // Created now: the record may say it went a little earlier (not before the day before the appeal was created).
      await sql`update appeals set created_at = ${new Date('2026-11-30T00:00:00Z')} where id = ${appeal.id}`.execute(t.ctx.db);
      const sent = await appeals.recordSelfSent(t.ctx, actor(author), appeal.id, { sentOn, registrationNumber: '' });
      due[region] = sent.registration_due_at;
    }
    // Received on 30 November there: registered by the end of Thursday 3 December, Калининград time (UTC+2).
    expect(due['27000000']?.toISOString()).toBe('2026-12-03T21:59:59.999Z');
    // Received on 1 December there: by the end of Friday 4 December, Камчатка time (UTC+12).
    expect(due['30000000']?.toISOString()).toBe('2026-12-04T11:59:59.999Z');
  });

  it('lets the author withdraw before sending; nobody signs a withdrawn appeal', async () => {
    const { appeal, author } = await openAppeal(50);
    await appeals.withdrawAppeal(t.ctx, actor(author), appeal.id);
    await expect(appeals.withdrawAppeal(t.ctx, actor(author), appeal.id)).rejects.toMatchObject({ code: 'appeal_not_open' });
    const citizen = await createUser(t.ctx);
    await expect(signing.sign(t.ctx, actor(citizen), appeal.id, signInput(citizen))).rejects.toMatchObject({ code: 'signing_closed' });
  });

  it('refuses a withdrawal or a self-sent record once the platform started sending; the platform still sends it', async () => {
    const { appeal, author } = await openAppeal(1);
    const signer = await createUser(t.ctx);
    // The threshold is reached: signing closes and the dispatch starts (the letter is queued, the mail server has not accepted it yet).
    await t.ctx.db.updateTable('appeals').set({ threshold_reached_at: new Date(), dispatch_started_at: new Date() }).where('id', '=', appeal.id).execute();
    await expect(appeals.withdrawAppeal(t.ctx, actor(author), appeal.id)).rejects.toMatchObject({ code: 'appeal_dispatching', status: 409 });
    await expect(
      appeals.recordSelfSent(t.ctx, actor(author), appeal.id, { sentOn: new Date(Date.now() - 3600_000), registrationNumber: '' }),
    ).rejects.toMatchObject({ code: 'appeal_dispatching', status: 409 });
    const row = await t.ctx.db.selectFrom('appeals').select(['status', 'withdrawn_at', 'sent_by']).where('id', '=', appeal.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'collecting', withdrawn_at: null, sent_by: null });
    await expect(signing.sign(t.ctx, actor(signer), appeal.id, signInput(signer))).rejects.toMatchObject({ code: 'signing_closed' });
  });

  it('asks before marking the problem solved, withdraws the open appeal when ticked, and tells its signers and the followers', async () => {
    const { appeal, problem, author } = await openAppeal(50);
    const [signer, follower] = await Promise.all([
      createUser(t.ctx, { surname: 'Решёнова', firstName: 'Ия' }),
      createUser(t.ctx, { surname: 'Следящев', firstName: 'Ян' }),
    ]);
    await signing.sign(t.ctx, actor(signer), appeal.id, signInput(signer));
    await t.ctx.db.insertInto('problem_follows').values({ user_id: follower.id, problem_id: problem.id }).execute();
    const me = browser(t.app, await sessionCookieFor(t.ctx, author));
    const confirm = await me.get(`/problems/${problem.id}/solved`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('По проблеме открыто 1 обращение');
    expect(confirm.body).toContain(`href="/appeals/${appeal.id}"`);
    expect(confirm.body).toMatch(/<input type="checkbox" id="field-withdrawOpenAppeals" name="withdrawOpenAppeals" value="yes" checked/);
    const done = await me.post(`/problems/${problem.id}/solved`, { withdrawOpenAppeals: 'yes' }, csrfFrom(confirm.body));
    expect(done.status).toBe(303);
    expect((await me.get(`/problems/${problem.id}`)).body).toContain('открытые обращения отозваны');
    const row = await t.ctx.db.selectFrom('appeals').select(['status', 'withdrawn_at']).where('id', '=', appeal.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('withdrawn');
    // Signing a withdrawn appeal of a solved problem is refused.
    const late = await createUser(t.ctx);
    await expect(signing.sign(t.ctx, actor(late), appeal.id, signInput(late))).rejects.toMatchObject({ code: 'signing_closed' });
    const events = await t.ctx.db.selectFrom('problem_events').select(['kind', 'appeal_id']).where('problem_id', '=', problem.id).orderBy('id').execute();
    expect(events.slice(-2)).toEqual([
      { kind: 'problem.solved', appeal_id: null },
      { kind: 'appeal.withdrawn', appeal_id: appeal.id },
    ]);
    // The jobs were queued in the same transaction; run them as the worker would, twice (a retry tells nobody twice).
    const queued = await t.jobs.boss.findJobs('appeals.notify-solved', { data: { problemId: problem.id } } as never);
    expect(queued.length).toBe(1);
    for (let run = 0; run < 2; run++) {
      await notices.notifyWithdrawn(t.ctx, appeal.id);
      await notices.notifySolved(t.ctx, problem.id);
    }
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select(['user_id', 'kind', 'reason'])
      .where('problem_id', '=', problem.id)
      .orderBy('user_id')
      .orderBy('kind')
      .execute();
    expect(told).toEqual(
      [
        { user_id: signer.id, kind: 'appeal.withdrawn', reason: 'signer' },
        { user_id: follower.id, kind: 'problem.solved', reason: 'follower' },
      ].sort((a, b) => a.user_id - b.user_id),
    );
  });

  it('marks the problem solved without withdrawing when the box is unticked (page) or not asked for (API); the signers are told', async () => {
    const first = await openAppeal(50);
    const signer = await createUser(t.ctx, { surname: 'Оставленова', firstName: 'Ада' });
    await signing.sign(t.ctx, actor(signer), first.appeal.id, signInput(signer));
    const me = browser(t.app, await sessionCookieFor(t.ctx, first.author));
    const confirm = await me.get(`/problems/${first.problem.id}/solved`);
    expect((await me.post(`/problems/${first.problem.id}/solved`, { note: 'Дорогу отремонтировали.' }, csrfFrom(confirm.body))).status).toBe(303);
    expect((await t.ctx.db.selectFrom('appeals').select('status').where('id', '=', first.appeal.id).executeTakeFirstOrThrow()).status).toBe('collecting');
    await notices.notifySolved(t.ctx, first.problem.id);
    const told = await t.ctx.db.selectFrom('notifications').select(['user_id', 'kind', 'data']).where('problem_id', '=', first.problem.id).execute();
    expect(told).toEqual([{ user_id: signer.id, kind: 'problem.solved', data: expect.objectContaining({ note: 'Дорогу отремонтировали.' }) }]);
    // The signer reads the author's note in the notification itself.
    const signerPage = await browser(t.app, await sessionCookieFor(t.ctx, signer)).get('/notifications');
    expect(signerPage.body).toContain('отмечена автором как решённая. Автор пишет: «Дорогу отремонтировали.»');

    const second = await openAppeal(50);
    const token = await apiTokenFor(t.ctx, second.author);
    const auth = { authorization: `Bearer ${token}` };
    const plain = await t.app.inject({ method: 'POST', url: `/api/v1/problems/${second.problem.id}/solved`, headers: auth });
    expect(plain.statusCode).toBe(200);
    expect(plain.json().status).toBe('solved');
    expect((await t.ctx.db.selectFrom('appeals').select('status').where('id', '=', second.appeal.id).executeTakeFirstOrThrow()).status).toBe('collecting');

    const third = await openAppeal(50);
    const thirdToken = await apiTokenFor(t.ctx, third.author);
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/problems/${third.problem.id}/solved`,
      headers: { authorization: `Bearer ${thirdToken}` },
      payload: { withdrawOpenAppeals: 'please' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('validation_failed');
    expect((await t.ctx.db.selectFrom('problems').select('status').where('id', '=', third.problem.id).executeTakeFirstOrThrow()).status).toBe('open');
    const withdrawing = await t.app.inject({
      method: 'POST',
      url: `/api/v1/problems/${third.problem.id}/solved`,
      headers: { authorization: `Bearer ${thirdToken}` },
      payload: { withdrawOpenAppeals: true },
    });
    expect(withdrawing.statusCode).toBe(200);
    expect((await t.ctx.db.selectFrom('appeals').select('status').where('id', '=', third.appeal.id).executeTakeFirstOrThrow()).status).toBe('withdrawn');
  });

  it('tells the signers when the author withdraws an appeal, not the author', async () => {
    const { appeal, author } = await openAppeal(50);
    const signer = await createUser(t.ctx, { surname: 'Отозванова', firstName: 'Ева' });
    await signing.sign(t.ctx, actor(signer), appeal.id, signInput(signer));
    await signing.sign(t.ctx, actor(author), appeal.id, signInput(author));
    await appeals.withdrawAppeal(t.ctx, actor(author), appeal.id);
    expect((await t.jobs.boss.findJobs('appeals.notify-withdrawn', { data: { appealId: appeal.id } } as never)).length).toBe(1);
    await notices.notifyWithdrawn(t.ctx, appeal.id);
    const told = await t.ctx.db.selectFrom('notifications').select(['user_id', 'kind']).where('appeal_id', '=', appeal.id).execute();
    expect(told).toEqual([{ user_id: signer.id, kind: 'appeal.withdrawn' }]);
    const mail = await t.ctx.db
      .selectFrom('mail_messages')
      .select(['subject', 'text_body'])
      .where('to_address', '=', signer.email)
      .where('subject', 'like', '%отозвано%')
      .execute();
    expect(mail).toHaveLength(1);
    expect(mail[0]?.text_body).toContain('подписи под ним больше не собираются');
  });

  it('200 signers racing across a threshold of 50: every accepted signature is in the letter, one dispatch', async () => {
    const { appeal } = await openAppeal(50);
    const users = await Promise.all(Array.from({ length: 200 }, (_, i) => createUser(t.ctx, { surname: surnameFor(i, 'Гонкин'), firstName: 'Глеб' })));
    const tokens = await Promise.all(users.map((u) => apiTokenFor(t.ctx, u)));
    let signingDoneAt: number | null = null;
    const dispatching = (async () => {
      // A dispatch job running while people are still signing. Signers of a burst do not wait for
      // the threshold check: it follows within a fraction of a second, never waiting for the minute sweep.
      while ((await appeals.getAppealRow(t.ctx, appeal.id)).threshold_reached_at === null) {
        if (signingDoneAt !== null && Date.now() - signingDoneAt > 3000) return 'threshold not recorded within 3 s';
        await new Promise((r) => setTimeout(r, 5));
      }
      return dispatch.dispatchAppeal(t.ctx, appeal.id);
    })();
    const responses = await Promise.all(
      users.map((user, i) =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/appeals/${appeal.id}/signatures`,
          headers: { authorization: `Bearer ${tokens[i]}` },
          payload: signInput(user),
        }),
      ),
    );
    signingDoneAt = Date.now();
    expect(await dispatching).toMatch(/sent|skipped/);
    const accepted = responses.filter((r) => r.statusCode === 201).length;
    const closed = responses.filter((r) => r.statusCode === 409 && r.json().error.code === 'signing_closed').length;
    expect(accepted + closed).toBe(200);
    expect(accepted).toBeGreaterThanOrEqual(50);
    const stored = await signing.countSignatures(t.ctx.db, appeal.id);
    expect(stored).toBe(accepted);
    const documents = await t.ctx.db.selectFrom('appeal_documents').select('signatures_count').where('appeal_id', '=', appeal.id).execute();
    expect(documents).toEqual([{ signatures_count: accepted }]);
    const thresholdEvents = await t.ctx.db
      .selectFrom('problem_events')
      .select('id')
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.threshold_reached')
      .execute();
    expect(thresholdEvents).toHaveLength(1);
    expect(await t.jobs.boss.findJobs('appeals.dispatch', { data: { appealId: appeal.id } } as never)).toHaveLength(1);
  }, 300_000);
});

describe('who sees a signer’s name and address (issue 9, finding 5)', () => {
  it('keeps the author’s copy until the signatures change', async () => {
    const { appeal, author } = await openAppeal(10);
    const [consenting, other] = await Promise.all([
      createUser(t.ctx, { surname: 'Согласнова', firstName: 'Ольга', patronymic: 'Игоревна' }),
      createUser(t.ctx, { surname: 'Поздняков', firstName: 'Лев', patronymic: 'Ильич' }),
    ]);
    await signing.sign(t.ctx, actor(consenting as User), appeal.id, {
      ...signInput(consenting as User, { fullName: 'Согласнова Ольга Игоревна', postalAddress: '172400, пгт Оленино, ул. Лесная, д. 11' }),
      consentAuthor: true,
    });
    const first = (await dispatch.authorPdf(t.ctx, actor(author), appeal.id)).pdf;
    // Asked again, it is the same copy, not rendered again.
    expect((await dispatch.authorPdf(t.ctx, actor(author), appeal.id)).pdf).toBe(first);
    expect(await pdfText(first)).not.toContain('подписал ещё');
    // A new signature is a new copy.
    await signing.sign(
      t.ctx,
      actor(other as User),
      appeal.id,
      signInput(other as User, { fullName: 'Поздняков Лев Ильич', postalAddress: '172400, пгт Оленино, ул. Новая, д. 4' }),
    );
    const renewed = (await dispatch.authorPdf(t.ctx, actor(author), appeal.id)).pdf;
    expect(renewed).not.toBe(first);
    expect(await pdfText(renewed)).toContain('подписал ещё 1 человек');
  });

  it('gives the author only what signers consented to give the author; the addressee’s letter keeps everyone', async () => {
    const { appeal, author, org } = await openAppeal(3);
    const [toAuthor, publicOnly, privateOnly] = await Promise.all([
      createUser(t.ctx, { surname: 'Согласнова', firstName: 'Ольга', patronymic: 'Игоревна' }),
      createUser(t.ctx, { surname: 'Публичнов', firstName: 'Павел', patronymic: 'Сергеевич' }),
      createUser(t.ctx, { surname: 'Скрытнова', firstName: 'Софья', patronymic: 'Львовна' }),
    ]);
    const addressOf = {
      toAuthor: '172400, пгт Оленино, ул. Лесная, д. 11',
      publicOnly: '172400, пгт Оленино, ул. Садовая, д. 22',
      privateOnly: '172400, пгт Оленино, ул. Полевая, д. 33',
    };
    await signing.sign(t.ctx, actor(toAuthor as User), appeal.id, {
      ...signInput(toAuthor as User, { fullName: 'Согласнова Ольга Игоревна', postalAddress: addressOf.toAuthor }),
      consentPublicName: false,
      consentAuthor: true,
    });
    await signing.sign(
      t.ctx,
      actor(publicOnly as User),
      appeal.id,
      signInput(publicOnly as User, { fullName: 'Публичнов Павел Сергеевич', postalAddress: addressOf.publicOnly }),
    );
    await signing.sign(
      t.ctx,
      actor(privateOnly as User),
      appeal.id,
      signInput(privateOnly as User, { fullName: 'Скрытнова Софья Львовна', postalAddress: addressOf.privateOnly, consentPublicName: false }),
    );

    // While signatures are being collected, the author's copy.
    const copy = await pdfText((await dispatch.authorPdf(t.ctx, actor(author), appeal.id)).pdf);
    expect(copy).toContain('Согласнова Ольга Игоревна');
    expect(copy).toContain('ул. Лесная, д. 11');
    expect(copy).toMatch(/Приложение: список подписавших\s*—\s*1 человек/);
    expect(copy).not.toContain('Публичнов');
    expect(copy).not.toContain('Скрытнова');
    expect(copy).not.toContain('Садовая');
    expect(copy).not.toContain('Полевая');
    expect(copy).toContain('подписали ещё 2 человека, не давших согласия передать свои фамилию, имя, отчество и почтовый адрес автору');
    expect(copy).toContain('Публичные имена: Павел П.');
    expect(copy).toContain(`Инициатор коллективного обращения: ${author.surname} ${author.first_name} ${author.patronymic}`);
    expect(copy).toContain('Почтовый адрес для ответа: 170100, г. Тверь, ул. Советская, д. 1, кв. 2');
    // The API and the page serve that copy, to the author only.
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/appeals/${appeal.id}/document.pdf`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, author)}` },
    });
    expect(response.statusCode).toBe(200);
    expect(await pdfText(response.rawPayload)).not.toContain('Полевая');

    // The platform's letter to the addressee lists all three with their addresses, and does not name an initiator.
    await signing.checkThreshold(t.ctx, appeal.id);
    expect(await dispatch.dispatchAppeal(t.ctx, appeal.id)).toBe('sent');
    const attachment = await t.ctx.db
      .selectFrom('mail_attachments as a')
      .innerJoin('mail_messages as m', 'm.id', 'a.message_id')
      .select('a.content')
      .where('m.to_address', '=', org.appeal_email as string)
      .orderBy('m.id', 'desc')
      .executeTakeFirstOrThrow();
    const letter = await pdfText(attachment.content);
    for (const name of ['Согласнова Ольга Игоревна', 'Публичнов Павел Сергеевич', 'Скрытнова Софья Львовна']) expect(letter).toContain(name);
    for (const street of ['ул. Лесная, д. 11', 'ул. Садовая, д. 22', 'ул. Полевая, д. 33']) expect(letter).toContain(street);
    expect(letter).not.toContain('Инициатор');
    // After the dispatch, too, the author gets the copy, not the letter.
    const after = await pdfText((await dispatch.authorPdf(t.ctx, actor(author), appeal.id)).pdf);
    expect(after).not.toContain('Скрытнова');
    expect(after).toContain('Согласнова Ольга Игоревна');
    const mine = await t.app.inject({
      method: 'GET',
      url: `/api/v1/appeals/${appeal.id}/signatures/me`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, toAuthor as User)}` },
    });
    expect(mine.json()).toMatchObject({ consentAuthor: true, publicName: null });
  });
});

describe('rough edges a new user meets (issue 8)', () => {
  const api = async (user: User, method: 'POST' | 'PUT', url: string, payload: object) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, user)}` }, payload });

  it('1: refuses «sent by me» for a draft and for an appeal without a signature; the self-sent PDF names the initiator', async () => {
    const { appeal, author } = await draftAppeal(50);
    const today = new Date().toISOString().slice(0, 10);
    const draftRefused = await api(author, 'POST', `/api/v1/appeals/${appeal.id}/sent-by-me`, { sentOn: today });
    expect(draftRefused.statusCode).toBe(409);
    expect(draftRefused.json().error).toMatchObject({ code: 'appeal_still_draft', message: expect.stringContaining('откройте сбор подписей') });
    await appeals.openForSignatures(t.ctx, actor(author), appeal.id, { acknowledgeWarnings: false });
    const emptyRefused = await api(author, 'POST', `/api/v1/appeals/${appeal.id}/sent-by-me`, { sentOn: today });
    expect(emptyRefused.statusCode).toBe(409);
    expect(emptyRefused.json().error).toMatchObject({ code: 'appeal_no_signatures', message: expect.stringContaining('нет ни одной подписи') });
    expect((await appeals.getAppealRow(t.ctx, appeal.id)).status).toBe('collecting');
    // The page offers the form only once there is a signature.
    const cookie = await sessionCookieFor(t.ctx, author);
    const page = await t.app.inject({ method: 'GET', url: `/appeals/${appeal.id}`, headers: { cookie } });
    expect(page.body).not.toContain(`action="/appeals/${appeal.id}/sent-by-me"`);
    expect(page.body).toContain('Отметить отправку можно, когда под обращением будет хотя бы одна подпись.');

    const signer = await createUser(t.ctx, { surname: 'Первова', firstName: 'Вера' });
    await signing.sign(t.ctx, actor(signer), appeal.id, { ...signInput(signer), fullName: 'Первова Вера Петровна', consentAuthor: true });
    const sent = await api(author, 'POST', `/api/v1/appeals/${appeal.id}/sent-by-me`, { sentOn: today, registrationNumber: 'ОГ-1/26' });
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({ status: 'sent', sentBy: 'author', signatures: 1 });
    const copy = await pdfText((await dispatch.authorPdf(t.ctx, actor(author), appeal.id)).pdf);
    expect(copy).toContain('Инициатор коллективного обращения: Авторова Алла Петровна');
    expect(copy).toContain('Ответ на обращение просим направить инициатору по почтовому адресу, указанному ниже');
    expect(copy).toContain('Первова Вера Петровна');
  });

  it('2: refuses a name that is no surname and first name, and an address without postcode or settlement, saying what is wrong', async () => {
    const { appeal } = await openAppeal(50);
    const citizen = await createUser(t.ctx, { surname: 'Волкова', firstName: 'Мария', patronymic: 'Игоревна' });
    const refused = await api(citizen, 'POST', `/api/v1/appeals/${appeal.id}/signatures`, {
      fullName: 'Мышь',
      postalAddress: 'ул. Ленина, д. 5',
      consentTransfer: true,
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.fields).toEqual([
      { field: 'fullName', rule: 'fullNameTwoWords', message: 'Укажите хотя бы фамилию и имя, например «Иванова Мария». Отчество — если есть.' },
      { field: 'postalAddress', rule: 'postcodeRequired', message: 'Укажите почтовый индекс — шесть цифр, например 170100.' },
      { field: 'postalAddress', rule: 'settlementRequired', message: expect.stringContaining('Укажите населённый пункт') },
    ]);
    const digits = await api(citizen, 'POST', `/api/v1/appeals/${appeal.id}/signatures`, {
      fullName: 'Волкова М. 1',
      postalAddress: '170100, ул. Ленина, д. 5',
      consentTransfer: true,
    });
    expect(digits.json().error.fields.map((f: { rule: string }) => f.rule)).toEqual(['fullNameLetters', 'settlementRequired']);
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(0);

    // An address the profile accepts is accepted at signing: one rule for both.
    const villager = await createUser(t.ctx, {
      surname: 'Деревенская',
      firstName: 'Дарья',
      patronymic: null,
      postalAddress: '172412, Тверская обл., Оленинский р-н, д. Нефёдово, д. 5',
    });
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, villager));
    const page = await visitor.get(`/appeals/${appeal.id}`);
    expect(page.body).toContain('172412, Тверская обл., Оленинский р-н, д. Нефёдово, д. 5</textarea>');
    const form = await visitor.post(
      `/appeals/${appeal.id}/signatures`,
      { fullName: 'Деревенская Дарья', postalAddress: '172412, Тверская обл., Оленинский р-н, д. Нефёдово, д. 5', consentTransfer: 'yes' },
      csrfFrom(page.body),
    );
    expect(form.status).toBe(303);
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(1);
    // And the profile refuses what signing refuses.
    await expect(
      updateProfile(t.ctx, villager.id, {
        surname: 'Деревенская',
        firstName: 'Дарья',
        patronymic: '',
        municipalityId: null,
        postalAddress: 'д. 1',
        locale: 'ru',
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('3: refuses a second open appeal of a problem to the same addressee, pointing to the open one', async () => {
    const { appeal, author, problem, org } = await draftAppeal(50);
    const second = { organizationId: org.id, title: 'Ещё раз о дороге', text: appealText };
    const refused = await api(author, 'POST', `/api/v1/problems/${problem.id}/appeals`, second);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'appeal_already_drafted',
      message: expect.stringContaining(`уже есть открытое обращение (№ ${appeal.id})`),
      details: { appealId: appeal.id },
    });
    await appeals.openForSignatures(t.ctx, actor(author), appeal.id, { acknowledgeWarnings: false });
    // Without JavaScript: the form says so and links to the open appeal.
    const page = await browser(t.app, await sessionCookieFor(t.ctx, author)).submit(
      `/problems/${problem.id}/appeals/new`,
      `/problems/${problem.id}/appeals/new`,
      {
        organizationId: String(org.id),
        title: second.title,
        text: second.text,
      },
    );
    expect(page.status).toBe(409);
    expect(page.body).toContain(`<a href="/appeals/${appeal.id}">Открыть обращение № ${appeal.id}</a>`);
    expect(await t.ctx.db.selectFrom('appeals').select('id').where('problem_id', '=', problem.id).execute()).toHaveLength(1);

    // Another addressee is fine, but it cannot be moved onto the one with the open appeal.
    const other = await createOrganization(t.ctx, { territoryId: municipalityId });
    const elsewhere = await appeals.createAppeal(t.ctx, actor(author), problem.id, { ...second, organizationId: other.id });
    await expect(
      appeals.reviseAppeal(t.ctx, actor(author), elsewhere.id, { title: second.title, text: appealText, organizationId: org.id, baseRevision: 1 }),
    ).rejects.toMatchObject({ code: 'appeal_already_drafted', status: 409, params: { appealId: appeal.id } });
    // Once the open one is withdrawn, a new appeal to that addressee may start.
    await appeals.withdrawAppeal(t.ctx, actor(author), appeal.id);
    const again = await api(author, 'POST', `/api/v1/problems/${problem.id}/appeals`, second);
    expect(again.statusCode).toBe(201);
  });
});
