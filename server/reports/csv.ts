import { stringify } from 'csv-stringify/sync';

/**
 * CSV that spreadsheets open correctly: UTF-8 with a byte-order mark (Arabic shows
 * right in Excel), CRLF line ends, and text that a spreadsheet would run as a formula
 * (=, +, -, @, tab, carriage return at the start) neutralised with a leading quote.
 */
export function neutralise(v: unknown): string | number {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? v : '';
  const s = String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export function toCsv(rows: unknown[][]): string {
  return `\uFEFF${stringify(
    rows.map((r) => r.map(neutralise)),
    { record_delimiter: 'windows' },
  )}`;
}
