/**
 * Sync, as the background runs it: settings and credentials from storage.local, the remote (WebDAV
 * or the browser's own sync storage), the encryption key (kept in the store's meta as a
 * non-extractable CryptoKey: the passphrase is never stored), one sync at a time, the status pages
 * show, and an undo log of what each sync changed (local snapshots, restorable).
 *
 * The protocol itself (lib/sync/protocol.ts) is pure over a `Remote` and a `LocalStore`; this file
 * only wires it to the store and to the browser.
 */
import {
  createKey,
  CryptoError,
  decryptFile,
  encryptFile,
  unlockKey,
  type DataKey,
  type KeyFile,
} from '../sync/crypto';
import { mergeMaps } from '../sync/merge';
import {
  decodeHead,
  layout,
  plainCodec,
  recordProblem,
  ROOT,
  syncOnce,
  type Codec,
  type LocalStore,
  type SyncMap,
  type SyncResult,
  type SyncState,
} from '../sync/protocol';
import { RemoteError, type Remote } from '../sync/remote';
import { webdavRemote } from '../sync/webdav';
import { fromBase64, gunzip, gzip, toBase64 } from '../sync/bytes';
import {
  syncSettingsItem,
  syncStatusItem,
  type SyncDevice,
  type SyncSettings,
  type SyncStatus,
} from '../sync/settings';
import { randomId } from '../ids';
import { AppFailure, isUserFacing } from '../result';
import type { KnowledgeStore } from '../store/store';
import type { AnyRecord, StoredSyncRecord } from '../store/sync-state';
import type { RecordType } from '../model';
import { storage } from 'wxt/utils/storage';

/** The protocol's memory between runs (which files are ours, which shards are merged). */
const syncStateItem = storage.defineItem<SyncState | null>('local:syncState', { fallback: null });

/** Where the service keeps its settings, status and protocol state (storage.local items). */
export interface SyncItems {
  settings: { getValue(): Promise<SyncSettings>; setValue(v: SyncSettings): Promise<void> };
  status: { getValue(): Promise<SyncStatus>; setValue(v: SyncStatus): Promise<void> };
  state: { getValue(): Promise<SyncState | null>; setValue(v: SyncState | null): Promise<void> };
}
const DEFAULT_ITEMS: SyncItems = { settings: syncSettingsItem, status: syncStatusItem, state: syncStateItem };

const KEY_META = 'syncKey';
const DAY_MS = 24 * 60 * 60 * 1000;
/** The key file as the server had it (the key wrapped by the passphrase): to put back after a wipe. */
const KEY_FILE_META = 'syncKeyFile';
const SNAPSHOTS_META = 'syncSnapshots';
/** How many syncs' changes are kept for restore. */
const SNAPSHOTS_KEPT = 10;

/** What one sync changed locally, to undo it: each record as it was before. */
export interface SyncSnapshot {
  id: string;
  at: number;
  entries: { type: RecordType; id: string; before: AnyRecord | null }[];
}

export interface ConfigureInput {
  backend: 'webdav' | 'browser';
  url?: string;
  username?: string;
  password?: string;
  deviceName: string;
  /** Encrypts the remote store (a new one) or unlocks it (an existing encrypted one). */
  passphrase?: string;
}

const keysPath = (storeId: string) => `${layout.store(storeId)}/keys.json`;
const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;
/** A small JSON file from the server, or undefined when it is damaged (the caller says what that means). */
const jsonOrUndefined = (bytes: Uint8Array): unknown => {
  try {
    return json(bytes);
  } catch {
    return undefined;
  }
};

/** A message for the user from whatever a sync threw. */
export function syncMessage(e: unknown): string {
  if (e instanceof AppFailure || isUserFacing(e)) return e.message;
  return `Sync failed: ${e instanceof Error ? e.message : String(e)}`;
}

export class SyncService {
  private running: Promise<SyncStatus> | null = null;

  constructor(
    private readonly store: KnowledgeStore,
    /** Called when a sync changed local records (the dictionary is rebuilt, pages refresh). */
    private readonly onChanged: () => void,
    /** The browser-storage remote, when this browser offers one. */
    private readonly browserRemote: (() => Remote) | null = null,
    /** Tests give each simulated device its own. */
    private readonly items: SyncItems = DEFAULT_ITEMS,
  ) {}

