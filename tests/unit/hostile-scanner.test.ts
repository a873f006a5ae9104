/**
 * The scanner's defences against heavy and hostile pages, each bounded by counts: batches the background
 * accepts, the per-block limit, one scan at a time, at most one rescan per settle interval (fewer when
 * rescans are expensive), marks replaced rather than doubled through shadow roots, no stale marks, a cap
 * on marks, linear work for many changes at once, failures counted and never logged to the page.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CALL_INPUTS } from '../../lib/background/calls';
import type { Clock } from '../../lib/content/hover';
import { MAX_MARKS, Marks, type HighlightApi, type MarkedEntity } from '../../lib/content/marks';
import {
  MAX_BATCH_TEXTS,
  MAX_BLOCK_CHARS,
  MAX_MATCH_RETRIES,
  PageScanner,
  RESCAN_COST_FACTOR,
  type MatchReply,
  type ScannerOptions,
} from '../../lib/content/scanner';

const NAMES: Record<string, MarkedEntity> = {
  Taji: { id: 'e1', kind: 'place', name: 'Camp Taji' },
  Baghdad: { id: 'e2', kind: 'place', name: 'Baghdad' },
};

/** Finds the names above by indexOf; records every call. `during` runs while a call is in flight. */
function matcher(during?: (texts: string[]) => void) {
  const calls: string[][] = [];
  const match = async (texts: string[]): Promise<MatchReply> => {
    calls.push(texts);
    await Promise.resolve();
    during?.(texts);
    const entities = Object.values(NAMES);
    const mentions = texts.map((t) => {
      const flat: number[] = [];
      for (const [name, e] of Object.entries(NAMES))
        for (let i = t.indexOf(name); i >= 0; i = t.indexOf(name, i + 1))
          flat.push(i, i + name.length, entities.indexOf(e));
      return sortTriples(flat);
    });
    return { mentions, entities };
  };
  return { match, calls };
}

/** Flat triples in start order (the real matcher answers in text order). */
function sortTriples(flat: number[]): number[] {
  const triples: number[][] = [];
  for (let i = 0; i < flat.length; i += 3) triples.push(flat.slice(i, i + 3));
  return triples.sort((a, b) => a[0]! - b[0]!).flat();
}

function fakeHighlights(): HighlightApi & { registry: Map<string, Set<Range>> } {
  const registry = new Map<string, Set<Range>>();
  return { registry: registry as never, create: () => new Set<Range>() as never };
}

/** Every marked text on the page, as the page's registry holds them. */
const marked = (api: ReturnType<typeof fakeHighlights>) =>
  [...api.registry.values()].flatMap((set) => [...set].map((r) => r.toString())).sort();

/** A clock whose time and timers move only when the test says so. */
function fakeClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number; ms: number }[] = [];
  let next = 1;
  const requested: number[] = [];
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      requested.push(ms);
      timers.push({ at: now + ms, fn, id: next, ms });
      return next++;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  return {
    clock,
    requested,
    get pending() {
      return timers.length;
    },
    /** Moves time by `ms` and fires the timers that fall due. */
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers = timers.filter((x) => x !== t);
        t.fn();
      }
    },
    /** Moves time without firing anything (work that takes time). */
    spend(ms: number) {
      now += ms;
    },
  };
}

/** Lets promises, mutation observers and zero-delay yields run. */
const settle = async (turns = 20) => {
  for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 0));
};

let scanner: PageScanner | null = null;
afterEach(() => {
  scanner?.stop();
  scanner = null;
  vi.restoreAllMocks();
});

function setup(html: string, options: Partial<ScannerOptions> = {}) {
  document.body.innerHTML = html;
  const api = fakeHighlights();
  const marks = new Marks(document, api);
  const m = matcher();
  scanner = new PageScanner(document, { marks, match: m.match, settleMs: 10, ...options });
  return { api, marks, calls: m.calls, scanner };
}

