import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { isOffice } from '../core/policy.ts';
import { withQuery } from '../core/urls.ts';
import { unitName } from '../units/routes.ts';
import { councilFormSchema, councilQuery, councilsQuery } from './schemas.ts';
import { CouncilsService } from './service.ts';

const routes: FastifyPluginAsync = async (app) => {
  const service = new CouncilsService(app.db, app.audit);

  const renderList = (req: FastifyRequest, reply: FastifyReply, err?: FormError) => {
    const q = parseQuery(councilsQuery, req.query);
    const data = { rows: service.list(req.viewer, { withArchived: q.archived === '1' }), q };
    if (err) return reply.renderForm('councils/list', data, err, req.body);
    return reply.render('councils/list', { ...data, values: { kind: 'other' } });
  };

  const renderCouncil = (req: FastifyRequest, reply: FastifyReply, id: number, err?: FormError) => {
    const q = parseQuery(councilQuery, req.query);
    const page = service.get(req.viewer, id, q.page);
    const data = {
      ...page,
      uname: unitName(req.locale),
      withQuery: (c: Record<string, unknown>) => withQuery(q, c),
    };
    if (err) return reply.renderForm('councils/council', data, err, req.body);
    const c = page.council;
    return reply.render('councils/council', {
      ...data,
      values: { nameAr: c.nameAr, nameEn: c.nameEn ?? '', kind: c.kind, description: c.description ?? '' },
    });
  };

  app.get('/councils', async (req, reply) => renderList(req, reply));

  app.post('/councils', async (req, reply) => {
    try {
      const row = service.create(req.viewer, parseForm(councilFormSchema, req.body));
      return reply.redirectWith(`/councils/${row.id}`, 'councils.created');
    } catch (err) {
      if (err instanceof FormError) return renderList(req, reply, err);
      throw err;
    }
  });

  app.get('/councils/:id', async (req, reply) => renderCouncil(req, reply, parseId((req.params as { id: string }).id)));

  app.post('/councils/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      service.update(req.viewer, id, parseForm(councilFormSchema, req.body));
      return reply.redirectWith(`/councils/${id}`, 'common.saved');
    } catch (err) {
      if (err instanceof FormError) return renderCouncil(req, reply, id, err);
      throw err;
    }
  });

  for (const [action, archived] of [
    ['archive', true],
    ['restore', false],
  ] as const) {
    app.post(`/councils/:id/${action}`, async (req, reply) => {
      const id = parseId((req.params as { id: string }).id);
      service.setArchived(req.viewer, id, archived);
      return reply.redirectWith(`/councils/${id}`, archived ? 'councils.archived' : 'councils.restored');
    });
  }
};

export const feature: Feature = {
  name: 'councils',
  routes,
  nav: [{ href: '/councils', label: 'councils.nav', order: 210, show: isOffice }],
};
