/**
 * Forwarding to the competent body (59-FZ Art. 8 p. 3) end to end: an official of the addressee forwards a sent
 * appeal with a reason, from the cabinet's page (two steps, without JavaScript) or over the API; the appeal becomes
 * `forwarded`, the next appeal of its chain reaches the competent body once with the same text, hash and signatories,
 * both timelines say so, the citizens are told, and the 7-day term is judged. Every refusal writes nothing.
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  addMember,
  apiTokenFor,
  createOrganization,
  followProblem,
  openAppeal,
  sessionCookieFor,
  sign,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom, decode } from '../../../test/support/http.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { translator } from '../../core/i18n/i18n.ts';
import { recountOrganizationStats } from '../answers/answers.ratings.ts';
import { foldSignatureCounts } from '../appeals/appeals.counts.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { forwardAppeal, notifyForwarded } from '../appeals/appeals.forwarding.ts';
import { markOverdueAppeals } from '../appeals/appeals.overdue.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';
import { createEndpoint } from './cabinet.webhooks.ts';

let t: TestApp;
let addressee: Organization;
let competent: Organization;
let noAddress: Organization;
let cabinetOnly: Organization;
let officialOfCabinetOnly: User;
let clerk: User;
let head: User;
let headOfCompetent: User;

const ru = translator('ru');
const textOf = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const as = async (user: User) => browser(t.app, await sessionCookieFor(t.ctx, user));
const reason = 'Содержание и ремонт дорог регионального значения — полномочие министерства транспорта.';

beforeAll(async () => {
  // Webhooks to a closed local port: the delivery row is what is checked, nothing is received.
  t = await createTestApp({ WEBHOOK_ALLOW_LOCAL: 'true' });
  addressee = await createOrganization(t.ctx, { name: 'Администрация Переадресовского района', slug: 'forwarding-district', appealThreshold: 2 });
  competent = await createOrganization(t.ctx, { name: 'Министерство транспорта переадресации', slug: 'forwarding-ministry', appealThreshold: 50 });
  noAddress = await createOrganization(t.ctx, { name: 'Учреждение без почты', slug: 'forwarding-no-mail', appealEmail: null });
  cabinetOnly = await createOrganization(t.ctx, { name: 'Дорожное агентство с кабинетом', slug: 'forwarding-cabinet-only', appealEmail: null });
  officialOfCabinetOnly = await verifiedCitizen(t.ctx, { surname: 'Агентова', firstName: 'Агата' });
  await addMember(t.ctx, cabinetOnly, officialOfCabinetOnly, 'clerk', 'специалист');
  clerk = await verifiedCitizen(t.ctx, { surname: 'Регистраторова', firstName: 'Раиса' });
  head = await verifiedCitizen(t.ctx, { surname: 'Начальников', firstName: 'Никита' });
  headOfCompetent = await verifiedCitizen(t.ctx, { surname: 'Министров', firstName: 'Марк' });
  await addMember(t.ctx, addressee, clerk, 'clerk', 'специалист канцелярии');
  await addMember(t.ctx, addressee, head, 'head', 'глава района');
  await addMember(t.ctx, competent, headOfCompetent, 'head', 'министр');
});
afterAll(() => t?.stop());

/** An appeal the platform sent to the district, with two named signers and a follower of its problem. */
async function sentAppeal(title: string) {
  const fixture = await openAppeal(t.ctx, { organization: addressee, title, acknowledgeWarnings: true });
  const first = await sign(t.ctx, fixture.appeal.id, undefined, { fullName: 'Первоподписантов Пётр', postalAddress: '170001, г. Тверь, ул. Первая, д. 1' });
  const second = await sign(t.ctx, fixture.appeal.id, undefined, { fullName: 'Второподписантова Вера', postalAddress: '170002, г. Тверь, ул. Вторая, д. 2' });
  const follower = await verifiedCitizen(t.ctx);
  await followProblem(t.ctx, follower, fixture.problem.id);
  await dispatchAppeal(t.ctx, fixture.appeal.id);
  const appeal = await getAppealRow(t.ctx, fixture.appeal.id);
  expect(appeal.status).toBe('sent');
  return { ...fixture, appeal, signers: [first.signer, second.signer], follower };
}

