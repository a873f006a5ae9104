/**
 * Storage faults, injected at the IndexedDB level (fake-indexeddb's IDBObjectStore.prototype.put), run
 * through the real store code: a full disk (QuotaExceededError, thrown by a put or aborting the
 * transaction as a browser does at commit), a failed transaction half-way through an import, the
 * background killed at any point of a write, an upgrade blocked by another tab, and records that do
 * not match the model. Each gives the user a plain message and leaves the data as it was.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DictionaryService } from '../../lib/background/dictionary';
import { createHandlers, dispatch } from '../../lib/background/router';
import { SeenPages } from '../../lib/background/seen';
import { call } from '../../lib/client';
import type { CallMessage } from '../../lib/messages';
import type { PackDocument } from '../../lib/pack/schema';
import { AppFailure } from '../../lib/result';
import { BLOCKED_MESSAGE, DB_VERSION } from '../../lib/store/db';
import { importPack } from '../../lib/store/packs';
import { KnowledgeStore } from '../../lib/store/store';
import * as v3 from '../fixtures/db/v3';
import { MemoryRemote } from '../fixtures/memory-remote';
import { syncingService } from '../fixtures/sync-device';
import { samplePack } from '../fixtures/packs';
import { freshStore } from '../fixtures/store';

const RUNTIME_ID = 'abcdefghijklmnop';
const ORIGIN = `chrome-extension://${RUNTIME_ID}/`;

/** Every key and value of every object store, raw: "unchanged" means byte for byte. */
async function dumpAll(store: KnowledgeStore) {
  const out: Record<string, { keys: unknown[]; values: unknown[] }> = {};
  for (const name of [...store.db.objectStoreNames]) {
    const tx = store.db.transaction(name as 'meta');
    out[name] = { keys: await tx.store.getAllKeys(), values: await tx.store.getAll() };
  }
  return out;
}

/** The contract as the manager reaches it, over `store`. */
function apiOver(store: KnowledgeStore) {
  const handlers = createHandlers(store, new DictionaryService(store), new SeenPages(store));
  const env = { runtimeId: RUNTIME_ID, extensionOrigin: ORIGIN, handlers };
  const send = (message: CallMessage) => dispatch(message, { id: RUNTIME_ID, url: `${ORIGIN}options.html` }, env);
  return <K extends Parameters<typeof call>[1]>(name: K, input: Parameters<typeof call<K>>[2]) =>
    call(send, name, input);
}

type Mode = 'throw' | 'abort';

/**
 * Makes the `nth` put into one of `stores` (every store when empty) fail with a DOMException named
 * `name`: thrown by the put itself ('throw'), or ('abort') the way a browser reports a full disk or
 * an I/O error, by aborting the transaction with that error (its requests then fail with AbortError).
 */
function failPut({ nth, name, mode, stores = [] }: { nth: number; name: string; mode: Mode; stores?: string[] }) {
  const put = IDBObjectStore.prototype.put;
  let seen = 0;
  return vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
    this: IDBObjectStore,
    ...args: Parameters<IDBObjectStore['put']>
  ) {
    if ((stores.length === 0 || stores.includes(this.name)) && ++seen === nth) {
      if (mode === 'throw') throw new DOMException('The disk said no.', name);
      const request = put.apply(this, args);
      // fake-indexeddb's "abort a transaction with an error" (what the spec does on a failed commit).
      (this.transaction as unknown as { _abort(error: string): void })._abort(name);
      return request;
    }
    return put.apply(this, args);
  });
}

/** A pack of `n` entities, `n / 2` events and `n / 4` notes; `version` changes every summary. */
function bigPack(n: number, version = '1'): PackDocument {
  return {
    format: 'backstory-pack',
    formatVersion: 1,
    pack: { id: 'big-pack', title: 'Big pack', version },
    entities: Array.from({ length: n }, (_, i) => ({
      id: `e${i}`,
      name: `Person ${i}`,
      kind: 'person' as const,
      summary: `Version ${version} of person ${i}.`,
    })),
    events: Array.from({ length: n / 2 }, (_, i) => ({
      id: `ev${i}`,
      title: `Meeting ${i}`,
      date: '2020-01-01',
      entities: [{ entity: `e${i}` }],
    })),
    notes: Array.from({ length: n / 4 }, (_, i) => ({ id: `n${i}`, about: { entity: `e${i}` }, text: `Note ${i}` })),
  };
}

/** A store with data of every kind: a pack, the user's own entity and a note, one delete. */
async function storeWithData() {
  const { store, name } = await freshStore();
  await importPack(store, samplePack());
  const own = await store.saveEntity({ name: 'Camp Taji', kind: 'place', aliases: [{ text: 'Taji' }] });
  await store.saveNote({ about: { type: 'entity', id: own.id }, text: 'Seen on the map.' });
  const [kh] = await store.findByAlias('KH');
  await store.deleteEntity(kh!.id);
  return { store, name, own };
}

