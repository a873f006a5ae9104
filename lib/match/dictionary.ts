/**
 * Compiles entity names and aliases into one Aho-Corasick automaton over folded UTF-16 code units,
 * stored in typed arrays that live in a single ArrayBuffer, so a dictionary can be built in the
 * service worker, stored or shipped as bytes, and used again without copying or re-parsing.
 */
import { createFoldedText, foldForMatch, SPACE, unitsToString, wordClass } from './fold';

/** One name or alias of an entity. */
export interface DictionaryEntry {
  /** The alias as written (folded by the compiler). */
  text: string;
  /** Caller-side index of the entity (reported back in mentions). */
  entity: number;
  /** Match only when the text has exactly this letter case (after folding everything else). */
  caseSensitive: boolean;
}

/** Two entries that folded to the same pattern for different entities; `keptEntry` wins. */
export interface Collision {
  /** The folded alias both entries produce (case-kept for case-sensitive ones). */
  text: string;
  pattern: number;
  keptEntry: number;
  keptEntity: number;
  droppedEntry: number;
  droppedEntity: number;
}

/**
 * The compiled automaton. States are numbered breadth-first from the root (0), which makes the children
 * of a state contiguous and in label order: the edges of state s are the states firstChild(s) ..
 * firstChild(s + 1) - 1, so an edge's index is its target state (no separate targets array), and
 * `label[t]` is the code unit on the edge into t (sorted among siblings: binary search).
 *
 * What the scan reads per state sits together in `states` (one cache line instead of four): STATE_STRIDE
 * int32 per state, plus a sentinel record whose first-child slot closes the last CSR range:
 * - ST_FIRST_CHILD: CSR offset, the children of s are first-child(s) .. first-child(s + 1) - 1;
 * - ST_FAIL: failure link, the state of the longest proper suffix of s that is a trie path and may start
 *   a match. Suffixes beginning inside a word (a word character right after another, within s) are
 *   skipped: no match can start there, and skipping them keeps the scan out of the trie mid-word;
 * - ST_OUT_LINK: dictionary suffix link folded with the output test: the first state with an output on
 *   the failure chain starting at s itself, or -1 (the next shorter one after t: out-link of fail(t));
 * - ST_DEPTH: length of the state's trie path, in code units.
 */
export interface CompiledDictionary {
  /** The one buffer every array below is a view of. */
  readonly buffer: ArrayBuffer;
  readonly stateCount: number;
  readonly patternCount: number;
  /** Longest pattern, in folded code units. */
  readonly maxPatternLength: number;
  /** Dense transitions of the root: child state per code unit, 0 when there is none. */
  readonly rootGoto: Int32Array;
  /** Per-state records, see above: (stateCount + 1) · STATE_STRIDE. */
  readonly states: Int32Array;
  /** Code unit on the edge into each state (unused for the root). */
  readonly label: Uint16Array;
  /** First pattern whose folded text ends exactly at the state, or -1 (others via patternNext). */
  readonly output: Int32Array;
  /** Per pattern: caller's entity index. */
  readonly patternEntity: Int32Array;
  /** Per pattern: index of the first entry that produced it. */
  readonly patternEntry: Int32Array;
  /** Per pattern: folded length in code units. */
  readonly patternLength: Int32Array;
  /**
   * Per pattern: next pattern with the same folded (lowercased) text, or -1. Case-sensitive patterns come
   * first, so an exact-case alias beats a case-insensitive one on the same span.
   */
  readonly patternNext: Int32Array;
  /** Per pattern: bit 0 = CASE_SENSITIVE. */
  readonly patternFlags: Uint8Array;
  /** Offsets (patternCount + 1) into caseUnits: the case-kept folded text of case-sensitive patterns. */
  readonly patternCaseStart: Int32Array;
  readonly caseUnits: Uint16Array;
}

