import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createMunicipality, createUser, factoryPassword, sessionCookieFor } from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { clientAddressHash } from '../../core/security/client-address.ts';
import { passwordResetJob, register } from './accounts.service.ts';

let t: TestApp;
let municipalityId: number;

beforeAll(async () => {
  // Many registrations from one test address: the per-address limit is tested in core/http/server.int.test.ts.
  // ALTCHA on, as in production: registration's checks are what this file tests (core/security/altcha.int.test.ts has the rest).
  t = await createTestApp({ AUTH_RATE_LIMIT: '100', RATE_LIMIT_REGISTER: '100', ALTCHA_ENABLED: 'true', RATE_LIMIT_WITHOUT_PROOF: '100' });
  municipalityId = await createMunicipality(t.ctx);
});
afterAll(() => t?.stop());

/** Answers the no-JavaScript question the way a person reads it: "Сколько будет семь плюс четыре?". */
function answerQuestion(html: string): string {
  const words = ['ноль', 'один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять', 'десять'];
  const match = /Сколько будет (\S+) плюс (\S+)\?/.exec(html);
  if (!match) throw new Error('no captcha question on the page');
  return String(words.indexOf(match[1] as string) + words.indexOf(match[2] as string));
}

function captchaFields(html: string) {
  const token = /name="captchaToken" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { captchaToken: token, captchaAnswer: answerQuestion(html) };
}

async function usersWith(email: string) {
  return t.ctx.db.selectFrom('users').select('id').where('email', '=', email).execute();
}

async function outboxFor(email: string) {
  return t.ctx.db.selectFrom('mail_messages').selectAll().where('to_address', '=', email).orderBy('id').execute();
}

function linkIn(text: string, path: string): string {
  const match = new RegExp(`http://democrator\\.test(${path}\\?token=[A-Za-z0-9_-]+)`).exec(text);
  if (!match?.[1]) throw new Error(`no ${path} link in mail`);
  return match[1];
}

const person = { surname: 'Иванова', firstName: 'Анна', patronymic: 'Сергеевна', password: 'Липовая-аллея-1905' };

