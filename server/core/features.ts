import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { NavItem } from './nav.ts';
import type { PanelRegistry } from './panels.ts';
import { ROOT } from './paths.ts';

/**
 * A feature is a folder server/<feature>/ whose routes.ts exports `feature`:
 * its routes plugin, its menu entries and the panels it adds to other pages.
 * app.ts discovers them, so adding a feature touches no shared file.
 */
export interface Feature {
  name: string;
  routes: FastifyPluginAsync;
  nav?: NavItem[];
  panels?: (registry: PanelRegistry) => void;
  /** runs once before any routes are registered: subscribe to domain events (app.events) here */
  setup?: (app: FastifyInstance) => void;
}

const SERVER_DIR = path.join(ROOT, 'server');

/**
 * Every folder of server/ with a routes.ts, in name order. The import names its file with a
 * template, so the compiled start (server/start.js) bundles every server/<feature>/routes.ts
 * and no module is looked up on disk at start.
 */
export async function discoverFeatures(): Promise<Feature[]> {
  const out: Feature[] = [];
  for (const dir of fs.readdirSync(SERVER_DIR, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!dir.isDirectory() || !fs.existsSync(path.join(SERVER_DIR, dir.name, 'routes.ts'))) continue;
    const mod = (await import(`../${dir.name}/routes.ts`)) as { feature?: Feature };
    if (mod.feature) out.push(mod.feature);
  }
  return out;
}
