import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { translator } from '../core/i18n.ts';
import { parseId } from '../core/ids.ts';
import { isCoordinator, isMember, isOffice } from '../core/policy.ts';
import { isoDateInZone } from '../core/time.ts';
import { withQuery } from '../core/urls.ts';
import { toCsv } from './csv.ts';
import { QUOTA_SWEEP_MS, QuotaService } from './quotas.ts';
import {
  bulkForm,
  type Decision,
  decideForm,
  nominateForm,
  nominateQuery,
  noteText,
  parseRanks,
  queueQuery,
  quotaForm,
  quotaQuery,
  rankForm,
  rosterQuery,
} from './schemas.ts';
import { EnrolmentService } from './service.ts';
import { qrFunctionPaths, sheetCellQr } from './sheet-qr.ts';

const idOf = (req: FastifyRequest) => parseId((req.params as { id: string }).id);

/** a return address from a form: only a path inside Taahil */
function safeNext(v: unknown, fallback: string): string {
  return typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') && !v.includes('\\') && v.length < 500
    ? v
    : fallback;
}

function queryString(req: FastifyRequest): string {
  const i = req.url.indexOf('?');
  return i >= 0 ? req.url.slice(i) : '';
}

/**
 * Enrolment: members enrol and withdraw, coordinators nominate, the office decides
 * (/nominations), rosters, CSV and the printable sign-in sheet, one enrolment's history.
 */
