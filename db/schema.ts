/**
 * Taahil's whole data model. Every change here is followed by `npm run db:generate`
 * and the generated SQL migration is committed (db/migrations).
 *
 * Conventions: times are UTC instants stored as integer milliseconds (Drizzle's
 * `timestamp_ms` mode gives Date objects); nothing with history is hard-deleted
 * (archived_at / status columns instead); `units.path` is a materialised path
 * ("/1/4/17/") so a subtree is one indexed prefix match.
 */
import { sql } from 'drizzle-orm';
import {
  type AnySQLiteColumn,
  blob,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

const ts = (name: string) => integer(name, { mode: 'timestamp_ms' });
const bool = (name: string) => integer(name, { mode: 'boolean' });
const createdAt = () => ts('created_at').notNull().default(sql`(cast(unixepoch('subsec') * 1000 as integer))`);

// ---------------------------------------------------------------- organisation

export const UNIT_KINDS = ['centre', 'city', 'district', 'other'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export const units = sqliteTable(
  'units',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    parentId: integer('parent_id').references((): AnySQLiteColumn => units.id),
    kind: text('kind', { enum: UNIT_KINDS }).notNull(),
    nameAr: text('name_ar').notNull(),
    nameEn: text('name_en'),
    /** materialised path of ids, e.g. "/1/4/17/" (this unit's own id last) */
    path: text('path').notNull().default(''),
    archivedAt: ts('archived_at'),
    createdAt: createdAt(),
  },
  (t) => [index('units_parent_idx').on(t.parentId), index('units_path_idx').on(t.path)],
);

export const councils = sqliteTable('councils', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  nameAr: text('name_ar').notNull(),
  nameEn: text('name_en'),
  description: text('description'),
  /** the kind of group the reports count: women / youth / other */
  kind: text('kind', { enum: ['women', 'youth', 'other'] })
    .notNull()
    .default('other'),
  archivedAt: ts('archived_at'),
  createdAt: createdAt(),
});

export const GENDERS = ['f', 'm'] as const;
export const MEMBER_STATUSES = ['active', 'inactive'] as const;

export const members = sqliteTable(
  'members',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    fullName: text('full_name').notNull(),
    nameLatin: text('name_latin'),
    /** normalised Arabic + Latin name for searching (see server/core/arabic.ts) */
    nameSearch: text('name_search').notNull(),
    unitId: integer('unit_id')
      .notNull()
      .references(() => units.id),
    gender: text('gender', { enum: GENDERS }).notNull(),
    birthYear: integer('birth_year'),
    /** normalised E.164-like phone, e.g. +963944123456 */
    phone: text('phone'),
    isExecutive: bool('is_executive').notNull().default(false),
    status: text('status', { enum: MEMBER_STATUSES }).notNull().default('active'),
    notes: text('notes'),
    /** unguessable token printed as a QR code on the member card; null = no valid card */
    cardToken: text('card_token'),
    cardIssuedAt: ts('card_issued_at'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at'),
  },
  (t) => [
    index('members_unit_idx').on(t.unitId, t.status),
    // a unit's members in name order (then id, the index's rowid): the list sorted by unit reads
    // the units in path order and each one's members along this, and stops after a page. Apart
    // from members_unit_idx, which stays small for the counts and subtree sets that read it whole
    index('members_unit_name_idx').on(t.unitId, t.status, t.nameSearch),
    index('members_name_idx').on(t.nameSearch),
    // the list sorted by birth year (then name and id) reads this in order; a member's status and
    // unit (a coordinator's scope) are checked here, without reading the row
    index('members_birth_idx').on(t.birthYear, t.nameSearch, t.status, t.unitId),
    index('members_phone_idx').on(t.phone),
    uniqueIndex('members_card_token_idx').on(t.cardToken),
    // the active members with a card, per unit: the cards' print run counts them without reading
    // the table (server/cards/repository.ts)
    index('members_card_unit_idx').on(t.unitId, t.status).where(sql`card_token is not null`),
  ],
);

/**
 * The member search's word index: every word of a member's `name_search`, and the word
 * without its article "ال" ("الخلف" also as "خلف"), one row per (word, member). Written
 * only by the triggers of migration 0003 (members_words_*) whenever a member's
 * name_search is inserted, changed or deleted; a search reads a prefix range per typed
 * word (server/members/search.ts and MembersRepository). The table is WITHOUT ROWID in the
 * migration (Drizzle cannot declare it), so the primary key is the table itself.
 */
