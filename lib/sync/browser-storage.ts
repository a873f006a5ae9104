/**
 * The browser's own sync storage (`browser.storage.sync`) as a sync `Remote` (lib/sync/remote.ts):
 * zero-setup sync between browsers of one vendor (Chrome to Chrome, Firefox to Firefox), with the
 * same protocol as WebDAV, within the browser's limits (see /work/shared/docs/sync-design.md):
 * 102,400 bytes in all, 8,192 bytes per item (key + JSON value), 512 items, and in Chrome 120
 * writes a minute, 1,800 an hour (a write is one `set` or `remove` call, whatever it holds).
 *
 * Layout (every key starts with `bs:`, so other items of the extension are left alone):
 * - `bs:f:<path>` = `{ id, chunks, size, sha256, modified }`: the index item of one file. `size` is
 *   the file's length; `sha256` is the hash of the stored (gzip) bytes; `id` names its chunks.
 * - `bs:<id>:<n>` (n = 0 .. chunks-1) = a string of at most 7,000 base64 characters: the file,
 *   gzip-compressed, base64-encoded, split. `id` is 8 characters of a hash of the path, then 6
 *   random ones: every write of a file gets new chunk keys, so chunk items are never changed, only
 *   added and removed.
 *
 * A write is: the new chunks, then the index item naming them, then removal of the old chunks (and
 * of chunks of the same path that no index names: left by a write that stopped before its index).
 * A reader reads the index, then the chunks it names, and checks the hash: another browser may
 * have received only some of the items yet (the browser syncs items one by one, in no set order);
 * it then gets `RemoteError('garbage')` (try later), never wrong bytes. Folders are implicit:
 * `list` derives them from the paths of index items, `ensureDir` does nothing.
 *
 * Before any write, the bytes and items the storage would hold at the write's peak (old and new
 * chunks both present) are computed and the write is refused with kind 'quota' if they exceed the
 * browser's limits, so a write never stops half-way for lack of room. The browser's own quota and
 * rate errors are mapped to 'quota' and 'locked'.
 */
import { browser } from 'wxt/browser';
import { RemoteError, type Remote, type RemoteEntry } from './remote';
import { fromBase64, gunzip, gzip, sha256, sha256Hex, toBase64 } from './bytes';

// ---- limits and layout --------------------------------------------------------------------------

/** `storage.sync.QUOTA_BYTES` in Chrome and Firefox. */
export const QUOTA_BYTES = 102_400;
/** `storage.sync.QUOTA_BYTES_PER_ITEM`: key + JSON of the value, in bytes. */
export const QUOTA_BYTES_PER_ITEM = 8_192;
/** `storage.sync.MAX_ITEMS`. */
export const MAX_ITEMS = 512;
/** Base64 characters per chunk item: with its key (about 20) and JSON quotes, well under 8,192. */
export const CHUNK_CHARS = 7_000;

const PREFIX = 'bs:';
const INDEX_PREFIX = 'bs:f:';
/** A chunk key: `bs:<id>:<n>`, the id being 8 characters of path hash then 6 random ones. */
const CHUNK_KEY = /^bs:([A-Za-z0-9_-]{14}):(\d{1,3})$/;
const ID = /^[A-Za-z0-9_-]{14}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * What this module needs of a `storage.sync` area: `browser.storage.sync`, or a fake in tests.
 * `getBytesInUse` is optional (feature-detected; usage is computed from the items without it).
 */
