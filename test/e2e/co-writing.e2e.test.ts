/**
 * Co-writing a draft in Chromium: the author shares it, a citizen joins from the page without JavaScript, both type
 * into the live editor at once in two browsers and see one text; the toolbar works from the keyboard; a save from
 * the form without JavaScript merges, and a conflicting one shows both versions side by side; the history compares
 * two revisions word by word. axe on every page; screenshots on a desktop and a phone, with and without JavaScript.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Appeal, User } from '../../src/core/db/schema.ts';
import { draftView, setDraftShared } from '../../src/modules/appeals/appeals.revisions.ts';
import { chromiumAvailable, expectAccessible, screenshot, screenshotDir, useBrowserApp } from '../support/browser.ts';
import { actorOf, createAppeal, sessionCookieFor, verifiedCitizen } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

const e2e = useBrowserApp();
const phone = { width: 390, height: 844 };
let appeal: Appeal;
let author: User;
let coauthor: User;
let authorCookie: string;
let coauthorCookie: string;

const paragraph = (words: string) => `${words}: этот абзац нужен, чтобы текст обращения был длиннее пятидесяти знаков.`;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  const fixture = await createAppeal(t.ctx, {
    title: 'О ремонте тротуаров на улице Советской',
    text: `${paragraph('Первый абзац')}\n\n${paragraph('Второй абзац')}\n\n${paragraph('Третий абзац')}`,
  });
  appeal = fixture.appeal;
  author = fixture.author;
  await setDraftShared(t.ctx, actorOf(author), appeal.id, true);
  coauthor = await verifiedCitizen(t.ctx, { surname: 'Соавторова', firstName: 'Софья' });
  authorCookie = await sessionCookieFor(t.ctx, author);
  coauthorCookie = await sessionCookieFor(t.ctx, coauthor);
});

/** The editor's text without the others' carets (their name labels are in the editor's DOM). */
async function editorText(page: Page): Promise<string> {
  const text = await page.locator('.draft-prose').evaluate((editor) => {
    const copy = editor.cloneNode(true) as HTMLElement;
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
    return copy.innerText || copy.textContent || '';
  });
  return text.replace(/\s+/g, ' ').trim();
}

