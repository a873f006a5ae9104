/**
 * The storage a sync backend offers the sync engine: a folder tree of files on a server the user
 * controls. Paths are relative to the backend's base (its configured folder), segments separated by
 * `/`, never `.` or `..`. Implementations do not retry: the sync engine decides what to do with a
 * `RemoteError` (its `kind`), and shows its `message` to the user.
 */
import type { UserFacingError } from '../result';

export interface RemoteEntry {
  /** The decoded name of the file or folder (no slashes). */
  name: string;
  isDir: boolean;
  /** Bytes, when the server says; always null for folders. */
  size: number | null;
  /** The server's ETag as sent (quotes and `W/` included), or null. */
  etag: string | null;
  /** Last modification, ms since the epoch, or null. */
  modified: number | null;
}

export interface Remote {
  /** Children of a folder (PROPFIND Depth: 1 only), without the folder itself. [] never means "error": a missing folder throws kind 'not-found'. */
  list(dir: string): Promise<RemoteEntry[]>;
  /** File bytes, or null when it does not exist (404/410). */
  get(path: string): Promise<Uint8Array | null>;
  put(path: string, body: Uint8Array): Promise<void>;
  delete(path: string): Promise<void>; // 404 is fine
  /** Creates the folder and any missing parents (MKCOL each level; 405 = exists is fine). */
  ensureDir(dir: string): Promise<void>;
}

/**
 * What went wrong, for the sync engine to decide:
 * - `auth` (401): wrong user name or password; ask the user.
 * - `forbidden` (403): the account may not read or write there; ask the user.
 * - `not-found`: a folder that `list` was asked for does not exist.
 * - `conflict` (409, or 404 on PUT/MKCOL): a parent folder is missing.
 * - `precondition` (412) / `locked` (423): someone else holds or changed the file; try later.
 * - `quota` (507, 413): no space, or the file is too large for the server; ask the user.
 * - `server` (5xx, 429 and other unexpected answers): try later.
 * - `timeout`: no (complete) answer in time; try later.
 * - `network`: the server could not be reached (offline, DNS, refused, TLS, no host permission).
 * - `redirect` (3xx): the address is not the final one; the user must enter the one redirected to.
 * - `garbage`: the answer is not WebDAV (a web page, a login form, broken XML, too large).
 */
export type RemoteErrorKind =
  | 'auth'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'precondition'
  | 'locked'
  | 'quota'
  | 'server'
  | 'timeout'
  | 'network'
  | 'redirect'
  | 'garbage';

/** A failure of a remote operation; `message` is plain English for the user and names the server. */
export class RemoteError extends Error implements UserFacingError {
  override readonly name = 'RemoteError';
  /** Its message is written for the user (see `toAppError`). */
  readonly userFacing = true;

  constructor(
    readonly kind: RemoteErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
