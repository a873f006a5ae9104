/**
 * `storage.sync` as a sync Remote (lib/sync/browser-storage.ts), on a strict fake storage area that
 * enforces Chrome's limits (102,400 bytes counted as key + JSON of the value, 8,192 per item, 512
 * items; a set() over a limit is refused whole, as Chrome does) and can hand a second browser only
 * some of the items (a partial sync). Then a round trip through WXT's fake browser.
 */
import { describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  browserStorageRemote,
  CHUNK_CHARS,
  itemBytes,
  MAX_ITEMS,
  QUOTA_BYTES,
  QUOTA_BYTES_PER_ITEM,
  storageError,
  storageQuota,
  type SyncStorageArea,
} from '../../lib/sync/browser-storage';
import { RemoteError, type Remote } from '../../lib/sync/remote';
import { mulberry32 } from '../fixtures/prng';

// ---- a strict fake of chrome.storage.sync -------------------------------------------------------

interface FakeOptions {
  /** Offer getBytesInUse (Firefox may not). */
  bytesInUse?: boolean;
  /** A smaller byte quota than Chrome's: the browser refuses what our own check let through. */
  quotaBytes?: number;
}

class FakeSyncArea implements SyncStorageArea {
  /** Key -> JSON of the value, as the browser stores it. */
  readonly data = new Map<string, string>();
  /** set() and remove() calls that reached the storage (refused ones included). */
  writeCalls = 0;
  /** The largest item ever stored. */
  largestItem = 0;
  /** When set, the number of writes left this minute; then MAX_WRITE_OPERATIONS_PER_MINUTE. */
  writesLeft: number | null = null;
  readonly quotaBytes: number;
  getBytesInUse?: (keys?: string | string[] | null) => Promise<number>;

  constructor(options: FakeOptions = {}) {
    this.quotaBytes = options.quotaBytes ?? QUOTA_BYTES;
    if (options.bytesInUse !== false)
      this.getBytesInUse = async (keys) => {
        const wanted = keys == null ? [...this.data.keys()] : typeof keys === 'string' ? [keys] : keys;
        return wanted.reduce((sum, k) => sum + (this.data.has(k) ? k.length + this.data.get(k)!.length : 0), 0);
      };
  }

  static sizeOf(data: Map<string, string>): number {
    let total = 0;
    for (const [k, v] of data) total += k.length + v.length;
    return total;
  }

  get bytes(): number {
    return FakeSyncArea.sizeOf(this.data);
  }

  async get(keys?: string | string[] | null): Promise<Record<string, unknown>> {
    const wanted = keys == null ? [...this.data.keys()] : typeof keys === 'string' ? [keys] : keys;
    const out: Record<string, unknown> = {};
    for (const k of wanted) if (this.data.has(k)) out[k] = JSON.parse(this.data.get(k)!);
    return out;
  }

  private countWrite(): void {
    this.writeCalls++;
    if (this.writesLeft === null) return;
    if (this.writesLeft <= 0) throw new Error('MAX_WRITE_OPERATIONS_PER_MINUTE quota exceeded');
    this.writesLeft--;
  }

  async set(items: Record<string, unknown>): Promise<void> {
    this.countWrite();
    const next = new Map(this.data);
    for (const [k, v] of Object.entries(items)) {
      const json = JSON.stringify(v);
      if (k.length + json.length > QUOTA_BYTES_PER_ITEM) throw new Error('QUOTA_BYTES_PER_ITEM quota exceeded');
      next.set(k, json);
    }
    if (FakeSyncArea.sizeOf(next) > this.quotaBytes) throw new Error('QUOTA_BYTES quota exceeded');
    if (next.size > MAX_ITEMS) throw new Error('MAX_ITEMS quota exceeded');
    for (const [k, v] of next) {
      this.data.set(k, v);
      this.largestItem = Math.max(this.largestItem, k.length + v.length);
    }
  }

  async remove(keys: string | string[]): Promise<void> {
    this.countWrite();
    for (const k of typeof keys === 'string' ? [keys] : keys) this.data.delete(k);
  }

