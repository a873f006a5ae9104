/**
 * Hostile data coming in (the corpus of tests/fixtures/hostile.ts): every string goes into every text
 * field through a pack (`pack.import`), a CSV sheet (`csv.import`), the manager's forms
 * (`entity.save`, `event.save`, `note.save`) and sync (two stores exchanging through the in-memory
 * remote, and a peer that writes what no form would).
 *
 * The rules proven here:
 * - Text is data. A string that fits a field is stored exactly as given: never escaped, stripped or
 *   "sanitised". Names and titles lose surrounding white space (trim), and CSV cells follow the CSV
 *   rules (one-line fields have their white-space runs collapsed; lists are split on their separators).
 * - What does not fit (too long; a name of invisible characters only) is refused with a message that
 *   names the field (pack path, form field, or CSV row and column), and the store is left unchanged.
 * - Links are http(s) only. Any other URL (javascript:, data:, vbscript:, file:, in any case, with
 *   entities, whitespace or control characters) is refused where it comes in, never stored. The
 *   pages also render stored URLs through isSafeUrl (tests/component/hostile-render.test.tsx).
 * - No prototype pollution, whatever the ids, keys, aliases, tags or CSV headers are called.
 * - JSON nested 100,000 levels deep is refused with a message, without a stack overflow.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HybridClock } from '../../lib/hlc';
import {
  ENTITY_FIELDS,
  EVENT_FIELDS,
  NOTE_FIELDS,
  type EntityRecord,
  type EventRecord,
  type NoteRecord,
  type PackRecord,
} from '../../lib/model';
import type { PackDocument, PackEntity, PackEvent, PackNote } from '../../lib/pack/schema';
import type { Result } from '../../lib/result';
import type { KnowledgeStore } from '../../lib/store/store';
import { create, type SyncRecord } from '../../lib/sync/merge';
import { keyOf, plainCodec, syncOnce, type SyncState } from '../../lib/sync/protocol';
import { storeApi } from '../fixtures/api';
import {
  BIDI_CONTROL,
  bidiLeaks,
  deeplyNested,
  HOSTILE,
  INVISIBLE_ONLY,
  ODD_SAFE_URLS,
  oversized,
  UNSAFE_URLS,
  type Hostile,
} from '../fixtures/hostile';
import { MemoryRemote } from '../fixtures/memory-remote';
import { syncingService } from '../fixtures/sync-device';
import { dump, freshStore } from '../fixtures/store';
import { hasVisibleText, isolate, preview } from '../../lib/text';

// ---- no prototype pollution, checked after every test ---------------------------------------------

let prototypeKeys: string[] = [];
const ownKeys = (o: object) => Reflect.ownKeys(o).map(String).sort();
beforeAll(() => {
  prototypeKeys = ownKeys(Object.prototype);
});
afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  expect(ownKeys(Object.prototype)).toEqual(prototypeKeys);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
});

// ---- the text fields of the pack format -----------------------------------------------------------

/** What a pack import stored, read back from the store. */
interface Stored {
  pack: PackRecord;
  entity: EntityRecord;
  place: EntityRecord;
  event: EventRecord;
  note: NoteRecord;
}

interface TextField {
  /** The field's path, as import messages name it. */
  path: string;
  /** The most characters the pack format takes (docs/pack-format.md). */
  max: number;
  /** A name or title: trimmed of surrounding white space, and must show something. */
  name: boolean;
  set: (doc: PackDocument, value: string) => void;
  get: (stored: Stored) => string | undefined;
}

const PACK_ID = 'hostile';

/** A small valid pack with every text field filled with plain text. */
function basePack(): PackDocument {
  return {
    format: 'backstory-pack',
    formatVersion: 1,
    pack: { id: PACK_ID, title: 'Plain pack', version: '1', description: 'Plain.', authors: ['Ann'], license: 'CC0' },
    entities: [
      {
        id: 'e',
        name: 'Plain person',
        kind: 'person',
        aliases: ['Plain alias'],
        summary: 'Plain summary.',
        tags: ['plain'],
        links: [{ url: 'https://example.org/a', title: 'Plain link' }],
        related: [{ entity: 'p', label: 'lives in' }],
      },
      { id: 'p', name: 'Plain place', kind: 'place' },
    ],
    events: [
      {
        id: 'ev',
        title: 'Plain event',
        date: '2020-03-11',
        place: 'p',
        summary: 'Plain.',
        sources: [{ url: 'https://example.org/s', title: 'Plain source' }],
        entities: [{ entity: 'e', role: 'witness' }],
      },
    ],
    notes: [
      {
        id: 'n',
        about: { entity: 'e' },
        text: 'Plain note.',
        page: { url: 'https://example.org/p', title: 'Plain page', quote: 'Plain quote.' },
      },
    ],
  };
}

