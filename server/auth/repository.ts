import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { authSessions, invitations, type Role, units, userRoles, users } from '../../db/schema.ts';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, prepared } from '../core/db.ts';

// the statements every signed-in request runs, built once per connection
const sessionQuery = (db: Db) =>
  db
    .select({
      id: authSessions.id,
      secretHash: authSessions.secretHash,
      lastVerifiedAt: authSessions.lastVerifiedAt,
      user: {
        id: users.id,
        username: users.username,
        displayName: users.displayName,
        memberId: users.memberId,
        locale: users.locale,
        active: users.active,
      },
    })
    .from(authSessions)
    .innerJoin(users, eq(users.id, authSessions.userId))
    .where(eq(authSessions.id, sql.placeholder('id')))
    .prepare();
const rolesQuery = (db: Db) =>
  db
    .select({ role: userRoles.role, unitId: userRoles.unitId, unitPath: units.path })
    .from(userRoles)
    .leftJoin(units, eq(units.id, userRoles.unitId))
    .where(eq(userRoles.userId, sql.placeholder('userId')))
    .prepare();

export type UserRow = typeof users.$inferSelect;

/** Queries for accounts, sign-in sessions and invitations. */
export class AuthRepository {
  constructor(private db: Db) {}

  findByLogin(login: string): UserRow | undefined {
    return this.db
      .select()
      .from(users)
      .where(or(eq(users.username, login), eq(users.phone, login)))
      .get();
  }

  findUser(id: number): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.id, id)).get();
  }

  /** roles of a user, with the materialised path of a coordinator's unit */
  roles(userId: number): { role: Role; unitId: number | null; unitPath: string | null }[] {
    return prepared(this.db, rolesQuery).all({ userId });
  }

  insertSession(row: typeof authSessions.$inferInsert): void {
    this.db.insert(authSessions).values(row).run();
  }

  /**
   * A sign-in session with the few facts of its user and their roles, which every request
   * needs: kept while the data is unchanged (dataCache), so a signed-in page does not read them
   * again. Signing out, a revocation, an expiry, a change of roles or of the account are
   * writes, and the next request reads them afresh; so is a write by another process.
   */
  signedIn(id: string) {
    return dataCache(this.db, 'sessions', 2000).get(id, () => {
      const session = prepared(this.db, sessionQuery).get({ id });
      return session ? deepFreeze({ ...session, roles: this.roles(session.user.id) }) : null;
    });
  }

  touchSession(id: string, at: Date): void {
    this.db.update(authSessions).set({ lastVerifiedAt: at }).where(eq(authSessions.id, id)).run();
  }

  deleteSession(id: string): void {
    this.db.delete(authSessions).where(eq(authSessions.id, id)).run();
  }

  deleteUserSessions(userId: number, exceptId?: string): void {
    this.db
      .delete(authSessions)
      .where(
        exceptId
          ? and(eq(authSessions.userId, userId), sql`${authSessions.id} <> ${exceptId}`)
          : eq(authSessions.userId, userId),
      )
      .run();
  }

  deleteSessionsBefore(before: Date): void {
    this.db.delete(authSessions).where(sql`${authSessions.lastVerifiedAt} < ${before.getTime()}`).run();
  }

  setPassword(userId: number, passwordHash: string): void {
    this.db.update(users).set({ passwordHash }).where(eq(users.id, userId)).run();
  }

  setPasswordNull(userId: number): void {
    this.db.update(users).set({ passwordHash: null }).where(eq(users.id, userId)).run();
  }

  setLocale(userId: number, locale: 'ar' | 'en'): void {
    this.db.update(users).set({ locale }).where(eq(users.id, userId)).run();
  }

  recordLogin(userId: number, at: Date): void {
    this.db.update(users).set({ lastLoginAt: at }).where(eq(users.id, userId)).run();
  }

  insertInvitation(row: typeof invitations.$inferInsert): void {
    this.db.insert(invitations).values(row).run();
  }

  invitationByHash(tokenHash: string) {
    return this.db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).get();
  }

  useInvitation(id: number, at: Date): boolean {
    const r = this.db
      .update(invitations)
      .set({ usedAt: at })
      .where(and(eq(invitations.id, id), isNull(invitations.usedAt)))
      .run();
    return r.changes === 1;
  }

  /** Invalidates every open invitation of these users (a new one replaces them). */
  expireInvitations(userIds: number[], at: Date): void {
    if (userIds.length === 0) return;
    this.db
      .update(invitations)
      .set({ usedAt: at })
      .where(and(inArray(invitations.userId, userIds), isNull(invitations.usedAt)))
      .run();
  }
}
