/**
 * Drawing marks with the CSS Custom Highlight API: ranges registered in `CSS.highlights`, painted by
 * the `::highlight()` rules of content.css. No node of the page is created, moved or changed.
 *
 * Page scripts share the highlight registry, so the names say only the kind and whether it is an
 * entity's first mention on the page (`backstory-place`, `backstory-place-first`), never who it is.
 */
import type { EntityKind } from '../model';
import { ENTITY_KINDS } from '../model';
import { locate, OWN_PREFIX, parentOrHost, type TextBlock } from './blocks';

/** What the content script knows of a marked entity. */
export interface MarkedEntity {
  id: string;
  kind: EntityKind;
  name: string;
}

/** One mention on the page. */
export interface Mark {
  range: Range;
  entity: MarkedEntity;
  /** The text as written on the page ("Albukamal"), i.e. the alias that matched. */
  text: string;
  /** The text nodes the range covers (for hit-testing and removal). */
  nodes: Text[];
  /** The block container the mark was found in (the unit of rescans). */
  container: Node;
}

export type Palette = 'light' | 'dark';

/** Highlight names, by palette, kind and first/later mention. */
export function highlightName(palette: Palette, kind: EntityKind, first: boolean): string {
  return `${OWN_PREFIX}${palette === 'dark' ? 'dark-' : ''}${kind}${first ? '-first' : ''}`;
}

/** Every name this extension may register (for teardown and for tests). */
export const ALL_HIGHLIGHT_NAMES = (['light', 'dark'] as const).flatMap((p) =>
  ENTITY_KINDS.flatMap((k) => [highlightName(p, k, false), highlightName(p, k, true)]),
);

/** The registry and constructor, passed in so tests can give fakes and old browsers can opt out. */
export interface HighlightApi {
  registry: HighlightRegistry;
  create: () => Highlight;
}

export function nativeHighlightApi(win: Window & typeof globalThis): HighlightApi | null {
  const css = win.CSS as (typeof CSS & { highlights?: HighlightRegistry }) | undefined;
  if (!css?.highlights || typeof win.Highlight !== 'function') return null;
  return { registry: css.highlights, create: () => new win.Highlight() };
}

/**
 * Most marks one document holds; mentions beyond are left unmarked. Every live range costs the page on
 * each of its DOM changes (the browser keeps live ranges in step), so a page that repeats a name a
 * million times must not get a million ranges. Real articles have tens to a few hundred.
 */
export const MAX_MARKS = 5_000;

/** A mention to mark: offsets in its block's text. */
export interface Mention {
  start: number;
  end: number;
  entity: MarkedEntity;
}

/**
 * The marks of one document: which ranges belong to which block container, which mention of each
 * entity comes first, and hit-testing from a point back to a mark.
 *
 * Finding the first mention compares positions in the document, which costs the browser a walk over
 * siblings each time; so it is done as little as possible: marks added in one walk in document order
 * (`add`'s `walk`) are compared at most once per entity, and an entity whose first mention was edited
 * away gets its new one at the next rescan (`forgetNode` leaves it for then).
 *
 * The registry is shared with the page, which may clear it or put its own highlight under one of our
 * names. Our highlights are registered again (`restore`) when marks are painted, after every scan and
 * when the pointer moves over the page (`markAt`): never by polling. A name the page holds is never
 * taken from it, and never deleted on teardown.
 */
export class Marks {
  private readonly highlights = new Map<string, Highlight>();
  private readonly byContainer = new Map<Node, Mark[]>();
  private readonly byNode = new Map<Text, Mark[]>();
  private readonly first = new Map<string, Mark>();
  /** Entities whose first mention went and whose next one is not chosen yet. */
  private readonly orphaned = new Set<string>();
  /** Per entity, the walk in which a mark of it was last placed against its first mention. */
  private readonly placedIn = new Map<string, number>();
  private count = 0;

  constructor(
    private readonly doc: Document,
    private readonly api: HighlightApi,
    /** The palette, or how to find it out: asked only once the page has a mark (it reads styles). */
    private palette: Palette | (() => Palette) = 'light',
  ) {}

  /** Number of marks on the page (kept as a count: the pointer handler asks on every frame). */
  get size(): number {
    return this.count;
  }

  /** The first mention of an entity in document order, if it has one on the page. */
  firstOf(entityId: string): Mark | undefined {
    this.adoptOrphans();
    return this.first.get(entityId);
  }

