/**
 * Finds mentions of dictionary aliases in a text: fold the text once, run the automaton over it once
 * noting where outputs end, then at those positions only keep the candidates that pass the boundary,
 * possessive and case rules, and resolve them leftmost-longest.
 */
import {
  CASE_SENSITIVE,
  ST_DEPTH,
  ST_FAIL,
  ST_FIRST_CHILD,
  ST_OUT_LINK,
  STATE_STRIDE,
  type CompiledDictionary,
} from './dictionary';
import { APOSTROPHE, createFoldedText, foldForMatch, isWordEnd, isWordStart, WORD_CLASS, wordClass } from './fold';

/** One found mention, in offsets of the original string (UTF-16 code units). */
export interface Mention {
  start: number;
  /** Exclusive; extends over combining marks the folding dropped right after the name. */
  end: number;
  /** Pattern index in the dictionary (see patternEntry for the entry it came from). */
  pattern: number;
  /** The caller's entity index of that pattern. */
  entity: number;
}

/** Options of `findMentions`. */
export interface FindOptions {
  /** Stop after this many mentions (default: no limit). */
  limit?: number;
}

const LOWER_S = 0x73;

// Scratch buffers reused by every call: matching must not allocate per character or per call.
const SCRATCH_UNITS = 4096;
let scratch = createFoldedText(SCRATCH_UNITS);
let candStart = new Int32Array(64);
let candEnd = new Int32Array(64);
let candPattern = new Int32Array(64);
// Pass 1 output: folded end and state of each position where some output ends.
let hitEnd = new Int32Array(1024);
let hitState = new Int32Array(1024);

function growHits(): void {
  const e = new Int32Array(hitEnd.length * 2);
  const s = new Int32Array(hitEnd.length * 2);
  e.set(hitEnd);
  s.set(hitState);
  hitEnd = e;
  hitState = s;
}

function growCandidates(): void {
  const n = candStart.length * 2;
  const s = new Int32Array(n);
  const e = new Int32Array(n);
  const p = new Int32Array(n);
  s.set(candStart);
  e.set(candEnd);
  p.set(candPattern);
  candStart = s;
  candEnd = e;
  candPattern = p;
}

/**
 * Whether a name ending at folded position `end` (exclusive) is followed by a word boundary: end of
 * text, a non-word character, or a possessive ("Iran's", "Hezbollahs'"). An apostrophe followed by a
 * letter is otherwise inside a word ("Kata'ib"), so "Kata" does not match there.
 */
function boundaryAfter(units: Uint16Array, end: number, n: number): boolean {
  if (end >= n) return true;
  if (isWordStart(units, end, n)) return false;
  if (units[end] !== APOSTROPHE) return true;
  const a = end + 1;
  if (a >= n || !isWordStart(units, a, n)) return true;
  return units[a] === LOWER_S && (a + 1 >= n || !isWordStart(units, a + 1, n));
}

/**
 * Mentions of the dictionary's patterns in `text`, sorted by start and non-overlapping, in original
 * string offsets. Rules:
 * - leftmost-longest: the candidate starting first wins, the longest of those, then the scan resumes
 *   after it ("Kataeb Hezbollah" is one mention, never also "Hezbollah");
 * - a candidate needs a non-word character (or the text edge) before and after it, on each side where
 *   the pattern itself starts/ends with a word character (letters, numbers, marks, '_'), after folding
 *   (so "Iran-backed" matches Iran, "Iranian" does not). After the name, an apostrophe is a boundary
 *   only as a possessive: 's then a non-word character ("Iran's"), or ' then one ("Hezbollahs'");
 *   followed by letters it is inside a word ("Kata'ib" is not "Kata"). The mention never includes the
 *   possessive. Before the name any apostrophe is a boundary ("l'Iran");
 * - case-sensitive patterns must equal the text's case-kept folding exactly ("IS remnants", not "it is");
 *   when several patterns have the same folded text, an exact-case one wins, then the first compiled;
 * - a candidate must start and end on whole folded code points (never inside a ligature's expansion).
 * Runs in O(text length + candidates · their output chain), reusing module-level buffers (so it is not
 * re-entrant, which synchronous code never needs).
 */
