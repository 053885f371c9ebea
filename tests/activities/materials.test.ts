import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type Res, type TestApp, textOf } from '../helpers.ts';
import { makeActivity, makeEnrolment, makeSession } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let uploads: string;
const as: Record<string, Client> = {};

beforeAll(async () => {
  uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-uploads-'));
  t = await createTestApp({ TAAHIL_UPLOADS: uploads });
  org = await makeOrg(t.db);
  for (const who of ['office', 'coordinator', 'trainer', 'member']) {
    as[who] = new Client(t.app);
    await as[who].login(who);
  }
});
afterAll(async () => {
  await t.close();
  fs.rmSync(uploads, { recursive: true, force: true });
});

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32)]);

/** posts one file the way a browser's multipart form does */
async function upload(c: Client, url: string, filename: string, content: Buffer): Promise<Res> {
  if (!c.csrf) await c.get('/');
  const boundary = `----taahil${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const payload = Buffer.concat([head, content, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return c.request('POST', `${url}?_csrf=${encodeURIComponent(c.csrf!)}`, {
    payload,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
}

const materialsOf = (activityId: number) =>
  t.db.select().from(s.materials).where(eq(s.materials.activityId, activityId)).all();

describe('materials', () => {
  it('stores a PDF under a random name and serves it only to people who may see the activity', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, kind: 'course', executiveOnly: true });
    const res = await upload(as.office, `/activities/${a.id}/materials`, '../../etc/منهاج الدورة.pdf', PDF);
    expect(res.status).toBe(303);
    const [m] = materialsOf(a.id);
    expect(m.filename).toBe('منهاج الدورة.pdf');
    expect(m.storedName).toMatch(/^[a-z0-9]{32}$/);
    expect(fs.readdirSync(uploads)).toEqual([m.storedName]);
    expect(textOf((await as.office.get(`/activities/${a.id}`)).body)).toContain('منهاج الدورة.pdf');
    const file = await as.office.get(`/materials/${m.id}`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(String(file.headers['content-disposition'])).toContain(
      `filename*=UTF-8''${encodeURIComponent('منهاج الدورة.pdf')}`,
    );
    expect(file.body).toBe(PDF.toString());
    // the member is not executive: not in the audience, not enrolled
    expect((await as.member.get(`/materials/${m.id}`)).status).toBe(403);
    makeEnrolment(t.db, a.id, org.member.id);
    expect((await as.member.get(`/materials/${m.id}`)).status).toBe(200);
    // but may not upload or delete
    expect((await upload(as.member, `/activities/${a.id}/materials`, 'x.pdf', PDF)).status).toBe(403);
    expect((await as.member.post(`/materials/${m.id}/delete`)).status).toBe(403);
  });

  it('refuses files whose content does not match an allowed type, and files over 10 MB', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const cases: [string, Buffer][] = [
      ['page.html', Buffer.from('<html><script>alert(1)</script></html>')],
      ['fake.pdf', Buffer.from('<html>not a pdf</html>')],
      ['image.png', PDF],
      ['tool.exe', Buffer.from('MZ\x90\x00')],
      ['noextension', PDF],
    ];
    for (const [name, content] of cases) {
      const res = await upload(as.office, `/activities/${a.id}/materials`, name, content);
      expect(res.status, name).toBe(400);
      expect(textOf(res.body), name).toContain('هذا النوع من الملفات غير مقبول');
    }
    const big = await upload(
      as.office,
      `/activities/${a.id}/materials`,
      'big.pdf',
      Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024 + 1)]),
    );
    expect(big.status).toBe(400);
    expect(textOf(big.body)).toContain('أكبر من 10 ميغابايت');
    const empty = await upload(as.office, `/activities/${a.id}/materials`, 'empty.pdf', Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(materialsOf(a.id)).toEqual([]);
    expect(fs.readdirSync(uploads).length).toBe(1);
  });

  it('a trainer attaches an image to a session they teach; a soft-deleted file is no longer served', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.tabqa.id });
    const sess = makeSession(t.db, {
      activityId: a.id,
      startsAt: new Date(Date.now() + 86_400_000),
      trainerUserId: org.users.trainer.id,
    });
    const res = await upload(as.trainer, `/sessions/${sess.id}/materials`, 'لوح.png', PNG);
    expect(res.status).toBe(303);
    const [m] = materialsOf(a.id);
    expect(m).toMatchObject({ sessionId: sess.id, mime: 'image/png' });
    expect(textOf((await as.trainer.get(`/sessions/${sess.id}`)).body)).toContain('لوح.png');
    // a coordinator of another subtree may see the (open) activity but not manage its files
    expect((await as.coordinator.get(`/materials/${m.id}`)).status).toBe(200);
    expect((await as.coordinator.post(`/materials/${m.id}/delete`)).status).toBe(403);
    expect((await as.trainer.post(`/materials/${m.id}/delete`)).status).toBe(303);
    expect(materialsOf(a.id)[0].deletedAt).not.toBeNull();
    expect((await as.office.get(`/materials/${m.id}`)).status).toBe(404);
    expect(textOf((await as.trainer.get(`/sessions/${sess.id}`)).body)).not.toContain('لوح.png');
    // ids that do not exist or are not numbers are 404s, never a path
    expect((await as.office.get('/materials/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    expect((await as.office.get('/materials/999999')).status).toBe(404);
    const audit = t.db.select().from(s.auditLog).where(eq(s.auditLog.entity, 'material')).all();
    expect(audit.map((r) => r.action)).toEqual(['material.upload', 'material.upload', 'material.delete']);
  });

  it('an upload for a session that does not exist is a 404 and stores nothing', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    expect((await upload(as.office, '/sessions/999999/materials', 'x.pdf', PDF)).status).toBe(404);
    expect(materialsOf(a.id)).toEqual([]);
  });
});
