import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { notificationsOf } from '../../server/notifications/service.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { useSmtpServer } from '../smtp.ts';
import { makeActivity } from './factories.ts';
import { enrolmentOf } from './helpers.ts';

const { received, url: smtpUrl } = useSmtpServer();

let t: TestApp;
afterEach(() => t.close());

async function nominateAndReject(app: TestApp) {
  const org = await makeOrg(app.db);
  app.db.update(s.users).set({ email: 'salma@example.org' }).where(eq(s.users.id, org.users.member.id)).run();
  app.db
    .update(s.users)
    .set({ email: 'raqqa@example.org', locale: 'en' })
    .where(eq(s.users.id, org.users.coordinator.id))
    .run();
  const a = makeActivity(app.db, { organisingUnitId: org.units.centre.id, selfEnrol: false, title: 'الدورة الأولى' });
  const coord = new Client(app.app);
  await coord.login('coordinator');
  await coord.get(`/activities/${a.id}/nominate`);
  expect((await coord.post(`/activities/${a.id}/nominate`, { memberIds: [org.member.id] })).status).toBe(303);
  const e = enrolmentOf(app.db, a.id, org.member.id)!;
  const office = new Client(app.app);
  await office.login('office');
  await office.get('/nominations');
  const res = await office.post(`/enrolments/${e.id}/decide`, { action: 'reject', reason: 'اكتمل العدد' });
  expect(res.status).toBe(303);
  return { org, a, e };
}

describe('notifications', () => {
  it('tells the member and the nominating coordinator of a decision, in the app and by e-mail', async () => {
    received.length = 0;
    t = await createTestApp({
      SMTP_URL: smtpUrl(),
      TAAHIL_PUBLIC_URL: 'https://taahil.example.org',
    });
    const { e } = await nominateAndReject(t);
    await notificationsOf(t.app).flush();

    const member = new Client(t.app);
    await member.login('member');
    const home = await member.get('/');
    expect(home.body).toMatch(/class="badge">2</); // nominated + rejected
    const list = await member.get('/notifications');
    const text = textOf(list.body);
    expect(text).toContain('رُفض تسجيلك في «الدورة الأولى». السبب: اكتمل العدد');
    expect(text).toContain('رُشّحت للمشاركة في «الدورة الأولى».');

    const coordinator = new Client(t.app);
    await coordinator.login('coordinator');
    expect(textOf((await coordinator.get('/notifications')).body)).toContain(
      'The nomination of سلمى الخلف for “الدورة الأولى” was rejected. Reason: اكتمل العدد',
    );

    const toMember = received.filter((m) => m.to.includes('salma@example.org'));
    expect(toMember).toHaveLength(2);
    const toCoordinator = received.filter((m) => m.to.includes('raqqa@example.org'));
    expect(toCoordinator).toHaveLength(1);
    expect(toCoordinator[0].data).toContain('Subject: Taahil: a new notification');
    const bodies = received.map((m) => m.data.replace(/=\r?\n/g, ''));
    expect(bodies.some((b) => b.includes(`https://taahil.example.org/enrolments/${e.id}`))).toBe(true);

    // open one: marked read and taken to its link; then mark all read
    const mine = t.db
      .select()
      .from(s.notifications)
      .all()
      .filter((x) => x.link === `/enrolments/${e.id}` && x.readAt === null);
    const own = mine.find((x) => x.kind === 'enrolment.rejected')!;
    const open = await member.post(`/notifications/${own.id}/read`, { open: '1' });
    expect(open.location).toBe(`/enrolments/${e.id}`);
    expect(await member.get('/').then((r) => r.body)).toMatch(/class="badge">1</);
    // someone else's notification is not found
    const foreign = mine.find((x) => x.kind === 'nomination.rejected')!;
    expect((await member.post(`/notifications/${foreign.id}/read`)).status).toBe(404);
    await member.get('/notifications');
    expect((await member.post('/notifications/read-all')).status).toBe(303);
    expect(await member.get('/').then((r) => r.body)).not.toMatch(/class="badge"/);
  });

  it('keeps working when the SMTP server is unreachable', async () => {
    const closed = new SMTPServer({ authOptional: true, logger: false });
    closed.on('error', () => {});
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    const { org, e } = await nominateAndReject(t);
    await notificationsOf(t.app).flush();
    expect(enrolmentOf(t.db, e.activityId, org.member.id)!.status).toBe('rejected');
    const rows = t.db.select().from(s.notifications).where(eq(s.notifications.userId, org.users.member.id)).all();
    expect(rows.map((r) => r.kind)).toEqual(['enrolment.nominated', 'enrolment.rejected']);
  });

  it('lets other features notify users', async () => {
    t = await createTestApp();
    const org = await makeOrg(t.db);
    makeMember(t.db, { unitId: org.units.karama.id });
    notificationsOf(t.app).notify({
      userIds: [org.users.trainer.id, org.users.trainer.id, null],
      kind: 'enrolment.approved',
      params: { activity: 'حلقة' },
      link: '//evil.example.org',
    });
    const rows = t.db.select().from(s.notifications).all();
    expect(rows).toHaveLength(1);
    expect(rows[0].link).toBeNull();
  });
});
