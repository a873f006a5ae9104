/** Building stored records from fields: stamping changed fields, tombstones, derived index keys. */
import type { Hlc } from '../hlc';
import {
  ENTITY_FIELDS,
  EVENT_FIELDS,
  NOTE_FIELDS,
  type EntityFields,
  type EntityRecord,
  type EventFields,
  type EventRecord,
  type NoteFields,
  type NoteRecord,
  type RecordMeta,
  type RecordType,
  type Stamps,
} from '../model';
import { foldKey } from '../text';

export type Change = 'added' | 'updated' | 'unchanged';

export interface Origin {
  id: string;
  pack: string | null;
  packLocalId: string | null;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The next version of a record: fields whose value changed get the new stamp, the others keep
 * theirs (so a later merge sees exactly which fields this write touched). Writing to a tombstone
 * brings the record back.
 *
 * An `import` (a pack being installed or updated) differs in two ways: it leaves alone the fields the
 * user edited since the pack last set them, and it does not bring back what the user deleted. Either
 * way the user's change is kept, and `kept` says so.
 */
export function nextRecord<F extends object>(
  prev: (F & RecordMeta<F>) | undefined,
  fields: F,
  names: readonly (keyof F)[],
  origin: Origin,
  stamp: Hlc,
  times: { createdAt: number; updatedAt: number },
  mode: 'edit' | 'import' = 'edit',
): { record: F & RecordMeta<F>; change: Change; kept: boolean } {
  if (mode === 'import' && prev?.deleted?.by === 'user') return { record: prev, change: 'unchanged', kept: true };
  const live = prev && !prev.deleted ? prev : undefined;
  const stamps = {} as Stamps<F>;
  const imported: Partial<Stamps<F>> | null =
    mode === 'import' ? { ...(live?.imported ?? {}) } : (live?.imported ?? null);
  let changed = !live || live.pack !== origin.pack || live.packLocalId !== origin.packLocalId;
  let kept = false;
  const out = {} as F;
  for (const name of names) {
    const editedByUser =
      mode === 'import' &&
      live?.imported &&
      live.stamps[name] !== live.imported[name] &&
      !same(live[name], fields[name]);
    if (editedByUser) {
      out[name] = live[name];
      stamps[name] = live.stamps[name];
      kept = true;
    } else if (live && same(live[name], fields[name])) {
      out[name] = live[name];
      stamps[name] = live.stamps[name];
    } else {
      out[name] = fields[name];
      stamps[name] = stamp;
      if (mode === 'import') imported![name] = stamp; // an edit leaves `imported` as it was
      changed = true;
    }
  }
  if (!changed && live) return { record: live, change: 'unchanged', kept };
  const record = {
    ...out,
    id: origin.id,
    pack: origin.pack,
    packLocalId: origin.packLocalId,
    stamps,
    imported,
    deleted: null,
    createdAt: prev?.createdAt ?? times.createdAt,
    updatedAt: times.updatedAt,
  } as F & RecordMeta<F>;
  return { record, change: live ? 'updated' : 'added', kept };
}

/** The tombstone of a record: content kept (undo, resurrection), `seen` records what was deleted. */
export function tombstone<R extends RecordMeta<object>>(
  rec: R,
  stamp: Hlc,
  now: number,
  by: 'user' | 'pack' = 'user',
): R {
  return { ...rec, deleted: { at: stamp, seen: { ...rec.stamps }, by }, updatedAt: now };
}

const unique = <T>(xs: T[]) => [...new Set(xs)];

export function entityRecord(r: EntityFields & RecordMeta<EntityFields>): EntityRecord {
  return { ...r, aliasKeys: unique([r.name, ...r.aliases.map((a) => a.text)].map(foldKey).filter(Boolean)) };
}
export function eventRecord(r: EventFields & RecordMeta<EventFields>): EventRecord {
  return { ...r, entityIds: unique([...r.entities.map((l) => l.entity), ...(r.place ? [r.place] : [])]) };
}
export function noteRecord(r: NoteFields & RecordMeta<NoteFields>): NoteRecord {
  return { ...r, aboutId: r.about.id };
}

export const FIELDS = { entity: ENTITY_FIELDS, event: EVENT_FIELDS, note: NOTE_FIELDS } as const;

const BUILD = { entity: entityRecord, event: eventRecord, note: noteRecord } as const;

/**
 * The record that puts `current` back to `before` (an earlier copy, or null: it did not exist) as a
 * new edit: fields that differ get a fresh stamp (so the change wins over the one it undoes, here
 * and on other devices), and a record that should not exist becomes a tombstone (`by` whom). Null
 * when there is nothing to change. Shared by undoing a sync and restoring a snapshot.
 */
export function backTo(
  type: RecordType,
  current: EntityRecord | EventRecord | NoteRecord | undefined,
  before: EntityRecord | EventRecord | NoteRecord | null,
  stamp: () => Hlc,
  now: number,
  by: 'user' | 'pack' = 'user',
): EntityRecord | EventRecord | NoteRecord | null {
  if (!before || before.deleted) return current && !current.deleted ? tombstone(current, stamp(), now, by) : null;
  const names = FIELDS[type] as readonly string[];
  const fields = Object.fromEntries(names.map((n) => [n, (before as unknown as Record<string, unknown>)[n]]));
  const origin = { id: before.id, pack: before.pack, packLocalId: before.packLocalId };
  const { record, change } = nextRecord(current as never, fields as never, names as never, origin, stamp(), {
    createdAt: now,
    updatedAt: now,
  });
  return change === 'unchanged' ? null : BUILD[type](record as never);
}
