import { makeCouncil } from '../../factories.ts';
import { type MatrixPart, OFFICE_AND_COORDINATOR, OFFICE_ONLY } from '../matrix-types.ts';

const ownMember = (_t: unknown, o: { member: { id: number } }) => ({ id: o.member.id });

export const part: MatrixPart = {
  gets: {
    '/units': { expect: OFFICE_AND_COORDINATOR },
    '/units/:id': { expect: OFFICE_AND_COORDINATOR, params: (_t, o) => ({ id: o.units.karama.id }) },
    '/councils': { expect: OFFICE_ONLY },
    '/councils/:id': { expect: OFFICE_ONLY, params: (t) => ({ id: makeCouncil(t.db, { kind: 'women' }).id }) },
    '/members': { expect: OFFICE_AND_COORDINATOR },
    '/members/new': { expect: OFFICE_AND_COORDINATOR },
    '/members/:id': { expect: OFFICE_AND_COORDINATOR, params: ownMember },
    '/members/:id/edit': { expect: OFFICE_AND_COORDINATOR, params: ownMember },
    '/members/import': { expect: OFFICE_AND_COORDINATOR },
    '/members/import/sample.csv': { expect: OFFICE_AND_COORDINATOR },
    '/members/export.csv': { expect: OFFICE_AND_COORDINATOR },
  },
  posts: [
    '/units',
    '/units/:id',
    '/units/:id/move',
    '/units/:id/archive',
    '/units/:id/restore',
    '/units/:id/delete',
    '/councils',
    '/councils/:id',
    '/councils/:id/archive',
    '/councils/:id/restore',
    '/members',
    '/members/:id',
    '/members/import',
    '/members/import/confirm',
  ],
};