describe('registration without JavaScript', () => {
  it('registers, mails a link that only a button press consumes, and verifies once', async () => {
    const visitor = browser(t.app);
    const page = await visitor.get('/register');
    expect(page.status).toBe(200);
    const response = await visitor.post(
      '/register',
      { ...person, email: 'Anna@Example.test', municipalityId: String(municipalityId), ...captchaFields(page.body) },
      csrfFrom(page.body),
    );
    expect(response.status).toBe(303);
    expect(response.location).toBe('/registered');
    expect(visitor.cookies.has('dm_session')).toBe(false);
    const checkMail = await visitor.get('/registered');
    expect(checkMail.body).toContain('Проверьте почту');
    expect(checkMail.body).toContain('Мы отправили письмо на anna@example.test.');

    const user = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', 'anna@example.test').executeTakeFirstOrThrow();
    expect(user).toMatchObject({ surname: 'Иванова', first_name: 'Анна', email_verified_at: null, municipality_id: municipalityId });
    expect(user.password_hash).toMatch(/^\$argon2id\$/);

    const [mail] = await outboxFor('anna@example.test');
    expect(mail?.subject).toBe('Подтвердите почту на Democrator');
    const link = linkIn(mail?.text_body ?? '', '/verify-email');

    // A mail scanner following the link changes nothing.
    const landing = await visitor.get(link);
    expect(landing.status).toBe(200);
    expect(landing.body).toContain('Подтвердить почту');
    const still = await t.ctx.db.selectFrom('users').select('email_verified_at').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(still.email_verified_at).toBeNull();

    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    const confirmed = await visitor.post('/verify-email', { token }, csrfFrom(landing.body));
    expect(confirmed.status).toBe(303);
    // Registration signs nobody in (a known address would be told apart by it); the link does, in this browser.
    expect(confirmed.location).toBe('/account');
    expect((await visitor.get('/account')).status).toBe(200);
    const verified = await t.ctx.db.selectFrom('users').select('email_verified_at').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(verified.email_verified_at).toBeInstanceOf(Date);

    const again = await visitor.get(link);
    expect(again.status).toBe(400);
    expect(again.body).toContain('Эта ссылка уже использована.');
  });

  it('answers a registered e-mail as it answers a new one, and mails its owner instead of making an account', async () => {
    const owner = await createUser(t.ctx, { email: 'taken@example.test', firstName: 'Вера' });
    const mailedBefore = (await outboxFor('taken@example.test')).length;
    const register = async (email: string) => {
      const visitor = browser(t.app);
      const page = await visitor.get('/register');
      const response = await visitor.post('/register', { ...person, email, ...captchaFields(page.body) }, csrfFrom(page.body));
      const shown = await visitor.get('/registered');
      return { response, shown, cookies: [...visitor.cookies.keys()].sort() };
    };
    const known = await register('TAKEN@example.test');
    const fresh = await register('fresh@example.test');

    // Same status, same place, same cookies, the same page but for the address.
    expect(known.response.status).toBe(303);
    expect(known.response.location).toBe('/registered');
    expect([known.response.status, known.response.location]).toEqual([fresh.response.status, fresh.response.location]);
    expect(known.cookies).toEqual(fresh.cookies);
    expect(known.cookies).not.toContain('dm_session');
    expect(known.shown.body).toContain('Мы отправили письмо на taken@example.test.');
    expect(known.shown.body.replace('taken@example.test', 'fresh@example.test').replace(/name="_csrf" value="[^"]+"/, '')).toBe(
      fresh.shown.body.replace(/name="_csrf" value="[^"]+"/, ''),
    );

    // No second account; the owner is told, with the ways in, and nothing about the owner changed.
    expect(await usersWith('taken@example.test')).toEqual([{ id: owner.id }]);
    const mails = (await outboxFor('taken@example.test')).slice(mailedBefore);
    expect(mails.map((m) => m.subject)).toEqual(['Попытка регистрации с вашим адресом на Democrator']);
    expect(mails[0]?.text_body).toContain('Здравствуйте, Вера!');
    expect(mails[0]?.text_body).toContain('http://democrator.test/login');
    expect(mails[0]?.text_body).toContain('http://democrator.test/forgot-password');
    const row = await t.ctx.db.selectFrom('users').selectAll().where('id', '=', owner.id).executeTakeFirstOrThrow();
    expect(row.surname).toBe(owner.surname);
    expect(row.password_hash).toBe(owner.password_hash);
    const login = await browser(t.app).submit('/login', '/login', { email: 'taken@example.test', password: person.password });
    expect(login.status).toBe(401);
  });

  it('takes another spelling of a registered mailbox for that mailbox: no second account, sign-in and recovery find it', async () => {
    const owner = await createUser(t.ctx, { email: 'ivan.kanonov@gmail.com', firstName: 'Иван' });
    const mailedBefore = (await outboxFor('ivan.kanonov@gmail.com')).length;
    const register = async (email: string) => {
      const visitor = browser(t.app);
      const page = await visitor.get('/register');
      return visitor.post('/register', { ...person, email, ...captchaFields(page.body) }, csrfFrom(page.body));
    };
    // The same answer as for a new address (nothing more is revealed), and the owner is told at his own address.
    for (const spelling of ['IvanKanonov+petitions@googlemail.com', 'i.v.a.n.kanonov@gmail.com']) {
      const response = await register(spelling);
      expect([response.status, response.location]).toEqual([303, '/registered']);
    }
    const rows = await t.ctx.db.selectFrom('users').select(['id', 'email_canonical']).where('email_canonical', 'like', '%kanonov%').execute();
    expect(rows).toEqual([{ id: owner.id, email_canonical: 'ivankanonov@gmail.com' }]);
    expect((await outboxFor('ivan.kanonov@gmail.com')).slice(mailedBefore).map((m) => m.subject)).toEqual([
      'Попытка регистрации с вашим адресом на Democrator',
      'Попытка регистрации с вашим адресом на Democrator',
    ]);

    // Signing in with another spelling of the mailbox reaches the account.
    const login = await browser(t.app).submit('/login', '/login', { email: 'Ivan.Kanonov+x@GoogleMail.com', password: factoryPassword });
    expect(login.status).toBe(303);
    // So does password recovery; the mail goes to the address the account was registered with.
    const before = (await outboxFor('ivan.kanonov@gmail.com')).length;
    await browser(t.app).submit('/forgot-password', '/forgot-password', { email: 'ivankanonov+reset@gmail.com' });
    await t.ctx.jobs.drain(passwordResetJob);
    const resetMails = (await outboxFor('ivan.kanonov@gmail.com')).slice(before);
    expect(resetMails).toHaveLength(1);
    expect(resetMails[0]?.text_body).toContain('/reset-password?token=');
    expect(await outboxFor('ivankanonov+reset@gmail.com')).toEqual([]);

    // A provider that does not deliver +tags keeps them: that is another mailbox, another account.
    await createUser(t.ctx, { email: 'petr@mail.ru' });
    await createUser(t.ctx, { email: 'petr+1@mail.ru' });
    expect((await t.ctx.db.selectFrom('users').select('id').where('email', 'like', 'petr%@mail.ru').execute()).length).toBe(2);
  });

  it('keeps the registering client address only as a keyed hash', async () => {
    const registration = await register(
      t.ctx,
      { ...person, email: 'hashed-address@example.test', patronymic: '', municipalityId: null, locale: 'ru' },
      '198.51.100.23',
    );
    const row = await t.ctx.db
      .selectFrom('users')
      .select(['registration_address_hash'])
      .where('id', '=', registration.user?.id ?? -1)
      .executeTakeFirstOrThrow();
    expect(row.registration_address_hash).toBe(clientAddressHash(t.ctx.config.secret, '198.51.100.23'));
    expect(row.registration_address_hash).not.toContain('198.51');
  });

  it('signs in at verification only the browser that registered', async () => {
    const registering = browser(t.app);
    const page = await registering.get('/register');
    await registering.post('/register', { ...person, email: 'elsewhere@example.test', ...captchaFields(page.body) }, csrfFrom(page.body));
    const link = linkIn((await outboxFor('elsewhere@example.test'))[0]?.text_body ?? '', '/verify-email');
    const other = browser(t.app);
    const landing = await other.get(link);
    const confirmed = await other.post('/verify-email', { token: new URL(link, 'http://x').searchParams.get('token') ?? '' }, csrfFrom(landing.body));
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toBe('/login');
    expect(other.cookies.has('dm_session')).toBe(false);
  });

  it('refuses a weak password and a wrong answer, writing nothing', async () => {
    const before = await t.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const visitor = browser(t.app);

    let page = await visitor.get('/register');
    let response = await visitor.post(
      '/register',
      { ...person, password: 'qwertyuiop', email: 'new@example.test', ...captchaFields(page.body) },
      csrfFrom(page.body),
    );
    expect(response.status).toBe(422);
    expect(response.body).toContain('Этот пароль слишком распространён');
    expect(response.body).toContain('aria-invalid="true"');

    page = await visitor.get('/register');
    response = await visitor.post(
      '/register',
      { ...person, email: 'new@example.test', captchaToken: captchaFields(page.body).captchaToken, captchaAnswer: '999' },
      csrfFrom(page.body),
    );
    expect(response.status).toBe(422);
    expect(response.body).toContain('Ответ на проверочный вопрос неверен');
    // The rest of the form is kept; the password is not written into the page, and the page says so.
    expect(response.body).toContain('value="Иванова"');
    expect(response.body).not.toContain(person.password);
    expect(response.body).toContain('Введите пароль ещё раз');

    const after = await t.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(await outboxFor('new@example.test')).toEqual([]);
  });

  it('names the automatic check, not the hidden question, when the form came without a finished proof', async () => {
    const visitor = browser(t.app);
    // With JavaScript the question's fields are disabled, so a form sent before the proof is ready has neither.
    let page = await visitor.get('/register');
    const early = await visitor.post('/register', { ...person, email: 'early@example.test' }, csrfFrom(page.body));
    expect(early.status).toBe(422);
    expect(early.body).toContain('Автоматическая проверка ещё не закончилась');
    expect(early.body).toContain('href="#field-altcha"');
    expect(early.body).not.toContain('Ответ на проверочный вопрос неверен');
    expect(early.body).toContain('Введите пароль ещё раз');

    page = await visitor.get('/register');
    const stale = await visitor.post('/register', { ...person, email: 'early@example.test', altcha: 'bm9wZQ==' }, csrfFrom(page.body));
    expect(stale.status).toBe(422);
    expect(stale.body).toContain('Автоматическая проверка не прошла или устарела');
    expect(stale.body).not.toContain('Ответ на проверочный вопрос неверен');

    // The other mistakes of the form come with it, so fixing the check is not followed by another refusal.
    page = await visitor.get('/register');
    const both = await visitor.post('/register', { ...person, email: 'not-an-address', firstName: '' }, csrfFrom(page.body));
    expect(both.body).toContain('Введите адрес почты в виде name@example.ru.');
    expect(both.body).toContain('Заполните это поле.');
    expect(await usersWith('early@example.test')).toEqual([]);
  });

  it('accepts one answer to a question once', async () => {
    const visitor = browser(t.app);
    const page = await visitor.get('/register');
    const fields = captchaFields(page.body);
    const first = await visitor.post('/register', { ...person, email: 'once@example.test', ...fields }, csrfFrom(page.body));
    expect(first.status).toBe(303);
    const other = browser(t.app);
    const otherPage = await other.get('/register');
    const replay = await other.post('/register', { ...person, email: 'twice@example.test', ...fields }, csrfFrom(otherPage.body));
    expect(replay.status).toBe(422);
  });

  it('uses a question up with a wrong answer too, so its sums cannot be tried one by one', async () => {
    const visitor = browser(t.app);
    const page = await visitor.get('/register');
    const fields = captchaFields(page.body);
    const wrong = String(Number(fields.captchaAnswer) + 1);
    const guess = await visitor.post('/register', { ...person, email: 'guess@example.test', ...fields, captchaAnswer: wrong }, csrfFrom(page.body));
    expect(guess.status).toBe(422);
    const right = await visitor.post('/register', { ...person, email: 'guess@example.test', ...fields }, csrfFrom(page.body));
    expect(right.status).toBe(422);
    expect(right.body).toContain('Ответ на проверочный вопрос неверен');
    expect(await outboxFor('guess@example.test')).toEqual([]);
  });

  it('rejects a form without a CSRF token', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a%40b.ru&password=x',
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('Форма устарела');
  });
});

