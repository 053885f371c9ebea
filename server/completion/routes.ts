import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { FormError, HttpError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { translator } from '../core/i18n.ts';
import { parseId } from '../core/ids.ts';
import { isOffice } from '../core/policy.ts';
import { isoDateInZone } from '../core/time.ts';
import { withQuery } from '../core/urls.ts';
import { eligibilityQuery, overrideSchema } from './schemas.ts';
import { CompletionService } from './service.ts';

const services = new WeakMap<FastifyInstance, CompletionService>();
/** One service per app, shared by the routes, the panels and the event handlers. */
export function completionService(app: FastifyInstance): CompletionService {
  let s = services.get(app);
  if (!s) {
    s = new CompletionService(app.db, app.audit, app.events, app.config.TAAHIL_TZ);
    services.set(app, s);
  }
  return s;
}

const idOf = (req: FastifyRequest) => parseId((req.params as { id: string }).id);

/** Panels show nothing (rather than an error) to someone who may not see them. */
function quietly<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (err) {
    if (err instanceof HttpError && (err.statusCode === 403 || err.statusCode === 404)) return null;
    throw err;
  }
}

const routes: FastifyPluginAsync = async (app) => {
  const service = completionService(app);

  app.get('/activities/:id/completion', async (req, reply) => {
    const data = service.activityProgress(req.viewer, idOf(req));
    return reply.render('completion/activity', data);
  });

  app.post('/activities/:id/completion/decide', async (req, reply) => {
    const id = idOf(req);
    try {
      service.decideNow(req.viewer, id);
    } catch (err) {
      if (err instanceof FormError)
        return reply.renderForm('completion/activity', service.activityProgress(req.viewer, id), err, {});
      throw err;
    }
    return reply.redirectWith(`/activities/${id}/completion`, 'completion.decided');
  });

  app.get('/activities/:id/assessment', async (req, reply) => {
    return reply.render('completion/assessment', service.assessment(req.viewer, idOf(req)));
  });

  app.post('/activities/:id/assessment', async (req, reply) => {
    const id = idOf(req);
    try {
      service.saveScores(req.viewer, id, (req.body ?? {}) as Record<string, unknown>);
    } catch (err) {
      if (err instanceof FormError)
        return reply.renderForm('completion/assessment', service.assessment(req.viewer, id), err, req.body);
      throw err;
    }
    return reply.redirectWith(`/activities/${id}/completion`, 'completion.scoresSaved');
  });

  app.get('/enrolments/:id/result', async (req, reply) => {
    return reply.render('completion/override', service.overrideView(req.viewer, idOf(req)));
  });

  app.post('/enrolments/:id/result', async (req, reply) => {
    const id = idOf(req);
    const view = service.overrideView(req.viewer, id);
    try {
      service.override(req.viewer, id, parseForm(overrideSchema, req.body));
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('completion/override', view, err, req.body);
      throw err;
    }
    return reply.redirectWith(`/activities/${view.activity.id}/completion`, 'completion.overridden');
  });

  app.get('/programmes/:id/eligibility', async (req, reply) => {
    const q = parseQuery(eligibilityQuery, req.query);
    const data = service.eligibility(req.viewer, idOf(req), q);
    return reply.render('completion/eligibility', {
      ...data,
      q,
      withQuery: (c: Record<string, unknown>) => withQuery(q, c),
    });
  });

  app.get('/programmes/:id/eligibility.csv', async (req, reply) => {
    const q = parseQuery(eligibilityQuery, req.query);
    const data = service.eligibility(req.viewer, idOf(req), q, true);
    const t = translator(req.locale);
    const en = req.locale === 'en';
    const tz = app.config.TAAHIL_TZ;
    const csv = stringify([
      [
        t('completion.member'),
        t('completion.unit'),
        t('common.phone'),
        t('completion.activity'),
        t('completion.completedAt'),
      ],
      ...data.rows.map((r) => [
        r.fullName,
        (en && r.unitNameEn) || r.unitNameAr,
        r.phone ?? '',
        r.activityTitle,
        // YYYY-MM-DD in the organisation's zone (what toLocaleDateString('en-CA') gave, without
        // building an Intl formatter for every row: 0.2 ms each)
        r.completedAt ? isoDateInZone(r.completedAt, tz) : '',
      ]),
    ]);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="eligibility-${data.programme.id}.csv"`)
      .header('cache-control', 'no-store')
      .send(`\uFEFF${csv}`);
  });
};

export const feature: Feature = {
  name: 'completion',
  routes,
  panels: (registry) => {
    registry.add('activity', {
      order: 40,
      view: 'completion/activity-panel',
      load: (req, subject: { id: number }) => {
        const data = quietly(() =>
          completionService(req.server).activityProgress(req.viewer, subject.id, { quiet: true }),
        );
        if (!data || (data.scope === 'own' && data.rows.length === 0)) return null;
        return data;
      },
    });
    registry.add('member', {
      order: 40,
      view: 'completion/member-panel',
      load: (req, subject: { id: number }) =>
        quietly(() => completionService(req.server).memberProgress(req.viewer, subject.id)),
    });
    registry.add('dashboard', {
      order: 40,
      view: 'completion/dashboard-panel',
      load: (req) => {
        const v = req.viewer;
        if (!v) return null;
        const service = completionService(req.server);
        const own = v.memberId
          ? (quietly(() => service.memberProgress(v, v.memberId!))?.rows.filter(
              (r) => r.status === 'approved' || r.status === 'completed',
            ) ?? [])
          : [];
        const programmes = isOffice(v) ? service.programmes(v) : [];
        if (own.length === 0 && programmes.length === 0 && !v.memberId) return null;
        return { own, programmes, memberId: v.memberId };
      },
    });
  },
  setup: (app) => {
    const service = completionService(app);
    app.events.on('activity.statusChanged', (e) => {
      if (e.to === 'finished') service.decideActivity(e.activityId, e.byUserId);
    });
    app.events.on('attendance.changed', (e) => {
      const memberIds = [...new Set(e.changes.map((c) => c.memberId))];
      if (memberIds.length) service.decideActivity(e.activityId, e.byUserId, memberIds);
    });
  },
};
