// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  CASE_SENSITIVE,
  childOf,
  compile,
  compileDictionary,
  deserialize,
  dictionarySize,
  serialize,
  ST_DEPTH,
  ST_FAIL,
  ST_FIRST_CHILD,
  ST_OUT_LINK,
  STATE_STRIDE,
  type CompiledDictionary,
  type DictionaryEntry,
} from '../../lib/match/dictionary';
import { findMentions } from '../../lib/match/match';

const ci = (text: string, entity: number): DictionaryEntry => ({ text, entity, caseSensitive: false });
const cs = (text: string, entity: number): DictionaryEntry => ({ text, entity, caseSensitive: true });

/** The folded text of a state's trie path, read back through parents found by search. */
function pathOf(d: CompiledDictionary, state: number): string {
  // BFS numbering: the parent of t is the state whose child range contains t.
  let s = state;
  let out = '';
  while (s !== 0) {
    out = String.fromCharCode(d.label[s]!) + out;
    let p = 0;
    while (d.states[(p + 1) * STATE_STRIDE + ST_FIRST_CHILD]! <= s) p++;
    s = p;
  }
  return out;
}

describe('compileDictionary', () => {
  it('builds a trie of the folded aliases with sorted, contiguous children', () => {
    const { dictionary: d } = compileDictionary([ci('Iran', 0), ci('Iraq', 1), ci('Ir', 2), ci('Ālbū', 3)]);
    // root, i, r, a, n, q, a, l, b, u  → 10 states (Ir shares the path).
    expect(d.stateCount).toBe(10);
    expect(d.patternCount).toBe(4);
    for (let s = 0; s < d.stateCount; s++) {
      const lo = d.states[s * STATE_STRIDE + ST_FIRST_CHILD]!;
      const hi = d.states[(s + 1) * STATE_STRIDE + ST_FIRST_CHILD]!;
      for (let t = lo + 1; t < hi; t++) expect(d.label[t]!).toBeGreaterThan(d.label[t - 1]!);
      for (let t = lo; t < hi; t++) {
        expect(childOf(d, s, d.label[t]!)).toBe(t);
        expect(d.states[t * STATE_STRIDE + ST_DEPTH]).toBe(d.states[s * STATE_STRIDE + ST_DEPTH]! + 1);
      }
    }
    const iran = [...'iran'].reduce((s, ch) => childOf(d, s, ch.charCodeAt(0)), 0);
    expect(pathOf(d, iran)).toBe('iran');
    expect(d.patternEntity[d.output[iran]!]).toBe(0);
    const albu = [...'albu'].reduce((s, ch) => childOf(d, s, ch.charCodeAt(0)), 0);
    expect(d.patternEntity[d.output[albu]!]).toBe(3);
    expect(d.maxPatternLength).toBe(4);
  });

  it('links failures to the longest suffix that may start a match, and outputs along them', () => {
    const { dictionary: d } = compileDictionary([ci('a b', 0), ci('b', 1), ci('ab', 2), ci('b c', 3)]);
    const walk = (s: string) => [...s].reduce((st, ch) => childOf(d, st, ch.charCodeAt(0)), 0);
    // "a b" → suffix "b" may start a match (after a space).
    const ab = walk('a b');
    const b = walk('b');
    expect(d.states[ab * STATE_STRIDE + ST_FAIL]).toBe(b);
    // Its output link is itself; the next one along the chain is "b".
    expect(d.states[ab * STATE_STRIDE + ST_OUT_LINK]).toBe(ab);
    expect(d.states[d.states[ab * STATE_STRIDE + ST_FAIL]! * STATE_STRIDE + ST_OUT_LINK]).toBe(b);
    // "ab" → suffix "b" starts inside a word: skipped, so the failure goes to the root.
    expect(d.states[walk('ab') * STATE_STRIDE + ST_FAIL]).toBe(0);
  });

  it('skips aliases that fold to nothing', () => {
    const r = compileDictionary([ci('', 0), ci(' - ', 1), ci('\u0301', 2), ci('Iran', 3)]);
    expect(r.skipped).toEqual([0, 1, 2]);
    expect(r.dictionary.patternCount).toBe(1);
  });

  it('trims aliases like foldKey', () => {
    const { dictionary: d } = compileDictionary([ci('  Iran - ', 0)]);
    expect(d.patternLength[0]).toBe(4);
    expect(findMentions(d, 'in Iran.')).toEqual([{ start: 3, end: 7, pattern: 0, entity: 0 }]);
  });

  it('merges identical folded aliases into one pattern, keeping the first entry', () => {
    const r = compileDictionary([ci('Albu Kamal', 0), ci('Ālbū-Kamāl', 0), ci('ALBU KAMAL', 0)]);
    expect(r.dictionary.patternCount).toBe(1);
    expect(r.dictionary.patternEntry[0]).toBe(0);
    expect(r.collisions).toEqual([]);
  });

  it('reports collisions: the same alias for different entities; the first entity wins', () => {
    const r = compileDictionary([ci('Hashed', 0), ci('Kataib', 1), ci('HASHED', 2), cs('PMF', 3), cs('PMF', 4)]);
    expect(r.collisions).toEqual([
      { text: 'hashed', pattern: 0, keptEntry: 0, keptEntity: 0, droppedEntry: 2, droppedEntity: 2 },
      { text: 'PMF', pattern: 2, keptEntry: 3, keptEntity: 3, droppedEntry: 4, droppedEntity: 4 },
    ]);
    expect(findMentions(r.dictionary, 'Hashed').map((m) => m.entity)).toEqual([0]);
    expect(findMentions(r.dictionary, 'PMF').map((m) => m.entity)).toEqual([3]);
  });

  it('keeps case-sensitive variants apart (not collisions) and chains them before the insensitive one', () => {
    const r = compileDictionary([ci('us', 0), cs('US', 1), cs('Us', 2)]);
    expect(r.collisions).toEqual([]);
    const d = r.dictionary;
    expect(d.patternCount).toBe(3);
    expect(d.patternFlags[0]! & CASE_SENSITIVE).toBe(0);
    expect(d.patternFlags[1]! & CASE_SENSITIVE).toBe(CASE_SENSITIVE);
    const state = childOf(d, childOf(d, 0, 'u'.charCodeAt(0)), 's'.charCodeAt(0));
    const chain: number[] = [];
    for (let p = d.output[state]!; p !== -1; p = d.patternNext[p]!) chain.push(p);
    expect(chain).toEqual([1, 2, 0]);
    expect(findMentions(d, 'US Us us uS').map((m) => m.entity)).toEqual([1, 2, 0, 0]);
  });

  it('stores the case-kept form of case-sensitive patterns only', () => {
    const d = compileDictionary([cs('ÉU', 0), ci('Iran', 1)]).dictionary;
    expect(Array.from(d.caseUnits, (u) => String.fromCharCode(u)).join('')).toBe('EU');
    expect(Array.from(d.patternCaseStart)).toEqual([0, 2, 2]);
  });

  it('exports compile as an alias', () => {
    expect(compile).toBe(compileDictionary);
  });
});

