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

/**
 * Records flattened for fast scanning: one string holding every record's folded keys, records
 * separated by \u0000 and keys by \u0001, and where each record starts. A query is then a run of
 * native `indexOf` calls over one string, and only the records it hits are looked at further.
 */
interface Flat<T> {
  hits: T[];
  /** Folded keys of each record, best first (name before aliases). */
  keys: string[][];
  text: string;
  starts: number[];
}

function flatten<T>(items: { hit: T; keys: string[] }[]): Flat<T> {
  const starts: number[] = [];
  let at = 0;
  const parts = items.map(({ keys }) => {
    starts.push(at);
    const part = `${keys.join('\u0001')}\u0000`;
    at += part.length;
    return part;
  });
  return { hits: items.map((i) => i.hit), keys: items.map((i) => i.keys), text: parts.join(''), starts };
}

/** Indexes of the records whose keys contain `q`, in order, each once. */
function* scan(flat: Flat<unknown>, q: string): Generator<number> {
  let record = 0;
  let pos = flat.text.indexOf(q);
  while (pos >= 0) {
    while (record + 1 < flat.starts.length && flat.starts[record + 1]! <= pos) record++;
    yield record;
    if (record + 1 >= flat.starts.length) return;
    pos = flat.text.indexOf(q, flat.starts[++record]!);
  }
}

/** Folded words of a text: runs of letters and digits. */
const words = (folded: string) => folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/**
 * Notes are searched by word prefix ("bord" finds "border", "Border", "borders"): a sorted list of
 * every word of every note and, per word, the notes that have it. A query is a few binary searches
 * and a walk over the postings of the words it starts, so its cost follows the matches, not the 50k
 * notes' text.
 */
class WordIndex {
  private readonly sorted: string[];
  private readonly postings: Map<string, number[]>;
  private readonly marks: Uint8Array;

  private constructor(postings: Map<string, number[]>, size: number) {
    this.postings = postings;
    this.sorted = [...postings.keys()].sort();
    this.marks = new Uint8Array(size);
  }

  /**
   * Indexes `size` records whose texts `textsOf(i)` gives (folded here). Works in slices and yields
   * between them, so calls that arrive meanwhile (a card, a keystroke) are answered without waiting
   * for the whole build.
   */
  static async build(size: number, textsOf: (i: number) => string[]): Promise<WordIndex> {
    const postings = new Map<string, number[]>();
    let sliceStart = performance.now();
    for (let i = 0; i < size; i++) {
      for (const text of textsOf(i))
        for (const w of words(foldKey(text))) {
          const list = postings.get(w);
          if (!list) postings.set(w, [i]);
          else if (list[list.length - 1] !== i) list.push(i);
        }
      if (performance.now() - sliceStart > 8) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        sliceStart = performance.now();
      }
    }
    return new WordIndex(postings, size);
  }

  /** The records with a word starting with each word of `q` (all of them), in order: first `limit` and the count. */
  find(q: string, limit: number): { first: number[]; count: number } {
    const wanted = words(q).slice(0, 8);
    if (!wanted.length) return { first: [], count: 0 };
    const marks = this.marks;
    marks.fill(0);
    wanted.forEach((prefix, k) => {
      // Binary search for the first word >= prefix, then every word that starts with it.
      let lo = 0;
      let hi = this.sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.sorted[mid]! < prefix) lo = mid + 1;
        else hi = mid;
      }
      for (let w = lo; w < this.sorted.length && this.sorted[w]!.startsWith(prefix); w++)
        for (const i of this.postings.get(this.sorted[w]!)!) if (marks[i] === k) marks[i] = k + 1;
    });
    const first: number[] = [];
    let count = 0;
    for (let i = 0; i < marks.length; i++)
      if (marks[i] === wanted.length) {
        if (first.length < limit) first.push(i);
        count++;
      }
    return { first, count };
  }
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

type EntityEntry = EntityHit & { aliases: string[] };

export class SearchIndex {
  private built: Promise<{
    entities: Flat<EntityEntry>;
    events: Flat<EventHit>;
    notes: { hits: NoteHit[]; words: WordIndex };
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
      const shown = notes.filter((n) => titles.has(n.about.id));
      return {
        entities: flatten(
          entities.map((e) => ({
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
        ),
        events: flatten(
          events.map((e) => ({ hit: { id: e.id, title: e.title, date: e.date }, keys: [foldKey(e.title)] })),
        ),
        // Newest first (as listNotes returns them): the first hits are the ones shown.
        notes: {
          hits: shown.map((n) => ({
            id: n.id,
            text: n.text.slice(0, SNIPPET),
            about: { ...n.about, title: titles.get(n.about.id)! },
            updatedAt: n.updatedAt,
          })),
          words: await WordIndex.build(shown.length, (i) => {
            const n = shown[i]!;
            return [n.text.slice(0, NOTE_KEY), n.page?.quote ?? '', n.page?.title ?? ''];
          }),
        },
      };
    })().catch((e) => {
      this.built = null;
      throw e;
    });
    return this.built;
  }

  /**
   * Entities and events whose name, alias, tag or title contains `query`, best first; notes with words
   * starting with each word of `query`, newest first. At most `limit` of each.
   */
  async search(query: string, limit = 8): Promise<SearchResults> {
    const index = await this.build();
    // Separators cannot be searched for: they would match across record boundaries.
    // eslint-disable-next-line no-control-regex -- exactly the two separators are removed
    const q = foldKey(query).replace(/[\u0000\u0001]/g, '');
    if (!q) return { entities: [], events: [], notes: [], total: 0 };
    /** The best `limit` hits (score, then order) and how many there were, without sorting them all. */
    const ranked = <T>(flat: Flat<T>) => {
      const best: { score: number; key: number; i: number }[] = [];
      let count = 0;
      for (const i of scan(flat, q)) {
        const r = rank(flat.keys[i]!, q);
        if (!r) continue;
        count++;
        if (best.length === limit && r.score >= best[limit - 1]!.score) continue;
        let at = best.length;
        while (at > 0 && best[at - 1]!.score > r.score) at--;
        best.splice(at, 0, { ...r, i });
        if (best.length > limit) best.pop();
      }
      return { best, count };
    };
    const entities = ranked(index.entities);
    const events = ranked(index.events);
    // Notes: by word prefix, newest first; all hits are counted, the first `limit` kept.
    const found = index.notes.words.find(q, limit);
    const notes = found.first.map((i) => index.notes.hits[i]!);
    const noteCount = found.count;
    return {
      entities: entities.best.map(({ i, key }) => {
        const { aliases, ...rest } = index.entities.hits[i]!;
        return { ...rest, alias: key > 0 && key <= aliases.length ? aliases[key - 1]! : null };
      }),
      events: events.best.map(({ i }) => index.events.hits[i]!),
      notes,
      total: entities.count + events.count + noteCount,
    };
  }
}
