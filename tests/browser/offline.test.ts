/**
 * The offline roster in Chromium: a trainer keeps a roster on the phone while connected, loses the
 * connection, marks, reloads the page (served by the service worker from the phone's copy), gets
 * the connection back, and the marks arrive on the server exactly once.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { enrol, makeActivity, makeSession } from '../attendance/factories.ts';
import { checkPage, HAVE_CHROMIUM, type Harness, PHONE, signIn, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  if (HAVE_CHROMIUM) h = await startHarness('offline');
});
afterAll(async () => {
  await h?.close();
});

describe.skipIf(!HAVE_CHROMIUM)('offline roster in Chromium', () => {
  it('marks made with no connection wait on the phone, survive a reload and arrive once', {
    timeout: 120_000,
  }, async () => {
    const db = h.t.db;
    const trainer = db.select().from(s.users).where(eq(s.users.username, 'trainer')).get()!;
    const centre = db.select().from(s.units).where(isNull(s.units.parentId)).get()!;
    const a = makeActivity(db, { organisingUnitId: centre.id, title: 'دورة الميدان دون اتصال' });
    const sess = makeSession(db, a.id, { trainerUserId: trainer.id, startMin: -20 });
    const people = db.select().from(s.members).where(eq(s.members.status, 'active')).limit(3).all();
    for (const m of people) enrol(db, a.id, m.id);
    const row = (id: number) => `li.field-row[data-member="${id}"]`;

    await h.page.setViewportSize(PHONE);
    await signIn(h, 'trainer');
    // connected: the offline rosters page registers the service worker and keeps the rosters
    await h.page.goto(`${h.url}/offline`);
    await h.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await h.page.locator(`[data-kept-for="${sess.id}"].ok`).waitFor();
    await checkPage(h.page, 'offline-rosters', { lang: 'ar' });

    await h.page.goto(`${h.url}/offline/sessions/${sess.id}`);
    await checkPage(h.page, 'offline-field-roster', { lang: 'ar' });
    const renderedAt = await h.page.getAttribute('#field-form', 'data-rendered-at');

    // the hall screen, while we are connected
    await h.page.goto(`${h.url}/sessions/${sess.id}/hall`);
    await checkPage(h.page, 'offline-hall', { lang: 'ar' });
    await h.page.goto(`${h.url}/offline/sessions/${sess.id}`);
    const keptAt = await h.page.getAttribute('#field-form', 'data-rendered-at');
    expect(Number(keptAt)).toBeGreaterThanOrEqual(Number(renderedAt));

    // the connection drops: marks wait on the phone
    await h.context.setOffline(true);
    await h.page.click(`${row(people[0].id)} input[value="present"]`);
    await h.page.click(`${row(people[1].id)} input[value="late"]`);
    await h.page.locator(`${row(people[0].id)} .row-state[data-state="waiting"]`).waitFor();
    await h.page.locator(`${row(people[1].id)} .row-state[data-state="waiting"]`).waitFor();
    // "mark all present" takes the one left
    await h.page.click('#field-all-present');
    await h.page.locator(`${row(people[2].id)} .row-state[data-state="waiting"]`).waitFor();
    expect(await h.page.textContent('#sync-summary')).toContain('ينتظر على الهاتف: 3');
    expect(await h.page.isChecked(`${row(people[1].id)} input[value="late"]`)).toBe(true);
    expect(db.select().from(s.attendance).where(eq(s.attendance.sessionId, sess.id)).all()).toEqual([]);

    // reloaded with no connection: the service worker answers with the kept copy, the marks are still there
    const reloaded = await h.page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    expect(await h.page.getAttribute('#field-form', 'data-rendered-at')).toBe(keptAt);
    await h.page.locator(`${row(people[0].id)} .row-state[data-state="waiting"]`).waitFor();
    expect(await h.page.isChecked(`${row(people[0].id)} input[value="present"]`)).toBe(true);
    expect(await h.page.isChecked(`${row(people[1].id)} input[value="late"]`)).toBe(true);

    // the connection returns: the queue is sent by itself
    await h.context.setOffline(false);
    await h.page.locator(`${row(people[0].id)} .row-state[data-state="saved"]`).waitFor({ timeout: 40_000 });
    await h.page.locator(`${row(people[1].id)} .row-state[data-state="saved"]`).waitFor();
    await h.page.locator(`${row(people[2].id)} .row-state[data-state="saved"]`).waitFor();
    expect(await h.page.textContent('#sync-summary')).toContain('ينتظر على الهاتف: 0');

    // a second send (a reload, the next periodic round) changes nothing
    await h.page.reload();
    // (a string: the test runner would rewrite an import() written in a function)
    await h.page.evaluate("import('/static/js/offline-queue.js').then((q) => q.flush({}))");
    const marks = db.select().from(s.attendance).where(eq(s.attendance.sessionId, sess.id)).all();
    expect(marks.map((m) => [m.memberId, m.status]).sort()).toEqual(
      [
        [people[0].id, 'present'],
        [people[1].id, 'late'],
        [people[2].id, 'present'],
      ].sort(),
    );
    const events = db.select().from(s.attendanceEvents).where(eq(s.attendanceEvents.sessionId, sess.id)).all();
    expect(events.length).toBe(3);
    const receipts = db
      .select()
      .from(s.auditLog)
      .where(and(eq(s.auditLog.action, 'attendance.offline'), eq(s.auditLog.entityId, sess.id)))
      .all();
    expect(receipts.length).toBe(3);
    await checkPage(h.page, 'offline-field-roster-synced', { lang: 'ar' });

    // signing out forgets the kept pages (the next person on this phone does not see them)
    expect(
      await h.page.evaluate("caches.open('taahil-offline-pages').then((c) => c.keys()).then((k) => k.length)"),
    ).toBeGreaterThan(0);
    await Promise.all([
      h.page.waitForURL((u) => u.pathname !== `/offline/sessions/${sess.id}`),
      h.page.click('form[action="/logout"] button'),
    ]);
    await h.page.waitForFunction(
      "caches.open('taahil-offline-pages').then((c) => c.keys()).then((k) => k.length === 0)",
    );
  });
});
