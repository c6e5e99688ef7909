/** Real Chromium (Debian's /usr/bin/chromium) through playwright-core, and axe-core on every page. */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(chromiumPath);
export const screenshotDir = path.resolve(import.meta.dirname, '../../test-results/screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

const noScriptPages = new WeakMap<Page, Page>();

/**
 * axe needs JavaScript in the page it audits. For a page opened with JavaScript disabled, the
 * exact HTML it received is audited in `auditor` (a JavaScript-enabled page on the same origin),
 * with scripts removed so nothing enhances it first.
 */
export function auditWithoutScripts(page: Page, auditor: Page): void {
  noScriptPages.set(page, auditor);
}

/** Fails on any serious or critical accessibility violation, naming the rule and the elements. */
export async function expectAccessible(page: Page): Promise<void> {
  let target = page;
  const auditor = noScriptPages.get(page);
  if (auditor) {
    const origin = new URL(page.url()).origin;
    if (!auditor.url().startsWith(origin)) await auditor.goto(`${origin}/healthz`);
    const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '');
    await auditor.setContent(html, { waitUntil: 'load' });
    target = auditor;
  }
  const results = await new AxeBuilder({ page: target }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) on ${page.url()}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
