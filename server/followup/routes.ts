import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sendMaterial } from '../activities/routes.ts';
import { FormError, HttpError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { isCoordinator, isMember, isOffice, isTrainer } from '../core/policy.ts';
import { withQuery } from '../core/urls.ts';
import { DigestService } from './digest.ts';
import { AbsenceAlerts } from './escalation.ts';
import { apologySchema, decideSchema, digestQuery, newApologyQuery, queueQuery } from './schemas.ts';
import { ApologyService, type Upload } from './service.ts';

interface FollowupServices {
  apologies: ApologyService;
  alerts: AbsenceAlerts;
  digests: DigestService;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** the follow-up feature's services (set up once per app in feature.setup) */
    followup: FollowupServices;
  }
}

/** the feature's services, one set per app (routes, panels, the event handler and the weekly job share them) */
export function followupOf(app: FastifyInstance): FollowupServices {
  return app.followup;
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

/**
 * The apology form arrives as multipart (reason + optional file) or, without a file
 * input, urlencoded. A file over the upload limit becomes a message beside the field.
 */
async function readApologyForm(req: FastifyRequest): Promise<{ body: Record<string, string>; file: Upload | null }> {
  if (!req.isMultipart()) return { body: (req.body ?? {}) as Record<string, string>, file: null };
  const body: Record<string, string> = {};
  let file: Upload | null = null;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const content = await part.toBuffer();
        if (part.filename && content.length) file = { filename: part.filename, content };
      } else if (typeof part.value === 'string') body[part.fieldname] = part.value;
    }
  } catch (err: any) {
    if (err?.code === 'FST_REQ_FILE_TOO_LARGE' || err?.code === 'FST_FILES_LIMIT')
      throw Object.assign(new FormError({ file: 'followup.errors.fileTooLarge' }), { body });
    throw err;
  }
  return { body, file };
}

const routes: FastifyPluginAsync = async (app) => {
  const { apologies, digests } = followupOf(app);

  // ---------------------------------------------------------------- apologies

  app.get('/apologies', async (req, reply) => {
    const q = parseQuery(queueQuery, req.query);
    const data = apologies.queue(req.viewer, q);
    const upcoming = req.viewer?.memberId ? apologies.upcoming(req.viewer) : [];
    return reply.render('followup/queue', {
      ...data,
      q,
      upcoming,
      withQuery: (c: Record<string, unknown>) => withQuery(q, c),
    });
  });

  const formPage = (req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) =>
    reply.render('followup/apology-form', { sessions: apologies.upcoming(req.viewer), ...extra });

  app.get('/apologies/new', async (req, reply) => {
    const { session } = parseQuery(newApologyQuery, req.query);
    return formPage(req, reply, { values: { sessionId: session ?? '' } });
  });

  app.post('/apologies', async (req, reply) => {
    let body: Record<string, string> = {};
    try {
      const read = await readApologyForm(req);
      body = read.body;
      const form = parseForm(apologySchema, body);
      const id = apologies.send(req.viewer, form, read.file, { ip: req.ip });
      return reply.redirectWith(`/apologies/${id}`, 'followup.apologySent');
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      const kept = (err as FormError & { body?: Record<string, string> }).body ?? body;
      return reply.renderForm('followup/apology-form', { sessions: apologies.upcoming(req.viewer) }, err, kept);
    }
  });

  const showPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    id: number,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const apology = apologies.view(req.viewer, id);
    return reply.render('followup/apology', { apology, ...apologies.rights(req.viewer, apology), ...extra }, status);
  };

  app.get('/apologies/:id', async (req, reply) => showPage(req, reply, idOf(req)));

  app.post('/apologies/:id/decide', async (req, reply) => {
    const id = idOf(req);
    try {
      const form = parseForm(decideSchema, req.body);
      const { status } = apologies.decide(req.viewer, id, form, { ip: req.ip });
      const back = (req.body as { back?: string } | undefined)?.back;
      const to = back === 'queue' ? '/apologies' : `/apologies/${id}`;
      return reply.redirectWith(to, status === 'accepted' ? 'followup.accepted' : 'followup.refused');
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      const apology = apologies.view(req.viewer, id);
      return reply.renderForm('followup/apology', { apology, ...apologies.rights(req.viewer, apology) }, err, req.body);
    }
  });

  app.post('/apologies/:id/withdraw', async (req, reply) => {
    const id = idOf(req);
    try {
      apologies.withdraw(req.viewer, id, { ip: req.ip });
      return reply.redirectWith('/apologies', 'followup.withdrawn');
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      return showPage(req, reply, id, { errors: err.fieldErrors }, 400);
    }
  });

  app.get('/apologies/:id/attachment', async (req, reply) =>
    sendMaterial(reply, apologies.attachment(req.viewer, idOf(req))),
  );

  // ---------------------------------------------------------------- digest

  app.get('/followup/digest', async (req, reply) => {
    const q = parseQuery(digestQuery, req.query);
    const page = digests.page(req.viewer, q);
    // a list's pages keep the unit, the week and the page shown of the other lists (1: left out)
    const current = {
      unit: page.unit.id,
      from: page.fromValue,
      absencesPage: page.absences.page,
      atRiskPage: page.atRisk.page,
      upcomingPage: page.upcoming.page,
    };
    const pageUrl = (key: keyof typeof current, n: number) => {
      const params: Record<string, unknown> = { ...current, [key]: n };
      for (const k of ['absencesPage', 'atRiskPage', 'upcomingPage']) if (params[k] === 1) params[k] = undefined;
      return `/followup/digest${withQuery(params, {})}`;
    };
    return reply.render('followup/digest', { ...page, q, pageUrl });
  });
};

export const feature: Feature = {
  name: 'followup',
  routes,
  nav: [
    {
      href: '/apologies',
      label: 'followup.nav.apologies',
      order: 170,
      show: (v) => isMember(v) || isTrainer(v) || isOffice(v) || isCoordinator(v),
    },
    {
      href: '/followup/digest',
      label: 'followup.nav.digest',
      order: 230,
      show: (v) => isOffice(v) || isCoordinator(v),
    },
  ],
  panels: (registry) => {
    registry.add('session', {
      order: 30,
      view: 'followup/session-panel',
      load: (req, subject: { id: number }) =>
        quietly(() => followupOf(req.server).apologies.sessionPanel(req.viewer, subject.id)),
    });
    registry.add('member', {
      order: 45,
      view: 'followup/member-panel',
      load: (req, subject: { id: number }) =>
        quietly(() => followupOf(req.server).apologies.memberPanel(req.viewer, subject.id)),
    });
    registry.add('dashboard', {
      order: 35,
      view: 'followup/dashboard-panel',
      load: (req) => quietly(() => followupOf(req.server).apologies.dashboardPanel(req.viewer)),
    });
  },
  setup: (app) => {
    app.decorate('followup', {
      apologies: new ApologyService(app),
      alerts: new AbsenceAlerts(app),
      digests: new DigestService(app),
    });
    const { alerts, digests } = followupOf(app);
    app.events.on('attendance.changed', (e) => {
      alerts.onAttendanceChanged(e);
    });
    digests.start();
  },
};
