/**
 * Cards on a page: the pointer's intent (HoverIntent), the card host, keyboard navigation between
 * mentions, Esc, and following the page as it scrolls. All listeners hang on one AbortSignal, and only
 * the user's own pointer (trusted events) opens a card.
 */
import { CardHost } from './card-host';
import { HoverIntent, type HoverTimings, DEFAULT_TIMINGS } from './hover';
import type { Mark, Marks } from './marks';
import { detectPalette } from './palette';

export class Cards {
  private readonly host: CardHost;
  private readonly hover: HoverIntent<Mark>;
  private point: { x: number; y: number } | null = null;
  private frameRequested = false;
  private returnFocus: Element | null = null;
  /** Index in document order of the mention the keyboard last moved to. */
  private cursor = -1;

  constructor(
    private readonly doc: Document,
    private readonly marks: Marks,
    signal: AbortSignal,
    timings: HoverTimings = DEFAULT_TIMINGS,
  ) {
    this.host = new CardHost(doc, {
      onEnter: () => this.hover.enterCard(),
      onLeave: () => this.hover.leaveCard(),
      onClose: () => this.close(),
      onPin: (pinned) => this.hover.setPinned(pinned),
    });
    this.hover = new HoverIntent<Mark>(
      {
        prefetch: (mark) => this.host.prefetch(mark, this.point, detectPalette(doc)),
        show: (mark) => this.host.show(mark, this.point, detectPalette(doc), false),
        hide: () => this.onHidden(),
      },
      timings,
    );
    const win = doc.defaultView!;
    const opts = { capture: true, passive: true, signal };
    doc.addEventListener('pointermove', (e) => this.onPointer(e), opts);
    doc.addEventListener('pointerleave', () => this.hover.leave(), opts);
    win.addEventListener('blur', () => this.hover.leave(), opts);
    win.addEventListener('scroll', () => this.follow(), opts);
    win.addEventListener('resize', () => this.follow(), opts);
    doc.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Escape' && this.host.isOpen) this.close();
      },
      { capture: true, signal },
    );
    signal.addEventListener('abort', () => {
      this.hover.dispose();
      this.host.destroy();
    });
  }

  /** Closes the card and gives focus back to where it was before the card took it. */
  close(): void {
    this.hover.close();
  }

  /** Moves to the next (or previous) mention in document order, scrolls to it and opens its card. */
  step(direction: 1 | -1): void {
    const all = this.marks.ordered();
    if (!all.length) return;
    const open = this.host.openMark;
    const at = open ? all.indexOf(open) : -1;
    const from = at >= 0 ? at : this.cursor;
    this.cursor = from < 0 ? (direction === 1 ? 0 : all.length - 1) : (from + direction + all.length) % all.length;
    this.openAt(all[this.cursor]!);
  }

  /** Scrolls to the first mention of an entity and opens its card; false when it has none here. */
  showFirst(entityId: string): boolean {
    const mark = this.marks.firstOf(entityId);
    if (!mark) return false;
    this.cursor = this.marks.ordered().indexOf(mark);
    this.openAt(mark);
    return true;
  }

  private openAt(mark: Mark): void {
    mark.range.startContainer.parentElement?.scrollIntoView({ block: 'center', inline: 'nearest' });
    if (!this.host.isOpen) this.returnFocus = this.doc.activeElement;
    const rect = mark.range.getBoundingClientRect();
    this.point = { x: rect.left, y: rect.top };
    this.hover.openPinnedShown(mark);
    this.host.show(mark, this.point, detectPalette(this.doc), true);
  }

  private onHidden(): void {
    const hadFocus = this.host.hasFocus;
    this.host.hide();
    const back = this.returnFocus as HTMLElement | null;
    this.returnFocus = null;
    if (!hadFocus) return;
    // Back to what had focus before the card took it; with nothing focusable there (the body), out of
    // the frame at least, so the page gets its keys again.
    if (back && back !== this.doc.body && typeof back.focus === 'function' && back.isConnected) back.focus();
    else {
      this.host.blur();
      this.doc.defaultView?.focus();
    }
  }

  private onPointer(e: PointerEvent): void {
    // Only the user's own pointer opens cards: a page script can dispatch pointer events too.
    if (!e.isTrusted) return;
    this.point = { x: e.clientX, y: e.clientY };
    if (this.frameRequested) return;
    this.frameRequested = true;
    // One hit test per frame at most, and none at all on pages without marks.
    requestAnimationFrame(() => {
      this.frameRequested = false;
      const p = this.point;
      if (!p) return;
      const mark = this.marks.size ? this.marks.markAt(p.x, p.y) : null;
      if (mark) this.host.warm();
      this.hover.move(p.x, p.y, mark);
    });
  }

  private follow(): void {
    if (!this.host.isOpen) return;
    requestAnimationFrame(() => {
      if (!this.host.position() && !this.hover.isPinned) this.hover.close();
    });
  }
}
