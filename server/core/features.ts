import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { NavItem } from './nav.ts';
import type { PanelRegistry } from './panels.ts';

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

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function discoverFeatures(): Promise<Feature[]> {
  const out: Feature[] = [];
  for (const dir of fs.readdirSync(SERVER_DIR, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!dir.isDirectory()) continue;
    const file = path.join(SERVER_DIR, dir.name, 'routes.ts');
    if (!fs.existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as { feature?: Feature };
    if (mod.feature) out.push(mod.feature);
  }
  return out;
}
