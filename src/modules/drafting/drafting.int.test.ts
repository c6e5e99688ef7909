import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { authenticationMessage, awarenessMessage, collabClient } from '../../../test/support/collab.ts';
import { actorOf, apiTokenFor, createAppeal, createUser, sessionCookieFor, verifiedCitizen } from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { User } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { hashSecret } from '../accounts/accounts.rules.ts';
import { blockUser, endSession } from '../accounts/accounts.service.ts';
import { markdownToDocument } from '../appeals/appeals.document.ts';
import {
  compareRevisions,
  draftView,
  joinDraft,
  recordSessionRevision,
  removeCoauthor,
  restoreRevision,
  revisionHistory,
  saveDraftText,
  setDraftShared,
  setTextLocked,
} from '../appeals/appeals.revisions.ts';
import { openForSignatures, reviseAppeal } from '../appeals/appeals.service.ts';
import { closeCollaboration, collabLimits, collaborationOf } from './drafting.collab.ts';

/** Waits until `condition` holds. */
const until = (condition: () => boolean | Promise<boolean>, { timeoutMs }: { timeoutMs: number }) =>
  waitFor(async () => ((await condition()) ? true : undefined), timeoutMs);

const para = (words: string) => `${words} — этот абзац нужен, чтобы текст был не короче пятидесяти знаков.`;

let app: TestApp;
let baseUrl: string;

beforeAll(async () => {
  app = await createTestApp();
  baseUrl = await app.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.stop();
});

async function sharedDraft() {
  const fixture = await createAppeal(app.ctx, { text: `${para('Первый')}\n\n${para('Второй')}\n\n${para('Третий')}` });
  await setDraftShared(app.ctx, actorOf(fixture.author), fixture.appeal.id, true);
  const coauthor = await verifiedCitizen(app.ctx, { surname: 'Соавторова', firstName: 'Софья' });
  await joinDraft(app.ctx, actorOf(coauthor), fixture.appeal.id);
  return { ...fixture, coauthor };
}

/** A co-editing client of `user` on a session of his own (or on `sessionCookie`); none: anonymous. */
async function editor(appealId: number, user: User | null, sessionCookie?: string) {
  return collabClient(baseUrl, appealId, sessionCookie ?? (user ? await sessionCookieFor(app.ctx, user) : null));
}

