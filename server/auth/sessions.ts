import type { Role } from '../../db/schema.ts';
import { isLocale } from '../core/i18n.ts';
import type { Viewer } from '../core/policy.ts';
import type { AuthRepository } from './repository.ts';
import { constantTimeEqual, randomString, sha256 } from './tokens.ts';

export const SESSION_COOKIE = 'taahil_session';
/** how often a used session's expiry is pushed forward (Lucia's guide: at most hourly) */
const ACTIVITY_CHECK_MS = 60 * 60 * 1000;

/**
 * Sign-in sessions as Lucia's guide describes them: the token is "<id>.<secret>",
 * only SHA-256(secret) is stored, compared in constant time; a session expires after
 * a period without use (sliding), and can be revoked on the server at any time.
 */
export class SessionManager {
  constructor(
    private repo: AuthRepository,
    private inactivityMs: number,
    private now: () => Date = () => new Date(),
  ) {}

  create(userId: number): { token: string; id: string } {
    const id = randomString(24);
    const secret = randomString(24);
    const at = this.now();
    this.repo.insertSession({ id, secretHash: sha256(secret), userId, createdAt: at, lastVerifiedAt: at });
    return { token: `${id}.${secret}`, id };
  }

  /** Returns the viewer for a token, or null when the token is unknown, wrong or expired. */
  validate(token: string | undefined): Viewer | null {
    if (!token) return null;
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 100) return null;
    const id = token.slice(0, dot);
    const secret = token.slice(dot + 1);
    const session = this.repo.signedIn(id);
    if (!session) return null;
    if (!constantTimeEqual(sha256(secret), session.secretHash)) return null;
    const now = this.now();
    if (now.getTime() - session.lastVerifiedAt.getTime() >= this.inactivityMs) {
      this.repo.deleteSession(id);
      return null;
    }
    const user = session.user;
    if (!user.active) {
      this.repo.deleteSession(id);
      return null;
    }
    if (now.getTime() - session.lastVerifiedAt.getTime() >= ACTIVITY_CHECK_MS) this.repo.touchSession(id, now);
    const roles = session.roles;
    return {
      userId: user.id,
      username: user.username,
      displayName: user.displayName,
      memberId: user.memberId,
      locale: isLocale(user.locale) ? user.locale : null,
      roles: [...new Set(roles.map((r) => r.role as Role))],
      coordinatorUnits: roles
        .filter((r) => r.role === 'coordinator' && r.unitId !== null && r.unitPath)
        .map((r) => ({ id: r.unitId!, path: r.unitPath! })),
      sessionId: id,
    };
  }

  revoke(id: string): void {
    this.repo.deleteSession(id);
  }

  revokeAllOf(userId: number, exceptId?: string): void {
    this.repo.deleteUserSessions(userId, exceptId);
  }

  cookieMaxAgeSeconds(): number {
    return Math.floor(this.inactivityMs / 1000);
  }
}
