// @vitest-environment node
/**
 * A seeded simulation of 3-4 devices syncing through one fault-injecting remote
 * (tests/fixtures/memory-remote.ts) with lib/sync/protocol.ts: skewed clocks, random local
 * creates/edits/deletes/undeletes/conflict resolutions, random `syncOnce` calls while the remote
 * fails calls (5xx, 412, 423, 507, timeouts, aborted and truncated uploads, lost answers), answers
 * listings from older states, files get bit-flipped or truncated, the folder is wiped now and then,
 * the process stops at random points (between protocol steps, inside remote calls, inside local and
 * state saves) and the user edits while a sync runs. Then the faults stop and every device syncs
 * twice, round-robin. Checked:
 *
 * - convergence: all devices' views are equal (canonical JSON);
 * - no silent loss: every register holds exactly the logged writes that no other write had seen
 *   (the oracle of tests/unit/sync-merge-property.test.ts);
 * - damaged files are never merged: every record state any device ever saved is valid and made of
 *   logged writes only (each value with its stamp, each context entry a logged stamp);
 * - a paused sync changes nothing locally; only RemoteError, SyncError and injected stops escape;
 * - a third round writes nothing (idle).
 *
 * Replay: `SYNC_SIM_SEED=<base> npx vitest run tests/unit/sync-simulation.test.ts`, or one case with
 * `SYNC_SIM_CASE=<case seed>`. `SYNC_SIM_SCALE=10` runs ten times as many cases.
 */
import { describe, expect, it } from 'vitest';
import { HybridClock, type Hlc } from '../../lib/hlc';
import type { EntityFields } from '../../lib/model';
import {
  create,
  edit,
  remove,
  resolve,
  seenBy,
  stableJson,
  validate,
  view,
  type Context,
  type Register,
  type SyncRecord,
} from '../../lib/sync/merge';
import {
  keyOf,
  plainCodec,
  syncOnce,
  SyncError,
  type Codec,
  type SyncPoint,
  type SyncResult,
  type SyncState,
} from '../../lib/sync/protocol';
import { RemoteError } from '../../lib/sync/remote';
import { Crash, keyedCodec, MemoryRemote, type Op } from '../fixtures/memory-remote';
import { caseSeed, randomFields, randomPatch, randomValue, Rng } from '../fixtures/sync-gen';

const BASE = Number(process.env.SYNC_SIM_SEED ?? 0x5eed5);
const SCALE = Number(process.env.SYNC_SIM_SCALE) || 1;
const ONE = process.env.SYNC_SIM_CASE ? Number(process.env.SYNC_SIM_CASE) : undefined;
const RUNS = Math.round(200 * SCALE);
const SUITE = 11;

type Rec = SyncRecord<object>;
const STORE = 'sim';
const DELETED = '#deleted';
const START = 1_700_000_000_000;
const MINUTE = 60_000;
const YEAR = 365 * 24 * 60 * MINUTE;
const POINTS: SyncPoint[] = [
  'store-checked',
  'pulled',
  'saved',
  'state-saved',
  'shard-uploaded',
  'shards-uploaded',
  'head-written',
  'pushed',
  'collected',
];

interface Write {
  key: string;
  register: string;
  value: unknown;
  stamp: Hlc;
  ctx: Context;
}

interface Device {
  id: string;
  clock: HybridClock;
  map: Map<string, Rec>;
  revision: number;
  stateJson: string | null;
}

/** Why a case failed (thrown to end it). */
class Problem extends Error {}

class World {
  readonly rng: Rng;
  readonly remote: MemoryRemote;
  readonly devices: Device[];
  readonly keys: string[];
  readonly codec: Codec;
  readonly log: Write[] = [];
  /** `key|register|stamp|value` of every logged write, and `key|stamp` of every stamp. */
  private readonly written = new Set<string>();
  readonly events: string[] = [];
  readonly stats = { syncs: 0, ok: 0, failed: 0, paused: 0, busy: 0, rejected: 0, damage: 0, wipes: 0 };
  private t = START;
  private readonly feedClock: boolean;
  private readonly minLoss: number;

