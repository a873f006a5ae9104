import { describe, expect, it } from 'vitest';
import { SearchIndex } from '../../lib/background/search';
import { importPack } from '../../lib/store/packs';
import { samplePack } from '../fixtures/packs';
import { freshStore } from '../fixtures/store';

async function setup() {
  let t = Date.UTC(2026, 0, 1);
  const { store } = await freshStore({ now: () => (t += 1000) }); // every write a second later

  await importPack(store, samplePack());
  return { store, index: new SearchIndex(store) };
}

describe('quick search', () => {
  it('finds entities by any spelling, saying which alias matched', async () => {
    const { index } = await setup();
    const r = await index.search('albukamal');
    expect(r.entities.map((e) => [e.name, e.alias])).toEqual([['Albu Kamal', 'Albukamal']]);
    expect((await index.search('Ālbū')).entities[0]?.name).toBe('Albu Kamal'); // diacritics folded
    expect((await index.search('البوكمال')).entities[0]?.name).toBe('Albu Kamal');
  });

  it('ranks a name that starts with the query before one that merely contains it', async () => {
    const { index } = await setup();
    expect((await index.search('al')).entities.map((e) => e.name)).toEqual(['Albu Kamal', 'Hashed al-Shaabi']);
  });

  it('finds events by title and notes by text, with what each note is about', async () => {
    const { index } = await setup();
    const r = await index.search('sohr');
    expect(r.notes.map((n) => [n.text, n.about.title])).toEqual([['Check SOHR figures.', 'Albu Kamal']]);
    expect((await index.search('air strike')).events.map((e) => e.title)).toEqual(['Air strike near Albu Kamal']);
    expect(r.total).toBe(1);
  });

  it('finds notes by the start of their words, every word of the query, newest first', async () => {
    const { store, index } = await setup();
    const [town] = await store.findByAlias('Albukamal');
    const about = { type: 'entity' as const, id: town!.id };
    await store.saveNote({ about, text: 'Convoy crossed the border at dawn.' });
    await store.saveNote({ about, text: 'Border guards said nothing.' });
    expect((await index.search('bord')).notes.map((n) => n.text)).toEqual([
      'Border guards said nothing.',
      'Convoy crossed the border at dawn.',
    ]);
    expect((await index.search('border conv')).notes.map((n) => n.text)).toEqual([
      'Convoy crossed the border at dawn.',
    ]);
    expect((await index.search('order')).notes).toEqual([]); // inside a word: not a match for notes
  });

  it('sees writes once invalidated, and nothing for an empty query', async () => {
    const { store, index } = await setup();
    expect((await index.search('Deir')).entities).toEqual([]);
    await store.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    index.invalidate();
    expect((await index.search('deir')).entities.map((e) => e.name)).toEqual(['Deir ez-Zor']);
    expect(await index.search('   ')).toEqual({ entities: [], events: [], notes: [], total: 0 });
  });

  it('keeps at most `limit` of each kind but counts them all', async () => {
    const { store, index } = await setup();
    for (let i = 0; i < 12; i++) await store.saveEntity({ name: `Brigade ${i}`, kind: 'group' });
    const r = await index.search('brigade', 5);
    expect(r.entities).toHaveLength(5);
    expect(r.total).toBe(12);
  });
});
