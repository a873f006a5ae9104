import type { TabCallOutputs } from '../../lib/messages';
import type { Settings } from '../../lib/settings';
import type { Api } from '../ui/api';

/** What the content script of the active tab says about its page. */
export type TabMentions = TabCallOutputs['tab.mentions'];
export type PageEntity = TabMentions['entities'][number];

/** Everything the popup reaches outside itself; main.tsx wires the browser, tests pass the real store and fakes. */
export interface PopupEnv {
  api: Api;
  /** The active tab: asks its content script (tabs.sendMessage 'tab.mentions'); null when no content script answers (browser pages, store, PDF). */
  tab: {
    mentions: () => Promise<TabMentions | null>;
    /** Scrolls to the first mention and opens its card (tab call 'mention.show'); resolves false if not possible. */
    show: (entityId: string) => Promise<boolean>;
  };
  settings: { get: () => Promise<Settings>; set: (s: Settings) => Promise<void> };
  /** Opens the manager in a tab at a route hash such as '#entity=<id>' or '#packs', then closes the popup. */
  openManager: (hash: string) => void;
  /** One-line sync status, or null while sync is not set up. */
  syncStatus: () => Promise<string | null>;
  /** Called when the store changed elsewhere; returns unsubscribe. */
  watchRevision: (onChange: () => void) => () => void;
}

/** The manager's route of a record ("#entity=<id>", "#event=<id>"). */
export const managerHash = (type: 'entity' | 'event', id: string) => `#${type}=${encodeURIComponent(id)}`;

/** A validation message as a sentence ("expected a non-empty string" → "Expected a non-empty string."). */
export const sentence = (message: string) => {
  const s = message.trim();
  return s && `${s[0]!.toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;
};
