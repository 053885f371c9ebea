/**
 * Normalises a phone number to "+<country><number>". Syrian numbers may be typed
 * as 0944 123 456, 944123456, 00963944123456 or +963 944 123 456; Arabic-Indic
 * digits are accepted. Returns null when it is not a plausible number.
 */
export function normalizePhone(input: string): string | null {
  let s = input
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\s\-().\u200E\u200F]/g, '');
  if (!/^\+?\d+$/.test(s)) return null;
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  if (s.startsWith('+')) {
    const digits = s.slice(1);
    if (digits.startsWith('963')) return syrian(digits.slice(3));
    return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : null;
  }
  if (s.startsWith('963') && s.length >= 11) return syrian(s.slice(3));
  return syrian(s);
}

function syrian(national: string): string | null {
  const n = national.startsWith('0') ? national.slice(1) : national;
  // mobiles 9XXXXXXXX (9 digits); landlines area code + number (8-9 digits)
  if (!/^\d{8,9}$/.test(n)) return null;
  return `+963${n}`;
}
