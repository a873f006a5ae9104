// @vitest-environment node
/**
 * The sync protocol (lib/sync/protocol.ts) by example, on the in-memory remote
 * (tests/fixtures/memory-remote.ts): the layout and the head format, idle syncs that write nothing,
 * incremental pushes, verification of uploads, damaged and foreign files from other devices, a
 * wiped folder, stops between steps, the mass-delete guard and edits made during a sync. The seeded
 * multi-device simulation is in sync-simulation.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { HybridClock } from '../../lib/hlc';
import type { EntityFields } from '../../lib/model';
import { create, edit, remove, stableJson, view, type SyncRecord } from '../../lib/sync/merge';
import {
  BUCKETS,
  bucketOf,
  buildShards,
  decodeHead,
  keyOf,
  layout,
  plainCodec,
  sha256Hex,
  syncOnce,
  SyncError,
  type Codec,
  type SyncEnv,
  type SyncPoint,
  type SyncResult,
  type SyncState,
} from '../../lib/sync/protocol';
import { RemoteError } from '../../lib/sync/remote';
import { Crash, keyedCodec, MemoryRemote } from '../fixtures/memory-remote';

type Rec = SyncRecord<object>;
const STORE = 'store1';
const decoder = new TextDecoder();

/** A device: its local view (with a revision), its persisted sync state, its clock. */
class Device {
  map = new Map<string, Rec>();
  revision = 0;
  stateJson: string | null = null;
  saves = { local: 0, state: 0 };
  /** Called at the start of `local.save` (an edit made while the sync runs). */
  onSave?: () => void;
  readonly clock: HybridClock;
  t = 1_700_000_000_000;

  constructor(
    public remote: MemoryRemote,
    readonly id: string,
    readonly codec: Codec = plainCodec,
    readonly extra: Partial<SyncEnv> = {},
  ) {
    this.clock = new HybridClock(id, undefined, () => this.t);
  }

  env(more: Partial<SyncEnv> = {}): SyncEnv {
    return {
      remote: this.remote,
      codec: this.codec,
      storeId: STORE,
      deviceId: this.id,
      deviceName: `${this.id} laptop`,
      now: () => this.t,
      local: {
        load: async () => new Map(this.map),
        revision: async () => this.revision,
        save: async (next, expected) => {
          this.onSave?.();
          if (expected !== this.revision) return false;
          this.map = new Map(next);
          this.revision++;
          this.saves.local++;
          return true;
        },
      },
      state: {
        load: async () => (this.stateJson ? (JSON.parse(this.stateJson) as SyncState) : null),
        save: async (s) => {
          this.stateJson = JSON.stringify(s);
          this.saves.state++;
        },
      },
      ...this.extra,
      ...more,
    };
  }

  sync(more: Partial<SyncEnv> = {}): Promise<SyncResult> {
    this.t += 1000;
    return syncOnce(this.env(more)).then((r) => {
      if (r.status === 'ok' && r.clock) this.clock.receive(r.clock);
      return r;
    });
  }

  put(rec: Rec): Rec {
    this.map.set(keyOf(rec), rec);
    this.revision++;
    return rec;
  }

  add(id: string, name = id): Rec {
    this.t += 10;
    return this.put(create<object>(id, 'entity', fieldsOf(name), this.clock.tick()));
  }

  edit(id: string, patch: Partial<EntityFields>): Rec {
    this.t += 10;
    return this.put(edit(this.map.get(`entity:${id}`)!, patch, this.clock.tick()));
  }

  remove(id: string): Rec {
    this.t += 10;
    return this.put(remove(this.map.get(`entity:${id}`)!, this.clock.tick()));
  }

