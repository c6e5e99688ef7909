/**
 * Flagged signatures in Chromium: a scripted burst from one address on an appeal; a moderator opens the list and the
 * appeal's groups, ticks a whole address group, looks at the preview of the invalidation, leaves the reason empty
 * (the error summary), gives one and confirms; the count drops. axe on every page, with and without JavaScript.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addressBurstSignatures } from '../../src/modules/appeals/appeals.flags.rules.ts';
import { countSignatures, sign } from '../../src/modules/appeals/appeals.signing.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { actorOf, createUser, openAppeal, sessionCookieFor, signInput, surnameFor } from '../support/factories.ts';

const e2e = useBrowserApp();
/** One appeal for the run without JavaScript, one for the run with it. */
const appealIds: number[] = [];
let moderatorCookie = '';

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  for (const [run, stem] of ['Потоков', 'Ручьёв'].entries()) {
    const { appeal } = await openAppeal(t.ctx, { threshold: 50 });
    appealIds.push(appeal.id);
    for (let i = 0; i < addressBurstSignatures + 2; i++) {
      const user = await createUser(t.ctx, { surname: surnameFor(i, stem), firstName: 'Пётр' });
      await sign(t.ctx, actorOf(user), appeal.id, { ...signInput(user), clientAddress: `203.0.113.${90 + run}` });
    }
  }
  moderatorCookie = await sessionCookieFor(t.ctx, await createUser(t.ctx, { role: 'moderator', surname: 'Модераторова', firstName: 'Мира' }));
});

const pageAs = (javaScript: boolean): Promise<Page> =>
  e2e.newPage({ cookie: moderatorCookie, javaScript, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });

describe.skipIf(!chromiumAvailable)('flagged signatures', () => {
  for (const javaScript of [false, true]) {
    it(`are listed, grouped, previewed and invalidated by a moderator (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const appealId = appealIds[javaScript ? 1 : 0] as number;
      const page = await pageAs(javaScript);
      await e2e.visit(page, '/moderation/signatures');
      await expectAccessible(page);
      await page.locator(`a[href="/moderation/signatures/${appealId}"]`).click();
      await expectAccessible(page);
      await screenshot(page, `signature-moderation-appeal-desktop-${javaScript ? 'js' : 'nojs'}`);
      expect(await page.getByText('2 подписи на проверке').count()).toBeGreaterThan(0);
      await page.locator('input[name="group"][value^="address:"]').check();
      await page.getByRole('button', { name: 'Признать недействительными…' }).click();
      await expectAccessible(page);
      expect(await page.getByText(`Подсчёт: было ${addressBurstSignatures}, станет 0 (нужно 50).`).count()).toBe(1);
      await page.getByRole('button', { name: 'Признать недействительными', exact: true }).click();
      expect(await page.getByRole('alert').getByText('Заполните это поле.').count()).toBe(1);
      await expectAccessible(page);
      await page.getByLabel('Причина').fill('Подписи с одного адреса за минуту.');
      await page.getByRole('button', { name: 'Признать недействительными', exact: true }).click();
      expect(await page.getByText('Подписи признаны недействительными, подписавшим отправлены уведомления.').count()).toBe(1);
      await expectAccessible(page);
      expect(await countSignatures(e2e.t.ctx.db, appealId)).toBe(0);
      await page.context().close();
    }, 60_000);
  }
});
