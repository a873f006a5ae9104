/**
 * The card's host on the page: one `<backstory-card>` element, created on first use and reused, with
 * a closed shadow root holding an extension frame (card.html). The page's scripts see an element and
 * nothing in it: the frame is another origin. The host sits in the top layer (popover) with inline
 * `!important` styles, so page CSS cannot restyle it, nor show or make clickable a hidden card, and it
 * never shifts the layout. (The page can hide it, through the variable HOST_STYLE reads or by removing
 * the element: a page may always refuse the card.)
 */
import { browser } from 'wxt/browser';
import { cardFrameKey, randomToken } from '../client';
import type { CardFrameInit, FromCardFrame, ToCardFrame } from '../messages';
import type { Mark, Palette } from './marks';
import { OWN_PREFIX } from './blocks';
import { nearestRect, placeCard } from './position';

export const CARD_WIDTH = 380;
/** The host's tag: the one element Backstory adds to a page. */
export const CARD_HOST_TAG = `${OWN_PREFIX}card`;
/**
 * The host's own style. Visible only while the content script's style sheet (content/style.css) is in the
 * page, which defines the variable: a browser that stops the script without letting it clean up (Firefox,
 * when the extension is disabled or removed) takes the sheet away, and so the card too.
 */
const HOST_STYLE =
  'all: initial !important; position: fixed !important; display: block !important; margin: 0 !important; ' +
  'padding: 0 !important; border: 0 !important; background: transparent !important; overflow: visible !important; ' +
  'z-index: 2147483647 !important; color-scheme: normal !important; inset: auto !important; ' +
  'visibility: var(--backstory-card-visibility, hidden) !important;';

export interface CardHostEvents {
  /** The pointer entered / left the card (reported by the frame: a page gets no pointer events for an
   * out-of-process frame). */
  onEnter(): void;
  onLeave(): void;
  /** The card asks to be closed (Esc or its close button), or was (un)pinned. */
  onClose(): void;
  onPin(pinned: boolean): void;
}

export class CardHost {
  readonly token = randomToken();
  private host: HTMLElement | null = null;
  /** Set for good by `destroy`: nothing may build the host again (a late pointer frame, a card message). */
  private destroyed = false;
  private frame: HTMLIFrameElement | null = null;
  private port: MessagePort | null = null;
  private height = 240;
  private current: { mark: Mark; x: number; y: number } | null = null;

  constructor(
    private readonly doc: Document,
    private readonly events: CardHostEvents,
  ) {}

  get isOpen(): boolean {
    return this.current !== null;
  }

  get openMark(): Mark | null {
    return this.current?.mark ?? null;
  }

  /**
   * The pointer rests on a mark: the frame loads its card and, while no card is on screen, renders it
   * already, transparent and next to the mark, so that `show` only has to make it opaque.
   */
  prefetch(mark: Mark, point: { x: number; y: number } | null, palette: Palette): void {
    if (!this.current) this.place(mark, point);
    this.send({ type: 'prefetch', entityId: mark.entity.id, matched: mark.text, theme: palette });
  }

  /** Shows the card for a mark, next to the point the pointer is at (or the mark's start). */
  show(mark: Mark, point: { x: number; y: number } | null, palette: Palette, focus: boolean): void {
    const rect = mark.range.getBoundingClientRect();
    this.current = { mark, x: point?.x ?? rect.left, y: point?.y ?? rect.top };
    this.send({
      type: 'show',
      entityId: mark.entity.id,
      matched: mark.text,
      theme: palette,
      focus,
      pageUrl: this.doc.location?.href ?? '',
      pageTitle: this.doc.title,
      sentAt: performance.timeOrigin + performance.now(),
    });
    if (!this.position()) {
      // The mark is not on screen (it scrolled away or the page replaced it): nothing to show next to.
      this.hide();
      return;
    }
    this.setShown(true);
    if (focus) this.frame?.focus();
  }

  hide(): void {
    if (!this.current) return;
    this.current = null;
    this.setShown(false);
    this.send({ type: 'hide' });
  }

  /** The card's content height changed (reported by the frame). */
  setHeight(height: number): void {
    if (!Number.isFinite(height) || height <= 0) return;
    this.height = Math.ceil(height);
    this.position();
  }

  /** Keeps the card next to its mark (after scrolling or resizing); false if the mark is off screen or gone. */
  position(): boolean {
    const cur = this.current;
    return cur ? this.place(cur.mark, cur) : false;
  }

  /**
   * Open cards stay drawn in the page's top layer: hidden ones are transparent and let the pointer
   * through (rather than `visibility: hidden`), so the browser keeps rendering the frame and a card
   * appears in the first frame after it is shown. The frame makes itself inert meanwhile.
   */
  private setShown(shown: boolean): void {
    const host = this.ensure();
    if (!host) return;
    host.style.setProperty('opacity', shown ? '1' : '0', 'important');
    host.style.setProperty('pointer-events', shown ? 'auto' : 'none', 'important');
    if (shown) host.removeAttribute('aria-hidden');
    else host.setAttribute('aria-hidden', 'true');
  }

