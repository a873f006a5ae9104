/**
 * The remote layout and the push/pull engine of sync (see README.md, "Remote layout and protocol").
 *
 * Every device writes only its own folder on the user's server: immutable, content-addressed shard
 * files holding its whole merged view (split into 16 buckets by a hash of the record key), and one
 * small `head.json` naming the current shards. A push uploads the shards that changed, reads each one
 * back to verify it, then replaces the head and deletes the shards it no longer names. A pull reads
 * the other devices' heads and merges (`mergeMaps` semantics) the shards it has not merged yet. No
 * locks, no If-Match: a device never writes a file another device writes, so nothing can be
 * clobbered, and because the merge is a join, reading a stale, partial or duplicated picture of the
 * other devices never loses anything.
 *
 * Files read from the server are hostile input: every shard is checked against the SHA-256 its
 * head names, decoded by the codec (decryption), checked against its content address, parsed and
 * validated record by record. What fails is reported and skipped; the rest still merges.
 *
 * `syncOnce` is the one entry point for the background: pull, guard, save locally, push. Each step
 * is short and leaves the remote and the local state valid, so a service worker stopped anywhere
 * simply resumes at the next call.
 */
import type { Hlc } from '../hlc';
import { maxStamp, merge, stableJson, validate, view, type SyncRecord } from './merge';
import { valuesProblem } from './values';
import { RemoteError, type Remote, type RemoteEntry } from './remote';
import { fromBase64, sha256Hex, toBase64 } from './bytes';
import type { UserFacingError } from '../result';

export { sha256Hex };

// ---- constants and layout -----------------------------------------------------------------------

export const REMOTE_FORMAT = 'backstory-remote';
export const HEAD_FORMAT = 'backstory-head';
export const REMOTE_VERSION = 1;
/** Buckets per device view. Fixed forever for format v1 (recorded in store.json). */
export const BUCKETS = 16;
/** The folder, under the user's sync folder, that holds every store. */
export const ROOT = 'backstory';

/** Store and device ids name folders on the server: kept to characters every server accepts. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** Record types name the first part of a record key (`type:id`), so they cannot contain `:`. */
const TYPE = /^[a-z][a-z0-9-]{0,31}$/;

/** Paths of a store's files, relative to the user's sync folder (what `Remote` takes). */
export const layout = {
  store: (storeId: string) => `${ROOT}/${storeId}`,
  storeFile: (storeId: string) => `${ROOT}/${storeId}/store.json`,
  devices: (storeId: string) => `${ROOT}/${storeId}/devices`,
  device: (storeId: string, device: string) => `${ROOT}/${storeId}/devices/${device}`,
  head: (storeId: string, device: string) => `${ROOT}/${storeId}/${headName(device)}`,
  shards: (storeId: string, device: string) => `${ROOT}/${storeId}/devices/${device}/shards`,
  shard: (storeId: string, device: string, name: string) => `${ROOT}/${storeId}/${shardName(device, name)}`,
};

/** A head's path relative to the store folder: what the codec authenticates (moving the folder is fine). */
const headName = (device: string) => `devices/${device}/head.json`;
/** A shard's path relative to the store folder (codec metadata). */
const shardName = (device: string, name: string) => `devices/${device}/shards/${name}.bin`;

// ---- codec --------------------------------------------------------------------------------------

/** Where a file belongs: authenticated by an encrypting codec (AES-GCM additional data). */
export interface CodecMeta {
  store: string;
  device: string;
  /** Relative to the store folder: `devices/<device>/head.json` or `devices/<device>/shards/<name>.bin`. */
  path: string;
  /** The head's generation for a head; always 0 for shards (their name, hence path, is generation-free). */
  generation: number;
}

/** What files go through on their way to and from the server: encryption, or nothing. */
export interface Codec {
  encode(plain: Uint8Array, meta: CodecMeta): Promise<Uint8Array>;
  /** Throws on a corrupt file, a wrong key or a file that does not belong at `meta`. */
  decode(bytes: Uint8Array, meta: CodecMeta): Promise<Uint8Array>;
  readonly encrypted: boolean;
}

/** No encryption: files are stored as they are. */
export const plainCodec: Codec = {
  encrypted: false,
  encode: async (plain) => plain,
  decode: async (bytes) => bytes,
};

// ---- file formats -------------------------------------------------------------------------------

export type SyncMap = Map<string, SyncRecord<object>>;

/** `store.json`: plain JSON, created once by the first device, so joining devices know the mode. */
export interface StoreInfo {
  format: typeof REMOTE_FORMAT;
  v: typeof REMOTE_VERSION;
  storeId: string;
  encrypted: boolean;
  buckets: number;
  /** ISO time of creation. */
  created: string;
}

export interface HeadShard {
  bucket: number;
  /** SHA-256 (hex) of the shard's plaintext: its content address and file name. */
  name: string;
  /** SHA-256 (hex) of the bytes stored on the server (after the codec): what a reader verifies. */
  sha256: string;
  records: number;
}

/** A device's `head.json` (the plaintext; see `encodeHead` for the file around it). */
export interface Head {
  v: 1;
  device: string;
  deviceName: string;
  /** 1 for the first push, +1 per push. */
  generation: number;
  /** The non-empty buckets, by bucket. An empty view has no shards. */
  shards: HeadShard[];
  /** ISO time of the push. */
  updated: string;
  /** The highest stamp in the view (null when empty). */
  clock: Hlc | null;
}

