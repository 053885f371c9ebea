/**
 * The digest's lists a page at a time (issue 12: the whole organisation's digest was 1,200 rows,
 * 475 kB): 50 rows a list, each list with its own pager that keeps the others' pages, and the
 * tiles' counts exact (they stopped at 500 before), also past the rows read.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttendanceRepository } from '../../server/attendance/repository.ts';
import { LIST_LIMIT, wholeMembers } from '../../server/followup/digest.ts';
import { daysAgo } from '../attendance/factories.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { makeActivity, makeSession } from './factories.ts';

let t: TestApp;
let o: Awaited<ReturnType<typeof makeOrg>>;
beforeEach(async () => {
  t = await createTestApp();
  o = await makeOrg(t.db);
});
afterEach(() => t.close());

/** Raqqa's course (rule 75 %): `n` Karama members missed the `missed` sessions of the week (2 or 3); `coming` sessions in the next days */
function week(n: number, coming: number, missed = 2) {
  const course = makeActivity(t.db, {
    organisingUnitId: o.units.raqqa.id,
    title: 'دورة الأسبوع',
    minAttendancePct: 75,
  });
  const held = [
    makeSession(t.db, course.id, { startMin: daysAgo(3) }),
    makeSession(t.db, course.id, { startMin: daysAgo(2) }),
  ];
  if (missed === 3) held.push(makeSession(t.db, course.id, { startMin: daysAgo(4) }));
  for (let i = 0; i < coming; i++) makeSession(t.db, course.id, { startMin: 60 + i * 120, topic: `لقاء ${i}` });
  // thousands of members at once: written in a few statements
  const sqlite = t.db.$client;
  sqlite
    .prepare(
      `with recursive k(i) as (select 0 union all select i + 1 from k where i + 1 < @n)
       insert into members (full_name, name_search, unit_id, gender, status)
       select 'متدرب ' || printf('%04d', i), 'متدرب ' || printf('%04d', i), @unit, 'm', 'active' from k`,
    )
    .run({ n, unit: o.units.karama.id });
  sqlite
    .prepare(
      `insert into enrolments (activity_id, member_id, source, status)
       select @course, id, 'office', 'approved' from members where full_name like 'متدرب %'`,
    )
    .run({ course: course.id });
  for (const s of held)
    sqlite
      .prepare(
        `insert into attendance (session_id, member_id, status, marked_at)
         select @session, member_id, 'absent', @at from enrolments where activity_id = @course`,
      )
      .run({ session: s.id, course: course.id, at: Date.now() });
  new AttendanceRepository(t.db).recomputeCounters(course.id);
}

/** the rows of the list under the heading `id` */
function rowsOf(html: string, id: string) {
  const section = html.match(new RegExp(`<section aria-labelledby="${id}">[\\s\\S]*?</section>`))?.[0] ?? '';
  return (section.match(/<tbody>[\s\S]*?<\/tbody>/)?.[0].match(/<tr>[\s\S]*?<\/tr>/g) ?? []).map((r) => textOf(r));
}
function pagerOf(html: string, id: string) {
  const section = html.match(new RegExp(`<section aria-labelledby="${id}">[\\s\\S]*?</section>`))?.[0] ?? '';
  const links = [...section.matchAll(/href="([^"]*)" rel="(prev|next)"/g)].map((m) => ({
    rel: m[2],
    href: m[1].replace(/&amp;/g, '&'),
  }));
  return { text: textOf(section.match(/<nav class="pager"[\s\S]*?<\/nav>\s*<p[^>]*>[^<]*<\/p>/)?.[0] ?? ''), links };
}
const NAMES = Array.from({ length: 53 }, (_, i) => `متدرب ${String(i).padStart(4, '0')}`);
const nameOf = (row: string) => row.split(/\s+/).slice(0, 2).join(' ');

