/**
 * The content script's wiring: settings decide whether the page is scanned; the scanner keeps marks
 * in step with the page and the dictionary; everything is torn down when the extension goes away
 * (updated, disabled, uninstalled) through WXT's context.
 *
 * How a copy of this script learns that its extension went away depends on the browser:
 * - a newer copy starting in the same document tells the older one (WXT's context does that);
 * - Chromium leaves the old copy running but tells it nothing, and injects no new copy into open
 *   pages: the old copy checks every second whether its runtime is still there;
 * - Firefox stops the old copy without running any of its code, then injects the new version's copy
 *   into the open pages: the new copy removes what the old one left (`removeLeftovers`).
 */
import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { callBackground } from '../client';
import { isTabCallMessage, type TabCallOutputs } from '../messages';
import { dictionaryVersionItem, isActiveOn, settingsItem } from '../settings';
import { ALL_HIGHLIGHT_NAMES, Marks, nativeHighlightApi } from './marks';
import { detectPalette } from './palette';
import { PageScanner } from './scanner';
import { Cards } from './cards';
import { CARD_HOST_TAG } from './card-host';
import { readCapture } from './capture';

/** How often a copy of the script checks that its extension is still there (see the file comment). */
export const ORPHAN_CHECK_MS = 1000;

export async function runContentScript(ctx: ContentScriptContext): Promise<void> {
  const api = nativeHighlightApi(window);
  if (!api) return; // no CSS Custom Highlight API: marking would mean touching the page, so do nothing
  removeLeftovers(document, api.registry);
  const palette = () => detectPalette(document);
  const marks = new Marks(document, api, palette);
  const scanner = new PageScanner(document, {
    marks,
    match: async (texts) => {
      const r = await callBackground('page.match', { texts, title: document.title });
      return r.ok ? r.value : null;
    },
  });

  const teardown = new AbortController();
  const cards = new Cards(document, marks, teardown.signal);

  let active = false;
  const apply = (settings: Awaited<ReturnType<typeof settingsItem.getValue>>) => {
    const next = isActiveOn(settings, location.hostname);
    if (next === active) return;
    active = next;
    if (active) {
      marks.setPalette(palette);
      void scanner.start();
    } else {
      cards.close();
      scanner.stop();
    }
  };

  const extensionOrigin = browser.runtime.getURL('/');
  const onMessage = (message: unknown, sender: { id?: string; url?: string }) => {
    // Only this extension's own pages may ask (web pages cannot reach this listener at all; other
    // content scripts of this extension have the page's URL). Firefox sets `sender.tab` for an
    // extension page open in a tab, so the URL, not the tab, tells them apart.
    if (!isTabCallMessage(message) || sender.id !== browser.runtime.id || !sender.url?.startsWith(extensionOrigin))
      return undefined;
    switch (message.call) {
      case 'tab.mentions':
        return Promise.resolve(mentionsOnPage(marks, active, scanner));
      case 'card.close':
        cards.close();
        return Promise.resolve(null);
      case 'mention.show': {
        const entityId = (message.input as { entityId?: unknown } | undefined)?.entityId;
        return Promise.resolve(active && typeof entityId === 'string' ? cards.showFirst(entityId) : false);
      }
      case 'tab.capture':
        // Every frame hears this; only the one that holds the selection (or the top frame) answers.
        if (window !== window.top && !window.getSelection()?.toString().trim()) return undefined;
        return Promise.resolve(readCapture(document));
      case 'mention.next':
      case 'mention.previous':
        if (active) cards.step(message.call === 'mention.next' ? 1 : -1);
        return Promise.resolve(null);
    }
    return undefined;
  };
  browser.runtime.onMessage.addListener(onMessage);
  const unwatchSettings = settingsItem.watch(apply);
  const unwatchDictionary = dictionaryVersionItem.watch(() => {
    if (active) void scanner.rescanAll();
  });
  const orphanCheck = setInterval(() => {
    if (ctx.isInvalid) clearInterval(orphanCheck); // reading it invalidates the context once the runtime is gone
  }, ORPHAN_CHECK_MS);
  ctx.onInvalidated(() => {
    clearInterval(orphanCheck);
    // What the page shows goes first: calls into the extension may throw once it is gone.
    scanner.stop(); // every highlight
    teardown.abort(); // the card host and every listener on the page
    for (const unhook of [
      unwatchSettings,
      unwatchDictionary,
      () => browser.runtime.onMessage.removeListener(onMessage),
    ])
      try {
        unhook();
      } catch {
        // The extension's context is gone, and its listeners with it.
      }
  });
  try {
    const settings = await settingsItem.getValue();
    if (!ctx.isInvalid) apply(settings);
  } catch {
    // Storage is out of reach only when the extension is going away: nothing to start.
  }
}

/**
 * Removes what an earlier copy of this script left in the document: its card host and its highlights
 * (which would also keep this copy's from being registered: Marks never takes a name that is held).
 * Called before this copy adds anything, so everything of ours found here is an earlier copy's.
 */
export function removeLeftovers(doc: Document, registry: HighlightRegistry): void {
  for (const host of doc.querySelectorAll(CARD_HOST_TAG)) host.remove();
  for (const name of ALL_HIGHLIGHT_NAMES) registry.delete(name);
}

function mentionsOnPage(marks: Marks, active: boolean, scanner: PageScanner): TabCallOutputs['tab.mentions'] {
  const byId = new Map<string, TabCallOutputs['tab.mentions']['entities'][number]>();
  for (const mark of marks.all()) {
    const e = byId.get(mark.entity.id) ?? { ...mark.entity, count: 0, texts: [] };
    e.count++;
    if (!e.texts.includes(mark.text)) e.texts.push(mark.text);
    byId.set(mark.entity.id, e);
  }
  return {
    entities: [...byId.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    active,
    site: location.hostname,
    stats: { ...scanner.stats },
  };
}
