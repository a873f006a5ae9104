/**
 * The knowledge store: entities, events and notes in IndexedDB, with per-field clock stamps and
 * tombstones for sync. Every write runs in one transaction together with the clock it advances, so a
 * failed write leaves both the records and the clock as they were.
 */
import type { IDBPTransaction, StoreNames } from 'idb';
import { HybridClock, type ClockState, type Hlc } from '../hlc';
import { randomId } from '../ids';
import { entityInput, eventInput, noteInput, type EntityInput, type EventInput, type NoteInput } from '../inputs';
import {
  comparePartialDates,
  type EntityRecord,
  type EntityFields,
  type EventFields,
  type EventRecord,
  type NoteFields,
  type NoteRecord,
  type PackRecord,
  type RecordMeta,
  type RecordType,
} from '../model';
import { AppFailure } from '../result';
import { foldKey } from '../text';
import { formatPath } from '../pack/validate';
import { openDatabase, type BackstorySchema, type Db, type OpenOptions } from './db';
import { FIELDS, entityRecord, eventRecord, nextRecord, noteRecord, tombstone, type Change } from './records';
import {
  advanceState,
  recordOf,
  RECORD_STORES,
  stateOf,
  syncKey,
  TYPE_OF_STORE,
  visibleConflicts,
  type AnyRecord,
  type StoredSyncRecord,
} from './sync-state';
import { maxStamp, stableJson, view } from '../sync/merge';
import type { z } from 'zod';

export type Tx = IDBPTransaction<BackstorySchema, StoreNames<BackstorySchema>[], 'readwrite'>;
const RECORD_NAME = { entities: 'entity', events: 'event', notes: 'note' } as const;
const STORE_OF = { entity: 'entities', event: 'events', note: 'notes' } as const;

/** A record whose field has concurrent values from different devices (the user picks one). */
export interface ConflictItem {
  type: RecordType;
  id: string;
  title: string;
  fields: { field: string; current: unknown; others: unknown[] }[];
}

/** What merging two entities changed. */
export interface MergeSummary {
  /** The kept entity after the merge. */
  entity: EntityRecord;
  /** Names and aliases of the other entity that became new aliases. */
  aliases: number;
  /** Events, notes and other entities' relations re-pointed at the kept entity. */
  events: number;
  notes: number;
  relations: number;
}

function pick<F extends object>(rec: F, names: readonly (keyof F)[]): F {
  return Object.fromEntries(names.map((n) => [n, rec[n]])) as F;
}
const ALL_STORES: StoreNames<BackstorySchema>[] = ['entities', 'events', 'notes', 'packs', 'meta', 'sync'];

/** Everything a hover card shows about one entity. */
export interface CardData {
  entity: EntityRecord;
  pack: Pick<PackRecord, 'id' | 'title'> | null;
  events: { event: EventRecord; role: string }[];
  related: { id: string; name: string; kind: EntityRecord['kind']; label: string }[];
  notes: NoteRecord[];
}

export interface StoreStats {
  entities: number;
  events: number;
  notes: number;
  packs: { id: string; title: string; version: string; entities: number; events: number }[];
}

function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  throw new AppFailure({
    code: 'invalid-input',
    message: `Not saved: ${issues[0]!.path}: ${issues[0]!.message}.`,
    issues,
  });
}

const live = <T extends { deleted: unknown }>(r: T | undefined): r is T => !!r && !r.deleted;

export class KnowledgeStore {
  private constructor(
    readonly db: Db,
    readonly device: string,
    private clockState: ClockState,
    private readonly now: () => number,
  ) {}