  /** All marks in document order. */
  ordered(): Mark[] {
    return this.all().sort((a, b) => (before(a.range, b.range) ? -1 : before(b.range, a.range) ? 1 : 0));
  }

  /** All marks, in no particular order. */
  all(): Mark[] {
    return [...this.byContainer.values()].flat();
  }

  /**
   * Removes the marks of every block whose container is one of `scopes` or inside one (through shadow
   * roots too: a rescan of a shadow host's container walks its shadow tree again), and of every block
   * whose container left the page.
   */
  clearWithin(scopes: Iterable<Node>): void {
    const within = new Set(scopes);
    const gone: Mark[] = [];
    for (const [container, marks] of this.byContainer) {
      if (container.isConnected && !isWithin(container, within)) continue;
      this.byContainer.delete(container);
      for (const mark of marks) gone.push(mark);
    }
    if (gone.length) this.forget(gone);
    this.adoptOrphans();
  }

  /**
   * Removes the marks over a text node whose text changed: their live ranges now cover whatever the text
   * became (the rescan the change queued marks it anew). Called for every edit the page makes, so it
   * does no more than that.
   */
  forgetNode(node: Text): void {
    const marks = this.byNode.get(node);
    if (!marks) return;
    const gone = new Set(marks);
    for (const container of new Set(marks.map((m) => m.container))) {
      const rest = (this.byContainer.get(container) ?? []).filter((m) => !gone.has(m));
      if (rest.length) this.byContainer.set(container, rest);
      else this.byContainer.delete(container);
    }
    this.forget([...gone]);
  }

  /**
   * Adds the marks of one freshly matched block, up to MAX_MARKS on the page; returns how many it added.
   * A mention whose offsets no longer fit the block's nodes is left out. Blocks added with the same
   * `walk` number must come in document order (one tree walk); without one, each mark is compared.
   */
  add(block: TextBlock, mentions: readonly Mention[], walk?: number): number {
    const room = Math.min(mentions.length, MAX_MARKS - this.count);
    if (room <= 0) return 0;
    this.adoptOrphans();
    let list = this.byContainer.get(block.container);
    if (!list) this.byContainer.set(block.container, (list = []));
    let added = 0;
    for (const m of mentions) {
      if (added === room) break;
      const start = locate(block, m.start, false);
      const end = locate(block, m.end, true);
      const range = this.doc.createRange();
      try {
        range.setStart(start.node, start.offset);
        range.setEnd(end.node, end.offset);
      } catch {
        continue;
      }
      const nodes = block.nodes.slice(start.index, end.index + 1);
      const text = block.text.slice(m.start, m.end);
      const mark: Mark = { range, entity: m.entity, text, nodes, container: block.container };
      list.push(mark);
      this.count++;
      added++;
      for (const node of nodes) {
        const own = this.byNode.get(node);
        if (own) own.push(mark);
        else this.byNode.set(node, [mark]);
      }
      this.place(mark, walk);
    }
    if (!list.length) this.byContainer.delete(block.container);
    return added;
  }

  /** Paints a new mark as its entity's first mention or a later one. */
  private place(mark: Mark, walk: number | undefined): void {
    const id = mark.entity.id;
    const current = this.first.get(id);
    // In one walk, a mark that follows one already placed follows the first mention too.
    const later = walk !== undefined && this.placedIn.get(id) === walk;
    if (walk !== undefined) this.placedIn.set(id, walk);
    if (current && (later || !before(mark.range, current.range))) {
      this.paint(mark, false);
      return;
    }
    if (current) this.paint(current, false);
    this.first.set(id, mark);
    this.paint(mark, true);
  }

  /** Switches to the other palette (the page turned dark or light). */
  setPalette(palette: Palette | (() => Palette)): void {
    if (palette === this.palette) return;
    if (typeof palette === 'function' && this.count === 0) {
      this.palette = palette;
      return;
    }
    if (typeof palette === 'function') palette = palette();
    if (palette === this.resolvedPalette()) return;
    const marks = this.all();
    this.clearRegistry();
    this.palette = palette;
    for (const mark of marks) this.paint(mark, this.first.get(mark.entity.id) === mark);
  }

  /** Removes every mark and every highlight this extension registered. */
  clear(): void {
    this.byContainer.clear();
    this.count = 0;
    this.byNode.clear();
    this.first.clear();
    this.orphaned.clear();
    this.placedIn.clear();
    this.clearRegistry();
  }