/** What the UI shows about files it skipped. `kind` is the codec's error kind when it has one. */
export interface Rejection {
  device: string;
  file: string;
  reason: string;
  kind?: string;
}

export interface PullReport {
  /** Other devices whose head was read and accepted. */
  devicesSeen: number;
  shardsFetched: number;
  rejected: Rejection[];
}

/** Problems of the protocol itself (not of one other device's file, which is reported instead). */
export type SyncErrorKind = 'bad-id' | 'encryption-mismatch' | 'store-corrupt' | 'store-unsupported' | 'verify-failed';

export class SyncError extends Error implements UserFacingError {
  override readonly name = 'SyncError';
  /** Its message is written for the user (see `toAppError`). */
  readonly userFacing = true;
  constructor(
    readonly kind: SyncErrorKind,
    message: string,
  ) {
    super(message);
  }
}

// ---- small helpers ------------------------------------------------------------------------------

const encoder = new TextEncoder();
const utf8 = (text: string): Uint8Array => encoder.encode(text);
/** Strict UTF-8: a damaged file throws instead of decoding to replacement characters. */
const fromUtf8 = (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
const own = (o: Record<string, unknown>, key: string): unknown =>
  Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** The codec's error kind (CryptoError.kind), when it has one. */
const kindOf = (e: unknown): string | undefined => {
  const kind = isObject(e) ? e.kind : undefined;
  return typeof kind === 'string' ? kind : undefined;
};

/** A reason to skip a file read from another device (caught and reported, never thrown out of a sync). */
class Rejected extends Error {
  constructor(
    reason: string,
    readonly kind?: string,
  ) {
    super(reason);
  }
}

/** The record key: type and id (ids may repeat across types). */
export const keyOf = (rec: { type: string; id: string }) => `${rec.type}:${rec.id}`;

/**
 * The bucket of a record key: FNV-1a (32 bits) of its UTF-8 bytes, mixed by murmur3's fmix32, modulo
 * BUCKETS. Part of the
 * format: never change it (every device must bucket alike, or nothing is ever "unchanged").
 */
export function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (const b of utf8(key)) h = Math.imul(h ^ b, 0x01000193);
  // FNV's low bits depend only on the bytes' low bits: finish with murmur3's avalanche (fmix32).
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % BUCKETS;
}

function checkId(what: string, id: string): void {
  if (!ID.test(id))
    throw new SyncError('bad-id', `The ${what} "${id}" cannot name a folder (letters, digits, - and _; 1-64).`);
}

/** `list`, or null for a missing folder. */
async function listOrNull(remote: Remote, dir: string): Promise<RemoteEntry[] | null> {
  try {
    return await remote.list(dir);
  } catch (e) {
    if (e instanceof RemoteError && e.kind === 'not-found') return null;
    throw e;
  }
}

/**
 * What identifies a version of a file in a listing, to notice that one of our files changed without
 * reading it. ETags lose `W/` (Apache makes them weak for a second after a write); with neither ETag
 * nor date only the size is left (cheap checks can then miss a same-size change: see `verifyAll`).
 */
function fingerprint(e: RemoteEntry): string {
  return `${e.size ?? ''}|${e.etag?.replace(/^W\//, '') ?? ''}|${e.modified ?? ''}`;
}

// ---- shards -------------------------------------------------------------------------------------

/** One bucket of a view, ready to store. */
export interface Shard {
  bucket: number;
  name: string;
  plain: Uint8Array;
  records: number;
}

/**
 * A view split into shards: canonical JSON (`{ v, bucket, records: { key: record } }`, keys sorted)
 * per non-empty bucket, named by its SHA-256. Equal contents give equal names on every device and
 * every push, so an unchanged bucket is never uploaded again.
 */
export async function buildShards(map: ReadonlyMap<string, SyncRecord<object>>): Promise<Shard[]> {
  const buckets: Map<string, SyncRecord<object>>[] = Array.from({ length: BUCKETS }, () => new Map());
  for (const [key, rec] of map) {
    if (key !== keyOf(rec)) throw new TypeError(`The local view must be keyed by type:id (keyOf), not ${key}.`);
    buckets[bucketOf(key)]!.set(key, rec);
  }
  const shards: Shard[] = [];
  for (const [bucket, records] of buckets.entries()) {
    if (records.size === 0) continue;
    const plain = utf8(stableJson({ v: REMOTE_VERSION, bucket, records: Object.fromEntries(records) }));
    shards.push({ bucket, name: await sha256Hex(plain), plain, records: records.size });
  }
  return shards;
}

/** Why a record read from another device (or a backup file: no bucket) cannot be merged, or null when it can. */
export function recordProblem(key: string, rec: unknown, bucket?: number): string | null {
  if (!isObject(rec)) return 'not an object';
  const { id, type, fields, ctx, deleted } = rec;
  if (typeof id !== 'string' || id === '') return 'no id';
  if (typeof type !== 'string' || !TYPE.test(type)) return 'bad type';
  if (key !== keyOf({ type, id })) return `filed under ${JSON.stringify(key)}, but is ${type} ${id}`;
  if (bucket !== undefined && bucketOf(key) !== bucket) return 'in the wrong bucket';
  if (!isObject(fields) || !isObject(ctx) || !Array.isArray(deleted)) return 'not a record (fields, ctx, deleted)';
  const registers = [...Object.values(fields), deleted];
  if (registers.some((reg) => !Array.isArray(reg) || reg.some((e) => !isObject(e) || !('value' in e))))
    return 'a register entry without a value';
  let errors: string[];
  try {
    errors = validate(rec as unknown as SyncRecord<object>);
  } catch (e) {
    errors = [message(e)];
  }
  return errors.length > 0 ? errors.slice(0, 3).join('; ') : valuesProblem({ type, fields });
}

