/**
 * Pack import, export and removal. Import is one transaction (all or nothing) and idempotent:
 * records get ids derived from (pack id, local id), so importing the same pack again updates them.
 */
import { packRecordId } from '../ids';
import type {
  EntityFields,
  EntityRecord,
  EventFields,
  EventRecord,
  NoteFields,
  NoteRecord,
  PackRecord,
  RecordType,
} from '../model';
import {
  PACK_FORMAT,
  PACK_FORMAT_VERSION,
  type PackDocument,
  type PackEntity,
  type PackEvent,
  type PackInfo,
  type PackNote,
} from '../pack/schema';
import { parsePack } from '../pack/validate';
import { AppFailure } from '../result';
import { entityRecord, eventRecord, FIELDS, nextRecord, noteRecord, tombstone, type Change } from './records';
import type { KnowledgeStore, Tx } from './store';

export interface ImportSummary {
  pack: { id: string; title: string; version: string };
  added: number;
  updated: number;
  unchanged: number;
  /** Records of this pack that an earlier version had and this one no longer has. */
  removed: number;
  /** Records where the user's own edits or deletes were kept over the pack's version. */
  keptEdits: number;
}

interface Planned {
  id: string;
  pack: string | null;
  localId: string;
}

/** Store ids for every record of the document, computed before the transaction opens (hashing is async). */
async function planIds(doc: PackDocument) {
  const plan = async (
    type: RecordType,
    r: { id: string; uid?: string | undefined; origin?: string | null | undefined },
  ) => {
    const pack = r.origin === undefined ? doc.pack.id : r.origin;
    const id = r.uid ?? (await packRecordId(pack ?? doc.pack.id, type, r.id));
    return [r.id, { id, pack, localId: r.id }] as const;
  };
  return {
    entity: new Map(await Promise.all((doc.entities ?? []).map((r) => plan('entity', r)))),
    event: new Map(await Promise.all((doc.events ?? []).map((r) => plan('event', r)))),
    note: new Map(await Promise.all((doc.notes ?? []).map((r) => plan('note', r)))),
  };
}

function packRecord(info: PackInfo, prev: PackRecord | undefined, now: number): PackRecord {
  return {
    id: info.id,
    title: info.title,
    version: info.version,
    description: info.description ?? '',
    authors: info.authors ?? [],
    license: info.license ?? null,
    homepage: info.homepage ?? null,
    installedAt: prev?.installedAt ?? now,
    updatedAt: now,
  };
}

/** What an import or a removal runs once the input is known good, before it writes. */
export interface WriteHooks {
  /** E.g. a safety snapshot of the store; when it throws, nothing is written. */
  beforeWrite?: () => Promise<unknown>;
}

/**
 * Imports a pack (JSON text or parsed value). Throws an AppFailure with a user-readable message and
 * field paths when the pack is invalid; then, as on any failure, the store is unchanged. The whole
 * pack is one transaction: a failure (a full disk, the background stopped) leaves none of it.
 */
