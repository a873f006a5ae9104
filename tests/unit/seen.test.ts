import { describe, expect, it } from 'vitest';
import { SEEN_PER_ENTITY, SeenPages } from '../../lib/background/seen';
import { freshStore } from '../fixtures/store';

describe('seen on', () => {
  it('remembers the last pages per entity, newest first, without duplicates or fragments', async () => {
    const { store } = await freshStore();
    let t = 1000;
    const seen = new SeenPages(store, () => t);
    await seen.record(['a', 'b'], 'https://news.example/story-1#comments', 'Story 1');
    t = 2000;
    await seen.record(['a'], 'https://news.example/story-2', 'Story 2');
    t = 3000;
    await seen.record(['a'], 'https://news.example/story-1', 'Story 1, updated');
    expect(await seen.get('a')).toEqual([
      { url: 'https://news.example/story-1', title: 'Story 1, updated', at: 3000 },
      { url: 'https://news.example/story-2', title: 'Story 2', at: 2000 },
    ]);
    expect((await seen.get('b')).map((p) => p.url)).toEqual(['https://news.example/story-1']);
  });

  it('keeps a bounded number of pages and ignores pages that are not on the web', async () => {
    const { store } = await freshStore();
    const seen = new SeenPages(store);
    for (let i = 0; i < SEEN_PER_ENTITY + 5; i++) await seen.record(['a'], `https://news.example/${i}`, `${i}`);
    await seen.record(['a'], 'file:///home/me/private.html', 'private');
    const pages = await seen.get('a');
    expect(pages).toHaveLength(SEEN_PER_ENTITY);
    expect(pages[0]?.url).toBe(`https://news.example/${SEEN_PER_ENTITY + 4}`);
  });

  it('persists across restarts and can be cleared', async () => {
    const { store } = await freshStore();
    const seen = new SeenPages(store);
    await seen.record(['a'], 'https://news.example/x', 'X');
    await seen.flush();
    const later = new SeenPages(store);
    expect((await later.get('a')).map((p) => p.title)).toEqual(['X']);
    await later.clear('a');
    expect(await new SeenPages(store).get('a')).toEqual([]);
  });
});
