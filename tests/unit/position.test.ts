import { describe, expect, it } from 'vitest';
import { nearestRect, placeCard } from '../../lib/content/position';

const viewport = { width: 1000, height: 800 };
const card = { width: 360, height: 300 };
const mark = (left: number, top: number, width = 80, height = 20) => ({
  left,
  top,
  right: left + width,
  bottom: top + height,
});

describe('card placement', () => {
  it('goes below the mark, aligned with its start', () => {
    expect(placeCard(mark(100, 100), card, viewport)).toEqual({ left: 100, top: 126, maxHeight: 666, side: 'below' });
  });

  it('flips above when there is no room below', () => {
    const p = placeCard(mark(100, 700), card, viewport);
    expect(p.side).toBe('above');
    expect(p.top + card.height).toBeLessThanOrEqual(700 - 6);
  });

  it('shifts left to stay inside the viewport', () => {
    const p = placeCard(mark(900, 100), card, viewport);
    expect(p.left + card.width).toBeLessThanOrEqual(1000 - 8);
  });

  it('never covers the mark, even when neither side has room for the whole card', () => {
    const tall = { width: 360, height: 900 };
    const p = placeCard(mark(100, 500), tall, viewport);
    expect(p.side).toBe('above');
    expect(p.top).toBeGreaterThanOrEqual(8);
    expect(p.top + Math.min(tall.height, p.maxHeight)).toBeLessThanOrEqual(500 - 6);
  });

  it('follows the mark’s right edge on right-to-left pages', () => {
    const p = placeCard(mark(600, 100), card, viewport, { rtl: true });
    expect(p.left + card.width).toBe(680);
  });

  it('fits narrow viewports (200% zoom on a small window)', () => {
    const p = placeCard(mark(10, 50), card, { width: 320, height: 400 });
    expect(p.left).toBe(8);
    expect(p.maxHeight).toBeLessThanOrEqual(400);
  });

  it('picks the line of a wrapped mark nearest to the pointer', () => {
    const lines = [mark(800, 100, 150), mark(0, 124, 60)];
    expect(nearestRect(lines, 20, 130)).toBe(lines[1]);
    expect(nearestRect(lines, 900, 105)).toBe(lines[0]);
  });
});