describe('the digest, a page of each list at a time', () => {
  it('shows 50 rows of each list with its exact total, and pages each list on its own', async () => {
    week(53, 53);
    const c = new Client(t.app);
    await c.login('coordinator');
    const first = (await c.get('/followup/digest')).body;
    const text = textOf(first);
    expect(text).toContain('106 غياب');
    expect(text).toContain('53 أعضاء غائبون');
    expect(text).toContain('53 تسجيلات معرّضة للخطر');
    expect(text).toContain('53 جلسات في الأيام السبعة القادمة');
    for (const id of ['abs-h', 'risk-h', 'up-h']) {
      expect(rowsOf(first, id)).toHaveLength(50);
      const pager = pagerOf(first, id);
      expect(pager.text).toContain('صفحة 1 من 2');
      expect(pager.text).toContain('المجموع: 53');
      expect(pager.links.map((l) => l.rel)).toEqual(['next']);
    }
    const next = pagerOf(first, 'abs-h').links[0].href;
    expect(next).toMatch(
      new RegExp(`^/followup/digest\\?unit=${o.units.raqqa.id}&from=\\d{4}-\\d\\d-\\d\\d&absencesPage=2#abs-h$`),
    );

    // the absences' second page: the last 3 members; the other lists stay on their first page
    const second = (await c.get(next.replace(/#.*/, ''))).body;
    expect(rowsOf(second, 'abs-h')).toHaveLength(3);
    expect([...rowsOf(first, 'abs-h'), ...rowsOf(second, 'abs-h')].map(nameOf)).toEqual(NAMES);
    expect(rowsOf(second, 'risk-h')).toHaveLength(50);
    expect(pagerOf(second, 'abs-h').links.map((l) => l.rel)).toEqual(['prev']);
    // paging the members at risk keeps the absences' page
    const risk = pagerOf(second, 'risk-h').links[0].href;
    expect(risk).toMatch(/absencesPage=2&atRiskPage=2#risk-h$/);
    const third = (await c.get(risk.replace(/#.*/, ''))).body;
    expect(rowsOf(third, 'abs-h')).toHaveLength(3);
    expect([...rowsOf(first, 'risk-h'), ...rowsOf(third, 'risk-h')].map(nameOf)).toEqual(NAMES);
    // a page past the last shows the last
    expect(rowsOf((await c.get('/followup/digest?upcomingPage=7')).body, 'up-h')).toHaveLength(3);
  });

  it("counts the week's absences exactly past the rows it lists", async () => {
    const n = LIST_LIMIT / 2 + 1;
    week(n, 1);
    const c = new Client(t.app);
    await c.login('coordinator');
    const html = (await c.get('/followup/digest')).body;
    const text = textOf(html);
    expect(text).toContain(`${2 * n} غياب`);
    expect(text).toContain(`${n} أعضاء غائبون`);
    expect(text).toContain(`${n} تسجيلات معرّضة للخطر`);
    expect(pagerOf(html, 'abs-h').text).toContain(`المجموع: ${n}`);
    // the rows read stop at LIST_LIMIT = 5000: the members read whole are listed, the rest counted
    expect(text).toContain(`يُعرض ${LIST_LIMIT / 2} من ${n} عضوًا غائبًا فقط`);
    expect(rowsOf(html, 'abs-h')).toHaveLength(50);
  });

  it('lists no member with only part of their absences when the rows read stop in the middle of one', async () => {
    // 3 absences each: the 5,000th row is the second absence of the 1,667th member ('متدرب 1666')
    const n = 1700;
    week(n, 1, 3);
    const whole = Math.floor(LIST_LIMIT / 3);
    const c = new Client(t.app);
    await c.login('coordinator');
    const first = (await c.get('/followup/digest')).body;
    expect(textOf(first)).toContain(`${3 * n} غياب`);
    expect(textOf(first)).toContain(`${n} أعضاء غائبون`);
    expect(pagerOf(first, 'abs-h').text).toContain(`المجموع: ${n}`);
    // the last page of the list: every member with their 3 absences, up to the last member read whole
    const pages = Math.ceil(whole / 50);
    const last = (await c.get(`/followup/digest?absencesPage=${pages}`)).body;
    const rows = rowsOf(last, 'abs-h');
    expect(rows.map(nameOf)).toEqual(
      Array.from(
        { length: whole - (pages - 1) * 50 },
        (_, i) => `متدرب ${String((pages - 1) * 50 + i).padStart(4, '0')}`,
      ),
    );
    for (const row of rows) expect(row.split('دورة الأسبوع').length - 1).toBe(3);
    // the members left out are said so, in Arabic and English
    expect(textOf(last)).toContain(`يُعرض ${whole} من ${n} عضوًا غائبًا فقط، كلٌّ منهم بكل غياباته`);
    await c.post('/lang/en', { next: '/' });
    const en = textOf((await c.get(`/followup/digest?absencesPage=${pages}`)).body);
    expect(en).toContain(`Only ${whole} of the ${n} absent members are listed, each with all their absences`);
  });

  it('leaves out every member named as the first row not read (two members may share a name)', () => {
    const row = (memberId: number, fullName: string) => ({ memberId, fullName });
    // in name order; the two «سعاد» interleave by session time
    const rows = [row(1, 'أحمد'), row(1, 'أحمد'), row(2, 'سعاد'), row(3, 'سعاد'), row(2, 'سعاد'), row(3, 'سعاد')];
    expect(wholeMembers(rows, 6)).toEqual(rows);
    expect(wholeMembers(rows.slice(0, 5), 5)).toEqual(rows.slice(0, 5));
    expect(wholeMembers(rows, 5)).toEqual(rows.slice(0, 2));
    expect(wholeMembers(rows, 3)).toEqual(rows.slice(0, 2));
    expect(wholeMembers(rows, 2)).toEqual(rows.slice(0, 2));
    expect(wholeMembers(rows, 1)).toEqual([]);
  });
});
