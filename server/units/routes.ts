import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { isCoordinator, isOffice } from '../core/policy.ts';
import { moveSchema, treeQuery, unitEditSchema, unitFormSchema } from './schemas.ts';
import { UnitsService } from './service.ts';

/** "المركز العام" or, in English, the English name when there is one. */
export const unitName = (lang: string) => (u: { nameAr: string; nameEn: string | null }) =>
  lang === 'en' && u.nameEn ? u.nameEn : u.nameAr;

const routes: FastifyPluginAsync = async (app) => {
  const service = new UnitsService(app.db, app.audit);

  const renderTree = (req: FastifyRequest, reply: FastifyReply, err?: FormError) => {
    const q = parseQuery(treeQuery, req.query);
    const nodes = service.tree(req.viewer, { withArchived: q.archived === '1' });
    const data = {
      nodes,
      q,
      parents: isOffice(req.viewer) ? service.options(req.viewer) : [],
      canManage: isOffice(req.viewer),
      uname: unitName(req.locale),
    };
    if (err) return reply.renderForm('units/tree', data, err, req.body);
    return reply.render('units/tree', data);
  };

  const renderUnit = async (req: FastifyRequest, reply: FastifyReply, id: number, err?: FormError) => {
    const page = service.get(req.viewer, id);
    const panels = await app.panels.load('unit', req, page.unit);
    const parents = page.canManage ? service.options(req.viewer).filter((u) => !u.path.startsWith(page.unit.path)) : [];
    const data = { ...page, panels, parents, uname: unitName(req.locale) };
    if (err) return reply.renderForm('units/unit', data, err, req.body);
    return reply.render('units/unit', {
      ...data,
      values: {
        nameAr: page.unit.nameAr,
        nameEn: page.unit.nameEn ?? '',
        kind: page.unit.kind,
        parentId: page.unit.parentId ?? '',
      },
    });
  };

  app.get('/units', async (req, reply) => renderTree(req, reply));

  app.post('/units', async (req, reply) => {
    try {
      const unit = service.create(req.viewer, parseForm(unitFormSchema, req.body));
      return reply.redirectWith(`/units/${unit.id}`, 'units.created');
    } catch (err) {
      if (err instanceof FormError) return renderTree(req, reply, err);
      throw err;
    }
  });

  app.get('/units/:id', async (req, reply) => renderUnit(req, reply, parseId((req.params as { id: string }).id)));

  app.post('/units/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      service.update(req.viewer, id, parseForm(unitEditSchema, req.body));
      return reply.redirectWith(`/units/${id}`, 'common.saved');
    } catch (err) {
      if (err instanceof FormError) return renderUnit(req, reply, id, err);
      throw err;
    }
  });

  app.post('/units/:id/move', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      service.move(req.viewer, id, parseForm(moveSchema, req.body).parentId);
      return reply.redirectWith(`/units/${id}`, 'units.moved');
    } catch (err) {
      if (err instanceof FormError) return renderUnit(req, reply, id, err);
      throw err;
    }
  });

  const actions = [
    ['archive', 'units.archived', (v: typeof service) => v.archive.bind(v)],
    ['restore', 'units.restored', (v: typeof service) => v.restore.bind(v)],
  ] as const;
  for (const [action, flash, fn] of actions) {
    app.post(`/units/:id/${action}`, async (req, reply) => {
      const id = parseId((req.params as { id: string }).id);
      try {
        fn(service)(req.viewer, id);
        return reply.redirectWith(`/units/${id}`, flash);
      } catch (err) {
        if (err instanceof FormError) return renderUnit(req, reply, id, err);
        throw err;
      }
    });
  }

  app.post('/units/:id/delete', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      const unit = service.delete(req.viewer, id);
      return reply.redirectWith(unit.parentId ? `/units/${unit.parentId}` : '/units', 'units.deleted');
    } catch (err) {
      if (err instanceof FormError) return renderUnit(req, reply, id, err);
      throw err;
    }
  });
};

export const feature: Feature = {
  name: 'units',
  routes,
  nav: [{ href: '/units', label: 'units.nav', order: 200, show: (v) => isOffice(v) || isCoordinator(v) }],
};
