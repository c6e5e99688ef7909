/**
 * Real Chromium (Debian's /usr/bin/chromium) through playwright-core, axe-core on every page, and the
 * one set-up every e2e file shares (useBrowserApp).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { createTestApp, freePort, type TestApp } from './app.ts';

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

export interface PageOptions {
  /** false: a context with JavaScript disabled, audited by axe through the shared auditor page. */
  javaScript?: boolean;
  /** A `name=value` session cookie (sessionCookieFor) to send on every request. */
  cookie?: string | null;
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
  locale?: string;
  /** Playwright's default timeout for actions and waits in this page's context. */
  timeoutMs?: number;
  /** Browser permissions granted to the context (e.g. the clipboard). */
  permissions?: string[];
  /** true: the page ignores the app's content security policy (to test escaping on its own). */
  bypassCSP?: boolean;
}

/** One running app and one Chromium for an e2e file: what its beforeAll set up and its afterAll tears down. */
export interface BrowserApp {
  t: TestApp;
  baseUrl: string;
  browser: Browser;
  /** A page in a new browser context (close it with `page.context().close()`). */
  newPage(options?: PageOptions): Promise<Page>;
  /** Audits a page opened without JavaScript (in a context made elsewhere) through the shared auditor. */
  auditWithoutScripts(page: Page): void;
  /** Adds the session cookie to a context, as a browser that logged in earlier would have it. */
  signIn(context: BrowserContext, cookie: string): Promise<void>;
  /**
   * Opens `url` (a path on the app, or absolute), expects `status` (any success when absent) and no
   * serious accessibility violation.
   */
  visit(page: Page, url: string, status?: number): Promise<void>;
}

export interface BrowserAppOptions {
  /** Environment for the app (BASE_URL is the listening address); a function runs in beforeAll, after the file's own beforeAll hooks. */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Data the file needs before the app listens (runs once, on the app's context). */
  seed?: (t: TestApp) => Promise<void>;
  /** Runs on every new context (e.g. to serve map tiles locally). */
  prepareContext?: (context: BrowserContext) => Promise<void>;
  /** The set-up's time limit (the seed included), when it needs more than the suite's hookTimeout. */
  setupTimeoutMs?: number;
}

/**
 * Registers the file's beforeAll/afterAll: the real app on a free port of 127.0.0.1, a fresh database,
 * Chromium, and an auditor page for the pages opened without JavaScript. Without Chromium it does
 * nothing (the file's describe blocks skip themselves with `chromiumAvailable`). The returned object
 * is filled in by beforeAll.
 */
export function useBrowserApp(options: BrowserAppOptions = {}): BrowserApp {
  let auditor: Page;
  const contexts = new Set<BrowserContext>();
  const fixture = {
    async newPage(pageOptions: PageOptions = {}): Promise<Page> {
      const javaScript = pageOptions.javaScript ?? true;
      const context = await fixture.browser.newContext({
        javaScriptEnabled: javaScript,
        viewport: pageOptions.viewport ?? { width: 1280, height: 900 },
        ...(pageOptions.deviceScaleFactor ? { deviceScaleFactor: pageOptions.deviceScaleFactor } : {}),
        ...(pageOptions.locale ? { locale: pageOptions.locale } : {}),
        ...(pageOptions.permissions ? { permissions: pageOptions.permissions } : {}),
        ...(pageOptions.bypassCSP ? { bypassCSP: true } : {}),
      });
      contexts.add(context);
      context.on('close', () => contexts.delete(context));
      context.setDefaultTimeout(pageOptions.timeoutMs ?? 15_000);
      await options.prepareContext?.(context);
      if (pageOptions.cookie) await fixture.signIn(context, pageOptions.cookie);
      const page = await context.newPage();
      if (!javaScript) auditWithoutScripts(page, auditor);
      return page;
    },
    auditWithoutScripts(page: Page): void {
      auditWithoutScripts(page, auditor);
    },
    async signIn(context: BrowserContext, cookie: string): Promise<void> {
      const [name = '', ...value] = cookie.split('=');
      await context.addCookies([{ name, value: value.join('='), url: fixture.baseUrl }]);
    },
    async visit(page: Page, url: string, status?: number): Promise<void> {
      const response = await page.goto(url.startsWith('http') ? url : `${fixture.baseUrl}${url}`);
      if (status === undefined) expect(response?.status(), url).toBeLessThan(400);
      else expect({ url, status: response?.status() }).toEqual({ url, status });
      await expectAccessible(page);
    },
  } as BrowserApp;

  beforeAll(async () => {
    if (!chromiumAvailable) return;
    const port = await freePort();
    fixture.baseUrl = `http://127.0.0.1:${port}`;
    const env = typeof options.env === 'function' ? options.env() : (options.env ?? {});
    fixture.t = await createTestApp({ ...env, BASE_URL: fixture.baseUrl });
    await options.seed?.(fixture.t);
    await fixture.t.app.listen({ port, host: '127.0.0.1' });
    fixture.browser = await launchBrowser();
    auditor = await (await fixture.browser.newContext()).newPage();
  }, options.setupTimeoutMs);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await fixture.browser?.close();
    await fixture.t?.stop();
  });

  return fixture;
}
