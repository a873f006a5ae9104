import { describe, expect, it } from 'vitest';
import { DictionaryService } from '../../lib/background/dictionary';
import { SeenPages } from '../../lib/background/seen';
import { createHandlers, dispatch, senderRole, type Sender } from '../../lib/background/router';
import { call } from '../../lib/client';
import { CALL_ACCESS, type CallMessage } from '../../lib/messages';
import { importPack } from '../../lib/store/packs';
import { samplePack } from '../fixtures/packs';
import { dump, freshStore } from '../fixtures/store';

const RUNTIME_ID = 'abcdefghijklmnop';
const ORIGIN = `chrome-extension://${RUNTIME_ID}/`;
const POPUP: Sender = { id: RUNTIME_ID, url: `${ORIGIN}popup.html` };
const CONTENT: Sender = { id: RUNTIME_ID, url: 'https://news.example/story', tab: { id: 7 } };
/** The card: an extension page framed into the news page's tab. */
const CARD_FRAME: Sender = { id: RUNTIME_ID, url: `${ORIGIN}card.html#token`, tab: { id: 7 } };
const OTHER_EXTENSION: Sender = { id: 'someone-else', url: 'chrome-extension://someone-else/x.html' };

async function setup() {
  const { store } = await freshStore();
  await importPack(store, samplePack());
  const env = {
    runtimeId: RUNTIME_ID,
    extensionOrigin: ORIGIN,
    handlers: createHandlers(store, new DictionaryService(store), new SeenPages(store)),
  };
  const send = (sender: Sender) => (message: CallMessage) => dispatch(message, sender, env);
  return { store, env, send };
}

describe('message contract: senders', () => {
  it('tells extension pages from content scripts and strangers', () => {
    const env = { runtimeId: RUNTIME_ID, extensionOrigin: ORIGIN };
    expect(senderRole(POPUP, env)).toBe('extension');
    expect(senderRole(CONTENT, env)).toBe('page');
    expect(senderRole(OTHER_EXTENSION, env)).toBeNull();
    expect(senderRole({ id: RUNTIME_ID, url: `https://evil.example/${ORIGIN}` }, env)).toBeNull();
  });

  it('lets a content script match text, and only the card frame read the card (notes included)', async () => {
    const { send, store } = await setup();
    const matched = await call(send(CONTENT), 'page.match', { texts: ['Fighting near Albukamal.'] });
    expect(matched.ok && matched.value.entities.map((e) => e.name)).toEqual(['Albu Kamal']);
    const [town] = await store.findByAlias('Albukamal');
    const r = await call(send(CARD_FRAME), 'card.get', { entityId: town!.id });
    expect(r.ok && r.value?.entity.name).toBe('Albu Kamal');
    expect(await call(send(CONTENT), 'card.get', { entityId: town!.id })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });

  // Every call a content script must not make is refused, and the store does not change.
  const extensionOnly = Object.entries(CALL_ACCESS)
    .filter(([, access]) => access === 'extension')
    .map(([name]) => name);
  it.each(extensionOnly)('refuses "%s" from a content script', async (name) => {
    const { send, store } = await setup();
    const before = await dump(store);
    const r = await send(CONTENT)({ backstory: 1, call: name as never, input: {} as never });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await dump(store)).toEqual(before);
  });

  it('refuses every call from another extension', async () => {
    const { send } = await setup();
    const r = await call(send(OTHER_EXTENSION), 'card.get', { entityId: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('message contract: calls', () => {
  it('writes from an extension page and returns the record as a value', async () => {
    const { send, store } = await setup();
    const r = await call(send(POPUP), 'entity.save', {
      entity: { name: 'Camp Taji', kind: 'place', aliases: [{ text: 'Taji' }] },
    });
    expect(r.ok).toBe(true);
    expect((await store.findByAlias('Taji')).map((e) => e.name)).toEqual(['Camp Taji']);
  });

  it('validates payloads and names the bad field', async () => {
    const { send, store } = await setup();
    const before = await dump(store);
    const r = await call(send(POPUP), 'entity.save', { entity: { name: 'X', kind: 'planet' as never } });
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'invalid-input',
        message: 'kind: expected one of person, place, organization, group, topic, other.',
        issues: [expect.objectContaining({ path: 'entity.kind' })],
      },
    });
    expect(await dump(store)).toEqual(before);
  });

  it('answers unknown calls and failures as values, never by throwing', async () => {
    const { send } = await setup();
    expect(await send(POPUP)({ backstory: 1, call: 'store.drop' as never, input: {} as never })).toMatchObject({
      ok: false,
      error: { code: 'unknown-call' },
    });
    expect(await call(send(POPUP), 'entity.delete', { id: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    const bad = await call(send(POPUP), 'pack.import', { text: '{"format":"backstory-pack","formatVersion":5}' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'unsupported-version' } });
  });

  it('ignores messages that are not calls of this contract', async () => {
    const { env } = await setup();
    expect(await dispatch({ type: 'something-else' }, POPUP, env)).toBeUndefined();
  });

  it('turns a missing background into an error value', async () => {
    const r = await call(() => Promise.reject(new Error('Could not establish connection')), 'store.stats', {});
    expect(r).toMatchObject({ ok: false, error: { message: expect.stringContaining('did not answer') } });
  });
});