const entity = (d: PackDocument, i = 0) => d.entities![i]! as PackEntity;
const event = (d: PackDocument) => d.events![0]! as PackEvent;
const note = (d: PackDocument) => d.notes![0]! as PackNote;

const field = (path: string, max: number, name: boolean, set: TextField['set'], get: TextField['get']): TextField => ({
  path,
  max,
  name,
  set,
  get,
});

const TEXT_FIELDS: TextField[] = [
  field(
    'pack.title',
    200,
    true,
    (d, v) => (d.pack.title = v),
    (s) => s.pack.title,
  ),
  field(
    'pack.description',
    5000,
    false,
    (d, v) => (d.pack.description = v),
    (s) => s.pack.description,
  ),
  field(
    'pack.authors[0]',
    200,
    true,
    (d, v) => (d.pack.authors = [v]),
    (s) => s.pack.authors[0],
  ),
  field(
    'pack.license',
    200,
    true,
    (d, v) => (d.pack.license = v),
    (s) => s.pack.license ?? undefined,
  ),
  field(
    'entities[0].name',
    300,
    true,
    (d, v) => (entity(d).name = v),
    (s) => s.entity.name,
  ),
  field(
    'entities[0].aliases[0]',
    300,
    true,
    (d, v) => (entity(d).aliases = [v]),
    (s) => s.entity.aliases[0]?.text,
  ),
  field(
    'entities[0].summary',
    20000,
    false,
    (d, v) => (entity(d).summary = v),
    (s) => s.entity.summary,
  ),
  field(
    'entities[0].tags[0]',
    100,
    true,
    (d, v) => (entity(d).tags = [v]),
    (s) => s.entity.tags[0],
  ),
  field(
    'entities[0].links[0].title',
    500,
    false,
    (d, v) => (entity(d).links![0]!.title = v),
    (s) => s.entity.links[0]?.title,
  ),
  field(
    'entities[0].related[0].label',
    200,
    false,
    (d, v) => (entity(d).related![0]!.label = v),
    (s) => s.entity.related[0]?.label,
  ),
  field(
    'entities[1].name',
    300,
    true,
    (d, v) => (entity(d, 1).name = v),
    (s) => s.place.name,
  ),
  field(
    'events[0].title',
    500,
    true,
    (d, v) => (event(d).title = v),
    (s) => s.event.title,
  ),
  field(
    'events[0].summary',
    20000,
    false,
    (d, v) => (event(d).summary = v),
    (s) => s.event.summary,
  ),
  field(
    'events[0].sources[0].title',
    500,
    false,
    (d, v) => (event(d).sources![0]!.title = v),
    (s) => s.event.sources[0]?.title,
  ),
  field(
    'events[0].entities[0].role',
    200,
    false,
    (d, v) => (event(d).entities![0]!.role = v),
    (s) => s.event.entities[0]?.role,
  ),
  field(
    'notes[0].text',
    100000,
    true,
    (d, v) => (note(d).text = v),
    (s) => s.note.text,
  ),
  field(
    'notes[0].page.title',
    1000,
    false,
    (d, v) => (note(d).page!.title = v),
    (s) => s.note.page?.title,
  ),
  field(
    'notes[0].page.quote',
    10000,
    false,
    (d, v) => (note(d).page!.quote = v),
    (s) => s.note.page?.quote,
  ),
];

const URL_FIELDS: TextField[] = [
  field(
    'pack.homepage',
    2048,
    false,
    (d, v) => (d.pack.homepage = v),
    (s) => s.pack.homepage ?? undefined,
  ),
  field(
    'entities[0].links[0].url',
    2048,
    false,
    (d, v) => (entity(d).links![0]!.url = v),
    (s) => s.entity.links[0]?.url,
  ),
  field(
    'events[0].sources[0].url',
    2048,
    false,
    (d, v) => (event(d).sources![0]!.url = v),
    (s) => s.event.sources[0]?.url,
  ),
  field(
    'notes[0].page.url',
    2048,
    false,
    (d, v) => (note(d).page!.url = v),
    (s) => s.note.page?.url,
  ),
];

/** The value a field stores for `text`: names and titles are trimmed. */
const storedForm = (f: Pick<TextField, 'name'>, text: string) => (f.name ? text.trim() : text);
/** Whether a (visible) text is within a field's limit. */
const fits = (f: TextField, text: string) => storedForm(f, text).length <= f.max;