afterEach(() => {
  vi.restoreAllMocks();
});

const QUOTA_WORDS =
  /^Your browser has no room left for Backstory's data: .*Nothing was changed\. To make room, free some disk space/;

describe('quota exceeded', () => {
  const writes = {
    'an entity save': {
      failed: 'the entity was not saved',
      run: (s: KnowledgeStore) => s.saveEntity({ name: 'Deir ez-Zor', kind: 'place' }),
    },
    'a note save': {
      failed: 'the note was not saved',
      run: async (s: KnowledgeStore) => {
        const [town] = await s.findByAlias('Albukamal');
        return s.saveNote({ about: { type: 'entity', id: town!.id }, text: 'Another note' });
      },
    },
    'a pack import': {
      failed: 'the pack “Big pack” was not imported',
      run: (s: KnowledgeStore) => importPack(s, bigPack(40)),
    },
  };
  const cases = Object.entries(writes).flatMap(([what, w]) =>
    (['throw', 'abort'] as const).map((mode) => [what, mode, w] as const),
  );

  it.each(cases)('%s (%s): a plain message, and the store byte for byte as it was', async (_what, mode, w) => {
    const { store } = await storeWithData();
    const before = await dumpAll(store);
    failPut({ nth: 1, name: 'QuotaExceededError', mode, stores: ['entities', 'notes'] });
    const failure = await w.run(store).then(
      () => null,
      (e: unknown) => e,
    );
    vi.restoreAllMocks();
    expect(failure).toBeInstanceOf(AppFailure);
    const { error } = failure as AppFailure;
    expect(error.code).toBe('quota-exceeded');
    expect(error.message).toMatch(QUOTA_WORDS);
    expect(error.message).toContain(`: ${w.failed}.`);
    expect(await dumpAll(store)).toEqual(before);
    // And the store still works once there is room again.
    await expect(w.run(store)).resolves.toBeTruthy();
  });

  it('reaches the manager through the contract as its own error code, for a save and an import', async () => {
    const { store } = await storeWithData();
    const api = apiOver(store);
    const before = await dumpAll(store);
    failPut({ nth: 1, name: 'QuotaExceededError', mode: 'abort' });
    const saved = await api('entity.save', { entity: { name: 'Deir ez-Zor', kind: 'place' } });
    expect(saved).toMatchObject({
      ok: false,
      error: { code: 'quota-exceeded', message: expect.stringMatching(QUOTA_WORDS) },
    });
    vi.restoreAllMocks();
    // A full disk refuses the safety snapshot an import takes first: the import does not start.
    failPut({ nth: 1, name: 'QuotaExceededError', mode: 'abort' });
    const imported = await api('pack.import', { text: JSON.stringify(bigPack(40)) });
    expect(imported).toMatchObject({
      ok: false,
      error: {
        code: 'quota-exceeded',
        message: expect.stringContaining(
          'no safety snapshot could be saved before this change, so the change was not made',
        ),
      },
    });
    vi.restoreAllMocks();
    expect(await dumpAll(store)).toEqual(before);
  });
});

describe('a transaction that fails half-way through an import', () => {
  it.each([
    ['the first record', 1],
    ['a record in the middle', 30],
    ['the last record', 70],
  ])('an error at %s: none of the pack is written, and the message says what failed', async (_where, nth) => {
    const { store } = await storeWithData();
    const pack = bigPack(40); // 40 entities, 20 events, 10 notes: 70 records
    const before = await dumpAll(store);
    for (const mode of ['throw', 'abort'] as const) {
      failPut({ nth, name: 'UnknownError', mode, stores: ['entities', 'events', 'notes'] });
      const failure = (await importPack(store, pack).catch((e: unknown) => e)) as AppFailure;
      vi.restoreAllMocks();
      expect(failure).toBeInstanceOf(AppFailure);
      expect(failure.error.code).toBe('storage-failed');
      expect(failure.error.message).toMatch(
        /^The pack “Big pack” was not imported: the browser's storage failed \(UnknownError.*\)\. Nothing was changed/,
      );
      expect(await dumpAll(store)).toEqual(before);
    }
  });
});

