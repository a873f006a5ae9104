/**
 * Text folding shared by the alias index (store) and the matcher (content scripts): two spellings
 * that a reader would take for the same name fold to the same key.
 */

const APOSTROPHES = /['’ʼʻ`´‘]/g;
// Hyphens, dashes, spaces (incl. no-break and narrow no-break) and line breaks between words.
const SEPARATORS = /[\s\u00a0\u202f\u2007\u2010-\u2015\u2212-]+/g;
// Arabic tashkeel (harakat, shadda, sukun, superscript alef) and tatweel.
const ARABIC_MARKS = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g;
const ARABIC_VARIANTS: Record<string, string> = {
  أ: 'ا',
  إ: 'ا',
  آ: 'ا',
  ٱ: 'ا',
  ى: 'ي',
  ی: 'ي',
  ئ: 'ي',
  ة: 'ه',
  ؤ: 'و',
  ک: 'ك',
};
const ARABIC_VARIANT_RE = new RegExp(`[${Object.keys(ARABIC_VARIANTS).join('')}]`, 'g');

/**
 * Folds a string for comparison: diacritics removed (Ālbū → Albu), apostrophes unified, runs of
 * separators collapsed to one space, Arabic letter variants and marks normalised. Case is kept: the
 * caller decides (see `foldKey`), because short capitalised aliases compare case-sensitively.
 */
export function foldText(s: string): string {
  return s
    .replace(APOSTROPHES, "'") // before NFKD, which would turn ´ into a space
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(ARABIC_MARKS, '')
    .replace(ARABIC_VARIANT_RE, (c) => ARABIC_VARIANTS[c] ?? c)
    .replace(APOSTROPHES, "'")
    .replace(SEPARATORS, ' ')
    .trim();
}

/** The case-insensitive lookup key of a name or alias. */
export function foldKey(s: string): string {
  return foldText(s).toLowerCase();
}
