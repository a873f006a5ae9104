/**
 * Folding for the matcher: the same equivalences as `foldKey` in lib/text.ts (diacritics, apostrophes,
 * separators, Arabic variants and marks, case), computed code point by code point into typed arrays so
 * that every folded code unit remembers where it came from in the original string.
 *
 * Differences from `foldKey`, all deliberate and all making the matcher equate at least what the store
 * equates:
 * - no trimming (the text is scanned as is; aliases are trimmed by the dictionary compiler);
 * - lowercasing is per code point, so Greek final sigma (ς, which `toLowerCase` produces from Σ at the
 *   end of a word) folds to σ: "ΟΔΟΣ" and "οδος" stay equal without looking at context;
 * - ´ (U+00B4) folds to an apostrophe. `foldText` decomposes it (NFKD gives space + acute) before its
 *   apostrophe rule runs, so there it becomes a space; here it is mapped first, as the rule intends.
 */

/** A folded text. Arrays may be longer than `length` (buffers are reused and grown on demand). */
export interface FoldedText {
  /** Folded, lowercased UTF-16 code units; valid in [0, length). */
  folded: Uint16Array;
  /** The same folding without lowercasing, unit for unit parallel to `folded`. */
  caseKept: Uint16Array;
  /**
   * toOriginal[i]: index in the original string of the first code unit of the code point that produced
   * folded unit i (for a collapsed run of separators: its first separator); toOriginal[length] is the
   * original length. A folded range [s, e) whose ends fall between code points maps back to
   * [toOriginal[s], toOriginal[e]), which also covers characters the folding dropped right after it
   * (combining marks, tatweel), so a highlight never separates a letter from its marks.
   */
  toOriginal: Int32Array;
  /** Number of folded code units. */
  length: number;
}

/** Folded code unit that every separator run becomes. */
export const SPACE = 0x20;
/** Folded code unit that every apostrophe variant becomes. */
export const APOSTROPHE = 0x27;

// Per BMP code unit, filled lazily: how it folds.
const K_UNKNOWN = 0;
const K_SINGLE = 1; // one folded unit: see SINGLE
const K_SEPARATOR = 2; // joins a separator run (one space)
const K_DROP = 3; // produces nothing (combining marks, tatweel, Arabic tashkeel)
const K_MULTI = 4; // several units (ligatures, Hangul syllables, compatibility forms): see MULTI
const K_HIGH_SURROGATE = 5; // look at the next unit: astral code points fold via ASTRAL

const KIND = new Uint8Array(0x10000);
/**
 * For K_SINGLE units: caseKept << 16 | lowercased, one load in the hot loop; -1 for every other kind
 * (U+FFFF, whose entry would read as -1, is left to foldOne).
 */
const SINGLE = new Int32Array(0x10000).fill(-1);

/**
 * Marker for "a separator here" inside a multi-unit expansion. U+FFFF never comes out of NFKD except from
 * itself, which foldOne handles before looking at expansions.
 */
const SEP_MARK = 0xffff;

interface Expansion {
  lower: Uint16Array;
  kept: Uint16Array;
}
const MULTI = new Map<number, Expansion>();
const ASTRAL = new Map<number, Expansion>();

const APOSTROPHE_CODES = new Set([0x27, 0x2019, 0x2bc, 0x2bb, 0x60, 0xb4, 0x2018]);
const SEPARATOR_RE = /[\s\u2010-\u2015\u2212-]/;
const MARK_RE = /\p{M}/u;
// Same letter variants as lib/text.ts. The hamza/madda forms also decompose under NFKD, but mapping
// them too costs nothing and keeps this list identical to the store's.
const ARABIC_VARIANTS = new Map<number, number>([
  [0x623, 0x627], // أ → ا
  [0x625, 0x627], // إ → ا
  [0x622, 0x627], // آ → ا
  [0x671, 0x627], // ٱ → ا
  [0x649, 0x64a], // ى → ي
  [0x6cc, 0x64a], // ی → ي
  [0x626, 0x64a], // ئ → ي
  [0x629, 0x647], // ة → ه
  [0x624, 0x648], // ؤ → و
  [0x6a9, 0x643], // ک → ك
]);

