/**
 * The content script's lifecycle against the extension going away (lib/content/main.ts): everything
 * it put on the page goes when its context is invalidated, a copy that Chromium leaves running after
 * an update finds out by itself, a new copy removes what an old one that never got to clean up left
 * behind, and the tab calls answer this extension's own pages only.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { ContentScriptContext } from 'wxt/utils/content-script-context';
import { CARD_HOST_TAG } from '../../lib/content/card-host';
import { ORPHAN_CHECK_MS, runContentScript } from '../../lib/content/main';
import type { MatchReply } from '../../lib/content/scanner';
import { settingsItem } from '../../lib/settings';

const ENTITY = { id: 'e-albu', kind: 'place' as const, name: 'Albu Kamal' };
const EXTENSION_PAGE = { id: fakeBrowser.runtime.id, url: fakeBrowser.runtime.getURL('/popup.html') };

/** The page's highlight registry and Highlight constructor (happy-dom has neither). */
class FakeHighlight extends Set<Range> {}
let registry: Map<string, FakeHighlight>;

/** Every listener added to the document or window, and every one removed, to compare at the end. */
let added: { target: EventTarget; type: string; listener: unknown; signal?: AbortSignal }[];
let removed: { target: EventTarget; type: string; listener: unknown }[];

beforeEach(() => {
  registry = new Map();
  // happy-dom makes a new CSS object on every read: the page's is replaced by one that keeps a registry.
  Object.defineProperty(window, 'CSS', { value: { highlights: registry }, configurable: true });
  Object.assign(window, { Highlight: FakeHighlight });
  document.body.innerHTML = '<h1>News</h1><p>Fighting near Albu Kamal again.</p><p>Albu Kamal is quiet.</p>';
  added = [];
  removed = [];
  for (const target of [document, window] as EventTarget[]) {
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    vi.spyOn(target, 'addEventListener').mockImplementation((type, listener, options) => {
      const signal = typeof options === 'object' ? options.signal : undefined;
      added.push({ target, type, listener, signal });
      add(type, listener, options);
    });
    vi.spyOn(target, 'removeEventListener').mockImplementation((type, listener, options) => {
      removed.push({ target, type, listener });
      remove(type, listener, options);
    });
  }
  // The background's side of `page.match`: finds "Albu Kamal" in each text.
  fakeBrowser.runtime.onMessage.addListener((message: unknown) => {
    const call = message as { backstory?: number; call?: string; input?: { texts: string[] } } | null;
    if (call?.backstory !== 1 || call.call !== 'page.match' || !call.input) return undefined;
    const { texts } = call.input;
    const reply: MatchReply = {
      entities: [ENTITY],
      mentions: texts.map((t) => [...t.matchAll(/Albu Kamal/g)].flatMap((m) => [m.index, m.index + 10, 0])),
    };
    return Promise.resolve({ ok: true, value: reply });
  });
});

afterEach(() => {
  fakeBrowser.runtime.id = EXTENSION_PAGE.id; // fakeBrowser.reset() does not put it back
  vi.useRealTimers();
  vi.restoreAllMocks();
  document.documentElement.querySelectorAll(CARD_HOST_TAG).forEach((h) => h.remove());
});

/** Starts a copy of the content script and waits until it has marked the page. */
async function start(): Promise<ContentScriptContext> {
  const ctx = new ContentScriptContext('content');
  void runContentScript(ctx);
  await vi.waitFor(() => expect(marked()).toEqual(['Albu Kamal', 'Albu Kamal']));
  return ctx;
}

/** The texts of every range under Backstory's highlight names. */
const marked = () =>
  [...registry].filter(([name]) => name.startsWith('backstory-')).flatMap(([, h]) => [...h].map((r) => r.toString()));

/** A tab call as an extension page (or anyone else) sends it; the content script's answer. */
async function tabCall(message: object, sender: object = EXTENSION_PAGE): Promise<unknown> {
  const answers = await fakeBrowser.runtime.onMessage.trigger(message, sender);
  return answers.find((a) => a !== undefined);
}

/** Opens a card: the host element is created (happy-dom lays nothing out, so it stays hidden). */
async function openCard(): Promise<void> {
  expect(await tabCall({ backstoryTab: 1, call: 'mention.show', input: { entityId: ENTITY.id } })).toBe(true);
  expect(document.querySelectorAll(CARD_HOST_TAG)).toHaveLength(1);
}

/** The page listeners still in place: added and neither aborted nor removed. */
const liveListeners = () =>
  added.filter(
    (a) =>
      !a.signal?.aborted &&
      !removed.some((r) => r.target === a.target && r.type === a.type && r.listener === a.listener),
  );

