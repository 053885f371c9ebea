/**
 * The member CSV format, shared by export and import: which columns exist, their
 * Arabic and English headers, how values are written and read, and the defences
 * (encoding, size, formula injection).
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { normalizeArabic } from '../core/arabic.ts';
import { stripControl } from '../core/zod.ts';

export const COLUMNS = [
  'id',
  'fullName',
  'nameLatin',
  'unitId',
  'unit',
  'gender',
  'birthYear',
  'phone',
  'isExecutive',
  'councils',
  'status',
  'notes',
] as const;
export type Column = (typeof COLUMNS)[number];

/** headers written by the export, per language */
export const HEADERS: Record<'ar' | 'en', Record<Column, string>> = {
  en: {
    id: 'id',
    fullName: 'full_name',
    nameLatin: 'name_latin',
    unitId: 'unit_id',
    unit: 'unit',
    gender: 'gender',
    birthYear: 'birth_year',
    phone: 'phone',
    isExecutive: 'executive',
    councils: 'councils',
    status: 'status',
    notes: 'notes',
  },
  ar: {
    id: 'الرقم',
    fullName: 'الاسم الكامل',
    nameLatin: 'الاسم باللاتينية',
    unitId: 'رقم الوحدة',
    unit: 'الوحدة',
    gender: 'الجنس',
    birthYear: 'سنة الميلاد',
    phone: 'الهاتف',
    isExecutive: 'عضو الهيئة التنفيذية',
    councils: 'المجالس',
    status: 'الحالة',
    notes: 'ملاحظات',
  },
};

/** further headers people write by hand, in either language */
const ALIASES: Record<Column, string[]> = {
  id: ['member id', 'member number', 'number', 'رقم العضو'],
  fullName: ['name', 'full name', 'الاسم', 'اسم العضو'],
  nameLatin: ['latin name', 'name in latin', 'الاسم بالاحرف اللاتينية'],
  unitId: ['unit number', 'unit id'],
  unit: ['unit name', 'اسم الوحدة'],
  gender: ['sex'],
  birthYear: ['year of birth', 'birth year', 'المواليد', 'سنه الميلاد'],
  phone: ['mobile', 'phone number', 'رقم الهاتف', 'الجوال', 'الموبايل'],
  isExecutive: ['is executive', 'executive body', 'الهيئة التنفيذية'],
  councils: ['council'],
  status: [],
  notes: ['note', 'ملاحظه'],
};

const headerKey = (h: string) =>
  normalizeArabic(h)
    .replace(/[\s_-]+/g, ' ')
    .trim();

const HEADER_LOOKUP = new Map<string, Column>();
for (const col of COLUMNS)
  for (const h of [HEADERS.en[col], HEADERS.ar[col], ...ALIASES[col]]) HEADER_LOOKUP.set(headerKey(h), col);

export const REQUIRED: Column[] = ['fullName', 'gender'];
export const MAX_ROWS = 50_000;

export type RawRow = Partial<Record<Column, string>> & { line: number };

export type ParsedFile =
  | { ok: true; columns: Column[]; rows: RawRow[] }
  | { ok: false; error: string; params?: Record<string, string | number> };

