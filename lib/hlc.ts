/**
 * Hybrid logical clock timestamps, encoded as fixed-width strings that sort in causal-then-device
 * order with a plain string comparison: `wall(11 base-36 digits)-counter(5 base-36 digits)-device`.
 *
 * Every field of every record carries the stamp of its last write (see `Stamps` in model.ts), which
 * is what the sync merge (a later issue) compares. The encoding is fixed here so that stored stamps
 * never need rewriting.
 */
export type Hlc = string;

export interface HlcParts {
  wall: number;
  counter: number;
  device: string;
}

const WALL_WIDTH = 11; // base 36, good until the year 5000 and beyond
const COUNTER_WIDTH = 5;
const MAX_COUNTER = 36 ** COUNTER_WIDTH - 1;
/** Remote stamps further ahead than this are clamped when received (a device with a wrong clock). */
export const MAX_DRIFT_MS = 5 * 60 * 1000;

export function encodeHlc({ wall, counter, device }: HlcParts): Hlc {
  return `${wall.toString(36).padStart(WALL_WIDTH, '0')}-${counter.toString(36).padStart(COUNTER_WIDTH, '0')}-${device}`;
}

export function decodeHlc(hlc: Hlc): HlcParts {
  const m = /^([0-9a-z]{11})-([0-9a-z]{5})-(.+)$/.exec(hlc);
  if (!m) throw new Error(`Not a clock stamp: ${hlc}`);
  return { wall: parseInt(m[1]!, 36), counter: parseInt(m[2]!, 36), device: m[3]! };
}

export const isHlc = (s: string): boolean => /^[0-9a-z]{11}-[0-9a-z]{5}-.+$/.test(s);

/** The state a clock persists: the last stamp it issued or observed. */
export interface ClockState {
  wall: number;
  counter: number;
}

/**
 * A monotonic hybrid logical clock for one device. `now` is injected so tests control time; the
 * state is handed in and read back so that the caller can persist it (it must survive restarts).
 */
export class HybridClock {
  private state: ClockState;

  constructor(
    readonly device: string,
    state: ClockState = { wall: 0, counter: 0 },
    private readonly now: () => number = Date.now,
  ) {
    this.state = { ...state };
  }

  /** A new stamp, strictly greater than every stamp this clock issued or received. */
  tick(): Hlc {
    const physical = this.now();
    if (physical > this.state.wall) this.state = { wall: physical, counter: 0 };
    else this.bumpCounter();
    return encodeHlc({ ...this.state, device: this.device });
  }

  /** Observes a stamp from elsewhere so later local stamps sort after it (far-future ones clamped). */
  receive(remote: Hlc): void {
    const { wall, counter } = decodeHlc(remote);
    const limit = this.now() + MAX_DRIFT_MS;
    const clampedWall = Math.min(wall, limit);
    if (clampedWall > this.state.wall) this.state = { wall: clampedWall, counter: wall > limit ? 0 : counter };
    else if (clampedWall === this.state.wall && counter > this.state.counter && wall <= limit)
      this.state = { wall: clampedWall, counter };
  }

  snapshot(): ClockState {
    return { ...this.state };
  }

  private bumpCounter(): void {
    if (this.state.counter >= MAX_COUNTER) this.state = { wall: this.state.wall + 1, counter: 0 };
    else this.state = { wall: this.state.wall, counter: this.state.counter + 1 };
  }
}