describe('when the extension goes away', () => {
  it('the invalidated copy removes its highlights, its card host and every listener it added', async () => {
    registry.set('page-own', new FakeHighlight());
    const ctx = await start();
    await openCard();
    expect(liveListeners().length).toBeGreaterThan(0);

    ctx.notifyInvalidated();

    expect(marked()).toEqual([]);
    expect([...registry.keys()]).toEqual(['page-own']);
    expect(document.querySelectorAll(CARD_HOST_TAG)).toHaveLength(0);
    expect(liveListeners().map((l) => l.type)).toEqual([]);
    expect(await tabCall({ backstoryTab: 1, call: 'tab.mentions' })).toBeUndefined();
    // Nor does it follow the settings any more: switched off and on again, it marks nothing.
    await settingsItem.setValue({ paused: true, disabledSites: [] });
    await settingsItem.setValue({ paused: false, disabledSites: [] });
    await new Promise((r) => setTimeout(r, 200)); // a live copy marks again within a few turns (see start)
    expect(marked()).toEqual([]);
  });

  it('cleans the page even where unhooking from the extension throws (its context is gone)', async () => {
    const ctx = await start();
    await openCard();
    vi.spyOn(fakeBrowser.runtime.onMessage, 'removeListener').mockImplementation(() => {
      throw new Error('Extension context invalidated.');
    });
    vi.spyOn(fakeBrowser.storage.onChanged, 'removeListener').mockImplementation(() => {
      throw new Error('Extension context invalidated.');
    });

    ctx.notifyInvalidated();

    expect(marked()).toEqual([]);
    expect(document.querySelectorAll(CARD_HOST_TAG)).toHaveLength(0);
    expect(liveListeners().map((l) => l.type)).toEqual([]);
  });

  it('a copy left running without its extension (Chromium) notices within a check and cleans up', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const ctx = await start();
    await openCard();
    vi.advanceTimersByTime(ORPHAN_CHECK_MS * 3);
    expect(ctx.isValid).toBe(true); // nothing happens while the extension is there

    fakeBrowser.runtime.id = undefined as unknown as string; // what an orphaned content script sees
    vi.advanceTimersByTime(ORPHAN_CHECK_MS);

    expect(ctx.signal.aborted).toBe(true);
    expect(marked()).toEqual([]);
    expect(document.querySelectorAll(CARD_HOST_TAG)).toHaveLength(0);
    expect(liveListeners().map((l) => l.type)).toEqual([]);
    expect(vi.getTimerCount()).toBe(0); // the check itself stops
  });

  it('a new copy removes the card host and highlights an old copy left, and leaves the page’s own', async () => {
    // What Firefox leaves after an update: the old copy was stopped without running any of its code.
    const stale = new FakeHighlight();
    registry.set('backstory-place-first', stale);
    registry.set('page-own', new FakeHighlight());
    document.documentElement.append(document.createElement(CARD_HOST_TAG));

    await start();

    expect(registry.get('backstory-place-first')).not.toBe(stale);
    expect(registry.has('page-own')).toBe(true);
    expect(document.querySelectorAll(CARD_HOST_TAG)).toHaveLength(0);
    await openCard(); // and exactly one host once a card opens
  });

  it('a newer copy in the same document retires the older one: one set of marks, one host', async () => {
    const older = await start();
    await openCard();
    const newer = await start();
    expect(older.signal.aborted).toBe(true);
    expect(newer.isValid).toBe(true);
    expect(liveListeners().filter((l) => l.type === 'pointermove')).toHaveLength(1);
    await openCard();
  });
});

describe('tab calls', () => {
  it('are answered for this extension’s own pages only', async () => {
    await start();
    const mentions = { backstoryTab: 1, call: 'tab.mentions' };
    const show = { backstoryTab: 1, call: 'mention.show', input: { entityId: ENTITY.id } };
    const strangers = [
      { id: fakeBrowser.runtime.id, url: 'https://news.example/article', tab: { id: 3 } }, // a content script
      { id: 'another-extension', url: 'chrome-extension://another-extension/popup.html' },
      { id: fakeBrowser.runtime.id }, // no URL at all
      {},
    ];
    for (const sender of strangers) {
      expect(await tabCall(mentions, sender)).toBeUndefined();
      expect(await tabCall(show, sender)).toBeUndefined();
    }
    expect(document.querySelectorAll(CARD_HOST_TAG)).toHaveLength(0);
    expect(await tabCall(mentions)).toMatchObject({ entities: [{ id: ENTITY.id, count: 2 }] });
  });
});
