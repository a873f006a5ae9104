/**
 * Damaged records: a value in a record store that does not have the shape of a record (written by a
 * bug, a broken disk or an outside tool). Code that reads records trusts their shape, so a damaged
 * one would break every list, card, search, export and sync that meets it. The store checks what it
 * reads, hides what fails, and sets it aside into the `damaged` object store (kept, never deleted:
 * the user can be told, and nothing is lost) so that the rest keeps working.
 *
 * The check is about types, not limits: a record is damaged when code would trip over it, never
 * because a value is longer or rarer than a form allows (that would hide good data).
 */
import { ENTITY_FIELDS, EVENT_FIELDS, NOTE_FIELDS } from '../model';

/** The object stores whose values are checked. */
export type CheckedStore = 'entities' | 'events' | 'notes' | 'packs';
export const CHECKED_STORES: readonly CheckedStore[] = ['entities', 'events', 'notes', 'packs'];

/** A damaged value as set aside: where it was, under which key, when, and what is wrong with it. */
export interface DamagedRecord {
  store: CheckedStore;
  key: IDBValidKey;
  value: unknown;
  reason: string;
  at: number;
}

type Check = (v: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str: Check = (v) => typeof v === 'string';
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const nullable =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
const listOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);
const shape = (fields: Record<string, Check>): Check => {
  const entries = Object.entries(fields);
  return (v) => isObject(v) && entries.every(([k, check]) => check(v[k]));
};

const link = shape({ url: str, title: str });

/** Every field of a record type, and the meta fields every record has. */
const FIELD_CHECKS = {
  entities: {
    name: str,
    kind: str,
    aliases: listOf(shape({ text: str, case: str })),
    summary: str,
    links: listOf(link),
    tags: listOf(str),
    related: listOf(shape({ entity: str, label: str })),
    aliasKeys: listOf(str),
  },
  events: {
    title: str,
    date: str,
    endDate: nullable(str),
    place: nullable(str),
    summary: str,
    sources: listOf(link),
    entities: listOf(shape({ entity: str, role: str })),
    entityIds: listOf(str),
  },
  notes: {
    about: shape({ type: str, id: str }),
    text: str,
    page: nullable(shape({ url: str, title: str, quote: str })),
    aboutId: str,
  },
} satisfies Record<string, Record<string, Check>>;

const STAMPED = { entities: ENTITY_FIELDS, events: EVENT_FIELDS, notes: NOTE_FIELDS } as const;

const recordMeta = (stamped: readonly string[]): Record<string, Check> => ({
  id: str,
  pack: nullable(str),
  packLocalId: nullable(str),
  // One stamp per field: sync and edits read them all.
  stamps: (v) => isObject(v) && stamped.every((f) => str(v[f])),
  imported: nullable((v) => isObject(v) && Object.values(v).every((s) => s === undefined || str(s))),
  deleted: nullable(shape({ at: str, seen: isObject, by: str })),
  createdAt: num,
  updatedAt: num,
});

const FIELDS_OF: Record<CheckedStore, Record<string, Check>> = {
  entities: { ...FIELD_CHECKS.entities, ...recordMeta(STAMPED.entities) },
  events: { ...FIELD_CHECKS.events, ...recordMeta(STAMPED.events) },
  notes: { ...FIELD_CHECKS.notes, ...recordMeta(STAMPED.notes) },
  packs: {
    id: str,
    title: str,
    version: str,
    description: str,
    authors: listOf(str),
    license: nullable(str),
    homepage: nullable(str),
    installedAt: num,
    updatedAt: num,
  },
};

/** The checks as lists, made once: every record read goes through them. */
const CHECKS = Object.fromEntries(
  Object.entries(FIELDS_OF).map(([store, fields]) => [store, Object.entries(fields)]),
) as Record<CheckedStore, [string, Check][]>;

/** What is wrong with a stored value of `store`, in a few words; null when it is a sound record. */
export function damage(store: CheckedStore, value: unknown): string | null {
  if (!isObject(value)) return 'not a record';
  for (const [field, check] of CHECKS[store]) {
    if (!check(value[field])) return `its “${field}” is ${field in value ? 'not as expected' : 'missing'}`;
  }
  return null;
}

/** The key of a record read from one of the checked stores (all keyed by their `id`). */
export const keyOf = (value: unknown): IDBValidKey | undefined =>
  isObject(value) ? (value.id as IDBValidKey | undefined) : undefined;
