/**
 * The two journeys, in Chromium against the real app with the demo data:
 *  1. the office creates a course with weekly sessions → a coordinator nominates members →
 *     the office approves → a trainer on a 390×844 phone marks attendance → the course
 *     finishes → certificates are issued → the public verification page says valid;
 *     once in Arabic, once in English;
 *  2. a member enrols in a seminar, checks in with the session code, and sees it in their record.
 * Every step goes through the pages a user would use; a step that breaks fails the journey.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { isoDateInZone, startOfDay, zonedParts } from '../../server/core/time.ts';
import { makeActivity, makeEnrolledMembers, makeSession, marksOf } from '../attendance/factories.ts';
import { checkPage, HAVE_CHROMIUM, type Harness, PHONE, signIn, startHarness, submit } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  if (HAVE_CHROMIUM) h = await startHarness('journeys');
});
afterAll(async () => {
  await h?.close();
});

const pathOf = (h: Harness) => new URL(h.page.url()).pathname;

async function switchTo(h: Harness, lang: 'ar' | 'en') {
  const lang0 = await h.page.evaluate(() => document.documentElement.lang);
  if (lang0 !== lang) await submit(h.page, `form[action="/lang/${lang}"] button`);
}

describe.skipIf(!HAVE_CHROMIUM)('journeys in Chromium', () => {
  for (const lang of ['ar', 'en'] as const) {
    it(`a course from planning to a verified certificate (${lang})`, { timeout: 240_000 }, async () => {
      const tz = h.t.config.TAAHIL_TZ;
      const title = lang === 'ar' ? 'دورة الرحلة التجريبية' : 'Journey course';
      // --- the office plans the course
      await signIn(h, 'office');
      await switchTo(h, lang);
      await h.page.goto(`${h.url}/activities/new`);
      await checkPage(h.page, `${lang}-course-new`, { lang });
      await h.page.selectOption('#f-kind', 'course');
      await h.page.fill('#f-title', title);
      await h.page.fill('#f-honoree', lang === 'ar' ? 'الشهيدة ناديا الخشان' : 'Nadia al-Khashan');
      await h.page.fill('#f-seriesNumber', '2');
      await h.page.uncheck('#f-selfEnrol');
      await h.page.fill('#f-minAttendancePct', '75');
      await h.page.fill('#f-editWindowDays', '60');
      await submit(h.page, 'main form[action="/activities"] button[type=submit]');
      expect(pathOf(h)).toMatch(/^\/activities\/\d+$/);
      const activityId = Number(pathOf(h).split('/')[2]);
      await checkPage(h.page, `${lang}-course-created`, { lang });

      // weekly sessions: three past weeks on the same weekday, taught by the demo trainer
      await h.page.goto(`${h.url}/activities/${activityId}/sessions`);
      await checkPage(h.page, `${lang}-course-sessions`, { lang });
      const start = startOfDay(new Date(), tz, -21);
      const weekday = zonedParts(start, tz).weekday;
      await h.page.selectOption('#f-freq', 'weekly');
      await h.page.check(`input[name=weekdays][value="${weekday}"]`);
      await h.page.fill('#f-startDate', isoDateInZone(start, tz));
      await h.page.fill('#f-count', '3');
      await h.page.fill('#f-startTime', '17:00');
      await h.page.fill('#f-endTime', '19:00');
      await h.page.uncheck('#f-skipFridays');
      const trainer = h.t.db.select().from(s.users).where(eq(s.users.username, 'trainer')).get()!;
      await h.page.selectOption('form[action$="/sessions/generate"] #f-trainerUserId', String(trainer.id));
      await submit(h.page, 'form[action$="/sessions/generate"] button[type=submit]');
      await checkPage(h.page, `${lang}-course-sessions-generated`, { lang });
      const sessionRows = h.t.db
        .select()
        .from(s.sessions)
        .where(eq(s.sessions.activityId, activityId))
        .orderBy(s.sessions.startsAt)
        .all();
      expect(sessionRows).toHaveLength(3);

      // open it for nominations
      await h.page.goto(`${h.url}/activities/${activityId}`);
      await submit(h.page, '#status form:has(input[name=to][value=open]) button');
      await checkPage(h.page, `${lang}-course-open`, { lang });

      // --- the coordinator nominates three members of its units; the office approves them
      const nominees = await nominateAndApprove(h, lang, activityId);
      const approved = h.t.db
        .select()
        .from(s.enrolments)
        .where(and(eq(s.enrolments.activityId, activityId), eq(s.enrolments.status, 'approved')))
        .all();
      expect(approved.map((e) => e.memberId).sort()).toEqual(nominees.map((n) => n.id).sort());
      expect(approved.every((e) => e.source === 'nomination')).toBe(true);

      await signIn(h, 'office');
      await h.page.goto(`${h.url}/activities/${activityId}`);
      await submit(h.page, '#status form:has(input[name=to][value=running]) button');

      // --- the trainer marks attendance on a phone: "all present", then corrects one
      await h.page.setViewportSize(PHONE);
      try {
        await signIn(h, 'trainer');
        await switchTo(h, lang);
        await checkPage(h.page, `${lang}-phone-trainer-home`, { lang });
        await h.page.goto(`${h.url}/today`);
        await checkPage(h.page, `${lang}-phone-today`, { lang });
        for (const [i, sess] of sessionRows.entries()) {
          await h.page.goto(`${h.url}/sessions/${sess.id}/attendance`);
          await checkPage(h.page, `${lang}-phone-roster-${i + 1}`, { lang });
          await saveRoster(h, '#all-present');
          await checkPage(h.page, `${lang}-phone-roster-${i + 1}-saved`, { lang });
        }
        // one member was late to the last session
        const last = sessionRows[2];
        await h.page.goto(`${h.url}/sessions/${last.id}/attendance`);
        // the radio itself is visually hidden behind its big label: tap the label
        await h.page.click(`label:has(> input[name="s_${nominees[0].id}"][value="late"])`);
        expect(await h.page.isChecked(`input[name="s_${nominees[0].id}"][value="late"]`)).toBe(true);
        await saveRoster(h, '#save-roster');
        await checkPage(h.page, `${lang}-phone-roster-corrected`, { lang });
      } finally {
        await h.page.setViewportSize({ width: 1280, height: 900 });
      }
      const marks = h.t.db
        .select()
        .from(s.attendance)
        .where(
          inArray(
            s.attendance.sessionId,
            sessionRows.map((r) => r.id),
          ),
        )
        .all();
      expect(marks).toHaveLength(9);
      expect(marks.filter((m) => m.status === 'late').map((m) => m.memberId)).toEqual([nominees[0].id]);

      // --- the course finishes; completion decided; certificates issued
      await signIn(h, 'office');
      await h.page.goto(`${h.url}/activities/${activityId}`);
      await submit(h.page, '#status form:has(input[name=to][value=finished]) button');
      await checkPage(h.page, `${lang}-course-finished`, { lang });
      await h.page.goto(`${h.url}/activities/${activityId}/completion`);
      await checkPage(h.page, `${lang}-completion`, { lang });
      await submit(h.page, `form[action="/activities/${activityId}/completion/decide"] button`);
      await checkPage(h.page, `${lang}-completion-decided`, { lang });
      await h.page.goto(`${h.url}/activities/${activityId}/certificates`);
      await checkPage(h.page, `${lang}-certificates`, { lang });
      await submit(h.page, `form[action="/activities/${activityId}/certificates"] button`);
      await checkPage(h.page, `${lang}-certificates-issued`, { lang });
      const certLinks = await h.page.$$eval('main a[href^="/certificates/"]', (as) =>
        as.map((a) => a.getAttribute('href')!),
      );
      expect(certLinks).toHaveLength(3);
      await h.page.goto(h.url + certLinks[0]);
      await checkPage(h.page, `${lang}-certificate`, { lang });
      const verifyUrl = (await h.page.textContent('.cert-url'))!.trim();
      expect(verifyUrl).toMatch(/\/verify\/\S+$/);

      // --- anyone opens the verification address: valid
      await h.context.clearCookies();
      await h.page.goto(new URL(new URL(verifyUrl).pathname, h.url).href);
      await switchTo(h, lang);
      await checkPage(h.page, `${lang}-verify`, { lang });
      expect(await h.page.getAttribute('.verify-state .tag', 'class')).toContain('ok');
      expect(await h.page.textContent('main')).toContain(title);
    });
  }

  it('a member enrols in a seminar, checks in with the code and sees it in the record', {
    timeout: 120_000,
  }, async () => {
    const tz = h.t.config.TAAHIL_TZ;
    const member = h.t.db.select().from(s.users).where(eq(s.users.username, 'member')).get()!;
    // the office sets up a seminar open to everyone, with a session going on now
    await signIn(h, 'office');
    await h.page.goto(`${h.url}/activities/new`);
    await h.page.selectOption('#f-kind', 'seminar');
    await h.page.fill('#f-title', 'ندوة الرحلة: الإعلام والتواصل');
    await h.page.check('#f-selfEnrol');
    await h.page.check('#f-autoApprove');
    await h.page.fill('#f-minAttendancePct', '100');
    await h.page.fill('#f-checkinOpensBeforeMin', '30');
    await h.page.fill('#f-lateAfterMin', '30');
    await submit(h.page, 'main form[action="/activities"] button[type=submit]');
    const activityId = Number(pathOf(h).split('/')[2]);
    expect(activityId).toBeGreaterThan(0);
    // from 5 minutes ago to 55 minutes ahead, within today's local day (a session lies within
    // one day): from midnight at the earliest, to 23:59 at the latest
    const now = Date.now();
    const from = new Date(Math.max(now - 5 * 60_000, startOfDay(new Date(now), tz, 0).getTime()));
    const to = new Date(Math.min(now + 55 * 60_000, startOfDay(new Date(now), tz, 1).getTime() - 60_000));
    const hhmm = (x: Date) => {
      const z = zonedParts(x, tz);
      return `${String(z.hour).padStart(2, '0')}:${String(z.minute).padStart(2, '0')}`;
    };
    await h.page.goto(`${h.url}/activities/${activityId}/sessions`);
    await h.page.fill('form[action$="/sessions"] #f-date', isoDateInZone(from, tz));
    await h.page.fill('form[action$="/sessions"] #f-startTime', hhmm(from));
    await h.page.fill('form[action$="/sessions"] #f-endTime', hhmm(to));
    await submit(h.page, `form[action="/activities/${activityId}/sessions"] button[type=submit]`);
    expect(pathOf(h)).toMatch(/^\/sessions\/\d+$/);
    const sessionId = Number(pathOf(h).split('/')[2]);
    // the office (or trainer) reads the code out from the session page
    const code = (await h.page.textContent('dd.code'))!.trim();
    expect(code.length).toBeGreaterThan(3);
    await h.page.goto(`${h.url}/activities/${activityId}`);
    await submit(h.page, '#status form:has(input[name=to][value=open]) button');

    // --- the member enrols online
    await signIn(h, 'member');
    await h.page.goto(`${h.url}/activities/${activityId}`);
    await checkPage(h.page, 'seminar-member', { lang: 'ar' });
    await submit(h.page, `form[action="/activities/${activityId}/enrol"] button`);
    await checkPage(h.page, 'seminar-enrolled', { lang: 'ar' });
    expect(pathOf(h)).toBe(`/activities/${activityId}`);
    const enrolment = h.t.db
      .select()
      .from(s.enrolments)
      .where(and(eq(s.enrolments.activityId, activityId), eq(s.enrolments.memberId, member.memberId!)))
      .get();
    expect(enrolment?.status).toBe('approved');

    // --- checks in with the code
    await h.page.goto(`${h.url}/check-in`);
    await checkPage(h.page, 'checkin', { lang: 'ar' });
    await h.page.fill('#f-code', code);
    await submit(h.page, 'form.checkin-form button[type=submit]');
    await checkPage(h.page, 'checkin-done', { lang: 'ar' });
    const mark = h.t.db
      .select()
      .from(s.attendance)
      .where(and(eq(s.attendance.sessionId, sessionId), eq(s.attendance.memberId, member.memberId!)))
      .get();
    expect(mark?.status).toBe('present');

    // --- and sees it in the record
    await h.page.goto(`${h.url}/record`);
    await checkPage(h.page, 'member-record', { lang: 'ar' });
    expect(await h.page.textContent('main')).toContain('ندوة الرحلة: الإعلام والتواصل');
  });

  it('Enter in a note on the roster saves the marks given, and marks no one else present', async () => {
    const db = h.t.db;
    const trainer = db.select().from(s.users).where(eq(s.users.username, 'trainer')).get()!;
    const unit = db.select().from(s.units).where(isNull(s.units.parentId)).get()!;
    const a = makeActivity(db, { organisingUnitId: unit.id, title: 'حلقة زر الإدخال' });
    const sess = makeSession(db, a.id, { trainerUserId: trainer.id });
    const [late, unmarked] = makeEnrolledMembers(db, a.id, unit.id, 2);
    await signIn(h, 'trainer');
    await h.page.goto(`${h.url}/sessions/${sess.id}/attendance`);
    await h.page.click(`label:has(> input[name="s_${late.id}"][value="late"])`);
    await h.page.click(`li:has(input[name="s_${late.id}"]) details summary`);
    await h.page.fill(`input[name="n_${late.id}"]`, 'تأخر الحافلة');
    await h.page.press(`input[name="n_${late.id}"]`, 'Enter');
    await h.page.waitForSelector('#save-status.ok');
    const marks = marksOf(db, sess.id);
    expect(marks.get(late.id)).toMatchObject({ status: 'late', note: 'تأخر الحافلة' });
    // "mark all present" is the first button a trainer sees, but not the one Enter presses
    expect(marks.has(unmarked.id)).toBe(false);
  });
});

/** The roster saves in one request with fetch (no page load): wait for its "saved" status. */
async function saveRoster(h: Harness, button: string) {
  await h.page.click(button);
  await h.page.waitForSelector('#save-status.ok');
  expect(await h.page.isEnabled(button)).toBe(true);
}

