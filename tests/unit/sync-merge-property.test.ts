// @vitest-environment node
/**
 * Property tests of the sync merge engine (lib/sync/merge.ts) on seeded random histories
 * (tests/fixtures/sync-gen.ts): the merge laws, convergence of 3-5 replicas under a lossy network and
 * clock skew, no silent loss (an exact oracle computed from a log of every write), and delete vs edit.
 * Finally the same checks run against deliberately broken merges and must fail, which shows that
 * they can.
 *
 * Every failure names the base seed, the case index and the case's own seed. Replay a run with
 * `SYNC_SEED=<base> npx vitest run tests/unit/sync-merge-property.test.ts`, or one case with
 * `new Sim(<case seed>)` and the same calls as its test. `SYNC_SCALE=10` runs ten times as many cases.
 */
import { describe, expect, it } from 'vitest';
import { view } from '../../lib/sync/merge';
import { BROKEN, caseSeed, historyStates, REAL, Sim, storeKey, type Engine, type Rec } from '../fixtures/sync-gen';

const BASE = Number(process.env.SYNC_SEED ?? 0x5eed);
const SCALE = Number(process.env.SYNC_SCALE) || 1;
const LAW_CASES = 3000 * SCALE;
const SIM_CASES = 1000 * SCALE;

/** Suites draw from independent seed streams. */
const SUITE = { commutative: 1, associative: 2, idempotent: 3, convergence: 4, loss: 5, deleteEdit: 6, broken: 7 };

const json = (r: Rec) => JSON.stringify(r);

/** Whether some field of a record still holds the value a write (by its stamp) put there. */
const holds = (rec: Rec, stamp: string) => Object.values(rec.fields).some((reg) => reg.some((e) => e.stamp === stamp));

/** Runs `cases` cases; each returns a problem or null. Reports the first few problems with their seeds. */
function check(suite: number, cases: number, run: (seed: number, index: number) => string | null): void {
  const failures: string[] = [];
  for (let i = 0; i < cases; i++) {
    const seed = caseSeed(BASE, suite, i);
    let problem: string | null;
    try {
      problem = run(seed, i);
    } catch (e) {
      problem = `threw ${e instanceof Error ? e.message : String(e)}`;
    }
    if (problem) failures.push(`case ${i} (case seed ${seed}): ${problem}`);
  }
  expect(
    failures.slice(0, 5),
    `${failures.length} of ${cases} cases failed (SYNC_SEED=${BASE}, suite ${suite})`,
  ).toEqual([]);
}

/** Three states of one record drawn from one random history (any two may be concurrent or ordered). */
function operands(seed: number): [Rec, Rec, Rec] {
  const { sim, states } = historyStates(seed);
  return [sim.rng.pick(states), sim.rng.pick(states), sim.rng.pick(states)];
}

/** The merge laws for an engine: the first broken one found, or null. */
function lawProblem(engine: Engine, law: 'commutative' | 'associative' | 'idempotent', seed: number): string | null {
  const m = engine.merge;
  const [a, b, c] = operands(seed);
  if (law === 'commutative') return json(m(a, b)) === json(m(b, a)) ? null : 'merge(a, b) != merge(b, a)';
  if (law === 'associative')
    return json(m(m(a, b), c)) === json(m(a, m(b, c))) ? null : 'merge(merge(a, b), c) != merge(a, merge(b, c))';
  if (json(m(a, a)) !== json(a)) return 'merge(a, a) != a';
  const ab = m(a, b);
  return json(m(ab, b)) === json(ab) && json(m(ab, a)) === json(ab) ? null : 'merge(merge(a, b), b) != merge(a, b)';
}

/** A random history, then the final full exchange; the problem with convergence, or null. */
function convergenceProblem(engine: Engine, seed: number): string | null {
  const sim = new Sim(seed, { engine, checkStates: engine === REAL });
  sim.run(sim.rng.int(10, 30)).fullExchange();
  const diverged = sim.diverged();
  if (diverged.length > 0) return `replicas ${diverged.join(',')} differ from replica 0 (${sim.describe()})`;
  // Stale and duplicate states still in flight arrive after convergence: they change nothing.
  const before = storeKey(sim.replicas[0]!.store);
  while (sim.inFlight.length > 0) {
    const msg = sim.inFlight.pop()!;
    sim.deliverTo(msg.to, msg.records);
  }
  if (sim.diverged().length > 0 || storeKey(sim.replicas[0]!.store) !== before)
    return `a late re-delivery changed a converged state (${sim.describe()})`;
  return null;
}

