/**
 * Rolling local snapshots (lib/store/snapshots.ts): compressed copies of the whole store, taken daily,
 * before risky operations and on demand, pruned by kind and size, restored in one transaction as new
 * edits (so the restore syncs, and can itself be undone).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DictionaryService } from '../../lib/background/dictionary';
import { createHandlers, dispatch } from '../../lib/background/router';
import { SeenPages } from '../../lib/background/seen';
import { call } from '../../lib/client';
import type { CallMessage } from '../../lib/messages';
import { AppFailure } from '../../lib/result';
import { importPack } from '../../lib/store/packs';
import {
  KEEP,
  listSnapshots,
  restoreSnapshot,
  SNAPSHOT_FORMAT,
  takeSnapshot,
  type SnapshotReason,
} from '../../lib/store/snapshots';
import type { KnowledgeStore } from '../../lib/store/store';
import { gunzip } from '../../lib/sync/bytes';
import { MemoryRemote } from '../fixtures/memory-remote';
import { syncingService } from '../fixtures/sync-device';
import { samplePack } from '../fixtures/packs';
import { freshStore } from '../fixtures/store';

const RUNTIME_ID = 'abcdefghijklmnop';
const ORIGIN = `chrome-extension://${RUNTIME_ID}/`;
const DAY = 24 * 60 * 60 * 1000;

/** The records, packs and meta as they are (the snapshots themselves left out). */
async function records(store: KnowledgeStore) {
  const names = ['entities', 'events', 'notes', 'packs', 'meta', 'sync', 'damaged'] as const;
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await store.db.getAll(n)])));
}

const names = async (store: KnowledgeStore) => (await store.listEntities()).map((e) => e.name).sort();

