/**
 * The knowledge store: entities, events and notes in IndexedDB, with per-field clock stamps and
 * tombstones for sync. Every write runs in one transaction together with the clock it advances, so a
 * failed write (a full disk, the background stopped half-way) leaves both the records and the clock as
 * they were. Every record read is checked against the model: a damaged one is hidden and set aside
 * (lib/store/damaged.ts) instead of breaking what reads it.
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
import { CHECKED_STORES, damage, keyOf, type CheckedStore } from './damaged';
import { failureOf } from './failure';
import { backTo, FIELDS, entityRecord, eventRecord, nextRecord, noteRecord, tombstone, type Change } from './records';
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
/** What a write may touch: the records and their bookkeeping (never the snapshots). */
const ALL_STORES: StoreNames<BackstorySchema>[] = ['entities', 'events', 'notes', 'packs', 'meta', 'sync', 'damaged'];
type Checked<N extends CheckedStore> = BackstorySchema[N]['value'];

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
  /** Damaged records set aside (they did not match the model; see lib/store/damaged.ts). */
  damaged: number;
}

/** Everything a snapshot keeps: the live records and the installed packs. */
export interface StoreContents {
  revision: number;
  entities: EntityRecord[];
  events: EventRecord[];
  notes: NoteRecord[];
  packs: PackRecord[];
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
    /** The store's clock (epoch ms); tests give their own. */
    readonly now: () => number,
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
   * clock's new state is saved in the same transaction and adopted only if it commits. Records the
   * work reads are checked: a damaged one reads as absent and is set aside in the same transaction.
   * A failure leaves everything as it was and is thrown as an AppFailure saying that `failed` (e.g.
   * "the note was not saved") when it is the storage's own.
   */
  async write<T>(
    work: (tx: Tx, stamp: () => Hlc, now: number) => Promise<T>,
    failed = 'the change was not saved',
  ): Promise<T> {
    const clock = new HybridClock(this.device, this.clockState, this.now);
    const tx = this.db.transaction(ALL_STORES, 'readwrite');
    const now = this.now();
    try {
      // Every record the work stores is noted, so that its sync state (if it has one) follows.
      const written = new Map<string, { type: RecordType; record: AnyRecord }>();
      const result = await work(instrument(tx, now, written), () => clock.tick(), now);
      await advanceSyncStates(tx, written, () => clock.tick());
      const meta = tx.objectStore('meta');
      await meta.put(clock.snapshot(), 'clock');
      // A counter of committed writes: caches derived from the store (the dictionary) compare it.
      await meta.put((((await meta.get('revision')) as number | undefined) ?? 0) + 1, 'revision');
      await tx.done;
      this.clockState = clock.snapshot();
      return result;
    } catch (e) {
      throw await failureOf(tx, e, failed);
    }
  }

  // ---- checked reads --------------------------------------------------------------------------

  /**
   * `values` read from `name` without the damaged ones, which are set aside (a write of their own)
   * before this returns. Setting aside is best effort: the read succeeds either way.
   */
  private async sound<N extends CheckedStore>(name: N, values: unknown[]): Promise<Checked<N>[]> {
    const good: Checked<N>[] = [];
    const bad: IDBValidKey[] = [];
    for (const v of values) {
      if (damage(name, v) === null) good.push(v as Checked<N>);
      else bad.push(keyOf(v)!);
    }
    if (bad.length) await this.setAside(name, bad);
    return good;
  }

  private async soundOne<N extends CheckedStore>(name: N, value: unknown): Promise<Checked<N> | undefined> {
    return value === undefined ? undefined : (await this.sound(name, [value]))[0];
  }

  /** Moves damaged records out of `name`: the checked reads of a write do it (see `instrument`). */
  private async setAside(name: CheckedStore, keys: IDBValidKey[]): Promise<void> {
    try {
      await this.write(async (tx) => {
        for (const key of keys) await tx.objectStore(name).get(key as string);
      }, 'the damaged records were not set aside');
    } catch (e) {
      console.warn('Backstory: damaged records could not be set aside', e);
    }
  }

  /** Every record of a store, tombstones included, without damaged ones (in key order). */
  async readAll<N extends CheckedStore>(name: N): Promise<Checked<N>[]> {
    return this.sound(name, await this.db.getAll(name));
  }