describe('logging in and out', () => {
  it('does not say whether the e-mail or the password was wrong', async () => {
    await createUser(t.ctx, { email: 'known@example.test' });
    const visitor = browser(t.app);
    const wrongPassword = await visitor.submit('/login', '/login', { email: 'known@example.test', password: 'not-the-password' });
    const unknownEmail = await visitor.submit('/login', '/login', { email: 'nobody@example.test', password: 'not-the-password' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const message = 'Неверная почта или пароль.';
    expect(wrongPassword.body).toContain(message);
    expect(unknownEmail.body).toContain(message);
    expect(visitor.cookies.has('dm_session')).toBe(false);
  });

  it('locks one account after a few wrong passwords from many addresses, and says the same for an unknown one', async () => {
    await createUser(t.ctx, { email: 'target@example.test' });
    const attempt = (email: string, password: string, address: number) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        remoteAddress: `198.51.100.${address}`,
        payload: { email, password, name: 'guess' },
      });
    const statuses: number[] = [];
    // Fifty guesses from five addresses: each address stays well under its own limit.
    for (let guess = 0; guess < 50; guess++) statuses.push((await attempt('target@example.test', `guess-${guess}`, guess % 5)).statusCode);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    // While locked, not even the right password is tried.
    const right = await attempt('target@example.test', factoryPassword, 9);
    expect(right.statusCode).toBe(429);
    expect(right.json().error.code).toBe('rate_limited');
    const unknown: number[] = [];
    for (let guess = 0; guess < 6; guess++) unknown.push((await attempt('nobody-here@example.test', `guess-${guess}`, 10 + guess)).statusCode);
    expect(unknown).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('signs in with a new session and signs out by ending it', async () => {
    await createUser(t.ctx, { email: 'login@example.test' });
    const visitor = browser(t.app);
    const response = await visitor.submit('/login', '/login', { email: 'LOGIN@example.test', password: factoryPassword, return: '/account/tokens' });
    expect(response.status).toBe(303);
    expect(response.location).toBe('/account/tokens');
    expect((await visitor.get('/account')).status).toBe(200);
    const logout = await visitor.submit('/account', '/logout', {});
    expect(logout.status).toBe(303);
    const after = await visitor.get('/account');
    expect(after.status).toBe(401);
    expect(after.body).toContain('Войдите, чтобы продолжить.');
  });

  it('never redirects off the site after login', async () => {
    await createUser(t.ctx, { email: 'redirect@example.test' });
    const response = await browser(t.app).submit('/login', '/login', { email: 'redirect@example.test', password: factoryPassword, return: '//evil.example/' });
    expect(response.location).toBe('/account');
  });
});

describe('password reset', () => {
  it('mails a one-hour link, sets the new password and ends every session', async () => {
    const user = await createUser(t.ctx, { email: 'reset@example.test' });
    const oldSession = browser(t.app, await sessionCookieFor(t.ctx, user));
    expect((await oldSession.get('/account')).status).toBe(200);

    const token = await apiTokenFor(t.ctx, user);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })).statusCode).toBe(200);

    const response = await browser(t.app).submit('/forgot-password', '/forgot-password', { email: 'reset@example.test' });
    expect(response.location).toBe('/forgot-password/sent');
    const unknown = await browser(t.app).submit('/forgot-password', '/forgot-password', { email: 'ghost@example.test' });
    expect(unknown.location).toBe('/forgot-password/sent');
    await t.ctx.jobs.drain(passwordResetJob);
    expect(await outboxFor('ghost@example.test')).toEqual([]);

    // The latest mail: the first one to this address is the verification mail of its registration.
    const mail = (await outboxFor('reset@example.test')).at(-1);
    const link = linkIn(mail?.text_body ?? '', '/reset-password');
    const visitor = browser(t.app);
    const page = await visitor.get(link);
    const resetToken = new URL(link, 'http://x').searchParams.get('token') ?? '';
    const weak = await visitor.post('/reset-password', { token: resetToken, password: 'short' }, csrfFrom(page.body));
    expect(weak.status).toBe(422);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })).statusCode).toBe(200);
    const done = await visitor.post('/reset-password', { token: resetToken, password: 'Новый-пароль-2026' }, csrfFrom(page.body));
    expect(done.status).toBe(303);

    expect((await oldSession.get('/account')).status).toBe(401);
    // A token made by whoever knew the old password stops working too.
    const withOldToken = await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer, payload: { firstName: 'Чужой' } });
    expect(withOldToken.statusCode).toBe(401);
    expect(await t.ctx.db.selectFrom('api_tokens').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    const login = await browser(t.app).submit('/login', '/login', { email: 'reset@example.test', password: 'Новый-пароль-2026' });
    expect(login.status).toBe(303);
  });

  it('refuses an expired link', async () => {
    const user = await createUser(t.ctx, { email: 'expired@example.test' });
    await browser(t.app).submit('/forgot-password', '/forgot-password', { email: user.email });
    await t.ctx.jobs.drain(passwordResetJob);
    await t.ctx.db
      .updateTable('email_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', user.id)
      .execute();
    const mail = (await outboxFor(user.email)).at(-1);
    const response = await browser(t.app).get(linkIn(mail?.text_body ?? '', '/reset-password'));
    expect(response.status).toBe(400);
    expect(response.body).toContain('Срок действия ссылки истёк');
  });
});