// ---- heads --------------------------------------------------------------------------------------

/**
 * The bytes of `head.json`: a small plain JSON frame around the codec's output, because the reader
 * needs the generation (authenticated by an encrypting codec) before it can decode. The frame's
 * SHA-256 of the body catches damage before decoding, encrypted or not.
 */
async function encodeHead(head: Head, storeId: string, codec: Codec): Promise<Uint8Array> {
  const meta = { store: storeId, device: head.device, path: headName(head.device), generation: head.generation };
  const body = await codec.encode(utf8(stableJson(head)), meta);
  const frame = { format: HEAD_FORMAT, v: REMOTE_VERSION, generation: head.generation, sha256: await sha256Hex(body) };
  return utf8(stableJson({ ...frame, body: toBase64(body) }));
}

/** A head file read from the server, checked to belong to `device`; throws `Rejected`. */
export async function decodeHead(bytes: Uint8Array, device: string, storeId: string, codec: Codec): Promise<Head> {
  let frame: unknown;
  try {
    frame = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new Rejected('damaged: not a head file');
  }
  if (!isObject(frame) || own(frame, 'format') !== HEAD_FORMAT) throw new Rejected('damaged: not a head file');
  if (own(frame, 'v') !== REMOTE_VERSION)
    throw new Rejected(`written by a newer version of Backstory (head format ${String(own(frame, 'v'))})`);
  const generation = own(frame, 'generation');
  const sha = own(frame, 'sha256');
  const text = own(frame, 'body');
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 1)
    throw new Rejected('damaged: bad generation');
  const body = typeof text === 'string' ? fromBase64(text) : undefined;
  if (!body || typeof sha !== 'string' || (await sha256Hex(body)) !== sha) throw new Rejected('damaged (checksum)');
  let plain: Uint8Array;
  try {
    plain = await codec.decode(body, { store: storeId, device, path: headName(device), generation });
  } catch (e) {
    throw new Rejected(`cannot be decoded: ${message(e)}`, kindOf(e));
  }
  let head: unknown;
  try {
    head = JSON.parse(fromUtf8(plain));
  } catch {
    throw new Rejected('damaged: the decoded head is not JSON');
  }
  const problem = headProblem(head, device, generation);
  if (problem) throw new Rejected(`not a valid head: ${problem}`);
  return head as Head;
}

function headProblem(head: unknown, device: string, generation: number): string | null {
  if (!isObject(head) || head.v !== 1) return 'not a v1 head';
  if (head.device !== device) return `names device ${JSON.stringify(head.device)}`;
  if (head.generation !== generation) return 'generation differs from its frame';
  if (typeof head.deviceName !== 'string' || typeof head.updated !== 'string') return 'no device name or date';
  if (head.clock !== null && typeof head.clock !== 'string') return 'bad clock';
  if (!Array.isArray(head.shards)) return 'no shard list';
  const buckets = new Set<number>();
  for (const s of head.shards as unknown[]) {
    if (!isObject(s)) return 'bad shard entry';
    const { bucket, name, sha256, records } = s;
    if (typeof bucket !== 'number' || !Number.isInteger(bucket) || bucket < 0 || bucket >= BUCKETS) return 'bad bucket';
    if (buckets.has(bucket)) return 'a bucket twice';
    buckets.add(bucket);
    if (typeof name !== 'string' || !HEX64.test(name) || typeof sha256 !== 'string' || !HEX64.test(sha256))
      return 'bad shard name or hash';
    if (typeof records !== 'number' || !Number.isSafeInteger(records) || records < 1) return 'bad record count';
  }
  return null;
}

// ---- state --------------------------------------------------------------------------------------

/** A file of ours on the server as we last verified it. */
export interface OwnFile {
  /** SHA-256 of the bytes we stored. */
  sha256: string;
  /** Its `fingerprint` in a listing, once seen; a different one means: read it again and check. */
  fingerprint?: string;
}

/**
 * What sync remembers between runs, per remote folder and store (persist it in `storage.local`; a
 * few kilobytes). Losing it costs downloads and uploads, never data.
 */
export interface SyncState {
  v: 1;
  /** The store.json seen last: repairs a damaged one, recreates a wiped one. */
  store?: StoreInfo;
  /** The head this device last pushed (what its view on the server holds). */
  lastPushedHead?: Head;
  /**
   * The shard names of the local view as it was at a local revision: an idle sync (nothing pulled,
   * nothing saved, the revision unchanged) compares these with its head instead of serializing and
   * hashing the whole view again.
   */
  index?: { revision: number; shards: { bucket: number; name: string }[] };
  /** Our own files (`head.json`, `shards/<name>.bin`) as last verified. */
  files?: Record<string, OwnFile>;
  /**
   * Per other device, the names (plaintext SHA-256) of its current shards whose content is merged
   * into the local view. Content-addressed, so a name merged from any device is merged for all.
   */
  merged: Record<string, string[]>;
}

