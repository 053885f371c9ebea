import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import nodemailer, { type Transporter } from 'nodemailer';
import type { AuditRepository } from '../core/audit.ts';
import type { Db } from '../core/db.ts';
import { notFound } from '../core/errors.ts';
import { isLocale, type Locale, type Params, translate } from '../core/i18n.ts';
import type { Viewer } from '../core/policy.ts';
import { NotificationRepository } from './repository.ts';

export const NOTIFICATIONS_PAGE_SIZE = 30;

export interface NotifyInput {
  /** recipients (user ids); duplicates and unknown or inactive users are dropped */
  userIds: (number | null | undefined)[];
  /** translation key under "notify.", e.g. "enrolment.approved" */
  kind: string;
  /** placeholders of the message */
  params?: Params;
  /** where the notification leads, an address inside Taahil ("/enrolments/12") */
  link?: string | null;
}

/**
 * In-app notifications, plus an e-mail to recipients with an address when SMTP_URL is
 * configured. `notify` writes synchronously (safe inside a transaction); e-mails leave
 * afterwards in the background, and a failing SMTP server is logged, never thrown.
 * Any feature gets the app's one instance with `notificationsOf(app)`.
 */
export class NotificationService {
  private repo: NotificationRepository;
  private transport: Transporter | null = null;
  private pending = new Set<Promise<void>>();

  constructor(
    db: Db,
    private opts: {
      smtpUrl?: string;
      from: string;
      publicUrl?: string;
      log: FastifyBaseLogger;
      audit?: AuditRepository;
    },
  ) {
    this.repo = new NotificationRepository(db);
    if (opts.smtpUrl) this.transport = nodemailer.createTransport(opts.smtpUrl);
  }

  notify(input: NotifyInput): void {
    const ids = [...new Set(input.userIds.filter((x): x is number => typeof x === 'number'))];
    const recipients = this.repo.recipients(ids);
    if (recipients.length === 0) return;
    const params = input.params ?? {};
    const link = input.link?.startsWith('/') && !input.link.startsWith('//') ? input.link : null;
    this.repo.insertMany(
      recipients.map((r) => ({ userId: r.id, kind: input.kind, params: JSON.stringify(params), link })),
    );
    const transport = this.transport;
    if (!transport) return;
    for (const r of recipients) {
      if (!r.email) continue;
      const locale: Locale = isLocale(r.locale) ? r.locale : 'ar';
      const message = translate(locale, `notify.${input.kind}`, params);
      const lines = [message];
      if (link && this.opts.publicUrl) lines.push(`${this.opts.publicUrl.replace(/\/$/, '')}${link}`);
      lines.push('', translate(locale, 'notify.emailFooter'));
      const mail = {
        from: this.opts.from,
        to: r.email,
        subject: translate(locale, 'notify.emailSubject'),
        text: lines.join('\n'),
      };
      // sent after the current request's transaction: setImmediate runs once the synchronous work is done
      const p = new Promise<void>((resolve) => {
        setImmediate(() => {
          transport
            .sendMail(mail)
            .catch((err: unknown) => this.opts.log.warn({ err, to: r.email }, 'notification e-mail failed'))
            .finally(resolve);
        });
      });
      this.pending.add(p);
      p.finally(() => this.pending.delete(p));
    }
  }

  /** resolves when every e-mail queued so far has been handed over (or failed) */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  list(viewer: Viewer | null, q: { page: number; unread: boolean }) {
    if (!viewer) throw notFound();
    const { rows, total } = this.repo.page(viewer.userId, {
      unreadOnly: q.unread,
      limit: NOTIFICATIONS_PAGE_SIZE,
      offset: (q.page - 1) * NOTIFICATIONS_PAGE_SIZE,
    });
    return {
      rows: rows.map((r) => ({ ...r, params: parseParams(r.params) })),
      total,
      page: q.page,
      pages: Math.max(1, Math.ceil(total / NOTIFICATIONS_PAGE_SIZE)),
    };
  }

  /** marks one of the viewer's notifications read; returns where it leads */
  markRead(viewer: Viewer | null, id: number): string | null {
    const n = this.repo.find(id);
    if (!viewer || !n || n.userId !== viewer.userId) throw notFound();
    this.repo.markRead(id, new Date());
    return n.link;
  }

  markAllRead(viewer: Viewer | null): number {
    if (!viewer) throw notFound();
    return this.repo.markAllRead(viewer.userId, new Date());
  }

  async close(): Promise<void> {
    await this.flush();
    this.transport?.close();
  }
}

function parseParams(s: string | null): Params {
  if (!s) return {};
  try {
    const v = JSON.parse(s);
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

const instances = new WeakMap<object, NotificationService>();

/**
 * The app's one notification service (one SMTP connection pool per app), usable from any
 * feature's routes or setup: `notificationsOf(app).notify({ userIds, kind, params, link })`.
 */
export function notificationsOf(app: FastifyInstance): NotificationService {
  let s = instances.get(app.db);
  if (!s) {
    s = new NotificationService(app.db, {
      smtpUrl: app.config.SMTP_URL,
      from: app.config.SMTP_FROM,
      publicUrl: app.config.TAAHIL_PUBLIC_URL,
      log: app.log,
    });
    instances.set(app.db, s);
  }
  return s;
}