export function findMentions(dict: CompiledDictionary, text: string, options?: FindOptions): Mention[] {
  const limit = options?.limit ?? Infinity;
  const mentions: Mention[] = [];
  if (limit <= 0 || dict.patternCount === 0) return mentions;
  // One huge page should not pin megabytes of scratch for the life of the worker.
  if (scratch.folded.length > 64 * SCRATCH_UNITS && text.length < SCRATCH_UNITS) {
    scratch = createFoldedText(SCRATCH_UNITS);
    hitEnd = new Int32Array(1024);
    hitState = new Int32Array(1024);
  }
  const f = foldForMatch(text, scratch);
  settledEnd = 0;
  const n = f.length;
  const units = f.folded;
  const kept = f.caseKept;
  const toOriginal = f.toOriginal;
  const { rootGoto, states, label, output } = dict;
  const { patternLength, patternNext, patternFlags, patternCaseStart, caseUnits, patternEntity } = dict;

  // Pass 1, the hot loop: run the automaton and only note where some output ends (a few percent of
  // positions). Kept free of everything else so that its optimized code stays small and fast.
  let hitEnds = hitEnd;
  let hitStates = hitState;
  let hits = 0;
  let s = 0;
  let prevWord = false; // units[i - 1] is a (BMP) word character
  for (let i = 0; i < n; i++) {
    const c = units[i] as number;
    let wc = WORD_CLASS[c] as number;
    if (wc === 0) wc = wordClass(c);
    const isWord = wc === 1;
    // Transition: the root has a dense table; other states search their sorted child labels (linearly
    // when there are few) and fall back along failure links. No match starts in the middle of a word,
    // so there the root stays put (as the failure links skip such starts).
    for (;;) {
      if (s === 0) {
        s = isWord && prevWord ? 0 : (rootGoto[c] as number);
        break;
      }
      const b = s * STATE_STRIDE;
      let lo = states[b + ST_FIRST_CHILD] as number;
      let hi = states[b + STATE_STRIDE + ST_FIRST_CHILD] as number;
      let t = -1;
      if (hi - lo <= 4) {
        for (; lo < hi; lo++) {
          const l = label[lo] as number;
          if (l >= c) {
            if (l === c) t = lo;
            break;
          }
        }
      } else {
        hi--;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const l = label[mid] as number;
          if (l === c) {
            t = mid;
            break;
          }
          if (l < c) lo = mid + 1;
          else hi = mid - 1;
        }
      }
      if (t !== -1) {
        s = t;
        break;
      }
      s = states[b + ST_FAIL] as number;
    }
    prevWord = isWord;
    if ((states[s * STATE_STRIDE + ST_OUT_LINK] as number) !== -1) {
      if (hits === hitEnds.length) {
        growHits();
        hitEnds = hitEnd;
        hitStates = hitState;
      }
      hitEnds[hits] = i + 1;
      hitStates[hits] = s;
      hits++;
    }
  }

  // Pass 2: the rules, at the hits only.
  let cursor = 0; // folded position before which everything is decided (end of the last mention)
  let count = 0; // pending candidates, in arrival order (by end, then longest first)
  for (let h = 0; h < hits; h++) {
    const end = hitEnds[h] as number;
    const i = end - 1;
    const hs = hitStates[h] as number;
    // Every pattern ending here ends with units[i], so the end rules are checked once for all of them.
    // Common case first: a letter followed by a letter is the middle of a word.
    const last = units[i] as number;
    if (
      end !== n &&
      ((WORD_CLASS[last] === 1 && WORD_CLASS[units[end] as number] === 1) ||
        toOriginal[end] === toOriginal[i] ||
        (isWordEnd(units, i) && !boundaryAfter(units, end, n)))
    ) {
      continue;
    }
    for (let o = states[hs * STATE_STRIDE + ST_OUT_LINK] as number; o !== -1;) {
      let p = output[o] as number;
      const start = end - (patternLength[p] as number);
      // Shorter outputs start later; one starting before the cursor overlaps a mention already made.
      if (
        start >= cursor &&
        (start === 0 || toOriginal[start] !== toOriginal[start - 1]) &&
        (start === 0 || !isWordStart(units, start, n) || !isWordEnd(units, start - 1))
      ) {
        // Same folded text, several patterns: the first whose case rule holds.
        for (; p !== -1; p = patternNext[p] as number) {
          if (((patternFlags[p] as number) & CASE_SENSITIVE) === 0) break;
          let k = patternCaseStart[p] as number;
          let j = start;
          while (j < end && kept[j] === caseUnits[k]) {
            j++;
            k++;
          }
          if (j === end) break;
        }
        if (p !== -1) {
          if (count === candStart.length) growCandidates();
          candStart[count] = start;
          candEnd[count] = end;
          candPattern[count] = p;
          count++;
        }
      }
      o = states[(states[o * STATE_STRIDE + ST_FAIL] as number) * STATE_STRIDE + ST_OUT_LINK] as number;
    }
    if (count > 0) {
      // No valid match found later can start before end - depth(state here): its first units are a
      // suffix of the text read so far that is a trie path and may start a match, so at most that deep
      // (the state is the longest such suffix). Pending candidates starting earlier are final. (Checked
      // at hits only: a horizon taken at any position is valid, later ones just decide later.)
      const horizon = end - (states[hs * STATE_STRIDE + ST_DEPTH] as number);
      count = settle(count, horizon, mentions, toOriginal, patternEntity, limit);
      if (mentions.length >= limit) return mentions;
      cursor = settledEnd;
    }
  }
  if (count > 0) settle(count, Infinity, mentions, toOriginal, patternEntity, limit);
  return mentions;
}

// Folded end of the last mention `settle` emitted in the current call (module-level: no result object).
let settledEnd = 0;

/**
 * Emits, leftmost-longest, the pending candidates that can no longer be beaten (start < horizon), drops
 * the ones they overlap, and compacts the rest. Returns the new pending count.
 */
function settle(
  count: number,
  horizon: number,
  mentions: Mention[],
  toOriginal: Int32Array,
  patternEntity: Int32Array,
  limit: number,
): number {
  let cursor = settledEnd;
  for (;;) {
    // Best pending candidate: smallest start, then largest end.
    let best = -1;
    let bestStart = Infinity;
    let bestEnd = -1;
    for (let k = 0; k < count; k++) {
      const st = candStart[k] as number;
      const en = candEnd[k] as number;
      if (st < bestStart || (st === bestStart && en > bestEnd)) {
        best = k;
        bestStart = st;
        bestEnd = en;
      }
    }
    if (best === -1 || bestStart >= horizon) break;
    const p = candPattern[best] as number;
    mentions.push({
      start: toOriginal[bestStart] as number,
      end: toOriginal[bestEnd] as number,
      pattern: p,
      entity: patternEntity[p] as number,
    });
    cursor = bestEnd;
    let kept = 0;
    for (let k = 0; k < count; k++) {
      if ((candStart[k] as number) >= cursor) {
        candStart[kept] = candStart[k] as number;
        candEnd[kept] = candEnd[k] as number;
        candPattern[kept] = candPattern[k] as number;
        kept++;
      }
    }
    count = kept;
    if (mentions.length >= limit) break;
  }
  settledEnd = cursor;
  return count;
}
