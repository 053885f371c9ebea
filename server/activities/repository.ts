import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import {
  type ActivityKind,
  type ActivityStatus,
  activities,
  activityCouncils,
  councils,
  enrolments,
  materials,
  memberCouncils,
  members,
  phases,
  programmes,
  sessions,
  settings,
  units,
  userRoles,
  users,
} from '../../db/schema.ts';
import { enrolledCount, trainsActivity } from '../attendance/repository.ts';
import { escapeLike } from '../core/arabic.ts';
import { cachedById, dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, existsRow, inSubtree, prepared } from '../core/db.ts';
import { activeUnitOptions } from '../units/repository.ts';

export type ActivityRow = typeof activities.$inferSelect;
export type ActivityValues = Omit<typeof activities.$inferInsert, 'id' | 'createdAt' | 'status' | 'cancelReason'>;

export interface CatalogueFilter {
  kind: ActivityKind | null;
  unitPath: string | null;
  /** instants of the month: an activity qualifies with a session in it */
  month: { from: Date; to: Date } | null;
  status: ActivityStatus | null;
  q: string;
  limit: number;
  offset: number;
}

/** Who is looking at the catalogue, already reduced to SQL-able facts. */
export interface CatalogueScope {
  all: boolean;
  /** coordinators: organising unit in these subtrees (any status) */
  unitPaths: string[];
  /** coordinators: every activity past draft */
  nonDraft: boolean;
  /** trainers: activities with a session they teach */
  trainerUserId: number | null;
  /** members: open to them (audience + enrolment window open) */
  member: { unitPath: string; isExecutive: boolean; councilIds: number[]; active: boolean } | null;
  /** signed-out public view: open activities only */
  publicOnly: boolean;
  now: Date;
}

/** a file attached to a member's apology (server/followup) is private to it: never an activity's material */
const notApologyFile = sql`not exists (select 1 from apologies ap where ap.material_id = ${materials.id})`;

// the statements of an activity page, built once per connection (core/db.ts prepared)
const sessionSummaryQuery = (db: Db) =>
  db
    .select({
      count: sql<number>`count(*)`,
      first: sql<number | null>`min(${sessions.startsAt})`,
      last: sql<number | null>`max(${sessions.endsAt})`,
    })
    .from(sessions)
    .where(and(eq(sessions.activityId, sql.placeholder('activityId')), eq(sessions.status, 'scheduled')))
    .prepare();
const enrolledQuery = (db: Db) =>
  db
    .select({ id: enrolments.id })
    .from(enrolments)
    .where(
      and(
        eq(enrolments.activityId, sql.placeholder('activityId')),
        eq(enrolments.memberId, sql.placeholder('memberId')),
      ),
    )
    .prepare();
const materialsQuery = (db: Db) =>
  db
    .select({
      id: materials.id,
      sessionId: materials.sessionId,
      filename: materials.filename,
      mime: materials.mime,
      size: materials.size,
      uploadedAt: materials.uploadedAt,
      uploadedBy: users.displayName,
    })
    .from(materials)
    .leftJoin(users, eq(users.id, materials.uploadedBy))
    .where(and(eq(materials.activityId, sql.placeholder('activityId')), isNull(materials.deletedAt), notApologyFile))
    .orderBy(asc(materials.id))
    .prepare();

/** Every query behind activities, their councils and materials. */
export class ActivityRepository {
  constructor(private db: Db) {}

  /** an activity with its organising unit, audience, councils and phase (cached: several panels read it) */
  find(id: number) {
    return cachedById(this.db, 'activities.find', id, () => this.load(id));
  }

  private load(id: number) {
    const row = this.db
      .select({ a: activities, unitPath: units.path, unitNameAr: units.nameAr, unitNameEn: units.nameEn })
      .from(activities)
      .innerJoin(units, eq(units.id, activities.organisingUnitId))
      .where(eq(activities.id, id))
      .get();
    if (!row) return null;
    const audienceUnit = row.a.audienceUnitId
      ? this.db.select().from(units).where(eq(units.id, row.a.audienceUnitId)).get()
      : null;
    const councilRows = this.db
      .select({ id: councils.id, nameAr: councils.nameAr, nameEn: councils.nameEn })
      .from(activityCouncils)
      .innerJoin(councils, eq(councils.id, activityCouncils.councilId))
      .where(eq(activityCouncils.activityId, id))
      .all();
    const phase = row.a.phaseId
      ? this.db
          .select({ id: phases.id, title: phases.title, programmeId: programmes.id, programmeTitle: programmes.title })
          .from(phases)
          .innerJoin(programmes, eq(programmes.id, phases.programmeId))
          .where(eq(phases.id, row.a.phaseId))
          .get()
      : null;
    return {
      ...row.a,
      organisingUnit: {
        id: row.a.organisingUnitId,
        path: row.unitPath,
        nameAr: row.unitNameAr,
        nameEn: row.unitNameEn,
      },
      audienceUnit: audienceUnit
        ? { id: audienceUnit.id, path: audienceUnit.path, nameAr: audienceUnit.nameAr, nameEn: audienceUnit.nameEn }
        : null,
      councils: councilRows,
      phase: phase ?? null,
    };
  }

