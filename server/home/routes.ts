import type { FastifyPluginAsync } from 'fastify';
import type { Feature } from '../core/features.ts';
import { DashboardService } from '../dashboard/service.ts';

/** "/": the welcome page signed out; the signed-in person's dashboard (by role) with every feature's panels. */
const routes: FastifyPluginAsync = async (app) => {
  app.get('/', { config: { public: true } }, async (req, reply) => {
    if (!req.viewer) return reply.render('home/welcome', {});
    const dash = new DashboardService(app.db, app.config.TAAHIL_TZ).forViewer(req.viewer);
    const panels = await app.panels.load('dashboard', req, null);
    return reply.render('home/dashboard', { dash, panels });
  });
};

export const feature: Feature = {
  name: 'home',
  routes,
  nav: [{ href: '/', label: 'nav.home', order: 0, show: () => true }],
};
