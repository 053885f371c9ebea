import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { notifications, users } from '../../db/schema.ts';
import type { Db } from '../core/db.ts';

/** Queries behind in-app notifications. */
export class NotificationRepository {
  constructor(private db: Db) {}

  insertMany(rows: { userId: number; kind: string; params: string | null; link: string | null }[]): void {
    if (rows.length === 0) return;
    const createdAt = new Date();
    this.db
      .insert(notifications)
      .values(rows.map((r) => ({ ...r, createdAt })))
      .run();
  }

  /** the recipients that exist and are active, with what an e-mail needs */
  recipients(userIds: number[]) {
    if (userIds.length === 0) return [];
    return this.db
      .select({ id: users.id, email: users.email, locale: users.locale })
      .from(users)
      .where(and(inArray(users.id, userIds), eq(users.active, true)))
      .all();
  }

  page(userId: number, opts: { unreadOnly: boolean; limit: number; offset: number }) {
    const where = and(eq(notifications.userId, userId), opts.unreadOnly ? isNull(notifications.readAt) : undefined);
    const rows = this.db
      .select()
      .from(notifications)
      .where(where)
      .orderBy(desc(notifications.id))
      .limit(opts.limit)
      .offset(opts.offset)
      .all();
    const total = this.db.select({ n: sql<number>`count(*)` }).from(notifications).where(where).get()!.n;
    return { rows, total };
  }

  find(id: number) {
    return this.db.select().from(notifications).where(eq(notifications.id, id)).get();
  }

  markRead(id: number, at: Date): void {
    this.db
      .update(notifications)
      .set({ readAt: at })
      .where(and(eq(notifications.id, id), isNull(notifications.readAt)))
      .run();
  }

  markAllRead(userId: number, at: Date): number {
    return this.db
      .update(notifications)
      .set({ readAt: at })
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
      .run().changes;
  }
}
