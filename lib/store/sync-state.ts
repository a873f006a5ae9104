/**
 * The bridge between stored records (fields, one stamp per field, tombstone) and the sync engine's
 * records (lib/sync/merge.ts: every field a multi-value register, a liveness register, a causal
 * context).
 *
 * A record that has never been merged with another device has exactly the state its stamps give
 * (`stateOf`, derived on demand). Once a merge has produced its state (which may hold concurrent
 * values, a conflict, that the flat record cannot), that state is kept in the `sync` object store and
 * every later local write advances it (`advanceState`), so the two never drift apart.
 *
 * Besides the record's fields, a sync record carries one more register, `origin`: the pack the record
 * came from and its id there, so a record created from a pack on one device is known as such on the
 * others.
 */
import type { Hlc } from '../hlc';
import type { EntityRecord, EventRecord, NoteRecord, RecordMeta, RecordType } from '../model';
import { edit, fromStored, remove, toStoredFields, view, type SyncRecord, type View } from '../sync/merge';
import { entityRecord, eventRecord, FIELDS, noteRecord } from './records';

/** Where a record came from: a pack (and its id there), or the user (both null). */
export interface Origin {
  pack: string | null;
  packLocalId: string | null;
}

/** A sync record as stored: the record's fields plus the `origin` register. */
export type StoredSyncRecord = SyncRecord<Record<string, unknown>>;
export type AnyRecord = EntityRecord | EventRecord | NoteRecord;

export const ORIGIN = 'origin';
export const RECORD_STORES = { entity: 'entities', event: 'events', note: 'notes' } as const;
export const TYPE_OF_STORE = { entities: 'entity', events: 'event', notes: 'note' } as const;

export const syncKey = (type: RecordType, id: string): string => `${type}:${id}`;

const originOf = (r: { pack: string | null; packLocalId: string | null }): Origin => ({
  pack: r.pack,
  packLocalId: r.packLocalId,
});

/** The sync state a stored record has when it has never been merged: its stamps, as registers. */
export function stateOf(type: RecordType, record: AnyRecord): StoredSyncRecord {
  const names = FIELDS[type] as readonly string[];
  const base = fromStored(
    record as unknown as Record<string, unknown> & RecordMeta<Record<string, unknown>>,
    names,
    type,
  );
  // The origin register takes the stamp of the record's oldest field write: a stamp the context has.
  const stamps = Object.values(record.stamps as Record<string, Hlc>);
  const oldest = stamps.reduce((m, s) => (s < m ? s : m));
  return {
    ...base,
    fields: sortKeys({ ...base.fields, [ORIGIN]: [{ value: originOf(record), stamp: oldest }] }),
  };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The state after a local write stored `record`: the fields the write stamped become single values
 * with that stamp (the device had seen every value it held), a delete or an undelete moves the
 * liveness register, and a change of origin (a pack removed with its annotated records kept) is a
 * write of its own with a fresh stamp.
 */
export function advanceState(
  prev: StoredSyncRecord,
  type: RecordType,
  record: AnyRecord,
  freshStamp: () => Hlc,
): StoredSyncRecord {
  const patch: Record<string, unknown> = {};
  let stamp: Hlc | null = null;
  const stamps = record.stamps as Record<string, Hlc>;
  for (const name of FIELDS[type] as readonly string[]) {
    const s = stamps[name]!;
    if (prev.fields[name]?.some((e) => e.stamp === s)) continue;
    patch[name] = (record as unknown as Record<string, unknown>)[name];
    if (stamp === null || s > stamp) stamp = s;
  }
  let next = prev;
  if (!sameJson(view(prev).values[ORIGIN], originOf(record))) {
    patch[ORIGIN] = originOf(record);
    stamp = freshStamp();
  }
  if (stamp !== null) next = edit(next, patch, stamp);
  const deleted = view(next).deleted;
  if (record.deleted && !deleted)
    next = remove(next, record.deleted.at > (stamp ?? '') ? record.deleted.at : freshStamp());
  else if (!record.deleted && deleted) next = edit(next, {}, freshStamp());
  return next;
}

/**
 * The stored record a merged state shows: the view's values and winning stamps, its tombstone, and
 * the local bookkeeping of the record it replaces (creation time, pack-import stamps, who deleted).
 */
export function recordOf(
  type: RecordType,
  state: StoredSyncRecord,
  prev: AnyRecord | undefined,
  now: number,
): AnyRecord {
  const v: View<Record<string, unknown>> = view(state);
  const stored = toStoredFields(state);
  const names = FIELDS[type] as readonly string[];
  const fields = Object.fromEntries(names.map((n) => [n, v.values[n]]));
  const stamps = Object.fromEntries(names.map((n) => [n, (stored.stamps as Record<string, Hlc>)[n]]));
  const origin =
    (v.values[ORIGIN] as Origin | undefined) ?? (prev ? originOf(prev) : { pack: null, packLocalId: null });
  const base = {
    ...fields,
    id: state.id,
    pack: origin.pack,
    packLocalId: origin.packLocalId,
    stamps,
    imported: prev?.imported ?? null,
    deleted: stored.deleted ? { at: stored.deleted.at, seen: stamps, by: prev?.deleted?.by ?? 'user' } : null,
    createdAt: prev?.createdAt ?? now,
    updatedAt: now,
  };
  if (type === 'entity') return entityRecord(base as never);
  if (type === 'event') return eventRecord(base as never);
  return noteRecord(base as never);
}

/** Conflicts of a state the user should see (the origin register is bookkeeping, not content). */
export function visibleConflicts(state: StoredSyncRecord): Record<string, { value: unknown; stamp: Hlc }[]> {
  const { [ORIGIN]: _origin, ...rest } = view(state).conflicts as Record<string, { value: unknown; stamp: Hlc }[]>;
  return rest;
}
