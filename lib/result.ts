/**
 * Results cross every boundary (runtime messages, store calls that can fail for reasons the user must
 * see) as values, never as thrown exceptions: a thrown error does not survive structured cloning.
 */
export type Ok<T> = { ok: true; value: T };
export type Err = { ok: false; error: AppError };
export type Result<T> = Ok<T> | Err;

/** What went wrong, in a form the UI can show as is (`message`) and code can branch on (`code`). */
export interface AppError {
  code: ErrorCode;
  /** One plain sentence for the user. */
  message: string;
  /** Field paths and what is wrong with each, for validation errors. */
  issues?: { path: string; message: string }[];
}

export type ErrorCode =
  | 'invalid-input'
  | 'invalid-pack'
  | 'unsupported-version'
  | 'not-found'
  | 'forbidden'
  | 'unknown-call'
  | 'quota-exceeded'
  | 'storage-failed'
  | 'internal';

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string, issues?: AppError['issues']): Err => ({
  ok: false,
  error: issues ? { code, message, issues } : { code, message },
});

/** Thrown inside the extension origin when a failure already has its user-facing form. */
export class AppFailure extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'AppFailure';
  }
}

/**
 * An error whose message was written for the user (a server's answer, an encryption failure, a sync
 * protocol problem): shown as it is, with `appCode` (default `storage-failed`).
 */
export interface UserFacingError {
  readonly userFacing: true;
  readonly message: string;
  readonly appCode?: ErrorCode;
}

export const isUserFacing = (e: unknown): e is UserFacingError =>
  e instanceof Error && (e as Partial<UserFacingError>).userFacing === true;

/** What to do when the browser has no room left (said with every quota failure). */
const QUOTA_ADVICE =
  'To make room, free some disk space on this computer or delete old snapshots (Manager → Sync → Local snapshots), then try again.';

/** The name of a DOMException-like error (IndexedDB reports its failures so), or null. */
function storageErrorName(e: unknown): string | null {
  const name = (e as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /Error$/.test(name) && name !== 'Error' && name !== 'TypeError' ? name : null;
}

/**
 * A storage failure (a DOMException from IndexedDB) as a message for the user, naming what failed
 * (`failed`, e.g. "the note was not saved"); null when `e` is not a storage failure.
 */
export function storageFailure(e: unknown, failed = 'Backstory could not finish this'): AppError | null {
  const name = storageErrorName(e);
  if (name === null) return null;
  if (name === 'QuotaExceededError')
    return {
      code: 'quota-exceeded',
      message: `Your browser has no room left for Backstory's data: ${failed}. Nothing was changed. ${QUOTA_ADVICE}`,
    };
  const detail = e instanceof Error && e.message ? `: ${e.message}` : '';
  return {
    code: 'storage-failed',
    message: `${failed[0]!.toUpperCase()}${failed.slice(1)}: the browser's storage failed (${name}${detail}). Nothing was changed; try again, and restart the browser if it keeps happening.`,
  };
}

/** Turns anything thrown into an AppError, keeping storage failures recognisable. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppFailure) return e.error;
  if (isUserFacing(e)) return { code: e.appCode ?? 'storage-failed', message: e.message };
  const storage = storageFailure(e);
  if (storage) return storage;
  return { code: 'internal', message: `Something went wrong: ${e instanceof Error ? e.message : String(e)}` };
}
