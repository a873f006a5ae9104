import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportPack, importPack, removePack } from '../../lib/store/packs';
import { packRecordId } from '../../lib/ids';
import { clone, samplePack } from '../fixtures/packs';
import { dump, freshStore } from '../fixtures/store';

/** What a user would call "the same store": every live record's content, ids and origin, no clocks. */
async function content(store: Awaited<ReturnType<typeof freshStore>>['store']) {
  const { entities, events, notes, packs } = await dump(store);
  const strip = <T extends object>(r: T) => {
    const {
      stamps: _s,
      imported: _i,
      createdAt: _c,
      updatedAt: _u,
      ...rest
    } = r as T & { stamps: unknown; imported: unknown; createdAt: unknown; updatedAt: unknown };
    return rest;
  };
  const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
  return {
    entities: entities
      .filter((r) => !r.deleted)
      .map(strip)
      .sort(byId),
    events: events
      .filter((r) => !r.deleted)
      .map(strip)
      .sort(byId),
    notes: notes
      .filter((r) => !r.deleted)
      .map((n) => ({ ...strip(n), createdAt: n.createdAt, updatedAt: n.updatedAt }))
      .sort(byId),
    packs: packs.map(({ installedAt: _i, updatedAt: _u, ...p }) => p).sort(byId),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('pack import', () => {
  it('imports entities, events and notes with references resolved to store ids', async () => {
    const { store } = await freshStore();
    const summary = await importPack(store, samplePack());
    expect(summary).toMatchObject({ pack: { id: 'test-pack' }, added: 6, updated: 0, unchanged: 0, removed: 0 });
    const [town] = await store.findByAlias('Albukamal');
    expect(town?.id).toBe(await packRecordId('test-pack', 'entity', 'albu-kamal'));
    expect(town?.pack).toBe('test-pack');
    const card = await store.card(town!.id);
    expect(card?.related.map((r) => r.name)).toEqual(['Hashed al-Shaabi']);
    expect(card?.events.map((e) => [e.event.title, e.role])).toEqual([
      ['Hashed capture Albu Kamal', 'place'],
      ['Air strike near Albu Kamal', 'place'],
    ]);
    expect(card?.notes.map((n) => n.text)).toEqual(['Check SOHR figures.']);
    expect(card?.pack).toEqual({ id: 'test-pack', title: 'Test pack' });
  });

  it('is idempotent: the same pack twice updates nothing and duplicates nothing', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const before = await dump(store);
    const again = await importPack(store, JSON.stringify(samplePack()));
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 6, removed: 0 });
    const after = await dump(store);
    expect(after.entities).toEqual(before.entities);
    expect(after.events).toEqual(before.events);
    expect(after.notes).toEqual(before.notes);
  });

  it('updates changed records and retires the ones a new version dropped', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const v2 = clone(samplePack());
    v2.pack.version = '2.0.0';
    v2.entities![1]!.summary = 'New summary.';
    v2.entities = v2.entities!.filter((e) => e.id !== 'kh');
    const summary = await importPack(store, v2);
    expect(summary).toMatchObject({ added: 0, updated: 1, unchanged: 4, removed: 1 });
    expect(await store.findByAlias('Kataeb Hezbollah')).toEqual([]);
    expect((await store.findByAlias('the Hashed'))[0]?.summary).toBe('New summary.');
    expect((await store.listPacks())[0]?.version).toBe('2.0.0');
  });

  it('is all or nothing: a failure halfway leaves the store exactly as it was', async () => {
    const { store } = await freshStore();
    await store.saveEntity({ name: 'Baghdad', kind: 'place' });
    await importPack(store, samplePack());
    const before = await dump(store);
    const v2 = clone(samplePack());
    v2.entities![0]!.summary = 'changed';
    v2.events![0]!.title = 'changed';
    // The store fails on the third write (the disk is full, the browser is shutting down...).
    const realPut = IDBObjectStore.prototype.put;
    let writes = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (++writes === 3) throw new DOMException('Quota exceeded', 'QuotaExceededError');
      return realPut.apply(this, args as Parameters<IDBObjectStore['put']>);
    });
    await expect(importPack(store, v2)).rejects.toThrow();
    vi.restoreAllMocks();
    expect(writes).toBeGreaterThanOrEqual(3);
    expect(await dump(store)).toEqual(before);
  });

  it('refuses an invalid pack without touching the store', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const before = await dump(store);
    const bad = clone(samplePack()) as unknown as { entities: { aliases: unknown[] }[] };
    bad.entities[2]!.aliases[0] = '';
    await expect(importPack(store, bad)).rejects.toMatchObject({
      error: {
        code: 'invalid-pack',
        message: expect.stringContaining('entities[2].aliases[0]: expected a non-empty string'),
      },
    });
    expect(await dump(store)).toEqual(before);
  });

  it('refuses a pack from a newer format version without touching the store', async () => {
    const { store } = await freshStore();
    const before = await dump(store);
    await expect(importPack(store, { ...samplePack(), formatVersion: 9 })).rejects.toMatchObject({
      error: { code: 'unsupported-version' },
    });
    expect(await dump(store)).toEqual(before);
  });
});

