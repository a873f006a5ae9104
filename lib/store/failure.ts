/** What a failed write tells the user: one place that turns IndexedDB's failures into messages. */
import { AppFailure, storageFailure } from '../result';

/**
 * Ends a transaction whose work failed and returns what to throw. When the browser aborted the
 * transaction itself (a full disk at commit, an I/O error), its requests report only "AbortError":
 * the transaction's own error is the cause worth telling. A storage failure becomes an AppFailure
 * naming what failed (`failed`, e.g. "the note was not saved"); anything else (an AppFailure already,
 * a bug) is returned as it is.
 */
export async function failureOf(
  tx: { abort(): void; done: Promise<void> },
  e: unknown,
  failed: string,
): Promise<unknown> {
  try {
    tx.abort();
  } catch {
    // Already aborted by the browser, or committed: nothing to undo.
  }
  const ended = await tx.done.then(
    () => null,
    (x: unknown) => x,
  );
  if (e instanceof AppFailure) return e;
  const endedName = (ended as { name?: unknown } | null)?.name;
  const cause = ended && endedName !== 'AbortError' && storageFailure(ended) ? ended : e;
  const error = storageFailure(cause, failed);
  return error ? new AppFailure(error) : e;
}