/**
 * The nomination pages (enrolment feature): the coordinator opens "nominate" from the
 * activity's page, ticks the first three members of its units and nominates them; the office
 * opens the activity's review queue, ticks the three and approves them in one go. Returns the
 * nominees.
 */
async function nominateAndApprove(h: Harness, lang: 'ar' | 'en', activityId: number) {
  await signIn(h, 'coordinator');
  await switchTo(h, lang);
  await h.page.goto(`${h.url}/activities/${activityId}`);
  await submit(h.page, `.enrolment-panel a[href="/activities/${activityId}/nominate"]`);
  await checkPage(h.page, `${lang}-nominate`, { lang });
  const picks = h.page.locator('form.nominate-form input[name="memberIds"]');
  const ids = await picks.evaluateAll((els) => els.slice(0, 3).map((e) => Number((e as HTMLInputElement).value)));
  expect(ids).toHaveLength(3);
  for (const id of ids) await h.page.check(`form.nominate-form input[name="memberIds"][value="${id}"]`);
  await h.page.fill(
    `form.nominate-form input[name="note_${ids[0]}"]`,
    lang === 'ar' ? 'مرشحة من الوحدة' : 'Recommended by the unit',
  );
  await submit(h.page, 'form.nominate-form button[type=submit]');
  await checkPage(h.page, `${lang}-nominated`, { lang });
  expect(await h.page.textContent('p.flash')).toBeTruthy();
  const rows = h.t.db
    .select()
    .from(s.enrolments)
    .where(and(eq(s.enrolments.activityId, activityId), inArray(s.enrolments.memberId, ids)))
    .all();
  expect(rows.map((r) => r.status)).toEqual(['nominated', 'nominated', 'nominated']);
  expect(rows.every((r) => r.source === 'nomination')).toBe(true);
  // the coordinator's own list on the page shows the three as nominated
  for (const r of rows) expect(await h.page.locator(`main a[href="/enrolments/${r.id}"]`).count()).toBe(1);

  await signIn(h, 'office');
  await switchTo(h, lang);
  await h.page.goto(`${h.url}/activities/${activityId}`);
  await submit(h.page, `.enrolment-panel a[href="/nominations?activity=${activityId}"]`);
  await checkPage(h.page, `${lang}-review-queue`, { lang });
  for (const r of rows) await h.page.check(`form.queue-form input[name="ids"][value="${r.id}"]`);
  await h.page.selectOption('form.queue-form #f-action', 'approve');
  await submit(h.page, 'form.queue-form fieldset.bulk button[type=submit]');
  await checkPage(h.page, `${lang}-approved`, { lang });
  expect(await h.page.textContent('p.flash')).toBeTruthy();
  // nothing of this activity is left waiting in the queue
  for (const r of rows)
    expect(await h.page.locator(`form.queue-form input[name="ids"][value="${r.id}"]`).count()).toBe(0);
  return ids.map((id) => ({ id }));
}