async function readBack(store: KnowledgeStore): Promise<Stored> {
  const [entities, events, notes, packs] = await Promise.all([
    store.listEntities(),
    store.listEvents(),
    store.listNotes(),
    store.listPacks(),
  ]);
  const ofPack = <T extends { pack: string | null; packLocalId: string | null }>(list: T[], local: string) =>
    list.find((r) => r.pack === PACK_ID && r.packLocalId === local)!;
  return {
    pack: packs.find((p) => p.id === PACK_ID)!,
    entity: ofPack(entities, 'e'),
    place: ofPack(entities, 'p'),
    event: ofPack(events, 'ev'),
    note: ofPack(notes, 'n'),
  };
}

/** A compact form of a value for failure lists (1 MB strings would bury the message). */
const short = (s: string | undefined) =>
  s === undefined ? 'undefined' : JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}… (${s.length} chars)` : s);

/** The store's records and packs (what an import may change), for "nothing changed" checks. */
const contents = async (store: KnowledgeStore) => {
  const { entities, events, notes, packs } = await dump(store);
  return { entities, events, notes, packs };
};

/** Imports a document through the contract, expecting a refusal that changes nothing; returns its message. */
async function importRefused(
  api: Awaited<ReturnType<typeof storeApi>>['api'],
  store: KnowledgeStore,
  text: string,
): Promise<string> {
  const before = await contents(store);
  const r = await api('pack.import', { text });
  expect(r.ok, 'the import should have been refused').toBe(false);
  expect(await contents(store)).toEqual(before);
  return r.ok ? '' : r.error.message;
}

describe('hostile strings through pack.import', () => {
  it('stores every corpus string exactly as given in every text field it fits', async () => {
    const { store, api } = await storeApi({ empty: true });
    const mismatches: string[] = [];
    for (const h of HOSTILE) {
      const doc = basePack();
      const used = TEXT_FIELDS.filter((f) => fits(f, h.text));
      for (const f of used) f.set(doc, h.text);
      const r = await api('pack.import', { text: JSON.stringify(doc) });
      if (!r.ok) {
        mismatches.push(`${h.label}: refused (${r.error.message})`);
        continue;
      }
      const stored = await readBack(store);
      for (const f of used)
        if (f.get(stored) !== storedForm(f, h.text))
          mismatches.push(`${h.label}: ${f.path} stored as ${short(f.get(stored))}, given ${short(h.text)}`);
    }
    expect(mismatches).toEqual([]);
    // Every field got the corpus at least once.
    for (const f of TEXT_FIELDS) expect(HOSTILE.filter((h) => fits(f, h.text)).length).toBeGreaterThan(100);
  });

  it('refuses text too long for its field, naming the field, and changes nothing', async () => {
    const { store, api } = await storeApi({ empty: true });
    await api('pack.import', { text: JSON.stringify(basePack()) });
    let refused = 0;
    for (const h of [...HOSTILE, ...oversized()])
      for (const f of TEXT_FIELDS.filter((f) => !fits(f, h.text))) {
        const doc = basePack();
        f.set(doc, h.text);
        const message = await importRefused(api, store, JSON.stringify(doc));
        expect(message, `${h.label} in ${f.path}`).toContain(
          `nothing was imported: ${f.path}: expected at most ${f.max}`,
        );
        refused++;
      }
    // The 1 MB string fits no field, the 10k one no name; the corpus has a few longer than a tag.
    expect(refused).toBeGreaterThanOrEqual(2 * TEXT_FIELDS.length);
  });

  it('refuses names made only of invisible characters, like empty names, with a plain message', async () => {
    const { store, api } = await storeApi({ empty: true });
    await api('pack.import', { text: JSON.stringify(basePack()) });
    const names = TEXT_FIELDS.filter((f) => f.name);
    expect(names.map((f) => f.path)).toEqual(
      expect.arrayContaining(['entities[0].name', 'entities[0].aliases[0]', 'events[0].title', 'notes[0].text']),
    );
    for (const h of INVISIBLE_ONLY)
      for (const f of names) {
        const doc = basePack();
        f.set(doc, h.text);
        const message = await importRefused(api, store, JSON.stringify(doc));
        // Some are white space that trim() removes: those read as empty.
        expect(message, `${h.label} as ${f.path}`).toMatch(
          new RegExp(
            `: ${f.path.replace(/[[\].]/g, '\\$&')}: expected (a non-empty string|visible text, found only invisible characters)`,
          ),
        );
      }
  });

  it('keeps invisible characters where they are not a name: a summary of a zero-width space is stored', async () => {
    const { store, api } = await storeApi({ empty: true });
    for (const h of INVISIBLE_ONLY) {
      const doc = basePack();
      for (const f of TEXT_FIELDS.filter((f) => !f.name)) f.set(doc, h.text);
      const r = await api('pack.import', { text: JSON.stringify(doc) });
      expect(r.ok, `${h.label}: ${r.ok ? '' : r.error.message}`).toBe(true);
      const stored = await readBack(store);
      for (const f of TEXT_FIELDS.filter((f) => !f.name)) expect(f.get(stored), `${h.label} ${f.path}`).toBe(h.text);
    }
  });

  it('refuses every link URL that is not http(s), in every link field, and stores odd http(s) ones as given', async () => {
    const { store, api } = await storeApi({ empty: true });
    await api('pack.import', { text: JSON.stringify(basePack()) });
    for (const u of UNSAFE_URLS)
      for (const f of URL_FIELDS) {
        const doc = basePack();
        f.set(doc, u.text);
        const message = await importRefused(api, store, JSON.stringify(doc));
        expect(message, `${u.label} as ${f.path}`).toContain(`${f.path}: expected an http:// or https:// URL`);
      }
    for (const url of ODD_SAFE_URLS) {
      const doc = basePack();
      for (const f of URL_FIELDS) f.set(doc, url);
      const r = await api('pack.import', { text: JSON.stringify(doc) });
      expect(r.ok, `${url}: ${r.ok ? '' : r.error.message}`).toBe(true);
      const stored = await readBack(store);
      for (const f of URL_FIELDS) expect(f.get(stored), f.path).toBe(url);
    }
  });

  it('isolates a right-to-left override quoted in a message, so it cannot reorder the words after it', async () => {
    const { api } = await storeApi({ empty: true });
    const doc = basePack();
    entity(doc).id = 'x\u202Eevil';
    entity(doc, 1).id = 'x\u202Eevil';
    const r = await api('pack.import', { text: JSON.stringify(doc) });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error.message).toContain('duplicate id \u2068"x\u202Eevil"\u2069 (also entities[0])');
  });
});

