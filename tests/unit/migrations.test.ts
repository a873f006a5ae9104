import { describe, expect, it } from 'vitest';
import { DB_VERSION, MIGRATIONS } from '../../lib/store/db';
import { listSnapshots, restoreSnapshot, takeSnapshot } from '../../lib/store/snapshots';
import { KnowledgeStore } from '../../lib/store/store';
import { DATABASE_FIXTURES } from '../fixtures/db';
import * as v3 from '../fixtures/db/v3';
import * as v4 from '../fixtures/db/v4';

describe('schema upgrade ladder', () => {
  it('has one migration step and one database fixture for every version', () => {
    expect(
      Object.keys(MIGRATIONS)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: DB_VERSION }, (_, i) => i + 1));
    expect(DATABASE_FIXTURES.map((f) => f.VERSION)).toEqual(Array.from({ length: DB_VERSION }, (_, i) => i + 1));
  });

  describe.each(DATABASE_FIXTURES.map((f) => [f.VERSION, f] as const))(
    'a database written by version %i',
    (version, fixture) => {
      it('opens with today’s code, every record readable and queryable', async () => {
        const name = `fixture-v${version}-${Math.random()}`;
        await fixture.write(name);
        const store = await KnowledgeStore.open({ name });
        expect(store.db.version).toBe(DB_VERSION);
        expect(store.device).toBe('dev1');
        const town = fixture.records.entities[0]!;
        expect((await store.findByAlias('Albukamal')).map((e) => e.id)).toEqual([town.id]);
        expect((await store.listEntities()).map((e) => e.name)).toEqual(['Albu Kamal']); // the tombstone stays hidden
        expect((await store.eventsOf(town.id)).map((e) => e.title)).toEqual(['Air strike']);
        expect((await store.notesAbout(town.id)).map((n) => n.text)).toEqual([fixture.records.notes[0]!.text]);
        // And it can still be written to, with a clock that continues after the stored one.
        const edited = await store.saveEntity(
          { name: 'Albu Kamal', kind: 'place', summary: 'Edited after upgrade' },
          town.id,
        );
        expect(edited.stamps.summary > town.stamps.summary!).toBe(true);
        store.close();
      });
    },
  );

  it('gives a version 3 database the snapshot stores, and snapshots it', async () => {
    const name = `fixture-v3-snap-${Math.random()}`;
    await v3.write(name);
    const store = await KnowledgeStore.open({ name });
    expect([...store.db.objectStoreNames]).toEqual(expect.arrayContaining(['snapshots', 'snapshotData', 'damaged']));
    expect(await listSnapshots(store)).toEqual([]);
    const taken = await takeSnapshot(store, 'manual');
    expect(taken).toMatchObject({ reason: 'manual', counts: { entities: 1, events: 1, notes: 1, packs: 0 } });
    expect((await store.stats()).damaged).toBe(0);
    store.close();
  });

  it('lists and restores the snapshot a version 4 database holds, and counts its damaged record', async () => {
    const name = `fixture-v4-snap-${Math.random()}`;
    await v4.write(name);
    const store = await KnowledgeStore.open({ name });
    expect((await listSnapshots(store)).map((s) => s.id)).toEqual([v4.snapshot.id]);
    expect((await store.stats()).damaged).toBe(1);
    const town = v4.records.entities[0]!;
    expect((await store.getEntity(town.id))?.summary).toBe(town.summary);
    const { restored } = await restoreSnapshot(store, v4.snapshot.id);
    expect(restored).toBe(1);
    expect((await store.getEntity(town.id))?.summary).toBe(v4.snapshot.summary);
    expect((await store.listNotes()).map((n) => n.text)).toEqual([v4.records.notes[0]!.text]);
    store.close();
  });

  it('refuses, with a clear message, a database written by a newer version', async () => {
    const name = `future-${Math.random()}`;
    await new Promise<void>((resolve, reject) => {
      const r = indexedDB.open(name, DB_VERSION + 1);
      r.onsuccess = () => (r.result.close(), resolve());
      r.onerror = () => reject(r.error);
    });
    await expect(KnowledgeStore.open({ name })).rejects.toMatchObject({
      error: { message: expect.stringContaining('newer version of Backstory') },
    });
  });
});
