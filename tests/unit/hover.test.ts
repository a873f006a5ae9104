import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, HoverIntent, type Clock } from '../../lib/content/hover';

/** A clock whose time moves only when the test says so. */
function fakeClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      now = due.at;
      timers = timers.filter((t) => t !== due);
      due.fn();
    }
    now = end;
  };
  return { clock, advance };
}

function setup() {
  const log: string[] = [];
  const { clock, advance } = fakeClock();
  const hover = new HoverIntent<string>(
    { prefetch: (m) => log.push(`prefetch ${m}`), show: (m) => log.push(`show ${m}`), hide: () => log.push('hide') },
    DEFAULT_TIMINGS,
    clock,
  );
  return { hover, log, advance };
}

describe('hover intent', () => {
  it('fetches after 150 ms and shows after 500 ms of rest on a mark', () => {
    const { hover, log, advance } = setup();
    hover.move(100, 100, 'A');
    advance(149);
    expect(log).toEqual([]);
    advance(1);
    expect(log).toEqual(['prefetch A']);
    advance(350);
    expect(log).toEqual(['prefetch A', 'show A']);
    expect(hover.open).toBe('A');
  });

  it('opens nothing when the pointer sweeps across marks', () => {
    const { hover, log, advance } = setup();
    for (let i = 0; i <= 40; i++) {
      hover.move(i * 20, 100, i % 2 ? 'A' : null); // 20 px every 10 ms = 2 px/ms, ending off the marks
      advance(10);
    }
    advance(1000);
    expect(log).toEqual([]);
  });

  it('opens the card when the pointer arrives fast and stops on a mark', () => {
    const { hover, log, advance } = setup();
    hover.move(0, 100, null);
    advance(10);
    hover.move(100, 100, 'A'); // 10 px/ms: travel
    advance(1000); // ...then no move at all
    expect(log).toEqual(['prefetch A', 'show A']);
  });

  it('does not open a card for a mark the pointer left before the delay', () => {
    const { hover, log, advance } = setup();
    hover.move(100, 100, 'A');
    advance(300);
    hover.move(102, 100, null);
    advance(1000);
    expect(log).toEqual(['prefetch A']);
  });

  it('keeps the card open while the pointer travels into it, and closes it after leaving', () => {
    const { hover, log, advance } = setup();
    hover.move(100, 100, 'A');
    advance(500);
    hover.move(101, 120, null); // off the mark, on the way to the card
    advance(200);
    hover.enterCard();
    advance(1000);
    expect(hover.open).toBe('A');
    hover.leaveCard();
    advance(299);
    expect(hover.open).toBe('A');
    advance(1);
    expect(hover.open).toBeNull();
    expect(log.at(-1)).toBe('hide');
  });

  it('keeps a pinned card until it is closed', () => {
    const { hover, advance } = setup();
    hover.move(100, 100, 'A');
    advance(500);
    hover.setPinned(true);
    hover.move(400, 400, null);
    hover.leave();
    advance(10_000);
    expect(hover.open).toBe('A');
    hover.close();
    expect(hover.open).toBeNull();
  });

  it('switches to another mark after resting on it', () => {
    const { hover, log, advance } = setup();
    hover.move(100, 100, 'A');
    advance(500);
    hover.move(101, 130, 'B');
    advance(500);
    expect(hover.open).toBe('B');
    expect(log).toContain('show B');
  });

  it('opens a card at once, pinned, for keyboard navigation', () => {
    const { hover, log, advance } = setup();
    hover.openPinned('C');
    hover.leave();
    advance(5000);
    expect(log).toEqual(['show C']);
    expect(hover.open).toBe('C');
  });
});

describe('hover intent and the card', () => {
  it('closes the card when the pointer is back on the page, even if the card never said it was left', () => {
    const { hover, advance } = setup();
    hover.move(100, 100, 'A');
    advance(500);
    hover.enterCard();
    advance(1000);
    hover.move(600, 600, null); // a move seen by the page: the pointer is out of the card
    advance(300);
    expect(hover.open).toBeNull();
  });
});
