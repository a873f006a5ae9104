/** Record ids: random for what the user creates, derived for what a pack brings. */
import type { RecordType } from './model';

/** A fresh random id for a record the user creates. */
export function randomId(): string {
  return crypto.randomUUID();
}

/**
 * The id of a record imported from a pack, derived from (pack id, record type, local id) so that the
 * same pack imported twice, or on two devices, gives the same ids: re-import updates instead of
 * duplicating, and sync sees one record instead of two. UUID-shaped (version nibble 8: custom).
 */
export async function packRecordId(packId: string, type: RecordType, localId: string): Promise<string> {
  const data = new TextEncoder().encode(`backstory\u0000${packId}\u0000${type}\u0000${localId}`);
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', data)).slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
