import type { FastifyPluginAsync } from 'fastify';
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

  app.get('/record', async (req, reply) => {
    if (!req.viewer?.memberId) return reply.redirect('/');
    return reply.redirect(`/members/${req.viewer.memberId}/record`);
  });
};

export const feature: Feature = {
  name: 'record',
  routes,
  nav: [{ href: '/record', label: 'record.myRecord', order: 600, show: isMember }],
};
