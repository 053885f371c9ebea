import type { FastifyPluginAsync } from 'fastify';
import type { Feature } from '../core/features.ts';

/** GET /healthz: 200 when the database answers, 503 otherwise. */
const routes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { config: { public: true } }, async (_req, reply) => {
    try {
      app.db.$client.prepare('select count(*) as n from units').get();
      return reply.header('cache-control', 'no-store').send({ status: 'ok', time: new Date().toISOString() });
    } catch (err) {
      app.log.error({ err }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
};

export const feature: Feature = {
  name: 'health',
  routes,
};