  unit(id: number) {
    return this.db.select().from(units).where(eq(units.id, id)).get() ?? null;
  }

  unitOptions() {
    return activeUnitOptions(this.db);
  }

  councilOptions() {
    return this.db
      .select({ id: councils.id, nameAr: councils.nameAr, nameEn: councils.nameEn })
      .from(councils)
      .where(isNull(councils.archivedAt))
      .orderBy(asc(councils.id))
      .all();
  }

  existingCouncilIds(ids: number[]): number[] {
    if (!ids.length) return [];
    return this.db
      .select({ id: councils.id })
      .from(councils)
      .where(and(inArray(councils.id, ids), isNull(councils.archivedAt)))
      .all()
      .map((r) => r.id);
  }

  phaseOptions() {
    return this.db
      .select({
        id: phases.id,
        title: phases.title,
        position: phases.position,
        programmeId: programmes.id,
        programmeTitle: programmes.title,
      })
      .from(phases)
      .innerJoin(programmes, eq(programmes.id, phases.programmeId))
      .where(isNull(programmes.archivedAt))
      .orderBy(asc(programmes.id), asc(phases.position))
      .all();
  }

  phase(id: number) {
    return this.db.select().from(phases).where(eq(phases.id, id)).get() ?? null;
  }

  /** active users with the trainer role */
  /** the active trainers, kept while the data is unchanged (the session forms and their checks) */
  trainerOptions(): readonly { id: number; displayName: string }[] {
    return dataCache(this.db).get('activities.trainerOptions', () =>
      deepFreeze(
        this.db
          .selectDistinct({ id: users.id, displayName: users.displayName })
          .from(users)
          .innerJoin(userRoles, eq(userRoles.userId, users.id))
          .where(and(eq(userRoles.role, 'trainer'), eq(users.active, true)))
          .orderBy(asc(users.displayName))
          .all(),
      ),
    );
  }

  insert(values: ActivityValues & { createdBy: number }): number {
    return this.db.insert(activities).values(values).returning({ id: activities.id }).get().id;
  }

