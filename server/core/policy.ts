import type { ActivityKind, ActivityStatus, Role } from '../../db/schema.ts';
import { forbidden } from './errors.ts';
import type { Locale } from './i18n.ts';

/** The signed-in person as every service sees them. */
export interface Viewer {
  userId: number;
  username: string;
  displayName: string;
  memberId: number | null;
  locale: Locale | null;
  roles: Role[];
  /** units (with their materialised paths) this user coordinates; each covers its subtree */
  coordinatorUnits: { id: number; path: string }[];
  sessionId: string;
}

/** What the activity rules need to know about one activity and one viewer. */
export interface ActivityAccess {
  status: ActivityStatus;
  organisingUnitPath: string;
  /** the viewer teaches one of its sessions */
  teaches: boolean;
  /** the viewer's member has an enrolment in it (any status) */
  enrolled: boolean;
  /** the viewer's member is in its audience (audience.ts inAudience) */
  inAudience: boolean;
}

export const isAdmin = (v: Viewer | null) => !!v?.roles.includes('admin');
/** admin and office staff: the Qualification Office, which sees and plans everything */
export const isOffice = (v: Viewer | null) => !!v && (v.roles.includes('admin') || v.roles.includes('office'));
export const isCoordinator = (v: Viewer | null) => !!v?.roles.includes('coordinator') && v.coordinatorUnits.length > 0;
export const isTrainer = (v: Viewer | null) => !!v?.roles.includes('trainer');
export const isMember = (v: Viewer | null) => !!v && v.memberId !== null;

/**
 * Which part of the unit tree a viewer acts on: 'all' for the office, otherwise the
 * path prefixes of the coordinated units (empty: no unit at all).
 */
export function unitScope(v: Viewer | null): 'all' | string[] {
  if (isOffice(v)) return 'all';
  if (!v) return [];
  return v.coordinatorUnits.map((u) => u.path);
}

/** The viewer's unit scope as a key for what is kept per scope ('*' for the office). */
export function unitScopeKey(v: Viewer | null): string {
  const scope = unitScope(v);
  return scope === 'all' ? '*' : scope.join(' ');
}

/** Whether a unit (given by its materialised path) lies in the viewer's scope. */
export function inScope(v: Viewer | null, unitPath: string | null | undefined): boolean {
  if (isOffice(v)) return true;
  if (!v || !unitPath) return false;
  return v.coordinatorUnits.some((u) => unitPath.startsWith(u.path));
}

/**
 * The one place that answers "may this viewer do X (to this thing)". Services ask it
 * before reading or changing anything; routes never decide on their own.
 */