describe.skipIf(!chromiumAvailable)('co-writing a draft', () => {
  it('lets a citizen join without JavaScript, and shows the page to a reader', async () => {
    const reader = await e2e.newPage({ javaScript: false });
    await e2e.visit(reader, `/appeals/${appeal.id}/draft`);
    expect(await reader.locator('form[action$="/draft"] textarea').count()).toBe(0);
    await screenshot(reader, 'draft-reader-desktop-nojs');
    await reader.context().close();

    const page = await e2e.newPage({ javaScript: false, cookie: coauthorCookie });
    await e2e.visit(page, `/appeals/${appeal.id}/draft`);
    await page.getByRole('button', { name: 'Стать соавтором' }).click();
    expect(await page.locator('.flash').innerText()).toContain('Вы стали соавтором');
    expect(await page.locator('.coauthor-list').innerText()).toContain('Софья С.');
    await expectAccessible(page);

    // A remark on a passage, from the keyboard alone: into the passage field, Tab to the remark, Tab to the button.
    await page.locator('#field-passage').focus();
    await page.keyboard.type('Второй абзац');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Этот абзац лучше сделать заголовком.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#comment-\d+$/);
    expect(await page.locator('.comment-passage').first().innerText()).toBe('Второй абзац');
    // The reply to it is the next thing a keyboard reaches in the thread.
    await page.locator('.comment-reply textarea').first().focus();
    await page.keyboard.type('Согласна.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#comment-\d+$/);
    expect(await page.locator('.comment-replies').first().innerText()).toContain('Согласна.');
    await expectAccessible(page);
    await screenshot(page, 'draft-discussion-desktop-nojs');
    await page.context().close();
  });

  it('converges two editors typing at once, shows who is there, and records the text as a revision', async () => {
    const first = await e2e.newPage({ cookie: authorCookie });
    const second = await e2e.newPage({ cookie: coauthorCookie });
    // The content security policy allows no inline style: the editor must not need one.
    const violations: string[] = [];
    for (const page of [first, second]) page.on('console', (message) => message.type() === 'error' && violations.push(message.text()));
    await e2e.visit(first, `/appeals/${appeal.id}/draft`);
    await e2e.visit(second, `/appeals/${appeal.id}/draft`);
    for (const page of [first, second]) {
      await page.locator('.draft-prose[contenteditable="true"]').waitFor();
      await expect.poll(() => page.locator('.draft-status').innerText(), { timeout: 10_000 }).toContain('сохраняются автоматически');
    }
    await expect.poll(() => first.locator('.draft-presence').innerText(), { timeout: 10_000 }).toContain('Софья С.');
    // The open thread's words are marked in the text, and its «show in the text» button selects them (by keyboard too).
    await expect.poll(() => first.locator('.draft-prose .draft-passage').allInnerTexts(), { timeout: 10_000 }).toEqual(['Второй абзац']);
    await first.getByRole('button', { name: 'Показать в тексте' }).focus();
    await first.keyboard.press('Enter');
    await expect.poll(() => first.evaluate(() => window.getSelection()?.toString())).toBe('Второй абзац');
    expect(await first.locator('.draft-passage-current').allInnerTexts()).toEqual(['Второй абзац']);
    await first.locator('.draft-editor').screenshot({ path: path.join(screenshotDir, 'draft-passage-desktop.png') });
    // Each types at the end of a different paragraph, at the same time.
    await first.locator('.draft-prose p').nth(0).click();
    await first.keyboard.press('End');
    await second.locator('.draft-prose p').nth(2).click();
    await second.keyboard.press('End');
    await Promise.all([first.keyboard.type(' Дополнение автора.', { delay: 15 }), second.keyboard.type(' Дополнение соавтора.', { delay: 15 })]);
    await expect
      .poll(async () => ({ first: await editorText(first), second: await editorText(second) }), { timeout: 10_000 })
      .toSatisfy((texts: { first: string; second: string }) => texts.first === texts.second && texts.first.includes('Дополнение соавтора'));
    expect(await editorText(second)).toContain('Дополнение автора');

    // The toolbar, from the keyboard: Tab reaches it, arrows move inside it, Enter applies.
    await first.locator('.draft-prose p').nth(1).click();
    await first.locator('.draft-tool').first().focus();
    await first.keyboard.press('ArrowRight');
    await first.keyboard.press('Enter');
    await expect.poll(() => second.locator('.draft-prose h2').count(), { timeout: 10_000 }).toBe(1);
    await expectAccessible(first);
    expect(violations).toEqual([]);
    await screenshot(first, 'draft-editor-desktop');
    await first.setViewportSize(phone);
    await screenshot(first, 'draft-editor-phone');

    await first.context().close();
    await second.context().close();
    // The last editor left: the session's text is a revision now.
    const view = await waitFor(async () => {
      const current = await draftView(e2e.t.ctx, actorOf(author), appeal.id);
      return current.latest.text.includes('Дополнение соавтора') && current.latest.html?.includes('<h2>') ? current : undefined;
    }, 15_000);
    expect(view.latest.text).toContain('Дополнение автора');
  });

  it('merges a save from the form without JavaScript, and shows both versions when the same paragraph changed', async () => {
    const before = await draftView(e2e.t.ctx, actorOf(author), appeal.id);
    const authorPage = await e2e.newPage({ javaScript: false, cookie: authorCookie });
    const coauthorPage = await e2e.newPage({ javaScript: false, cookie: coauthorCookie });
    await e2e.visit(authorPage, `/appeals/${appeal.id}/draft`);
    await e2e.visit(coauthorPage, `/appeals/${appeal.id}/draft`);
    const text = await authorPage.locator('#field-text').inputValue();
    expect(text).toContain('## Второй абзац');

    // The co-author changes the last paragraph and saves first; the author, from the same revision, the first one.
    await coauthorPage.locator('#field-text').fill(text.replace('Третий абзац', 'Третий абзац, исправленный'));
    await coauthorPage.getByRole('button', { name: 'Сохранить текст' }).click();
    expect(await coauthorPage.locator('.flash').innerText()).toContain('Текст сохранён');
    await authorPage.locator('#field-text').fill(text.replace('Первый абзац', 'Первый абзац, исправленный'));
    await authorPage.getByRole('button', { name: 'Сохранить текст' }).click();
    expect(await authorPage.locator('.flash').innerText()).toContain('объединён');
    const merged = await authorPage.locator('#field-text').inputValue();
    expect(merged).toContain('Первый абзац, исправленный');
    expect(merged).toContain('Третий абзац, исправленный');

    // Now both change the second paragraph from the same revision: the second save is a conflict.
    await e2e.visit(coauthorPage, `/appeals/${appeal.id}/draft`);
    const base = await coauthorPage.locator('#field-text').inputValue();
    await authorPage.locator('#field-text').fill(merged.replace('Второй абзац', 'Второй абзац по версии автора'));
    await authorPage.getByRole('button', { name: 'Сохранить текст' }).click();
    await coauthorPage.locator('#field-text').fill(base.replace('Второй абзац', 'Второй абзац по версии соавтора'));
    const response = coauthorPage.waitForResponse((r) => r.url().endsWith('/draft') && r.request().method() === 'POST');
    await coauthorPage.getByRole('button', { name: 'Сохранить текст' }).click();
    expect((await response).status()).toBe(409);
    expect(await coauthorPage.locator('h1').innerText()).toContain('Один и тот же абзац изменили двое');
    const conflicts = coauthorPage.locator('.merge-conflict');
    expect(await conflicts.count()).toBe(2);
    expect(await conflicts.nth(0).innerText()).toContain('по версии соавтора');
    expect(await conflicts.nth(1).innerText()).toContain('по версии автора');
    await expectAccessible(coauthorPage);
    await screenshot(coauthorPage, 'draft-conflict-desktop-nojs');
    await coauthorPage.setViewportSize(phone);
    await screenshot(coauthorPage, 'draft-conflict-phone-nojs');
    const after = await draftView(e2e.t.ctx, actorOf(author), appeal.id);
    expect(after.latest.number).toBe(before.latest.number + 3);
    await authorPage.context().close();
    await coauthorPage.context().close();
  });

  it('compares two revisions word by word and lets the author restore one', async () => {
    const latest = (await draftView(e2e.t.ctx, actorOf(author), appeal.id)).latest.number;
    const page = await e2e.newPage({ javaScript: false, cookie: authorCookie });
    await e2e.visit(page, `/appeals/${appeal.id}/history`);
    await page.locator('#field-from').selectOption(String(latest - 1));
    await page.locator('#field-to').selectOption(String(latest));
    await page.getByRole('button', { name: 'Сравнить' }).click();
    await expectAccessible(page);
    // Whole words: the added passage reads as words, not as letters scattered through the old ones.
    const added = (await page.locator('.word-diff ins').allInnerTexts()).join('|');
    expect(added).toContain('по версии автора');
    expect(await page.locator('.word-diff del').count()).toBe(0);
    await screenshot(page, 'draft-compare-desktop-nojs');
    await e2e.visit(page, `/appeals/${appeal.id}/history`);
    await page.setViewportSize(phone);
    await screenshot(page, 'draft-history-phone-nojs');
    await page.getByRole('button', { name: `Восстановить ${latest - 1}` }).click();
    expect(await page.locator('.flash').innerText()).toContain('восстановлена');
    await page.context().close();
  });
});
