import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../static');
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
