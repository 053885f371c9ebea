import type { AuditRepository } from '../core/audit.ts';
import { FormError, HttpError } from '../core/errors.ts';
import type { Viewer } from '../core/policy.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import type { AuthRepository } from './repository.ts';
import type { SessionManager } from './sessions.ts';
import { sha256Hex } from './tokens.ts';

const ACCOUNT_WINDOW_MS = 15 * 60 * 1000;
const ACCOUNT_MAX_FAILURES = 5;

/** Signing in and out, passwords and invitations. */
export class AuthService {
  /** failed attempts per account (lower-cased login) within the window */
  private failures = new Map<string, number[]>();

  constructor(
    private repo: AuthRepository,
    private sessions: SessionManager,
    private audit: AuditRepository,
  ) {}

  /** Checks the password; on success opens a new session (a new id on every login). */
  async login(login: string, password: string, ip: string): Promise<{ token: string; userId: number }> {
    const key = login.toLowerCase();
    const now = Date.now();
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < ACCOUNT_WINDOW_MS);
    if (recent.length >= ACCOUNT_MAX_FAILURES) {
      this.audit.record({ userId: null, action: 'auth.locked', entity: 'user', details: { login }, ip });
      throw new HttpError(429, 'auth.errors.accountLocked', { minutes: 15 });
    }
    const user = this.repo.findByLogin(login);
    // without an account, still spend the time of a hash check so timing reveals nothing
    const ok = await verifyPassword(user ? user.passwordHash : await dummyHash(), password);
    if (!user || !ok || !user.active) {
      recent.push(now);
      this.failures.set(key, recent);
      this.audit.record({ userId: user?.id ?? null, action: 'auth.failed', entity: 'user', entityId: user?.id, ip });
      throw new FormError({ login: 'auth.errors.badCredentials' });
    }
    this.failures.delete(key);
    const { token } = this.sessions.create(user.id);
    this.repo.recordLogin(user.id, new Date());
    this.audit.record({ userId: user.id, action: 'auth.login', entity: 'user', entityId: user.id, ip });
    return { token, userId: user.id };
  }

  logout(viewer: Viewer): void {
    this.sessions.revoke(viewer.sessionId);
    this.audit.record({ userId: viewer.userId, action: 'auth.logout', entity: 'user', entityId: viewer.userId });
  }

  async changePassword(viewer: Viewer, current: string, password: string): Promise<void> {
    const user = this.repo.findUser(viewer.userId);
    if (!user || !(await verifyPassword(user.passwordHash, current)))
      throw new FormError({ current: 'auth.errors.wrongPassword' });
    this.repo.setPassword(user.id, await hashPassword(password));
    // other devices are signed out; this one stays
    this.sessions.revokeAllOf(user.id, viewer.sessionId);
    this.audit.record({ userId: user.id, action: 'auth.password', entity: 'user', entityId: user.id });
  }

  setLocale(viewer: Viewer | null, locale: 'ar' | 'en'): void {
    if (viewer) this.repo.setLocale(viewer.userId, locale);
  }

  /** The invitation behind a link, if it is still usable. */
  invitation(token: string) {
    const inv = this.repo.invitationByHash(sha256Hex(token));
    if (!inv || inv.usedAt || inv.expiresAt.getTime() < Date.now()) return null;
    const user = this.repo.findUser(inv.userId);
    if (!user?.active) return null;
    return { invitation: inv, user };
  }

  /** Sets the password from an invitation (single use) and signs the person in. */
  async acceptInvitation(token: string, password: string): Promise<{ token: string }> {
    const found = this.invitation(token);
    if (!found) throw new HttpError(410, 'auth.errors.invitationInvalid');
    const passwordHash = await hashPassword(password);
    if (!this.repo.useInvitation(found.invitation.id, new Date()))
      throw new HttpError(410, 'auth.errors.invitationInvalid');
    this.repo.setPassword(found.user.id, passwordHash);
    this.sessions.revokeAllOf(found.user.id);
    this.audit.record({
      userId: found.user.id,
      action: 'auth.invitationAccepted',
      entity: 'user',
      entityId: found.user.id,
    });
    return { token: this.sessions.create(found.user.id).token };
  }
}
