/**
 * Saving a page of the sheet entry grid (a printed sign-in sheet typed in, `cards` feature):
 * the attendance service checks the posted cells (`sheetCells`) and writes them through the
 * roster save. A save of one page of members writes that page's changed cells alone, with one
 * event per change, the enrolment counters moved and one audit line per session; walk-ins
 * marked in another session and members who left after being marked are on the grid, cancelled
 * sessions and strangers are not; the check reads the posted members' marks only, never the
 * activity's whole matrix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttendanceService } from '../../server/attendance/service.ts';
import type { DomainEvents } from '../../server/core/events.ts';
import { makeMember, makeOrg, makeViewer } from '../factories.ts';
import { mark } from '../followup/factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { queryRecorder } from '../queries.ts';
import {
  auditOf,
  enrol,
  enrolmentOf,
  eventsOf,
  makeActivity,
  makeEnrolledMembers,
  makeSession,
  marksOf,
} from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let trainer: Client;
let recorder: ReturnType<typeof queryRecorder>;
const changed: DomainEvents['attendance.changed'][] = [];

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  recorder = queryRecorder(t.db);
  trainer = new Client(t.app);
  await trainer.login('trainer');
  t.app.events.on('attendance.changed', (e) => changed.push(e));
});
afterAll(() => t.close());

/** 130 members on the roster, a walk-in marked in the second session only, a member who withdrew after being marked */
function lecture() {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'محاضرة الكشف الورقي' });
  const s1 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -60 * 48 });
  const s2 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -60 * 24 });
  const cancelled = makeSession(t.db, a.id, {
    trainerUserId: org.users.trainer.id,
    startMin: -60 * 36,
    status: 'cancelled',
  });
  const roster = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 130);
  // named to sort after the roster's «متدرب …»: both on the second page of members
  const walkIn = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'يوسف المستمع' });
  mark(t.db, s2.id, walkIn.id, 'present');
  const leaver = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'ياسر المنسحب' });
  enrol(t.db, a.id, leaver.id, 'withdrawn');
  mark(t.db, s1.id, leaver.id, 'late');
  return { a, s1, s2, cancelled, roster, walkIn, leaver };
}

const rowIds = (html: string, sessionId: number) =>
  [...html.matchAll(new RegExp(`name="c_${sessionId}_(\\d+)"`, 'g'))].map((m) => Number(m[1]));