  key(): string {
    return stableJson([...this.map].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

const fieldsOf = (name: string): EntityFields => ({
  name,
  kind: 'person',
  aliases: [],
  summary: `About ${name}.`,
  links: [],
  tags: [],
  related: [],
});

const ids = (n: number, prefix = 'e') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const ok = (r: SyncResult) => {
  expect(r.status).toBe('ok');
  return r as Extract<SyncResult, { status: 'ok' }>;
};
const headOf = async (remote: MemoryRemote, device: string, codec: Codec = plainCodec) =>
  decodeHead(remote.read(layout.head(STORE, device))!, device, STORE, codec);
const shardPaths = (remote: MemoryRemote, device: string) => remote.paths(layout.shards(STORE, device) + '/');
/** A record id whose bucket differs from every given one. */
const idInNewBucket = (taken: Set<number>, prefix: string) => {
  for (let i = 0; ; i++) if (!taken.has(bucketOf(`entity:${prefix}${i}`))) return `${prefix}${i}`;
};

describe('layout and formats', () => {
  it('writes store.json, a head and one content-addressed shard per non-empty bucket', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    for (const id of ids(40)) a.add(id);
    const result = ok(await a.sync());

    const shards = await buildShards(a.map);
    expect(result.pushed).toEqual({ generation: 1, uploaded: shards.length });
    expect(remote.paths()).toEqual(
      [
        'backstory/store1/store.json',
        'backstory/store1/devices/devA/head.json',
        ...shards.map((s) => `backstory/store1/devices/devA/shards/${s.name}.bin`),
      ].sort(),
    );

    const info = JSON.parse(decoder.decode(remote.read(layout.storeFile(STORE))));
    expect(info).toEqual({
      format: 'backstory-remote',
      v: 1,
      storeId: STORE,
      encrypted: false,
      buckets: BUCKETS,
      created: new Date(a.t).toISOString(),
    });

    // head.json: a plain frame carrying the generation around the codec's output.
    const frame = JSON.parse(decoder.decode(remote.read(layout.head(STORE, 'devA'))));
    expect(Object.keys(frame).sort()).toEqual(['body', 'format', 'generation', 'sha256', 'v']);
    expect(frame).toMatchObject({ format: 'backstory-head', v: 1, generation: 1 });
    const head = await headOf(remote, 'devA');
    expect(head).toMatchObject({ v: 1, device: 'devA', deviceName: 'devA laptop', generation: 1 });
    expect(head.updated).toBe(new Date(a.t).toISOString());
    expect(head.clock).toBe(
      [...a.map.values()]
        .map((r) => Object.values(r.ctx)[0]!)
        .sort()
        .at(-1),
    );
    expect(head.shards.map((s) => s.bucket)).toEqual(shards.map((s) => s.bucket));

    let total = 0;
    for (const s of head.shards) {
      const bytes = remote.read(layout.shard(STORE, 'devA', s.name))!;
      expect(await sha256Hex(bytes)).toBe(s.sha256);
      expect(await sha256Hex(bytes)).toBe(s.name); // plain codec: the stored bytes are the plaintext
      const body = JSON.parse(decoder.decode(bytes));
      expect(body).toMatchObject({ v: 1, bucket: s.bucket });
      const keys = Object.keys(body.records);
      expect(keys.length).toBe(s.records);
      for (const key of keys) {
        expect(bucketOf(key)).toBe(s.bucket);
        expect(body.records[key]).toEqual(a.map.get(key));
      }
      total += keys.length;
    }
    expect(total).toBe(40);
  });

  it('buckets by a fixed hash of the key (part of the format)', () => {
    expect([...'abcdefgh'].map((c) => bucketOf(`entity:${c}`))).toEqual([3, 0, 1, 6, 13, 4, 11, 15]);
    const counts = new Array<number>(BUCKETS).fill(0);
    for (let i = 0; i < 3200; i++) counts[bucketOf(`entity:e${i}`)]!++;
    for (const n of counts) expect(n).toBeGreaterThan(150); // 200 each on average
  });

  it('an empty view pushes a head without shards; a second device reads it', async () => {
    const remote = new MemoryRemote();
    ok(await new Device(remote, 'devA').sync());
    expect((await headOf(remote, 'devA')).shards).toEqual([]);
    const b = new Device(remote, 'devB');
    b.add('x');
    expect(ok(await b.sync()).report).toEqual({ devicesSeen: 1, shardsFetched: 0, rejected: [] });
  });

  it('refuses ids that cannot name a folder', async () => {
    const a = new Device(new MemoryRemote(), 'dev/A');
    await expect(a.sync()).rejects.toMatchObject({ name: 'SyncError', kind: 'bad-id' });
  });
});

describe('incremental pushes', () => {
  it('an idle sync writes nothing, locally or remotely', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    const b = new Device(remote, 'devB');
    for (const id of ids(30)) a.add(id);
    for (const id of ids(20, 'b')) b.add(id);
    ok(await a.sync());
    ok(await b.sync());
    ok(await a.sync()); // A takes B's records and pushes them
    ok(await b.sync()); // B reads A's new head (nothing new) and takes the fingerprints of its own files
    ok(await a.sync());
    expect(a.key()).toBe(b.key());

    remote.resetCounts();
    const saves = { a: { ...a.saves }, b: { ...b.saves } };
    for (const d of [a, b, a, b]) {
      const r = ok(await d.sync());
      expect(r).toMatchObject({ pulled: 0, pushed: null, collected: 0 });
      expect(r.report.shardsFetched).toBe(0);
    }
    expect(remote.writes()).toBe(0);
    expect({ a: a.saves, b: b.saves }).toEqual(saves);
  });

  it('one change re-uploads one shard and the head, deletes the replaced shard, and is all others fetch', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    const b = new Device(remote, 'devB');
    for (const id of ids(60)) a.add(id);
    ok(await a.sync());
    ok(await b.sync());
    ok(await a.sync());
    const before = shardPaths(remote, 'devA');

    a.edit('e7', { summary: 'Changed.' });
    remote.resetCounts();
    const r = ok(await a.sync());
    expect(r.pushed).toEqual({ generation: 2, uploaded: 1 }); // B had nothing new: A's view did not change
    expect(r.collected).toBe(1);
    expect(remote.counts).toMatchObject({ put: 2, delete: 1, ensureDir: 0 });
    const after = shardPaths(remote, 'devA');
    expect(after.filter((p) => !before.includes(p))).toHaveLength(1);
    expect(before.filter((p) => !after.includes(p))).toHaveLength(1);

    const rb = ok(await b.sync());
    expect(rb.report.shardsFetched).toBe(1);
    expect(rb.pulled).toBe(1);
    expect(view(b.map.get('entity:e7')!).values).toMatchObject({ summary: 'Changed.' });
  });

  it('with encryption, unchanged buckets keep their file although every encoding differs', async () => {
    const remote = new MemoryRemote();
    const codec = keyedCodec('k1');
    const a = new Device(remote, 'devA', codec);
    for (const id of ids(40)) a.add(id);
    ok(await a.sync());
    const shards = shardPaths(remote, 'devA');
    for (const p of shards) expect(decoder.decode(remote.read(p))).not.toContain('"ctx"');
    expect(JSON.parse(decoder.decode(remote.read(layout.storeFile(STORE))))).toMatchObject({ encrypted: true });

    a.edit('e3', { tags: ['x'] });
    remote.resetCounts();
    expect(ok(await a.sync()).pushed).toEqual({ generation: 2, uploaded: 1 });
    expect(shardPaths(remote, 'devA').filter((p) => !shards.includes(p))).toHaveLength(1);

    const b = new Device(remote, 'devB', keyedCodec('k1'));
    ok(await b.sync());
    expect(b.key()).toBe(a.key());
  });
});