describe('serialize / deserialize', () => {
  const entries = [
    ci('Kataeb Hezbollah', 0),
    ci('Hezbollah', 1),
    cs('IS', 2),
    ci('Ālbū Kamāl', 3),
    ci('الحشد الشعبي', 4),
    ci('😀 Smile', 5),
  ];
  const text = 'Kataeb Hezbollah, IS, is, Hezbollah’s, Albu-Kamal, الحَشْدُ الشَّعْبِيُّ, 😀\u00a0smile';

  it('round-trips to a dictionary that finds the same mentions', () => {
    const { dictionary } = compileDictionary(entries);
    const buf = serialize(dictionary);
    expect(buf).toBeInstanceOf(ArrayBuffer);
    expect(buf.byteLength).toBe(dictionarySize(dictionary));
    const back = deserialize(buf);
    expect(back.stateCount).toBe(dictionary.stateCount);
    expect(back.patternCount).toBe(dictionary.patternCount);
    expect(back.maxPatternLength).toBe(dictionary.maxPatternLength);
    const expected = findMentions(dictionary, text);
    expect(expected).toHaveLength(6);
    expect(findMentions(back, text)).toEqual(expected);
    for (const key of ['rootGoto', 'states', 'label', 'output', 'patternEntity', 'caseUnits'] as const) {
      expect(Array.from(back[key])).toEqual(Array.from(dictionary[key]));
    }
  });

  it('survives a structured clone (as when stored in IndexedDB)', () => {
    const { dictionary } = compileDictionary(entries);
    const back = deserialize(structuredClone(serialize(dictionary)));
    expect(findMentions(back, text)).toEqual(findMentions(dictionary, text));
  });

  it('deserializes as views over the given buffer, without copying', () => {
    const buf = serialize(compileDictionary(entries).dictionary);
    const d = deserialize(buf);
    expect(d.buffer).toBe(buf);
    expect(d.states.buffer).toBe(buf);
    expect(d.caseUnits.buffer).toBe(buf);
    // Every array is aligned for its element size.
    for (const a of [d.rootGoto, d.states, d.output, d.patternEntity, d.label, d.caseUnits, d.patternFlags]) {
      expect(a.byteOffset % 8).toBe(0);
    }
  });

  it('serializes a copy: the dictionary stays usable after its bytes are transferred', () => {
    const { dictionary } = compileDictionary(entries);
    const buf = serialize(dictionary);
    structuredClone(buf, { transfer: [buf] });
    expect(buf.byteLength).toBe(0);
    expect(findMentions(dictionary, 'IS')).toHaveLength(1);
  });

  it('rejects buffers that are not dictionaries', () => {
    const good = serialize(compileDictionary(entries).dictionary);
    expect(() => deserialize(new ArrayBuffer(8))).toThrow(/too short/);
    expect(() => deserialize(new ArrayBuffer(64))).toThrow(/magic/);
    const wrongVersion = good.slice(0);
    new Int32Array(wrongVersion, 0, 2)[1] = 99;
    expect(() => deserialize(wrongVersion)).toThrow(/version/);
    expect(() => deserialize(good.slice(0, good.byteLength - 8))).toThrow(/size/);
  });

  it('round-trips an empty dictionary', () => {
    const d = deserialize(serialize(compileDictionary([]).dictionary));
    expect(d.patternCount).toBe(0);
    expect(findMentions(d, 'anything')).toEqual([]);
  });
});
