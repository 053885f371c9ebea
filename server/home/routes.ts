import type { FastifyPluginAsync } from 'fastify';

/** "/": the welcome page signed out; the dashboard signed in. */
export const homeRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { config: { public: true } }, async (req, reply) => {
    if (!req.viewer) return reply.render('home/welcome', {});
    return reply.render('home/dashboard', {});
  });
};
