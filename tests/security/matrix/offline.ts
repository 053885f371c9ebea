import { enrol, makeActivity, makeSession } from '../../attendance/factories.ts';
import type { TestApp } from '../../helpers.ts';
import { ALL_OK, DENY, LOGIN, type MatrixPart, OK, type Org } from '../matrix-types.ts';

/** a running course of the centre taught by the trainer, with the Raqqa member enrolled */
let made: { sessionId: number } | null = null;
function course(t: TestApp, o: Org) {
  if (!made) {
    const a = makeActivity(t.db, { organisingUnitId: o.units.centre.id, title: 'دورة مصفوفة الميدان' });
    const s = makeSession(t.db, a.id, { trainerUserId: o.users.trainer.id });
    enrol(t.db, a.id, o.member.id);
    made = { sessionId: s.id };
  }
  return made;
}

const FIELD = { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: OK, member: DENY };
// the coordinator of Raqqa does not coordinate the centre, the organiser of this course
const HALL = { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: OK, member: DENY };

export const part: MatrixPart = {
  gets: {
    '/sw.js': { expect: ALL_OK },
    '/offline': { expect: FIELD },
    '/offline/sessions/:id': { expect: FIELD, params: (t, o) => ({ id: course(t, o).sessionId }) },
    '/sessions/:id/hall': { expect: HALL, params: (t, o) => ({ id: course(t, o).sessionId }) },
    '/sessions/:id/hall.json': { expect: HALL, params: (t, o) => ({ id: course(t, o).sessionId }) },
  },
  posts: ['/offline/sync'],
};
