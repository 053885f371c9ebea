import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * What a member card's and a sign-in sheet's QR codes carry.
 *
 * A card token is 16 random bytes (128 bits) followed by a 60-bit HMAC tag of them under
 * the organisation's secret, base64url (32 characters). The random part makes it
 * unguessable; the tag lets a scan tell a card this organisation printed (then revoked or
 * replaced) from a card of another organisation or a made-up text, without keeping the
 * old tokens. The QR on the card holds `<public address>/c/<token>` so a phone's camera
 * app opens the member's page for staff.
 *
 * A sheet cell code is `S.<sessionId>.<memberId>.<tag>` with a 96-bit HMAC tag over both
 * ids: it cannot be forged for another member or session. It has no address in front so
 * the QR stays small enough for a table cell.
 */
export const CARD_TOKEN_LENGTH = 32;
const RANDOM_CHARS = 22; // 16 bytes in base64url
const CARD_TAG_CHARS = CARD_TOKEN_LENGTH - RANDOM_CHARS;
const SHEET_TAG_CHARS = 16;

const tag = (secret: string, text: string, chars: number) =>
  createHmac('sha256', secret).update(text).digest('base64url').slice(0, chars);

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function newCardToken(secret: string): string {
  const random = randomBytes(16).toString('base64url');
  return random + tag(secret, `card:${random}`, CARD_TAG_CHARS);
}

/** whether a token was made by this organisation (it may since have been revoked) */
export function isOurCardToken(secret: string, token: string): boolean {
  if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return false;
  const random = token.slice(0, RANDOM_CHARS);
  return sameText(token.slice(RANDOM_CHARS), tag(secret, `card:${random}`, CARD_TAG_CHARS));
}

export const cardUrl = (base: string, token: string) => `${base}/c/${token}`;

export function sheetCode(secret: string, sessionId: number, memberId: number): string {
  return `S.${sessionId}.${memberId}.${tag(secret, `sheet:${sessionId}:${memberId}`, SHEET_TAG_CHARS)}`;
}

export type Scanned =
  | { kind: 'card'; token: string }
  | { kind: 'sheet'; sessionId: number; memberId: number; valid: boolean }
  | { kind: 'unknown' };

/**
 * Reads what a scanner or a typing trainer sent: a card address (…/c/<token>), a bare
 * card token, or a sheet cell code (bare or after /c/). Anything else is 'unknown'.
 */
export function readCode(secret: string, raw: string): Scanned {
  let text = raw.trim();
  const inUrl = /\/c\/([^/?#\s]+)\/?(?:[?#].*)?$/.exec(text);
  if (inUrl) {
    try {
      text = decodeURIComponent(inUrl[1]);
    } catch {
      return { kind: 'unknown' };
    }
  }
  const sheet = /^S\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{16})$/.exec(text);
  if (sheet) {
    const sessionId = Number(sheet[1]);
    const memberId = Number(sheet[2]);
    const valid = sameText(sheet[3], tag(secret, `sheet:${sessionId}:${memberId}`, SHEET_TAG_CHARS));
    return { kind: 'sheet', sessionId, memberId, valid };
  }
  if (/^[A-Za-z0-9_-]{32}$/.test(text)) return { kind: 'card', token: text };
  return { kind: 'unknown' };
}
