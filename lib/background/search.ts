/**
 * Quick search across the store (the popup's search box, the manager's notes filter). The background
 * keeps a folded copy of every name, alias, event title and note, built on the first search and dropped
 * after any write, so a keystroke costs one message and one pass over flat strings, not a database read.
 */
import type { EntityKind, NoteTarget } from '../model';
import type { KnowledgeStore } from '../store/store';
import { foldKey } from '../text';

export interface EntityHit {
  id: string;
  name: string;
  kind: EntityKind;
  /** The alias that matched, when it was not the name. */
  alias: string | null;
  tags: string[];
}
export interface EventHit {
  id: string;
  title: string;
  date: string;
}
export interface NoteHit {
  id: string;
  /** The start of the note (up to 300 characters). */
  text: string;
  about: NoteTarget & { title: string };
  updatedAt: number;
}
export interface SearchResults {
  entities: EntityHit[];
  events: EventHit[];
  notes: NoteHit[];
  /** How many records matched in all, before the limit. */
  total: number;
}

interface Indexed<T> {
  hit: T;
  /** Folded texts to look in, best first (name before aliases). */
  keys: string[];
}

/** Lower is better: the whole key, a prefix of it, a prefix of one of its words, anywhere inside. */
function rank(keys: string[], q: string): { score: number; key: number } | null {
  let best: { score: number; key: number } | null = null;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const at = key.indexOf(q);
    if (at < 0) continue;
    const score =
      (at === 0 ? (key.length === q.length ? 0 : 1) : key[at - 1] === ' ' || key[at - 1] === '-' ? 2 : 3) * 4 +
      Math.min(k, 3);
    if (!best || score < best.score) best = { score, key: k };
  }
  return best;
}

const SNIPPET = 300;
const NOTE_KEY = 4000;

export class SearchIndex {
  private built: Promise<{
    entities: Indexed<EntityHit & { aliases: string[] }>[];
    events: Indexed<EventHit>[];
    notes: Indexed<NoteHit>[];
  }> | null = null;

  constructor(private readonly store: KnowledgeStore) {}

  /** Drops the copy; the next search builds it again from the store. */
  invalidate(): void {
    this.built = null;
  }

  private build() {
    this.built ??= (async () => {
      const [entities, events, notes] = await Promise.all([
        this.store.listEntities(),
        this.store.listEvents(),
        this.store.listNotes(),
      ]);
      const titles = new Map<string, string>();
      for (const e of entities) titles.set(e.id, e.name);
      for (const e of events) titles.set(e.id, e.title);
      return {
        entities: entities.map((e) => ({
          hit: {
            id: e.id,
            name: e.name,
            kind: e.kind,
            alias: null,
            tags: e.tags,
            aliases: e.aliases.map((a) => a.text),
          },
          keys: [e.name, ...e.aliases.map((a) => a.text), ...e.tags].map(foldKey),
        })),
        events: events.map((e) => ({ hit: { id: e.id, title: e.title, date: e.date }, keys: [foldKey(e.title)] })),
        notes: notes
          .filter((n) => titles.has(n.about.id))
          .map((n) => ({
            hit: {
              id: n.id,
              text: n.text.slice(0, SNIPPET),
              about: { ...n.about, title: titles.get(n.about.id)! },
              updatedAt: n.updatedAt,
            },
            keys: [foldKey(n.text.slice(0, NOTE_KEY)), foldKey(n.page?.quote ?? ''), foldKey(n.page?.title ?? '')],
          })),
      };
    })().catch((e) => {
      this.built = null;
      throw e;
    });
    return this.built;
  }

  /** Entities, events and notes matching `query`, best first, at most `limit` of each. */
  async search(query: string, limit = 8): Promise<SearchResults> {
    const index = await this.build();
    const q = foldKey(query);
    if (!q) return { entities: [], events: [], notes: [], total: 0 };
    const pick = <T, H>(list: Indexed<T>[], out: (x: Indexed<T>, key: number) => H) => {
      const found: { score: number; key: number; x: Indexed<T> }[] = [];
      for (const x of list) {
        const r = rank(x.keys, q);
        if (r) found.push({ ...r, x });
      }
      found.sort((a, b) => a.score - b.score);
      return { hits: found.slice(0, limit).map((f) => out(f.x, f.key)), count: found.length };
    };
    const entities = pick(index.entities, ({ hit }, key) => {
      const { aliases, ...rest } = hit;
      return { ...rest, alias: key > 0 && key <= aliases.length ? aliases[key - 1]! : null };
    });
    const events = pick(index.events, ({ hit }) => hit);
    // Notes are kept newest first and the sort is stable: newest first among equally good matches.
    const notes = pick(index.notes, ({ hit }) => hit);
    return {
      entities: entities.hits,
      events: events.hits,
      notes: notes.hits,
      total: entities.count + events.count + notes.count,
    };
  }
}