const routes: FastifyPluginAsync = async (app) => {
  const service = EnrolmentService.of(app);
  const quotas = QuotaService.of(app);

  // ------------------------------------------------------------ member

  app.post('/activities/:id/enrol', async (req, reply) => {
    const id = idOf(req);
    const status = service.enrol(req.viewer, id);
    const next = safeNext((req.body as { next?: unknown } | undefined)?.next, `/activities/${id}`);
    return reply.redirectWith(next, `enrolments.flash.enrolled_${status}`);
  });

  app.post('/activities/:id/withdraw', async (req, reply) => {
    const id = idOf(req);
    const reason = noteText.safeParse((req.body as { reason?: unknown } | undefined)?.reason);
    service.withdraw(req.viewer, id, reason.success ? reason.data : null);
    const next = safeNext((req.body as { next?: unknown } | undefined)?.next, `/activities/${id}`);
    return reply.redirectWith(next, 'enrolments.flash.withdrawn');
  });

  app.get('/enrolments', async (req, reply) => {
    const data = service.mine(req.viewer);
    const toConfirm = quotas.awaitingConfirmation(
      req.viewer!.memberId!,
      data.enrolled.map((e) => e.id),
    );
    return reply.render('enrolments/mine', { ...data, toConfirm });
  });

  // ------------------------------------------------------------ nominations

  const nominatePage = (req: FastifyRequest) => {
    const id = idOf(req);
    const q = parseQuery(nominateQuery, req.query);
    const rawQ = typeof (req.query as { q?: unknown }).q === 'string' ? (req.query as { q: string }).q : '';
    const data = service.nominationPage(req.viewer, id, q);
    return {
      ...data,
      ranking: quotas.ranking(req.viewer, id),
      rawQ,
      withQuery: (c: Record<string, unknown>) => withQuery({ q: rawQ, page: q.page }, c),
      action: `/activities/${id}/nominate${queryString(req)}`,
    };
  };

  app.get('/activities/:id/nominate', async (req, reply) => reply.render('enrolments/nominate', nominatePage(req)));

  app.post('/activities/:id/nominate', async (req, reply) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const form = parseForm(nominateForm, body);
      const notes: Record<number, string | null> = {};
      for (const m of form.memberIds) {
        const r = noteText.safeParse(body[`note_${m}`]);
        if (!r.success) throw new FormError({ [`note_${m}`]: 'errors.tooLong' });
        notes[m] = r.data;
      }
      const result = service.nominate(req.viewer, id, { memberIds: form.memberIds, notes, override: form.override });
      const flash = isOffice(req.viewer)
        ? result.statuses.includes('waitlisted')
          ? 'enrolments.flash.officeEnrolledSomeWaitlisted'
          : 'enrolments.flash.officeEnrolled'
        : 'enrolments.flash.nominated';
      return reply.redirectWith(`/activities/${id}/nominate${queryString(req)}`, flash);
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('enrolments/nominate', nominatePage(req), err, body);
      throw err;
    }
  });

  // ------------------------------------------------------------ the office's queue

  const queuePage = (req: FastifyRequest) => {
    const q = parseQuery(queueQuery, req.query);
    // seats whose confirm-by date passed are released before the office looks
    if (isOffice(req.viewer)) quotas.sweep(new Date(), q.activity);
    const data = service.queue(req.viewer, q);
    const current = { activity: q.activity, unit: q.unit, status: data.status, page: q.page };
    return {
      ...data,
      q: current,
      withQuery: (c: Record<string, unknown>) => withQuery(current, c),
      action: `/nominations/decide${withQuery(current, {})}`,
    };
  };

  app.get('/nominations', async (req, reply) => reply.render('enrolments/queue', queuePage(req)));

  app.post('/nominations/decide', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const form = parseForm(bulkForm, body);
      let ids = form.ids;
      let action: Decision | undefined = form.action;
      if (form.single) {
        const [a, n] = form.single.split(':');
        action = a as Decision;
        ids = [Number(n)];
      }
      if (!action) throw new FormError({ action: 'enrolments.errors.chooseAction' });
      const result = service.decide(req.viewer, ids, action, { reason: form.reason, override: form.override });
      const q = parseQuery(queueQuery, req.query);
      return reply.redirectWith(
        `/nominations${withQuery({ ...q, page: q.page > 1 ? q.page : '' }, {})}`,
        flashOf(action, result),
      );
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('enrolments/queue', queuePage(req), err, body);
      throw err;
    }
  });

  // ------------------------------------------------------------ one enrolment

  const detailPage = (req: FastifyRequest, id: number) => ({
    ...service.detail(req.viewer, id),
    quota: quotas.confirmation(req.viewer, id),
  });

  app.get('/enrolments/:id', async (req, reply) => reply.render('enrolments/detail', detailPage(req, idOf(req))));

  app.post('/enrolments/:id/confirm', async (req, reply) => {
    const id = idOf(req);
    quotas.confirm(req.viewer, id);
    const next = safeNext((req.body as { next?: unknown } | undefined)?.next, `/enrolments/${id}`);
    return reply.redirectWith(next, 'enrolments.quotas.flash.confirmed');
  });

  app.post('/enrolments/:id/decline', async (req, reply) => {
    const id = idOf(req);
    const reason = noteText.safeParse((req.body as { reason?: unknown } | undefined)?.reason);
    quotas.decline(req.viewer, id, reason.success ? reason.data : null);
    const next = safeNext((req.body as { next?: unknown } | undefined)?.next, `/enrolments/${id}`);
    return reply.redirectWith(next, 'enrolments.quotas.flash.declined');
  });

  app.post('/enrolments/:id/decide', async (req, reply) => {
    const id = idOf(req);
    try {
      const form = parseForm(decideForm, req.body);
      const result = service.decide(req.viewer, [id], form.action, { reason: form.reason, override: form.override });
      return reply.redirectWith(`/enrolments/${id}`, flashOf(form.action, result));
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('enrolments/detail', detailPage(req, id), err, req.body);
      throw err;
    }
  });

  app.post('/activities/:id/promote', async (req, reply) => {
    const id = idOf(req);
    const n = service.promote(req.viewer, id);
    return reply.redirectWith(
      `/activities/${id}/roster`,
      n ? 'enrolments.flash.promoted' : 'enrolments.flash.nothingToPromote',
    );
  });

  // ------------------------------------------------------------ unit quotas

  const quotaPage = (req: FastifyRequest, edit: number | null) => {
    const id = idOf(req);
    const data = quotas.page(req.viewer, id, edit);
    return { ...data, formValues: data.values };
  };

  app.get('/activities/:id/quotas', async (req, reply) => {
    const q = parseQuery(quotaQuery, req.query);
    const data = quotaPage(req, q.edit);
    return reply.render('enrolments/quotas', { ...data, values: data.formValues });
  });

  app.post('/activities/:id/quotas', async (req, reply) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const form = parseForm(quotaForm, body);
      const done = quotas.save(req.viewer, id, form);
      return reply.redirectWith(`/activities/${id}/quotas`, `enrolments.quotas.flash.${done}`);
    } catch (err) {
      if (err instanceof FormError) {
        const edit = typeof body.editing === 'string' && /^\d{1,15}$/.test(body.editing) ? Number(body.editing) : null;
        return reply.renderForm('enrolments/quotas', quotaPage(req, edit), err, body);
      }
      throw err;
    }
  });

  app.post('/activities/:id/quotas/:unitId/remove', async (req, reply) => {
    const id = idOf(req);
    const unitId = parseId((req.params as { unitId: string }).unitId);
    try {
      quotas.remove(req.viewer, id, unitId);
      return reply.redirectWith(`/activities/${id}/quotas`, 'enrolments.quotas.flash.removed');
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('enrolments/quotas', quotaPage(req, null), err, {});
      throw err;
    }
  });

  app.post('/activities/:id/ranks', async (req, reply) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const form = parseForm(rankForm, body);
      const { ranks, errors } = parseRanks(body);
      if (Object.keys(errors).length) throw new FormError({ ...errors, _form: 'enrolments.quotas.errors.rank' });
      const move = form.move
        ? { dir: form.move.split(':')[0] as 'up' | 'down', id: Number(form.move.split(':')[1]) }
        : null;
      quotas.rank(req.viewer, id, form.unit, { ranks, move });
      return reply.redirectWith(`/activities/${id}/nominate#quota-${form.unit}`, 'enrolments.quotas.flash.ranked');
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('enrolments/nominate', nominatePage(req), err, body);
      throw err;
    }
  });

  // ------------------------------------------------------------ rosters

  app.get('/activities/:id/roster', async (req, reply) => {
    const id = idOf(req);
    const q = parseQuery(rosterQuery, req.query);
    const data = service.roster(req.viewer, id, q);
    return reply.render('enrolments/roster', {
      ...data,
      q,
      withQuery: (c: Record<string, unknown>) => withQuery(q, c),
    });
  });

  app.get('/activities/:id/roster.csv', async (req, reply) => {
    const id = idOf(req);
    const q = parseQuery(rosterQuery, req.query);
    const { activity, rows } = service.rosterRows(req.viewer, id, q.status);
    const t = translator(req.locale);
    const tz = app.config.TAAHIL_TZ;
    const csv = toCsv(
      [
        t('enrolments.csv.number'),
        t('enrolments.csv.name'),
        t('enrolments.csv.unit'),
        t('enrolments.csv.phone'),
        t('enrolments.csv.status'),
        t('enrolments.csv.source'),
        t('enrolments.csv.nominatedBy'),
        t('enrolments.csv.waitlist'),
        t('enrolments.csv.enrolledOn'),
      ],
      rows.map((r, i) => [
        i + 1,
        r.memberName,
        r.memberUnitName,
        r.memberPhone,
        t(`enrolments.status.${r.status}`),
        t(`enrolments.source.${r.source}`),
        r.nominatingUnitName ?? '',
        r.status === 'waitlisted' ? r.waitlistSeq : '',
        isoDateInZone(r.createdAt, tz),
      ]),
    );
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="roster-${activity.id}.csv"`)
      .send(csv);
  });

  app.get('/activities/:id/sign-in-sheet', async (req, reply) => {
    const data = service.signInSheet(req.viewer, idOf(req));
    const secret = app.appSecret;
    return reply.render('enrolments/sign-in-sheet', {
      ...data,
      // a QR code per cell (session × member) that the cards feature's scan page reads back:
      // the parts every code shares once, each cell's own modules as the template draws it
      qrShared: qrFunctionPaths(),
      cellQr: (sessionId: number, memberId: number) => sheetCellQr(secret, sessionId, memberId),
      bodyClass: 'print-sheet',
      mainClass: 'sheet-main',
    });
  });
};

function flashOf(action: Decision, r: { approved: number; waitlisted: number; rejected: number }): string {
  if (action === 'approve')
    return r.waitlisted ? 'enrolments.flash.approvedSomeWaitlisted' : 'enrolments.flash.approved';
  if (action === 'reject') return 'enrolments.flash.rejected';
  return 'enrolments.flash.waitlisted';
}

export const feature: Feature = {
  name: 'enrolments',
  routes,
  setup(app) {
    // a raised capacity frees seats: the waiting list moves up at once
    app.events.on('activity.capacityChanged', ({ activityId, from, to, byUserId }) => {
      if (to === null || (from !== null && to > from)) EnrolmentService.of(app).promoteWaitlist(activityId, byUserId);
    });
    // quota seats nobody confirmed by their date go to the reserves (also done when the pages are read)
    const timer = setInterval(() => {
      try {
        QuotaService.of(app).sweep();
      } catch (err) {
        app.log.error({ err }, 'quota confirm-by sweep failed');
      }
    }, QUOTA_SWEEP_MS);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  nav: [
    { href: '/enrolments', label: 'enrolments.nav.mine', order: 150, show: isMember },
    {
      href: '/nominations',
      label: 'enrolments.nav.nominations',
      order: 350,
      show: (v) => isOffice(v) || isCoordinator(v),
    },
  ],
  panels(registry) {
    registry.add('activity', {
      order: 20,
      view: 'enrolments/activity-panel',
      load: (req, subject) => {
        const id = subjectId(subject);
        return id ? EnrolmentService.of(req.server).activityPanel(req.viewer, id) : null;
      },
    });
    registry.add('member', {
      order: 20,
      view: 'enrolments/member-panel',
      load: (req, subject) => {
        const id = subjectId(subject);
        return id ? EnrolmentService.of(req.server).memberPanel(req.viewer, id) : null;
      },
    });
  },
};

/** pages pass their subject as an id, a row ({ id }) or a joined row ({ a: { id } } / { m: { id } }) */
function subjectId(s: unknown): number | null {
  if (typeof s === 'number') return s;
  if (s && typeof s === 'object') {
    const o = s as Record<string, any>;
    if (typeof o.id === 'number') return o.id;
    for (const k of ['activity', 'member', 'a', 'm']) if (o[k] && typeof o[k].id === 'number') return o[k].id;
  }
  return null;
}
