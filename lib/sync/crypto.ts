/**
 * End-to-end encryption of the files sync stores on the user's server (see README.md, "Encryption
 * format"). WebCrypto only (`globalThis.crypto.subtle`): runs in the MV3 service worker, in pages and
 * in Node 20; no DOM, no Buffer.
 *
 * - A random AES-256-GCM data key per synced store, created once and never exported in the clear:
 *   it is wrapped (AES-GCM, AAD `backstory-key|v1|<keyId>`) by a key derived from the passphrase
 *   (PBKDF2-SHA256, 600,000 iterations by default, 16-byte random salt). The key file (`keys.json`)
 *   holds the wrapped key and the KDF parameters, never the passphrase.
 * - Every file: magic `BSE1` | header length (uint32 BE) | header JSON | AES-256-GCM ciphertext+tag,
 *   with a fresh 96-bit IV per file and the whole header (magic and length included) as the
 *   additional data, so any change to it fails authentication. The header names the key (`keyId`)
 *   and the file's place (`store`, `device`, `path`, `generation`), which decryption checks against
 *   what the caller expects.
 *
 * Everything read from the server is hostile input: it is validated field by field (own properties
 * only) and every failure is a `CryptoError` whose `kind` says what the user should be told.
 */
import { fromBase64, toBase64, toHex } from './bytes';
import type { ErrorCode, UserFacingError } from '../result';

export { fromBase64, toBase64 };

export type CryptoErrorKind = 'wrong-passphrase' | 'key-changed' | 'corrupt' | 'not-encrypted' | 'unsupported';

/** Plain-English messages, for the user. */
export const CRYPTO_MESSAGES: Readonly<Record<CryptoErrorKind, string>> = {
  'wrong-passphrase': 'The passphrase is not the one this store was encrypted with.',
  'key-changed': "This store's encryption key was changed on another device. Enter the new passphrase.",
  corrupt: 'A file on the server is damaged or was changed by someone else; it was ignored.',
  'not-encrypted': 'A file on the server is not encrypted, but this store is. It was ignored.',
  unsupported:
    'A file on the server uses an encryption format or settings this version of Backstory does not accept. ' +
    'Update Backstory; if it is up to date, the file may have been tampered with.',
};

/** The message for a damaged or malformed key file (`keys.json`). */
const KEY_FILE_CORRUPT =
  "The store's key file on the server (keys.json) is damaged or was changed by someone else. " +
  'Sync is paused until it is repaired or the encryption key is reset.';

export class CryptoError extends Error implements UserFacingError {
  override readonly name = 'CryptoError';
  /** Its message is written for the user (see `toAppError`). */
  readonly userFacing = true;

  /** A wrong passphrase is the user's input to correct; the rest are the files' state. */
  get appCode(): ErrorCode {
    return this.kind === 'wrong-passphrase' ? 'invalid-input' : 'storage-failed';
  }

  /**
   * @param kind what went wrong, for the caller to act on.
   * @param message for the user (defaults to the standard message for `kind`).
   * @param detail for developers and logs: which check failed. Never shown to the user.
   */
  constructor(
    readonly kind: CryptoErrorKind,
    message: string = CRYPTO_MESSAGES[kind],
    readonly detail?: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Parameters

/** The default and minimum PBKDF2-SHA256 iteration count (OWASP 2023). */
export const DEFAULT_ITERATIONS = 600_000;
export const MIN_ITERATIONS = 600_000;
/** Above this a key file is refused: a hostile server must not make unlocking hang. */
export const MAX_ITERATIONS = 10_000_000;
/** The longest header accepted or written, in bytes of UTF-8 JSON. */
export const MAX_HEADER_BYTES = 4096;

const KEY_FORMAT = 'backstory-key';
const KEY_VERSION = 1;
const KDF_NAME = 'PBKDF2-SHA256';
const SALT_BYTES = 16;
const IV_BYTES = 12;
const KEY_ID_BYTES = 16;
/** AES-256 key (32 bytes) + GCM tag (16 bytes). */
const WRAPPED_BYTES = 48;

const FILE_VERSION = 1;
/** `BSE` + the format version as one ASCII digit. */
const MAGIC_PREFIX = [0x42, 0x53, 0x45]; // 'BSE'
const MAGIC = Uint8Array.of(...MAGIC_PREFIX, 0x30 + FILE_VERSION); // 'BSE1'
/** Magic (4) + header length (4). */
const PREAMBLE_BYTES = 8;
/**
 * A header whose keyId differs from the key's in fewer bits (of its ASCII hex) than this is a
 * damaged copy of the key's id, not another key: two random 128-bit ids are this close with
 * probability below 2^-90.
 */
const KEY_ID_DAMAGE_BITS = 8;

// ---------------------------------------------------------------------------------------------
// Types

export interface KeyFile {
  format: 'backstory-key';
  v: 1;
  /** 16 random bytes, lowercase hex: identifies the data key. A new key has a new id. */
  keyId: string;
  kdf: { name: 'PBKDF2-SHA256'; iterations: number; salt: string };
  /** The data key, AES-GCM-encrypted under the passphrase-derived key (`data` = key + tag). */
  wrap: { iv: string; data: string };
  /** When the data key was created (ISO 8601); kept when the passphrase changes. */
  created: string;
}

/** An unlocked data key. `key` is not extractable: its bytes never reach JavaScript. */
export interface DataKey {
  keyId: string;
  key: CryptoKey;
}

/** Where a file belongs. Authenticated with its contents; decryption requires the same values. */
export interface FileMeta {
  store: string;
  device: string;
  path: string;
  generation: number;
}

// ---------------------------------------------------------------------------------------------
// Bytes, base64, hex

const encoder = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto (crypto.subtle) is not available here.');
  return s;
}

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** A view WebCrypto accepts (not backed by a SharedArrayBuffer); copies only when it must. */
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
}

