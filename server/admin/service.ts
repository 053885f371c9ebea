import { AuthRepository } from '../auth/repository.ts';
import type { SessionManager } from '../auth/sessions.ts';
import { randomString, sha256Hex } from '../auth/tokens.ts';
import type { AuditRepository } from '../core/audit.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, notFound } from '../core/errors.ts';
import { authorize, isAdmin, type Viewer } from '../core/policy.ts';
import { AdminRepository, type RoleGrant } from './repository.ts';
import type { UserForm } from './schemas.ts';

export const INVITATION_DAYS = 7;
export const PAGE_SIZE = 50;

/** Users, roles, invitations: the office's and admin's account work. */
export class AdminService {
  private repo: AdminRepository;
  private auth: AuthRepository;

  constructor(
    private db: Db,
    private sessions: SessionManager,
    private audit: AuditRepository,
  ) {
    this.repo = new AdminRepository(db);
    this.auth = new AuthRepository(db);
  }

  list(viewer: Viewer | null, q: { q: string; status: 'all' | 'active' | 'inactive'; page: number }) {
    authorize(viewer, 'users.manage');
    const { rows, total } = this.repo.list({ ...q, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE });
    return { rows, total, page: q.page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  }

  get(viewer: Viewer | null, id: number) {
    authorize(viewer, 'users.manage');
    const user = this.repo.find(id);
    if (!user) throw notFound();
    const roles = this.repo.rolesOf([id]).get(id) ?? [];
    return { user, roles };
  }

  unitOptions(viewer: Viewer | null) {
    authorize(viewer, 'users.manage');
    return this.repo.unitOptions();
  }

  private grants(viewer: Viewer, form: UserForm): RoleGrant[] {
    const grants: RoleGrant[] = [];
    if (form.roleAdmin) {
      if (!isAdmin(viewer)) throw new FormError({ roleAdmin: 'admin.errors.onlyAdminGrantsAdmin' });
      grants.push({ role: 'admin', unitId: null });
    }
    if (form.roleOffice) grants.push({ role: 'office', unitId: null });
    if (form.roleTrainer) grants.push({ role: 'trainer', unitId: null });
    if (form.roleMember) {
      if (!form.memberId) throw new FormError({ memberId: 'admin.errors.memberRoleNeedsMember' });
      grants.push({ role: 'member', unitId: null });
    }
    if (form.coordinatorUnitId) {
      const unit = this.repo.unit(form.coordinatorUnitId);
      if (!unit || unit.archivedAt) throw new FormError({ coordinatorUnitId: 'admin.errors.unknownUnit' });
      grants.push({ role: 'coordinator', unitId: unit.id });
    }
    return grants;
  }

  private checkUnique(form: UserForm, exceptId?: number) {
    const errors: Record<string, string> = {};
    const byName = this.repo.findByUsername(form.username);
    if (byName && byName.id !== exceptId) errors.username = 'admin.errors.usernameTaken';
    if (form.phone) {
      const byPhone = this.repo.findByPhone(form.phone);
      if (byPhone && byPhone.id !== exceptId) errors.phone = 'admin.errors.phoneTaken';
    }
    if (form.memberId) {
      if (!this.repo.memberExists(form.memberId)) errors.memberId = 'admin.errors.unknownMember';
      else {
        const byMember = this.repo.findByMember(form.memberId);
        if (byMember && byMember.id !== exceptId) errors.memberId = 'admin.errors.memberHasLogin';
      }
    }
    if (Object.keys(errors).length) throw new FormError(errors);
  }

  /** Creates a user without a password and returns a single-use invitation link token. */
  create(viewer: Viewer | null, form: UserForm): { id: number; inviteToken: string } {
    authorize(viewer, 'users.manage');
    const grants = this.grants(viewer, form);
    this.checkUnique(form);
    return tx(this.db, () => {
      const id = this.repo.insert({
        username: form.username,
        displayName: form.displayName,
        phone: form.phone,
        email: form.email,
        memberId: form.memberId,
      });
      this.repo.setRoles(id, grants);
      const inviteToken = this.newInvitation(viewer, id);
      this.audit.record({
        userId: viewer.userId,
        action: 'user.create',
        entity: 'user',
        entityId: id,
        details: { ...form },
      });
      return { id, inviteToken };
    });
  }

  update(viewer: Viewer | null, id: number, form: UserForm): void {
    authorize(viewer, 'users.manage');
    const { user, roles } = this.get(viewer, id);
    // only an admin may change an admin's account
    if (roles.some((r) => r.role === 'admin') && !isAdmin(viewer))
      throw new FormError({ roleAdmin: 'admin.errors.onlyAdminGrantsAdmin' });
    const grants = this.grants(viewer, form);
    if (user.id === viewer.userId && roles.some((r) => r.role === 'admin') && !form.roleAdmin)
      throw new FormError({ roleAdmin: 'admin.errors.cannotDropOwnAdmin' });
    this.checkUnique(form, id);
    tx(this.db, () => {
      this.repo.update(id, {
        username: form.username,
        displayName: form.displayName,
        phone: form.phone,
        email: form.email,
        memberId: form.memberId,
      });
      this.repo.setRoles(id, grants);
      this.audit.record({
        userId: viewer.userId,
        action: 'user.update',
        entity: 'user',
        entityId: id,
        details: {
          before: { username: user.username, roles: roles.map((r) => `${r.role}${r.unitId ? `@${r.unitId}` : ''}`) },
          after: form,
        },
      });
    });
  }

  /** Deactivating ends every session of the user at once. */
  setActive(viewer: Viewer | null, id: number, active: boolean): void {
    const { user, roles } = this.get(viewer, id);
    if (user.id === viewer!.userId) throw new FormError({ _form: 'admin.errors.cannotDeactivateSelf' });
    if (roles.some((r) => r.role === 'admin') && !isAdmin(viewer))
      throw new FormError({ _form: 'admin.errors.onlyAdminGrantsAdmin' });
    tx(this.db, () => {
      this.repo.update(id, { active });
      if (!active) this.sessions.revokeAllOf(id);
      this.audit.record({
        userId: viewer!.userId,
        action: active ? 'user.activate' : 'user.deactivate',
        entity: 'user',
        entityId: id,
      });
    });
  }

  /** The old password stops working at once; the person sets a new one through the link. */
  resetPassword(viewer: Viewer | null, id: number): string {
    const { roles } = this.get(viewer, id);
    if (roles.some((r) => r.role === 'admin') && !isAdmin(viewer))
      throw new FormError({ _form: 'admin.errors.onlyAdminGrantsAdmin' });
    return tx(this.db, () => {
      this.auth.setPasswordNull(id);
      this.sessions.revokeAllOf(id);
      const token = this.newInvitation(viewer!, id);
      this.audit.record({ userId: viewer!.userId, action: 'user.resetPassword', entity: 'user', entityId: id });
      return token;
    });
  }

  private newInvitation(viewer: Viewer, userId: number): string {
    const token = randomString(32);
    const now = new Date();
    this.auth.expireInvitations([userId], now);
    this.auth.insertInvitation({
      tokenHash: sha256Hex(token),
      userId,
      createdBy: viewer.userId,
      expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000),
    });
    return token;
  }

  auditPage(viewer: Viewer | null, q: { entity: string; action: string; page: number }) {
    authorize(viewer, 'audit.read');
    const { rows, total } = this.audit.page({
      entity: q.entity || undefined,
      action: q.action || undefined,
      limit: PAGE_SIZE,
      offset: (q.page - 1) * PAGE_SIZE,
    });
    return { rows, total, page: q.page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  }
}
