import type { FastifyPluginAsync } from 'fastify';

/**
 * The feature route plugins, registered in this order by app.ts. Each feature
 * lives in server/<feature>/ (routes, service, repository, schemas) with its
 * templates in views/<feature>/ and its strings in server/i18n/<locale>/<feature>.json.
 */
export const FEATURES: FastifyPluginAsync[] = [];