describe('verification and damage', () => {
  it('a truncated upload is detected by reading it back, and uploaded again', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    for (const id of ids(20)) a.add(id);
    ok(await a.sync());
    a.edit('e1', { summary: 'New.' });
    remote.truncateNextPut = /shards/;
    remote.resetCounts();
    expect(ok(await a.sync()).pushed).toEqual({ generation: 2, uploaded: 1 });
    expect(remote.counts.put).toBe(3); // the shard twice, then the head
    const b = new Device(remote, 'devB');
    expect(ok(await b.sync()).report.rejected).toEqual([]);
    expect(b.key()).toBe(a.key());
  });

  it('an upload that stays broken fails the push before the head changes; the next sync recovers', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    const b = new Device(remote, 'devB');
    for (const id of ids(20)) a.add(id);
    ok(await a.sync());
    const head = remote.read(layout.head(STORE, 'devA'));

    a.edit('e1', { summary: 'New.' });
    remote.before = (op, path) => {
      if (op === 'put' && path.includes('/shards/')) remote.truncateNextPut = /shards/;
    };
    const error = await a.sync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect(error).toMatchObject({ kind: 'verify-failed' });
    expect(remote.read(layout.head(STORE, 'devA'))).toEqual(head);

    remote.before = undefined;
    ok(await b.sync()); // reads the old head, whose shards are intact
    expect(view(b.map.get('entity:e1')!).values).toMatchObject({ summary: 'About e1.' });

    const r = ok(await a.sync()); // the truncated leftover is not reused: uploaded again
    expect(r.pushed).toEqual({ generation: 2, uploaded: 1 });
    expect(ok(await b.sync()).report.rejected).toEqual([]);
    expect(b.key()).toBe(a.key());
  });

  it("damage to this device's own files is noticed in the listing and repaired", async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    for (const id of ids(20)) a.add(id);
    ok(await a.sync());
    ok(await a.sync());
    const [first] = shardPaths(remote, 'devA');
    remote.bitFlip(first!);
    remote.resetCounts();
    expect(ok(await a.sync()).pushed).toEqual({ generation: 2, uploaded: 1 });
    remote.truncate(layout.head(STORE, 'devA'), 10);
    expect(ok(await a.sync()).pushed).toEqual({ generation: 3, uploaded: 0 });
    const b = new Device(remote, 'devB');
    expect(ok(await b.sync()).report.rejected).toEqual([]);
    expect(b.key()).toBe(a.key());
  });

  it('damage the listing does not show is found by a sync with verifyAll', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    for (const id of ids(20)) a.add(id);
    ok(await a.sync());
    ok(await a.sync());
    const [first] = shardPaths(remote, 'devA');
    remote.bitFlip(first!, true);
    remote.resetCounts();
    expect(ok(await a.sync()).pushed).toBeNull(); // same ETag, date and size: not noticed
    expect(remote.counts.get).toBe(1); // store.json only
    const r = ok(await a.sync({ verifyAll: true }));
    expect(r.pushed).toEqual({ generation: 2, uploaded: 1 });
    const b = new Device(remote, 'devB');
    expect(ok(await b.sync()).report.rejected).toEqual([]);
    expect(b.key()).toBe(a.key());
  });

  it("other devices' damaged shards, damaged heads and bad records are reported and skipped; the rest merges", async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    const b = new Device(new MemoryRemote(), 'devB');
    const c = new Device(new MemoryRemote(), 'devC');
    const d = new Device(new MemoryRemote(), 'devD');
    for (const id of ids(40, 'b')) b.add(id);
    for (const id of ids(5, 'c')) c.add(id);
    for (const id of ids(5, 'd')) d.add(id);
    // devD holds one invalid record (a stamp its context does not cover) next to valid ones.
    const bad = create<object>('d0', 'entity', fieldsOf('d0'), d.clock.tick());
    d.put({ ...bad, ctx: {} });
    for (const dev of [b, c, d]) await publish(dev, remote); // each on its own: nobody holds another's records

    const head = await headOf(remote, 'devB');
    const damaged = head.shards[0]!;
    remote.bitFlip(layout.shard(STORE, 'devB', damaged.name));
    remote.truncate(layout.head(STORE, 'devC'), 30);

    const r = ok(await a.sync());
    expect(r.report.devicesSeen).toBe(2);
    expect(r.report.rejected).toEqual([
      { device: 'devB', file: `shards/${damaged.name}.bin`, reason: 'damaged or incomplete (checksum)' },
      { device: 'devC', file: 'head.json', reason: 'damaged: not a head file' },
      {
        device: 'devD',
        file: expect.stringMatching(/^shards\/[0-9a-f]{64}\.bin$/),
        reason: expect.stringMatching(/^record "entity:d0": .*not covered by the context/),
      },
    ]);
    expect(a.map.size).toBe(40 - damaged.records + 4);
    for (const [k, rec] of a.map) expect(rec).toEqual(b.map.get(k) ?? d.map.get(k));
    expect([...a.map.keys()].some((k) => k.startsWith('entity:b') && bucketOf(k) === damaged.bucket)).toBe(false);

    // Once devB repairs its file (its next sync notices the damage), the rest arrives; the bad record never does.
    b.remote = remote;
    expect(ok(await b.sync()).pushed).not.toBeNull();
    const again = ok(await a.sync());
    expect(again.report.rejected.map((x) => x.device)).toEqual(['devC']);
    expect(a.map.size).toBe(44);
    expect(a.map.has('entity:d0')).toBe(false);
  });

  it('files of a device encrypted with another key are reported with the codec error kind', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA', keyedCodec('k1'));
    const b = new Device(remote, 'devB', keyedCodec('k1'));
    const k1 = keyedCodec('k1');
    const k2 = keyedCodec('k2');
    // devC's head is readable, but its shards were written with another key.
    const mixed: Codec = {
      encrypted: true,
      encode: (plain, meta) => (meta.path.endsWith('.bin') ? k2 : k1).encode(plain, meta),
      decode: (bytes, meta) => k1.decode(bytes, meta),
    };
    const c = new Device(remote, 'devC', mixed);
    const e = new Device(remote, 'devE', keyedCodec('k2'));
    for (const id of ids(3, 'b')) b.add(id);
    for (const id of ids(3, 'c')) c.add(id);
    for (const id of ids(3, 'e')) e.add(id);
    ok(await b.sync());
    ok(await c.sync());
    ok(await e.sync());

    // devC also holds devB's records: its shards equal to devB's (same name) are never read from devC.
    const fromB = new Set((await headOf(remote, 'devB', k1)).shards.map((s) => s.name));
    const own = (await headOf(remote, 'devC', k1)).shards.filter((s) => !fromB.has(s.name));
    expect(own.length).toBeGreaterThan(0);
    const r = ok(await a.sync());
    expect(r.report.rejected).toEqual([
      ...own.map((s) => ({
        device: 'devC',
        file: `shards/${s.name}.bin`,
        reason: 'cannot be decoded: encoded with another key',
        kind: 'key-changed',
      })),
      { device: 'devE', file: 'head.json', reason: 'cannot be decoded: encoded with another key', kind: 'key-changed' },
    ]);
    expect([...a.map.keys()].sort()).toEqual([...b.map.keys()].sort());
  });

  it('a file moved to another place fails the codec check (the path is authenticated)', async () => {
    const remote = new MemoryRemote();
    const codec = keyedCodec('k1');
    const b = new Device(remote, 'devB', codec);
    const a = new Device(remote, 'devA', codec);
    for (const id of ids(2, 'b')) b.add(id);
    ok(await b.sync());
    // A copy of devB's folder under another device name: its files claim to be devB's.
    for (const p of remote.paths(layout.device(STORE, 'devB')))
      remote.write(p.replace('/devB/', '/devX/'), remote.read(p)!);
    const r = ok(await a.sync());
    expect(r.report.rejected).toEqual([
      { device: 'devX', file: 'head.json', reason: 'cannot be decoded: authentication failed', kind: 'corrupt' },
    ]);
  });
});

