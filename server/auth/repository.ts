import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { authSessions, invitations, type Role, units, userRoles, users } from '../../db/schema.ts';
import type { Db } from '../core/db.ts';

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
    return this.db
      .select({ role: userRoles.role, unitId: userRoles.unitId, unitPath: units.path })
      .from(userRoles)
      .leftJoin(units, eq(units.id, userRoles.unitId))
      .where(eq(userRoles.userId, userId))
      .all();
  }

  insertSession(row: typeof authSessions.$inferInsert): void {
    this.db.insert(authSessions).values(row).run();
  }

  session(id: string) {
    return this.db.select().from(authSessions).where(eq(authSessions.id, id)).get();
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