describe('heavy pages', () => {
  it('sends at most MAX_BATCH_TEXTS texts per call, each batch one the background accepts', async () => {
    const items = Array.from({ length: 12_000 }, (_, i) => `<p>Item ${i}${i === 11_999 ? ' Taji' : ''}</p>`);
    const { api, calls, scanner } = setup(items.join(''));
    await scanner.start();
    expect(calls.length).toBe(Math.ceil(12_000 / MAX_BATCH_TEXTS));
    for (const texts of calls) {
      expect(texts.length).toBeLessThanOrEqual(MAX_BATCH_TEXTS);
      expect(CALL_INPUTS['page.match'].safeParse({ texts }).success).toBe(true);
    }
    expect(marked(api)).toEqual(['Taji']);
    expect(scanner.stats.blocks).toBe(12_000);
  });

  it('matches a giant block up to MAX_BLOCK_CHARS, once, in a call the background accepts', async () => {
    const filler = 'lorem ipsum '.repeat(Math.ceil(5_000_000 / 12));
    const text = `Taji ${filler.slice(0, MAX_BLOCK_CHARS)} Baghdad ${filler.slice(0, 800_000)}`;
    const { api, calls, scanner } = setup('<p>small</p><div id="big"></div>');
    document.getElementById('big')!.textContent = text;
    await scanner.start();
    expect(text.indexOf('Baghdad')).toBeGreaterThan(MAX_BLOCK_CHARS);
    expect(calls.flat().map((t) => t.length)).toEqual(['small'.length, MAX_BLOCK_CHARS]);
    for (const texts of calls) expect(CALL_INPUTS['page.match'].safeParse({ texts }).success).toBe(true);
    expect(scanner.stats.matchedChars).toBe('small'.length + MAX_BLOCK_CHARS);
    expect(scanner.stats.chars).toBe('small'.length + text.length);
    expect(marked(api)).toEqual(['Taji']);
  });

  it('keeps at most MAX_MARKS marks, counting the mentions it leaves out', async () => {
    const { api, marks, scanner } = setup(`<p id="a">${'Taji '.repeat(MAX_MARKS + 1_000)}</p><p id="b">Baghdad</p>`);
    await scanner.start();
    expect(marks.size).toBe(MAX_MARKS);
    expect(scanner.stats.dropped).toBe(1_001);
    expect(marked(api)).not.toContain('Baghdad');
    // Room again once marks go: what changes next is marked.
    document.getElementById('a')!.textContent = 'Taji';
    await scanner.idle();
    expect(marked(api)).toEqual(['Taji']);
    document.getElementById('b')!.textContent = 'Baghdad again';
    await scanner.idle();
    expect(marked(api)).toEqual(['Baghdad', 'Taji']);
  });

  it('rescans 3,000 paragraphs changed at once with work linear in their number', async () => {
    const html = Array.from({ length: 3_000 }, (_, i) => `<p>Item ${i}</p>`).join('');
    const { scanner } = setup(`<main><section>${html}</section></main>`);
    await scanner.start();
    const contains = vi.spyOn(Node.prototype, 'contains');
    const attributes = vi.spyOn(Element.prototype, 'getAttribute');
    for (const p of document.querySelectorAll('p')) p.firstChild!.textContent = `${p.textContent} changed`;
    await scanner.idle();
    expect(scanner.stats.rescans).toBe(1);
    expect(scanner.stats.blocks).toBe(6_000);
    // Sorting out which of 3,000 changed parts to rescan: a few steps each, never one per pair.
    expect(contains.mock.calls.length + attributes.mock.calls.length).toBeLessThan(10 * 3_000);
  }, 20_000);

  it('compares positions once per entity, not per mark, to find first mentions', async () => {
    const html = Array.from({ length: 300 }, (_, i) => `<p>Item ${i} near Taji and Baghdad</p>`).join('');
    const { api, marks, scanner } = setup(`<section id="s">${html}</section>`);
    const compare = vi.spyOn(Range.prototype, 'compareBoundaryPoints');
    await scanner.start();
    expect(marks.size).toBe(600);
    expect(api.registry.get('backstory-place-first')?.size).toBe(2);
    // One walk in document order: each entity's first mark is the first mention, the rest follow it.
    expect(compare.mock.calls.length).toBeLessThanOrEqual(2);
    // Dropping them all settles the first mentions once, not once per block.
    compare.mockClear();
    marks.clearWithin([document.getElementById('s')!]);
    expect(marks.size).toBe(0);
    expect(compare.mock.calls.length).toBeLessThanOrEqual(2);
  });
});

