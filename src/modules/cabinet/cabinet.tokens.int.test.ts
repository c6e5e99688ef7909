/**
 * Organization API tokens end to end (issue 12): the head makes one on the cabinet's page without JavaScript (its
 * secret shown once, stored as a hash) or over the API; it works on that organization's cabinet API with a clerk's
 * rights, audited under the head with the token's name; it is refused on every other route, on another
 * organization's cabinet and on the head's own actions, each with its stable code; revoking it, or its head leaving,
 * being removed or made a clerk, ends it at the next request; a clerk cannot make one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { addMember, apiTokenFor, createOrganization, openAppeal, sessionCookieFor, sign, verifiedCitizen } from '../../../test/support/factories.ts';
import { browser, csrfFrom, decode } from '../../../test/support/http.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { flushTokenUses } from '../accounts/accounts.token-uses.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';

let t: TestApp;
let organization: Organization;
let other: Organization;
let head: User;
let secondHead: User;
let clerk: User;
let headOfOther: User;

beforeAll(async () => {
  t = await createTestApp();
  organization = await createOrganization(t.ctx, { name: 'Администрация Токенного района', slug: 'token-district', appealThreshold: 1 });
  other = await createOrganization(t.ctx, { name: 'Управление Соседнего района', slug: 'token-other', appealThreshold: 1 });
  head = await verifiedCitizen(t.ctx, { surname: 'Токенова', firstName: 'Тамара' });
  secondHead = await verifiedCitizen(t.ctx, { surname: 'Вторых', firstName: 'Виктор' });
  clerk = await verifiedCitizen(t.ctx, { surname: 'Делопроизводителев', firstName: 'Денис' });
  headOfOther = await verifiedCitizen(t.ctx, { surname: 'Соседов', firstName: 'Савва' });
  await addMember(t.ctx, organization, head, 'head', 'глава');
  await addMember(t.ctx, organization, secondHead, 'head', 'заместитель главы');
  await addMember(t.ctx, organization, clerk, 'clerk');
  await addMember(t.ctx, other, headOfOther, 'head');
  // The head also heads the neighbouring organization: the token must not lend that.
  await addMember(t.ctx, other, head, 'head', 'по совместительству');
});
afterAll(() => t?.stop());

const textOf = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const as = async (user: User) => browser(t.app, await sessionCookieFor(t.ctx, user));

// biome-ignore lint/suspicious/noExplicitAny: each test reads the fields its answer has
type Answer = any;

async function call(token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  const response = await t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  return {
    status: response.statusCode,
    json: (response.body && response.headers['content-type']?.includes('json') ? response.json() : null) as Answer,
    response,
  };
}

/** A token the head makes over the API with a personal token that may write. */
async function organizationToken(maker: User, name: string, scopes = ['read', 'write'], of: Organization = organization) {
  const personal = await apiTokenFor(t.ctx, maker, `maker-${Math.random().toString(36).slice(2, 8)}`);
  const created = await call(personal, 'POST', `/api/v1/cabinet/${of.slug}/tokens`, { name, scopes });
  expect(created.status).toBe(201);
  return created.json as { id: number; token: string; prefix: string; scopes: string[] };
}

async function sentAppeal(title: string) {
  const fixture = await openAppeal(t.ctx, { organization, title, acknowledgeWarnings: true });
  await sign(t.ctx, fixture.appeal.id);
  await dispatchAppeal(t.ctx, fixture.appeal.id);
  return getAppealRow(t.ctx, fixture.appeal.id);
}