export const memberWords = sqliteTable(
  'member_words',
  {
    token: text('token').notNull(),
    memberId: integer('member_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.token, t.memberId] }),
    // a member's words: the name-order page of a broad search checks each listed member here
    index('member_words_member_idx').on(t.memberId, t.token),
  ],
);

export const memberCouncils = sqliteTable(
  'member_councils',
  {
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id),
    councilId: integer('council_id')
      .notNull()
      .references(() => councils.id),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.councilId] }), index('member_councils_council_idx').on(t.councilId)],
);

// ---------------------------------------------------------------- accounts

export const ROLES = ['admin', 'office', 'coordinator', 'trainer', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    username: text('username').notNull(),
    phone: text('phone'),
    displayName: text('display_name').notNull(),
    /** argon2id hash; null until the person accepts an invitation */
    passwordHash: text('password_hash'),
    memberId: integer('member_id').references(() => members.id),
    locale: text('locale', { enum: ['ar', 'en'] }),
    active: bool('active').notNull().default(true),
    /** private iCalendar subscription token; null = none issued */
    calendarToken: text('calendar_token'),
    email: text('email'),
    lastLoginAt: ts('last_login_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_username_idx').on(t.username),
    uniqueIndex('users_phone_idx').on(t.phone),
    uniqueIndex('users_member_idx').on(t.memberId),
    uniqueIndex('users_calendar_token_idx').on(t.calendarToken),
  ],
);

export const userRoles = sqliteTable(
  'user_roles',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    role: text('role', { enum: ROLES }).notNull(),
    /** for coordinators: the unit whose subtree they act on */
    unitId: integer('unit_id').references(() => units.id),
  },
  (t) => [index('user_roles_user_idx').on(t.userId), index('user_roles_unit_idx').on(t.unitId)],
);

/** Login sessions, after Lucia's guide: id + SHA-256 of the secret, sliding expiry. */
export const authSessions = sqliteTable(
  'auth_sessions',
  {
    id: text('id').primaryKey(),
    secretHash: blob('secret_hash', { mode: 'buffer' }).notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: ts('created_at').notNull(),
    lastVerifiedAt: ts('last_verified_at').notNull(),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

export const invitations = sqliteTable(
  'invitations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** SHA-256 (hex) of the token in the link */
    tokenHash: text('token_hash').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    createdBy: integer('created_by').references(() => users.id),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('invitations_token_idx').on(t.tokenHash)],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: createdAt(),
    userId: integer('user_id').references(() => users.id),
    /** e.g. "user.create", "member.update", "enrolment.approve" */
    action: text('action').notNull(),
    entity: text('entity').notNull(),
    entityId: integer('entity_id'),
    /** JSON with before/after or other details */
    details: text('details'),
    ip: text('ip'),
  },
  (t) => [index('audit_entity_idx').on(t.entity, t.entityId), index('audit_at_idx').on(t.at)],
);

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Counters raised by triggers (migration 0006), read to know whether figures kept in memory
 * still hold. `settled` counts the writes that can change figures of a period that ended more
 * than two days ago (SETTLED_AFTER_MS in server/core/cache.ts): a mark, a session, an activity,
 * a completion or a certificate dated before then, and any change of the organisation's units,
 * councils or of a member's unit, gender or birth year. Today's check-ins and roster saves do
 * not raise it.
 */
export const dataStamps = sqliteTable('data_stamps', {
  name: text('name').primaryKey(),
  n: integer('n').notNull().default(0),
});

// ---------------------------------------------------------------- planning

export const programmes = sqliteTable('programmes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  title: text('title').notNull(),
  description: text('description'),
  organisingUnitId: integer('organising_unit_id').references(() => units.id),
  archivedAt: ts('archived_at'),
  createdBy: integer('created_by').references(() => users.id),
  createdAt: createdAt(),
});

export const phases = sqliteTable(
  'phases',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    programmeId: integer('programme_id')
      .notNull()
      .references(() => programmes.id),
    position: integer('position').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    /** completing the previous phase is required before enrolling in this one */
    requiresPrevious: bool('requires_previous').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('phases_programme_idx').on(t.programmeId, t.position)],
);