  constructor(readonly seed: number) {
    const rng = (this.rng = new Rng(seed));
    this.remote = new MemoryRemote(seed ^ 0x9e3779b9);
    const n = rng.int(3, 4);
    const farFuture = rng.chance(0.15) ? rng.int(0, n - 1) : -1;
    this.devices = Array.from({ length: n }, (_, i) => {
      const skew = i === farFuture ? YEAR : rng.int(-10, 10) * MINUTE;
      const id = `d${i}`;
      return {
        id,
        clock: new HybridClock(id, undefined, () => this.t + skew),
        map: new Map(),
        revision: 0,
        stateJson: null,
      };
    });
    this.keys = Array.from({ length: rng.int(6, 40) }, (_, i) => `${rng.pick(['entity', 'event', 'note'])}:r${i}`);
    this.codec = rng.chance(0.5) ? plainCodec : keyedCodec('sim-key');
    this.feedClock = rng.chance(0.8);
    this.minLoss = rng.pick([1, 3, 10]);
  }

  describe(): string {
    return (
      `seed=${this.seed} devices=${this.devices.length} keys=${this.keys.length} codec=${this.codec.encrypted ? 'keyed' : 'plain'} ` +
      `writes=${this.log.length} stats=${JSON.stringify(this.stats)}\n  last events: ${this.events.slice(-12).join('\n    ')}` +
      `\n  last faults: ${this.remote.faultLog.slice(-8).join('; ')}`
    );
  }

  event(text: string): void {
    this.events.push(text);
  }

  // ---- local writes -----------------------------------------------------------------------------

  private logWrite(rec: Rec, registers: Record<string, unknown>, stamp: Hlc): void {
    const key = keyOf(rec);
    for (const [register, value] of Object.entries(registers)) {
      this.log.push({ key, register, value, stamp, ctx: rec.ctx });
      this.written.add(`${key}|${register}|${stamp}|${stableJson(value)}`);
    }
    this.written.add(`${key}|${stamp}`);
  }

  /** A random local write at device `d`, like tests/fixtures/sync-gen.ts's `Sim.write`. */
  write(d: Device): void {
    const { rng } = this;
    this.t += rng.int(1, 50);
    const local = [...d.map.keys()];
    const key = local.length > 0 && rng.chance(0.85) ? rng.pick(local) : rng.pick(this.keys);
    const prev = d.map.get(key);
    const stamp = d.clock.tick();
    let rec: Rec;
    if (!prev) {
      const [type, id] = key.split(':') as [SyncRecord<object>['type'], string];
      const fields = randomFields(rng);
      rec = create<object>(id, type, fields, stamp);
      this.logWrite(rec, { ...fields, [DELETED]: false }, stamp);
    } else {
      const v = view(prev as SyncRecord<EntityFields>);
      const conflicted = Object.keys(v.conflicts) as (keyof EntityFields)[];
      const roll = rng.next();
      if (roll < 0.12) {
        rec = remove(prev, stamp);
        this.logWrite(rec, { [DELETED]: true }, stamp);
      } else if (roll < 0.35 && conflicted.length > 0) {
        const field = rng.pick(conflicted);
        const shown = [v.values[field], ...v.conflicts[field]!.map((e) => e.value)];
        const value = rng.chance(0.8) ? rng.pick(shown) : randomValue(rng, field);
        rec = resolve(prev as SyncRecord<EntityFields>, field, value as never, stamp) as Rec;
        this.logWrite(rec, { [field]: value, [DELETED]: false }, stamp);
      } else if (roll < 0.45 && (v.deleted || v.resurrected)) {
        rec = edit(prev, {}, stamp);
        this.logWrite(rec, { [DELETED]: false }, stamp);
      } else {
        const patch = randomPatch(rng);
        rec = edit(prev as SyncRecord<EntityFields>, patch, stamp) as Rec;
        this.logWrite(rec, { ...patch, [DELETED]: false }, stamp);
      }
    }
    d.map.set(key, rec);
    d.revision++;
  }