  private remoteFor(settings: SyncSettings): Remote {
    if (settings.backend === 'webdav')
      return webdavRemote({ url: settings.url, username: settings.username, password: settings.password });
    if (settings.backend === 'browser' && this.browserRemote) return this.browserRemote();
    throw new AppFailure({
      code: 'invalid-input',
      message: 'Choose where to sync: a WebDAV server or this browser’s sync.',
    });
  }

  private async codecFor(settings: SyncSettings): Promise<Codec> {
    if (!settings.encrypted) return plainCodec;
    const key = await this.store.getMeta<DataKey>(KEY_META);
    if (!key)
      throw new AppFailure({
        code: 'invalid-input',
        message: 'Enter the passphrase of the synced store in the sync settings.',
      });
    // Compressed before encryption: ciphertext does not compress (and the browser's sync storage is small).
    return {
      encrypted: true,
      encode: async (plain, meta) => encryptFile(key, await gzip(plain), meta),
      decode: async (bytes, meta) => gunzip(await decryptFile(key, bytes, meta)),
    };
  }

  /**
   * Connects to a remote (testing it), joins the store found there or starts one, sets up or unlocks
   * its encryption, saves the settings, then syncs. Throws with a plain message; on failure nothing is
   * saved.
   */
  async configure(input: ConfigureInput): Promise<SyncStatus> {
    const prev = await this.items.settings.getValue();
    const settings: SyncSettings = {
      backend: input.backend,
      url: input.url?.trim() ?? '',
      username: input.username?.trim() ?? '',
      password: input.password ?? '',
      deviceName: input.deviceName.trim() || 'This browser',
      encrypted: false,
      storeId: null,
    };
    let remote: Remote;
    try {
      remote = this.remoteFor(settings);
    } catch (e) {
      if (e instanceof TypeError) throw new AppFailure({ code: 'invalid-input', message: e.message });
      throw e;
    }
    await remote.ensureDir(ROOT);
    // An empty remote may have no folder at all (the browser's sync storage creates none): no store yet.
    const stores = (
      await remote.list(ROOT).catch((e: unknown) => {
        if (e instanceof RemoteError && e.kind === 'not-found') return [];
        throw e;
      })
    ).filter((e) => e.isDir);
    // Join the store already there (another device started it); keep ours if it is among them.
    settings.storeId =
      stores.find((s) => s.name === prev.storeId)?.name ??
      stores[0]?.name ??
      `s${randomId().replace(/-/g, '').slice(0, 16)}`;
    const existingKeys = await remote.get(keysPath(settings.storeId));
    const storeFile = await remote.get(layout.storeFile(settings.storeId));
    const storeEncrypted =
      !!existingKeys ||
      (storeFile ? (jsonOrUndefined(storeFile) as { encrypted?: unknown } | undefined)?.encrypted === true : false);
    if (storeEncrypted && !input.passphrase)
      throw new AppFailure({
        code: 'invalid-input',
        message: 'The store on this server is encrypted: enter its passphrase.',
      });
    if (input.passphrase) {
      if (!existingKeys && storeFile && !storeEncrypted)
        throw new AppFailure({
          code: 'invalid-input',
          message:
            'The store on this server is not encrypted. Sync without a passphrase, or start over in another folder.',
        });
      let key: DataKey;
      let keyFile: KeyFile;
      if (existingKeys) {
        const parsed = jsonOrUndefined(existingKeys);
        if (parsed === undefined) throw new CryptoError('corrupt', undefined, 'keys.json is not JSON');
        keyFile = parsed as KeyFile;
        key = await unlockKey(keyFile, input.passphrase);
      } else {
        const created = await createKey(input.passphrase);
        await remote.ensureDir(layout.store(settings.storeId));
        await remote.put(keysPath(settings.storeId), new TextEncoder().encode(JSON.stringify(created.keyFile)));
        ({ key, keyFile } = created);
      }
      await this.store.setMeta(KEY_META, key);
      await this.store.setMeta(KEY_FILE_META, keyFile);
      settings.encrypted = true;
    }
    if (prev.storeId !== settings.storeId || prev.url !== settings.url || prev.backend !== settings.backend)
      await this.items.state.setValue(null); // another remote: nothing known about its files
    await this.items.settings.setValue(settings);
    await this.setStatus({ state: 'idle', at: null, message: 'Connected. The first sync is running.' });
    return this.syncNow();
  }

