/**
 * The knowledge store's data model: what an entity, an event and a note are, and the metadata every
 * stored record carries for sync. Pure types and tiny helpers only; storage lives in lib/store/.
 */
import type { Hlc } from './hlc';

export const ENTITY_KINDS = ['person', 'place', 'organization', 'group', 'topic', 'other'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/**
 * How an alias compares letter case. `auto`: case-sensitive when the alias is short and written in
 * capitals (IS, US, PMF, KH), so "IS remnants" matches and "it is" does not; otherwise insensitive.
 */
export const CASE_RULES = ['auto', 'sensitive', 'insensitive'] as const;
export type CaseRule = (typeof CASE_RULES)[number];

export interface Alias {
  text: string;
  case: CaseRule;
}

/** An http(s) link with a human title (may be empty). */
export interface Link {
  url: string;
  title: string;
}

export interface Relation {
  /** Store id of the related entity. */
  entity: string;
  /** How this entity relates to it, read as "<this> <label> <other>" (e.g. "part of"). */
  label: string;
}

export interface EntityFields {
  name: string;
  kind: EntityKind;
  aliases: Alias[];
  summary: string;
  links: Link[];
  tags: string[];
  related: Relation[];
}

/** A full (2020-03-11), month (2017-11) or year (2017) date. */
export type PartialDate = string;
export const PARTIAL_DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;

export interface EventLink {
  /** Store id of the linked entity. */
  entity: string;
  /** Its part in the event ("target", "perpetrator", "location"...); may be empty. */
  role: string;
}

export interface EventFields {
  title: string;
  date: PartialDate;
  endDate: PartialDate | null;
  /** Store id of a place entity. */
  place: string | null;
  summary: string;
  sources: Link[];
  entities: EventLink[];
}

export interface NoteTarget {
  type: 'entity' | 'event';
  id: string;
}

/** Where a note was taken, when it was taken from a page. */
export interface NoteSource {
  url: string;
  title: string;
  quote: string;
}

export interface NoteFields {
  about: NoteTarget;
  text: string;
  page: NoteSource | null;
}

/** One stamp per synced field: the hybrid logical clock of the write that set its current value. */
export type Stamps<F> = { [K in keyof F]: Hlc };

/**
 * A delete. The record stays as a tombstone so that the delete can propagate; `seen` is the stamps
 * the record had when it was deleted, so an edit made elsewhere that the delete had not seen can
 * resurrect it instead of being lost.
 */
export interface Tombstone<F> {
  at: Hlc;
  seen: Stamps<F>;
  /** Who deleted it: the user, or the removal of its pack (a pack re-installed brings only these back). */
  by: 'user' | 'pack';
}

/** What every stored record has besides its fields. */
export interface RecordMeta<F> {
  /** Stable id: random for the user's own records, derived from (pack id, local id) for pack records. */
  id: string;
  /** Id of the pack the record came from; null for records the user created. */
  pack: string | null;
  /** The record's id inside its pack (for export), null for the user's own. */
  packLocalId: string | null;
  stamps: Stamps<F>;
  /**
   * For pack records: the stamp each field got from the last pack import that set it. A field whose
   * stamp differs was edited by the user since, and a later version of the pack leaves it alone.
   */
  imported: Partial<Stamps<F>> | null;
  deleted: Tombstone<F> | null;
  /** Epoch ms of the first and the latest local write (indexes; not merged). */
  createdAt: number;
  updatedAt: number;
}

export type EntityRecord = EntityFields &
  RecordMeta<EntityFields> & {
    /** Folded name and aliases (derived on write) for alias lookup. */
    aliasKeys: string[];
  };
export type EventRecord = EventFields &
  RecordMeta<EventFields> & {
    /** Ids of linked entities and the place (derived on write) for "events by entity". */
    entityIds: string[];
  };
export type NoteRecord = NoteFields &
  RecordMeta<NoteFields> & {
    /** Id of the entity or event the note is about (derived on write). */
    aboutId: string;
  };

export type RecordType = 'entity' | 'event' | 'note';

export const ENTITY_FIELDS = [
  'name',
  'kind',
  'aliases',
  'summary',
  'links',
  'tags',
  'related',
] as const satisfies readonly (keyof EntityFields)[];
export const EVENT_FIELDS = [
  'title',
  'date',
  'endDate',
  'place',
  'summary',
  'sources',
  'entities',
] as const satisfies readonly (keyof EventFields)[];
export const NOTE_FIELDS = ['about', 'text', 'page'] as const satisfies readonly (keyof NoteFields)[];

/** An installed pack as the store remembers it. */
export interface PackRecord {
  id: string;
  title: string;
  version: string;
  description: string;
  authors: string[];
  license: string | null;
  homepage: string | null;
  installedAt: number;
  updatedAt: number;
}

/** Compares partial dates chronologically; "2017" sorts before "2017-11" before "2017-11-05". */
export function comparePartialDates(a: PartialDate, b: PartialDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether an alias is matched case-sensitively under its rule. */
export function isCaseSensitive(alias: Alias): boolean {
  if (alias.case !== 'auto') return alias.case === 'sensitive';
  const letters = alias.text.replace(/[^\p{L}]/gu, '');
  return (
    letters.length > 0 && letters.length <= 5 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()
  );
}

/**
 * http and https only: anything else (javascript:, data:, vbscript:, file:, in any letter case, with
 * entities, white space or control characters around or inside the scheme) is never stored or shown
 * as a link. Every way in refuses such a URL with a message naming the field (packs and forms by
 * `httpUrl` in lib/pack/schema.ts, CSV by row and column, sync by lib/sync/values.ts); the pages
 * render a stored URL as a link only when this holds, and as plain text otherwise (a damaged record).
 */
export function isSafeUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
