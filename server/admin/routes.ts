import type { FastifyPluginAsync } from 'fastify';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { isAdmin, isOffice } from '../core/policy.ts';
import { publicBase, withQuery } from '../core/urls.ts';
import { auditQuery, newUserQuery, userFormSchema, usersQuery } from './schemas.ts';
import { AdminService } from './service.ts';

const routes: FastifyPluginAsync = async (app) => {
  const service = new AdminService(app.db, app.sessions, app.audit);

  app.get('/admin/users', async (req, reply) => {
    const q = parseQuery(usersQuery, req.query);
    const result = service.list(req.viewer, q);
    return reply.render('admin/users', { ...result, q, withQuery: (c: Record<string, unknown>) => withQuery(q, c) });
  });

  app.get('/admin/users/new', async (req, reply) => {
    const units = service.unitOptions(req.viewer);
    // "Create a login for this member" (a member's page) links here with ?memberId=
    const memberId = parseQuery(newUserQuery, req.query).memberId;
    const values = memberId ? { memberId, roleMember: true } : { roleMember: false };
    return reply.render('admin/user-form', { units, user: null, values });
  });

  app.post('/admin/users', async (req, reply) => {
    const units = service.unitOptions(req.viewer);
    try {
      const form = parseForm(userFormSchema, req.body);
      const { id, inviteToken } = service.create(req.viewer, form);
      return reply.render('admin/invited', {
        link: `${publicBase(req)}/invite/${inviteToken}`,
        userId: id,
        created: true,
      });
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('admin/user-form', { units, user: null }, err, req.body);
      throw err;
    }
  });

  app.get('/admin/users/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const { user, roles } = service.get(req.viewer, id);
    const units = service.unitOptions(req.viewer);
    const values = {
      username: user.username,
      displayName: user.displayName,
      phone: user.phone ?? '',
      email: user.email ?? '',
      memberId: user.memberId ?? '',
      roleAdmin: roles.some((r) => r.role === 'admin'),
      roleOffice: roles.some((r) => r.role === 'office'),
      roleTrainer: roles.some((r) => r.role === 'trainer'),
      roleMember: roles.some((r) => r.role === 'member'),
      coordinatorUnitId: roles.find((r) => r.role === 'coordinator')?.unitId ?? '',
    };
    return reply.render('admin/user-form', { units, user, values });
  });

  app.post('/admin/users/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const { user } = service.get(req.viewer, id);
    const units = service.unitOptions(req.viewer);
    try {
      service.update(req.viewer, id, parseForm(userFormSchema, req.body));
      return reply.redirectWith(`/admin/users/${id}`, 'common.saved');
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('admin/user-form', { units, user }, err, req.body);
      throw err;
    }
  });

  for (const [action, active] of [
    ['deactivate', false],
    ['activate', true],
  ] as const) {
    app.post(`/admin/users/:id/${action}`, async (req, reply) => {
      const id = parseId((req.params as { id: string }).id);
      try {
        service.setActive(req.viewer, id, active);
      } catch (err) {
        if (err instanceof FormError) {
          const { user } = service.get(req.viewer, id);
          return reply.renderForm('admin/user-form', { units: service.unitOptions(req.viewer), user }, err, {});
        }
        throw err;
      }
      return reply.redirectWith(`/admin/users/${id}`, active ? 'admin.activated' : 'admin.deactivated');
    });
  }

  app.post('/admin/users/:id/reset-password', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const token = service.resetPassword(req.viewer, id);
    return reply.render('admin/invited', { link: `${publicBase(req)}/invite/${token}`, userId: id, created: false });
  });

  app.get('/admin/audit', async (req, reply) => {
    const q = parseQuery(auditQuery, req.query);
    const result = service.auditPage(req.viewer, q);
    return reply.render('admin/audit', { ...result, q, withQuery: (c: Record<string, unknown>) => withQuery(q, c) });
  });
};

export const feature: Feature = {
  name: 'admin',
  routes,
  nav: [
    { href: '/admin/users', label: 'nav.users', order: 900, show: isOffice },
    { href: '/admin/audit', label: 'nav.audit', order: 910, show: isAdmin },
  ],
};
