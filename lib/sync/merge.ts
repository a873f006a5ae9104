/**
 * The sync merge engine: a state-based CRDT over the knowledge store's records. Pure functions on
 * plain JSON-able data; no storage, no network, no clock (stamps are handed in). See README.md for
 * the model and the laws it obeys.
 *
 * In one paragraph: a record is a map of multi-value registers (one per field, plus the liveness
 * register `deleted`) sharing one causal context `ctx`. Every write is a dot, its HLC stamp; stamps
 * of one device only grow, so a context is a version vector (device -> highest stamp of that device
 * seen for this record) and "dot d was seen" is `ctx[device(d)] >= d`. A merge keeps a value when
 * both sides have it or when the other side has not seen it; a value one side lacks although it has
 * seen it was superseded there (overwritten by a write that had seen it), and goes. Concurrent writes
 * therefore all survive (a visible conflict), and a write supersedes exactly what its writer had seen,
 * whatever the stamps say: a device with a wrong clock can win a conflict, never erase an edit.
 *
 * Values are treated as immutable: the functions here return new records and registers but share
 * the value objects with their inputs, so callers must never mutate a value in place.
 */
import { decodeHlc, encodeHlc, isHlc, type Hlc } from '../hlc';
import type { RecordMeta, RecordType, Stamps } from '../model';

/** One write of a register: its value and its dot (the stamp of the write). */
export interface Versioned<V> {
  value: V;
  stamp: Hlc;
}

/** Device -> the highest stamp of that device this replica has seen for this record. */
export type Context = Record<string, Hlc>;

/** A multi-value register: one value normally, several after concurrent writes. Winner first. */
export type Register<V> = Versioned<V>[];

export type Registers<F> = { [K in keyof F]: Register<F[K]> };

export interface SyncRecord<F extends object> {
  id: string;
  type: RecordType;
  /**
   * Every field is a multi-value register: one value normally; several when writes were concurrent
   * (a conflict). Sorted winner first (highest stamp first).
   */
  fields: Registers<F>;
  /** The liveness register: `true` written by a delete, `false` by every edit (same stamp as the edit). */
  deleted: Register<boolean>;
  ctx: Context;
}

/**
 * Fields whose values are lists of things (aliases, links, tags, relations, sources, linked
 * entities): concurrent values are shown as their union instead of as a conflict, so two devices that
 * each added an alias both keep theirs.
 */
export const SET_FIELDS: ReadonlySet<string> = new Set(['aliases', 'links', 'tags', 'related', 'sources', 'entities']);

// ---- stamps and contexts ------------------------------------------------------------------------

/** The encoding of lib/hlc.ts is fixed-width before the device id: where its separators are. */
const SAMPLE = encodeHlc({ wall: 0, counter: 0, device: 'x' });
const WALL_END = SAMPLE.indexOf('-');
const DEVICE_AT = SAMPLE.length - 1;

/**
 * The device that issued a stamp: `decodeHlc(stamp).device` without the regular expression on the
 * common path (merges call this for every value). Checks the shape only (length and separators) and
 * throws when it is wrong; `validate()` checks stamps fully.
 */
export function deviceOf(stamp: Hlc): string {
  if (stamp.length > DEVICE_AT && stamp[WALL_END] === '-' && stamp[DEVICE_AT - 1] === '-')
    return stamp.slice(DEVICE_AT);
  return decodeHlc(stamp).device;
}

const has = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/** Whether a context has seen a dot. Plain string comparison: stamps of one device sort in time order. */
export function seenBy(ctx: Context, stamp: Hlc): boolean {
  const device = deviceOf(stamp);
  return has(ctx, device) && ctx[device]! >= stamp;
}

/**
 * An object with its keys sorted: the canonical form of contexts and field maps, so that equal states
 * are equal as JSON too. (`Object.fromEntries` also keeps a `__proto__` key an own property.)
 */
function sortKeys<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The pointwise maximum of contexts. */
function joinContexts(...ctxs: Context[]): Context {
  const max = new Map<string, Hlc>();
  for (const ctx of ctxs)
    for (const [device, stamp] of Object.entries(ctx)) {
      const prev = max.get(device);
      if (prev === undefined || stamp > prev) max.set(device, stamp);
    }
  return sortKeys(max);
}

/** `ctx` with the writer's new stamp; a device's stamps must only grow (else the write would be seen already). */
function advance(ctx: Context, stamp: Hlc): Context {
  const device = deviceOf(stamp);
  if (has(ctx, device) && ctx[device]! >= stamp)
    throw new Error(
      `Stamp ${stamp} is not newer than ${ctx[device]}, which this record already has from device ${device}: ` +
        'feed the clock with maxStamp() of merged records before writing.',
    );
  return joinContexts(ctx, { [device]: stamp });
}

