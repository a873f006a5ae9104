// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileDictionary, type DictionaryEntry } from '../../lib/match/dictionary';
import { findMentions, type Mention } from '../../lib/match/match';
import { isCaseSensitive } from '../../lib/model';
import { sharedFixture } from '../fixtures/shared';

/** Entities of the seed article, name first, with their aliases (case rule `auto` unless given). */
const ENTITIES: [name: string, ...aliases: (string | [string, 'sensitive' | 'insensitive'])[]][] = [
  ['Iran'],
  ['Iraq'],
  ['Syria'],
  ['Kataeb Hezbollah', 'Kata’ib Hizballah', 'Kataib Hezbollah', 'KH'],
  ['Hezbollah', 'Hizballah'],
  [
    'Hashed al-Shaabi',
    'Hashd al-Shaabi',
    'Popular Mobilisation Forces',
    'Popular Mobilization Forces',
    'PMF',
    'الحشد الشعبي',
  ],
  ['Hashed'],
  ['Abu Mahdi al-Muhandis', 'Muhandis', 'أبو مهدي المهندس'],
  ['Albu Kamal', 'Abu Kamal', 'Al-Bukamal', 'Albukamal', 'البوكمال'],
  ['Islamic State', 'IS', 'ISIS', 'Daesh'],
  ['United States', 'US'],
  ['Bashar al-Assad', 'Assad'],
  ['Qasem Soleimani', 'Soleimani'],
  ['Taji'],
  ['Baghdad'],
  ['Москва'],
];

function entriesOf(entities: typeof ENTITIES): DictionaryEntry[] {
  return entities.flatMap(([name, ...aliases], entity) =>
    [name, ...aliases].map((a) => {
      const [text, rule] = typeof a === 'string' ? [a, 'auto' as const] : a;
      return { text, entity, caseSensitive: isCaseSensitive({ text, case: rule }) };
    }),
  );
}

const dict = compileDictionary(entriesOf(ENTITIES)).dictionary;

/** "matched text=Entity name" for each mention. */
function found(text: string, d = dict, names = ENTITIES.map((e) => e[0])): string[] {
  return findMentions(d, text).map((m) => `${text.slice(m.start, m.end)}=${names[m.entity]}`);
}

function expectSortedDisjoint(ms: Mention[]): void {
  for (let k = 1; k < ms.length; k++) expect(ms[k]!.start).toBeGreaterThanOrEqual(ms[k - 1]!.end);
}

