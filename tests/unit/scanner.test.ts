import { afterEach, describe, expect, it } from 'vitest';
import { ALL_HIGHLIGHT_NAMES, Marks, type HighlightApi, type MarkedEntity } from '../../lib/content/marks';
import { PageScanner, type MatchReply } from '../../lib/content/scanner';

const ENTITIES: Record<string, MarkedEntity> = {
  'Albu Kamal': { id: 'e1', kind: 'place', name: 'Albu Kamal' },
  Taji: { id: 'e2', kind: 'place', name: 'Camp Taji' },
  'Kataeb Hezbollah': { id: 'e3', kind: 'group', name: 'Kataeb Hezbollah' },
};

/** A matcher that finds the fixed names above by indexOf (the real one is tested on its own). */
function fakeMatcher() {
  const calls: string[][] = [];
  const match = async (texts: string[]): Promise<MatchReply> => {
    calls.push(texts);
    const entities = Object.values(ENTITIES);
    const mentions = texts.map((t) => {
      const flat: number[] = [];
      for (const [name, e] of Object.entries(ENTITIES)) {
        for (let i = t.indexOf(name); i >= 0; i = t.indexOf(name, i + 1))
          flat.push(i, i + name.length, entities.indexOf(e));
      }
      return flat;
    });
    return { mentions, entities };
  };
  return { match, calls };
}

/** A highlight registry like CSS.highlights, recording what the page would see. */
function fakeHighlights(): HighlightApi & { registry: Map<string, Set<Range>> } {
  const registry = new Map<string, Set<Range>>();
  return { registry: registry as never, create: () => new Set<Range>() as never };
}

function rangesText(api: ReturnType<typeof fakeHighlights>) {
  const out: Record<string, string[]> = {};
  for (const [name, set] of api.registry) if (set.size) out[name] = [...set].map((r) => r.toString()).sort();
  return out;
}

let scanner: PageScanner | null = null;
afterEach(() => scanner?.stop());

async function setup(html: string) {
  document.body.innerHTML = html;
  const api = fakeHighlights();
  const marks = new Marks(document, api);
  const matcher = fakeMatcher();
  scanner = new PageScanner(document, { marks, match: matcher.match, settleMs: 10 });
  await scanner.start();
  return { api, marks, matcher, scanner };
}

describe('page scanner', () => {
  it('marks every mention, the first of each entity apart, under names free of entity data', async () => {
    const { api } = await setup('<p>Near Albu <b>Kamal</b>, then Taji.</p><p>Albu Kamal again.</p>');
    expect(rangesText(api)).toEqual({
      'backstory-place-first': ['Albu Kamal', 'Taji'],
      'backstory-place': ['Albu Kamal'],
    });
    for (const name of api.registry.keys()) expect(ALL_HIGHLIGHT_NAMES).toContain(name);
  });

  it('never changes the page’s DOM', async () => {
    document.body.innerHTML = '<p>Near Albu <b>Kamal</b>, then Taji.</p>';
    const before = document.body.innerHTML;
    const seen: MutationRecord[] = [];
    const observer = new MutationObserver((r) => seen.push(...r));
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    const api = fakeHighlights();
    scanner = new PageScanner(document, { marks: new Marks(document, api), match: fakeMatcher().match, settleMs: 10 });
    await scanner.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.concat(observer.takeRecords())).toEqual([]);
    expect(document.body.innerHTML).toBe(before);
    observer.disconnect();
  });

  it('marks text added later, and only scans what changed', async () => {
    const { api, matcher, scanner } = await setup('<main><p>Taji</p></main>');
    const calls = matcher.calls.length;
    const p = document.createElement('p');
    p.textContent = 'Rockets hit Kataeb Hezbollah positions near Albu Kamal.';
    document.querySelector('main')!.append(p);
    await scanner.idle();
    expect(rangesText(api)['backstory-group-first']).toEqual(['Kataeb Hezbollah']);
    expect(matcher.calls.slice(calls)).toEqual([['Rockets hit Kataeb Hezbollah positions near Albu Kamal.']]);
  });

  it('follows edited and removed text', async () => {
    const { api, scanner } = await setup('<p id="a">Taji</p><p id="b">Albu Kamal</p>');
    document.getElementById('a')!.firstChild!.textContent = 'Kataeb Hezbollah';
    document.getElementById('b')!.remove();
    await scanner.idle();
    expect(rangesText(api)).toEqual({ 'backstory-group-first': ['Kataeb Hezbollah'] });
  });

  it('ignores its own UI and skipped elements', async () => {
    const { api, scanner } = await setup('<p>Taji</p>');
    const own = document.createElement('backstory-card');
    own.textContent = 'Albu Kamal';
    document.body.append(own);
    const area = document.createElement('textarea');
    area.value = 'Albu Kamal';
    document.body.append(area);
    await scanner.idle();
    expect(rangesText(api)).toEqual({ 'backstory-place-first': ['Taji'] });
  });

  it('removes every highlight it registered when stopped', async () => {
    const { api, scanner } = await setup('<p>Taji and Albu Kamal</p>');
    expect(api.registry.size).toBeGreaterThan(0);
    scanner.stop();
    expect(api.registry.size).toBe(0);
  });

  it('promotes the next mention when the first one goes away', async () => {
    const { api, scanner } = await setup('<p id="a">Taji</p><p>Taji again</p>');
    document.getElementById('a')!.remove();
    await scanner.idle();
    expect(rangesText(api)).toEqual({ 'backstory-place-first': ['Taji'] });
  });
});

describe('palette', () => {
  it('reads the page’s colours only once it has something to mark, and uses the dark names on dark pages', async () => {
    document.body.innerHTML = '<p>nothing known</p>';
    const api = fakeHighlights();
    let asked = 0;
    const marks = new Marks(document, api, () => (asked++, 'dark'));
    scanner = new PageScanner(document, { marks, match: fakeMatcher().match, settleMs: 10 });
    await scanner.start();
    expect(asked).toBe(0);
    const p = document.createElement('p');
    p.textContent = 'Taji';
    document.body.append(p);
    await scanner.idle();
    expect(asked).toBe(1);
    expect(rangesText(api)).toEqual({ 'backstory-dark-place-first': ['Taji'] });
  });
});