describe('password change', () => {
  it('revokes every API token when its box stays ticked (the default), and keeps them when it is unticked', async () => {
    const user = await createUser(t.ctx, { email: 'change@example.test' });
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, user));
    const elsewhere = browser(t.app, await sessionCookieFor(t.ctx, user));
    const token = await apiTokenFor(t.ctx, user);
    const me = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode;
    const box = (html: string) => /<input[^>]*name="revokeTokens"[^>]*>/.exec(html)?.[0] ?? '';

    let page = await visitor.get('/account/password');
    expect(page.body).toContain('Отозвать все API-токены');
    expect(box(page.body)).toContain('checked');

    // Unticked, the form sends nothing for the box: the tokens stay; other sessions end as before.
    let response = await visitor.post('/account/password', { currentPassword: factoryPassword, newPassword: 'Второй-пароль-2026' }, csrfFrom(page.body));
    expect(response.status).toBe(303);
    expect((await visitor.get('/account')).body).toContain('Пароль изменён. Другие сеансы завершены.');
    expect(await me()).toBe(200);
    expect((await elsewhere.get('/account')).status).toBe(401);

    // A refused change keeps the choice that was sent.
    page = await visitor.get('/account/password');
    const refused = await visitor.post('/account/password', { currentPassword: 'not-the-password', newPassword: 'Третий-пароль-2026' }, csrfFrom(page.body));
    expect(refused.status).toBe(422);
    expect(box(refused.body)).not.toContain('checked');
    expect(await me()).toBe(200);

    page = await visitor.get('/account/password');
    response = await visitor.post(
      '/account/password',
      { currentPassword: 'Второй-пароль-2026', newPassword: 'Третий-пароль-2026', revokeTokens: 'yes' },
      csrfFrom(page.body),
    );
    expect(response.status).toBe(303);
    expect((await visitor.get('/account')).body).toContain('API-токены отозваны');
    expect(await me()).toBe(401);
    expect((await visitor.get('/account')).status).toBe(200);
  });
});

