import { asc, eq, inArray, sql } from 'drizzle-orm';
import { activities, attendance, sessions, users } from '../../db/schema.ts';
import { type Db, prepared } from '../core/db.ts';

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

/**
 * A session lies within one day of the organisation's zone (the form and the repeat rule give a
 * date and two times on it), so it lasts less than 25 hours (a day with a clock change back).
 * A session that overlaps one starting at T therefore starts after T minus this: the clashes
 * read only that stretch of the start index, not every session that started before.
 */
export const MAX_SESSION_MS = 25 * 3_600_000;

/**
 * The scheduled sessions (of activities not cancelled) that overlap one of the candidates
 * given as JSON `[[startsAt, endsAt, trainerUserId | null, normalPlace | null], …]` and have
 * its trainer or its place: each candidate reads its own stretch of `sessions_starts_idx`
 * (the candidates first: `cross join` keeps that order), in time order.
 */
export const CLASHES_SQL = `select distinct s.id as id, s.activity_id as activityId, a.title as activityTitle,
    s.starts_at as startsAt, s.ends_at as endsAt, s.trainer_user_id as trainerUserId, s.place as place
  from json_each(?) c
  cross join sessions s on s.starts_at > (c.value ->> 0) - ${MAX_SESSION_MS} and s.starts_at < (c.value ->> 1)
  cross join activities a on a.id = s.activity_id
  where s.ends_at > (c.value ->> 0) and s.status = 'scheduled' and a.status <> 'cancelled'
    and (s.trainer_user_id = (c.value ->> 2) or lower(trim(s.place)) = (c.value ->> 3))
  order by s.starts_at, s.id`;

interface ClashRow {
  id: number;
  activityId: number;
  activityTitle: string;
  startsAt: number;
  endsAt: number;
  trainerUserId: number | null;
  place: string | null;
}

// the statements every session page and sessions list runs, built once per connection
const findQuery = (db: Db) =>
  db
    .select()
    .from(sessions)
    .where(eq(sessions.id, sql.placeholder('id')))
    .prepare();
const trainerNameQuery = (db: Db) =>
  db
    .select({ displayName: users.displayName })
    .from(users)
    .where(eq(users.id, sql.placeholder('userId')))
    .prepare();
const listOfQuery = (db: Db) =>
  db
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
      marks: sessions.markedCount,
    })
    .from(sessions)
    .leftJoin(users, eq(users.id, sessions.trainerUserId))
    .where(eq(sessions.activityId, sql.placeholder('activityId')))
    .orderBy(asc(sessions.startsAt), asc(sessions.id))
    .prepare();

/** Every query behind sessions. */
export class SessionRepository {
  constructor(private db: Db) {}

  find(id: number) {
    return prepared(this.db, findQuery).get({ id }) ?? null;
  }

  /** an activity's sessions in time order, with the trainer's name and how many marks each has (kept by triggers) */
  listOf(activityId: number) {
    return prepared(this.db, listOfQuery).all({ activityId });
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
    return prepared(this.db, trainerNameQuery).get({ userId })?.displayName ?? null;
  }

  /** Sessions booked at overlapping times with the same trainer or in the same place. */
  clashes(candidates: ClashCandidate[]): Clash[] {
    const live = candidates.filter((c) => c.trainerUserId || normalPlace(c.place));
    if (!live.length) return [];
    const wanted = JSON.stringify(
      live.map((c) => [
        c.startsAt.getTime(),
        c.endsAt.getTime(),
        c.trainerUserId || null,
        normalPlace(c.place) || null,
      ]),
    );
    const rows = (this.db.$client.prepare(CLASHES_SQL).all(wanted) as ClashRow[]).map((r) => ({
      ...r,
      startsAt: new Date(r.startsAt),
      endsAt: new Date(r.endsAt),
    }));
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
