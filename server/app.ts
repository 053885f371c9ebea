import path from 'node:path';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import { eq } from 'drizzle-orm';
import { Eta } from 'eta';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { settings } from '../db/schema.ts';
import { AuthRepository } from './auth/repository.ts';
import { SESSION_COOKIE, SessionManager } from './auth/sessions.ts';
import { randomString } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { cssBundle, STATIC_DIR } from './core/assets.ts';
import { AuditRepository } from './core/audit.ts';
import { dataCache } from './core/cache.ts';
import { type Db, openDatabase } from './core/db.ts';
import { FormError, HttpError } from './core/errors.ts';
import { EventBus } from './core/events.ts';
import { discoverFeatures } from './core/features.ts';
import { keptValues } from './core/forms.ts';
import { DEFAULT_LOCALE, isLocale, LANG_COOKIE, type Locale, translate } from './core/i18n.ts';
import { buildNav } from './core/nav.ts';
import { PanelRegistry } from './core/panels.ts';
import type { Viewer } from './core/policy.ts';
import { FLASH_COOKIE, pageBytes, pageLocals } from './core/render.ts';
import { rememberingSigner, securityHeaders } from './core/security.ts';

export const VIEWS_DIR = path.join(path.dirname(STATIC_DIR), 'views');

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    config: Config;
    sessions: SessionManager;
    audit: AuditRepository;
    unreadCount(userId: number): number;
    /** a stable random secret kept in the database (cookie signing) */
    appSecret: string;
    /** every route the app serves: the security tests walk this list */
    routeList: { method: string; url: string; public: boolean }[];
    /** panels features add to each other's pages (see core/panels.ts) */
    panels: PanelRegistry;
    /** domain events between features (see core/events.ts) */
    events: EventBus;
    /** the menu for a viewer, from every feature's entries */
    navFor(v: Viewer | null): { href: string; label: string }[];
  }
  interface FastifyRequest {
    viewer: Viewer | null;
    locale: Locale;
  }
  interface FastifyReply {
    /** renders views/<view>.eta inside the layout with the common page locals */
    render(view: string, data?: Record<string, unknown>, status?: number): FastifyReply;
    /** re-renders a form with its field errors and what the user typed, status 400 */
    renderForm(
      view: string,
      data: Record<string, unknown>,
      error: FormError,
      body: unknown,
      status?: number,
    ): FastifyReply;
    /** redirects after a successful change, with a one-time message (a translation key) */
    redirectWith(url: string, flashKey?: string): FastifyReply;
  }
  interface FastifyContextConfig {
    /** reachable without signing in */
    public?: boolean;
  }
}

export interface BuildOptions {
  config: Config;
  /** an already opened database (tests); otherwise config.TAAHIL_DB is opened */
  db?: Db;
  /** log destination; defaults to stdout */
  logger?: boolean | object;
}

/**
 * A request's id (in the logs and on an error page, to find one in the other): a random start
 * drawn once per process and a count, unique across restarts without drawing random bytes for
 * every request (that was 1 % of a page).
 */
const REQUEST_ID_START = randomString(6);
let requestCount = 0;
const nextRequestId = () => `${REQUEST_ID_START}${(++requestCount).toString(36).padStart(6, '0')}`;

