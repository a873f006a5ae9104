/**
 * A page that manages CSS.highlights itself (the registry is shared with the content script): it may
 * clear it, or put its own highlight under one of Backstory's names. Backstory's highlights come back
 * after the next scan and at the next pointer move (never by polling); a name the page holds stays the
 * page's, and teardown removes only what Backstory registered. Nothing of it throws.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Marks, type HighlightApi } from '../../lib/content/marks';
import { PageScanner, type MatchReply } from '../../lib/content/scanner';

const TAJI = { id: 'e1', kind: 'place', name: 'Camp Taji' } as const;

async function match(texts: string[]): Promise<MatchReply> {
  return {
    mentions: texts.map((t) => (t.includes('Taji') ? [t.indexOf('Taji'), t.indexOf('Taji') + 4, 0] : [])),
    entities: [TAJI],
  };
}

/** The page's registry: a Map, as CSS.highlights is maplike; highlights are Sets of ranges. */
function pageRegistry(): HighlightApi & { registry: Map<string, Set<Range>> } {
  const registry = new Map<string, Set<Range>>();
  return { registry: registry as never, create: () => new Set<Range>() as never };
}

const texts = (registry: Map<string, Set<Range>>) =>
  Object.fromEntries([...registry].map(([name, set]) => [name, [...set].map((r) => r.toString())]));

let scanner: PageScanner | null = null;
afterEach(() => scanner?.stop());

async function setup() {
  document.body.innerHTML = '<p>Reports from Taji</p><div id="feed"></div>';
  const api = pageRegistry();
  const marks = new Marks(document, api);
  scanner = new PageScanner(document, { marks, match, settleMs: 10 });
  await scanner.start();
  const addNews = async (text: string) => {
    const p = document.createElement('p');
    p.textContent = text;
    document.getElementById('feed')!.append(p);
    await scanner!.idle();
  };
  return { api, marks, scanner, addNews };
}

describe('a page that clears or takes over CSS.highlights', () => {
  it('gets Backstory’s highlights back at the next scan, all of them', async () => {
    const { api, addNews } = await setup();
    expect(texts(api.registry)).toEqual({ 'backstory-place-first': ['Taji'] });
    api.registry.clear();
    await addNews('Nothing known here');
    expect(texts(api.registry)).toEqual({ 'backstory-place-first': ['Taji'] });
    api.registry.clear();
    await addNews('Later: Taji');
    expect(texts(api.registry)).toEqual({ 'backstory-place-first': ['Taji'], 'backstory-place': ['Taji'] });
  });

  it('gets them back when the pointer moves over the page, and not before', async () => {
    const { api, marks } = await setup();
    api.registry.clear();
    await new Promise((r) => setTimeout(r, 50));
    expect(api.registry.size).toBe(0); // no polling
    expect(() => marks.markAt(10, 10)).not.toThrow();
    expect(texts(api.registry)).toEqual({ 'backstory-place-first': ['Taji'] });
  });

  it('leaves the page’s own highlight under one of Backstory’s names, also on teardown', async () => {
    const { api, scanner, addNews } = await setup();
    const theirs = new Set<Range>();
    api.registry.set('backstory-place-first', theirs);
    await addNews('Later: Taji');
    expect(api.registry.get('backstory-place-first')).toBe(theirs);
    expect(theirs.size).toBe(0);
    expect(texts(api.registry)['backstory-place']).toEqual(['Taji']);
    scanner.stop();
    expect([...api.registry.keys()]).toEqual(['backstory-place-first']);
    expect(api.registry.get('backstory-place-first')).toBe(theirs);
  });
});