  /** The live records and the packs, read in one transaction (what a snapshot keeps). */
  async contents(): Promise<StoreContents> {
    const tx = this.db.transaction(['entities', 'events', 'notes', 'packs', 'meta'], 'readonly');
    const [entities, events, notes, packs, revision] = await Promise.all([
      tx.objectStore('entities').getAll(),
      tx.objectStore('events').getAll(),
      tx.objectStore('notes').getAll(),
      tx.objectStore('packs').getAll(),
      tx.objectStore('meta').get('revision'),
    ]);
    return {
      revision: (revision as number | undefined) ?? 0,
      entities: (await this.sound('entities', entities)).filter(live),
      events: (await this.sound('events', events)).filter(live),
      notes: (await this.sound('notes', notes)).filter(live),
      packs: await this.sound('packs', packs),
    };
  }

  // ---- entities -------------------------------------------------------------------------------

  async getEntity(id: string): Promise<EntityRecord | undefined> {
    const r = await this.soundOne('entities', await this.db.get('entities', id));
    return live(r) ? r : undefined;
  }

  async listEntities(): Promise<EntityRecord[]> {
    return (await this.readAll('entities')).filter(live);
  }

  /** Entities one of whose names folds to the same key as `text` (case-insensitively). */
  async findByAlias(text: string): Promise<EntityRecord[]> {
    return (await this.sound('entities', await this.db.getAllFromIndex('entities', 'aliasKeys', foldKey(text)))).filter(
      live,
    );
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
    }, 'the entity was not saved');
  }

  /** Deletes an entity (a tombstone). Its events and notes stay; they show it as deleted. */
  async deleteEntity(id: string): Promise<void> {
    await this.deleteRecord('entities', id);
  }

  // ---- events ---------------------------------------------------------------------------------

  async getEvent(id: string): Promise<EventRecord | undefined> {
    const r = await this.soundOne('events', await this.db.get('events', id));
    return live(r) ? r : undefined;
  }

  async listEvents(): Promise<EventRecord[]> {
    return (await this.readAll('events')).filter(live).sort((a, b) => comparePartialDates(a.date, b.date));
  }

  /** Events linked to an entity (as participant or place), oldest first. */
  async eventsOf(entityId: string): Promise<EventRecord[]> {
    const list = (await this.sound('events', await this.db.getAllFromIndex('events', 'entityIds', entityId))).filter(
      live,
    );
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
    }, 'the event was not saved');
  }

  async deleteEvent(id: string): Promise<void> {
    await this.deleteRecord('events', id);
  }

  // ---- notes ----------------------------------------------------------------------------------

  async getNote(id: string): Promise<NoteRecord | undefined> {
    const r = await this.soundOne('notes', await this.db.get('notes', id));
    return live(r) ? r : undefined;
  }

  /** Notes about an entity or event, newest first. */
  async notesAbout(id: string): Promise<NoteRecord[]> {
    const list = (await this.sound('notes', await this.db.getAllFromIndex('notes', 'aboutId', id))).filter(live);
    return list.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** The most recently written notes, newest first. */
  async recentNotes(limit = 20): Promise<NoteRecord[]> {
    const read: unknown[] = [];
    let cursor = await this.db.transaction('notes').store.index('updatedAt').openCursor(null, 'prev');
    // A damaged note may lack `deleted` or `updatedAt`: it is checked after the cursor (and not counted).
    let counted = 0;
    while (cursor && counted < limit) {
      read.push(cursor.value);
      if (damage('notes', cursor.value) === null && live(cursor.value)) counted++;
      cursor = await cursor.continue();
    }
    return (await this.sound('notes', read)).filter(live);
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
    }, 'the note was not saved');
  }

  async deleteNote(id: string): Promise<void> {
    await this.deleteRecord('notes', id);
  }

  /** Every live note, newest first (the manager's notes list). */
  async listNotes(): Promise<NoteRecord[]> {
    return (await this.readAll('notes')).filter(live).sort((a, b) => b.updatedAt - a.updatedAt);
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
    }, `the ${type} was not restored`);
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
    }, 'the entities were not merged');
  }

  // ---- reads for the UI -----------------------------------------------------------------------

  /** What a hover card shows for an entity, or undefined when it does not exist (any more). */
  async card(entityId: string): Promise<CardData | undefined> {
    const entity = await this.getEntity(entityId);
    if (!entity) return undefined;
    const [events, notes, pack, relatedRecords] = await Promise.all([
      this.eventsOf(entityId),
      this.notesAbout(entityId),
      entity.pack ? this.getPack(entity.pack) : undefined,
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
    const names = ['entities', 'events', 'notes'] as const;
    const [kept, keptKeys, revision, ...records] = await Promise.all([
      tx.objectStore('sync').getAll(),
      tx.objectStore('sync').getAllKeys(),
      tx.objectStore('meta').get('revision'),
      ...names.map((name) => tx.objectStore(name).getAll()),
    ]);
    const states = new Map<string, StoredSyncRecord>(keptKeys.map((k, i) => [k, kept[i]!]));
    for (const [i, name] of names.entries()) {
      const type = TYPE_OF_STORE[name];
      for (const record of await this.sound(name, records[i]!)) {
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
    const raw = this.db.transaction(ALL_STORES, 'readwrite');
    const now = this.now();
    const tx = instrument(raw, now);
    const clock = new HybridClock(this.device, this.clockState, this.now);
    try {
      const meta = tx.objectStore('meta');
      const revision = ((await meta.get('revision')) as number | undefined) ?? 0;
      if (revision !== expectedRevision) {
        raw.abort();
        await raw.done.catch(() => undefined);
        return null;
      }
      let changed = 0;
      const damagedBefore = await tx.objectStore('damaged').count();
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
      if (changed) await meta.put(clock.snapshot(), 'clock');
      // A damaged record set aside by the reads above changed the store too.
      if (changed || (await tx.objectStore('damaged').count()) !== damagedBefore)
        await meta.put(revision + 1, 'revision');
      await raw.done;
      this.clockState = clock.snapshot();
      return { changed };
    } catch (e) {
      throw await failureOf(raw, e, 'the changes from the other devices were not saved');
    }
  }

  /** Records with kept conflicts: what is shown now, and the concurrent values that lost, per field. */
  async listConflicts(): Promise<ConflictItem[]> {
    const tx = this.db.transaction(['sync', 'entities', 'events', 'notes'], 'readonly');
    const withConflicts = (await tx.objectStore('sync').getAll()).filter(
      (st) => !view(st).deleted && Object.keys(visibleConflicts(st)).length > 0,
    );
    const read = await Promise.all(withConflicts.map((st) => tx.objectStore(RECORD_STORES[st.type]).get(st.id)));
    const out: ConflictItem[] = [];
    for (const [i, st] of withConflicts.entries()) {
      const conflicts = visibleConflicts(st);
      const rec = (await this.soundOne(RECORD_STORES[st.type], read[i])) as AnyRecord | undefined;
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
    }, 'the conflict was not settled');
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
    const read = await Promise.all(states.map((st) => tx.objectStore(RECORD_STORES[st.type]).get(st.id)));
    const out: { type: RecordType; id: string; before: AnyRecord | null }[] = [];
    for (const [i, st] of states.entries()) {
      // A damaged record has no earlier content worth putting back.
      const before = (await this.soundOne(RECORD_STORES[st.type], read[i])) as AnyRecord | undefined;
      out.push({ type: st.type, id: st.id, before: before ?? null });
    }
    return out;
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
        const rec = backTo(type, (await os.get(id)) as AnyRecord | undefined, before, stamp, now);
        if (!rec) continue;
        await os.put(rec as never);
        restored++;
      }
      return restored;
    }, 'the records were not restored');
  }

  /**
   * Puts the whole store back to `contents` (a snapshot's), in one transaction and as new edits, as
   * `restoreRecords` does for one sync: records the snapshot has get their content back with fresh
   * stamps (so the restore wins over what happened since, here and on other devices), live records
   * it does not have are deleted (by their pack's removal when they came from a pack, so that
   * installing the pack again brings them back), and the packs are the snapshot's. Returns how many
   * records changed.
   */
  async restoreContents(contents: Omit<StoreContents, 'revision'>): Promise<number> {
    return this.write(async (tx, stamp, now) => {
      let restored = 0;
      const lists = { entity: contents.entities, event: contents.events, note: contents.notes };
      for (const type of ['entity', 'event', 'note'] as const) {
        const os = tx.objectStore(RECORD_STORES[type]);
        const current = new Map(((await os.getAll()) as AnyRecord[]).map((r) => [r.id, r]));
        const wanted = new Map<string, AnyRecord>(lists[type].map((r) => [r.id, r]));
        const writes: Promise<unknown>[] = [];
        for (const id of new Set([...current.keys(), ...wanted.keys()])) {
          const was = current.get(id);
          const rec = backTo(type, was, wanted.get(id) ?? null, stamp, now, was?.pack ? 'pack' : 'user');
          if (!rec) continue;
          // Not awaited one by one (as the pack importer does): one that fails aborts them all.
          const write = os.put(rec as never);
          write.catch(() => undefined);
          writes.push(write);
          restored++;
        }
        await Promise.all(writes);
      }
      const packs = tx.objectStore('packs');
      const keep = new Set(contents.packs.map((p) => p.id));
      for (const p of await packs.getAll()) if (!keep.has(p.id)) await packs.delete(p.id);
      for (const p of contents.packs) await packs.put(p);
      return restored;
    }, 'the snapshot was not restored');
  }

  /** Concurrent values of a record's fields that lost to the shown one (none unless merged). */
  async conflicts(type: RecordType, id: string): Promise<Record<string, { value: unknown; stamp: Hlc }[]>> {
    const state = await this.db.get('sync', syncKey(type, id));
    return state ? visibleConflicts(state) : {};
  }

  async listPacks(): Promise<PackRecord[]> {
    return this.readAll('packs');
  }

  async getPack(id: string): Promise<PackRecord | undefined> {
    return this.soundOne('packs', await this.db.get('packs', id));
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
    const tx = this.db.transaction(['entities', 'events', 'notes', 'packs', 'damaged'], 'readonly');
    const live = async (name: 'entities' | 'events' | 'notes') =>
      (await tx.objectStore(name).count()) - (await tx.objectStore(name).index('deletedAt').count());
    const livePack = async (name: 'entities' | 'events', id: string) =>
      (await tx.objectStore(name).index('pack').count(id)) -
      (await tx
        .objectStore(name)
        .index('packDeleted')
        .count(IDBKeyRange.bound([id, ''], [id, '\uffff'])));
    // Packs are checked after the counts: setting a damaged one aside would end this transaction.
    const rawPacks = await tx.objectStore('packs').getAll();
    const packs = rawPacks.filter((p) => damage('packs', p) === null);
    const [entities, events, notes, damaged, perPack] = await Promise.all([
      live('entities'),
      live('events'),
      live('notes'),
      tx.objectStore('damaged').count(),
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
    if (packs.length < rawPacks.length) await this.sound('packs', rawPacks);
    return { entities, events, notes, damaged, packs: perPack.sort((a, b) => a.title.localeCompare(b.title)) };
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
    }, `the ${RECORD_NAME[name]} was not deleted`);
  }
}

