/**
 * The README's screenshots (not part of `npm test`): starts the app on a temporary database with
 * the demo data, opens Debian's Chromium in Arabic, and saves what the screen shows to
 * static/img/screenshots/:
 *   dashboard.png      the office's dashboard (1280×800)
 *   activity.png       the Nadia al-Khashan course's page (1280×800)
 *   roster-phone.png   that course's latest roster, as a trainer sees it on a 390×844 phone
 *   report.png         the monthly report (1280×800)
 *   certificate.png    a certificate (1280×800)
 * A PNG over 150 KB is saved as JPEG (quality 70) instead, under the same name with .jpg.
 *
 *   npx tsx tests/browser/screenshots.ts
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, desc, eq, lte } from 'drizzle-orm';
import { type Browser, chromium, type Page } from 'playwright-core';
import { DEMO_PASSWORD, seedDemo } from '../../db/demo.ts';
import * as s from '../../db/schema.ts';
import { createTestApp } from '../helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(ROOT, 'static/img/screenshots');
const MAX_BYTES = 150 * 1024;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const NADIA = 'الدورة التدريبية الأولى باسم الشهيدة ناديا الخشان';

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-screenshots-'));
  const t = await createTestApp({ TAAHIL_UPLOADS: path.join(dir, 'uploads') }, path.join(dir, 'taahil.sqlite'));
  let browser: Browser | undefined;
  try {
    await seedDemo(t.db, { tz: t.config.TAAHIL_TZ });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    fs.mkdirSync(OUT, { recursive: true });

    const course = t.db.select().from(s.activities).where(eq(s.activities.title, NADIA)).get();
    if (!course) throw new Error(`the demo data has no "${NADIA}"`);
    const session = t.db
      .select()
      .from(s.sessions)
      .where(and(eq(s.sessions.activityId, course.id), lte(s.sessions.startsAt, new Date())))
      .orderBy(desc(s.sessions.startsAt))
      .get();
    if (!session) throw new Error('the course has no session that has started');
    const certificate = t.db.select().from(s.certificates).orderBy(s.certificates.id).get();
    if (!certificate) throw new Error('the demo data has no certificate');

    const office = await signedIn(browser, url, 'office', DESKTOP);
    await shoot(office, `${url}/`, 'dashboard');
    await shoot(office, `${url}/activities/${course.id}`, 'activity');
    await shoot(office, `${url}/reports/monthly`, 'report');
    await shoot(office, `${url}/certificates/${certificate.id}`, 'certificate');
    const trainer = await signedIn(browser, url, 'trainer', PHONE);
    await shoot(trainer, `${url}/sessions/${session.id}/attendance`, 'roster-phone');
  } finally {
    await browser?.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function signedIn(browser: Browser, url: string, login: string, viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport, locale: 'ar', deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.fill('#f-login', login);
  await page.fill('#f-password', DEMO_PASSWORD);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.click('form[action="/login"] button[type=submit]'),
  ]);
  return page;
}

async function shoot(page: Page, address: string, name: string) {
  const res = await page.goto(address);
  if (res?.status() !== 200) throw new Error(`${address} answered ${res?.status()}`);
  await page.waitForLoadState('networkidle');
  const png = path.join(OUT, `${name}.png`);
  const jpg = path.join(OUT, `${name}.jpg`);
  fs.rmSync(png, { force: true });
  fs.rmSync(jpg, { force: true });
  await page.screenshot({ path: png });
  let file = png;
  if (fs.statSync(png).size > MAX_BYTES) {
    fs.rmSync(png);
    await page.screenshot({ path: jpg, type: 'jpeg', quality: 70 });
    file = jpg;
  }
  console.log(
    `${path.relative(ROOT, file)}  ${Math.round(fs.statSync(file).size / 1024)} KB  (${address.replace(/^https?:\/\/[^/]+/, '')})`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
