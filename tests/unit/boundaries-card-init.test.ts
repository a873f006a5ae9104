/**
 * The card frame's handshake (lib/client.ts): the frame takes the channel only from a message that names
 * its own token, comes from the window framing it, carries a port and holds the key stored in
 * storage.local. A page can frame card.html itself (Firefox: under a hash of its choosing) and post
 * whatever it likes to it; without the key it gets nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { cardFrameKey, randomToken, waitForCardInit } from '../../lib/client';

const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const KEY = 'f00dfeedf00dfeedf00dfeedf00dfeed';

/** A frame's window: its parent (the page the content script runs in) and its message events. */
function frameWindow() {
  const parent = {} as Window;
  const target = new EventTarget();
  const win = Object.assign(target, { parent }) as unknown as Window;
  const post = (data: unknown, { source = parent as unknown, withPort = true } = {}) => {
    const ports = withPort ? [new MessageChannel().port1] : [];
    win.dispatchEvent(new MessageEvent('message', { data, source: source as Window, ports }));
    return ports[0];
  };
  return { win, parent, post };
}

/** Whether the promise settles within a few turns of the event loop. */
async function settles(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
  return done;
}

describe('card frame handshake', () => {
  it('takes the port of a message with its token, from its parent, holding the stored key', async () => {
    const { win, post } = frameWindow();
    const port = waitForCardInit(win, TOKEN, async () => KEY);
    const sent = post({ backstoryCardInit: TOKEN, key: KEY });
    await expect(port).resolves.toBe(sent);
  });

  it.each([
    ['another token (a guess)', { data: { backstoryCardInit: 'guess', key: KEY } }],
    ['no key (the page framed card.html itself under a hash it chose)', { data: { backstoryCardInit: TOKEN } }],
    ['a wrong key', { data: { backstoryCardInit: TOKEN, key: 'guess' } }],
    ['an empty key', { data: { backstoryCardInit: TOKEN, key: '' } }],
    ['no port', { data: { backstoryCardInit: TOKEN, key: KEY }, withPort: false }],
    ['another window', { data: { backstoryCardInit: TOKEN, key: KEY }, source: {} }],
    ['a contract call', { data: { backstory: 1, call: 'entity.save', input: {} } }],
    ['nothing', { data: null }],
  ])('ignores a message with %s', async (_what, { data, ...how }) => {
    const { win, post } = frameWindow();
    const port = waitForCardInit(win, TOKEN, async () => KEY);
    post(data, how);
    expect(await settles(port)).toBe(false);
  });

  it('takes nothing while no key is stored, and nothing for an empty token', async () => {
    const stored = frameWindow();
    const noKey = waitForCardInit(stored.win, TOKEN, async () => null);
    stored.post({ backstoryCardInit: TOKEN, key: KEY });
    expect(await settles(noKey)).toBe(false);

    const blank = frameWindow();
    const noToken = waitForCardInit(blank.win, '', async () => KEY);
    blank.post({ backstoryCardInit: '', key: KEY });
    expect(await settles(noToken)).toBe(false);
  });

  it('keeps waiting after a forged message, and stops listening once the channel is taken', async () => {
    const { win, post } = frameWindow();
    const storedKey = vi.fn(async () => KEY);
    const port = waitForCardInit(win, TOKEN, storedKey);
    post({ backstoryCardInit: TOKEN, key: 'forged' });
    const genuine = post({ backstoryCardInit: TOKEN, key: KEY });
    await expect(port).resolves.toBe(genuine);
    const asked = storedKey.mock.calls.length;
    post({ backstoryCardInit: TOKEN, key: KEY });
    await settles(Promise.resolve());
    expect(storedKey).toHaveBeenCalledTimes(asked); // not even looked at
  });
});

describe('card frame key', () => {
  it('is made once by the content script, and only read by the frame', async () => {
    expect(await cardFrameKey()).toBeNull(); // the frame never makes one
    const made = await cardFrameKey(true);
    expect(made).toMatch(/^[0-9a-f]{32}$/);
    expect(await cardFrameKey(true)).toBe(made);
    expect(await cardFrameKey()).toBe(made);
    expect(await fakeBrowser.storage.local.get('cardFrameKey')).toEqual({ cardFrameKey: made });
  });
});

describe('random tokens', () => {
  it('are 128 random bits, also where randomUUID does not exist (plain-http pages)', () => {
    const saved = crypto.randomUUID;
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const tokens = new Set(Array.from({ length: 100 }, randomToken));
      expect(tokens.size).toBe(100);
      for (const t of tokens) expect(t).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      Object.defineProperty(crypto, 'randomUUID', { value: saved, configurable: true });
    }
  });
});
