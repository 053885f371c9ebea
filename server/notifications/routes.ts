import type { FastifyPluginAsync } from 'fastify';
import type { Feature } from '../core/features.ts';
import { parseQuery } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { withQuery } from '../core/urls.ts';
import { notificationsQuery } from './schemas.ts';
import { notificationsOf } from './service.ts';

/** /notifications: the signed-in user's notifications (the bell in the header counts the unread). */
const routes: FastifyPluginAsync = async (app) => {
  const service = notificationsOf(app);

  app.get('/notifications', async (req, reply) => {
    const q = parseQuery(notificationsQuery, req.query);
    const result = service.list(req.viewer, q);
    return reply.render('notifications/list', {
      ...result,
      q,
      withQuery: (c: Record<string, unknown>) => withQuery({ page: q.page, unread: q.unread ? 'on' : '' }, c),
    });
  });

  app.post('/notifications/:id/read', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const link = service.markRead(req.viewer, id);
    const open = (req.body as { open?: string } | undefined)?.open === '1';
    return reply.redirectWith(open && link ? link : '/notifications');
  });

  app.post('/notifications/read-all', async (req, reply) => {
    service.markAllRead(req.viewer);
    return reply.redirectWith('/notifications', 'notifications.allRead');
  });
};

export const feature: Feature = {
  name: 'notifications',
  routes,
  setup(app) {
    const service = notificationsOf(app);
    app.addHook('onClose', async () => service.close());
  },
};
