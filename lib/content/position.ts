/**
 * Where a card goes: next to its mark, inside the viewport, never covering the mark. Pure geometry,
 * in viewport (CSS pixel) coordinates.
 */

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface Placement {
  left: number;
  top: number;
  /** The height the card may take (it scrolls inside beyond that). */
  maxHeight: number;
  side: 'below' | 'above';
}

export interface PlaceOptions {
  /** Space kept between the card and the viewport's edges. */
  margin?: number;
  /** Space between the mark and the card. */
  gap?: number;
  /** Right-to-left page: the card's right edge follows the mark's right edge. */
  rtl?: boolean;
}

/**
 * Below the mark when the card fits there, else above when it fits there, else on the side with more
 * room (with a smaller max height). Horizontally aligned with the mark's start, shifted to stay inside.
 */
export function placeCard(
  anchor: Rect,
  card: { width: number; height: number },
  viewport: { width: number; height: number },
  { margin = 8, gap = 6, rtl = false }: PlaceOptions = {},
): Placement {
  const below = viewport.height - margin - (anchor.bottom + gap);
  const above = anchor.top - gap - margin;
  let side: Placement['side'];
  if (card.height <= below) side = 'below';
  else if (card.height <= above) side = 'above';
  else side = below >= above ? 'below' : 'above';
  const maxHeight = Math.max(80, side === 'below' ? below : above);
  const height = Math.min(card.height, maxHeight);
  const top = side === 'below' ? anchor.bottom + gap : anchor.top - gap - height;

  const width = Math.min(card.width, viewport.width - 2 * margin);
  const preferred = rtl ? anchor.right - width : anchor.left;
  const left = Math.min(Math.max(margin, preferred), viewport.width - margin - width);
  return { left: Math.round(left), top: Math.round(top), maxHeight: Math.round(maxHeight), side };
}

/** The box of a mark's line nearest to a point (a mark can wrap over several lines). */
export function nearestRect(rects: readonly Rect[], x: number, y: number): Rect | null {
  let best: Rect | null = null;
  let bestDistance = Infinity;
  for (const r of rects) {
    const dx = x < r.left ? r.left - x : x > r.right ? x - r.right : 0;
    const dy = y < r.top ? r.top - y : y > r.bottom ? y - r.bottom : 0;
    const d = dx * dx + dy * dy;
    if (d < bestDistance) {
      best = r;
      bestDistance = d;
    }
  }
  return best;
}