describe('the head’s page of tokens', () => {
  it('makes a token without JavaScript, shows its secret once, stores only its hash, lists and revokes it behind a confirmation', async () => {
    const me = await as(head);
    const page = await me.get(`/cabinet/${organization.slug}/tokens`);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Токены API организации');
    // A name is required; nothing is written without one.
    const refused = await me.post(`/cabinet/${organization.slug}/tokens`, { name: ' ', scopes: 'read' }, csrfFrom(page.body));
    expect(refused.status).toBe(422);
    expect(textOf(refused.body)).toContain('Новый токен');
    // Signing is a citizen's act: an organization's token cannot be given it.
    const signing = await me.post(`/cabinet/${organization.slug}/tokens`, { name: 'Подписант', scopes: ['read', 'sign'] }, csrfFrom(page.body));
    expect(signing.status).toBe(422);
    const created = await me.post(`/cabinet/${organization.slug}/tokens`, { name: 'СЭД «Дело»', scopes: ['read', 'write'] }, csrfFrom(page.body));
    expect(created.status).toBe(200);
    const secret = /data-testid="new-token">([^<]+)</.exec(created.body)?.[1] ?? '';
    expect(secret).toMatch(/^dm_/);
    const row = await t.ctx.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('organization_id', '=', organization.id)
      .where('name', '=', 'СЭД «Дело»')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: head.id, scopes: ['read', 'write'], prefix: secret.slice(0, 9) });
    expect(row.token_hash).not.toContain(secret);
    expect(row.token_hash).not.toBe(secret);
    // Shown once: the list afterwards has its prefix, never the secret.
    const list = await me.get(`/cabinet/${organization.slug}/tokens`);
    expect(list.body).not.toContain(secret);
    expect(textOf(list.body)).toContain(`СЭД «Дело» ${row.prefix}… Читать, Изменять`);
    expect(textOf(list.body)).toContain('Тамара Токенова');
    expect(textOf(list.body)).toContain('не использовался');
    // Not among the head's personal tokens.
    expect(textOf((await me.get('/account/tokens')).body)).not.toContain('СЭД «Дело»');

    expect((await call(secret, 'GET', `/api/v1/cabinet/${organization.slug}/appeals`)).status).toBe(200);
    await flushTokenUses(t.ctx);
    expect(textOf((await me.get(`/cabinet/${organization.slug}/tokens`)).body)).not.toContain('не использовался');

    const confirm = await me.get(`/cabinet/${organization.slug}/tokens/${row.id}/revoke`);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.body)).toContain('Отозвать токен «СЭД «Дело»»?');
    const revoked = await me.post(`/cabinet/${organization.slug}/tokens/${row.id}/revoke`, {}, csrfFrom(confirm.body));
    expect(revoked.status).toBe(303);
    const refusedAfter = await call(secret, 'GET', `/api/v1/cabinet/${organization.slug}/appeals`);
    expect([refusedAfter.status, refusedAfter.json.error.code]).toEqual([401, 'unauthenticated']);
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('action', 'like', 'cabinet.api_token.%')
      .where('subject_id', '=', String(organization.id))
      .execute();
    expect(audit).toEqual(
      expect.arrayContaining([
        { action: 'cabinet.api_token.create', actor_id: head.id },
        { action: 'cabinet.api_token.revoke', actor_id: head.id },
      ]),
    );
  });

  it('is the head’s: a clerk gets neither the page, nor the list, nor a new token', async () => {
    const me = await as(clerk);
    expect((await me.get(`/cabinet/${organization.slug}/tokens`)).status).toBe(403);
    expect(textOf((await me.get(`/cabinet/${organization.slug}`)).body)).not.toContain('Токены API');
    const personal = await apiTokenFor(t.ctx, clerk, 'clerk');
    const list = await call(personal, 'GET', `/api/v1/cabinet/${organization.slug}/tokens`);
    expect([list.status, list.json.error.code]).toEqual([403, 'not_head']);
    const create = await call(personal, 'POST', `/api/v1/cabinet/${organization.slug}/tokens`, { name: 'Своя СЭД' });
    expect([create.status, create.json.error.code]).toEqual([403, 'not_head']);
    const outsider = await apiTokenFor(t.ctx, headOfOther, 'outsider');
    expect((await call(outsider, 'GET', `/api/v1/cabinet/${organization.slug}/tokens`)).json.error.code).toBe('not_member');
    expect(
      await t.ctx.db
        .selectFrom('api_tokens')
        .select('id')
        .where('user_id', 'in', [clerk.id, headOfOther.id])
        .where('organization_id', 'is not', null)
        .execute(),
    ).toEqual([]);
  });
});

