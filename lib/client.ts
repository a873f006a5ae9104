/**
 * The message contract from an extension page's or content script's side, and the handshake that
 * opens the card frame's private channel. Imports only types from lib/messages.ts, so the validators
 * (zod) stay in the background bundle.
 */
import { browser } from 'wxt/browser';
import { storage } from 'wxt/utils/storage';
import type { CallInput, CallMessage, CallName, CallOutputs, CardFrameInit } from './messages';
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

/**
 * A random token (128 bits, hex). `crypto.getRandomValues`, not `randomUUID`: content scripts run in
 * the page's context, and on a plain-http page (not a secure context) `randomUUID` does not exist.
 */
export function randomToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

const cardKeyItem = storage.defineItem<string | null>('local:cardFrameKey', { fallback: null });

/**
 * The handshake key; with `create` (the content script), made on first use. The frame only reads it:
 * a message carrying a key the store does not hold is not Backstory's.
 */
export async function cardFrameKey(create = false): Promise<string | null> {
  const key = await cardKeyItem.getValue();
  if (key || !create) return key;
  await cardKeyItem.setValue(randomToken());
  // Read back: when two tabs make it at the same moment, both go on with the write that came last.
  return cardKeyItem.getValue();
}

/**
 * The card frame's side of the handshake: resolves with the port of the first message that names this
 * frame's token, comes from the window that frames it, carries a port and holds the stored key. Every
 * other message is ignored, and once the port is taken nothing is listened to any more.
 */
export function waitForCardInit(
  win: Window,
  token: string,
  storedKey: () => Promise<string | null> = cardFrameKey,
): Promise<MessagePort> {
  return new Promise((resolve) => {
    const onMessage = (e: MessageEvent) => {
      const port = e.ports[0];
      const data = e.data as Partial<CardFrameInit> | null;
      if (!port || !token || e.source !== win.parent || data?.backstoryCardInit !== token) return;
      if (typeof data.key !== 'string' || !data.key) return;
      const offered = data.key;
      void storedKey().then((key) => {
        if (key !== offered) return;
        win.removeEventListener('message', onMessage);
        resolve(port);
      });
    };
    win.addEventListener('message', onMessage);
  });
}
