import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeCouncil, makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type Res, type TestApp, textOf } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Client;
beforeEach(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  makeCouncil(t.db, { nameAr: 'مجلس المرأة', kind: 'women' });
  makeCouncil(t.db, { nameAr: 'مجلس الشباب', kind: 'youth' });
  office = new Client(t.app);
  await office.login('office');
});
afterEach(() => t.close());

/** Uploads a file the way the browser's multipart form does (CSRF token in the address). */
async function upload(c: Client, content: string | Buffer, filename = 'members.csv'): Promise<Res> {
  await c.get('/members/import');
  const boundary = `----taahil${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`;
  const payload = Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return c.request('POST', `/members/import?_csrf=${encodeURIComponent(c.csrf!)}`, {
    payload,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
}
const tokenOf = (res: Res) => /name="token" value="([^"]+)"/.exec(res.body)?.[1];
const confirm = (c: Client, token: string) => c.post('/members/import/confirm', { token });
const count = () => t.db.select().from(s.members).all().length;
const byName = (fullName: string) => t.db.select().from(s.members).where(eq(s.members.fullName, fullName)).get();

const GOOD_AR = [
  'الاسم الكامل,الوحدة,الجنس,سنة الميلاد,الهاتف,عضو الهيئة التنفيذية,المجالس,ملاحظات',
  'رنا الموسى,مجلس ناحية الكرامة,أنثى,1998,0944 200 001,لا,مجلس المرأة؛ مجلس الشباب,',
  'يوسف العيسى,مجلس مدينة الطبقة,ذكر,1985,+963 933 200 002,نعم,,ملاحظة',
].join('\n');

