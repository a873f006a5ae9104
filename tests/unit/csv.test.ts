import { describe, it, expect } from 'vitest';
import {
  CsvError,
  csvPackId,
  csvToPack,
  detectKind,
  parseCsv,
  MAX_CSV_CELL_CHARS,
  MAX_CSV_ROWS,
  type CsvConversion,
  type CsvKind,
  type CsvToPackOptions,
} from '../../lib/pack/csv';
import { parsePack } from '../../lib/pack/validate';
import { PACK_FORMAT, PACK_FORMAT_VERSION } from '../../lib/pack/schema';
import { mulberry32 as random } from '../fixtures/prng';

const PACK = { id: 'csv-test', title: 'Test sheet', version: '1' };

/** Converts CSV text and checks, as every test does, that the result is a valid pack. */
function convert(text: string, kind: CsvKind, extra: Partial<CsvToPackOptions> = {}): CsvConversion {
  const result = csvToPack(parseCsv(text), { kind, pack: PACK, ...extra });
  const parsed = parsePack(result.doc);
  if (!parsed.ok) throw new Error(`not a valid pack: ${parsed.error.message}`);
  expect(parsePack(JSON.stringify(result.doc)).ok).toBe(true);
  return result;
}

/** The CsvError a call throws. */
function csvError(f: () => unknown): CsvError {
  try {
    f();
  } catch (e) {
    if (e instanceof CsvError) return e;
    throw e;
  }
  throw new Error('expected a CsvError');
}

const entitiesError = (text: string) => csvError(() => convert(text, 'entities'));
const eventsError = (text: string, extra: Partial<CsvToPackOptions> = {}) =>
  csvError(() => convert(text, 'events', extra));

/** Store ids for the names a test's resolver knows. */
const STORE: Record<string, string> = {
  'albu kamal': '0b3f6c1e-8d4a-8f00-9a1b-2c3d4e5f6a7b',
  'kataeb hezbollah': '1c4a7d2f-9e5b-8a11-8b2c-3d4e5f6a7b8c',
  'hashed al-shaabi': '2d5b8e30-af6c-8b22-9c3d-4e5f6a7b8c9d',
  'islamic state (is)': '3e6c9f41-b07d-8c33-8d4e-5f6a7b8c9dae',
};
const resolveEntity = (name: string) => STORE[name.toLowerCase()] ?? null;