describe('values from another device', () => {
  // Whoever can write to the sync folder (an unencrypted server, a device of someone else) can send
  // records of a valid shape. Their values must pass the rules a write from the manager passes.
  const hostile: [string, Partial<EntityFields> | Record<string, unknown>, RegExp][] = [
    ['a name that is not text', { name: { toString: 'x' } }, /^name: /],
    ['a javascript: link', { links: [{ url: 'javascript:alert(1)', title: 'x' }] }, /^links\.0\.url: expected an http/],
    ['a data: link', { links: [{ url: 'data:text/html,<script>alert(1)</script>', title: '' }] }, /^links\.0\.url: /],
    ['aliases that are a string', { aliases: 'Albukamal' }, /^aliases: /],
    ['an unknown kind', { kind: 'script' }, /^kind: expected one of/],
    ['a name over 300 characters', { name: 'x'.repeat(301) }, /^name: expected at most 300/],
    ['an empty name', { name: '   ' }, /^name: expected a non-empty string/],
  ];
  it.each(hostile)('a record with %s is reported and skipped; the rest merges', async (_, patch, reason) => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    const m = new Device(remote, 'devM');
    m.add('fine', 'Albu Kamal');
    m.t += 10;
    m.put(create<object>('bad', 'entity', { ...fieldsOf('Bad'), ...patch } as EntityFields, m.clock.tick()));
    ok(await m.sync());
    const r = ok(await a.sync());
    expect(r.report.rejected).toEqual([
      {
        device: 'devM',
        file: expect.stringMatching(/^shards\/[0-9a-f]{64}\.bin$/),
        reason: expect.stringMatching(new RegExp(`^record "entity:bad": ${reason.source.slice(1)}`)),
      },
    ]);
    expect([...a.map.keys()]).toEqual(['entity:fine']);
  });

  it('a hostile value on the losing side of a conflict is refused too (the manager shows losers)', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    const m = new Device(remote, 'devM');
    const rec = create<object>('x', 'entity', fieldsOf('Fine name'), m.clock.tick());
    const loser = { value: 'javascript:void 0', stamp: m.clock.tick() };
    const fields = rec.fields as unknown as Record<string, { value: unknown; stamp: string }[]>;
    // A register holding a winner and a concurrent loser whose value is not a list of links.
    m.put({ ...rec, fields: { ...rec.fields, links: [loser, ...fields.links!] }, ctx: { devM: loser.stamp } });
    ok(await m.sync());
    const r = ok(await a.sync());
    expect(r.report.rejected.map((x) => x.reason)).toEqual([expect.stringMatching(/^record "entity:x": links: /)]);
    expect(a.map.size).toBe(0);
  });
});

