import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assetUrl, cssUrl } from './assets.ts';
import { dataCache } from './cache.ts';
import { dirOf, hasKey, type Locale, type Translate, translator } from './i18n.ts';
import type { Viewer } from './policy.ts';
import { type DateFormatter, dateFormatter } from './time.ts';

export const FLASH_COOKIE = 'taahil_flash';

export interface PageLocals {
  t: Translate;
  lang: Locale;
  dir: 'rtl' | 'ltr';
  viewer: Viewer | null;
  csrf: string;
  fmt: DateFormatter;
  path: string;
  url: string;
  nav: { href: string; label: string }[];
  cssUrl: string;
  flash: string | null;
  unread: number;
  asset: (p: string) => string;
  errors: Record<string, string>;
  values: Record<string, unknown>;
  kept: (key: string, render: () => string, cache?: string) => string;
  /** the kept parts this page uses, already encoded, by the number in their mark (pageBytes) */
  keptParts: Buffer[];
}

/**
 * Where a kept part goes in a page's text: a NUL, a secret of this process, its number and a
 * NUL. No text a user typed can forge it (it would otherwise be replaced by a part kept for
 * someone else).
 */
const KEPT_MARK = `\u0000${randomBytes(12).toString('hex')}:`;
const KEPT_SPLIT = new RegExp(`${KEPT_MARK}(\\d+)\u0000`);

/**
 * A page's bytes: its text encoded as UTF-8, with each kept part put in its mark's place as the
 * bytes it was kept as. A roster's 300 kept rows are 200 kB that are not encoded again for
 * every request (that cost more than rendering them).
 */
export function pageBytes(html: string, parts: readonly Buffer[]): Buffer {
  if (parts.length === 0) return Buffer.from(html);
  // split around a capturing group: text, number, text, number, …, text
  const pieces = html.split(KEPT_SPLIT);
  return Buffer.concat(pieces.map((piece, i) => (i % 2 ? parts[Number(piece)] : Buffer.from(piece))));
}

/**
 * Everything every template can use, besides its own data.
 *
 * `kept(key, render)`: a part of a page that is the same for many viewers, rendered once and
 * kept while the data is unchanged (core/cache.ts), per language — the unit filters, whose 331
 * options cost half the catalogue's time. `key` must name everything else the part shows (the
 * selected value; the viewer's scope when it limits the list). `cache` names a cache of its own
 * (100 parts) for parts of which there can be many, so they do not push the others out: the
 * catalogue's cards, one set per group of viewers, would otherwise push out a roster's rows.
 */
export function pageLocals(req: FastifyRequest, reply: FastifyReply): PageLocals {
  const app = req.server;
  const flashKey = req.cookies[FLASH_COOKIE];
  if (flashKey) reply.clearCookie(FLASH_COOKIE, { path: '/' });
  const url = req.url;
  const keptParts: Buffer[] = [];
  return {
    t: translator(req.locale),
    lang: req.locale,
    dir: dirOf(req.locale),
    viewer: req.viewer,
    csrf: reply.generateCsrf(),
    fmt: dateFormatter(req.locale, app.config.TAAHIL_TZ),
    path: url.split('?')[0],
    url,
    nav: app.navFor(req.viewer),
    cssUrl: cssUrl(),
    flash: flashKey && hasKey(req.locale, flashKey) ? flashKey : null,
    unread: req.viewer ? app.unreadCount(req.viewer.userId) : 0,
    asset: assetUrl,
    errors: {},
    values: {},
    kept: (key, render, cache = 'fragments') => {
      const part = dataCache(app.db, cache, 100).get(`${req.locale}|${key}`, () => Buffer.from(render()));
      return `${KEPT_MARK}${keptParts.push(part) - 1}\u0000`;
    },
    keptParts,
  };
}