  /**
   * Checks a server without changing anything: the folder can be listed with these credentials, and
   * what is there already (nothing, a Backstory store, an encrypted one). Throws with a plain message.
   */
  async testConnection(input: Omit<ConfigureInput, 'deviceName' | 'passphrase'>): Promise<string> {
    const settings: SyncSettings = {
      ...(await this.items.settings.getValue()),
      backend: input.backend,
      url: input.url?.trim() ?? '',
      username: input.username?.trim() ?? '',
      password: input.password ?? '',
    };
    let remote: Remote;
    try {
      remote = this.remoteFor(settings);
    } catch (e) {
      if (e instanceof TypeError) throw new AppFailure({ code: 'invalid-input', message: e.message });
      throw e;
    }
    const missing = (e: unknown) => {
      if (e instanceof RemoteError && e.kind === 'not-found') return [];
      throw e;
    };
    await remote.list('').catch(missing);
    const stores = (await remote.list(ROOT).catch(missing)).filter((e) => e.isDir);
    const where =
      settings.backend === 'webdav'
        ? `Connected to ${new URL(settings.url).host}`
        : 'This browser’s sync storage works';
    if (!stores.length) return `${where}. No Backstory store there yet: connecting starts one.`;
    const encrypted = await remote.get(keysPath(stores[0]!.name));
    return `${where}. A Backstory store is already there${encrypted ? ' (encrypted: enter its passphrase to join)' : ''}.`;
  }

  /** Stops syncing and forgets the credentials and the key (the data stays on both sides). */
  async disconnect(): Promise<SyncStatus> {
    await this.items.settings.setValue({ ...(await this.items.settings.getValue()), backend: 'off', password: '' });
    await this.store.setMeta(KEY_META, undefined);
    await this.store.setMeta(KEY_FILE_META, undefined);
    await this.items.state.setValue(null);
    return this.setStatus({ state: 'off', at: null, message: 'Sync is not set up.' });
  }