/** Decodes and parses an uploaded CSV: UTF-8 (BOM or not), comma or semicolon, Arabic or English headers. */
export function parseMembersCsv(buf: Buffer): ParsedFile {
  if (buf.length === 0) return { ok: false, error: 'members.import.errors.empty' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return { ok: false, error: 'members.import.errors.encoding' };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\u0000')) return { ok: false, error: 'members.import.errors.notCsv' };
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: 100_000,
      to: MAX_ROWS + 2,
    }) as string[][];
  } catch {
    return { ok: false, error: 'members.import.errors.notCsv' };
  }
  if (records.length === 0) return { ok: false, error: 'members.import.errors.empty' };
  const header = records[0];
  const columns: (Column | null)[] = header.map((h) => HEADER_LOOKUP.get(headerKey(h)) ?? null);
  const found = new Set(columns.filter((c): c is Column => c !== null));
  const missing = REQUIRED.filter((c) => !found.has(c));
  if (!found.has('unit') && !found.has('unitId')) missing.push('unit');
  if (missing.length)
    return {
      ok: false,
      error: 'members.import.errors.missingColumns',
      params: { columns: missing.map((c) => `${HEADERS.ar[c]} / ${HEADERS.en[c]}`).join('، ') },
    };
  if (records.length - 1 > MAX_ROWS)
    return { ok: false, error: 'members.import.errors.tooManyRows', params: { max: MAX_ROWS } };
  const rows: RawRow[] = [];
  records.slice(1).forEach((rec, i) => {
    if (rec.every((c) => c.trim() === '')) return;
    const row: RawRow = { line: i + 2 };
    columns.forEach((col, j) => {
      if (col && rec[j] !== undefined && row[col] === undefined) row[col] = stripControl(rec[j]).trim();
    });
    rows.push(row);
  });
  if (rows.length === 0) return { ok: false, error: 'members.import.errors.noRows' };
  return { ok: true, columns: [...found], rows };
}

const FORMULA = /^[=+\-@\t\r]/;

/**
 * A cell that a spreadsheet would run as a formula. Our own export writes such
 * values with a leading apostrophe; that form is read back as the plain value.
 */
export function unformula(value: string): { value: string; formula: boolean } {
  if (value.startsWith("'") && FORMULA.test(value.slice(1))) return { value: value.slice(1), formula: false };
  return { value, formula: FORMULA.test(value) };
}

/** Spreadsheet-safe cell: a leading = + - @ (or tab/CR) gets an apostrophe so it is shown, never run. */
export function neutralize(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return FORMULA.test(s) ? `'${s}` : s;
}

const WORDS = {
  gender: { f: ['f', 'female', 'woman', 'انثى', 'أنثى', 'رفيقة'], m: ['m', 'male', 'man', 'ذكر', 'رفيق'] },
  yes: ['yes', 'y', 'true', '1', 'نعم', 'x', '✓'],
  no: ['no', 'n', 'false', '0', 'لا', ''],
  active: ['active', 'فعال', 'فعّال', 'نشط', ''],
  inactive: ['inactive', 'غير فعال', 'غير فعّال', 'غير نشط'],
};
const inList = (v: string, list: string[]) => list.map(normalizeArabic).includes(normalizeArabic(v));

export const readGender = (v: string): 'f' | 'm' | null =>
  inList(v, WORDS.gender.f) ? 'f' : inList(v, WORDS.gender.m) ? 'm' : null;
export const readYesNo = (v: string): boolean | null =>
  inList(v, WORDS.yes) ? true : inList(v, WORDS.no) ? false : null;
export const readStatus = (v: string): 'active' | 'inactive' | null =>
  inList(v, WORDS.active) ? 'active' : inList(v, WORDS.inactive) ? 'inactive' : null;
/** "مجلس المرأة؛ مجلس الشباب" or "Women; Youth" */
export const splitList = (v: string) =>
  v
    .split(/[;؛|\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

export const WRITE = {
  ar: { f: 'أنثى', m: 'ذكر', yes: 'نعم', no: 'لا', active: 'فعّال', inactive: 'غير فعّال', sep: '؛ ' },
  en: { f: 'female', m: 'male', yes: 'yes', no: 'no', active: 'active', inactive: 'inactive', sep: '; ' },
};

/** Writes rows as CSV with a BOM (spreadsheet programs then read Arabic correctly), every cell neutralised. */
export function toCsv(lang: 'ar' | 'en', rows: Partial<Record<Column, string | number | null>>[]): string {
  const header = COLUMNS.map((c) => HEADERS[lang][c]);
  const body = rows.map((r) => COLUMNS.map((c) => neutralize(r[c])));
  return `\ufeff${stringify([header, ...body], { record_delimiter: '\r\n' })}`;
}