async function api<T = Record<string, unknown>>(user: User, method: 'GET' | 'POST', url: string, payload?: object) {
  const token = await apiTokenFor(t.ctx, user, `forward-${Math.random().toString(36).slice(2, 8)}`);
  const response = await t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  return { status: response.statusCode, json: (response.body ? response.json() : null) as T };
}

async function pdfText(pdf: Buffer): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
  return text.replaceAll(/\s+/g, ' ');
}

/** What forwarding writes, to check that a refusal wrote none of it. */
async function traces(appealId: number) {
  const [appeal, successors, events, audits] = await Promise.all([
    getAppealRow(t.ctx, appealId),
    t.ctx.db.selectFrom('appeals').select('id').where('previous_appeal_id', '=', appealId).execute(),
    t.ctx.db.selectFrom('problem_events').select('id').where('appeal_id', '=', appealId).where('kind', '=', 'appeal.forwarded').execute(),
    t.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'cabinet.appeal_forward').where('subject_id', '=', String(appealId)).execute(),
  ]);
  return { status: appeal.status, forwardedAt: appeal.forwarded_at, successors: successors.length, events: events.length, audits: audits.length };
}
const untouched = { status: 'sent', forwardedAt: null, successors: 0, events: 0, audits: 0 };

describe('forwarding an appeal to the competent body', () => {
  it('forwards from the cabinet page after a confirmation: the chain goes on to the competent body, once, with the same text, hash and signatories', async () => {
    const { appeal, problem, signers, follower, author } = await sentAppeal('О ямах на региональной дороге у Переадресовки');
    const me = await as(clerk);
    const page = await me.get(`/cabinet/${addressee.slug}/appeals/${appeal.id}`);
    expect(textOf(page.body)).toContain(ru('cabinet.forward.title'));
    expect(textOf(page.body)).toContain(ru('cabinet.appeal.forwardingDue'));
    const form = await me.get(`/cabinet/${addressee.slug}/appeals/${appeal.id}/forward`);
    expect(form.status).toBe(200);
    // The addressee itself is not among the choices.
    expect(form.body).toContain(`value="${competent.id}"`);
    expect(form.body).not.toContain(`value="${addressee.id}"`);
    // The bodies competent for the problem's territory and topic come first.
    expect(form.body).toContain(`<optgroup label="${ru('cabinet.forward.suggested')}">`);

    // A short reason is refused at its field; nothing is written.
    const short = await me.post(
      `/cabinet/${addressee.slug}/appeals/${appeal.id}/forward`,
      { organizationId: String(competent.id), reason: 'не наше' },
      csrfFrom(form.body),
    );
    expect(short.status).toBe(422);
    expect(textOf(short.body)).toContain('Причина переадресации');
    expect(await traces(appeal.id)).toEqual(untouched);

    // The first step only asks to confirm.
    const confirm = await me.post(
      `/cabinet/${addressee.slug}/appeals/${appeal.id}/forward`,
      { organizationId: String(competent.id), reason },
      csrfFrom(form.body),
    );
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.body)).toContain(ru('cabinet.forward.confirmTitle', { organization: competent.name }));
    expect(confirm.body).toContain('name="confirm" value="yes"');
    expect(await traces(appeal.id)).toEqual(untouched);
    // «Изменить» shows the form again as filled in, and forwards nothing.
    const edit = await me.post(
      `/cabinet/${addressee.slug}/appeals/${appeal.id}/forward`,
      { organizationId: String(competent.id), reason, confirm: 'yes', edit: 'yes' },
      csrfFrom(confirm.body),
    );
    expect(edit.status).toBe(200);
    expect(edit.body).toContain(`<option value="${competent.id}" selected`);
    expect(textOf(edit.body)).toContain(reason);
    expect(await traces(appeal.id)).toEqual(untouched);

    const done = await me.post(
      `/cabinet/${addressee.slug}/appeals/${appeal.id}/forward`,
      { organizationId: String(competent.id), reason, confirm: 'yes' },
      csrfFrom(confirm.body),
    );
    expect(done.status).toBe(303);
    const forwarded = await getAppealRow(t.ctx, appeal.id);
    expect(forwarded).toMatchObject({ status: 'forwarded', forwarding_reason: reason });
    expect(forwarded.forwarded_at).not.toBeNull();
    const next = await getAppealRow(t.ctx, forwarded.forwarded_appeal_id as number);
    expect(next).toMatchObject({
      previous_appeal_id: appeal.id,
      organization_id: competent.id,
      author_id: author.id,
      title: appeal.title,
      text_sha256: appeal.text_sha256,
      status: 'collecting',
    });
    expect(await traces(appeal.id)).toMatchObject({ status: 'forwarded', successors: 1, events: 1, audits: 1 });

    // The same signatories under the same text: same people, names, addresses, hash and time of signing.
    const signaturesOf = (appealId: number) =>
      t.ctx.db
        .selectFrom('signatures')
        .select(['user_id', 'full_name', 'postal_address', 'text_sha256', 'created_at', 'consent_transfer'])
        .where('appeal_id', '=', appealId)
        .orderBy('user_id')
        .execute();
    const copied = await signaturesOf(next.id);
    expect(copied).toEqual(await signaturesOf(appeal.id));
    expect(copied.map((s) => s.user_id)).toEqual(signers.map((s) => s.id).sort((a, b) => a - b));
    const [oldText, newText] = await Promise.all(
      [appeal, next].map((a) =>
        t.ctx.db
          .selectFrom('appeal_revisions')
          .select('text')
          .where('id', '=', a.frozen_revision_id as number)
          .executeTakeFirstOrThrow(),
      ),
    );
    expect(newText?.text).toBe(oldText?.text);
    expect(newText?.text.length).toBeGreaterThan(0);

    // Dispatched through the one dispatch: exactly one job, one letter however often it runs.
    const jobs = await t.jobs.boss.findJobs('appeals.dispatch', { data: { appealId: next.id } } as never);
    expect(jobs).toHaveLength(1);
    // (The app's own worker may have run the job already: then both runs here find nothing to do.)
    const runs = [await dispatchAppeal(t.ctx, next.id), await dispatchAppeal(t.ctx, next.id)];
    expect(runs[1]).toBe('skipped');
    const letters = await t.ctx.db
      .selectFrom('mail_messages')
      .select(['subject'])
      .where('to_address', '=', competent.appeal_email as string)
      .execute();
    expect(letters.map((l) => l.subject)).toEqual([ru('mail.dispatch.subject', { id: next.id, title: appeal.title })]);
    const sent = await getAppealRow(t.ctx, next.id);
    expect(sent.status).toBe('sent');
    // Its own terms, counted from its own receipt (the 30-day answer, the 7-day forwarding).
    expect((sent.sent_at as Date).getTime()).toBeGreaterThanOrEqual((forwarded.forwarded_at as Date).getTime());
    expect((sent.answer_due_at as Date).getTime() - (sent.sent_at as Date).getTime()).toBeGreaterThan(30 * 86_400_000);
    expect(sent.forwarding_due_at).not.toBeNull();
    const document = await t.ctx.db
      .selectFrom('appeal_documents')
      .select(['pdf', 'signatures_count'])
      .where('appeal_id', '=', next.id)
      .executeTakeFirstOrThrow();
    expect(document.signatures_count).toBe(2);
    const letter = await pdfText(document.pdf);
    for (const expected of ['Первоподписантов Пётр', '170001, г. Тверь, ул. Первая, д. 1', 'Второподписантова Вера', appeal.text_sha256 as string])
      expect(letter).toContain(expected);
    // The competent body's cabinet has it.
    const inbox = await (await as(headOfCompetent)).get(`/cabinet/${competent.slug}/appeals/${next.id}`);
    expect(inbox.status).toBe(200);

    // Both public pages and the timeline say where it went and why, and link to each other.
    const visitor = await as(await verifiedCitizen(t.ctx));
    const oldPage = textOf((await visitor.get(`/appeals/${appeal.id}`)).body);
    expect(oldPage).toContain(ru('appealStatus.forwarded'));
    expect(oldPage).toContain(ru('forwarding.reason', { reason }));
    expect(oldPage).toContain(ru('forwarding.nextAppeal', { id: next.id }));
    const newPage = await visitor.get(`/appeals/${next.id}`);
    expect(newPage.body).toContain(`href="/appeals/${appeal.id}"`);
    expect(textOf(newPage.body)).toContain(ru('forwarding.receivedTitle'));
    const json = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}` });
    expect(json.json()).toMatchObject({ status: 'forwarded', forwarding: { reason, forwardedAppealId: next.id } });
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${next.id}` })).json()).toMatchObject({ previousAppealId: appeal.id, forwarding: null });
    const timeline = textOf((await visitor.get(`/problems/${problem.id}`)).body);
    expect(timeline).toContain(ru('event.appeal.forwardedTo', { organization: competent.name }));
    expect(timeline).toContain(ru('event.appeal.forwardedIn', { organization: competent.name, from: addressee.name }));
    expect(timeline).toContain(ru('event.appeal.forwardingReason', { reason }));

    // The cabinet shows it forwarded within the 7 days.
    const after = textOf((await me.get(`/cabinet/${addressee.slug}/appeals/${appeal.id}`)).body);
    expect(after).toContain(ru('cabinet.forward.doneTitle'));
    expect(after).toContain(ru('cabinet.forward.inTime'));
    expect(after).not.toContain(ru('cabinet.forward.start'));

    // The author, the signers and the follower are told, once each, with the reason.
    await notifyForwarded(t.ctx, appeal.id);
    await notifyForwarded(t.ctx, appeal.id);
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select(['user_id', 'data'])
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.forwarded')
      .execute();
    expect(told.map((n) => n.user_id).sort((a, b) => a - b)).toEqual([author.id, ...signers.map((s) => s.id), follower.id].sort((a, b) => a - b));
    expect(told[0]?.data).toMatchObject({ reason, to: competent.name, organization: addressee.name, forwardedAppealId: next.id });

    // The problem's support counts the signatures once, as the successor's.
    await foldSignatureCounts(t.ctx);
    const support = await t.ctx.db.selectFrom('problems').select('support_signatures').where('id', '=', problem.id).executeTakeFirstOrThrow();
    expect(support.support_signatures).toBe(2);

    // Once: a second forwarding is refused.
    const twice = await api<{ error: { code: string } }>(clerk, 'POST', `/api/v1/cabinet/${addressee.slug}/appeals/${appeal.id}/forwarding`, {
      organizationId: competent.id,
      reason,
    });
    expect([twice.status, twice.json.error.code]).toEqual([409, 'already_forwarded']);
  });

  it('forwards over the API, judging lateness against the 7 days, and tells the organization’s webhooks', async () => {
    const endpoint = await createEndpoint(t.ctx, actorOf(head, { memberships: new Map([[addressee.id, 'head']]) }), addressee, {
      url: 'http://127.0.0.1:9/forwarded',
      events: ['appeal.forwarded'],
    });
    const { appeal } = await sentAppeal('О тротуаре у региональной трассы');
    // The forwarding term passed 3 days ago (its due date is set back as if the appeal came long ago).
    const due = new Date(t.ctx.now().getTime() - 3 * 86_400_000 - 3_600_000);
    await t.ctx.db.updateTable('appeals').set({ forwarding_due_at: due }).where('id', '=', appeal.id).execute();
    const done = await api<{ appeal: { status: string; forwarding: { daysLate: number; to: { slug: string } } }; forwardedAppeal: { id: number } }>(
      head,
      'POST',
      `/api/v1/cabinet/${addressee.slug}/appeals/${appeal.id}/forwarding`,
      { organizationId: competent.id, reason },
    );
    expect(done.status).toBe(200);
    expect(done.json.appeal.status).toBe('forwarded');
    expect(done.json.appeal.forwarding.to.slug).toBe(competent.slug);
    expect(done.json.appeal.forwarding.daysLate).toBeGreaterThanOrEqual(3);
    const late = done.json.appeal.forwarding.daysLate;
    const page = textOf((await (await as(clerk)).get(`/cabinet/${addressee.slug}/appeals/${appeal.id}`)).body);
    expect(page).toContain(ru('cabinet.forward.late', { count: late }));
    expect(page).toMatch(/переадресовано с опозданием на \d+ (день|дня|дней)/);
    const event = await t.ctx.db
      .selectFrom('problem_events')
      .select('data')
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.forwarded')
      .executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ daysLate: late, forwardedAppealId: done.json.forwardedAppeal.id });
    const [delivery] = await t.ctx.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpoint.id).execute();
    expect(delivery).toMatchObject({
      event_type: 'appeal.forwarded',
      payload: {
        type: 'appeal.forwarded',
        data: { appealId: appeal.id, reason, daysLate: late, to: { slug: competent.slug }, forwardedAppealId: done.json.forwardedAppeal.id },
      },
    });
    // No personal data of the signers goes to the integration.
    expect(JSON.stringify(delivery?.payload)).not.toContain('Первоподписантов');
  });

  it('delivers into the competent body’s cabinet alone when it has one and no e-mail for appeals, once', async () => {
    const { appeal } = await sentAppeal('О ремонте путепровода у Переадресовки');
    const done = await api<{ forwardedAppeal: { id: number } }>(clerk, 'POST', `/api/v1/cabinet/${addressee.slug}/appeals/${appeal.id}/forwarding`, {
      organizationId: cabinetOnly.id,
      reason,
    });
    expect(done.status).toBe(200);
    const nextId = done.json.forwardedAppeal.id;
    const runs = [await dispatchAppeal(t.ctx, nextId), await dispatchAppeal(t.ctx, nextId)];
    expect(runs[1]).toBe('skipped');
    const next = await getAppealRow(t.ctx, nextId);
    expect(next).toMatchObject({ status: 'sent', sent_by: 'platform', dispatch_message_id: null });
    expect(next.answer_due_at).not.toBeNull();
    // No letter went by mail: none with the appeal's letter subject, none with its PDF.
    const letterSubject = ru('mail.dispatch.subject', { id: nextId, title: appeal.title });
    expect(await t.ctx.db.selectFrom('mail_messages').select('id').where('subject', '=', letterSubject).execute()).toHaveLength(0);
    const attached = await t.ctx.db.selectFrom('mail_attachments').select('id').where('filename', '=', `obrashchenie-${nextId}.pdf`).execute();
    expect(attached).toHaveLength(0);
    expect(await t.ctx.db.selectFrom('appeal_documents').select('id').where('appeal_id', '=', nextId).execute()).toHaveLength(1);
    // Its official finds it in the inbox and downloads the letter with both signatories.
    const official = await as(officialOfCabinetOnly);
    expect(textOf((await official.get(`/cabinet/${cabinetOnly.slug}?state=all`)).body)).toContain(appeal.title);
    const letter = await t.app.inject({
      method: 'GET',
      url: `/cabinet/${cabinetOnly.slug}/appeals/${nextId}/letter.pdf`,
      headers: { cookie: await sessionCookieFor(t.ctx, officialOfCabinetOnly) },
    });
    expect(letter.statusCode).toBe(200);
    expect(await pdfText(letter.rawPayload)).toContain('Второподписантова Вера');
  });

  it('takes an overdue appeal off the forwarding body’s rating: neither answered nor unanswered, and no longer overdue', async () => {
    const { appeal } = await sentAppeal('О разметке на региональной дороге');
    const statsOf = async () =>
      (await t.ctx.db.selectFrom('organization_stats').selectAll().where('organization_id', '=', addressee.id).executeTakeFirst()) ?? null;
    await t.ctx.db
      .updateTable('appeals')
      .set({ answer_due_at: new Date(t.ctx.now().getTime() - 3_600_000) })
      .where('id', '=', appeal.id)
      .execute();
    await markOverdueAppeals(t.ctx);
    expect((await getAppealRow(t.ctx, appeal.id)).answer_overdue_at).not.toBeNull();
    const before = await statsOf();
    const clerkActor = actorOf(clerk, { memberships: new Map([[addressee.id, 'clerk']]) });
    await forwardAppeal(t.ctx, clerkActor, addressee.id, appeal.id, { organizationId: competent.id, reason });
    const after = await statsOf();
    expect(after).toMatchObject({
      overdue_open: (before?.overdue_open ?? 0) - 1,
      answered: before?.answered,
      unanswered: before?.unanswered,
      closed: before?.closed,
    });
    // The nightly recount agrees with the counts kept.
    expect(await recountOrganizationStats(t.ctx)).toEqual([]);
  });

  it('refuses the wrong people, states and targets, writing nothing', async () => {
    const { appeal, author } = await sentAppeal('Об остановке у региональной дороги');
    const url = `/api/v1/cabinet/${addressee.slug}/appeals/${appeal.id}/forwarding`;
    const refusal = async (user: User, body: object) => {
      const answer = await api<{ error: { code: string; fields?: { field: string; rule: string }[] } }>(user, 'POST', url, body);
      return [answer.status, answer.json.error.code, answer.json.error.fields?.[0]?.rule ?? null];
    };
    // Another organization's head and a citizen (the author) are not the addressee's officials.
    expect(await refusal(headOfCompetent, { organizationId: competent.id, reason })).toEqual([403, 'not_member', null]);
    expect(await refusal(author, { organizationId: competent.id, reason })).toEqual([403, 'not_member', null]);
    expect(await refusal(clerk, { organizationId: addressee.id, reason })).toEqual([422, 'same_organization', 'sameOrganization']);
    expect(await refusal(clerk, { organizationId: 999_999, reason })).toEqual([422, 'unknown_organization', 'unknownOrganization']);
    expect(await refusal(clerk, { organizationId: noAddress.id, reason })).toEqual([422, 'validation_failed', 'organizationWithoutAddress']);
    expect(await refusal(clerk, { organizationId: competent.id, reason: '   ' })).toEqual([422, 'validation_failed', 'required']);
    expect(await refusal(clerk, { organizationId: competent.id, reason: 'я'.repeat(2001) })).toEqual([422, 'validation_failed', 'tooLong']);
    expect(await traces(appeal.id)).toEqual(untouched);

    // Answered: no longer the body's to forward.
    const answered = await sentAppeal('О знаке у региональной дороги');
    const clerkActor = actorOf(clerk, { memberships: new Map([[addressee.id, 'clerk']]) });
    await t.ctx.db.updateTable('appeals').set({ status: 'review', answered_at: t.ctx.now() }).where('id', '=', answered.appeal.id).execute();
    await expect(forwardAppeal(t.ctx, clerkActor, addressee.id, answered.appeal.id, { organizationId: competent.id, reason })).rejects.toMatchObject({
      code: 'wrong_state',
    });

    // A failure inside the transaction leaves nothing half-written: no new appeal, no copied signature, no event.
    const signaturesBefore = await t.ctx.db.selectFrom('signatures').select('id').execute();
    const original = t.ctx.ports.appeals.appealForwarded;
    t.ctx.ports.appeals.appealForwarded = async () => {
      throw new Error('the rating is unreachable');
    };
    try {
      await expect(forwardAppeal(t.ctx, clerkActor, addressee.id, appeal.id, { organizationId: competent.id, reason })).rejects.toThrow(
        'the rating is unreachable',
      );
    } finally {
      t.ctx.ports.appeals.appealForwarded = original;
    }
    expect(await traces(appeal.id)).toEqual(untouched);
    expect(await t.ctx.db.selectFrom('signatures').select('id').execute()).toHaveLength(signaturesBefore.length);
    expect(await t.jobs.boss.findJobs('appeals.notify-forwarded', { data: { appealId: appeal.id } } as never)).toHaveLength(0);

    // Two at once: one forwards, the other is refused.
    const both = await Promise.allSettled([
      forwardAppeal(t.ctx, clerkActor, addressee.id, appeal.id, { organizationId: competent.id, reason }),
      forwardAppeal(t.ctx, actorOf(head, { memberships: new Map([[addressee.id, 'head']]) }), addressee.id, appeal.id, {
        organizationId: competent.id,
        reason,
      }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(both.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'already_forwarded' } });
    expect(await traces(appeal.id)).toMatchObject({ status: 'forwarded', successors: 1, events: 1, audits: 1 });
  });
});
