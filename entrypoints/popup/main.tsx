import { render } from 'preact';
import { browser } from 'wxt/browser';
import { backgroundApi } from '../../components/ui/api';
import type { TabCallMessage, TabCallName, TabCallOutputs } from '../../lib/messages';
import { settingsItem, storeRevisionItem } from '../../lib/settings';
import { statusLine, syncStatusItem } from '../../lib/sync/settings';
import App, { type PopupEnv } from './App';

/**
 * The tab the popup is about: `?tab=<id>` when popup.html is opened in a tab (end-to-end tests), else
 * the active tab of the current window (the toolbar popup). Asked once, shared by every tab call.
 */
const tabId: Promise<number | null> = (async () => {
  const given = Number(new URLSearchParams(location.search).get('tab'));
  if (Number.isInteger(given) && given > 0) return given;
  const [active] = await browser.tabs.query({ active: true, currentWindow: true });
  return active?.id ?? null;
})().catch(() => null);

/** A call to the content script of the tab's top frame; null when nothing answers (no content script there). */
async function tabCall<K extends TabCallName>(message: TabCallMessage<K>): Promise<TabCallOutputs[K] | null> {
  const id = await tabId;
  if (id === null) return null;
  try {
    return ((await browser.tabs.sendMessage(id, message, { frameId: 0 })) as TabCallOutputs[K] | undefined) ?? null;
  } catch {
    return null;
  }
}

const env: PopupEnv = {
  api: backgroundApi,
  tab: {
    mentions: () => tabCall({ backstoryTab: 1, call: 'tab.mentions' }),
    show: async (entityId) => (await tabCall({ backstoryTab: 1, call: 'mention.show', input: { entityId } })) === true,
  },
  settings: { get: () => settingsItem.getValue(), set: (s) => settingsItem.setValue(s) },
  openManager: (hash) => {
    void browser.tabs.create({ url: browser.runtime.getURL('/options.html') + hash }).then(() => window.close());
  },
  // null when sync is off: the footer then offers to set it up.
  syncStatus: async () => {
    const status = await syncStatusItem.getValue();
    return status.state === 'off' ? null : statusLine(status);
  },
  // The status line follows syncs that finish while the popup is open.
  watchRevision: (onChange) => {
    const unwatchStore = storeRevisionItem.watch(onChange);
    const unwatchSync = syncStatusItem.watch(onChange);
    return () => {
      unwatchStore();
      unwatchSync();
    };
  },
};

render(<App {...env} />, document.getElementById('app')!);
