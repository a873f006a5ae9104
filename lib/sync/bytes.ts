/**
 * Byte helpers shared by the sync modules (crypto, protocol, browser storage): base64, SHA-256, gzip.
 * WebCrypto and the compression streams only: they run in service workers, pages and Node alike.
 */

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Strict, canonical standard base64 (padded, no whitespace, no URL-safe alphabet); `undefined` for
 * anything else. `atob` refuses foreign characters; the round trip refuses what it tolerates
 * (whitespace, missing padding, non-zero padding bits: other spellings of the same bytes).
 */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return toBase64(bytes) === text ? bytes : undefined;
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  const source = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  return new Uint8Array(await crypto.subtle.digest('SHA-256', source));
}

/** SHA-256 as lowercase hex. */
export const sha256Hex = async (bytes: Uint8Array): Promise<string> => toHex(await sha256(bytes));

/** Runs bytes through a (de)compression stream, without Blob or Response (not in every test environment). */
async function transform(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    await writer.write(new Uint8Array(bytes));
    await writer.close();
  })();
  writing.catch(() => undefined); // the same error reaches the reader
  const reader = stream.readable.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.length;
  }
  await writing;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const gzip = (bytes: Uint8Array) => transform(bytes, new CompressionStream('gzip'));
export const gunzip = (bytes: Uint8Array) => transform(bytes, new DecompressionStream('gzip'));
