/**
 * The IndexedDB schema of the knowledge store and its upgrade ladder. Opened only in the extension
 * origin (background and extension pages): in a content script IndexedDB belongs to the web page.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { EntityRecord, EventRecord, NoteRecord, PackRecord } from '../model';
import type { StoredSyncRecord } from './sync-state';
import type { DamagedRecord } from './damaged';
import type { SnapshotInfo } from './snapshots';
import { AppFailure } from '../result';

export const DB_NAME = 'backstory';
/** Bump when the schema changes, and add the step to MIGRATIONS and a fixture to tests/fixtures/db. */
export const DB_VERSION = 4;

export interface BackstorySchema extends DBSchema {
  entities: {
    key: string;
    value: EntityRecord;
    indexes: { aliasKeys: string; updatedAt: number; pack: string; deletedAt: string; packDeleted: [string, string] };
  };
  events: {
    key: string;
    value: EventRecord;
    indexes: {
      entityIds: string;
      updatedAt: number;
      pack: string;
      date: string;
      deletedAt: string;
      packDeleted: [string, string];
    };
  };
  notes: {
    key: string;
    value: NoteRecord;
    indexes: { aboutId: string; updatedAt: number; deletedAt: string };
  };
  packs: { key: string; value: PackRecord };
  /** Device id, clock state, first-run flags. */
  meta: { key: string; value: unknown };
  /**
   * Sync state of the records that have been through a sync merge, keyed `<type>:<id>` (see
   * lib/store/sync-state.ts). A record without an entry here has exactly the state its stamps give.
   */
  sync: { key: string; value: StoredSyncRecord };
  /** Local snapshots of the whole store, described (lib/store/snapshots.ts); their contents are in `snapshotData`. */
  snapshots: { key: string; value: SnapshotInfo };
  /** Each snapshot's contents, gzipped JSON, under the snapshot's id (read only to restore). */
  snapshotData: { key: string; value: Uint8Array };
  /** Records that did not match the model, set aside from the record stores (lib/store/damaged.ts). */
  damaged: { key: number; value: DamagedRecord };
}

export type Db = IDBPDatabase<BackstorySchema>;
type UpgradeTx = IDBPTransaction<BackstorySchema, StoreNames<BackstorySchema>[], 'versionchange'>;

/**
 * One step per version: MIGRATIONS[n] takes a database at version n-1 to version n. Steps only ever
 * get added; a shipped step never changes, because databases written by it exist on users' disks.
 */
export const MIGRATIONS: Record<number, (db: Db, tx: UpgradeTx) => void> = {
  1: (db) => {
    const entities = db.createObjectStore('entities', { keyPath: 'id' });
    entities.createIndex('aliasKeys', 'aliasKeys', { multiEntry: true });
    entities.createIndex('updatedAt', 'updatedAt');
    entities.createIndex('pack', 'pack');
    const events = db.createObjectStore('events', { keyPath: 'id' });
    events.createIndex('entityIds', 'entityIds', { multiEntry: true });
    events.createIndex('updatedAt', 'updatedAt');
    events.createIndex('pack', 'pack');
    events.createIndex('date', 'date');
    const notes = db.createObjectStore('notes', { keyPath: 'id' });
    notes.createIndex('aboutId', 'aboutId');
    notes.createIndex('updatedAt', 'updatedAt');
    db.createObjectStore('packs', { keyPath: 'id' });
    db.createObjectStore('meta');
  },
  // Tombstones indexed (a live record has no `deleted.at`, so it is not in these indexes): counting
  // live records is then two key counts, with no record read.
  2: (_db, tx) => {
    for (const name of ['entities', 'events'] as const) {
      tx.objectStore(name).createIndex('deletedAt', 'deleted.at');
      tx.objectStore(name).createIndex('packDeleted', ['pack', 'deleted.at']);
    }
    tx.objectStore('notes').createIndex('deletedAt', 'deleted.at');
  },
  // Sync state (registers and causal context) of records that have been merged with other devices.
  3: (db) => {
    db.createObjectStore('sync');
  },
  // Rolling local snapshots (their descriptions apart from their contents, so listing reads no
  // contents), and damaged records set aside.
  4: (db) => {
    db.createObjectStore('snapshots', { keyPath: 'id' });
    db.createObjectStore('snapshotData');
    db.createObjectStore('damaged', { autoIncrement: true });
  },
};

/** Said while an upgrade of the database waits for an older connection (another tab) to close. */
export const BLOCKED_MESSAGE =
  'Backstory is updating its store and waits for another Backstory page or window still using the old version. Close the other Backstory tabs (or restart the browser); nothing is lost.';

export interface OpenOptions {
  name?: string;
  /**
   * Called when another context holds an older version open and blocks the upgrade, with a message for
   * the user; the open goes on as soon as that connection closes.
   */
  onBlocked?: (message: string) => void;
  /** Called when the connection closed under us (a newer version upgrades, or the browser closed it). */
  onClosed?: () => void;
}

/** Opens (creating or upgrading as needed) the store's database. */
export async function openDatabase({ name = DB_NAME, onBlocked, onClosed }: OpenOptions = {}): Promise<Db> {
  try {
    const db = await openDB<BackstorySchema>(name, DB_VERSION, {
      upgrade(db, oldVersion, newVersion, tx) {
        for (let v = oldVersion + 1; v <= (newVersion ?? DB_VERSION); v++) {
          const step = MIGRATIONS[v];
          if (!step) throw new Error(`No migration to schema version ${v}`);
          step(db, tx);
        }
      },
      blocked() {
        onBlocked?.(BLOCKED_MESSAGE);
      },
      blocking() {
        // A newer version of the extension wants to upgrade: step aside rather than block it.
        db.close();
        onClosed?.();
      },
      terminated() {
        onClosed?.();
      },
    });
    return db;
  } catch (e) {
    const name_ = (e as { name?: string }).name;
    if (name_ === 'VersionError')
      throw new AppFailure({
        code: 'storage-failed',
        message:
          'The knowledge store was written by a newer version of Backstory. Update the extension to open it; nothing was changed.',
      });
    throw e;
  }
}
