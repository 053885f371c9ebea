import type { FastifyPluginAsync } from 'fastify';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { isOffice, type Viewer } from '../core/policy.ts';
import { moveSchema, phaseFormSchema, programmeFormSchema } from './schemas.ts';
import { ProgrammeService } from './service.ts';

const routes: FastifyPluginAsync = async (app) => {
  const service = new ProgrammeService(app.db, app.audit);
  const idOf = (req: { params: unknown }) => parseId((req.params as { id: string }).id);

  app.get('/programmes', async (req, reply) => reply.render('programmes/list', service.list(req.viewer)));

  app.post('/programmes', async (req, reply) => {
    try {
      const id = service.create(req.viewer, parseForm(programmeFormSchema, req.body));
      return reply.redirectWith(`/programmes/${id}`, 'programmes.created');
    } catch (err) {
      if (err instanceof FormError) return reply.renderForm('programmes/list', service.list(req.viewer), err, req.body);
      throw err;
    }
  });

  /** The programme page's data: its own form filled from the programme, plus the phase forms' state. */
  const showPage = (viewer: Viewer | null, programmeId: number, phaseForms: Record<string, unknown> = {}) => {
    const data = service.get(viewer, programmeId);
    const p = data.programme;
    return {
      ...data,
      values: {
        title: p.title,
        description: p.description ?? '',
        organisingUnitId: p.organisingUnitId ?? '',
        archived: !!p.archivedAt,
      },
      phaseValues: { requiresPrevious: true },
      phaseErrors: {},
      ...phaseForms,
    };
  };

  app.get('/programmes/:id', async (req, reply) => reply.render('programmes/show', showPage(req.viewer, idOf(req))));

  app.post('/programmes/:id', async (req, reply) => {
    const id = idOf(req);
    try {
      service.update(req.viewer, id, parseForm(programmeFormSchema, req.body));
      return reply.redirectWith(`/programmes/${id}`, 'common.saved');
    } catch (err) {
      if (err instanceof FormError)
        return reply.renderForm(
          'programmes/show',
          { ...service.get(req.viewer, id), phaseValues: {}, phaseErrors: {} },
          err,
          req.body,
        );
      throw err;
    }
  });

  app.post('/programmes/:id/phases', async (req, reply) => {
    const id = idOf(req);
    try {
      service.addPhase(req.viewer, id, parseForm(phaseFormSchema, req.body));
      return reply.redirectWith(`/programmes/${id}`, 'programmes.phaseAdded');
    } catch (err) {
      if (err instanceof FormError) {
        const page = showPage(req.viewer, id, { phaseValues: req.body ?? {}, phaseErrors: err.fieldErrors });
        return reply.render('programmes/show', page, 400);
      }
      throw err;
    }
  });

  app.post('/phases/:id', async (req, reply) => {
    const id = idOf(req);
    const phase = service.phase(req.viewer, id);
    try {
      service.updatePhase(req.viewer, id, parseForm(phaseFormSchema, req.body));
      return reply.redirectWith(`/programmes/${phase.programmeId}#phase-${id}`, 'common.saved');
    } catch (err) {
      if (err instanceof FormError) {
        const page = showPage(req.viewer, phase.programmeId, {
          editPhaseId: id,
          editPhaseErrors: err.fieldErrors,
          editPhaseValues: req.body ?? {},
        });
        return reply.render('programmes/show', page, 400);
      }
      throw err;
    }
  });

  app.post('/phases/:id/move', async (req, reply) => {
    const id = idOf(req);
    service.phase(req.viewer, id);
    const { direction } = parseForm(moveSchema, req.body);
    const programmeId = service.movePhase(req.viewer, id, direction);
    return reply.redirectWith(`/programmes/${programmeId}#phase-${id}`, 'programmes.phaseMoved');
  });
};

export const feature: Feature = {
  name: 'programmes',
  routes,
  nav: [{ href: '/programmes', label: 'programmes.nav', order: 110, show: isOffice }],
};
