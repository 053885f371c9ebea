import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { activities, phases, programmes, units } from '../../db/schema.ts';
import type { Db } from '../core/db.ts';
import { activeUnitOptions } from '../units/repository.ts';

/** Queries behind programmes and their ordered phases. */
export class ProgrammeRepository {
  constructor(private db: Db) {}

  /**
   * Every programme with its phase and activity counts. The activities are counted in one grouped
   * read of the table (5,000 rows on the large file, about 1 ms): counted per programme, each of
   * the 24 programmes read the whole table again (activities has no index on programme_id), 10 ms.
   */
  list() {
    const perProgramme = new Map(
      this.db
        .select({ id: activities.programmeId, n: sql<number>`count(*)` })
        .from(activities)
        .groupBy(activities.programmeId)
        .all()
        .map((r) => [r.id, r.n]),
    );
    return this.listRows().map((r) => ({ ...r, activityCount: perProgramme.get(r.id) ?? 0 }));
  }

  private listRows() {
    return this.db
      .select({
        id: programmes.id,
        title: programmes.title,
        description: programmes.description,
        archivedAt: programmes.archivedAt,
        unitNameAr: units.nameAr,
        unitNameEn: units.nameEn,
        phaseCount: sql<number>`(select count(*) from ${phases} where ${phases.programmeId} = ${programmes.id})`,
      })
      .from(programmes)
      .leftJoin(units, eq(units.id, programmes.organisingUnitId))
      .orderBy(asc(programmes.archivedAt), asc(programmes.id))
      .all();
  }

  find(id: number) {
    return this.db.select().from(programmes).where(eq(programmes.id, id)).get() ?? null;
  }

  phasesOf(programmeId: number) {
    return this.db.select().from(phases).where(eq(phases.programmeId, programmeId)).orderBy(asc(phases.position)).all();
  }

  phase(id: number) {
    return this.db.select().from(phases).where(eq(phases.id, id)).get() ?? null;
  }

  activitiesOfPhases(phaseIds: number[]) {
    if (!phaseIds.length) return [];
    return this.db
      .select({
        id: activities.id,
        phaseId: activities.phaseId,
        kind: activities.kind,
        title: activities.title,
        status: activities.status,
        unitPath: units.path,
      })
      .from(activities)
      .innerJoin(units, eq(units.id, activities.organisingUnitId))
      .where(inArray(activities.phaseId, phaseIds))
      .orderBy(asc(activities.seriesNumber), asc(activities.id))
      .all();
  }

  unit(id: number) {
    return this.db.select().from(units).where(eq(units.id, id)).get() ?? null;
  }

  unitOptions() {
    return activeUnitOptions(this.db);
  }

  insert(values: typeof programmes.$inferInsert): number {
    return this.db.insert(programmes).values(values).returning({ id: programmes.id }).get().id;
  }

  update(id: number, values: Partial<typeof programmes.$inferInsert>): void {
    this.db.update(programmes).set(values).where(eq(programmes.id, id)).run();
  }

  insertPhase(values: Omit<typeof phases.$inferInsert, 'position'>): number {
    const next =
      this.db
        .select({ n: sql<number>`coalesce(max(${phases.position}), 0)` })
        .from(phases)
        .where(eq(phases.programmeId, values.programmeId))
        .get()!.n + 1;
    return this.db
      .insert(phases)
      .values({ ...values, position: next })
      .returning({ id: phases.id })
      .get().id;
  }

  updatePhase(id: number, values: Partial<typeof phases.$inferInsert>): void {
    this.db.update(phases).set(values).where(eq(phases.id, id)).run();
  }

  setPositions(programmeId: number, orderedIds: number[]): void {
    orderedIds.forEach((id, i) => {
      this.db
        .update(phases)
        .set({ position: i + 1 })
        .where(and(eq(phases.id, id), eq(phases.programmeId, programmeId)))
        .run();
    });
  }
}
