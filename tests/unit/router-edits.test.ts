import { describe, expect, it } from 'vitest';
import { storeApi } from '../fixtures/api';
import { dump } from '../fixtures/store';

describe('contract: writes tell open pages, imports report progress', () => {
  it('calls onWrite after each committed write and never after a read or a refused write', async () => {
    let writes = 0;
    const { api } = await storeApi({ hooks: { onWrite: () => writes++ } });
    await api('entities.list', {});
    await api('search', { query: 'albu' });
    expect(writes).toBe(0);
    const saved = await api('entity.save', { entity: { name: 'Deir ez-Zor', kind: 'place' } });
    expect(saved.ok).toBe(true);
    expect(writes).toBe(1);
    expect((await api('entity.save', { entity: { name: ' ', kind: 'place' } })).ok).toBe(false);
    expect(writes).toBe(1);
  });

  it('reports the progress of a pack import under its job id', async () => {
    const seen: [string, number, number][] = [];
    const { api } = await storeApi({
      empty: true,
      hooks: { progress: (job, done, total) => seen.push([job, done, total]) },
    });
    const entities = Array.from({ length: 1200 }, (_, i) => ({ id: `e${i}`, name: `Place ${i}`, kind: 'place' }));
    const text = JSON.stringify({
      format: 'backstory-pack',
      formatVersion: 1,
      pack: { id: 'big', title: 'Big', version: '1' },
      entities,
    });
    const r = await api('pack.import', { text, job: 'job-1' });
    expect(r.ok && r.value.added).toBe(1200);
    expect(seen.map(([job]) => job).every((j) => j === 'job-1')).toBe(true);
    expect(seen.at(-1)).toEqual(['job-1', 1200, 1200]);
    expect(seen.length).toBeGreaterThan(1);
  });

  it('search sees a new entity right after it is saved', async () => {
    const { api } = await storeApi();
    expect((await api('search', { query: 'deir' })).ok).toBe(true);
    await api('entity.save', { entity: { name: 'Deir ez-Zor', kind: 'place' } });
    const r = await api('search', { query: 'deir' });
    expect(r.ok && r.value.entities.map((e) => e.name)).toEqual(['Deir ez-Zor']);
  });
});

describe('contract: CSV import', () => {
  it('imports a sheet of entities as a pack named after the file, and again as an update', async () => {
    const { api, store } = await storeApi();
    const text = 'Name,Kind,Aliases\nDeir ez-Zor,place,Deir al-Zour; Dayr az Zawr\nAsa’ib Ahl al-Haq,group,AAH\n';
    const r = await api('csv.import', { text, kind: 'entities', fileName: 'Militias 2024.csv' });
    expect(r.ok && [r.value.added, r.value.pack.id, r.value.pack.title]).toEqual([
      2,
      'csv-militias-2024',
      'Militias 2024',
    ]);
    expect((await store.findByAlias('Dayr az Zawr')).map((e) => e.name)).toEqual(['Deir ez-Zor']);
    const again = await api('csv.import', { text, kind: 'entities', fileName: 'Militias 2024.csv' });
    expect(again.ok && [again.value.added, again.value.unchanged]).toEqual([0, 2]);
  });

  it('links the people and places of an events sheet to known entities', async () => {
    const { api, store } = await storeApi();
    const text = 'title,date,place,entities\nStrike on the border,2021-02,Albukamal,the Hashed (target)\n';
    const r = await api('csv.import', { text, kind: 'events', fileName: 'events.csv' });
    expect(r.ok).toBe(true);
    const [town] = await store.findByAlias('Albu Kamal');
    const events = await store.eventsOf(town!.id);
    expect(events.map((e) => [e.title, e.entities[0]?.role])).toContainEqual(['Strike on the border', 'target']);
  });

  it('refuses a broken sheet with the row and column, and changes nothing', async () => {
    const { api, store } = await storeApi();
    const before = await dump(store);
    const r = await api('csv.import', {
      text: 'name,kind\nDeir ez-Zor,militia\n',
      kind: 'entities',
      fileName: 'x.csv',
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/Row 2, column "kind"/);
    expect(await dump(store)).toEqual(before);
  });
});