describe('pages that keep changing', () => {
  it('runs one scan at a time: changes during a slow match wait for it, then make one rescan', async () => {
    document.body.innerHTML = '<p id="a">Taji</p>';
    const api = fakeHighlights();
    const releases: (() => void)[] = [];
    const calls: string[][] = [];
    const { match } = matcher();
    const slow = async (texts: string[]) => {
      calls.push(texts);
      await new Promise<void>((r) => releases.push(r));
      return match(texts);
    };
    const t = fakeClock();
    scanner = new PageScanner(document, { marks: new Marks(document, api), match: slow, settleMs: 10, clock: t.clock });
    const first = scanner.start();
    await settle();
    const a = document.getElementById('a')!;
    for (let i = 0; i < 10; i++) {
      a.textContent = i % 2 ? 'Baghdad' : 'Taji';
      await settle();
      t.advance(50);
    }
    expect(calls.length).toBe(1);
    expect(t.pending).toBe(0); // nothing scheduled while the scan is under way
    releases.shift()!();
    await first;
    await settle();
    t.advance(10_000);
    await settle();
    expect(calls.length).toBe(2);
    releases.shift()!();
    await scanner.idle();
    expect(scanner.stats.rescans).toBe(1);
    expect(marked(api)).toEqual(['Baghdad']);
  });

  it('rescans continuous changes at most once per settle interval', async () => {
    const t = fakeClock();
    const { scanner } = setup('<p id="a">Taji</p>', { clock: t.clock });
    await scanner.start();
    const a = document.getElementById('a')!.firstChild as Text;
    // 1,000 ms of a change every 5 ms; the settle interval is 10 ms, and a scan here takes no time.
    for (let ms = 0; ms < 1_000; ms += 5) {
      a.data = ms % 10 ? 'Taji' : 'Baghdad';
      await settle(2);
      t.advance(5);
    }
    await settle();
    expect(scanner.stats.rescans).toBeGreaterThan(10);
    expect(scanner.stats.rescans).toBeLessThanOrEqual(1_000 / 10 + 1);
  });

  it('waits RESCAN_COST_FACTOR times as long as the last scan kept the main thread busy', async () => {
    const t = fakeClock();
    const { scanner } = setup('<section id="s">Now: Taji<p>Taji one</p><p>Taji two</p><p>Taji three</p></section>', {
      clock: t.clock,
    });
    // Here marking a block takes 40 ms of the main thread: a scan of #s is busy for 4 x 40 ms.
    const add = Marks.prototype.add;
    vi.spyOn(Marks.prototype, 'add').mockImplementation(function (this: Marks, ...args: Parameters<Marks['add']>) {
      t.spend(40);
      return add.apply(this, args);
    });
    await scanner.start();
    const text = document.getElementById('s')!.firstChild as Text;
    for (const [i, words] of ['Now: Baghdad', 'Now: Taji'].entries()) {
      text.data = words;
      await settle();
      const wait = t.requested.at(-1)!;
      expect(wait).toBeGreaterThanOrEqual(RESCAN_COST_FACTOR * 4 * 40);
      t.advance(wait - 1);
      await settle();
      expect(scanner.stats.rescans).toBe(i);
      t.advance(1);
      await settle();
      expect(scanner.stats.rescans).toBe(i + 1);
    }
  });

  it('never leaves a mark on text the page changed: at once on edits, and not for text changed while matched', async () => {
    document.body.innerHTML = '<p id="a">Taji</p><p id="b">Baghdad</p>';
    const api = fakeHighlights();
    const b = document.getElementById('b')!.firstChild as Text;
    const { match } = matcher((texts) => {
      if (texts.includes('Baghdad')) b.data = 'Bxghdad'; // changed while in flight (same length: offsets fit)
    });
    scanner = new PageScanner(document, { marks: new Marks(document, api), match, settleMs: 10 });
    await scanner.start();
    expect(marked(api)).toEqual(['Taji']);
    // An edit: its mark goes before anything paints again (the observer's microtask), not after the rescan.
    const a = document.getElementById('a')!.firstChild as Text;
    a.data = 'Tajx';
    await Promise.resolve();
    await Promise.resolve();
    expect(marked(api)).toEqual([]);
    await scanner.idle();
    expect(marked(api)).toEqual([]);
  });
});