describe('the background stopped in the middle of a write', () => {
  it('an abort at any point of an import (an update of a pack in use) leaves the store as it was', async () => {
    const { store, name } = await storeWithData();
    await importPack(store, bigPack(12, '1'));
    const [person] = await store.findByAlias('Person 3');
    await store.saveEntity({ name: 'Person 3', kind: 'person', summary: 'Edited by the user.' }, person!.id);
    const update = bigPack(16, '2');
    const before = await dumpAll(store);
    // Killed at the 1st put, the 2nd, … until a run gets through: every point of the write is tried.
    let nth = 1;
    for (; ; nth++) {
      failPut({ nth, name: 'AbortError', mode: 'abort' });
      const outcome = await importPack(store, update).catch((e: unknown) => e);
      vi.restoreAllMocks();
      if (!(outcome instanceof AppFailure)) {
        expect(outcome).toMatchObject({ added: 4 + 2 + 1, keptEdits: 1 });
        break;
      }
      // The process is gone: what a new one opens is what is on disk.
      const reopened = await KnowledgeStore.open({ name });
      expect(await dumpAll(reopened), `killed at put ${nth}`).toEqual(before);
      reopened.close();
    }
    // Every put was a kill point: 11 entities updated (one kept as the user edited it) and 4 added, 2
    // events and 1 note added, the pack's record, the clock and the revision.
    expect(nth - 1).toBe(11 + 4 + 2 + 1 + 1 + 2);
  });
});

describe('an upgrade blocked by another tab', () => {
  /** A connection of "another tab" to the version 3 database, which ignores requests to close. */
  async function otherTab(name: string) {
    await v3.write(name);
    const open = indexedDB.open(name, 3);
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    db.onversionchange = () => undefined; // an old page that does not step aside
    return db;
  }

  it('is reported in plain words, and goes on once the other connection closes', async () => {
    const name = `blocked-${Math.random()}`;
    const other = await otherTab(name);
    let reported: string | null = null;
    let opened = false;
    const opening = KnowledgeStore.open({ name, onBlocked: (message) => (reported = message) }).then((s) => {
      opened = true;
      return s;
    });
    await vi.waitFor(() => expect(reported).not.toBeNull());
    expect(reported).toBe(BLOCKED_MESSAGE);
    expect(reported).toMatch(/waits for another Backstory page .* Close the other Backstory tabs .*nothing is lost/);
    expect(opened).toBe(false);
    other.close();
    const store = await opening;
    expect(store.db.version).toBe(DB_VERSION);
    expect((await store.listEntities()).map((e) => e.name)).toEqual(['Albu Kamal']);
    store.close();
  });

  it('our own connection steps aside for a newer version instead of blocking it', async () => {
    const { store, name } = await freshStore();
    const closed = vi.fn();
    // The store as the background opens it: told when it had to close.
    const ours = await KnowledgeStore.open({ name, onClosed: closed });
    store.close();
    const outcome = await new Promise<string>((resolve) => {
      const r = indexedDB.open(name, DB_VERSION + 1);
      r.onblocked = () => resolve('blocked');
      r.onsuccess = () => {
        r.result.close();
        resolve('opened');
      };
      r.onerror = () => resolve(`error ${r.error?.name}`);
    });
    expect(outcome).toBe('opened');
    expect(closed).toHaveBeenCalled();
    // Its next use fails with a message, not a hang (the background then reopens the store).
    await expect(ours.listEntities()).rejects.toBeTruthy();
  });
});

