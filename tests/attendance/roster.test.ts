import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
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
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  trainer = new Client(t.app);
  await trainer.login('trainer');
});
afterAll(() => t.close());

const form = (marks: Record<number, string>, extra: Record<string, string> = {}) => {
  const out: Record<string, string> = { ...extra };
  for (const [id, st] of Object.entries(marks)) out[`s_${id}`] = st;
  return out;
};

describe('saving a roster', () => {
  it('saves a 300-member roster in one request, with one audit line and one event per change', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const people = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 300);
    const page = await trainer.get(`/sessions/${sess.id}/attendance`);
    expect(page.status).toBe(200);
    expect((page.body.match(/class="roster-row/g) ?? []).length).toBe(300);
    expect(textOf(page.body)).toContain('متدرب 299');

    const marks: Record<number, string> = {};
    people.forEach((p, i) => {
      marks[p.id] = i < 290 ? 'present' : i < 295 ? 'late' : i < 298 ? 'excused' : 'absent';
    });
    const body = form(marks, { activityId: String(a.id) });
    const res = await trainer.post(`/sessions/${sess.id}/attendance`, body);
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/sessions/${sess.id}/attendance`);

    const saved = marksOf(t.db, sess.id);
    expect(saved.size).toBe(300);
    expect(saved.get(people[0].id)!.status).toBe('present');
    expect(saved.get(people[299].id)!.status).toBe('absent');
    expect(saved.get(people[0].id)!.markedBy).toBe(org.users.trainer.id);
    const events = eventsOf(t.db, sess.id);
    expect(events.length).toBe(300);
    expect(
      events.every((e) => e.fromStatus === null && e.byUserId === org.users.trainer.id && e.via === 'roster'),
    ).toBe(true);
    const audit = auditOf(t.db, 'attendance.save').filter((r) => r.entityId === sess.id);
    expect(audit.length).toBe(1);
    expect(JSON.parse(audit[0].details!).changes.length).toBe(300);
    expect(enrolmentOf(t.db, a.id, people[291].id).lateCount).toBe(1);
    expect(enrolmentOf(t.db, a.id, people[0].id).attendedCount).toBe(1);

    // the page shows what was saved and the one-time message
    const after = await trainer.get(`/sessions/${sess.id}/attendance`);
    expect(textOf(after.body)).toContain('حُفظ الحضور.');
    expect(after.body).toMatch(new RegExp(`name="s_${people[299].id}" value="absent" checked`));

    // re-sending the same form (a retry) changes nothing and writes nothing
    const again = await trainer.post(`/sessions/${sess.id}/attendance`, body);
    expect(again.status).toBe(303);
    expect(eventsOf(t.db, sess.id).length).toBe(300);
    expect(auditOf(t.db, 'attendance.save').filter((r) => r.entityId === sess.id).length).toBe(1);
    expect(enrolmentOf(t.db, a.id, people[0].id).attendedCount).toBe(1);

    // correcting two members writes two events, each with from and to, shown on the roster
    marks[people[0].id] = 'late';
    marks[people[299].id] = 'excused';
    await trainer.post(`/sessions/${sess.id}/attendance`, form(marks, { activityId: String(a.id) }));
    const events2 = eventsOf(t.db, sess.id);
    expect(events2.length).toBe(302);
    const change = events2.find((e) => e.memberId === people[0].id && e.fromStatus === 'present')!;
    expect(change.toStatus).toBe('late');
    const e0 = enrolmentOf(t.db, a.id, people[0].id);
    expect([e0.attendedCount, e0.lateCount]).toEqual([0, 1]);
    const e299 = enrolmentOf(t.db, a.id, people[299].id);
    expect([e299.absentCount, e299.excusedCount]).toEqual([0, 1]);
    const roster = textOf((await trainer.get(`/sessions/${sess.id}/attendance`)).body);
    expect(roster).toContain('حاضر → متأخر');
  });

  it('serves its script to the page, signed in or not (no inline scripts)', async () => {
    const js = await new Client(t.app).get('/static/js/attendance.js');
    expect(js.status).toBe(200);
    expect(js.body).toContain('x-csrf-token');
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const page = await trainer.get(`/sessions/${sess.id}/attendance`);
    expect(page.body).toMatch(/<script src="\/static\/js\/attendance\.js[^"]*" defer><\/script>/);
    expect(page.body).not.toMatch(/<script>|style="/);
  });

  it('answers JSON to the script and keeps the marks of a failed save', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const [p1, p2] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 2);
    await trainer.get(`/sessions/${sess.id}/attendance`);
    const send = (body: Record<string, string>) =>
      trainer.request('POST', `/sessions/${sess.id}/attendance`, {
        form: body,
        headers: { accept: 'application/json', 'x-csrf-token': trainer.csrf! },
      });
    const ok = await send(form({ [p1.id]: 'present', [p2.id]: 'late' }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, changed: 2 });
    const same = await send(form({ [p1.id]: 'present', [p2.id]: 'late' }));
    expect(JSON.parse(same.body)).toMatchObject({ ok: true, changed: 0 });
    const bad = await send(form({ [p1.id]: 'absent', [p2.id]: 'sleeping' }));
    expect(bad.status).toBe(400);
    const j = JSON.parse(bad.body);
    expect(j.ok).toBe(false);
    expect(j.errors[`s_${p2.id}`]).toBe('اختر: حاضر أو متأخر أو غائب بعذر أو غائب.');
    expect(marksOf(t.db, sess.id).get(p1.id)!.status).toBe('present');
  });

  it('refuses the whole roster when one entry is bad, and keeps what the trainer typed (no JavaScript)', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const other = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const [p1, p2] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 2);
    const stranger = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'غريب عن الدورة' });
    const withdrawn = makeMember(t.db, { unitId: org.units.karama.id });
    enrol(t.db, a.id, withdrawn.id, 'withdrawn');
    await trainer.get(`/sessions/${sess.id}/attendance`);

    const notEnrolled = await trainer.post(
      `/sessions/${sess.id}/attendance`,
      form({ [p1.id]: 'present', [p2.id]: 'absent', [stranger.id]: 'present' }),
    );
    expect(notEnrolled.status).toBe(400);
    const text = textOf(notEnrolled.body);
    expect(text).toContain('بعض الإدخالات لا يمكن حفظها');
    expect(text).toContain('هذا العضو غير مسجّل في هذا النشاط.');
    expect(text).toContain('غريب عن الدورة');
    // what the trainer chose is still on the page
    expect(notEnrolled.body).toMatch(new RegExp(`name="s_${p2.id}" value="absent" checked`));
    expect(marksOf(t.db, sess.id).size).toBe(0);

    const withdrawnMark = await trainer.post(`/sessions/${sess.id}/attendance`, form({ [withdrawn.id]: 'present' }));
    expect(withdrawnMark.status).toBe(400);

    const unknownStatus = await trainer.post(
      `/sessions/${sess.id}/attendance`,
      form({ [p1.id]: 'present', [p2.id]: 'here' }),
    );
    expect(unknownStatus.status).toBe(400);
    expect(textOf(unknownStatus.body)).toContain('اختر: حاضر أو متأخر أو غائب بعذر أو غائب.');

    const forged = await trainer.post(
      `/sessions/${sess.id}/attendance`,
      form({ [p1.id]: 'present' }, { activityId: String(other.id) }),
    );
    expect(forged.status).toBe(400);
    expect(textOf(forged.body)).toContain('هذا النموذج يخص جلسة من نشاط آخر');
    expect(marksOf(t.db, sess.id).size).toBe(0);
    expect(eventsOf(t.db, sess.id).length).toBe(0);
  });

  it('refuses cancelled sessions and sessions not yet started', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const [p] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);
    const cancelled = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, status: 'cancelled' });
    const later = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: 24 * 60 });
    await trainer.get(`/sessions/${cancelled.id}/attendance`);
    const r1 = await trainer.post(`/sessions/${cancelled.id}/attendance`, form({ [p.id]: 'present' }));
    expect(r1.status).toBe(400);
    expect(textOf(r1.body)).toContain('هذه الجلسة ملغاة');
    const r2 = await trainer.post(`/sessions/${later.id}/attendance`, form({ [p.id]: 'present' }));
    expect(r2.status).toBe(400);
    expect(textOf(r2.body)).toContain('لم تبدأ هذه الجلسة بعد');
    expect(marksOf(t.db, cancelled.id).size + marksOf(t.db, later.id).size).toBe(0);
  });

  it('"mark all present" fills everyone not yet marked and keeps the chosen ones', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const people = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 5);
    await trainer.get(`/sessions/${sess.id}/attendance`);
    const res = await trainer.post(
      `/sessions/${sess.id}/attendance`,
      form({ [people[0].id]: 'absent' }, { allPresent: '1' }),
    );
    expect(res.status).toBe(303);
    const saved = marksOf(t.db, sess.id);
    expect(saved.size).toBe(5);
    expect(saved.get(people[0].id)!.status).toBe('absent');
    expect(people.slice(1).every((p) => saved.get(p.id)!.status === 'present')).toBe(true);
  });

  it('keeps notes, and a changed note alone is one more event', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const [p] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);
    await trainer.get(`/sessions/${sess.id}/attendance`);
    await trainer.post(`/sessions/${sess.id}/attendance`, { [`s_${p.id}`]: 'excused', [`n_${p.id}`]: 'مريض' });
    await trainer.post(`/sessions/${sess.id}/attendance`, { [`s_${p.id}`]: 'excused', [`n_${p.id}`]: 'مريض' });
    expect(eventsOf(t.db, sess.id).length).toBe(1);
    await trainer.post(`/sessions/${sess.id}/attendance`, {
      [`s_${p.id}`]: 'excused',
      [`n_${p.id}`]: 'مريض، بعذر طبي',
    });
    expect(eventsOf(t.db, sess.id).length).toBe(2);
    expect(marksOf(t.db, sess.id).get(p.id)!.note).toBe('مريض، بعذر طبي');
  });

  it('takes walk-ins from the audience on open activities, and only from it', async () => {
    const circle = makeActivity(t.db, {
      kind: 'circle',
      selfEnrol: true,
      organisingUnitId: org.units.raqqa.id,
      audienceKind: 'units',
      audienceUnitId: org.units.raqqa.id,
    });
    const sess = makeSession(t.db, circle.id, { trainerUserId: org.users.trainer.id });
    const local = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'زائرة من الكرامة' });
    const outside = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'زائرة من المنصورة' });
    const search = await trainer.get(`/sessions/${sess.id}/attendance?q=${encodeURIComponent('زائرة')}`);
    const text = textOf(search.body);
    expect(text).toContain('زائرة من الكرامة');
    expect(text).not.toContain('زائرة من المنصورة');
    const refused = await trainer.post(`/sessions/${sess.id}/attendance`, form({ [outside.id]: 'present' }));
    expect(refused.status).toBe(400);
    const ok = await trainer.post(`/sessions/${sess.id}/attendance`, form({ [local.id]: 'present' }));
    expect(ok.status).toBe(303);
    const roster = await trainer.get(`/sessions/${sess.id}/attendance`);
    expect(textOf(roster.body)).toContain('زائرة من الكرامة');
    expect(marksOf(t.db, sess.id).get(local.id)!.status).toBe('present');
    // enrolling afterwards picks up the marks the walk-in already has
    const e = enrol(t.db, circle.id, local.id);
    expect(e.attendedCount).toBe(0);
    t.app.events.emit('enrolment.statusChanged', {
      enrolmentId: e.id,
      activityId: circle.id,
      memberId: local.id,
      from: null,
      to: 'approved',
      byUserId: null,
      reason: null,
    });
    expect(enrolmentOf(t.db, circle.id, local.id).attendedCount).toBe(1);
  });

  it('recomputes the counters when a session is cancelled', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const s1 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const [p] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);
    await trainer.get(`/sessions/${s1.id}/attendance`);
    await trainer.post(`/sessions/${s1.id}/attendance`, form({ [p.id]: 'present' }));
    expect(enrolmentOf(t.db, a.id, p.id).attendedCount).toBe(1);
    t.db.update(s.sessions).set({ status: 'cancelled' }).where(eq(s.sessions.id, s1.id)).run();
    t.app.events.emit('sessions.changed', { activityId: a.id, byUserId: null });
    expect(enrolmentOf(t.db, a.id, p.id).attendedCount).toBe(0);
  });

  it('tells completion about every change', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const [p] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);
    const seen: unknown[] = [];
    t.app.events.on('attendance.changed', (e) => {
      if (e.sessionId === sess.id) seen.push(e);
    });
    await trainer.get(`/sessions/${sess.id}/attendance`);
    await trainer.post(`/sessions/${sess.id}/attendance`, form({ [p.id]: 'late' }));
    await trainer.post(`/sessions/${sess.id}/attendance`, form({ [p.id]: 'late' }));
    expect(seen).toEqual([
      {
        sessionId: sess.id,
        activityId: a.id,
        changes: [{ memberId: p.id, from: null, to: 'late' }],
        byUserId: org.users.trainer.id,
      },
    ]);
  });
});

describe("a mark's history on the roster", () => {
  it('lists the latest 10 changes, newest first, and counts the earlier ones', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const [often, once] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 2);
    const cycle = ['present', 'absent', 'late', 'excused'];
    // 13 saves changing one member's mark (and the other's once)
    for (let i = 0; i < 13; i++) {
      const res = await trainer.post(
        `/sessions/${sess.id}/attendance`,
        form({ [often.id]: cycle[i % 4], [once.id]: i < 12 ? 'present' : 'absent' }, { activityId: String(a.id) }),
      );
      expect(res.status).toBe(303);
    }
    const page = (await trainer.get(`/sessions/${sess.id}/attendance`)).body;
    const rowOf = (id: number) =>
      new RegExp(`data-member="${id}"[\\s\\S]*?</li>(?=<li class="roster-row|\\s*</ol>|$)`).exec(page)![0];
    const historyOf = (id: number) => [...rowOf(id).matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
    const lines = historyOf(often.id);
    expect(lines).toHaveLength(10);
    // the newest first: the 13th save set "present" after "excused"
    expect(lines[0]).toContain('غائب بعذر → حاضر');
    expect(rowOf(often.id)).toContain('تغييرات أقدم لا تظهر هنا: 3');
    expect(historyOf(once.id)).toHaveLength(2);
    expect(rowOf(once.id)).not.toContain('تغييرات أقدم');
  });
});
