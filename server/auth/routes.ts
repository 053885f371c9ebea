import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { FormError, HttpError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm } from '../core/forms.ts';
import { LANG_COOKIE } from '../core/i18n.ts';
import { AuthRepository } from './repository.ts';
import { changePasswordSchema, langParams, loginSchema, newPasswordSchema, safeNext } from './schemas.ts';
import { AuthService } from './service.ts';
import { SESSION_COOKIE } from './sessions.ts';

const routes: FastifyPluginAsync = async (app) => {
  const service = new AuthService(new AuthRepository(app.db), app.sessions, app.audit);
  const setSessionCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: app.config.TAAHIL_SECURE_COOKIES,
      maxAge: app.sessions.cookieMaxAgeSeconds(),
    });

  app.get('/login', { config: { public: true } }, async (req, reply) => {
    const next = safeNext((req.query as { next?: string }).next);
    if (req.viewer) return reply.redirect(next);
    return reply.render('auth/login', { values: { next } });
  });

  app.post(
    '/login',
    {
      config: {
        public: true,
        rateLimit: { max: app.config.TAAHIL_LOGIN_MAX_PER_MINUTE, timeWindow: '1 minute' },
      },
    },
    async (req, reply) => {
      try {
        const form = parseForm(loginSchema, req.body);
        const { token } = await service.login(form.login, form.password, req.ip);
        if (req.viewer) app.sessions.revoke(req.viewer.sessionId);
        setSessionCookie(reply, token);
        return reply.redirect(safeNext(form.next), 303);
      } catch (err) {
        if (err instanceof FormError) return reply.renderForm('auth/login', {}, err, req.body);
        if (err instanceof HttpError && err.statusCode === 429)
          return reply.renderForm('auth/login', {}, new FormError({ login: err.messageKey }), req.body, 429);
        throw err;
      }
    },
  );

  app.post('/logout', { config: { public: true } }, async (req, reply) => {
    if (req.viewer) service.logout(req.viewer);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirectWith('/', 'auth.signedOut');
  });

  app.get('/account', async (_req, reply) => reply.render('auth/account', {}));

  app.post('/account/password', async (req, reply) => {
    try {
      const form = parseForm(changePasswordSchema, req.body);
      await service.changePassword(req.viewer!, form.current, form.password);
      return reply.redirectWith('/account', 'auth.passwordChanged');
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('auth/account', {}, err, req.body);
      throw err;
    }
  });

  app.post('/lang/:lang', { config: { public: true } }, async (req, reply) => {
    const parsed = langParams.safeParse(req.params);
    if (!parsed.success) throw new HttpError(404, 'errors.notFound');
    const { lang } = parsed.data;
    service.setLocale(req.viewer, lang);
    reply.setCookie(LANG_COOKIE, lang, { path: '/', maxAge: 365 * 86400, sameSite: 'lax', httpOnly: true });
    const body = (req.body ?? {}) as { next?: string };
    let back = body.next;
    if (!back && req.headers.referer) {
      try {
        const u = new URL(req.headers.referer);
        back = u.pathname + u.search;
      } catch {
        back = '/';
      }
    }
    return reply.redirect(safeNext(back), 303);
  });

  app.get('/invite/:token', { config: { public: true } }, async (req, reply) => {
    const { token } = req.params as { token: string };
    const found = service.invitation(token);
    if (!found) return reply.render('auth/invite-invalid', {}, 410);
    return reply.render('auth/invite', { token, person: found.user.displayName, username: found.user.username });
  });

  app.post('/invite/:token', { config: { public: true } }, async (req, reply) => {
    const { token } = req.params as { token: string };
    const found = service.invitation(token);
    if (!found) return reply.render('auth/invite-invalid', {}, 410);
    try {
      const form = parseForm(newPasswordSchema, req.body);
      const session = await service.acceptInvitation(token, form.password);
      setSessionCookie(reply, session.token);
      return reply.redirectWith('/', 'auth.welcome');
    } catch (err) {
      if (err instanceof FormError)
        return reply.renderForm(
          'auth/invite',
          { token, person: found.user.displayName, username: found.user.username },
          err,
          req.body,
        );
      throw err;
    }
  });
};

export const feature: Feature = {
  name: 'auth',
  routes,
};
