import { type ActivityKind, type AttendanceStatus, ENROLLED_STATUSES } from '../../db/schema.ts';

/** Enrolment statuses whose members are on a session's roster. */
export const ROSTER_STATUSES = ENROLLED_STATUSES;
/** `(?, ?, ?)` for the roster statuses, in raw SQL run with `...ROSTER_STATUSES` */
export const ROSTER_IN = `(${ROSTER_STATUSES.map(() => '?').join(', ')})`;

/**
 * An "open" activity (a seminar, lecture or circle members join on their own) takes
 * walk-ins: any member of its audience may be marked without an enrolment.
 */
export function isOpenActivity(a: { selfEnrol: boolean; kind: ActivityKind }): boolean {
  return a.selfEnrol && a.kind !== 'course';
}

export interface SessionTimes {
  startsAt: Date;
  endsAt: Date;
}
export interface ActivityTimes {
  checkinOpensBeforeMin: number;
  lateAfterMin: number;
  editWindowDays: number;
}

const MIN = 60_000;
const DAY = 86_400_000;

/** Marking (and self check-in) opens this long before the start. */
export const markingOpensAt = (s: SessionTimes, a: ActivityTimes) =>
  new Date(s.startsAt.getTime() - a.checkinOpensBeforeMin * MIN);

/** After this instant only the office may change marks, and only with a reason. */
export const editClosesAt = (s: SessionTimes, a: ActivityTimes) =>
  new Date(s.endsAt.getTime() + a.editWindowDays * DAY);

/** Self check-in works from the opening to the end of the session. */
export const checkinOpen = (s: SessionTimes, a: ActivityTimes, now: Date) =>
  now.getTime() >= markingOpensAt(s, a).getTime() && now.getTime() <= s.endsAt.getTime();

/** A member who checks in after start + late_after_min is late. */
export const checkinStatus = (s: SessionTimes, a: ActivityTimes, now: Date): AttendanceStatus =>
  now.getTime() > s.startsAt.getTime() + a.lateAfterMin * MIN ? 'late' : 'present';

/** Present and late count as attended for a session's rate. */
export function sessionRate(c: { present: number; late: number }, rosterSize: number): number | null {
  if (rosterSize <= 0) return null;
  return Math.round(((c.present + c.late) / rosterSize) * 100);
}

/** Present, late and excused (came, or excused themselves in advance) for a session's commitment rate. */
export function commitmentRate(
  c: { present: number; late: number; excused: number },
  rosterSize: number,
): number | null {
  if (rosterSize <= 0) return null;
  return Math.round(((c.present + c.late + c.excused) / rosterSize) * 100);
}

/** Characters for check-in codes: no 0/O, 1/I/L lookalikes. */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const normalizeCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');