describe('pack export', () => {
  it('exports one pack in the format it was imported from', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    await store.saveEntity({ name: 'My own entity', kind: 'other' });
    const doc = await exportPack(store, { packId: 'test-pack', includeNotes: true });
    const original = samplePack();
    expect(doc.pack).toMatchObject(original.pack);
    expect(doc.entities!.map((e) => e.id).sort()).toEqual(original.entities!.map((e) => e.id).sort());
    expect(doc.entities!.find((e) => e.id === 'kh')?.related).toEqual([{ entity: 'hashed', label: 'part of' }]);
    expect(doc.events!.find((e) => e.id === 'strike-2020')).toMatchObject({
      place: 'albu-kamal',
      endDate: '2020-03-12',
    });
    expect(doc.entities!.some((e) => e.name === 'My own entity')).toBe(false);
    // No uid needed: the ids derive from the pack id and local ids.
    expect(doc.entities!.every((e) => e.uid === undefined)).toBe(true);
  });

  it('round trip: export everything, import into an empty store, get an equal store', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const own = await store.saveEntity({
      name: 'Camp Taji',
      kind: 'place',
      aliases: [{ text: 'Taji' }, { text: 'TAJI', case: 'sensitive' }],
      related: [{ entity: (await store.findByAlias('the Hashed'))[0]!.id, label: 'attacked by groups in' }],
    });
    const ev = await store.saveEvent({ title: 'Camp Taji rocket attack', date: '2020-03-11', place: own.id });
    await store.saveNote({ about: { type: 'event', id: ev.id }, text: 'Two Americans and a Briton killed.' });
    await store.saveNote({
      about: { type: 'entity', id: own.id },
      text: 'Seen in the AFP story',
      page: { url: 'https://example.org/afp', title: 'AFP', quote: 'Taji military camp' },
    });
    const doc = await exportPack(store);
    const json = JSON.stringify(doc);

    const { store: other } = await freshStore();
    await importPack(other, json);
    expect(await content(other)).toEqual(await content(store));
    // And exporting the copy gives the same document.
    const again = await exportPack(other);
    expect({ ...again, pack: { ...again.pack, version: '' } }).toEqual({ ...doc, pack: { ...doc.pack, version: '' } });
  });
});

