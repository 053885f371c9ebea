/**
 * Measures the member list, search, filters, export and the unit tree on 100,000
 * generated members (not part of the test suite: `npx tsx tests/organisation/bench-100k.ts`).
 */
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import * as s from '../../db/schema.ts';
import { normalizeArabic } from '../../server/core/arabic.ts';
import { makeCouncil, makeOrg, makeUnit } from '../factories.ts';
import { Client, createTestApp } from '../helpers.ts';

const FILE = '/tmp/taahil-bench-members.sqlite';
for (const f of [FILE, `${FILE}-wal`, `${FILE}-shm`]) fs.rmSync(f, { force: true });
const t = await createTestApp({}, FILE);
const org = await makeOrg(t.db);
const units = [org.units.karama, org.units.mansoura, org.units.raqqa, org.units.tabqa];
for (let i = 0; i < 40; i++) units.push(makeUnit(t.db, { parentId: units[i % 4].id, nameAr: `ناحية ${i}` }));
const women = makeCouncil(t.db, { nameAr: 'مجلس المرأة', kind: 'women' });
const FIRST = ['أحمد', 'محمد', 'فاطمة', 'سلمى', 'إبراهيم', 'هيفاء', 'مصطفى', 'ليلى', 'خالد', 'زينب', 'عيسى', 'رنا'];
const LAST = ['الخلف', 'العلي', 'الحسن', 'الأحمد', 'الموسى', 'الصالح', 'الشيخ', 'الكردي', 'الجاسم', 'العيسى'];
const insert = t.db.$client.prepare(
  `insert into members (full_name, name_search, unit_id, gender, birth_year, phone, is_executive, status)
   values (?, ?, ?, ?, ?, ?, ?, ?)`,
);
const link = t.db.$client.prepare('insert into member_councils (member_id, council_id) values (?, ?)');
t.db.$client.transaction(() => {
  for (let i = 0; i < 100_000; i++) {
    const name = `${FIRST[i % 12]} ${FIRST[(i * 7) % 12]} ${LAST[(i * 13) % 10]} ${i}`;
    const r = insert.run(
      name,
      normalizeArabic(name),
      units[i % units.length].id,
      i % 2 ? 'f' : 'm',
      1960 + (i % 45),
      `+963944${String(i).padStart(6, '0')}`,
      i % 10 === 0 ? 1 : 0,
      i % 20 === 0 ? 'inactive' : 'active',
    );
    if (i % 3 === 0) link.run(r.lastInsertRowid, women.id);
  }
})();
t.db.$client.exec('analyze');
console.log('members:', t.db.select({ n: sql<number>`count(*)` }).from(s.members).get()!.n);

const c = new Client(t.app);
await c.login('office');
const coord = new Client(t.app);
await coord.login('coordinator');
const time = async (label: string, client: Client, url: string) => {
  await client.get(url);
  const runs = 5;
  const start = performance.now();
  let status = 0;
  for (let i = 0; i < runs; i++) status = (await client.get(url)).status;
  console.log(`${label.padEnd(40)} ${((performance.now() - start) / runs).toFixed(1).padStart(7)} ms  (${status})`);
};
await time('list, first page', c, '/members');
await time('list, page 1000', c, '/members?page=1000');
await time('search "احمد"', c, `/members?q=${encodeURIComponent('احمد')}`);
await time('search rare "زينب العيسي 9999"', c, `/members?q=${encodeURIComponent('زينب العيسي 9999')}`);
await time('search no hit', c, `/members?q=${encodeURIComponent('لا يوجد')}`);
await time('search phone', c, '/members?q=0944012345');
await time(
  'unit subtree + women + f + exec',
  c,
  `/members?unit=${org.units.raqqa.id}&council=${women.id}&gender=f&exec=yes`,
);
await time('sort by unit desc', c, '/members?sort=unit&dir=desc');
await time('coordinator list', coord, '/members');
await time('coordinator search', coord, `/members?q=${encodeURIComponent('فاطمه')}`);
await time('unit tree with counts', c, '/units');
await time('one unit', c, `/units/${org.units.raqqa.id}`);
await time('export 100k csv', c, '/members/export.csv?status=all');
await t.close();
