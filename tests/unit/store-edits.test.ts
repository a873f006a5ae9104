import { describe, expect, it } from 'vitest';
import { exportPack, importPack } from '../../lib/store/packs';
import { parsePack } from '../../lib/pack/validate';
import { samplePack } from '../fixtures/packs';
import { dump, freshStore } from '../fixtures/store';

async function sample() {
  const { store } = await freshStore();
  await importPack(store, samplePack());
  const [town] = await store.findByAlias('Albukamal');
  const [hashed] = await store.findByAlias('PMF');
  const [kh] = await store.findByAlias('KH');
  return { store, town: town!, hashed: hashed!, kh: kh! };
}

describe('undo: restoring deleted records', () => {
  it('brings a deleted note back, newer than its delete', async () => {
    const { store, town } = await sample();
    const note = await store.saveNote({ about: { type: 'entity', id: town.id }, text: 'mine' });
    await store.deleteNote(note.id);
    expect(await store.notesAbout(town.id)).toHaveLength(1); // the pack's note only
    const back = await store.restore('note', note.id);
    expect(back.deleted).toBeNull();
    expect((await store.notesAbout(town.id)).map((n) => n.text)).toContain('mine');
    const deleted = (await store.db.get('notes', note.id))!;
    expect(Object.values(deleted.stamps).every((s) => s > note.stamps.text)).toBe(true);
  });

  it('restores a deleted entity so that its aliases find it again', async () => {
    const { store, town } = await sample();
    await store.deleteEntity(town.id);
    expect(await store.findByAlias('Albukamal')).toEqual([]);
    await store.restore('entity', town.id);
    expect((await store.findByAlias('Albukamal')).map((e) => e.id)).toEqual([town.id]);
  });

  it('refuses to restore a note whose entity is gone, and changes nothing', async () => {
    const { store, town } = await sample();
    const note = await store.saveNote({ about: { type: 'entity', id: town.id }, text: 'mine' });
    await store.deleteNote(note.id);
    await store.deleteEntity(town.id);
    const before = await dump(store);
    await expect(store.restore('note', note.id)).rejects.toThrow(/restore it first/);
    expect(await dump(store)).toEqual(before);
  });

  it('says so for a record that never existed', async () => {
    const { store } = await sample();
    await expect(store.restore('event', 'nope')).rejects.toThrow(/does not exist/);
  });
});

describe('merging two entities', () => {
  it('moves names, aliases, events, notes and relations to the kept entity', async () => {
    const { store, hashed, kh, town } = await sample();
    const note = await store.saveNote({ about: { type: 'entity', id: kh.id }, text: 'about KH' });
    const other = await store.saveEntity({
      name: 'Some brigade',
      kind: 'group',
      related: [{ entity: kh.id, label: 'ally of' }],
    });
    await store.saveEvent({ title: 'KH strike', date: '2019', entities: [{ entity: kh.id, role: 'attacker' }] });

    const summary = await store.mergeEntities(hashed.id, kh.id);
    expect(summary).toMatchObject({ aliases: 2, events: 1, notes: 1, relations: 1 });
    const kept = (await store.getEntity(hashed.id))!;
    expect(kept.aliases.map((a) => a.text)).toEqual(['the Hashed', 'PMF', 'Kataeb Hezbollah', 'KH']);
    // KH's "part of Hashed" relation would point at itself: dropped.
    expect(kept.related).toEqual([]);
    expect(await store.getEntity(kh.id)).toBeUndefined();
    expect((await store.findByAlias('KH')).map((e) => e.id)).toEqual([hashed.id]);
    expect((await store.eventsOf(hashed.id)).map((e) => e.title)).toContain('KH strike');
    expect((await store.notesAbout(hashed.id)).map((n) => n.id)).toContain(note.id);
    expect((await store.getEntity(other.id))!.related).toEqual([{ entity: hashed.id, label: 'ally of' }]);
    // The town's relation to the Hashed is untouched.
    expect((await store.getEntity(town.id))!.related).toEqual([{ entity: hashed.id, label: 'captured by' }]);
  });

  it('is all or nothing: merging into a missing entity changes nothing', async () => {
    const { store, kh } = await sample();
    const before = await dump(store);
    await expect(store.mergeEntities('missing', kh.id)).rejects.toThrow(/does not exist/);
    await expect(store.mergeEntities(kh.id, kh.id)).rejects.toThrow(/itself/);
    expect(await dump(store)).toEqual(before);
  });
});

describe('exporting a selection', () => {
  it('exports the chosen entities, their events and notes, and nothing that points outside', async () => {
    const { store, town } = await sample();
    await store.saveNote({ about: { type: 'entity', id: town.id }, text: 'mine' });
    const doc = await exportPack(store, { entityIds: [town.id], includeNotes: true });
    expect(parsePack(doc).ok).toBe(true);
    expect(doc.entities?.map((e) => e.name)).toEqual(['Albu Kamal']);
    expect(doc.entities?.[0]?.related).toEqual([]); // the Hashed is not in the selection
    expect(doc.events?.map((e) => e.title).sort()).toEqual(['Air strike near Albu Kamal', 'Hashed capture Albu Kamal']);
    expect(doc.events?.flatMap((e) => e.entities ?? []).map((l) => l.entity)).not.toContain('hashed');
    expect(doc.notes?.map((n) => n.text).sort()).toEqual(['Check SOHR figures.', 'mine']);

    // Into an empty store: the same entity (same id), its events and notes.
    const { store: other } = await freshStore();
    await importPack(other, doc);
    expect((await other.findByAlias('Abu Kamal')).map((e) => e.id)).toEqual([town.id]);
    expect((await other.notesAbout(town.id)).length).toBe(2);
  });
});
