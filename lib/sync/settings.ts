/**
 * Sync settings and status, in `storage.local`: never in synced storage (the app password stays on
 * this device), readable by every extension page (the popup's status line, the manager's panel).
 */
import { storage } from 'wxt/utils/storage';

export type SyncBackend = 'off' | 'webdav' | 'browser';

export interface SyncSettings {
  backend: SyncBackend;
  /** WebDAV: the folder's address (e.g. https://cloud.example/remote.php/dav/files/me/). */
  url: string;
  username: string;
  /** An app password (Nextcloud, ownCloud) or the account's password. */
  password: string;
  /** How other devices see this one. */
  deviceName: string;
  /** Whether the remote store is end-to-end encrypted (the key itself is kept in the store's meta). */
  encrypted: boolean;
  /** The remote store this device syncs with (chosen on first connection). */
  storeId: string | null;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  backend: 'off',
  url: '',
  username: '',
  password: '',
  deviceName: '',
  encrypted: false,
  storeId: null,
};

export const syncSettingsItem = storage.defineItem<SyncSettings>('local:syncSettings', {
  fallback: DEFAULT_SYNC_SETTINGS,
  version: 1,
});

export interface SyncDevice {
  id: string;
  name: string;
  /** ISO time of its last push. */
  updated: string;
}

export interface SyncStatus {
  state: 'off' | 'idle' | 'syncing' | 'paused' | 'error';
  /** Epoch ms of the last finished sync (any outcome). */
  at: number | null;
  /** One plain sentence: what happened last. */
  message: string;
  /** A paused sync: how many records it would delete, and which devices' views delete them. */
  lossy?: { count: number; byDevice: { name: string; count: number }[]; examples: string[] };
  devices?: SyncDevice[];
  /** Records with kept conflicts (shown in the manager). */
  conflicts?: number;
  /** This device's id (to mark it in the device list). */
  thisDevice?: string;
  /** Epoch ms of the last sync that read back every file of this device's (done once a day). */
  verifiedAt?: number;
}

export const syncStatusItem = storage.defineItem<SyncStatus>('local:syncStatus', {
  fallback: { state: 'off', at: null, message: 'Sync is not set up.' },
});

/** The status line the popup shows. */
export function statusLine(s: SyncStatus, now = Date.now()): string {
  if (s.state === 'off') return 'Sync: not set up';
  if (s.state === 'syncing') return 'Sync: syncing…';
  if (s.state === 'paused') return 'Sync: paused, waiting for you';
  if (s.state === 'error') return `Sync: ${s.message}`;
  if (!s.at) return 'Sync: set up, not run yet';
  const mins = Math.round((now - s.at) / 60_000);
  const when = mins < 1 ? 'just now' : mins < 60 ? `${mins} min ago` : `${Math.round(mins / 60)} h ago`;
  return `Sync: up to date (${when})${s.conflicts ? ` · ${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'}` : ''}`;
}
