/**
 * Notifications on a real database, through the service, the pages (a browser without JavaScript)
 * and the API: mail by each person's choice (at once, in the digest, not at all; per kind and per
 * problem), the daily digest sent once a day, unsubscribing from a mail without a session (RFC 8058),
 * the 5-mail cap per signer and appeal, the header's unread count, and the in-site list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createMunicipality, createUser, sessionCookieFor } from '../../../test/support/factories.ts';
import { browser, csrfFrom, decode } from '../../../test/support/http.ts';
import type { AppContext } from '../../core/context.ts';
import type { User } from '../../core/db/schema.ts';
import type { Actor } from '../../core/policy.ts';
import { createAppeal } from '../appeals/appeals.service.ts';
import { createOrganization } from '../organizations/organizations.service.ts';
import { createProblem } from '../problems/problems.service.ts';
import { appealMailCap, type NotificationEvent, type Recipient, unsubscribeToken } from './notifications.rules.ts';
import * as notifications from './notifications.service.ts';

let t: TestApp;
let municipalityId: number;
let categoryId: number;
let organizationId: number;

beforeAll(async () => {
  t = await createTestApp();
  municipalityId = await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
  categoryId = (await t.ctx.db.selectFrom('categories').select('id').where('slug', '=', 'roads').executeTakeFirstOrThrow()).id;
  organizationId = (
    await createOrganization(t.ctx, null, {
      name: 'Администрация Оленинского округа',
      slug: '',
      kind: 'municipal_administration',
      territoryId: municipalityId,
      parentId: null,
      appealEmail: 'olenino@example.test',
      postalAddress: '172400, пгт Оленино, ул. Октябрьская, д. 7',
      website: '',
      appealThreshold: 50,
      description: '',
      jurisdictions: [{ territoryId: municipalityId, categoryIds: [] }],
    })
  ).id;
});
afterAll(() => t?.stop());

const actor = (user: User): Actor => ({ id: user.id, role: user.role, emailVerified: user.email_verified_at !== null, via: 'token', memberships: new Map() });

/** A problem with an appeal, by a fresh author. */
async function subject() {
  const author = await createUser(t.ctx, { surname: 'Авторова', firstName: 'Алла' });
  const problem = await createProblem(t.ctx, actor(author), {
    title: 'Разбитая дорога на Октябрьской',
    description: 'Ямы на всей улице, автобус ездит по встречной.',
    categoryId,
    territoryId: municipalityId,
    address: 'пгт Оленино, ул. Октябрьская',
    latitude: null,
    longitude: null,
  });
  const appeal = await createAppeal(t.ctx, actor(author), problem.id, {
    organizationId,
    title: 'О ремонте улицы Октябрьской',
    text: 'Просим отремонтировать дорогу по улице Октябрьской в пгт Оленино. Ямы глубиной до 20 см, автобус объезжает участок по встречной.',
  });
  return { author, problem, appeal };
}

function sentEvent(problemId: number, appealId: number, key?: string): NotificationEvent {
  return {
    kind: 'appeal.sent',
    problemId,
    appealId,
    data: { title: 'О ремонте улицы Октябрьской', organization: 'Администрация Оленинского округа', answerDueAt: '2026-03-05T09:00:00.000Z' },
    ...(key ? { key } : {}),
  };
}

async function tell(event: NotificationEvent, recipients: Recipient[], ctx: AppContext = t.ctx) {
  return ctx.db.transaction().execute((trx) => notifications.notify(ctx, trx, event, recipients));
}

/** The notification mails a person got (the factory's verification mail carries no List-Unsubscribe). */
const mailsTo = async (user: User) =>
  (await t.ctx.db.selectFrom('mail_messages').selectAll().where('to_address', '=', user.email).orderBy('id').execute()).filter(
    (m) => m.headers['List-Unsubscribe'],
  );
const listed = (user: User) => t.ctx.db.selectFrom('notifications').selectAll().where('user_id', '=', user.id).orderBy('id').execute();
const at = (iso: string): AppContext => ({ ...t.ctx, now: () => new Date(iso) });

