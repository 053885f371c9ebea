import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { translate } from '../core/i18n.ts';
import { parseId } from '../core/ids.ts';
import { isOffice, isTrainer } from '../core/policy.ts';
import { dateFormatter } from '../core/time.ts';
import { pageOf, publicBase, withQuery } from '../core/urls.ts';
import {
  checkinQuery,
  checkinSchema,
  matrixQuery,
  parseRosterForm,
  readRosterBody,
  rosterFields,
  rosterQuery,
  sentStatusIds,
} from './schemas.ts';
import { AttendanceService, MATRIX_PAGE } from './service.ts';

const wantsJson = (req: FastifyRequest) =>
  !!req.headers.accept?.includes('application/json') && !req.headers.accept.includes('text/html');

/** the id in a panel's subject: the page gives its row (or its id) */
const subjectId = (subject: unknown): number | null => {
  if (typeof subject === 'number') return subject;
  const id = (subject as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? id : null;
};

const checkinLimit = (max: number) => ({
  max,
  timeWindow: '1 minute',
  groupId: 'attendance-checkin',
  keyGenerator: (req: FastifyRequest) => (req.viewer ? `u${req.viewer.userId}` : `ip${req.ip}`),
});

const routes: FastifyPluginAsync = async (app) => {
  const service = new AttendanceService(app.db, app.audit, app.events);
  const tz = app.config.TAAHIL_TZ;

  app.get('/today', async (req, reply) => {
    const data = service.today(req.viewer, tz);
    return reply.render('attendance/today', { ...data, isOffice: isOffice(req.viewer) });
  });

  // ---------------------------------------------------------------- roster
  const renderRoster = async (
    req: FastifyRequest,
    sessionId: number,
    extra: { q?: string; extraIds?: number[] } = {},
  ) => {
    const q = extra.q ?? parseQuery(rosterQuery, req.query).q;
    return service.roster(req.viewer, sessionId, { q, base: publicBase(req), extraIds: extra.extraIds ?? [] });
  };

  app.get('/sessions/:id/attendance', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const q = parseQuery(rosterQuery, req.query).q;
    const data = await renderRoster(req, id, { q });
    return reply.render('attendance/roster', { ...data, q, extraJs: 'js/attendance.js', bodyClass: 'roster-page' });
  });

  // A roster's form has two fields per member (600 for a lecture of 300): its POST reads them
  // with its own parser (readRosterBody), in a context of its own so other forms keep formbody's.
  await app.register(async (roster) => {
    roster.removeContentTypeParser('application/x-www-form-urlencoded');
    roster.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, text, done) =>
      done(null, readRosterBody(text as string)),
    );
    roster.post('/sessions/:id/attendance', async (req, reply) => {
      const id = parseId((req.params as { id: string }).id);
      try {
        const form = parseRosterForm(req.body);
        const { changed } = service.save(req.viewer, id, form, { ip: req.ip });
        const key = changed ? 'attendance.saved' : 'attendance.noChanges';
        if (wantsJson(req))
          return reply.send({
            ok: true,
            changed,
            message: translate(req.locale, changed ? 'attendance.savedCount' : key, { count: changed }),
          });
        return reply.redirectWith(`/sessions/${id}/attendance`, key);
      } catch (err) {
        if (!(err instanceof FormError)) throw err;
        if (wantsJson(req)) {
          const errors: Record<string, string> = {};
          for (const [field, key] of Object.entries(err.fieldErrors)) errors[field] = translate(req.locale, key);
          const first = err.fieldErrors._form ?? Object.values(err.fieldErrors)[0];
          return reply.code(400).send({ ok: false, error: translate(req.locale, first), errors });
        }
        const data = await renderRoster(req, id, { q: '', extraIds: sentStatusIds(req.body) });
        return reply.renderForm(
          'attendance/roster',
          { ...data, q: '', extraJs: 'js/attendance.js', bodyClass: 'roster-page' },
          err,
          rosterFields(req.body),
        );
      }
    });
  });

  // ---------------------------------------------------------------- check-in
  app.get('/check-in', async (req, reply) => {
    const { code } = parseQuery(checkinQuery, req.query);
    return reply.render('attendance/checkin', {
      session: null,
      open: service.openForMember(req.viewer),
      values: { code },
      hasMember: !!req.viewer?.memberId,
    });
  });

  const checkinPost = (scoped: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const id = scoped ? parseId((req.params as { id: string }).id) : null;
    const page = id ? service.checkinPage(req.viewer, id) : null;
    const data = {
      session: page?.session ?? null,
      activity: page?.activity ?? null,
      open: id ? [] : service.openForMember(req.viewer),
      hasMember: !!req.viewer?.memberId,
    };
    try {
      const form = parseForm(checkinSchema, req.body);
      const result = service.checkIn(req.viewer, form.code, page, { ip: req.ip });
      if (wantsJson(req)) return reply.send({ ok: true, ...result });
      return reply.render('attendance/checkin', { ...data, result });
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      if (wantsJson(req))
        return reply
          .code(400)
          .send({ ok: false, error: translate(req.locale, Object.values(err.fieldErrors)[0] ?? 'errors.invalid') });
      return reply.renderForm('attendance/checkin', data, err, req.body);
    }
  };

  app.post(
    '/check-in',
    { config: { rateLimit: checkinLimit(app.config.TAAHIL_LOGIN_MAX_PER_MINUTE) } },
    checkinPost(false),
  );

  app.get('/sessions/:id/check-in', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const { session, activity } = service.checkinPage(req.viewer, id);
    const { code } = parseQuery(checkinQuery, req.query);
    return reply.render('attendance/checkin', {
      session,
      activity,
      open: [],
      values: { code },
      hasMember: !!req.viewer?.memberId,
    });
  });

  app.post(
    '/sessions/:id/check-in',
    { config: { rateLimit: checkinLimit(app.config.TAAHIL_LOGIN_MAX_PER_MINUTE) } },
    checkinPost(true),
  );

  // ---------------------------------------------------------------- matrix
  app.get('/activities/:id/attendance', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const q = parseQuery(matrixQuery, req.query);
    const m = service.matrix(req.viewer, id);
    const shown = pageOf(m.rows, q.page, MATRIX_PAGE);
    return reply.render('attendance/matrix', {
      ...m,
      pageRows: shown.rows,
      page: shown.page,
      pages: shown.pages,
      total: shown.total,
      withQuery: (c: Record<string, unknown>) => withQuery(q, c),
      mainClass: 'container wide',
    });
  });

  app.get('/activities/:id/attendance.csv', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const m = service.matrix(req.viewer, id);
    const t = (k: string) => translate(req.locale, k);
    const f = dateFormatter(req.locale, tz);
    const letter = (s: string | undefined) => (s ? t(`attendance.short.${s}`) : '');
    const header = [
      t('attendance.member'),
      t('attendance.unit'),
      ...m.columns.map((c) => `${f.date(c.startsAt)} ${f.time(c.startsAt)}`),
      t('attendance.status.present'),
      t('attendance.status.late'),
      t('attendance.status.excused'),
      t('attendance.status.absent'),
      t('attendance.ratePct'),
    ];
    const lines = m.rows.map((r) => [
      r.fullName,
      req.locale === 'en' && r.unitNameEn ? r.unitNameEn : r.unitNameAr,
      ...m.columns.map((c) => letter(r.cells.get(c.id))),
      r.counts.present,
      r.counts.late,
      r.counts.excused,
      r.counts.absent,
      r.rate ?? '',
    ]);
    const footer = [t('attendance.sessionRate'), '', ...m.columns.map((c) => c.rate ?? ''), '', '', '', '', ''];
    const csv = `\uFEFF${stringify([header, ...lines, footer])}`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="attendance-${m.activity.id}.csv"`)
      .send(csv);
  });
};

export const feature: Feature = {
  name: 'attendance',
  routes,
  nav: [
    { href: '/today', label: 'attendance.nav.today', order: 150, show: (v) => isOffice(v) || isTrainer(v) },
    { href: '/check-in', label: 'attendance.nav.checkIn', order: 160, show: (v) => v.memberId !== null },
  ],
  panels: (registry) => {
    registry.add('session', {
      order: 20,
      view: 'attendance/session-panel',
      load: (req, subject) => {
        const id = subjectId(subject);
        return id
          ? new AttendanceService(req.server.db, req.server.audit, req.server.events).sessionSummary(req.viewer, id)
          : null;
      },
    });
    registry.add('activity', {
      order: 40,
      view: 'attendance/activity-panel',
      load: (req, subject) => {
        const id = subjectId(subject);
        return id
          ? new AttendanceService(req.server.db, req.server.audit, req.server.events).activitySummary(req.viewer, id)
          : null;
      },
    });
    registry.add('member', {
      order: 40,
      view: 'attendance/member-panel',
      load: (req, subject) => {
        const id = subjectId(subject);
        return id
          ? new AttendanceService(req.server.db, req.server.audit, req.server.events).memberHistory(req.viewer, id)
          : null;
      },
    });
    registry.add('dashboard', {
      order: 10,
      view: 'attendance/dashboard-panel',
      load: (req) => {
        const v = req.viewer;
        if (!v) return null;
        const service = new AttendanceService(req.server.db, req.server.audit, req.server.events);
        // a member's own: the sessions open for check-in now and their last marks (today's
        // sessions to mark are on the trainer's card, the day's page in the menu)
        const open = service.openForMember(v);
        const recent = service.myRecent(v);
        if (!open.length && !recent.length) return null;
        return { open, recent };
      },
    });
  },
  setup: (app) => {
    const service = new AttendanceService(app.db, app.audit, app.events);
    // a session cancelled or restored changes which marks count
    app.events.on('sessions.changed', ({ activityId }) => service.recomputeActivity(activityId));
    // an enrolment that starts (or returns) after marks exist picks up the marks it already has
    app.events.on('enrolment.statusChanged', ({ activityId, memberId }) =>
      service.recomputeMember(activityId, memberId),
    );
  },
};
