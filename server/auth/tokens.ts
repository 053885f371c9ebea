import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A random string from a human-safe alphabet, 5 bits of entropy per character. */
export function randomString(length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] & 31];
  return out;
}

export const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();
export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