/** Builds the whole application. Production and tests call this with the same options. */
export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const production = config.NODE_ENV === 'production';
  const app = Fastify({
    logger: opts.logger ?? { level: config.LOG_LEVEL },
    trustProxy: config.TAAHIL_TRUST_PROXY,
    bodyLimit: 1024 * 1024,
    genReqId: nextRequestId,
  });

  const routeList: { method: string; url: string; public: boolean }[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue;
      routeList.push({ method, url: r.url, public: !!(r.config as { public?: boolean } | undefined)?.public });
    }
  });

  const db = opts.db ?? openDatabase(config.TAAHIL_DB);
  app.decorate('db', db);
  app.decorate('config', config);
  const authRepo = new AuthRepository(db);
  app.decorate('sessions', new SessionManager(authRepo, config.TAAHIL_SESSION_DAYS * 86_400_000));
  app.decorate('audit', new AuditRepository(db));
  app.decorate('appSecret', loadAppSecret(db));
  const unreadStmt = db.$client.prepare(
    'select count(*) as n from notifications where user_id = ? and read_at is null',
  );
  // on every page's bell; kept while the data is unchanged (a new notification is a write)
  const unread = dataCache(db, 'unread', 2000);
  app.decorate('unreadCount', (userId: number) =>
    unread.get(String(userId), () => (unreadStmt.get(userId) as { n: number }).n),
  );
  if (!opts.db) app.addHook('onClose', async () => db.$client.close());

  await app.register(cookie, { secret: rememberingSigner(app.appSecret) });
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  await app.register(multipart, { limits: { fileSize: 10 * 1024 * 1024, files: 1, fields: 50, fieldSize: 100_000 } });
  // helmet's headers, the same on every answer: worked out once here from the options (see
  // securityHeaders), where the plugin's global hook builds the whole middleware again for
  // every request (a tenth of a small page's time). The plugin stays, for a route that ever
  // needs a policy of its own (`reply.helmet(...)`).
  const helmetOptions = {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        upgradeInsecureRequests: config.TAAHIL_SECURE_COOKIES ? [] : null,
      },
    },
    hsts: config.TAAHIL_SECURE_COOKIES,
  };
  await app.register(helmet, { ...helmetOptions, global: false });
  const headers = securityHeaders(helmetOptions);
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
  await app.register(rateLimit, { global: false });
  await app.register(csrf, {
    cookieKey: '_csrf',
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: config.TAAHIL_SECURE_COOKIES, signed: true },
    getToken: (req) =>
      (req.body as any)?._csrf || (req.query as any)?._csrf || (req.headers['x-csrf-token'] as string | undefined),
  });
  await app.register(fastifyStatic, {
    root: STATIC_DIR,
    prefix: '/static/',
    maxAge: production ? '365d' : 0,
    immutable: production,
    decorateReply: true,
  });
  await app.register(view, {
    engine: { eta: templateEngine(production) },
    templates: VIEWS_DIR,
    production,
  });

  // who is asking, and in which language
  app.decorateRequest('viewer', null);
  app.decorateRequest('locale', DEFAULT_LOCALE);
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/static/')) return;
    const token = req.cookies[SESSION_COOKIE];
    req.viewer = token ? app.sessions.validate(token) : null;
    if (token && !req.viewer) reply.clearCookie(SESSION_COOKIE, { path: '/' });
    const cookieLang = req.cookies[LANG_COOKIE];
    req.locale = req.viewer?.locale ?? (isLocale(cookieLang) ? cookieLang : DEFAULT_LOCALE);
  });
  // sign-in required unless the route says it is public; CSRF on every state change
  app.addHook('preHandler', (req, reply, done) => {
    const cfg = req.routeOptions.config;
    // static files (scripts, images) are public like the stylesheet; the onRequest hook skips them
    if (!cfg?.public && !req.viewer && req.routeOptions.url !== undefined && !req.url.startsWith('/static/')) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        const next = encodeURIComponent(req.url);
        reply.redirect(`/login?next=${next}`);
        return;
      }
      reply.code(401);
      done(new HttpError(401, 'errors.signInRequired'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      app.csrfProtection(req, reply, done);
      return;
    }
    done();
  });

  app.decorateReply('render', function (this: FastifyReply, name: string, data = {}, status = 200) {
    const locals = pageLocals(this.request, this);
    this.code(status);
    this.header('cache-control', 'no-store');
    // sent as one UTF-8 buffer: encoded once, not measured over the text and then encoded again
    // on the socket (a roster page is a few hundred kB)
    this.viewAsync(`${name}.eta`, { ...locals, ...data }).then(
      (html) => {
        if (!this.getHeader('content-type')) this.type('text/html; charset=utf-8');
        this.send(pageBytes(html, locals.keptParts));
      },
      (err) => this.send(err),
    );
    return this;
  });
  app.decorateReply(
    'renderForm',
    function (
      this: FastifyReply,
      name: string,
      data: Record<string, unknown>,
      error: FormError,
      body: unknown,
      status = 400,
    ) {
      return this.render(name, { ...data, errors: error.fieldErrors, values: keptValues(body) }, status);
    },
  );
  app.decorateReply('redirectWith', function (this: FastifyReply, url: string, flashKey?: string) {
    if (flashKey) this.setCookie(FLASH_COOKIE, flashKey, { path: '/', httpOnly: true, sameSite: 'lax' });
    return this.redirect(url, 303);
  });

  app.setErrorHandler((err: any, req, reply) => {
    let status = 500;
    let key = 'errors.server';
    let params: Record<string, string | number> = {};
    if (err instanceof HttpError) {
      status = err.statusCode;
      key = err.messageKey;
      params = err.params;
    } else if (err instanceof FormError) {
      status = 400;
      key = Object.values(err.fieldErrors)[0] ?? 'errors.invalid';
    } else if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
      status = 403;
      key = 'errors.csrf';
    } else if (err.statusCode === 429) {
      status = 429;
      key = 'errors.rateLimited';
    } else if (err.statusCode === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE') {
      status = 413;
      key = 'errors.tooLarge';
    } else if (req.isMultipart() && /busboy|dicer/.test(String(err.stack))) {
      // a truncated or malformed upload (the parser's own error, without a status): the sender's fault
      status = 400;
      key = 'errors.badRequest';
    } else if (
      err.validation ||
      err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
      (err.statusCode && err.statusCode < 500)
    ) {
      status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      key = status === 404 ? 'errors.notFound' : 'errors.badRequest';
    }
    if (status >= 500) req.log.error({ err, reqId: req.id }, 'request failed');
    else req.log.info({ status, key, reqId: req.id }, 'request refused');
    return sendError(req, reply, status, key, params);
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, 404, 'errors.notFound', {}));

  // one stylesheet: static/css/app.css then every feature's file, content-hashed, cached for a year
  const css = cssBundle();
  app.get('/assets/taahil.css', { config: { public: true } }, async (_req, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', production ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(production ? css.body : cssBundle().body),
  );

  const features = await discoverFeatures();
  const panels = new PanelRegistry();
  app.decorate('panels', panels);
  app.decorate('navFor', buildNav(features.flatMap((f) => f.nav ?? [])));
  app.decorate('events', new EventBus());
  for (const f of features) f.panels?.(panels);
  for (const f of features) f.setup?.(app);
  for (const f of features) await app.register(f.routes);
  return app;
}

