// @vitest-environment node
/**
 * lib/sync/webdav.ts against real WebDAV servers on 127.0.0.1 (helpers in tests/integration):
 * npm webdav-server (in-process) and Apache httpd mod_dav (when /usr/sbin/apache2 exists; with
 * CI=true a missing apache2 fails the run instead of skipping). Node's own fetch, not happy-dom's.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteError, type Remote } from '../../lib/sync/remote';
import { webdavRemote } from '../../lib/sync/webdav';
import { APACHE_BIN, startApache, startWebdavServer, type RunningServer } from '../integration/webdav-servers';

const USER = 'alice';
// UTF-8 and a space; no ':' and no '+' or '/' in its base64 (npm webdav-server mishandles those).
const PASSWORD = 'Köln €uro pass';

/** All 256 byte values, repeated, with a shuffle so that no two neighbouring KBs are equal. */
function testBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i + (i >> 10) * 7) & 0xff;
  return bytes;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  return a !== null && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b));
}

async function remoteError(promise: Promise<unknown>): Promise<RemoteError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof RemoteError) return e;
    throw e;
  }
  throw new Error('expected a RemoteError, the call succeeded');
}

const encoder = new TextEncoder();

function serverSuite(name: string, start: () => Promise<RunningServer | null>): void {
  describe(name, () => {
    let server: RunningServer;
    let remote: Remote;
    const calls: { method: string; url: string }[] = [];

    beforeAll(async () => {
      const started = Date.now();
      const running = await start();
      if (!running) throw new Error(`${name} could not be started`);
      server = running;
      console.log(`${name}: started at ${server.url} in ${Date.now() - started} ms`);
      remote = webdavRemote({
        url: server.url,
        username: USER,
        password: PASSWORD,
        fetch: (input, init) => {
          calls.push({ method: init?.method ?? 'GET', url: String(input) });
          return fetch(input, init);
        },
      });
    }, 20_000);

    afterAll(async () => {
      await server?.close();
    });

    it('ensureDir creates nested folders, is idempotent, and costs one request when the folder exists', async () => {
      await remote.ensureDir('nested/a/b/c');
      expect(await remote.list('nested/a/b')).toEqual([
        expect.objectContaining({ name: 'c', isDir: true, size: null }),
      ]);
      expect(await remote.list('nested/a/b/c')).toEqual([]);
      calls.length = 0;
      await remote.ensureDir('nested/a/b/c');
      expect(calls.map((c) => c.method)).toEqual(['MKCOL']);
      calls.length = 0;
      await remote.ensureDir('nested/a/b/c/d/e');
      // The deepest fails (parent missing), then every level from the top: nested..c exist (405), d and e are made.
      expect(calls.map((c) => c.method)).toEqual(Array(7).fill('MKCOL'));
      expect(calls.map((c) => c.url.slice(server.url.length))).toEqual([
        'nested/a/b/c/d/e/',
        'nested/',
        'nested/a/',
        'nested/a/b/',
        'nested/a/b/c/',
        'nested/a/b/c/d/',
        'nested/a/b/c/d/e/',
      ]);
      expect((await remote.list('nested/a/b/c/d')).map((e) => e.name)).toEqual(['e']);
      await remote.ensureDir('');
    });

    it('put/get round-trips binary bytes: all 256 values, and 1 MB', async () => {
      await remote.ensureDir('bytes');
      const all = new Uint8Array(256).map((_, i) => i);
      await remote.put('bytes/all.bin', all);
      expect(sameBytes(await remote.get('bytes/all.bin'), all)).toBe(true);

      const big = testBytes(1024 * 1024);
      const t0 = performance.now();
      await remote.put('bytes/big.bin', big);
      const t1 = performance.now();
      const back = await remote.get('bytes/big.bin');
      const t2 = performance.now();
      console.log(`${name}: 1 MB put ${(t1 - t0).toFixed(0)} ms, get ${(t2 - t1).toFixed(0)} ms`);
      expect(back).toBeInstanceOf(Uint8Array);
      expect(back!.length).toBe(big.length);
      expect(sameBytes(back, big)).toBe(true);

      const empty = new Uint8Array(0);
      await remote.put('bytes/empty.bin', empty);
      expect(await remote.get('bytes/empty.bin')).toEqual(new Uint8Array(0));
    });

    it('list (Depth 1) returns exactly the children, with sizes, kinds, etags and dates', async () => {
      await remote.ensureDir('listing/sub');
      await remote.put('listing/one.bin', new Uint8Array([1]));
      await remote.put('listing/thousand.bin', testBytes(1000));
      await remote.put('listing/empty.bin', new Uint8Array(0));
      await remote.put('listing/sub/deeper.bin', new Uint8Array([2, 3]));
      const entries = await remote.list('listing');
      const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
      expect(Object.keys(byName).sort()).toEqual(['empty.bin', 'one.bin', 'sub', 'thousand.bin']);
      expect(entries).toHaveLength(4);
      expect(byName['one.bin']).toMatchObject({ isDir: false, size: 1 });
      expect(byName['thousand.bin']).toMatchObject({ isDir: false, size: 1000 });
      expect(byName['empty.bin']).toMatchObject({ isDir: false, size: 0 });
      expect(byName['sub']).toMatchObject({ isDir: true, size: null });
      for (const e of entries) {
        expect(typeof e.modified).toBe('number');
        expect(Math.abs(e.modified! - Date.now())).toBeLessThan(10 * 60_000);
      }
      for (const file of ['one.bin', 'thousand.bin', 'empty.bin']) expect(byName[file]!.etag).toMatch(/\S/);
      // The same listing with a trailing slash, and of the sub folder.
      expect((await remote.list('listing/')).length).toBe(4);
      expect(await remote.list('/listing/sub/')).toEqual([expect.objectContaining({ name: 'deeper.bin', size: 2 })]);
      // The base folder itself lists its children too.
      expect((await remote.list('')).map((e) => e.name)).toContain('listing');
    });

    it('handles names with spaces, unicode, #, ?, % and other specials', async () => {
      const folder = 'Über uns & more (2026)';
      const names = ['Köln notes #1.bin', '100% sure?.bin', "a+b&c=d;e'f!g*h~.bin", 'emoji 🦊 日本.bin', '[x] {y}.bin'];
      await remote.ensureDir(`${folder}/Zürich #2`);
      for (const [i, n] of names.entries()) await remote.put(`${folder}/${n}`, encoder.encode(`file ${i}`));
      const entries = await remote.list(folder);
      expect(entries.map((e) => e.name).sort()).toEqual([...names, 'Zürich #2'].sort());
      for (const [i, n] of names.entries()) {
        expect(new TextDecoder().decode((await remote.get(`${folder}/${n}`))!)).toBe(`file ${i}`);
      }
      expect(await remote.list(`${folder}/Zürich #2`)).toEqual([]);
    });

    it('works with a base URL whose path has encoded spaces and unicode', async () => {
      await remote.ensureDir('Base Ördner #1');
      const inner = webdavRemote({
        url: `${server.url}${encodeURIComponent('Base Ördner #1')}`, // no trailing slash on purpose
        username: USER,
        password: PASSWORD,
      });
      await inner.ensureDir('devices/dev 1');
      await inner.put('devices/dev 1/head.json', encoder.encode('{}'));
      expect((await inner.list('')).map((e) => e.name)).toEqual(['devices']);
      expect((await inner.list('devices/dev 1')).map((e) => e.name)).toEqual(['head.json']);
      expect((await remote.list('Base Ördner #1/devices/dev 1')).map((e) => e.name)).toEqual(['head.json']);
    });

    it('get of a missing file is null; list of a missing folder is not-found; list of a file throws', async () => {
      expect(await remote.get('no-such-file.bin')).toBeNull();
      expect(await remote.get('no-such-folder/no-such-file.bin')).toBeNull();
      const missing = await remoteError(remote.list('no-such-folder'));
      expect(missing.kind).toBe('not-found');
      expect(missing.status).toBe(404);
      expect(missing.message).toContain('no-such-folder');

      // Never [] for a file: webdav-server lists the file itself (not a folder: not-found), Apache answers 400.
      await remote.put('plain-file.bin', new Uint8Array([1]));
      const file = await remoteError(remote.list('plain-file.bin'));
      expect(file.kind).toBe(name.startsWith('Apache') ? 'server' : 'not-found');
    });

    it('a wrong password is auth (401) for every operation', async () => {
      const wrong = webdavRemote({ url: server.url, username: USER, password: 'wrong password' });
      for (const call of [
        () => wrong.list(''),
        () => wrong.get('bytes/all.bin'),
        () => wrong.put('x.bin', new Uint8Array([1])),
        () => wrong.delete('x.bin'),
        () => wrong.ensureDir('x'),
      ]) {
        const e = await remoteError(call());
        expect(e.kind).toBe('auth');
        expect(e.status).toBe(401);
        expect(e.message).toContain('127.0.0.1');
      }
      const nobody = webdavRemote({ url: server.url, username: 'mallory', password: PASSWORD });
      expect((await remoteError(nobody.list(''))).kind).toBe('auth');
    });

    it('put into a missing folder is conflict', async () => {
      const e = await remoteError(remote.put('missing-parent/child.bin', new Uint8Array([1])));
      expect(e.kind).toBe('conflict');
      expect(e.message).toContain('missing-parent');
    });

    it('delete removes files and folders; deleting what is missing is fine', async () => {
      await remote.ensureDir('deleting/inner');
      await remote.put('deleting/a.bin', new Uint8Array([1]));
      await remote.put('deleting/inner/b.bin', new Uint8Array([2]));
      await remote.delete('deleting/a.bin');
      expect(await remote.get('deleting/a.bin')).toBeNull();
      expect((await remote.list('deleting')).map((e) => e.name)).toEqual(['inner']);
      await remote.delete('deleting/a.bin');
      await remote.delete('deleting/never-there/x.bin');
      await remote.delete('deleting/inner/');
      expect(await remote.list('deleting')).toEqual([]);
      await remote.delete('deleting');
      expect((await remoteError(remote.list('deleting'))).kind).toBe('not-found');
    });

    it('put overwrites: the new bytes and size replace the old ones', async () => {
      await remote.ensureDir('overwrite');
      await remote.put('overwrite/f.bin', testBytes(5000));
      const before = (await remote.list('overwrite'))[0]!;
      await remote.put('overwrite/f.bin', new Uint8Array([9, 8, 7]));
      expect(await remote.get('overwrite/f.bin')).toEqual(new Uint8Array([9, 8, 7]));
      const after = (await remote.list('overwrite'))[0]!;
      expect(after).toMatchObject({ name: 'f.bin', size: 3 });
      expect(after.etag).not.toBe(before.etag);
    });

    it('a server that is gone is network', async () => {
      const port = new URL(server.url).port;
      const closed = webdavRemote({ url: `http://127.0.0.1:1/`, username: USER, password: PASSWORD });
      const e = await remoteError(closed.list(''));
      expect(e.kind).toBe('network');
      expect(e.message).toBe('The server could not be reached: 127.0.0.1:1.');
      expect(port).not.toBe('1');
    });
  });
}

serverSuite('npm webdav-server', () => startWebdavServer({ user: USER, password: PASSWORD }));

const apacheInstalled = existsSync(APACHE_BIN);
if (apacheInstalled) {
  serverSuite('Apache httpd mod_dav', () => startApache({ user: USER, password: PASSWORD }));
} else if (process.env.CI === 'true') {
  describe('Apache httpd mod_dav', () => {
    it('needs apache2 in CI (.ci/run must apt-get install apache2-bin)', () => {
      throw new Error(`${APACHE_BIN} is missing: CI must install the apache2-bin (or apache2) package.`);
    });
  });
} else {
  console.warn(
    `\n${'!'.repeat(100)}\n!! SKIPPED: the WebDAV client tests against Apache httpd mod_dav: ${APACHE_BIN} is missing.\n` +
      `!! Install it with: sudo apt-get install -y apache2-bin   (or apache2; with CI=true these tests fail instead)\n${'!'.repeat(100)}\n`,
  );
  describe.skip('Apache httpd mod_dav (apache2 missing)', () => {
    it('skipped', () => {});
  });
}
