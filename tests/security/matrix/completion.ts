import { certificates } from '../../../db/schema.ts';
import { enrol, makeActivity, makeProgramme, makeSessions } from '../../completion/factories.ts';
import type { TestApp } from '../../helpers.ts';
import { ALL_OK, DENY, LOGIN, type MatrixPart, OFFICE_ONLY, OK, type Org } from '../matrix-types.ts';

/** A finished course taught by "trainer" that org.member completed, with a certificate. */
function data(t: TestApp, org: Org) {
  const a = makeActivity(t.db, {
    organisingUnitId: org.units.centre.id,
    status: 'finished',
    hasAssessment: true,
    passMark: 50,
  });
  makeSessions(t.db, a.id, 2, { past: 2, trainerUserId: org.users.trainer.id });
  const e = enrol(t.db, a.id, org.member.id, 'completed');
  const cert = t.db
    .insert(certificates)
    .values({ enrolmentId: e.id, code: `matrix${a.id}abcdefghijkmnpqrs`, hours: 4, issuedAt: new Date() })
    .returning()
    .get();
  return { a, e, cert };
}

const MEMBER_VIEW = { anon: LOGIN, admin: OK, office: OK, coordinator: OK, trainer: DENY, member: OK };
const TRAINER_AND_OFFICE = { ...OFFICE_ONLY, trainer: OK };
const OWN_RECORD = { anon: LOGIN, admin: 404, office: 404, coordinator: 404, trainer: 404, member: OK };

export const part: MatrixPart = {
  gets: {
    '/activities/:id/completion': {
      expect: { ...ALL_OK, anon: LOGIN },
      params: (t, o) => ({ id: data(t, o).a.id }),
    },
    '/activities/:id/assessment': { expect: TRAINER_AND_OFFICE, params: (t, o) => ({ id: data(t, o).a.id }) },
    '/enrolments/:id/result': { expect: OFFICE_ONLY, params: (t, o) => ({ id: data(t, o).e.id }) },
    '/programmes/:id/eligibility': { expect: OFFICE_ONLY, params: (t) => ({ id: makeProgramme(t.db).programme.id }) },
    '/programmes/:id/eligibility.csv': {
      expect: OFFICE_ONLY,
      params: (t) => ({ id: makeProgramme(t.db).programme.id }),
    },
    '/activities/:id/certificates': { expect: OFFICE_ONLY, params: (t, o) => ({ id: data(t, o).a.id }) },
    '/certificates/:id': { expect: MEMBER_VIEW, params: (t, o) => ({ id: data(t, o).cert.id }) },
    '/verify': { expect: ALL_OK },
    '/verify/:code': { expect: ALL_OK, params: (t, o) => ({ code: data(t, o).cert.code }) },
    '/members/:id/record': { expect: MEMBER_VIEW, params: (_t, o) => ({ id: o.member.id }) },
    '/record': { expect: OWN_RECORD },
  },
  posts: [
    '/activities/:id/completion/decide',
    '/activities/:id/assessment',
    '/enrolments/:id/result',
    '/activities/:id/certificates',
    '/enrolments/:id/certificate',
    '/certificates/:id/revoke',
  ],
};
