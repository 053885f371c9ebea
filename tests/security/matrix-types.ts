import type { makeOrg } from '../factories.ts';
import type { TestApp } from '../helpers.ts';

export type Who = 'anon' | 'admin' | 'office' | 'coordinator' | 'trainer' | 'member';
export const WHO: Who[] = ['anon', 'admin', 'office', 'coordinator', 'trainer', 'member'];
export const OK = 200;
export const LOGIN = 302; // redirect to the login page
export const DENY = 403;
export const ALL_OK: Record<Who, number> = {
  anon: OK,
  admin: OK,
  office: OK,
  coordinator: OK,
  trainer: OK,
  member: OK,
};
export const SIGNED_IN_OK: Record<Who, number> = { ...ALL_OK, anon: LOGIN };
export const OFFICE_ONLY: Record<Who, number> = {
  anon: LOGIN,
  admin: OK,
  office: OK,
  coordinator: DENY,
  trainer: DENY,
  member: DENY,
};
export const ADMIN_ONLY: Record<Who, number> = { ...OFFICE_ONLY, office: DENY };
export const OFFICE_AND_COORDINATOR: Record<Who, number> = { ...OFFICE_ONLY, coordinator: OK };

export type Org = Awaited<ReturnType<typeof makeOrg>>;

/**
 * One feature's part of the route × role table (tests/security/matrix/<feature>.ts).
 * `gets`: for each GET route, the status each viewer gets; `params` fills the route's
 * parameters (it may create the data it needs). `posts`: every state-changing route
 * ("METHOD /url" or "/url" for POST), which must refuse a missing CSRF token and a
 * signed-out caller.
 */
export interface MatrixPart {
  gets: Record<
    string,
    {
      expect: Partial<Record<Who, number>>;
      params?: (t: TestApp, org: Org) => Record<string, string | number> | Promise<Record<string, string | number>>;
    }
  >;
  posts: string[];
}