// ---- CSV ----------------------------------------------------------------------------------------

/** A CSV cell: always quoted, quotes doubled (separators and line breaks inside stay in the cell). */
const cell = (v: string) => `"${v.replace(/"/g, '""')}"`;
const csv = (header: string[], rows: string[][]) =>
  [header.join(','), ...rows.map((r) => r.map(cell).join(','))].join('\r\n');
/** The CSV rule for one-line fields (names, titles, list items): white-space runs collapsed, trimmed. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
/** The CSV rule for list cells: split on the separators, one-line items, empty ones and repeats dropped. */
const items = (s: string, split: RegExp) => [
  ...new Set(
    s
      .split(split)
      .map(oneLine)
      .filter((x) => x !== ''),
  ),
];
const ALIAS_SPLIT = /[;|]/;
const TAG_SPLIT = /[;|,]/;

describe('hostile strings through csv.import', () => {
  it('stores every corpus string in names, aliases, summaries, tags, event titles and places, as the CSV rules say', async () => {
    const { store, api } = await storeApi({ empty: true });
    const mismatches: string[] = [];
    for (const [i, h] of HOSTILE.entries()) {
      const name = oneLine(h.text).length <= 300 ? oneLine(h.text) : `Plain ${i}`;
      const aliases = items(h.text, ALIAS_SPLIT);
      const tags = items(h.text, TAG_SPLIT);
      const useAliases = aliases.every((a) => a.length <= 300);
      const useTags = tags.every((t) => t.length <= 100);
      const r = await api('csv.import', {
        kind: 'entities',
        fileName: 'hostile people.csv',
        text: csv(
          ['name', 'kind', 'aliases', 'summary', 'tags', 'links'],
          [[name, 'person', useAliases ? h.text : '', h.text, useTags ? h.text : '', ODD_SAFE_URLS.join(' ')]],
        ),
      });
      if (!r.ok) {
        mismatches.push(`${h.label}: entities refused (${r.error.message})`);
        continue;
      }
      const [e, ...others] = (await store.listEntities()).filter((x) => x.pack === r.value.pack.id);
      expect(others).toEqual([]);
      const want = {
        name,
        aliases: useAliases ? aliases : [],
        summary: h.text.replace(/\r\n?/g, '\n').trim(),
        tags: useTags ? tags : [],
        links: ODD_SAFE_URLS,
      };
      const got = {
        name: e!.name,
        aliases: e!.aliases.map((a) => a.text),
        summary: e!.summary,
        tags: e!.tags,
        links: e!.links.map((l) => l.url),
      };
      for (const key of Object.keys(want) as (keyof typeof want)[])
        if (JSON.stringify(got[key]) !== JSON.stringify(want[key]))
          mismatches.push(`${h.label}: ${key} stored as ${short(JSON.stringify(got[key]))}`);

      // An events sheet naming that entity as the place: found by its (hostile) name.
      const title = oneLine(h.text).length <= 500 ? oneLine(h.text) : `Plain event ${i}`;
      const ev = await api('csv.import', {
        kind: 'events',
        fileName: 'hostile events.csv',
        text: csv(['title', 'date', 'place', 'summary'], [[title, '2020-03-11', name, h.text]]),
      });
      if (!ev.ok) {
        mismatches.push(`${h.label}: events refused (${ev.error.message})`);
        continue;
      }
      expect(ev.value.warnings, h.label).toEqual([]);
      const [stored] = (await store.listEvents()).filter((x) => x.pack === ev.value.pack.id);
      if (stored?.title !== title) mismatches.push(`${h.label}: event title stored as ${short(stored?.title)}`);
      if (stored?.place !== e!.id) mismatches.push(`${h.label}: the place was not found by its name`);
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses unsafe links and oversized cells, naming the row and the column, and changes nothing', async () => {
    const { store, api } = await storeApi({ empty: true });
    const refused = async (text: string) => {
      const before = await contents(store);
      const r = await api('csv.import', { kind: 'entities', fileName: 'bad.csv', text });
      expect(await contents(store)).toEqual(before);
      return r.ok ? 'imported' : r.error.message;
    };
    for (const u of UNSAFE_URLS)
      expect(await refused(csv(['name', 'links'], [['Someone', u.text]])), u.label).toMatch(
        /^Row 2, column "links": .* is not a web link; links must start with http:\/\/ or https:\/\/\.$/s,
      );
    const [tenK, oneMb] = oversized();
    expect(await refused(csv(['name'], [[tenK!.text]]))).toBe(
      'Row 2, column "name": the name "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN…" is 10000 characters long; the most is 300.',
    );
    expect(await refused(csv(['name', 'summary'], [['Someone', oneMb!.text]]))).toBe(
      'Row 2, column "summary": this cell has 1,048,576 characters; the limit is 100,000.',
    );
  });

  it('refuses a name or title made only of invisible characters, in plain words, and drops invisible list items', async () => {
    const { store, api } = await storeApi({ empty: true });
    for (const h of INVISIBLE_ONLY) {
      const before = await contents(store);
      const people = await api('csv.import', {
        kind: 'entities',
        fileName: 'people.csv',
        text: csv(
          ['name', 'aliases'],
          [
            ['Ann', 'Annie'],
            [h.text, 'x'],
          ],
        ),
      });
      const events = await api('csv.import', {
        kind: 'events',
        fileName: 'events.csv',
        text: csv(['title', 'date'], [[h.text, '2020']]),
      });
      expect(await contents(store)).toEqual(before);
      // White space a cell's trim() removes reads as an empty cell; the rest is named for what it is.
      const why =
        /^Row 3, column "name": this cell (is empty|has only invisible characters \(such as zero-width spaces or direction marks\)); every entity needs a name\.$/;
      expect(people.ok ? 'imported' : people.error.message, h.label).toMatch(why);
      expect(events.ok ? 'imported' : events.error.message, h.label).toMatch(
        /^Row 2, column "title": this cell (is empty|has only invisible characters .*); every event needs a title\.$/,
      );
    }
    const r = await api('csv.import', {
      kind: 'entities',
      fileName: 'people.csv',
      text: csv(['name', 'aliases', 'tags'], [['Ann', `Annie;\u200B;${INVISIBLE_ONLY[3]!.text}`, '\u202E,syria']]),
    });
    expect(r.ok).toBe(true);
    const [ann] = await store.listEntities();
    expect(ann!.aliases.map((a) => a.text)).toEqual(['Annie']);
    expect(ann!.tags).toEqual(['syria']);
  });

  it('isolates a right-to-left override quoted in a CSV message', async () => {
    const { api } = await storeApi({ empty: true });
    const r = await api('csv.import', {
      kind: 'entities',
      fileName: 'people.csv',
      text: csv(['name', 'kind'], [['Ann', '\u202Emilitia']]),
    });
    expect(r.ok ? '' : r.error.message).toBe(
      'Row 2, column "kind": \u2068"\u202Emilitia"\u2069 is not one of person, place, organization, group, topic, other.',
    );
  });
});

// ---- the manager's forms, and sync ----------------------------------------------------------------

/** A device: its own store and a sync service over the shared in-memory remote. */
async function device(remote: MemoryRemote) {
  const { store } = await freshStore();
  return { store, ...(await syncingService(store, remote, 'hostile')) };
}

const pick = <T extends object>(record: T, names: readonly (keyof T)[]) =>
  Object.fromEntries(names.map((n) => [n, record[n]]));
/** A corpus string where it fits a limit, a plain stand-in where it does not. */
const within = (h: Hostile, max: number, plain: string) => (h.text.trim().length <= max ? h.text : plain);

describe('hostile strings through the forms and sync', () => {
  it('stores what the forms were given, and a second device receives exactly that', async () => {
    const remote = new MemoryRemote();
    const a = await device(remote);
    const saved: { type: 'entity' | 'event' | 'note'; id: string; fields: Record<string, unknown> }[] = [];
    let previous: string | null = null;
    for (const [i, h] of HOSTILE.entries()) {
      const url = ODD_SAFE_URLS[i % ODD_SAFE_URLS.length]!;
      const e = await a.store.saveEntity({
        name: within(h, 300, `Plain ${i}`),
        kind: 'person',
        aliases: [{ text: within(h, 300, `Alias ${i}`) }],
        summary: h.text,
        links: [{ url, title: within(h, 500, `Link ${i}`) }],
        tags: [within(h, 100, `tag${i}`)],
        related: previous ? [{ entity: previous, label: h.text.slice(0, 200) }] : [],
      });
      expect(e.name).toBe(within(h, 300, `Plain ${i}`).trim());
      expect(e.summary).toBe(h.text);
      expect(e.links[0]!.title).toBe(within(h, 500, `Link ${i}`));
      const ev = await a.store.saveEvent({
        title: within(h, 500, `Event ${i}`),
        date: '2020-03-11',
        place: e.id,
        summary: h.text,
        sources: [{ url, title: within(h, 500, `Source ${i}`) }],
        entities: [{ entity: e.id, role: h.text.slice(0, 200) }],
      });
      expect(ev.title).toBe(within(h, 500, `Event ${i}`).trim());
      const n = await a.store.saveNote({
        about: { type: 'entity', id: e.id },
        text: h.text,
        page: { url, title: within(h, 1000, `Page ${i}`), quote: h.text },
      });
      expect([n.text, n.page?.title, n.page?.quote]).toEqual([h.text.trim(), within(h, 1000, `Page ${i}`), h.text]);
      saved.push(
        { type: 'entity', id: e.id, fields: pick(e, ENTITY_FIELDS) },
        { type: 'event', id: ev.id, fields: pick(ev, EVENT_FIELDS) },
        { type: 'note', id: n.id, fields: pick(n, NOTE_FIELDS) },
      );
      previous = e.id;
    }
    expect((await a.service.syncNow()).state).toBe('idle');

    const b = await device(remote);
    const [entities, events, notes] = await Promise.all([
      b.store.listEntities(),
      b.store.listEvents(),
      b.store.listNotes(),
    ]);
    const received = new Map<string, Record<string, unknown>>([
      ...entities.map((r) => [`entity ${r.id}`, pick(r, ENTITY_FIELDS)] as const),
      ...events.map((r) => [`event ${r.id}`, pick(r, EVENT_FIELDS)] as const),
      ...notes.map((r) => [`note ${r.id}`, pick(r, NOTE_FIELDS)] as const),
    ]);
    const differ: string[] = [];
    for (const s of saved)
      if (!isDeepStrictEqual(received.get(`${s.type} ${s.id}`), s.fields)) differ.push(`${s.type} ${s.id}`);
    expect(differ).toEqual([]);
  });

  it('refuses in the forms what no field takes, naming the field, and changes nothing', async () => {
    const { store, api } = await storeApi({ empty: true });
    const before = await contents(store);
    const refused = async (r: Promise<Result<unknown>>) => {
      const out = await r;
      expect(await contents(store)).toEqual(before);
      return out.ok ? 'saved' : out.error.message;
    };
    for (const h of INVISIBLE_ONLY) {
      expect(await refused(api('entity.save', { entity: { name: h.text, kind: 'person' } })), h.label).toMatch(
        /^name: expected (a non-empty string|visible text, found only invisible characters \(such as zero-width spaces or direction marks\))\.$/,
      );
      expect(
        await refused(api('entity.save', { entity: { name: 'Ann', kind: 'person', aliases: [{ text: h.text }] } })),
      ).toMatch(/^aliases\[0\]\.text: expected/);
      expect(await refused(api('entity.save', { entity: { name: 'Ann', kind: 'person', tags: [h.text] } }))).toMatch(
        /^tags\[0\]: expected/,
      );
      expect(await refused(api('event.save', { event: { title: h.text, date: '2020' } }))).toMatch(/^title: expected/);
    }
    for (const u of UNSAFE_URLS)
      expect(
        await refused(
          api('entity.save', { entity: { name: 'Ann', kind: 'person', links: [{ url: u.text, title: 'x' }] } }),
        ),
        u.label,
      ).toBe('links[0].url: expected an http:// or https:// URL.');
    for (const h of oversized())
      expect(await refused(api('entity.save', { entity: { name: h.text, kind: 'person' } }))).toBe(
        'name: expected at most 300 characters.',
      );
  });

  it('takes nothing from a peer that no form would take, and no prototype key pollutes anything', async () => {
    const remote = new MemoryRemote();
    const b = await device(remote);
    const settings = await b.items.settings.getValue();
    /** A peer with its own code: it writes sync records directly. */
    const peer = async (deviceId: string, records: { id: string; fields: Record<string, unknown> }[]) => {
      const clock = new HybridClock(deviceId, undefined, () => Date.now());
      const view = new Map<string, SyncRecord<object>>();
      for (const r of records) {
        const rec = create<object>(r.id, 'entity', r.fields, clock.tick());
        view.set(keyOf(rec), rec);
      }
      let state: string | null = null;
      const result = await syncOnce({
        remote,
        codec: plainCodec,
        storeId: settings.storeId!,
        deviceId,
        deviceName: deviceId,
        local: { load: async () => new Map(view), revision: async () => 0, save: async () => true },
        state: {
          load: async () => (state ? (JSON.parse(state) as SyncState) : null),
          save: async (s) => void (state = JSON.stringify(s)),
        },
      });
      expect(result.status).toBe('ok');
    };
    const fields = (name: string, more: Record<string, unknown> = {}) => ({
      name,
      kind: 'person',
      aliases: [],
      summary: '',
      links: [],
      tags: [],
      related: [],
      ...more,
    });
    const define = (o: object, key: string, value: unknown) =>
      Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });

    // Prototype keys as ids, names, aliases, tags and field names are just text.
    const polluting = fields('Polluter');
    define(polluting, '__proto__', [{ value: { polluted: 'yes' } }]);
    await peer('trudy', [
      { id: '__proto__', fields: fields('constructor', { aliases: [{ text: '__proto__', case: 'auto' }] }) },
      { id: 'constructor', fields: fields('__proto__', { tags: ['prototype', 'constructor'] }) },
      { id: 'polluter', fields: polluting },
    ]);
    expect((await b.service.syncNow()).state).toBe('idle');
    expect((await b.store.getEntity('polluter'))?.name).toBe('Polluter');
    expect((await b.store.getEntity('__proto__'))?.name).toBe('constructor');
    expect((await b.store.getEntity('constructor'))?.tags).toEqual(['prototype', 'constructor']);
    expect((await b.store.findByAlias('__proto__')).map((e) => e.id).sort()).toEqual(['__proto__', 'constructor']);

    // What no form takes is not taken from a peer either.
    const bad: [string, Record<string, unknown>][] = [
      ['javascript link', fields('Linker', { links: [{ url: 'javascript:alert(1)', title: 'x' }] })],
      ['1 MB name', fields(oversized()[1]!.text)],
      ['invisible name', fields('\u200B\u202E')],
      ['name that is not text', fields('x', { name: { toString: 'alert(1)' } })],
    ];
    for (const [label, f] of bad) {
      const before = await contents(b.store);
      await peer(`mallory${bad.findIndex(([l]) => l === label)}`, [{ id: `evil-${label}`, fields: f }]);
      const status = await b.service.syncNow();
      expect(status.message, label).toMatch(/damaged or foreign file was ignored/);
      expect(await b.store.getEntity(`evil-${label}`), label).toBeUndefined();
      expect(await contents(b.store), label).toEqual(before);
    }
  });
});

