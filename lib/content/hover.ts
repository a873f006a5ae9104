/**
 * Hover intent: when a pointer resting on a mark means "show me the card", and when leaving means
 * "close it". Pure logic with injected time and timers, so every rule is unit-tested without a page.
 *
 * Defaults follow Wikipedia's Page Previews (data fetched after 150 ms, card shown after 500 ms,
 * hidden 300 ms after the pointer left) and 10ten's rule that fast movement (>= 0.5 px/ms) is travel,
 * not intent: sweeping the pointer across a paragraph opens nothing.
 */

export interface HoverTimings {
  /** Rest this long on a mark before its card data is fetched. */
  prefetchMs: number;
  /** Rest this long on a mark before its card is shown. */
  showMs: number;
  /** After leaving the mark and the card, wait this long before hiding (time to reach the card). */
  hideMs: number;
  /** Pointer speed, in px/ms, at and above which movement is travel and starts nothing. */
  travelSpeed: number;
}

/** A pointer that arrived fast and then made no move for this long has come to rest. */
const SETTLE_MS = 60;

export const DEFAULT_TIMINGS: HoverTimings = { prefetchMs: 150, showMs: 500, hideMs: 300, travelSpeed: 0.5 };

export interface HoverActions<M> {
  prefetch(mark: M): void;
  show(mark: M): void;
  hide(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class HoverIntent<M> {
  private shown: M | null = null;
  private candidate: M | null = null;
  private pinned = false;
  private overCard = false;
  private last: { x: number; y: number; t: number } | null = null;
  private timers: unknown[] = [];
  private hideTimer: unknown = null;
  private settleTimer: unknown = null;

  constructor(
    private readonly actions: HoverActions<M>,
    private readonly timings: HoverTimings = DEFAULT_TIMINGS,
    private readonly clock: Clock = realClock,
  ) {}

  /** The mark whose card is open, if any. */
  get open(): M | null {
    return this.shown;
  }

  /** The pointer moved to (x, y); `mark` is the mark under it (null: none). */
  move(x: number, y: number, mark: M | null): void {
    // A move over the page means the pointer is not over the card (the card's frame gets its own
    // events, and may not tell us when the pointer left it).
    this.overCard = false;
    const t = this.clock.now();
    const speed = this.last ? Math.hypot(x - this.last.x, y - this.last.y) / Math.max(1, t - this.last.t) : 0;
    this.last = { x, y, t };
    if (mark !== null && mark === this.shown) {
      this.cancelHide();
      this.cancelDwell();
      return;
    }
    if (this.shown !== null && !this.overCard) this.scheduleHide();
    if (this.settleTimer !== null) this.clock.clearTimeout(this.settleTimer);
    this.settleTimer = null;
    if (mark === null) {
      this.cancelDwell();
      return;
    }
    if (speed >= this.timings.travelSpeed) {
      // Travelling. If the pointer stops right here (no further move comes), that is a rest.
      this.cancelDwell();
      this.settleTimer = this.clock.setTimeout(() => {
        this.settleTimer = null;
        this.startDwell(mark);
      }, SETTLE_MS);
      return;
    }
    this.startDwell(mark);
  }

  private startDwell(mark: M): void {
    if (mark === this.candidate || mark === this.shown) return; // already resting there: its timers run on
    this.cancelDwell();
    this.candidate = mark;
    this.timers.push(
      this.clock.setTimeout(() => this.actions.prefetch(mark), this.timings.prefetchMs),
      this.clock.setTimeout(() => this.showNow(mark), this.timings.showMs),
    );
  }

  /** The pointer left the page's viewport or the window lost focus. */
  leave(): void {
    this.cancelDwell();
    if (this.shown !== null && !this.overCard) this.scheduleHide();
  }

  enterCard(): void {
    this.overCard = true;
    this.cancelHide();
    this.cancelDwell();
  }

  leaveCard(): void {
    this.overCard = false;
    if (this.shown !== null) this.scheduleHide();
  }

  /** Shows a card at once (keyboard navigation) and keeps it until closed. */
  openPinned(mark: M): void {
    this.cancelDwell();
    this.showNow(mark);
    this.pinned = true;
  }

  /** Records a card the host already showed (keyboard navigation), pinned. */
  openPinnedShown(mark: M): void {
    this.cancelDwell();
    this.cancelHide();
    this.shown = mark;
    this.pinned = true;
  }

  get isPinned(): boolean {
    return this.pinned;
  }

  setPinned(pinned: boolean): void {
    this.pinned = pinned;
    if (pinned) this.cancelHide();
  }

  /** Closes the card (Esc, the close button, the page navigating) and forgets any pending dwell. */
  close(): void {
    this.cancelDwell();
    this.hideNow();
  }

  private hideNow(): void {
    this.cancelHide();
    if (this.shown === null) return;
    this.shown = null;
    this.pinned = false;
    this.overCard = false;
    this.actions.hide();
  }

  dispose(): void {
    this.cancelDwell();
    this.cancelHide();
  }

  private showNow(mark: M): void {
    this.cancelHide();
    this.candidate = null;
    this.timers = [];
    this.shown = mark;
    this.pinned = false;
    this.actions.show(mark);
  }

  private scheduleHide(): void {
    if (this.pinned || this.hideTimer !== null) return;
    this.hideTimer = this.clock.setTimeout(() => {
      this.hideTimer = null;
      // Only the card goes: a dwell on another mark keeps running and opens its own card.
      if (!this.pinned && !this.overCard) this.hideNow();
    }, this.timings.hideMs);
  }

  private cancelHide(): void {
    if (this.hideTimer !== null) this.clock.clearTimeout(this.hideTimer);
    this.hideTimer = null;
  }

  private cancelDwell(): void {
    if (this.settleTimer !== null) this.clock.clearTimeout(this.settleTimer);
    this.settleTimer = null;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers = [];
    this.candidate = null;
  }
}
