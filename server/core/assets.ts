import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.ts';

export const STATIC_DIR = path.join(ROOT, 'static');
const versions = new Map<string, string>();

/** "/static/css/app.css?v=<hash>": a content hash lets static files be cached for a year. */
export function assetUrl(p: string): string {
  let v = versions.get(p);
  if (v === undefined) {
    try {
      v = createHash('sha256')
        .update(fs.readFileSync(path.join(STATIC_DIR, p)))
        .digest('hex')
        .slice(0, 10);
    } catch {
      v = '0';
    }
    versions.set(p, v);
  }
  return `/static/${p}?v=${v}`;
}

/** static/css/app.css first, then every other stylesheet (one per feature) in name order. */
export function cssBundle(): { body: string; hash: string } {
  const dir = path.join(STATIC_DIR, 'css');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.css'))
    .sort((a, b) => (a === 'app.css' ? -1 : b === 'app.css' ? 1 : a.localeCompare(b)));
  const body = files.map((f) => `/* ${f} */\n${fs.readFileSync(path.join(dir, f), 'utf8')}`).join('\n');
  return { body, hash: createHash('sha256').update(body).digest('hex').slice(0, 10) };
}

let bundleUrl: string | null = null;
export function cssUrl(): string {
  if (process.env.NODE_ENV !== 'production') return `/assets/taahil.css?v=${cssBundle().hash}`;
  bundleUrl ??= `/assets/taahil.css?v=${cssBundle().hash}`;
  return bundleUrl;
}
