/**
 * The message contract from an extension page's or content script's side. Imports only types from
 * lib/messages.ts, so the validators (zod) stay in the background bundle.
 */
import { browser } from 'wxt/browser';
import type { CallInput, CallMessage, CallName, CallOutputs } from './messages';
import type { AppError, Result } from './result';

/** Something that can deliver a message to the background (browser.runtime.sendMessage in practice). */
export type Transport = (message: CallMessage) => Promise<unknown>;

/** Makes a call; never throws: a missing background or a broken reply becomes an error value. */
export async function call<K extends CallName>(
  send: Transport,
  name: K,
  input: CallInput<K>,
): Promise<Result<CallOutputs[K]>> {
  try {
    const reply = await send({ backstory: 1, call: name, input });
    if (typeof reply === 'object' && reply !== null && typeof (reply as { ok?: unknown }).ok === 'boolean')
      return reply as Result<CallOutputs[K]>;
    return { ok: false, error: noAnswer('it sent no answer') };
  } catch (e) {
    return { ok: false, error: noAnswer((e as Error)?.message ?? String(e)) };
  }
}

const noAnswer = (detail: string): AppError => ({
  code: 'internal',
  message: `Backstory's background service did not answer (${detail}). Try again; if it persists, reload the extension.`,
});

const send: Transport = (message) => browser.runtime.sendMessage(message);

/** Calls the background; resolves to a Result and never throws. */
export function callBackground<K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutputs[K]>> {
  return call(send, name, input);
}
