import { stringify } from 'csv-stringify/sync';

/** a cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection) */
export function neutralise(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** CSV with a UTF-8 BOM (so spreadsheet programs read Arabic right), every cell neutralised */
export function toCsv(header: string[], rows: unknown[][]): string {
  return `\ufeff${stringify(
    [header, ...rows].map((r) => r.map(neutralise)),
    { record_delimiter: '\r\n' },
  )}`;
}
