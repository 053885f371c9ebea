import type { FastifyRequest } from 'fastify';

/** The absolute base address for links people copy or scan (certificates, cards, invitations). */
export function publicBase(req: FastifyRequest): string {
  const configured = req.server.config.TAAHIL_PUBLIC_URL;
  if (configured) return configured.replace(/\/$/, '');
  return `${req.protocol}://${req.host}`;
}

/**
 * One page of a list already read: `size` rows of page `page` (below 1: the first; past the last:
 * the last), with the list's total (`total` when the rows read stopped short of it) and how many
 * rows were read (`listed`).
 */
export function pageOf<T>(rows: readonly T[], page: number, size: number, total = rows.length) {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const current = Math.min(Math.max(1, page), pages);
  return { rows: rows.slice((current - 1) * size, current * size), total, listed: rows.length, page: current, pages };
}

/** "?a=1&b=2" from the current query with some keys replaced (for pagers and filters). */
export function withQuery(current: Record<string, unknown>, changes: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...current, ...changes })) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}
