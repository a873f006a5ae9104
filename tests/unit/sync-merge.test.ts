// @vitest-environment node
/**
 * The sync merge engine (lib/sync/merge.ts) by example: what two or three devices see after
 * sequential and concurrent edits, deletes, conflict resolution, re-delivered states and a device
 * whose clock is a year ahead. The random histories are in sync-merge-property.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { decodeHlc, encodeHlc, HybridClock, MAX_DRIFT_MS, type Hlc } from '../../lib/hlc';
import { ENTITY_FIELDS, type EntityFields, type EntityRecord } from '../../lib/model';
import { entityRecord, nextRecord, tombstone } from '../../lib/store/records';
import {
  create,
  deviceOf,
  edit,
  fromStored,
  maxStamp,
  merge,
  mergeMaps,
  remove,
  resolve,
  toStoredFields,
  validate,
  view,
  type SyncRecord,
} from '../../lib/sync/merge';
import { deepFreeze } from '../fixtures/sync-gen';

type Entity = SyncRecord<EntityFields>;

const T = 1_700_000_000_000;
/** The stamp of device `device` at `T + ms`. */
const at = (device: string, ms: number, counter = 0): Hlc => encodeHlc({ wall: T + ms, counter, device });

const FIELDS: EntityFields = {
  name: 'Albu Kamal',
  kind: 'place',
  aliases: [{ text: 'Albukamal', case: 'auto' }],
  summary: 'A town on the Euphrates.',
  links: [],
  tags: ['syria'],
  related: [],
};

/** Created on device a, then synced to b (and c): every device starts from the same state. */
const base = (): Entity => create('e1', 'entity', FIELDS, at('a', 0));

/** Merges states in every order given and checks they agree: the view every device ends up with. */
function converged(...states: Entity[]): Entity {
  const forward = states.reduce((x, y) => merge(x, y));
  const backward = [...states].reverse().reduce((x, y) => merge(x, y));
  expect(backward).toEqual(forward);
  expect(JSON.stringify(backward)).toBe(JSON.stringify(forward));
  return forward;
}