export const emptyState = (): SyncState => ({ v: 1, merged: {} });

/**
 * The state with everything about our own files forgotten: the next sync checks and re-uploads
 * them. Use when the encryption key is reset (files must be re-encrypted).
 */
export function forgetOwnFiles(state: SyncState): SyncState {
  const { lastPushedHead: _h, files: _f, ...rest } = state;
  return rest;
}

function normalizeState(s: SyncState | null | undefined): SyncState {
  if (!s || s.v !== 1 || !isObject(s.merged)) return emptyState();
  return s;
}

// ---- the environment ----------------------------------------------------------------------------

export interface LocalStore {
  /** The local view, keyed `type:id` (see `keyOf`). */
  load(): Promise<Map<string, SyncRecord<object>>>;
  /**
   * Replaces the local view by `next` unless the local revision is no longer `expectedRevision`
   * (then returns false and writes nothing): compare and write in one transaction. `changed` holds
   * the records that differ from what `load` gave (all the store needs to write).
   */
  save(
    next: Map<string, SyncRecord<object>>,
    expectedRevision: number,
    changed: ReadonlyMap<string, SyncRecord<object>>,
  ): Promise<boolean>;
  /** Changes with every local change of the view. */
  revision(): Promise<number>;
}

export interface StateStore {
  load(): Promise<SyncState | null>;
  save(state: SyncState): Promise<void>;
}

export interface GuardOptions {
  /** Pause when a sync would delete more than this share of the live records... */
  maxLossRatio: number;
  /** ...and more than this many. */
  minLoss: number;
}

export const DEFAULT_GUARD: GuardOptions = { maxLossRatio: 0.2, minLoss: 10 };

/** Where a sync can be interrupted (tests throw here to play a stopped service worker). */
export type SyncPoint =
  | 'store-checked'
  | 'pulled'
  | 'saved'
  | 'state-saved'
  | 'shard-uploaded'
  | 'shards-uploaded'
  | 'head-written'
  | 'pushed'
  | 'collected';

export interface SyncEnv {
  remote: Remote;
  codec: Codec;
  storeId: string;
  deviceId: string;
  /** Shown to other devices ("which side loses what"). */
  deviceName: string;
  local: LocalStore;
  state: StateStore;
  guard?: Partial<GuardOptions>;
  /** The user accepted the losses a paused sync reported: merge anyway. */
  allowLoss?: boolean;
  /**
   * Read back every file of ours instead of trusting listings (catches same-size damage on servers
   * without ETags). Costs one download of this device's view; for a daily check.
   */
  verifyAll?: boolean;
  now?: () => number;
  /** Test hook, called at each `SyncPoint`. */
  at?: (point: SyncPoint) => void | Promise<void>;
}

export interface Lossy {
  /** Records live locally that the merge would delete. */
  count: number;
  /** Live records before the merge, and the limit that was exceeded. */
  live: number;
  limit: number;
  /** Per device whose view deletes them: its name and how many. */
  byDevice: Record<string, { name: string; count: number }>;
  /** The first few keys, for the UI: `name` is the record's name, title or note text when it has one. */
  examples: { key: string; type: string; id: string; name?: string; by: string[] }[];
}

export type SyncResult =
  | {
      status: 'ok';
      /** Records changed locally by the merge. */
      pulled: number;
      pushed: { generation: number; uploaded: number } | null;
      /** Our own files deleted (replaced shards, leftovers of interrupted pushes). */
      collected: number;
      report: PullReport;
      /** The highest stamp merged: feed it to the local clock (`HybridClock.receive`). */
      clock?: Hlc;
    }
  | { status: 'paused'; lossy: Lossy; report: PullReport }
  /** The local view kept changing during the merge: nothing saved or pushed; try again soon. */
  | { status: 'busy'; report: PullReport };

/** How often the merge is redone on a local view that changed meanwhile before giving up (busy). */
const SAVE_ATTEMPTS = 5;

// ---- store.json ---------------------------------------------------------------------------------

function parseStoreInfo(bytes: Uint8Array, storeId: string): StoreInfo | 'unsupported' | null {
  let info: unknown;
  try {
    info = JSON.parse(fromUtf8(bytes));
  } catch {
    return null;
  }
  if (!isObject(info) || info.format !== REMOTE_FORMAT || info.storeId !== storeId) return null;
  if (typeof info.v === 'number' && info.v > REMOTE_VERSION) return 'unsupported';
  if (info.v !== REMOTE_VERSION || info.buckets !== BUCKETS) return null;
  if (typeof info.encrypted !== 'boolean' || typeof info.created !== 'string') return null;
  return info as unknown as StoreInfo;
}

const storeBytes = (info: StoreInfo) => utf8(`${JSON.stringify(info, null, 2)}\n`);

/**
 * Reads store.json, creating it (first device, or after a wipe) or repairing it from the copy in
 * the state. Refuses a codec whose mode differs from the store's: an encrypted store must never get
 * plaintext files, and a plaintext store's devices could not read encrypted ones.
 */
