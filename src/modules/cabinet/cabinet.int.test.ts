/**
 * The service cabinet end to end, on pages without JavaScript and over the API: an official asks to join and an
 * administrator approves (or a staff domain approves at once); the inbox lists the organization's appeals with
 * their terms, filters, saves views and acts on several at once (all or nothing); an appeal is registered,
 * assigned, extended once; a clerk prepares an answer with a scan that the head returns, then approves; the head
 * manages members, settings and templates; and an official of another organization reaches none of it.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import sharp from 'sharp';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  addMember,
  apiTokenFor,
  createOrganization,
  createUser,
  openAppeal,
  sessionCookieFor,
  sign,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom, decode } from '../../../test/support/http.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { notifyExtended } from '../appeals/appeals.cabinet.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { markOverdueAppeals } from '../appeals/appeals.overdue.ts';
import { getAppealRow, recordSelfSent } from '../appeals/appeals.service.ts';
import { answerPdfJob, setAnswerPdf } from './cabinet.answer-pdf.ts';

let t: TestApp;
let organization: Organization;
let other: Organization;
let head: User;
let clerk: User;
let headOfOther: User;
let admin: User;

beforeAll(async () => {
  t = await createTestApp();
  organization = await createOrganization(t.ctx, { name: 'Администрация Кабинетного района', slug: 'cabinet-district', appealThreshold: 1 });
  other = await createOrganization(t.ctx, { name: 'Управление соседнего района', slug: 'cabinet-other', appealThreshold: 1 });
  head = await verifiedCitizen(t.ctx, { surname: 'Главова', firstName: 'Вера' });
  clerk = await verifiedCitizen(t.ctx, { surname: 'Исполнителев', firstName: 'Игорь' });
  headOfOther = await verifiedCitizen(t.ctx, { surname: 'Чужаков', firstName: 'Чеслав' });
  admin = await createUser(t.ctx, { role: 'admin', surname: 'Админова', firstName: 'Ада' });
  await addMember(t.ctx, organization, head, 'head', 'глава администрации');
  await addMember(t.ctx, organization, clerk, 'clerk', 'специалист по обращениям');
  await addMember(t.ctx, other, headOfOther, 'head');
});
afterAll(() => t?.stop());

const textOf = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const as = async (user: User) => browser(t.app, await sessionCookieFor(t.ctx, user));

/** An appeal to `to` that the platform sent (its letter is in the outbox), with one signer. */
async function sentAppeal(to: Organization = organization, title = 'О ремонте дороги на улице Кабинетной') {
  const fixture = await openAppeal(t.ctx, { organization: to, title, acknowledgeWarnings: true });
  await sign(t.ctx, fixture.appeal.id);
  await dispatchAppeal(t.ctx, fixture.appeal.id);
  const appeal = await getAppealRow(t.ctx, fixture.appeal.id);
  expect(appeal.status).toBe('sent');
  return { ...fixture, appeal };
}

async function api<T = Record<string, unknown>>(user: User, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  const token = await apiTokenFor(t.ctx, user, `cabinet-${Math.random().toString(36).slice(2, 8)}`);
  const response = await t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  return { status: response.statusCode, json: (response.body ? response.json() : null) as T };
}