  /** Every item, byte for byte. */
  snapshot(): string {
    return JSON.stringify([...this.data].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** A second browser that has received the items `keep` accepts (all by default). */
  copy(keep: (key: string) => boolean = () => true, options: FakeOptions = {}): FakeSyncArea {
    const other = new FakeSyncArea(options);
    for (const [k, v] of this.data) if (keep(k)) other.data.set(k, v);
    return other;
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function randomBytes(n: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** JSON-like text: compresses well, as shards do. */
function textBytes(n: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  const words = ['entity', 'summary', 'Berlin', 'stamp', 'aliases', 'Mayor', 'timeline', '"value":', '{"id":', '],'];
  let text = '';
  while (text.length < n) text += words[Math.floor(random() * words.length)]! + (random() < 0.2 ? '\n' : ' ');
  return new TextEncoder().encode(text.slice(0, n));
}

const CHUNK_KEY = /^bs:[A-Za-z0-9_-]{14}:\d+$/;
const chunkKeysOf = (area: FakeSyncArea) => [...area.data.keys()].filter((k) => CHUNK_KEY.test(k));
const indexKeysOf = (area: FakeSyncArea) => [...area.data.keys()].filter((k) => k.startsWith('bs:f:'));

async function remoteError(promise: Promise<unknown>): Promise<RemoteError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(RemoteError);
    return e as RemoteError;
  }
  throw new Error('expected a RemoteError');
}

const OUTGROWN =
  /^Your store has outgrown the browser's sync storage \(102,400 bytes; this sync needs ([\d,]+)\)\. Nothing was written\. Use a WebDAV server for a store this size\.$/;

const SHARD = 'backstory/store-0123456789abcdef/devices/device-0123456789abcdef/shards/' + 'ab'.repeat(32) + '.bin';

// ---- round trips --------------------------------------------------------------------------------

describe('round trip', () => {
  const sizes = [0, 1, 1_000, 7_000, 20_000, 50_000];
  for (const kind of ['incompressible', 'compressible'] as const) {
    for (const size of sizes) {
      it(`${kind}, ${size.toLocaleString('en')} bytes, read back here and by a second browser`, async () => {
        const area = new FakeSyncArea();
        const body = kind === 'incompressible' ? randomBytes(size, size + 1) : textBytes(size, size + 1);
        const remote = browserStorageRemote(area);
        await remote.put('backstory/s/file.bin', body);
        expect(await remote.get('backstory/s/file.bin')).toEqual(body);
        expect(await browserStorageRemote(area.copy()).get('backstory/s/file.bin')).toEqual(body);
        if (kind === 'compressible' && size >= 7_000) expect(area.bytes).toBeLessThan(size / 2);
        expect(area.largestItem).toBeLessThanOrEqual(QUOTA_BYTES_PER_ITEM);
      });
    }
  }

  it('keeps several files apart, and a missing file is null', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    const files = new Map([
      ['a/one.bin', randomBytes(9_000, 1)],
      ['a/two.bin', textBytes(30_000, 2)],
      ['b/one.bin', randomBytes(3, 3)],
    ]);
    for (const [path, body] of files) await remote.put(path, body);
    for (const [path, body] of files) expect(await remote.get(path)).toEqual(body);
    expect(await remote.get('a/three.bin')).toBeNull();
    expect(await remote.get('a')).toBeNull();
  });

  it('normalizes slashes in paths', async () => {
    const remote = browserStorageRemote(new FakeSyncArea());
    await remote.put('/x//y/z.bin', randomBytes(10, 1));
    expect(await remote.get('x/y/z.bin')).toEqual(randomBytes(10, 1));
  });

  it('serializes concurrent calls: parallel puts and reads all land', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    const bodies = Array.from({ length: 8 }, (_, i) => textBytes(4_000 + i, i));
    await Promise.all(bodies.map((b, i) => remote.put(`d/f${i}`, b)));
    const back = await Promise.all(bodies.map((_, i) => remote.get(`d/f${i}`)));
    expect(back).toEqual(bodies);
    expect(indexKeysOf(area)).toHaveLength(8);
  });
});

// ---- layout -------------------------------------------------------------------------------------

describe('layout', () => {
  it('lists files and implicit folders directly under a folder', async () => {
    const area = new FakeSyncArea();
    await area.set({ theme: 'dark', 'bs:other': 1 }); // items that are not sync files
    const remote = browserStorageRemote(area, { now: () => 1_700_000_000_000 });
    const store = textBytes(200, 1);
    await remote.put('backstory/s1/store.json', store);
    await remote.put('backstory/s1/devices/d1/head.json', textBytes(300, 2));
    await remote.put('backstory/s1/devices/d1/shards/abc.bin', randomBytes(500, 3));
    await remote.put('backstory/s1/devices/d2/head.json', textBytes(300, 4));
    await remote.ensureDir('backstory/s1/devices/d3'); // nothing: folders are implicit

    expect(await remote.list('')).toEqual([{ name: 'backstory', isDir: true, size: null, etag: null, modified: null }]);
    const top = await remote.list('backstory/s1');
    expect(top.map((e) => [e.name, e.isDir])).toEqual([
      ['devices', true],
      ['store.json', false],
    ]);
    expect(top[1]).toEqual({
      name: 'store.json',
      isDir: false,
      size: 200,
      etag: expect.stringMatching(/^"[0-9a-f]{64}"$/),
      modified: 1_700_000_000_000,
    });
    expect((await remote.list('backstory/s1/devices')).map((e) => [e.name, e.isDir])).toEqual([
      ['d1', true],
      ['d2', true],
    ]);
    expect((await remote.list('/backstory/s1/devices/d1/shards/')).map((e) => [e.name, e.size])).toEqual([
      ['abc.bin', 500],
    ]);
    for (const missing of ['backstory/s2', 'backstory/s1/devices/d3', 'backstory/s1/store.json'])
      expect((await remoteError(remote.list(missing))).kind).toBe('not-found');
    expect(await browserStorageRemote(new FakeSyncArea()).list('')).toEqual([]);
  });

  it('changes the etag when the content changes, not on a repeated put', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    const etag = async () => (await remote.list('d'))[0]!.etag;
    await remote.put('d/f', textBytes(1_000, 1));
    const first = await etag();
    await remote.put('d/f', textBytes(1_000, 1));
    expect(await etag()).toBe(first);
    await remote.put('d/f', textBytes(1_000, 2));
    expect(await etag()).not.toBe(first);
  });

  it('keeps keys short: chunk keys are bs:<14 characters>:<n>, whatever the path', async () => {
    const area = new FakeSyncArea();
    await browserStorageRemote(area).put(SHARD, randomBytes(30_000, 1));
    const chunks = chunkKeysOf(area);
    expect(chunks.length).toBeGreaterThan(1);
    for (const k of chunks) expect(k.length).toBeLessThanOrEqual(21);
    expect(indexKeysOf(area)).toEqual([`bs:f:${SHARD}`]);
    const index = JSON.parse(area.data.get(`bs:f:${SHARD}`)!);
    expect(Object.keys(index).sort()).toEqual(['chunks', 'id', 'modified', 'sha256', 'size']);
    expect(index.chunks).toBe(chunks.length);
    expect(index.size).toBe(30_000);
    // Every chunk but the last holds exactly CHUNK_CHARS characters.
    const lengths = chunks.map((k) => (JSON.parse(area.data.get(k)!) as string).length).sort((a, b) => b - a);
    expect(lengths.slice(0, -1).every((n) => n === CHUNK_CHARS)).toBe(true);
  });

  it('never stores an item over 8,192 bytes, even for the largest file that fits', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    await remote.put('big', randomBytes(70_000, 9)); // about 93,400 bytes stored
    for (const [k, v] of area.data) expect(k.length + v.length).toBeLessThanOrEqual(QUOTA_BYTES_PER_ITEM);
    expect(area.largestItem).toBeLessThanOrEqual(QUOTA_BYTES_PER_ITEM);
    expect(area.bytes).toBeGreaterThan(90_000);
    expect(await remote.get('big')).toEqual(randomBytes(70_000, 9));
  });
});

