/**
 * Browser journeys: Debian's Chromium (/usr/bin/chromium, never a downloaded browser) driven by
 * playwright-core against the real app listening on 127.0.0.1 (createTestApp on a temporary
 * SQLite file, demo data from db/demo.ts). Every page a journey visits is checked with
 * axe-core (no serious or critical violation), for right-to-left layout in Arabic, for
 * left-to-right text (usernames, phones, links) isolated inside Arabic pages, and screenshotted
 * into tests/screenshots/ (git-ignored).
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../../db/demo.ts';
import { createTestApp, type TestApp } from '../helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'tests/screenshots');
const AXE = path.join(ROOT, 'node_modules/axe-core/axe.min.js');
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
export const PHONE = { width: 390, height: 844 };
export { DEMO_PASSWORD };

export interface Harness {
  t: TestApp;
  url: string;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function startHarness(name: string): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `taahil-browser-${name}-`));
  const t = await createTestApp({ TAAHIL_LOGIN_MAX_PER_MINUTE: '1000' }, path.join(dir, 'taahil.sqlite'));
  await seedDemo(t.db, { tz: t.config.TAAHIL_TZ });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // axe-core is injected as a script the page's CSP ('self' only) would refuse
    bypassCSP: true,
    viewport: { width: 1280, height: 900 },
    locale: 'ar',
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  // every script, stylesheet, image and manifest a page asks for must load
  page.on('response', (res) => {
    const type = res.request().resourceType();
    if (type !== 'document' && res.status() >= 300 && res.status() !== 304)
      failedResources.push(`${res.status()} ${type} ${new URL(res.url()).pathname}`);
  });
  page.on('requestfailed', (req) => {
    // a favicon or script cut off by the next navigation is not a fault of the page
    if (req.failure()?.errorText !== 'net::ERR_ABORTED')
      failedResources.push(`${req.failure()?.errorText} ${req.resourceType()} ${req.url()}`);
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    t,
    url: `http://127.0.0.1:${port}`,
    context,
    page,
    close: async () => {
      await context.close();
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** axe-core on the current page: the serious and critical violations, described. */
export async function axeProblems(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => typeof (window as any).axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const axe = (window as any).axe;
    // only serious and critical violations fail a page: the rules that can report nothing worse
    // than moderate are not run at all (a third of the rules, and among the slowest: region)
    const rules: Record<string, { enabled: boolean }> = {};
    for (const rule of axe._audit.rules as { id: string; impact?: string }[])
      if (rule.impact === 'minor' || rule.impact === 'moderate') rules[rule.id] = { enabled: false };
    const r = await axe.run(document, { resultTypes: ['violations'], rules });
    return r.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(' ')),
    }));
  });
  return (result as { id: string; impact: string; help: string; nodes: string[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.join(', ')}`);
}

/**
 * Left-to-right text shown on a right-to-left page without isolation: a text node with no Arabic
 * letters that holds Latin letters or digits and starts or ends with a neutral character (a
 * phone's "+", a trailing dot or slash, an e-mail's "@" at an edge, a URL) is displayed reordered
 * ("963944…+") unless an ancestor sets dir="ltr"/"auto" or it sits in a <bdi>.
 */
export async function wrongDirection(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    if (document.documentElement.dir !== 'rtl') return [];
    const out: string[] = [];
    const arabic = /[\u0600-\u06FF]/;
    const latinOrDigit = /[A-Za-z0-9]/;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      if (!text || arabic.test(text) || !latinOrDigit.test(text)) continue;
      const el = n.parentElement!;
      if (el.closest('script,style,noscript,[hidden],[aria-hidden="true"]')) continue;
      const edgy =
        /^\+\d/.test(text) ||
        /^https?:\/\//.test(text) ||
        (/[A-Za-z]/.test(text) && /^[^\p{L}\p{N}([]|[^\p{L}\p{N})\]]$/u.test(text));
      if (!edgy) continue;
      const isolated = el.closest('bdi,[dir="ltr"],[dir="auto"]') !== null || getComputedStyle(el).direction === 'ltr';
      if (!isolated) out.push(`"${text.slice(0, 60)}" in <${el.tagName.toLowerCase()}>`);
    }
    return out;
  });
}

let shot = 0;
const FULL_SCREENSHOTS = process.env.TAAHIL_FULL_SCREENSHOTS === '1';
const failedResources: string[] = [];
/**
 * Checks the page a journey has just reached: it loaded (no error page), the language and direction
 * are those expected, axe finds nothing serious, no LTR text runs loose in Arabic, and on a phone
 * nothing overflows sideways. Saves a screenshot named after the journey step.
 */
export async function checkPage(
  page: Page,
  name: string,
  opts: { lang?: 'ar' | 'en'; status?: 'ok' | 'any' } = {},
): Promise<void> {
  await page.waitForLoadState('load');
  const { lang, dir } = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
  }));
  if (opts.lang) {
    expect(lang, `${name}: page language`).toBe(opts.lang);
    expect(dir, `${name}: page direction`).toBe(opts.lang === 'ar' ? 'rtl' : 'ltr');
  }
  if (opts.status !== 'any') {
    const errorPage = await page.locator('body.error-page, .error-page').count();
    expect(errorPage, `${name}: shows an error page at ${page.url()}`).toBe(0);
  }
  // what the screen shows, as JPEG: a full-page PNG of every step cost more than the checks themselves
  // (TAAHIL_FULL_SCREENSHOTS=1 for whole pages when looking into a layout problem)
  const file = `${String(++shot).padStart(3, '0')}-${name.replace(/[^a-z0-9-]+/gi, '-')}`;
  if (FULL_SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, `${file}.png`), fullPage: true });
  else await page.screenshot({ path: path.join(SCREENSHOTS, `${file}.jpg`), type: 'jpeg', quality: 60 });
  expect(failedResources.splice(0), `${name}: resources that did not load at ${page.url()}`).toEqual([]);
  expect(await axeProblems(page), `${name}: axe at ${page.url()}`).toEqual([]);
  expect(await wrongDirection(page), `${name}: left-to-right text not isolated at ${page.url()}`).toEqual([]);
  const viewport = page.viewportSize();
  if (viewport && viewport.width <= 420) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name}: page wider than the phone at ${page.url()}`).toBeLessThanOrEqual(1);
  }
}

/** Signs in through the login form (clearing any previous session first). */
export async function signIn(h: Harness, login: string, password = DEMO_PASSWORD) {
  await h.context.clearCookies();
  await h.page.goto(`${h.url}/login`);
  await h.page.fill('#f-login', login);
  await h.page.fill('#f-password', password);
  await Promise.all([
    h.page.waitForURL((u) => !u.pathname.startsWith('/login')),
    h.page.click('form[action="/login"] button[type=submit]'),
  ]);
}

/** Submits a form by clicking its button and waits for the next page. */
export async function submit(page: Page, button: string) {
  await Promise.all([page.waitForNavigation(), page.click(button)]);
}