export async function importPack(
  store: KnowledgeStore,
  input: unknown,
  onProgress?: (done: number, total: number) => void,
  hooks: WriteHooks = {},
): Promise<ImportSummary> {
  const parsed = parsePack(input);
  if (!parsed.ok) throw new AppFailure(parsed.error);
  const doc = parsed.value;
  const ids = await planIds(doc);
  await hooks.beforeWrite?.();
  // Validation guarantees a reference is a local id of this document or a global (UUID) id.
  const resolve = (map: Map<string, Planned>, ref: string) => map.get(ref)?.id ?? ref;
  const entityRef = (ref: string) => resolve(ids.entity, ref);
  const summary: ImportSummary = {
    pack: { id: doc.pack.id, title: doc.pack.title, version: doc.pack.version },
    added: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    keptEdits: 0,
  };
  const count = ({ change, kept }: { change: Change; kept: boolean }) => {
    summary[change]++;
    if (kept) summary.keptEdits++;
  };
  // A plain pack is the whole of that pack: what it no longer contains is retired. A whole-store
  // export (it lists `origins`) is a collection of several packs' records and retires nothing.
  const isWholePack = !doc.origins;

  await store.write(async (tx, stamp, now) => {
    const s = stamp();
    const packs = tx.objectStore('packs');
    // Register every pack a record of this document comes from, so none is left without its pack.
    const used = new Set([...ids.entity.values(), ...ids.event.values(), ...ids.note.values()].map((p) => p.pack));
    if (isWholePack || used.has(doc.pack.id)) await packs.put(packRecord(doc.pack, await packs.get(doc.pack.id), now));
    for (const packId of used) {
      if (packId === null || packId === doc.pack.id || (await packs.get(packId))) continue;
      const info = doc.origins?.find((o) => o.id === packId) ?? { id: packId, title: packId, version: '' };
      await packs.put(packRecord(info, undefined, now));
    }

    // Reads of one store are issued together and writes are not awaited one by one: IndexedDB runs
    // them in order inside the transaction, and a failed one aborts it all the same.
    const total = (doc.entities?.length ?? 0) + (doc.events?.length ?? 0) + (doc.notes?.length ?? 0);
    let done = 0;
    let reported = 0;
    const writes: Promise<unknown>[] = [];
    const put = (request: Promise<unknown>) => {
      const write = request.then(() => {
        done++;
        if (onProgress && (done - reported >= 500 || done === total)) {
          reported = done;
          onProgress(done, total);
        }
      });
      write.catch(() => undefined); // handled by Promise.all below, or by the abort if the loop throws first
      writes.push(write);
    };
    const skip = () => put(Promise.resolve());
    const prevOf = <T>(
      os: { get(id: string): Promise<T | undefined> },
      list: { id: string }[],
      map: Map<string, Planned>,
    ) => Promise.all(list.map((r) => os.get(map.get(r.id)!.id)));

    const entities = tx.objectStore('entities');
    const entityPrevs = await prevOf(entities, doc.entities ?? [], ids.entity);
    for (const [i, e] of (doc.entities ?? []).entries()) {
      const p = ids.entity.get(e.id)!;
      const fields: EntityFields = {
        name: e.name,
        kind: e.kind,
        aliases: dedupeAliases(e.aliases ?? []),
        summary: e.summary ?? '',
        links: (e.links ?? []).map((l) => ({ url: l.url, title: l.title ?? '' })),
        tags: [...new Set(e.tags ?? [])],
        related: (e.related ?? []).map((r) => ({ entity: entityRef(r.entity), label: r.label ?? '' })),
      };
      const next = nextRecord(entityPrevs[i], fields, FIELDS.entity, origin(p), s, times(now), 'import');
      count(next);
      if (next.change !== 'unchanged') put(entities.put(entityRecord(next.record)));
      else skip();
    }

    const events = tx.objectStore('events');
    const eventPrevs = await prevOf(events, doc.events ?? [], ids.event);
    for (const [i, ev] of (doc.events ?? []).entries()) {
      const p = ids.event.get(ev.id)!;
      const fields: EventFields = {
        title: ev.title,
        date: ev.date,
        endDate: ev.endDate ?? null,
        place: ev.place !== undefined ? entityRef(ev.place) : null,
        summary: ev.summary ?? '',
        sources: (ev.sources ?? []).map((l) => ({ url: l.url, title: l.title ?? '' })),
        entities: (ev.entities ?? []).map((l) => ({ entity: entityRef(l.entity), role: l.role ?? '' })),
      };
      const next = nextRecord(eventPrevs[i], fields, FIELDS.event, origin(p), s, times(now), 'import');
      count(next);
      if (next.change !== 'unchanged') put(events.put(eventRecord(next.record)));
      else skip();
    }

    const notes = tx.objectStore('notes');
    const notePrevs = await prevOf(notes, doc.notes ?? [], ids.note);
    for (const [i, n] of (doc.notes ?? []).entries()) {
      const p = ids.note.get(n.id)!;
      const about =
        'entity' in n.about
          ? { type: 'entity' as const, id: entityRef(n.about.entity) }
          : { type: 'event' as const, id: resolve(ids.event, n.about.event) };
      const fields: NoteFields = {
        about,
        text: n.text,
        page: n.page ? { url: n.page.url, title: n.page.title ?? '', quote: n.page.quote ?? '' } : null,
      };
      const created = n.created ? Date.parse(n.created) : now;
      const updated = n.updated ? Date.parse(n.updated) : created;
      const next = nextRecord(
        notePrevs[i],
        fields,
        FIELDS.note,
        origin(p),
        s,
        { createdAt: created, updatedAt: updated },
        'import',
      );
      count(next);
      if (next.change !== 'unchanged') put(notes.put(noteRecord(next.record)));
      else skip();
    }
    await Promise.all(writes);

    // A new version of a pack drops what it no longer contains (its entities and events only).
    if (isWholePack) {
      const keep = new Set([...ids.entity.values(), ...ids.event.values()].map((p) => p.id));
      for (const name of ['entities', 'events'] as const) {
        const store_ = tx.objectStore(name);
        for (const rec of await store_.index('pack').getAll(doc.pack.id)) {
          if (!rec.deleted && !keep.has(rec.id)) {
            await store_.put(tombstone(rec, s, now, 'pack'));
            summary.removed++;
          }
        }
      }
    }
  }, `the pack “${doc.pack.title}” was not imported`);
  return summary;
}