describe('pack removal', () => {
  it('retires the pack and its records, keeping the user notes and what they are about', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const [town] = await store.findByAlias('Albukamal');
    await store.saveNote({ about: { type: 'entity', id: town!.id }, text: 'my note' });
    const counts = await removePack(store, 'test-pack');
    // The town has a note of the user's: it stays, as the user's own entity. The pack's own note goes.
    expect(counts).toEqual({ entities: 2, events: 2, notes: 1, kept: 1 });
    expect(await store.listPacks()).toEqual([]);
    expect((await store.listEntities()).map((e) => [e.name, e.pack])).toEqual([['Albu Kamal', null]]);
    expect((await store.recentNotes()).map((n) => n.text)).toEqual(['my note']);
    expect((await store.card(town!.id))?.notes.map((n) => n.text)).toEqual(['my note']);
    // Re-importing brings it back (the same ids).
    await importPack(store, samplePack());
    expect((await store.findByAlias('Albukamal'))[0]?.id).toBe(town!.id);
  });

  it('can delete the user notes about the removed entities too', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const [town] = await store.findByAlias('Albukamal');
    await store.saveNote({ about: { type: 'entity', id: town!.id }, text: 'my note' });
    expect(await removePack(store, 'test-pack', { notes: 'delete' })).toEqual({
      entities: 3,
      events: 2,
      notes: 2,
      kept: 0,
    });
    expect(await store.recentNotes()).toEqual([]);
  });
});

describe('pack updates and the user’s own changes', () => {
  it('keeps fields the user edited and records the user deleted when the pack is imported again', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const [town] = await store.findByAlias('Albukamal');
    await store.saveEntity({ ...town!, summary: 'My own summary.' }, town!.id);
    const [kh] = await store.findByAlias('KH');
    await store.deleteEntity(kh!.id);

    const v2 = clone(samplePack());
    v2.pack.version = '2.0.0';
    v2.entities![0]!.summary = 'The pack’s new summary.';
    v2.entities![0]!.tags = ['syria', 'border'];
    const summary = await importPack(store, v2);

    const after = await store.getEntity(town!.id);
    expect(after?.summary).toBe('My own summary.'); // the user's edit wins
    expect(after?.tags).toEqual(['syria', 'border']); // a field the user left alone follows the pack
    expect(await store.getEntity(kh!.id)).toBeUndefined(); // the user's delete is respected
    expect(summary.keptEdits).toBe(2);
  });

  it('exports a whole store whose packs share local ids, and imports it back', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const other = clone(samplePack());
    other.pack = { id: 'other-pack', title: 'Other', version: '1' };
    other.entities![0]!.name = 'Abu Kamal (other pack)';
    await importPack(store, other);
    const doc = await exportPack(store);
    const { store: copy } = await freshStore();
    await importPack(copy, JSON.stringify(doc));
    expect((await copy.listEntities()).map((e) => e.name).sort()).toEqual(
      (await store.listEntities()).map((e) => e.name).sort(),
    );
    expect((await copy.listPacks()).map((p) => p.id).sort()).toEqual(['other-pack', 'test-pack']);
  });

  it('exports the user’s notes about a pack’s records with that pack when asked', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const [town] = await store.findByAlias('Albukamal');
    await store.saveNote({ about: { type: 'entity', id: town!.id }, text: 'mine' });
    const withNotes = await exportPack(store, { packId: 'test-pack', includeNotes: true });
    expect(withNotes.notes?.map((n) => [n.text, n.origin])).toEqual(
      expect.arrayContaining([
        ['mine', null],
        ['Check SOHR figures.', undefined],
      ]),
    );
    expect((await exportPack(store, { packId: 'test-pack' })).notes).toBeUndefined();
  });

  it('refuses two records with the same global id', async () => {
    const { store } = await freshStore();
    const pack = clone(samplePack());
    pack.entities![0]!.uid = '0b3f6c1e-8d4a-8f00-9a1b-2c3d4e5f6a7b';
    pack.entities![1]!.uid = '0b3f6c1e-8d4a-8f00-9a1b-2c3d4e5f6a7b';
    await expect(importPack(store, pack)).rejects.toMatchObject({
      error: { issues: [expect.objectContaining({ path: 'entities[1].uid' })] },
    });
  });
});
