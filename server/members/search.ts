import { normalizeArabic } from '../core/arabic.ts';

/**
 * The member search matches words by their beginning: "احمد الخ" finds "أحمد محمد الخلف".
 * A member's words are kept in `member_words` by the triggers of migration 0003, which split
 * `name_search` (already normalised by normalizeArabic) at spaces and at the characters
 * - . , ، ( ) / " ' and also keep each word without its article "ال" (so "خلف" finds
 * "الخلف"). This splits a query the same way.
 */
const SEPARATORS = /[\s\-.,،()/"']+/;

/** At most this many words of a query are looked up (a query is at most 100 characters). */
const MAX_WORDS = 6;

/**
 * The words of a search query, normalised; a word that begins another word of the query is
 * dropped (one word of a name satisfies both), so "ا احمد" looks up only "احمد".
 */
export function searchWords(q: string): string[] {
  const words = [...new Set(normalizeArabic(q).split(SEPARATORS).filter(Boolean))];
  return words.filter((w) => !words.some((o) => o !== w && o.startsWith(w))).slice(0, MAX_WORDS);
}

/** The upper bound of a word's prefix range: every word beginning with `w` sorts below it. */
export const prefixEnd = (w: string) => `${w}\u{10FFFF}`;
