import fs from 'node:fs';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { isoDateInZone, isoTimeInZone } from '../core/time.ts';
import { withQuery } from '../core/urls.ts';
import { activityFormSchema, catalogueQuery, publicCatalogueSchema, statusFormSchema } from './schemas.ts';
import { type Activity, ActivityService, TRANSITIONS } from './service.ts';

/** Reads one uploaded file from a multipart request (size limit → form error, not a crash). */
export async function readUpload(req: FastifyRequest): Promise<{ filename: string; content: Buffer } | null> {
  const part = await req.file();
  if (!part) return null;
  try {
    const content = await part.toBuffer();
    return { filename: part.filename, content };
  } catch (err: any) {
    if (err?.code === 'FST_REQ_FILE_TOO_LARGE') throw new FormError({ file: 'activities.errors.fileTooLarge' });
    throw err;
  }
}

/** Sends a stored material with a safe Content-Disposition (the name is never a path). */
export function sendMaterial(reply: FastifyReply, m: { file: string; filename: string; mime: string; size: number }) {
  const inline = m.mime === 'application/pdf' || m.mime.startsWith('image/');
  const ascii = m.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return reply
    .type(m.mime)
    .header('content-length', m.size)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .header(
      'content-disposition',
      `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(m.filename)}`,
    )
    .send(fs.createReadStream(m.file));
}

function formValues(a: Activity, tz: string) {
  const dt = (d: Date | null) => (d ? `${isoDateInZone(d, tz)}T${isoTimeInZone(d, tz)}` : '');
  return {
    ...a,
    honoree: a.honoree ?? '',
    seriesNumber: a.seriesNumber ?? '',
    description: a.description ?? '',
    topics: a.topics ?? '',
    phaseId: a.phaseId ?? '',
    audienceUnitId: a.audienceUnitId ?? '',
    councilIds: a.councils.map((c) => String(c.id)),
    location: a.location ?? '',
    capacity: a.capacity ?? '',
    enrolOpensAt: dt(a.enrolOpensAt),
    enrolClosesAt: dt(a.enrolClosesAt),
    withdrawCutoffAt: dt(a.withdrawCutoffAt),
    maxConsecutiveAbsences: a.maxConsecutiveAbsences ?? '',
    passMark: a.passMark ?? '',
    absenceAlertAfter: a.absenceAlertAfter ?? '',
  };
}

export const NEW_ACTIVITY_DEFAULTS = {
  kind: 'seminar',
  audienceKind: 'everyone',
  selfEnrol: true,
  autoApprove: false,
  minAttendancePct: 75,
  lateCounts: true,
  excusedExcluded: true,
  denominator: 'held',
  excusedWeight: 0,
  dropLowest: 0,
  checkinOpensBeforeMin: 15,
  lateAfterMin: 10,
  editWindowDays: 7,
};

const routes: FastifyPluginAsync = async (app) => {
  const service = new ActivityService(app.db, app.audit, app.events, app.config);
  const tz = app.config.TAAHIL_TZ;

  /** the activity page, also re-rendered with errors of its status or upload forms */
  async function activityPage(
    req: FastifyRequest,
    reply: FastifyReply,
    id: number,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const view = service.get(req.viewer, id);
    const panels = await app.panels.load('activity', req, view.activity);
    return reply.render(
      'activities/show',
      {
        ...view,
        summary: service.summary(id),
        materials: service.repo.materialsOf(id),
        transitions: view.canPlan ? TRANSITIONS[view.activity.status] : [],
        panels,
        ...extra,
      },
      status,
    );
  }

  app.get('/activities', { config: { public: true } }, async (req, reply) => {
    if (!req.viewer && !service.isPublicCatalogue())
      return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`);
    const q = parseQuery(catalogueQuery, req.query);
    const result = service.catalogue(req.viewer, q);
    return reply.render('activities/catalogue', {
      ...result,
      q,
      publicCatalogue: service.isPublicCatalogue(),
      withQuery: (c: Record<string, unknown>) => `/activities${withQuery(q, c)}`,
    });
  });

  app.post('/activities/public-catalogue', async (req, reply) => {
    const form = parseForm(publicCatalogueSchema, req.body);
    service.setPublicCatalogue(req.viewer, form.enabled);
    return reply.redirectWith('/activities', form.enabled ? 'activities.publicOn' : 'activities.publicOff');
  });

  app.get('/activities/new', async (req, reply) => {
    const options = service.formOptions(req.viewer);
    const values: Record<string, unknown> = { ...NEW_ACTIVITY_DEFAULTS, organisingUnitId: options.units[0]?.id ?? '' };
    return reply.render('activities/form', { ...options, activity: null, values });
  });

  app.post('/activities', async (req, reply) => {
    const options = service.formOptions(req.viewer);
    try {
      const id = service.create(req.viewer, parseForm(activityFormSchema, req.body));
      return reply.redirectWith(`/activities/${id}`, 'activities.created');
    } catch (err) {
      if (err instanceof FormError)
        return reply.renderForm('activities/form', { ...options, activity: null }, err, req.body);
      throw err;
    }
  });

  app.get('/activities/:id', async (req, reply) =>
    activityPage(req, reply, parseId((req.params as { id: string }).id)),
  );

  app.get('/activities/:id/edit', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const activity = service.getForPlanning(req.viewer, id);
    const options = service.formOptions(req.viewer);
    return reply.render('activities/form', {
      ...options,
      activity,
      seatsTaken: service.repo.seatsTaken(id),
      values: formValues(activity, tz),
    });
  });

  app.post('/activities/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const activity = service.getForPlanning(req.viewer, id);
    const options = service.formOptions(req.viewer);
    try {
      service.update(req.viewer, id, parseForm(activityFormSchema, req.body));
      return reply.redirectWith(`/activities/${id}`, 'common.saved');
    } catch (err) {
      if (err instanceof FormError)
        return reply.renderForm(
          'activities/form',
          { ...options, activity, seatsTaken: service.repo.seatsTaken(id) },
          err,
          req.body,
        );
      throw err;
    }
  });

  app.post('/activities/:id/status', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      const form = parseForm(statusFormSchema, req.body);
      service.setStatus(req.viewer, id, form.to, form.reason);
      return reply.redirectWith(`/activities/${id}`, 'activities.statusChanged');
    } catch (err) {
      if (err instanceof FormError) {
        service.getForPlanning(req.viewer, id);
        return activityPage(req, reply, id, { statusErrors: err.fieldErrors, statusValues: req.body ?? {} }, 400);
      }
      throw err;
    }
  });

  app.post('/activities/:id/materials', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    service.get(req.viewer, id);
    try {
      const file = await readUpload(req);
      service.addMaterial(req.viewer, id, null, file);
      return reply.redirectWith(`/activities/${id}#materials`, 'activities.materialAdded');
    } catch (err) {
      if (err instanceof FormError) return activityPage(req, reply, id, { materialErrors: err.fieldErrors }, 400);
      throw err;
    }
  });

  app.get('/materials/:id', async (req, reply) => {
    const m = service.material(req.viewer, parseId((req.params as { id: string }).id));
    return sendMaterial(reply, m);
  });

  app.post('/materials/:id/delete', async (req, reply) => {
    const { activityId, sessionId } = service.deleteMaterial(req.viewer, parseId((req.params as { id: string }).id));
    return reply.redirectWith(
      sessionId ? `/sessions/${sessionId}` : `/activities/${activityId}`,
      'activities.materialDeleted',
    );
  });
};

export const feature: Feature = {
  name: 'activities',
  routes,
  nav: [{ href: '/activities', label: 'activities.nav', order: 100, show: () => true }],
};