// ---- overwrite and delete -----------------------------------------------------------------------

describe('overwrite and delete', () => {
  it('an overwrite keeps one copy: new chunks under a new id, old chunks removed', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area, { now: () => 5 });
    await remote.put('d/f', randomBytes(20_000, 1));
    const before = new Set(chunkKeysOf(area));
    await remote.put('d/f', randomBytes(25_000, 2));
    const after = chunkKeysOf(area);
    expect(after.some((k) => before.has(k))).toBe(false);
    expect(indexKeysOf(area)).toEqual(['bs:f:d/f']);
    expect(await remote.get('d/f')).toEqual(randomBytes(25_000, 2));

    // Byte for byte the size of a fresh write of the new content.
    const fresh = new FakeSyncArea();
    await browserStorageRemote(fresh, { now: () => 5 }).put('d/f', randomBytes(25_000, 2));
    expect(area.bytes).toBe(fresh.bytes);
    expect(area.data.size).toBe(fresh.data.size);
  });

  it('an overwrite is three writes: chunks, index, removal of the old chunks', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    await remote.put('d/f', textBytes(3_000, 1));
    expect(area.writeCalls).toBe(2);
    area.writeCalls = 0;
    await remote.put('d/f', textBytes(3_000, 2));
    expect(area.writeCalls).toBe(3);
  });

  it('writing the same bytes again writes nothing', async () => {
    const area = new FakeSyncArea();
    let t = 1;
    const remote = browserStorageRemote(area, { now: () => t++ });
    await remote.put('d/f', textBytes(3_000, 1));
    const snapshot = area.snapshot();
    const calls = area.writeCalls;
    await remote.put('d/f', textBytes(3_000, 1));
    expect(area.writeCalls).toBe(calls);
    expect(area.snapshot()).toBe(snapshot);
  });

  it('delete removes the index and the chunks in one write; deleting a missing file writes nothing', async () => {
    const area = new FakeSyncArea();
    await area.set({ theme: 'dark' });
    const remote = browserStorageRemote(area);
    await remote.put('d/f', randomBytes(20_000, 1));
    await remote.put('d/g', randomBytes(100, 2));
    area.writeCalls = 0;
    await remote.delete('d/f');
    expect(area.writeCalls).toBe(1);
    expect(await remote.get('d/f')).toBeNull();
    expect((await remote.list('d')).map((e) => e.name)).toEqual(['g']);
    await remote.delete('d/g');
    expect([...area.data.keys()]).toEqual(['theme']);
    area.writeCalls = 0;
    await remote.delete('d/g');
    await remote.delete('nothing/here');
    expect(area.writeCalls).toBe(0);
    expect((await remoteError(remote.list('d'))).kind).toBe('not-found');
  });

  it('collects chunks left by a write that stopped before its index, and only those of that path', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    await remote.put('d/other', textBytes(2_000, 7));
    await remote.put('d/f', textBytes(2_000, 1));
    const good = area.snapshot();
    // The browser refuses the index write and the clean-up after it (rate limit): chunks stay behind.
    area.writesLeft = 1;
    const e = await remoteError(remote.put('d/f', randomBytes(12_000, 2)));
    expect(e.kind).toBe('locked');
    expect(e.message).toBe('The browser limits how often sync storage is written; sync will try again in a minute.');
    expect(area.snapshot()).not.toBe(good);
    expect(await remote.get('d/f')).toEqual(textBytes(2_000, 1)); // the old file is intact
    area.writesLeft = null;
    // A chunk of another path whose index has not arrived yet (another browser mid-write) is left alone.
    const foreignChunk = 'bs:' + 'Zz'.repeat(7) + ':0';
    await area.set({ [foreignChunk]: 'AAAA' });

    await remote.put('d/f', randomBytes(12_000, 2));
    expect(await remote.get('d/f')).toEqual(randomBytes(12_000, 2));
    const ids = new Set(chunkKeysOf(area).map((k) => k.split(':')[1]));
    expect(ids.size).toBe(3); // d/other, d/f and the foreign one
    expect(area.data.has(foreignChunk)).toBe(true);
    expect(indexKeysOf(area).sort()).toEqual(['bs:f:d/f', 'bs:f:d/other']);
  });
});

