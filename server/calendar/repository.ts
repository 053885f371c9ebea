import { and, asc, eq, inArray, ne, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { activities, ENROLLED_STATUSES, enrolments, sessions, units, users } from '../../db/schema.ts';
import { type Db, inSubtree, prepared } from '../core/db.ts';
import { activeUnitOptions } from '../units/repository.ts';

export interface CalendarScope {
  /** sessions of activities this member is enrolled in (approved or finished) */
  memberId?: number | null;
  /** sessions this user teaches */
  trainerUserId?: number | null;
  /** sessions of activities organised in these unit subtrees; 'all' = every unit */
  unitPaths?: string[] | 'all';
}

// "activity in (the member's enrolments)", not "exists (...)" per session: SQLite then starts
// from the member's few enrolments instead of every session in the range
const memberSessions = (memberId: number | Placeholder) =>
  sql`${sessions.activityId} in (select ${enrolments.activityId} from ${enrolments} where ${enrolments.memberId} = ${memberId} and ${inArray(enrolments.status, ENROLLED_STATUSES)})`;

/** the sessions between two instants that match `who`, with their activity, unit and trainer */
function calendarQuery(db: Db, from: number | Placeholder, to: number | Placeholder, who: SQL) {
  return db
    .select({
      id: sessions.id,
      activityId: sessions.activityId,
      activityTitle: activities.title,
      activityKind: activities.kind,
      activityStatus: activities.status,
      startsAt: sessions.startsAt,
      endsAt: sessions.endsAt,
      topic: sessions.topic,
      place: sessions.place,
      status: sessions.status,
      trainerName: users.displayName,
      unitNameAr: units.nameAr,
      unitNameEn: units.nameEn,
    })
    .from(sessions)
    .innerJoin(activities, eq(activities.id, sessions.activityId))
    .innerJoin(units, eq(units.id, activities.organisingUnitId))
    .leftJoin(users, eq(users.id, sessions.trainerUserId))
    .where(
      and(sql`${sessions.startsAt} >= ${from}`, sql`${sessions.startsAt} < ${to}`, ne(activities.status, 'draft'), who),
    )
    .orderBy(asc(sessions.startsAt), asc(sessions.id))
    .limit(5000);
}
const range = [sql.placeholder('from'), sql.placeholder('to')] as const;
const ownSessionsMember = (db: Db) =>
  calendarQuery(db, ...range, memberSessions(sql.placeholder('memberId'))).prepare();
const ownSessionsTrainer = (db: Db) =>
  calendarQuery(db, ...range, eq(sessions.trainerUserId, sql.placeholder('trainerUserId'))).prepare();
const ownSessionsBoth = (db: Db) =>
  calendarQuery(
    db,
    ...range,
    or(memberSessions(sql.placeholder('memberId')), eq(sessions.trainerUserId, sql.placeholder('trainerUserId')))!,
  ).prepare();

// the organisation's calendar: the sessions of the range alone, then their activities and
// trainers once each, instead of three look-ups joined to every session (a month of the
// organisation is about 900 sessions of 250 activities)
export const RANGE_SESSIONS_SQL = `select id, activity_id as activityId, starts_at as startsAt, ends_at as endsAt, topic, place,
    status, trainer_user_id as trainerUserId
  from sessions where starts_at >= ? and starts_at < ? order by starts_at, id`;
export const ACTIVITIES_OF_SQL = `select a.id as id, a.title as title, a.kind as kind, a.status as status,
    u.name_ar as unitNameAr, u.name_en as unitNameEn
  from activities a join units u on u.id = a.organising_unit_id where a.id in (select value from json_each(?))`;
export const NAMES_OF_SQL =
  'select id, display_name as displayName from users where id in (select value from json_each(?))';

type Activity = typeof activities.$inferSelect;
type Session = typeof sessions.$inferSelect;
/** a session as the calendars show it */
export interface CalendarRow {
  id: number;
  activityId: number;
  activityTitle: string;
  activityKind: Activity['kind'];
  activityStatus: Activity['status'];
  startsAt: Date;
  endsAt: Date;
  topic: string | null;
  place: string | null;
  status: Session['status'];
  trainerName: string | null;
  unitNameAr: string;
  unitNameEn: string | null;
}

/** Queries behind the calendars and the iCalendar feeds. */
export class CalendarRepository {
  constructor(private db: Db) {}

  sessions(scope: CalendarScope, from: Date, to: Date): CalendarRow[] {
    const unitPaths = scope.unitPaths ?? [];
    if (unitPaths === 'all' && !scope.memberId && !scope.trainerUserId) return this.everyUnitSessions(from, to);
    // a member's or a trainer's own calendar (every dashboard asks): one of three statements
    // prepared once per connection; a coordinator's unit subtrees are built each time
    if (unitPaths !== 'all' && unitPaths.length === 0) {
      const memberId = scope.memberId ?? null;
      const trainerUserId = scope.trainerUserId ?? null;
      const range = { from: from.getTime(), to: to.getTime() };
      if (memberId && trainerUserId)
        return prepared(this.db, ownSessionsBoth).all({ ...range, memberId, trainerUserId });
      if (memberId) return prepared(this.db, ownSessionsMember).all({ ...range, memberId });
      if (trainerUserId) return prepared(this.db, ownSessionsTrainer).all({ ...range, trainerUserId });
      return [];
    }
    const ors: SQL[] = [];
    if (scope.memberId) ors.push(memberSessions(scope.memberId));
    if (scope.trainerUserId) ors.push(eq(sessions.trainerUserId, scope.trainerUserId));
    if (unitPaths === 'all') ors.push(sql`1`);
    else for (const p of unitPaths) ors.push(inSubtree(units.path, p));
    return calendarQuery(this.db, from.getTime(), to.getTime(), or(...ors)!).all();
  }

  /**
   * The sessions between two instants of every activity past draft: what `calendarQuery` gives
   * for every unit, in the same order. (A unit subtree's are read from its units' activities by
   * `calendarQuery`, which is quicker for them.)
   */
  everyUnitSessions(from: Date, to: Date): CalendarRow[] {
    const sqlite = this.db.$client;
    const range = sqlite.prepare(RANGE_SESSIONS_SQL).all(from.getTime(), to.getTime()) as (Omit<
      CalendarRow,
      | 'activityTitle'
      | 'activityKind'
      | 'activityStatus'
      | 'startsAt'
      | 'endsAt'
      | 'trainerName'
      | 'unitNameAr'
      | 'unitNameEn'
    > & { startsAt: number; endsAt: number; trainerUserId: number | null })[];
    if (!range.length) return [];
    const acts = new Map(
      (
        sqlite.prepare(ACTIVITIES_OF_SQL).all(JSON.stringify([...new Set(range.map((r) => r.activityId))])) as {
          id: number;
          title: string;
          kind: Activity['kind'];
          status: Activity['status'];
          unitNameAr: string;
          unitNameEn: string | null;
        }[]
      ).map((a) => [a.id, a]),
    );
    const trainerIds = [...new Set(range.map((r) => r.trainerUserId).filter((x) => x !== null))];
    const names = new Map(
      trainerIds.length
        ? (sqlite.prepare(NAMES_OF_SQL).all(JSON.stringify(trainerIds)) as { id: number; displayName: string }[]).map(
            (u) => [u.id, u.displayName],
          )
        : [],
    );
    const out: CalendarRow[] = [];
    for (const r of range) {
      const a = acts.get(r.activityId);
      if (!a || a.status === 'draft') continue;
      out.push({
        id: r.id,
        activityId: r.activityId,
        activityTitle: a.title,
        activityKind: a.kind,
        activityStatus: a.status,
        startsAt: new Date(r.startsAt),
        endsAt: new Date(r.endsAt),
        topic: r.topic,
        place: r.place,
        status: r.status,
        trainerName: r.trainerUserId === null ? null : (names.get(r.trainerUserId) ?? null),
        unitNameAr: a.unitNameAr,
        unitNameEn: a.unitNameEn,
      });
      if (out.length === 5000) break;
    }
    return out;
  }

  activitySessions(activityId: number) {
    return this.db
      .select({
        id: sessions.id,
        startsAt: sessions.startsAt,
        endsAt: sessions.endsAt,
        topic: sessions.topic,
        place: sessions.place,
        status: sessions.status,
        trainerName: users.displayName,
      })
      .from(sessions)
      .leftJoin(users, eq(users.id, sessions.trainerUserId))
      .where(eq(sessions.activityId, activityId))
      .orderBy(asc(sessions.startsAt))
      .all();
  }

  tokenOf(userId: number): string | null {
    return this.db.select({ t: users.calendarToken }).from(users).where(eq(users.id, userId)).get()?.t ?? null;
  }

  setToken(userId: number, token: string | null): void {
    this.db.update(users).set({ calendarToken: token }).where(eq(users.id, userId)).run();
  }

  /** the active user a subscription token belongs to, with what the calendar needs */
  userByToken(token: string) {
    return (
      this.db
        .select({ id: users.id, memberId: users.memberId, displayName: users.displayName, active: users.active })
        .from(users)
        .where(eq(users.calendarToken, token))
        .get() ?? null
    );
  }

  isTrainer(userId: number): boolean {
    return !!this.db.$client
      .prepare("select 1 from user_roles where user_id = ? and role = 'trainer' limit 1")
      .get(userId);
  }

  unit(id: number) {
    return this.db.select().from(units).where(eq(units.id, id)).get() ?? null;
  }

  unitOptions() {
    return activeUnitOptions(this.db);
  }
}
