// @vitest-environment node
/**
 * The background's sync service end to end in Node: real stores (fake-indexeddb), real WebCrypto, a
 * real WebDAV server (npm webdav-server, in-process) and, when it is installed, Apache mod_dav. Each
 * simulated device has its own store and its own settings, status and protocol state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storage } from 'wxt/utils/storage';
import { SyncService, type SyncItems } from '../../lib/background/sync-service';
import { decryptFile, encryptFile, isEncrypted, unlockKey } from '../../lib/sync/crypto';
import { fromBase64, toBase64 } from '../../lib/sync/bytes';
import { layout } from '../../lib/sync/protocol';
import { webdavRemote } from '../../lib/sync/webdav';
import { DEFAULT_SYNC_SETTINGS, type SyncStatus } from '../../lib/sync/settings';
import type { SyncState } from '../../lib/sync/protocol';
import { importPack } from '../../lib/store/packs';
import { samplePack } from '../fixtures/packs';
import { dump, freshStore } from '../fixtures/store';
import { startApache, startWebdavServer, type RunningServer } from '../integration/webdav-servers';

const USER = 'reporter';
const PASSWORD = 'Köln €uro pass';
const PASSPHRASE = 'correct horse battery staple';

let n = 0;
/** A device: its store and a sync service with storage items of its own. */
async function device(name: string) {
  const { store } = await freshStore();
  const tag = `${name}-${n++}`;
  const items: SyncItems = {
    settings: storage.defineItem(`local:syncSettings-${tag}`, { fallback: DEFAULT_SYNC_SETTINGS }),
    status: storage.defineItem<SyncStatus>(`local:syncStatus-${tag}`, {
      fallback: { state: 'off', at: null, message: '' },
    }),
    state: storage.defineItem<SyncState | null>(`local:syncState-${tag}`, { fallback: null }),
  };
  let changes = 0;
  const service = new SyncService(store, () => changes++, null, items);
  return { store, service, items, changes: () => changes };
}

const connect = (d: Awaited<ReturnType<typeof device>>, server: RunningServer, passphrase?: string) =>
  d.service.configure({
    backend: 'webdav',
    url: server.url,
    username: USER,
    password: PASSWORD,
    deviceName: 'test device',
    ...(passphrase ? { passphrase } : {}),
  });