// ---- quotas -------------------------------------------------------------------------------------

describe('quotas', () => {
  it('refuses a write that would exceed 102,400 bytes, leaving the storage byte for byte unchanged', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    await remote.put('a', randomBytes(40_000, 1)); // about 53,500 bytes stored
    const before = area.snapshot();
    const calls = area.writeCalls;
    const e = await remoteError(remote.put('b', randomBytes(40_000, 2)));
    expect(e.kind).toBe('quota');
    expect(e.message).toMatch(OUTGROWN);
    const needs = Number(OUTGROWN.exec(e.message)![1]!.replace(/,/g, ''));
    expect(needs).toBeGreaterThan(QUOTA_BYTES);
    expect(needs).toBeLessThan(QUOTA_BYTES + 10_000);
    expect(area.snapshot()).toBe(before);
    expect(area.writeCalls).toBe(calls);
    expect(await remote.get('a')).toEqual(randomBytes(40_000, 1));
  });

  it('counts the peak of an overwrite (old and new chunks both present)', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    await remote.put('a', randomBytes(30_000, 1)); // about 40,000 stored
    const before = area.snapshot();
    // 50,000 random bytes alone would fit (about 66,700), but not next to the old 40,000.
    const e = await remoteError(remote.put('a', randomBytes(50_000, 2)));
    expect(e.kind).toBe('quota');
    expect(e.message).toMatch(OUTGROWN);
    expect(area.snapshot()).toBe(before);
    await remote.delete('a');
    await remote.put('a', randomBytes(50_000, 2));
    expect(await remote.get('a')).toEqual(randomBytes(50_000, 2));
  });

  it('counts other items of the extension, and a write that fits exactly is accepted', async () => {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    const probe = new FakeSyncArea();
    await browserStorageRemote(probe).put('f', randomBytes(20_000, 1));
    const needed = probe.bytes;
    // Fill the rest with settings-like items, leaving exactly `needed` bytes.
    let free = QUOTA_BYTES - needed;
    for (let i = 0; free > 0; i++) {
      const key = `setting${i}`;
      const room = Math.min(8_000, free) - key.length - 2;
      if (room < 0) throw new Error('bad fill');
      await area.set({ [key]: 'x'.repeat(room) });
      free -= itemBytes(key, 'x'.repeat(room));
    }
    expect(area.bytes).toBe(QUOTA_BYTES - needed);
    await remote.put('f', randomBytes(20_000, 1));
    expect(area.bytes).toBe(QUOTA_BYTES);
    await remote.delete('f');
    const e = await remoteError(remote.put('f', randomBytes(20_001, 1)));
    expect(e.kind).toBe('quota');
  });

  it('refuses a write that would exceed 512 items', async () => {
    const area = new FakeSyncArea();
    const items: Record<string, number> = {};
    for (let i = 0; i < MAX_ITEMS - 2; i++) items[`s${i}`] = i;
    await area.set(items);
    const remote = browserStorageRemote(area);
    await remote.put('a', textBytes(100, 1)); // 2 items: 512 in all
    expect(area.data.size).toBe(MAX_ITEMS);
    const before = area.snapshot();
    const e = await remoteError(remote.put('b', textBytes(100, 2)));
    expect(e.kind).toBe('quota');
    expect(e.message).toBe(
      "Your store has outgrown the browser's sync storage (512 items; this sync needs 514). Nothing was written. Use a WebDAV server for a store this size.",
    );
    expect(area.snapshot()).toBe(before);
    // An overwrite of a one-chunk file peaks at 513 items (old and new chunk).
    expect((await remoteError(remote.put('a', textBytes(100, 3)))).message).toMatch(/512 items; this sync needs 513/);
    expect(area.snapshot()).toBe(before);
  });

  it('refuses a path too long for one item', async () => {
    const area = new FakeSyncArea();
    const e = await remoteError(browserStorageRemote(area).put('p/' + 'x'.repeat(8_200), textBytes(10, 1)));
    expect(e.kind).toBe('quota');
    expect(e.message).toMatch(/too long for the browser's sync storage \(8,192 bytes per item; it needs 8,/);
    expect(area.data.size).toBe(0);
  });

  it("maps the browser's own refusal (it counted more than we did) to 'quota', leaving nothing behind", async () => {
    const area = new FakeSyncArea({ quotaBytes: 20_000 });
    const remote = browserStorageRemote(area);
    await remote.put('small', textBytes(1_000, 1));
    const before = area.snapshot();
    const e = await remoteError(remote.put('big', randomBytes(30_000, 2)));
    expect(e.kind).toBe('quota');
    expect(e.message).toMatch(/^The browser's sync storage is full \(102,400 bytes, 512 items\): QUOTA_BYTES/);
    expect(area.snapshot()).toBe(before);
  });

  it("maps the browser's error messages (Chrome and Firefox)", () => {
    const cases: [string, string][] = [
      ['QUOTA_BYTES quota exceeded', 'quota'],
      ['QUOTA_BYTES_PER_ITEM quota exceeded', 'quota'],
      ['MAX_ITEMS quota exceeded', 'quota'],
      ['QuotaExceededError: storage.sync API call exceeded its quota limitations.', 'quota'],
      ['MAX_WRITE_OPERATIONS_PER_MINUTE quota exceeded', 'locked'],
      ['MAX_SUSTAINED_WRITE_OPERATIONS_PER_MINUTE quota exceeded', 'locked'],
      ['MAX_WRITE_OPERATIONS_PER_HOUR quota exceeded', 'locked'],
      ['Sync storage is disabled', 'server'],
    ];
    for (const [message, kind] of cases)
      expect([message, storageError(new Error(message)).kind]).toEqual([message, kind]);
    expect(storageError(new Error('MAX_WRITE_OPERATIONS_PER_HOUR quota exceeded')).message).toMatch(
      /1,800 times an hour/,
    );
    const own = new RemoteError('garbage', 'x');
    expect(storageError(own)).toBe(own);
  });

  it('storageQuota reports bytes, items and the fuller of the two', async () => {
    for (const bytesInUse of [true, false]) {
      const area = new FakeSyncArea({ bytesInUse });
      expect(await storageQuota(area)).toEqual({ used: 0, total: 102_400, items: 0, maxItems: 512, ratio: 0 });
      await area.set({ theme: 'dark' });
      await browserStorageRemote(area).put('d/f', randomBytes(20_000, 1));
      const q = await storageQuota(area);
      expect(q.used).toBe(area.bytes);
      expect(q.items).toBe(area.data.size);
      expect(q.ratio).toBeCloseTo(area.bytes / QUOTA_BYTES, 10);
      const items: Record<string, number> = {};
      for (let i = 0; i < 400; i++) items[`n${i}`] = i;
      await area.set(items);
      expect((await storageQuota(area)).ratio).toBeCloseTo(area.data.size / MAX_ITEMS, 10);
    }
  });

  it('works without getBytesInUse (Firefox), with the same limits', async () => {
    const area = new FakeSyncArea({ bytesInUse: false });
    expect(area.getBytesInUse).toBeUndefined();
    const remote = browserStorageRemote(area);
    await remote.put('a', randomBytes(40_000, 1));
    expect(await remote.get('a')).toEqual(randomBytes(40_000, 1));
    const before = area.snapshot();
    expect((await remoteError(remote.put('b', randomBytes(40_000, 2)))).message).toMatch(OUTGROWN);
    expect(area.snapshot()).toBe(before);
  });
});

