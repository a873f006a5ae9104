/**
 * Drawing marks with the CSS Custom Highlight API: ranges registered in `CSS.highlights`, painted by
 * the `::highlight()` rules of content.css. No node of the page is created, moved or changed.
 *
 * Page scripts share the highlight registry, so the names say only the kind and whether it is an
 * entity's first mention on the page (`backstory-place`, `backstory-place-first`), never who it is.
 */
import type { EntityKind } from '../model';
import { ENTITY_KINDS } from '../model';
import { locate, OWN_PREFIX, type TextBlock } from './blocks';

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
 * The marks of one document: which ranges belong to which block container, which mention of each
 * entity comes first, and hit-testing from a point back to a mark.
 */
export class Marks {
  private readonly highlights = new Map<string, Highlight>();
  private readonly byContainer = new Map<Node, Mark[]>();
  private readonly byNode = new Map<Text, Mark[]>();
  private readonly first = new Map<string, Mark>();

  constructor(
    private readonly doc: Document,
    private readonly api: HighlightApi,
    /** The palette, or how to find it out: asked only once the page has a mark (it reads styles). */
    private palette: Palette | (() => Palette) = 'light',
  ) {}

  private count = 0;

  /** Number of marks on the page (kept as a count: the pointer handler asks on every frame). */
  get size(): number {
    return this.count;
  }

  /** All marks in document order. */
  /** The first mention of an entity in document order, if it has one on the page. */
  firstOf(entityId: string): Mark | undefined {
    return this.first.get(entityId);
  }

  ordered(): Mark[] {
    return this.all().sort((a, b) => (before(a.range, b.range) ? -1 : before(b.range, a.range) ? 1 : 0));
  }

  /** All marks, in no particular order. */
  all(): Mark[] {
    return [...this.byContainer.values()].flat();
  }

  /** Replaces the marks of every block whose container is inside `scope` (or is it). */
  clearWithin(scope: Node): void {
    for (const [container, marks] of this.byContainer) {
      if (scope === container || scope.contains(container) || !container.isConnected) this.remove(container, marks);
    }
  }

  /** Adds the marks of one freshly matched block. */
  add(block: TextBlock, mentions: readonly { start: number; end: number; entity: MarkedEntity }[]): void {
    if (!mentions.length) return;
    const list = this.byContainer.get(block.container) ?? [];
    for (const m of mentions) {
      const start = locate(block, m.start, false);
      const end = locate(block, m.end, true);
      const range = this.doc.createRange();
      range.setStart(start.node, start.offset);
      range.setEnd(end.node, end.offset);
      const nodes = block.nodes.slice(start.index, end.index + 1);
      const mark: Mark = { range, entity: m.entity, text: block.text.slice(m.start, m.end), nodes };
      list.push(mark);
      this.count++;
      for (const node of nodes) {
        const own = this.byNode.get(node);
        if (own) own.push(mark);
        else this.byNode.set(node, [mark]);
      }
      const current = this.first.get(m.entity.id);
      if (!current || !current.range.startContainer.isConnected || before(range, current.range)) {
        if (current) this.paint(current, false);
        this.first.set(m.entity.id, mark);
        this.paint(mark, true);
      } else {
        this.paint(mark, false);
      }
    }
    this.byContainer.set(block.container, list);
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
    this.clearRegistry();
  }

  /**
   * The mark under a viewport point, or null. `caretPositionFromPoint` gives the text position; a
   * mark whose range contains it and one of whose boxes contains the point is the one.
   */
  markAt(x: number, y: number): Mark | null {
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

  private remove(container: Node, marks: Mark[]): void {
    this.byContainer.delete(container);
    this.count -= marks.length;
    const orphaned = new Set<string>();
    for (const mark of marks) {
      for (const name of [
        highlightName(this.resolvedPalette(), mark.entity.kind, false),
        highlightName(this.resolvedPalette(), mark.entity.kind, true),
      ])
        this.highlights.get(name)?.delete(mark.range);
      for (const node of mark.nodes) {
        const rest = (this.byNode.get(node) ?? []).filter((m) => m !== mark);
        if (rest.length) this.byNode.set(node, rest);
        else this.byNode.delete(node);
      }
      if (this.first.get(mark.entity.id) === mark) {
        this.first.delete(mark.entity.id);
        orphaned.add(mark.entity.id);
      }
    }
    // An entity lost its first mention: the earliest remaining one takes over.
    if (orphaned.size) {
      for (const mark of this.all()) {
        if (!orphaned.has(mark.entity.id)) continue;
        const current = this.first.get(mark.entity.id);
        if (!current || before(mark.range, current.range)) this.first.set(mark.entity.id, mark);
      }
      for (const id of orphaned) {
        const mark = this.first.get(id);
        if (mark) {
          this.paint(mark, true);
        }
      }
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
      this.api.registry.set(name, h);
    }
    return h;
  }

  private clearRegistry(): void {
    for (const name of this.highlights.keys()) this.api.registry.delete(name);
    this.highlights.clear();
  }
}

/** Whether range a starts before range b in document order. */
function before(a: Range, b: Range): boolean {
  try {
    return a.compareBoundaryPoints(Range.START_TO_START, b) < 0;
  } catch {
    return false; // different documents or shadow trees: keep the current first
  }
}