export const permissions = {
  'users.manage': (v: Viewer | null) => isOffice(v),
  'users.grantAdmin': (v: Viewer | null) => isAdmin(v),
  'audit.read': (v: Viewer | null) => isAdmin(v),
  'units.manage': (v: Viewer | null) => isOffice(v),
  'units.view': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  'councils.manage': (v: Viewer | null) => isOffice(v),
  'settings.manage': (v: Viewer | null) => isOffice(v),

  // ---- organisation: units, councils, members (server/units, server/councils, server/members)
  'members.list': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  /** manage a member of the given unit */
  'members.manageIn': (v: Viewer | null, unitPath?: string | null) => inScope(v, unitPath),
  /** see one unit's page: the office any unit, a coordinator the units of its subtree */
  'units.viewOne': (v: Viewer | null, unitPath?: string | null) =>
    (isOffice(v) || isCoordinator(v)) && inScope(v, unitPath),
  /** import members from CSV (rows are then checked unit by unit with members.manageIn) */
  'members.import': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  // ---- end organisation

  // ---- activities: programmes, activities, sessions, materials, calendars
  'programmes.manage': (v: Viewer | null) => isOffice(v),
  'programmes.view': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  /** plan (create, edit, schedule, change status of) an activity of this kind organised by this unit */
  'activities.plan': (v: Viewer | null, kind?: ActivityKind, unitPath?: string | null) =>
    isOffice(v) || (isCoordinator(v) && kind !== undefined && kind !== 'course' && inScope(v, unitPath)),
  /** may plan at all (the "new activity" button) */
  'activities.create': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  /**
   * see one activity: planners in scope; coordinators every activity past draft (they nominate);
   * its trainers; enrolled members; members of its audience once it is no longer a draft
   */
  'activities.view': (v: Viewer | null, a?: ActivityAccess) =>
    !!a &&
    (isOffice(v) ||
      (isCoordinator(v) && (a.status !== 'draft' || inScope(v, a.organisingUnitPath))) ||
      a.teaches ||
      a.enrolled ||
      (a.status !== 'draft' && a.inAudience)),
  /** the staff view of the catalogue (every status, status filter) */
  'activities.listAll': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  'activities.publicCatalogue': (v: Viewer | null) => isOffice(v),
  /** attach or remove materials: planners in scope and the activity's trainers */
  'materials.manage': (v: Viewer | null, a?: ActivityAccess & { kind: ActivityKind }) =>
    !!a && (can(v, 'activities.plan', a.kind, a.organisingUnitPath) || a.teaches),
  'calendar.unit': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  // ---- end activities

  // ---- enrolment: enrolments, nominations, notifications
  /** enrol oneself (needs a login linked to a member) */
  'enrolments.self': (v: Viewer | null) => isMember(v),
  /** decide nominations and enrolments (approve, reject, waitlist, over-capacity override) */
  'enrolments.decide': (v: Viewer | null) => isOffice(v),
  /** nominate a member of the given unit (coordinators: only inside their subtree) */
  'enrolments.nominateIn': (v: Viewer | null, memberUnitPath?: string | null) =>
    isOffice(v) || (isCoordinator(v) && inScope(v, memberUnitPath)),
  /** open the nomination page of an activity */
  'enrolments.nominate': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  /** the review queue (office) or one's own nominations (coordinator) */
  'enrolments.queue': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  /** an activity's roster: the office, a coordinator over its organising unit, its trainers */
  'enrolments.roster': (v: Viewer | null, organisingUnitPath?: string | null, trainsIt?: boolean) =>
    isOffice(v) || (isCoordinator(v) && inScope(v, organisingUnitPath)) || (isTrainer(v) && !!trainsIt),
  /** one enrolment and its history: the member, the nominating coordinator, coordinators over the member, the office */
  'enrolments.view': (
    v: Viewer | null,
    e?: {
      memberId: number;
      nominatedByUserId: number | null;
      memberUnitPath: string;
      nominatedByUnitPath: string | null;
    },
  ) =>
    !!v &&
    !!e &&
    (isOffice(v) ||
      v.memberId === e.memberId ||
      v.userId === e.nominatedByUserId ||
      (isCoordinator(v) && (inScope(v, e.memberUnitPath) || inScope(v, e.nominatedByUnitPath)))),
  /** give units seat quotas and nomination deadlines for an activity */
  'enrolments.quotas': (v: Viewer | null) => isOffice(v),
  /** rank the nominees of a quota unit: the office, or a coordinator whose subtree holds the unit */
  'enrolments.rankIn': (v: Viewer | null, quotaUnitPath?: string | null) =>
    isOffice(v) || (isCoordinator(v) && inScope(v, quotaUnitPath)),
  /**
   * confirm or decline an approved quota seat: the member; for a member without a login,
   * the office or a coordinator over the member or the nominating unit
   */
  'enrolments.confirm': (
    v: Viewer | null,
    e?: { memberId: number; memberHasLogin: boolean; memberUnitPath: string; nominatedByUnitPath: string | null },
  ) =>
    !!v &&
    !!e &&
    (v.memberId === e.memberId ||
      (!e.memberHasLogin &&
        (isOffice(v) || (isCoordinator(v) && (inScope(v, e.memberUnitPath) || inScope(v, e.nominatedByUnitPath)))))),
  // ---- end enrolment

  // ---- attendance
  /** mark a session's attendance: its trainer or the office (the edit window is checked by the service) */
  'attendance.mark': (v: Viewer | null, session?: { trainerUserId: number | null }) =>
    isOffice(v) || (!!v && !!session && session.trainerUserId === v.userId),
  /** the trainer's "today" page: trainers and the office */
  'attendance.today': (v: Viewer | null) => isOffice(v) || isTrainer(v),
  /** see attendance of members of a unit: the office, or a coordinator whose subtree holds it */
  'attendance.viewIn': (v: Viewer | null, unitPath?: string | null) => inScope(v, unitPath),
  /** self check-in with a session's code: anyone signed in (the service needs a linked member) */
  'attendance.checkin': (v: Viewer | null) => !!v,
  // ---- end attendance

  // ---- completion and certificates
  /** every enrolment's progress of an activity: the office, or a trainer of one of its sessions */
  'completion.viewAll': (v: Viewer | null, trainsIt?: boolean) => isOffice(v) || (isTrainer(v) && !!trainsIt),
  /** one member's progress, record and certificates: the member, their coordinators, the office */
  'completion.viewMember': (v: Viewer | null, memberId?: number, unitPath?: string | null) =>
    isOffice(v) ||
    (!!v && v.memberId !== null && v.memberId === memberId) ||
    (isCoordinator(v) && inScope(v, unitPath)),
  /** assessment scores: the office or a trainer of the activity */
  'completion.assess': (v: Viewer | null, trainsIt?: boolean) => isOffice(v) || (isTrainer(v) && !!trainsIt),
  'completion.override': (v: Viewer | null) => isOffice(v),
  'completion.decide': (v: Viewer | null) => isOffice(v),
  'completion.eligibility': (v: Viewer | null) => isOffice(v),
  'certificates.manage': (v: Viewer | null) => isOffice(v),
  // ---- end completion

  // ---- reports and dashboards
  'reports.view': (v: Viewer | null) => isOffice(v) || isCoordinator(v),
  /** read the reports of a unit's subtree: the office any unit, a coordinator its own subtree */
  'reports.viewUnit': (v: Viewer | null, unitPath?: string | null) =>
    (isOffice(v) || isCoordinator(v)) && inScope(v, unitPath),
  // ---- end reports

  // ---- field attendance, follow-up
  /** keep rosters on the phone (the offline rosters page and its sync): trainers and the office */
  'field.offline': (v: Viewer | null) => isOffice(v) || isTrainer(v),
  /** the hall's live check-in screen of a session: whoever may mark it, and whoever sees its organiser's attendance */
  'field.hall': (v: Viewer | null, s?: { trainerUserId: number | null; organisingUnitPath: string }) =>
    !!s && (can(v, 'attendance.mark', s) || can(v, 'attendance.viewIn', s.organisingUnitPath)),
  // ---- cards: member cards, card scanning, sign-in sheets read back
  /** issue, revoke, reissue and print the cards of members of a unit: the office, coordinators over it */
  'cards.manageIn': (v: Viewer | null, unitPath?: string | null) =>
    (isOffice(v) || isCoordinator(v)) && inScope(v, unitPath),
  /** see one member's card: those who manage it, and the member themself */
  'cards.view': (v: Viewer | null, m?: { id: number; unitPath: string }) =>
    !!m && (((isOffice(v) || isCoordinator(v)) && inScope(v, m.unitPath)) || (!!v && v.memberId === m.id)),
  // ---- end cards
  // ---- end field

  // ---- followup: apologies, absence alerts, weekly digests (server/followup)
  /** send or withdraw one's own apology (the service checks the session is theirs and upcoming) */
  'apologies.send': (v: Viewer | null) => isMember(v),
  /** accept or refuse an apology: the session's trainer or the office (coordinators only read) */
  'apologies.decide': (v: Viewer | null, session?: { trainerUserId: number | null }) =>
    isOffice(v) || (!!v && !!session && session.trainerUserId === v.userId),
  /** see one apology and its attachment: its member, the session's trainer, the office, coordinators over the member */
  'apologies.view': (
    v: Viewer | null,
    a?: { memberId: number; trainerUserId: number | null; memberUnitPath: string },
  ) =>
    !!v &&
    !!a &&
    (isOffice(v) ||
      v.memberId === a.memberId ||
      (a.trainerUserId !== null && a.trainerUserId === v.userId) ||
      (isCoordinator(v) && inScope(v, a.memberUnitPath))),
  /** the apologies page: members (their own), trainers (their sessions), coordinators (their members), the office */
  'apologies.queue': (v: Viewer | null) => isOffice(v) || isTrainer(v) || isCoordinator(v) || isMember(v),
  /** a unit's weekly digest: the office any unit, a coordinator the units of its subtree */
  'followup.digest': (v: Viewer | null, unitPath?: string | null) =>
    (isOffice(v) || isCoordinator(v)) && inScope(v, unitPath),
  // ---- end followup
} as const;

export type Permission = keyof typeof permissions;

export function can<P extends Permission>(
  v: Viewer | null,
  permission: P,
  ...args: Parameters<(typeof permissions)[P]> extends [any, ...infer R] ? R : never
): boolean {
  return (permissions[permission] as (v: Viewer | null, ...a: unknown[]) => boolean)(v, ...args);
}

/** Throws 403 unless the viewer may. */
export function authorize<P extends Permission>(
  v: Viewer | null,
  permission: P,
  ...args: Parameters<(typeof permissions)[P]> extends [any, ...infer R] ? R : never
): asserts v is Viewer {
  if (!v || !can(v, permission, ...args)) throw forbidden();
}