export interface SyncStorageArea {
  get(keys?: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
  getBytesInUse?(keys?: string | string[] | null): Promise<number>;
}

/** The index item of one file. */
interface IndexEntry {
  id: string;
  chunks: number;
  size: number;
  sha256: string;
  modified: number;
}

// ---- small helpers ------------------------------------------------------------------------------

const encoder = new TextEncoder();
const byteLength = (text: string): number => encoder.encode(text).length;

/** Bytes an item counts against the quota, as Chrome counts them: key + JSON of the value. */
export function itemBytes(key: string, value: unknown): number {
  return byteLength(key) + byteLength(JSON.stringify(value) ?? '');
}

const sumBytes = (items: Record<string, unknown>, keys: Iterable<string> = Object.keys(items)): number => {
  let total = 0;
  for (const key of keys) if (key in items) total += itemBytes(key, items[key]);
  return total;
};

const formatNumber = (n: number): string => n.toLocaleString('en');

/** Paths as segments joined by '/', without leading or trailing slashes ('' is the root). */
const norm = (path: string): string => path.split('/').filter(Boolean).join('/');

const base64url = (bytes: Uint8Array): string =>
  toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** 8 characters naming a path in chunk keys (48 bits of its SHA-256). */
async function pathTag(path: string): Promise<string> {
  return base64url((await sha256(encoder.encode(path))).subarray(0, 6));
}

/** 6 random characters (32 bits). */
const randomToken = (): string => base64url(crypto.getRandomValues(new Uint8Array(4)));

function parseIndex(value: unknown): IndexEntry | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const { id, chunks, size, sha256, modified } = v;
  if (typeof id !== 'string' || !ID.test(id)) return null;
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks < 1 || chunks > MAX_ITEMS) return null;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return null;
  if (typeof sha256 !== 'string' || !HEX64.test(sha256)) return null;
  if (typeof modified !== 'number' || !Number.isFinite(modified)) return null;
  return { id, chunks, size, sha256, modified };
}

const chunkKey = (id: string, n: number): string => `${PREFIX}${id}:${n}`;
const chunkKeys = (entry: IndexEntry): string[] =>
  Array.from({ length: entry.chunks }, (_, n) => chunkKey(entry.id, n));

// ---- errors -------------------------------------------------------------------------------------

const MINUTE_LIMIT = 'The browser limits how often sync storage is written; sync will try again in a minute.';
const HOUR_LIMIT =
  'The browser limits how often sync storage is written (1,800 times an hour); sync will try again later.';

/** The browser's own error (a rejected call; `runtime.lastError` with callbacks) as a RemoteError. */
export function storageError(e: unknown): RemoteError {
  if (e instanceof RemoteError) return e;
  const text = e instanceof Error ? e.message : String(e);
  if (/MAX_(SUSTAINED_)?WRITE_OPERATIONS_PER_MINUTE/.test(text)) return new RemoteError('locked', MINUTE_LIMIT);
  if (/MAX_WRITE_OPERATIONS_PER_HOUR/.test(text)) return new RemoteError('locked', HOUR_LIMIT);
  if (/QUOTA_BYTES|MAX_ITEMS|quota/i.test(text))
    return new RemoteError(
      'quota',
      `The browser's sync storage is full (${formatNumber(QUOTA_BYTES)} bytes, ${MAX_ITEMS} items): ${text}. Use a WebDAV server for a store this size.`,
    );
  return new RemoteError('server', `The browser's sync storage failed: ${text}`);
}

/** Calls the storage area, mapping its errors. */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw storageError(e);
  }
}

const notSynced = (path: string) =>
  new RemoteError(
    'garbage',
    `"${path}" is not fully synced yet: the browser has not brought all of it over; sync will try again later.`,
  );

// ---- usage --------------------------------------------------------------------------------------

/**
 * Bytes in use: the browser's count when it offers one (Firefox may lack `getBytesInUse` on sync
 * storage; WXT's fake browser throws), never less than the count computed from the items.
 */
async function bytesInUse(area: SyncStorageArea, all: Record<string, unknown>): Promise<number> {
  const computed = sumBytes(all);
  if (typeof area.getBytesInUse !== 'function') return computed;
  try {
    const reported = await area.getBytesInUse(null);
    return typeof reported === 'number' && Number.isFinite(reported) ? Math.max(reported, computed) : computed;
  } catch {
    return computed;
  }
}

export interface StorageQuota {
  /** Bytes in use (every item of the area, Backstory's sync files and anything else). */
  used: number;
  total: typeof QUOTA_BYTES;
  items: number;
  maxItems: typeof MAX_ITEMS;
  /** How full the storage is, 0..1: the fuller of bytes and items. */
  ratio: number;
}

/** What the quota meter shows. */
export async function storageQuota(area: SyncStorageArea = browser.storage.sync): Promise<StorageQuota> {
  const all = await call(() => area.get(null));
  const used = await bytesInUse(area, all);
  const items = Object.keys(all).length;
  return {
    used,
    total: QUOTA_BYTES,
    items,
    maxItems: MAX_ITEMS,
    ratio: Math.max(used / QUOTA_BYTES, items / MAX_ITEMS),
  };
}

