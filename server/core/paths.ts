import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The project folder, where views/, static/, server/i18n/ and db/migrations live. From the
 * sources this file is <root>/server/core/paths.ts; `npm start` runs the compiled app, one
 * file in <root>/.build/ (see server/start.js), so every path is taken from here, never from
 * a module's own location.
 */
export const ROOT = path.basename(here) === '.build' ? path.dirname(here) : path.resolve(here, '../..');
