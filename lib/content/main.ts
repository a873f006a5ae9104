/**
 * The content script's wiring: settings decide whether the page is scanned; the scanner keeps marks
 * in step with the page and the dictionary; everything is torn down when the extension goes away
 * (updated, disabled, uninstalled) through WXT's context.
 */
import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { callBackground } from '../client';
import { isTabCallMessage, type TabCallOutputs } from '../messages';
import { dictionaryVersionItem, isActiveOn, settingsItem } from '../settings';
import { Marks, nativeHighlightApi } from './marks';
import { detectPalette } from './palette';
import { PageScanner } from './scanner';
import { Cards } from './cards';
import { readCapture } from './capture';

export async function runContentScript(ctx: ContentScriptContext): Promise<void> {
  const api = nativeHighlightApi(window);
  if (!api) return; // no CSS Custom Highlight API: marking would mean touching the page, so do nothing
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
  ctx.onInvalidated(() => {
    unwatchSettings();
    unwatchDictionary();
    browser.runtime.onMessage.removeListener(onMessage);
    teardown.abort();
    scanner.stop();
  });
  if (ctx.isInvalid) return;
  apply(await settingsItem.getValue());
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
