/** Factories for test data, written straight into the test database. */

import { eq } from 'drizzle-orm';
import * as s from '../db/schema.ts';
import { hashPassword } from '../server/auth/passwords.ts';
import { normalizeArabic } from '../server/core/arabic.ts';
import type { Db } from '../server/core/db.ts';
import type { Viewer } from '../server/core/policy.ts';
import { TEST_PASSWORD } from './helpers.ts';

let hash: Promise<string> | null = null;
const passwordHash = () => {
  hash ??= hashPassword(TEST_PASSWORD);
  return hash;
};
let seq = 0;
const next = () => ++seq;

export function makeUnit(
  db: Db,
  opts: { parentId?: number | null; kind?: s.UnitKind; nameAr?: string; nameEn?: string } = {},
) {
  const parent = opts.parentId ? db.select().from(s.units).where(eq(s.units.id, opts.parentId)).get()! : null;
  const n = next();
  const row = db
    .insert(s.units)
    .values({
      parentId: parent?.id ?? null,
      kind: opts.kind ?? (parent ? (parent.kind === 'centre' ? 'city' : 'district') : 'centre'),
      nameAr: opts.nameAr ?? `وحدة ${n}`,
      nameEn: opts.nameEn ?? `Unit ${n}`,
      path: '',
    })
    .returning()
    .get();
  const path = `${parent?.path ?? '/'}${row.id}/`;
  db.update(s.units).set({ path }).where(eq(s.units.id, row.id)).run();
  return { ...row, path };
}

export function makeCouncil(db: Db, opts: { nameAr?: string; kind?: 'women' | 'youth' | 'other' } = {}) {
  return db
    .insert(s.councils)
    .values({ nameAr: opts.nameAr ?? `مجلس ${next()}`, kind: opts.kind ?? 'other' })
    .returning()
    .get();
}

export function makeMember(
  db: Db,
  opts: Partial<typeof s.members.$inferInsert> & { unitId: number; councilIds?: number[] },
) {
  const n = next();
  const fullName = opts.fullName ?? `عضو ${n}`;
  const row = db
    .insert(s.members)
    .values({
      gender: 'm',
      birthYear: 1990,
      status: 'active',
      ...opts,
      fullName,
      nameSearch: normalizeArabic(`${fullName} ${opts.nameLatin ?? ''}`),
      phone: opts.phone === undefined ? `+963944${String(100000 + n).slice(-6)}` : opts.phone,
    })
    .returning()
    .get();
  for (const councilId of opts.councilIds ?? [])
    db.insert(s.memberCouncils).values({ memberId: row.id, councilId }).run();
  return row;
}

export async function makeUser(
  db: Db,
  opts: {
    username?: string;
    roles?: { role: s.Role; unitId?: number | null }[];
    memberId?: number | null;
    active?: boolean;
    displayName?: string;
  } = {},
) {
  const n = next();
  const row = db
    .insert(s.users)
    .values({
      username: opts.username ?? `user${n}`,
      displayName: opts.displayName ?? `مستخدم ${n}`,
      passwordHash: await passwordHash(),
      memberId: opts.memberId ?? null,
      active: opts.active ?? true,
    })
    .returning()
    .get();
  for (const r of opts.roles ?? [])
    db.insert(s.userRoles)
      .values({ userId: row.id, role: r.role, unitId: r.unitId ?? null })
      .run();
  return row;
}

/** A small organisation: centre → 2 cities → 2 districts each, with one user per role. */
export async function makeOrg(db: Db) {
  const centre = makeUnit(db, { nameAr: 'المركز العام', nameEn: 'General centre', kind: 'centre' });
  const raqqa = makeUnit(db, { parentId: centre.id, nameAr: 'مجلس مدينة الرقة', nameEn: 'Raqqa', kind: 'city' });
  const tabqa = makeUnit(db, { parentId: centre.id, nameAr: 'مجلس مدينة الطبقة', nameEn: 'Tabqa', kind: 'city' });
  const karama = makeUnit(db, { parentId: raqqa.id, nameAr: 'مجلس ناحية الكرامة', nameEn: 'Karama', kind: 'district' });
  const mansoura = makeUnit(db, {
    parentId: tabqa.id,
    nameAr: 'مجلس ناحية المنصورة',
    nameEn: 'Mansoura',
    kind: 'district',
  });
  const memberRow = makeMember(db, { unitId: karama.id, fullName: 'سلمى الخلف', gender: 'f' });
  const users = {
    admin: await makeUser(db, { username: 'admin', roles: [{ role: 'admin' }] }),
    office: await makeUser(db, { username: 'office', roles: [{ role: 'office' }] }),
    coordinator: await makeUser(db, { username: 'coordinator', roles: [{ role: 'coordinator', unitId: raqqa.id }] }),
    trainer: await makeUser(db, { username: 'trainer', roles: [{ role: 'trainer' }] }),
    member: await makeUser(db, { username: 'member', roles: [{ role: 'member' }], memberId: memberRow.id }),
  };
  return { units: { centre, raqqa, tabqa, karama, mansoura }, users, member: memberRow };
}

/** A signed-in viewer as the services take it (the session check done), for tests that call a service directly. */
export function makeViewer(over: Partial<Viewer> & { userId: number }): Viewer {
  return {
    username: `user${over.userId}`,
    displayName: `user${over.userId}`,
    memberId: null,
    locale: null,
    roles: [],
    coordinatorUnits: [],
    sessionId: 'test',
    ...over,
  };
}