describe('parseCsv', () => {
  it('reads quoted cells with separators, doubled quotes and line breaks', () => {
    const t = parseCsv('name,summary\n"Smith, John","He said ""no"".\nThen left."\nPlain,x');
    expect(t.header).toEqual(['name', 'summary']);
    expect(t.rows).toEqual([
      ['Smith, John', 'He said "no".\nThen left.'],
      ['Plain', 'x'],
    ]);
  });

  it('reads CRLF, LF and CR line ends, inside cells too', () => {
    expect(parseCsv('a,b\r\n1,2\r\n3,"x\r\ny"\r\n').rows).toEqual([
      ['1', '2'],
      ['3', 'x\ny'],
    ]);
    expect(parseCsv('a,b\r1,2\r3,4').rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(parseCsv('a,b\n1,"x\ry"').rows).toEqual([['1', 'x\ny']]);
  });

  it('strips a byte order mark and ignores blank lines at the end', () => {
    const t = parseCsv('\uFEFFname,kind\nA,person\n\n\r\n\n');
    expect(t.header).toEqual(['name', 'kind']);
    expect(t.rows).toEqual([['A', 'person']]);
  });

  it('keeps blank lines in the middle as empty rows, so row numbers match the sheet', () => {
    expect(parseCsv('name\nA\n\nB').rows).toEqual([['A'], [''], ['B']]);
  });

  it('detects semicolons and tabs from the header line', () => {
    expect(parseCsv('name;summary;tags\n"A;B";1,5 km;x').rows).toEqual([['A;B', '1,5 km', 'x']]);
    expect(parseCsv('name\tsummary\nA, B\tc;d').rows).toEqual([['A, B', 'c;d']]);
    // More commas than semicolons in the header: commas.
    expect(parseCsv('name,summary,tags\nA;B,c,d').rows).toEqual([['A;B', 'c', 'd']]);
    // Separators inside a quoted header cell do not count.
    expect(parseCsv('"a;b;c",d\n1,2').header).toEqual(['a;b;c', 'd']);
  });

  it('pads short rows and drops empty extra cells', () => {
    expect(parseCsv('a,b,c\n1\n1,2,3,,\n').rows).toEqual([
      ['1', '', ''],
      ['1', '2', '3'],
    ]);
  });

  it('refuses a row with more filled cells than the header names', () => {
    const e = csvError(() => parseCsv('name,kind\nSmith, John,person'));
    expect(e.row).toBe(2);
    expect(e.message).toContain('Row 2 has 3 cells but the header names 2 columns');
    expect(e.message).toContain('double quotes');
  });

  it('keeps stray quotes: inside an unquoted cell, and after a closing quote', () => {
    expect(parseCsv('a,b\n5" pipe,"x"y').rows).toEqual([['5" pipe', 'xy']]);
  });

  it('refuses an unterminated quote, naming the row where it opens', () => {
    const e = csvError(() => parseCsv('name,summary\nA,ok\nB,"never closed\nC,d\n'));
    expect(e.row).toBe(3);
    expect(e.column).toBe('summary');
    expect(e.message).toMatch(/^Row 3, column "summary": a quoted cell is never closed/);
  });

  it('refuses an empty file', () => {
    expect(csvError(() => parseCsv('')).message).toBe('The file is empty.');
    expect(csvError(() => parseCsv('\uFEFF\n\n')).message).toBe('The file is empty.');
  });

  it('refuses too many rows and too long cells', () => {
    expect(parseCsv('name\n' + 'a\n'.repeat(MAX_CSV_ROWS)).rows).toHaveLength(MAX_CSV_ROWS);
    const many = csvError(() => parseCsv('name\n' + 'a\n'.repeat(MAX_CSV_ROWS + 1)));
    expect(many.message).toContain('more than 200,000 rows');
    const long = csvError(() => parseCsv(`name,summary\nA,"${'x'.repeat(MAX_CSV_CELL_CHARS + 1)}"`));
    expect(long.row).toBe(2);
    expect(long.column).toBe('summary');
    expect(long.message).toContain('the limit is 100,000');
  });
});

describe('detectKind', () => {
  it.each([
    [['Title', 'Date', 'Place'], 'events'],
    [['date', 'what'], 'events'],
    [['title'], 'events'],
    [['End_Date', 'Start Date', 'TITLE'], 'events'],
    [[' Name ', 'type'], 'entities'],
    [['name', 'title', 'organisation'], 'entities'], // a job title: a list of people
    [['foo', 'bar'], null],
    [['constructor'], null],
  ])('%j -> %s', (header, kind) => {
    expect(detectKind(header as string[])).toBe(kind);
  });
});

describe('csvToPack: entities', () => {
  it('converts a sheet into a valid pack document', () => {
    const { doc, warnings } = convert(
      [
        'name,kind,aliases,summary,tags,links',
        'Albu Kamal,place,Albukamal; Abu Kamal | البوكمال,Border town.,syria;border,https://en.wikipedia.org/wiki/Abu_Kamal',
        'Kataeb Hezbollah,group,KH|Kata\'ib Hizballah,,"iraq, militia",',
      ].join('\n'),
      'entities',
    );
    expect(warnings).toEqual([]);
    expect(doc).toEqual({
      format: PACK_FORMAT,
      formatVersion: PACK_FORMAT_VERSION,
      pack: PACK,
      entities: [
        {
          id: 'albu-kamal',
          name: 'Albu Kamal',
          kind: 'place',
          aliases: ['Albukamal', 'Abu Kamal', 'البوكمال'],
          summary: 'Border town.',
          tags: ['syria', 'border'],
          links: [{ url: 'https://en.wikipedia.org/wiki/Abu_Kamal' }],
        },
        {
          id: 'kataeb-hezbollah',
          name: 'Kataeb Hezbollah',
          kind: 'group',
          aliases: ['KH', "Kata'ib Hizballah"],
          tags: ['iraq', 'militia'],
        },
      ],
    });
  });

  it('matches headers forgivingly and knows their synonyms', () => {
    const { doc, warnings } = convert(
      [
        ' NAME ,Type,Also_Known As,Description,TAGS,URLs,ID',
        'Hashed al-Shaabi,Organisation,PMF,Umbrella of militias.,iraq,https://a.example/x http://b.example/y,hashed',
      ].join('\r\n'),
      'entities',
    );
    expect(warnings).toEqual([]);
    expect(doc.entities).toEqual([
      {
        id: 'hashed',
        name: 'Hashed al-Shaabi',
        kind: 'organization',
        aliases: ['PMF'],
        summary: 'Umbrella of militias.',
        tags: ['iraq'],
        links: [{ url: 'https://a.example/x' }, { url: 'http://b.example/y' }],
      },
    ]);
  });

  it.each([
    ['Person', 'person'],
    ['people', 'person'],
    ['PLACE', 'place'],
    ['organization', 'organization'],
    ['organisation', 'organization'],
    ['Org', 'organization'],
    ['group', 'group'],
    ['topic', 'topic'],
    ['other', 'other'],
    ['', 'other'],
    ['  person  ', 'person'],
  ])('reads the kind %j as %s', (written, kind) => {
    expect(convert(`name,kind\nX,${written}`, 'entities').doc.entities![0]!.kind).toBe(kind);
  });

  it('refuses an unknown kind, naming row and column', () => {
    const e = entitiesError('name,kind\nA,person\nB,group\nC,place\nD,militia');
    expect(e.row).toBe(5);
    expect(e.column).toBe('kind');
    expect(e.message).toBe(
      'Row 5, column "kind": "militia" is not one of person, place, organization, group, topic, other.',
    );
    // Never an inherited property.
    expect(entitiesError('name,kind\nA,constructor').message).toContain('"constructor" is not one of');
  });

  it('splits aliases on ; and |, tags also on commas, links on spaces too; drops repeats and empties', () => {
    const { doc } = convert(
      'name,alias,tags,link\nA,"x ; y|| x ;z","a,b;a | c","https://a.example\nhttps://b.example;https://a.example"',
      'entities',
    );
    const e = doc.entities![0]!;
    expect(e.aliases).toEqual(['x', 'y', 'z']);
    expect(e.tags).toEqual(['a', 'b', 'c']);
    expect(e.links).toEqual([{ url: 'https://a.example' }, { url: 'https://b.example' }]);
  });

  it('merges several summary columns and several link columns', () => {
    const { doc, warnings } = convert(
      'name,description,notes,url,links\nA,First.,Second.,https://a.example,https://b.example',
      'entities',
    );
    expect(warnings).toEqual([]);
    expect(doc.entities![0]).toMatchObject({
      summary: 'First.\n\nSecond.',
      links: [{ url: 'https://a.example' }, { url: 'https://b.example' }],
    });
  });

  it('writes a capitalised scheme in lowercase', () => {
    expect(convert('name,url\nA,HTTPS://a.example/Path', 'entities').doc.entities![0]!.links).toEqual([
      { url: 'https://a.example/Path' },
    ]);
  });

  it.each(['javascript:alert(1)', 'data:text/html,hi', 'www.example.com', 'ftp://example.com', 'https://'])(
    'refuses the link %j',
    (url) => {
      const e = entitiesError(`name,links\nA,https://ok.example\nB,"${url}"`);
      expect(e.row).toBe(3);
      expect(e.column).toBe('links');
      expect(e.message).toContain(`Row 3, column "links": "${url}" is not a web link`);
    },
  );

  it('refuses a sheet without a name column', () => {
    const e = entitiesError('Nom,Type\nA,person');
    expect(e.row).toBe(1);
    expect(e.column).toBe('name');
    expect(e.message).toContain('The sheet has no "name" column');
    expect(e.message).toContain('"Nom", "Type"');
  });

  it('refuses a row whose name is empty, skips empty rows', () => {
    const e = entitiesError('name,kind,summary\nA,person,\n,,\n\n,place,x');
    expect(e.row).toBe(5);
    expect(e.column).toBe('name');
    expect(e.message).toBe('Row 5, column "name": this cell is empty; every entity needs a name.');
    expect(convert('name,kind\nA,person\n,\n  ,  \n\nB,', 'entities').doc.entities!.map((e) => e.name)).toEqual([
      'A',
      'B',
    ]);
  });

  it('refuses a sheet with no data rows', () => {
    expect(entitiesError('name,kind\n\n').message).toContain('no rows under the header');
  });

  it('derives stable ids from names, de-duplicated, never taking an id the sheet gives', () => {
    const text = [
      'name,id',
      'Ālbū Kamāl,',
      "Kata'ib Hizballah,",
      'albu   kamal,',
      'Albu-Kamal!,',
      'Someone,albu-kamal-3',
      'البوكمال,',
      '???,',
      `${'Very long name '.repeat(10)},`,
    ].join('\n');
    const ids = convert(text, 'entities').doc.entities!.map((e) => e.id);
    expect(ids).toEqual([
      'albu-kamal',
      'kataib-hizballah',
      'albu-kamal-2',
      'albu-kamal-4',
      'albu-kamal-3',
      'البوكمال',
      'entity',
      // cut at 80 characters, without the hyphen the cut leaves
      'very-long-name-'.repeat(5) + 'very',
    ]);
    // The same sheet always gives the same ids.
    expect(convert(text, 'entities').doc.entities!.map((e) => e.id)).toEqual(ids);
  });

  it('refuses a repeated id', () => {
    const e = entitiesError('name,id\nA,x\nB,y\nC,x');
    expect(e.row).toBe(4);
    expect(e.column).toBe('id');
    expect(e.message).toContain('the id "x" is already used in row 2');
  });

  it('collapses line breaks in names, keeps them in summaries', () => {
    const e = convert('name,summary\n"Albu\nKamal","One.\nTwo."', 'entities').doc.entities![0]!;
    expect(e.name).toBe('Albu Kamal');
    expect(e.summary).toBe('One.\nTwo.');
  });

  it('refuses values longer than the pack format allows', () => {
    const e = entitiesError(`name,aliases\nA,${'x'.repeat(301)}`);
    expect(e.column).toBe('aliases');
    expect(e.message).toContain('the alias "xxx');
    expect(e.message).toContain('the most is 300');
    const tags = Array.from({ length: 101 }, (_, i) => `t${i}`).join(';');
    expect(entitiesError(`name,tags\nA,${tags}`).message).toBe(
      'Row 2, column "tags": there are 101 tags; the most is 100.',
    );
  });

  it('warns once for each column it does not know', () => {
    const { doc, warnings } = convert('Name,Remarks,Kind,Date of birth,\nA,x,person,1970,\nB,,,,', 'entities');
    expect(doc.entities).toHaveLength(2);
    expect(warnings).toEqual(['column "Remarks" was ignored', 'column "Date of birth" was ignored']);
  });

  it('warns about a repeated single-value column and about an unnamed column that holds data', () => {
    const { doc, warnings } = convert('name,kind,type,\nA,person,place,oops', 'entities');
    expect(doc.entities![0]!.kind).toBe('person');
    expect(warnings).toEqual([
      'column "type" was ignored: column "kind" gives the same thing',
      'column 4 (no name) was ignored',
    ]);
  });
});

describe('csvToPack: events', () => {
  it('converts a sheet into a valid pack document, resolving names with roles', () => {
    const { doc, warnings } = convert(
      [
        'title,date,end date,place,summary,entities,sources',
        'Albu Kamal taken,2017-11-08,2017-11-19,Albu Kamal,,Hashed al-Shaabi (among the attacking forces),https://en.wikipedia.org/wiki/Battle_of_Abu_Kamal_(2017)',
        'Air strike,2020-03,,albu kamal,Casualties unclear.,"Kataeb Hezbollah (target); Nobody Known (witness) | Islamic State (IS)",',
      ].join('\n'),
      'events',
      { resolveEntity },
    );
    expect(warnings).toEqual(['row 3: no entity called "Nobody Known (witness)"; left out']);
    expect(doc.events).toEqual([
      {
        id: '2017-11-08-albu-kamal-taken',
        title: 'Albu Kamal taken',
        date: '2017-11-08',
        endDate: '2017-11-19',
        place: STORE['albu kamal'],
        sources: [{ url: 'https://en.wikipedia.org/wiki/Battle_of_Abu_Kamal_(2017)' }],
        entities: [{ entity: STORE['hashed al-shaabi'], role: 'among the attacking forces' }],
      },
      {
        id: '2020-03-air-strike',
        title: 'Air strike',
        date: '2020-03',
        place: STORE['albu kamal'],
        summary: 'Casualties unclear.',
        // "Islamic State (IS)" is a name the store knows as a whole: not a name and a role.
        entities: [{ entity: STORE['kataeb hezbollah'], role: 'target' }, { entity: STORE['islamic state (is)'] }],
      },
    ]);
  });

  it('matches event header synonyms', () => {
    const { doc, warnings } = convert(
      'Title;Start_Date;End;Location;Notes;People;Links\nA;2020;2021;Albu Kamal;x;Kataeb Hezbollah;https://a.example',
      'events',
      { resolveEntity },
    );
    expect(warnings).toEqual([]);
    expect(doc.events![0]).toMatchObject({ date: '2020', endDate: '2021', place: STORE['albu kamal'], summary: 'x' });
    expect(doc.events![0]!.entities).toEqual([{ entity: STORE['kataeb hezbollah'] }]);
    expect(doc.events![0]!.sources).toEqual([{ url: 'https://a.example' }]);
  });

  it('warns about unknown names and leaves them out, one warning per name and row', () => {
    const { doc, warnings } = convert(
      'title,date,place,involved\nA,2020,Somewhere,Foo; Kataeb Hezbollah\nB,2021,,Foo (target)|Bar',
      'events',
      { resolveEntity },
    );
    expect(warnings).toEqual([
      'row 2: no entity called "Somewhere"; left out',
      'row 2: no entity called "Foo"; left out',
      'row 3: no entity called "Foo (target)"; left out',
      'row 3: no entity called "Bar"; left out',
    ]);
    expect(doc.events![0]!.place).toBeUndefined();
    expect(doc.events![0]!.entities).toEqual([{ entity: STORE['kataeb hezbollah'] }]);
    expect(doc.events![1]!.entities).toBeUndefined();
  });

  it('without a resolver, every name is unknown', () => {
    const { doc, warnings } = convert('title,date,place\nA,2020,Albu Kamal', 'events');
    expect(doc.events![0]!.place).toBeUndefined();
    expect(warnings).toEqual(['row 2: no entity called "Albu Kamal"; left out']);
  });

  it('refuses a resolver that returns something other than a store id', () => {
    expect(() => convert('title,date,place\nA,2020,X', 'events', { resolveEntity: () => 'x' })).toThrow(TypeError);
  });

  it('accepts ISO dates, padding months and days', () => {
    const dates = convert('title,date\nA,2021\nB,2021-03\nC,2021-03-07\nD,2021-3-7', 'events').doc.events!.map(
      (e) => e.date,
    );
    expect(dates).toEqual(['2021', '2021-03', '2021-03-07', '2021-03-07']);
  });

  it.each(['7/3/2021', '07.03.2021', '2021-13', '2021-02-32', 'March 2021', '21', '2021/03/07'])(
    'refuses the date %j, explaining what to write',
    (date) => {
      const e = eventsError(`title,date\nA,2020\nB,2020\nC,2020\nD,2020\nE,2020\nF,${date}`);
      expect(e.row).toBe(7);
      expect(e.column).toBe('date');
      expect(e.message).toContain(`Row 7, column "date": "${date}" is not a date; write 2021-03-07, 2021-03 or 2021.`);
    },
  );

  it('says why day/month dates are not read', () => {
    expect(eventsError('title,date\nA,7/3/2021').message).toBe(
      'Row 2, column "date": "7/3/2021" is not a date; write 2021-03-07, 2021-03 or 2021. Only year-month-day dates are read: 7/3/2021 could mean 7 March or 3 July.',
    );
  });

  it('refuses an end date before the date, compared at the end date precision', () => {
    const e = eventsError('title,date,End Date\nA,2020-03-11,2020-03-01');
    expect(e.column).toBe('End Date');
    expect(e.message).toBe('Row 2, column "End Date": the event ends (2020-03-01) before it starts (2020-03-11).');
    expect(convert('title,date,end\nA,2017-11-08,2017-11', 'events').doc.events![0]!.endDate).toBe('2017-11');
  });

  it('refuses a missing title or date column, and empty required cells', () => {
    expect(eventsError('title,when\nA,2020').message).toContain('The sheet has no "date" column');
    expect(eventsError('date\n2020').message).toContain('The sheet has no "title" column');
    const e = eventsError('title,date\nA,2020\nB,');
    expect([e.row, e.column, e.message]).toEqual([
      3,
      'date',
      'Row 3, column "date": this cell is empty; every event needs a date.',
    ]);
  });

  it('refuses a non-http source', () => {
    const e = eventsError('title,date,sources\nA,2020,javascript:alert(1)');
    expect([e.row, e.column]).toEqual([2, 'sources']);
  });

  it('derives ids from date and title, de-duplicated', () => {
    const ids = convert(
      'title,date,id\nStrike,2020\nStrike,2020\nStrike,2021\nOther,2020,mine',
      'events',
    ).doc.events!.map((e) => e.id);
    expect(ids).toEqual(['2020-strike', '2020-strike-2', '2021-strike', 'mine']);
  });
});

describe('csvPackId', () => {
  it.each([
    ['Militias 2024.csv', 'csv-militias-2024'],
    ['C:\\fakepath\\Milices Ḥalab.CSV', 'csv-milices-halab'],
    ['/home/me/events_2020.v2.tsv', 'csv-events-2020-v2'],
    ['  ---Groups---  .txt', 'csv-groups'],
  ])('%j -> %s', (name, id) => {
    expect(csvPackId(name)).toBe(id);
  });

  it('adds a fingerprint when the name cannot be written in the pack id alphabet', () => {
    const a = csvPackId('ميليشيات 2024.csv');
    const b = csvPackId('أحداث 2024.csv');
    expect(a).toMatch(/^csv-2024-[0-9a-f]{8}$/);
    expect(b).toMatch(/^csv-2024-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(csvPackId('ميليشيات 2024.csv')).toBe(a);
    expect(csvPackId('.csv')).toMatch(/^csv-sheet-[0-9a-f]{8}$/);
  });

  it('always gives a valid pack id', () => {
    for (const name of ['x'.repeat(300) + '.csv', 'ü'.repeat(300), '', 'Ünïcödé—Names ½.csv']) {
      const id = csvPackId(name);
      expect(id).toMatch(/^[a-z0-9][a-z0-9._-]{0,99}$/);
      expect(parsePack({ format: PACK_FORMAT, formatVersion: PACK_FORMAT_VERSION, pack: { ...PACK, id } }).ok).toBe(
        true,
      );
    }
  });
});

/** One CSV cell, quoted when it has to be. */
const cell = (s: string) => (/[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

describe('round trip', () => {
  it('converts a generated 1,000-row sheet of entities, and one of events, into valid packs', () => {
    const rnd = random(20240611);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
    const words = ['Albu', 'Kamal', 'Ḥalab', 'O"Neil', 'Smith, Jr.', 'al-Shaabi', "Kata'ib", 'Nord;Süd', 'Line\nbreak'];
    const kinds = ['person', 'Place', 'ORG', 'organisation', 'group', 'topic', 'other', ''];
    const rows: string[][] = [];
    for (let i = 0; i < 1000; i++) {
      const name = `${pick(words)} ${pick(words)} ${i % 7}`;
      rows.push([
        name,
        pick(kinds),
        [pick(words), pick(words)].map((w) => w.replace(/[;|\n]/g, ' ')).join(' | '),
        rnd() < 0.5 ? '' : `Summary ${i}, with "quotes"\nand lines.`,
        `t${i % 13},t${i % 5}`,
        rnd() < 0.3 ? '' : `https://example.org/${i}?q=${pick(['a', 'b'])}`,
      ]);
    }
    const text =
      '\uFEFFName,Type,Aliases,Summary,Tags,URL\r\n' + rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';

    const { doc, warnings } = convert(text, 'entities');
    expect(warnings).toEqual([]);
    expect(doc.entities).toHaveLength(1000);
    expect(new Set(doc.entities!.map((e) => e.id)).size).toBe(1000);
    const i = 617;
    const e = doc.entities![i]!;
    expect(e.name).toBe(rows[i]![0]!.replace(/\s+/g, ' '));
    expect(e.summary ?? '').toBe(rows[i]![3]);
    expect(e.links ?? []).toEqual(rows[i]![5] ? [{ url: rows[i]![5] }] : []);
    // Converting the same text again gives the same document.
    expect(convert(text, 'entities').doc).toEqual(doc);

    // Events naming the entities just made (known to a resolver by name) and some unknown ones.
    const byName = new Map<string, string>();
    doc.entities!.forEach((e, k) => byName.set(e.name, `00000000-0000-8000-8000-${k.toString(16).padStart(12, '0')}`));
    // A name with ; or | in it cannot be listed in an entities cell, which splits on them.
    const listable = doc.entities!.filter((e) => !/[;|]/.test(e.name));
    const events: string[][] = [];
    for (let k = 0; k < 1000; k++) {
      const who = [pick(listable).name, rnd() < 0.1 ? 'Unknown Person' : pick(listable).name];
      events.push([
        `Event ${k}`,
        `${2000 + (k % 25)}-${String((k % 12) + 1).padStart(2, '0')}`,
        pick(doc.entities!).name,
        who.map((n, j) => (j ? `${n} (role ${k})` : n)).join('; '),
      ]);
    }
    const eventsText = 'title;date;place;entities\n' + events.map((r) => r.map(cell).join(';')).join('\n');
    const result = convert(eventsText, 'events', { resolveEntity: (n) => byName.get(n) ?? null });
    expect(result.doc.events).toHaveLength(1000);
    expect(result.warnings.length).toBe(events.filter((r) => r[3]!.includes('Unknown Person')).length);
    expect(result.doc.events!.every((ev) => ev.place && ev.entities && ev.entities.length >= 1)).toBe(true);
  });
});
