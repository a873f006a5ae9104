/**
 * The compiled dictionary: every name and alias of every live entity in one automaton, kept in the
 * background. Content scripts send their page's text (`page.match`) and get mentions back, so no page
 * pays for holding or compiling a dictionary (see BENCHMARKS.md for the measurements behind this).
 *
 * The compiled form is persisted in the store's meta object store with the store revision it was built
 * from: a service worker that wakes up restores it with one read instead of recompiling.
 */
import { compileDictionary, deserialize, serialize, type CompiledDictionary } from '../match/dictionary';
import { findMentions } from '../match/match';
import { isCaseSensitive, type EntityKind } from '../model';
import type { MarkedEntity } from '../content/marks';
import type { MatchReply } from '../content/scanner';
import type { KnowledgeStore } from '../store/store';

interface Loaded {
  revision: number;
  dictionary: CompiledDictionary;
  entities: MarkedEntity[];
}

interface Persisted {
  revision: number;
  buffer: ArrayBuffer;
  /**
   * The entity table as one JSON string: IndexedDB clones one string several times faster than tens
   * of thousands of small objects (BENCHMARKS.md, service-worker restore).
   */
  entities: string;
}

const META_KEY = 'dictionary';
/** Most mentions one `page.match` reply carries (the content script marks at most as many per page). */
export const MAX_MENTIONS_PER_CALL = 5_000;

/** Builds the dictionary from the store's live entities. */
export async function buildDictionary(store: KnowledgeStore): Promise<Loaded> {
  const revision = await store.revision();
  const live = await store.listEntities();
  const entities: MarkedEntity[] = live.map((e) => ({ id: e.id, kind: e.kind as EntityKind, name: e.name }));
  const entries = live.flatMap((e, entity) => [
    { text: e.name, entity, caseSensitive: isCaseSensitive({ text: e.name, case: 'auto' }) },
    ...e.aliases.map((a) => ({ text: a.text, entity, caseSensitive: isCaseSensitive(a) })),
  ]);
  const { dictionary } = compileDictionary(entries);
  return { revision, dictionary, entities };
}

export class DictionaryService {
  private loaded: Promise<Loaded> | null = null;
  private rebuildTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: KnowledgeStore,
    /** Told the store revision of every newly built dictionary (to wake open tabs). */
    private readonly onRebuilt: (revision: number) => void = () => {},
  ) {}

  /** The current dictionary: in memory, else restored from the store, else compiled. */
  get(): Promise<Loaded> {
    this.loaded ??= this.restoreOrBuild().catch((e) => {
      this.loaded = null;
      throw e;
    });
    return this.loaded;
  }

  /** The store changed: rebuild soon (edits in quick succession make one rebuild), then tell the tabs. */
  invalidate(delayMs = 50): void {
    if (this.rebuildTimer !== null) clearTimeout(this.rebuildTimer);
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = null;
      const next = buildDictionary(this.store).then(async (loaded) => {
        await this.persist(loaded);
        this.onRebuilt(loaded.revision);
        return loaded;
      });
      // Matching goes on with the old dictionary until the new one is ready.
      next.then(
        () => (this.loaded = next),
        (e) => console.error('Backstory: could not rebuild the dictionary', e),
      );
    }, delayMs);
  }

  /** Mentions in each text, with the entities they refer to. */
  async match(texts: readonly string[]): Promise<MatchReply> {
    const { dictionary, entities } = await this.get();
    const used = new Map<number, number>();
    const table: MarkedEntity[] = [];
    let total = 0;
    const mentions = texts.map((text) => {
      const flat: number[] = [];
      for (const m of findMentions(dictionary, text)) {
        // A page marks at most MAX_MARKS (lib/content/marks.ts) anyway: a block repeating a name a
        // million times must not become a reply of a million triples.
        if (total >= MAX_MENTIONS_PER_CALL) break;
        total++;
        let local = used.get(m.entity);
        if (local === undefined) {
          local = table.length;
          used.set(m.entity, local);
          table.push(entities[m.entity]!);
        }
        flat.push(m.start, m.end, local);
      }
      return flat;
    });
    return { mentions, entities: table };
  }

  private async restoreOrBuild(): Promise<Loaded> {
    const [persisted, revision] = await Promise.all([this.store.getMeta<Persisted>(META_KEY), this.store.revision()]);
    if (persisted && persisted.revision === revision && typeof persisted.entities === 'string') {
      return {
        revision,
        dictionary: deserialize(persisted.buffer),
        entities: JSON.parse(persisted.entities) as MarkedEntity[],
      };
    }
    const loaded = await buildDictionary(this.store);
    await this.persist(loaded);
    return loaded;
  }

  private async persist(loaded: Loaded): Promise<void> {
    // Written outside the store's write(): the cache is not a change of the store (no revision bump).
    await this.store.setMeta(META_KEY, {
      revision: loaded.revision,
      buffer: serialize(loaded.dictionary),
      entities: JSON.stringify(loaded.entities),
    } satisfies Persisted);
  }
}
