// @vitest-environment node
/**
 * End-to-end encryption of sync files (lib/sync/crypto.ts) with Node's real WebCrypto: round trips,
 * fresh IVs, wrong passphrases and changed keys told apart from damage, every bit flip and truncation
 * refused as 'corrupt', files moved or replayed refused, hostile key files refused with a clear kind
 * (before any key derivation where the KDF parameters are the problem), a data key that cannot be
 * exported, and passphrase changes that keep old files readable.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createKey,
  CryptoError,
  decryptFile,
  encryptFile,
  fromBase64,
  isEncrypted,
  MAX_HEADER_BYTES,
  rewrapKey,
  toBase64,
  unlockKey,
  type CryptoErrorKind,
  type DataKey,
  type FileMeta,
  type KeyFile,
} from '../../lib/sync/crypto';

const PASSPHRASE = 'correct horse battery staple';
const META: FileMeta = {
  store: 'store-1',
  device: 'device-a',
  path: 'devices/device-a/shards/abc123.bse',
  generation: 7,
};
const enc = new TextEncoder();
const PLAINTEXT = enc.encode(JSON.stringify({ records: [{ id: 'e1', summary: 'A town on the Euphrates.' }] }));

let keyFile: KeyFile;
let key: DataKey;
let sealed: Uint8Array;

beforeAll(async () => {
  ({ keyFile, key } = await createKey(PASSPHRASE));
  sealed = await encryptFile(key, PLAINTEXT, META);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The error `promise` rejects with, which must be a CryptoError (never a TypeError or DOMException). */
async function cryptoError(promise: Promise<unknown>): Promise<CryptoError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CryptoError)) {
    throw new Error(`expected a CryptoError, got ${error === undefined ? 'success' : String(error)}`);
  }
  expect(error.message.length).toBeGreaterThan(20);
  return error;
}

async function kindOf(promise: Promise<unknown>): Promise<CryptoErrorKind> {
  return (await cryptoError(promise)).kind;
}

/** The header of an encrypted file, and where it ends. */
function header(bytes: Uint8Array): { json: any; end: number } {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, false);
  return { json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))), end: 8 + length };
}

/** A deterministic generator, so that a failure names the same positions on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds a file by hand: magic, header JSON text (anything), then `key`'s GCM seal with that AAD. */
async function handmade(magic: string, headerText: string, dataKey: CryptoKey, iv: Uint8Array<ArrayBuffer>) {
  const headerBytes = enc.encode(headerText);
  const prefix = new Uint8Array(8 + headerBytes.length);
  prefix.set(enc.encode(magic), 0);
  new DataView(prefix.buffer).setUint32(4, headerBytes.length, false);
  prefix.set(headerBytes, 8);
  const body = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: prefix }, dataKey, PLAINTEXT),
  );
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix);
  out.set(body, prefix.length);
  return out;
}

/** Base64 in the URL-safe alphabet, which the key file does not use. */
const urlSafe = (bytes: Uint8Array) => toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_');

/** `bytes` with its header replaced by `change(header)`, length field updated, body kept. */
function rewriteHeader(bytes: Uint8Array, change: (json: any) => unknown): Uint8Array {
  const { json, end } = header(bytes);
  const headerBytes = enc.encode(JSON.stringify(change(json)));
  const out = new Uint8Array(8 + headerBytes.length + bytes.length - end);
  out.set(bytes.subarray(0, 4));
  new DataView(out.buffer).setUint32(4, headerBytes.length, false);
  out.set(headerBytes, 8);
  out.set(bytes.subarray(end), 8 + headerBytes.length);
  return out;
}

