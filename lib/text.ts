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

/**
 * What draws nothing: white space, control characters and the default-ignorable code points (zero-width
 * spaces and joiners, bidi controls, soft hyphen, Hangul fillers, variation selectors, tag characters),
 * plus the braille blank, which shows as an empty cell.
 */
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]/u;

/**
 * Whether a text has at least one character that shows. `trim()` keeps zero-width spaces and
 * direction marks, so a name made only of them would pass for a name and show as nothing.
 */
export function hasVisibleText(s: string): boolean {
  return VISIBLE.test(s);
}

/** The message for a required text that has only invisible characters (schemas, forms, CSV). */
export const INVISIBLE_TEXT_MESSAGE =
  'expected visible text, found only invisible characters (such as zero-width spaces or direction marks)';

// Explicit bidi controls, and the blocks of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko,
// their presentation forms, and the historic and African ones of the supplementary planes).
const BIDI_SENSITIVE =
  /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;
const FSI = '\u2068';
const PDI = '\u2069';

const count = (s: string, re: RegExp) => s.match(re)?.length ?? 0;

/**
 * A user's text made safe to embed in a plain-text message: wrapped in a first-strong isolate when it
 * holds bidi controls or right-to-left letters, so that an override (U+202E) inside a name cannot
 * reorder the words of the message after it. Other text comes back as it is.
 *
 * A pop-directional-isolate inside the text would close the wrapper early, and an isolate it opens
 * would stay open: one more isolate is opened per PDI in it, and as many are closed as were opened
 * (a PDI with nothing left to close does nothing).
 */
export function isolate(s: string): string {
  if (!BIDI_SENSITIVE.test(s)) return s;
  const pops = count(s, /\u2069/g);
  const opens = count(s, /[\u2066-\u2068]/g);
  return `${FSI.repeat(1 + pops)}${s}${PDI.repeat(1 + pops + opens)}`;
}

/**
 * The beginning of a long text, for a view that shows only its first lines (More / Show more shows
 * the rest): at most `max` UTF-16 units, never cutting a surrogate pair, with "…" when cut. Laying
 * out a whole text just to show six lines of it costs seconds when the text is a megabyte long.
 */
export function preview(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}
