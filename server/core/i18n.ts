import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.ts';

export const LOCALES = ['ar', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'ar';
export const LANG_COOKIE = 'taahil_lang';

export const I18N_DIR = path.join(ROOT, 'server/i18n');

type Dict = Record<string, string>;

function flatten(obj: unknown, prefix: string, out: Dict): Dict {
  if (typeof obj === 'string') {
    out[prefix] = obj;
  } else if (obj && typeof obj === 'object') {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/**
 * Loads server/i18n/<locale>/<namespace>.json: a key "title" in members.json is
 * "members.title". One file per feature keeps features out of each other's way.
 */
export function loadDictionaries(dir = I18N_DIR): Record<Locale, Dict> {
  const result = {} as Record<Locale, Dict>;
  for (const locale of LOCALES) {
    const dict: Dict = {};
    const folder = path.join(dir, locale);
    for (const file of fs.readdirSync(folder).sort()) {
      if (!file.endsWith('.json')) continue;
      const ns = file.slice(0, -5);
      flatten(JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8')), ns, dict);
    }
    result[locale] = dict;
  }
  return result;
}

const dictionaries = loadDictionaries();

export type Params = Record<string, string | number | null | undefined>;
export type Translate = (key: string, params?: Params) => string;

export function hasKey(locale: Locale, key: string): boolean {
  return key in dictionaries[locale];
}

/**
 * A text with {name} placeholders, split once where they are: text, name, text, name, …, text.
 * A page fills hundreds of them; a regular expression each time cost more than the rest of translating.
 */
const PLACEHOLDER = /\{(\w+)\}/;
const splitTexts = new Map<string, string[]>();
for (const dict of Object.values(dictionaries))
  for (const text of Object.values(dict)) if (text.includes('{')) splitTexts.set(text, text.split(PLACEHOLDER));
const pieces = (template: string) => splitTexts.get(template) ?? template.split(PLACEHOLDER);

/** Translates a key; {name} placeholders are replaced by params. A missing key shows itself. */
export function translate(locale: Locale, key: string, params?: Params): string {
  const template = dictionaries[locale][key] ?? dictionaries[DEFAULT_LOCALE][key] ?? key;
  if (!params) return template;
  const parts = pieces(template);
  if (parts.length === 1) return template;
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const v = params[parts[i]];
    out += (v === undefined || v === null ? `{${parts[i]}}` : String(v)) + parts[i + 1];
  }
  return out;
}

export function translator(locale: Locale): Translate {
  return (key, params) => translate(locale, key, params);
}

export function isLocale(v: unknown): v is Locale {
  return v === 'ar' || v === 'en';
}

export const dirOf = (locale: Locale) => (locale === 'ar' ? 'rtl' : 'ltr');