  /**
   * The mark under a viewport point, or null. `caretPositionFromPoint` gives the text position; a
   * mark whose range contains it and one of whose boxes contains the point is the one.
   */
  markAt(x: number, y: number): Mark | null {
    // The pointer is over the page: the user is looking at it. Highlights the page cleared come back.
    this.restore();
    const doc = this.doc as Document & {
      caretPositionFromPoint?: (x: number, y: number) => { offsetNode: Node; offset: number } | null;
      caretRangeFromPoint?: (x: number, y: number) => Range | null;
    };
    let node: Node | null = null;
    let offset = 0;
    const pos = doc.caretPositionFromPoint?.(x, y);
    if (pos) ({ offsetNode: node, offset } = pos);
    else {
      const r = doc.caretRangeFromPoint?.(x, y);
      if (r) ({ startContainer: node, startOffset: offset } = r);
    }
    if (!node || node.nodeType !== 3) return null;
    for (const mark of this.byNode.get(node as Text) ?? []) {
      if (!mark.range.isPointInRange(node, offset)) continue;
      for (const rect of mark.range.getClientRects()) {
        if (x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom) return mark;
      }
    }
    return null;
  }

  /**
   * Drops marks already taken out of `byContainer`, in one pass however many there are (a rescan can
   * drop thousands at once: each text node's list is settled once, not per mark).
   */
  private forget(gone: Mark[]): void {
    this.count -= gone.length;
    const dropped = new Set(gone);
    const nodes = new Set<Text>();
    for (const mark of gone) {
      for (const first of [false, true])
        this.highlights.get(highlightName(this.resolvedPalette(), mark.entity.kind, first))?.delete(mark.range);
      for (const node of mark.nodes) nodes.add(node);
      if (this.first.get(mark.entity.id) === mark) {
        this.first.delete(mark.entity.id);
        this.placedIn.delete(mark.entity.id);
        this.orphaned.add(mark.entity.id);
      }
    }
    for (const node of nodes) {
      const rest = (this.byNode.get(node) ?? []).filter((m) => !dropped.has(m));
      if (rest.length) this.byNode.set(node, rest);
      else this.byNode.delete(node);
    }
  }

  /** Entities that lost their first mention: the earliest remaining one takes over (one pass for all). */
  private adoptOrphans(): void {
    if (!this.orphaned.size) return;
    const orphaned = new Set(this.orphaned);
    this.orphaned.clear();
    for (const mark of this.all()) {
      if (!orphaned.has(mark.entity.id)) continue;
      const current = this.first.get(mark.entity.id);
      if (!current || before(mark.range, current.range)) this.first.set(mark.entity.id, mark);
    }
    for (const id of orphaned) {
      const mark = this.first.get(id);
      if (mark) this.paint(mark, true);
    }
  }

  private resolvedPalette(): Palette {
    if (typeof this.palette === 'function') this.palette = this.palette();
    return this.palette;
  }

  private paint(mark: Mark, first: boolean): void {
    this.highlights.get(highlightName(this.resolvedPalette(), mark.entity.kind, !first))?.delete(mark.range);
    this.highlight(highlightName(this.resolvedPalette(), mark.entity.kind, first)).add(mark.range);
  }

  private highlight(name: string): Highlight {
    let h = this.highlights.get(name);
    if (!h) {
      h = this.api.create();
      this.highlights.set(name, h);
    }
    this.registerAs(name, h);
    return h;
  }

  /** Registers our highlights again under the names the page cleared (see the class comment). */
  restore(): void {
    for (const [name, h] of this.highlights) this.registerAs(name, h);
  }

  private registerAs(name: string, h: Highlight): void {
    if (!this.api.registry.has(name)) this.api.registry.set(name, h);
  }

  private clearRegistry(): void {
    for (const [name, h] of this.highlights) if (this.api.registry.get(name) === h) this.api.registry.delete(name);
    this.highlights.clear();
  }
}

/** Whether `node` is one of `scopes` or inside one, through shadow roots. */
function isWithin(node: Node, scopes: ReadonlySet<Node>): boolean {
  if (!scopes.size) return false;
  for (let n: Node | null = node; n; n = parentOrHost(n)) if (scopes.has(n)) return true;
  return false;
}

/** Whether range a starts before range b in document order. */
function before(a: Range, b: Range): boolean {
  try {
    return a.compareBoundaryPoints(Range.START_TO_START, b) < 0;
  } catch {
    return false; // different documents or shadow trees: keep the current first
  }
}