function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

const KEY_ID = /^[0-9a-f]{32}$/;

/** Bits that differ between two strings of equal length (compared as UTF-16 code units). */
function bitDistance(a: string, b: string): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i) ^ b.charCodeAt(i);
    while (x) {
      bits += x & 1;
      x >>>= 1;
    }
  }
  return bits;
}

// ---------------------------------------------------------------------------------------------
// Reading untrusted JSON: own properties only, never the prototype chain.

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(obj: Json, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Key file

function keyFileCorrupt(detail: string): CryptoError {
  return new CryptoError('corrupt', KEY_FILE_CORRUPT, `keys.json: ${detail}`);
}

function checkIterations(iterations: unknown): number {
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations)) {
    throw keyFileCorrupt('kdf.iterations is not an integer');
  }
  if (iterations < MIN_ITERATIONS) {
    throw new CryptoError(
      'unsupported',
      undefined,
      `keys.json: ${iterations} PBKDF2 iterations, below ${MIN_ITERATIONS}`,
    );
  }
  if (iterations > MAX_ITERATIONS) {
    throw new CryptoError(
      'unsupported',
      undefined,
      `keys.json: ${iterations} PBKDF2 iterations, above ${MAX_ITERATIONS}`,
    );
  }
  return iterations;
}

function bytesField(value: unknown, length: number, name: string): Uint8Array<ArrayBuffer> {
  const bytes = typeof value === 'string' && value.length <= 4 * Math.ceil(length / 3) ? fromBase64(value) : undefined;
  if (!bytes || bytes.length !== length) throw keyFileCorrupt(`${name} is not ${length} bytes of base64`);
  return bytes;
}

interface ParsedKeyFile {
  file: KeyFile;
  salt: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
  wrapped: Uint8Array<ArrayBuffer>;
}

function parseKeyFileUnsafe(input: unknown): ParsedKeyFile {
  if (!isObject(input)) throw keyFileCorrupt('not a JSON object');
  const format = own(input, 'format');
  if (typeof format !== 'string') throw keyFileCorrupt('no format');
  if (format !== KEY_FORMAT) throw new CryptoError('unsupported', undefined, `keys.json: format ${format}`);
  const v = own(input, 'v');
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw keyFileCorrupt('no version');
  if (v !== KEY_VERSION) throw new CryptoError('unsupported', undefined, `keys.json: version ${v}`);

  const keyId = own(input, 'keyId');
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) throw keyFileCorrupt('keyId is not 32 lowercase hex digits');

  const kdf = own(input, 'kdf');
  if (!isObject(kdf)) throw keyFileCorrupt('no kdf');
  const kdfName = own(kdf, 'name');
  if (typeof kdfName !== 'string') throw keyFileCorrupt('no kdf.name');
  if (kdfName !== KDF_NAME) throw new CryptoError('unsupported', undefined, `keys.json: kdf ${kdfName}`);
  const iterations = checkIterations(own(kdf, 'iterations'));
  const salt = bytesField(own(kdf, 'salt'), SALT_BYTES, 'kdf.salt');

  const wrap = own(input, 'wrap');
  if (!isObject(wrap)) throw keyFileCorrupt('no wrap');
  const iv = bytesField(own(wrap, 'iv'), IV_BYTES, 'wrap.iv');
  const wrapped = bytesField(own(wrap, 'data'), WRAPPED_BYTES, 'wrap.data');

  const created = own(input, 'created');
  if (typeof created !== 'string' || created.length > 64 || Number.isNaN(Date.parse(created))) {
    throw keyFileCorrupt('created is not a date');
  }

  const file: KeyFile = {
    format: KEY_FORMAT,
    v: KEY_VERSION,
    keyId,
    kdf: { name: KDF_NAME, iterations, salt: toBase64(salt) },
    wrap: { iv: toBase64(iv), data: toBase64(wrapped) },
    created,
  };
  return { file, salt, iv, wrapped };
}