/** A random history, full exchange, then the no-silent-loss oracle; the problem, or null. */
function lossProblem(engine: Engine, seed: number): string | null {
  const sim = new Sim(seed, { engine, checkStates: engine === REAL });
  sim.run(sim.rng.int(10, 30)).fullExchange();
  const { lost, zombies } = sim.audit(sim.rng.int(0, sim.replicas.length - 1));
  if (lost.length > 0)
    return `lost ${lost.length} write(s), e.g. ${lost[0]!.id}.${lost[0]!.register} = ${JSON.stringify(lost[0]!.value)} at ${lost[0]!.stamp} (${sim.describe()})`;
  if (zombies.length > 0) return `superseded value(s) still there, e.g. ${zombies[0]} (${sim.describe()})`;
  return null;
}

describe(`merge laws on states from random histories (${LAW_CASES} cases each)`, () => {
  for (const law of ['commutative', 'associative', 'idempotent'] as const)
    it(`is ${law}, key order included (deep-equal as JSON)`, () => {
      check(SUITE[law], LAW_CASES, (seed) => lawProblem(REAL, law, seed));
    });
});

describe(`3-5 replicas, lossy network, clock skew (${SIM_CASES} histories per property)`, () => {
  it('converge after a full exchange, whatever was duplicated, reordered or dropped before', () => {
    check(SUITE.convergence, SIM_CASES, (seed) => convergenceProblem(REAL, seed));
  });

  it('lose nothing silently: every register holds exactly the writes that no other write had seen', () => {
    check(SUITE.loss, SIM_CASES, (seed) => lossProblem(REAL, seed));
  });

  it('an edit a delete had not seen brings the record back, flagged; a delete that had seen it wins', () => {
    check(SUITE.deleteEdit, SIM_CASES, (seed) => {
      const sim = new Sim(seed);
      const { rng } = sim;
      const [x, y] = rng.shuffle(sim.replicas.map((_, i) => i)) as [number, number];
      const id = rng.pick(sim.ids);
      sim.run(rng.int(0, 15));

      // Concurrent: x deletes, y edits (both had the record; neither has seen the other's write).
      if (!sim.replicas[x]!.store.has(id)) sim.write(x, 'edit', id);
      sim.deliverTo(y, sim.replicas[x]!.store);
      sim.write(x, 'remove', id);
      const edited = sim.write(y, 'edit', id);
      const stamp = edited.deleted[0]!.stamp;
      sim.gossip(rng.int(0, 20)).fullExchange();
      for (const [i, rep] of sim.replicas.entries()) {
        const rec = rep.store.get(id)!;
        const v = view(rec);
        if (v.deleted || !v.resurrected)
          return `replica ${i}: deleted=${v.deleted} resurrected=${v.resurrected} after a concurrent edit (${sim.describe()})`;
        if (!holds(rec, stamp)) return `replica ${i}: the concurrent edit's values are gone (${sim.describe()})`;
      }

      // Sequential: y edits, x receives it, then x deletes: deleted everywhere, content kept.
      const second = rng.pick(sim.ids);
      sim.fullExchange();
      if (!sim.replicas[y]!.store.has(second)) sim.write(y, 'edit', second);
      const seenEdit = sim.write(y, 'edit', second);
      sim.deliverTo(x, sim.replicas[y]!.store);
      sim.write(x, 'remove', second);
      sim.gossip(rng.int(0, 20)).fullExchange();
      for (const [i, rep] of sim.replicas.entries()) {
        const rec = rep.store.get(second)!;
        const v = view(rec);
        if (!v.deleted || v.resurrected)
          return `replica ${i}: deleted=${v.deleted} resurrected=${v.resurrected} after a delete that had seen the edit (${sim.describe()})`;
        if (!holds(rec, seenEdit.deleted[0]!.stamp))
          return `replica ${i}: the deleted record's content was not kept (${sim.describe()})`;
      }
      return null;
    });
  });
});

describe('the checks catch broken merges', () => {
  const CASES = 300;
  /** How many of the cases fail (a throw, such as an invalid state, counts). */
  const failing = (run: (seed: number) => string | null) =>
    Array.from({ length: CASES }, (_, i) => {
      try {
        return run(caseSeed(BASE, SUITE.broken, i));
      } catch (e) {
        return String(e);
      }
    }).filter(Boolean).length;

  it('last-writer-wins (drops concurrent values) converges, but loses writes', () => {
    expect(failing((seed) => convergenceProblem(BROKEN.lww, seed))).toBe(0);
    expect(failing((seed) => lossProblem(BROKEN.lww, seed))).toBeGreaterThan(CASES / 10);
  });

  it('keeping values in arrival order (not by stamp) is not commutative, and replicas diverge', () => {
    expect(failing((seed) => lawProblem(BROKEN.arrivalOrder, 'commutative', seed))).toBeGreaterThan(CASES / 10);
    expect(failing((seed) => convergenceProblem(BROKEN.arrivalOrder, seed))).toBeGreaterThan(CASES / 10);
  });

  it('a union without the causal context keeps superseded values (zombies)', () => {
    expect(failing((seed) => lossProblem(BROKEN.unionOnly, seed))).toBeGreaterThan(CASES / 10);
  });
});
