import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { translate, translator } from '../core/i18n.ts';
import { parseId } from '../core/ids.ts';
import { can, isOffice, isTrainer } from '../core/policy.ts';
import { dateFormatter } from '../core/time.ts';
import { publicBase } from '../core/urls.ts';
import { unitName } from '../units/routes.ts';
import {
  cardActionSchema,
  gridQuery,
  issueMissingSchema,
  parseGridForm,
  scanSchema,
  unitCardsQuery,
} from './schemas.ts';
import { CardsService, type ScanResult } from './service.ts';

const wantsJson = (req: FastifyRequest) =>
  !!req.headers.accept?.includes('application/json') && !req.headers.accept.includes('text/html');

const idOf = (req: FastifyRequest) => parseId((req.params as { id: string }).id);

const subjectId = (subject: unknown): number | null => {
  if (typeof subject === 'number') return subject;
  const id = (subject as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? id : null;
};

/** the QR decoder's browser build, served from our own origin (no CDN) */
const JSQR_FILE = createRequire(import.meta.url).resolve('jsqr/dist/jsQR.js');

const serviceOf = (req: FastifyRequest) =>
  new CardsService(req.server.db, req.server.audit, req.server.events, req.server.appSecret);

const routes: FastifyPluginAsync = async (app) => {
  const service = new CardsService(app.db, app.audit, app.events, app.appSecret);
  const tz = app.config.TAAHIL_TZ;
  const production = app.config.NODE_ENV === 'production';
  let jsqr: Buffer | null = null;
  /** cards are printed in Arabic whatever the page's language */
  const arabic = { ta: translator('ar'), fmtAr: dateFormatter('ar', tz) };

  app.get('/assets/jsQR.js', { config: { public: true } }, async (_req, reply) => {
    jsqr ??= fs.readFileSync(JSQR_FILE);
    return reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', production ? 'public, max-age=86400' : 'no-cache')
      .send(jsqr);
  });

  // ---------------------------------------------------------------- one member's card
  const renderCard = async (req: FastifyRequest, reply: FastifyReply, id: number, err?: FormError) => {
    const data = await service.card(req.viewer, id, publicBase(req));
    const locals = {
      ...data,
      ...arabic,
      uname: unitName(req.locale),
      bodyClass: 'print-cards',
      extraJs: 'js/cards.js',
    };
    if (err) return reply.renderForm('cards/card', locals, err, req.body);
    return reply.render('cards/card', locals);
  };

  app.get('/members/:id/card', async (req, reply) => renderCard(req, reply, idOf(req)));

  app.post('/members/:id/card', async (req, reply) => {
    const id = idOf(req);
    try {
      const { action } = parseForm(cardActionSchema, req.body);
      service.change(req.viewer, id, action, { ip: req.ip });
      return reply.redirectWith(`/members/${id}/card`, `cards.flash.${action}`);
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      return renderCard(req, reply, id, err);
    }
  });

  // ---------------------------------------------------------------- a unit's cards, printed
  app.get('/units/:id/cards', async (req, reply) => {
    const q = parseQuery(unitCardsQuery, req.query);
    const data = await service.printRun(
      req.viewer,
      idOf(req),
      { subtree: q.subtree === '1', page: q.page },
      publicBase(req),
    );
    return reply.render('cards/unit', {
      ...data,
      ...arabic,
      extraJs: 'js/cards.js',
      subtree: q.subtree === '1',
      uname: unitName(req.locale),
      bodyClass: 'print-cards',
      mainClass: 'container wide',
    });
  });

  app.post('/units/:id/cards/issue', async (req, reply) => {
    const id = idOf(req);
    const { subtree } = parseForm(issueMissingSchema, req.body);
    const { issued } = service.issueMissing(req.viewer, id, subtree, { ip: req.ip });
    return reply.redirectWith(
      `/units/${id}/cards?subtree=${subtree ? 1 : 0}`,
      issued ? 'cards.flash.issuedMissing' : 'cards.flash.noneMissing',
    );
  });

  // ---------------------------------------------------------------- scanning into a roster
  const scanJson = (req: FastifyRequest, r: ScanResult) => {
    const f = dateFormatter(req.locale, tz);
    const params: Record<string, string | number> = { ...r.params };
    if (r.outcome === 'otherSession') params.date = r.otherSessionAt ? f.dateTime(r.otherSessionAt) : '?';
    return {
      ok: r.ok,
      outcome: r.outcome,
      message: translate(req.locale, r.messageKey, params),
      name: r.member?.fullName ?? null,
      unit: r.member ? (req.locale === 'en' && r.member.unitNameEn) || r.member.unitNameAr : null,
      status: r.status,
      statusLabel: r.status ? translate(req.locale, `attendance.status.${r.status}`) : null,
      via: r.via,
    };
  };

  const renderScan = (req: FastifyRequest, reply: FastifyReply, result: ReturnType<typeof scanJson> | null) => {
    const page = service.scanPage(req.viewer, idOf(req));
    return reply.render(
      'cards/scan',
      { ...page, result, extraJs: 'js/cards.js', bodyClass: 'scan-page' },
      result && !result.ok ? 400 : 200,
    );
  };

  app.get('/sessions/:id/scan', async (req, reply) => renderScan(req, reply, null));

  app.post('/sessions/:id/scan', async (req, reply) => {
    const id = idOf(req);
    let result: ReturnType<typeof scanJson>;
    try {
      const { code } = parseForm(scanSchema, req.body);
      result = scanJson(req, service.scan(req.viewer, id, code, { ip: req.ip }));
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      const key = Object.values(err.fieldErrors)[0] ?? 'errors.invalid';
      if (wantsJson(req))
        return reply.code(400).send({ ok: false, outcome: 'invalid', message: translate(req.locale, key) });
      service.scanPage(req.viewer, id);
      return reply.renderForm(
        'cards/scan',
        { ...service.scanPage(req.viewer, id), result: null, extraJs: 'js/cards.js', bodyClass: 'scan-page' },
        err,
        req.body,
      );
    }
    if (wantsJson(req)) return reply.code(result.ok ? 200 : 400).send(result);
    return renderScan(req, reply, result);
  });

  // ---------------------------------------------------------------- a card opened with a phone's camera app
  app.get('/c/:code', async (req, reply) => {
    const code = String((req.params as { code: string }).code ?? '').slice(0, 200);
    const found = service.lookup(req.viewer, code, tz);
    return reply.render('cards/lookup', { found, code, uname: unitName(req.locale) });
  });

  // ---------------------------------------------------------------- a filled paper sheet typed in
  const renderGrid = (
    req: FastifyRequest,
    reply: FastifyReply,
    q: { page: number; members: number },
    err?: FormError,
  ) => {
    const data = service.grid(req.viewer, idOf(req), q.page, q.members);
    const locals = { ...data, uname: unitName(req.locale), mainClass: 'container wide' };
    if (err) return reply.renderForm('cards/grid', locals, err, req.body);
    return reply.render('cards/grid', locals);
  };

  app.get('/activities/:id/sheet-entry', async (req, reply) =>
    renderGrid(req, reply, parseQuery(gridQuery, req.query)),
  );

  app.post('/activities/:id/sheet-entry', async (req, reply) => {
    const id = idOf(req);
    const q = parseQuery(gridQuery, req.body);
    try {
      const form = parseGridForm(req.body);
      const { changed } = service.saveGrid(req.viewer, id, form, { ip: req.ip });
      return reply.redirectWith(
        `/activities/${id}/sheet-entry?page=${q.page}&members=${q.members}`,
        changed ? 'cards.flash.gridSaved' : 'cards.flash.gridUnchanged',
      );
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      return renderGrid(req, reply, q, err);
    }
  });
};

export const feature: Feature = {
  name: 'cards',
  routes,
  panels: (registry) => {
    registry.add('member', {
      order: 60,
      view: 'cards/member-panel',
      load: (req, subject) => {
        const id = subjectId(subject);
        return id && req.viewer ? serviceOf(req).panelMember(req.viewer, id) : null;
      },
    });
    registry.add('unit', {
      order: 50,
      view: 'cards/unit-panel',
      load: (req, subject) => {
        const path = (subject as { path?: unknown } | null)?.path;
        const id = subjectId(subject);
        if (!id || typeof path !== 'string' || !can(req.viewer, 'cards.manageIn', path)) return null;
        return { unitId: id };
      },
    });
    registry.add('session', {
      order: 25,
      view: 'cards/session-panel',
      load: (req, subject) => {
        const id = subjectId(subject);
        if (!id || !req.viewer || !(isOffice(req.viewer) || isTrainer(req.viewer))) return null;
        return serviceOf(req).panelSession(req.viewer, id);
      },
    });
    registry.add('activity', {
      order: 45,
      view: 'cards/activity-panel',
      load: (req, subject) => {
        const id = subjectId(subject);
        if (!id || !req.viewer || !(isOffice(req.viewer) || isTrainer(req.viewer))) return null;
        return serviceOf(req).panelActivity(req.viewer, id);
      },
    });
  },
};