describe('an organization’s token', () => {
  it('works on its cabinet API as a clerk, audited under its head with its name, and lists over the API', async () => {
    const made = await organizationToken(head, 'СЭД канцелярии');
    expect(made.scopes).toEqual(['read', 'write']);
    // The organization shows its officials' names; the token's acts are still the organization's alone.
    const settings = await call(await apiTokenFor(t.ctx, head, 'settings'), 'PUT', `/api/v1/cabinet/${organization.slug}/settings`, {
      answersNeedApproval: false,
      showOfficialNames: true,
    });
    expect(settings.status).toBe(200);
    const appeal = await sentAppeal('О ремонте крыльца поликлиники Токенной');
    const inbox = await call(made.token, 'GET', `/api/v1/cabinet/${organization.slug}/appeals?state=all`);
    expect(inbox.status).toBe(200);
    expect(inbox.json.items.map((item: { id: number }) => item.id)).toContain(appeal.id);
    const one = await call(made.token, 'GET', `/api/v1/cabinet/${organization.slug}/appeals/${appeal.id}`);
    expect(one.status).toBe(200);
    // The letter with the signatories, as a clerk gets it.
    const letter = await t.app.inject({ method: 'GET', url: one.json.letterPdfUrl, headers: { authorization: `Bearer ${made.token}` } });
    expect([letter.statusCode, letter.headers['content-type']]).toEqual([200, 'application/pdf']);
    const today = new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow' }).format(new Date());
    const registered = await call(made.token, 'POST', `/api/v1/cabinet/${organization.slug}/registrations`, {
      registeredOn: today,
      entries: [{ appealId: appeal.id, registrationNumber: 'СЭД-1' }],
    });
    expect(registered.status).toBe(200);
    expect((await getAppealRow(t.ctx, appeal.id)).registration_number).toBe('СЭД-1');
    const event = await t.ctx.db
      .selectFrom('problem_events')
      .select('data')
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.registered')
      .executeTakeFirstOrThrow();
    const data = (typeof event.data === 'string' ? JSON.parse(event.data) : event.data) as Record<string, unknown>;
    expect(data.byOrganization).toBe('Администрация Токенного района');
    expect(data).not.toHaveProperty('official');
    const entry = await t.ctx.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('action', '=', 'cabinet.appeal_register')
      .where('subject_id', '=', String(appeal.id))
      .executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(head.id);
    const details = typeof entry.details === 'string' ? JSON.parse(entry.details) : entry.details;
    expect(details.organizationToken).toEqual({ id: made.id, name: 'СЭД канцелярии', organizationId: organization.id });

    const personal = await apiTokenFor(t.ctx, head, 'lister');
    const listed = await call(personal, 'GET', `/api/v1/cabinet/${organization.slug}/tokens`);
    expect(listed.status).toBe(200);
    expect(listed.json.items.find((item: { id: number }) => item.id === made.id)).toMatchObject({
      name: 'СЭД канцелярии',
      prefix: made.prefix,
      scopes: ['read', 'write'],
      createdBy: { userId: head.id, name: 'Тамара Токенова' },
    });
    // The secret is in the answer that made it, never in the list.
    expect(JSON.stringify(listed.json)).not.toContain(made.token);
  });

  it('is refused elsewhere, in another organization’s cabinet and for the head’s own actions, each with a stable code', async () => {
    const made = await organizationToken(head, 'СЭД для отказов');
    const code = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
      const answer = await call(made.token, method, url, payload);
      return `${answer.status} ${answer.json?.error?.code ?? ''}`;
    };
    expect(await code('GET', '/api/v1/me')).toBe('403 organization_token_cabinet_only');
    expect(await code('GET', '/api/v1/cabinet')).toBe('403 organization_token_cabinet_only');
    expect(await code('GET', '/api/v1/problems')).toBe('403 organization_token_cabinet_only');
    expect(await code('POST', '/api/v1/tokens', { name: 'x' })).toBe('403 organization_token_cabinet_only');
    const pageAnswer = await t.app.inject({ method: 'GET', url: `/cabinet/${organization.slug}`, headers: { authorization: `Bearer ${made.token}` } });
    expect(pageAnswer.statusCode).toBe(403);
    // The head heads the other organization too; the token is this one's alone.
    expect(await code('GET', `/api/v1/cabinet/${other.slug}/appeals`)).toBe('403 organization_token_other_organization');
    expect(await code('GET', `/api/v1/cabinet/${organization.slug}/tokens`)).toBe('403 organization_token_not_allowed');
    expect(await code('POST', `/api/v1/cabinet/${organization.slug}/tokens`, { name: 'ещё' })).toBe('403 organization_token_not_allowed');
    expect(await code('PATCH', `/api/v1/cabinet/${organization.slug}/members/${clerk.id}`, { role: 'head', position: 'x' })).toBe(
      '403 organization_token_not_allowed',
    );
    expect(await code('DELETE', `/api/v1/cabinet/${organization.slug}/members/${clerk.id}`)).toBe('403 organization_token_not_allowed');
    // Leaving with its head's id would end the head's work: refused too.
    expect(await code('DELETE', `/api/v1/cabinet/${organization.slug}/members/${head.id}`)).toBe('403 organization_token_not_allowed');
    expect(await code('PUT', `/api/v1/cabinet/${organization.slug}/settings`, { answersNeedApproval: true, showOfficialNames: false })).toBe(
      '403 organization_token_not_allowed',
    );
    expect(await code('GET', `/api/v1/cabinet/${organization.slug}/webhooks`)).toBe('403 organization_token_not_allowed');
    expect((await t.ctx.db.selectFrom('organization_members').select('user_id').where('organization_id', '=', organization.id).execute()).length).toBe(3);
    // A read-only token cannot change anything.
    const reader = await organizationToken(head, 'Только чтение', ['read']);
    const write = await call(reader.token, 'POST', `/api/v1/cabinet/${organization.slug}/views`, { name: 'вид', filter: {} });
    expect([write.status, write.json.error.code]).toEqual([403, 'token_scope_missing']);
    const message = (await call(made.token, 'GET', '/api/v1/me')).json.error.message;
    expect(message).toContain('только в API служебного кабинета');
  });

  it('ends at the next request when its head is made a clerk, leaves or is removed; another head’s token lives on', async () => {
    const ofSecond = await organizationToken(secondHead, 'СЭД заместителя');
    const ofHead = await organizationToken(head, 'СЭД главы');
    const inbox = `/api/v1/cabinet/${organization.slug}/appeals`;
    expect((await call(ofSecond.token, 'GET', inbox)).status).toBe(200);
    const personal = await apiTokenFor(t.ctx, head, 'manager');

    // Made a clerk: the tokens the deputy made go with the role, and stay gone when it comes back.
    expect(
      (await call(personal, 'PATCH', `/api/v1/cabinet/${organization.slug}/members/${secondHead.id}`, { role: 'clerk', position: 'специалист' })).status,
    ).toBe(204);
    expect((await call(ofSecond.token, 'GET', inbox)).status).toBe(401);
    expect(
      (await call(personal, 'PATCH', `/api/v1/cabinet/${organization.slug}/members/${secondHead.id}`, { role: 'head', position: 'заместитель главы' })).status,
    ).toBe(204);
    expect((await call(ofSecond.token, 'GET', inbox)).status).toBe(401);
    expect((await call(ofHead.token, 'GET', inbox)).status).toBe(200);

    // Removed: the second head's new token stops at once.
    const again = await organizationToken(secondHead, 'СЭД заместителя, вторая');
    expect((await call(again.token, 'GET', inbox)).status).toBe(200);
    expect((await call(personal, 'DELETE', `/api/v1/cabinet/${organization.slug}/members/${secondHead.id}`)).status).toBe(204);
    expect((await call(again.token, 'GET', inbox)).status).toBe(401);
    expect(
      await t.ctx.db.selectFrom('api_tokens').select('id').where('user_id', '=', secondHead.id).where('organization_id', '=', organization.id).execute(),
    ).toEqual([]);
    const removal = await t.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'cabinet.member_remove')
      .where('subject_id', '=', String(organization.id))
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(removal.details)).toContain(String(again.id));
    // The head's own tokens are untouched by another member's removal.
    expect((await call(ofHead.token, 'GET', inbox)).status).toBe(200);

    // Even a membership row deleted behind the service's back (an administrator's tool, a merge) ends the token:
    // authentication reads the maker's role with the token.
    await addMember(t.ctx, organization, secondHead, 'head', 'снова');
    const third = await organizationToken(secondHead, 'СЭД третья');
    await t.ctx.db.deleteFrom('organization_members').where('organization_id', '=', organization.id).where('user_id', '=', secondHead.id).execute();
    expect((await call(third.token, 'GET', inbox)).status).toBe(401);
  });

  it('of a person leaving: the token their own leaving ends', async () => {
    const leaver = await verifiedCitizen(t.ctx, { surname: 'Уходящая', firstName: 'Ульяна' });
    await addMember(t.ctx, organization, leaver, 'head', 'временно');
    const made = await organizationToken(leaver, 'СЭД уходящей');
    expect((await call(made.token, 'GET', `/api/v1/cabinet/${organization.slug}/appeals`)).status).toBe(200);
    const personal = await apiTokenFor(t.ctx, leaver, 'leave');
    expect((await call(personal, 'DELETE', `/api/v1/cabinet/${organization.slug}/members/${leaver.id}`)).status).toBe(204);
    expect((await call(made.token, 'GET', `/api/v1/cabinet/${organization.slug}/appeals`)).status).toBe(401);
  });
});
