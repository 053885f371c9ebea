import { enrol, makeActivity, makeSession } from '../../attendance/factories.ts';
import type { TestApp } from '../../helpers.ts';
import {
  ALL_OK,
  DENY,
  LOGIN,
  type MatrixPart,
  OFFICE_AND_COORDINATOR,
  OK,
  type Org,
  SIGNED_IN_OK,
} from '../matrix-types.ts';

/** a running course of the centre taught by the trainer, with the Raqqa member enrolled */
let made: { activityId: number; sessionId: number } | null = null;
function course(t: TestApp, o: Org) {
  if (!made) {
    const a = makeActivity(t.db, { organisingUnitId: o.units.centre.id, title: 'دورة مصفوفة البطاقات' });
    const s = makeSession(t.db, a.id, { trainerUserId: o.users.trainer.id });
    enrol(t.db, a.id, o.member.id);
    made = { activityId: a.id, sessionId: s.id };
  }
  return made;
}

// marking through cards and sheets: the session's trainer and the office
const MARKERS = { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: OK, member: DENY };

export const part: MatrixPart = {
  gets: {
    '/assets/jsQR.js': { expect: ALL_OK },
    // the member's own card, and those who manage cards of the Karama district (Raqqa's coordinator)
    '/members/:id/card': {
      expect: { anon: LOGIN, admin: OK, office: OK, coordinator: OK, trainer: DENY, member: OK },
      params: (_t, o) => ({ id: o.member.id }),
    },
    '/units/:id/cards': { expect: OFFICE_AND_COORDINATOR, params: (_t, o) => ({ id: o.units.karama.id }) },
    '/sessions/:id/scan': { expect: MARKERS, params: (t, o) => ({ id: course(t, o).sessionId }) },
    '/c/:code': { expect: SIGNED_IN_OK, params: () => ({ code: 'not-a-card' }) },
    '/activities/:id/sheet-entry': { expect: MARKERS, params: (t, o) => ({ id: course(t, o).activityId }) },
  },
  posts: ['/members/:id/card', '/units/:id/cards/issue', '/sessions/:id/scan', '/activities/:id/sheet-entry'],
};
