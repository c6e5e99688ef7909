import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, createAppeal, sessionCookieFor, verifiedCitizen } from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { joinDraft, saveDraftText, setDraftShared } from '../appeals/appeals.revisions.ts';
import { addDraftComment, draftThreads, resolveDraftComment } from './drafting.comments.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.stop());

const text = 'Просим отремонтировать тротуар на улице Мира.\n\nЯмы глубиной до двадцати сантиметров, весной их заливает водой.';

async function sharedDraft() {
  const fixture = await createAppeal(t.ctx, { text });
  await setDraftShared(t.ctx, actorOf(fixture.author), fixture.appeal.id, true);
  return fixture;
}

describe('the discussion of a draft', () => {
  it('anchors a thread to words of the text, takes replies, and tells when the words are gone', async () => {
    const { appeal, author } = await sharedDraft();
    const reader = await verifiedCitizen(t.ctx, { surname: 'Читателева', firstName: 'Вера' });
    const thread = await addDraftComment(t.ctx, actorOf(reader), appeal.id, {
      passage: 'глубиной до   двадцати\nсантиметров',
      body: 'Лучше указать точную глубину.',
      parentId: null,
    });
    expect(thread).toMatchObject({ passage: 'глубиной до двадцати сантиметров', revision_number: 1 });
    await addDraftComment(t.ctx, actorOf(author), appeal.id, { passage: '', body: 'Измерю и допишу.', parentId: thread.id });
    await expect(addDraftComment(t.ctx, actorOf(reader), appeal.id, { passage: 'такого нет в тексте', body: 'x', parentId: null })).rejects.toMatchObject({
      fields: [{ field: 'passage', rule: 'passageNotFound' }],
    });
    await expect(addDraftComment(t.ctx, actorOf(reader), appeal.id, { passage: '', body: 'ответ на ответ', parentId: thread.id + 1 })).rejects.toMatchObject({
      code: 'not_found',
    });
    let [first] = await draftThreads(t.ctx, null, appeal.id);
    expect(first).toMatchObject({ author: 'Вера Ч.', passageGone: false, resolved: false, replies: [{ body: 'Измерю и допишу.' }] });

    await saveDraftText(t.ctx, actorOf(author), appeal.id, { markdown: text.replace('до двадцати сантиметров', 'до 22 см'), baseRevision: 1 });
    [first] = await draftThreads(t.ctx, null, appeal.id);
    expect(first?.passageGone).toBe(true);

    await expect(resolveDraftComment(t.ctx, actorOf(await verifiedCitizen(t.ctx)), appeal.id, thread.id, true)).rejects.toMatchObject({ code: 'not_author' });
    await resolveDraftComment(t.ctx, actorOf(reader), appeal.id, thread.id, true);
    [first] = await draftThreads(t.ctx, null, appeal.id);
    expect(first?.resolved).toBe(true);
  });

  it('keeps a private draft’s discussion its author’s alone', async () => {
    const { appeal, author } = await createAppeal(t.ctx, { text });
    const stranger = await verifiedCitizen(t.ctx);
    await expect(addDraftComment(t.ctx, actorOf(stranger), appeal.id, { passage: 'тротуар', body: 'x', parentId: null })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(draftThreads(t.ctx, actorOf(stranger), appeal.id)).rejects.toMatchObject({ code: 'not_found' });
    await addDraftComment(t.ctx, actorOf(author), appeal.id, { passage: 'тротуар', body: 'Заметка для себя.', parentId: null });
  });

  it('works as plain forms without JavaScript: a thread, a reply, a refusal shown beside its field', async () => {
    const { appeal, author } = await sharedDraft();
    const coauthor = await verifiedCitizen(t.ctx, { surname: 'Соавторова', firstName: 'Софья' });
    await joinDraft(t.ctx, actorOf(coauthor), appeal.id);
    const page = browser(t.app, await sessionCookieFor(t.ctx, coauthor));
    const draft = await page.get(`/appeals/${appeal.id}/draft`);
    expect(draft.body).toContain('Обсуждение текста');
    const refused = await page.post(`/appeals/${appeal.id}/draft/comments`, { passage: 'нет таких слов', body: 'Замечание' }, csrfFrom(draft.body));
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('Таких слов в тексте черновика нет');
    const added = await page.post(`/appeals/${appeal.id}/draft/comments`, { passage: 'улице Мира', body: 'Уточнить номер дома.' }, csrfFrom(draft.body));
    expect(added.status).toBe(303);
    const [thread] = await draftThreads(t.ctx, null, appeal.id);
    expect(added.location).toBe(`/appeals/${appeal.id}/draft#comment-${thread?.id}`);
    const authorPage = browser(t.app, await sessionCookieFor(t.ctx, author));
    const authorView = await authorPage.get(`/appeals/${appeal.id}/draft`);
    expect(authorView.body).toContain('Уточнить номер дома.');
    const replied = await authorPage.post(`/appeals/${appeal.id}/draft/comments`, { parentId: String(thread?.id), body: 'Дом 7.' }, csrfFrom(authorView.body));
    expect(replied.status).toBe(303);
    const resolved = await authorPage.post(`/appeals/${appeal.id}/draft/comments/${thread?.id}/resolve`, { resolved: '1' }, csrfFrom(authorView.body));
    expect(resolved.status).toBe(303);
    const after = await page.get(`/appeals/${appeal.id}/draft`);
    expect(after.body).toContain('Дом 7.');
    expect(after.body).toContain('Решено');
  });
});