describe('joining a cabinet', () => {
  it('asks from the organization’s page; an administrator approves it as a clerk and the official is told', async () => {
    const official = await verifiedCitizen(t.ctx, { surname: 'Заявкина', firstName: 'Зоя', email: `zoya-${Date.now()}@example.test` });
    const me = await as(official);
    const page = await me.get(`/organizations/${organization.slug}`);
    expect(page.body).toContain(`href="/organizations/${organization.slug}/join"`);
    const form = await me.get(`/organizations/${organization.slug}/join`);
    expect(form.status).toBe(200);
    // A position is required; nothing is written without one.
    const refused = await me.post(`/organizations/${organization.slug}/join`, { position: ' ', note: '' }, csrfFrom(form.body));
    expect(refused.status).toBe(422);
    expect(await t.ctx.db.selectFrom('membership_requests').selectAll().where('user_id', '=', official.id).execute()).toEqual([]);
    const sent = await me.post(
      `/organizations/${organization.slug}/join`,
      { position: 'ведущий специалист', note: 'Тел. приёмной 8-800' },
      csrfFrom(form.body),
    );
    expect(sent.status).toBe(303);
    const pending = await me.get(`/organizations/${organization.slug}/join`);
    expect(textOf(pending.body)).toContain('ждёт проверки администратором');
    // Not a member yet: the cabinet is closed to them.
    expect((await me.get(`/cabinet/${organization.slug}`)).status).toBe(403);
    // A second request while one is pending is refused.
    const again = await api<{ error: { code: string } }>(official, 'POST', `/api/v1/organizations/${organization.slug}/membership-requests`, {
      position: 'ещё раз',
    });
    expect([again.status, again.json.error.code]).toEqual([409, 'membership_pending']);

    const administrator = await as(admin);
    const queue = await administrator.get('/admin/memberships');
    expect(queue.status).toBe(200);
    expect(textOf(queue.body)).toContain('Заявкина Зоя Петровна — Администрация Кабинетного района');
    expect(textOf(queue.body)).toContain('Тел. приёмной 8-800');
    const request = await t.ctx.db.selectFrom('membership_requests').selectAll().where('user_id', '=', official.id).executeTakeFirstOrThrow();
    const approved = await administrator.post(`/admin/memberships/${request.id}`, { decision: 'approve', role: 'clerk', reason: '' }, csrfFrom(queue.body));
    expect(approved.status).toBe(303);
    expect((await me.get(`/cabinet/${organization.slug}`)).status).toBe(200);
    const member = await t.ctx.db.selectFrom('organization_members').selectAll().where('user_id', '=', official.id).executeTakeFirstOrThrow();
    expect(member).toMatchObject({ organization_id: organization.id, role: 'clerk', position: 'ведущий специалист' });
    const told = await t.ctx.db.selectFrom('notifications').select(['kind', 'reason']).where('user_id', '=', official.id).execute();
    expect(told).toEqual([{ kind: 'membership.approved', reason: 'official' }]);
    const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('actor_id', '=', admin.id).where('action', 'like', 'membership.%').execute();
    expect(audit.map((row) => row.action)).toContain('membership.approve');
    // Deciding it twice is refused.
    const twice = await administrator.post(`/admin/memberships/${request.id}`, { decision: 'reject', reason: 'нет' }, csrfFrom(queue.body));
    expect(twice.status).toBe(409);
    const already = await api<{ error: { code: string } }>(official, 'POST', `/api/v1/organizations/${organization.slug}/membership-requests`, {
      position: 'снова',
    });
    expect([already.status, already.json.error.code]).toEqual([409, 'already_member']);
  });

  it('declines with a reason the applicant reads, and the applicant may withdraw a pending request', async () => {
    const official = await verifiedCitizen(t.ctx, { surname: 'Отказова', firstName: 'Ольга' });
    const created = await api<{ id: number; status: string }>(official, 'POST', `/api/v1/organizations/${organization.slug}/membership-requests`, {
      position: 'инспектор',
    });
    expect([created.status, created.json.status]).toEqual([201, 'pending']);
    const withoutReason = await api<{ error: { code: string; fields: { field: string }[] } }>(
      admin,
      'POST',
      `/api/v1/admin/membership-requests/${created.json.id}/decision`,
      {
        approve: false,
      },
    );
    expect([withoutReason.status, withoutReason.json.error.fields[0]?.field]).toEqual([422, 'reason']);
    const declined = await api<{ status: string }>(admin, 'POST', `/api/v1/admin/membership-requests/${created.json.id}/decision`, {
      approve: false,
      reason: 'Не удалось подтвердить работу в организации',
    });
    expect(declined.json.status).toBe('rejected');
    const page = await (await as(official)).get(`/organizations/${organization.slug}/join`);
    expect(textOf(page.body)).toContain('Не удалось подтвердить работу в организации');
    // The decision is in the applicant's notifications, linking back to the request page.
    const notifications = await (await as(official)).get('/notifications');
    expect(textOf(notifications.body)).toContain('Заявка на подключение к служебному кабинету организации «Администрация Кабинетного района» отклонена');
    expect(notifications.body).toContain(`href="/organizations/${organization.slug}/join"`);
    expect(await t.ctx.db.selectFrom('organization_members').selectAll().where('user_id', '=', official.id).execute()).toEqual([]);

    const again = await api<{ id: number }>(official, 'POST', `/api/v1/organizations/${organization.slug}/membership-requests`, { position: 'инспектор' });
    // Only the applicant may withdraw it; for anyone else it does not exist.
    expect((await api(clerk, 'DELETE', `/api/v1/membership-requests/${again.json.id}`)).status).toBe(404);
    expect((await api(official, 'DELETE', `/api/v1/membership-requests/${again.json.id}`)).status).toBe(204);
    expect((await api(official, 'DELETE', `/api/v1/membership-requests/${again.json.id}`)).status).toBe(409);
  });

  it('joins at once, as a clerk, with a verified address on one of the organization’s staff domains (never a public one)', async () => {
    const staffed = await createOrganization(t.ctx, { name: 'Дума Доменного округа', slug: 'domain-duma' });
    const refused = await api<{ error: { fields: { field: string; rule: string }[] } }>(admin, 'PUT', `/api/v1/organizations/${staffed.slug}`, {
      name: staffed.name,
      kind: staffed.kind,
      territoryId: staffed.territory_id,
      officialEmailDomains: ['mail.ru'],
    });
    expect(refused.status).toBe(422);
    expect(refused.json.error.fields[0]).toMatchObject({ field: 'officialEmailDomains', rule: 'publicMailDomain' });
    const saved = await api(admin, 'PUT', `/api/v1/organizations/${staffed.slug}`, {
      name: staffed.name,
      kind: staffed.kind,
      territoryId: staffed.territory_id,
      officialEmailDomains: ['Duma-Domain.ru'],
    });
    expect(saved.status).toBe(200);
    const insider = await verifiedCitizen(t.ctx, { surname: 'Доменова', firstName: 'Дарья', email: `darya-${Date.now()}@duma-domain.ru` });
    const outsider = await verifiedCitizen(t.ctx, { surname: 'Посторонняя', firstName: 'Полина', email: `polina-${Date.now()}@duma-domain.ru.example` });
    const inside = await api<{ status: string }>(insider, 'POST', `/api/v1/organizations/${staffed.slug}/membership-requests`, {
      position: 'помощник депутата',
    });
    expect(inside.json.status).toBe('approved');
    expect((await t.ctx.db.selectFrom('organization_members').select('role').where('user_id', '=', insider.id).executeTakeFirstOrThrow()).role).toBe('clerk');
    const outside = await api<{ status: string }>(outsider, 'POST', `/api/v1/organizations/${staffed.slug}/membership-requests`, { position: 'помощник' });
    expect(outside.json.status).toBe('pending');
  });
});

