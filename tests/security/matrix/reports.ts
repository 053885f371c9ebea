import { DENY, LOGIN, type MatrixPart, OFFICE_AND_COORDINATOR } from '../matrix-types.ts';

export const part: MatrixPart = {
  gets: {
    '/reports': {
      expect: { anon: LOGIN, admin: 302, office: 302, coordinator: 302, trainer: DENY, member: DENY },
    },
    '/reports/monthly': { expect: OFFICE_AND_COORDINATOR },
    '/reports/monthly.csv': { expect: OFFICE_AND_COORDINATOR },
    '/reports/follow-up': { expect: OFFICE_AND_COORDINATOR },
    '/reports/follow-up.csv': { expect: OFFICE_AND_COORDINATOR },
  },
  posts: [],
};