describe('profile', () => {
  it('saves the profile and shows field errors without saving anything', async () => {
    const user = await createUser(t.ctx, { email: 'profile@example.test', postalAddress: null });
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, user));
    const bad = await visitor.submit('/account', '/account', {
      surname: 'Кузнецова',
      firstName: '',
      patronymic: '',
      municipalityId: String(municipalityId),
      postalAddress: 'Тверь',
      locale: 'ru',
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toContain('Заполните это поле.');
    expect(bad.body).toContain('Укажите адрес полностью');
    let row = await t.ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.first_name).toBe('Мария');

    const good = await visitor.submit('/account', '/account', {
      surname: 'Кузнецова',
      firstName: 'Марина',
      patronymic: '',
      municipalityId: String(municipalityId),
      postalAddress: '170100, г. Тверь, ул. Советская, д. 5',
      locale: 'en',
    });
    expect(good.status).toBe(303);
    row = await t.ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      first_name: 'Марина',
      patronymic: null,
      postal_address: '170100, г. Тверь, ул. Советская, д. 5',
      locale: 'en',
      municipality_id: municipalityId,
    });
    const english = await visitor.get('/account');
    expect(english.body).toContain('Profile saved.');
    expect(english.body).toContain('<html lang="en">');
  });

  it('changes e-mail only after the new address confirms, and tells the old one', async () => {
    const user = await createUser(t.ctx, { email: 'old@example.test' });
    const mailedAtRegistration = (await outboxFor('old@example.test')).length;
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, user));
    const wrong = await visitor.submit('/account/email', '/account/email', { newEmail: 'new-address@example.test', password: 'wrong-password' });
    expect(wrong.status).toBe(422);
    const response = await visitor.submit('/account/email', '/account/email', { newEmail: 'New-Address@example.test', password: factoryPassword });
    expect(response.status).toBe(303);
    expect((await outboxFor('old@example.test')).slice(mailedAtRegistration).map((m) => m.subject)).toEqual(['Запрошена смена адреса почты']);
    const [mail] = await outboxFor('new-address@example.test');
    const link = linkIn(mail?.text_body ?? '', '/confirm-email');
    let row = await t.ctx.db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.email).toBe('old@example.test');
    const page = await visitor.get(link);
    await visitor.post('/confirm-email', { token: new URL(link, 'http://x').searchParams.get('token') ?? '' }, csrfFrom(page.body));
    row = await t.ctx.db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.email).toBe('new-address@example.test');
  });

  it('exports own data as JSON and deletes the account only with the password', async () => {
    const user = await createUser(t.ctx, { email: 'leaving@example.test' });
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, user));
    const exported = await visitor.get('/account/export.json');
    expect(exported.status).toBe(200);
    expect(exported.headers['content-disposition']).toContain('attachment');
    const data = JSON.parse(exported.body);
    expect(data.profile).toMatchObject({ email: 'leaving@example.test', fullName: 'Кузнецова Мария Петровна' });
    expect(data.profile).not.toHaveProperty('password_hash');
    expect(data.signatures).toEqual([]);

    const refused = await visitor.submit('/account/delete', '/account/delete', { confirm: 'yes', password: 'wrong-password' });
    expect(refused.status).toBe(422);
    const unconfirmed = await visitor.submit('/account/delete', '/account/delete', { password: factoryPassword });
    expect(unconfirmed.status).toBe(422);
    expect(await t.ctx.db.selectFrom('users').select('id').where('id', '=', user.id).executeTakeFirst()).toBeDefined();

    const deleted = await visitor.submit('/account/delete', '/account/delete', { confirm: 'yes', password: factoryPassword });
    expect(deleted.status).toBe(303);
    expect(await t.ctx.db.selectFrom('users').select('id').where('id', '=', user.id).executeTakeFirst()).toBeUndefined();
    expect(await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
  });
});