describe('the inbox', () => {
  it('lists the organization’s sent appeals with their terms, filters them, and never shows another organization’s', async () => {
    const first = await sentAppeal(organization, 'Об освещении Кабинетного сквера');
    const second = await sentAppeal(organization, 'О вывозе снега с Кабинетной площади');
    const elsewhere = await sentAppeal(other, 'О скамейках в соседнем районе');
    const me = await as(clerk);
    const inbox = await me.get(`/cabinet/${organization.slug}`);
    expect(inbox.status).toBe(200);
    const text = textOf(inbox.body);
    expect(text).toContain(`№ ${first.appeal.id}. Об освещении Кабинетного сквера`);
    expect(text).toContain(`№ ${second.appeal.id}. О вывозе снега с Кабинетной площади`);
    expect(text).not.toContain('О скамейках в соседнем районе');
    expect(text).toMatch(/осталось \d+ д/);
    // Search by words and by number; filter by an assignee who has none.
    expect(textOf((await me.get(`/cabinet/${organization.slug}?q=${encodeURIComponent('снега')}`)).body)).not.toContain('Кабинетного сквера');
    expect(textOf((await me.get(`/cabinet/${organization.slug}?q=${first.appeal.id}`)).body)).toContain('Кабинетного сквера');
    expect(textOf((await me.get(`/cabinet/${organization.slug}?assignee=${clerk.id}`)).body)).toContain('Обращений с такими условиями нет');

    const json = await api<{ items: { id: number; url: string }[]; total: number }>(
      clerk,
      'GET',
      `/api/v1/cabinet/${organization.slug}/appeals?state=all&sort=received`,
    );
    expect(json.status).toBe(200);
    expect(json.json.items.map((item) => item.id)).toContain(first.appeal.id);
    expect(json.json.items.map((item) => item.id)).not.toContain(elsewhere.appeal.id);
    // The API's page and perPage (numbers once its schema has read them) choose the page; one token for these reads.
    const token = await apiTokenFor(t.ctx, clerk, 'inbox-filters');
    const inboxJson = async (query: string) => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/api/v1/cabinet/${organization.slug}/appeals?${query}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(200);
      return response.json() as { items: { id: number }[]; total: number; page: number; perPage: number };
    };
    const paged = await inboxJson('state=all&sort=received&page=2&perPage=1');
    expect([paged.page, paged.perPage, paged.items.length]).toEqual([2, 1, 1]);
    expect(paged.items[0]?.id).toBe(json.json.items[1]?.id);
    // By the problem's territory (a region includes its municipalities) and category.
    const place = await t.ctx.db
      .selectFrom('problems as p')
      .innerJoin('territories as m', 'm.id', 'p.territory_id')
      .leftJoin('territories as r', 'r.id', 'm.parent_id')
      .innerJoin('categories as c', 'c.id', 'p.category_id')
      .select(['m.oktmo as municipality', 'r.oktmo as region', 'c.slug as category'])
      .where('p.id', '=', first.appeal.problem_id)
      .executeTakeFirstOrThrow();
    for (const query of [`territory=${place.municipality}`, place.region && `territory=${place.region}`, `category=${place.category}`].filter(Boolean)) {
      expect((await inboxJson(query as string)).items.map((item) => item.id)).toContain(first.appeal.id);
    }
    const nowhere = await inboxJson('territory=99999999');
    expect([nowhere.items.length, nowhere.total]).toEqual([0, 0]);

    // Another organization's official and a citizen reach neither the inbox nor the appeal.
    const stranger = await as(headOfOther);
    expect((await stranger.get(`/cabinet/${organization.slug}`)).status).toBe(403);
    expect((await stranger.get(`/cabinet/${organization.slug}/appeals/${first.appeal.id}`)).status).toBe(403);
    expect((await stranger.get(`/cabinet/${organization.slug}/appeals/${first.appeal.id}/letter.pdf`)).status).toBe(403);
    // Its own cabinet does not open A's appeal either.
    expect((await stranger.get(`/cabinet/${other.slug}/appeals/${first.appeal.id}`)).status).toBe(404);
    expect((await (await as(first.author)).get(`/cabinet/${organization.slug}`)).status).toBe(403);
    // The addressee's own officials get the letter with the signatures.
    const letter = await t.app.inject({
      method: 'GET',
      url: `/cabinet/${organization.slug}/appeals/${first.appeal.id}/letter.pdf`,
      headers: { cookie: await sessionCookieFor(t.ctx, clerk) },
    });
    expect([letter.statusCode, letter.headers['content-type']]).toEqual([200, 'application/pdf']);
  });

  it('saves a view of its filters, and assigns several appeals at once', async () => {
    const a = await sentAppeal(organization, 'О ямах на Первой Кабинетной');
    const b = await sentAppeal(organization, 'О ямах на Второй Кабинетной');
    const me = await as(head);
    const inbox = await me.get(`/cabinet/${organization.slug}?q=${encodeURIComponent('ямах')}`);
    const saved = await me.post(`/cabinet/${organization.slug}/views`, { name: 'Ямы', query: 'q=ямах&evil=1' }, csrfFrom(inbox.body));
    expect(saved.status).toBe(303);
    expect(decodeURIComponent(saved.location ?? '')).toBe(`/cabinet/${organization.slug}?q=ямах`);
    const views = await api<{ items: { name: string; query: string }[] }>(head, 'GET', `/api/v1/cabinet/${organization.slug}/views`);
    expect(views.json.items).toEqual([{ id: expect.any(Number), name: 'Ямы', query: 'q=%D1%8F%D0%BC%D0%B0%D1%85' }]);

    const assigned = await me.post(
      `/cabinet/${organization.slug}/bulk`,
      { appealIds: [String(a.appeal.id), String(b.appeal.id)], action: 'assign', assigneeId: String(clerk.id), return: 'q=ямах' },
      csrfFrom(inbox.body),
    );
    expect(assigned.status).toBe(303);
    const rows = await t.ctx.db.selectFrom('appeals').select(['id', 'assignee_id']).where('id', 'in', [a.appeal.id, b.appeal.id]).orderBy('id').execute();
    expect(rows.map((row) => row.assignee_id)).toEqual([clerk.id, clerk.id]);
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select('appeal_id')
      .where('user_id', '=', clerk.id)
      .where('kind', '=', 'cabinet.appeal_assigned')
      .execute();
    expect(told.map((row) => row.appeal_id).sort()).toEqual([a.appeal.id, b.appeal.id].sort());
    // Someone who does not work there cannot be given an appeal.
    const outsider = await api<{ error: { fields: { rule: string }[] } }>(head, 'POST', `/api/v1/cabinet/${organization.slug}/assignments`, {
      appealIds: [a.appeal.id],
      assigneeId: headOfOther.id,
    });
    expect([outsider.status, outsider.json.error.fields[0]?.rule]).toEqual([422, 'notMember']);
  });

  it('registers several appeals with their own numbers on one date, all or none', async () => {
    const a = await sentAppeal(organization, 'О тротуаре у школы Кабинетной');
    const b = await sentAppeal(organization, 'О тротуаре у больницы Кабинетной');
    const me = await as(clerk);
    const inbox = await me.get(`/cabinet/${organization.slug}`);
    const next = await me.post(
      `/cabinet/${organization.slug}/bulk`,
      { appealIds: [String(a.appeal.id), String(b.appeal.id)], action: 'register' },
      csrfFrom(inbox.body),
    );
    expect(next.status).toBe(303);
    const form = await me.get(next.location ?? '');
    expect(form.status).toBe(200);
    expect(form.body).toContain(`name="registrationNumber-${a.appeal.id}"`);
    const today = new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow' }).format(new Date());
    // A missing number refuses the batch: neither is registered.
    const refused = await me.post(
      `/cabinet/${organization.slug}/register`,
      {
        appealIds: [String(a.appeal.id), String(b.appeal.id)],
        registeredOn: today,
        [`registrationNumber-${a.appeal.id}`]: 'ОГ-101',
        [`registrationNumber-${b.appeal.id}`]: '',
      },
      csrfFrom(form.body),
    );
    expect(refused.status).toBe(422);
    expect((await getAppealRow(t.ctx, a.appeal.id)).status).toBe('sent');
    const done = await me.post(
      `/cabinet/${organization.slug}/register`,
      {
        appealIds: [String(a.appeal.id), String(b.appeal.id)],
        registeredOn: today,
        [`registrationNumber-${a.appeal.id}`]: 'ОГ-101',
        [`registrationNumber-${b.appeal.id}`]: 'ОГ-102',
      },
      csrfFrom(form.body),
    );
    expect(done.status).toBe(303);
    const rows = await t.ctx.db
      .selectFrom('appeals')
      .select(['status', 'registration_number'])
      .where('id', 'in', [a.appeal.id, b.appeal.id])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { status: 'registered', registration_number: 'ОГ-101' },
      { status: 'registered', registration_number: 'ОГ-102' },
    ]);
    // The timeline names the organization, not the clerk (the organization does not show officials' names).
    const events = await api<{ items: { kind: string; actorName: string | null }[] }>(clerk, 'GET', `/api/v1/problems/${a.problem.id}/events`);
    expect(events.json.items.find((event) => event.kind === 'appeal.registered')?.actorName).toBe('Администрация Кабинетного района');
    // Registering one again (in a batch with a new one) refuses the batch, naming it.
    const c = await sentAppeal(organization, 'О тротуаре у почты Кабинетной');
    const again = await api<{ error: { fields: { field: string; rule: string }[] } }>(clerk, 'POST', `/api/v1/cabinet/${organization.slug}/registrations`, {
      registeredOn: today,
      entries: [
        { appealId: c.appeal.id, registrationNumber: 'ОГ-103' },
        { appealId: a.appeal.id, registrationNumber: 'ОГ-104' },
      ],
    });
    expect(again.status).toBe(422);
    expect(again.json.error.fields[0]).toMatchObject({ field: `registrationNumber-${a.appeal.id}`, rule: 'alreadyRegistered' });
    expect((await getAppealRow(t.ctx, c.appeal.id)).status).toBe('sent');
  });
});