async function ensureStore(env: SyncEnv, state: SyncState, now: number): Promise<StoreInfo> {
  const { remote, storeId, codec } = env;
  const path = layout.storeFile(storeId);
  const bytes = await remote.get(path);
  let info = bytes ? parseStoreInfo(bytes, storeId) : null;
  if (info === 'unsupported')
    throw new SyncError('store-unsupported', 'This store was written by a newer version of Backstory: update it.');
  if (!info) {
    if (bytes && !state.store)
      throw new SyncError(
        'store-corrupt',
        `The store's description on the server (${path}) is damaged, and this device has no copy of it to repair it. ` +
          'Sync again from a device that synced before, or start a new store.',
      );
    info = state.store ?? {
      format: REMOTE_FORMAT,
      v: REMOTE_VERSION,
      storeId,
      encrypted: codec.encrypted,
      buckets: BUCKETS,
      created: new Date(now).toISOString(),
    };
    if (info.encrypted !== codec.encrypted) throw mismatch(info);
    await remote.ensureDir(layout.store(storeId));
    await remote.put(path, storeBytes(info));
  }
  if (info.encrypted !== codec.encrypted) throw mismatch(info);
  return info;
}

const mismatch = (info: StoreInfo) =>
  new SyncError(
    'encryption-mismatch',
    info.encrypted
      ? 'This store is encrypted: enter its passphrase to sync. Nothing was uploaded.'
      : 'This store is not encrypted, but this device would encrypt: turn encryption off, or start a new encrypted store.',
  );

// ---- our own folder -----------------------------------------------------------------------------

interface OwnStatus {
  /** Our current head: the one we last pushed, or a newer one of ours found on the server. */
  head: Head | undefined;
  /** The head file on the server is that head, intact. */
  headOk: boolean;
  /** Shard names of that head whose files are intact, with the SHA-256 of their bytes. */
  good: Map<string, string>;
  /** Shard file names (`<name>.bin`) in the listing; null when the folder is missing. */
  listed: Set<string> | null;
  /** Shard file names of that head found damaged. */
  bad: Set<string>;
  /** Our device folder exists. */
  folder: boolean;
  files: Record<string, OwnFile>;
}

/**
 * Checks our own files cheaply: two listings; a file is read back only when its listing entry is
 * not the one recorded. Adopts a head of ours newer than the state knows (a push whose state was
 * not saved: the process stopped right after writing the head).
 */
async function checkOwn(env: SyncEnv, state: SyncState): Promise<OwnStatus> {
  const { remote, storeId, deviceId: me, codec } = env;
  const entries = await listOrNull(remote, layout.device(storeId, me));
  const shardEntries = entries ? await listOrNull(remote, layout.shards(storeId, me)) : null;
  let head = state.lastPushedHead;
  let files: Record<string, OwnFile> = { ...state.files };
  let headOk = false;

  const headEntry = entries?.find((e) => e.name === 'head.json' && !e.isDir);
  if (headEntry) {
    const fp = fingerprint(headEntry);
    if (head && files['head.json']?.fingerprint === fp && !env.verifyAll) headOk = true;
    else {
      const bytes = await remote.get(layout.head(storeId, me));
      const sha = bytes ? await sha256Hex(bytes) : undefined;
      if (head && sha !== undefined && sha === files['head.json']?.sha256) {
        headOk = true;
        files['head.json'] = { sha256: sha, fingerprint: fp };
      } else if (bytes && sha !== undefined) {
        const found = await decodeHead(bytes, me, storeId, codec).catch(() => undefined);
        if (found && found.generation > (head?.generation ?? 0)) {
          head = found;
          headOk = true;
          files = { 'head.json': { sha256: sha, fingerprint: fp } };
          for (const s of found.shards) files[`shards/${s.name}.bin`] = { sha256: s.sha256 };
        }
      }
    }
  }

  const listed = new Map((shardEntries ?? []).filter((e) => !e.isDir).map((e) => [e.name, e]));
  const good = new Map<string, string>();
  const bad = new Set<string>();
  for (const s of head?.shards ?? []) {
    const file = `${s.name}.bin`;
    const entry = listed.get(file);
    if (!entry) continue;
    const rec = files[`shards/${file}`];
    const fp = fingerprint(entry);
    if (rec?.sha256 === s.sha256 && rec.fingerprint === fp && !env.verifyAll) {
      good.set(s.name, s.sha256);
      continue;
    }
    const bytes = await remote.get(layout.shard(storeId, me, s.name));
    if (bytes && (await sha256Hex(bytes)) === s.sha256) {
      good.set(s.name, s.sha256);
      files[`shards/${file}`] = { sha256: s.sha256, fingerprint: fp };
    } else bad.add(file);
  }
  return {
    head,
    headOk,
    good,
    listed: shardEntries ? new Set(listed.keys()) : null,
    bad,
    folder: entries !== null,
    files,
  };
}

// ---- pull ---------------------------------------------------------------------------------------

export interface PullResult {
  /** Every record read from other devices' new shards, merged together (keyed `type:id`). */
  incoming: Map<string, SyncRecord<object>>;
  /** Per key, the devices whose copy is deleted (for the guard's report). */
  deletedBy: Map<string, Set<string>>;
  /** The shard names to remember as merged once `incoming` is saved (`SyncState.merged`). */
  merged: Record<string, string[]>;
  /** Device id -> name, from the heads read. */
  names: Record<string, string>;
  report: PullReport;
}

export interface PullContext {
  remote: Remote;
  codec: Codec;
  storeId: string;
  deviceId: string;
}

/**
 * Reads the other devices' heads and the shards not merged yet (`known`: names whose content the
 * local view already holds; `previous`: `SyncState.merged`, kept for devices whose head cannot be
 * read now). Damaged, undecodable or invalid files and records are reported and skipped, never
 * fatal; a RemoteError ends the pull (nothing is applied: the caller merges the result).
 */
