/**
 * Rolling local snapshots of the whole store: a copy of every live record and installed pack,
 * gzipped JSON, kept in the store's own database (object stores `snapshots` for descriptions and
 * `snapshotData` for contents, schema version 4) so a snapshot is written, pruned and restored in
 * transactions like everything else, and survives as long as the store does.
 *
 * Taken once a day (the background's alarm), before risky operations (an import into a store that
 * has data, a pack removal, a backup import, a merge, a restore), and when the user asks. A restore
 * first snapshots the current state (so it can be undone), then puts the snapshot back in one
 * transaction as new edits, so it syncs like any edit (see `KnowledgeStore.restoreContents`).
 *
 * Not the sync's undo log (`syncSnapshots` in meta, lib/background/sync-service.ts): that keeps only
 * the records one sync changed; this keeps everything.
 */
import { randomId } from '../ids';
import { AppFailure } from '../result';
import { gunzip, gzip } from '../sync/bytes';
import { damage } from './damaged';
import { failureOf } from './failure';
import type { KnowledgeStore, StoreContents } from './store';

export type SnapshotReason =
  | 'daily'
  | 'manual'
  | 'before-import'
  | 'before-pack-remove'
  | 'before-backup-import'
  | 'before-merge'
  | 'before-restore';

/** A snapshot as listed (its contents are read only to restore it). */
export interface SnapshotInfo {
  id: string;
  /** When it was taken (epoch ms); strictly increasing from one snapshot to the next. */
  at: number;
  reason: SnapshotReason;
  /** The store's revision it holds: an unchanged store is not snapshotted again automatically. */
  revision: number;
  /** Live records and installed packs in it. */
  counts: { entities: number; events: number; notes: number; packs: number };
  /** Its size, compressed. */
  bytes: number;
}

/** How many of each kind are kept (the newest ones). */
export const KEEP = { daily: 7, manual: 5, operation: 5 } as const;
/** At most this many compressed bytes for all snapshots together (the newest one is always kept). */
export const SNAPSHOT_BUDGET = 100_000_000;
/** A daily snapshot is not taken again within this time of the last one (alarms can fire early). */
const DAILY_GAP_MS = 20 * 60 * 60 * 1000;

export const SNAPSHOT_FORMAT = 'backstory-snapshot';
/** The contents' format version; a reader refuses newer ones. */
const SNAPSHOT_VERSION = 1;

const groupOf = (reason: SnapshotReason): keyof typeof KEEP =>
  reason === 'daily' || reason === 'manual' ? reason : 'operation';

export interface TakeOptions {
  /** A snapshot not to prune now (the one about to be restored). */
  keep?: string;
  /** Bytes all snapshots may take (tests use a small one). */
  budget?: number;
}

/** Every snapshot, newest first. */
export async function listSnapshots(store: KnowledgeStore): Promise<SnapshotInfo[]> {
  return (await store.db.getAll('snapshots')).sort((a, b) => b.at - a.at);
}

/** The snapshots to drop from `list` (newest first): beyond each kind's count, or the byte budget. */
function toPrune(list: SnapshotInfo[], { keep, budget = SNAPSHOT_BUDGET }: TakeOptions): string[] {
  const seen = { daily: 0, manual: 0, operation: 0 };
  let total = 0;
  const drop: string[] = [];
  for (const [i, s] of list.entries()) {
    const group = groupOf(s.reason);
    const kept = i === 0 || s.id === keep;
    if (!kept && (seen[group] >= KEEP[group] || total + s.bytes > budget)) {
      drop.push(s.id);
      continue;
    }
    seen[group]++;
    total += s.bytes;
  }
  return drop;
}

/**
 * Takes a snapshot of the whole store and prunes the old ones, in one transaction. Automatic ones
 * (every reason but `manual`) are not taken of an empty store (null) nor of a store unchanged since
 * the newest snapshot (that one is returned), and a daily one not twice within a day (null).
 * Throws an AppFailure when it cannot be saved: before a risky operation, the operation then does
 * not run.
 */
