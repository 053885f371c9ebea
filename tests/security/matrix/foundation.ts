import { ADMIN_ONLY, ALL_OK, LOGIN, type MatrixPart, OFFICE_ONLY, SIGNED_IN_OK } from '../matrix-types.ts';

export const part: MatrixPart = {
  gets: {
    '/': { expect: ALL_OK },
    '/healthz': { expect: ALL_OK },
    '/assets/taahil.css': { expect: ALL_OK },
    '/login': { expect: { ...ALL_OK, admin: LOGIN, office: LOGIN, coordinator: LOGIN, trainer: LOGIN, member: LOGIN } },
    '/account': { expect: SIGNED_IN_OK },
    '/invite/:token': { expect: { anon: 410 }, params: () => ({ token: 'not-a-token' }) },
    '/admin/users': { expect: OFFICE_ONLY },
    '/admin/users/new': { expect: OFFICE_ONLY },
    '/admin/users/:id': { expect: OFFICE_ONLY, params: (_t, o) => ({ id: o.users.trainer.id }) },
    '/admin/audit': { expect: ADMIN_ONLY },
  },
  posts: [
    '/login',
    '/logout',
    '/lang/:lang',
    '/account/password',
    '/invite/:token',
    '/admin/users',
    '/admin/users/:id',
    '/admin/users/:id/deactivate',
    '/admin/users/:id/activate',
    '/admin/users/:id/reset-password',
  ],
};
