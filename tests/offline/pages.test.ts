import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeActivity, makeEnrolledMembers, makeSession } from '../attendance/factories.ts';
import { makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const clients: Record<string, Client> = {};
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  await makeUser(t.db, { username: 'trainer2', roles: [{ role: 'trainer' }] });
  const tabqaCoord = await makeUser(t.db, {
    username: 'tabqa-coord',
    roles: [{ role: 'coordinator', unitId: org.units.tabqa.id }],
  });
  expect(tabqaCoord.id).toBeGreaterThan(0);
  for (const who of ['trainer', 'trainer2', 'office', 'coordinator', 'tabqa-coord', 'member']) {
    clients[who] = new Client(t.app);
    await clients[who].login(who);
  }
});
afterAll(() => t.close());

/** a course of Raqqa taught by the trainer, with members of Karama */
function course(opts: { startMin?: number; title?: string } = {}) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.raqqa.id, ...(opts.title ? { title: opts.title } : {}) });
  const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: opts.startMin });
  const people = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 3);
  return { a, sess, people };
}

describe('the offline rosters page', () => {
  it("lists the trainer's sessions of the coming days, not others' nor cancelled ones", async () => {
    const soon = course({ startMin: 24 * 60, title: 'دورة الغد' });
    const cancelled = course({ startMin: 48 * 60, title: 'دورة ملغاة' });
    t.db.update(s.sessions).set({ status: 'cancelled' }).where(eq(s.sessions.id, cancelled.sess.id)).run();
    course({ startMin: 30 * 24 * 60, title: 'دورة بعيدة' });
    const res = await clients.trainer.get('/offline');
    expect(res.status).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('دورة الغد');
    expect(text).not.toContain('دورة ملغاة');
    expect(text).not.toContain('دورة بعيدة');
    expect(res.body).toContain(`data-keep-url="/offline/sessions/${soon.sess.id}"`);
    expect(text).toContain('لم تُحفظ على هذا الهاتف بعد');
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const other = await clients.trainer2.get('/offline');
    expect(textOf(other.body)).not.toContain('دورة الغد');
    expect(textOf(other.body)).toContain('لا جلسات تدرّبها في الأيام القادمة.');
    expect((await clients.member.get('/offline')).status).toBe(403);
    expect((await clients.coordinator.get('/offline')).status).toBe(403);
  });

  it('the field roster says per row what the server has, and works as a plain form', async () => {
    const { a, sess, people } = course();
    await clients.trainer.get(`/sessions/${sess.id}/attendance`);
    await clients.trainer.post(`/sessions/${sess.id}/attendance`, {
      activityId: String(a.id),
      [`s_${people[0].id}`]: 'late',
    });
    const res = await clients.trainer.get(`/offline/sessions/${sess.id}`);
    expect(res.status).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('محفوظ على الخادم: متأخر');
    expect(text).toContain('غير مسجَّل');
    expect(text).toContain('محفوظ على الخادم: 1 من 3');
    expect(res.body).toContain(`data-server-status="late"`);
    expect(res.body).toContain(`action="/sessions/${sess.id}/attendance"`);
    expect(res.body).toMatch(new RegExp(`name="s_${people[0].id}" value="late" checked`));
    // without scripts the form saves through the attendance roster
    const saved = await clients.trainer.post(`/sessions/${sess.id}/attendance`, {
      activityId: String(a.id),
      [`s_${people[1].id}`]: 'present',
    });
    expect(saved.status).toBe(303);
    expect(textOf((await clients.trainer.get(`/offline/sessions/${sess.id}`)).body)).toContain(
      'محفوظ على الخادم: 2 من 3',
    );
    // "mark all present" without scripts: the attendance save marks everyone not yet marked
    expect(res.body).toContain('id="field-all-present"');
    // (a browser sends the checked radios with it)
    await clients.trainer.post(`/sessions/${sess.id}/attendance`, {
      activityId: String(a.id),
      allPresent: '1',
      [`s_${people[0].id}`]: 'late',
      [`s_${people[1].id}`]: 'present',
    });
    expect(textOf((await clients.trainer.get(`/offline/sessions/${sess.id}`)).body)).toContain(
      'محفوظ على الخادم: 3 من 3',
    );
    // English
    const en = new Client(t.app);
    await en.login('trainer');
    await en.post('/lang/en', { next: '/' });
    expect(textOf((await en.get(`/offline/sessions/${sess.id}`)).body)).toContain('Saved on the server: Late');
    await en.post('/lang/ar', { next: '/' }); // the language is the user's: back to Arabic for the other tests

    expect((await clients.trainer2.get(`/offline/sessions/${sess.id}`)).status).toBe(403);
    expect((await clients.member.get(`/offline/sessions/${sess.id}`)).status).toBe(403);
    expect((await clients.trainer.get('/offline/sessions/99999999')).status).toBe(404);
    expect((await clients.trainer.get('/offline/sessions/abc')).status).toBe(404);
  });

  it('a roster kept before the session opens is kept with its buttons; a cancelled one without', async () => {
    const later = course({ startMin: 24 * 60 });
    const page = await clients.trainer.get(`/offline/sessions/${later.sess.id}`);
    expect(page.body).toContain('data-can-mark="1"');
    expect(page.body).not.toContain('<fieldset class="mark" disabled>');
    t.db.update(s.sessions).set({ status: 'cancelled' }).where(eq(s.sessions.id, later.sess.id)).run();
    const cancelled = await clients.trainer.get(`/offline/sessions/${later.sess.id}`);
    expect(cancelled.body).toContain('<fieldset class="mark" disabled>');
    expect(textOf(cancelled.body)).toContain('هذه الجلسة ملغاة');
  });
});