  /** Opens the store, creating the device id and clock on first use. */
  static async open(options: OpenOptions & { now?: () => number } = {}): Promise<KnowledgeStore> {
    const now = options.now ?? Date.now;
    const db = await openDatabase(options);
    const tx = db.transaction('meta', 'readwrite');
    let device = (await tx.store.get('device')) as string | undefined;
    if (!device) {
      device = randomId().replace(/-/g, '').slice(0, 16);
      await tx.store.put(device, 'device');
    }
    const clock = ((await tx.store.get('clock')) as ClockState | undefined) ?? { wall: 0, counter: 0 };
    await tx.done;
    return new KnowledgeStore(db, device, clock, now);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Runs `work` in one readwrite transaction over every store. `stamp()` hands out clock stamps; the
   * clock's new state is saved in the same transaction and adopted only if it commits.
   */
  async write<T>(work: (tx: Tx, stamp: () => Hlc, now: number) => Promise<T>): Promise<T> {
    const clock = new HybridClock(this.device, this.clockState, this.now);
    const tx = this.db.transaction(ALL_STORES, 'readwrite');
    const now = this.now();
    try {
      // Every record the work stores is noted, so that its sync state (if it has one) follows.
      const written = new Map<string, { type: RecordType; record: AnyRecord }>();
      const result = await work(watchPuts(tx, written), () => clock.tick(), now);
      await advanceSyncStates(tx, written, () => clock.tick());
      const meta = tx.objectStore('meta');
      await meta.put(clock.snapshot(), 'clock');
      // A counter of committed writes: caches derived from the store (the dictionary) compare it.
      await meta.put((((await meta.get('revision')) as number | undefined) ?? 0) + 1, 'revision');
      await tx.done;
      this.clockState = clock.snapshot();
      return result;
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // Already finished or aborted: nothing to undo.
      }
      await tx.done.catch(() => undefined);
      throw e;
    }
  }

  // ---- entities -------------------------------------------------------------------------------

  async getEntity(id: string): Promise<EntityRecord | undefined> {
    const r = await this.db.get('entities', id);
    return live(r) ? r : undefined;
  }

  async listEntities(): Promise<EntityRecord[]> {
    return (await this.db.getAll('entities')).filter(live);
  }

  /** Entities one of whose names folds to the same key as `text` (case-insensitively). */
  async findByAlias(text: string): Promise<EntityRecord[]> {
    return (await this.db.getAllFromIndex('entities', 'aliasKeys', foldKey(text))).filter(live);
  }

  /** Creates (no id) or updates an entity; returns the stored record. */
  async saveEntity(input: EntityInput, id?: string): Promise<EntityRecord> {
    const fields: EntityFields = validate(entityInput, input);
    return this.write(async (tx, stamp, now) => {
      const store = tx.objectStore('entities');
      const prev = id ? await store.get(id) : undefined;
      if (id && !live(prev)) throw notFound('entity', id);
      const origin = { id: id ?? randomId(), pack: prev?.pack ?? null, packLocalId: prev?.packLocalId ?? null };
      const { record, change } = nextRecord(prev, fields, FIELDS.entity, origin, stamp(), {
        createdAt: now,
        updatedAt: now,
      });
      const rec = entityRecord(record);
      if (change !== 'unchanged') await store.put(rec);
      return rec;
    });
  }

  /** Deletes an entity (a tombstone). Its events and notes stay; they show it as deleted. */
  async deleteEntity(id: string): Promise<void> {
    await this.deleteRecord('entities', id);
  }

  // ---- events ---------------------------------------------------------------------------------

  async getEvent(id: string): Promise<EventRecord | undefined> {
    const r = await this.db.get('events', id);
    return live(r) ? r : undefined;
  }

  async listEvents(): Promise<EventRecord[]> {
    return (await this.db.getAll('events')).filter(live).sort((a, b) => comparePartialDates(a.date, b.date));
  }

  /** Events linked to an entity (as participant or place), oldest first. */
  async eventsOf(entityId: string): Promise<EventRecord[]> {
    const list = (await this.db.getAllFromIndex('events', 'entityIds', entityId)).filter(live);
    return list.sort((a, b) => comparePartialDates(a.date, b.date) || a.title.localeCompare(b.title));
  }

  async saveEvent(input: EventInput, id?: string): Promise<EventRecord> {
    const fields: EventFields = validate(eventInput, input);
    return this.write(async (tx, stamp, now) => {
      const store = tx.objectStore('events');
      const prev = id ? await store.get(id) : undefined;
      if (id && !live(prev)) throw notFound('event', id);
      const origin = { id: id ?? randomId(), pack: prev?.pack ?? null, packLocalId: prev?.packLocalId ?? null };
      const { record, change } = nextRecord(prev, fields, FIELDS.event, origin, stamp(), {
        createdAt: now,
        updatedAt: now,
      });
      const rec = eventRecord(record);
      if (change !== 'unchanged') await store.put(rec);
      return rec;
    });
  }

