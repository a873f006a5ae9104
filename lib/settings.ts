/**
 * User settings that the content script honours: a global pause and a per-site switch. Kept in
 * `storage.local` (readable by content scripts, never synced: a pause on one browser is not a pause
 * everywhere). Versioned from the first release so later shapes migrate.
 */
import { storage } from 'wxt/utils/storage';

export interface Settings {
  /** Marks nothing anywhere while true. */
  paused: boolean;
  /** Hostnames (e.g. "www.example.com") where Backstory is switched off. */
  disabledSites: string[];
}

export const DEFAULT_SETTINGS: Settings = { paused: false, disabledSites: [] };

export const settingsItem = storage.defineItem<Settings>('local:settings', {
  fallback: DEFAULT_SETTINGS,
  version: 1,
});

/** Whether Backstory should mark pages of `hostname` under these settings. */
export function isActiveOn(settings: Settings, hostname: string): boolean {
  return !settings.paused && !settings.disabledSites.includes(hostname.toLowerCase());
}

/** The settings with the site switched on or off. */
export function withSite(settings: Settings, hostname: string, enabled: boolean): Settings {
  const host = hostname.toLowerCase();
  const others = settings.disabledSites.filter((h) => h !== host);
  return { ...settings, disabledSites: enabled ? others : [...others, host].sort() };
}

/**
 * Bumped by the background whenever the compiled dictionary changes, so open tabs re-match their text
 * (storage.onChanged reaches every content script without the tabs permission).
 */
export const dictionaryVersionItem = storage.defineItem<number>('local:dictionaryVersion', { fallback: 0 });

/**
 * Bumped by the background after every committed write, so open extension pages (a card, the popup,
 * the manager) refresh what they show.
 */
export const storeRevisionItem = storage.defineItem<number>('local:storeRevision', { fallback: 0 });