// ---- partial sync -------------------------------------------------------------------------------

describe('a second browser that has received only some items', () => {
  async function written(): Promise<{ area: FakeSyncArea; remote: Remote; body: Uint8Array }> {
    const area = new FakeSyncArea();
    const remote = browserStorageRemote(area);
    const body = randomBytes(20_000, 1);
    await remote.put('d/f', body);
    return { area, remote, body };
  }

  it('the index without all its chunks: garbage ("not fully synced yet"), never wrong bytes', async () => {
    const { area } = await written();
    const chunks = chunkKeysOf(area);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const missing of chunks) {
      const other = browserStorageRemote(area.copy((k) => k !== missing));
      const e = await remoteError(other.get('d/f'));
      expect(e.kind).toBe('garbage');
      expect(e.message).toMatch(/not fully synced yet/);
      expect((await other.list('d')).map((x) => x.name)).toEqual(['f']);
    }
  });

  it('chunks without their index: the file is not there yet', async () => {
    const { area } = await written();
    const other = browserStorageRemote(area.copy((k) => !k.startsWith('bs:f:')));
    expect(await other.get('d/f')).toBeNull();
    expect((await remoteError(other.list('d'))).kind).toBe('not-found');
  });

  it('the new index next to the old chunks (an overwrite half arrived): garbage', async () => {
    const { area, remote } = await written();
    const old = area.copy();
    await remote.put('d/f', randomBytes(20_000, 2));
    const half = old.copy();
    half.data.set('bs:f:d/f', area.data.get('bs:f:d/f')!);
    const e = await remoteError(browserStorageRemote(half).get('d/f'));
    expect(e.kind).toBe('garbage');
    // Once the rest arrives, the new file reads.
    expect(await browserStorageRemote(area.copy()).get('d/f')).toEqual(randomBytes(20_000, 2));
  });

  it('a chunk with other content (an older write under the same key would be one): garbage', async () => {
    const { area } = await written();
    const other = area.copy();
    const key = chunkKeysOf(other)[0]!;
    const text = JSON.parse(other.data.get(key)!) as string;
    other.data.set(key, JSON.stringify((text[0] === 'A' ? 'B' : 'A') + text.slice(1)));
    expect((await remoteError(browserStorageRemote(other).get('d/f'))).kind).toBe('garbage');
  });

  it('a damaged index, or a hash that matches bytes that are not gzip: garbage', async () => {
    const area = new FakeSyncArea();
    await area.set({ 'bs:f:x': { id: 'nope' } });
    expect((await remoteError(browserStorageRemote(area).get('x'))).message).toMatch(/not a Backstory file/);
    const raw = new TextEncoder().encode('not gzip at all');
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', raw));
    const sha256 = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    await area.set({
      'bs:f:y': { id: 'AAAAAAAAAAAAAA', chunks: 1, size: 15, sha256, modified: 0 },
      'bs:AAAAAAAAAAAAAA:0': btoa('not gzip at all'),
    });
    const e = await remoteError(browserStorageRemote(area).get('y'));
    expect(e.kind).toBe('garbage');
    expect(e.message).toMatch(/damaged/);
  });
});