// ---- the Remote ---------------------------------------------------------------------------------

/** One operation at a time per storage area (in this JavaScript context), so a write's quota check holds. */
const queues = new WeakMap<object, Promise<unknown>>();
function serialized<T>(area: object, run: () => Promise<T>): Promise<T> {
  const next = (queues.get(area) ?? Promise.resolve()).then(run);
  queues.set(
    area,
    next.catch(() => undefined),
  );
  return next;
}

export interface BrowserStorageOptions {
  /** The clock for `modified` (tests). */
  now?: () => number;
}

/**
 * `storage.sync` as a `Remote`. Production passes nothing (`browser.storage.sync`); tests pass a fake
 * area. Throws `RemoteError`: 'quota' when a write does not fit (nothing written), 'locked' when the
 * browser's write rate limit is hit, 'garbage' when a file has not fully arrived from another
 * browser yet (or is damaged), 'not-found' for `list` of a folder that holds nothing, 'server' for
 * other failures of the storage.
 */
export function browserStorageRemote(
  area: SyncStorageArea = browser.storage.sync,
  options: BrowserStorageOptions = {},
): Remote {
  const now = options.now ?? Date.now;

  async function list(dir: string): Promise<RemoteEntry[]> {
    const base = norm(dir);
    const prefix = base ? `${base}/` : '';
    const all = await call(() => area.get(null));
    const files: RemoteEntry[] = [];
    const dirs = new Set<string>();
    for (const key of Object.keys(all)) {
      if (!key.startsWith(INDEX_PREFIX)) continue;
      const path = key.slice(INDEX_PREFIX.length);
      if (!path.startsWith(prefix) || path.length === prefix.length) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) {
        dirs.add(rest.slice(0, slash));
        continue;
      }
      const entry = parseIndex(all[key]);
      files.push({
        name: rest,
        isDir: false,
        size: entry?.size ?? null,
        etag: entry ? `"${entry.sha256}"` : null,
        modified: entry?.modified ?? null,
      });
    }
    if (base && files.length === 0 && dirs.size === 0)
      throw new RemoteError('not-found', `The folder "${base}" is not in the browser's sync storage.`);
    const folders: RemoteEntry[] = [...dirs].map((name) => ({
      name,
      isDir: true,
      size: null,
      etag: null,
      modified: null,
    }));
    return [...folders, ...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async function get(path: string): Promise<Uint8Array | null> {
    const p = norm(path);
    const key = INDEX_PREFIX + p;
    const value = (await call(() => area.get(key)))[key];
    if (value === undefined) return null;
    const entry = parseIndex(value);
    if (!entry) throw new RemoteError('garbage', `"${p}" in the browser's sync storage is not a Backstory file.`);
    const keys = chunkKeys(entry);
    const got = await call(() => area.get(keys));
    let text = '';
    for (const k of keys) {
      const part = got[k];
      if (typeof part !== 'string') throw notSynced(p);
      text += part;
    }
    const stored = fromBase64(text);
    if (!stored) throw notSynced(p);
    if ((await sha256Hex(stored)) !== entry.sha256) throw notSynced(p);
    let body: Uint8Array;
    try {
      body = await gunzip(stored);
    } catch {
      throw new RemoteError('garbage', `"${p}" in the browser's sync storage is damaged (cannot be decompressed).`);
    }
    if (body.length !== entry.size)
      throw new RemoteError('garbage', `"${p}" in the browser's sync storage is damaged (wrong size).`);
    return body;
  }

  /** Chunk keys of `path` (by their path tag) that no index item names: leftovers of stopped writes. */
  function orphansOf(all: Record<string, unknown>, tag: string): string[] {
    const named = new Set<string>();
    for (const [key, value] of Object.entries(all)) {
      if (!key.startsWith(INDEX_PREFIX)) continue;
      const entry = parseIndex(value);
      if (entry) named.add(entry.id);
    }
    return Object.keys(all).filter((key) => {
      const m = CHUNK_KEY.exec(key);
      return m !== null && m[1]!.startsWith(tag) && !named.has(m[1]!);
    });
  }

  async function put(path: string, body: Uint8Array): Promise<void> {
    const p = norm(path);
    const indexKey = INDEX_PREFIX + p;
    const tag = await pathTag(p);
    const stored = await gzip(body);
    const text = toBase64(stored);
    const sha = await sha256Hex(stored);

    const all = await call(() => area.get(null));
    const old = parseIndex(all[indexKey]);
    const oldKeys = old ? Object.keys(all).filter((k) => CHUNK_KEY.exec(k)?.[1] === old.id) : [];
    const orphans = orphansOf(all, tag);

    // The same bytes, fully present: nothing to write (a retried or repeated upload).
    if (
      old &&
      old.sha256 === sha &&
      old.size === body.length &&
      chunkKeys(old).every((k) => typeof all[k] === 'string') &&
      chunkKeys(old)
        .map((k) => all[k])
        .join('') === text
    ) {
      if (orphans.length > 0) await call(() => area.remove(orphans)).catch(() => undefined);
      return;
    }

    let id = tag + randomToken();
    while (id === old?.id || Object.keys(all).some((k) => CHUNK_KEY.exec(k)?.[1] === id)) id = tag + randomToken();
    const chunks: Record<string, string> = {};
    const count = Math.max(1, Math.ceil(text.length / CHUNK_CHARS));
    for (let n = 0; n < count; n++) chunks[chunkKey(id, n)] = text.slice(n * CHUNK_CHARS, (n + 1) * CHUNK_CHARS);
    const index: IndexEntry = { id, chunks: count, size: body.length, sha256: sha, modified: now() };

    // The peak: old and new chunks both present, orphans gone, the index item replaced.
    const used = await bytesInUse(area, all);
    const peakBytes =
      used -
      sumBytes(all, orphans) +
      sumBytes(chunks) +
      itemBytes(indexKey, index) -
      sumBytes(all, old ? [indexKey] : []);
    const peakItems = Object.keys(all).length - orphans.length + count + (indexKey in all ? 0 : 1);
    const largest = Math.max(itemBytes(indexKey, index), ...Object.entries(chunks).map(([k, v]) => itemBytes(k, v)));
    if (largest > QUOTA_BYTES_PER_ITEM)
      throw new RemoteError(
        'quota',
        `The path "${p}" is too long for the browser's sync storage (${formatNumber(QUOTA_BYTES_PER_ITEM)} bytes per item; it needs ${formatNumber(largest)}). Nothing was written.`,
      );
    if (peakBytes > QUOTA_BYTES)
      throw new RemoteError(
        'quota',
        `Your store has outgrown the browser's sync storage (${formatNumber(QUOTA_BYTES)} bytes; this sync needs ${formatNumber(peakBytes)}). Nothing was written. Use a WebDAV server for a store this size.`,
      );
    if (peakItems > MAX_ITEMS)
      throw new RemoteError(
        'quota',
        `Your store has outgrown the browser's sync storage (${formatNumber(MAX_ITEMS)} items; this sync needs ${formatNumber(peakItems)}). Nothing was written. Use a WebDAV server for a store this size.`,
      );

    if (orphans.length > 0) await call(() => area.remove(orphans));
    await call(() => area.set(chunks));
    try {
      await call(() => area.set({ [indexKey]: index }));
    } catch (e) {
      // Leave nothing behind (best effort; a later write of this path collects what stays).
      await call(() => area.remove(Object.keys(chunks))).catch(() => undefined);
      throw e;
    }
    // The file is written; old chunks that cannot be removed now are collected by the next write.
    if (oldKeys.length > 0) await call(() => area.remove(oldKeys)).catch(() => undefined);
  }

  async function remove(path: string): Promise<void> {
    const p = norm(path);
    const indexKey = INDEX_PREFIX + p;
    const all = await call(() => area.get(null));
    const old = parseIndex(all[indexKey]);
    const keys = [
      ...(indexKey in all ? [indexKey] : []),
      ...orphansOf(all, await pathTag(p)),
      ...(old ? Object.keys(all).filter((k) => CHUNK_KEY.exec(k)?.[1] === old.id) : []),
    ];
    if (keys.length > 0) await call(() => area.remove([...new Set(keys)]));
  }

  return {
    list: (dir) => serialized(area, () => list(dir)),
    get: (path) => serialized(area, () => get(path)),
    put: (path, body) => serialized(area, () => put(path, body)),
    delete: (path) => serialized(area, () => remove(path)),
    ensureDir: async () => {
      // Folders are implicit: they exist while a file is in them.
    },
  };
}