/** Code points the folding removes: marks, and the Arabic signs and tatweel lib/text.ts removes. */
function isDropped(cp: number, ch: string): boolean {
  return (
    (cp >= 0x610 && cp <= 0x61a) ||
    (cp >= 0x64b && cp <= 0x65f) ||
    cp === 0x670 ||
    (cp >= 0x6d6 && cp <= 0x6ed) ||
    cp === 0x640 ||
    MARK_RE.test(ch)
  );
}

/** The folding of one code point, as lower/kept unit lists with SEP_MARK for separators. */
function expand(cp: number): Expansion {
  const lower: number[] = [];
  const kept: number[] = [];
  if (APOSTROPHE_CODES.has(cp)) {
    // Before NFKD, which would turn ´ into space + combining acute.
    lower.push(APOSTROPHE);
    kept.push(APOSTROPHE);
  } else {
    for (const ch of String.fromCodePoint(cp).normalize('NFKD')) {
      const q = ch.codePointAt(0) ?? 0;
      if (isDropped(q, ch)) continue;
      if (APOSTROPHE_CODES.has(q)) {
        lower.push(APOSTROPHE);
        kept.push(APOSTROPHE);
      } else if (SEPARATOR_RE.test(ch)) {
        lower.push(SEP_MARK);
        kept.push(SEP_MARK);
      } else {
        const k = String.fromCodePoint(ARABIC_VARIANTS.get(q) ?? q);
        let l = q === 0x3c2 ? '\u03c3' : k.toLowerCase();
        // Only U+0130 changes length, and NFKD has already split it; the guard keeps the arrays parallel.
        if (l.length !== k.length) l = k;
        for (let i = 0; i < k.length; i++) {
          kept.push(k.charCodeAt(i));
          lower.push(l.charCodeAt(i));
        }
      }
    }
  }
  return { lower: Uint16Array.from(lower), kept: Uint16Array.from(kept) };
}

/** Fills the tables for BMP code unit c (not a surrogate) and returns its kind. */
function classify(c: number): number {
  const e = expand(c);
  let kind: number;
  // U+FFFF is foldOne's special case: its SINGLE entry would read as -1, its expansion as SEP_MARK.
  if (c === 0xffff) kind = K_MULTI;
  else if (e.lower.length === 0) kind = K_DROP;
  else if (e.lower.length === 1 && e.lower[0] === SEP_MARK) kind = K_SEPARATOR;
  else if (e.lower.length === 1) {
    kind = K_SINGLE;
    SINGLE[c] = ((e.kept[0] as number) << 16) | (e.lower[0] as number);
  } else {
    kind = K_MULTI;
    MULTI.set(c, e);
  }
  KIND[c] = kind;
  return kind;
}

function initTables(): void {
  // Surrogates: high ones pair up in the loop; lone low (and unpaired high) ones pass through unchanged.
  for (let c = 0xd800; c <= 0xdfff; c++) {
    KIND[c] = c <= 0xdbff ? K_HIGH_SURROGATE : K_SINGLE;
    if (c > 0xdbff) SINGLE[c] = (c << 16) | c;
  }
  // ASCII eagerly: it is most of what gets scanned.
  for (let c = 0; c < 0x80; c++) classify(c);
}
initTables();

/** An empty buffer for `foldForMatch` to fill and grow; reuse one per caller to avoid allocations. */
export function createFoldedText(capacity = 256): FoldedText {
  return {
    folded: new Uint16Array(capacity),
    caseKept: new Uint16Array(capacity),
    toOriginal: new Int32Array(capacity + 1),
    length: 0,
  };
}

function grow(into: FoldedText, used: number, needed: number): void {
  const cap = Math.max(needed, into.folded.length * 2);
  const folded = new Uint16Array(cap);
  const caseKept = new Uint16Array(cap);
  const toOriginal = new Int32Array(cap + 1);
  folded.set(into.folded.subarray(0, used));
  caseKept.set(into.caseKept.subarray(0, used));
  toOriginal.set(into.toOriginal.subarray(0, used));
  into.folded = folded;
  into.caseKept = caseKept;
  into.toOriginal = toOriginal;
}