export const ACTIVITY_KINDS = ['course', 'seminar', 'lecture', 'circle'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
export const ACTIVITY_STATUSES = ['draft', 'open', 'running', 'finished', 'cancelled'] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];
export const AUDIENCE_KINDS = ['everyone', 'units', 'councils'] as const;

export const activities = sqliteTable(
  'activities',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ACTIVITY_KINDS }).notNull(),
    title: text('title').notNull(),
    /** e.g. "الشهيدة ناديا الخشان" */
    honoree: text('honoree'),
    /** number in its series, e.g. 1 for "الدورة التدريبية الأولى" */
    seriesNumber: integer('series_number'),
    description: text('description'),
    /** curriculum topics, one per line */
    topics: text('topics'),
    programmeId: integer('programme_id').references(() => programmes.id),
    phaseId: integer('phase_id').references(() => phases.id),
    organisingUnitId: integer('organising_unit_id')
      .notNull()
      .references(() => units.id),
    /** audience: everyone, a unit subtree (audienceUnitId), or councils (activity_councils) */
    audienceKind: text('audience_kind', { enum: AUDIENCE_KINDS }).notNull().default('everyone'),
    audienceUnitId: integer('audience_unit_id').references(() => units.id),
    executiveOnly: bool('executive_only').notNull().default(false),
    location: text('location'),
    capacity: integer('capacity'),
    /** members may enrol themselves (otherwise nominations only) */
    selfEnrol: bool('self_enrol').notNull().default(true),
    autoApprove: bool('auto_approve').notNull().default(false),
    enrolOpensAt: ts('enrol_opens_at'),
    enrolClosesAt: ts('enrol_closes_at'),
    withdrawCutoffAt: ts('withdraw_cutoff_at'),
    status: text('status', { enum: ACTIVITY_STATUSES }).notNull().default('draft'),
    cancelReason: text('cancel_reason'),
    // completion rule
    minAttendancePct: integer('min_attendance_pct').notNull().default(75),
    lateCounts: bool('late_counts').notNull().default(true),
    excusedExcluded: bool('excused_excluded').notNull().default(true),
    /** 'held' = sessions held so far, 'planned' = all planned sessions */
    denominator: text('denominator', { enum: ['held', 'planned'] })
      .notNull()
      .default('held'),
    /** weight an excused session counts as attended when not excluded (0..1) */
    excusedWeight: real('excused_weight').notNull().default(0),
    maxConsecutiveAbsences: integer('max_consecutive_absences'),
    dropLowest: integer('drop_lowest').notNull().default(0),
    hasAssessment: bool('has_assessment').notNull().default(false),
    passMark: integer('pass_mark'),
    /** notify member + coordinator after this many consecutive absences */
    absenceAlertAfter: integer('absence_alert_after'),
    // attendance settings
    checkinOpensBeforeMin: integer('checkin_opens_before_min').notNull().default(15),
    lateAfterMin: integer('late_after_min').notNull().default(10),
    editWindowDays: integer('edit_window_days').notNull().default(7),
    /** recurrence rule JSON (see server/sessions/recurrence.ts), kept to regenerate */
    recurrence: text('recurrence'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: ts('updated_at'),
  },
  (t) => [
    index('activities_status_idx').on(t.status, t.kind),
    index('activities_unit_idx').on(t.organisingUnitId),
    index('activities_phase_idx').on(t.phaseId),
  ],
);

export const activityCouncils = sqliteTable(
  'activity_councils',
  {
    activityId: integer('activity_id')
      .notNull()
      .references(() => activities.id),
    councilId: integer('council_id')
      .notNull()
      .references(() => councils.id),
  },
  (t) => [primaryKey({ columns: [t.activityId, t.councilId] })],
);

export const SESSION_STATUSES = ['scheduled', 'cancelled'] as const;

