import { and, asc, count, eq, inArray, isNotNull, isNull, like, type SQL } from 'drizzle-orm';
import { members, units } from '../../db/schema.ts';
import type { Db } from '../core/db.ts';

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

  /** the units a print run covers: the unit itself, or its whole subtree */
  private unitIds(unit: { id: number; path: string }, subtree: boolean): number[] {
    if (!subtree) return [unit.id];
    return this.db
      .select({ id: units.id })
      .from(units)
      .where(like(units.path, `${unit.path}%`))
      .all()
      .map((u) => u.id);
  }

  private activeIn(unitIds: number[], extra?: SQL) {
    return and(inArray(members.unitId, unitIds), eq(members.status, 'active'), extra);
  }

  /** active members of the unit (or subtree) with a card, by unit then name; one page */
  printable(unit: { id: number; path: string }, subtree: boolean, limit: number, offset: number) {
    const ids = this.unitIds(unit, subtree);
    const rows = this.db
      .select(cardCols)
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(this.activeIn(ids, isNotNull(members.cardToken)))
      .orderBy(asc(units.path), asc(members.fullName), asc(members.id))
      .limit(limit)
      .offset(offset)
      .all();
    const total = this.db
      .select({ n: count() })
      .from(members)
      .where(this.activeIn(ids, isNotNull(members.cardToken)))
      .get()!.n;
    const missing = this.db
      .select({ n: count() })
      .from(members)
      .where(this.activeIn(ids, isNull(members.cardToken)))
      .get()!.n;
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