describe('findMentions on the seed article', () => {
  it.each([
    ['only the Iran-backed Kataeb Hezbollah had been known', ['Iran=Iran', 'Kataeb Hezbollah=Kataeb Hezbollah']],
    ['pledged to avenge Muhandis&#x27;s death'.replace('&#x27;', "'"), ['Muhandis=Abu Mahdi al-Muhandis']],
    ['helping Iraqi forces battle IS remnants.', ['IS=Islamic State']],
    ['Syria’s state media reported late Wednesday', ['Syria=Syria']],
    [
      'militias known as the Popular Mobilisation Forces (PMF) captured Albu Kamal from the Islamic State',
      [
        'Popular Mobilisation Forces=Hashed al-Shaabi',
        'PMF=Hashed al-Shaabi',
        'Albu Kamal=Albu Kamal',
        'Islamic State=Islamic State',
      ],
    ],
    [
      'unidentified jets hit targets south east of the Syrian town of Albu Kamal along a strategic border',
      ['Albu Kamal=Albu Kamal'],
    ],
    [
      'a hardline faction within Iraq&#x27;s Hashed al-Shaabi paramilitary alliance'.replace('&#x27;', "'"),
      ['Iraq=Iraq', 'Hashed al-Shaabi=Hashed al-Shaabi'],
    ],
    ['Hashed hammered in Syria', ['Hashed=Hashed', 'Syria=Syria']],
    ['aid Syrian President Bashar al-Assad&#x27;s forces.'.replace('&#x27;', "'"), ['Bashar al-Assad=Bashar al-Assad']],
    ['While IS has lost all of the territory it once held', ['IS=Islamic State']],
    ['threatened yet another escalation of Iran-US tensions', ['Iran=Iran', 'US=United States']],
    ['The last thing Iraq needs is to serve as an arena', ['Iraq=Iraq']],
    ['the Iranian proxy group', []],
    ['What is Kataib Hezbollah?', ['Kataib Hezbollah=Kataeb Hezbollah']],
  ])('%s', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });

  it('finds every expected mention in the whole fixture article, block by block', () => {
    const html = readFileSync(sharedFixture('seed-article.html'), 'utf8');
    const body = html.slice(html.indexOf('<article'), html.indexOf('</article>'));
    const blocks = body
      .split(/<\/?(?:p|h1|h2|h3|li|header|div)[^>]*>/)
      .map((b) =>
        b
          .replace(/<[^>]*>/g, '')
          .replace(/&#x27;/g, "'")
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&'),
      )
      .filter((b) => b.trim());
    const all = blocks.flatMap((b) => found(b));
    const count = (m: string) => all.filter((x) => x === m).length;
    expect(count('Kataeb Hezbollah=Kataeb Hezbollah')).toBeGreaterThanOrEqual(6);
    expect(count('Hezbollah=Hezbollah')).toBe(0); // always part of Kataeb Hezbollah there
    expect(count('Muhandis=Abu Mahdi al-Muhandis')).toBe(2);
    expect(count('Abu Mahdi al-Muhandis=Abu Mahdi al-Muhandis')).toBe(1);
    expect(count('IS=Islamic State')).toBe(3);
    expect(count('Albu Kamal=Albu Kamal')).toBe(3);
    expect(count('Albukamal=Albu Kamal')).toBe(1);
    expect(count('Hashed al-Shaabi=Hashed al-Shaabi')).toBe(1);
    expect(count('Soleimani=Qasem Soleimani')).toBe(1);
    expect(count('Qasem Soleimani=Qasem Soleimani')).toBe(1);
    expect(all).not.toContain('is=Islamic State');
    expect(all).not.toContain('us=United States');
  });
});

describe('leftmost-longest', () => {
  it('takes the longest alias at a position, never also a shorter one inside it', () => {
    expect(found('Kataeb Hezbollah hails attack')).toEqual(['Kataeb Hezbollah=Kataeb Hezbollah']);
    expect(found('Hashed al-Shaabi')).toEqual(['Hashed al-Shaabi=Hashed al-Shaabi']);
    expect(found('Hashed said')).toEqual(['Hashed=Hashed']);
  });

  it('takes the leftmost candidate even when a later overlapping one is longer', () => {
    const names = ['a b', 'b c d'];
    const d = compileDictionary(names.map((text, entity) => ({ text, entity, caseSensitive: false }))).dictionary;
    expect(found('a b c d', d, names)).toEqual(['a b=a b']);
  });

  it('continues after a mention: a candidate that overlaps it is dropped, the next one is kept', () => {
    const names = ['x y', 'y z w', 'w'];
    const d = compileDictionary(names.map((text, entity) => ({ text, entity, caseSensitive: false }))).dictionary;
    // "y z w" overlaps "x y" and goes; "w" (same end as "y z w") is still found.
    expect(found('x y z w', d, names)).toEqual(['x y=x y', 'w=w']);
  });

  it('falls back to a shorter alias when the longer one does not complete', () => {
    expect(found('Kataeb Hezbollahx Hashed al-Shaab')).toEqual(['Hashed=Hashed']);
    expect(found('Hashed al-Shaabis')).toEqual(['Hashed=Hashed']);
  });

  it('returns mentions sorted and disjoint', () => {
    const ms = findMentions(dict, 'Iran Iraq Syria Iran-US IS US KH PMF Hashed Hashed al-Shaabi Taji Baghdad');
    expect(ms).toHaveLength(13);
    expectSortedDisjoint(ms);
  });
});