describe('an appeal in the cabinet', () => {
  it('extends the answer term once, with a reason on the timeline and for the signers, under the official’s name when the organization shows it', async () => {
    await api(head, 'PUT', `/api/v1/cabinet/${organization.slug}/settings`, { answersNeedApproval: false, showOfficialNames: true });
    const { appeal, problem } = await sentAppeal(organization, 'О ремонте моста Кабинетного');
    const before = appeal.answer_due_at as Date;
    const me = await as(clerk);
    const page = await me.get(`/cabinet/${organization.slug}/appeals/${appeal.id}`);
    const short = await me.post(`/cabinet/${organization.slug}/appeals/${appeal.id}/extend`, { days: '31', reason: 'нужно' }, csrfFrom(page.body));
    expect(short.status).toBe(422);
    expect((await getAppealRow(t.ctx, appeal.id)).extended_at).toBeNull();
    const extended = await me.post(
      `/cabinet/${organization.slug}/appeals/${appeal.id}/extend`,
      { days: '20', reason: 'Нужна экспертиза состояния моста подрядной организацией.' },
      csrfFrom(page.body),
    );
    expect(extended.status).toBe(303);
    const row = await getAppealRow(t.ctx, appeal.id);
    expect(row.extension_days).toBe(20);
    expect((row.answer_due_at as Date).getTime() - before.getTime()).toBeGreaterThanOrEqual(20 * 86_400_000 - 3_600_000);
    const twice = await api<{ error: { code: string } }>(clerk, 'POST', `/api/v1/cabinet/${organization.slug}/appeals/${appeal.id}/extension`, {
      days: 5,
      reason: 'Ещё раз продлить нельзя',
    });
    expect([twice.status, twice.json.error.code]).toEqual([409, 'already_extended']);
    const publicPage = await (await as(await verifiedCitizen(t.ctx))).get(`/problems/${problem.id}`);
    expect(textOf(publicPage.body)).toMatch(/Адресат продлил срок ответа на 20 дней — до \d+ [а-я]+ \d{4} г\./);
    expect(textOf(publicPage.body)).toContain('Причина продления: Нужна экспертиза состояния моста подрядной организацией.');
    expect(textOf(publicPage.body)).toContain('Администрация Кабинетного района — Игорь Исполнителев, специалист по обращениям');
    await notifyExtended(t.ctx, appeal.id);
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select(['kind', 'data'])
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.extended')
      .execute();
    expect(told.length).toBeGreaterThan(0);
    expect(told[0]?.data).toMatchObject({ days: 20, reason: 'Нужна экспертиза состояния моста подрядной организацией.' });
    await api(head, 'PUT', `/api/v1/cabinet/${organization.slug}/settings`, { answersNeedApproval: false, showOfficialNames: false });
  });

  it('takes a clerk’s answer with a scan for the head’s approval, returned once, then published on the appeal page', async () => {
    await api(head, 'PUT', `/api/v1/cabinet/${organization.slug}/settings`, { answersNeedApproval: true, showOfficialNames: false });
    const { appeal } = await sentAppeal(organization, 'О детской площадке у Кабинетного пруда');
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 10, g: 120, b: 200 } } })
      .png()
      .toBuffer();
    const clerkToken = await apiTokenFor(t.ctx, clerk, 'draft');
    // The draft with a scan, by multipart.
    const boundary = '----cabinet-draft';
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nПлощадка будет **отремонтирована** до 1 июня. <script>alert(1)</script>\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="outgoingNumber"\r\n\r\n01-12/345\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="scan.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const saved = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/cabinet/${organization.slug}/appeals/${appeal.id}/answer-draft`,
      headers: { authorization: `Bearer ${clerkToken}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().draft).toMatchObject({ status: 'draft', outgoingNumber: '01-12/345', attachments: [{ position: 0, contentType: 'image/png' }] });
    expect(saved.json().canPublish).toBe(false);
    // The draft is private: the public page shows no answer, and the clerk may not publish it.
    expect(textOf((await (await as(await verifiedCitizen(t.ctx))).get(`/appeals/${appeal.id}`)).body)).not.toContain('отремонтирована');
    const publish = await api<{ error: { code: string } }>(clerk, 'POST', `/api/v1/cabinet/${organization.slug}/appeals/${appeal.id}/answer`);
    expect([publish.status, publish.json.error.code]).toEqual([403, 'answer_needs_approval']);

    const clerkPage = await as(clerk);
    const page = await clerkPage.get(`/cabinet/${organization.slug}/appeals/${appeal.id}`);
    expect(page.body).toContain('Отправить на утверждение');
    const submitted = await api(clerk, 'POST', `/api/v1/cabinet/${organization.slug}/appeals/${appeal.id}/answer-draft/submission`);
    expect(submitted.status).toBe(200);
    expect(await t.ctx.db.selectFrom('notifications').select('kind').where('user_id', '=', head.id).where('appeal_id', '=', appeal.id).execute()).toEqual([
      { kind: 'cabinet.answer_submitted' },
    ]);

    const headPage = await as(head);
    const review = await headPage.get(`/cabinet/${organization.slug}/appeals/${appeal.id}`);
    expect(review.body).toContain('Утвердить и опубликовать');
    const noReason = await headPage.post(`/cabinet/${organization.slug}/appeals/${appeal.id}/answer/return`, { returnReason: '' }, csrfFrom(review.body));
    expect(noReason.status).toBe(422);
    const returned = await headPage.post(
      `/cabinet/${organization.slug}/appeals/${appeal.id}/answer/return`,
      { returnReason: 'Укажите подрядчика.' },
      csrfFrom(review.body),
    );
    expect(returned.status).toBe(303);
    expect(textOf((await clerkPage.get(`/cabinet/${organization.slug}/appeals/${appeal.id}`)).body)).toContain('Укажите подрядчика.');
    expect(await t.ctx.db.selectFrom('notifications').select('kind').where('user_id', '=', clerk.id).where('appeal_id', '=', appeal.id).execute()).toEqual([
      { kind: 'cabinet.answer_returned' },
    ]);
    // Approving a draft that was returned (not submitted) is still the head's publish; the head approves it as it stands.
    const approve = await headPage.post(
      `/cabinet/${organization.slug}/appeals/${appeal.id}/answer`,
      {
        action: 'publish',
        text: 'Площадка будет **отремонтирована** до 1 июня подрядчиком ООО «Двор». <script>alert(1)</script>',
        outgoingNumber: '01-12/345',
        outgoingDate: '',
      },
      csrfFrom(review.body),
    );
    expect(approve.status).toBe(303);
    const published = await getAppealRow(t.ctx, appeal.id);
    expect(published.status).toBe('review');
    expect(published.review_closes_at).not.toBeNull();
    const letters = await t.ctx.db
      .selectFrom('appeal_letters')
      .select(['id', 'source', 'decision', 'outgoing_number'])
      .where('appeal_id', '=', appeal.id)
      .execute();
    expect(letters).toEqual([{ id: expect.any(Number), source: 'cabinet', decision: 'answer', outgoing_number: '01-12/345' }]);
    const scans = await t.ctx.db
      .selectFrom('letter_attachments')
      .select(['content_type'])
      .where('letter_id', '=', letters[0]?.id as number)
      .execute();
    expect(scans).toEqual([{ content_type: 'image/png' }]);
    expect(await t.ctx.db.selectFrom('answer_drafts').selectAll().where('appeal_id', '=', appeal.id).execute()).toEqual([]);
    // On the public page: the Markdown subset rendered, the script inert text; marked as the organization's.
    const publicPage = await (await as(await verifiedCitizen(t.ctx))).get(`/appeals/${appeal.id}`);
    expect(publicPage.body).toContain('<strong>отремонтирована</strong>');
    expect(publicPage.body).not.toContain('<script>alert(1)</script>');
    expect(textOf(publicPage.body)).toContain('опубликован организацией в служебном кабинете');
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_type', '=', 'appeal')
      .where('subject_id', '=', String(appeal.id))
      .execute();
    expect(audit.map((row) => row.action)).toEqual(
      expect.arrayContaining(['cabinet.answer_save', 'cabinet.answer_submit', 'cabinet.answer_return', 'cabinet.answer_publish']),
    );
    // The letter on the organization's letterhead: set by the job publishing queued, first among the files, public.
    await t.jobs.drain(answerPdfJob);
    const copies = await t.ctx.db
      .selectFrom('letter_attachments')
      .select(['position', 'kind', 'filename', 'content_type'])
      .where('letter_id', '=', letters[0]?.id as number)
      .orderBy('position')
      .execute();
    expect(copies).toEqual([
      { position: 0, kind: 'scan', filename: expect.any(String), content_type: 'image/png' },
      { position: 1, kind: 'letterhead', filename: `otvet-na-obrashchenie-${appeal.id}.pdf`, content_type: 'application/pdf' },
    ]);
    // Another run of the job (a retry after a lost acknowledgement, or two at once) keeps the one copy.
    expect(
      await Promise.all([setAnswerPdf(t.ctx, letters[0]?.id as number, organization.id), setAnswerPdf(t.ctx, letters[0]?.id as number, organization.id)]),
    ).toEqual([false, false]);
    expect(
      await t.ctx.db
        .selectFrom('letter_attachments')
        .select('id')
        .where('letter_id', '=', letters[0]?.id as number)
        .execute(),
    ).toHaveLength(2);
    const letterPage = await (await as(await verifiedCitizen(t.ctx))).get(`/appeals/${appeal.id}`);
    expect(letterPage.body).toContain(`href="/appeals/${appeal.id}/letters/${letters[0]?.id}/attachments/1">Письмо на бланке организации</a>`);
    const download = await t.app.inject({ method: 'GET', url: `/appeals/${appeal.id}/letters/${letters[0]?.id}/attachments/1` });
    expect([download.statusCode, download.headers['content-type']]).toEqual([200, 'application/pdf']);
    const printed = (await extractText(await getDocumentProxy(new Uint8Array(download.rawPayload)), { mergePages: true })).text.replace(/\s+/g, ' ');
    const answerText = 'Площадка будет **отремонтирована** до 1 июня подрядчиком ООО «Двор». <script>alert(1)</script>';
    expect(printed).toContain(organization.name);
    expect(printed).toContain('№ 01-12/345');
    expect(printed).toContain(`На коллективное обращение № ${appeal.id} «О детской площадке у Кабинетного пруда»`);
    expect(printed).toContain('Площадка будет отремонтирована до 1 июня подрядчиком ООО «Двор». <script>alert(1)</script>');
    expect(printed).toContain(createHash('sha256').update(answerText, 'utf8').digest('hex'));
    expect(printed).toContain(`/appeals/${appeal.id}`);
    const listed = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}/letters` });
    expect(listed.json().items[0].attachments.map((file: { kind: string; position: number }) => [file.kind, file.position])).toEqual([
      ['letterhead', 1],
      ['scan', 0],
    ]);
    // A second answer is refused.
    const second = await api<{ error: { code: string } }>(head, 'PUT', `/api/v1/cabinet/${organization.slug}/appeals/${appeal.id}/answer-draft`, {
      text: 'Ещё один ответ',
    });
    expect([second.status, second.json.error.code]).toEqual([409, 'appeal_already_answered']);
    await api(head, 'PUT', `/api/v1/cabinet/${organization.slug}/settings`, { answersNeedApproval: false, showOfficialNames: false });
  });

  it('answers several appeals from the head’s template at once, each with its own number put in', async () => {
    const clerkRefused = await api<{ error: { code: string } }>(clerk, 'POST', `/api/v1/cabinet/${organization.slug}/templates`, {
      title: 'Ямы',
      body: 'Текст',
    });
    expect([clerkRefused.status, clerkRefused.json.error.code]).toEqual([403, 'not_head']);
    const template = await api<{ id: number }>(head, 'POST', `/api/v1/cabinet/${organization.slug}/templates`, {
      title: 'Ямочный ремонт',
      body: 'По обращению {номер} сообщаем: ямочный ремонт включён в план на май.',
    });
    expect(template.status).toBe(201);
    const a = await sentAppeal(organization, 'О ямах у Кабинетного рынка');
    const b = await sentAppeal(organization, 'О ямах у Кабинетного вокзала');
    const done = await api<{ appeals: number[] }>(clerk, 'POST', `/api/v1/cabinet/${organization.slug}/answers-from-template`, {
      appealIds: [a.appeal.id, b.appeal.id],
      templateId: template.json.id,
      publish: true,
    });
    expect(done.status).toBe(200);
    const letters = await t.ctx.db
      .selectFrom('appeal_letters')
      .select(['appeal_id', 'text'])
      .where('appeal_id', 'in', [a.appeal.id, b.appeal.id])
      .orderBy('appeal_id')
      .execute();
    expect(letters).toEqual([
      { appeal_id: a.appeal.id, text: `По обращению № ${a.appeal.id} сообщаем: ямочный ремонт включён в план на май.` },
      { appeal_id: b.appeal.id, text: `По обращению № ${b.appeal.id} сообщаем: ямочный ремонт включён в план на май.` },
    ]);
    // One that no longer awaits an answer refuses the whole batch.
    const c = await sentAppeal(organization, 'О ямах у Кабинетной школы');
    const refused = await api<{ error: { fields: { rule: string }[] } }>(clerk, 'POST', `/api/v1/cabinet/${organization.slug}/answers-from-template`, {
      appealIds: [c.appeal.id, a.appeal.id],
      templateId: template.json.id,
      publish: true,
    });
    expect([refused.status, refused.json.error.fields[0]?.rule]).toEqual([422, 'appealTakesNoAnswer']);
    expect((await getAppealRow(t.ctx, c.appeal.id)).status).toBe('sent');
    // The template of another organization is not found through this one.
    const foreign = await api(headOfOther, 'GET', `/api/v1/cabinet/${organization.slug}/templates`);
    expect(foreign.status).toBe(403);
  });
});

