import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { isCoordinator, isOffice } from '../core/policy.ts';
import { isoDateInZone } from '../core/time.ts';
import { withQuery } from '../core/urls.ts';
import { unitName } from '../units/routes.ts';
import { confirmSchema, memberFormSchema, membersQuery } from './schemas.ts';
import { type ImportCheck, MembersService } from './service.ts';

const IMPORT_ROWS_SHOWN = 1000;

const routes: FastifyPluginAsync = async (app) => {
  const service = new MembersService(app.db, app.audit);

  app.get('/members', async (req, reply) => {
    const q = parseQuery(membersQuery, req.query);
    const result = service.list(req.viewer, q);
    const options = service.options(req.viewer);
    return reply.render('members/list', {
      ...result,
      ...options,
      q,
      uname: unitName(req.locale),
      exportUrl: `/members/export.csv${withQuery({ ...q, page: undefined }, {})}`,
      withQuery: (c: Record<string, unknown>) => withQuery(q, c),
      sortHref: (key: string) =>
        `/members${withQuery(q, { sort: key, dir: q.sort === key && q.dir === 'asc' ? 'desc' : 'asc', page: undefined })}`,
      sortClass: (key: string) => (q.sort === key ? `sorted ${q.dir}` : ''),
    });
  });

  const renderForm = (
    req: FastifyRequest,
    reply: FastifyReply,
    member: { id: number; fullName: string } | null,
    err?: FormError,
    values?: Record<string, unknown>,
  ) => {
    const data = { ...service.options(req.viewer), member, uname: unitName(req.locale) };
    if (err) return reply.renderForm('members/form', data, err, req.body);
    return reply.render('members/form', { ...data, values });
  };

  app.get('/members/new', async (req, reply) => {
    const unit = (req.query as { unit?: string }).unit;
    return renderForm(req, reply, null, undefined, { status: 'active', unitId: unit ?? '', councilIds: [] });
  });

  app.post('/members', async (req, reply) => {
    try {
      const id = service.create(req.viewer, parseForm(memberFormSchema, req.body));
      return reply.redirectWith(`/members/${id}`, 'members.created');
    } catch (err) {
      if (err instanceof FormError) return renderForm(req, reply, null, err);
      throw err;
    }
  });

  app.get('/members/export.csv', async (req, reply) => {
    const q = parseQuery(membersQuery, req.query);
    const csv = service.exportCsv(req.viewer, q, req.locale);
    const day = isoDateInZone(new Date(), app.config.TAAHIL_TZ);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="members-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });

  // ---------------------------------------------------------------- import

  const renderImport = (
    req: FastifyRequest,
    reply: FastifyReply,
    data: {
      error?: string;
      params?: Record<string, string | number>;
      check?: ImportCheck | null;
      token?: string;
      filename?: string;
    },
    status = 200,
  ) => {
    const check = data.check ?? null;
    const shown = check
      ? [...check.rows.filter((r) => r.problems.length), ...check.rows.filter((r) => !r.problems.length)].slice(
          0,
          IMPORT_ROWS_SHOWN,
        )
      : [];
    return reply.render(
      'members/import',
      {
        fileError: data.error ?? null,
        fileErrorParams: data.params ?? {},
        check,
        shown,
        hidden: check ? check.rows.length - shown.length : 0,
        token: data.token ?? null,
        filename: data.filename ?? null,
        uname: unitName(req.locale),
        errors: data.error ? { file: data.error } : {},
      },
      status,
    );
  };

  app.get('/members/import', async (req, reply) => {
    service.options(req.viewer);
    return renderImport(req, reply, {});
  });

  app.get('/members/import/sample.csv', async (req, reply) => {
    const csv = service.sampleCsv(req.viewer, req.locale);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="members-sample.csv"')
      .send(csv);
  });

  app.post('/members/import', async (req, reply) => {
    service.options(req.viewer);
    if (!req.isMultipart()) return renderImport(req, reply, { error: 'members.import.errors.noFile' }, 400);
    let buf: Buffer;
    let filename = '';
    try {
      const file = await req.file();
      if (!file) return renderImport(req, reply, { error: 'members.import.errors.noFile' }, 400);
      filename = file.filename.slice(0, 200);
      buf = await file.toBuffer();
    } catch (err: any) {
      if (err?.code === 'FST_REQ_FILE_TOO_LARGE')
        return renderImport(req, reply, { error: 'members.import.errors.tooLarge' }, 413);
      if (err?.code?.startsWith?.('FST_'))
        return renderImport(req, reply, { error: 'members.import.errors.noFile' }, 400);
      throw err;
    }
    const { parsed, check } = service.preview(req.viewer, buf);
    if (!parsed.ok) return renderImport(req, reply, { error: parsed.error, params: parsed.params }, 400);
    const token = check!.counts.problems === 0 ? service.keepUpload(req.viewer!, buf, filename) : undefined;
    return renderImport(req, reply, { check, token, filename }, check!.counts.problems ? 400 : 200);
  });

  app.post('/members/import/confirm', async (req, reply) => {
    let token: string;
    try {
      token = parseForm(confirmSchema, req.body).token;
      const result = service.commit(req.viewer, token);
      if (!result.ok) {
        if (!result.parsed.ok)
          return renderImport(req, reply, { error: result.parsed.error, params: result.parsed.params }, 400);
        return renderImport(req, reply, { check: result.check }, 400);
      }
      return reply.render('members/import-report', {
        created: result.created.length,
        updated: result.updated.length,
        unchanged: result.unchanged,
      });
    } catch (err) {
      if (err instanceof FormError) return renderImport(req, reply, { error: 'members.import.errors.expired' }, 400);
      throw err;
    }
  });

  // ---------------------------------------------------------------- one member

  app.get('/members/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const page = service.get(req.viewer, id);
    const panels = await app.panels.load('member', req, { ...page.member, unitPath: page.unit.path });
    return reply.render('members/member', { ...page, panels, uname: unitName(req.locale) });
  });

  app.get('/members/:id/edit', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const { member, councils } = service.get(req.viewer, id);
    return renderForm(req, reply, member, undefined, {
      fullName: member.fullName,
      nameLatin: member.nameLatin ?? '',
      unitId: member.unitId,
      gender: member.gender,
      birthYear: member.birthYear ?? '',
      phone: member.phone ?? '',
      isExecutive: member.isExecutive,
      status: member.status,
      notes: member.notes ?? '',
      councilIds: councils.map((c) => String(c.id)),
    });
  });

  app.post('/members/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const { member } = service.get(req.viewer, id);
    try {
      service.update(req.viewer, id, parseForm(memberFormSchema, req.body));
      return reply.redirectWith(`/members/${id}`, 'common.saved');
    } catch (err) {
      if (err instanceof FormError) return renderForm(req, reply, member, err);
      throw err;
    }
  });
};

export const feature: Feature = {
  name: 'members',
  routes,
  nav: [{ href: '/members', label: 'members.nav', order: 220, show: (v) => isOffice(v) || isCoordinator(v) }],
};
