/**
 * "Seen on": the last pages where each entity was found, recorded by the background while it matches
 * a page's text (it knows the frame's URL from the message sender). Kept only in this browser's store
 * (never synced, never exported), clearable from the card.
 */
import type { KnowledgeStore } from '../store/store';

export interface SeenPage {
  url: string;
  title: string;
  /** Epoch ms of the last visit on which the entity was found there. */
  at: number;
}

const META_KEY = 'seenOn';
/** Pages remembered per entity. */
export const SEEN_PER_ENTITY = 10;
/** Entities remembered in all (the least recently seen are forgotten first). */
export const SEEN_ENTITIES = 5000;

type SeenMap = Record<string, SeenPage[]>;

export class SeenPages {
  private map: Promise<SeenMap> | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: KnowledgeStore,
    private readonly now: () => number = Date.now,
    private readonly flushMs = 1000,
  ) {}

  /** Records that these entities appeared on a page. Only http(s) pages are remembered. */
  async record(entityIds: Iterable<string>, url: string, title: string): Promise<void> {
    if (!/^https?:/i.test(url)) return;
    const clean = url.split('#')[0]!;
    const map = await this.load();
    const at = this.now();
    for (const id of entityIds) {
      const list = (map[id] ?? []).filter((p) => p.url !== clean);
      list.unshift({ url: clean, title: title.slice(0, 300), at });
      map[id] = list.slice(0, SEEN_PER_ENTITY);
    }
    const ids = Object.keys(map);
    if (ids.length > SEEN_ENTITIES) {
      ids.sort((a, b) => (map[a]![0]?.at ?? 0) - (map[b]![0]?.at ?? 0));
      for (const id of ids.slice(0, ids.length - SEEN_ENTITIES)) delete map[id];
    }
    this.scheduleFlush();
  }

  async get(entityId: string): Promise<SeenPage[]> {
    return [...((await this.load())[entityId] ?? [])];
  }

  /** Forgets the pages of one entity, or of every entity. */
  async clear(entityId?: string): Promise<void> {
    const map = await this.load();
    if (entityId) delete map[entityId];
    else for (const id of Object.keys(map)) delete map[id];
    await this.flush();
  }

  async flush(): Promise<void> {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.store.setMeta(META_KEY, await this.load());
  }

  private load(): Promise<SeenMap> {
    this.map ??= this.store.getMeta<SeenMap>(META_KEY).then((m) => m ?? {});
    return this.map;
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush().catch((e) => console.error('Backstory: could not save the pages seen', e));
    }, this.flushMs);
  }
}
