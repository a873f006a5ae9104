import { describe, expect, it, vi } from 'vitest';
import { DictionaryService, MAX_MENTIONS_PER_CALL } from '../../lib/background/dictionary';
import { STARTER_PACK } from '../../lib/background/starter';
import { importPack } from '../../lib/store/packs';
import { freshStore } from '../fixtures/store';

const names = (reply: Awaited<ReturnType<DictionaryService['match']>>, i = 0) => {
  const flat = reply.mentions[i]!;
  const out: string[] = [];
  for (let j = 0; j < flat.length; j += 3) out.push(reply.entities[flat[j + 2]!]!.name);
  return out;
};

describe('the background dictionary', () => {
  it('matches page text against every live entity of the store', async () => {
    const { store } = await freshStore();
    await importPack(store, STARTER_PACK);
    const service = new DictionaryService(store);
    const text = 'An air strike near Albukamal killed 26 fighters of the Iran-backed Kataeb Hezbollah, SOHR said.';
    const reply = await service.match([text, 'nothing known here']);
    expect(names(reply)).toEqual(['Albu Kamal', 'Kataeb Hezbollah', 'Syrian Observatory for Human Rights']);
    expect(reply.mentions[1]).toEqual([]);
    const [start, end] = reply.mentions[0]!;
    expect(text.slice(start, end)).toBe('Albukamal');
    // The reply's entity table holds only what was found, with ids and kinds for the marks.
    expect(reply.entities.map((e) => e.kind)).toEqual(['place', 'group', 'organization']);
  });

  it('answers at most MAX_MENTIONS_PER_CALL mentions per call, however often a page repeats a name', async () => {
    const { store } = await freshStore();
    await importPack(store, STARTER_PACK);
    const service = new DictionaryService(store);
    const block = 'Albukamal '.repeat(4_000);
    const reply = await service.match([block, block]);
    expect(reply.mentions[0]!.length / 3).toBe(4_000);
    expect(reply.mentions[1]!.length / 3).toBe(MAX_MENTIONS_PER_CALL - 4_000);
  });

  it('is restored from the store by a service that wakes up, and rebuilt when the store changed', async () => {
    const { store } = await freshStore();
    await importPack(store, STARTER_PACK);
    await new DictionaryService(store).get(); // compiles and persists
    const restored = new DictionaryService(store);
    expect((await restored.get()).revision).toBe(await store.revision());
    expect(names(await restored.match(['Taji']))).toEqual(['Camp Taji']);

    await store.saveEntity({ name: 'Tehran', kind: 'place' });
    const afterEdit = new DictionaryService(store);
    expect(names(await afterEdit.match(['Tehran and Taji']))).toEqual(['Tehran', 'Camp Taji']);
  });

  it('rebuilds after edits and tells the tabs the new revision', async () => {
    const { store } = await freshStore();
    const told: number[] = [];
    const service = new DictionaryService(store, (rev) => told.push(rev));
    expect(names(await service.match(['Tehran']))).toEqual([]);
    await store.saveEntity({ name: 'Tehran', kind: 'place' });
    service.invalidate(0);
    await vi.waitFor(async () => expect(names(await service.match(['Tehran']))).toEqual(['Tehran']));
    expect(told).toEqual([await store.revision()]);
  });
});
