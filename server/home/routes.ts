import type { FastifyPluginAsync } from 'fastify';
import type { Feature } from '../core/features.ts';

/** "/": the welcome page signed out; the dashboard signed in. */
const routes: FastifyPluginAsync = async (app) => {
  app.get('/', { config: { public: true } }, async (req, reply) => {
    if (!req.viewer) return reply.render('home/welcome', {});
    return reply.render('home/dashboard', {});
  });
};

export const feature: Feature = {
  name: 'home',
  routes,
  nav: [{ href: '/', label: 'nav.home', order: 0, show: () => true }],
};