  /** The user deletes most of what device `d` shows (what the guard is for). */
  massDelete(d: Device): void {
    const live = [...d.map].filter(([, rec]) => !view(rec).deleted);
    for (const [key, rec] of live) {
      if (this.rng.chance(0.2)) continue;
      this.t += 1;
      const stamp = d.clock.tick();
      const next = remove(rec, stamp);
      this.logWrite(next, { [DELETED]: true }, stamp);
      d.map.set(key, next);
      d.revision++;
    }
    this.event(`${d.id} deleted most of its ${live.length} live records`);
  }

  /** A record state is valid and made only of logged writes (nothing from a damaged file). */
  checkRecord(key: string, rec: Rec, where: string): void {
    const errors = validate(rec);
    if (errors.length > 0) throw new Problem(`${where}: invalid ${key}: ${errors.join('; ')}`);
    if (keyOf(rec) !== key) throw new Problem(`${where}: ${keyOf(rec)} saved under ${key}`);
    const registers: [string, Register<unknown>][] = [
      ...Object.entries(rec.fields as Record<string, Register<unknown>>),
      [DELETED, rec.deleted],
    ];
    for (const [register, reg] of registers)
      for (const e of reg)
        if (!this.written.has(`${key}|${register}|${e.stamp}|${stableJson(e.value)}`))
          throw new Problem(`${where}: ${key}.${register} holds ${stableJson(e.value)} at ${e.stamp}, never written`);
    for (const stamp of Object.values(rec.ctx))
      if (!this.written.has(`${key}|${stamp}`)) throw new Problem(`${where}: ${key} ctx has ${stamp}, never written`);
  }

  // ---- syncs ------------------------------------------------------------------------------------