/** The highest stamp a record holds (its context covers every value), to feed `HybridClock.receive`. */
export function maxStamp(rec: SyncRecord<object>): Hlc | undefined {
  let max: Hlc | undefined;
  for (const stamp of Object.values(rec.ctx)) if (max === undefined || stamp > max) max = stamp;
  return max;
}

// ---- canonical JSON (value equality) ------------------------------------------------------------

/** JSON with object keys sorted, so equal values serialize equally whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---- registers ----------------------------------------------------------------------------------

/**
 * A register in canonical form: new entry objects, highest stamp first, one entry per stamp. A stamp
 * names one write, so two entries with one stamp are the same write; should corrupt data ever give
 * them different values, the one whose JSON sorts first is kept so that merges still agree.
 */
function canonicalRegister<V>(entries: readonly Versioned<V>[]): Register<V> {
  if (entries.length === 1) return [{ value: entries[0]!.value, stamp: entries[0]!.stamp }];
  const sorted = [...entries].sort((x, y) => {
    if (x.stamp !== y.stamp) return x.stamp > y.stamp ? -1 : 1;
    const jx = stableJson(x.value);
    const jy = stableJson(y.value);
    return jx < jy ? -1 : jx > jy ? 1 : 0;
  });
  const out: Register<V> = [];
  for (const e of sorted) if (out.length === 0 || out[out.length - 1]!.stamp !== e.stamp) out.push({ ...e });
  return out;
}

/**
 * The join of two registers: a value survives if both sides have it, or if the side lacking it has
 * not seen it (it is news there). A value lacking on a side that has seen it was superseded there.
 */
function mergeRegister<V>(
  ra: readonly Versioned<V>[],
  ctxA: Context,
  rb: readonly Versioned<V>[],
  ctxB: Context,
): Register<V> {
  const out: Versioned<V>[] = [];
  for (const e of ra) if (rb.some((o) => o.stamp === e.stamp) || !seenBy(ctxB, e.stamp)) out.push(e);
  for (const e of rb) if (ra.some((o) => o.stamp === e.stamp) || !seenBy(ctxA, e.stamp)) out.push(e);
  return canonicalRegister(out);
}

// ---- operations ---------------------------------------------------------------------------------

/** Registers with their keys sorted (canonical form). */
function sortedFields<F>(fields: Record<string, Register<unknown>>): Registers<F> {
  return sortKeys(Object.entries(fields)) as Registers<F>;
}

/** A new record: every field written by one write, live. */
export function create<F extends object>(id: string, type: RecordType, fields: F, stamp: Hlc): SyncRecord<F> {
  const regs: Record<string, Register<unknown>> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) regs[name] = [{ value, stamp }];
  return { id, type, fields: sortedFields<F>(regs), deleted: [{ value: false, stamp }], ctx: advance({}, stamp) };
}

/**
 * A local write of some fields (undefined values are skipped). Each written register becomes just
 * the new value: this replica has seen every value it holds, so the write supersedes them all (and
 * only them: a concurrent value it has not seen survives the next merge). The record becomes live.
 * An empty patch is an undelete (and dismisses a "resurrected" flag).
 *
 * Write only the fields the user changed: writing an unchanged field would turn a concurrent remote
 * edit of that field into a conflict the user did not cause.
 */
export function edit<F extends object>(rec: SyncRecord<F>, patch: Partial<F>, stamp: Hlc): SyncRecord<F> {
  const ctx = advance(rec.ctx, stamp);
  const regs: Record<string, Register<unknown>> = { ...(rec.fields as Record<string, Register<unknown>>) };
  for (const [name, value] of Object.entries(patch)) if (value !== undefined) regs[name] = [{ value, stamp }];
  return { id: rec.id, type: rec.type, fields: sortedFields<F>(regs), deleted: [{ value: false, stamp }], ctx };
}

/**
 * A local delete: the liveness register becomes `true`, superseding the edits this replica has seen.
 * Fields are kept (undo, and resurrection by a concurrent edit the delete had not seen).
 */
export function remove<F extends object>(rec: SyncRecord<F>, stamp: Hlc): SyncRecord<F> {
  const ctx = advance(rec.ctx, stamp);
  return { id: rec.id, type: rec.type, fields: { ...rec.fields }, deleted: [{ value: true, stamp }], ctx };
}

/**
 * Resolves a conflict: an edit of one field, which supersedes every concurrent value this replica
 * holds (pick one of them, or write a new value). A value it had not seen stays a conflict.
 */
export function resolve<F extends object, K extends keyof F>(
  rec: SyncRecord<F>,
  field: K,
  value: F[K],
  stamp: Hlc,
): SyncRecord<F> {
  return edit(rec, { [field]: value } as unknown as Partial<F>, stamp);
}

