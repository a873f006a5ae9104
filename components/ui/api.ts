/**
 * How extension pages reach the store: one function with the contract's types. Pages get it as a
 * prop, so component tests hand them the real router over a real (fake-indexeddb) store instead.
 */
import { callBackground } from '../../lib/client';
import type { CallInput, CallName, CallOutputs } from '../../lib/messages';
import type { AppError, Result } from '../../lib/result';

export type Api = <K extends CallName>(name: K, input: CallInput<K>) => Promise<Result<CallOutputs[K]>>;

export const backgroundApi: Api = (name, input) => callBackground(name, input);

/** The message of each field path of a validation error ("aliases[1].text" → "expected …"). */
export function fieldErrors(error: AppError | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error?.issues ?? []) {
    // Contract errors carry the input's wrapper ("entity.name"); forms know the field path only.
    const path = issue.path.replace(/^(entity|event|note)\./, '');
    out[path] ??= issue.message;
  }
  return out;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;