describe('shadow roots and the extension’s own UI', () => {
  it('replaces, never doubles, the marks of shadow roots under a rescanned container', async () => {
    const { api, scanner } = setup('<div id="c">Status <span id="t">0</span><x-host></x-host></div>');
    let host = document.querySelector('x-host')!;
    for (let i = 0; i < 5; i++) {
      const root = host.attachShadow({ mode: 'open' });
      root.innerHTML = `<p>Level ${i} Taji</p><x-host></x-host>`;
      host = root.querySelector('x-host')!;
    }
    await scanner.start();
    expect(marked(api)).toEqual(Array(5).fill('Taji'));
    for (let i = 1; i <= 3; i++) {
      document.getElementById('t')!.textContent = String(i);
      await scanner.idle();
      expect(scanner.stats.rescans).toBe(i);
      expect(marked(api)).toEqual(Array(5).fill('Taji'));
    }
  });

  it('observes the document and every shadow root with one MutationObserver', async () => {
    let made = 0;
    const Real = globalThis.MutationObserver;
    vi.stubGlobal(
      'MutationObserver',
      class extends Real {
        constructor(callback: MutationCallback) {
          super(callback);
          made++;
        }
      },
    );
    const hosts = Array.from({ length: 30 }, () => '<x-host></x-host>').join('');
    document.body.innerHTML = hosts;
    for (const host of document.querySelectorAll('x-host'))
      host.attachShadow({ mode: 'open' }).innerHTML = '<p>Taji</p>';
    const api = fakeHighlights();
    scanner = new PageScanner(document, { marks: new Marks(document, api), match: matcher().match, settleMs: 10 });
    await scanner.start();
    vi.unstubAllGlobals();
    expect(made).toBe(1);
    expect(marked(api)).toHaveLength(30);
  });

  it('follows the page again after being stopped and started (the site switched off and on)', async () => {
    const { api, scanner } = setup('<p>Taji</p><div id="feed"></div>');
    await scanner.start();
    scanner.stop();
    await scanner.start();
    const p = document.createElement('p');
    p.textContent = 'Later: Baghdad';
    document.getElementById('feed')!.append(p);
    await scanner.idle();
    expect(marked(api)).toEqual(['Baghdad', 'Taji']);
  });

  it('does not rescan when its own card host comes or goes', async () => {
    const { scanner } = setup('<p>Taji</p>');
    await scanner.start();
    const host = document.createElement('backstory-card');
    document.documentElement.append(host);
    await scanner.idle();
    host.remove();
    await scanner.idle();
    expect(scanner.stats.rescans).toBe(0);
  });
});

describe('failures', () => {
  it('matches again, later, blocks the background did not answer (it was starting up), a bounded number of times', async () => {
    vi.useFakeTimers();
    try {
      document.body.innerHTML = '<p>Rockets hit Taji.</p>';
      const api = fakeHighlights();
      const { match } = matcher();
      let refusals = 2;
      let calls = 0;
      scanner = new PageScanner(document, {
        marks: new Marks(document, api),
        match: (texts) => (calls++, refusals-- > 0 ? Promise.resolve(null) : match(texts)),
        settleMs: 10,
        clock: {
          now: () => Date.now(),
          setTimeout: (f, ms) => setTimeout(f, ms),
          clearTimeout: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
        },
      });
      await scanner.start();
      expect(api.registry.size).toBe(0);
      await vi.advanceTimersByTimeAsync(600); // the first retry, after 0.5 s: refused again
      expect(calls).toBe(2);
      expect(api.registry.size).toBe(0);
      await vi.advanceTimersByTimeAsync(1_100); // the second, after 1 s more: answered
      expect(calls).toBe(3);
      expect([...api.registry.values()].reduce((n, set) => n + set.size, 0)).toBe(1);
      expect(scanner.stats.errors).toBe(2);

      // A background that never answers is asked MAX_MATCH_RETRIES more times, then left alone.
      document.body.innerHTML = '<p>Baghdad</p>';
      refusals = Infinity;
      calls = 0;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(calls).toBe(1 + MAX_MATCH_RETRIES);
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts a failed scan and logs nothing to the page’s console', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    document.body.innerHTML = '<p>Taji</p>';
    const api = fakeHighlights();
    scanner = new PageScanner(document, {
      marks: new Marks(document, api),
      match: () => Promise.reject(new Error('Extension context invalidated.')),
      settleMs: 10,
    });
    await scanner.start();
    expect(scanner.stats.errors).toBe(1);
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });
});
