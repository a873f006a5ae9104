// @vitest-environment node
/**
 * lib/sync/webdav.ts with a fake fetch: request shape, path encoding, status -> RemoteError mapping,
 * redirects, timeouts, garbage answers, and the multistatus parser on the XML of real servers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RemoteError, type RemoteErrorKind } from '../../lib/sync/remote';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_LISTING_BYTES,
  childrenOf,
  parseMultistatus,
  parseXml,
  webdavRemote,
} from '../../lib/sync/webdav';

const BASE = 'https://dav.example.org:8443/remote.php/dav/files/alice/Backstory/';
const HOST = 'dav.example.org:8443';
const PATH = '/remote.php/dav/files/alice/Backstory/';

interface Call {
  url: string;
  init: RequestInit;
}

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function setup(handler: Handler, options: { timeoutMs?: number; url?: string; password?: string } = {}) {
  const calls: Call[] = [];
  const fetchFake = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const call = { url: String(input), init: init ?? {} };
    calls.push(call);
    return handler(call.url, call.init);
  });
  const remote = webdavRemote({
    url: options.url ?? BASE,
    username: 'alice',
    password: options.password ?? 'secret',
    fetch: fetchFake as unknown as typeof fetch,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  return { remote, calls, fetchFake };
}

const status =
  (code: number, headers: Record<string, string> = {}) =>
  () =>
    new Response(code === 204 || code === 304 ? null : `status ${code}`, { status: code, headers });

const xml =
  (body: string, code = 207) =>
  () =>
    new Response(body, { status: code, headers: { 'Content-Type': 'application/xml; charset=utf-8' } });

async function remoteError(promise: Promise<unknown>): Promise<RemoteError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof RemoteError) return e;
    throw e;
  }
  throw new Error('expected a RemoteError, the call succeeded');
}

/** A multistatus answer in Apache's style for the base folder with the given children. */
function apacheListing(folderPath: string, children: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<D:multistatus xmlns:D="DAV:" xmlns:ns0="DAV:">
<D:response xmlns:lp1="DAV:" xmlns:lp2="http://apache.org/dav/props/" xmlns:g0="DAV:">
<D:href>${folderPath}</D:href>
<D:propstat>
<D:prop>
<lp1:resourcetype><D:collection/></lp1:resourcetype>
<lp1:getetag>W/"1000-6611fa1e586fb"</lp1:getetag>
<lp1:getlastmodified>Wed, 25 Nov 2026 20:25:48 GMT</lp1:getlastmodified>
</D:prop>
<D:status>HTTP/1.1 200 OK</D:status>
</D:propstat>
<D:propstat>
<D:prop>
<g0:getcontentlength/>
</D:prop>
<D:status>HTTP/1.1 404 Not Found</D:status>
</D:propstat>
</D:response>
${children}
</D:multistatus>`;
}

const apacheFile = (
  href: string,
  size: number,
) => `<D:response xmlns:lp1="DAV:" xmlns:lp2="http://apache.org/dav/props/">
<D:href>${href}</D:href>
<D:propstat>
<D:prop>
<lp1:resourcetype/>
<lp1:getcontentlength>${size}</lp1:getcontentlength>
<lp1:getetag>W/"5-6611fa1e586fb"</lp1:getetag>
<lp1:getlastmodified>Wed, 25 Nov 2026 20:25:48 GMT</lp1:getlastmodified>
</D:prop>
<D:status>HTTP/1.1 200 OK</D:status>
</D:propstat>
</D:response>`;

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('webdavRemote: configuration', () => {
  it('refuses addresses that are not http(s), carry credentials or a query, and user names with ":"', () => {
    const make =
      (url: string, username = 'alice') =>
      () =>
        webdavRemote({ url, username, password: 'x' });
    for (const url of [
      'ftp://dav.example.org/',
      'file:///etc/',
      'javascript:alert(1)',
      'dav.example.org/dav',
      '',
      'webdav://x/',
    ]) {
      expect(make(url), url).toThrow(TypeError);
    }
    expect(make('https://bob:pw@dav.example.org/')).toThrow(/own fields/);
    expect(make('https://dav.example.org/dav?x=1')).toThrow(/"\?"/);
    expect(make('https://dav.example.org/dav', 'a:b')).toThrow(/":"/);
    expect(make('http://127.0.0.1:8080/dav')).not.toThrow();
    expect(make('  HTTPS://Dav.Example.org/dav/#frag  ')).not.toThrow();
  });

  it('adds the trailing slash to the base and drops a fragment', async () => {
    const { remote, calls } = setup(status(404), { url: 'https://dav.example.org/dav#x' });
    await remote.get('a.bin');
    expect(calls[0]!.url).toBe('https://dav.example.org/dav/a.bin');
  });

  it('uses the global fetch at call time when none is given (never unbound)', async () => {
    const seen: unknown[] = [];
    vi.stubGlobal('fetch', function (this: unknown, input: RequestInfo | URL) {
      seen.push(this, String(input));
      return Promise.resolve(new Response(new Uint8Array([7]), { status: 200 }));
    });
    const remote = webdavRemote({ url: BASE, username: 'alice', password: 'x' });
    expect(await remote.get('x.bin')).toEqual(new Uint8Array([7]));
    expect(seen[1]).toBe(`${BASE}x.bin`);
    expect(seen[0]).not.toBe(remote);
  });
});

describe('webdavRemote: requests', () => {
  it('sends Basic auth as UTF-8 base64, no cookies, no cache, manual redirects, a signal', async () => {
    const { remote, calls } = setup(status(404), { password: 'pä:ss €' });
    await remote.get('x.bin');
    const init = calls[0]!.init;
    const auth = (init.headers as Record<string, string>)['Authorization']!;
    expect(auth).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(auth.slice(6), 'base64').toString('utf8')).toBe('alice:pä:ss €');
    expect(init).toMatchObject({ method: 'GET', redirect: 'manual', credentials: 'omit', cache: 'no-store' });
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it('PROPFIND has Depth: 1 and asks for exactly the four properties', async () => {
    const { remote, calls } = setup(xml(apacheListing(PATH, '')));
    await remote.list('');
    const { url, init } = calls[0]!;
    expect(url).toBe(BASE);
    expect(init.method).toBe('PROPFIND');
    expect(init.headers).toMatchObject({ Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' });
    const body = parseXml(String(init.body));
    expect(body).toMatchObject({ ns: 'DAV:', local: 'propfind' });
    expect(body.children[0]!.children.map((c) => `${c.ns} ${c.local}`)).toEqual([
      'DAV: resourcetype',
      'DAV: getcontentlength',
      'DAV: getetag',
      'DAV: getlastmodified',
    ]);
  });

  it('PUT sends the exact bytes as application/octet-stream, without If-Match', async () => {
    const { remote, calls } = setup(status(201));
    const bytes = new Uint8Array(256).map((_, i) => i);
    await remote.put('shards/s1.bin', bytes);
    const init = calls[0]!.init;
    expect(init.method).toBe('PUT');
    expect(init.headers).toEqual({ Authorization: expect.any(String), 'Content-Type': 'application/octet-stream' });
    expect(init.body).toBe(bytes);
  });

  it('GET returns the bytes as a Uint8Array', async () => {
    const bytes = new Uint8Array(256).map((_, i) => 255 - i);
    const { remote } = setup(() => new Response(bytes, { status: 200 }));
    const got = await remote.get('f.bin');
    expect(got).toBeInstanceOf(Uint8Array);
    expect(got).toEqual(bytes);
  });

  it('encodes every path segment (spaces, unicode, #, ?, %, +, &, quotes) and addresses folders with a slash', async () => {
    const { remote, calls } = setup((url) =>
      url.endsWith('/') ? xml(apacheListing(new URL(url).pathname, ''))() : status(201)(),
    );
    await remote.put('Köln notes #1.bin', new Uint8Array());
    await remote.put('dir/100% sure?.bin', new Uint8Array());
    await remote.put("a+b&c=d;e'f(g)*!.bin", new Uint8Array());
    await remote.put('back\\slash.bin', new Uint8Array());
    await remote.list('Über uns');
    await remote.list('/a//b/');
    const rel = calls.map((c) => c.url.slice(BASE.length));
    expect(rel).toEqual([
      'K%C3%B6ln%20notes%20%231.bin',
      'dir/100%25%20sure%3F.bin',
      'a%2Bb%26c%3Dd%3Be%27f%28g%29%2A%21.bin',
      'back%5Cslash.bin',
      '%C3%9Cber%20uns/',
      'a/b/',
    ]);
  });

  it('refuses "." and ".." and empty file paths', async () => {
    const { remote, fetchFake } = setup(status(200));
    await expect(remote.get('../other/x.bin')).rejects.toThrow(TypeError);
    await expect(remote.put('a/./b.bin', new Uint8Array())).rejects.toThrow(TypeError);
    await expect(remote.list('..')).rejects.toThrow(TypeError);
    await expect(remote.get('')).rejects.toThrow(TypeError);
    await expect(remote.delete('/')).rejects.toThrow(TypeError);
    expect(fetchFake).not.toHaveBeenCalled();
  });
});

describe('webdavRemote: status codes', () => {
  type Op = 'list' | 'get' | 'put' | 'delete' | 'ensureDir';
  const run = (op: Op, code: number, headers: Record<string, string> = {}) => {
    const { remote } = setup(status(code, headers));
    switch (op) {
      case 'list':
        return remote.list('sync');
      case 'get':
        return remote.get('sync/f.bin');
      case 'put':
        return remote.put('sync/f.bin', new Uint8Array([1]));
      case 'delete':
        return remote.delete('sync/f.bin');
      case 'ensureDir':
        return remote.ensureDir('sync');
    }
  };
  const ALL: Op[] = ['list', 'get', 'put', 'delete', 'ensureDir'];

  const table: [number, Op[], RemoteErrorKind][] = [
    [401, ALL, 'auth'],
    [403, ALL, 'forbidden'],
    [404, ['list'], 'not-found'],
    [410, ['list'], 'not-found'],
    [404, ['put'], 'conflict'],
    [409, ['list', 'get', 'put', 'delete'], 'conflict'],
    [412, ALL, 'precondition'],
    [423, ALL, 'locked'],
    [507, ALL, 'quota'],
    [413, ['put'], 'quota'],
    [500, ALL, 'server'],
    [502, ALL, 'server'],
    [503, ALL, 'server'],
    [504, ALL, 'server'],
    [429, ALL, 'server'],
    [400, ALL, 'server'],
    [408, ALL, 'timeout'],
    [405, ['list'], 'garbage'],
    [501, ['list'], 'garbage'],
    [405, ['put'], 'conflict'],
    [405, ['get', 'delete'], 'server'],
  ];
  for (const [code, ops, kind] of table) {
    for (const op of ops) {
      it(`${code} on ${op} is ${kind}`, async () => {
        const e = await remoteError(run(op, code));
        expect(e).toBeInstanceOf(Error);
        expect(e.name).toBe('RemoteError');
        expect(e.kind).toBe(kind);
        expect(e.status).toBe(code);
        expect(e.message).toContain(HOST);
        expect(e.message).toContain(String(code));
      });
    }
  }

  it('statuses that are fine: get 404/410 is null, delete 404/410/204, put 200/201/204, ensureDir 201/405', async () => {
    expect(await run('get', 404)).toBeNull();
    expect(await run('get', 410)).toBeNull();
    for (const code of [200, 204, 404, 410]) await expect(run('delete', code)).resolves.toBeUndefined();
    for (const code of [200, 201, 204]) await expect(run('put', code)).resolves.toBeUndefined();
    for (const code of [201, 405]) await expect(run('ensureDir', code)).resolves.toBeUndefined();
  });

  it('says what happened in plain words', async () => {
    const msg = async (op: Op, code: number) => (await remoteError(run(op, code))).message;
    expect(await msg('list', 401)).toBe(
      `The server ${HOST} refused the user name or app password (401). Check them in the sync settings; for Nextcloud, create an app password under Settings → Security.`,
    );
    expect(await msg('put', 403)).toBe(`The server ${HOST} does not let this account write to ${PATH}sync/ (403).`);
    expect(await msg('get', 403)).toBe(`The server ${HOST} does not let this account read ${PATH}sync/f.bin (403).`);
    expect(await msg('put', 409)).toBe(`The folder ${PATH}sync/ does not exist on the server ${HOST} (409).`);
    expect(await msg('list', 404)).toBe(`The folder ${PATH}sync/ does not exist on the server ${HOST} (404).`);
    expect(await msg('put', 423)).toBe(
      `The server ${HOST} reports the file ${PATH}sync/f.bin is locked or changed (423); sync will try again later.`,
    );
    expect(await msg('put', 507)).toBe(`The server ${HOST} is out of space (507). Nothing on this device was changed.`);
    expect(await msg('get', 503)).toBe(`The server ${HOST} had an error (503); sync will try again later.`);
    expect(await msg('list', 405)).toMatch(/^The server's answer could not be read \(not WebDAV\?\)/);
  });

  it('ensureDir: one MKCOL when the folder exists; on 409 creates every level from the top', async () => {
    const existing = new Set(['', 'a/']);
    const { remote, calls } = setup((url) => {
      const rel = url.slice(BASE.length);
      const parent = rel.replace(/[^/]+\/$/, '');
      if (existing.has(rel)) return status(405)();
      if (!existing.has(parent)) return status(409)();
      existing.add(rel);
      return status(201)();
    });
    await remote.ensureDir('a');
    expect(calls.map((c) => c.url.slice(BASE.length))).toEqual(['a/']);
    calls.length = 0;
    await remote.ensureDir('a/b c/d');
    expect(calls.map((c) => `${c.init.method} ${c.url.slice(BASE.length)}`)).toEqual([
      'MKCOL a/b%20c/d/',
      'MKCOL a/',
      'MKCOL a/b%20c/',
      'MKCOL a/b%20c/d/',
    ]);
    calls.length = 0;
    await remote.ensureDir('');
    await remote.ensureDir('/');
    expect(calls).toEqual([]);
  });

  it('ensureDir: a missing base folder is conflict, naming it', async () => {
    const { remote } = setup(status(409));
    const e = await remoteError(remote.ensureDir('a/b'));
    expect(e.kind).toBe('conflict');
    expect(e.message).toBe(`The folder ${PATH} does not exist on the server ${HOST} (409).`);
  });

  it('delete keeps a trailing slash for folders', async () => {
    const { remote, calls } = setup(status(204));
    await remote.delete('old dir/');
    await remote.delete('old.bin');
    expect(calls.map((c) => c.url.slice(BASE.length))).toEqual(['old%20dir/', 'old.bin']);
  });
});

describe('webdavRemote: redirects are never followed', () => {
  it.each([301, 302, 303, 307, 308])('%i is redirect, with the address to enter instead', async (code) => {
    const { remote, fetchFake } = setup((url) =>
      status(code, { Location: url.replace('https://dav.example.org:8443/', 'https://cloud.example.org/') })(),
    );
    const e = await remoteError(remote.list('sync/devices'));
    expect(e.kind).toBe('redirect');
    expect(e.status).toBe(code);
    expect(e.message).toBe(
      'The server redirected to https://cloud.example.org/remote.php/dav/files/alice/Backstory/; enter that address instead.',
    );
    expect(fetchFake).toHaveBeenCalledTimes(1);
  });

  it('http -> https of the base, and a relative Location', async () => {
    const http = setup((url) => status(301, { Location: url.replace('http:', 'https:') })(), {
      url: 'http://dav.example.org/dav/',
    });
    expect((await remoteError(http.remote.get('a b.bin'))).message).toBe(
      'The server redirected to https://dav.example.org/dav/; enter that address instead.',
    );
    const relative = setup(status(302, { Location: '/login?redirect_url=/dav' }));
    expect((await remoteError(relative.remote.put('f.bin', new Uint8Array()))).message).toBe(
      'The server redirected to https://dav.example.org:8443/login?redirect_url=/dav; enter that address instead.',
    );
  });

  it('a browser opaque redirect (no status, no Location) is redirect too', async () => {
    const opaque = {
      type: 'opaqueredirect',
      status: 0,
      ok: false,
      headers: new Headers(),
      body: null,
      bodyUsed: false,
    } as unknown as Response;
    const { remote } = setup(() => opaque);
    const e = await remoteError(remote.get('f.bin'));
    expect(e.kind).toBe('redirect');
    expect(e.status).toBeUndefined();
    expect(e.message).toContain(`The server ${HOST} redirected to another address`);
  });
});

describe('webdavRemote: timeouts and network errors', () => {
  /** A fetch that never answers, but rejects like the real one when its signal aborts. */
  const hanging: Handler = (_url, init) =>
    new Promise((_resolve, reject) => {
      init.signal!.addEventListener('abort', () =>
        reject(new DOMException('The operation was aborted.', 'AbortError')),
      );
    });

  it('a server that never answers is timeout after timeoutMs', async () => {
    const { remote } = setup(hanging, { timeoutMs: 30 });
    const started = Date.now();
    const e = await remoteError(remote.list(''));
    expect(e.kind).toBe('timeout');
    expect(e.message).toBe(`The server ${HOST} did not answer within 30 ms; sync will try again later.`);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the default timeout is 30 s (fake timers)', async () => {
    vi.useFakeTimers();
    const { remote, calls } = setup(hanging);
    const result = remoteError(remote.get('f.bin'));
    await vi.advanceTimersByTimeAsync(DEFAULT_TIMEOUT_MS - 1);
    expect(calls[0]!.init.signal!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls[0]!.init.signal!.aborted).toBe(true);
    const e = await result;
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('within 30 s');
  });

  it('the timeout covers a body that stops arriving (GET and PROPFIND)', async () => {
    const stalled: Handler = (_url, init) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">'));
          init.signal!.addEventListener('abort', () =>
            controller.error(new DOMException('The operation was aborted.', 'AbortError')),
          );
        },
      });
      return new Response(body, { status: init.method === 'PROPFIND' ? 207 : 200 });
    };
    const { remote } = setup(stalled, { timeoutMs: 30 });
    expect((await remoteError(remote.get('f.bin'))).kind).toBe('timeout');
    expect((await remoteError(remote.list('d'))).kind).toBe('timeout');
  });

  it('a fetch that fails (offline, DNS, refused, CORS, TLS) is network', async () => {
    const { remote } = setup(() => Promise.reject(new TypeError('Failed to fetch')));
    for (const call of [() => remote.list(''), () => remote.get('a'), () => remote.put('a', new Uint8Array())]) {
      const e = await remoteError(call());
      expect(e.kind).toBe('network');
      expect(e.message).toBe(`The server could not be reached: ${HOST}.`);
      expect(e.status).toBeUndefined();
    }
  });

  it('a connection that breaks while the body arrives is network', async () => {
    const broken: Handler = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.error(new TypeError('terminated'));
          },
        }),
        { status: 200 },
      );
    const { remote } = setup(broken);
    expect((await remoteError(remote.get('f.bin'))).kind).toBe('network');
  });
});

describe('webdavRemote: answers that are not WebDAV', () => {
  const garbage = async (body: string | Uint8Array | null, code = 207, headers: Record<string, string> = {}) => {
    const { remote } = setup(() => new Response(body as BodyInit | null, { status: code, headers }));
    return remoteError(remote.list('d'));
  };

  it.each([
    [
      'an HTML login page',
      '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Login</title></head><body>Log in</body></html>',
    ],
    ['XHTML', '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'],
    ['JSON', '{"multistatus": []}'],
    ['an empty body', ''],
    ['truncated XML', '<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/x/'],
    ['mismatched tags', '<D:multistatus xmlns:D="DAV:"><D:response></D:href></D:multistatus>'],
    ['two roots', '<D:multistatus xmlns:D="DAV:"/><D:multistatus xmlns:D="DAV:"/>'],
    ['binary noise', new Uint8Array([0, 255, 60, 1, 2, 3])],
    ['a multistatus in another namespace', '<x:multistatus xmlns:x="urn:other"/>'],
    [
      'a listing without the folder itself',
      `<D:multistatus xmlns:D="DAV:">${apacheFile('/elsewhere/a/x.bin', 1)}${apacheFile('/elsewhere/b/y.bin', 1)}</D:multistatus>`,
    ],
    ['an empty multistatus', '<D:multistatus xmlns:D="DAV:"></D:multistatus>'],
  ])('%s is garbage', async (_what, body) => {
    const e = await garbage(body);
    expect(e.kind).toBe('garbage');
    expect(e.message).toMatch(/^The server's answer could not be read \(not WebDAV\?\)/);
    expect(e.message).toContain(HOST);
  });

  it('a 200 HTML page instead of a 207 is garbage too', async () => {
    expect((await garbage('<html><body>It works!</body></html>', 200)).kind).toBe('garbage');
  });

  it(`refuses listings over ${MAX_LISTING_BYTES / 1024 / 1024} MB, by Content-Length or while streaming`, async () => {
    const declared = await garbage('<x/>', 207, { 'Content-Length': String(MAX_LISTING_BYTES + 1) });
    expect(declared.kind).toBe('garbage');
    expect(declared.message).toContain('larger than 20 MB');

    let pulled = 0;
    let cancelled = false;
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    const { remote } = setup(() => new Response(endless, { status: 207 }));
    const e = await remoteError(remote.list('d'));
    expect(e.kind).toBe('garbage');
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(25);
  });
});

describe('list: multistatus of real servers and odd ones', () => {
  const listWith = async (body: string, dir = 'sync', url = BASE) => {
    const { remote } = setup(xml(body), { url });
    return remote.list(dir);
  };

  it('Apache: lp1: prefixes, lowercase percent-encoding, 404 propstat for the folder size, weak etags', async () => {
    const body = apacheListing(
      `${PATH}sync/`,
      apacheFile(`${PATH}sync/K%c3%b6ln%20notes%20%231.bin`, 5) +
        `<D:response xmlns:lp1="DAV:"><D:href>${PATH}sync/sub/</D:href><D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`,
    );
    expect(await listWith(body)).toEqual([
      {
        name: 'Köln notes #1.bin',
        isDir: false,
        size: 5,
        etag: 'W/"5-6611fa1e586fb"',
        modified: Date.UTC(2026, 10, 25, 20, 25, 48),
      },
      { name: 'sub', isDir: true, size: null, etag: null, modified: null },
    ]);
  });

  it('npm webdav-server: absolute URLs with a raw "#" in the href, two propstats', async () => {
    const body = `<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>http://127.0.0.1:32791/a/</D:href><D:propstat><D:status>HTTP/1.1 200 OK</D:status><D:prop><D:getlastmodified>Wed, 25 Nov 2026 20:25:48 GMT</D:getlastmodified><D:resourcetype><D:collection/></D:resourcetype><D:getetag>"02fa"</D:getetag></D:prop></D:propstat><D:propstat><D:prop><a:getcontentlength xmlns:a="DAV:"/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response><D:response><D:href>http://127.0.0.1:32791/a/K%C3%B6ln%20notes%20#1.bin</D:href><D:propstat><D:status>HTTP/1.1 200 OK</D:status><D:prop><D:getlastmodified>Wed, 25 Nov 2026 20:25:48 GMT</D:getlastmodified><D:resourcetype/><D:getetag>"f76e"</D:getetag><D:getcontentlength>5</D:getcontentlength></D:prop></D:propstat></D:response></D:multistatus>`;
    expect(await listWith(body, 'a', 'http://127.0.0.1:32791/')).toEqual([
      {
        name: 'Köln notes #1.bin',
        isDir: false,
        size: 5,
        etag: '"f76e"',
        modified: Date.UTC(2026, 10, 25, 20, 25, 48),
      },
    ]);
  });

  it('Nextcloud: d: prefix among other namespaces, quoted etags as entities, unknown props ignored', async () => {
    const body = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:response>
  <d:href>/remote.php/dav/files/alice/Backstory/sync/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><d:getetag>&quot;65f1&quot;</d:getetag><d:getlastmodified>Tue, 24 Nov 2026 10:00:00 GMT</d:getlastmodified></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><d:getcontentlength/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/files/alice/Backstory/sync/head%20dev1.json</d:href>
  <d:propstat><d:prop><d:resourcetype/><d:getcontentlength>1234</d:getcontentlength><d:getetag>&quot;a1b2&quot;</d:getetag><d:getlastmodified>Tue, 24 Nov 2026 10:00:01 GMT</d:getlastmodified><oc:getcontentlength>99</oc:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
</d:multistatus>`;
    expect(await listWith(body)).toEqual([
      { name: 'head dev1.json', isDir: false, size: 1234, etag: '"a1b2"', modified: Date.UTC(2026, 10, 24, 10, 0, 1) },
    ]);
  });

  it('a default namespace (no prefix), CDATA hrefs, entities, comments, a DOCTYPE that is not expanded', async () => {
    const body = `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE multistatus [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY big "lots"> ]>
<!-- a comment with <tags> -->
<multistatus xmlns="DAV:">
  <response>
    <href>
      ${PATH}sync/
    </href>
    <propstat><prop><resourcetype><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat>
  </response>
  <response>
    <href><![CDATA[${PATH}sync/a&b <c>.bin]]></href>
    <propstat><prop><resourcetype/><getcontentlength>7</getcontentlength></prop><status>HTTP/1.1 200 OK</status></propstat>
  </response>
  <response>
    <href>${PATH}sync/Tom &amp; Jerry&#x27;s &#20013;&lt;1&gt;.bin</href>
    <propstat><prop><resourcetype/><getetag>&xxe;&big;</getetag></prop><status>HTTP/1.1 200 OK</status></propstat>
  </response>
</multistatus>`;
    expect(await listWith(body)).toEqual([
      { name: 'a&b <c>.bin', isDir: false, size: 7, etag: null, modified: null },
      { name: "Tom & Jerry's 中<1>.bin", isDir: false, size: null, etag: '&xxe;&big;', modified: null },
    ]);
  });

  it('odd prefixes, prefixes redeclared on the way, and an undeclared prefix', async () => {
    const body = `<ns9:multistatus xmlns:ns9="DAV:" xmlns:D="urn:not-dav">
  <ns9:response xmlns:D="DAV:"><D:href>${PATH}sync/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></ns9:response>
  <ns9:response><D:href>${PATH}sync/not-dav-href.bin</D:href></ns9:response>
  <ns9:response><ns9:href>${PATH}sync/x.bin</ns9:href><ns9:propstat><ns9:prop><D:getcontentlength>5</D:getcontentlength><ns9:getcontentlength>6</ns9:getcontentlength><ns9:resourcetype/></ns9:prop></ns9:propstat></ns9:response>
  <ns9:response><lp1:href xmlns:lp1="DAV:">${PATH}sync/y.bin</lp1:href><Q:propstat><Q:prop><Q:getcontentlength>8</Q:getcontentlength></Q:prop></Q:propstat></ns9:response>
</ns9:multistatus>`;
    expect(await listWith(body)).toEqual([
      { name: 'x.bin', isDir: false, size: 6, etag: null, modified: null },
      { name: 'y.bin', isDir: false, size: 8, etag: null, modified: null },
    ]);
  });

  it('absolute hrefs on another host, relative hrefs, a folder href without its slash, duplicates', async () => {
    const body = `<D:multistatus xmlns:D="DAV:">
<D:response><D:href>http://internal:8080${PATH}sync</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>https://other.example${PATH}sync/abs.bin</D:href><D:propstat><D:prop><D:resourcetype/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>rel%20file.bin</D:href><D:propstat><D:prop><D:resourcetype/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>${PATH}sync/Folder/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype><D:getcontentlength>4096</D:getcontentlength></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>${PATH}sync/Folder</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>${PATH}sync/gone.bin</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>
<D:response><D:href>${PATH}sync/no-props.bin</D:href><D:propstat><D:prop><D:resourcetype/></D:prop><D:status>HTTP/1.1 403 Forbidden</D:status></D:propstat></D:response>
</D:multistatus>`;
    expect(await listWith(body)).toEqual([
      { name: 'abs.bin', isDir: false, size: null, etag: null, modified: null },
      { name: 'rel file.bin', isDir: false, size: null, etag: null, modified: null },
      { name: 'Folder', isDir: true, size: null, etag: null, modified: null },
      { name: 'no-props.bin', isDir: false, size: null, etag: null, modified: null },
    ]);
  });

  it('paths rewritten by a proxy: the folder is the one shallowest entry with all others below it', async () => {
    const body = apacheListing(
      '/internal/webdav/sync/',
      apacheFile('/internal/webdav/sync/a.bin', 1) + apacheFile('/internal/webdav/sync/b.bin', 2),
    );
    expect((await listWith(body)).map((e) => [e.name, e.size])).toEqual([
      ['a.bin', 1],
      ['b.bin', 2],
    ]);
  });

  it('an empty folder is [] (its own entry only); the folder itself is never a child', async () => {
    expect(await listWith(apacheListing(`${PATH}sync/`, ''))).toEqual([]);
    expect(await listWith(apacheListing(PATH, apacheFile(`${PATH}x.bin`, 1)), '')).toEqual([
      expect.objectContaining({ name: 'x.bin' }),
    ]);
  });

  it('listing a path that is a file is not-found, not []', async () => {
    const body = `<D:multistatus xmlns:D="DAV:">${apacheFile(`${PATH}sync`, 3)}</D:multistatus>`;
    const { remote } = setup(xml(body));
    const e = await remoteError(remote.list('sync'));
    expect(e.kind).toBe('not-found');
    expect(e.message).toContain('is a file');
  });

  it('unreadable sizes and dates become null; a 200 multistatus is accepted', async () => {
    const body = apacheListing(
      `${PATH}sync/`,
      `<D:response><D:href>${PATH}sync/f</D:href><D:propstat><D:prop><D:getcontentlength>-1</D:getcontentlength><D:getlastmodified>yesterday-ish</D:getlastmodified><D:getetag>  </D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`,
    );
    const { remote } = setup(xml(body, 200));
    expect(await remote.list('sync')).toEqual([{ name: 'f', isDir: false, size: null, etag: null, modified: null }]);
  });

  it('broken percent-encoding in hrefs decodes what it can', async () => {
    const body = apacheListing(`${PATH}sync/`, apacheFile(`${PATH}sync/100%%20%C3%BC%ZZ.bin`, 1));
    expect((await listWith(body)).map((e) => e.name)).toEqual(['100% ü%ZZ.bin']);
  });
});

describe('parseXml', () => {
  it('keeps namespaces per scope, resets the default with xmlns="", and reads quoted ">" in attributes', () => {
    const root = parseXml(
      `<a xmlns="urn:one" xmlns:p="urn:p"><b attr='x > y' other="&quot;q&quot;"/><p:c xmlns:p="urn:p2"><p:d/></p:c><p:e/><f xmlns=""><g/></f><h/></a>`,
    );
    const flat = (el: ReturnType<typeof parseXml>): string[] => [`${el.ns}|${el.local}`, ...el.children.flatMap(flat)];
    expect(flat(root)).toEqual([
      'urn:one|a',
      'urn:one|b',
      'urn:p2|c',
      'urn:p2|d',
      'urn:p|e',
      'null|f',
      'null|g',
      'urn:one|h',
    ]);
  });

  it('rejects what is not well-formed enough to trust', () => {
    for (const bad of [
      '',
      'plain text',
      '<a>',
      '<a></b>',
      '<a/><b/>',
      '<a x=1/>',
      '<a><!-- never ends',
      '<a><![CDATA[x</a>',
      '</a>',
      '<a>x</a>trailing',
      '<',
    ]) {
      expect(() => parseXml(bad), bad).toThrow(/not XML/);
    }
  });

  it('is linear on large listings (10 000 entries, 4 MB, in well under 2 s)', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => apacheFile(`${PATH}sync/shard-${i}.bin`, i)).join('\n');
    const body = apacheListing(`${PATH}sync/`, entries);
    const started = performance.now();
    const responses = parseMultistatus(body);
    const children = childrenOf(responses, `${BASE}sync/`);
    const ms = performance.now() - started;
    expect(Array.isArray(children) && children.length).toBe(10_000);
    expect(ms).toBeLessThan(2000);
  });
});