describe('sync merge by example', () => {
  it('sequential edits: the later one wins, and there is no conflict', () => {
    const a0 = base();
    const b1 = edit(a0, { summary: 'A border town.' }, at('b', 10)); // b had a's state
    const a2 = edit(merge(a0, b1), { summary: 'A border town in Syria.' }, at('a', 20));
    const v = view(converged(a0, b1, a2));
    expect(v.values.summary).toBe('A border town in Syria.');
    expect(v.conflicts).toEqual({});
    expect(v.deleted).toBe(false);
    expect(v.resurrected).toBe(false);
    expect(converged(a0, b1, a2).fields.summary).toHaveLength(1);
  });

  it('concurrent edits of a summary: the higher stamp wins, the other stays a visible conflict until resolved', () => {
    const a = edit(base(), { summary: 'From a.' }, at('a', 10));
    const b = edit(base(), { summary: 'From b.' }, at('b', 20));
    const both = converged(a, b);
    expect(view(both).values.summary).toBe('From b.');
    expect(view(both).conflicts).toEqual({ summary: [{ value: 'From a.', stamp: at('a', 10) }] });
    expect(view(both).values.name).toBe('Albu Kamal'); // other fields untouched

    // Device a resolves (keeps its own text); devices b and c receive the resolution.
    const resolved = resolve(both, 'summary', 'From a.', at('a', 30));
    const c = merge(base(), b); // c had only seen b's edit
    for (const device of [merge(b, resolved), merge(resolved, c), merge(merge(c, a), resolved)]) {
      expect(view(device).values.summary).toBe('From a.');
      expect(view(device).conflicts).toEqual({});
      expect(device.fields.summary).toHaveLength(1);
    }
  });

  it('a resolution supersedes only the values it had seen', () => {
    const both = merge(
      edit(base(), { summary: 'From a.' }, at('a', 10)),
      edit(base(), { summary: 'From b.' }, at('b', 20)),
    );
    const resolved = resolve(both, 'summary', 'Both, merged by hand.', at('a', 30));
    const c = edit(both, { summary: 'From c.' }, at('c', 25)); // c saw the conflict and wrote over it, concurrently
    const v = view(converged(resolved, c));
    expect(v.values.summary).toBe('Both, merged by hand.');
    expect(v.conflicts).toEqual({ summary: [{ value: 'From c.', stamp: at('c', 25) }] });
  });

  it('the same value written on two devices at once is not a conflict', () => {
    const a = edit(base(), { kind: 'organization' }, at('a', 10));
    const b = edit(base(), { kind: 'organization' }, at('b', 20));
    const both = converged(a, b);
    expect(both.fields.kind).toHaveLength(2); // both writes are kept...
    expect(view(both).conflicts).toEqual({}); // ...but there is nothing to choose
    expect(view(both).values.kind).toBe('organization');
  });

  it('concurrent alias additions: both aliases are kept (set-like fields show the union)', () => {
    const isis = { text: 'ISIS', case: 'auto' as const };
    const daesh = { text: 'Daesh', case: 'insensitive' as const };
    const a = edit(base(), { aliases: [...FIELDS.aliases, isis], tags: ['syria', 'town'] }, at('a', 10));
    const b = edit(base(), { aliases: [...FIELDS.aliases, daesh], tags: ['border'] }, at('b', 20));
    const v = view(converged(a, b));
    expect(v.values.aliases).toEqual([FIELDS.aliases[0], daesh, isis]); // winner's order first, no duplicates
    expect(v.values.tags).toEqual(['border', 'syria', 'town']);
    expect(v.conflicts).toEqual({});
    // The next edit of the field (the user saves what they see) makes it one value again.
    const saved = edit(converged(a, b), { aliases: v.values.aliases }, at('a', 30));
    expect(saved.fields.aliases).toEqual([{ value: [FIELDS.aliases[0], daesh, isis], stamp: at('a', 30) }]);
  });

  it('known limit of set-like fields: an item removed on one device while another edits the list comes back', () => {
    const a = edit(base(), { aliases: [] }, at('a', 10)); // a removes Albukamal
    const b = edit(base(), { aliases: [...FIELDS.aliases, { text: 'ISIS', case: 'auto' }] }, at('b', 20));
    expect(view(converged(a, b)).values.aliases.map((x) => x.text)).toEqual(['Albukamal', 'ISIS']);
  });

  it('delete vs a concurrent edit: the record stays, flagged as resurrected, with all its content', () => {
    const deleted = remove(base(), at('a', 10));
    const edited = edit(base(), { summary: 'Edited on b.' }, at('b', 20));
    const both = converged(deleted, edited);
    expect(view(both)).toMatchObject({ deleted: false, resurrected: true });
    expect(view(both).values).toEqual({ ...FIELDS, summary: 'Edited on b.' });
    // The flag goes when someone acts on it: dismiss (an empty edit), or delete again.
    expect(view(edit(both, {}, at('a', 30)))).toMatchObject({ deleted: false, resurrected: false });
    expect(view(converged(remove(both, at('a', 30)), edited))).toMatchObject({ deleted: true, resurrected: false });
  });

  it('an edit with a lower stamp than the delete, but not seen by it, also resurrects (causality, not clocks)', () => {
    const edited = edit(base(), { summary: 'Edited on b.' }, at('b', 5));
    const deleted = remove(base(), at('a', 10));
    expect(view(converged(deleted, edited))).toMatchObject({ deleted: false, resurrected: true });
  });

  it('a delete that had seen the edit deletes; the content is kept for undo', () => {
    const edited = edit(base(), { summary: 'Edited on b.' }, at('b', 20));
    const deleted = remove(merge(base(), edited), at('a', 30));
    const both = converged(edited, deleted, base());
    expect(view(both)).toMatchObject({ deleted: true, resurrected: false });
    expect(view(both).values.summary).toBe('Edited on b.');
    const undone = edit(both, {}, at('a', 40)); // undo = an empty edit
    expect(view(converged(undone, deleted))).toMatchObject({ deleted: false, resurrected: false });
  });

  it('a re-delivered or stale state changes nothing (idempotence)', () => {
    const a1 = edit(base(), { summary: 'From a.' }, at('a', 10));
    const b1 = edit(base(), { name: 'Al-Bukamal' }, at('b', 20));
    const ab = merge(a1, b1);
    const a2 = edit(ab, { summary: 'From a, again.' }, at('a', 30));
    expect(merge(ab, ab)).toEqual(ab);
    expect(merge(merge(ab, b1), b1)).toEqual(ab);
    // Old states of either device, delivered again after newer ones, are absorbed.
    for (const stale of [base(), a1, b1, ab]) {
      expect(JSON.stringify(merge(a2, stale))).toBe(JSON.stringify(a2));
      expect(JSON.stringify(merge(stale, a2))).toBe(JSON.stringify(a2));
    }
  });

  describe('a device whose clock is a year ahead', () => {
    const YEAR = 365 * 24 * 3600 * 1000;
    const now = T + 100_000;
    const skewed = () => new HybridClock('b', undefined, () => now + YEAR);
    const local = () => new HybridClock('a', undefined, () => now);

    it('cannot erase an edit made after its value was seen, although its stamps sort later', () => {
      const bClock = skewed();
      const fromB = edit(base(), { summary: 'Written in "next year".' }, bClock.tick());

      // Device a receives b's state and feeds its clock, which clamps the far-future stamp.
      const aClock = local();
      const onA = merge(base(), fromB);
      aClock.receive(maxStamp(onA)!);
      const stamp = aClock.tick();
      expect(decodeHlc(stamp).wall).toBeLessThanOrEqual(now + MAX_DRIFT_MS);
      expect(stamp < fromB.fields.summary[0]!.stamp).toBe(true); // a's new stamp still sorts first...

      const fixed = edit(onA, { summary: 'Corrected on a.' }, stamp);
      const everywhere = converged(fixed, fromB, base());
      // ...yet a's edit had seen b's value, so it supersedes it: no conflict, on every device.
      expect(view(everywhere).values.summary).toBe('Corrected on a.');
      expect(view(everywhere).conflicts).toEqual({});
      expect(everywhere.fields.summary).toEqual([{ value: 'Corrected on a.', stamp }]);
      // b edits another field afterwards; a's correction stands.
      const bLater = edit(merge(fromB, fixed), { kind: 'other' }, bClock.tick());
      expect(view(converged(bLater, fixed)).values).toMatchObject({ summary: 'Corrected on a.', kind: 'other' });
    });

    it('wins a truly concurrent conflict by its stamp (known property), but loses nothing, and a resolution ends it', () => {
      const fromB = edit(base(), { summary: 'From b.' }, skewed().tick());
      const fromA = edit(base(), { summary: 'From a.' }, local().tick());
      const both = converged(fromA, fromB);
      expect(view(both).values.summary).toBe('From b.');
      expect(view(both).conflicts.summary?.map((e) => e.value)).toEqual(['From a.']);
      const aClock = local();
      aClock.receive(maxStamp(both)!);
      const resolved = resolve(both, 'summary', 'From a.', aClock.tick());
      expect(view(converged(resolved, fromB, fromA))).toMatchObject({ values: { summary: 'From a.' }, conflicts: {} });
    });

    it('a delete with a small stamp, made after seeing the far-future edit, still deletes', () => {
      const fromB = edit(base(), { summary: 'From b.' }, skewed().tick());
      const deleted = remove(merge(base(), fromB), local().tick()); // the clock was not even fed
      expect(view(converged(deleted, fromB))).toMatchObject({ deleted: true, resurrected: false });
    });
  });
});

