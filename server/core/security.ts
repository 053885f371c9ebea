import type { IncomingMessage, ServerResponse } from 'node:http';
import { Signer, type SignerFactory, type UnsignResult } from '@fastify/cookie';
import helmetMiddleware, { type HelmetOptions } from 'helmet';

/** what @fastify/cookie takes as its `secret` to sign with (the type is not exported by name) */
type CookieSigner = ReturnType<SignerFactory>;

/**
 * The headers helmet sets for these options, worked out once. Helmet's middleware writes them
 * with `setHeader` (and takes X-Powered-By away); nothing in our policy depends on the request,
 * so every answer gets the same set.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmetMiddleware(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

/**
 * The cookie signer (HMAC-SHA-256, as @fastify/cookie's own) that remembers the signed values it
 * has found genuine: the CSRF secret's cookie is checked on every page that draws a form and on
 * every change, and its HMAC was a twentieth of a small page. Only genuine values are
 * remembered (at most `max`, the oldest forgotten first), so a flood of forged cookies neither
 * grows the memory nor pushes out a real one; a forged value is checked every time, as before.
 */
export function rememberingSigner(secret: string, max = 2000): CookieSigner {
  const signer = new Signer(secret, 'sha256');
  const genuine = new Map<string, UnsignResult>();
  return {
    sign: (value: string) => signer.sign(value),
    unsign(input: string) {
      const known = genuine.get(input);
      if (known) return known;
      const result = signer.unsign(input);
      if (result.valid && !result.renew) {
        if (genuine.size >= max) genuine.delete(genuine.keys().next().value!);
        genuine.set(input, Object.freeze(result));
      }
      return result;
    },
  };
}
