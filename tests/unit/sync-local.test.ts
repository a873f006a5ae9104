import { describe, expect, it } from 'vitest';
import { mergeMaps, stableJson } from '../../lib/sync/merge';
import { importPack } from '../../lib/store/packs';
import type { KnowledgeStore } from '../../lib/store/store';
import { samplePack } from '../fixtures/packs';
import { dump, freshStore } from '../fixtures/store';

/** Two devices, each with its own store (own device id) and its own clock. */
async function devices() {
  let t = Date.UTC(2026, 0, 1);
  const now = () => (t += 1000);
  const { store: a } = await freshStore({ now });
  const { store: b } = await freshStore({ now });
  return { a, b };
}

/** One full exchange, as the sync engine does it: both exports merged, the result applied on both. */
async function exchange(...stores: KnowledgeStore[]) {
  const exports = await Promise.all(stores.map((s) => s.exportSyncState()));
  const merged = exports.map((e) => e.states).reduce((x, y) => mergeMaps(x, y));
  for (const [i, s] of stores.entries()) expect(await s.applySyncState(merged, exports[i]!.revision)).not.toBeNull();
  return merged;
}

const states = async (s: KnowledgeStore) => stableJson([...(await s.exportSyncState()).states].sort());

describe('the store and the sync engine', () => {
  it('brings a device the entities and notes written on another', async () => {
    const { a, b } = await devices();
    const town = await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', aliases: [{ text: 'Dayr az Zawr' }] });
    await a.saveNote({ about: { type: 'entity', id: town.id }, text: 'Border crossing reopened.' });
    await exchange(a, b);
    expect((await b.findByAlias('Dayr az Zawr')).map((e) => e.id)).toEqual([town.id]);
    expect((await b.notesAbout(town.id)).map((n) => n.text)).toEqual(['Border crossing reopened.']);
    expect(await states(a)).toBe(await states(b));
  });

  it('keeps the losing side of concurrent edits as a visible conflict, until someone resolves it', async () => {
    const { a, b } = await devices();
    const town = await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'City on the Euphrates.' });
    await exchange(a, b);
    await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'Edited on A.' }, town.id);
    await b.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'Edited on B.' }, town.id);
    await exchange(a, b);
    const shownA = (await a.getEntity(town.id))!.summary;
    expect((await b.getEntity(town.id))!.summary).toBe(shownA);
    const loser = shownA === 'Edited on A.' ? 'Edited on B.' : 'Edited on A.';
    for (const s of [a, b])
      expect((await s.conflicts('entity', town.id)).summary?.map((c) => c.value)).toEqual([loser]);
    // B settles it (an edit that has seen both), and the conflict is gone everywhere.
    await b.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'Both, merged by hand.' }, town.id);
    await exchange(a, b);
    for (const s of [a, b]) {
      expect((await s.getEntity(town.id))!.summary).toBe('Both, merged by hand.');
      expect(await s.conflicts('entity', town.id)).toEqual({});
    }
  });

  it('ends a conflict when the user keeps the value shown now (a write even though nothing changes)', async () => {
    const { a, b } = await devices();
    const town = await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'x' });
    await exchange(a, b);
    await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'From A.' }, town.id);
    await b.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'From B.' }, town.id);
    await exchange(a, b);
    const shown = (await a.getEntity(town.id))!.summary;
    expect(Object.keys(await a.conflicts('entity', town.id))).toEqual(['summary']);
    await a.resolveField('entity', town.id, 'summary', shown);
    await exchange(a, b);
    for (const s of [a, b]) {
      expect((await s.getEntity(town.id))!.summary).toBe(shown);
      expect(await s.conflicts('entity', town.id)).toEqual({});
    }
    await expect(a.resolveField('entity', town.id, 'kind', 'planet')).rejects.toThrow(/kind/);
  });

  it('brings back a record deleted on one device while another edited it', async () => {
    const { a, b } = await devices();
    const town = await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    await exchange(a, b);
    await a.deleteEntity(town.id);
    await b.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'Added on B.' }, town.id);
    await exchange(a, b);
    for (const s of [a, b]) expect((await s.getEntity(town.id))?.summary).toBe('Added on B.');
  });

  it('propagates a delete that had seen every edit', async () => {
    const { a, b } = await devices();
    const town = await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    await exchange(a, b);
    await b.deleteEntity(town.id);
    await exchange(a, b);
    for (const s of [a, b]) expect(await s.getEntity(town.id)).toBeUndefined();
    expect(await a.findByAlias('Deir ez-Zor')).toEqual([]);
  });

  it('sees no conflict in the same pack imported on two devices', async () => {
    const { a, b } = await devices();
    await importPack(a, samplePack());
    await importPack(b, samplePack());
    await exchange(a, b);
    const [town] = await a.findByAlias('Albukamal');
    expect(await a.conflicts('entity', town!.id)).toEqual({});
    expect((await b.getEntity(town!.id))?.pack).toBe('test-pack');
    expect(await states(a)).toBe(await states(b));
  });

  it('changes nothing when the store moved on since the export (an edit made during a sync survives)', async () => {
    const { a, b } = await devices();
    await b.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    const ea = await a.exportSyncState();
    const merged = mergeMaps(ea.states, (await b.exportSyncState()).states);
    await a.saveEntity({ name: 'Raqqa', kind: 'place' }); // meanwhile, on A
    const before = await dump(a);
    expect(await a.applySyncState(merged, ea.revision)).toBeNull();
    expect(await dump(a)).toEqual(before);
    await exchange(a, b); // the next round merges both
    expect((await b.listEntities()).map((e) => e.name).sort()).toEqual(['Deir ez-Zor', 'Raqqa']);
  });

  it('keeps merged states in step with later local writes, and an idle exchange changes nothing', async () => {
    const { a, b } = await devices();
    const town = await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'x' });
    await exchange(a, b);
    await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'From A.' }, town.id);
    await b.saveEntity({ name: 'Deir ez-Zor', kind: 'place', summary: 'From B.' }, town.id);
    await exchange(a, b);
    // A local edit of another field after the merge: the kept state follows, the conflict stays.
    await a.saveEntity({ ...(await a.getEntity(town.id))!, name: 'Deir el-Zor' }, town.id);
    await exchange(a, b);
    expect((await b.getEntity(town.id))!.name).toBe('Deir el-Zor');
    expect(Object.keys(await b.conflicts('entity', town.id))).toEqual(['summary']);
    const quiet = [await dump(a), await dump(b)];
    const ea = await a.exportSyncState();
    const eb = await b.exportSyncState();
    const merged = mergeMaps(ea.states, eb.states);
    expect(await a.applySyncState(merged, ea.revision)).toEqual({ changed: 0 });
    expect(await b.applySyncState(merged, eb.revision)).toEqual({ changed: 0 });
    expect([await dump(a), await dump(b)]).toEqual(quiet);
  });

  it('converges three devices exchanging in pairs, in any order', async () => {
    const { a, b } = await devices();
    const { store: c } = await freshStore();
    const town = await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    await exchange(a, b);
    await exchange(b, c);
    await c.saveNote({ about: { type: 'entity', id: town.id }, text: 'From C.' });
    await a.saveEntity({ name: 'Deir ez-Zor', kind: 'place', tags: ['syria'] }, town.id);
    await exchange(c, a);
    await exchange(a, b);
    await exchange(b, c);
    expect(await states(a)).toBe(await states(b));
    expect(await states(b)).toBe(await states(c));
    expect((await b.getEntity(town.id))!.tags).toEqual(['syria']);
    expect((await b.notesAbout(town.id)).map((n) => n.text)).toEqual(['From C.']);
  });
});
