import { asc, eq, isNull, sql } from 'drizzle-orm';
import { councils, memberCouncils, members, units } from '../../db/schema.ts';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, existsRow } from '../core/db.ts';

export type CouncilRow = typeof councils.$inferSelect;

/** Queries behind councils (groups of members across units). */
export class CouncilsRepository {
  constructor(private db: Db) {}

  find(id: number): CouncilRow | undefined {
    return this.db.select().from(councils).where(eq(councils.id, id)).get();
  }

  /**
   * councils with their active member counts (one grouped query), kept while the data is unchanged
   * and shared by every viewer: a council holds a tenth of the organisation (13,000 members on the
   * large file), whose statuses cost 15 ms to read
   */
  list(opts: { withArchived: boolean }) {
    return dataCache(this.db).get(`councils.list|${opts.withArchived}`, () => deepFreeze(this.listNow(opts)));
  }

  private listNow(opts: { withArchived: boolean }) {
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

  /**
   * One page of a council's members, in name order: the name index read in order, each member
   * checked against the council (the primary key of member_councils), stopping after the page.
   * Taking the council's members first sorted all 13,000 of a large council for every page. From
   * page 21 on (1,000 rows in), walking the index to the page costs more than that sort, so the
   * council's members are taken first there (24 ms either way on the large file, 3.6 ms page 1).
   */
  members(councilId: number, opts: { limit: number; offset: number }) {
    const where =
      opts.offset + opts.limit <= 1000
        ? existsRow(
            sql`select 1 from ${memberCouncils} where ${memberCouncils.memberId} = ${members.id} and ${memberCouncils.councilId} = ${councilId}`,
          )
        : sql`${members.id} in (select ${memberCouncils.memberId} from ${memberCouncils} where ${memberCouncils.councilId} = ${councilId})`;
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
    // every membership has its member (foreign key): counted from the council's index alone
    const total = this.db
      .select({ n: sql<number>`count(*)` })
      .from(memberCouncils)
      .where(eq(memberCouncils.councilId, councilId))
      .get()!.n;
    return { rows, total };
  }

  insert(values: typeof councils.$inferInsert): CouncilRow {
    return this.db.insert(councils).values(values).returning().get();
  }

  update(id: number, values: Partial<typeof councils.$inferInsert>): void {
    this.db.update(councils).set(values).where(eq(councils.id, id)).run();
  }
}
