import { describe, expect, it } from 'vitest';
import { decodeHlc, encodeHlc, HybridClock, MAX_DRIFT_MS } from '../../lib/hlc';

describe('hybrid logical clock', () => {
  it('encodes stamps that sort like the clocks they stand for', () => {
    const a = encodeHlc({ wall: 1_700_000_000_000, counter: 0, device: 'b' });
    const b = encodeHlc({ wall: 1_700_000_000_000, counter: 1, device: 'a' });
    const c = encodeHlc({ wall: 1_700_000_000_001, counter: 0, device: 'a' });
    expect([c, b, a].sort()).toEqual([a, b, c]);
    expect(decodeHlc(b)).toEqual({ wall: 1_700_000_000_000, counter: 1, device: 'a' });
  });

  it('never goes backwards, even when the wall clock does', () => {
    let t = 1000;
    const clock = new HybridClock('dev', undefined, () => t);
    const first = clock.tick();
    t = 500; // the system clock was set back
    const second = clock.tick();
    const third = clock.tick();
    expect(second > first).toBe(true);
    expect(third > second).toBe(true);
  });

  it('resumes from a persisted state after a restart', () => {
    const before = new HybridClock('dev', undefined, () => 2000);
    const last = before.tick();
    const after = new HybridClock('dev', before.snapshot(), () => 1000);
    expect(after.tick() > last).toBe(true);
  });

  it('orders local stamps after stamps received from other devices', () => {
    const clock = new HybridClock('a', undefined, () => 1000);
    clock.receive(encodeHlc({ wall: 5000, counter: 7, device: 'b' }));
    expect(decodeHlc(clock.tick())).toEqual({ wall: 5000, counter: 8, device: 'a' });
  });

  it('clamps stamps from a device whose clock is far in the future', () => {
    const now = 1_000_000;
    const clock = new HybridClock('a', undefined, () => now);
    clock.receive(encodeHlc({ wall: now + 365 * 24 * 3600 * 1000, counter: 0, device: 'b' }));
    expect(decodeHlc(clock.tick()).wall).toBeLessThanOrEqual(now + MAX_DRIFT_MS);
  });
});