export async function pull(
  ctx: PullContext,
  known: ReadonlySet<string> = new Set(),
  previous: Record<string, string[]> = {},
): Promise<PullResult> {
  const { remote, codec, storeId, deviceId: me } = ctx;
  const report: PullReport = { devicesSeen: 0, shardsFetched: 0, rejected: [] };
  const incoming = new Map<string, SyncRecord<object>>();
  const deletedBy = new Map<string, Set<string>>();
  const merged: Record<string, string[]> = {};
  const names: Record<string, string> = {};
  const fetched = new Set<string>();

  const devices = ((await listOrNull(remote, layout.devices(storeId))) ?? [])
    .filter((e) => e.isDir && e.name !== me && ID.test(e.name))
    .map((e) => e.name)
    .sort();
  for (const device of devices) {
    const reject = (file: string, e: unknown) => {
      const kind = kindOf(e);
      report.rejected.push({ device, file, reason: message(e), ...(kind ? { kind } : {}) });
    };
    const bytes = await remote.get(layout.head(storeId, device));
    if (!bytes) continue; // a folder whose first push has not written its head (yet)
    let head: Head;
    try {
      head = await decodeHead(bytes, device, storeId, codec);
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      reject('head.json', e);
      if (previous[device]) merged[device] = previous[device]!;
      continue;
    }
    report.devicesSeen++;
    names[device] = head.deviceName;
    const done: string[] = [];
    for (const shard of head.shards) {
      if (known.has(shard.name) || fetched.has(shard.name)) {
        done.push(shard.name);
        continue;
      }
      const file = `shards/${shard.name}.bin`;
      let read: { records: Map<string, SyncRecord<object>>; problems: string[] };
      try {
        read = await readShard(ctx, device, shard);
      } catch (e) {
        if (!(e instanceof Rejected)) throw e;
        reject(file, e);
        continue;
      }
      for (const problem of read.problems) reject(file, new Rejected(problem));
      for (const [key, rec] of read.records) {
        const prev = incoming.get(key);
        incoming.set(key, prev ? merge(prev, rec) : rec);
        if (view(rec).deleted) deletedBy.set(key, (deletedBy.get(key) ?? new Set()).add(device));
      }
      report.shardsFetched++;
      fetched.add(shard.name);
      done.push(shard.name);
    }
    merged[device] = done;
  }
  return { incoming, deletedBy, merged, names, report };
}

/**
 * One shard of another device, verified (hash of the bytes against the head, codec, hash of the
 * plaintext against the name), parsed and validated. Throws `Rejected` for the whole shard; single
 * bad records come back as `problems` (the others merge).
 */
async function readShard(
  ctx: PullContext,
  device: string,
  shard: HeadShard,
): Promise<{ records: Map<string, SyncRecord<object>>; problems: string[] }> {
  const { remote, codec, storeId } = ctx;
  const bytes = await remote.get(layout.shard(storeId, device, shard.name));
  if (!bytes) throw new Rejected('missing (the device may have pushed again since; read next time)');
  if ((await sha256Hex(bytes)) !== shard.sha256) throw new Rejected('damaged or incomplete (checksum)');
  let plain: Uint8Array;
  try {
    plain = await codec.decode(bytes, { store: storeId, device, path: shardName(device, shard.name), generation: 0 });
  } catch (e) {
    throw new Rejected(`cannot be decoded: ${message(e)}`, kindOf(e));
  }
  if ((await sha256Hex(plain)) !== shard.name) throw new Rejected('content does not match its name');
  let body: unknown;
  try {
    body = JSON.parse(fromUtf8(plain));
  } catch {
    throw new Rejected('not JSON');
  }
  if (!isObject(body) || body.v !== REMOTE_VERSION || body.bucket !== shard.bucket || !isObject(body.records))
    throw new Rejected('not a shard of this bucket');
  const entries = Object.entries(body.records);
  if (entries.length !== shard.records) throw new Rejected('record count differs from the head');
  const records = new Map<string, SyncRecord<object>>();
  const problems: string[] = [];
  for (const [key, rec] of entries) {
    const problem = recordProblem(key, rec, shard.bucket);
    if (problem) problems.push(`record ${JSON.stringify(key)}: ${problem}`);
    else records.set(key, rec as unknown as SyncRecord<object>);
  }
  return { records, problems };
}

// ---- merge and guard ----------------------------------------------------------------------------

interface Applied {
  merged: Map<string, SyncRecord<object>>;
  changed: Map<string, SyncRecord<object>>;
  /** Keys live locally that the merge deletes. */
  lost: string[];
  /** Live records before the merge (counted only when something is lost). */
  live: number;
}

/** The local view joined with what was pulled (`mergeMaps` semantics), and what that changes. */
function apply(
  local: ReadonlyMap<string, SyncRecord<object>>,
  incoming: ReadonlyMap<string, SyncRecord<object>>,
): Applied {
  const merged = new Map(local);
  const changed = new Map<string, SyncRecord<object>>();
  const lost: string[] = [];
  for (const [key, inc] of incoming) {
    const before = local.get(key);
    const after = before ? merge(before, inc) : inc;
    if (before && stableJson(after) === stableJson(before)) continue;
    merged.set(key, after);
    changed.set(key, after);
    if (before && !view(before).deleted && view(after).deleted) lost.push(key);
  }
  let live = 0;
  if (lost.length > 0) for (const rec of local.values()) if (!view(rec).deleted) live++;
  return { merged, changed, lost, live };
}