function sendError(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  key: string,
  params: Record<string, string | number>,
) {
  const message = translate(req.locale, key, params);
  if (req.headers.accept?.includes('application/json') && !req.headers.accept.includes('text/html')) {
    return reply.code(status).send({ error: message, status, requestId: req.id });
  }
  return reply.render('errors/error', { status, message, requestId: req.id }, status);
}

/**
 * Eta, escaping on. In production templates are compiled once, and where a template name leads is
 * worked out once too: Eta resolves it (joins, checks it stays inside views/) on every render and
 * every include, a few microseconds each, dozens of times a page.
 */
function templateEngine(production: boolean): Eta {
  const eta = new Eta({ cache: production, autoEscape: true, views: VIEWS_DIR });
  const resolve = eta.resolvePath;
  if (production && resolve) {
    const resolved = new Map<string, string>();
    eta.resolvePath = function (template, options) {
      const key = `${options?.filepath ?? ''}\u0000${template}`;
      let file = resolved.get(key);
      if (file === undefined) {
        file = resolve.call(this, template, options);
        resolved.set(key, file);
      }
      return file;
    };
  }
  return eta;
}

function loadAppSecret(db: Db): string {
  const row = db.select().from(settings).where(eq(settings.key, 'app_secret')).get();
  if (row) return row.value;
  const value = randomString(48);
  db.insert(settings).values({ key: 'app_secret', value }).onConflictDoNothing().run();
  return db.select().from(settings).where(eq(settings.key, 'app_secret')).get()!.value;
}
