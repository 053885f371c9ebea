import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { ActivityService } from '../activities/service.ts';
import type { Feature } from '../core/features.ts';
import { parseQuery } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { publicBase, withQuery } from '../core/urls.ts';
import { CalendarService } from './service.ts';

const calendarQuery = z.object({
  view: z.enum(['week', 'month']).default('week'),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .transform((v) => v ?? null),
  scope: z.enum(['mine', 'unit']).default('mine'),
  unit: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .transform((v) => v ?? null),
});

const routes: FastifyPluginAsync = async (app) => {
  const activities = new ActivityService(app.db, app.audit, app.events, app.config);
  const service = new CalendarService(app.db, app.audit, activities, app.config.TAAHIL_TZ);

  const page = (print: boolean) => async (req: any, reply: any) => {
    const q = parseQuery(calendarQuery, req.query);
    const data = service.page(req.viewer, print ? { ...q, view: 'week' } : q);
    const link = (c: Record<string, unknown>) => `/calendar${withQuery({ ...data.q }, c)}`;
    return reply.render(print ? 'calendar/print' : 'calendar/index', {
      ...data,
      link,
      feedUrl: data.token ? `${publicBase(req)}/calendar/${data.token}.ics` : null,
      bodyClass: print ? 'print-page' : '',
    });
  };

  app.get('/calendar', page(false));
  app.get('/calendar/print', page(true));

  app.post('/calendar/token', async (req, reply) => {
    service.newToken(req.viewer);
    return reply.redirectWith('/calendar#subscribe', 'calendar.tokenCreated');
  });

  app.post('/calendar/token/revoke', async (req, reply) => {
    service.revokeToken(req.viewer);
    return reply.redirectWith('/calendar#subscribe', 'calendar.tokenRevoked');
  });

  app.get('/calendar/:token.ics', { config: { public: true } }, async (req, reply) => {
    const body = service.feed((req.params as { token: string }).token, publicBase(req));
    return reply
      .type('text/calendar; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .header('x-robots-tag', 'noindex')
      .send(body);
  });

  app.get('/activities/:id/calendar.ics', async (req, reply) => {
    const { body, activity } = service.activityIcs(
      req.viewer,
      parseId((req.params as { id: string }).id),
      publicBase(req),
    );
    return reply
      .type('text/calendar; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `attachment; filename="activity-${activity.id}.ics"`)
      .send(body);
  });
};

export const feature: Feature = {
  name: 'calendar',
  routes,
  nav: [{ href: '/calendar', label: 'calendar.nav', order: 120, show: () => true }],
  panels: (registry) => {
    registry.add('dashboard', {
      order: 15,
      view: 'calendar/dashboard-panel',
      load: (req) => {
        const app = req.server;
        const activities = new ActivityService(app.db, app.audit, app.events, app.config);
        const rows = new CalendarService(app.db, app.audit, activities, app.config.TAAHIL_TZ).teachingAhead(req.viewer);
        return rows.length ? { rows } : null;
      },
    });
  },
};
