/**
 * Arabic-aware normalisation for searching names: strips diacritics (tashkeel) and
 * tatweel, folds أ إ آ ٱ to ا, ى to ي, ة to ه, ؤ to و, ئ to ي, lower-cases Latin, and
 * collapses spaces. The same function runs on stored names and on queries.
 */
export function normalizeArabic(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\u064B-\u065F\u0670\u06D6-\u06ED]/g, '') // harakat, superscript alef, Quranic marks
    .replace(/\u0640/g, '') // tatweel
    .replace(/[\u0622\u0623\u0625\u0671]/g, '\u0627')
    .replace(/\u0649/g, '\u064A')
    .replace(/\u0629/g, '\u0647')
    .replace(/\u0624/g, '\u0648')
    .replace(/\u0626/g, '\u064A')
    .toLowerCase()
    .replace(/[\u200B-\u200F\u202A-\u202E\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Escapes LIKE wildcards in a user query (used with ESCAPE '\\'). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
