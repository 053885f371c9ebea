/** Test data for enrolment tests: activities, sessions, enrolments written straight into the database. */
import * as s from '../../db/schema.ts';
import type { Db } from '../../server/core/db.ts';

const DAY = 86_400_000;

export function makeActivity(db: Db, opts: Partial<typeof s.activities.$inferInsert> & { organisingUnitId: number }) {
  const now = Date.now();
  return db
    .insert(s.activities)
    .values({
      kind: 'seminar',
      title: `نشاط ${Math.floor(Math.random() * 1e6)}`,
      audienceKind: 'everyone',
      status: 'open',
      selfEnrol: true,
      autoApprove: false,
      enrolOpensAt: new Date(now - DAY),
      enrolClosesAt: new Date(now + 7 * DAY),
      ...opts,
    })
    .returning()
    .get();
}

export function makeSession(db: Db, opts: { activityId: number; startsAt?: Date; trainerUserId?: number | null }) {
  const startsAt = opts.startsAt ?? new Date(Date.now() + 2 * DAY);
  return db
    .insert(s.sessions)
    .values({
      activityId: opts.activityId,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 2 * 3_600_000),
      trainerUserId: opts.trainerUserId ?? null,
    })
    .returning()
    .get();
}

export function makeEnrolment(
  db: Db,
  opts: Partial<typeof s.enrolments.$inferInsert> & { activityId: number; memberId: number },
) {
  return db
    .insert(s.enrolments)
    .values({ source: 'self', status: 'approved', ...opts })
    .returning()
    .get();
}

export function makeProgramme(db: Db, phases: { requiresPrevious: boolean }[]) {
  const programme = db.insert(s.programmes).values({ title: 'برنامج' }).returning().get();
  const rows = phases.map((p, i) =>
    db
      .insert(s.phases)
      .values({ programmeId: programme.id, position: i + 1, title: `المرحلة ${i + 1}`, ...p })
      .returning()
      .get(),
  );
  return { programme, phases: rows };
}