// Results of foldRun/foldOne besides their return value (module-level: no result objects per call).
let runOut = 0;
let runSeparator = false;

/**
 * The hot loop: folds from unit i while code units are single-unit, separators or dropped, and stops at
 * the first that needs more (not yet classified, surrogate, multi-unit). Kept apart from the rare paths
 * so that those (table growth, maps, astral code points) cannot slow down its optimized code. The caller
 * guarantees room for one output unit per remaining input unit.
 */
function foldRun(
  text: string,
  i: number,
  folded: Uint16Array,
  caseKept: Uint16Array,
  toOriginal: Int32Array,
  out: number,
  inSeparatorRun: boolean,
): number {
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    const v = SINGLE[c] as number;
    if (v !== -1) {
      folded[out] = v & 0xffff;
      caseKept[out] = v >>> 16;
      toOriginal[out] = i;
      out++;
      inSeparatorRun = false;
      continue;
    }
    const kind = KIND[c] as number;
    if (kind === K_SEPARATOR) {
      if (!inSeparatorRun) {
        folded[out] = SPACE;
        caseKept[out] = SPACE;
        toOriginal[out] = i;
        out++;
        inSeparatorRun = true;
      }
    } else if (kind !== K_DROP) break;
  }
  runOut = out;
  runSeparator = inSeparatorRun;
  return i;
}

/** Folds the one code point at unit i that foldRun stopped at; returns the index after it. */
function foldOne(text: string, i: number, into: FoldedText, out: number, inSeparatorRun: boolean): number {
  const n = text.length;
  const c = text.charCodeAt(i);
  let kind = KIND[c] as number;
  if (kind === K_UNKNOWN) kind = classify(c);
  let e: Expansion | undefined;
  let width = 1;
  if (kind === K_HIGH_SURROGATE) {
    const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if (d >= 0xdc00 && d <= 0xdfff) {
      const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
      e = ASTRAL.get(cp);
      if (e === undefined) {
        e = expand(cp);
        ASTRAL.set(cp, e);
      }
      width = 2;
    } else {
      // Unpaired: kept as is.
      into.folded[out] = c;
      into.caseKept[out] = c;
      into.toOriginal[out] = i;
      runOut = out + 1;
      runSeparator = false;
      return i + 1;
    }
  } else if (c === 0xffff) {
    // Folds to itself, which inside an expansion would read as SEP_MARK: emitted here instead.
    into.folded[out] = c;
    into.caseKept[out] = c;
    into.toOriginal[out] = i;
    runOut = out + 1;
    runSeparator = false;
    return i + 1;
  } else if (kind === K_MULTI) {
    e = MULTI.get(c);
  } else {
    // Just classified as single, separator or dropped: foldRun takes it from here.
    runOut = out;
    runSeparator = inSeparatorRun;
    return i;
  }
  if (e === undefined) throw new Error('fold: missing expansion');
  const m = e.lower.length;
  // Keep room for this expansion plus one unit per remaining input unit (foldRun's guarantee).
  const needed = out + m + (n - i - width) + 1;
  if (needed > into.folded.length) grow(into, out, needed + (n >> 3));
  const { folded, caseKept, toOriginal } = into;
  for (let k = 0; k < m; k++) {
    const u = e.lower[k] as number;
    if (u === SEP_MARK) {
      if (inSeparatorRun) continue;
      folded[out] = SPACE;
      caseKept[out] = SPACE;
      inSeparatorRun = true;
    } else {
      folded[out] = u;
      caseKept[out] = e.kept[k] as number;
      inSeparatorRun = false;
    }
    toOriginal[out] = i;
    out++;
  }
  runOut = out;
  runSeparator = inSeparatorRun;
  return i + width;
}

