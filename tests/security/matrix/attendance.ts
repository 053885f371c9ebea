import { enrol, makeActivity, makeSession } from '../../attendance/factories.ts';
import type { TestApp } from '../../helpers.ts';
import { DENY, LOGIN, type MatrixPart, OK, type Org, SIGNED_IN_OK } from '../matrix-types.ts';

/** a running course of the centre taught by the trainer, with the Raqqa member enrolled */
let made: { activityId: number; sessionId: number } | null = null;
function course(t: TestApp, o: Org) {
  if (!made) {
    const a = makeActivity(t.db, { organisingUnitId: o.units.centre.id, title: 'دورة مصفوفة الصلاحيات' });
    const s = makeSession(t.db, a.id, { trainerUserId: o.users.trainer.id });
    enrol(t.db, a.id, o.member.id);
    made = { activityId: a.id, sessionId: s.id };
  }
  return made;
}

// the coordinator of Raqqa sees the Raqqa member's attendance (read-only); members see none
const STAFF = { anon: LOGIN, admin: OK, office: OK, coordinator: OK, trainer: OK, member: DENY };

export const part: MatrixPart = {
  gets: {
    '/today': { expect: { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: OK, member: DENY } },
    '/sessions/:id/attendance': { expect: STAFF, params: (t, o) => ({ id: course(t, o).sessionId }) },
    '/check-in': { expect: SIGNED_IN_OK },
    '/sessions/:id/check-in': { expect: SIGNED_IN_OK, params: (t, o) => ({ id: course(t, o).sessionId }) },
    '/activities/:id/attendance': { expect: STAFF, params: (t, o) => ({ id: course(t, o).activityId }) },
    '/activities/:id/attendance.csv': { expect: STAFF, params: (t, o) => ({ id: course(t, o).activityId }) },
  },
  posts: ['/sessions/:id/attendance', '/check-in', '/sessions/:id/check-in'],
};