describe('sync merge API', () => {
  it('never mutates its inputs', () => {
    const a = deepFreeze(edit(base(), { summary: 'From a.' }, at('a', 10)));
    const b = deepFreeze(remove(base(), at('b', 20)));
    const before = JSON.stringify([a, b]);
    const results = [
      merge(a, b),
      edit(a, { tags: ['x'] }, at('a', 30)),
      remove(a, at('a', 30)),
      resolve(a, 'summary', 'x', at('a', 30)),
      view(merge(a, b)),
      toStoredFields(merge(a, b)),
    ];
    expect(results).toHaveLength(6);
    const ma = new Map([['e1', a]]);
    const mb = new Map([['e1', b]]);
    mergeMaps(ma, mb);
    expect(JSON.stringify([a, b])).toBe(before);
    expect([ma.size, mb.size, ma.get('e1'), mb.get('e1')]).toEqual([1, 1, a, b]);
  });

  it('produces canonical states: registers by stamp (highest first), keys sorted, whatever the input order', () => {
    const a = edit(base(), { summary: 'From z.' }, at('z', 10));
    const b = edit(base(), { summary: 'From b.' }, at('b', 20));
    const m = merge(a, b);
    expect(Object.keys(m.ctx)).toEqual(['a', 'b', 'z']);
    expect(Object.keys(m.fields)).toEqual([...ENTITY_FIELDS].sort());
    expect(m.fields.summary.map((e) => e.stamp)).toEqual([at('b', 20), at('z', 10)]);
    expect(validate(m)).toEqual([]);
    expect(validate({ ...m, ctx: { z: m.ctx.z!, a: m.ctx.a!, b: m.ctx.b! } })).toEqual(['ctx: keys not sorted']);
    expect(validate({ ...m, ctx: { a: m.ctx.a!, b: m.ctx.b! } })).toEqual([
      `fields.summary: stamp ${at('z', 10)} not covered by the context`,
      `deleted: stamp ${at('z', 10)} not covered by the context`,
    ]);
  });

  it('refuses to merge different records, and a write whose stamp its device has already passed', () => {
    expect(() => merge(base(), create('e2', 'entity', FIELDS, at('a', 0)))).toThrow(/different records/);
    expect(() => merge(base(), { ...base(), type: 'event' })).toThrow(/different records/);
    const a = edit(base(), { summary: 'x' }, at('a', 10));
    expect(() => edit(a, { summary: 'y' }, at('a', 10))).toThrow(/not newer/);
    expect(() => remove(a, at('a', 5))).toThrow(/not newer/);
    expect(() => edit(a, { summary: 'y' }, at('b', 5))).not.toThrow(); // another device: any stamp
  });

  it('reads the device of a stamp like decodeHlc does', () => {
    for (const device of ['a', 'd3', '0123456789abcdef', 'with-dash'])
      expect(deviceOf(at(device, 12_345, 7))).toBe(decodeHlc(at(device, 12_345, 7)).device);
    expect(() => deviceOf('not a stamp')).toThrow(/Not a clock stamp/);
  });

  it('merges whole stores: records on one side only are kept as they are', () => {
    const e1a = edit(base(), { summary: 'From a.' }, at('a', 10));
    const e1b = edit(base(), { name: 'Al-Bukamal' }, at('b', 10));
    const e2 = create('e2', 'entity', { ...FIELDS, name: 'Deir ez-Zor' }, at('b', 5));
    const e3 = create('e3', 'entity', { ...FIELDS, name: 'Mayadin' }, at('a', 5));
    const out = mergeMaps(
      new Map([
        ['e3', e3],
        ['e1', e1a],
      ]),
      new Map([
        ['e1', e1b],
        ['e2', e2],
      ]),
    );
    expect([...out.keys()]).toEqual(['e1', 'e2', 'e3']);
    expect(out.get('e2')).toBe(e2);
    expect(out.get('e3')).toBe(e3);
    expect(view(out.get('e1')!).values).toMatchObject({ name: 'Al-Bukamal', summary: 'From a.' });
  });

  it('maxStamp gives the newest stamp a record has seen, for the clock', () => {
    const m = merge(edit(base(), { summary: 'x' }, at('b', 50)), edit(base(), { summary: 'y' }, at('c', 20)));
    expect(maxStamp(m)).toBe(at('b', 50));
    expect(maxStamp(remove(m, at('a', 60)))).toBe(at('a', 60));
  });
});

