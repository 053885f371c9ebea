import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { notificationsOf } from '../../server/notifications/service.ts';
import { makeOrg } from '../factories.ts';
import { createTestApp } from '../helpers.ts';

/** a real SMTP server on a free local port, keeping what it receives */
const received: { to: string[]; data: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      received.push({
        to: session.envelope.rcptTo.map((r) => r.address),
        data: Buffer.concat(chunks).toString('utf8'),
      });
      callback();
    });
  },
});
smtp.on('error', () => {});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

describe('the weekly digest by e-mail', () => {
  it('reaches the coordinator with the link to the page, once', async () => {
    const t = await createTestApp({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      TAAHIL_PUBLIC_URL: 'https://taahil.example.org',
    });
    try {
      const o = await makeOrg(t.db);
      t.db
        .update(s.users)
        .set({ email: 'raqqa@example.org', locale: 'en' })
        .where(eq(s.users.id, o.users.coordinator.id))
        .run();
      const now = new Date();
      expect(t.app.followup.digests.sendDue(now)).toBe(1);
      expect(t.app.followup.digests.sendDue(now)).toBe(0);
      await notificationsOf(t.app).flush();
      const mails = received.filter((m) => m.to.includes('raqqa@example.org'));
      expect(mails).toHaveLength(1);
      const body = mails[0].data.replace(/=\r?\n/g, '');
      expect(body).toContain('Weekly digest of');
      expect(body).toContain(`https://taahil.example.org/followup/digest?unit=3D${o.units.raqqa.id}`);
    } finally {
      await t.close();
    }
  });
});
