import { makeActivity, makeEnrolment } from '../../enrolment/factories.ts';
import { DENY, LOGIN, type MatrixPart, OFFICE_AND_COORDINATOR, OK, SIGNED_IN_OK } from '../matrix-types.ts';

const ROSTER = { ...OFFICE_AND_COORDINATOR };

export const part: MatrixPart = {
  gets: {
    '/enrolments': {
      expect: { anon: LOGIN, admin: DENY, office: DENY, coordinator: DENY, trainer: DENY, member: OK },
    },
    '/enrolments/:id': {
      expect: { anon: LOGIN, admin: OK, office: OK, coordinator: OK, trainer: DENY, member: OK },
      params: (t, o) => {
        const a = makeActivity(t.db, { organisingUnitId: o.units.centre.id });
        const e = makeEnrolment(t.db, {
          activityId: a.id,
          memberId: o.member.id,
          source: 'nomination',
          status: 'nominated',
          nominatedByUnitId: o.units.raqqa.id,
          nominatedByUserId: o.users.coordinator.id,
        });
        return { id: e.id };
      },
    },
    '/activities/:id/nominate': {
      expect: OFFICE_AND_COORDINATOR,
      params: (t, o) => ({ id: makeActivity(t.db, { organisingUnitId: o.units.centre.id }).id }),
    },
    '/activities/:id/roster': {
      expect: ROSTER,
      params: (t, o) => ({ id: makeActivity(t.db, { organisingUnitId: o.units.raqqa.id }).id }),
    },
    '/activities/:id/roster.csv': {
      expect: ROSTER,
      params: (t, o) => ({ id: makeActivity(t.db, { organisingUnitId: o.units.raqqa.id }).id }),
    },
    '/activities/:id/sign-in-sheet': {
      expect: ROSTER,
      params: (t, o) => ({ id: makeActivity(t.db, { organisingUnitId: o.units.raqqa.id }).id }),
    },
    '/nominations': { expect: OFFICE_AND_COORDINATOR },
    '/notifications': { expect: SIGNED_IN_OK },
  },
  posts: [
    '/activities/:id/enrol',
    '/activities/:id/withdraw',
    '/activities/:id/nominate',
    '/activities/:id/promote',
    '/nominations/decide',
    '/enrolments/:id/decide',
    '/notifications/:id/read',
    '/notifications/read-all',
  ],
};