  async deleteEvent(id: string): Promise<void> {
    await this.deleteRecord('events', id);
  }

  // ---- notes ----------------------------------------------------------------------------------

  /** Notes about an entity or event, newest first. */
  async notesAbout(id: string): Promise<NoteRecord[]> {
    const list = (await this.db.getAllFromIndex('notes', 'aboutId', id)).filter(live);
    return list.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** The most recently written notes, newest first. */
  async recentNotes(limit = 20): Promise<NoteRecord[]> {
    const out: NoteRecord[] = [];
    let cursor = await this.db.transaction('notes').store.index('updatedAt').openCursor(null, 'prev');
    while (cursor && out.length < limit) {
      if (live(cursor.value)) out.push(cursor.value);
      cursor = await cursor.continue();
    }
    return out;
  }

  async saveNote(input: NoteInput, id?: string): Promise<NoteRecord> {
    const fields: NoteFields = validate(noteInput, input);
    return this.write(async (tx, stamp, now) => {
      const target =
        fields.about.type === 'entity'
          ? await tx.objectStore('entities').get(fields.about.id)
          : await tx.objectStore('events').get(fields.about.id);
      if (!live(target)) throw notFound(fields.about.type, fields.about.id);
      const store = tx.objectStore('notes');
      const prev = id ? await store.get(id) : undefined;
      if (id && !live(prev)) throw notFound('note', id);
      const origin = { id: id ?? randomId(), pack: prev?.pack ?? null, packLocalId: prev?.packLocalId ?? null };
      const { record, change } = nextRecord(prev, fields, FIELDS.note, origin, stamp(), {
        createdAt: now,
        updatedAt: now,
      });
      const rec = noteRecord(record);
      if (change !== 'unchanged') await store.put(rec);
      return rec;
    });
  }

  async deleteNote(id: string): Promise<void> {
    await this.deleteRecord('notes', id);
  }

  /** Every live note, newest first (the manager's notes list). */
  async listNotes(): Promise<NoteRecord[]> {
    return (await this.db.getAll('notes')).filter(live).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  // ---- undo and merge -------------------------------------------------------------------------

  /**
   * Brings a deleted record back (undo). Every field gets a fresh stamp, so the restore is an edit
   * newer than the delete and wins over it wherever the two meet (sync).
   */
  async restore(type: RecordType, id: string): Promise<EntityRecord | EventRecord | NoteRecord> {
    const name = STORE_OF[type];
    return this.write(async (tx, stamp, now) => {
      const store = tx.objectStore(name);
      const prev = await store.get(id);
      if (!prev) throw notFound(type, id);
      if (!prev.deleted) return prev;
      if (type === 'note') {
        const about = (prev as NoteRecord).about;
        const target = await tx.objectStore(about.type === 'entity' ? 'entities' : 'events').get(about.id);
        if (!live(target))
          throw new AppFailure({
            code: 'not-found',
            message: `The ${about.type} this note is about was deleted; restore it first.`,
          });
      }
      const fields = Object.fromEntries(FIELDS[type].map((f) => [f, (prev as never)[f]])) as never;
      const origin = { id, pack: prev.pack, packLocalId: prev.packLocalId };
      const { record } = nextRecord(prev as never, fields, FIELDS[type] as never, origin, stamp(), {
        createdAt: now,
        updatedAt: now,
      });
      const rec = { entity: entityRecord, event: eventRecord, note: noteRecord }[type](record as never);
      await store.put(rec as never);
      return rec;
    });
  }

  /**
   * Merges entity `goneId` into `keepId` (two records that turn out to be the same). The kept entity
   * gains the other's name and aliases as aliases, its tags, links and relations; events, notes and
   * other entities' relations that pointed at the other now point at the kept one; the other becomes a
   * tombstone. One transaction: all of it or none.
   */
  async mergeEntities(keepId: string, goneId: string): Promise<MergeSummary> {
    if (keepId === goneId)
      throw new AppFailure({ code: 'invalid-input', message: 'An entity cannot be merged into itself.' });
    return this.write(async (tx, stamp, now) => {
      const entities = tx.objectStore('entities');
      const [keep, gone] = await Promise.all([entities.get(keepId), entities.get(goneId)]);
      if (!live(keep)) throw notFound('entity', keepId);
      if (!live(gone)) throw notFound('entity', goneId);
      const s = stamp();
      const summary: MergeSummary = { entity: keep, aliases: 0, events: 0, notes: 0, relations: 0 };
      const keyOf = (t: string) => foldKey(t);
      const names = new Set([keyOf(keep.name), ...keep.aliases.map((a) => keyOf(a.text))]);
      const aliases = [...keep.aliases];
      for (const a of [{ text: gone.name, case: 'auto' as const }, ...gone.aliases]) {
        if (names.has(keyOf(a.text))) continue;
        names.add(keyOf(a.text));
        aliases.push(a);
        summary.aliases++;
      }
      const swap = (id: string) => (id === goneId ? keepId : id);
      const uniqueBy = <T>(xs: T[], key: (x: T) => string) => {
        const seen = new Set<string>();
        return xs.filter((x) => !seen.has(key(x)) && !!seen.add(key(x)));
      };
      const fields: EntityFields = {
        name: keep.name,
        kind: keep.kind,
        aliases,
        summary: keep.summary || gone.summary,
        links: uniqueBy([...keep.links, ...gone.links], (l) => l.url),
        tags: [...new Set([...keep.tags, ...gone.tags])],
        related: uniqueBy(
          [...keep.related, ...gone.related].map((r) => ({ ...r, entity: swap(r.entity) })),
          (r) => `${r.entity}\u0000${r.label}`,
        ).filter((r) => r.entity !== keepId),
      };
      const edit = <F extends object>(prev: F & RecordMeta<F>, next: F, names_: readonly (keyof F)[]) =>
        nextRecord(prev, next, names_, { id: prev.id, pack: prev.pack, packLocalId: prev.packLocalId }, s, {
          createdAt: now,
          updatedAt: now,
        }).record;
      summary.entity = entityRecord(edit(keep, fields, FIELDS.entity));
      await entities.put(summary.entity);
      await entities.put(tombstone(gone, s, now));

      const events = tx.objectStore('events');
      for (const ev of await events.index('entityIds').getAll(goneId)) {
        if (!live(ev)) continue;
        const next: EventFields = {
          ...pick(ev, FIELDS.event),
          place: ev.place === goneId ? keepId : ev.place,
          entities: uniqueBy(
            ev.entities.map((l) => ({ ...l, entity: swap(l.entity) })),
            (l) => `${l.entity}\u0000${l.role}`,
          ),
        };
        await events.put(eventRecord(edit(ev, next, FIELDS.event)));
        summary.events++;
      }
      const notes = tx.objectStore('notes');
      for (const n of await notes.index('aboutId').getAll(goneId)) {
        if (!live(n)) continue;
        await notes.put(
          noteRecord(edit(n, { ...pick(n, FIELDS.note), about: { type: 'entity', id: keepId } }, FIELDS.note)),
        );
        summary.notes++;
      }
      for (const other of await entities.getAll()) {
        if (!live(other) || other.id === keepId || !other.related.some((r) => r.entity === goneId)) continue;
        const related = uniqueBy(
          other.related.map((r) => ({ ...r, entity: swap(r.entity) })),
          (r) => `${r.entity}\u0000${r.label}`,
        );
        await entities.put(entityRecord(edit(other, { ...pick(other, FIELDS.entity), related }, FIELDS.entity)));
        summary.relations++;
      }
      return summary;
    });
  }

  // ---- reads for the UI -----------------------------------------------------------------------

  /** What a hover card shows for an entity, or undefined when it does not exist (any more). */
  async card(entityId: string): Promise<CardData | undefined> {
    const entity = await this.getEntity(entityId);
    if (!entity) return undefined;
    const [events, notes, pack, relatedRecords] = await Promise.all([
      this.eventsOf(entityId),
      this.notesAbout(entityId),
      entity.pack ? this.db.get('packs', entity.pack) : undefined,
      Promise.all(entity.related.map((r) => this.getEntity(r.entity))),
    ]);
    return {
      entity,
      pack: pack ? { id: pack.id, title: pack.title } : null,
      events: events.map((event) => ({
        event,
        role: event.entities.find((l) => l.entity === entityId)?.role ?? (event.place === entityId ? 'place' : ''),
      })),
      related: entity.related.flatMap((r, i) => {
        const other = relatedRecords[i];
        return other ? [{ id: other.id, name: other.name, kind: other.kind, label: r.label }] : [];
      }),
      notes,
    };
  }

  // ---- sync -----------------------------------------------------------------------------------

  /**
   * Every record's sync state, keyed `<type>:<id>`: the kept state of records merged before, the
   * state their stamps give for the others. Tombstones included (a delete must travel).
   */
  async exportSyncState(): Promise<{ revision: number; states: Map<string, StoredSyncRecord> }> {
    const tx = this.db.transaction(['entities', 'events', 'notes', 'sync', 'meta'], 'readonly');
    const [kept, keptKeys, revision] = await Promise.all([
      tx.objectStore('sync').getAll(),
      tx.objectStore('sync').getAllKeys(),
      tx.objectStore('meta').get('revision'),
    ]);
    const states = new Map<string, StoredSyncRecord>(keptKeys.map((k, i) => [k, kept[i]!]));
    for (const name of ['entities', 'events', 'notes'] as const) {
      const type = TYPE_OF_STORE[name];
      for (const record of await tx.objectStore(name).getAll()) {
        const key = syncKey(type, record.id);
        if (!states.has(key)) states.set(key, stateOf(type, record));
      }
    }
    return { revision: (revision as number | undefined) ?? 0, states };
  }

  /**
   * Stores merged sync states (from `mergeMaps` of this store's export and other devices' states):
   * each state that differs from the local one is kept and its record rewritten from its view. Does
   * nothing and returns null when the store changed since `expectedRevision` (the caller merges
   * again with the fresh export, so an edit made during a sync is never overwritten). The local clock
   * moves past every stamp received.
   */
  async applySyncState(
    merged: ReadonlyMap<string, StoredSyncRecord>,
    expectedRevision: number,
  ): Promise<{ changed: number } | null> {
    const tx = this.db.transaction(ALL_STORES, 'readwrite');
    const now = this.now();
    const clock = new HybridClock(this.device, this.clockState, this.now);
    try {
      const meta = tx.objectStore('meta');
      const revision = ((await meta.get('revision')) as number | undefined) ?? 0;
      if (revision !== expectedRevision) {
        tx.abort();
        await tx.done.catch(() => undefined);
        return null;
      }
      let changed = 0;
      const syncStore = tx.objectStore('sync');
      // All reads issued together, writes not awaited one by one (as the pack importer does): the
      // transaction runs them in order, and one that fails aborts it all.
      const entries = [...merged];
      const prevs = await Promise.all(
        entries.map(([key, state]) =>
          Promise.all([tx.objectStore(RECORD_STORES[state.type]).get(state.id), syncStore.get(key)]),
        ),
      );
      const writes: Promise<unknown>[] = [];
      for (const [i, [key, state]] of entries.entries()) {
        const type = state.type;
        const [prevRecord, prevKept] = prevs[i]!;
        const local = prevKept ?? (prevRecord ? stateOf(type, prevRecord as AnyRecord) : undefined);
        if (local && stableJson(local) === stableJson(state)) continue;
        const top = maxStamp(state);
        if (top) clock.receive(top);
        const pair = [
          syncStore.put(state, key),
          tx.objectStore(RECORD_STORES[type]).put(recordOf(type, state, prevRecord as AnyRecord, now) as never),
        ];
        for (const w of pair) w.catch(() => undefined); // handled by Promise.all below, or by the abort
        writes.push(...pair);
        changed++;
      }
      await Promise.all(writes);
      if (changed) {
        await meta.put(clock.snapshot(), 'clock');
        await meta.put(revision + 1, 'revision');
      }
      await tx.done;
      this.clockState = clock.snapshot();
      return { changed };
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // Already finished.
      }
      await tx.done.catch(() => undefined);
      throw e;
    }
  }

  /** Records with kept conflicts: what is shown now, and the concurrent values that lost, per field. */
  async listConflicts(): Promise<ConflictItem[]> {
    const tx = this.db.transaction(['sync', 'entities', 'events', 'notes'], 'readonly');
    const out: ConflictItem[] = [];
    for (const st of await tx.objectStore('sync').getAll()) {
      const conflicts = visibleConflicts(st);
      if (view(st).deleted || Object.keys(conflicts).length === 0) continue;
      const rec = (await tx.objectStore(RECORD_STORES[st.type]).get(st.id)) as AnyRecord | undefined;
      if (!rec) continue;
      const title = 'name' in rec ? rec.name : 'title' in rec ? rec.title : rec.text.slice(0, 80);
      out.push({
        type: st.type,
        id: st.id,
        title,
        fields: Object.entries(conflicts).map(([field, losers]) => ({
          field,
          current: (rec as unknown as Record<string, unknown>)[field],
          others: losers.map((l) => l.value),
        })),
      });
    }
    return out;
  }

  /**
   * Settles a conflict: writes `value` to one field with a fresh stamp even when it is the value shown
   * now (a write that has seen every concurrent value, so the conflict ends wherever it syncs). The
   * record is validated as a save would validate it.
   */
  async resolveField(type: RecordType, id: string, field: string, value: unknown): Promise<AnyRecord> {
    const names = FIELDS[type] as readonly string[];
    if (!names.includes(field))
      throw new AppFailure({ code: 'invalid-input', message: `“${field}” is not a field of a ${type}.` });
    return this.write(async (tx, stamp, now) => {
      const os = tx.objectStore(RECORD_STORES[type]);
      const prev = (await os.get(id)) as AnyRecord | undefined;
      if (!live(prev)) throw notFound(type, id);
      const current = Object.fromEntries(names.map((n) => [n, (prev as unknown as Record<string, unknown>)[n]]));
      const schema = { entity: entityInput, event: eventInput, note: noteInput }[type];
      const checked = validate(schema, { ...current, [field]: value }) as Record<string, unknown>;
      const next = {
        ...prev,
        [field]: checked[field],
        stamps: { ...prev.stamps, [field]: stamp() },
        updatedAt: now,
      };
      const rec = { entity: entityRecord, event: eventRecord, note: noteRecord }[type](next as never);
      await os.put(rec as never);
      return rec;
    });
  }

  /** How many records hold kept conflicts (concurrent values of a field, shown to the user). */
  async countConflicts(): Promise<number> {
    const states = await this.db.getAll('sync');
    return states.filter((st) => !view(st).deleted && Object.keys(visibleConflicts(st)).length > 0).length;
  }

  /** The records as they are now, for the given states' keys (an undo log before a sync writes them). */
  async recordsBefore(
    states: StoredSyncRecord[],
  ): Promise<{ type: RecordType; id: string; before: AnyRecord | null }[]> {
    const tx = this.db.transaction(['entities', 'events', 'notes'], 'readonly');
    return Promise.all(
      states.map(async (st) => ({
        type: st.type,
        id: st.id,
        before: ((await tx.objectStore(RECORD_STORES[st.type]).get(st.id)) as AnyRecord | undefined) ?? null,
      })),
    );
  }

  /**
   * Puts records back as they were (a sync's undo log), as new edits: a record that did not exist is
   * deleted, a deleted one deleted again, a live one gets its earlier fields back with fresh stamps.
   */
  async restoreRecords(entries: { type: RecordType; id: string; before: AnyRecord | null }[]): Promise<number> {
    return this.write(async (tx, stamp, now) => {
      let restored = 0;
      for (const { type, id, before } of entries) {
        const os = tx.objectStore(RECORD_STORES[type]);
        const current = (await os.get(id)) as AnyRecord | undefined;
        if (!before || before.deleted) {
          if (current && !current.deleted) {
            await os.put(tombstone(current, stamp(), now) as never);
            restored++;
          }
          continue;
        }
        const names = FIELDS[type] as readonly string[];
        const fields = Object.fromEntries(names.map((n) => [n, (before as unknown as Record<string, unknown>)[n]]));
        const origin = { id, pack: before.pack, packLocalId: before.packLocalId };
        const { record, change } = nextRecord(current as never, fields as never, names as never, origin, stamp(), {
          createdAt: now,
          updatedAt: now,
        });
        if (change === 'unchanged') continue;
        const rec = { entity: entityRecord, event: eventRecord, note: noteRecord }[type](record as never);
        await os.put(rec as never);
        restored++;
      }
      return restored;
    });
  }

  /** Concurrent values of a record's fields that lost to the shown one (none unless merged). */
  async conflicts(type: RecordType, id: string): Promise<Record<string, { value: unknown; stamp: Hlc }[]>> {
    const state = await this.db.get('sync', syncKey(type, id));
    return state ? visibleConflicts(state) : {};
  }

  async listPacks(): Promise<PackRecord[]> {
    return this.db.getAll('packs');
  }

  async getPack(id: string): Promise<PackRecord | undefined> {
    return this.db.get('packs', id);
  }

  /**
   * Counts of live records, overall and per pack: key counts on the indexes (tombstones are indexed
   * by `deleted.at`), so a store of 50k notes is counted without reading one record.
   */
  async stats(): Promise<StoreStats> {
    // Counting a big store still takes a while (Chrome walks the keys): keep the answer with the
    // revision it was counted at, and count again only after a write.
    const cached = await this.getMeta<{ revision: number; stats: StoreStats }>('stats');
    const revision = await this.revision();
    if (cached?.revision === revision) return cached.stats;
    const stats = await this.countAll();
    // Another write may have committed meanwhile: keep the count only if nothing changed.
    if ((await this.revision()) === revision) await this.setMeta('stats', { revision, stats });
    return stats;
  }

  private async countAll(): Promise<StoreStats> {
    const tx = this.db.transaction(['entities', 'events', 'notes', 'packs'], 'readonly');
    const live = async (name: 'entities' | 'events' | 'notes') =>
      (await tx.objectStore(name).count()) - (await tx.objectStore(name).index('deletedAt').count());
    const livePack = async (name: 'entities' | 'events', id: string) =>
      (await tx.objectStore(name).index('pack').count(id)) -
      (await tx
        .objectStore(name)
        .index('packDeleted')
        .count(IDBKeyRange.bound([id, ''], [id, '\uffff'])));
    const packs = await tx.objectStore('packs').getAll();
    const [entities, events, notes, perPack] = await Promise.all([
      live('entities'),
      live('events'),
      live('notes'),
      Promise.all(
        packs.map(async (p) => ({
          id: p.id,
          title: p.title,
          version: p.version,
          entities: await livePack('entities', p.id),
          events: await livePack('events', p.id),
        })),
      ),
    ]);
    return { entities, events, notes, packs: perPack.sort((a, b) => a.title.localeCompare(b.title)) };
  }

  /** The number of writes committed so far (changes whenever any record changes). */
  async revision(): Promise<number> {
    return ((await this.db.get('meta', 'revision')) as number | undefined) ?? 0;
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
  }

  private async deleteRecord(name: 'entities' | 'events' | 'notes', id: string): Promise<void> {
    await this.write(async (tx, stamp, now) => {
      const store = tx.objectStore(name);
      const prev = await store.get(id);
      if (!live(prev)) throw notFound(RECORD_NAME[name], id);
      await store.put(tombstone(prev, stamp(), now));
    });
  }
}

export type { Change };

function notFound(what: string, id: string): AppFailure {
  return new AppFailure({ code: 'not-found', message: `That ${what} does not exist (any more): ${id}.` });
}

/** The transaction, with the puts into the record stores noted in `written` (last write wins). */
function watchPuts(tx: Tx, written: Map<string, { type: RecordType; record: AnyRecord }>): Tx {
  return new Proxy(tx, {
    get(target, prop) {
      if (prop !== 'objectStore') {
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (name: StoreNames<BackstorySchema>) => {
        const store = target.objectStore(name);
        if (!(name in TYPE_OF_STORE)) return store;
        const type = TYPE_OF_STORE[name as keyof typeof TYPE_OF_STORE];
        return new Proxy(store, {
          get(s, p) {
            if (p === 'put')
              return (record: AnyRecord, key?: string) => {
                written.set(syncKey(type, record.id), { type, record });
                return s.put(record as never, key as never);
              };
            const value = Reflect.get(s, p, s) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(s) : value;
          },
        });
      };
    },
  }) as Tx;
}

/** Moves the kept sync states of the records a write stored (none kept: nothing to do). */
async function advanceSyncStates(
  tx: Tx,
  written: Map<string, { type: RecordType; record: AnyRecord }>,
  freshStamp: () => Hlc,
): Promise<void> {
  if (!written.size) return;
  const syncStore = tx.objectStore('sync');
  if ((await syncStore.count()) === 0) return; // never synced: every state is derived from stamps
  for (const [key, { type, record }] of written) {
    const prev = await syncStore.get(key);
    if (prev) await syncStore.put(advanceState(prev, type, record, freshStamp), key);
  }
}