/**
 * The join of two states of one record: commutative, associative and idempotent (results deep-equal,
 * key order included, whatever the order), so replicas converge whatever order states arrive in.
 * A register missing on one side counts as empty.
 */
export function merge<F extends object>(a: SyncRecord<F>, b: SyncRecord<F>): SyncRecord<F> {
  if (a.id !== b.id || a.type !== b.type)
    throw new Error(`Cannot merge ${a.type} ${a.id} with ${b.type} ${b.id}: different records.`);
  const fa = a.fields as Record<string, Register<unknown>>;
  const fb = b.fields as Record<string, Register<unknown>>;
  const regs: Record<string, Register<unknown>> = {};
  for (const name of new Set([...Object.keys(fa), ...Object.keys(fb)])) {
    const merged = mergeRegister(has(fa, name) ? fa[name]! : [], a.ctx, has(fb, name) ? fb[name]! : [], b.ctx);
    if (merged.length > 0) regs[name] = merged;
  }
  return {
    id: a.id,
    type: a.type,
    fields: sortedFields<F>(regs),
    deleted: mergeRegister(a.deleted, a.ctx, b.deleted, b.ctx),
    ctx: joinContexts(a.ctx, b.ctx),
  };
}

/**
 * The join of two whole stores (keyed by whatever the caller uses: key by type and id if ids can repeat
 * across types). A record on one side only is kept as is. Keys come out sorted.
 */
export function mergeMaps<F extends object>(
  a: ReadonlyMap<string, SyncRecord<F>>,
  b: ReadonlyMap<string, SyncRecord<F>>,
): Map<string, SyncRecord<F>> {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out = new Map<string, SyncRecord<F>>();
  for (const key of keys) {
    const x = a.get(key);
    const y = b.get(key);
    out.set(key, x && y ? merge(x, y) : (x ?? y)!);
  }
  return out;
}

// ---- what the user sees -------------------------------------------------------------------------

export interface View<F extends object> {
  /** Per field the winner; for set-like fields the union of the concurrent values, winner's first. */
  values: F;
  /**
   * Per non-set field with concurrent values that differ from the winner's: those values (the
   * losers, highest stamp first, one per distinct value). Absent when there is no conflict.
   */
  conflicts: { [K in keyof F]?: Versioned<F[K]>[] };
  /** True only when every concurrent write of the liveness register is a delete. */
  deleted: boolean;
  /** A delete and an edit it had not seen met: the record is live again, and the UI should say so. */
  resurrected: boolean;
}

/** The items of the lists in order, each distinct item (by canonical JSON) once. */
function union(lists: unknown[][]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const list of lists)
    for (const item of list) {
      const key = stableJson(item);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(item);
      }
    }
  return out;
}

/**
 * What a record shows. A field with no register (a record from before the field existed) is absent
 * from `values`: the caller supplies the default.
 */
export function view<F extends object>(rec: SyncRecord<F>, setFields: ReadonlySet<string> = SET_FIELDS): View<F> {
  const values: Record<string, unknown> = {};
  const conflicts: Record<string, Versioned<unknown>[]> = {};
  for (const [name, reg] of Object.entries(rec.fields as Record<string, Register<unknown>>)) {
    const winner = reg[0];
    if (!winner) continue;
    if (setFields.has(name) && reg.every((e) => Array.isArray(e.value))) {
      values[name] = reg.length === 1 ? winner.value : union(reg.map((e) => e.value as unknown[]));
      continue;
    }
    values[name] = winner.value;
    const shown = new Set([stableJson(winner.value)]);
    const losers: Versioned<unknown>[] = [];
    for (const e of reg.slice(1)) {
      const key = stableJson(e.value);
      if (shown.has(key)) continue; // the same value written twice is no conflict
      shown.add(key);
      losers.push({ value: e.value, stamp: e.stamp });
    }
    if (losers.length > 0) conflicts[name] = losers;
  }
  const deletes = rec.deleted.filter((e) => e.value).length;
  return {
    values: values as F,
    conflicts: conflicts as View<F>['conflicts'],
    deleted: deletes > 0 && deletes === rec.deleted.length,
    resurrected: deletes > 0 && deletes < rec.deleted.length,
  };
}

/**
 * What is wrong with a state, if anything (empty when it is a valid canonical record). For states
 * read from storage or from another device, before merging them: registers sorted by stamp, highest
 * first, one entry per stamp, every stamp covered by the context, context keys sorted and each
 * holding a stamp of its own device, a non-empty liveness register of booleans.
 */