// ---- prototype keys and deep nesting ----------------------------------------------------------------

describe('prototype keys and deeply nested JSON', () => {
  it('takes __proto__, constructor and prototype as ids, references, aliases, tags and CSV headers', async () => {
    const { store, api } = await storeApi({ empty: true });
    const keys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
    const doc: PackDocument = {
      format: 'backstory-pack',
      formatVersion: 1,
      pack: { id: 'proto', title: '__proto__', version: 'constructor' },
      entities: keys.map((k, i) => ({
        id: k,
        name: k,
        kind: 'person',
        aliases: [k, `${k}.polluted`],
        tags: [k],
        related: [{ entity: keys[(i + 1) % keys.length]!, label: k }],
      })),
      events: [
        {
          id: '__proto__',
          title: 'constructor',
          date: '2020',
          place: 'constructor',
          entities: [{ entity: '__proto__' }],
        },
      ],
      notes: [{ id: 'constructor', about: { event: '__proto__' }, text: 'prototype' }],
    };
    const r = await api('pack.import', { text: JSON.stringify(doc) });
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    const byName = new Map((await store.listEntities()).map((e) => [e.name, e]));
    expect([...byName.keys()].sort()).toEqual([...keys].sort());
    expect(byName.get('__proto__')!.related[0]!.entity).toBe(byName.get('constructor')!.id);
    const [ev] = await store.listEvents();
    expect(ev!.place).toBe(byName.get('constructor')!.id);
    expect(ev!.entities[0]!.entity).toBe(byName.get('__proto__')!.id);
    expect((await store.listNotes())[0]!.about).toEqual({ type: 'event', id: ev!.id });

    // CSV: prototype names as headers are unknown columns; as a kind they are not a kind.
    const sheet = await api('csv.import', {
      kind: 'entities',
      fileName: 'proto.csv',
      text: csv(['name', '__proto__', 'constructor', 'prototype', 'toString'], [['Ann', 'a', 'b', 'c', 'd']]),
    });
    expect(sheet.ok && sheet.value.warnings).toEqual([
      'column "__proto__" was ignored',
      'column "constructor" was ignored',
      'column "prototype" was ignored',
      'column "toString" was ignored',
    ]);
    const kind = await api('csv.import', {
      kind: 'entities',
      fileName: 'proto.csv',
      text: csv(['name', 'kind'], [['Ann', 'constructor']]),
    });
    expect(kind.ok ? '' : kind.error.message).toMatch(/^Row 2, column "kind": "constructor" is not one of/);
  });

  it('refuses __proto__ and constructor keys inside a pack as unknown fields, and changes nothing', async () => {
    const { store, api } = await storeApi({ empty: true });
    const text = JSON.stringify(basePack())
      .replace('"id":"e",', '"id":"e","__proto__":{"polluted":"yes"},')
      .replace('"title":"Plain event",', '"title":"Plain event","constructor":{"prototype":{"polluted":"yes"}},');
    const message = await importRefused(api, store, text);
    expect(message).toContain('entities[0].__proto__: unknown field');
  });

  it.each([
    ['arrays', deeplyNested(100_000, 'array')],
    ['objects', deeplyNested(100_000, 'object')],
  ])('refuses JSON nested 100,000 levels deep (%s), wherever it is, without a stack overflow', async (_, deep) => {
    const { store, api } = await storeApi({ empty: true });
    const pack = JSON.stringify(basePack());
    const places: [string, string][] = [
      ['(top level)', deep],
      ['format', `{"format":${deep}}`],
      ['entities[0]', pack.replace('"entities":[', `"entities":[${deep},`)],
      ['entities[0].summary', pack.replace('"summary":"Plain summary."', `"summary":${deep}`)],
      ['pack.description', pack.replace('"description":"Plain."', `"description":${deep}`)],
      ['$schema', pack.replace('{', `{"$schema":${deep},`)],
      ['notes[0].page.extra', pack.replace('"quote":"Plain quote."', `"quote":"q","extra":${deep}`)],
    ];
    for (const [where, text] of places) {
      const message = await importRefused(api, store, text);
      expect(message, where).toMatch(/not a Backstory pack|not valid/);
      if (!['(top level)', 'format'].includes(where)) expect(message, where).toContain(where);
    }
    const backup = await api('backup.import', { text: deep, passphrase: 'x' });
    expect(backup.ok).toBe(false);
  });
});

