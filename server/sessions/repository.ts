import { and, asc, eq, gt, inArray, lt, ne, type SQL, sql } from 'drizzle-orm';
import { activities, attendance, sessions, users } from '../../db/schema.ts';
import type { Db } from '../core/db.ts';

export type SessionRow = typeof sessions.$inferSelect;

export interface ClashCandidate {
  id?: number;
  startsAt: Date;
  endsAt: Date;
  trainerUserId: number | null;
  place: string | null;
}

export interface Clash {
  sessionId: number | null;
  startsAt: Date;
  kind: 'trainer' | 'place';
  other: { id: number; activityId: number; activityTitle: string; startsAt: Date; endsAt: Date };
}

export const normalPlace = (p: string | null | undefined) => (p ?? '').trim().replace(/\s+/g, ' ').toLowerCase();

/** Every query behind sessions. */
export class SessionRepository {
  constructor(private db: Db) {}

  find(id: number) {
    return this.db.select().from(sessions).where(eq(sessions.id, id)).get() ?? null;
  }

  /** an activity's sessions in time order, with the trainer's name and how many marks each has */
  listOf(activityId: number) {
    return this.db
      .select({
        id: sessions.id,
        startsAt: sessions.startsAt,
        endsAt: sessions.endsAt,
        topic: sessions.topic,
        trainerUserId: sessions.trainerUserId,
        trainerName: users.displayName,
        place: sessions.place,
        status: sessions.status,
        cancelReason: sessions.cancelReason,
        fromRule: sessions.fromRule,
        detached: sessions.detached,
        checkinCode: sessions.checkinCode,
        marks: sql<number>`(select count(*) from ${attendance} where ${attendance.sessionId} = ${sessions.id})`,
      })
      .from(sessions)
      .leftJoin(users, eq(users.id, sessions.trainerUserId))
      .where(eq(sessions.activityId, activityId))
      .orderBy(asc(sessions.startsAt), asc(sessions.id))
      .all();
  }

  /** sessions that must survive a regeneration: hand-added, edited, or with anything attached */
  regenerationFacts(activityId: number) {
    return this.db
      .select({
        id: sessions.id,
        startsAt: sessions.startsAt,
        fromRule: sessions.fromRule,
        detached: sessions.detached,
        // written out in full: drizzle leaves columns unqualified in a one-table select
        linked: sql<number>`(exists (select 1 from "attendance" a where a."session_id" = "sessions"."id")
          or exists (select 1 from "materials" m where m."session_id" = "sessions"."id")
          or exists (select 1 from "apologies" p where p."session_id" = "sessions"."id")
          or exists (select 1 from "attendance_events" e where e."session_id" = "sessions"."id"))`,
      })
      .from(sessions)
      .where(eq(sessions.activityId, activityId))
      .all();
  }

  insert(values: typeof sessions.$inferInsert): number {
    return this.db.insert(sessions).values(values).returning({ id: sessions.id }).get().id;
  }

  update(id: number, values: Partial<typeof sessions.$inferInsert>): void {
    this.db.update(sessions).set(values).where(eq(sessions.id, id)).run();
  }

  deleteIds(ids: number[]): void {
    for (let i = 0; i < ids.length; i += 500)
      this.db
        .delete(sessions)
        .where(inArray(sessions.id, ids.slice(i, i + 500)))
        .run();
  }

  setRule(activityId: number, rule: string | null): void {
    this.db
      .update(activities)
      .set({ recurrence: rule, updatedAt: new Date() })
      .where(eq(activities.id, activityId))
      .run();
  }

  hasAttendance(sessionId: number): boolean {
    return !!this.db
      .select({ id: attendance.id })
      .from(attendance)
      .where(eq(attendance.sessionId, sessionId))
      .limit(1)
      .get();
  }

  trainerName(userId: number | null) {
    if (!userId) return null;
    return (
      this.db.select({ displayName: users.displayName }).from(users).where(eq(users.id, userId)).get()?.displayName ??
      null
    );
  }

  /** Sessions booked at overlapping times with the same trainer or in the same place. */
  clashes(candidates: ClashCandidate[]): Clash[] {
    const live = candidates.filter((c) => c.trainerUserId || normalPlace(c.place));
    if (!live.length) return [];
    const from = Math.min(...live.map((c) => c.startsAt.getTime()));
    const to = Math.max(...live.map((c) => c.endsAt.getTime()));
    const trainers = [...new Set(live.map((c) => c.trainerUserId).filter((x): x is number => !!x))];
    const places = [...new Set(live.map((c) => normalPlace(c.place)).filter(Boolean))];
    const who: SQL[] = [];
    if (trainers.length) who.push(inArray(sessions.trainerUserId, trainers));
    if (places.length) who.push(sql`lower(trim(${sessions.place})) in (${sql.join(places, sql`, `)})`);
    const rows = this.db
      .select({
        id: sessions.id,
        activityId: sessions.activityId,
        activityTitle: activities.title,
        startsAt: sessions.startsAt,
        endsAt: sessions.endsAt,
        trainerUserId: sessions.trainerUserId,
        place: sessions.place,
      })
      .from(sessions)
      .innerJoin(activities, eq(activities.id, sessions.activityId))
      .where(
        and(
          eq(sessions.status, 'scheduled'),
          ne(activities.status, 'cancelled'),
          lt(sessions.startsAt, new Date(to)),
          gt(sessions.endsAt, new Date(from)),
          sql`(${sql.join(who, sql` or `)})`,
        ),
      )
      .orderBy(asc(sessions.startsAt))
      .all();
    const out: Clash[] = [];
    for (const c of live) {
      const cs = c.startsAt.getTime();
      const ce = c.endsAt.getTime();
      const cp = normalPlace(c.place);
      for (const r of rows) {
        if (r.id === c.id) continue;
        if (!(r.startsAt.getTime() < ce && r.endsAt.getTime() > cs)) continue;
        const other = {
          id: r.id,
          activityId: r.activityId,
          activityTitle: r.activityTitle,
          startsAt: r.startsAt,
          endsAt: r.endsAt,
        };
        if (c.trainerUserId && r.trainerUserId === c.trainerUserId)
          out.push({ sessionId: c.id ?? null, startsAt: c.startsAt, kind: 'trainer', other });
        if (cp && normalPlace(r.place) === cp)
          out.push({ sessionId: c.id ?? null, startsAt: c.startsAt, kind: 'place', other });
      }
    }
    return out;
  }
}