describe('CSV import', () => {
  it('previews, then writes every row on confirmation and reports what was created', async () => {
    const preview = await upload(office, `\ufeff${GOOD_AR}`);
    expect(preview.status).toBe(200);
    const text = textOf(preview.body);
    expect(text).toContain('رنا الموسى');
    expect(text).toContain('سيُضاف');
    expect(count()).toBe(1); // nothing written yet
    const res = await confirm(office, tokenOf(preview)!);
    expect(res.status).toBe(200);
    expect(textOf(res.body)).toMatch(/أعضاء أُضيفوا 2/);
    const rana = byName('رنا الموسى')!;
    expect(rana.phone).toBe('+963944200001');
    expect(rana.gender).toBe('f');
    expect(rana.unitId).toBe(org.units.karama.id);
    expect(rana.nameSearch).toBe('رنا الموسي');
    expect(t.db.select().from(s.memberCouncils).where(eq(s.memberCouncils.memberId, rana.id)).all()).toHaveLength(2);
    expect(byName('يوسف العيسى')!.isExecutive).toBe(true);
    expect(t.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'member.import')).all()).toHaveLength(1);
    // a token works once
    expect((await confirm(office, tokenOf(preview)!)).status).toBe(400);
    expect(count()).toBe(3);
  });

  it('reads English headers without a BOM, semicolons, and updates a member matched by phone', async () => {
    const csv = [
      'full_name;unit;gender;phone;status',
      `Salma al-Khalaf;${org.units.karama.id};f;${org.member.phone};active`,
    ].join('\r\n');
    const preview = await upload(office, csv);
    expect(preview.status).toBe(200);
    expect(textOf(preview.body)).toContain('سيُحدَّث');
    const res = await confirm(office, tokenOf(preview)!);
    expect(textOf(res.body)).toMatch(/أعضاء حُدِّثوا 1/);
    expect(count()).toBe(1);
    expect(t.db.select().from(s.members).get()!.fullName).toBe('Salma al-Khalaf');
  });

  it("shows every row's problems and writes nothing", async () => {
    makeMember(t.db, { unitId: org.units.tabqa.id, phone: '+963944300300' });
    const csv = [
      'الاسم الكامل,الوحدة,الجنس,سنة الميلاد,الهاتف,المجالس',
      ',مجلس ناحية الكرامة,أنثى,1990,,', // 2 missing name
      'عضو أ,وحدة لا توجد,ذكر,1990,,', // 3 unknown unit
      'عضو ب,مجلس ناحية الكرامة,ذكر,1990,12ab,', // 4 bad phone
      'عضو ج,مجلس ناحية الكرامة,ذكر,1990,0944400400,', // 5 duplicate in file
      'عضو د,مجلس ناحية الكرامة,ذكر,1990,0944 400 400,', // 6 duplicate in file
      'عضو هـ,مجلس ناحية الكرامة,غير معروف,3000,,', // 7 bad gender and year
      '=CMD(),مجلس ناحية الكرامة,ذكر,1990,,', // 8 formula
      'عضو و,مجلس ناحية الكرامة,ذكر,1990,,مجلس الفضاء', // 9 unknown council
      'عضو ز,مجلس ناحية الكرامة,ذكر,1990,,', // 10 fine
    ].join('\n');
    const res = await upload(office, csv);
    expect(res.status).toBe(400);
    const text = textOf(res.body);
    expect(text).toContain('الاسم ناقص');
    expect(text).toContain('وحدة غير معروفة «وحدة لا توجد»');
    expect(text).toContain('الهاتف «12ab» ليس رقماً صحيحاً');
    expect(text).toContain('الهاتف نفسه موجود في السطر (الأسطر) 6');
    expect(text).toContain('الهاتف نفسه موجود في السطر (الأسطر) 5');
    expect(text).toContain('الجنس «غير معروف»');
    expect(text).toContain('سنة الميلاد «3000»');
    expect(text).toContain('خلية تبدأ كصيغة جدول بيانات (=CMD())');
    expect(text).toContain('مجلس غير معروف «مجلس الفضاء»');
    expect(text).toMatch(/أسطر فيها مشكلات 8/);
    expect(res.body).not.toContain('name="token"');
    expect(count()).toBe(2);
    // a phone of another active member is a problem too
    const taken = await upload(
      office,
      'full_name,unit,gender,phone\nعضو,1,m,0944300300\n'.replace(',1,', `,${org.units.tabqa.id},`),
    );
    expect(taken.status).toBe(200); // matched: it updates that member
    const id = t.db.select().from(s.members).where(eq(s.members.phone, '+963944300300')).get()!.id;
    const clash = await upload(
      office,
      `id,full_name,unit,gender,phone\n${org.member.id},سلمى,${org.units.karama.id},f,0944300300\n`,
    );
    expect(clash.status).toBe(400);
    expect(textOf(clash.body)).toContain('الهاتف +963944300300 لعضو فعّال آخر');
    expect(id).toBeGreaterThan(0);
  });

  it('is all or nothing: a row that became invalid after the preview stops the whole import', async () => {
    const preview = await upload(office, GOOD_AR);
    expect(preview.status).toBe(200);
    // meanwhile the second row's unit is archived: the first row alone must not be written either
    t.db.update(s.units).set({ archivedAt: new Date() }).where(eq(s.units.id, org.units.tabqa.id)).run();
    const res = await confirm(office, tokenOf(preview)!);
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('وحدة غير معروفة «مجلس مدينة الطبقة»');
    expect(byName('رنا الموسى')).toBeUndefined();
    expect(byName('يوسف العيسى')).toBeUndefined();
    expect(count()).toBe(1);
  });

  it('refuses bad files with a clear message', async () => {
    const cases: [string | Buffer, string, number][] = [
      [Buffer.from([0xc7, 0xe1, 0xe5, 0x2c, 0xe3, 0x0a]), 'ليس نصاً بترميز UTF-8', 400], // Windows-1256 Arabic
      ['name_only\nسلمى\n', 'أعمدة مطلوبة ناقصة', 400],
      ['', 'الملف فارغ', 400],
      ['الاسم الكامل,الوحدة,الجنس\n', 'عناوين أعمدة بلا أعضاء', 400],
      [Buffer.alloc(11 * 1024 * 1024, 0x41), 'أكبر من 10 ميغابايت', 413],
      [Buffer.from([0x00, 0x01, 0x02, 0x41, 0x2c, 0x42]), 'ليس ملف CSV مقروءاً', 400],
    ];
    for (const [content, message, status] of cases) {
      const res = await upload(office, content);
      expect(res.status, message).toBe(status);
      expect(textOf(res.body)).toContain(message);
    }
    // a form without a file
    await office.get('/members/import');
    const empty = await office.post(`/members/import?_csrf=${encodeURIComponent(office.csrf!)}`, {});
    expect(empty.status).toBe(400);
    expect(count()).toBe(1);
  });

  it('keeps a coordinator inside its subtree, and a preview belongs to its uploader', async () => {
    const coord = new Client(t.app);
    await coord.login('coordinator');
    const outside = await upload(coord, `full_name,unit,gender\nعضو,مجلس مدينة الطبقة,m\n`);
    expect(outside.status).toBe(400);
    expect(textOf(outside.body)).toContain('وحدة غير معروفة');
    const inTabqa = makeMember(t.db, { unitId: org.units.tabqa.id });
    const foreign = await upload(coord, `id,full_name,unit,gender\n${inTabqa.id},اسم,مجلس ناحية الكرامة,m\n`);
    expect(textOf(foreign.body)).toContain(`لا يوجد عضو برقم ${inTabqa.id} في وحداتك`);
    const preview = await upload(coord, 'full_name,unit,gender\nعضو,مجلس ناحية الكرامة,m\n');
    expect(preview.status).toBe(200);
    const stolen = await confirm(office, tokenOf(preview)!);
    expect(stolen.status).toBe(400);
    expect(textOf(stolen.body)).toContain('انتهت صلاحية المعاينة');
    expect((await confirm(coord, tokenOf(preview)!)).status).toBe(200);
  });

  it('offers a sample file that imports cleanly', async () => {
    const sample = await office.get('/members/import/sample.csv');
    expect(sample.status).toBe(200);
    expect(sample.headers['content-type']).toContain('text/csv');
    expect(sample.body.charCodeAt(0)).toBe(0xfeff);
    const preview = await upload(office, sample.body);
    expect(preview.status).toBe(200);
    expect(textOf(preview.body)).toMatch(/أعضاء جدد 2/);
  });
});