describe('saving a page of the sheet entry grid', () => {
  it('writes the changed cells of the page posted alone, with their events, counters and audit', async () => {
    const { a, s1, s2, roster, walkIn, leaver } = lecture();
    const first = rowIds((await trainer.get(`/activities/${a.id}/sheet-entry`)).body, s1.id);
    const page = await trainer.get(`/activities/${a.id}/sheet-entry?members=2`);
    expect(page.status).toBe(200);
    const second = rowIds(page.body, s1.id);
    expect(first).toHaveLength(100);
    expect(second).toHaveLength(32);
    expect(second.slice(-2)).toEqual([leaver.id, walkIn.id]);
    expect(new Set([...first, ...second]).size).toBe(132);

    // a page-1 member already marked keeps their mark; a page-2 member's mark posted as it is stays unchanged
    const kept = first[0];
    mark(t.db, s1.id, kept, 'excused');
    const same = second[0];
    mark(t.db, s1.id, same, 'late');
    const audits = auditOf(t.db, 'attendance.save').length;
    changed.length = 0;

    const form: Record<string, string> = { page: '1', members: '2' };
    // (a member off the roster may be marked only in a session they have a mark in already)
    for (const id of second) {
      if (id !== walkIn.id) form[`c_${s1.id}_${id}`] = id === same ? 'late' : 'present';
      if (id !== leaver.id) form[`c_${s2.id}_${id}`] = 'absent';
    }
    const res = await trainer.post(`/activities/${a.id}/sheet-entry`, form);
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/activities/${a.id}/sheet-entry?page=1&members=2`);
    expect(textOf((await trainer.get(res.location!)).body)).toContain('حُفظ');

    const m1 = marksOf(t.db, s1.id);
    const m2 = marksOf(t.db, s2.id);
    // page 1 untouched: only the mark it had
    for (const id of first.slice(1)) expect(m1.has(id) || m2.has(id), `member ${id}`).toBe(false);
    expect(m1.get(kept)).toMatchObject({ status: 'excused', via: 'roster' });
    // page 2 as posted; the unchanged cells were not written again
    for (const id of second) {
      if (id === leaver.id) expect(m2.has(id)).toBe(false);
      else expect(m2.get(id)).toMatchObject({ status: 'absent', via: 'sheet' });
      if (id === walkIn.id) expect(m1.has(id)).toBe(false);
      else if (id === same) expect(m1.get(id)).toMatchObject({ status: 'late', via: 'roster' });
      else expect(m1.get(id)).toMatchObject({ status: 'present', via: 'sheet' });
    }
    // one event per changed cell: s1 all but the one posted as it was; s2 every cell (the walk-in's present → absent)
    expect(eventsOf(t.db, s1.id).filter((e) => e.via === 'sheet')).toHaveLength(30);
    expect(eventsOf(t.db, s1.id).find((e) => e.memberId === leaver.id)).toMatchObject({
      fromStatus: 'late',
      toStatus: 'present',
    });
    expect(eventsOf(t.db, s2.id).filter((e) => e.via === 'sheet')).toHaveLength(31);
    expect(eventsOf(t.db, s2.id).find((e) => e.memberId === walkIn.id && e.via === 'sheet')).toMatchObject({
      fromStatus: 'present',
      toStatus: 'absent',
    });
    // one audit line and one domain event per session, naming the changes
    const lines = auditOf(t.db, 'attendance.save').slice(audits);
    expect(lines.map((l) => l.entityId).sort()).toEqual([s1.id, s2.id].sort());
    for (const l of lines) expect(JSON.parse(String(l.details))).toMatchObject({ activityId: a.id, via: 'sheet' });
    expect(changed.map((e) => [e.sessionId, e.changes.length]).sort((x, y) => x[0] - y[0])).toEqual([
      [s1.id, 30],
      [s2.id, 31],
    ]);
    // the counters moved with the marks: page 2's members only
    const byId = new Map(roster.map((m) => [m.id, m]));
    const counts = (id: number) => {
      const e = enrolmentOf(t.db, a.id, id);
      return [e.attendedCount, e.lateCount, e.excusedCount, e.absentCount];
    };
    expect(counts(first[1])).toEqual([0, 0, 0, 0]);
    const plain = second.find((id) => id !== same && byId.has(id))!;
    expect(counts(plain)).toEqual([1, 0, 0, 1]);
    // (the factory's marks move no counter: only the save's change of s2 shows for `same`)
    expect(counts(same)).toEqual([0, 0, 0, 1]);

    // posted again as it is: nothing written
    const again = await trainer.post(`/activities/${a.id}/sheet-entry`, form);
    expect(again.status).toBe(303);
    expect(textOf((await trainer.get(again.location!)).body)).toContain('لم يتغير شيء');
    expect(auditOf(t.db, 'attendance.save').length).toBe(audits + 2);
  });

  it('refuses a cell of a cancelled session or of a member not on the grid, writing nothing', async () => {
    const { a, s1, cancelled, roster, walkIn } = lecture();
    const stranger = makeMember(t.db, { unitId: org.units.karama.id });
    const refused = async (cell: string) => {
      const res = await trainer.post(`/activities/${a.id}/sheet-entry`, {
        members: '1',
        [`c_${s1.id}_${roster[1].id}`]: 'present',
        [cell]: 'present',
      });
      expect(res.status).toBe(400);
      expect(marksOf(t.db, s1.id).has(roster[1].id)).toBe(false);
      return textOf(res.body);
    };
    for (const cell of [`c_${cancelled.id}_${roster[0].id}`, `c_${s1.id}_${stranger.id}`])
      expect(await refused(cell)).toContain('تعذّرت قراءة بعض الخانات');
    // on the grid (marked in the second session) but not on the roster: the first session's save refuses it
    expect(await refused(`c_${s1.id}_${walkIn.id}`)).toContain('رُفض الكشف');
  });

  it('checks the posted cells against their members’ marks alone, not the activity’s', async () => {
    const { a, s1, s2, cancelled, roster, walkIn, leaver } = lecture();
    mark(t.db, s1.id, roster[5].id, 'absent');
    const office = makeViewer({ userId: org.users.office.id, roles: ['office'] });
    const service = new AttendanceService(t.db, t.app.audit, t.app.events);
    const posted = [roster[5], roster[6], walkIn, leaver].map((m) => ({ sessionId: s1.id, memberId: m.id }));
    const stranger = makeMember(t.db, { unitId: org.units.karama.id });
    let sheet: ReturnType<AttendanceService['sheetCells']> | undefined;
    const statements = await recorder.captureAsync(async () => {
      sheet = service.sheetCells(office, a.id, [...posted, { sessionId: s1.id, memberId: stranger.id }]);
    });
    expect(posted.every((c) => sheet!.onGrid(c))).toBe(true);
    expect(sheet!.onGrid({ sessionId: s1.id, memberId: stranger.id })).toBe(false);
    expect(sheet!.onGrid({ sessionId: cancelled.id, memberId: roster[5].id })).toBe(false);
    expect(sheet!.stored({ sessionId: s1.id, memberId: roster[5].id })).toBe('absent');
    expect(sheet!.stored({ sessionId: s1.id, memberId: leaver.id })).toBe('late');
    expect(sheet!.stored({ sessionId: s2.id, memberId: walkIn.id })).toBe('present');
    expect(sheet!.stored({ sessionId: s1.id, memberId: roster[6].id })).toBeUndefined();
    // the marks read are those of the posted members; no statement reads every mark of the activity
    const marks = statements.filter((q) => /from "?attendance"?/i.test(q.sql));
    expect(marks.length).toBeGreaterThan(0);
    for (const q of marks)
      expect(q.args.map(String).join(' '), q.sql).toContain(
        JSON.stringify([...posted.map((c) => c.memberId), stranger.id]),
      );
    expect(statements.some((q) => /from "?enrolments"? e\s+join members/i.test(q.sql))).toBe(false);
  });
});