/** One meeting of an activity. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    activityId: integer('activity_id')
      .notNull()
      .references(() => activities.id),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    topic: text('topic'),
    trainerUserId: integer('trainer_user_id').references(() => users.id),
    place: text('place'),
    status: text('status', { enum: SESSION_STATUSES }).notNull().default('scheduled'),
    cancelReason: text('cancel_reason'),
    /** generated from the activity's rule (vs. added by hand) */
    fromRule: bool('from_rule').notNull().default(false),
    /** moved/edited by hand after generation: regeneration leaves it alone */
    detached: bool('detached').notNull().default(false),
    /** short self check-in code, unique among sessions */
    checkinCode: text('checkin_code'),
    /** precomputed: marks of this session / of them present or late (kept by triggers on attendance, migration 0002) */
    markedCount: integer('marked_count').notNull().default(0),
    attendedCount: integer('attended_count').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('sessions_activity_idx').on(t.activityId, t.startsAt),
    index('sessions_starts_idx').on(t.startsAt),
    index('sessions_trainer_idx').on(t.trainerUserId, t.startsAt),
    uniqueIndex('sessions_checkin_idx').on(t.checkinCode),
  ],
);

export const materials = sqliteTable(
  'materials',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    activityId: integer('activity_id')
      .notNull()
      .references(() => activities.id),
    sessionId: integer('session_id').references(() => sessions.id),
    /** the name the uploader gave; shown, never used as a path */
    filename: text('filename').notNull(),
    /** random name on disk under the uploads folder */
    storedName: text('stored_name').notNull(),
    mime: text('mime').notNull(),
    size: integer('size').notNull(),
    uploadedBy: integer('uploaded_by').references(() => users.id),
    uploadedAt: createdAt(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [index('materials_activity_idx').on(t.activityId)],
);

// ---------------------------------------------------------------- enrolment

export const ENROLMENT_STATUSES = [
  'nominated',
  'pending',
  'approved',
  'waitlisted',
  'rejected',
  'withdrawn',
  'completed',
  'not_completed',
] as const;
export type EnrolmentStatus = (typeof ENROLMENT_STATUSES)[number];
/** the statuses of an enrolment that holds a seat, is on the roster and counts for completion */
export const ENROLLED_STATUSES: EnrolmentStatus[] = ['approved', 'completed', 'not_completed'];

export const enrolments = sqliteTable(
  'enrolments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    activityId: integer('activity_id')
      .notNull()
      .references(() => activities.id),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id),
    source: text('source', { enum: ['self', 'nomination', 'office'] }).notNull(),
    nominatedByUnitId: integer('nominated_by_unit_id').references(() => units.id),
    nominatedByUserId: integer('nominated_by_user_id').references(() => users.id),
    note: text('note'),
    status: text('status', { enum: ENROLMENT_STATUSES }).notNull(),
    /** order on the waiting list (arrival order); null when not waitlisted */
    waitlistSeq: integer('waitlist_seq'),
    /** approved beyond capacity by an explicit office override */
    overCapacity: bool('over_capacity').notNull().default(false),
    /** coordinator's ranking of its nominees (quota flow) */
    rank: integer('rank'),
    /** nominee's confirmation in the quota flow: null / confirmed / declined */
    confirmation: text('confirmation', { enum: ['confirmed', 'declined'] }),
    assessmentScore: real('assessment_score'),
    /** completion decided by an office override, with reason in the history */
    completionOverridden: bool('completion_overridden').notNull().default(false),
    // precomputed attendance counters, kept by the attendance service
    attendedCount: integer('attended_count').notNull().default(0),
    lateCount: integer('late_count').notNull().default(0),
    excusedCount: integer('excused_count').notNull().default(0),
    absentCount: integer('absent_count').notNull().default(0),
    /** precomputed: a certificate row exists for this enrolment (kept by triggers on certificates, migration 0002) */
    certified: bool('certified').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: ts('updated_at'),
  },
  (t) => [
    uniqueIndex('enrolments_activity_member_idx').on(t.activityId, t.memberId),
    index('enrolments_member_idx').on(t.memberId),
    index('enrolments_status_idx').on(t.activityId, t.status),
    index('enrolments_unit_idx').on(t.nominatedByUnitId, t.status),
    // the nomination queue: its filters by the statuses of the few enrolments not seated (waiting,
    // waitlisted, refused, withdrawn), and a coordinator's own nominations (server/enrolments/
    // repository.ts list()). Partial: a query uses it only when it repeats this condition, so the
    // queries that select the seated statuses with another index keep theirs (an index on status
    // alone took over the eligibility list's plan)
    index('enrolments_unseated_idx').on(t.status).where(sql`status not in ('approved', 'completed', 'not_completed')`),
    index('enrolments_nominator_idx').on(t.nominatedByUserId),
    // the few completed enrolments still waiting for their certificate (the dashboard's "to issue")
    index('enrolments_uncertified_idx').on(t.activityId).where(sql`status = 'completed' and certified = 0`),
  ],
);

