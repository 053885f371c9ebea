import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { STATIC_DIR } from '../core/assets.ts';
import { badRequest, HttpError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { translate } from '../core/i18n.ts';
import { parseId } from '../core/ids.ts';
import { can, isTrainer } from '../core/policy.ts';
import { dateFormatter } from '../core/time.ts';
import { publicBase } from '../core/urls.ts';
import { syncBody } from './schemas.ts';
import { OfflineService, type SyncResult } from './service.ts';

/** Seconds between two refreshes of the hall screen (script polling, or the page itself without scripts). */
export const HALL_REFRESH_S = 15;

const SW_FILE = path.join(STATIC_DIR, 'js/offline-sw.js');

const routes: FastifyPluginAsync = async (app) => {
  const service = new OfflineService(app.db, app.audit, app.events);
  const tz = app.config.TAAHIL_TZ;

  // the service worker lives at the site's root so that its scope covers every page
  const sw = fs.readFileSync(SW_FILE, 'utf8');
  app.get('/sw.js', { config: { public: true } }, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('service-worker-allowed', '/')
      .header('cache-control', 'no-cache')
      .send(process.env.NODE_ENV === 'production' ? sw : fs.readFileSync(SW_FILE, 'utf8')),
  );

  app.get('/offline', async (req, reply) => {
    const sessions = service.keepList(req.viewer, tz);
    return reply.render('offline/index', { sessions, extraJs: 'js/offline.js', bodyClass: 'offline-page' });
  });

  app.get('/offline/sessions/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const data = await service.fieldRoster(req.viewer, id, publicBase(req));
    return reply.render('offline/roster', { ...data, extraJs: 'js/offline.js', bodyClass: 'field-roster-page' });
  });

  app.post('/offline/sync', async (req, reply) => {
    const body = syncBody.safeParse(req.body);
    if (!body.success) throw badRequest('offline.errors.badBatch');
    const results = service.sync(req.viewer, body.data, { ip: req.ip, locale: req.locale, tz });
    const f = dateFormatter(req.locale, tz);
    const describe = (r: SyncResult) => {
      if (r.outcome === 'refused') return translate(req.locale, `offline.refused.${r.reason ?? 'invalid'}`);
      if (r.outcome === 'overridden' && r.server)
        return translate(req.locale, 'offline.overridden', {
          status: translate(req.locale, `attendance.status.${r.server.status}`),
          name: r.server.byName ?? '—',
          date: f.dateTime(new Date(r.server.at)),
        });
      return translate(req.locale, 'offline.state.saved');
    };
    return reply.header('cache-control', 'no-store').send({
      ok: true,
      serverTime: Date.now(),
      results: results.map((r) => ({ ...r, message: describe(r) })),
    });
  });

  // ---------------------------------------------------------------- the hall screen
  app.get('/sessions/:id/hall', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const data = service.hall(req.viewer, id);
    return reply.render('offline/hall', {
      ...data,
      refresh: HALL_REFRESH_S,
      extraJs: 'js/offline-hall.js',
      bodyClass: 'hall-screen',
      mainClass: 'hall-main',
    });
  });

  app.get('/sessions/:id/hall.json', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const data = service.hall(req.viewer, id);
    const f = dateFormatter(req.locale, tz);
    return reply.header('cache-control', 'no-store').send({
      count: data.count,
      late: data.late,
      rosterSize: data.rosterSize,
      cancelled: data.cancelled,
      summary: translate(req.locale, 'offline.hall.count', { count: data.count, total: data.rosterSize }),
      names: data.names.map((n) => ({ memberId: n.memberId, name: n.name, late: n.late, time: f.time(n.at) })),
      updatedAt: f.time(new Date()),
    });
  });
};

export const feature: Feature = {
  name: 'offline',
  routes,
  nav: [{ href: '/offline', label: 'offline.nav', order: 155, show: (v) => isTrainer(v) }],
  panels: (registry) => {
    registry.add('session', {
      order: 25,
      view: 'offline/session-panel',
      load: (req, subject) => {
        const s = subject as { id?: unknown; trainerUserId?: unknown } | null;
        const id = typeof s?.id === 'number' ? s.id : typeof subject === 'number' ? subject : null;
        if (!id || !req.viewer) return null;
        const service = new OfflineService(req.server.db, req.server.audit, req.server.events);
        try {
          const hall = service.hall(req.viewer, id);
          return {
            sessionId: id,
            field:
              can(req.viewer, 'field.offline') &&
              can(req.viewer, 'attendance.mark', { trainerUserId: hall.session.trainerUserId }),
            count: hall.count,
            rosterSize: hall.rosterSize,
          };
        } catch (err) {
          // a session this viewer may not see in the hall: no panel
          if (err instanceof HttpError) return null;
          throw err;
        }
      },
    });
  },
};
