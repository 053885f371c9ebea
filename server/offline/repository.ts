import { and, eq, inArray, sql } from 'drizzle-orm';
import { attendance, auditLog, members, users } from '../../db/schema.ts';
import type { Db } from '../core/db.ts';

/** The audit action of a sync receipt: one line per queued mark the server has taken. */
export const RECEIPT_ACTION = 'attendance.offline';

export interface Receipt {
  clientId: string;
  outcome: 'applied' | 'unchanged' | 'overridden';
  memberId: number;
  status: string;
  server?: { status: string; byName: string | null; at: number };
}

/** The queries of the offline roster that the attendance repository does not already have. */
export class OfflineRepository {
  constructor(private db: Db) {}

  /**
   * The receipts a user already has for these queued marks (found through the audit log's
   * (entity, entity_id) index: one session's lines, then the client ids).
   */
  receipts(userId: number, sessionId: number, clientIds: string[]): Map<string, Receipt> {
    const out = new Map<string, Receipt>();
    if (clientIds.length === 0) return out;
    const rows = this.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.entity, 'session'),
          eq(auditLog.entityId, sessionId),
          eq(auditLog.action, RECEIPT_ACTION),
          eq(auditLog.userId, userId),
          inArray(sql`json_extract(${auditLog.details}, '$.clientId')`, clientIds),
        ),
      )
      .all();
    for (const r of rows) {
      const d = JSON.parse(r.details ?? '{}') as Receipt;
      out.set(d.clientId, d);
    }
    return out;
  }

  /** the stored mark of one member in one session, with who made it and when */
  currentMark(sessionId: number, memberId: number) {
    return this.db
      .select({
        status: attendance.status,
        markedAt: attendance.markedAt,
        markedBy: attendance.markedBy,
        byName: users.displayName,
      })
      .from(attendance)
      .leftJoin(users, eq(users.id, attendance.markedBy))
      .where(and(eq(attendance.sessionId, sessionId), eq(attendance.memberId, memberId)))
      .get();
  }

  /** the member a (valid, not revoked) card token belongs to */
  memberIdByCardToken(token: string): number | null {
    return this.db.select({ id: members.id }).from(members).where(eq(members.cardToken, token)).get()?.id ?? null;
  }
}