describe('sync encryption', () => {
  it('round trip: what is encrypted decrypts to the same bytes, at any size and buffer offset', async () => {
    expect(await decryptFile(key, sealed, META)).toEqual(PLAINTEXT);
    expect(isEncrypted(sealed)).toBe(true);
    expect(new TextDecoder().decode(sealed.subarray(0, 4))).toBe('BSE1');
    // The plaintext is nowhere in the file.
    expect(new TextDecoder().decode(sealed)).not.toContain('Euphrates');

    for (const size of [0, 1, 15, 16, 17, 4096, 1 << 20]) {
      const data = crypto.getRandomValues(new Uint8Array(Math.min(size, 65536)));
      const big = new Uint8Array(size);
      for (let i = 0; i < size; i += data.length) big.set(data.subarray(0, Math.min(data.length, size - i)), i);
      const file = await encryptFile(key, big, { ...META, generation: size });
      expect(file.length).toBe(header(file).end + size + 16);
      const back = await decryptFile(key, file, { ...META, generation: size });
      expect(back.length === big.length && back.every((b, i) => b === big[i])).toBe(true);
    }
    // A file read into the middle of a larger buffer.
    const framed = new Uint8Array(sealed.length + 10);
    framed.set(sealed, 5);
    expect(await decryptFile(key, framed.subarray(5, 5 + sealed.length), META)).toEqual(PLAINTEXT);
    // Non-ASCII metadata and a plaintext inside a larger buffer.
    const meta = { store: 'магазин', device: 'appareil-é', path: 'notes/日本.bse', generation: 0 };
    const inner = new Uint8Array(100).fill(9).subarray(10, 60);
    expect(await decryptFile(key, await encryptFile(key, inner, meta), meta)).toEqual(inner.slice());
  });

  it('the key file has the documented shape, survives JSON, and unlocks with the passphrase', async () => {
    const stored = JSON.parse(JSON.stringify(keyFile));
    expect(stored).toEqual({
      format: 'backstory-key',
      v: 1,
      keyId: expect.stringMatching(/^[0-9a-f]{32}$/),
      kdf: { name: 'PBKDF2-SHA256', iterations: 600_000, salt: expect.any(String) },
      wrap: { iv: expect.any(String), data: expect.any(String) },
      created: expect.any(String),
    });
    expect(fromBase64(stored.kdf.salt)).toHaveLength(16);
    expect(fromBase64(stored.wrap.iv)).toHaveLength(12);
    expect(fromBase64(stored.wrap.data)).toHaveLength(48);
    expect(new Date(stored.created).toISOString()).toBe(stored.created);
    expect(JSON.stringify(stored)).not.toContain('horse');
    expect(key.keyId).toBe(stored.keyId);

    const unlocked = await unlockKey(stored, PASSPHRASE);
    expect(unlocked.keyId).toBe(keyFile.keyId);
    expect(await decryptFile(unlocked, sealed, META)).toEqual(PLAINTEXT);
    expect(await decryptFile(key, await encryptFile(unlocked, PLAINTEXT, META), META)).toEqual(PLAINTEXT);
  });

  it('the iteration count is stored in the key file and used to unlock it', async () => {
    const made = await createKey('another passphrase', { iterations: 650_000 });
    expect(made.keyFile.kdf.iterations).toBe(650_000);
    const unlocked = await unlockKey(JSON.parse(JSON.stringify(made.keyFile)), 'another passphrase');
    expect(await decryptFile(unlocked, await encryptFile(made.key, PLAINTEXT, META), META)).toEqual(PLAINTEXT);
    // Weaker or absurd parameters are refused when creating a key, before any work.
    const derive = vi.spyOn(crypto.subtle, 'deriveKey');
    for (const iterations of [1, 599_999, 10_000_001, 600_000.5, Number.NaN]) {
      await expect(createKey(PASSPHRASE, { iterations })).rejects.toThrow(RangeError);
    }
    await expect(createKey('')).rejects.toThrow(RangeError);
    expect(derive).not.toHaveBeenCalled();
  });

  it('a fresh random IV for every file: the same plaintext never encrypts the same twice', async () => {
    const again = await encryptFile(key, PLAINTEXT, META);
    expect(again).not.toEqual(sealed);
    expect(header(again).json.iv).not.toBe(header(sealed).json.iv);
    expect(again.subarray(header(again).end)).not.toEqual(sealed.subarray(header(sealed).end));

    const ivs = new Set<string>();
    const bodies = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const file = await encryptFile(key, PLAINTEXT, META);
      const { json, end } = header(file);
      expect(fromBase64(json.iv)).toHaveLength(12);
      ivs.add(json.iv);
      bodies.add(toBase64(file.subarray(end)));
    }
    expect(ivs.size).toBe(1000);
    expect(bodies.size).toBe(1000);
  });

  it('a wrong passphrase is "wrong-passphrase", not "corrupt"', async () => {
    const error = await cryptoError(unlockKey(keyFile, 'correct horse battery stapler'));
    expect(error.kind).toBe('wrong-passphrase');
    expect(error.message).toBe('The passphrase is not the one this store was encrypted with.');
  });

  it('the wrapped key is bound to its keyId: a relabelled key file does not unlock', async () => {
    const relabelled = { ...keyFile, keyId: 'f'.repeat(32) };
    expect(await kindOf(unlockKey(relabelled, PASSPHRASE))).toBe('wrong-passphrase');
  });

  it('a file encrypted under another data key (reset on another device) is "key-changed"', async () => {
    const other = await createKey(PASSPHRASE); // even the same passphrase makes a new key
    expect(other.key.keyId).not.toBe(key.keyId);
    const error = await cryptoError(decryptFile(other.key, sealed, META));
    expect(error.kind).toBe('key-changed');
    expect(error.message).toBe("This store's encryption key was changed on another device. Enter the new passphrase.");
    expect(await kindOf(decryptFile(key, await encryptFile(other.key, PLAINTEXT, META), META))).toBe('key-changed');
  });

  it('every single-bit flip in the header, and 200 sampled in the body, is "corrupt"', async () => {
    const { end } = header(sealed);
    const positions: number[] = [];
    for (let byte = 0; byte < end; byte++) for (let bit = 0; bit < 8; bit++) positions.push(byte * 8 + bit);
    const random = seeded(1);
    for (let i = 0; i < 200; i++) {
      positions.push((end + Math.floor(random() * (sealed.length - end))) * 8 + Math.floor(random() * 8));
    }
    const kinds = new Map<string, number[]>();
    for (const position of positions) {
      const flipped = sealed.slice();
      flipped[position >> 3]! ^= 1 << (position & 7);
      const kind = await kindOf(decryptFile(key, flipped, META));
      if (kind !== 'corrupt') kinds.set(kind, [...(kinds.get(kind) ?? []), position]);
    }
    expect(Object.fromEntries(kinds)).toEqual({}); // kind -> bit positions that were not 'corrupt'
    expect(positions.length).toBeGreaterThan(end * 8);
  });

  it('every truncation of the header, 200 sampled in the body, and appended bytes are "corrupt"', async () => {
    const { end } = header(sealed);
    const lengths: number[] = [];
    for (let length = 0; length <= end; length++) lengths.push(length);
    const random = seeded(2);
    for (let i = 0; i < 200; i++) lengths.push(end + Math.floor(random() * (sealed.length - end)));
    lengths.push(sealed.length - 1, sealed.length - 16, sealed.length - 17);
    const wrong: string[] = [];
    for (const length of lengths) {
      const kind = await kindOf(decryptFile(key, sealed.subarray(0, length), META));
      if (kind !== 'corrupt') wrong.push(`${length}: ${kind}`);
    }
    const longer = new Uint8Array(sealed.length + 1);
    longer.set(sealed);
    const appended = await kindOf(decryptFile(key, longer, META));
    if (appended !== 'corrupt') wrong.push(`appended byte: ${appended}`);
    expect(wrong).toEqual([]);
  });

  it('a file moved to another store, device or path, or replayed from another generation, is "corrupt"', async () => {
    const elsewhere: FileMeta[] = [
      { ...META, store: 'store-2' },
      { ...META, device: 'device-b' },
      { ...META, path: 'devices/device-a/shards/def456.bse' },
      { ...META, path: 'devices/device-a/head.bse' },
      { ...META, generation: 8 }, // the head says 8: the server served the older generation 7
      { ...META, generation: 6 },
    ];
    for (const expected of elsewhere) {
      const error = await cryptoError(decryptFile(key, sealed, expected));
      expect(error.kind).toBe('corrupt');
      expect(error.message).toBe('A file on the server is damaged or was changed by someone else; it was ignored.');
    }
    // Nor does rewriting the header to name the new place help: the header is authenticated.
    for (const expected of elsewhere) {
      const moved = rewriteHeader(sealed, (json) => ({ ...json, aad: expected }));
      expect(header(moved).json.aad).toEqual(expected);
      expect(await kindOf(decryptFile(key, moved, expected))).toBe('corrupt');
    }
    expect(
      await decryptFile(
        key,
        rewriteHeader(sealed, (json) => json),
        META,
      ),
    ).toEqual(PLAINTEXT);
    // Header aad is exactly the four fields: an extra field is refused, even if authentic.
    const { json } = header(sealed);
    const extra = JSON.stringify({ ...json, aad: { ...json.aad, extra: 1 } });
    const file = await handmade('BSE1', extra, key.key, fromBase64(json.iv)!);
    expect(await kindOf(decryptFile(key, file, META))).toBe('corrupt');
  });

  it('plain data is "not-encrypted"; a later format version is "unsupported"', async () => {
    const plain = [
      PLAINTEXT,
      enc.encode('{}'),
      crypto.getRandomValues(new Uint8Array(300)),
      Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3), // gzip
    ];
    for (const bytes of plain) {
      expect(isEncrypted(bytes)).toBe(false);
      const error = await cryptoError(decryptFile(key, bytes, META));
      expect(error.kind).toBe('not-encrypted');
      expect(error.message).toBe('A file on the server is not encrypted, but this store is. It was ignored.');
    }
    // Empty, or cut inside the magic: an interrupted upload, not plain data.
    expect(await kindOf(decryptFile(key, new Uint8Array(0), META))).toBe('corrupt');
    expect(await kindOf(decryptFile(key, enc.encode('BSE'), META))).toBe('corrupt');

    // Format 2 (magic BSE2 and header v 2 agree).
    const { json } = header(sealed);
    const v2 = await handmade('BSE2', JSON.stringify({ ...json, v: 2 }), key.key, fromBase64(json.iv)!);
    expect(isEncrypted(v2)).toBe(false);
    expect(await kindOf(decryptFile(key, v2, META))).toBe('unsupported');
    // A BSE1 file whose header claims another version is damaged, not newer.
    const lying = await handmade('BSE1', JSON.stringify({ ...json, v: 2 }), key.key, fromBase64(json.iv)!);
    expect(await kindOf(decryptFile(key, lying, META))).toBe('corrupt');
  });

  it('headers over 4 KB are neither written nor read', async () => {
    const long = { ...META, path: 'x'.repeat(MAX_HEADER_BYTES) };
    await expect(encryptFile(key, PLAINTEXT, long)).rejects.toThrow(RangeError);
    // An otherwise authentic file with a 5 KB header (padded JSON) is refused unread.
    const { json } = header(sealed);
    const padded = JSON.stringify(json).replace('{', '{' + ' '.repeat(5000));
    const file = await handmade('BSE1', padded, key.key, fromBase64(json.iv)!);
    expect(await kindOf(decryptFile(key, file, META))).toBe('corrupt');
    // The same file with a small header decrypts: only the size was refused.
    const small = await handmade('BSE1', JSON.stringify(json), key.key, fromBase64(json.iv)!);
    expect(await decryptFile(key, small, META)).toEqual(PLAINTEXT);
  });

  it('base64 is strict: one spelling per byte string', () => {
    expect(fromBase64('QUJD')).toEqual(enc.encode('ABC'));
    expect(fromBase64('QUI=')).toEqual(enc.encode('AB'));
    expect(fromBase64('')).toEqual(new Uint8Array(0));
    const bytes = crypto.getRandomValues(new Uint8Array(100));
    expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    for (const text of ['QUJ=', 'QUI', 'QU JD', 'QUJD\n', ' QUJD', 'QUJD=', '-_-_', 'QU=D', 'Q', 'QUJD====', '****']) {
      expect(fromBase64(text), text).toBeUndefined();
    }
  });

  it('malformed and hostile key files are refused with a clear kind, before any key derivation', async () => {
    const k = keyFile;
    const without = (field: string) => Object.fromEntries(Object.entries(k).filter(([name]) => name !== field));
    const cases: [string, unknown, CryptoErrorKind][] = [
      ['null', null, 'corrupt'],
      ['undefined', undefined, 'corrupt'],
      ['a number', 42, 'corrupt'],
      ['a string', JSON.stringify(k), 'corrupt'],
      ['an array', [k], 'corrupt'],
      ['empty', {}, 'corrupt'],
      ['no format', without('format'), 'corrupt'],
      ['format not a string', { ...k, format: ['backstory-key'] }, 'corrupt'],
      ['another format', { ...k, format: 'joplin-master-key' }, 'unsupported'],
      ['no version', without('v'), 'corrupt'],
      ['version as a string', { ...k, v: '1' }, 'corrupt'],
      ['a later version', { ...k, v: 2 }, 'unsupported'],
      ['no keyId', without('keyId'), 'corrupt'],
      ['keyId too short', { ...k, keyId: 'abcd' }, 'corrupt'],
      ['keyId upper case', { ...k, keyId: 'ABCDEF' + k.keyId.slice(6) }, 'corrupt'],
      ['keyId a number', { ...k, keyId: 12345 }, 'corrupt'],
      ['no kdf', without('kdf'), 'corrupt'],
      ['kdf null', { ...k, kdf: null }, 'corrupt'],
      ['kdf an array', { ...k, kdf: [] }, 'corrupt'],
      ['kdf Argon2id', { ...k, kdf: { ...k.kdf, name: 'Argon2id' } }, 'unsupported'],
      ['kdf PBKDF2-SHA1', { ...k, kdf: { ...k.kdf, name: 'PBKDF2-SHA1' } }, 'unsupported'],
      ['no iterations', { ...k, kdf: { name: 'PBKDF2-SHA256', salt: k.kdf.salt } }, 'corrupt'],
      ['iterations as a string', { ...k, kdf: { ...k.kdf, iterations: '600000' } }, 'corrupt'],
      ['fractional iterations', { ...k, kdf: { ...k.kdf, iterations: 600_000.5 } }, 'corrupt'],
      ['infinite iterations', { ...k, kdf: { ...k.kdf, iterations: Infinity } }, 'corrupt'],
      ['1 iteration (downgrade)', { ...k, kdf: { ...k.kdf, iterations: 1 } }, 'unsupported'],
      ['599,999 iterations', { ...k, kdf: { ...k.kdf, iterations: 599_999 } }, 'unsupported'],
      ['10,000,001 iterations', { ...k, kdf: { ...k.kdf, iterations: 10_000_001 } }, 'unsupported'],
      ['2^31 iterations', { ...k, kdf: { ...k.kdf, iterations: 2 ** 31 } }, 'unsupported'],
      ['no salt', { ...k, kdf: { name: 'PBKDF2-SHA256', iterations: 600_000 } }, 'corrupt'],
      ['salt not base64', { ...k, kdf: { ...k.kdf, salt: 'not base64!!!!!!!!!!!!!!' } }, 'corrupt'],
      ['salt with whitespace', { ...k, kdf: { ...k.kdf, salt: ' ' + k.kdf.salt } }, 'corrupt'],
      ['salt 8 bytes', { ...k, kdf: { ...k.kdf, salt: toBase64(new Uint8Array(8)) } }, 'corrupt'],
      ['salt empty', { ...k, kdf: { ...k.kdf, salt: '' } }, 'corrupt'],
      ['salt huge', { ...k, kdf: { ...k.kdf, salt: 'A'.repeat(10_000_000) } }, 'corrupt'],
      ['no wrap', without('wrap'), 'corrupt'],
      ['wrap a string', { ...k, wrap: 'x' }, 'corrupt'],
      ['wrap iv missing', { ...k, wrap: { data: k.wrap.data } }, 'corrupt'],
      ['wrap iv 16 bytes', { ...k, wrap: { ...k.wrap, iv: toBase64(new Uint8Array(16)) } }, 'corrupt'],
      ['wrap data not base64', { ...k, wrap: { ...k.wrap, data: '%%%%' } }, 'corrupt'],
      [
        'wrap data URL-safe base64',
        { ...k, wrap: { ...k.wrap, data: urlSafe(new Uint8Array(48).fill(0xfb)) } },
        'corrupt',
      ],
      ['wrap data truncated', { ...k, wrap: { ...k.wrap, data: k.wrap.data.slice(0, 40) } }, 'corrupt'],
      ['no created', without('created'), 'corrupt'],
      ['created not a date', { ...k, created: 'yesterday' }, 'corrupt'],
      ['fields only on the prototype', Object.create(k), 'corrupt'],
      ['object literal __proto__', { __proto__: k }, 'corrupt'],
      ['kdf fields on its prototype', { ...k, kdf: Object.create(k.kdf) }, 'corrupt'],
      ['JSON "__proto__" key', JSON.parse(`{"__proto__": ${JSON.stringify(k)}}`), 'corrupt'],
      [
        'JSON "__proto__" kdf',
        JSON.parse(
          JSON.stringify({ ...k, kdf: undefined }).replace('{', `{"kdf":{"__proto__":${JSON.stringify(k.kdf)}},`),
        ),
        'corrupt',
      ],
      [
        'a getter that throws',
        Object.defineProperty({ ...k }, 'kdf', {
          enumerable: true,
          get() {
            throw new TypeError('boom');
          },
        }),
        'corrupt',
      ],
      [
        'a proxy that throws',
        new Proxy(
          {},
          {
            has: () => true,
            get: () => {
              throw new TypeError('boom');
            },
            getOwnPropertyDescriptor: () => {
              throw new TypeError('boom');
            },
          },
        ),
        'corrupt',
      ],
    ];
    expect(urlSafe(new Uint8Array(48).fill(0xfb))).toMatch(/^[-_]/);
    const derive = vi.spyOn(crypto.subtle, 'deriveKey');
    const wrong: string[] = [];
    for (const [name, input, kind] of cases) {
      const got = await kindOf(unlockKey(input, PASSPHRASE)).catch((e: unknown) => `${String(e)}`);
      if (got !== kind) wrong.push(`${name}: ${got}, expected ${kind}`);
    }
    expect(wrong).toEqual([]);
    expect(derive).not.toHaveBeenCalled();
    expect(({} as any).format).toBeUndefined(); // nothing leaked onto Object.prototype
    expect(({} as any).kdf).toBeUndefined();
    // The same checks guard a passphrase change.
    expect(await kindOf(rewrapKey({ ...k, kdf: { ...k.kdf, iterations: 1 } }, PASSPHRASE, 'new one'))).toBe(
      'unsupported',
    );
    expect(derive).not.toHaveBeenCalled();
  });

  it('the data key cannot be exported, whether created or unlocked', async () => {
    const unlocked = await unlockKey(keyFile, PASSPHRASE);
    for (const dataKey of [key, unlocked]) {
      expect(dataKey.key.extractable).toBe(false);
      expect(dataKey.key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
      expect([...dataKey.key.usages].sort()).toEqual(['decrypt', 'encrypt']);
      await expect(crypto.subtle.exportKey('raw', dataKey.key)).rejects.toThrow();
      await expect(crypto.subtle.exportKey('jwk', dataKey.key)).rejects.toThrow();
    }
  });

  it('a passphrase change keeps the keyId and every file readable; the old passphrase no longer unlocks', async () => {
    const rewrapped = await rewrapKey(keyFile, PASSPHRASE, 'a new passphrase');
    expect(rewrapped.keyId).toBe(keyFile.keyId);
    expect(rewrapped.created).toBe(keyFile.created);
    expect(rewrapped.kdf.iterations).toBe(600_000);
    expect(rewrapped.kdf.salt).not.toBe(keyFile.kdf.salt);
    expect(rewrapped.wrap.iv).not.toBe(keyFile.wrap.iv);
    expect(rewrapped.wrap.data).not.toBe(keyFile.wrap.data);

    const unlocked = await unlockKey(JSON.parse(JSON.stringify(rewrapped)), 'a new passphrase');
    expect(unlocked.keyId).toBe(keyFile.keyId);
    expect(unlocked.key.extractable).toBe(false);
    expect(await decryptFile(unlocked, sealed, META)).toEqual(PLAINTEXT);

    expect(await kindOf(unlockKey(rewrapped, PASSPHRASE))).toBe('wrong-passphrase');
    expect(await kindOf(rewrapKey(keyFile, 'not the passphrase', 'whatever'))).toBe('wrong-passphrase');
  });
});