describe('members and settings', () => {
  it('lets the head change roles, keeps the last head, and ends a removed member’s access at once', async () => {
    const team = await createOrganization(t.ctx, { name: 'Отдел кадров кабинета', slug: 'cabinet-team' });
    const boss = await verifiedCitizen(t.ctx, { surname: 'Начальникова', firstName: 'Нонна' });
    const worker = await verifiedCitizen(t.ctx, { surname: 'Работников', firstName: 'Роман' });
    await addMember(t.ctx, team, boss, 'head', 'начальник отдела');
    await addMember(t.ctx, team, worker, 'clerk', 'специалист');
    const demote = await api<{ error: { code: string } }>(boss, 'PATCH', `/api/v1/cabinet/${team.slug}/members/${boss.id}`, {
      role: 'clerk',
      position: 'начальник',
    });
    expect([demote.status, demote.json.error.code]).toEqual([409, 'last_head']);
    const leave = await api<{ error: { code: string } }>(boss, 'DELETE', `/api/v1/cabinet/${team.slug}/members/${boss.id}`);
    expect([leave.status, leave.json.error.code]).toEqual([409, 'last_head']);
    // A clerk manages nobody.
    const clerkTries = await api<{ error: { code: string } }>(worker, 'PATCH', `/api/v1/cabinet/${team.slug}/members/${boss.id}`, {
      role: 'clerk',
      position: 'x',
    });
    expect([clerkTries.status, clerkTries.json.error.code]).toEqual([403, 'not_head']);

    const bossPage = await as(boss);
    const members = await bossPage.get(`/cabinet/${team.slug}/members`);
    expect(textOf(members.body)).toContain('Работников Роман');
    const saved = await bossPage.post(`/cabinet/${team.slug}/members/${worker.id}`, { role: 'clerk', position: 'главный специалист' }, csrfFrom(members.body));
    expect(saved.status).toBe(303);
    expect((await t.ctx.db.selectFrom('organization_members').select('position').where('user_id', '=', worker.id).executeTakeFirstOrThrow()).position).toBe(
      'главный специалист',
    );

    const workerPage = await as(worker);
    expect((await workerPage.get(`/cabinet/${team.slug}`)).status).toBe(200);
    const confirm = await bossPage.get(`/cabinet/${team.slug}/members/${worker.id}/remove`);
    expect(confirm.status).toBe(200);
    const removed = await bossPage.post(`/cabinet/${team.slug}/members/${worker.id}/remove`, {}, csrfFrom(confirm.body));
    expect(removed.status).toBe(303);
    // The same session, the next request: no access.
    expect((await workerPage.get(`/cabinet/${team.slug}`)).status).toBe(403);
    const viaToken = await api(worker, 'GET', `/api/v1/cabinet/${team.slug}/appeals`);
    expect(viaToken.status).toBe(403);
  });

  it('shows the cabinet link to its officials only, and lists one’s cabinets', async () => {
    const home = await (await as(clerk)).get('/');
    expect(home.body).toContain('href="/cabinet"');
    expect((await (await as(await verifiedCitizen(t.ctx))).get('/')).body).not.toContain('href="/cabinet"');
    const list = await (await as(clerk)).get('/cabinet');
    expect(textOf(list.body)).toContain('Администрация Кабинетного района — исполнитель');
    const mine = await api<{ items: { slug: string; role: string }[] }>(head, 'GET', '/api/v1/cabinet');
    expect(mine.json.items).toEqual([expect.objectContaining({ slug: organization.slug, role: 'head' })]);
    expect((await api(await verifiedCitizen(t.ctx), 'GET', '/api/v1/cabinet')).status).toBe(403);
  });
});

