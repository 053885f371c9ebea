import type { EnrolmentStatus } from '../../db/schema.ts';
import { SEATED } from './repository.ts';

/** where a unit's nominee stands: one of its main nominees (within the quota) or a reserve */
export interface Standing {
  role: 'main' | 'reserve';
  /** 1 = the unit's first reserve */
  reserveNo: number | null;
  /** the nominee's place in the unit's ranking (1 = first) */
  position: number;
}

/** how long a reserve moved up after the confirm-by date has to confirm */
export const RESERVE_CONFIRM_MS = 3 * 86_400_000;

/**
 * A unit's nominees in rank order → who is main and who is reserve. Those holding a seat
 * are main; the seats left go to the best ranked of the others; the rest are reserves,
 * numbered in rank order.
 */
export function standings(rows: { id: number; status: EnrolmentStatus }[], seats: number): Map<number, Standing> {
  const out = new Map<number, Standing>();
  const seated = rows.filter((r) => SEATED.includes(r.status)).length;
  let open = Math.max(0, seats - seated);
  let reserve = 0;
  rows.forEach((r, i) => {
    const position = i + 1;
    if (SEATED.includes(r.status)) out.set(r.id, { role: 'main', reserveNo: null, position });
    else if (open > 0) {
      open--;
      out.set(r.id, { role: 'main', reserveNo: null, position });
    } else out.set(r.id, { role: 'reserve', reserveNo: ++reserve, position });
  });
  return out;
}

/** the date by which an approved quota seat must be confirmed */
export function confirmDeadline(confirmBy: Date | null, approvedAt: Date | null): Date | null {
  if (!confirmBy) return null;
  if (!approvedAt || approvedAt < confirmBy) return confirmBy;
  return new Date(approvedAt.getTime() + RESERVE_CONFIRM_MS);
}
