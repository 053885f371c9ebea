import { sheetCode } from './codes.ts';
import { qrImage } from './service.ts';

/**
 * The QR image of every cell of a printed sign-in sheet (session × member), for the
 * enrolment feature's sheet page: scanning a signed cell into the session's scan page
 * marks that member present there. Returns a look-up the template calls per cell.
 */
export async function sheetCellImages(secret: string, sessionIds: number[], memberIds: number[]) {
  const out = new Map<string, string>();
  for (const s of sessionIds)
    for (const m of memberIds) out.set(`${s}:${m}`, await qrImage(sheetCode(secret, s, m), 'L'));
  return (sessionId: number, memberId: number) => out.get(`${sessionId}:${memberId}`) ?? null;
}
