/**
 * Wires the background: the store, the first-run starter pack, the message router, the alarms (sync,
 * daily snapshot) and the request for persistent storage.
 */
import { browser } from 'wxt/browser';
import { z } from 'zod';
import { isCallMessage, type ProgressMessage, type TabCallMessage } from '../messages';
import { err, toAppError } from '../result';
import { KnowledgeStore } from '../store/store';
import { takeSnapshot } from '../store/snapshots';
import { createHandlers, dispatch, type Handlers } from './router';
import { ensureStarterPack } from './starter';
import { DictionaryService } from './dictionary';
import { SeenPages } from './seen';
import { captureFromActiveTab, createCaptureMenus, listenForCapture } from './capture';
import { dictionaryVersionItem, storeRevisionItem } from '../settings';
import { syncSettingsItem } from '../sync/settings';
import { SyncService } from './sync-service';
import { browserStorageRemote } from '../sync/browser-storage';

interface Ready {
  store: KnowledgeStore;
  handlers: Handlers;
}

/** The browser's own sync storage as a remote (Chrome to Chrome, Firefox to Firefox). */
const browserSyncRemote = () => browserStorageRemote();

const SYNC_ALARM = 'backstory-sync';
const SYNC_SOON_ALARM = 'backstory-sync-soon';
/** How often sync runs on its own, and how long after an edit. */
const SYNC_PERIOD_MIN = 15;
const SYNC_AFTER_EDIT_MIN = 0.5;
const SNAPSHOT_ALARM = 'backstory-snapshot';
const SNAPSHOT_PERIOD_MIN = 24 * 60;

/** After an edit: a sync half a minute later (re-arming the alarm debounces a run of edits). */
function scheduleSync(): void {
  void syncSettingsItem.getValue().then((s) => {
    if (s.backend !== 'off') void browser.alarms.create(SYNC_SOON_ALARM, { delayInMinutes: SYNC_AFTER_EDIT_MIN });
  });
}

/** Runs a sync through the contract's handler (one at a time is the service's business). */
function runSync(): void {
  getReady()
    .then(({ handlers }) => handlers['sync.now']({ allowLoss: false }, {}))
    .catch((e) => console.error('Backstory: sync could not run', e));
}

/** The daily snapshot (it skips itself when one was taken within the day, or nothing changed). */
function dailySnapshot(): void {
  getReady()
    .then(({ store }) => takeSnapshot(store, 'daily'))
    .catch((e) => console.error('Backstory: the daily snapshot could not be taken', e));
}

/**
 * Asks the browser not to clear the store when disk space runs low. Only a window can ask (Firefox's
 * background page can; Chrome's service worker cannot: the manager asks there, when the user wants).
 */
function requestPersistence(): void {
  const storage = (globalThis as { navigator?: Navigator }).navigator?.storage;
  if (typeof storage?.persist !== 'function') return;
  void storage
    .persisted()
    .then((persisted) => persisted || storage.persist())
    .catch((e) => console.warn('Backstory: could not ask for persistent storage', e));
}

let ready: Promise<Ready> | null = null;
/** While an upgrade of the database waits for another tab: what calls answer meanwhile. */
let blocked: string | null = null;

/** Opens the store once per background lifetime (the service worker may sleep and wake many times). */
function getReady(): Promise<Ready> {
  ready ??= (async () => {
    const store = await KnowledgeStore.open({
      onBlocked: (message) => {
        blocked = message;
        console.warn(`Backstory: ${message}`);
      },
      onClosed: () => {
        ready = null; // reopen on the next call
      },
    }).finally(() => {
      blocked = null;
    });
    const dictionary = new DictionaryService(store, (revision) => {
      // Open tabs watch this value and match their text again.
      dictionaryVersionItem.setValue(revision).catch((e) => console.error('Backstory: could not notify tabs', e));
    });
    try {
      if (await ensureStarterPack(store)) dictionary.invalidate(0);
    } catch (e) {
      // The store works without it; the next start tries again (its flag was not written).
      console.error('Backstory: could not install the starter pack', e);
    }
    const hooks = {
      onWrite: () => {
        storeRevisionItem.setValue(Date.now()).catch((e) => console.error('Backstory: could not notify pages', e));
        scheduleSync();
      },
      sync: (onChanged: () => void) => new SyncService(store, onChanged, browserSyncRemote),
      progress: (job: string, done: number, total: number) => {
        const message: ProgressMessage = { backstoryProgress: 1, job, done, total };
        // Only extension pages listen; none may be open.
        browser.runtime.sendMessage(message).catch(() => undefined);
      },
    };
    return { store, handlers: createHandlers(store, dictionary, new SeenPages(store), hooks) };
  })().catch((e) => {
    ready = null; // let the next call try again
    throw e;
  });
  return ready;
}

export function startBackground(): void {
  // Extension CSP forbids eval: keep zod from probing `new Function` (a CSP error on every wake).
  z.config({ jitless: true });
  const env = { runtimeId: browser.runtime.id, extensionOrigin: browser.runtime.getURL('/') };
  browser.runtime.onInstalled.addListener(() => {
    getReady().catch((e) => console.error('Backstory: could not open the store', e));
    requestPersistence();
    createCaptureMenus().catch((e) => console.error('Backstory: could not add the capture menu', e));
  });
  listenForCapture();
  browser.runtime.onStartup.addListener(() => {
    getReady().catch((e) => console.error('Backstory: could not open the store', e));
    requestPersistence();
    runSync();
    dailySnapshot(); // the alarm may have been due while the browser was closed
  });
  // Created once: re-creating it on every wake would push the next periodic sync back each time.
  void browser.alarms.get(SYNC_ALARM).then((existing) => {
    if (!existing) void browser.alarms.create(SYNC_ALARM, { periodInMinutes: SYNC_PERIOD_MIN });
  });
  void browser.alarms.get(SNAPSHOT_ALARM).then((existing) => {
    if (!existing) void browser.alarms.create(SNAPSHOT_ALARM, { periodInMinutes: SNAPSHOT_PERIOD_MIN });
  });
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === SYNC_ALARM || alarm.name === SYNC_SOON_ALARM) runSync();
    if (alarm.name === SNAPSHOT_ALARM) dailySnapshot();
  });
  browser.commands.onCommand.addListener((command) => {
    if (command === 'capture-selection') {
      captureFromActiveTab().catch((e) => console.error('Backstory: could not capture', e));
      return;
    }
    const call =
      command === 'next-mention' ? 'mention.next' : command === 'previous-mention' ? 'mention.previous' : null;
    if (!call) return;
    void browser.tabs.query({ active: true, currentWindow: true }).then(([tab]) => {
      if (tab?.id === undefined) return;
      const message: TabCallMessage = { backstoryTab: 1, call };
      return browser.tabs.sendMessage(tab.id, message, { frameId: 0 }).catch(() => {
        // No content script there (a browser page, the store): nothing to walk.
      });
    });
  });
  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    if (!isCallMessage(message)) return undefined; // not ours: let other listeners answer
    const pending = getReady();
    // An upgrade waiting for another tab: say so now rather than leave the page waiting.
    if (blocked) {
      pending.catch(() => undefined); // a failure to open is reported to the next call
      return Promise.resolve(err('storage-failed', blocked));
    }
    return pending.then(
      ({ handlers }) => dispatch(message, sender, { ...env, handlers }),
      (e) => err(toAppError(e).code, `Backstory could not open its store: ${toAppError(e).message}`),
    );
  });
}