describe('oversight', () => {
  it('compares the organizations below one by the citizens’ rating, worst first, on the page, as CSV and over the API', async () => {
    const region = await createOrganization(t.ctx, { name: 'Правительство Надзорной области', slug: 'oversight-region' });
    const district = await createOrganization(t.ctx, {
      name: 'Администрация Надзорного района',
      slug: 'oversight-district',
      parentId: region.id,
      appealThreshold: 1,
    });
    const village = await createOrganization(t.ctx, {
      name: 'Администрация села Надзорного',
      slug: 'oversight-village',
      parentId: district.id,
      appealThreshold: 1,
    });
    const governor = await verifiedCitizen(t.ctx, { surname: 'Губернаторова', firstName: 'Галина' });
    const districtHead = await verifiedCitizen(t.ctx, { surname: 'Районный', firstName: 'Роман' });
    await addMember(t.ctx, region, governor, 'clerk');
    await addMember(t.ctx, district, districtHead, 'head');
    // An appeal to the village whose answer term passed with no answer (its due date moved back, as the overdue tests do): overdue now.
    const late = await openAppeal(t.ctx, { organization: village, acknowledgeWarnings: true, title: 'О ремонте сельского клуба' });
    await sign(t.ctx, late.appeal.id);
    await recordSelfSent(t.ctx, actorOf(late.author), late.appeal.id, { sentOn: new Date(), registrationNumber: '' });
    await sql`update appeals set answer_due_at = ${new Date(Date.now() - 86_400_000)} where id = ${late.appeal.id}`.execute(t.ctx.db);
    expect(await markOverdueAppeals(t.ctx)).toBeGreaterThanOrEqual(1);

    const page = await (await as(governor)).get(`/cabinet/${region.slug}/oversight`);
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('2 подведомственные организации');
    // Worst first by what is overdue now: the village (one overdue) before the district (none).
    expect(text.indexOf('Администрация села Надзорного')).toBeLessThan(text.indexOf('Администрация Надзорного района'));
    expect(text).toContain('прямое подчинение');
    expect(text).toContain('2-й уровень');
    expect(page.body).toContain('<svg');
    // Each row has its own twelve months: a small chart, named for screen readers, and the table by month behind it.
    expect(page.body.match(/<svg[^>]*class="row-trend"/g)).toHaveLength(2);
    expect(page.body).toContain('aria-label="Ответы организации «Администрация села Надзорного» за 12 месяцев');
    expect(page.body.match(/<details class="row-months">/g)).toHaveLength(2);
    const csv = await t.app.inject({
      method: 'GET',
      url: `/cabinet/${region.slug}/oversight.csv?sort=name`,
      headers: { cookie: await sessionCookieFor(t.ctx, governor) },
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^"Администрация Надзорного района","oversight-district",1,/);
    expect(lines[2]).toMatch(/^"Администрация села Надзорного","oversight-village",2,.*,1,/);
    const json = await api<{ items: { slug: string; overdueNow: number; depth: number }[] }>(
      governor,
      'GET',
      `/api/v1/cabinet/${region.slug}/oversight?sort=overdue`,
    );
    expect(json.json.items.map((item) => [item.slug, item.depth, item.overdueNow])).toEqual([
      ['oversight-village', 2, 1],
      ['oversight-district', 1, 0],
    ]);
    // The district sees what is below it, not the region above it.
    const districtView = await api<{ items: { slug: string }[] }>(districtHead, 'GET', `/api/v1/cabinet/${district.slug}/oversight`);
    expect(districtView.json.items.map((item) => item.slug)).toEqual(['oversight-village']);
    expect((await api(districtHead, 'GET', `/api/v1/cabinet/${region.slug}/oversight`)).status).toBe(403);
    const empty = await (await as(districtHead)).get(`/cabinet/${district.slug}/oversight?sort=bogus`);
    expect(empty.status).toBe(200);
  });
});

describe('problems under control', () => {
  it('takes a problem «на контроль» with a badge on its page and in the listings, speaks for the organization on it, and releases it', async () => {
    const { problem } = await openAppeal(t.ctx, { organization, acknowledgeWarnings: true, title: 'О благоустройстве Кабинетного парка' });
    const official = await as(clerk);
    // A citizen's page has no officials' section; the clerk's has one per organization they work in.
    expect((await (await as(await verifiedCitizen(t.ctx))).get(`/problems/${problem.id}`)).body).not.toContain('id="officials"');
    const page = await official.get(`/problems/${problem.id}`);
    expect(page.body).toContain('id="officials"');
    const taken = await official.post(`/cabinet/${organization.slug}/problems/${problem.id}/control`, {}, csrfFrom(page.body));
    expect(taken.status).toBe(303);
    const after = textOf((await (await as(await verifiedCitizen(t.ctx))).get(`/problems/${problem.id}`)).body);
    expect(after).toContain('На контроле Администрация Кабинетного района');
    expect(after).toContain('Проблема взята на контроль');
    // The official follows it now, and the listing shows the badge.
    expect(
      await t.ctx.db.selectFrom('problem_follows').select('user_id').where('problem_id', '=', problem.id).where('user_id', '=', clerk.id).execute(),
    ).toHaveLength(1);
    const list = await t.app.inject({ method: 'GET', url: `/problems?organization=${organization.slug}` });
    expect(textOf(list.body)).toContain('На контроле Администрация Кабинетного района');
    const json = await api<{ controlledBy: { slug: string }[] }>(clerk, 'GET', `/api/v1/problems/${problem.id}`);
    expect(json.json.controlledBy).toEqual([{ slug: organization.slug, name: 'Администрация Кабинетного района' }]);
    // Twice changes nothing.
    expect((await api<{ taken: boolean }>(clerk, 'POST', `/api/v1/cabinet/${organization.slug}/problems/${problem.id}/control`)).json).toEqual({
      taken: false,
    });
    // Another organization's head cannot take it for this one.
    expect((await api(headOfOther, 'POST', `/api/v1/cabinet/${organization.slug}/problems/${problem.id}/control`)).status).toBe(403);

    // The organization commits to help (too short is refused, nothing written), then reports progress.
    const form = await official.get(`/cabinet/${organization.slug}/problems/${problem.id}/statement`);
    expect(textOf(form.body)).toContain('Взяться помочь решить проблему');
    const short = await official.post(`/cabinet/${organization.slug}/problems/${problem.id}/statement`, { statement: 'Поможем' }, csrfFrom(form.body));
    expect(short.status).toBe(422);
    const committed = await official.post(
      `/cabinet/${organization.slug}/problems/${problem.id}/statement`,
      { statement: 'Проведём субботник и <b>высадим</b> 40 деревьев до 1 мая.' },
      csrfFrom(form.body),
    );
    expect(committed.status).toBe(303);
    const progress = await api<{ kind: string }>(clerk, 'POST', `/api/v1/cabinet/${organization.slug}/problems/${problem.id}/statements`, {
      text: 'Высажено 25 деревьев из 40.',
    });
    expect([progress.status, progress.json.kind]).toEqual([201, 'organization.progress']);
    const publicPage = await (await as(await verifiedCitizen(t.ctx))).get(`/problems/${problem.id}`);
    expect(textOf(publicPage.body)).toContain('Организация взялась помочь решить проблему');
    expect(publicPage.body).toContain('Проведём субботник и &lt;b>высадим&lt;/b> 40 деревьев до 1 мая.');
    expect(textOf(publicPage.body)).toContain('Организация сообщила, как идёт работа');
    expect(textOf(publicPage.body)).toContain('Высажено 25 деревьев из 40.');

    // The cabinet lists what the organization holds, and the territory's resonant problems with the same button.
    const held = await official.get(`/cabinet/${organization.slug}/problems?view=controlled`);
    expect(textOf(held.body)).toContain('1 проблема на контроле');
    expect(held.body).toContain(`action="/cabinet/${organization.slug}/problems/${problem.id}/release"`);
    const resonant = await official.get(`/cabinet/${organization.slug}/problems`);
    expect(resonant.status).toBe(200);
    expect(textOf(resonant.body)).toContain('Резонансные проблемы');
    const released = await api(clerk, 'DELETE', `/api/v1/cabinet/${organization.slug}/problems/${problem.id}/control`);
    expect(released.status).toBe(204);
    expect(textOf((await t.app.inject({ method: 'GET', url: `/problems/${problem.id}` })).body)).not.toContain('На контроле Администрация');
    expect((await api(clerk, 'DELETE', `/api/v1/cabinet/${organization.slug}/problems/${problem.id}/control`)).status).toBe(404);
  });
});