describe('adapters to stored records', () => {
  const origin = { id: 'e1', pack: null, packLocalId: null };
  const times = { createdAt: 1, updatedAt: 1 };
  const stored = (): EntityRecord => {
    const first = nextRecord(undefined, FIELDS, ENTITY_FIELDS, origin, at('dev', 0), times).record;
    const second = nextRecord(first, { ...FIELDS, summary: 'Edited.' }, ENTITY_FIELDS, origin, at('dev', 10), times);
    return entityRecord(second.record);
  };

  it('a live stored record becomes single-value registers with their stamps', () => {
    const rec = fromStored(stored(), ENTITY_FIELDS, 'entity');
    expect(validate(rec)).toEqual([]);
    expect(rec.fields.summary).toEqual([{ value: 'Edited.', stamp: at('dev', 10) }]);
    expect(rec.fields.name).toEqual([{ value: 'Albu Kamal', stamp: at('dev', 0) }]);
    expect(rec.deleted).toEqual([{ value: false, stamp: at('dev', 10) }]);
    expect(rec.ctx).toEqual({ dev: at('dev', 10) });
    expect(view(rec)).toEqual({
      values: { ...FIELDS, summary: 'Edited.' },
      conflicts: {},
      deleted: false,
      resurrected: false,
    });
    expect(toStoredFields(rec)).toEqual({
      fields: { ...FIELDS, summary: 'Edited.' },
      stamps: stored().stamps,
      deleted: null,
    });
  });

  it('a tombstone becomes a delete that has seen every field', () => {
    const dead = tombstone(stored(), at('dev', 20), 2);
    const rec = fromStored(dead, ENTITY_FIELDS, 'entity');
    expect(validate(rec)).toEqual([]);
    expect(rec.deleted).toEqual([{ value: true, stamp: at('dev', 20) }]);
    expect(rec.ctx).toEqual({ dev: at('dev', 20) });
    expect(view(rec)).toMatchObject({ deleted: true, resurrected: false });
    expect(toStoredFields(rec).deleted).toEqual({ at: at('dev', 20), seen: dead.stamps });
    // An edit made elsewhere before the delete was seen resurrects it.
    const elsewhere = edit(fromStored(stored(), ENTITY_FIELDS, 'entity'), { tags: ['x'] }, at('other', 15));
    expect(view(merge(rec, elsewhere))).toMatchObject({ deleted: false, resurrected: true });
    expect(toStoredFields(merge(rec, elsewhere)).deleted).toBeNull();
  });

  it('the same pack record imported on two devices merges without visible conflicts', () => {
    const on = (device: string) =>
      fromStored(
        entityRecord(nextRecord(undefined, FIELDS, ENTITY_FIELDS, origin, at(device, 0), times).record),
        ENTITY_FIELDS,
        'entity',
      );
    const both = converged(on('one'), on('two'));
    expect(view(both)).toEqual({ values: FIELDS, conflicts: {}, deleted: false, resurrected: false });
  });
});
