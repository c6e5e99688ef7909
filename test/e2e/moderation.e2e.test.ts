/**
 * Moderation in Chromium, the way people use it: three citizens report a comment (without JavaScript), the third
 * report hides it at once; a moderator works the queue and hides two items at once with one reason (with
 * JavaScript); the public sees the reason in their place; the author finds them on «Мои скрытые публикации» and
 * appeals one (without JavaScript); an administrator reverses it and the comment is back. axe on every page,
 * nothing sideways on a phone; screenshots of the report form, the queue, a case, the author's page and the
 * administrators' appeals, on a desktop and a phone, with and without JavaScript.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Problem, User } from '../../src/core/db/schema.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { addComment, createProblem, createUser, reportContent, sessionCookieFor, verifiedCitizen } from '../support/factories.ts';

const e2e = useBrowserApp();
let problem: Problem;
let author: User;
let rudeId = 0;
let spamId = 0;
const cookies: Record<'author' | 'reporters' | 'moderator' | 'admin', string[]> = { author: [], reporters: [], moderator: [], admin: [] };

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  author = await verifiedCitizen(t.ctx, { surname: 'Резкова', firstName: 'Римма' });
  problem = await createProblem(t.ctx, {
    title: 'Разбитый тротуар на улице Советской',
    description: 'Плитка вывернута на протяжении ста метров, люди падают.',
  });
  rudeId = (await addComment(t.ctx, author, problem.id, 'Чиновники опять ничего не делают, позор им всем!')).id;
  spamId = (await addComment(t.ctx, author, problem.id, 'Ремонт квартир недорого, звоните 8-900-000-00-00')).id;
  // Two earlier reports of the rude comment (the third comes through the page) and one of the spam.
  await reportContent(t.ctx, 'comment', rudeId, undefined, 'abuse');
  await reportContent(t.ctx, 'comment', rudeId, undefined, 'abuse', 'Оскорбляет людей.');
  await reportContent(t.ctx, 'comment', spamId, undefined, 'spam');
  cookies.author = [await sessionCookieFor(t.ctx, author)];
  cookies.reporters = [await sessionCookieFor(t.ctx, await verifiedCitizen(t.ctx, { surname: 'Внимательная', firstName: 'Вера' }))];
  cookies.moderator = [await sessionCookieFor(t.ctx, await createUser(t.ctx, { role: 'moderator', surname: 'Модераторова', firstName: 'Мира' }))];
  cookies.admin = [await sessionCookieFor(t.ctx, await createUser(t.ctx, { role: 'admin', surname: 'Админова', firstName: 'Ада' }))];
});

const pageAs = (cookie: string | undefined, javaScript: boolean, viewport = { width: 1280, height: 900 }): Promise<Page> =>
  e2e.newPage({ cookie: cookie ?? null, javaScript, viewport, deviceScaleFactor: 1 });
const phone = { width: 390, height: 844 };

async function noSidewaysScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
}

describe.skipIf(!chromiumAvailable)('moderation', () => {
  it('reports, hides pending review, decides in bulk, appeals and reverses', async () => {
    // 1. A citizen reports the rude comment from the problem's page (no JavaScript); it is the third report.
    const reporter = await pageAs(cookies.reporters[0], false);
    await e2e.visit(reporter, `/problems/${problem.id}`);
    await reporter.locator(`a[href="/report/comment/${rudeId}"]`).click();
    await expectAccessible(reporter);
    await screenshot(reporter, 'moderation-report-desktop-nojs');
    await reporter.getByRole('button', { name: 'Отправить жалобу' }).click();
    // No reason chosen: the form again with its error.
    expect(await reporter.getByRole('alert').getByText('Заполните это поле.').count()).toBe(1);
    await expectAccessible(reporter);
    await reporter.getByLabel('Оскорбления, угрозы, травля').check();
    await reporter.getByLabel('Подробности').fill('Оскорбительный тон в адрес людей.');
    await reporter.getByRole('button', { name: 'Отправить жалобу' }).click();
    expect(await reporter.getByText('Спасибо: жалоба отправлена модераторам.').count()).toBe(1);
    expect(await reporter.getByText('Чиновники опять ничего не делают').count()).toBe(0);
    expect(await reporter.getByText('на публикацию пожаловались несколько участников').count()).toBe(1);
    await reporter.context().close();

    // 2. The moderator's queue (with JavaScript): the hidden one first; both ticked and hidden with one reason.
    const moderator = await pageAs(cookies.moderator[0], true);
    await e2e.visit(moderator, '/moderation');
    await expectAccessible(moderator);
    await screenshot(moderator, 'moderation-queue-desktop-js');
    const items = moderator.locator('.moderation-item');
    expect(await items.count()).toBe(2);
    expect(await items.first().getByText('Скрыто до проверки').count()).toBe(1);
    for (const box of await moderator.locator('input[name="case"]').all()) await box.check();
    await moderator.getByLabel('Причина решения').fill('Оскорбления и реклама не относятся к обсуждению проблемы.');
    await moderator.getByRole('button', { name: 'Скрыть отмеченные' }).click();
    expect(await moderator.getByText('Решение принято и записано в журнал.').count()).toBe(1);
    expect(await moderator.getByText('Жалоб, ждущих решения, нет.').count()).toBe(1);
    await moderator.context().close();

    // The public sees the reason in their place.
    const visitor = await pageAs(undefined, false, phone);
    await e2e.visit(visitor, `/problems/${problem.id}`);
    expect(await visitor.getByText('Комментарий скрыт модератором: Оскорбления и реклама не относятся к обсуждению проблемы.').count()).toBe(2);
    await noSidewaysScroll(visitor);
    await visitor.context().close();

    // 3. The author appeals the rude one from her page (no JavaScript, on a phone).
    const authorPage = await pageAs(cookies.author[0], false, phone);
    await e2e.visit(authorPage, '/moderation/mine');
    await expectAccessible(authorPage);
    await noSidewaysScroll(authorPage);
    await screenshot(authorPage, 'moderation-mine-phone-nojs');
    const rudeCase = authorPage.locator('li', { hasText: 'Чиновники опять ничего не делают' });
    await rudeCase.getByLabel('Почему решение стоит пересмотреть').fill('Это резкая, но критика работы администрации, а не оскорбление конкретных людей.');
    await rudeCase.getByRole('button', { name: 'Обжаловать решение' }).click();
    expect(await authorPage.getByText('Обжалование отправлено.').count()).toBe(1);
    expect(await authorPage.getByText('ждёт решения администратора').count()).toBe(1);
    await authorPage.context().close();

    // 4. The administrator reverses it (no JavaScript); the comment is back.
    const admin = await pageAs(cookies.admin[0], false);
    await e2e.visit(admin, '/moderation/appeals');
    await expectAccessible(admin);
    await screenshot(admin, 'moderation-appeals-desktop-nojs');
    await admin.getByLabel('Ответ автору').fill('Согласны: это критика работы органа власти.');
    await admin.getByRole('button', { name: 'Отменить решение и показать' }).click();
    expect(await admin.getByText('Решение по обжалованию принято').count()).toBe(1);
    await e2e.visit(admin, `/problems/${problem.id}`);
    expect(await admin.getByText('Чиновники опять ничего не делают, позор им всем!').count()).toBe(1);
    expect(await admin.getByText('Ремонт квартир недорого').count()).toBe(0);
    await admin.context().close();
  });

  it('shows the queue, a case and the report form on a phone and on a desktop, with and without JavaScript', async () => {
    const fresh = await addComment(e2e.t.ctx, author, problem.id, 'Ещё один спорный комментарий про тротуар');
    const { caseId } = await reportContent(e2e.t.ctx, 'comment', fresh.id, undefined, 'misleading', 'Тротуар отремонтировали в прошлом году.');
    for (const [javaScript, viewport, label] of [
      [false, phone, 'phone-nojs'],
      [true, phone, 'phone-js'],
      [false, { width: 1280, height: 900 }, 'desktop-nojs'],
    ] as const) {
      const page = await pageAs(cookies.moderator[0], javaScript, viewport);
      await e2e.visit(page, '/moderation');
      await noSidewaysScroll(page);
      await screenshot(page, `moderation-queue-${label}`);
      await e2e.visit(page, `/moderation/cases/${caseId}`);
      await expectAccessible(page);
      await noSidewaysScroll(page);
      await screenshot(page, `moderation-case-${label}`);
      await page.context().close();
      const reporter = await pageAs(cookies.reporters[0], javaScript, viewport);
      await e2e.visit(reporter, `/report/comment/${fresh.id}`);
      await noSidewaysScroll(reporter);
      await screenshot(reporter, `moderation-report-${label}`);
      await reporter.context().close();
    }
  });

  it('reports a comment’s author through the comment, and the moderator dismisses the reports, with and without JavaScript', async () => {
    const writer = await verifiedCitizen(e2e.t.ctx, { surname: 'Задиров', firstName: 'Захар' });
    const said = await addComment(e2e.t.ctx, writer, problem.id, 'Опять вы со своим тротуаром, надоели.');
    for (const [javaScript, viewport, label] of [
      [false, phone, 'phone-nojs'],
      [true, { width: 1280, height: 900 }, 'desktop-js'],
    ] as const) {
      // A fresh reporter each time: one report per person.
      const who = await verifiedCitizen(e2e.t.ctx, { surname: 'Свидетелева', firstName: javaScript ? 'Светлана' : 'Света' });
      const reporter = await pageAs(await sessionCookieFor(e2e.t.ctx, who), javaScript, viewport);
      await e2e.visit(reporter, `/problems/${problem.id}`);
      await reporter.locator(`a[href="/report/comment/${said.id}/author"]`).click();
      expect(await reporter.getByRole('heading', { name: 'Пожаловаться на участника: Захар З.' }).count()).toBe(1);
      await expectAccessible(reporter);
      await noSidewaysScroll(reporter);
      await screenshot(reporter, `moderation-report-person-${label}`);
      await reporter.getByLabel('Оскорбления, угрозы, травля').check();
      await reporter.getByLabel('Подробности').fill('Грубит в каждом обсуждении.');
      await reporter.getByRole('button', { name: 'Отправить жалобу' }).click();
      expect(await reporter.getByText('Спасибо: жалоба отправлена модераторам.').count()).toBe(1);
      // Reports about a person hide nothing: the comment is still there.
      expect(await reporter.getByText('Опять вы со своим тротуаром').count()).toBe(1);
      await reporter.context().close();
    }
    const personCase = await e2e.t.ctx.db
      .selectFrom('moderation_cases')
      .select(['id', 'open_reports'])
      .where('subject_type', '=', 'user')
      .where('subject_id', '=', writer.id)
      .executeTakeFirstOrThrow();
    expect(personCase.open_reports).toBe(2);
    const moderator = await pageAs(cookies.moderator[0], false);
    await e2e.visit(moderator, `/moderation/cases/${personCase.id}`);
    await expectAccessible(moderator);
    await screenshot(moderator, 'moderation-case-person-desktop-nojs');
    expect(await moderator.getByText('Жалоба через:').count()).toBe(2);
    expect(await moderator.getByRole('button', { name: 'Скрыть', exact: true }).count()).toBe(0);
    await moderator.getByLabel('Причина решения').fill('Резко, но правил не нарушает.');
    await moderator.getByRole('button', { name: 'Отклонить жалобы, не блокировать' }).click();
    const decided = await e2e.t.ctx.db.selectFrom('moderation_cases').select('state').where('id', '=', personCase.id).executeTakeFirstOrThrow();
    expect(decided.state).toBe('restored');
    await moderator.context().close();
  });
});