/** Syncs a device alone on its own remote, then copies its folder (and store.json) to `to`. */
async function publish(dev: Device, to: MemoryRemote): Promise<void> {
  ok(await dev.sync());
  for (const p of dev.remote.paths(layout.devices(STORE) + '/')) to.write(p, dev.remote.read(p)!);
  if (!to.read(layout.storeFile(STORE))) to.write(layout.storeFile(STORE), dev.remote.read(layout.storeFile(STORE))!);
}

describe('wipes, stops and errors', () => {
  it('a wiped remote folder deletes nothing locally: the next syncs upload everything again', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    const b = new Device(remote, 'devB');
    for (const id of ids(30)) a.add(id);
    for (const id of ids(10, 'b')) b.add(id);
    ok(await a.sync());
    ok(await b.sync());
    ok(await a.sync());
    const localA = a.key();
    b.add('late');

    remote.wipe();
    const r = ok(await a.sync());
    expect(a.key()).toBe(localA);
    expect(r.pulled).toBe(0);
    expect(r.pushed).toEqual({ generation: 3, uploaded: (await buildShards(a.map)).length });
    expect(remote.read(layout.storeFile(STORE))).toBeDefined();
    ok(await b.sync());
    ok(await a.sync());
    expect(a.key()).toBe(b.key());
    expect(a.map.size).toBe(41);
  });

  it('a stop between the shards and the head leaves the old head valid; the next sync finishes', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    const b = new Device(remote, 'devB');
    for (const id of ids(30)) a.add(id);
    ok(await a.sync());
    const oldHead = remote.read(layout.head(STORE, 'devA'));
    const taken = new Set([...a.map.keys()].map(bucketOf));
    const id = idInNewBucket(taken, 'n');
    a.add(id);
    a.edit('e1', { summary: 'x' });

    remote.before = (op, path) => {
      if (op === 'put' && path.endsWith('head.json')) throw new Crash('stopped');
    };
    await expect(a.sync()).rejects.toBeInstanceOf(Crash);
    remote.before = undefined;
    expect(remote.read(layout.head(STORE, 'devA'))).toEqual(oldHead);

    expect(ok(await b.sync()).report.rejected).toEqual([]); // the old head and its shards are intact
    expect(b.map.size).toBe(30);

    remote.resetCounts();
    const r = ok(await a.sync());
    expect(r.pushed).toEqual({ generation: 2, uploaded: 0 }); // the shards already there are reused
    expect(r.collected).toBe(1); // the replaced shard of e1
    const head = await headOf(remote, 'devA');
    expect(shardPaths(remote, 'devA')).toEqual(head.shards.map((s) => layout.shard(STORE, 'devA', s.name)).sort());
    ok(await b.sync());
    expect(b.key()).toBe(a.key());
  });

  it('a stop right after the head is written: the next sync adopts that head instead of pushing again', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    for (const id of ids(30)) a.add(id);
    ok(await a.sync());
    a.edit('e1', { summary: 'x' });
    const at = (p: SyncPoint) => {
      if (p === 'head-written') throw new Crash(p);
    };
    await expect(a.sync({ at })).rejects.toBeInstanceOf(Crash);
    remote.resetCounts();
    const r = ok(await a.sync());
    expect(r.pushed).toBeNull();
    expect(r.collected).toBe(1);
    expect(remote.counts.put).toBe(0);
    a.edit('e2', { summary: 'y' });
    expect(ok(await a.sync()).pushed).toEqual({ generation: 3, uploaded: 1 });
  });

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
  for (const point of POINTS)
    it(`a stop at "${point}" is finished by the next sync`, async () => {
      const remote = new MemoryRemote();
      const a = new Device(remote, 'devA');
      const b = new Device(remote, 'devB');
      for (const id of ids(30)) a.add(id);
      for (const id of ids(10, 'b')) b.add(id);
      ok(await a.sync());
      ok(await b.sync());
      a.edit('e1', { summary: 'x' });
      a.remove('e2');
      b.edit('e1', { tags: ['t'] });
      ok(await b.sync());
      let stopped = false;
      const at = (p: SyncPoint) => {
        if (p === point && !stopped) {
          stopped = true;
          throw new Crash(p);
        }
      };
      await expect(a.sync({ at })).rejects.toBeInstanceOf(Crash);
      ok(await a.sync());
      ok(await b.sync());
      ok(await a.sync());
      expect(a.key()).toBe(b.key());
      expect(view(a.map.get('entity:e1')!).values).toMatchObject({ summary: 'x', tags: ['t'] });
      expect(view(a.map.get('entity:e2')!).deleted).toBe(true);
      // Nothing left behind: exactly the head's shards.
      for (const dev of ['devA', 'devB']) {
        const head = await headOf(remote, dev);
        expect(shardPaths(remote, dev)).toEqual(head.shards.map((s) => layout.shard(STORE, dev, s.name)).sort());
      }
      remote.resetCounts();
      ok(await a.sync());
      ok(await b.sync());
      expect(remote.writes()).toBe(0);
    });

  it('server errors propagate with their kind', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    a.add('x');
    remote.before = (op) => {
      if (op === 'get') throw new RemoteError('auth', 'Wrong password for example.org.', 401);
    };
    await expect(a.sync()).rejects.toMatchObject({ name: 'RemoteError', kind: 'auth', status: 401 });
    remote.before = () => {
      throw new RemoteError('quota', 'No space left on example.org.', 507);
    };
    await expect(a.sync()).rejects.toMatchObject({ kind: 'quota' });
  });

  it('an encrypted store refuses a device without the key: nothing is uploaded', async () => {
    const remote = new MemoryRemote();
    ok(await new Device(remote, 'devA', keyedCodec('k1')).sync());
    const b = new Device(remote, 'devB');
    b.add('secret');
    remote.resetCounts();
    await expect(b.sync()).rejects.toMatchObject({ name: 'SyncError', kind: 'encryption-mismatch' });
    expect(remote.writes()).toBe(0);
    // And the other way round.
    const remote2 = new MemoryRemote();
    ok(await new Device(remote2, 'devA').sync());
    await expect(new Device(remote2, 'devB', keyedCodec('k1')).sync()).rejects.toMatchObject({
      kind: 'encryption-mismatch',
    });
  });

  it('a damaged store.json is repaired from the copy a device keeps; a new device cannot repair it', async () => {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    a.add('x');
    ok(await a.sync());
    const good = remote.read(layout.storeFile(STORE));
    remote.truncate(layout.storeFile(STORE), 12);
    await expect(new Device(remote, 'devB').sync()).rejects.toMatchObject({ kind: 'store-corrupt' });
    ok(await a.sync());
    expect(remote.read(layout.storeFile(STORE))).toEqual(good);
    ok(await new Device(remote, 'devB').sync());
  });
});

