import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { notificationsOf } from '../../server/notifications/service.ts';
import { makeOrg } from '../factories.ts';
import { createTestApp } from '../helpers.ts';
import { useSmtpServer } from '../smtp.ts';

const { received, url: smtpUrl } = useSmtpServer();

describe('the weekly digest by e-mail', () => {
  it('reaches the coordinator with the link to the page, once', async () => {
    const t = await createTestApp({
      SMTP_URL: smtpUrl(),
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