export type { Change };

function notFound(what: string, id: string): AppFailure {
  return new AppFailure({ code: 'not-found', message: `That ${what} does not exist (any more): ${id}.` });
}

const bound = (target: object, prop: string | symbol): unknown => {
  const value = Reflect.get(target, prop, target) as unknown;
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
};

/**
 * The transaction as a write's work sees it. Reads of records (`get`, `getAll`, an index's
 * `getAll`) are checked: a damaged record reads as absent and is moved, in this same transaction,
 * into the `damaged` store (so a write that replaces it keeps the damaged original, and an abort
 * puts it back). Puts into the record stores are noted in `written` (last write wins).
 */
function instrument(tx: Tx, now: number, written?: Map<string, { type: RecordType; record: AnyRecord }>): Tx {
  const sound = async (name: CheckedStore, values: unknown[]) => {
    const good: unknown[] = [];
    for (const value of values) {
      const why = damage(name, value);
      if (why === null) {
        good.push(value);
        continue;
      }
      const key = keyOf(value)!;
      await tx.objectStore('damaged').add({ store: name, key, value, reason: why, at: now });
      await tx.objectStore(name).delete(key as string);
    }
    return good;
  };
  const checkedIndex = (name: CheckedStore, index: object) =>
    new Proxy(index, {
      get(i, p) {
        if (p !== 'getAll') return bound(i, p);
        return (...args: unknown[]) =>
          (bound(i, 'getAll') as (...a: unknown[]) => Promise<unknown[]>)(...args).then((list) => sound(name, list));
      },
    });
  return new Proxy(tx, {
    get(target, prop) {
      if (prop !== 'objectStore') return bound(target, prop);
      return (name: StoreNames<BackstorySchema>) => {
        const store = target.objectStore(name);
        if (!(CHECKED_STORES as readonly string[]).includes(name)) return store;
        const checked = name as CheckedStore;
        const type = checked === 'packs' ? null : TYPE_OF_STORE[checked];
        return new Proxy(store, {
          get(s, p) {
            if (p === 'put' && type && written)
              return (record: AnyRecord, key?: string) => {
                written.set(syncKey(type, record.id), { type, record });
                return s.put(record as never, key as never);
              };
            if (p === 'get')
              return async (key: string) => {
                const value = await s.get(key as never);
                return value === undefined ? undefined : (await sound(checked, [value]))[0];
              };
            if (p === 'getAll')
              return async (...args: unknown[]) =>
                sound(checked, await (bound(s, 'getAll') as (...a: unknown[]) => Promise<unknown[]>)(...args));
            if (p === 'index') return (n: string) => checkedIndex(checked, s.index(n as never));
            return bound(s, p);
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