  update(id: number, values: Partial<typeof activities.$inferInsert>): void {
    this.db
      .update(activities)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(activities.id, id))
      .run();
  }

  setCouncils(activityId: number, councilIds: number[]): void {
    this.db.delete(activityCouncils).where(eq(activityCouncils.activityId, activityId)).run();
    if (councilIds.length)
      this.db
        .insert(activityCouncils)
        .values(councilIds.map((councilId) => ({ activityId, councilId })))
        .run();
  }

  seatsTaken(activityId: number): number {
    return enrolledCount(this.db, activityId);
  }

  teaches(activityId: number, userId: number): boolean {
    return trainsActivity(this.db, activityId, userId);
  }

  enrolled(activityId: number, memberId: number): boolean {
    return !!prepared(this.db, enrolledQuery).get({ activityId, memberId });
  }

  /** a member's status, unit and councils: what the audience rules ask (cached: every catalogue and activity page) */
  memberFacts(memberId: number) {
    return cachedById(this.db, 'activities.memberFacts', memberId, () => this.loadMemberFacts(memberId));
  }

  private loadMemberFacts(memberId: number) {
    const m = this.db
      .select({ status: members.status, isExecutive: members.isExecutive, unitPath: units.path })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(eq(members.id, memberId))
      .get();
    if (!m) return null;
    const councilIds = this.db
      .select({ id: memberCouncils.councilId })
      .from(memberCouncils)
      .where(eq(memberCouncils.memberId, memberId))
      .all()
      .map((r) => r.id);
    return { ...m, councilIds };
  }

  sessionSummary(activityId: number) {
    return prepared(this.db, sessionSummaryQuery).get({ activityId })!;
  }

  private scopeCondition(scope: CatalogueScope): SQL | undefined {
    if (scope.all) return undefined;
    const a = activities;
    const ors: SQL[] = [];
    for (const p of scope.unitPaths)
      ors.push(sql`${a.organisingUnitId} in (select ${units.id} from ${units} where ${inSubtree(units.path, p)})`);
    if (scope.nonDraft) ors.push(sql`${a.status} <> 'draft'`);
    // the trainer's sessions are read once into a set of activities: as a correlated EXISTS, SQLite
    // walked all of the trainer's sessions again for each of the 5,000 activities (250 ms)
    if (scope.trainerUserId !== null)
      ors.push(
        sql`${a.id} in (select ${sessions.activityId} from ${sessions} where ${sessions.trainerUserId} = ${scope.trainerUserId})`,
      );
    if (scope.member?.active) ors.push(this.openToMember(scope.member, scope.now));
    if (scope.publicOnly) ors.push(this.openNow(scope.now));
    if (!ors.length) return sql`0`;
    return sql`(${sql.join(ors, sql` or `)})`;
  }

  /** open for enrolment now: status open or running, window open */
  private openNow(now: Date): SQL {
    const a = activities;
    const t = now.getTime();
    return sql`(${a.status} in ('open', 'running') and (${a.enrolOpensAt} is null or ${a.enrolOpensAt} <= ${t}) and (${a.enrolClosesAt} is null or ${a.enrolClosesAt} > ${t}))`;
  }

  /** the SQL twin of audience.ts inAudience, plus an open enrolment window */
  private openToMember(m: NonNullable<CatalogueScope['member']>, now: Date): SQL {
    const a = activities;
    const audience = sql`(${a.audienceKind} = 'everyone'
      or (${a.audienceKind} = 'units' and ${m.unitPath} like (select ${units.path} from ${units} where ${units.id} = ${a.audienceUnitId}) || '%')
      or (${a.audienceKind} = 'councils' and ${existsRow(sql`select 1 from ${activityCouncils} where ${activityCouncils.activityId} = ${a.id} and ${activityCouncils.councilId} in (${m.councilIds.length ? sql.join(m.councilIds, sql`, `) : sql`null`})`)}))`;
    const exec = m.isExecutive ? sql`1` : sql`${a.executiveOnly} = 0`;
    return sql`(${this.openNow(now)} and ${audience} and ${exec})`;
  }

  catalogue(scope: CatalogueScope, f: CatalogueFilter) {
    const a = activities;
    const conds: (SQL | undefined)[] = [this.scopeCondition(scope)];
    if (f.kind) conds.push(eq(a.kind, f.kind));
    if (f.status) conds.push(eq(a.status, f.status));
    if (f.unitPath) conds.push(inSubtree(units.path, f.unitPath));
    if (f.q) {
      const p = `%${escapeLike(f.q)}%`;
      conds.push(sql`(${a.title} like ${p} escape '\\' or ${a.honoree} like ${p} escape '\\')`);
    }
    if (f.month)
      conds.push(
        existsRow(
          sql`select 1 from ${sessions} where ${sessions.activityId} = ${a.id} and ${sessions.startsAt} >= ${f.month.from.getTime()} and ${sessions.startsAt} < ${f.month.to.getTime()}`,
        ),
      );
    const where = and(...conds.filter((c): c is SQL => !!c));
    // the page's ids first, then their details: the first session and the count are looked up
    // for the page's rows only, not for every matching activity before the sort
    const ids = this.db
      .select({ id: a.id })
      .from(a)
      .innerJoin(units, eq(units.id, a.organisingUnitId))
      .where(where)
      .orderBy(desc(a.id))
      .limit(f.limit)
      .offset(f.offset)
      .all()
      .map((r) => r.id);
    const rows = ids.length
      ? this.db
          .select({
            id: a.id,
            kind: a.kind,
            title: a.title,
            honoree: a.honoree,
            seriesNumber: a.seriesNumber,
            status: a.status,
            location: a.location,
            capacity: a.capacity,
            enrolOpensAt: a.enrolOpensAt,
            enrolClosesAt: a.enrolClosesAt,
            description: a.description,
            unitNameAr: units.nameAr,
            unitNameEn: units.nameEn,
            firstSession: sql<
              number | null
            >`(select min(${sessions.startsAt}) from ${sessions} where ${sessions.activityId} = ${a.id} and ${sessions.status} = 'scheduled')`,
            sessionCount: sql<number>`(select count(*) from ${sessions} where ${sessions.activityId} = ${a.id} and ${sessions.status} = 'scheduled')`,
          })
          .from(a)
          .innerJoin(units, eq(units.id, a.organisingUnitId))
          .where(inArray(a.id, ids))
          .orderBy(desc(a.id))
          .all()
      : [];
    const total =
      ids.length < f.limit && (f.offset === 0 || ids.length > 0)
        ? f.offset + ids.length
        : this.db
            .select({ n: sql<number>`count(*)` })
            .from(a)
            .innerJoin(units, eq(units.id, a.organisingUnitId))
            .where(where)
            .get()!.n;
    return { rows, total };
  }

  setting(key: string): string | null {
    return this.db.select().from(settings).where(eq(settings.key, key)).get()?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    this.db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
  }

  // ---------------------------------------------------------------- materials

  materialsOf(activityId: number) {
    return prepared(this.db, materialsQuery).all({ activityId });
  }

  material(id: number) {
    return (
      this.db
        .select()
        .from(materials)
        .where(and(eq(materials.id, id), notApologyFile))
        .get() ?? null
    );
  }

  insertMaterial(values: typeof materials.$inferInsert): number {
    return this.db.insert(materials).values(values).returning({ id: materials.id }).get().id;
  }

  softDeleteMaterial(id: number): void {
    this.db.update(materials).set({ deletedAt: new Date() }).where(eq(materials.id, id)).run();
  }

  sessionOf(id: number) {
    return this.db.select().from(sessions).where(eq(sessions.id, id)).get() ?? null;
  }
}