/** Validates a key file read from the server. Throws `CryptoError` ('corrupt' | 'unsupported') only. */
function parseKeyFile(input: unknown): ParsedKeyFile {
  try {
    return parseKeyFileUnsafe(input);
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    // A getter or proxy that throws, or anything else unforeseen in hostile input.
    throw keyFileCorrupt(`unreadable (${String(e)})`);
  }
}

function wrapAad(keyId: string): Uint8Array<ArrayBuffer> {
  return utf8(`${KEY_FORMAT}|v${KEY_VERSION}|${keyId}`);
}

async function deriveWrappingKey(
  passphrase: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<CryptoKey> {
  const s = subtle();
  const base = await s.importKey('raw', utf8(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveKey']);
  return s.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['wrapKey', 'unwrapKey'],
  );
}

async function unwrap(parsed: ParsedKeyFile, passphrase: string, extractable: boolean): Promise<CryptoKey> {
  const { file, salt, iv, wrapped } = parsed;
  const kek = await deriveWrappingKey(passphrase, salt, file.kdf.iterations);
  try {
    return await subtle().unwrapKey(
      'raw',
      wrapped,
      kek,
      { name: 'AES-GCM', iv, additionalData: wrapAad(file.keyId), tagLength: 128 },
      { name: 'AES-GCM', length: 256 },
      extractable,
      ['encrypt', 'decrypt'],
    );
  } catch (e) {
    // GCM authentication failed: another passphrase (or a key file whose keyId, salt or iterations
    // were changed, which is indistinguishable from it).
    throw new CryptoError('wrong-passphrase', undefined, `unwrap failed (${String(e)})`);
  }
}

async function wrapInto(
  dataKey: CryptoKey,
  keyId: string,
  passphrase: string,
  iterations: number,
  created: string,
): Promise<KeyFile> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const kek = await deriveWrappingKey(passphrase, salt, iterations);
  const wrapped = new Uint8Array(
    await subtle().wrapKey('raw', dataKey, kek, {
      name: 'AES-GCM',
      iv,
      additionalData: wrapAad(keyId),
      tagLength: 128,
    }),
  );
  return {
    format: KEY_FORMAT,
    v: KEY_VERSION,
    keyId,
    kdf: { name: KDF_NAME, iterations, salt: toBase64(salt) },
    wrap: { iv: toBase64(iv), data: toBase64(wrapped) },
    created,
  };
}

function checkNewPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new RangeError('A passphrase is required.');
}

