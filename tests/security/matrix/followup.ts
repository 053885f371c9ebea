import * as s from '../../../db/schema.ts';
import { enrol, makeActivity, makeSession } from '../../attendance/factories.ts';
import type { TestApp } from '../../helpers.ts';
import { DENY, LOGIN, type MatrixPart, OFFICE_AND_COORDINATOR, OK, type Org, SIGNED_IN_OK } from '../matrix-types.ts';

/**
 * The Raqqa member's pending apology for tomorrow's session of a course the trainer teaches;
 * its attachment's file is not on disk (those who may see it get 404, the others 403).
 */
let made: { apologyId: number } | null = null;
function apology(t: TestApp, o: Org) {
  if (!made) {
    const a = makeActivity(t.db, { organisingUnitId: o.units.centre.id, title: 'دورة مصفوفة الاعتذارات' });
    const session = makeSession(t.db, a.id, { startMin: 24 * 60, trainerUserId: o.users.trainer.id });
    enrol(t.db, a.id, o.member.id);
    const m = t.db
      .insert(s.materials)
      .values({
        activityId: a.id,
        sessionId: session.id,
        filename: 'x.pdf',
        storedName: 'missingfile',
        mime: 'application/pdf',
        size: 10,
      })
      .returning()
      .get();
    const row = t.db
      .insert(s.apologies)
      .values({ sessionId: session.id, memberId: o.member.id, reason: 'سفر', materialId: m.id })
      .returning()
      .get();
    made = { apologyId: row.id };
  }
  return made;
}

export const part: MatrixPart = {
  gets: {
    '/apologies': { expect: SIGNED_IN_OK },
    '/apologies/new': {
      expect: { anon: LOGIN, admin: DENY, office: DENY, coordinator: DENY, trainer: DENY, member: OK },
    },
    '/apologies/:id': {
      expect: { anon: LOGIN, admin: OK, office: OK, coordinator: OK, trainer: OK, member: OK },
      params: (t, o) => ({ id: apology(t, o).apologyId }),
    },
    '/apologies/:id/attachment': {
      expect: { anon: LOGIN, admin: 404, office: 404, coordinator: 404, trainer: 404, member: 404 },
      params: (t, o) => ({ id: apology(t, o).apologyId }),
    },
    '/followup/digest': { expect: OFFICE_AND_COORDINATOR },
  },
  posts: ['/apologies', '/apologies/:id/decide', '/apologies/:id/withdraw'],
};