/** Int32 slots per state in `states`. */
export const STATE_STRIDE = 4;
/** Slot of the CSR first-child offset. */
export const ST_FIRST_CHILD = 0;
/** Slot of the failure link. */
export const ST_FAIL = 1;
/** Slot of the output link (dictionary suffix link including the state itself). */
export const ST_OUT_LINK = 2;
/** Slot of the depth. */
export const ST_DEPTH = 3;

/** patternFlags bit: the pattern compares letter case. */
export const CASE_SENSITIVE = 1;

/** Result of `compileDictionary`. */
export interface CompileResult {
  dictionary: CompiledDictionary;
  /** Same alias (same folded text and case rule) for different entities: only the first is matched. */
  collisions: Collision[];
  /** Indices of entries skipped because they fold to nothing (only separators and marks). */
  skipped: number[];
}

const MAGIC = 0x444d5342; // "BSMD" read as a little-endian int32
const VERSION = 1;
const HEADER_WORDS = 8;

/** Counts that fix the layout of the buffer. */
interface Counts {
  states: number;
  patterns: number;
  caseUnits: number;
  maxPatternLength: number;
}

/** Byte offsets of each array for the given counts; the order here is the serialized format. */
function layout(c: Counts) {
  let offset = HEADER_WORDS * 4;
  const take = (bytesPerItem: number, items: number): number => {
    const at = offset;
    offset += bytesPerItem * items;
    offset = (offset + 7) & ~7; // every array 8-byte aligned
    return at;
  };
  const S = c.states;
  const P = c.patterns;
  const l = {
    rootGoto: take(4, 0x10000),
    states: take(4, (S + 1) * STATE_STRIDE),
    output: take(4, S),
    patternEntity: take(4, P),
    patternEntry: take(4, P),
    patternLength: take(4, P),
    patternNext: take(4, P),
    patternCaseStart: take(4, P + 1),
    label: take(2, S),
    caseUnits: take(2, c.caseUnits),
    patternFlags: take(1, P),
    byteLength: 0,
  };
  l.byteLength = offset;
  return l;
}

/** Typed-array views over `buffer` (no copy) laid out for `c`. */
function views(buffer: ArrayBuffer, c: Counts): CompiledDictionary {
  const l = layout(c);
  const S = c.states;
  const P = c.patterns;
  return {
    buffer,
    stateCount: S,
    patternCount: P,
    maxPatternLength: c.maxPatternLength,
    rootGoto: new Int32Array(buffer, l.rootGoto, 0x10000),
    states: new Int32Array(buffer, l.states, (S + 1) * STATE_STRIDE),
    output: new Int32Array(buffer, l.output, S),
    patternEntity: new Int32Array(buffer, l.patternEntity, P),
    patternEntry: new Int32Array(buffer, l.patternEntry, P),
    patternLength: new Int32Array(buffer, l.patternLength, P),
    patternNext: new Int32Array(buffer, l.patternNext, P),
    patternCaseStart: new Int32Array(buffer, l.patternCaseStart, P + 1),
    label: new Uint16Array(buffer, l.label, S),
    caseUnits: new Uint16Array(buffer, l.caseUnits, c.caseUnits),
    patternFlags: new Uint8Array(buffer, l.patternFlags, P),
  };
}

function allocate(c: Counts): CompiledDictionary {
  const buffer = new ArrayBuffer(layout(c).byteLength);
  const header = new Int32Array(buffer, 0, HEADER_WORDS);
  header[0] = MAGIC;
  header[1] = VERSION;
  header[2] = c.states;
  header[3] = c.patterns;
  header[4] = c.caseUnits;
  header[5] = c.maxPatternLength;
  return views(buffer, c);
}