describe('notify', () => {
  it('lists the event for every recipient once, mails each in their language with one-click unsubscribe, and writes nothing when the action rolls back', async () => {
    const { author, problem, appeal } = await subject();
    const signer = await createUser(t.ctx, { firstName: 'Пётр' });
    const follower = await createUser(t.ctx, { firstName: 'Олег' });
    await t.ctx.db.updateTable('users').set({ locale: 'en' }).where('id', '=', follower.id).execute();

    const outcome = await tell(sentEvent(problem.id, appeal.id), [
      { userId: author.id, reason: 'follower' },
      { userId: author.id, reason: 'author' },
      { userId: signer.id, reason: 'signer' },
      { userId: follower.id, reason: 'follower' },
    ]);
    expect(outcome).toEqual({ recorded: 3, mailed: 3, digest: 0, capped: 0 });
    expect((await listed(author)).map((n) => n.reason)).toEqual(['author']);

    const [toSigner] = await mailsTo(signer);
    expect(toSigner?.subject).toBe(`Обращение № ${appeal.id} отправлено`);
    expect(toSigner?.text_body).toContain('Здравствуйте, Пётр!');
    expect(toSigner?.text_body).toContain('Коллективное обращение «О ремонте улицы Октябрьской» отправлено адресату: Администрация Оленинского округа.');
    expect(toSigner?.text_body).toContain('5 марта 2026');
    expect(toSigner?.text_body).toContain('потому что подписали обращение');
    expect(toSigner?.text_body).toContain(`http://democrator.test/appeals/${appeal.id}`);
    const headers = toSigner?.headers ?? {};
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(headers['List-Unsubscribe']).toMatch(
      /^<http:\/\/democrator\.test\/unsubscribe\/[\w-]+\.[\w-]+>, <mailto:no-reply@democrator\.local\?subject=unsubscribe%20[\w.-]+>$/,
    );
    const link = /<(http[^>]+)>/.exec(headers['List-Unsubscribe'] ?? '')?.[1] as string;
    expect(toSigner?.text_body).toContain(`Отписаться от таких писем: ${link}`);

    const [toFollower] = await mailsTo(follower);
    expect(toFollower?.subject).toBe(`Appeal No. ${appeal.id} has been sent`);
    expect(toFollower?.text_body).toContain('Hello Олег,');
    expect(toFollower?.text_body).toContain('because you follow the problem');

    // The same event again (a retried job) tells nobody twice.
    expect(await tell(sentEvent(problem.id, appeal.id), [{ userId: signer.id, reason: 'signer' }])).toMatchObject({ recorded: 0, mailed: 0 });
    expect(await mailsTo(signer)).toHaveLength(1);

    const late = await createUser(t.ctx);
    await expect(
      t.ctx.db.transaction().execute(async (trx) => {
        await notifications.notify(t.ctx, trx, sentEvent(problem.id, appeal.id, 'rolled-back'), [{ userId: late.id, reason: 'signer' }]);
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    expect(await listed(late)).toEqual([]);
    expect(await mailsTo(late)).toEqual([]);
  });
});

describe('preferences', () => {
  it('honours immediately / digest / off per kind, a problem’s choice over the kind’s, and mail switched off overall', async () => {
    const one = await subject();
    const other = await subject();
    const person = await createUser(t.ctx, { firstName: 'Вера' });
    const as = actor(person);
    const send = (s: Awaited<ReturnType<typeof subject>>, key: string) =>
      tell(sentEvent(s.problem.id, s.appeal.id, key), [{ userId: person.id, reason: 'follower' }]);

    // Default for appeal.sent: at once.
    expect(await send(one, 'default')).toMatchObject({ mailed: 1 });

    await notifications.savePreferences(t.ctx, as, { kinds: { 'appeal.sent': 'off' } });
    expect(await send(one, 'kind-off')).toMatchObject({ recorded: 1, mailed: 0, digest: 0 });

    await notifications.savePreferences(t.ctx, as, { kinds: { 'appeal.sent': 'digest' } });
    expect(await send(one, 'kind-digest')).toMatchObject({ recorded: 1, mailed: 0, digest: 1 });

    // A problem's own choice wins over the kind's, both ways.
    await notifications.savePreferences(t.ctx, as, { kinds: { 'appeal.sent': 'off' }, problems: [{ problemId: other.problem.id, choice: 'immediately' }] });
    expect(await send(other, 'problem-on')).toMatchObject({ mailed: 1 });
    expect(await send(one, 'kind-off-again')).toMatchObject({ mailed: 0 });
    await notifications.savePreferences(t.ctx, as, { kinds: { 'appeal.sent': 'immediately' }, problems: [{ problemId: other.problem.id, choice: 'off' }] });
    expect(await send(other, 'problem-off')).toMatchObject({ mailed: 0, digest: 0 });
    expect(await send(one, 'kind-on')).toMatchObject({ mailed: 1 });
    // Back to the kind's choice for that problem.
    await notifications.savePreferences(t.ctx, as, { problems: [{ problemId: other.problem.id, choice: null }] });
    expect(await send(other, 'problem-inherits')).toMatchObject({ mailed: 1 });

    await notifications.savePreferences(t.ctx, as, { mailEnabled: false });
    expect(await send(one, 'all-off')).toMatchObject({ recorded: 1, mailed: 0, digest: 0 });

    expect(await mailsTo(person)).toHaveLength(4);
    // Everything is still listed on the site, mailed or not.
    expect(await listed(person)).toHaveLength(9);
    const stored = await notifications.getPreferences(t.ctx, as);
    expect(stored.mailEnabled).toBe(false);
    expect(stored.kinds.find((k) => k.kind === 'appeal.sent')).toEqual({ kind: 'appeal.sent', choice: 'immediately', default: 'immediately' });
  });

  it('saves the settings page (a form without JavaScript, CSRF-protected) and shows followed problems', async () => {
    const { problem } = await subject();
    const person = await createUser(t.ctx, { firstName: 'Зоя' });
    await t.ctx.db.insertInto('problem_follows').values({ user_id: person.id, problem_id: problem.id }).execute();
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, person));
    const page = await visitor.get('/account/notifications');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<legend>Обращение отправлено адресату</legend>');
    expect(page.body).toMatch(/name="kind\.appeal\.sent" value="immediately" checked/);
    expect(decode(page.body)).toContain(`Проблема № ${problem.id}: Разбитая дорога на Октябрьской`);

    const fields = {
      mailEnabled: 'yes',
      'kind.appeal.sent': 'digest',
      'kind.appeal.threshold_reached': 'off',
      'kind.appeal.withdrawn': 'immediately',
      'kind.problem.solved': 'immediately',
      [`problem.${problem.id}`]: 'off',
      unlimitedAppealMail: 'yes',
    };
    expect((await visitor.post('/account/notifications', fields, 'forged')).status).toBe(403);
    const saved = await visitor.post('/account/notifications', fields, csrfFrom(page.body));
    expect(saved).toMatchObject({ status: 303, location: '/account/notifications' });
    const after = await visitor.get('/account/notifications');
    expect(after.body).toContain('Настройки уведомлений сохранены.');
    expect(after.body).toMatch(/name="kind\.appeal\.sent" value="digest" checked/);
    expect(after.body).toMatch(/name="kind\.appeal\.threshold_reached" value="off" checked/);
    expect(after.body).toContain('<option value="off" selected>Не присылать</option>');
    expect(await notifications.getPreferences(t.ctx, actor(person))).toMatchObject({ mailEnabled: true, unlimitedAppealMail: true });

    // Unticked boxes are absent from the form: mail goes off.
    await visitor.post('/account/notifications', { 'kind.appeal.sent': 'digest' }, csrfFrom(after.body));
    expect(await notifications.getPreferences(t.ctx, actor(person))).toMatchObject({ mailEnabled: false, unlimitedAppealMail: false });

    const wrong = await visitor.post('/account/notifications', { 'kind.appeal.sent': 'hourly' }, csrfFrom(after.body));
    expect(wrong.status).toBe(422);
    expect(wrong.body).toContain('Выберите один из вариантов.');
    expect((await browser(t.app).get('/account/notifications')).status).toBe(401);
  });
});

describe('the daily digest', () => {
  it('sends one mail per person per day with everything waiting, even when the job runs twice', async () => {
    const { problem, appeal } = await subject();
    const reader = await createUser(t.ctx, { firstName: 'Дина' });
    await notifications.savePreferences(t.ctx, actor(reader), { kinds: { 'appeal.sent': 'digest', 'appeal.threshold_reached': 'digest' } });
    const morning = at('2026-02-10T05:00:00Z');
    await tell(sentEvent(problem.id, appeal.id, 'd1'), [{ userId: reader.id, reason: 'follower' }], morning);
    await tell(
      { kind: 'appeal.threshold_reached', problemId: problem.id, appealId: appeal.id, data: { title: 'О ремонте улицы Октябрьской', count: 52 } },
      [{ userId: reader.id, reason: 'follower' }],
      morning,
    );
    expect(await mailsTo(reader)).toEqual([]);

    const nine = at('2026-02-10T06:00:00Z');
    await notifications.sendDigests(nine);
    await notifications.sendDigests(nine);
    const [digest, ...more] = await mailsTo(reader);
    expect(more).toEqual([]);
    expect(digest?.subject).toBe('Democrator: 2 новости за день');
    expect(digest?.text_body).toContain('Здравствуйте, Дина!');
    expect(digest?.text_body).toContain('• Коллективное обращение «О ремонте улицы Октябрьской» отправлено адресату');
    expect(digest?.text_body).toContain('набрало 52 подписи');
    expect(digest?.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');

    // News later that day waits for the next day's digest, however often the job runs.
    await tell(sentEvent(problem.id, appeal.id, 'd2'), [{ userId: reader.id, reason: 'follower' }], at('2026-02-10T12:00:00Z'));
    await notifications.sendDigests(at('2026-02-10T20:00:00Z'));
    expect(await mailsTo(reader)).toHaveLength(1);
    await notifications.sendDigests(at('2026-02-11T06:00:00Z'));
    const mails = await mailsTo(reader);
    expect(mails).toHaveLength(2);
    expect(mails[1]?.subject).toBe('Democrator: 1 новость за день');

    // Two runs at once (two nodes) still send one.
    await tell(sentEvent(problem.id, appeal.id, 'd3'), [{ userId: reader.id, reason: 'follower' }], at('2026-02-11T12:00:00Z'));
    await Promise.all([notifications.sendDigests(at('2026-02-12T06:00:00Z')), notifications.sendDigests(at('2026-02-12T06:00:01Z'))]);
    expect(await mailsTo(reader)).toHaveLength(3);
  });

  it('leaves out of the digest what the person switched off since', async () => {
    const { problem, appeal } = await subject();
    const reader = await createUser(t.ctx);
    await notifications.savePreferences(t.ctx, actor(reader), { kinds: { 'appeal.sent': 'digest' } });
    await tell(sentEvent(problem.id, appeal.id), [{ userId: reader.id, reason: 'follower' }], at('2026-02-20T05:00:00Z'));
    await notifications.savePreferences(t.ctx, actor(reader), { problems: [{ problemId: problem.id, choice: 'off' }] });
    await notifications.sendDigests(at('2026-02-20T06:00:00Z'));
    expect(await mailsTo(reader)).toEqual([]);
    expect((await listed(reader)).map((n) => n.mail)).toEqual(['off']);
  });
});

describe('the 5-mail cap', () => {
  it('mails a signer at most 5 times about one appeal, still lists the rest, and lets them ask for more', async () => {
    const { problem, appeal } = await subject();
    const signer = await createUser(t.ctx, { firstName: 'Семён' });
    const follower = await createUser(t.ctx);
    const eager = await createUser(t.ctx);
    await notifications.savePreferences(t.ctx, actor(eager), { unlimitedAppealMail: true });
    for (let i = 1; i <= 7; i += 1) {
      await tell(sentEvent(problem.id, appeal.id, `cap-${i}`), [
        { userId: signer.id, reason: 'signer' },
        { userId: follower.id, reason: 'follower' },
        { userId: eager.id, reason: 'signer' },
      ]);
    }
    const mails = await mailsTo(signer);
    expect(mails).toHaveLength(appealMailCap);
    expect(mails.at(-1)?.text_body).toContain('Это последнее письмо об этом обращении');
    expect(mails.slice(0, -1).some((m) => m.text_body.includes('последнее письмо'))).toBe(false);
    expect((await listed(signer)).map((n) => n.mail)).toEqual(['immediately', 'immediately', 'immediately', 'immediately', 'immediately', 'capped', 'capped']);
    expect(await mailsTo(follower)).toHaveLength(7);
    expect(await mailsTo(eager)).toHaveLength(7);

    // Another appeal has its own count.
    const next = await subject();
    expect(await tell(sentEvent(next.problem.id, next.appeal.id), [{ userId: signer.id, reason: 'signer' }])).toMatchObject({ mailed: 1 });
  });

  it('counts a day’s digest as one mail about the appeal', async () => {
    const { problem, appeal } = await subject();
    const signer = await createUser(t.ctx);
    await notifications.savePreferences(t.ctx, actor(signer), { kinds: { 'appeal.sent': 'digest' } });
    for (let i = 1; i <= 8; i += 1) await tell(sentEvent(problem.id, appeal.id, `digest-cap-${i}`), [{ userId: signer.id, reason: 'signer' }]);
    const count = await t.ctx.db
      .selectFrom('notification_appeal_mails')
      .select('mails')
      .where('user_id', '=', signer.id)
      .where('appeal_id', '=', appeal.id)
      .executeTakeFirstOrThrow();
    expect(count.mails).toBe(1);
    expect((await listed(signer)).every((n) => n.mail === 'digest')).toBe(true);
  });
});

describe('one-click unsubscribe', () => {
  async function mailedPerson() {
    const { problem, appeal } = await subject();
    const person = await createUser(t.ctx);
    await tell(sentEvent(problem.id, appeal.id), [{ userId: person.id, reason: 'follower' }]);
    const [mail] = await mailsTo(person);
    const url = /<(http[^>]+)>/.exec(mail?.headers['List-Unsubscribe'] ?? '')?.[1] as string;
    return { person, problem, appeal, path: new URL(url).pathname };
  }

  it('shows a confirmation page on GET (mail scanners fetch links) and changes nothing', async () => {
    const { person, problem, path } = await mailedPerson();
    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Отписка от писем</h1>');
    expect(page.body).toContain(`Письма о проблеме № ${problem.id}`);
    expect(decode(page.body)).toContain('Все письма «Обращение отправлено адресату»');
    expect(page.body).toContain(`action="${path}"`);
    expect((await notifications.getPreferences(t.ctx, actor(person))).problems).toEqual([]);
  });

  it('unsubscribes by the RFC 8058 POST of a mail client: no session, no CSRF token, no redirect', async () => {
    const { person, problem, appeal, path } = await mailedPerson();
    const response = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`Письма о проблеме № ${problem.id} больше приходить не будут.`);
    const stored = await t.ctx.db.selectFrom('notification_problem_preferences').selectAll().where('user_id', '=', person.id).execute();
    expect(stored.map((row) => [row.problem_id, row.mail])).toEqual([[problem.id, 'off']]);
    expect(await tell(sentEvent(problem.id, appeal.id, 'after-unsubscribe'), [{ userId: person.id, reason: 'follower' }])).toMatchObject({
      recorded: 1,
      mailed: 0,
    });
  });

  it('unsubscribes from the confirmation page’s button (kind or everything), and refuses a forged or damaged token', async () => {
    const { person, path } = await mailedPerson();
    const chosen = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'target=kind' });
    expect(chosen.statusCode).toBe(303);
    const done = await t.app.inject({ method: 'GET', url: chosen.headers.location as string });
    expect(decode(done.body)).toContain('Письма «Обращение отправлено адресату» больше приходить не будут.');
    expect((await notifications.getPreferences(t.ctx, actor(person))).kinds.find((k) => k.kind === 'appeal.sent')?.choice).toBe('off');

    await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'target=all' });
    expect((await notifications.getPreferences(t.ctx, actor(person))).mailEnabled).toBe(false);

    const someoneElse = await createUser(t.ctx);
    const forged = unsubscribeToken('not-the-secret-0123456789', { userId: someoneElse.id, kind: 'appeal.sent', problemId: null });
    for (const url of [`/unsubscribe/${forged}`, `${path}x`, '/unsubscribe/garbage']) {
      const refused = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('Ссылка для отписки повреждена');
    }
    expect((await t.app.inject({ method: 'GET', url: `/unsubscribe/${forged}` })).statusCode).toBe(400);
    expect((await notifications.getPreferences(t.ctx, actor(someoneElse))).mailEnabled).toBe(true);
  });
});

