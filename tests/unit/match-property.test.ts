// @vitest-environment node
/**
 * findMentions against a slow, obviously correct reference: for every start, try every alias with the
 * same rules, then resolve leftmost-longest. Aliases are folded by lib/text.ts (an independent
 * implementation of the folding); the text is folded by foldForMatch, whose agreement with foldKey is
 * tested in match-fold.test.ts, because the offsets come from it.
 */
import { describe, expect, it } from 'vitest';
import { compileDictionary, deserialize, serialize, type DictionaryEntry } from '../../lib/match/dictionary';
import { foldForMatch, unitsToString } from '../../lib/match/fold';
import { findMentions, type Mention } from '../../lib/match/match';
import { foldKey, foldText } from '../../lib/text';
import { mulberry32 as prng } from '../fixtures/prng';

const WORD = /[\p{L}\p{N}\p{M}_]/u;

/** Code point starting at index i, and the one ending just before index i. */
const cpAt = (s: string, i: number) => String.fromCodePoint(s.codePointAt(i)!);
const cpBefore = (s: string, i: number) => {
  const lo = s.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = s.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return s.slice(i - 2, i);
  }
  return s.charAt(i - 1);
};
const isWordAt = (s: string, i: number) => WORD.test(cpAt(s, i));
const isWordBefore = (s: string, i: number) => WORD.test(cpBefore(s, i));

type Ref = Pick<Mention, 'start' | 'end' | 'entity'>;

function reference(entries: DictionaryEntry[], text: string): Ref[] {
  const f = foldForMatch(text);
  const n = f.length;
  const lower = unitsToString(f.folded, 0, n);
  const kept = unitsToString(f.caseKept, 0, n);
  const orig = Array.from(f.toOriginal.subarray(0, n + 1));
  const aliases = entries.map((e, index) => ({ ...e, index, lower: foldKey(e.text), kept: foldText(e.text) }));
  const candidates: { start: number; end: number; rank: number; entity: number }[] = [];
  for (let start = 0; start < n; start++) {
    for (const a of aliases) {
      const len = a.lower.length;
      const end = start + len;
      if (len === 0 || end > n) continue;
      if (lower.slice(start, end) !== a.lower) continue;
      if (a.caseSensitive && kept.slice(start, end) !== a.kept) continue;
      // Whole code points of the original only.
      if (start > 0 && orig[start] === orig[start - 1]) continue;
      if (end < n && orig[end] === orig[end - 1]) continue;
      // Boundary before, where the alias starts with a word character.
      if (isWordAt(lower, start) && start > 0 && isWordBefore(lower, start)) continue;
      // Boundary after, where it ends with one: non-word, or a possessive.
      if (isWordBefore(lower, end) && end < n && isWordAt(lower, end)) continue;
      if (isWordBefore(lower, end) && end < n && lower[end] === "'" && end + 1 < n && isWordAt(lower, end + 1)) {
        const possessive = lower[end + 1] === 's' && (end + 2 >= n || !isWordAt(lower, end + 2));
        if (!possessive) continue;
      }
      // Exact-case aliases first, then entry order.
      candidates.push({ start, end, rank: (a.caseSensitive ? 0 : 1e9) + a.index, entity: a.entity });
    }
  }
  candidates.sort((x, y) => x.start - y.start || y.end - x.end || x.rank - y.rank);
  const out: Ref[] = [];
  let pos = 0;
  for (const c of candidates) {
    if (c.start < pos) continue;
    out.push({ start: orig[c.start]!, end: orig[c.end]!, entity: c.entity });
    pos = c.end;
  }
  return out;
}

const strip = (ms: Mention[]): Ref[] => ms.map(({ start, end, entity }) => ({ start, end, entity }));

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