  /** One sync; while one runs, callers get that one's outcome. */
  syncNow(options: { allowLoss?: boolean } = {}): Promise<SyncStatus> {
    this.running ??= this.run(options).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run({ allowLoss = false }: { allowLoss?: boolean }): Promise<SyncStatus> {
    const settings = await this.items.settings.getValue();
    if (settings.backend === 'off' || !settings.storeId)
      return this.setStatus({ state: 'off', at: null, message: 'Sync is not set up.' });
    const storeId = settings.storeId;
    await this.setStatus({ ...(await this.items.status.getValue()), state: 'syncing' });
    try {
      const remote = this.remoteFor(settings);
      const codec = await this.codecFor(settings);
      if (settings.encrypted) await this.checkKey(remote, storeId);
      // Once a day, read back every file of ours instead of trusting listings (servers without ETags).
      const previous = await this.items.status.getValue();
      const verifyAll = Date.now() - (previous.verifiedAt ?? 0) > DAY_MS;
      const result = await syncOnce({
        verifyAll,
        remote,
        codec,
        storeId,
        deviceId: this.store.device,
        deviceName: settings.deviceName,
        local: this.localStore(),
        state: { load: () => this.items.state.getValue(), save: (st) => this.items.state.setValue(st) },
        allowLoss,
      });
      const status = await this.statusOf(result, remote, codec, storeId);
      return this.setStatus({ ...status, verifiedAt: verifyAll ? Date.now() : previous.verifiedAt });
    } catch (e) {
      return this.setStatus({
        ...(await this.items.status.getValue()),
        state: 'error',
        at: Date.now(),
        message: syncMessage(e),
      });
    }
  }

  /**
   * The key on the server must still be ours: a reset elsewhere means the user must unlock again. A
   * key file gone from the server (a wiped folder) or damaged (an upload cut short) is put back from
   * our copy (it holds the key only wrapped by the passphrase).
   */
  private async checkKey(remote: Remote, storeId: string): Promise<void> {
    const [bytes, key, keyFile] = await Promise.all([
      remote.get(keysPath(storeId)),
      this.store.getMeta<DataKey>(KEY_META),
      this.store.getMeta<KeyFile>(KEY_FILE_META),
    ]);
    if (!key) throw new CryptoError('key-changed');
    let remoteId: unknown = null;
    try {
      remoteId = bytes ? (json(bytes) as { keyId?: unknown }).keyId : null;
    } catch {
      remoteId = null; // a damaged key file (an upload cut short): put ours back, as for a missing one
    }
    if (typeof remoteId === 'string') {
      if (remoteId !== key.keyId) throw new CryptoError('key-changed');
      return;
    }
    if (!keyFile || keyFile.keyId !== key.keyId) throw new CryptoError('key-changed');
    await remote.ensureDir(layout.store(storeId));
    await remote.put(keysPath(storeId), new TextEncoder().encode(JSON.stringify(keyFile)));
  }

  private async statusOf(result: SyncResult, remote: Remote, codec: Codec, storeId: string): Promise<SyncStatus> {
    const devices = await this.devices(remote, codec, storeId);
    const conflicts = await this.store.countConflicts();
    const rejected = result.report.rejected.length;
    const skipped = rejected
      ? ` ${rejected} damaged or foreign file${rejected === 1 ? ' was' : 's were'} ignored.`
      : '';
    if (result.status === 'paused') {
      const { lossy } = result;
      return {
        state: 'paused',
        at: Date.now(),
        message: `Sync paused: it would delete ${lossy.count} of your ${lossy.live} records. Nothing was changed.`,
        lossy: {
          count: lossy.count,
          byDevice: Object.values(lossy.byDevice),
          examples: lossy.examples.map((x) => x.name ?? x.key),
        },
        devices,
        conflicts,
      };
    }
    if (result.status === 'busy')
      return {
        state: 'idle',
        at: Date.now(),
        message: 'The store kept changing during the sync; it will run again.',
        devices,
        conflicts,
      };
    const parts = [
      result.pulled ? `${result.pulled} change${result.pulled === 1 ? '' : 's'} received` : 'nothing new received',
      result.pushed ? 'this device’s changes sent' : 'nothing to send',
    ];
    return { state: 'idle', at: Date.now(), message: `Up to date: ${parts.join(', ')}.${skipped}`, devices, conflicts };
  }

  /** The devices syncing with this store, as their heads name them (damaged heads skipped). */
  private async devices(remote: Remote, codec: Codec, storeId: string): Promise<SyncDevice[]> {
    const out: SyncDevice[] = [];
    const entries = await remote.list(layout.devices(storeId)).catch(() => []);
    for (const entry of entries.filter((e) => e.isDir)) {
      const bytes = await remote.get(layout.head(storeId, entry.name)).catch(() => null);
      if (!bytes) continue;
      try {
        const head = await decodeHead(bytes, entry.name, storeId, codec);
        out.push({ id: head.device, name: head.deviceName, updated: head.updated });
      } catch {
        // A damaged head is reported by the sync itself.
      }
    }
    return out.sort((a, b) => b.updated.localeCompare(a.updated));
  }

  private async setStatus(status: SyncStatus): Promise<SyncStatus> {
    const withDevice = { ...status, thisDevice: this.store.device };
    await this.items.status.setValue(withDevice);
    return withDevice;
  }

  /** The store as the protocol sees it; a save keeps an undo log of what it changes. */
  private localStore(): LocalStore {
    return {
      load: async () => (await this.store.exportSyncState()).states as unknown as SyncMap,
      revision: () => this.store.revision(),
      save: async (_next, expectedRevision, changed) => {
        const entries = await this.store.recordsBefore([...changed.values()] as unknown as StoredSyncRecord[]);
        const applied = await this.store.applySyncState(
          changed as unknown as ReadonlyMap<string, StoredSyncRecord>,
          expectedRevision,
        );
        if (applied === null) return false;
        if (applied.changed) {
          await this.keepSnapshot(entries);
          this.onChanged();
        }
        return true;
      },
    };
  }

  private async keepSnapshot(entries: SyncSnapshot['entries']): Promise<void> {
    const snapshots = (await this.store.getMeta<SyncSnapshot[]>(SNAPSHOTS_META)) ?? [];
    snapshots.unshift({ id: randomId(), at: Date.now(), entries });
    await this.store.setMeta(SNAPSHOTS_META, snapshots.slice(0, SNAPSHOTS_KEPT));
  }

  /** The last syncs' changes, newest first, for the restore list. */
  async snapshots(): Promise<{ id: string; at: number; records: number }[]> {
    const snapshots = (await this.store.getMeta<SyncSnapshot[]>(SNAPSHOTS_META)) ?? [];
    return snapshots.map((s) => ({ id: s.id, at: s.at, records: s.entries.length }));
  }

  /**
   * Puts back what a sync changed, as new local edits (so the restore itself syncs, and wins over the
   * changes it undoes): records it created are deleted, records it changed or deleted get their
   * earlier content back.
   */
  async restoreSnapshot(id: string): Promise<{ restored: number }> {
    const snapshot = ((await this.store.getMeta<SyncSnapshot[]>(SNAPSHOTS_META)) ?? []).find((s) => s.id === id);
    if (!snapshot) throw new AppFailure({ code: 'not-found', message: 'That snapshot is no longer kept.' });
    const restored = await this.store.restoreRecords(snapshot.entries);
    this.onChanged();
    return { restored };
  }

  /**
   * An encrypted backup of the whole store (every record's sync state, tombstones included), to keep
   * as a file. Merged, never overwriting, when imported.
   */
  async exportBackup(passphrase: string): Promise<string> {
    const { states } = await this.store.exportSyncState();
    const { keyFile, key } = await createKey(passphrase);
    const meta = { store: 'backup', device: this.store.device, path: 'backup.json', generation: 1 };
    const plain = new TextEncoder().encode(JSON.stringify([...states.values()]));
    const data = await encryptFile(key, plain, meta);
    return JSON.stringify({
      format: BACKUP_FORMAT,
      v: 1,
      created: new Date().toISOString(),
      device: this.store.device,
      keyFile,
      data: toBase64(data),
    });
  }

  /**
   * Merges an encrypted backup into the store (nothing the store has is lost or overwritten);
   * `beforeWrite` runs once the file has been read and checked, before anything is written.
   */
  async importBackup(
    text: string,
    passphrase: string,
    hooks: { beforeWrite?: () => Promise<unknown> } = {},
  ): Promise<{ changed: number }> {
    let doc: { format?: unknown; v?: unknown; device?: unknown; keyFile?: unknown; data?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw new AppFailure({ code: 'invalid-pack', message: 'This file is not a Backstory backup (it is not JSON).' });
    }
    if (doc?.format !== BACKUP_FORMAT)
      throw new AppFailure({ code: 'invalid-pack', message: 'This file is not a Backstory backup.' });
    if (doc.v !== 1)
      throw new AppFailure({
        code: 'unsupported-version',
        message:
          'This backup was made by a newer version of Backstory. Update the extension to read it; nothing was changed.',
      });
    const key = await unlockKey(doc.keyFile, passphrase);
    const bytes = typeof doc.data === 'string' ? (fromBase64(doc.data) ?? null) : null;
    if (!bytes || typeof doc.device !== 'string')
      throw new AppFailure({ code: 'invalid-pack', message: 'This backup is damaged; nothing was changed.' });
    const plain = await decryptFile(key, bytes, {
      store: 'backup',
      device: doc.device,
      path: 'backup.json',
      generation: 1,
    });
    const theirs = backupRecords(plain);
    // Only a backup that will be merged costs a safety snapshot (not a wrong passphrase).
    await hooks.beforeWrite?.();
    for (let attempt = 0; attempt < 3; attempt++) {
      const mine = await this.store.exportSyncState();
      const merged = mergeMaps(mine.states, theirs);
      const changedOnly = new Map(
        [...merged].filter(([k, v]) => JSON.stringify(mine.states.get(k)) !== JSON.stringify(v)),
      );
      const applied = await this.store.applySyncState(changedOnly, mine.revision);
      if (applied) {
        if (applied.changed) this.onChanged();
        return applied;
      }
    }
    throw new AppFailure({ code: 'storage-failed', message: 'The store kept changing; try the import again.' });
  }
}

const BACKUP_FORMAT = 'backstory-backup';

/**
 * The records of a decrypted backup, each checked as a record from another device is (shape, stamps
 * and values: lib/sync/protocol.ts recordProblem). One bad record refuses the whole file: a backup is
 * written by Backstory, so a bad record means damage or tampering, and half a restore helps nobody.
 */
function backupRecords(plain: Uint8Array): Map<string, StoredSyncRecord> {
  let list: unknown;
  try {
    list = JSON.parse(new TextDecoder().decode(plain));
  } catch {
    list = null;
  }
  if (!Array.isArray(list))
    throw new AppFailure({ code: 'invalid-pack', message: 'This backup is damaged; nothing was changed.' });
  const records = new Map<string, StoredSyncRecord>();
  const problems: string[] = [];
  for (const rec of list as StoredSyncRecord[]) {
    const key = `${String(rec?.type)}:${String(rec?.id)}`;
    const problem = recordProblem(key, rec);
    if (problem) problems.push(`${key}: ${problem}`);
    else records.set(key, rec);
  }
  if (problems.length)
    throw new AppFailure({
      code: 'invalid-pack',
      message: `This backup holds ${problems.length === 1 ? 'a record' : `${problems.length} records`} Backstory cannot take in (${problems[0]}). Nothing was changed.`,
    });
  return records;
}
