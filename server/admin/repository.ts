import { and, asc, eq, like, or, type SQL, sql } from 'drizzle-orm';
import { members, type Role, units, userRoles, users } from '../../db/schema.ts';
import { escapeLike } from '../core/arabic.ts';
import type { Db } from '../core/db.ts';
import { activeUnitOptions } from '../units/repository.ts';

export interface RoleGrant {
  role: Role;
  unitId: number | null;
}

/** Queries behind user administration. */
export class AdminRepository {
  constructor(private db: Db) {}

  list(opts: { q: string; status: 'all' | 'active' | 'inactive'; limit: number; offset: number }) {
    const conds: SQL[] = [];
    if (opts.q) {
      const p = `%${escapeLike(opts.q.toLowerCase())}%`;
      conds.push(
        or(
          sql`lower(${users.username}) like ${p} escape '\\'`,
          sql`lower(${users.displayName}) like ${p} escape '\\'`,
          like(users.phone, p),
        )!,
      );
    }
    if (opts.status !== 'all') conds.push(eq(users.active, opts.status === 'active'));
    const where = conds.length ? and(...conds) : undefined;
    const rows = this.db
      .select({
        id: users.id,
        username: users.username,
        displayName: users.displayName,
        phone: users.phone,
        active: users.active,
        lastLoginAt: users.lastLoginAt,
        hasPassword: sql<number>`${users.passwordHash} is not null`,
      })
      .from(users)
      .where(where)
      .orderBy(asc(users.username))
      .limit(opts.limit)
      .offset(opts.offset)
      .all();
    const total = this.db.select({ n: sql<number>`count(*)` }).from(users).where(where).get()!.n;
    const roles = this.rolesOf(rows.map((r) => r.id));
    return { rows: rows.map((r) => ({ ...r, roles: roles.get(r.id) ?? [] })), total };
  }

  rolesOf(userIds: number[]) {
    const map = new Map<number, { role: Role; unitId: number | null; unitName: string | null }[]>();
    if (userIds.length === 0) return map;
    const rows = this.db
      .select({ userId: userRoles.userId, role: userRoles.role, unitId: userRoles.unitId, unitName: units.nameAr })
      .from(userRoles)
      .leftJoin(units, eq(units.id, userRoles.unitId))
      .where(sql`${userRoles.userId} in (${sql.join(userIds, sql`, `)})`)
      .all();
    for (const r of rows) {
      const list = map.get(r.userId) ?? [];
      list.push({ role: r.role, unitId: r.unitId, unitName: r.unitName });
      map.set(r.userId, list);
    }
    return map;
  }

  find(id: number) {
    return this.db.select().from(users).where(eq(users.id, id)).get();
  }

  findByUsername(username: string) {
    return this.db.select({ id: users.id }).from(users).where(eq(users.username, username)).get();
  }

  findByPhone(phone: string) {
    return this.db.select({ id: users.id }).from(users).where(eq(users.phone, phone)).get();
  }

  findByMember(memberId: number) {
    return this.db.select({ id: users.id }).from(users).where(eq(users.memberId, memberId)).get();
  }

  memberExists(id: number) {
    return !!this.db.select({ id: members.id }).from(members).where(eq(members.id, id)).get();
  }

  unit(id: number) {
    return this.db.select().from(units).where(eq(units.id, id)).get();
  }

  /** active units for the coordinator select, in tree order */
  unitOptions() {
    return activeUnitOptions(this.db);
  }

  insert(values: typeof users.$inferInsert): number {
    return this.db.insert(users).values(values).returning({ id: users.id }).get().id;
  }

  update(id: number, values: Partial<typeof users.$inferInsert>): void {
    this.db.update(users).set(values).where(eq(users.id, id)).run();
  }

  setRoles(userId: number, grants: RoleGrant[]): void {
    this.db.delete(userRoles).where(eq(userRoles.userId, userId)).run();
    if (grants.length)
      this.db
        .insert(userRoles)
        .values(grants.map((g) => ({ userId, ...g })))
        .run();
  }
}