export function validate(rec: SyncRecord<object>): string[] {
  const errors: string[] = [];
  const check = (where: string, reg: unknown) => {
    if (!Array.isArray(reg) || reg.length === 0) {
      errors.push(`${where}: not a non-empty register`);
      return;
    }
    let prev: string | undefined;
    for (const e of reg as Versioned<unknown>[]) {
      if (typeof e?.stamp !== 'string' || !isHlc(e.stamp)) {
        errors.push(`${where}: an entry without a valid stamp`);
        return;
      }
      if (!seenBy(rec.ctx, e.stamp)) errors.push(`${where}: stamp ${e.stamp} not covered by the context`);
      if (prev !== undefined && !(e.stamp < prev)) errors.push(`${where}: not sorted, or a stamp twice (${e.stamp})`);
      prev = e.stamp;
    }
  };
  const devices = Object.keys(rec.ctx);
  if (devices.some((d, i) => i > 0 && !(devices[i - 1]! < d))) errors.push('ctx: keys not sorted');
  for (const [device, stamp] of Object.entries(rec.ctx)) {
    if (typeof stamp !== 'string' || !isHlc(stamp)) errors.push(`ctx: bad stamp ${String(stamp)}`);
    else if (deviceOf(stamp) !== device) errors.push(`ctx: ${stamp} filed under device ${device}`);
  }
  const names = Object.keys(rec.fields);
  if (names.some((n, i) => i > 0 && !(names[i - 1]! < n))) errors.push('fields: keys not sorted');
  for (const name of names) check(`fields.${name}`, (rec.fields as Record<string, unknown>)[name]);
  check('deleted', rec.deleted);
  if (Array.isArray(rec.deleted) && rec.deleted.some((e) => typeof e?.value !== 'boolean'))
    errors.push('deleted: a value that is not a boolean');
  return errors;
}

// ---- adapters to today's stored records (lib/model.ts) ------------------------------------------

/**
 * A stored record (fields + one stamp per field + tombstone) as a sync record: every field a
 * single-value register with its stamp; live -> `deleted` is `false` at the newest field stamp;
 * tombstone -> `true` at the delete's stamp; the context is, per device, the newest stamp found in
 * the record (field stamps, the delete's stamp and the stamps the delete had seen). Sound because a
 * stored record is the latest local state: it has seen every write it ever merged or made.
 *
 * Not carried over: pack, packLocalId, imported, createdAt, updatedAt, the derived index keys and the
 * tombstone's `by` (local metadata today; see README.md, "What callers must do").
 */
export function fromStored<F extends object>(
  record: F & RecordMeta<F>,
  fieldNames: readonly (keyof F & string)[],
  type: RecordType,
): SyncRecord<F> {
  if (fieldNames.length === 0) throw new Error('fromStored needs the names of the synced fields.');
  const regs: Record<string, Register<unknown>> = {};
  const all: Hlc[] = [];
  for (const name of fieldNames) {
    const stamp = record.stamps[name];
    regs[name] = [{ value: record[name], stamp }];
    all.push(stamp);
  }
  if (record.deleted) all.push(record.deleted.at, ...Object.values<Hlc>(record.deleted.seen));
  const ctx = joinContexts(...all.map((s) => ({ [deviceOf(s)]: s })));
  const newest = all.reduce((m, s) => (s > m ? s : m));
  const deleted = record.deleted ? [{ value: true, stamp: record.deleted.at }] : [{ value: false, stamp: newest }];
  return { id: record.id, type, fields: sortedFields<F>(regs), deleted, ctx };
}

/** What today's stored record can hold of a sync record. */
export interface StoredFields<F> {
  /** The view's values (winners; unions for set-like fields). */
  fields: F;
  /** Per field, the winner's stamp. */
  stamps: Stamps<F>;
  /** When the view is deleted: the newest delete's stamp and the field stamps (`Tombstone` minus `by`). */
  deleted: { at: Hlc; seen: Stamps<F> } | null;
}

/**
 * A sync record as today's stored fields. Lossy: the losers of conflicts, the resurrected flag and the
 * context cannot be stored in today's schema, so a store that kept only this would forget conflicts
 * and could not tell a concurrent edit from a sequential one. The store integration must persist
 * the SyncRecord itself (or its registers and context) next to these.
 */
export function toStoredFields<F extends object>(rec: SyncRecord<F>): StoredFields<F> {
  const v = view(rec);
  const stamps: Record<string, Hlc> = {};
  for (const [name, reg] of Object.entries(rec.fields as Record<string, Register<unknown>>))
    if (reg[0]) stamps[name] = reg[0].stamp;
  return {
    fields: v.values,
    stamps: stamps as Stamps<F>,
    deleted: v.deleted ? { at: rec.deleted[0]!.stamp, seen: stamps as Stamps<F> } : null,
  };
}