describe('the hall screen', () => {
  it('shows the count and the names of who checked in, newest first, and refreshes itself', async () => {
    const { a, sess, people } = course({ title: 'دورة القاعة' });
    await clients.trainer.get(`/sessions/${sess.id}/attendance`);
    await clients.trainer.post(`/sessions/${sess.id}/attendance`, {
      activityId: String(a.id),
      [`s_${people[0].id}`]: 'present',
      [`s_${people[1].id}`]: 'late',
      [`s_${people[2].id}`]: 'absent',
    });
    const res = await clients.trainer.get(`/sessions/${sess.id}/hall`);
    expect(res.status).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('دورة القاعة');
    expect(text).toContain('سجّل حضوره: 2 من 3');
    expect(text).toContain('متدرب 000');
    expect(text).toContain('متدرب 001');
    expect(text).not.toContain('متدرب 002');
    expect(res.body).toContain('<html lang="ar" dir="rtl">');
    expect(res.body).toMatch(/<noscript><meta http-equiv="refresh" content="\d+"><\/noscript>/);
    expect(res.body).toContain(`data-src="/sessions/${sess.id}/hall.json"`);

    const json = await clients.trainer.get(`/sessions/${sess.id}/hall.json`, { accept: 'application/json' });
    expect(json.status).toBe(200);
    const data = JSON.parse(json.body);
    expect(data).toMatchObject({ count: 2, late: 1, rosterSize: 3, summary: 'سجّل حضوره: 2 من 3' });
    expect(data.names.map((n: { name: string }) => n.name).sort()).toEqual(['متدرب 000', 'متدرب 001']);
    expect(data.names.find((n: { name: string }) => n.name === 'متدرب 001').late).toBe(true);
    expect(json.headers['cache-control']).toBe('no-store');
  });

  it("is open to the session's trainer, the office and the organiser's coordinator only", async () => {
    const { sess } = course();
    const expectStatus: Record<string, number> = {
      trainer: 200,
      office: 200,
      coordinator: 200,
      trainer2: 403,
      'tabqa-coord': 403,
      member: 403,
    };
    for (const [who, status] of Object.entries(expectStatus)) {
      expect((await clients[who].get(`/sessions/${sess.id}/hall`)).status, who).toBe(status);
      expect((await clients[who].get(`/sessions/${sess.id}/hall.json`)).status, who).toBe(status);
    }
    expect((await clients.office.get('/sessions/99999999/hall')).status).toBe(404);
    const anon = new Client(t.app);
    expect((await anon.get(`/sessions/${sess.id}/hall`)).status).toBe(302);
  });

  it("the session page links the field roster and the hall screen for the session's trainer", async () => {
    const { sess } = course();
    const page = await clients.trainer.get(`/sessions/${sess.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`href="/offline/sessions/${sess.id}"`);
    expect(page.body).toContain(`href="/sessions/${sess.id}/hall"`);
    const coord = await clients.coordinator.get(`/sessions/${sess.id}`);
    expect(coord.body).not.toContain(`href="/offline/sessions/${sess.id}"`);
    expect(coord.body).toContain(`href="/sessions/${sess.id}/hall"`);
  });
});

describe('the service worker', () => {
  it('is served at the root with a scope over the whole site, to anyone', async () => {
    const anon = new Client(t.app);
    const res = await anon.get('/sw.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/javascript');
    expect(res.headers['service-worker-allowed']).toBe('/');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain("addEventListener('fetch'");
    expect(res.headers['content-security-policy']).toContain("worker-src 'self'");
  });
});
