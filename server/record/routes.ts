import type { FastifyPluginAsync } from 'fastify';
import { notFound } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseId } from '../core/ids.ts';
import { isMember } from '../core/policy.ts';
import { RecordService } from './service.ts';

const routes: FastifyPluginAsync = async (app) => {
  const service = new RecordService(app.db);

  app.get('/members/:id/record', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    return reply.render('record/record', service.record(req.viewer, id));
  });

  // the signed-in member's own record (the menu's link); accounts without a member have none
  app.get('/record', async (req, reply) => {
    if (!req.viewer?.memberId) throw notFound();
    return reply.render('record/record', service.record(req.viewer, req.viewer.memberId));
  });
};

export const feature: Feature = {
  name: 'record',
  routes,
  nav: [{ href: '/record', label: 'record.myRecord', order: 600, show: isMember }],
};
