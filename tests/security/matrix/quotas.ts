import { makeActivity } from '../../enrolment/factories.ts';
import { type MatrixPart, OFFICE_ONLY } from '../matrix-types.ts';

/** unit seat quotas (inside the enrolment feature) */
export const part: MatrixPart = {
  gets: {
    '/activities/:id/quotas': {
      expect: OFFICE_ONLY,
      params: (t, o) => ({ id: makeActivity(t.db, { organisingUnitId: o.units.centre.id }).id }),
    },
  },
  posts: [
    '/activities/:id/quotas',
    '/activities/:id/quotas/:unitId/remove',
    '/activities/:id/ranks',
    '/enrolments/:id/confirm',
    '/enrolments/:id/decline',
  ],
};