describe('word boundaries', () => {
  it.each([
    ['Iran-backed', ['Iran=Iran']],
    ["Iran's bid", ['Iran=Iran']],
    ['Iranian', []],
    ['nonIran', []],
    ['Iran2', []],
    ['Iran_x', []],
    ['(Iran)', ['Iran=Iran']],
    ['"Iran"', ['Iran=Iran']],
    ['Iran.', ['Iran=Iran']],
    ['Iran', ['Iran=Iran']],
    ['😀Iran😀', ['Iran=Iran']],
    ['𐌰Iran', []], // an astral letter (Gothic, stays a surrogate pair when folded) before the name
    ['Iran𐌰', []],
    ['𐌰 Iran', ['Iran=Iran']],
    ['Baghdadi', []],
    ['Tajikistan', []],
    ['Москва', ['Москва=Москва']],
    ['Москвой', []],
    ['в Москва-Сити', ['Москва=Москва']],
    ['البوكمال', ['البوكمال=Albu Kamal']],
    ['والبوكمال', []], // Arabic conjunction prefix: one word, no match (as in any script)
  ])('%j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });

  it('works for accented Latin: the accent folds, the boundary still holds', () => {
    const names = ['Hà Nội', 'São Paulo'];
    const d = compileDictionary(names.map((text, entity) => ({ text, entity, caseSensitive: false }))).dictionary;
    expect(found('from Ha Noi and SÃO PAULO', d, names)).toEqual(['Ha Noi=Hà Nội', 'SÃO PAULO=São Paulo']);
    expect(found('Ha Noié, São Pauloé', d, names)).toEqual([]);
  });

  it('needs no boundary on a side where the alias itself starts or ends with a non-word character', () => {
    const names = ['(PMF)', 'U.S.', '#Iran'];
    const d = compileDictionary(names.map((text, entity) => ({ text, entity, caseSensitive: false }))).dictionary;
    expect(found('forces(PMF)captured', d, names)).toEqual(['(PMF)=(PMF)']);
    expect(found('theU.S.army', d, names)).toEqual([]); // starts with a letter: needs a boundary before
    expect(found('the U.S.army', d, names)).toEqual(['U.S.=U.S.']); // ends with '.': none needed after
    expect(found('x#Iran', d, names)).toEqual(['#Iran=#Iran']);
    expect(found('#Iranian', d, names)).toEqual([]);
  });

  it('does not let a name start inside a word through a failure link', () => {
    const names = ['ran', 'an', 'Iraq'];
    const d = compileDictionary(names.map((text, entity) => ({ text, entity, caseSensitive: false }))).dictionary;
    expect(found('Iran Irak ran an', d, names)).toEqual(['ran=ran', 'an=an']);
  });
});

describe('possessives', () => {
  it.each([
    ["Muhandis's death", ['Muhandis=Abu Mahdi al-Muhandis']],
    ['Syria’s state media', ['Syria=Syria']],
    ["Assad's forces", ['Assad=Bashar al-Assad']],
    ['ASSAD’S FORCES', ['ASSAD=Bashar al-Assad']],
    ["Iran's", ['Iran=Iran']],
    ["Iran'", ['Iran=Iran']],
    ["the Hezbollahs' fighters", []], // plural of Hezbollah is not Hezbollah
    ["Kata'ib", []], // an apostrophe followed by letters is inside a word
    ["Iran'sk", []],
    ['Iran’ll', []],
  ])('%j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });

  it("accepts a plural possessive: the alias followed by ' then a non-word character", () => {
    const names = ['Hezbollahs', 'Kata'];
    const d = compileDictionary(names.map((text, entity) => ({ text, entity, caseSensitive: false }))).dictionary;
    expect(found("the Hezbollahs' fighters", d, names)).toEqual(['Hezbollahs=Hezbollahs']);
    expect(found("Kata'ib and Kata's", d, names)).toEqual(['Kata=Kata']);
  });

  it('covers the name only, not the possessive', () => {
    const text = "Muhandis's death";
    const [m] = findMentions(dict, text);
    expect(m).toMatchObject({ start: 0, end: 8 });
  });
});

describe('case', () => {
  it('matches short capitalised aliases case-sensitively', () => {
    expect(found('IS remnants')).toEqual(['IS=Islamic State']);
    expect(found('it is')).toEqual([]);
    expect(found('Is it')).toEqual([]);
    expect(found('US troops and us')).toEqual(['US=United States']);
    expect(found('KH fighters, kh')).toEqual(['KH=Kataeb Hezbollah']);
  });

  it('matches other aliases case-insensitively', () => {
    expect(found('IRAN, iran, IrAn')).toEqual(['IRAN=Iran', 'iran=Iran', 'IrAn=Iran']);
    expect(found('KATAEB HEZBOLLAH')).toEqual(['KATAEB HEZBOLLAH=Kataeb Hezbollah']);
  });

  it('honours explicit rules both ways', () => {
    const d = compileDictionary([
      { text: 'Daesh', entity: 0, caseSensitive: true },
      { text: 'PMF', entity: 1, caseSensitive: false },
    ]).dictionary;
    expect(found('Daesh daesh DAESH pmf Pmf', d, ['Daesh', 'PMF'])).toEqual(['Daesh=Daesh', 'pmf=PMF', 'Pmf=PMF']);
  });

  it('compares case after folding everything else (diacritics, separators)', () => {
    const d = compileDictionary([{ text: 'ÉU-A', entity: 0, caseSensitive: true }]).dictionary;
    expect(found('EU A and E\u0301U\u00a0A, not eu a', d, ['EUA'])).toEqual(['EU A=EUA', 'E\u0301U\u00a0A=EUA']);
  });

  it('prefers an exact-case alias over a case-insensitive one on the same text', () => {
    const d = compileDictionary([
      { text: 'us', entity: 0, caseSensitive: false },
      { text: 'US', entity: 1, caseSensitive: true },
    ]).dictionary;
    expect(found('US and us', d, ['pronoun', 'United States'])).toEqual(['US=United States', 'us=pronoun']);
  });
});

describe('folding while matching', () => {
  it.each([
    ['Ālbū Kamāl', 'Ālbū Kamāl=Albu Kamal'],
    ['A\u0304lbu\u0304 Kama\u0304l', 'A\u0304lbu\u0304 Kama\u0304l=Albu Kamal'],
    ['Al-Bukamal', 'Al-Bukamal=Albu Kamal'],
    ['Al Bukamal', 'Al Bukamal=Albu Kamal'],
    ['Al—Bukamal', 'Al—Bukamal=Albu Kamal'],
    ['Albu\nKamal', 'Albu\nKamal=Albu Kamal'],
    ['Albu\u00a0Kamal', 'Albu\u00a0Kamal=Albu Kamal'],
    ['Albu \n\t Kamal', 'Albu \n\t Kamal=Albu Kamal'],
    ['Kata’ib Hizballah', 'Kata’ib Hizballah=Kataeb Hezbollah'],
    ["Kata'ib Hizballah", "Kata'ib Hizballah=Kataeb Hezbollah"],
    ['Kataʼib Hizballah', 'Kataʼib Hizballah=Kataeb Hezbollah'],
    ['Kata`ib Hizballah', 'Kata`ib Hizballah=Kataeb Hezbollah'],
    ['Kata´ib Hizballah', 'Kata´ib Hizballah=Kataeb Hezbollah'],
    ['الحَشْدُ الشَّعْبِيُّ', 'الحَشْدُ الشَّعْبِيُّ=Hashed al-Shaabi'],
    ['الحشـــد الشعبي', 'الحشـــد الشعبي=Hashed al-Shaabi'],
    ['أبو مهدي المهندس', 'أبو مهدي المهندس=Abu Mahdi al-Muhandis'],
    ['ابو مهدي المهندس', 'ابو مهدي المهندس=Abu Mahdi al-Muhandis'],
  ])('%j', (text, expected) => {
    expect(found(text)).toEqual([expected]);
  });

  it('finds names split by removed inline markup (the caller concatenates the text nodes)', () => {
    expect(found('town of ' + 'Albu ' + 'Kamal' + ' on the Euphrates')).toEqual(['Albu Kamal=Albu Kamal']);
  });
});

describe('offsets in the original string', () => {
  it('maps back over diacritics, decomposed marks, and surrogate pairs before a name', () => {
    const text = '😀😀 Ālbū Kamāl 👍🏽 A\u0304lbu\u0304 Kama\u0304l';
    const ms = findMentions(dict, text);
    expect(ms.map((m) => text.slice(m.start, m.end))).toEqual(['Ālbū Kamāl', 'A\u0304lbu\u0304 Kama\u0304l']);
    expect(ms[0]).toMatchObject({ start: 5, end: 15 });
    // A trailing combining mark belongs to the last letter of the name.
    expect(ms[1]!.end).toBe(text.length);
  });

  it('maps Arabic with tashkeel, including marks after the last letter', () => {
    const text = 'قال الحَشْدُ الشَّعْبِيُّ إنّ';
    const [m] = findMentions(dict, text);
    expect(text.slice(m!.start, m!.end)).toBe('الحَشْدُ الشَّعْبِيُّ');
    expect(m!.start).toBe(4);
  });

  it('maps a name written in astral letters (mathematical bold) to the whole surrogate pairs', () => {
    const text = 'in 𝐈𝐫𝐚𝐧 today';
    const [m] = findMentions(dict, text);
    expect(text.slice(m!.start, m!.end)).toBe('𝐈𝐫𝐚𝐧');
  });

  it('never matches part of a character that folds to several (ligature, fraction)', () => {
    const names = ['f', 'fi', '1', '2', '⁄2'];
    const d = compileDictionary(names.map((text, entity) => ({ text, entity, caseSensitive: false }))).dictionary;
    // ½ folds to 1⁄2: neither "1" (ends inside it) nor "2" nor "⁄2" (start inside it) may match there.
    expect(found('ﬁ ½ 1 2', d, names)).toEqual(['ﬁ=fi', '1=1', '2=2']);
  });

  it('maps separator runs: the mention ends before the separators that follow it', () => {
    const text = 'Iran  \u00a0 -backed';
    expect(findMentions(dict, text)[0]).toMatchObject({ start: 0, end: 4 });
  });
});

describe('findMentions options and edge cases', () => {
  it('stops at the limit', () => {
    expect(findMentions(dict, 'Iran Iraq Syria', { limit: 2 })).toHaveLength(2);
    expect(findMentions(dict, 'Iran Iraq Syria', { limit: 0 })).toEqual([]);
  });

  it('handles empty texts and empty dictionaries', () => {
    expect(findMentions(dict, '')).toEqual([]);
    expect(findMentions(compileDictionary([]).dictionary, 'Iran')).toEqual([]);
  });

  it('is not disturbed by earlier calls (scratch buffers are reused)', () => {
    const long = 'Iran '.repeat(5000) + 'Kataeb Hezbollah';
    expect(findMentions(dict, long)).toHaveLength(5001);
    expect(found('Iraq')).toEqual(['Iraq=Iraq']);
  });

  it('reports the pattern and entity of each mention', () => {
    const entries = entriesOf(ENTITIES);
    const { dictionary } = compileDictionary(entries);
    const [m] = findMentions(dictionary, 'Kata’ib Hizballah');
    expect(entries[dictionary.patternEntry[m!.pattern]!]!.text).toBe('Kata’ib Hizballah');
    expect(m!.entity).toBe(3);
  });
});