const times = (now: number) => ({ createdAt: now, updatedAt: now });
const origin = (p: Planned) => ({ id: p.id, pack: p.pack, packLocalId: p.pack === null ? null : p.localId });

function dedupeAliases(aliases: NonNullable<PackEntity['aliases']>): EntityFields['aliases'] {
  const seen = new Set<string>();
  const out: EntityFields['aliases'] = [];
  for (const a of aliases) {
    const alias = typeof a === 'string' ? { text: a, case: 'auto' as const } : { text: a.text, case: a.case ?? 'auto' };
    const key = `${alias.case}\u0000${alias.text}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(alias);
    }
  }
  return out;
}

export interface ExportOptions {
  /** Export one pack; when absent, export the whole store (every pack and the user's own records). */
  packId?: string;
  /**
   * Export only these entities (a selection in the manager), with the events they take part in.
   * Relations and event links to entities outside the selection are left out.
   */
  entityIds?: string[];
  /** With a pack or a selection: also export the notes about its records, the user's own included (always on for a whole-store export). */
  includeNotes?: boolean;
}

/** Writes the store (or one pack of it) as a pack document that `importPack` reads back. */
export async function exportPack(store: KnowledgeStore, options: ExportOptions = {}): Promise<PackDocument> {
  const { packId, entityIds } = options;
  const packs = await store.listPacks();
  let info: PackInfo;
  if (entityIds) {
    info = {
      id: 'backstory-selection',
      title: `Backstory selection (${entityIds.length} ${entityIds.length === 1 ? 'entity' : 'entities'})`,
      version: new Date().toISOString().slice(0, 10),
    };
  } else if (packId) {
    const p = packs.find((x) => x.id === packId);
    if (!p) throw new AppFailure({ code: 'not-found', message: `There is no installed pack with id "${packId}".` });
    info = infoOf(p);
  } else {
    info = {
      id: 'backstory-export',
      title: 'Backstory export',
      version: new Date().toISOString().slice(0, 10),
      description: 'Everything in one Backstory store: packs, own entities, events and notes.',
    };
  }
  const chosen = entityIds ? new Set(entityIds) : null;
  const inScope = (r: { pack: string | null }) => !packId || r.pack === packId;
  let entities = (await store.listEntities()).filter(inScope);
  let events = (await store.listEvents()).filter(inScope);
  if (chosen) {
    entities = entities
      .filter((e) => chosen.has(e.id))
      .map((e) => ({ ...e, related: e.related.filter((r) => chosen.has(r.entity)) }));
    events = events
      .filter((ev) => ev.entityIds.some((id) => chosen.has(id)))
      .map((ev) => ({
        ...ev,
        place: ev.place && chosen.has(ev.place) ? ev.place : null,
        entities: ev.entities.filter((l) => chosen.has(l.entity)),
      }));
  }
  const includeNotes = (!packId && !chosen) || options.includeNotes === true;
  const exported = new Set([...entities, ...events].map((r) => r.id));
  const notes = includeNotes
    ? (await store.readAll('notes')).filter((n) => !n.deleted && ((!chosen && inScope(n)) || exported.has(n.aboutId)))
    : [];

  // Local ids: the record's id in its pack, or its store id for the user's own (and wherever two
  // packs of a whole-store export used the same local id).
  const local = new Map<string, string>();
  for (const list of [entities, events, notes]) {
    const taken = new Set<string>();
    for (const r of list) {
      const wanted = r.packLocalId ?? r.id;
      const id = taken.has(wanted) ? r.id : wanted;
      taken.add(id);
      local.set(r.id, id);
    }
  }
  const ref = (id: string) => local.get(id) ?? id;

  const common = async (type: RecordType, r: EntityRecord | EventRecord | NoteRecord) => {
    const derivable =
      r.pack !== null &&
      r.packLocalId !== null &&
      local.get(r.id) === r.packLocalId &&
      (await packRecordId(r.pack, type, r.packLocalId)) === r.id;
    const out: { id: string; uid?: string; origin?: string | null } = { id: ref(r.id) };
    if (!derivable) out.uid = r.id;
    if (r.pack !== info.id) out.origin = r.pack;
    return out;
  };

  const doc: PackDocument = {
    format: PACK_FORMAT,
    formatVersion: PACK_FORMAT_VERSION,
    pack: info,
    entities: await Promise.all(
      entities.map(async (e): Promise<PackEntity> => ({
        ...(await common('entity', e)),
        name: e.name,
        kind: e.kind,
        aliases: e.aliases.map((a) => (a.case === 'auto' ? a.text : { text: a.text, case: a.case })),
        summary: e.summary,
        links: e.links.map(linkOut),
        tags: e.tags,
        related: e.related.map((r) => ({ entity: ref(r.entity), label: r.label })),
      })),
    ),
    events: await Promise.all(
      events.map(async (ev): Promise<PackEvent> => ({
        ...(await common('event', ev)),
        title: ev.title,
        date: ev.date,
        ...(ev.endDate ? { endDate: ev.endDate } : {}),
        ...(ev.place ? { place: ref(ev.place) } : {}),
        summary: ev.summary,
        sources: ev.sources.map(linkOut),
        entities: ev.entities.map((l) => ({ entity: ref(l.entity), role: l.role })),
      })),
    ),
  };
  if (includeNotes) {
    doc.notes = await Promise.all(
      notes.map(async (n): Promise<PackNote> => ({
        ...(await common('note', n)),
        about: n.about.type === 'entity' ? { entity: ref(n.about.id) } : { event: ref(n.about.id) },
        text: n.text,
        created: new Date(n.createdAt).toISOString(),
        updated: new Date(n.updatedAt).toISOString(),
        ...(n.page ? { page: { url: n.page.url, title: n.page.title, quote: n.page.quote } } : {}),
      })),
    );
  }
  if (!packId) {
    const used = new Set([...entities, ...events, ...notes].map((r) => r.pack));
    doc.origins = packs.filter((p) => !chosen || used.has(p.id)).map(infoOf);
  }
  return doc;
}

const linkOut = (l: { url: string; title: string }) => (l.title ? { url: l.url, title: l.title } : { url: l.url });

function infoOf(p: PackRecord): PackInfo {
  return {
    id: p.id,
    title: p.title,
    version: p.version,
    ...(p.description ? { description: p.description } : {}),
    ...(p.authors.length ? { authors: p.authors } : {}),
    license: p.license,
    homepage: p.homepage,
  };
}

/** What the user's own notes about a removed pack's records become. */
export type RemoveNotes =
  /** Keep the notes, and keep the entities and events they are about as the user's own records. */
  | 'keep'
  /** Delete the notes with the records (undoable one by one from the manager's deleted list). */
  | 'delete';

/**
 * Removes an installed pack: its entities and events become tombstones. The user's own notes about
 * them are either deleted, or kept together with the records they are about, which then become the
 * user's own (so a note never ends up attached to nothing).
 */
export async function removePack(
  store: KnowledgeStore,
  packId: string,
  { notes: notesMode = 'keep' }: { notes?: RemoveNotes } = {},
  hooks: WriteHooks = {},
): Promise<{ entities: number; events: number; notes: number; kept: number }> {
  const counts = { entities: 0, events: 0, notes: 0, kept: 0 };
  const missing = () =>
    new AppFailure({ code: 'not-found', message: `There is no installed pack with id "${packId}".` });
  const pack = await store.getPack(packId);
  if (!pack) throw missing();
  await hooks.beforeWrite?.();
  await store.write(async (tx: Tx, stamp, now) => {
    const packs = tx.objectStore('packs');
    if (!(await packs.get(packId))) throw missing();
    const s = stamp();
    const notes = tx.objectStore('notes');
    const userNotes = (await notes.getAll()).filter((n) => !n.deleted && n.pack !== packId);
    const annotated = new Set(notesMode === 'keep' ? userNotes.map((n) => n.aboutId) : []);
    const removedIds = new Set<string>();
    for (const name of ['entities', 'events'] as const) {
      const os = tx.objectStore(name);
      for (const rec of await os.index('pack').getAll(packId)) {
        if (rec.deleted) continue;
        if (annotated.has(rec.id)) {
          // The user wrote about it: it stays, as the user's own record (same id, so notes and links hold).
          const own = { ...rec, pack: null, packLocalId: null, imported: null, updatedAt: now };
          await os.put(own as never);
          counts.kept++;
          continue;
        }
        removedIds.add(rec.id);
        await os.put(tombstone(rec, s, now, 'pack'));
        counts[name]++;
      }
    }
    for (const n of await notes.getAll()) {
      if (n.deleted) continue;
      if (n.pack === packId || (notesMode === 'delete' && removedIds.has(n.aboutId))) {
        await notes.put(tombstone(n, s, now, n.pack === packId ? 'pack' : 'user'));
        counts.notes++;
      }
    }
    await packs.delete(packId);
  }, `the pack “${pack.title}” was not removed`);
  return counts;
}