// ---- the text helpers the pages and messages rely on ----------------------------------------------

describe('text helpers against hostile text', () => {
  it('isolates every corpus text quoted in a message: no control reaches the words after it', () => {
    const tricky = ['x\u2069\u202Eevil', '\u2069\u2069\u202Bdeep', '\u2066open\u202E', 'محمد\u2069 \u202E'];
    for (const text of [...HOSTILE.map((h) => h.text), ...tricky]) {
      const before = 'Deleted “';
      const message = `${before}${isolate(text)}” from the store.`;
      const start = message.indexOf(text);
      expect(bidiLeaks(message, start, start + text.length), JSON.stringify(text)).toBe(false);
    }
    // The check itself sees a leak when the text is not isolated.
    const raw = `Deleted “${tricky[0]}” from the store.`;
    expect(bidiLeaks(raw, 9, 9 + tricky[0]!.length)).toBe(true);
    // Text without direction controls or right-to-left letters comes back as it is.
    expect(isolate('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  });

  it('tells names made only of invisible characters from names with something to show', () => {
    expect(INVISIBLE_ONLY.filter((h) => hasVisibleText(h.text)).map((h) => h.label)).toEqual([]);
    expect(HOSTILE.filter((h) => !hasVisibleText(h.text)).map((h) => h.label)).toEqual([]);
    expect(HOSTILE.filter((h) => BIDI_CONTROL.test(h.text)).length).toBeGreaterThanOrEqual(10);
  });

  it('cuts a long text for a clamped view without splitting a character', () => {
    const text = `${'a'.repeat(9)}😀${'b'.repeat(5)}`;
    expect(preview(text, 10)).toBe(`${'a'.repeat(9)}…`);
    expect(preview(text, 11)).toBe(`${'a'.repeat(9)}😀…`);
    expect(preview(text, 100)).toBe(text);
    expect(preview(oversized()[1]!.text, 2000)).toHaveLength(2001);
  });
});