function apiOver(store: KnowledgeStore) {
  const handlers = createHandlers(store, new DictionaryService(store), new SeenPages(store));
  const env = { runtimeId: RUNTIME_ID, extensionOrigin: ORIGIN, handlers };
  const send = (message: CallMessage) => dispatch(message, { id: RUNTIME_ID, url: `${ORIGIN}options.html` }, env);
  return <K extends Parameters<typeof call>[1]>(name: K, input: Parameters<typeof call<K>>[2]) =>
    call(send, name, input);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('taking snapshots', () => {
  it('keeps the whole store compressed, listed newest first with date, reason and counts', async () => {
    let t = 1_700_000_000_000;
    const { store } = await freshStore({ now: () => t });
    await importPack(store, samplePack());
    await store.saveEntity({ name: 'Camp Taji', kind: 'place', summary: 'x'.repeat(5000) });
    const first = await takeSnapshot(store, 'manual');
    t += 1000;
    await store.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    const second = await takeSnapshot(store, 'before-merge');
    expect(first).toMatchObject({
      at: 1_700_000_000_000,
      reason: 'manual',
      counts: { entities: 4, events: 2, notes: 1, packs: 1 },
    });
    expect(second).toMatchObject({ reason: 'before-merge', counts: { entities: 5 } });
    expect((await listSnapshots(store)).map((s) => s.id)).toEqual([second!.id, first!.id]);

    // Its own object stores, apart from the records: the contents gzipped JSON, much smaller than the JSON.
    const bytes = await store.db.get('snapshotData', first!.id);
    const doc = JSON.parse(new TextDecoder().decode(await gunzip(bytes!))) as Record<string, unknown[]>;
    expect(doc).toMatchObject({ format: SNAPSHOT_FORMAT, v: 1 });
    expect(doc.entities!.length).toBe(4);
    const json = new TextEncoder().encode(JSON.stringify(doc)).length;
    expect(first!.bytes).toBe(bytes!.length);
    expect(first!.bytes).toBeLessThan(json / 3);
  });

  it('takes automatic ones only when there is something new; a daily one once a day; the user’s always', async () => {
    let t = 1_700_000_000_000;
    const { store } = await freshStore({ now: () => t });
    expect(await takeSnapshot(store, 'daily')).toBeNull(); // nothing to keep yet
    expect(await takeSnapshot(store, 'before-import')).toBeNull();
    await store.saveEntity({ name: 'Camp Taji', kind: 'place' });
    const daily = await takeSnapshot(store, 'daily');
    expect(daily).toMatchObject({ reason: 'daily' });
    // Unchanged since: an operation's snapshot is the one there is.
    expect(await takeSnapshot(store, 'before-pack-remove')).toEqual(daily);
    await store.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    t += DAY / 2;
    expect(await takeSnapshot(store, 'daily')).toBeNull(); // the day's one is there
    t += DAY / 2;
    expect(await takeSnapshot(store, 'daily')).toMatchObject({ reason: 'daily', counts: { entities: 2 } });
    const manual = await takeSnapshot(store, 'manual');
    expect(manual).toMatchObject({ reason: 'manual', counts: { entities: 2 } });
    expect((await listSnapshots(store)).length).toBe(3);
  });

  it(`rolls: the newest ${KEEP.daily} daily, ${KEEP.manual} taken by the user and ${KEEP.operation} before operations`, async () => {
    let t = 1_700_000_000_000;
    const { store } = await freshStore({ now: () => t });
    const taken: Record<string, string[]> = { daily: [], manual: [], operation: [] };
    const operations: SnapshotReason[] = [
      'before-import',
      'before-pack-remove',
      'before-backup-import',
      'before-merge',
      'before-restore',
    ];
    for (let i = 0; i < 10; i++) {
      for (const [group, reason] of [
        ['daily', 'daily'],
        ['manual', 'manual'],
        ['operation', operations[i % 5]!],
      ] as const) {
        await store.saveEntity({ name: `Entity ${group} ${i}`, kind: 'person' });
        taken[group]!.push((await takeSnapshot(store, reason))!.id);
      }
      t += DAY;
    }
    const kept = await listSnapshots(store);
    const newest = (group: string, n: number) => taken[group]!.slice(-n).reverse();
    const byGroup = (pick: (r: SnapshotReason) => boolean) => kept.filter((s) => pick(s.reason)).map((s) => s.id);
    expect(byGroup((r) => r === 'daily')).toEqual(newest('daily', KEEP.daily));
    expect(byGroup((r) => r === 'manual')).toEqual(newest('manual', KEEP.manual));
    expect(byGroup((r) => r.startsWith('before-'))).toEqual(newest('operation', KEEP.operation));
    // Nothing is left behind of the pruned ones.
    expect((await store.db.getAllKeys('snapshotData')).sort()).toEqual(kept.map((s) => s.id).sort());
  });

  it('stays within its byte budget, dropping the oldest first and always keeping the newest', async () => {
    const { store } = await freshStore();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      await store.saveEntity({ name: `Entity ${i}`, kind: 'person', summary: `${i}`.repeat(2000) });
      ids.push((await takeSnapshot(store, 'manual'))!.id);
    }
    const sizes = (await listSnapshots(store)).map((s) => s.bytes);
    await store.saveEntity({ name: 'One more', kind: 'person' });
    const budget = sizes[0]! + sizes[1]! + sizes[2]! - 1; // room for the newest two (they only grow)
    const last = await takeSnapshot(store, 'manual', { budget });
    expect((await listSnapshots(store)).map((s) => s.id)).toEqual([last!.id, ids[3]]);
    await store.saveEntity({ name: 'And one more', kind: 'person' });
    const alone = await takeSnapshot(store, 'manual', { budget: 1 });
    expect((await listSnapshots(store)).map((s) => s.id)).toEqual([alone!.id]);
  });
});