describe('REST API', () => {
  it('registers with a solved ALTCHA challenge, and refuses a forged or used one', async () => {
    const challenge = (await t.app.inject({ method: 'GET', url: '/api/v1/altcha/challenge' })).json();
    const solution = await solveChallenge({ challenge, deriveKey });
    expect(solution).not.toBeNull();
    const altcha = Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
    const body = { email: 'api@example.test', password: 'Очень-надёжный-пароль', surname: 'Соколов', firstName: 'Пётр', municipalityId };
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { ...body, altcha: 'bm9wZQ==' } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('altcha_failed');

    const response = await t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { ...body, altcha } });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: true, email: 'api@example.test' });
    expect(response.json()).not.toHaveProperty('password_hash');
    const created = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', 'api@example.test').executeTakeFirstOrThrow();
    expect(created).toMatchObject({ email_verified_at: null, municipality_id: municipalityId, surname: 'Соколов' });
    expect((await outboxFor('api@example.test')).map((m) => m.subject)).toEqual(['Подтвердите почту на Democrator']);

    const replay = await t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { ...body, email: 'api2@example.test', altcha } });
    expect(replay.statusCode).toBe(422);
    expect(replay.json().error.code).toBe('altcha_failed');
    expect(await usersWith('api2@example.test')).toEqual([]);
  });

  it('answers the registration of a known e-mail exactly as a new one, and mails the owner', async () => {
    const owner = await createUser(t.ctx, { email: 'api-known@example.test' });
    const mailedBefore = (await outboxFor('api-known@example.test')).length;
    const registerWith = async (email: string) => {
      const challenge = (await t.app.inject({ method: 'GET', url: '/api/v1/altcha/challenge' })).json();
      const altcha = Buffer.from(JSON.stringify({ challenge, solution: await solveChallenge({ challenge, deriveKey }) })).toString('base64');
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        payload: { email, password: 'Очень-надёжный-пароль', surname: 'Соколов', firstName: 'Пётр', altcha },
      });
    };
    const known = await registerWith('API-Known@example.test');
    const fresh = await registerWith('api-fresh@example.test');
    expect(known.statusCode).toBe(202);
    expect(fresh.statusCode).toBe(202);
    expect(known.json()).toEqual({ accepted: true, email: 'api-known@example.test' });
    expect(Object.keys(known.json()).sort()).toEqual(Object.keys(fresh.json()).sort());
    expect(Object.keys(known.headers).sort()).toEqual(Object.keys(fresh.headers).sort());
    expect(await usersWith('api-known@example.test')).toEqual([{ id: owner.id }]);
    expect((await outboxFor('api-known@example.test')).slice(mailedBefore).map((m) => m.subject)).toEqual([
      'Попытка регистрации с вашим адресом на Democrator',
    ]);
  });

  it('answers bad input with stable codes and translated messages', async () => {
    const malformed = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: 'malformed_json', message: 'Тело запроса — не корректный JSON.' });

    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { 'accept-language': 'en' }, payload: { email: 'a@b.ru' } });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.code).toBe('validation_failed');
    expect(
      missing
        .json()
        .error.fields.map((f: { field: string }) => f.field)
        .sort(),
    ).toEqual(['name', 'password']);

    const huge = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'x'.repeat(2_000_000) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');

    const challenge = (await t.app.inject({ method: 'GET', url: '/api/v1/altcha/challenge' })).json();
    const altcha = Buffer.from(JSON.stringify({ challenge, solution: await solveChallenge({ challenge, deriveKey }) })).toString('base64');
    const unknownTerritory = await t.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      payload: { email: 'terr@example.test', password: 'Очень-надёжный-пароль', surname: 'Соколов', firstName: 'Пётр', municipalityId: 999999, altcha },
    });
    expect(unknownTerritory.statusCode).toBe(422);
    expect(unknownTerritory.json().error.fields).toEqual([{ field: 'municipalityId', rule: 'unknownTerritory', message: 'Такой территории нет.' }]);
    expect(await t.ctx.db.selectFrom('users').select('id').where('email', '=', 'terr@example.test').executeTakeFirst()).toBeUndefined();
  });

  it('creates a personal token, uses it, and stops accepting it once revoked', async () => {
    const user = await createUser(t.ctx, { email: 'tokens@example.test' });
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: 'tokens@example.test', password: factoryPassword, name: 'Скрипт', scopes: ['read', 'write'] },
    });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json();
    const auth = { authorization: `Bearer ${token}` };
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth });
    expect(me.json()).toMatchObject({ id: user.id, email: 'tokens@example.test' });

    const patched = await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: auth, payload: { municipalityId: 999_999 } });
    expect(patched.statusCode).toBe(422);
    expect(patched.json().error.fields).toEqual([{ field: 'municipalityId', rule: 'unknownTerritory', message: 'Такой территории нет.' }]);

    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/me/tokens', headers: auth });
    expect(listed.json()).toEqual([expect.objectContaining({ id, name: 'Скрипт' })]);
    expect(JSON.stringify(listed.json())).not.toContain(token);
    // Uses are written in batches, but the owner's listing always shows their own latest use.
    const lastUsedAt = new Date(listed.json()[0].lastUsedAt).getTime();
    expect(Date.now() - lastUsedAt).toBeLessThan(60_000);

    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${id}`, headers: auth })).statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthenticated');
  });

  it('answers requests that arrive together each as its own token’s owner, and refuses the unknown token among them', async () => {
    const users = await Promise.all(['Ахматова', 'Блок', 'Гумилёв'].map((surname) => createUser(t.ctx, { surname })));
    const tokens = await Promise.all(users.map((user) => apiTokenFor(t.ctx, user)));
    // Started together, the lookups are one query (see resolveApiToken); each answer must still be its own.
    const responses = await Promise.all(
      [...tokens, 'dm_unknown', tokens[0]].map((token) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 401, 200]);
    expect(responses.map((r) => (r.statusCode === 200 ? r.json().id : null))).toEqual([...users.map((user) => user.id), null, users[0]?.id]);
  });

  it('does not let one user revoke another user’s token', async () => {
    const owner = await createUser(t.ctx);
    const other = await createUser(t.ctx);
    const ownerToken = await apiTokenFor(t.ctx, owner);
    const [row] = await t.ctx.db.selectFrom('api_tokens').select('id').where('user_id', '=', owner.id).execute();
    const response = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/tokens/${row?.id}`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, other)}` },
    });
    expect(response.statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${ownerToken}` } })).statusCode).toBe(200);
  });

  it('needs the CSRF header when the API is called with the browser session', async () => {
    const user = await createUser(t.ctx);
    const cookie = await sessionCookieFor(t.ctx, user);
    const response = await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: { cookie }, payload: { firstName: 'Ольга' } });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('csrf_invalid');
  });
});