/**
 * Folds `text` for matching: per code point NFKD, marks/tashkeel/tatweel dropped, Arabic letter variants
 * unified, apostrophe variants → ', each run of whitespace and hyphens/dashes → one space; `folded` is
 * also lowercased, `caseKept` is not. Writes into `into` (grown as needed) when given, else into a new
 * buffer; returns the buffer. Linear time; no allocation after a code unit's first sight unless the
 * buffer must grow.
 */
export function foldForMatch(text: string, into: FoldedText = createFoldedText(text.length + 16)): FoldedText {
  const n = text.length;
  if (into.folded.length < n + 1) grow(into, 0, n + 16);
  let i = 0;
  let out = 0;
  let inSeparatorRun = false;
  for (;;) {
    i = foldRun(text, i, into.folded, into.caseKept, into.toOriginal, out, inSeparatorRun);
    out = runOut;
    inSeparatorRun = runSeparator;
    if (i >= n) break;
    i = foldOne(text, i, into, out, inSeparatorRun);
    out = runOut;
    inSeparatorRun = runSeparator;
  }
  into.toOriginal[out] = n;
  into.length = out;
  return into;
}

/** The folded (lowercased) form as a string, trimmed like `foldKey`: handy for keys and tests. */
export function foldToString(text: string): string {
  const f = foldForMatch(text);
  let s = 0;
  let e = f.length;
  if (s < e && f.folded[s] === SPACE) s++;
  if (e > s && f.folded[e - 1] === SPACE) e--;
  return unitsToString(f.folded, s, e);
}

/** String from a range of UTF-16 code units, in chunks (spreading a huge array would overflow the stack). */
export function unitsToString(units: Uint16Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, units.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

// Word characters for boundaries: \p{L}, \p{N}, \p{M} and '_'. Per BMP unit, lazily: 0 unknown, 1 word,
// 2 not a word character, 3 surrogate (look at the pair).
const WORD = new Uint8Array(0x10000);
const WORD_RE = /^[\p{L}\p{N}\p{M}_]$/u;
for (let c = 0xd800; c <= 0xdfff; c++) WORD[c] = 3;

/**
 * Word class per BMP code unit, for callers that inline the common case: 1 = word character, 2 = not,
 * 0 = not classified yet, 3 = surrogate (use isWordStart/isWordEnd, which also fill this table).
 */
export const WORD_CLASS: Readonly<Uint8Array> = WORD;

/** Word class of BMP code unit c (see WORD_CLASS), classifying it on first sight. */
export function wordClass(c: number): number {
  const known = WORD[c] as number;
  if (known !== 0) return known;
  const w = WORD_RE.test(String.fromCharCode(c)) ? 1 : 2;
  WORD[c] = w;
  return w;
}
for (let c = 0; c < 0x250; c++) wordClass(c); // Latin eagerly: the scan's inlined checks see 1 or 2 there

/** Whether code point cp is a word character (letter, number, mark or '_'). */
export function isWordCodePoint(cp: number): boolean {
  return WORD_RE.test(String.fromCodePoint(cp));
}

/** Whether the code point that starts at unit i of `units` (length n) is a word character. */
export function isWordStart(units: Uint16Array, i: number, n: number): boolean {
  const c = units[i] as number;
  let w = WORD[c] as number;
  if (w === 0) w = wordClass(c);
  if (w !== 3) return w === 1;
  if (c <= 0xdbff && i + 1 < n) {
    const d = units[i + 1] as number;
    if (d >= 0xdc00 && d <= 0xdfff) return isWordCodePoint(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
  }
  return false;
}

/** Whether the code point that ends at unit i of `units` is a word character. */
export function isWordEnd(units: Uint16Array, i: number): boolean {
  const c = units[i] as number;
  let w = WORD[c] as number;
  if (w === 0) w = wordClass(c);
  if (w !== 3) return w === 1;
  if (c >= 0xdc00 && i > 0) {
    const h = units[i - 1] as number;
    if (h >= 0xd800 && h <= 0xdbff) return isWordCodePoint(((h - 0xd800) << 10) + (c - 0xdc00) + 0x10000);
  }
  return false;
}