describe('the in-site list and the header count', () => {
  it('lists notifications newest first, marks one and all read with POST forms, and keeps the header count in step', async () => {
    const { problem, appeal } = await subject();
    const reader = await createUser(t.ctx, { firstName: 'Лиза' });
    for (let i = 1; i <= 23; i += 1) await tell(sentEvent(problem.id, appeal.id, `list-${i}`), [{ userId: reader.id, reason: 'signer' }]);
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, reader));

    const home = await visitor.get('/');
    expect(home.body).toMatch(/<span aria-hidden="true">23<\/span><span class="visually-hidden">23 непрочитанных<\/span>/);
    const first = await visitor.get('/notifications');
    expect(first.status).toBe(200);
    expect(first.body.match(/data-testid="notification"/g)).toHaveLength(20);
    expect(first.body).toContain('23 уведомления');
    expect(first.body).toContain('Страница 1 из 2');
    const second = await visitor.get('/notifications?page=2');
    expect(second.body.match(/data-testid="notification"/g)).toHaveLength(3);

    const newest = (await listed(reader)).at(-1);
    const read = await visitor.post(`/notifications/${newest?.id}/read`, { return: '/notifications' }, csrfFrom(first.body));
    expect(read).toMatchObject({ status: 303, location: '/notifications' });
    const after = await visitor.get('/notifications');
    expect(after.body).toContain('Уведомление отмечено прочитанным.');
    expect(after.body).toMatch(/<span aria-hidden="true">22<\/span>/);

    // Someone else's notification does not exist for this reader.
    const stranger = browser(t.app, await sessionCookieFor(t.ctx, await createUser(t.ctx)));
    const strangerPage = await stranger.get('/notifications');
    expect(strangerPage.body).toContain('Уведомлений пока нет');
    expect(strangerPage.body).not.toContain('data-testid="unread-count"');
    expect((await stranger.post(`/notifications/${newest?.id}/read`, {}, csrfFrom(strangerPage.body))).status).toBe(404);

    const all = await visitor.post('/notifications/read-all', {}, csrfFrom(after.body));
    expect(all.status).toBe(303);
    const none = await visitor.get('/notifications');
    expect(none.body).not.toContain('data-testid="unread-count"');
    expect(none.body).not.toContain('notification-unread');
    expect(none.body).toContain('Все уведомления отмечены прочитанными.');
    expect((await browser(t.app).get('/')).body).not.toContain('href="/notifications"');
    expect((await browser(t.app).get('/notifications')).status).toBe(401);
  });
});