function lossReport(
  applied: Applied,
  limit: number,
  deletedBy: ReadonlyMap<string, ReadonlySet<string>>,
  names: Record<string, string>,
): Lossy {
  const byDevice: Lossy['byDevice'] = {};
  for (const key of applied.lost)
    for (const device of deletedBy.get(key) ?? [])
      (byDevice[device] ??= { name: names[device] ?? device, count: 0 }).count++;
  const examples = [...applied.lost]
    .sort()
    .slice(0, 5)
    .map((key) => {
      const rec = applied.merged.get(key)!;
      const values = view(rec).values as { name?: unknown; title?: unknown; text?: unknown };
      const name = [values.name, values.title, values.text].find((v) => typeof v === 'string' && v !== '');
      return {
        key,
        type: rec.type,
        id: rec.id,
        ...(typeof name === 'string' ? { name } : {}),
        by: [...(deletedBy.get(key) ?? [])].sort(),
      };
    });
  return { count: applied.lost.length, live: applied.live, limit, byDevice, examples };
}

// ---- push ---------------------------------------------------------------------------------------

/** PUT, then GET and compare; one retry (an aborted or truncated upload), else `verify-failed`. */
async function putVerified(remote: Remote, path: string, bytes: Uint8Array, sha: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    await remote.put(path, bytes);
    const back = await remote.get(path);
    if (back && (await sha256Hex(back)) === sha) return;
  }
  throw new SyncError(
    'verify-failed',
    `The server did not store ${path} correctly (read back twice): sync stopped before changing anything others read.`,
  );
}

interface Pushed {
  head: Head;
  files: Record<string, OwnFile>;
  uploaded: number;
}

/**
 * Uploads the shards that are not intact on the server (verifying each), then the head (generation
 * + 1). A stop before the head leaves the previous head valid; the shards already uploaded are
 * reused or collected next time.
 */
async function pushShards(
  env: SyncEnv,
  shards: Shard[],
  own: OwnStatus,
  clock: Hlc | null,
  now: number,
): Promise<Pushed> {
  const { remote, codec, storeId, deviceId: me } = env;
  const files: Record<string, OwnFile> = {};
  const entries: HeadShard[] = [];
  let uploaded = 0;
  let shardDir = own.listed !== null;
  for (const shard of shards) {
    const file = `${shard.name}.bin`;
    const path = layout.shard(storeId, me, shard.name);
    const meta = { store: storeId, device: me, path: shardName(me, shard.name), generation: 0 };
    let sha = own.good.get(shard.name);
    if (sha !== undefined) files[`shards/${file}`] = own.files[`shards/${file}`] ?? { sha256: sha };
    else if (own.listed?.has(file) && !own.bad.has(file)) {
      // On the server but not in our head: left by a push that stopped before its head. Reuse it if intact.
      const bytes = await remote.get(path);
      const plain = bytes ? await codec.decode(bytes, meta).catch(() => undefined) : undefined;
      if (bytes && plain && (await sha256Hex(plain)) === shard.name) sha = await sha256Hex(bytes);
    }
    if (sha === undefined) {
      if (!shardDir) await remote.ensureDir(layout.shards(storeId, me));
      shardDir = true;
      const bytes = await codec.encode(shard.plain, meta);
      sha = await sha256Hex(bytes);
      await putVerified(remote, path, bytes, sha);
      uploaded++;
      await env.at?.('shard-uploaded');
    }
    files[`shards/${file}`] ??= { sha256: sha };
    entries.push({ bucket: shard.bucket, name: shard.name, sha256: sha, records: shard.records });
  }
  await env.at?.('shards-uploaded');

  const head: Head = {
    v: 1,
    device: me,
    deviceName: env.deviceName,
    generation: (own.head?.generation ?? 0) + 1,
    shards: entries,
    updated: new Date(now).toISOString(),
    clock,
  };
  const bytes = await encodeHead(head, storeId, codec);
  const sha = await sha256Hex(bytes);
  if (!own.folder && !shardDir) await remote.ensureDir(layout.device(storeId, me));
  await putVerified(remote, layout.head(storeId, me), bytes, sha);
  files['head.json'] = { sha256: sha };
  await env.at?.('head-written');
  return { head, files, uploaded };
}

/**
 * Deletes our shard files that our head does not name (replaced ones, leftovers of stopped pushes),
 * best effort: what fails is collected next time. Records the listing fingerprints of new files.
 */
async function collect(env: SyncEnv, head: Head, files: Record<string, OwnFile>): Promise<number> {
  const { remote, storeId, deviceId: me } = env;
  const keep = new Set(head.shards.map((s) => `${s.name}.bin`));
  let deleted = 0;
  try {
    const headEntry = (await listOrNull(remote, layout.device(storeId, me)))?.find(
      (e) => e.name === 'head.json' && !e.isDir,
    );
    const rec = files['head.json'];
    if (headEntry && rec && rec.fingerprint === undefined) rec.fingerprint = fingerprint(headEntry);
    for (const e of (await listOrNull(remote, layout.shards(storeId, me))) ?? []) {
      if (e.isDir) continue;
      const shard = files[`shards/${e.name}`];
      if (keep.has(e.name)) {
        if (shard && shard.fingerprint === undefined) shard.fingerprint = fingerprint(e);
        continue;
      }
      try {
        await remote.delete(`${layout.shards(storeId, me)}/${e.name}`);
        deleted++;
      } catch {
        // Best effort: still listed next time, deleted then.
      }
    }
  } catch {
    // A failed listing: fingerprints are taken and leftovers collected next time.
  }
  return deleted;
}