describe('co-writing a draft', () => {
  it('keeps a private draft its author’s alone until he shares it; then anyone reads it and a verified citizen joins', async () => {
    const { appeal, author } = await createAppeal(app.ctx);
    const stranger = await verifiedCitizen(app.ctx);
    await expect(draftView(app.ctx, actorOf(stranger), appeal.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(joinDraft(app.ctx, actorOf(stranger), appeal.id)).rejects.toMatchObject({ code: 'not_found' });
    await setDraftShared(app.ctx, actorOf(author), appeal.id, true);
    const view = await draftView(app.ctx, null, appeal.id);
    expect(view.canWrite).toBe(false);
    expect(view.html).toContain('<p>');
    await joinDraft(app.ctx, actorOf(stranger), appeal.id);
    const joined = await draftView(app.ctx, actorOf(stranger), appeal.id);
    expect(joined.isCoauthor).toBe(true);
    expect(joined.canWrite).toBe(true);
    expect(joined.coauthors.map((c) => c.name)).toEqual([`${stranger.first_name} ${stranger.surname.slice(0, 1)}.`]);
    await expect(joinDraft(app.ctx, actorOf(stranger), appeal.id)).rejects.toMatchObject({ code: 'already_coauthor' });
    await expect(joinDraft(app.ctx, actorOf(author), appeal.id)).rejects.toMatchObject({ code: 'already_coauthor' });
  });

  it('lets a co-author write until the author locks the text or removes him, and a removed co-author cannot rejoin', async () => {
    const { appeal, author, coauthor } = await sharedDraft();
    const saved = await saveDraftText(app.ctx, actorOf(coauthor), appeal.id, { markdown: `${para('Правка соавтора')}\n\n${para('Второй')}`, baseRevision: 1 });
    expect(saved).toMatchObject({ kind: 'saved', merged: false, revision: { number: 2 } });
    await setTextLocked(app.ctx, actorOf(author), appeal.id, true);
    await expect(saveDraftText(app.ctx, actorOf(coauthor), appeal.id, { markdown: para('Ещё'), baseRevision: 2 })).rejects.toMatchObject({
      code: 'draft_locked',
    });
    // The author's own lock does not bind him.
    await expect(saveDraftText(app.ctx, actorOf(author), appeal.id, { markdown: para('Автор пишет'), baseRevision: 2 })).resolves.toMatchObject({
      kind: 'saved',
    });
    await setTextLocked(app.ctx, actorOf(author), appeal.id, false);
    await removeCoauthor(app.ctx, actorOf(author), appeal.id, coauthor.id);
    await expect(saveDraftText(app.ctx, actorOf(coauthor), appeal.id, { markdown: para('После'), baseRevision: 3 })).rejects.toMatchObject({
      code: 'not_coauthor',
    });
    await expect(joinDraft(app.ctx, actorOf(coauthor), appeal.id)).rejects.toBeInstanceOf(DomainError);
    await expect(removeCoauthor(app.ctx, actorOf(coauthor), appeal.id, author.id)).rejects.toMatchObject({ code: 'not_author' });
    const other = await verifiedCitizen(app.ctx);
    await joinDraft(app.ctx, actorOf(other), appeal.id);
    await expect(removeCoauthor(app.ctx, actorOf(await verifiedCitizen(app.ctx)), appeal.id, other.id)).rejects.toMatchObject({ code: 'not_author' });
    await removeCoauthor(app.ctx, actorOf(author), appeal.id, other.id);
  });

  it('merges a save from an older revision when the paragraphs differ, and saves nothing on a conflict', async () => {
    const { appeal, author, coauthor } = await sharedDraft();
    const base = `${para('Первый')}\n\n${para('Второй')}\n\n${para('Третий')}`;
    await saveDraftText(app.ctx, actorOf(coauthor), appeal.id, { markdown: base.replace('Третий', 'Третий, правка соавтора'), baseRevision: 1 });
    const merged = await saveDraftText(app.ctx, actorOf(author), appeal.id, { markdown: base.replace('Первый', 'Первый, правка автора'), baseRevision: 1 });
    expect(merged).toMatchObject({ kind: 'saved', merged: true, revision: { number: 3 } });
    if (merged.kind !== 'saved') throw new Error('not saved');
    expect(merged.revision.text).toContain('Первый, правка автора');
    expect(merged.revision.text).toContain('Третий, правка соавтора');

    const conflict = await saveDraftText(app.ctx, actorOf(coauthor), appeal.id, { markdown: base.replace('Первый', 'Первый, другая правка'), baseRevision: 1 });
    expect(conflict.kind).toBe('conflict');
    if (conflict.kind !== 'conflict') throw new Error('no conflict');
    expect(conflict.latest.number).toBe(3);
    const region = conflict.regions.find((r) => r.kind === 'conflict');
    expect(region).toMatchObject({ mine: [expect.stringContaining('другая правка')], theirs: [expect.stringContaining('правка автора')] });
    const { revisions } = await revisionHistory(app.ctx, actorOf(author), appeal.id);
    expect(revisions.map((r) => r.number)).toEqual([3, 2, 1]);
  });

  it('rolls back the author’s title change with the text when his save conflicts', async () => {
    const { appeal, author, coauthor, organization } = await sharedDraft();
    const base = `${para('Первый')}\n\n${para('Второй')}\n\n${para('Третий')}`;
    await saveDraftText(app.ctx, actorOf(coauthor), appeal.id, { markdown: base.replace('Второй', 'Второй, соавтор'), baseRevision: 1 });
    const outcome = await reviseAppeal(app.ctx, actorOf(author), appeal.id, {
      title: 'Новое название обращения',
      text: base.replace('Второй', 'Второй, автор'),
      organizationId: organization.id,
      baseRevision: 1,
    });
    expect(outcome.kind).toBe('conflict');
    const view = await draftView(app.ctx, actorOf(author), appeal.id);
    expect(view.appeal.title).toBe(appeal.title);
    expect(view.latest.number).toBe(2);
  });

  it('restores an old revision as a new one and compares revisions word by word, in whole Russian words', async () => {
    const { appeal, author, coauthor } = await sharedDraft();
    const base = `${para('Первый')}\n\n${para('Второй')}\n\n${para('Третий')}`;
    await saveDraftText(app.ctx, actorOf(coauthor), appeal.id, { markdown: base.replace('Второй', 'Изменённый'), baseRevision: 1 });
    const compared = await compareRevisions(app.ctx, null, appeal.id, 1, 2);
    expect(compared.changes.filter((c) => c.kind !== 'same')).toEqual([
      { kind: 'removed', text: 'Второй' },
      { kind: 'added', text: 'Изменённый' },
    ]);
    await expect(restoreRevision(app.ctx, actorOf(coauthor), appeal.id, 1)).rejects.toMatchObject({ code: 'not_author' });
    const restored = await restoreRevision(app.ctx, actorOf(author), appeal.id, 1);
    expect(restored).toMatchObject({ number: 3, restored_from: 1 });
    expect(restored.text).toBe(compared.from.text);
  });

  it('credits a session’s editors to the revision another node already wrote with their typing, and only to that one', async () => {
    const { appeal, author, coauthor } = await sharedDraft();
    const third = await verifiedCitizen(app.ctx);
    const doc = markdownToDocument(`${para('Первый')}\n\n${para('Второй')}\n\n${para('Добавлено')}`);
    // One node writes revision 2 with its editor; the other, which last knew revision 1, has the same text.
    const written = await recordSessionRevision(app.ctx, appeal.id, { doc, contributorIds: [author.id], sinceRevision: 1 });
    expect(written).toMatchObject({ created: true, revision: { number: 2, contributor_ids: [author.id] } });
    const credited = await recordSessionRevision(app.ctx, appeal.id, { doc, contributorIds: [coauthor.id], sinceRevision: 1 });
    expect(credited).toMatchObject({ created: false, revision: { number: 2, author_id: author.id } });
    expect([...(credited?.revision.contributor_ids ?? [])].sort()).toEqual([author.id, coauthor.id].sort());
    // A session that knew revision 2 and typed nothing that changed it is no author of it.
    await recordSessionRevision(app.ctx, appeal.id, { doc, contributorIds: [third.id], sinceRevision: 2 });
    const { latest } = await draftView(app.ctx, actorOf(author), appeal.id);
    expect(latest.number).toBe(2);
    expect(latest.contributor_ids).not.toContain(third.id);
  });

  it('keeps scripts, event attributes and javascript: links out of the stored HTML and the plain text', async () => {
    const { appeal, author } = await createAppeal(app.ctx);
    const outcome = await saveDraftText(app.ctx, actorOf(author), appeal.id, {
      markdown: `${para('Текст')} <script>alert(1)</script> <img src=x onerror=alert(1)> [ссылка](javascript:alert(1)) [данные](data:text/html,x) [хорошая](https://example.org/a)\n\n<a href="javascript:alert(2)" onclick="alert(3)">html</a>`,
      baseRevision: 1,
    });
    if (outcome.kind !== 'saved') throw new Error('not saved');
    const html = outcome.revision.html ?? '';
    // What is left of the attempts is text: no tag but the schema's, no attribute that runs or leaves for a script.
    const tags = html.match(/<[^>]+>/g) ?? [];
    expect(tags.filter((tag) => !/^<\/?(p|a|strong|em|ul|ol|li|h2|h3|blockquote|br)[ >]/.test(tag))).toEqual([]);
    expect(tags.filter((tag) => /\son\w+=|javascript:|data:/i.test(tag))).toEqual([]);
    expect(html).toContain('<a rel="nofollow ugc noopener" href="https://example.org/a">хорошая</a>');
    expect(outcome.revision.text).toContain('хорошая');
  });
});

describe('the live editor', () => {
  it('lets the author and a co-author edit one document that converges, and records it as a revision when the last one leaves', async () => {
    const { appeal, coauthor, author } = await sharedDraft();
    const first = await editor(appeal.id, author);
    const second = await editor(appeal.id, coauthor);
    await Promise.all([first.synced(), second.synced()]);
    expect(first.readOnly()).toBe(false);
    expect(second.readOnly()).toBe(false);
    first.typeParagraph(para('Абзац автора'));
    second.typeParagraph(para('Абзац соавтора'));
    await until(() => first.text() === second.text() && first.text().includes('Абзац соавтора') && second.text().includes('Абзац автора'), {
      timeoutMs: 10_000,
    });
    first.destroy();
    second.destroy();
    await until(async () => (await draftView(app.ctx, actorOf(author), appeal.id)).latest.number === 2, { timeoutMs: 10_000 });
    const { latest } = await draftView(app.ctx, actorOf(author), appeal.id);
    expect(latest.text).toContain('Абзац автора');
    expect(latest.text).toContain('Абзац соавтора');
    expect([...latest.contributor_ids].sort()).toEqual([author.id, coauthor.id].sort());
  });

  it('gives readers a read-only connection whose updates never reach the document', async () => {
    const { appeal, author } = await sharedDraft();
    const reader = await editor(appeal.id, await verifiedCitizen(app.ctx));
    await reader.synced();
    expect(reader.readOnly()).toBe(true);
    reader.typeParagraph(para('Чужая правка'));
    const witness = await editor(appeal.id, author);
    await witness.synced();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(witness.text()).not.toContain('Чужая правка');
    reader.destroy();
    witness.destroy();
  });

  it('refuses anonymous readers of a private draft', async () => {
    const { appeal } = await createAppeal(app.ctx);
    const anonymous = await editor(appeal.id, null);
    await anonymous.synced();
    expect(anonymous.failed()).toBe(true);
    anonymous.destroy();
  });

  it('closes a removed co-author’s open connection at once and lets him back only to read', async () => {
    const { appeal, author, coauthor } = await sharedDraft();
    const open = await editor(appeal.id, coauthor);
    await open.synced();
    expect(open.readOnly()).toBe(false);
    await removeCoauthor(app.ctx, actorOf(author), appeal.id, coauthor.id);
    // Closed by the server (Hocuspocus tells the provider why, then the socket ends normally).
    await until(() => open.closes.length > 0, { timeoutMs: 5000 });
    open.destroy();
    const again = await editor(appeal.id, coauthor);
    await again.synced();
    expect(again.readOnly()).toBe(true);
    again.destroy();
  });

  it('records what the editors typed in the text that freezes when the author opens the appeal', async () => {
    const { appeal, author } = await sharedDraft();
    const open = await editor(appeal.id, author);
    await open.synced();
    open.typeParagraph(para('Последняя правка'));
    await until(
      () =>
        collaborationOf(app.ctx).hocuspocus.documents.get(`appeal.${appeal.id}`)?.getXmlFragment('default').toString().includes('Последняя правка') ?? false,
      {
        timeoutMs: 5000,
      },
    );
    const opened = await openForSignatures(app.ctx, actorOf(author), appeal.id, { acknowledgeWarnings: false });
    const { latest } = await draftView(app.ctx, actorOf(author), appeal.id);
    expect(opened.frozen_revision_id).toBe(latest.id);
    expect(latest.text).toContain('Последняя правка');
    await until(() => open.closes.length > 0, { timeoutMs: 5000 });
    open.destroy();
  });

  it('takes a form save into the live document, and keeps what was typed across a restart', async () => {
    const { appeal, author } = await sharedDraft();
    const open = await editor(appeal.id, author);
    await open.synced();
    open.typeParagraph(para('Набрано до перезапуска'));
    await until(
      () => collaborationOf(app.ctx).hocuspocus.documents.get(`appeal.${appeal.id}`)?.getXmlFragment('default').toString().includes('до перезапуска') ?? false,
      {
        timeoutMs: 5000,
      },
    );
    // SIGTERM: the app stores every document before the connections go.
    await closeCollaboration(app.ctx);
    open.destroy();
    const view = await draftView(app.ctx, actorOf(author), appeal.id);
    expect(view.latest.text).toContain('Набрано до перезапуска');

    const page = browser(app.app, await sessionCookieFor(app.ctx, author));
    const form = await page.get(`/appeals/${appeal.id}/draft`);
    expect(form.status).toBe(200);
    const again = await editor(appeal.id, author);
    await again.synced();
    expect(again.text()).toContain('Набрано до перезапуска');
    const saved = await page.post(
      `/appeals/${appeal.id}/draft`,
      { baseRevision: String(view.latest.number), text: `${view.markdown}\n\n${para('Из формы')}` },
      csrfFrom(form.body),
    );
    expect(saved.status).toBe(303);
    await until(() => again.text().includes('Из формы'), { timeoutMs: 5000 });
    again.destroy();
  });

  it('merges what an editor typed offline when it reconnects', async () => {
    const { appeal, author, coauthor } = await sharedDraft();
    const first = await editor(appeal.id, author);
    const second = await editor(appeal.id, coauthor);
    await Promise.all([first.synced(), second.synced()]);
    first.goOffline();
    await until(() => !first.online(), { timeoutMs: 5000 });
    first.typeParagraph(para('Набрано без связи'));
    second.typeParagraph(para('Набрано на связи'));
    await until(() => !second.text().includes('Набрано без связи') && second.text().includes('Набрано на связи'), { timeoutMs: 5000 });
    await first.goOnline();
    await until(() => first.text() === second.text() && first.text().includes('Набрано на связи') && second.text().includes('Набрано без связи'), {
      timeoutMs: 10_000,
    });
    first.destroy();
    second.destroy();
  });

  it('closes a connection that sends a malformed Yjs update, and the stored draft stays as it was', async () => {
    const { appeal, author } = await sharedDraft();
    const before = await draftView(app.ctx, actorOf(author), appeal.id);
    const cookie = await sessionCookieFor(app.ctx, author);
    const raw = new WebSocket(`${baseUrl.replace('http', 'ws')}/collab`, { headers: { cookie } });
    const closed = new Promise<number>((resolve) => raw.on('close', (code) => resolve(code)));
    await new Promise((resolve) => raw.on('open', resolve));
    const name = `appeal.${appeal.id}`;
    raw.send(authenticationMessage(name));
    const garbage = encoding.createEncoder();
    encoding.writeVarString(garbage, name);
    encoding.writeVarUint(garbage, 0); // sync
    encoding.writeVarUint(garbage, 2); // an update
    encoding.writeVarUint8Array(garbage, new Uint8Array([255, 255, 255, 255, 1, 2, 3, 4, 5, 6, 7, 8]));
    raw.send(encoding.toUint8Array(garbage));
    expect(await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 5000))])).not.toBe('still open');
    await closeCollaboration(app.ctx);
    const after = await draftView(app.ctx, actorOf(author), appeal.id);
    expect(after.latest.number).toBe(before.latest.number);
    expect(after.latest.text).toBe(before.latest.text);
  });

  it('lets no connection speak for another client id in the awareness: nobody moves another’s caret', async () => {
    const { appeal, author, coauthor } = await sharedDraft();
    const victim = await editor(appeal.id, author);
    const witness = await editor(appeal.id, coauthor);
    await Promise.all([victim.synced(), witness.synced()]);
    const victimId = victim.provider.document.clientID;
    victim.provider.setAwarenessField('cursor', 'victim’s own');
    const seen = (clientId: number) => witness.provider.awareness?.getStates().get(clientId);
    await until(() => seen(victimId)?.cursor === 'victim’s own', { timeoutMs: 5000 });

    const intruder = await verifiedCitizen(app.ctx, { surname: 'Чужаков', firstName: 'Пётр' });
    await joinDraft(app.ctx, actorOf(intruder), appeal.id);
    const raw = new WebSocket(`${baseUrl.replace('http', 'ws')}/collab`, { headers: { cookie: await sessionCookieFor(app.ctx, intruder) } });
    await new Promise((resolve) => raw.on('open', resolve));
    const name = `appeal.${appeal.id}`;
    raw.send(authenticationMessage(name));
    const ownId = victimId + 1;
    // First claiming the victim's id (taken: nothing of this message passes), then its own id with the victim's again.
    raw.send(
      awarenessMessage(name, [
        [victimId, 1000, { cursor: 'spoofed', user: { name: 'Автор' } }],
        [ownId, 1, { cursor: 'first' }],
      ]),
    );
    raw.send(
      awarenessMessage(name, [
        [ownId, 2, { cursor: 'intruder’s own', user: { name: 'Кто угодно' } }],
        [victimId, 1001, { cursor: 'spoofed again' }],
      ]),
    );
    await until(() => seen(ownId)?.cursor === 'intruder’s own', { timeoutMs: 5000 });
    // Its own state passes, with the name the server gives it; the victim's caret stays where the victim put it.
    expect(seen(ownId)?.user).toEqual({ name: 'Пётр Ч.', color: expect.any(String) });
    expect(seen(victimId)?.cursor).toBe('victim’s own');
    expect(victim.provider.awareness?.getStates().get(victimId)?.cursor).toBe('victim’s own');
    expect(raw.readyState).toBe(WebSocket.OPEN);
    raw.close();
    victim.destroy();
    witness.destroy();
  });

  it('closes the connection of an editor whose typing grows the document past its size limit, in many updates', async () => {
    const { appeal, author } = await sharedDraft();
    const open = await editor(appeal.id, author);
    await open.synced();
    // Updates each well under the message limit; the size of the whole state is what is limited.
    const chunk = 'x'.repeat(Math.floor(collabLimits.maxMessageBytes * 0.75));
    const fragment = open.provider.document.getXmlFragment('default');
    const paragraph = new Y.XmlElement('paragraph');
    const text = new Y.XmlText('');
    paragraph.insert(0, [text]);
    fragment.insert(fragment.length, [paragraph]);
    const chunks = Math.ceil(collabLimits.maxStateBytes / chunk.length) + 1;
    let sent = 0;
    for (; sent < chunks && open.closes.length === 0; sent++) {
      text.insert(text.length, chunk);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await until(() => open.closes.length > 0, { timeoutMs: 10_000 });
    // Closed once the state passed the limit, not before.
    expect(sent * chunk.length).toBeGreaterThan(collabLimits.maxStateBytes);
    expect((sent - 1) * chunk.length).toBeLessThanOrEqual(collabLimits.maxStateBytes + chunk.length);
    open.destroy();
  });

  it('disconnects an editor who signs out or is blocked within the periodic check, which reads once for all connections', async () => {
    const first = await sharedDraft();
    const second = await sharedDraft();
    const cookie = await sessionCookieFor(app.ctx, first.author);
    const signedOut = await editor(first.appeal.id, first.author, cookie);
    const blocked = await editor(second.appeal.id, second.coauthor);
    const others = [
      await editor(first.appeal.id, first.coauthor),
      await editor(second.appeal.id, second.author),
      await editor(first.appeal.id, await verifiedCitizen(app.ctx)), // a reader
    ];
    const everyone = [signedOut, blocked, ...others];
    await Promise.all(everyone.map((e) => e.synced()));
    const collaboration = collaborationOf(app.ctx);
    await collaboration.checkConnections();
    // Five connections on two drafts: one query for their sessions, one for the drafts with their co-authors.
    const selects = vi.spyOn(app.ctx.db, 'selectFrom');
    await collaboration.checkConnections();
    const tables = selects.mock.calls.map(([table]) => String(table)).filter((table) => /^(sessions|appeals|appeal_coauthors)\b/.test(table));
    selects.mockRestore();
    expect(tables.sort()).toEqual(['appeals', 'sessions']);
    expect(everyone.flatMap((e) => e.closes)).toEqual([]);

    await endSession(app.ctx, hashSecret(cookie.slice('dm_session='.length)));
    const admin = await createUser(app.ctx, { role: 'admin' });
    await blockUser(app.ctx.db, { actorId: admin.id, userId: second.coauthor.id, reason: 'Спам в обсуждениях' });
    await until(() => signedOut.closes.length > 0 && blocked.closes.length > 0, { timeoutMs: collabLimits.recheckMs + 5000 });
    await collaboration.checkConnections();
    expect(others.flatMap((e) => e.closes)).toEqual([]);
    for (const e of everyone) e.destroy();
  });

  it('opens no connection for a personal API token, whatever its scope', async () => {
    const { appeal, author } = await sharedDraft();
    const token = await apiTokenFor(app.ctx, author, 'collab', ['read']);
    const raw = new WebSocket(`${baseUrl.replace('http', 'ws')}/collab`, { headers: { authorization: `Bearer ${token}` } });
    const code = await new Promise<number>((resolve) => raw.on('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(4401);
    expect(appeal.id).toBeGreaterThan(0);
  });

  it('keeps typing that arrives while a form save is under way: it comes back on top of the saved text', async () => {
    const { appeal, author, coauthor } = await sharedDraft();
    const open = await editor(appeal.id, coauthor);
    await open.synced();
    const view = await draftView(app.ctx, actorOf(author), appeal.id);
    // The form changes the first paragraph, the editor adds one at the end: whether the typing reaches the server
    // before the save (it is merged), during it (held back, sent again) or after, both must be there.
    const saving = saveDraftText(app.ctx, actorOf(author), appeal.id, {
      markdown: view.markdown.replace('Первый', 'Первый, из формы,'),
      baseRevision: view.latest.number,
    });
    open.typeParagraph(para('Во время сохранения'));
    expect(await saving).toMatchObject({ kind: 'saved' });
    const server = () => collaborationOf(app.ctx).hocuspocus.documents.get(`appeal.${appeal.id}`)?.getXmlFragment('default').toString() ?? '';
    await until(() => server().includes('Первый, из формы,') && server().includes('Во время сохранения'), { timeoutMs: 10_000 });
    await until(() => open.text() === server(), { timeoutMs: 10_000 });
    open.destroy();
    await until(async () => (await draftView(app.ctx, actorOf(author), appeal.id)).latest.text.includes('Во время сохранения'), { timeoutMs: 10_000 });
  });

  it('answers a Markdown text nested a thousand quotes deep as text, not with a server error', async () => {
    const { appeal, author } = await sharedDraft();
    const token = await apiTokenFor(app.ctx, author);
    const response = await app.app.inject({
      method: 'PUT',
      url: `/api/v1/appeals/${appeal.id}/draft`,
      headers: { authorization: `Bearer ${token}` },
      payload: { text: `${'>'.repeat(1000)} ${para('Глубоко')}`, baseRevision: 1 },
    });
    expect(response.statusCode).toBe(200);
  });
});

describe('socket caps', () => {
  it('refuses sockets past the cap per client (IPv4 address or IPv6 /64) and in all, and counts a closed one back', async () => {
    // Behind a trusted proxy the client is the forwarded address, as for the rate limits.
    const proxied = await createTestApp({ TRUST_PROXY: 'true' });
    const url = (await proxied.app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
    const saved = { ...collabLimits };
    collabLimits.maxSocketsPerAddress = 3;
    collabLimits.maxSockets = 10;
    const sockets: WebSocket[] = [];
    try {
      const counts = () => collaborationOf(proxied.ctx).openSockets();
      /** Opens a socket from `client` (forwarded; none: loopback) and says whether the server kept it or its close code. */
      const connect = async (client?: string): Promise<number | 'open'> => {
        const before = counts().total;
        const socket = new WebSocket(`${url}/collab`, { headers: client ? { 'x-forwarded-for': client } : {} });
        sockets.push(socket);
        const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
        const kept = until(() => counts().total > before, { timeoutMs: 5000 }).then(() => 'open' as const);
        return Promise.race([closed, kept]);
      };
      for (let i = 0; i < 3; i++) expect(await connect('203.0.113.5')).toBe('open');
      expect(await connect('203.0.113.5')).toBe(4429);
      // One home's IPv6 /64 is one client, whichever of its addresses it takes.
      for (const address of ['2001:db8:0:1::1', '2001:db8:0:1::2', '2001:db8:0:1:ffff::3']) expect(await connect(address)).toBe('open');
      expect(await connect('2001:db8:0:1::4')).toBe(4429);
      // Loopback (an untrusted proxy, a test) counts only in all.
      for (let i = 0; i < 4; i++) expect(await connect()).toBe('open');
      expect(counts().total).toBe(10);
      expect(await connect('198.51.100.7')).toBe(4503);
      expect([...counts().byAddress]).toEqual([
        ['203.0.113.5', 3],
        ['2001:db8:0:1::/64', 3],
      ]);
      // A socket that closes is counted back, whoever closed it.
      const first = sockets[0] as WebSocket;
      first.close();
      await until(() => counts().total === 9, { timeoutMs: 5000 });
      expect(counts().byAddress.get('203.0.113.5')).toBe(2);
      sockets[4]?.terminate();
      await until(() => counts().total === 8, { timeoutMs: 5000 });
      expect(await connect('203.0.113.5')).toBe('open');
    } finally {
      Object.assign(collabLimits, saved);
      for (const socket of sockets) socket.terminate();
      await proxied.stop();
    }
  });
});