describe('the API', () => {
  interface Listed {
    items: { id: number; kind: string; text: string; url: string; readAt: string | null; mail: string; reason: string }[];
    total: number;
    unread: number;
  }
  const call = async <T>(method: 'GET' | 'POST' | 'PUT', url: string, token: string | null, payload?: object) => {
    const response = await t.app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(payload ? { payload } : {}) });
    return { status: response.statusCode, json: response.json() as T };
  };

  it('lists, marks read, and reads and changes the mail settings', async () => {
    const { problem, appeal } = await subject();
    const reader = await createUser(t.ctx);
    const token = await apiTokenFor(t.ctx, reader);
    await tell(sentEvent(problem.id, appeal.id, 'api-1'), [{ userId: reader.id, reason: 'signer' }]);
    await tell(sentEvent(problem.id, appeal.id, 'api-2'), [{ userId: reader.id, reason: 'signer' }]);

    const list = await call<Listed>('GET', '/api/v1/notifications?perPage=1', token);
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ total: 2, unread: 2, page: 1, perPage: 1 });
    expect(list.json.items[0]).toMatchObject({
      kind: 'appeal.sent',
      reason: 'signer',
      mail: 'immediately',
      readAt: null,
      url: `http://democrator.test/appeals/${appeal.id}`,
    });
    expect(list.json.items[0]?.text).toContain('отправлено адресату');
    const id = list.json.items[0]?.id as number;
    const read = await call<{ readAt: string | null }>('POST', `/api/v1/notifications/${id}/read`, token);
    expect(read.status).toBe(200);
    expect(read.json.readAt).toEqual(expect.any(String));
    expect((await call<Listed>('GET', '/api/v1/notifications?unread=true', token)).json).toMatchObject({ total: 1, unread: 1 });
    expect((await call('POST', '/api/v1/notifications/read-all', token)).json).toEqual({ marked: 1 });

    const other = await apiTokenFor(t.ctx, await createUser(t.ctx));
    expect((await call<{ error: { code: string } }>('POST', `/api/v1/notifications/${id}/read`, other)).json.error.code).toBe('not_found');
    expect((await call<{ error: { code: string } }>('GET', '/api/v1/notifications', null)).status).toBe(401);

    const prefs = await call<{ kinds: { kind: string; choice: string | null; effective: string }[]; mailEnabled: boolean }>(
      'GET',
      '/api/v1/me/notification-preferences',
      token,
    );
    expect(prefs.status).toBe(200);
    expect(prefs.json.kinds.find((k) => k.kind === 'appeal.sent')).toMatchObject({ choice: null, effective: 'immediately' });
    const changed = await call<{
      kinds: { kind: string; choice: string | null }[];
      problems: { problemId: number; choice: string }[];
      unlimitedAppealMail: boolean;
    }>('PUT', '/api/v1/me/notification-preferences', token, {
      kinds: [{ kind: 'appeal.sent', choice: 'digest' }],
      problems: [{ problemId: problem.id, choice: 'off' }],
      unlimitedAppealMail: true,
    });
    expect(changed.status).toBe(200);
    expect(changed.json.kinds.find((k) => k.kind === 'appeal.sent')?.choice).toBe('digest');
    expect(changed.json.problems).toEqual([{ problemId: problem.id, title: 'Разбитая дорога на Октябрьской', choice: 'off', following: false }]);
    expect(changed.json.unlimitedAppealMail).toBe(true);

    const badKind = await call<{ error: { code: string } }>('PUT', '/api/v1/me/notification-preferences', token, {
      kinds: [{ kind: 'appeal.hourly', choice: 'off' }],
    });
    expect(badKind).toMatchObject({ status: 422, json: { error: { code: 'validation_failed' } } });
    const badProblem = await call<{ error: { code: string; fields: { field: string; message: string }[] } }>(
      'PUT',
      '/api/v1/me/notification-preferences',
      token,
      {
        problems: [{ problemId: 2_000_000_000, choice: 'off' }],
      },
    );
    expect(badProblem.status).toBe(422);
    expect(badProblem.json.error.fields[0]).toMatchObject({ field: 'problems.2000000000', message: 'Такой проблемы нет.' });
  });

  it('documents every operation with an operationId, its security and its errors', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, { operationId?: string; security?: unknown[]; responses: Record<string, unknown> }>>;
    };
    const operations = [
      ['/api/v1/notifications', 'get', 'listNotifications'],
      ['/api/v1/notifications/{id}/read', 'post', 'markNotificationRead'],
      ['/api/v1/notifications/read-all', 'post', 'markAllNotificationsRead'],
      ['/api/v1/me/notification-preferences', 'get', 'getNotificationPreferences'],
      ['/api/v1/me/notification-preferences', 'put', 'updateNotificationPreferences'],
    ] as const;
    for (const [path, method, operationId] of operations) {
      const operation = spec.paths[path]?.[method];
      expect(operation?.operationId).toBe(operationId);
      expect(operation?.security).toEqual([{ bearer: [] }]);
      expect(operation?.responses).toHaveProperty('401');
    }
  });
});
