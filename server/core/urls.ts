import type { FastifyRequest } from 'fastify';

/** The absolute base address for links people copy or scan (certificates, cards, invitations). */
export function publicBase(req: FastifyRequest): string {
  const configured = req.server.config.TAAHIL_PUBLIC_URL;
  if (configured) return configured.replace(/\/$/, '');
  return `${req.protocol}://${req.host}`;
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