describe('findMentions agrees with the naive reference', () => {
  // Tiny alphabet: aliases overlap, nest and chain all the time.
  const PIECES = ['a', 'b', 'c', 'ab', ' ', "'", 's', 'é', 'A', 'B'];
  const NOISE = [
    ...PIECES,
    'e\u0301',
    'a\u0301',
    '-',
    '\u00a0',
    '\n',
    '’',
    'ʼ',
    ',',
    '.',
    '(',
    '😀',
    '𝐚',
    '𝐚',
    '𐌰',
    'ﬁ',
    '½',
    '⁄',
    'fi',
    '_',
    '1',
    'ب',
    'بَ',
    'ـ',
    'S',
  ];

  it('on random tiny-alphabet dictionaries and texts (600 cases)', () => {
    const rand = prng(20200312);
    let mentions = 0;
    for (let k = 0; k < 600; k++) {
      const entries: DictionaryEntry[] = [];
      const count = 1 + Math.floor(rand() * 10);
      for (let e = 0; e < count; e++) {
        let text = '';
        const len = 1 + Math.floor(rand() * 4);
        for (let j = 0; j < len; j++) text += pick(rand, [...PIECES, 'fi', 'ب', '1', '2', '⁄']);
        entries.push({ text, entity: Math.floor(rand() * 6), caseSensitive: rand() < 0.3 });
      }
      let text = '';
      const len = Math.floor(rand() * 40);
      for (let j = 0; j < len; j++) {
        text += rand() < 0.25 ? (pick(rand, entries).text ?? '') : pick(rand, NOISE);
      }
      const { dictionary } = compileDictionary(entries);
      const got = strip(findMentions(dictionary, text));
      expect(got, JSON.stringify({ entries, text })).toEqual(reference(entries, text));
      mentions += got.length;
    }
    expect(mentions).toBeGreaterThan(600); // the cases do exercise matching
  });

  it('on a realistic dictionary and texts built from alias fragments and noise (400 cases)', () => {
    const NAMES = [
      ['Kataeb Hezbollah', 0, false],
      ['Kata’ib Hizballah', 0, false],
      ['KH', 0, true],
      ['Hezbollah', 1, false],
      ['Hezbollahs', 1, false],
      ['Hashed al-Shaabi', 2, false],
      ['Hashed', 3, false],
      ['PMF', 2, true],
      ['Popular Mobilisation Forces', 2, false],
      ['الحشد الشعبي', 2, false],
      ['الحشد', 3, false],
      ['Abu Mahdi al-Muhandis', 4, false],
      ['Muhandis', 4, false],
      ['al-Muhandis', 4, false],
      ['Albu Kamal', 5, false],
      ['Ālbū Kamāl', 5, false],
      ['Abu Kamal', 5, false],
      ['IS', 6, true],
      ['Islamic State', 6, false],
      ['US', 7, true],
      ['Iran', 8, false],
      ['Iraq', 9, false],
      ['Syria', 10, false],
      ['Assad', 11, false],
      ['Москва', 12, false],
      ['al', 13, false],
    ] as const;
    const entries: DictionaryEntry[] = NAMES.map(([text, entity, caseSensitive]) => ({ text, entity, caseSensitive }));
    const { dictionary } = compileDictionary(entries);
    const fromBytes = deserialize(serialize(dictionary));
    const variants = (s: string, rand: () => number): string => {
      let out = s;
      if (rand() < 0.3) out = out.toUpperCase();
      if (rand() < 0.2) out = out.toLowerCase();
      if (rand() < 0.3) out = out.replace(/[ -]/g, () => pick(rand, [' ', '-', '\u00a0', '\n', ' - ', '‑']));
      if (rand() < 0.2) out = out.replace(/a/g, () => pick(rand, ['a', 'ā', 'a\u0301', 'á']));
      if (rand() < 0.2) out = out.replace(/’/g, () => pick(rand, ["'", 'ʼ', '`', '’']));
      if (rand() < 0.2) out = out.replace(/[دش]/g, (c) => c + pick(rand, ['َ', 'ُ', 'ّ', 'ـ']));
      if (rand() < 0.2) out = out.slice(0, Math.floor(rand() * out.length)); // fragment
      if (rand() < 0.15) out = out + pick(rand, ["'s", '’s', "'", "'ib", 'ian', 's', 'i']);
      if (rand() < 0.1) out = pick(rand, ['non', 'x', '😀', '(', 'و']) + out;
      return out;
    };
    const FILLER = [
      ' ',
      ' the ',
      ', ',
      '. ',
      ' and ',
      '-',
      ' (',
      ') ',
      '\n',
      ' 😀 ',
      ' قال ',
      ' в ',
      'ing',
      '’s ',
      '_',
    ];
    const rand = prng(1234567);
    let mentions = 0;
    for (let k = 0; k < 400; k++) {
      let text = '';
      const parts = 1 + Math.floor(rand() * 12);
      for (let j = 0; j < parts; j++) {
        text += rand() < 0.6 ? variants(pick(rand, NAMES)[0], rand) : pick(rand, FILLER);
      }
      const expected = reference(entries, text);
      expect(strip(findMentions(dictionary, text)), JSON.stringify(text)).toEqual(expected);
      expect(strip(findMentions(fromBytes, text))).toEqual(expected);
      mentions += expected.length;
    }
    expect(mentions).toBeGreaterThan(300);
  });
});
