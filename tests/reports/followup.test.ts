import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { novemberData } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let data: ReturnType<typeof novemberData>;
const clients: Record<string, Client> = {};
const NOV = 'from=2020-11-01&to=2020-11-30';

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  data = novemberData(t.db, org);
  for (const who of ['office', 'coordinator', 'trainer', 'member']) {
    clients[who] = new Client(t.app);
    await clients[who].login(who);
  }
});
afterAll(() => t.close());

const rows = (html: string) =>
  (html.match(/<tbody>[\s\S]*?<\/tbody>/)?.[0].match(/<tr[\s\S]*?<\/tr>/g) ?? []).map((r) => textOf(r));

describe('follow-up lists', () => {
  it('lists members below their activity rule, computed by the completion rule', async () => {
    const res = await clients.office.get(`/reports/follow-up?list=below&${NOV}`);
    expect(res.status).toBe(200);
    const r = rows(res.body);
    // A1 (rule 60 %, one session still to come): m2 0 % can no longer qualify; m3 50 % needs the last one
    expect(r).toHaveLength(2);
    expect(r.find((x) => x.includes('خالد العلي'))).toContain('لم يعد بإمكانه الإتمام');
    expect(r.find((x) => x.includes('رنا الحسن'))).toMatch(/50%.*60%.*1 من 1.*معرّض للخطر/);
    expect(textOf(res.body)).not.toContain('هيفاء الأحمد');
  });

  it('lists units that organised nothing in the period, with their last session', async () => {
    const res = await clients.office.get(`/reports/follow-up?list=inactive&${NOV}`);
    const r = rows(res.body);
    expect(r.map((x) => x.split(' ').slice(0, 3).join(' ')).sort()).toEqual(
      ['المركز العام المركز', 'مجلس مدينة الطبقة', 'مجلس ناحية الكرامة'].sort(),
    );
    expect(r.find((x) => x.startsWith('مجلس مدينة الطبقة'))).toContain('15 تشرين الأول 2020');
    expect(r.find((x) => x.startsWith('مجلس ناحية الكرامة'))).toContain('أبداً');
  });

  it('lists nominated or approved members who never attended', async () => {
    const res = await clients.office.get(`/reports/follow-up?list=never&${NOV}`);
    const r = rows(res.body);
    // m2 was only absent or excused (the mark on the cancelled session does not count); m5 was nominated
    expect(r).toHaveLength(2);
    expect(r.find((x) => x.includes('خالد العلي'))).toContain('مقبول');
    expect(r.find((x) => x.includes('=cmd|calc'))).toContain('مرشح');
  });

  it('keeps a coordinator inside its subtree', async () => {
    const c = clients.coordinator;
    const inactive = rows((await c.get(`/reports/follow-up?list=inactive&${NOV}`)).body);
    expect(inactive.map((x) => x.split(' ').slice(0, 3).join(' '))).toEqual(['مجلس ناحية الكرامة']);
    expect(rows((await c.get(`/reports/follow-up?list=below&${NOV}`)).body)).toHaveLength(2);
    expect((await c.get(`/reports/follow-up?list=never&unit=${org.units.tabqa.id}`)).status).toBe(403);
    const office = rows(
      (await clients.office.get(`/reports/follow-up?list=never&unit=${org.units.tabqa.id}&${NOV}`)).body,
    );
    expect(office).toHaveLength(0);
  });

  it('filters by date range: nothing outside November 2020', async () => {
    const r = rows((await clients.office.get('/reports/follow-up?list=never&from=2019-01-01&to=2019-01-31')).body);
    expect(r).toHaveLength(0);
    const bad = await clients.office.get('/reports/follow-up?list=never&from=2019-13-01');
    expect(bad.status).toBe(400);
    expect(textOf(bad.body)).toContain('أدخل التاريخ بالشكل YYYY-MM-DD.');
  });

  it('exports CSV with a BOM and formulas neutralised', async () => {
    const res = await clients.office.get(`/reports/follow-up.csv?list=never&${NOV}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    const lines = res.body.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('العضو,الوحدة,رقم الهاتف,النشاط,التسجيل');
    expect(lines).toHaveLength(3);
    expect(res.body).toContain("'=cmd|calc");
    expect(res.body).not.toMatch(/(^|,)=cmd/m);
    const below = await clients.coordinator.get(`/reports/follow-up.csv?list=below&${NOV}`);
    expect(below.body).toContain('رنا الحسن,مجلس مدينة الرقة,دورة الرقة,50,60,1,معرّض للخطر');
  });
});

describe('dashboards per role', () => {
  it('shows the office the week, nominations, attendance, members at risk and certificates to issue', async () => {
    const text = textOf((await clients.office.get('/')).body);
    expect(text).toContain('مكتب التأهيل في لمحة');
    // A4 now (Tabqa) and A5 in 3 days (Karama)
    expect(text).toContain('2 جلسات الأيام السبعة القادمة');
    expect(text).toContain('1 ترشيحات بانتظار القرار');
    expect(text).toContain('2 أعضاء معرّضون للخطر (1 لم يعد بإمكانهم الإتمام)');
    // m3 in A2 and m4 in A3 completed without a certificate
    expect(text).toContain('2 شهادات بانتظار الإصدار');
    expect(text).toContain('حلقة الطبقة');
  });

  it('shows a coordinator the same for its subtree only', async () => {
    const text = textOf((await clients.coordinator.get('/')).body);
    expect(text).toContain('وحداتك في لمحة');
    expect(text).toContain('1 جلسات الأيام السبعة القادمة');
    expect(text).toContain('1 شهادات بانتظار الإصدار');
    expect(text).toContain('2 أعضاء معرّضون للخطر');
    expect(text).not.toContain('حلقة الطبقة');
  });

  it("shows a trainer today's sessions and rosters still unmarked", async () => {
    const html = (await clients.trainer.get('/')).body;
    const text = textOf(html);
    expect(text).toContain('تدريبك');
    expect(text).not.toContain('مكتب التأهيل في لمحة');
    expect(html).toContain(`/sessions/${data.today.id}/attendance`);
    expect(html).toContain(`/sessions/${data.unmarked.id}/attendance`);
    expect(text).toContain('سُجّل 0 من 1');
  });

  it('shows a member the next sessions, progress and certificates, each once', async () => {
    const html = (await clients.member.get('/')).body;
    const text = textOf(html);
    // the next sessions, with the apology to send before each
    expect(text).toContain('جلساتك القادمة');
    expect(html.split(`href="/sessions/${data.next.id}"`).length - 1).toBe(1);
    expect(html).toContain(`/apologies/new?session=${data.next.id}`);
    // the progress table, and no second summary of it
    expect(text).toMatch(/دورة الكرامة \(دورة تدريبية\) 1 \/ 2 1 100% \(الحد الأدنى 75%\) 100% 1 على المسار/);
    expect(text.split('على المسار').length - 1).toBe(1);
    expect(html).toContain(`/certificates/${data.memberCert.id}`);
    expect(text).not.toContain('أعضاء معرّضون للخطر');
  });

  it("lists a trainer's sessions of today once, on the trainer's card", async () => {
    const html = (await clients.trainer.get('/')).body;
    expect(html.split(`href="/sessions/${data.today.id}/attendance"`).length - 1).toBe(1);
    expect(html).toContain('href="/today"'); // the day's page, from the menu
  });

  it('renders other features\u2019 dashboard panels', async () => {
    const html = (await clients.member.get('/')).body;
    for (const panel of ['attendance-panel', 'apologies-panel', 'completion-panel']) expect(html).toContain(panel);
  });
});