// ---- WXT's fake browser -------------------------------------------------------------------------

describe("WXT's fake browser.storage.sync", () => {
  it('round trip through the default area, with getBytesInUse unavailable', async () => {
    const remote = browserStorageRemote(); // browser.storage.sync: the fake in tests
    const body = textBytes(30_000, 1);
    await remote.put('backstory/s/devices/d1/head.json', body);
    await remote.ensureDir('backstory/s/devices/d2');
    expect(await remote.get('backstory/s/devices/d1/head.json')).toEqual(body);
    expect((await remote.list('backstory/s/devices')).map((e) => e.name)).toEqual(['d1']);
    const all = await fakeBrowser.storage.sync.get(null);
    expect(Object.keys(all)).toContain('bs:f:backstory/s/devices/d1/head.json');

    const explicit = browserStorageRemote(fakeBrowser.storage.sync);
    await explicit.put('backstory/s/devices/d1/head.json', randomBytes(5_000, 2));
    expect(await remote.get('backstory/s/devices/d1/head.json')).toEqual(randomBytes(5_000, 2));
    const q = await storageQuota(fakeBrowser.storage.sync);
    expect(q.items).toBe(Object.keys(await fakeBrowser.storage.sync.get(null)).length);
    expect(q.used).toBeGreaterThan(6_600);
    expect(q.used).toBeLessThan(7_200);
    await remote.delete('backstory/s/devices/d1/head.json');
    expect(await fakeBrowser.storage.sync.get(null)).toEqual({});
  });
});