describe('restoring a snapshot', () => {
  it('brings the store back (counts and records), after snapshotting the state it replaces', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const taji = await store.saveEntity({ name: 'Camp Taji', kind: 'place', summary: 'Base north of Baghdad.' });
    const snap = (await takeSnapshot(store, 'manual'))!;
    const before = await store.stats();

    await store.saveEntity({ name: 'Camp Taji', kind: 'place', summary: 'Changed.' }, taji.id);
    await store.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    const [town] = await store.findByAlias('Albukamal');
    await store.deleteEntity(town!.id);
    await store.saveNote({ about: { type: 'entity', id: taji.id }, text: 'A note made after the snapshot' });

    const { restored, undo } = await restoreSnapshot(store, snap.id);
    expect(restored).toBe(4);
    expect(await store.stats()).toMatchObject({
      entities: before.entities,
      events: before.events,
      notes: before.notes,
    });
    expect((await store.getEntity(taji.id))?.summary).toBe('Base north of Baghdad.');
    expect(await names(store)).toEqual(['Albu Kamal', 'Camp Taji', 'Hashed al-Shaabi', 'Kataeb Hezbollah']);
    expect((await store.listNotes()).map((n) => n.text)).toEqual(['Check SOHR figures.']);

    // The restore is undone by restoring the snapshot it took first.
    expect(undo).toMatchObject({ reason: 'before-restore', counts: { entities: 4, notes: 2 } });
    await restoreSnapshot(store, undo!.id);
    expect(await names(store)).toEqual(['Camp Taji', 'Deir ez-Zor', 'Hashed al-Shaabi', 'Kataeb Hezbollah']);
    expect((await store.getEntity(taji.id))?.summary).toBe('Changed.');
  });

  it('is one transaction: a failure half-way leaves every record as it was, and says so', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const snap = (await takeSnapshot(store, 'manual'))!;
    for (let i = 0; i < 10; i++) {
      const e = await store.saveEntity({ name: `Later ${i}`, kind: 'person' });
      await store.saveNote({ about: { type: 'entity', id: e.id }, text: `About later ${i}` });
    }
    await takeSnapshot(store, 'manual'); // the state before the restore is kept already (no new undo snapshot)
    const before = await records(store);
    // The entities are written first: the failure comes once they are all written, at a note.
    const put = IDBObjectStore.prototype.put;
    let n = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'notes' && ++n === 5) throw new DOMException('I/O error', 'UnknownError');
      return put.apply(this, args as Parameters<typeof put>);
    });
    const failure = (await restoreSnapshot(store, snap.id).catch((e: unknown) => e)) as AppFailure;
    vi.restoreAllMocks();
    expect(failure).toBeInstanceOf(AppFailure);
    expect(failure.error.message).toMatch(
      /^The snapshot was not restored: the browser's storage failed \(UnknownError/,
    );
    expect(await records(store)).toEqual(before);
  });

  it('refuses a damaged snapshot and changes nothing', async () => {
    const { store } = await freshStore();
    await importPack(store, samplePack());
    const snap = (await takeSnapshot(store, 'manual'))!;
    await store.saveEntity({ name: 'Later', kind: 'person' });
    const before = await records(store);
    const bytes = (await store.db.get('snapshotData', snap.id))!;
    await store.db.put('snapshotData', bytes.slice(0, bytes.length / 2), snap.id);
    await expect(restoreSnapshot(store, snap.id)).rejects.toMatchObject({
      error: {
        message: 'This snapshot is damaged and cannot be restored. Nothing was changed; try an older snapshot.',
      },
    });
    expect(await records(store)).toEqual(before);
    await expect(restoreSnapshot(store, 'gone')).rejects.toMatchObject({ error: { code: 'not-found' } });
  });

  it('removes a pack installed since, so that installing it again brings it back whole', async () => {
    const { store } = await freshStore();
    await store.saveEntity({ name: 'Camp Taji', kind: 'place' });
    const snap = (await takeSnapshot(store, 'manual'))!;
    await importPack(store, samplePack());
    await restoreSnapshot(store, snap.id);
    expect(await store.listPacks()).toEqual([]);
    expect(await names(store)).toEqual(['Camp Taji']);
    const again = await importPack(store, samplePack());
    expect(again.keptEdits).toBe(0);
    expect(await names(store)).toEqual(['Albu Kamal', 'Camp Taji', 'Hashed al-Shaabi', 'Kataeb Hezbollah']);
  });

  it('syncs as new edits: other devices drop what the snapshot did not have and get back what it had', async () => {
    const remote = new MemoryRemote();
    const a = await device(remote);
    await importPack(a.store, samplePack());
    await a.service.syncNow();
    const b = await device(remote);
    expect(await names(b.store)).toEqual(['Albu Kamal', 'Hashed al-Shaabi', 'Kataeb Hezbollah']);

    const snap = (await takeSnapshot(a.store, 'manual'))!;
    await a.store.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    const [hashed] = await a.store.findByAlias('PMF');
    await a.store.deleteEntity(hashed!.id);
    const [town] = await a.store.findByAlias('Albukamal');
    await a.store.saveEntity({ name: 'Albu Kamal', kind: 'place', summary: 'Edited after the snapshot.' }, town!.id);
    await a.service.syncNow();
    await b.service.syncNow();
    expect(await names(b.store)).toEqual(['Albu Kamal', 'Deir ez-Zor', 'Kataeb Hezbollah']);

    await restoreSnapshot(a.store, snap.id);
    await a.service.syncNow();
    await b.service.syncNow();
    await a.service.syncNow(); // and back: B's copies must not bring anything back to A
    for (const d of [a, b]) {
      expect(await names(d.store)).toEqual(['Albu Kamal', 'Hashed al-Shaabi', 'Kataeb Hezbollah']);
      expect((await d.store.getEntity(town!.id))?.summary).toBe('Syrian border town on the Euphrates.');
    }
  });
});

