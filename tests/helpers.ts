/**
 * Test harness: the real app (same buildApp and options as production) on a fresh
 * in-memory SQLite database migrated with the real migrations, and a small HTTP
 * client with a cookie jar that submits forms the way a browser does (with the CSRF token).
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.ts';
import { type Config, loadConfig } from '../server/config.ts';
import { type Db, openDatabase } from '../server/core/db.ts';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  config: Config;
  close(): Promise<void>;
}

export async function createTestApp(env: Record<string, string> = {}, file = ':memory:'): Promise<TestApp> {
  const config = loadConfig({ NODE_ENV: 'test', TAAHIL_DEMO: 'off', LOG_LEVEL: 'silent', TAAHIL_DB: file, ...env });
  const db = openDatabase(file);
  const app = await buildApp({ config, db });
  await app.ready();
  return {
    app,
    db,
    config,
    close: async () => {
      await app.close();
      db.$client.close();
    },
  };
}

export interface Res {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  location?: string;
}

/** A browser-like client: keeps cookies, finds the CSRF token, follows nothing by itself. */
export class Client {
  cookies = new Map<string, string>();
  csrf: string | null = null;
  ip = '127.0.0.1';

  constructor(private app: FastifyInstance) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private absorb(res: { headers: Record<string, any>; body: string }) {
    const set = res.headers['set-cookie'];
    for (const c of [set ?? []].flat() as string[]) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1];
  }

  async request(
    method: string,
    url: string,
    opts: { form?: Record<string, unknown>; headers?: Record<string, string>; payload?: string | Buffer } = {},
  ): Promise<Res> {
    const headers: Record<string, string> = { accept: 'text/html', ...opts.headers };
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    let payload: string | Buffer | undefined = opts.payload;
    if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.form)) {
        if (v === undefined || v === null) continue;
        for (const item of [v].flat()) params.append(k, String(item));
      }
      payload = params.toString();
    }
    const res = await this.app.inject({ method: method as any, url, headers, payload, remoteAddress: this.ip });
    this.absorb(res);
    return {
      status: res.statusCode,
      body: res.body,
      headers: res.headers as Res['headers'],
      location: res.headers.location as string | undefined,
    };
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, { headers });
  }

  /** Posts a form with the CSRF token a page gave (fetching one first if needed). */
  async post(url: string, form: Record<string, unknown> = {}, opts: { csrf?: boolean } = {}) {
    if (opts.csrf !== false && !this.csrf) await this.get('/login');
    const body = opts.csrf === false ? form : { _csrf: this.csrf, ...form };
    return this.request('POST', url, { form: body });
  }

  async login(login: string, password = TEST_PASSWORD): Promise<Res> {
    await this.get('/login');
    const res = await this.post('/login', { login, password });
    if (res.status !== 303) throw new Error(`login failed for ${login}: ${res.status}`);
    return res;
  }
}

export const TEST_PASSWORD = 'correct-horse-battery';

/** The visible text of a page, without tags and with collapsed spaces: what a user reads. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}