describe('records that do not match the model', () => {
  /** A store with good data and damaged records written straight into IndexedDB. */
  async function damagedStore() {
    const { store, own } = await storeWithData();
    const [town] = await store.findByAlias('Albukamal');
    const broken = {
      entity: { ...own, id: 'broken-entity', name: 'Broken', aliases: 'not a list', aliasKeys: ['broken'] },
      event: { id: 'broken-event', title: 'Broken event', date: '2020', entityIds: [town!.id], entities: null },
      note: { id: 'broken-note', about: 42, aboutId: town!.id, text: 'Broken note', deleted: null, updatedAt: 9e15 },
      pack: { id: 'broken-pack', title: 7 },
    };
    const raw = store.db as unknown as { put(store: string, value: unknown): Promise<unknown> };
    await raw.put('entities', broken.entity);
    await raw.put('events', broken.event);
    await raw.put('notes', broken.note);
    await raw.put('packs', broken.pack);
    return { store, town: town!, own, broken, api: apiOver(store) };
  }

  const paths = {
    'the entity list': async ({ api }) => {
      const r = await api('entities.list', {});
      return r.ok && r.value.map((e) => e.name).sort();
    },
    'the event list': async ({ api }) => {
      const r = await api('events.list', {});
      return r.ok && r.value.map((e) => e.title).sort();
    },
    'the notes list and recent notes': async ({ api }) => {
      const [all, recent] = await Promise.all([api('notes.list', {}), api('notes.recent', { limit: 5 })]);
      return all.ok && recent.ok && [...all.value.map((n) => n.text), '|', ...recent.value.map((n) => n.text)];
    },
    'a card': async ({ api, town }) => {
      const r = await api('card.get', { entityId: town.id });
      return r.ok && r.value && [r.value.entity.name, r.value.events.length, r.value.notes.length, r.value.pack?.title];
    },
    search: async ({ api }) => {
      const r = await api('search', { query: 'broken', limit: 10 });
      const all = await api('search', { query: 'Albu', limit: 10 });
      return (
        r.ok &&
        all.ok && [r.value.entities.length + r.value.events.length + r.value.notes.length, all.value.entities.length]
      );
    },
    'matching a page': async ({ store }) => {
      const dictionary = new DictionaryService(store);
      const reply = await dictionary.match(['Broken news from Albukamal and Taji']);
      return reply.entities.map((e) => e.name).sort();
    },
    'the packs list and the store counts': async ({ api }) => {
      const [packs, stats] = await Promise.all([api('packs.list', {}), api('store.stats', {})]);
      return packs.ok && stats.ok && [packs.value.map((p) => p.title), stats.value.packs.map((p) => p.title)];
    },
    'an export of the whole store': async ({ api }) => {
      const r = await api('pack.export', {});
      return r.ok && [r.value.entities?.length, r.value.events?.length, r.value.notes?.length];
    },
    'a sync to another device': async ({ store }) => {
      const remote = new MemoryRemote();
      const a = await syncing(store, remote);
      const other = (await freshStore()).store;
      const b = await syncing(other, remote);
      await a.syncNow();
      const status = await b.syncNow();
      return [status.state, (await other.listEntities()).map((e) => e.name).sort()];
    },
  } satisfies Record<string, (ctx: Awaited<ReturnType<typeof damagedStore>>) => Promise<unknown>>;

  const syncing = async (store: KnowledgeStore, remote: MemoryRemote) =>
    (await syncingService(store, remote, 'damaged')).service;

  const expected: Record<keyof typeof paths, unknown> = {
    'the entity list': ['Albu Kamal', 'Camp Taji', 'Hashed al-Shaabi'],
    'the event list': ['Air strike near Albu Kamal', 'Hashed capture Albu Kamal'],
    'the notes list and recent notes': [
      'Seen on the map.',
      'Check SOHR figures.',
      '|',
      'Seen on the map.',
      'Check SOHR figures.',
    ],
    'a card': ['Albu Kamal', 2, 1, 'Test pack'],
    search: [0, 1],
    'matching a page': ['Albu Kamal', 'Camp Taji'],
    'the packs list and the store counts': [['Test pack'], ['Test pack']],
    'an export of the whole store': [3, 2, 2],
    'a sync to another device': ['idle', ['Albu Kamal', 'Camp Taji', 'Hashed al-Shaabi']],
  };

  it.each(Object.keys(paths) as (keyof typeof paths)[])(
    '%s works, without the damaged records, which are set aside and counted',
    async (path) => {
      const ctx = await damagedStore();
      expect(await paths[path](ctx)).toEqual(expected[path]);
      // Whatever met a damaged record set it aside: out of the record store, kept whole with the reason.
      const aside = await ctx.store.db.getAll('damaged');
      expect(aside.length).toBeGreaterThan(0);
      for (const d of aside) {
        expect(d.value).toEqual(
          ctx.broken[({ entities: 'entity', events: 'event', notes: 'note', packs: 'pack' } as const)[d.store]],
        );
        expect(d.reason).toMatch(/^its “\w+” is (missing|not as expected)$/);
        expect(await ctx.store.db.get(d.store, d.key as string)).toBeUndefined();
      }
      const stats = await ctx.api('store.stats', {});
      expect(stats.ok && stats.value.damaged).toBe(aside.length);
    },
  );

  it('a write over a damaged record keeps the damaged original aside, and an edit of one says it is gone', async () => {
    const { store, api } = await damagedStore();
    // The pack brings its own version of a record whose stored copy is damaged.
    const [hashed] = await store.findByAlias('PMF');
    const raw = store.db as unknown as { put(store: string, value: unknown): Promise<unknown> };
    await raw.put('entities', { id: hashed!.id, name: 12 });
    await importPack(store, samplePack());
    expect((await store.getEntity(hashed!.id))?.name).toBe('Hashed al-Shaabi');
    expect((await store.db.getAll('damaged')).map((d) => d.value)).toContainEqual({ id: hashed!.id, name: 12 });
    // Editing the damaged entity: plainly not found (and the next read sets it aside).
    const edit = await api('entity.save', { id: 'broken-entity', entity: { name: 'Fixed', kind: 'place' } });
    expect(edit).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await api('entities.list', {});
    expect((await api('store.stats', {})).ok).toBe(true);
    expect((await store.db.getAll('damaged')).map((d) => d.key)).toEqual(
      expect.arrayContaining([hashed!.id, 'broken-entity']),
    );
  });
});