// ---- syncOnce -----------------------------------------------------------------------------------

/** The highest stamp among records. */
function clockOf(records: Iterable<SyncRecord<object>>): Hlc | undefined {
  let clock: Hlc | undefined;
  for (const rec of records) {
    const m = maxStamp(rec);
    if (m !== undefined && (clock === undefined || m > clock)) clock = m;
  }
  return clock;
}

/**
 * One sync: check store.json and our own files, pull, guard, save locally (redone on a fresh local
 * view if it changed meanwhile), push when our view or our files on the server need it, collect
 * leftovers. An idle sync (nothing new anywhere) writes nothing, locally or remotely.
 *
 * Throws `RemoteError` (the server's answer, with its kind) and `SyncError`; a stop at any point
 * leaves everything valid for the next call. Run one at a time per device.
 */
export async function syncOnce(env: SyncEnv): Promise<SyncResult> {
  const { storeId, deviceId: me } = env;
  checkId('store id', storeId);
  checkId('device id', me);
  const now = (env.now ?? Date.now)();
  const guard = { ...DEFAULT_GUARD, ...env.guard };
  let state = normalizeState(await env.state.load());
  const saveState = async (next: SyncState) => {
    if (stableJson(next) !== stableJson(state)) await env.state.save(next);
    state = next;
  };

  const info = await ensureStore(env, state, now);
  await saveState({ ...state, store: info });
  await env.at?.('store-checked');

  const own = await checkOwn(env, state);
  const known = new Set([...Object.values(state.merged).flat(), ...(own.head?.shards.map((s) => s.name) ?? [])]);
  const pulled = await pull(env, known, state.merged);
  const { report } = pulled;
  await env.at?.('pulled');

  // Merge into the local view; redo on a fresh copy if it changed meanwhile (edits made during a sync).
  let saved: Map<string, SyncRecord<object>> | undefined;
  let changes = 0;
  /** The local revision `saved` was loaded at (when the merge changed nothing). */
  let savedRevision: number | null = null;
  for (let attempt = 0; attempt < SAVE_ATTEMPTS && !saved; attempt++) {
    const revision = await env.local.revision();
    const local = await env.local.load();
    const applied = apply(local, pulled.incoming);
    const limit = Math.max(guard.minLoss, guard.maxLossRatio * applied.live);
    if (applied.lost.length > limit && !env.allowLoss)
      return { status: 'paused', lossy: lossReport(applied, limit, pulled.deletedBy, pulled.names), report };
    if (applied.changed.size === 0) {
      saved = local;
      savedRevision = revision;
    } else if (await env.local.save(applied.merged, revision, applied.changed)) {
      saved = applied.merged;
      changes = applied.changed.size;
    }
  }
  if (!saved) return { status: 'busy', report };
  await env.at?.('saved');

  await saveState({
    ...state,
    merged: pulled.merged,
    files: own.files,
    ...(own.head ? { lastPushedHead: own.head } : {}),
  });
  await env.at?.('state-saved');

  // Push when our view differs from what our head holds, or our files on the server are not intact.
  // The view's shard names come from the index kept at this revision when nothing changed since;
  // otherwise the view is serialized and hashed (and the index kept for the next idle sync).
  const cached = savedRevision !== null && state.index?.revision === savedRevision ? state.index.shards : null;
  let shards: Shard[] | null = cached ? null : await buildShards(saved);
  const names = cached ?? shards!.map((s) => ({ bucket: s.bucket, name: s.name }));
  if (!cached && savedRevision !== null)
    await saveState({ ...state, index: { revision: savedRevision, shards: names } });
  const current = new Map(own.head?.shards.map((s) => [s.bucket, s.name]) ?? []);
  const intact =
    own.head !== undefined &&
    own.headOk &&
    current.size === names.length &&
    names.every((s) => current.get(s.bucket) === s.name && own.good.has(s.name));
  let pushed: { generation: number; uploaded: number } | null = null;
  let head = own.head;
  let files = own.files;
  if (!intact) {
    shards ??= await buildShards(saved);
    const result = await pushShards(env, shards, own, clockOf(saved.values()) ?? null, now);
    ({ head, files } = result);
    pushed = { generation: result.head.generation, uploaded: result.uploaded };
    await saveState({ ...state, lastPushedHead: result.head, files });
    await env.at?.('pushed');
  }

  // Collect leftovers: after a push, or when the listing shows files our head does not name.
  let collected = 0;
  const named = new Set(head?.shards.map((s) => `${s.name}.bin`));
  if (head && (pushed || [...(own.listed ?? [])].some((f) => !named.has(f)))) {
    files = structuredClone(files);
    collected = await collect(env, head, files);
    await saveState({ ...state, files });
    await env.at?.('collected');
  }
  const clock = clockOf(pulled.incoming.values());
  return { status: 'ok', pulled: changes, pushed, collected, report, ...(clock ? { clock } : {}) };
}
