import type { FastifyPluginAsync } from 'fastify';

/** GET /healthz: 200 when the database answers, 503 otherwise. */
export const healthRoutes: FastifyPluginAsync = async (app) => {
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