/** Child of state s on code unit c, or -1. */
export function childOf(d: CompiledDictionary, s: number, c: number): number {
  if (s === 0) {
    const t = d.rootGoto[c] as number;
    return t === 0 ? -1 : t;
  }
  let lo = d.states[s * STATE_STRIDE + ST_FIRST_CHILD] as number;
  let hi = (d.states[(s + 1) * STATE_STRIDE + ST_FIRST_CHILD] as number) - 1;
  const label = d.label;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const l = label[mid] as number;
    if (l === c) return mid;
    if (l < c) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Whether no match can start at unit c right after unit prev: both are word characters. BMP only: the
 * scan makes the same test, and leaves surrogates to its exact boundary checks.
 */
export function midWord(prev: number, c: number): boolean {
  return wordClass(prev) === 1 && wordClass(c) === 1;
}

/** Grows an int32 list (plain arrays of numbers would cost more at a million items). */
function ensureInt32(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  if (size <= a.length) return a;
  const b = new Int32Array(Math.max(size, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Compiles entries into a dictionary. Each entry is folded like the scanned text (see fold.ts) and
 * trimmed; entries that fold to nothing are skipped. One pattern is kept per distinct (folded text,
 * case rule, and for case-sensitive entries the case-kept text): when several entries share it, the
 * pattern keeps the first entry, and a collision is reported for each later entry of another entity.
 * Time O(total alias length) plus one sort of the distinct folded aliases; memory linear.
 */
export function compileDictionary(entries: readonly DictionaryEntry[]): CompileResult {
  const scratch = createFoldedText(256);
  const collisions: Collision[] = [];
  const skipped: number[] = [];

  // 1. Fold and deduplicate entries into patterns (numbered in order of first entry). Patterns with the
  //    same folded text share a text index and are chained through pNext (newest first for now).
  const textIndex = new Map<string, number>();
  const texts: string[] = [];
  let textHead = new Int32Array(1024);
  let pEntity = new Int32Array(1024);
  let pEntry = new Int32Array(1024);
  let pLength = new Int32Array(1024);
  let pNext = new Int32Array(1024);
  const pCase: boolean[] = [];
  const pKept: string[] = [];
  let patterns = 0;
  let caseUnitCount = 0;
  let maxPatternLength = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as DictionaryEntry;
    const f = foldForMatch(entry.text, scratch);
    let s = 0;
    let e = f.length;
    if (s < e && f.folded[s] === SPACE) s++;
    if (e > s && f.folded[e - 1] === SPACE) e--;
    if (e === s) {
      skipped.push(i);
      continue;
    }
    const lower = unitsToString(f.folded, s, e);
    const caseSensitive = entry.caseSensitive;
    const kept = caseSensitive ? unitsToString(f.caseKept, s, e) : '';
    let ti = textIndex.get(lower);
    if (ti === undefined) {
      ti = texts.length;
      texts.push(lower);
      textIndex.set(lower, ti);
      textHead = ensureInt32(textHead, ti + 1);
      textHead[ti] = -1;
    }
    // Same pattern: same case rule and, for case-sensitive ones, the same case-kept text.
    let existing = textHead[ti] as number;
    while (existing !== -1 && (pCase[existing] !== caseSensitive || pKept[existing] !== kept)) {
      existing = pNext[existing] as number;
    }
    if (existing !== -1) {
      const keptEntity = pEntity[existing] as number;
      if (keptEntity !== entry.entity) {
        collisions.push({
          text: caseSensitive ? kept : lower,
          pattern: existing,
          keptEntry: pEntry[existing] as number,
          keptEntity,
          droppedEntry: i,
          droppedEntity: entry.entity,
        });
      }
      continue;
    }
    const p = patterns++;
    pEntity = ensureInt32(pEntity, patterns);
    pEntry = ensureInt32(pEntry, patterns);
    pLength = ensureInt32(pLength, patterns);
    pNext = ensureInt32(pNext, patterns);
    pEntity[p] = entry.entity;
    pEntry[p] = i;
    pLength[p] = e - s;
    pNext[p] = textHead[ti] as number;
    textHead[ti] = p;
    pCase.push(caseSensitive);
    pKept.push(kept);
    if (caseSensitive) caseUnitCount += e - s;
    if (e - s > maxPatternLength) maxPatternLength = e - s;
  }

  // 2. Trie in depth-first order, built from the sorted distinct texts: each text only adds the states
  //    past its common prefix with the previous one, and siblings are created in label order.
  const sorted = texts.slice().sort(); // default sort compares UTF-16 code units
  const cap = texts.reduce((sum, t) => sum + t.length, 0) + 1;
  const dParent = new Int32Array(cap);
  const dLabel = new Uint16Array(cap);
  const dDepth = new Int32Array(cap);
  const dOutput = new Int32Array(cap).fill(-1);
  const path = new Int32Array(maxPatternLength + 1);
  const patternNext = new Int32Array(patterns).fill(-1);
  let dCount = 1;
  let prev = '';
  for (const t of sorted) {
    let lcp = 0;
    const m = Math.min(prev.length, t.length);
    while (lcp < m && prev.charCodeAt(lcp) === t.charCodeAt(lcp)) lcp++;
    let state = path[lcp] as number;
    for (let k = lcp; k < t.length; k++) {
      const ns = dCount++;
      dParent[ns] = state;
      dLabel[ns] = t.charCodeAt(k);
      dDepth[ns] = k + 1;
      path[k + 1] = ns;
      state = ns;
    }
    const head = textHead[textIndex.get(t) as number] as number;
    if (pNext[head] === -1) {
      dOutput[state] = head; // the usual case: one pattern for this text
    } else {
      // Case-sensitive patterns first, each group in pattern (= first entry) order.
      const chain: number[] = [];
      for (let p = head; p !== -1; p = pNext[p] as number) chain.push(p);
      chain.sort((a, b) => Number(pCase[b]) - Number(pCase[a]) || a - b);
      for (let k = 0; k + 1 < chain.length; k++) patternNext[chain[k] as number] = chain[k + 1] as number;
      dOutput[state] = chain[0] as number;
    }
    prev = t;
  }
  const S = dCount;

  // 3. Group children by parent (stable, so still in label order), then renumber breadth-first.
  const childStart = new Int32Array(S + 1);
  for (let s = 1; s < S; s++) {
    const at = (dParent[s] as number) + 1;
    childStart[at] = (childStart[at] as number) + 1;
  }
  for (let s = 0; s < S; s++) childStart[s + 1] = (childStart[s + 1] as number) + (childStart[s] as number);
  const fillAt = childStart.slice(0, S);
  const children = new Int32Array(Math.max(0, S - 1));
  for (let s = 1; s < S; s++) {
    const p = dParent[s] as number;
    children[fillAt[p] as number] = s;
    fillAt[p] = (fillAt[p] as number) + 1;
  }
  const order = new Int32Array(S); // order[bfs id] = dfs id
  const parent = new Int32Array(S);
  const dict = allocate({ states: S, patterns, caseUnits: caseUnitCount, maxPatternLength });
  const { states, label, output, rootGoto } = dict;
  let next = 1;
  for (let q = 0; q < S; q++) {
    const u = order[q] as number;
    states[q * STATE_STRIDE + ST_FIRST_CHILD] = next;
    const end = childStart[u + 1] as number;
    for (let k = childStart[u] as number; k < end; k++) {
      order[next] = children[k] as number;
      parent[next] = q;
      next++;
    }
    label[q] = dLabel[u] as number;
    states[q * STATE_STRIDE + ST_DEPTH] = dDepth[u] as number;
    output[q] = dOutput[u] as number;
  }
  states[S * STATE_STRIDE + ST_FIRST_CHILD] = next;
  const rootChildrenEnd = states[STATE_STRIDE + ST_FIRST_CHILD] as number;
  for (let t = states[ST_FIRST_CHILD] as number; t < rootChildrenEnd; t++) rootGoto[label[t] as number] = t;

  // 4. Failure and output links, breadth-first (a failure target is shallower, hence already done).
  //    The proper suffixes of v are its parent's failure chain extended by v's label, and the label
  //    alone, which may start a match unless it is a word character right after another one.
  states[ST_OUT_LINK] = -1;
  for (let v = 1; v < S; v++) {
    const p = parent[v] as number;
    let f = 0;
    if (p !== 0) {
      const c = label[v] as number;
      let g = states[p * STATE_STRIDE + ST_FAIL] as number;
      for (;;) {
        if (g === 0) {
          if (!midWord(label[p] as number, c)) f = rootGoto[c] as number;
          break;
        }
        const t = childOf(dict, g, c);
        if (t !== -1) {
          f = t;
          break;
        }
        g = states[g * STATE_STRIDE + ST_FAIL] as number;
      }
    }
    states[v * STATE_STRIDE + ST_FAIL] = f;
    states[v * STATE_STRIDE + ST_OUT_LINK] =
      (output[v] as number) !== -1 ? v : (states[f * STATE_STRIDE + ST_OUT_LINK] as number);
  }

  // 5. Pattern table.
  let at = 0;
  for (let p = 0; p < patterns; p++) {
    dict.patternEntity[p] = pEntity[p] as number;
    dict.patternEntry[p] = pEntry[p] as number;
    dict.patternLength[p] = pLength[p] as number;
    dict.patternNext[p] = patternNext[p] as number;
    dict.patternCaseStart[p] = at;
    if (pCase[p]) {
      dict.patternFlags[p] = CASE_SENSITIVE;
      const kept = pKept[p] as string;
      for (let k = 0; k < kept.length; k++) dict.caseUnits[at++] = kept.charCodeAt(k);
    }
  }
  dict.patternCaseStart[patterns] = at;
  return { dictionary: dict, collisions, skipped };
}

/** Same as `compileDictionary`. */
export const compile = compileDictionary;

/**
 * The dictionary as bytes: a copy of its buffer (so transferring or storing it leaves the dictionary
 * usable). Layout, in platform byte order (little-endian in every browser), every array 8-byte aligned:
 * 8 int32 header words (magic "BSMD", version, stateCount, patternCount, caseUnits length,
 * maxPatternLength, 0, 0), then rootGoto, states, output, patternEntity, patternEntry, patternLength,
 * patternNext, patternCaseStart (int32); label, caseUnits (uint16); patternFlags (uint8). Every length
 * follows from the header counts.
 */
export function serialize(dict: CompiledDictionary): ArrayBuffer {
  return dict.buffer.slice(0);
}

/**
 * A dictionary over `buf`: views, no copy, so do not modify or transfer `buf` afterwards. Throws on a
 * buffer that is not a dictionary of this version (or was written with the other byte order).
 */
export function deserialize(buf: ArrayBuffer): CompiledDictionary {
  if (buf.byteLength < HEADER_WORDS * 4) throw new Error('Not a Backstory dictionary: too short');
  const header = new Int32Array(buf, 0, HEADER_WORDS);
  if (header[0] !== MAGIC) throw new Error('Not a Backstory dictionary: bad magic');
  if (header[1] !== VERSION) throw new Error(`Unsupported dictionary version ${String(header[1])}`);
  const counts: Counts = {
    states: header[2] as number,
    patterns: header[3] as number,
    caseUnits: header[4] as number,
    maxPatternLength: header[5] as number,
  };
  if (counts.states < 1 || counts.patterns < 0 || counts.caseUnits < 0 || layout(counts).byteLength !== buf.byteLength)
    throw new Error('Corrupt dictionary: size does not match its header');
  return views(buf, counts);
}

/** Bytes the dictionary occupies (its whole buffer, header included). */
export function dictionarySize(dict: CompiledDictionary): number {
  return dict.buffer.byteLength;
}