describe.each([
  ['webdav-server', () => startWebdavServer({ user: USER, password: PASSWORD })],
  ['Apache mod_dav', () => startApache({ user: USER, password: PASSWORD })],
] as const)('sync through %s', (label, start) => {
  let server: RunningServer | null = null;
  beforeAll(async () => {
    server = await start();
    if (!server) {
      if (process.env.CI === 'true') throw new Error('apache2 is missing; .ci/run installs apache2-bin');
      console.warn(`\n*** SKIPPING sync through ${label}: /usr/sbin/apache2 not found\n`);
    }
  });
  afterAll(async () => server?.close());

  it('two devices share their records through an encrypted store, and edits travel both ways', async (ctx) => {
    if (!server) return ctx.skip();
    const a = await device('a');
    const b = await device('b');
    await importPack(a.store, samplePack());
    const first = await connect(a, server, PASSPHRASE);
    expect(first).toMatchObject({ state: 'idle' });

    // Everything on the server is encrypted (the store's description and the key file aside).
    const settings = await a.items.settings.getValue();
    const remote = webdavRemote({ url: server.url, username: USER, password: PASSWORD });
    const head = await remote.get(layout.head(settings.storeId!, a.store.device));
    expect(head).not.toBeNull();
    const shards = await remote.list(layout.shards(settings.storeId!, a.store.device));
    expect(shards.length).toBeGreaterThan(0);
    for (const s of shards)
      expect(isEncrypted((await remote.get(`${layout.shards(settings.storeId!, a.store.device)}/${s.name}`))!)).toBe(
        true,
      );

    // B joins with the passphrase and gets A's records.
    expect(await connect(b, server, PASSPHRASE)).toMatchObject({ state: 'idle' });
    expect((await b.store.findByAlias('Albukamal')).map((e) => e.name)).toEqual(['Albu Kamal']);
    const [town] = await b.store.findByAlias('Albukamal');
    await b.store.saveNote({ about: { type: 'entity', id: town!.id }, text: 'Written on B.' });
    expect(await b.service.syncNow()).toMatchObject({ state: 'idle' });
    const seen = await a.service.syncNow();
    expect(seen.message).toMatch(/1 change received/);
    expect((await a.store.notesAbout(town!.id)).map((x) => x.text)).toContain('Written on B.');
    expect(seen.devices?.length).toBe(2);

    // A third device with the wrong passphrase is told so, and nothing of it is changed.
    const c = await device('c');
    const before = await dump(c.store);
    await expect(connect(c, server, 'not the passphrase at all')).rejects.toThrow(/passphrase is not the one/);
    expect(await dump(c.store)).toEqual(before);
    expect(await c.items.settings.getValue()).toEqual(DEFAULT_SYNC_SETTINGS);
    await expect(connect(c, server)).rejects.toThrow(/encrypted: enter its passphrase/);
  });

  it('an idle sync writes nothing, and a sync can be undone from its snapshot', async (ctx) => {
    if (!server) return ctx.skip();
    const a = await device('a');
    const b = await device('b');
    await connect(a, server, PASSPHRASE);
    await connect(b, server, PASSPHRASE);
    const town = await a.store.saveEntity({ name: 'Deir ez-Zor', kind: 'place' });
    await a.service.syncNow();
    await b.service.syncNow();
    expect((await b.store.getEntity(town.id))?.name).toBe('Deir ez-Zor');
    const quiet = await dump(b.store);
    const again = await b.service.syncNow();
    expect(again.message).toMatch(/nothing new received, nothing to send/);
    expect((await dump(b.store)).entities).toEqual(quiet.entities);
    // Undo what the last changing sync brought: the entity it created is deleted again, as an edit.
    const [last] = await b.service.snapshots();
    expect(last!.records).toBeGreaterThan(0);
    expect(await b.service.restoreSnapshot(last!.id)).toMatchObject({ restored: expect.any(Number) });
    expect(await b.store.getEntity(town.id)).toBeUndefined();
  });

  it('tests a connection without writing anything, and says what is there', async (ctx) => {
    if (!server) return ctx.skip();
    const a = await device('a');
    const remote = webdavRemote({ url: server.url, username: USER, password: PASSWORD });
    // Apache marks an ETag weak (W/) while the file's mtime is within the current second, strong a
    // moment later: the same version either way, so the comparison ignores the weak marker.
    const listing = async () =>
      (await remote.list('')).map((e) => ({ ...e, etag: e.etag?.replace(/^W\//, '') ?? e.etag }));
    const before = await listing();
    const found = await a.service.testConnection({
      backend: 'webdav',
      url: server.url,
      username: USER,
      password: PASSWORD,
    });
    expect(found).toMatch(/^Connected to 127\.0\.0\.1:\d+\. /);
    expect(await listing()).toEqual(before);
    await expect(
      a.service.testConnection({ backend: 'webdav', url: server.url, username: USER, password: 'wrong' }),
    ).rejects.toThrow(/refused the user name or app password/);
  });

  it('refuses a wrong app password with a plain message and keeps the settings as they were', async (ctx) => {
    if (!server) return ctx.skip();
    const a = await device('a');
    await expect(
      a.service.configure({ backend: 'webdav', url: server.url, username: USER, password: 'wrong', deviceName: 'x' }),
    ).rejects.toThrow(/refused the user name or app password/);
    expect(await a.items.settings.getValue()).toEqual(DEFAULT_SYNC_SETTINGS);
  });
});

describe('encrypted backups', () => {
  it('export and import merge a store into another, and refuse a wrong passphrase or a newer format', async () => {
    const a = await device('a');
    await importPack(a.store, samplePack());
    const text = await a.service.exportBackup(PASSPHRASE);
    expect(text).not.toContain('Albu Kamal');
    const b = await device('b');
    const mine = await b.store.saveEntity({ name: 'Raqqa', kind: 'place' });
    const before = await dump(b.store);
    await expect(b.service.importBackup(text, 'wrong passphrase')).rejects.toThrow(/passphrase is not the one/);
    const future = JSON.stringify({ ...JSON.parse(text), v: 2 });
    await expect(b.service.importBackup(future, PASSPHRASE)).rejects.toThrow(/newer version of Backstory/);
    await expect(b.service.importBackup('{"x":1}', PASSPHRASE)).rejects.toThrow(/not a Backstory backup/);
    expect(await dump(b.store)).toEqual(before);
    expect((await b.service.importBackup(text, PASSPHRASE)).changed).toBeGreaterThan(0);
    expect((await b.store.findByAlias('Albukamal')).map((e) => e.name)).toEqual(['Albu Kamal']);
    expect((await b.store.getEntity(mine.id))?.name).toBe('Raqqa'); // merged, nothing overwritten
  });

  it('refuses a backup that holds a record the user could not have written, and changes nothing', async () => {
    const a = await device('a');
    await importPack(a.store, samplePack());
    const doc = JSON.parse(await a.service.exportBackup(PASSPHRASE));
    // Whoever wrote the file (and shares its passphrase) put a javascript: link into one record.
    const key = await unlockKey(doc.keyFile, PASSPHRASE);
    const meta = { store: 'backup', device: doc.device, path: 'backup.json', generation: 1 };
    const list = JSON.parse(new TextDecoder().decode(await decryptFile(key, fromBase64(doc.data)!, meta)));
    const town = list.find(
      (r: { fields: { name?: { value: string }[] } }) => r.fields.name?.[0]?.value === 'Albu Kamal',
    );
    town.fields.links[0].value = [{ url: 'javascript:alert(document.cookie)', title: 'Map' }];
    const tampered = await encryptFile(key, new TextEncoder().encode(JSON.stringify(list)), meta);
    const text = JSON.stringify({ ...doc, data: toBase64(tampered) });

    const b = await device('b');
    await b.store.saveEntity({ name: 'Raqqa', kind: 'place' });
    const before = await dump(b.store);
    await expect(b.service.importBackup(text, PASSPHRASE)).rejects.toThrow(
      /^This backup holds a record Backstory cannot take in \(entity:[^ ]+: links\.0\.url: expected an http:\/\/ or https:\/\/ URL\)\. Nothing was changed\.$/,
    );
    expect(await dump(b.store)).toEqual(before);
  });
});