describe('the guard and local edits', () => {
  async function pair(n: number) {
    const remote = new MemoryRemote();
    const a = new Device(remote, 'devA');
    const b = new Device(remote, 'devB');
    for (const id of ids(n)) a.add(id);
    ok(await a.sync());
    ok(await b.sync());
    ok(await a.sync());
    return { remote, a, b };
  }

  it('pauses a sync that would delete more than the threshold, says who deletes what, and changes nothing', async () => {
    const { remote, a, b } = await pair(50);
    for (const id of ids(30)) b.remove(id);
    ok(await b.sync());
    const before = { key: a.key(), revision: a.revision, state: a.stateJson };
    remote.resetCounts();
    const r = await a.sync();
    expect(r.status).toBe('paused');
    if (r.status !== 'paused') return;
    expect(r.lossy).toMatchObject({
      count: 30,
      live: 50,
      limit: 10,
      byDevice: { devB: { name: 'devB laptop', count: 30 } },
    });
    expect(r.lossy.examples).toHaveLength(5);
    expect(r.lossy.examples[0]).toEqual({ key: 'entity:e0', type: 'entity', id: 'e0', name: 'e0', by: ['devB'] });
    expect({ key: a.key(), revision: a.revision, state: a.stateJson }).toEqual(before);
    expect(remote.writes()).toBe(0);

    // Paused again until the user accepts; then the deletes merge.
    expect((await a.sync()).status).toBe('paused');
    const accepted = ok(await a.sync({ allowLoss: true }));
    expect(accepted.pulled).toBe(30);
    expect([...a.map.values()].filter((rec) => view(rec).deleted)).toHaveLength(30);
    expect(ok(await a.sync()).pushed).toBeNull();
  });

  it('lets a small delete through, and a ratio above the minimum', async () => {
    const { a, b } = await pair(100);
    for (const id of ids(10)) b.remove(id); // not more than minLoss
    ok(await b.sync());
    expect(ok(await a.sync()).pulled).toBe(10);
    for (const id of ids(100).slice(10, 28)) b.remove(id);
    ok(await b.sync());
    // 18 of 90 live = 20 %: at the limit, not over it.
    expect(ok(await a.sync()).pulled).toBe(18);
    for (const id of ids(100).slice(28, 43)) b.remove(id);
    ok(await b.sync());
    // 15 of 72 live: over 20 % (14.4), and over minLoss.
    expect(await a.sync()).toMatchObject({ status: 'paused', lossy: { count: 15, live: 72, limit: 14.4 } });
    expect(ok(await a.sync({ guard: { maxLossRatio: 0.25 } })).pulled).toBe(15);
  });

  it('edits made during a sync survive: the merge is redone on the fresh local view', async () => {
    const { a, b } = await pair(20);
    b.edit('e1', { summary: 'from B' });
    ok(await b.sync());
    let once = true;
    a.onSave = () => {
      if (!once) return;
      once = false;
      a.edit('e2', { summary: 'typed during the sync' }); // bumps the revision: this save fails
    };
    const r = ok(await a.sync());
    expect(r.pulled).toBe(1);
    expect(view(a.map.get('entity:e1')!).values).toMatchObject({ summary: 'from B' });
    expect(view(a.map.get('entity:e2')!).values).toMatchObject({ summary: 'typed during the sync' });
    ok(await b.sync());
    expect(view(b.map.get('entity:e2')!).values).toMatchObject({ summary: 'typed during the sync' });
    expect(b.key()).toBe(a.key());
  });

  it('a local view that keeps changing gives up for now (busy) without pushing', async () => {
    const { remote, a, b } = await pair(20);
    b.edit('e1', { summary: 'from B' });
    ok(await b.sync());
    a.onSave = () => {
      a.revision++;
    };
    remote.resetCounts();
    expect((await a.sync()).status).toBe('busy');
    expect(remote.writes()).toBe(0);
    a.onSave = undefined;
    expect(ok(await a.sync()).pulled).toBe(1);
  });
});
