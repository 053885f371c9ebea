import { programmes } from '../../../db/schema.ts';
import { makeActivity, makeSession } from '../../activities/factories.ts';
import { DENY, LOGIN, type MatrixPart, OFFICE_AND_COORDINATOR, OK, SIGNED_IN_OK } from '../matrix-types.ts';

/** a draft course of the centre, taught by the org's trainer: office and trainer see it, not the member */
const course = (
  t: Parameters<NonNullable<MatrixPart['gets'][string]['params']>>[0],
  o: Parameters<NonNullable<MatrixPart['gets'][string]['params']>>[1],
) => {
  const a = makeActivity(t.db, { kind: 'course', status: 'draft', organisingUnitId: o.units.centre.id });
  const s = makeSession(t.db, {
    activityId: a.id,
    startsAt: new Date(Date.now() + 86_400_000),
    trainerUserId: o.users.trainer.id,
  });
  return { a, s };
};

export const part: MatrixPart = {
  gets: {
    '/activities': { expect: { ...SIGNED_IN_OK } },
    '/activities/new': { expect: OFFICE_AND_COORDINATOR },
    '/activities/:id': {
      expect: { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: OK, member: DENY },
      params: (t, o) => ({ id: course(t, o).a.id }),
    },
    '/activities/:id/edit': {
      expect: { anon: LOGIN, admin: OK, office: OK, coordinator: 404, trainer: DENY, member: 404 },
      params: (t, o) => ({ id: course(t, o).a.id }),
    },
    '/activities/:id/sessions': {
      expect: { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: OK, member: DENY },
      params: (t, o) => ({ id: course(t, o).a.id }),
    },
    '/activities/:id/calendar.ics': {
      expect: { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: OK, member: DENY },
      params: (t, o) => ({ id: course(t, o).a.id }),
    },
    '/sessions/:id': {
      expect: { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: OK, member: DENY },
      params: (t, o) => ({ id: course(t, o).s.id }),
    },
    '/sessions/:id/edit': {
      expect: { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: DENY, member: DENY },
      params: (t, o) => ({ id: course(t, o).s.id }),
    },
    '/materials/:id': { expect: { anon: LOGIN, admin: 404, office: 404, member: 404 }, params: () => ({ id: 999999 }) },
    '/programmes': { expect: OFFICE_AND_COORDINATOR },
    '/programmes/:id': {
      expect: OFFICE_AND_COORDINATOR,
      params: (t) => ({ id: t.db.insert(programmes).values({ title: 'برنامج' }).returning().get().id }),
    },
    '/calendar': { expect: SIGNED_IN_OK },
    '/calendar/print': { expect: SIGNED_IN_OK },
    '/calendar/:token.ics': {
      expect: { anon: 404, member: 404 },
      params: () => ({ token: 'nosuchtokennosuchtokennosuch' }),
    },
  },
  posts: [
    '/activities',
    '/activities/public-catalogue',
    '/activities/:id',
    '/activities/:id/status',
    '/activities/:id/materials',
    '/materials/:id/delete',
    '/activities/:id/sessions',
    '/activities/:id/sessions/generate',
    '/sessions/:id',
    '/sessions/:id/cancel',
    '/sessions/:id/restore',
    '/sessions/:id/delete',
    '/sessions/:id/materials',
    '/programmes',
    '/programmes/:id',
    '/programmes/:id/phases',
    '/phases/:id',
    '/phases/:id/move',
    '/calendar/token',
    '/calendar/token/revoke',
  ],
};
