import { and, asc, eq, inArray, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { members, units } from '../../db/schema.ts';
import type { Db } from '../core/db.ts';
import { activeMembersPerUnit, allUnits, cardedMembersPerUnit } from '../units/repository.ts';

const cardCols = {
  id: members.id,
  fullName: members.fullName,
  status: members.status,
  unitId: members.unitId,
  unitPath: units.path,
  unitNameAr: units.nameAr,
  unitNameEn: units.nameEn,
  cardToken: members.cardToken,
  cardIssuedAt: members.cardIssuedAt,
};

export type CardMember = NonNullable<ReturnType<CardsRepository['member']>>;

/** Every query of the member cards feature. */
export class CardsRepository {
  constructor(private db: Db) {}

  member(id: number) {
    return this.db
      .select(cardCols)
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(eq(members.id, id))
      .get();
  }

  byToken(token: string) {
    return this.db
      .select(cardCols)
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(eq(members.cardToken, token))
      .get();
  }

  /** sets (or with null clears) a member's card token; false when the token is taken */
  setToken(memberId: number, token: string | null, issuedAt: Date | null): boolean {
    if (token && this.db.select({ id: members.id }).from(members).where(eq(members.cardToken, token)).get())
      return false;
    this.db
      .update(members)
      .set({ cardToken: token, cardIssuedAt: issuedAt, updatedAt: new Date() })
      .where(eq(members.id, memberId))
      .run();
    return true;
  }

  unit(id: number) {
    return this.db
      .select({ id: units.id, path: units.path, nameAr: units.nameAr, nameEn: units.nameEn })
      .from(units)
      .where(eq(units.id, id))
      .get();
  }

  /** the units a print run covers, in path order: the unit itself, or its whole subtree (archived units too) */
  private unitsOf(unit: { id: number; path: string }, subtree: boolean): readonly { id: number; path: string }[] {
    return subtree ? allUnits(this.db).filter((u) => u.path.startsWith(unit.path)) : [unit];
  }

  private unitIds(unit: { id: number; path: string }, subtree: boolean): number[] {
    return this.unitsOf(unit, subtree).map((u) => u.id);
  }

  private activeIn(unitIds: number[], extra?: SQL) {
    return and(inArray(members.unitId, unitIds), eq(members.status, 'active'), extra);
  }

  /**
   * One page of the active members of the unit (or subtree) with a card, by unit path then name,
   * with how many have a card (`total`) and how many have none (`missing`). The counts come
   * from the per-unit counts (each unit counted once and kept), and the page reads only the
   * units it falls in: never a count or a sort of every member of the subtree.
   */
  printable(unit: { id: number; path: string }, subtree: boolean, limit: number, offset: number) {
    const covered = this.unitsOf(unit, subtree);
    const ids = covered.map((u) => u.id);
    const active = activeMembersPerUnit(this.db, ids);
    const carded = cardedMembersPerUnit(this.db, ids);
    let total = 0;
    let missing = 0;
    // the units this page falls in, and how many of the first one's cards come before it
    const onPage: number[] = [];
    let skip = offset;
    for (const u of covered) {
      const n = carded.get(u.id) ?? 0;
      total += n;
      missing += (active.get(u.id) ?? 0) - n;
      if (n === 0 || total <= offset || total - n >= offset + limit) continue;
      if (onPage.length === 0) skip = offset - (total - n);
      onPage.push(u.id);
    }
    const rows = onPage.length
      ? this.db
          .select(cardCols)
          .from(members)
          .innerJoin(units, eq(units.id, members.unitId))
          .where(this.activeIn(onPage, isNotNull(members.cardToken)))
          .orderBy(asc(units.path), asc(members.fullName), asc(members.id))
          .limit(limit)
          .offset(skip)
          .all()
      : [];
    return { rows, total, missing };
  }

  /** ids of active members of the unit (or subtree) who have no card */
  missingIds(unit: { id: number; path: string }, subtree: boolean, limit: number): number[] {
    return this.db
      .select({ id: members.id })
      .from(members)
      .where(this.activeIn(this.unitIds(unit, subtree), isNull(members.cardToken)))
      .orderBy(asc(members.id))
      .limit(limit)
      .all()
      .map((r) => r.id);
  }
}
