import { and, asc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { members, units } from '../../db/schema.ts';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, prepared } from '../core/db.ts';

export type UnitRow = typeof units.$inferSelect;
export type UnitOption = { id: number; parentId: number | null; nameAr: string; nameEn: string | null; path: string };

/**
 * The units that are not archived, in tree order, for the pickers and filters of many pages.
 * Taken from allUnits and kept until the database changes (core/cache.ts); frozen because it is shared.
 */
export function activeUnitOptions(db: Db): readonly UnitOption[] {
  return dataCache(db).get('units.options', () =>
    deepFreeze(
      allUnits(db)
        .filter((u) => !u.archivedAt)
        .map(({ id, parentId, nameAr, nameEn, path }) => ({ id, parentId, nameAr, nameEn, path })),
    ),
  );
}

/**
 * Every unit, archived ones too, in path order: the tree, the subtrees of a unit page and of a
 * print run of cards. Kept until the database changes, frozen because it is shared.
 */
export function allUnits(db: Db): readonly UnitRow[] {
  return dataCache(db).get('units.all', () => deepFreeze(db.select().from(units).orderBy(asc(units.path)).all()));
}

/** the active members (with a card, if `carded`) of each of a list of units (json_each) */
const membersPerUnitQuery = (carded: boolean) => (db: Db) =>
  db
    .select({ unitId: members.unitId, n: sql<number>`count(*)` })
    .from(members)
    .where(
      and(
        sql`${members.unitId} in (select value from json_each(${sql.placeholder('ids')}))`,
        eq(members.status, 'active'),
        carded ? isNotNull(members.cardToken) : undefined,
      ),
    )
    .groupBy(members.unitId)
    .prepare();
const activeMembersQuery = membersPerUnitQuery(false);
const cardedMembersQuery = membersPerUnitQuery(true);

/** a count per unit, kept per unit until the database changes (only the missing units are read) */
function perUnit(
  db: Db,
  cache: string,
  query: typeof activeMembersQuery,
  unitIds: readonly number[],
): Map<number, number> {
  return dataCache(db, cache, 5000).getMany(unitIds, (missing) => {
    const out = new Map(missing.map((id) => [id, 0]));
    for (const r of prepared(db, query).all({ ids: JSON.stringify(missing) })) out.set(r.unitId, r.n);
    return out;
  });
}

/**
 * The active members of each of these units (of the unit alone, not the units below it), read
 * together along members_unit_idx (unit, status) without the table, and kept per unit until
 * the database changes: the tree, the unit pages and the cards' print runs of every viewer share
 * them. A city's eleven units cost a fraction of a millisecond, the whole organisation's 100,000
 * members about 10 ms, once.
 */
export function activeMembersPerUnit(db: Db, unitIds: readonly number[]): Map<number, number> {
  return perUnit(db, 'unit-members', activeMembersQuery, unitIds);
}

/**
 * The active members with a card of each of these units, the same way, along the partial index
 * members_card_unit_idx (the cards' print runs).
 */
export function cardedMembersPerUnit(db: Db, unitIds: readonly number[]): Map<number, number> {
  return perUnit(db, 'unit-carded', cardedMembersQuery, unitIds);
}

/**
 * Active members of each unit together with every unit below it (the unit's own members
 * included), for the units given: each unit's own count is added to every unit on its path
 * that is asked for. `all` must hold every unit (archived ones too) under the units asked for.
 */
export function subtreeMemberCounts(
  db: Db,
  wanted: readonly { id: number }[],
  all: readonly { id: number; path: string }[],
): Map<number, number> {
  const out = new Map(wanted.map((u) => [u.id, 0]));
  if (wanted.length === 0) return out;
  // the units on each unit's path ("/1/4/17/": 1, 4 and 17) that were asked for
  const under: { id: number; counted: number[] }[] = [];
  for (const u of all) {
    const counted: number[] = [];
    for (const part of u.path.split('/')) if (part && out.has(Number(part))) counted.push(Number(part));
    if (counted.length) under.push({ id: u.id, counted });
  }
  const own = activeMembersPerUnit(
    db,
    under.map((u) => u.id),
  );
  for (const u of under) {
    const n = own.get(u.id) ?? 0;
    if (n) for (const id of u.counted) out.set(id, out.get(id)! + n);
  }
  return out;
}

/** Queries behind the unit tree. */
export class UnitsRepository {
  constructor(private db: Db) {}

  find(id: number): UnitRow | undefined {
    return this.db.select().from(units).where(eq(units.id, id)).get();
  }

  /** every unit (optionally only active ones) in tree order */
  all(opts: { withArchived: boolean }): UnitRow[] {
    return this.db
      .select()
      .from(units)
      .where(opts.withArchived ? undefined : isNull(units.archivedAt))
      .orderBy(asc(units.path))
      .all();
  }

  children(id: number): UnitRow[] {
    return this.db.select().from(units).where(eq(units.parentId, id)).orderBy(asc(units.nameAr)).all();
  }

  activeChildCount(id: number): number {
    return this.db
      .select({ n: sql<number>`count(*)` })
      .from(units)
      .where(and(eq(units.parentId, id), isNull(units.archivedAt)))
      .get()!.n;
  }

  /** the ancestors of a path, root first */
  ancestors(path: string): UnitRow[] {
    const ids = path.split('/').filter(Boolean).map(Number).slice(0, -1);
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(units)
      .where(sql`${units.id} in (${sql.join(ids, sql`, `)})`)
      .orderBy(asc(units.path))
      .all();
  }

  /** whether anything refers to this unit (members, activities, programmes, roles, nominations, sub-units) */
  hasHistory(id: number): boolean {
    const row = this.db.$client
      .prepare(
        `select exists(select 1 from members where unit_id = @id)
             or exists(select 1 from units where parent_id = @id)
             or exists(select 1 from activities where organising_unit_id = @id or audience_unit_id = @id)
             or exists(select 1 from programmes where organising_unit_id = @id)
             or exists(select 1 from enrolments where nominated_by_unit_id = @id)
             or exists(select 1 from user_roles where unit_id = @id) as used`,
      )
      .get({ id }) as { used: number };
    return row.used === 1;
  }

  insert(values: { parentId: number | null; kind: UnitRow['kind']; nameAr: string; nameEn: string | null }): UnitRow {
    const row = this.db
      .insert(units)
      .values({ ...values, path: '' })
      .returning()
      .get();
    const parent = values.parentId ? this.find(values.parentId) : undefined;
    const path = `${parent?.path ?? '/'}${row.id}/`;
    this.db.update(units).set({ path }).where(eq(units.id, row.id)).run();
    return { ...row, path };
  }

  update(id: number, values: Partial<Pick<UnitRow, 'kind' | 'nameAr' | 'nameEn' | 'archivedAt'>>): void {
    this.db.update(units).set(values).where(eq(units.id, id)).run();
  }

  /** re-parents a unit and rewrites the materialised path of its whole subtree */
  move(id: number, oldPath: string, newParentId: number | null, newPath: string): void {
    this.db.update(units).set({ parentId: newParentId }).where(eq(units.id, id)).run();
    this.db.$client
      .prepare(
        `update units set path = @newPath || substr(path, length(@oldPath) + 1)
          where substr(path, 1, length(@oldPath)) = @oldPath`,
      )
      .run({ newPath, oldPath });
  }

  delete(id: number): void {
    this.db.delete(units).where(eq(units.id, id)).run();
  }
}
