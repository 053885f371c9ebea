import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { FormError } from '../core/errors.ts';
import type { Feature } from '../core/features.ts';
import { parseForm, parseQuery } from '../core/forms.ts';
import { parseId } from '../core/ids.ts';
import { publicBase } from '../core/urls.ts';
import { certificateQuery, revokeSchema, verifyQuery } from './schemas.ts';
import { CertificateService } from './service.ts';

const idOf = (req: FastifyRequest) => parseId((req.params as { id: string }).id);

/** Guessing codes is slowed down: this many verifications a minute per address. */
export const VERIFY_PER_MINUTE = 30;
const verifyConfig = { public: true, rateLimit: { max: VERIFY_PER_MINUTE, timeWindow: '1 minute' } };

const routes: FastifyPluginAsync = async (app) => {
  const service = new CertificateService(app.db, app.audit);

  const renderList = (req: FastifyRequest, reply: any, activityId: number, err?: FormError) => {
    const data = service.list(req.viewer, activityId);
    return err ? reply.renderForm('certificates/activity', data, err, {}) : reply.render('certificates/activity', data);
  };

  app.get('/activities/:id/certificates', async (req, reply) => renderList(req, reply, idOf(req)));

  app.post('/activities/:id/certificates', async (req, reply) => {
    const id = idOf(req);
    try {
      service.issueAll(req.viewer, id);
    } catch (err) {
      if (err instanceof FormError) return renderList(req, reply, id, err);
      throw err;
    }
    return reply.redirectWith(`/activities/${id}/certificates`, 'certificates.issuedAll');
  });

  app.post('/enrolments/:id/certificate', async (req, reply) => {
    const id = idOf(req);
    const activityId = service.activityOfEnrolment(req.viewer, id);
    try {
      service.issue(req.viewer, id);
    } catch (err) {
      if (err instanceof FormError) return renderList(req, reply, activityId, err);
      throw err;
    }
    return reply.redirectWith(`/activities/${activityId}/certificates`, 'certificates.issued');
  });

  const renderCertificate = async (req: FastifyRequest, reply: any, id: number, err?: FormError) => {
    const q = parseQuery(certificateQuery, req.query);
    if (q.lang) req.locale = q.lang;
    const data = service.view(req.viewer, id);
    const verifyUrl = `${publicBase(req)}/verify/${data.cert.code}`;
    const qr = await QRCode.toString(verifyUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    const page = { ...data, verifyUrl, qr, bodyClass: 'certificate-page', mainClass: 'certificate-main' };
    return err
      ? reply.renderForm('certificates/certificate', page, err, req.body)
      : reply.render('certificates/certificate', page);
  };

  app.get('/certificates/:id', async (req, reply) => renderCertificate(req, reply, idOf(req)));

  app.post('/certificates/:id/revoke', async (req, reply) => {
    const id = idOf(req);
    try {
      service.revoke(req.viewer, id, parseForm(revokeSchema, req.body).reason);
    } catch (err) {
      if (err instanceof FormError) return renderCertificate(req, reply, id, err);
      throw err;
    }
    return reply.redirectWith(`/certificates/${id}`, 'certificates.revoked');
  });

  app.get('/verify', { config: verifyConfig }, async (req, reply) => {
    const q = parseQuery(verifyQuery, req.query);
    const result = q.code ? service.verify(q.code) : null;
    return reply.render('certificates/verify', { code: q.code, result }, result?.state === 'unknown' ? 404 : 200);
  });

  app.get('/verify/:code', { config: verifyConfig }, async (req, reply) => {
    const code = String((req.params as { code: string }).code ?? '');
    const result = service.verify(code);
    return reply.render('certificates/verify', { code, result }, result.state === 'unknown' ? 404 : 200);
  });
};

export const feature: Feature = {
  name: 'certificates',
  routes,
};