export async function takeSnapshot(
  store: KnowledgeStore,
  reason: SnapshotReason,
  options: TakeOptions = {},
): Promise<SnapshotInfo | null> {
  const now = store.now();
  const list = await listSnapshots(store);
  if (reason === 'daily' && list.some((s) => s.reason === 'daily' && now - s.at < DAILY_GAP_MS)) return null;
  const contents = await store.contents();
  const { revision, entities, events, notes, packs } = contents;
  if (reason !== 'manual') {
    if (!entities.length && !events.length && !notes.length && !packs.length) return null;
    if (list[0]?.revision === revision) return list[0];
  }
  const json = JSON.stringify({ format: SNAPSHOT_FORMAT, v: SNAPSHOT_VERSION, entities, events, notes, packs });
  const data = await gzip(new TextEncoder().encode(json));
  const info: SnapshotInfo = {
    id: randomId(),
    at: Math.max(now, (list[0]?.at ?? 0) + 1),
    reason,
    revision,
    counts: { entities: entities.length, events: events.length, notes: notes.length, packs: packs.length },
    bytes: data.length,
  };
  const tx = store.db.transaction(['snapshots', 'snapshotData'], 'readwrite');
  try {
    const infos = tx.objectStore('snapshots');
    const blobs = tx.objectStore('snapshotData');
    await blobs.put(data, info.id);
    await infos.put(info);
    const all = (await infos.getAll()).sort((a, b) => b.at - a.at);
    for (const id of toPrune(all, options)) await Promise.all([infos.delete(id), blobs.delete(id)]);
    await tx.done;
    return info;
  } catch (e) {
    const failed =
      reason === 'manual' || reason === 'daily'
        ? 'the snapshot was not saved'
        : 'no safety snapshot could be saved before this change, so the change was not made';
    throw await failureOf(tx, e, failed);
  }
}

const damagedSnapshot = () =>
  new AppFailure({
    code: 'storage-failed',
    message: 'This snapshot is damaged and cannot be restored. Nothing was changed; try an older snapshot.',
  });

/** A snapshot's contents, checked record by record: a damaged snapshot is refused as a whole. */
async function readContents(bytes: Uint8Array | undefined): Promise<Omit<StoreContents, 'revision'>> {
  if (!bytes) throw damagedSnapshot();
  let doc: Partial<Record<'format' | 'v' | 'entities' | 'events' | 'notes' | 'packs', unknown>>;
  try {
    doc = JSON.parse(new TextDecoder().decode(await gunzip(bytes))) as typeof doc;
  } catch {
    throw damagedSnapshot();
  }
  if (doc?.format !== SNAPSHOT_FORMAT) throw damagedSnapshot();
  if (doc.v !== SNAPSHOT_VERSION)
    throw new AppFailure({
      code: 'unsupported-version',
      message: 'This snapshot was taken by a newer version of Backstory. Update the extension to restore it.',
    });
  const lists = { entities: doc.entities, events: doc.events, notes: doc.notes, packs: doc.packs };
  for (const [name, list] of Object.entries(lists) as [keyof typeof lists, unknown][]) {
    if (!Array.isArray(list) || list.some((r) => damage(name, r) !== null)) throw damagedSnapshot();
  }
  return lists as Omit<StoreContents, 'revision'>;
}

/**
 * Restores a snapshot: first snapshots the current state (`undo`, so the restore can be undone by
 * restoring that), then puts the store back in one transaction, as new edits. Returns how many
 * records changed.
 */
export async function restoreSnapshot(
  store: KnowledgeStore,
  id: string,
): Promise<{ restored: number; undo: SnapshotInfo | null }> {
  const tx = store.db.transaction(['snapshots', 'snapshotData'], 'readonly');
  const [info, bytes] = await Promise.all([
    tx.objectStore('snapshots').get(id),
    tx.objectStore('snapshotData').get(id),
  ]);
  if (!info) throw new AppFailure({ code: 'not-found', message: 'That snapshot is no longer kept.' });
  const contents = await readContents(bytes);
  const undo = await takeSnapshot(store, 'before-restore', { keep: id });
  return { restored: await store.restoreContents(contents), undo };
}

/** Deletes a snapshot (to make room). */
export async function deleteSnapshot(store: KnowledgeStore, id: string): Promise<void> {
  const tx = store.db.transaction(['snapshots', 'snapshotData'], 'readwrite');
  try {
    if (!(await tx.objectStore('snapshots').get(id)))
      throw new AppFailure({ code: 'not-found', message: 'That snapshot is no longer kept.' });
    await Promise.all([tx.objectStore('snapshots').delete(id), tx.objectStore('snapshotData').delete(id)]);
    await tx.done;
  } catch (e) {
    throw await failureOf(tx, e, 'the snapshot was not deleted');
  }
}
