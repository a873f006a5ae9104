import { describe, expect, it } from 'vitest';
import { decodeHlc } from '../../lib/hlc';
import { AppFailure } from '../../lib/result';
import { KnowledgeStore } from '../../lib/store/store';
import { freshStore } from '../fixtures/store';

const place = { name: 'Albu Kamal', kind: 'place' as const, aliases: [{ text: 'Albukamal' }, { text: 'البوكمال' }] };

describe('knowledge store: entities', () => {
  it('creates an entity with a random id and a stamp on every field', async () => {
    const { store } = await freshStore();
    const e = await store.saveEntity(place);
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.pack).toBeNull();
    expect(Object.keys(e.stamps).sort()).toEqual(['aliases', 'kind', 'links', 'name', 'related', 'summary', 'tags']);
    expect(decodeHlc(e.stamps.name).device).toBe(store.device);
    expect(await store.getEntity(e.id)).toEqual(e);
  });

  it('restamps only the fields an edit changed', async () => {
    let t = 1000;
    const { store } = await freshStore({ now: () => t });
    const e = await store.saveEntity(place);
    t = 2000;
    const edited = await store.saveEntity({ ...place, summary: 'Border town on the Euphrates.' }, e.id);
    expect(edited.stamps.summary > e.stamps.summary).toBe(true);
    expect(edited.stamps.name).toBe(e.stamps.name);
    expect(edited.stamps.aliases).toBe(e.stamps.aliases);
    expect(edited.updatedAt).toBe(2000);
    expect(edited.createdAt).toBe(1000);
  });

  it('finds entities by any alias, folded', async () => {
    const { store } = await freshStore();
    const e = await store.saveEntity(place);
    for (const spelling of ['albukamal', 'ALBU KAMAL', 'Ālbū Kamāl', 'البُوكَمَال']) {
      expect((await store.findByAlias(spelling)).map((x) => x.id)).toEqual([e.id]);
    }
    expect(await store.findByAlias('Baghdad')).toEqual([]);
  });

  it('deletes as a tombstone that remembers what it had seen', async () => {
    const { store } = await freshStore();
    const e = await store.saveEntity(place);
    await store.deleteEntity(e.id);
    expect(await store.getEntity(e.id)).toBeUndefined();
    expect(await store.findByAlias('Albukamal')).toEqual([]);
    const raw = await store.db.get('entities', e.id);
    expect(raw?.deleted?.seen).toEqual(e.stamps);
    expect(raw!.deleted!.at > e.stamps.name).toBe(true);
  });

  it('refuses invalid input with the field and leaves the store as it was', async () => {
    const { store } = await freshStore();
    const bad = store.saveEntity({ ...place, name: '  ', links: [{ url: 'javascript:alert(1)' }] });
    await expect(bad).rejects.toBeInstanceOf(AppFailure);
    await expect(bad).rejects.toMatchObject({
      error: { code: 'invalid-input', issues: expect.arrayContaining([expect.objectContaining({ path: 'name' })]) },
    });
    expect(await store.listEntities()).toEqual([]);
  });

  it('refuses to edit an entity that does not exist', async () => {
    const { store } = await freshStore();
    await expect(store.saveEntity(place, 'missing')).rejects.toMatchObject({ error: { code: 'not-found' } });
  });
});

describe('knowledge store: events and notes', () => {
  it('lists the events of an entity in date order, including events where it is the place', async () => {
    const { store } = await freshStore();
    const town = await store.saveEntity(place);
    const hashed = await store.saveEntity({ name: 'Hashed al-Shaabi', kind: 'group' });
    await store.saveEvent({
      title: 'Air strike',
      date: '2020-03-11',
      place: town.id,
      entities: [{ entity: hashed.id, role: 'target' }],
    });
    await store.saveEvent({
      title: 'Capture',
      date: '2017-11',
      entities: [{ entity: town.id, role: 'place' }, { entity: hashed.id }],
    });
    await store.saveEvent({ title: 'Formation', date: '2014-06', entities: [{ entity: hashed.id, role: 'founded' }] });
    expect((await store.eventsOf(town.id)).map((e) => e.title)).toEqual(['Capture', 'Air strike']);
    expect((await store.eventsOf(hashed.id)).map((e) => e.title)).toEqual(['Formation', 'Capture', 'Air strike']);
  });

  it('refuses an end date before the start date', async () => {
    const { store } = await freshStore();
    await expect(store.saveEvent({ title: 'x', date: '2020-03-11', endDate: '2020-03-10' })).rejects.toMatchObject({
      error: { code: 'invalid-input' },
    });
  });

  it('keeps notes per entity newest first and lists recent notes across the store', async () => {
    let t = 1000;
    const { store } = await freshStore({ now: () => t });
    const a = await store.saveEntity(place);
    const b = await store.saveEntity({ name: 'Camp Taji', kind: 'place' });
    const n1 = await store.saveNote({ about: { type: 'entity', id: a.id }, text: 'first' });
    t = 2000;
    await store.saveNote({ about: { type: 'entity', id: b.id }, text: 'other' });
    t = 3000;
    await store.saveNote({
      about: { type: 'entity', id: a.id },
      text: 'second',
      page: { url: 'https://example.org/story', title: 'Story', quote: 'Albu Kamal' },
    });
    expect((await store.notesAbout(a.id)).map((n) => n.text)).toEqual(['second', 'first']);
    expect((await store.recentNotes(2)).map((n) => n.text)).toEqual(['second', 'other']);
    t = 4000;
    await store.saveNote({ about: { type: 'entity', id: a.id }, text: 'first, edited' }, n1.id);
    expect((await store.recentNotes(1)).map((n) => n.text)).toEqual(['first, edited']);
    await store.deleteNote(n1.id);
    expect((await store.notesAbout(a.id)).map((n) => n.text)).toEqual(['second']);
  });

  it('refuses a note about something that does not exist', async () => {
    const { store } = await freshStore();
    await expect(store.saveNote({ about: { type: 'entity', id: 'ghost' }, text: 'hello' })).rejects.toMatchObject({
      error: { code: 'not-found' },
    });
    expect(await store.recentNotes()).toEqual([]);
  });

  it('builds card data: events with roles, related entities, notes', async () => {
    const { store } = await freshStore();
    const hashed = await store.saveEntity({ name: 'Hashed al-Shaabi', kind: 'group' });
    const town = await store.saveEntity({ ...place, related: [{ entity: hashed.id, label: 'captured by' }] });
    await store.saveEvent({ title: 'Air strike', date: '2020-03-11', place: town.id });
    await store.saveNote({ about: { type: 'entity', id: town.id }, text: 'mine' });
    const card = await store.card(town.id);
    expect(card?.events).toEqual([expect.objectContaining({ role: 'place' })]);
    expect(card?.related).toEqual([{ id: hashed.id, name: 'Hashed al-Shaabi', kind: 'group', label: 'captured by' }]);
    expect(card?.notes.map((n) => n.text)).toEqual(['mine']);
    expect(await store.card('nobody')).toBeUndefined();
  });
});

describe('knowledge store: device and clock', () => {
  it('keeps its device id and a monotonic clock across reopen', async () => {
    let t = 5000;
    const { store, name } = await freshStore({ now: () => t });
    const e = await store.saveEntity(place);
    store.close();
    t = 1000; // the machine's clock went back while the browser was closed
    const again = await KnowledgeStore.open({ name, now: () => t });
    expect(again.device).toBe(store.device);
    const edited = await again.saveEntity({ ...place, summary: 'changed' }, e.id);
    expect(edited.stamps.summary > e.stamps.name).toBe(true);
  });
});