describe('CSV export', () => {
  it('writes a BOM, the filtered members, and neutralises formula cells', async () => {
    makeMember(t.db, { unitId: org.units.tabqa.id, fullName: '=HYPERLINK("http://evil")', notes: '@SUM(1)' });
    makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'عضو المنصورة', notes: '-2+3' });
    const res = await office.get(`/members/export.csv?unit=${org.units.tabqa.id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="members-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(res.body.charCodeAt(0)).toBe(0xfeff);
    expect(res.body).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(res.body).toContain("'@SUM(1)");
    expect(res.body).toContain("'-2+3");
    expect(res.body).toContain("'+963");
    expect(res.body).not.toContain('سلمى الخلف');
    for (const line of res.body.slice(1).split('\r\n').slice(1).filter(Boolean))
      expect(line).not.toMatch(/^[=+\-@]|,[=+\-@]/);
  });

  it('round-trips: exporting then importing gives the same members', async () => {
    const women = t.db.select().from(s.councils).all()[0];
    makeMember(t.db, {
      unitId: org.units.tabqa.id,
      fullName: 'ليلى العيسى',
      nameLatin: 'Layla',
      isExecutive: true,
      councilIds: [women.id],
      notes: 'سطر\nثانٍ',
    });
    makeMember(t.db, {
      unitId: org.units.mansoura.id,
      fullName: '+خالد',
      gender: 'm',
      birthYear: null,
      phone: null,
      status: 'inactive',
    });
    const snapshot = () =>
      t.db
        .select()
        .from(s.members)
        .all()
        .map(({ updatedAt, createdAt, ...m }) => m);
    const before = snapshot();
    for (const lang of ['ar', 'en'] as const) {
      if (lang === 'en') await office.post('/lang/en', { next: '/members' });
      const csv = (await office.get('/members/export.csv?status=all')).body;
      const preview = await upload(office, csv);
      expect(preview.status, textOf(preview.body).slice(0, 2000)).toBe(200);
      const res = await confirm(office, tokenOf(preview)!);
      expect(res.status).toBe(200);
      expect(snapshot()).toEqual(before);
    }

    // into another database with the same units: the same members are created
    const other = await createTestApp();
    try {
      await makeOrg(other.db);
      makeCouncil(other.db, { nameAr: 'مجلس المرأة', kind: 'women' });
      const existing = new Set(
        other.db
          .select()
          .from(s.members)
          .all()
          .map((m) => m.id),
      );
      const c = new Client(other.app);
      await c.login('office');
      const csv = (await office.get('/members/export.csv?status=all')).body;
      const withoutIds = csv
        .split('\r\n')
        .map((l) => l.replace(/^(\ufeff?)[^,]*,/, '$1'))
        .join('\r\n');
      const preview = await upload(c, withoutIds);
      expect(preview.status, textOf(preview.body).slice(0, 2000)).toBe(200);
      expect((await confirm(c, tokenOf(preview)!)).status).toBe(200);
      const strip = (rows: typeof before) =>
        rows.map(({ id, cardToken, cardIssuedAt, ...m }) => m).sort((a, b) => a.fullName.localeCompare(b.fullName));
      const copied = other.db
        .select()
        .from(s.members)
        .all()
        .filter((m) => !existing.has(m.id))
        .map(({ updatedAt, createdAt, ...m }) => m);
      expect(strip(copied)).toEqual(strip(before));
    } finally {
      await other.close();
    }
  });
});