  /**
   * One `syncOnce` at device `d`. With `faults`, the remote misbehaves and the process may stop
   * anywhere; without, the sync must succeed.
   */
  async sync(d: Device, faults: boolean, allowLoss = false): Promise<SyncResult | null> {
    const { rng, remote } = this;
    this.t += rng.int(0, 3000);
    this.stats.syncs++;
    remote.faults = faults ? { rate: rng.pick([0, 0.01, 0.03, 0.08]), stale: rng.pick([0, 0.1, 0.3]) } : null;
    remote.before = remote.after = undefined;
    let at: ((p: SyncPoint) => void) | undefined;
    let crashLocal: 'before' | 'after' | null = null;
    let crashState: 'before' | 'after' | null = null;
    let editDuring = faults && rng.chance(0.15);
    if (faults && rng.chance(0.3)) {
      const where = rng.int(0, 4);
      if (where === 0) {
        const point = rng.pick(POINTS);
        at = (p) => {
          if (p === point) throw new Crash(`stop at ${p}`);
        };
      } else if (where <= 2) {
        // Stop inside the k-th remote call, before or after its effect.
        const k = rng.int(1, 30);
        let n = 0;
        const stop = (op: Op, path: string) => {
          if (++n === k) throw new Crash(`stop in ${op} ${path}`);
        };
        if (where === 1) remote.before = stop;
        else remote.after = stop;
      } else if (where === 3) crashLocal = rng.chance(0.5) ? 'before' : 'after';
      else crashState = rng.chance(0.5) ? 'before' : 'after';
    }
    const before = { key: this.storeKey(d), revision: d.revision, state: d.stateJson };
    const result = await syncOnce({
      remote,
      codec: this.codec,
      storeId: STORE,
      deviceId: d.id,
      deviceName: `Device ${d.id}`,
      now: () => this.t,
      guard: { minLoss: this.minLoss },
      allowLoss,
      at,
      local: {
        load: async () => new Map(d.map),
        revision: async () => d.revision,
        save: async (next, expected, changed) => {
          if (editDuring) {
            editDuring = false;
            this.write(d); // the user edits while the sync runs
            this.event(`${d.id} edited during its sync`);
          }
          if (crashLocal === 'before') throw new Crash('stop before the local save');
          if (expected !== d.revision) return false;
          for (const [key, rec] of changed) this.checkRecord(key, rec, `${d.id} saving`);
          d.map = new Map(next);
          d.revision++;
          if (crashLocal === 'after') throw new Crash('stop after the local save');
          return true;
        },
      },
      state: {
        load: async () => (d.stateJson ? (JSON.parse(d.stateJson) as SyncState) : null),
        save: async (s) => {
          if (crashState === 'before') throw new Crash('stop before a state save');
          d.stateJson = JSON.stringify(s);
          if (crashState === 'after') throw new Crash('stop after a state save');
        },
      },
    }).catch((e: unknown) => {
      if (e instanceof Problem) throw e;
      if (!faults) throw new Problem(`a sync without faults failed at ${d.id}: ${String(e)}`);
      if (!(e instanceof RemoteError || e instanceof SyncError || e instanceof Crash))
        throw new Problem(`${d.id}: unexpected ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      this.stats.failed++;
      this.event(`${d.id} sync failed: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    });
    remote.faults = null;
    remote.before = remote.after = undefined;
    if (!result) return null;
    this.stats.rejected += result.report.rejected.length;
    this.event(`${d.id} sync ${result.status} ${JSON.stringify({ ...result, report: undefined, lossy: undefined })}`);
    if (result.status === 'paused') {
      this.stats.paused++;
      const after = { key: this.storeKey(d), revision: d.revision, state: d.stateJson };
      if (stableJson(after) !== stableJson(before)) throw new Problem(`${d.id}: a paused sync changed local data`);
      if (result.lossy.count <= Math.max(this.minLoss, 0.2 * result.lossy.live))
        throw new Problem(`${d.id}: paused below the limit ${JSON.stringify(result.lossy)}`);
    } else if (result.status === 'busy') this.stats.busy++;
    else {
      this.stats.ok++;
      if (result.clock && this.feedClock) d.clock.receive(result.clock);
    }
    return result;
  }

  /** Damage done to a stored file after the fact. */
  damage(): void {
    // Mostly the newest files: those other devices have not read yet.
    const paths = this.remote
      .paths('backstory/')
      .sort((a, b) => this.remote.files.get(b)!.modified - this.remote.files.get(a)!.modified);
    if (paths.length === 0) return;
    const path = this.rng.pick(this.rng.chance(0.7) ? paths.slice(0, 4) : paths);
    this.stats.damage++;
    if (this.rng.chance(0.5)) this.remote.bitFlip(path);
    else this.remote.truncate(path);
    this.event(`damaged ${path}`);
  }

  storeKey(d: Device): string {
    return stableJson([...d.map].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** The no-silent-loss oracle on one view: every register holds exactly the writes no other write had seen. */
  audit(map: ReadonlyMap<string, Rec>): string[] {
    const groups = new Map<string, Write[]>();
    for (const w of this.log) {
      const g = `${w.key} ${w.register}`;
      groups.set(g, [...(groups.get(g) ?? []), w]);
    }
    const problems: string[] = [];
    for (const [g, writes] of groups) {
      const [key, register] = g.split(' ') as [string, string];
      const rec = map.get(key);
      const reg: Register<unknown> =
        (register === DELETED
          ? rec?.deleted
          : (rec?.fields as Record<string, Register<unknown>> | undefined)?.[register]) ?? [];
      const live = writes.filter((w) => !writes.some((o) => o.stamp !== w.stamp && seenBy(o.ctx, w.stamp)));
      for (const w of live)
        if (!reg.some((e) => e.stamp === w.stamp && stableJson(e.value) === stableJson(w.value)))
          problems.push(`lost: ${g} = ${stableJson(w.value)} at ${w.stamp}`);
      for (const e of reg)
        if (!live.some((w) => w.stamp === e.stamp)) problems.push(`superseded value kept: ${g} at ${e.stamp}`);
    }
    return problems;
  }
}

/** One simulated history; returns a problem or null. */
async function runCase(seed: number): Promise<string | null> {
  const world = new World(seed);
  const { rng, devices } = world;
  try {
    // Devices join: a first sync each, on a healthy server (a device that never synced cannot repair store.json).
    for (const d of devices) {
      if (rng.chance(0.8)) for (let i = rng.int(1, 12); i > 0; i--) world.write(d);
      await world.sync(d, false);
    }
    const steps = rng.int(15, 40);
    for (let step = 0; step < steps; step++) {
      const roll = rng.next();
      const d = rng.pick(devices);
      if (roll < 0.4) for (let i = rng.int(1, 4); i > 0; i--) world.write(d);
      else if (roll < 0.82) {
        const result = await world.sync(d, true);
        if (result?.status === 'paused' && rng.chance(0.5)) await world.sync(d, true, true); // the user accepts
      } else if (roll < 0.87) world.massDelete(d);
      else if (roll < 0.96) world.damage();
      else if (roll < 0.98) {
        world.remote.wipe();
        world.stats.wipes++;
        world.event('wiped');
      }
    }
    // Faults stop; every device syncs twice, round-robin (the user accepts what the guard reports).
    for (let round = 0; round < 2; round++) for (const d of devices) await world.sync(d, false, true);
    const first = world.storeKey(devices[0]!);
    const diverged = devices.filter((d) => world.storeKey(d) !== first).map((d) => d.id);
    if (diverged.length > 0) return `devices ${diverged.join(',')} differ from d0 (${world.describe()})`;
    const problems = world.audit(devices[0]!.map);
    if (problems.length > 0) return `${problems.length} problem(s), e.g. ${problems[0]} (${world.describe()})`;
    for (const d of devices) for (const [key, rec] of d.map) world.checkRecord(key, rec, d.id);
    // Idle: a third round writes nothing.
    world.remote.resetCounts();
    for (const d of devices) await world.sync(d, false, true);
    if (world.remote.writes() > 0)
      return `an idle round wrote ${JSON.stringify(world.remote.counts)} (${world.describe()})`;
    totals.push(world.stats);
    return null;
  } catch (e) {
    if (e instanceof Problem) return `${e.message} (${world.describe()})`;
    throw e;
  }
}

const totals: World['stats'][] = [];

describe(`sync protocol simulation (${ONE === undefined ? RUNS : 1} seeded histories, 3-4 devices, one faulty remote)`, () => {
  it('devices converge, lose nothing and never merge damaged files', async () => {
    const failures: string[] = [];
    const seeds = ONE === undefined ? Array.from({ length: RUNS }, (_, i) => caseSeed(BASE, SUITE, i)) : [ONE];
    for (const [i, seed] of seeds.entries()) {
      let problem: string | null;
      try {
        problem = await runCase(seed);
      } catch (e) {
        problem = `threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
      }
      if (problem) failures.push(`case ${i} (SYNC_SIM_CASE=${seed}): ${problem}`);
    }
    expect(failures.slice(0, 3), `${failures.length} of ${seeds.length} cases failed (SYNC_SIM_SEED=${BASE})`).toEqual(
      [],
    );

    // The faults really happened.
    if (ONE === undefined && RUNS >= 100) {
      const sum = (k: keyof World['stats']) => totals.reduce((n, s) => n + s[k], 0);
      console.log(
        `sync simulation: ${JSON.stringify(Object.fromEntries(Object.keys(totals[0]!).map((k) => [k, sum(k as keyof World['stats'])])))}`,
      );
      expect(sum('failed')).toBeGreaterThan(RUNS / 4);
      expect(sum('rejected')).toBeGreaterThan(RUNS / 10);
      expect(sum('damage')).toBeGreaterThan(RUNS);
      expect(sum('wipes')).toBeGreaterThan(RUNS / 10);
      expect(sum('paused')).toBeGreaterThan(0);
    }
  }, 120_000);
});