  private place(mark: Mark, point: { x: number; y: number } | null): boolean {
    const host = this.ensure();
    if (!host) return false;
    const rects = [...mark.range.getClientRects()];
    const first = rects[0];
    const anchor = nearestRect(rects, point?.x ?? first?.left ?? 0, point?.y ?? first?.top ?? 0);
    if (!anchor || !mark.range.startContainer.isConnected) return false;
    const view = this.doc.defaultView!;
    const viewport = { width: view.innerWidth, height: view.innerHeight };
    const rtl = view.getComputedStyle(mark.range.startContainer.parentElement ?? this.doc.body).direction === 'rtl';
    const p = placeCard(anchor, { width: CARD_WIDTH, height: this.height }, viewport, { rtl });
    const width = Math.min(CARD_WIDTH, viewport.width - 16);
    host.style.setProperty('left', `${p.left}px`, 'important');
    host.style.setProperty('top', `${p.top}px`, 'important');
    host.style.setProperty('width', `${width}px`, 'important');
    host.style.setProperty('height', `${Math.min(this.height, p.maxHeight)}px`, 'important');
    return anchor.bottom > 0 && anchor.top < viewport.height;
  }

  /** Loads the card frame ahead of need (the pointer met a mark), so the first card is not late. */
  warm(): void {
    this.ensure();
  }

  /** Whether keyboard focus is inside the card. */
  get hasFocus(): boolean {
    return this.host !== null && this.doc.activeElement === this.host;
  }

  /** Takes keyboard focus out of the card. */
  blur(): void {
    this.frame?.blur();
    this.host?.blur();
  }

  /** Moves keyboard focus into the card. */
  focus(): void {
    this.frame?.focus();
  }

  /** Removes the host from the page for good (the extension is going away). */
  destroy(): void {
    this.destroyed = true;
    this.current = null;
    this.host?.remove();
    this.host = null;
    this.frame = null;
    if (this.port) this.port.onmessage = null;
    this.port?.close();
    this.port = null;
  }

  /** The host, made on first use; null once destroyed. */
  private ensure(): HTMLElement | null {
    if (this.host || this.destroyed) return this.host;
    const host = this.doc.createElement(CARD_HOST_TAG);
    host.setAttribute('style', `${HOST_STYLE} opacity: 0 !important; pointer-events: none !important;`);
    host.setAttribute('aria-hidden', 'true');
    host.setAttribute('popover', 'manual');
    const shadow = host.attachShadow({ mode: 'closed' });
    const frame = this.doc.createElement('iframe');
    frame.src = browser.runtime.getURL(`/card.html#${this.token}` as '/card.html');
    frame.title = 'Backstory card';
    frame.setAttribute(
      'style',
      // `all: initial` would reset the inherited visibility and pointer-events: the hidden card's frame
      // would stay visible and catch clicks. Inherit them from the host.
      'all: initial; visibility: inherit; pointer-events: inherit; color-scheme: normal; ' +
        'display: block; width: 100%; height: 100%; border: 0; border-radius: 10px; ' +
        'box-shadow: 0 6px 28px rgb(0 0 0 / 0.22), 0 1px 3px rgb(0 0 0 / 0.12); background: transparent;',
    );
    // A private channel to the frame: messages wait in it until the frame takes its end.
    const channel = new MessageChannel();
    channel.port1.onmessage = (e: MessageEvent<FromCardFrame>) => this.receive(e.data);
    this.port = channel.port1;
    frame.addEventListener('load', () => void this.handOver(frame, channel.port2), { once: true });
    shadow.append(frame);
    host.addEventListener('pointerenter', () => this.events.onEnter());
    host.addEventListener('pointerleave', () => this.events.onLeave());
    this.doc.documentElement.append(host);
    try {
      host.showPopover();
    } catch {
      // No popover support: the fixed position and z-index still put it above the page.
    }
    this.host = host;
    this.frame = frame;
    return host;
  }

  /**
   * Gives the loaded frame its end of the channel, with the handshake key (see CardFrameInit). Posted
   * to the frame's window only, and only while an extension page is in it: page scripts cannot reach
   * that window (closed shadow root), and the key must never reach a page's document.
   */
  private async handOver(frame: HTMLIFrameElement, port: MessagePort): Promise<void> {
    let key: string | null;
    try {
      key = await cardFrameKey(true);
    } catch {
      return; // storage is out of reach only while the extension goes away, and the card with it
    }
    if (!key || this.frame !== frame) return;
    const init: CardFrameInit = { backstoryCardInit: this.token, key };
    frame.contentWindow?.postMessage(init, browser.runtime.getURL('/'), [port]);
  }

  private send(message: ToCardFrame): void {
    if (this.ensure()) this.port?.postMessage(message);
  }

  private receive(message: FromCardFrame): void {
    switch (message?.type) {
      case 'size':
        this.setHeight(message.height);
        break;
      case 'close':
        this.events.onClose();
        break;
      case 'pin':
        this.events.onPin(message.pinned);
        break;
      case 'pointer':
        if (message.inside) this.events.onEnter();
        else this.events.onLeave();
        break;
    }
  }
}
