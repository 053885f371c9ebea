import { asc, eq, isNull, sql } from 'drizzle-orm';
import { councils, memberCouncils, members, units } from '../../db/schema.ts';
import type { Db } from '../core/db.ts';

export type CouncilRow = typeof councils.$inferSelect;

/** Queries behind councils (groups of members across units). */
export class CouncilsRepository {
  constructor(private db: Db) {}

  find(id: number): CouncilRow | undefined {
    return this.db.select().from(councils).where(eq(councils.id, id)).get();
  }

  /** councils with their active member counts (one grouped query) */
  list(opts: { withArchived: boolean }) {
    return this.db
      .select({
        council: councils,
        // written out in full: drizzle leaves columns unqualified in a one-table select
        members: sql<number>`(select count(*) from member_councils mc join members m on m.id = mc.member_id
                              where mc.council_id = "councils"."id" and m.status = 'active')`,
      })
      .from(councils)
      .where(opts.withArchived ? undefined : isNull(councils.archivedAt))
      .orderBy(asc(councils.nameAr))
      .all();
  }

  active(): CouncilRow[] {
    return this.db.select().from(councils).where(isNull(councils.archivedAt)).orderBy(asc(councils.nameAr)).all();
  }

  /** one page of a council's members */
  members(councilId: number, opts: { limit: number; offset: number }) {
    const where = sql`${members.id} in (select member_id from ${memberCouncils} where council_id = ${councilId})`;
    const rows = this.db
      .select({
        id: members.id,
        fullName: members.fullName,
        status: members.status,
        gender: members.gender,
        unitId: units.id,
        unitNameAr: units.nameAr,
        unitNameEn: units.nameEn,
      })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(where)
      .orderBy(asc(members.nameSearch), asc(members.id))
      .limit(opts.limit)
      .offset(opts.offset)
      .all();
    const total = this.db.select({ n: sql<number>`count(*)` }).from(members).where(where).get()!.n;
    return { rows, total };
  }

  insert(values: typeof councils.$inferInsert): CouncilRow {
    return this.db.insert(councils).values(values).returning().get();
  }

  update(id: number, values: Partial<typeof councils.$inferInsert>): void {
    this.db.update(councils).set(values).where(eq(councils.id, id)).run();
  }
}
