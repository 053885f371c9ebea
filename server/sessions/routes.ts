import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { readUpload } from '../activities/routes.ts';
import { ActivityService } from '../activities/service.ts';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { cancelSessionSchema, ruleFormSchema, sessionFormSchema } from './schemas.ts';
import { SessionService } from './service.ts';

const WEEKDAYS = [6, 0, 1, 2, 3, 4, 5];

const routes: FastifyPluginAsync = async (app) => {
  const activities = new ActivityService(app.db, app.audit, app.events, app.config);
  const service = new SessionService(app.db, app.audit, app.events, app.config, activities);

  async function listPage(
    req: FastifyRequest,
    reply: FastifyReply,
    id: number,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const data = service.list(req.viewer, id);
    return reply.render(
      'sessions/list',
      {
        ...data,
        // the forms (and their trainer select) are only for those who plan the activity
        ...(data.canPlan ? service.formOptions() : { trainers: [] }),
        weekdays: WEEKDAYS,
        ruleValues: service.ruleValues(data.activity),
        addValues: { place: data.activity.location ?? '' },
        ruleErrors: {},
        addErrors: {},
        ...extra,
      },
      status,
    );
  }

  async function sessionPage(
    req: FastifyRequest,
    reply: FastifyReply,
    id: number,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const data = service.get(req.viewer, id);
    const panels = await app.panels.load('session', req, data.session);
    const materials = activities.repo.materialsOf(data.activity.id).filter((m) => m.sessionId === id);
    return reply.render('sessions/show', { ...data, panels, materials, ...extra }, status);
  }

  app.get('/activities/:id/sessions', async (req, reply) =>
    listPage(req, reply, parseId((req.params as { id: string }).id)),
  );

  app.post('/activities/:id/sessions', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      const { id: sid, clashes } = service.add(req.viewer, id, parseForm(sessionFormSchema, req.body));
      return reply.redirectWith(`/sessions/${sid}`, clashes.length ? 'sessions.savedWithClashes' : 'sessions.added');
    } catch (err) {
      if (err instanceof FormError) {
        activities.getForPlanning(req.viewer, id);
        return listPage(req, reply, id, { addErrors: err.fieldErrors, addValues: req.body ?? {} }, 400);
      }
      throw err;
    }
  });

  app.post('/activities/:id/sessions/generate', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      service.generate(req.viewer, id, parseForm(ruleFormSchema, req.body));
      return reply.redirectWith(`/activities/${id}/sessions`, 'sessions.generated');
    } catch (err) {
      if (err instanceof FormError) {
        activities.getForPlanning(req.viewer, id);
        const body = (req.body ?? {}) as Record<string, unknown>;
        const weekdays = body.weekdays === undefined ? [] : [body.weekdays].flat();
        return listPage(req, reply, id, { ruleErrors: err.fieldErrors, ruleValues: { ...body, weekdays } }, 400);
      }
      throw err;
    }
  });

  app.get('/sessions/:id', async (req, reply) => sessionPage(req, reply, parseId((req.params as { id: string }).id)));

  app.get('/sessions/:id/edit', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const data = service.get(req.viewer, id);
    if (!data.canPlan) activities.getForPlanning(req.viewer, data.activity.id);
    return reply.render('sessions/form', {
      ...data,
      ...service.formOptions(),
      values: service.sessionValues(data.session),
    });
  });

  app.post('/sessions/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      const { clashes } = service.update(req.viewer, id, parseForm(sessionFormSchema, req.body));
      return reply.redirectWith(`/sessions/${id}`, clashes.length ? 'sessions.savedWithClashes' : 'common.saved');
    } catch (err) {
      if (err instanceof FormError) {
        const data = service.get(req.viewer, id);
        return reply.renderForm('sessions/form', { ...data, ...service.formOptions() }, err, req.body);
      }
      throw err;
    }
  });

  app.post('/sessions/:id/cancel', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      const { reason } = parseForm(cancelSessionSchema, req.body);
      service.cancel(req.viewer, id, reason);
      return reply.redirectWith(`/sessions/${id}`, 'sessions.cancelled');
    } catch (err) {
      if (err instanceof FormError) {
        const data = service.get(req.viewer, id);
        if (!data.canPlan) activities.getForPlanning(req.viewer, data.activity.id);
        return sessionPage(req, reply, id, { cancelErrors: err.fieldErrors }, 400);
      }
      throw err;
    }
  });

  app.post('/sessions/:id/restore', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    service.restore(req.viewer, id);
    return reply.redirectWith(`/sessions/${id}`, 'sessions.restored');
  });

  app.post('/sessions/:id/delete', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    try {
      const activityId = service.remove(req.viewer, id);
      return reply.redirectWith(`/activities/${activityId}/sessions`, 'sessions.deleted');
    } catch (err) {
      if (err instanceof FormError) return sessionPage(req, reply, id, { cancelErrors: err.fieldErrors }, 400);
      throw err;
    }
  });

  app.post('/sessions/:id/materials', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const { activity } = service.get(req.viewer, id);
    try {
      const file = await readUpload(req);
      activities.addMaterial(req.viewer, activity.id, id, file);
      return reply.redirectWith(`/sessions/${id}#materials`, 'activities.materialAdded');
    } catch (err) {
      if (err instanceof FormError) return sessionPage(req, reply, id, { materialErrors: err.fieldErrors }, 400);
      throw err;
    }
  });
};

export const feature: Feature = { name: 'sessions', routes };
