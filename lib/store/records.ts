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
 */
export function nextRecord<F extends object>(
  prev: (F & RecordMeta<F>) | undefined,
  fields: F,
  names: readonly (keyof F)[],
  origin: Origin,
  stamp: Hlc,
  times: { createdAt: number; updatedAt: number },
): { record: F & RecordMeta<F>; change: Change } {
  const live = prev && !prev.deleted ? prev : undefined;
  const stamps = {} as Stamps<F>;
  let changed = !live || live.pack !== origin.pack || live.packLocalId !== origin.packLocalId;
  for (const name of names) {
    if (live && same(live[name], fields[name])) stamps[name] = live.stamps[name];
    else {
      stamps[name] = stamp;
      changed = true;
    }
  }
  if (!changed && live) return { record: live, change: 'unchanged' };
  const picked = Object.fromEntries(names.map((n) => [n, fields[n]])) as F;
  const record = {
    ...picked,
    id: origin.id,
    pack: origin.pack,
    packLocalId: origin.packLocalId,
    stamps,
    deleted: null,
    createdAt: prev?.createdAt ?? times.createdAt,
    updatedAt: times.updatedAt,
  } as F & RecordMeta<F>;
  return { record, change: live ? 'updated' : 'added' };
}

/** The tombstone of a record: content kept (undo, resurrection), `seen` records what was deleted. */
export function tombstone<R extends RecordMeta<object>>(rec: R, stamp: Hlc, now: number): R {
  return { ...rec, deleted: { at: stamp, seen: { ...rec.stamps } }, updatedAt: now };
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