function checkNewIterations(iterations: number): number {
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations must be an integer from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}.`);
  }
  return iterations;
}

/**
 * Creates the data key of a store and its key file, wrapped under `passphrase`. Store the key file
 * (as JSON) on the server as `keys.json`; keep the returned key in memory only.
 */
export async function createKey(
  passphrase: string,
  options: { iterations?: number } = {},
): Promise<{ keyFile: KeyFile; key: DataKey }> {
  checkNewPassphrase(passphrase);
  const iterations = checkNewIterations(options.iterations ?? DEFAULT_ITERATIONS);
  const keyId = toHex(randomBytes(KEY_ID_BYTES));
  // Extractable only so that it can be wrapped; this handle goes out of scope here.
  const fresh = await subtle().generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const keyFile = await wrapInto(fresh, keyId, passphrase, iterations, new Date().toISOString());
  // The key handed out is the one unwrapped from the key file, not extractable: this also proves the
  // key file opens with the passphrase before anyone relies on it.
  const key = await unwrap(parseKeyFile(keyFile), passphrase, false);
  return { keyFile, key: { keyId, key } };
}

/**
 * Unlocks a store's data key from its key file (untrusted: read from the server).
 * Throws `CryptoError`: 'corrupt' (malformed), 'unsupported' (another format or version, or KDF
 * parameters out of bounds: refused before any key derivation), 'wrong-passphrase'.
 */
export async function unlockKey(keyFile: unknown, passphrase: string): Promise<DataKey> {
  const parsed = parseKeyFile(keyFile);
  const key = await unwrap(parsed, passphrase, false);
  return { keyId: parsed.file.keyId, key };
}

/**
 * Changes the passphrase: the same data key (same keyId, so every file stays readable) wrapped under
 * `newPassphrase` with a new salt and IV. Iterations: `options.iterations`, else the key file's or the
 * default, whichever is higher. `created` is kept. Throws like `unlockKey` for the old passphrase.
 */
export async function rewrapKey(
  keyFile: unknown,
  oldPassphrase: string,
  newPassphrase: string,
  options: { iterations?: number } = {},
): Promise<KeyFile> {
  checkNewPassphrase(newPassphrase);
  const parsed = parseKeyFile(keyFile);
  const iterations = checkNewIterations(options.iterations ?? Math.max(parsed.file.kdf.iterations, DEFAULT_ITERATIONS));
  // Extractable for as long as it takes to wrap it again; never returned.
  const dataKey = await unwrap(parsed, oldPassphrase, true);
  return wrapInto(dataKey, parsed.file.keyId, newPassphrase, iterations, parsed.file.created);
}

// ---------------------------------------------------------------------------------------------
// Files

interface Header {
  v: number;
  keyId: string;
  iv: string;
  aad: FileMeta;
}

function fileCorrupt(detail: string): CryptoError {
  return new CryptoError('corrupt', undefined, detail);
}

function checkMeta(meta: FileMeta): void {
  for (const field of ['store', 'device', 'path'] as const) {
    if (typeof meta[field] !== 'string') throw new TypeError(`FileMeta.${field} must be a string.`);
  }
  if (!Number.isSafeInteger(meta.generation) || meta.generation < 0) {
    throw new RangeError('FileMeta.generation must be a non-negative integer.');
  }
}

function checkDataKey(key: DataKey): void {
  if (typeof key?.keyId !== 'string' || !KEY_ID.test(key.keyId) || !key.key) {
    throw new TypeError('Not a DataKey from createKey or unlockKey.');
  }
}

/** `bytes` starts with the magic of an encrypted file (`BSE1`). `decryptFile` has the final word. */
export function isEncrypted(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * The header JSON of a file whose preamble starts at 0, ignoring the magic; `undefined` if the bytes
 * do not have that structure. Reads at most MAX_HEADER_BYTES.
 */
function readHeader(bytes: Uint8Array): { json: Json; end: number } | undefined {
  if (bytes.length < PREAMBLE_BYTES) return undefined;
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, false);
  if (length < 2 || length > MAX_HEADER_BYTES || PREAMBLE_BYTES + length > bytes.length) return undefined;
  const end = PREAMBLE_BYTES + length;
  let json: unknown;
  try {
    json = JSON.parse(
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(PREAMBLE_BYTES, end)),
    );
  } catch {
    return undefined;
  }
  return isObject(json) ? { json, end } : undefined;
}

function parseMeta(value: unknown): FileMeta | undefined {
  if (!isObject(value) || Object.keys(value).length !== 4) return undefined;
  const store = own(value, 'store');
  const device = own(value, 'device');
  const path = own(value, 'path');
  const generation = own(value, 'generation');
  if (typeof store !== 'string' || typeof device !== 'string' || typeof path !== 'string') return undefined;
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 0) return undefined;
  return { store, device, path, generation };
}

/**
 * Classifies bytes that do not start with `BSE1`: an encrypted file whose magic was damaged
 * ('corrupt'), one of a later format version ('unsupported': the magic's digit and the header's `v`
 * agree), a truncated one ('corrupt'), or plain data ('not-encrypted').
 */
function classifyWithoutMagic(bytes: Uint8Array): CryptoError {
  if (bytes.length < MAGIC.length && bytes.every((b, i) => b === MAGIC[i])) {
    return fileCorrupt('truncated inside the magic');
  }
  const header = readHeader(bytes);
  if (!header) return new CryptoError('not-encrypted', undefined, 'no BSE1 magic');
  const v = own(header.json, 'v');
  const digit = (bytes[3] ?? 0) - 0x30;
  const later = MAGIC_PREFIX.every((b, i) => bytes[i] === b) && digit > FILE_VERSION && digit <= 9;
  if (later && v === digit) return new CryptoError('unsupported', undefined, `encrypted file format version ${v}`);
  return fileCorrupt('damaged magic');
}

/**
 * Encrypts one file for the server: a fresh random IV, the header (key id, IV, `meta`) authenticated
 * as additional data. Throws TypeError / RangeError on bad arguments (a header over 4 KB).
 */
export async function encryptFile(key: DataKey, plaintext: Uint8Array, meta: FileMeta): Promise<Uint8Array> {
  checkDataKey(key);
  checkMeta(meta);
  const iv = randomBytes(IV_BYTES);
  const header: Header = {
    v: FILE_VERSION,
    keyId: key.keyId,
    iv: toBase64(iv),
    aad: { store: meta.store, device: meta.device, path: meta.path, generation: meta.generation },
  };
  const headerBytes = utf8(JSON.stringify(header));
  if (headerBytes.length > MAX_HEADER_BYTES) {
    throw new RangeError(`The encrypted file header is over ${MAX_HEADER_BYTES} bytes (path or ids too long).`);
  }
  const prefix = new Uint8Array(PREAMBLE_BYTES + headerBytes.length);
  prefix.set(MAGIC, 0);
  new DataView(prefix.buffer).setUint32(4, headerBytes.length, false);
  prefix.set(headerBytes, PREAMBLE_BYTES);
  const sealed = new Uint8Array(
    await subtle().encrypt(
      { name: 'AES-GCM', iv, additionalData: prefix, tagLength: 128 },
      key.key,
      bufferSource(plaintext),
    ),
  );
  const out = new Uint8Array(prefix.length + sealed.length);
  out.set(prefix, 0);
  out.set(sealed, prefix.length);
  return out;
}

/**
 * Decrypts a file read from the server, which must belong at `expected` (same store, device, path
 * and generation). Throws `CryptoError`:
 * - 'not-encrypted': not in the encrypted format at all (plain data);
 * - 'key-changed': encrypted under another data key (the header's keyId; the header is only
 *   authenticated by the key that wrote it, so confirm against the server's keys.json: if its keyId
 *   is still this key's, treat the file as corrupt);
 * - 'corrupt': damaged, truncated, tampered with, or moved / replayed from another place or generation;
 * - 'unsupported': a later version of the format.
 */
export async function decryptFile(key: DataKey, bytes: Uint8Array, expected: FileMeta): Promise<Uint8Array> {
  checkDataKey(key);
  if (!isEncrypted(bytes)) throw classifyWithoutMagic(bytes);
  const parsed = readHeader(bytes);
  if (!parsed) throw fileCorrupt('bad header length or JSON');
  const { json, end } = parsed;

  if (own(json, 'v') !== FILE_VERSION) throw fileCorrupt('header version does not match the magic');
  const keyId = own(json, 'keyId');
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) throw fileCorrupt('bad keyId');
  const ivText = own(json, 'iv');
  const iv = typeof ivText === 'string' && ivText.length === 16 ? fromBase64(ivText) : undefined;
  if (!iv || iv.length !== IV_BYTES) throw fileCorrupt('bad iv');
  const aad = parseMeta(own(json, 'aad'));
  if (!aad) throw fileCorrupt('bad aad');

  if (keyId !== key.keyId) {
    if (bitDistance(keyId, key.keyId) < KEY_ID_DAMAGE_BITS) throw fileCorrupt('damaged keyId');
    throw new CryptoError('key-changed', undefined, `file key ${keyId}, unlocked key ${key.keyId}`);
  }

  let plaintext: Uint8Array;
  try {
    plaintext = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv, additionalData: bufferSource(bytes.subarray(0, end)), tagLength: 128 },
        key.key,
        bufferSource(bytes.subarray(end)),
      ),
    );
  } catch (e) {
    throw fileCorrupt(`authentication failed (${String(e)})`);
  }

  // Authentic, but is it the file that belongs here?
  for (const field of ['store', 'device', 'path', 'generation'] as const) {
    if (aad[field] !== expected[field]) {
      throw fileCorrupt(`${field} is ${JSON.stringify(aad[field])}, expected ${JSON.stringify(expected[field])}`);
    }
  }
  return plaintext;
}
