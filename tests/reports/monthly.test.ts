import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateFormatter, monthRange } from '../../server/core/time.ts';
import { monthKey } from '../../server/reports/service.ts';
import { makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { novemberData, TZ } from './factories.ts';
import { parseXml, walk } from './xml.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let data: ReturnType<typeof novemberData>;
const clients: Record<string, Client> = {};
// one sign-in per account (sign-ins are rate-limited)
const office = async () => clients.office;
const coordinator = async () => clients.coordinator;

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  data = novemberData(t.db, org);
  await makeUser(t.db, { username: 'lost', roles: [{ role: 'coordinator' }] });
  for (const who of ['office', 'admin', 'coordinator', 'trainer', 'member', 'lost']) {
    clients[who] = new Client(t.app);
    await clients[who].login(who);
  }
});
afterAll(() => t.close());

/** the cells of a table row whose first cell (a th) has this text */
function row(html: string, label: string): string[] {
  for (const tr of html.match(/<tr[\s\S]*?<\/tr>/g) ?? []) {
    const cells = [...tr.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) => textOf(m[1]));
    if (cells[0] === label) return cells.slice(1);
  }
  throw new Error(`no row ${label}`);
}

describe('the monthly report, November 2020, whole organisation', () => {
  let html: string;
  beforeAll(async () => {
    const c = await office();
    const res = await c.get(`/reports/monthly?month=2020-11&unit=${org.units.centre.id}`);
    expect(res.status).toBe(200);
    html = res.body;
  });

  it('states the figures worked out by hand, with the previous month and the change', () => {
    // held: A1 (S1, S2) and A2 (S4); the draft's session and the cancelled S3 do not count
    expect(row(html, 'الأنشطة المنفذة')).toEqual(['2', '1', '+1']);
    expect(row(html, 'الجلسات المنعقدة')).toEqual(['3', '1', '+2']);
    expect(row(html, 'الجلسات الملغاة')).toEqual(['1', '0', '+1']);
    // m1, m3, m4 attended (present or late); October: m4
    expect(row(html, 'عدد المشاركين (دون تكرار)')).toEqual(['3', '1', '+2']);
    // marks of S1, S2, S4: 3 present + 2 late of 8 (the stray mark on cancelled S3 left out); October 1 of 2
    expect(row(html, 'تسجيلات الحضور')).toEqual(['8', '2', '+6']);
    expect(row(html, 'الحضور (حاضر + متأخر)')).toEqual(['5', '1', '+4']);
    expect(row(html, 'نسبة الحضور')).toEqual(['62.5%', '50%', '+12.5 نقطة']);
    expect(row(html, 'مشاركة النساء')).toEqual(['2', '0', '+2']);
    expect(row(html, 'عضوات مجلس المرأة المشاركات')).toEqual(['1', '0', '+1']);
    // 18–35 in 2020: born 1985–2002: m1 1995, m3 2000, m4 1990 (m2 1980 is not)
    expect(row(html, 'مشاركة الشباب')).toEqual(['3', '1', '+2']);
    expect(row(html, 'أعضاء مجلس الشباب المشاركون')).toEqual(['1', '1', '0']);
    // m4 completed on 25 Nov (m1 on 1 Dec); m4's certificate counts, m1's was revoked
    expect(row(html, 'حالات إتمام الدورة')).toEqual(['1', '0', '+1']);
    expect(row(html, 'الشهادات الصادرة')).toEqual(['1', '0', '+1']);
  });

  it('breaks activities down by kind', () => {
    expect(row(html, 'الدورات التدريبية')).toEqual(['1', '2', '1', '2']);
    expect(row(html, 'الندوات')).toEqual(['1', '1', '0', '2']);
    expect(row(html, 'المحاضرات')).toEqual(['0', '0', '0', '0']);
  });

  it('has a row per child unit with its subtree totals, and the total', () => {
    // activities, held, cancelled, participants, rate, commitment (+ excused), women, youth, completions, certificates
    expect(row(html, 'مجلس مدينة الرقة')).toEqual(['1', '2', '1', '2', '57.1%', '71.4%', '2', '2', '0', '0']);
    expect(row(html, 'مجلس مدينة الطبقة')).toEqual(['1', '1', '0', '1', '100%', '100%', '0', '1', '1', '1']);
    expect(row(html, 'المركز العام (نفسها)')).toEqual(['0', '0', '0', '0', '—', '—', '0', '0', '0', '0']);
    expect(row(html, 'المجموع')).toEqual(['2', '3', '1', '3', '62.5%', '75%', '2', '3', '1', '1']);
  });

  it('is a formal Arabic report: title, month name, date written as the minutes do, page numbers in print', async () => {
    const text = textOf(html);
    expect(text).toContain('التقرير الشهري للتأهيل');
    expect(text).toContain('خلال شهر تشرين الثاني 2020');
    expect(text).toMatch(/تاريخ التحرير: \d{1,2} – \d{1,2} – \d{4}/);
    expect(text).toContain('(حاضر + متأخر) ÷ كل التسجيلات');
    const css = (await new Client(t.app).get('/assets/taahil.css')).body;
    expect(css).toMatch(/@page[\s\S]*counter\(page\)/);
    expect(html).not.toMatch(/ style="/);
  });

  it('draws labelled, valid SVG charts that mirror between Arabic and English', async () => {
    const svgs = html.match(/<svg[^>]*class="chart[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBe(3);
    for (const svg of svgs) {
      const root = parseXml(svg);
      expect(root.name).toBe('svg');
      expect(root.attrs.role).toBe('img');
      expect(root.attrs['aria-label']).toBeTruthy();
      expect(root.attrs.style).toBeUndefined();
      const nodes = walk(root);
      expect(nodes.find((n) => n.name === 'title')?.text).toBeTruthy();
      expect(nodes.find((n) => n.name === 'desc')?.text).toBeTruthy();
      expect(nodes.every((n) => !('style' in n.attrs))).toBe(true);
    }
    const trend = parseXml(svgs[0]!);
    expect(trend.attrs['aria-label']).toBe('نسبة الحضور خلال آخر 12 شهراً (%)');
    expect(walk(trend).find((n) => n.name === 'desc')!.text).toContain('تشرين الثاني 2020: 62.5%');
    const units = parseXml(svgs[1]!);
    expect(walk(units).find((n) => n.name === 'desc')!.text).toContain('مجلس مدينة الرقة: 2');
    // RTL: the labels hang from the right edge; in English from the left
    const labelOf = (svg: string) => walk(parseXml(svg)).find((n) => n.name === 'text' && n.attrs['text-anchor'])!;
    expect(labelOf(svgs[1]!).attrs['text-anchor']).toBe('end');
    const c = clients.admin;
    await c.post('/lang/en', { next: '/' });
    const en = (await c.get(`/reports/monthly?month=2020-11&unit=${org.units.centre.id}`)).body;
    expect(textOf(en)).toContain('During November 2020');
    expect(en).toContain('dir="ltr"');
    const enSvgs = en.match(/<svg[^>]*class="chart[\s\S]*?<\/svg>/g)!;
    expect(labelOf(enSvgs[1]!).attrs['text-anchor']).toBe('start');
    expect(parseXml(enSvgs[2]!).attrs['aria-label']).toBe('Participants by kind of activity, November 2020');
  });

  it('exports the same figures as CSV with a byte-order mark', async () => {
    const c = await office();
    const res = await c.get(`/reports/monthly.csv?month=2020-11&unit=${org.units.centre.id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    expect(res.body).toContain('نسبة الحضور,62.5,50,12.5');
    expect(res.body).toContain('عدد المشاركين (دون تكرار),3,1,2');
    expect(res.body).toContain('نسبة الالتزام,75,50,25');
    expect(res.body).toContain('مجلس مدينة الرقة,1,2,1,2,57.1,71.4,2,2,0,0');
    expect(res.body).toContain('\r\n');
  });

  it('takes the youth band from the query', async () => {
    const c = await office();
    const html2 = (await c.get(`/reports/monthly?month=2020-11&unit=${org.units.centre.id}&youthMin=18&youthMax=25`))
      .body;
    // born 1995–2002: m1 and m3
    expect(row(html2, 'مشاركة الشباب')[0]).toBe('2');
  });

  it('refuses bad input with the message beside the field', async () => {
    const c = await office();
    const res = await c.get('/reports/monthly?month=2020-13');
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('أدخل الشهر بالشكل YYYY-MM.');
    expect((await c.get('/reports/monthly?youthMin=5')).status).toBe(400);
    expect((await c.get('/reports/monthly?unit=abc')).status).toBe(404);
    expect((await c.get('/reports/monthly?unit=999999')).status).toBe(404);
  });

  it("defaults to last month and the viewer's top unit", async () => {
    const c = await office();
    const text = textOf((await c.get('/reports/monthly')).body);
    const last = monthRange(monthKey(new Date(), TZ, -1), TZ)!.from;
    const name = dateFormatter('ar', TZ).month(last);
    expect(text).toContain(`خلال شهر ${name} — المركز العام`);
  });
});

describe('scope', () => {
  it("gives a coordinator exactly its subtree's figures", async () => {
    const c = await coordinator();
    const res = await c.get('/reports/monthly?month=2020-11');
    expect(res.status).toBe(200);
    const html = res.body;
    expect(textOf(html)).toContain('خلال شهر تشرين الثاني 2020 — مجلس مدينة الرقة');
    // A1 only; members m1, m2 (Karama) and m3 (Raqqa): 7 marks, 4 attended; not m4 nor A2
    expect(row(html, 'الأنشطة المنفذة')[0]).toBe('1');
    expect(row(html, 'تسجيلات الحضور')[0]).toBe('7');
    expect(row(html, 'نسبة الحضور')[0]).toBe('57.1%');
    expect(row(html, 'نسبة الالتزام')[0]).toBe('71.4%');
    expect(row(html, 'عدد المشاركين (دون تكرار)')[0]).toBe('2');
    expect(row(html, 'حالات إتمام الدورة')[0]).toBe('0');
    expect(row(html, 'مجلس ناحية الكرامة')).toEqual(['0', '0', '0', '1', '60%', '80%', '1', '1', '0', '0']);
    expect(row(html, 'مجلس مدينة الرقة (نفسها)')).toEqual(['1', '2', '1', '1', '50%', '50%', '1', '1', '0', '0']);
    expect(textOf(html)).not.toContain('مجلس مدينة الطبقة');
    expect(textOf(html)).not.toContain('ندوة المنصورة');
  });

  it('lets a coordinator open a unit below its own, and refuses others', async () => {
    const c = await coordinator();
    expect((await c.get(`/reports/monthly?month=2020-11&unit=${org.units.karama.id}`)).status).toBe(200);
    expect((await c.get(`/reports/monthly?unit=${org.units.tabqa.id}`)).status).toBe(403);
    expect((await c.get(`/reports/monthly?unit=${org.units.centre.id}`)).status).toBe(403);
    expect((await c.get(`/reports/monthly.csv?unit=${org.units.mansoura.id}`)).status).toBe(403);
    expect((await c.get(`/reports/follow-up?unit=${org.units.tabqa.id}`)).status).toBe(403);
    expect((await c.get(`/reports/follow-up.csv?unit=${org.units.tabqa.id}`)).status).toBe(403);
  });

  it('refuses trainers and members, and a coordinator without a unit', async () => {
    for (const who of ['trainer', 'member', 'lost'])
      expect((await clients[who].get('/reports/monthly')).status, who).toBe(403);
  });

  it('keeps the data set it was given', () => {
    expect(data.a1.id).toBeGreaterThan(0);
  });
});