export const enrolmentEvents = sqliteTable(
  'enrolment_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    enrolmentId: integer('enrolment_id')
      .notNull()
      .references(() => enrolments.id),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    byUserId: integer('by_user_id').references(() => users.id),
    reason: text('reason'),
    at: createdAt(),
  },
  (t) => [
    index('enrolment_events_enrolment_idx').on(t.enrolmentId),
    // the monthly report counts completions of a month: (to_status, at) range
    index('enrolment_events_status_at_idx').on(t.toStatus, t.at),
  ],
);

export const unitQuotas = sqliteTable(
  'unit_quotas',
  {
    activityId: integer('activity_id')
      .notNull()
      .references(() => activities.id),
    unitId: integer('unit_id')
      .notNull()
      .references(() => units.id),
    seats: integer('seats').notNull(),
    nominationDeadline: ts('nomination_deadline'),
    confirmBy: ts('confirm_by'),
  },
  (t) => [primaryKey({ columns: [t.activityId, t.unitId] })],
);

// ---------------------------------------------------------------- attendance

export const ATTENDANCE_STATUSES = ['present', 'late', 'excused', 'absent'] as const;
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];

export const attendance = sqliteTable(
  'attendance',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sessionId: integer('session_id')
      .notNull()
      .references(() => sessions.id),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id),
    status: text('status', { enum: ATTENDANCE_STATUSES }).notNull(),
    note: text('note'),
    /** how it was marked: roster, checkin, card, sheet, apology */
    via: text('via').notNull().default('roster'),
    markedBy: integer('marked_by').references(() => users.id),
    markedAt: ts('marked_at').notNull(),
  },
  (t) => [
    uniqueIndex('attendance_session_member_idx').on(t.sessionId, t.memberId),
    index('attendance_member_idx').on(t.memberId, t.sessionId),
  ],
);

export const attendanceEvents = sqliteTable(
  'attendance_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sessionId: integer('session_id')
      .notNull()
      .references(() => sessions.id),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    note: text('note'),
    reason: text('reason'),
    via: text('via').notNull().default('roster'),
    byUserId: integer('by_user_id').references(() => users.id),
    at: ts('at').notNull(),
  },
  (t) => [index('attendance_events_session_idx').on(t.sessionId, t.memberId)],
);

export const apologies = sqliteTable(
  'apologies',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sessionId: integer('session_id')
      .notNull()
      .references(() => sessions.id),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id),
    reason: text('reason').notNull(),
    materialId: integer('material_id').references(() => materials.id),
    status: text('status', { enum: ['pending', 'accepted', 'refused'] })
      .notNull()
      .default('pending'),
    decidedBy: integer('decided_by').references(() => users.id),
    decidedAt: ts('decided_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('apologies_session_member_idx').on(t.sessionId, t.memberId)],
);

// ---------------------------------------------------------------- certificates

export const certificates = sqliteTable(
  'certificates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    enrolmentId: integer('enrolment_id')
      .notNull()
      .references(() => enrolments.id),
    /** unguessable public verification code */
    code: text('code').notNull(),
    hours: real('hours'),
    issuedAt: ts('issued_at').notNull(),
    issuedBy: integer('issued_by').references(() => users.id),
    revokedAt: ts('revoked_at'),
    revokedBy: integer('revoked_by').references(() => users.id),
    revokeReason: text('revoke_reason'),
  },
  (t) => [
    uniqueIndex('certificates_enrolment_idx').on(t.enrolmentId),
    uniqueIndex('certificates_code_idx').on(t.code),
    // the monthly report counts certificates issued in a month
    index('certificates_issued_idx').on(t.issuedAt),
  ],
);

// ---------------------------------------------------------------- notifications

export const notifications = sqliteTable(
  'notifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    /** translation key under "notify." */
    kind: text('kind').notNull(),
    /** JSON of parameters for the message */
    params: text('params'),
    link: text('link'),
    createdAt: createdAt(),
    readAt: ts('read_at'),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.readAt)],
);