/** A device: its own store and a sync service over the shared in-memory remote. */
async function device(remote: MemoryRemote) {
  const { store } = await freshStore();
  return { store, service: (await syncingService(store, remote, 'snapshots')).service };
}

describe('risky operations through the contract', () => {
  it('snapshot the store first, as it was before them', async () => {
    const { store } = await freshStore();
    const api = apiOver(store);
    const latest = async () => (await listSnapshots(store))[0];

    // Into an empty store, an import needs no snapshot.
    expect(await api('pack.import', { text: JSON.stringify(samplePack()) })).toMatchObject({ ok: true });
    expect(await listSnapshots(store)).toEqual([]);

    const other = samplePack({
      pack: { id: 'other-pack', title: 'Other pack', version: '1' },
      events: [],
      notes: [],
      entities: [{ id: 'taji', name: 'Camp Taji', kind: 'place' }],
    });
    expect(await api('pack.import', { text: JSON.stringify(other) })).toMatchObject({ ok: true });
    expect(await latest()).toMatchObject({ reason: 'before-import', counts: { entities: 3, packs: 1 } });

    const csv = 'name,kind\nDeir ez-Zor,place\n';
    expect(await api('csv.import', { text: csv, kind: 'entities', fileName: 'places.csv' })).toMatchObject({
      ok: true,
    });
    expect(await latest()).toMatchObject({ reason: 'before-import', counts: { entities: 4, packs: 2 } });

    expect(await api('pack.remove', { packId: 'other-pack', notes: 'keep' })).toMatchObject({ ok: true });
    expect(await latest()).toMatchObject({ reason: 'before-pack-remove', counts: { entities: 5, packs: 3 } });

    const [kh] = await store.findByAlias('KH');
    const [hashed] = await store.findByAlias('PMF');
    expect(await api('entities.merge', { keepId: hashed!.id, mergeId: kh!.id })).toMatchObject({ ok: true });
    expect(await latest()).toMatchObject({ reason: 'before-merge', counts: { entities: 4 } });

    const backup = await api('backup.export', { passphrase: 'a long passphrase' });
    await store.saveEntity({ name: 'Raqqa', kind: 'place' });
    expect(
      await api('backup.import', { text: backup.ok ? backup.value.text : '', passphrase: 'a long passphrase' }),
    ).toMatchObject({
      ok: true,
    });
    expect(await latest()).toMatchObject({ reason: 'before-backup-import', counts: { entities: 4 } });

    // The backup held nothing new: the store is as that snapshot has it, and the restore's undo is that one.
    const first = (await listSnapshots(store)).at(-1)!;
    const newest = await latest();
    expect(await api('snapshots.restore', { id: first.id })).toMatchObject({ ok: true, value: { undo: newest } });
    expect(await names(store)).toEqual(['Albu Kamal', 'Hashed al-Shaabi', 'Kataeb Hezbollah']);
    await store.saveEntity({ name: 'Palmyra', kind: 'place' });
    expect(await api('snapshots.restore', { id: first.id })).toMatchObject({
      ok: true,
      value: { undo: { reason: 'before-restore', counts: { entities: 4 } } },
    });
  });

  it('lists, takes and deletes snapshots for the manager', async () => {
    const { store } = await freshStore();
    const api = apiOver(store);
    const taken = await api('snapshots.create', {});
    expect(taken).toMatchObject({ ok: true, value: { reason: 'manual', counts: { entities: 0 } } });
    expect(await api('snapshots.list', {})).toMatchObject({ ok: true, value: [taken.ok && taken.value] });
    expect(await api('snapshots.delete', { id: taken.ok ? taken.value.id : '' })).toEqual({ ok: true, value: null });
    expect(await api('snapshots.list', {})).toEqual({ ok: true, value: [] });
    expect(await api('snapshots.restore', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
