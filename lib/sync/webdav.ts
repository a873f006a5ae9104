/**
 * A `Remote` on a WebDAV server the user controls: Nextcloud/ownCloud (with an app password), Apache
 * mod_dav, rclone, npm webdav-server, any WebDAV. Runs in the background service worker, so it uses
 * only `fetch`, `AbortController`, `TextEncoder`/`TextDecoder` and `btoa` (no DOMParser: the XML of
 * PROPFIND answers is read by the small namespace-aware parser below).
 *
 * Rules:
 * - Paths are relative to the base URL, `/`-separated; every segment is percent-encoded (spaces,
 *   unicode, `#`, `?`, `%`), `.` and `..` are refused. Folders are addressed with a trailing slash.
 * - Every request carries Basic auth (UTF-8), `credentials: 'omit'` (no cookies: a logged-in
 *   Nextcloud session's cookies would fail its CSRF check), `cache: 'no-store'` (no stale listings),
 *   `redirect: 'manual'` (credentials never follow a redirect; any 3xx is a `redirect` error), and a
 *   timeout (default 30 s) that covers reading the body too.
 * - No retries and no If-Match: the sync engine decides what to do with a `RemoteError`.
 */
import { RemoteError, type Remote, type RemoteEntry, type RemoteErrorKind } from './remote';

export interface WebdavOptions {
  /** The WebDAV folder to sync into, http(s), e.g. https://cloud.example.org/remote.php/dav/files/me/Backstory/ */
  url: string;
  username: string;
  password: string;
  /** Defaults to the global fetch (called unbound-safe). */
  fetch?: typeof fetch;
  /** Per request, including reading the answer. Default 30 000. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** PROPFIND answers larger than this are refused ('garbage'): about 100 000 entries. */
export const MAX_LISTING_BYTES = 20 * 1024 * 1024;

const DAV = 'DAV:';
const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?>\n' +
  '<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/><d:getetag/><d:getlastmodified/></d:prop></d:propfind>';

type Op = 'list' | 'get' | 'put' | 'delete' | 'mkcol';
const METHOD: Record<Op, string> = { list: 'PROPFIND', get: 'GET', put: 'PUT', delete: 'DELETE', mkcol: 'MKCOL' };

/**
 * Creates the client. Throws a TypeError (with a message for the user) when the address is not an
 * http(s) URL, carries a user name, a query or is otherwise unusable, or when the user name holds a ':'.
 */
export function webdavRemote(options: WebdavOptions): Remote {
  const base = parseBase(options.url);
  if (options.username.includes(':')) {
    throw new TypeError('The user name must not contain ":" (HTTP Basic authentication cannot send it).');
  }
  const host = base.host;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchFn: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const authorization = basicAuth(options.username, options.password);

  const urlOf = (parts: string[], dir: boolean): string =>
    base.href + parts.map(encodeSegment).join('/') + (dir && parts.length > 0 ? '/' : '');
  /** How a path is named to the user: the decoded path on the server, base folder included. */
  const shown = (parts: string[], dir: boolean): string =>
    safeDecode(base.pathname) + parts.join('/') + (dir && parts.length > 0 ? '/' : '');

  interface Answer {
    status: number;
    body: Uint8Array | null;
  }

  /**
   * One request. Resolves with the status (3xx already turned into a 'redirect' error) and, for 2xx
   * answers when `read` says so, the body; rejects with 'timeout' or 'network' errors.
   */
  async function send(
    op: Op,
    parts: string[],
    dir: boolean,
    init: { headers?: Record<string, string>; body?: BodyInit },
    read: 'none' | 'all' | number,
  ): Promise<Answer> {
    const url = urlOf(parts, dir);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const response = await fetchFn(url, {
        method: METHOD[op],
        headers: { Authorization: authorization, ...init.headers },
        body: init.body ?? null,
        redirect: 'manual',
        credentials: 'omit',
        cache: 'no-store',
        signal: controller.signal,
      });
      const status = response.status;
      if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
        discard(response);
        throw redirectError(response, url, parts, dir);
      }
      if (status < 200 || status >= 300 || read === 'none') {
        discard(response);
        return { status, body: null };
      }
      if (read === 'all') return { status, body: new Uint8Array(await response.arrayBuffer()) };
      const body = await readLimited(response, read);
      if (!body) {
        throw new RemoteError(
          'garbage',
          `The server's answer could not be read (not WebDAV?): the listing of ${shown(parts, dir)} on ${host} is larger than ${Math.round(read / 1024 / 1024)} MB.`,
          status,
        );
      }
      return { status, body };
    } catch (e) {
      if (e instanceof RemoteError) throw e;
      if (timedOut) {
        throw new RemoteError(
          'timeout',
          `The server ${host} did not answer within ${formatSeconds(timeoutMs)}; sync will try again later.`,
        );
      }
      throw new RemoteError('network', `The server could not be reached: ${host}.`);
    } finally {
      clearTimeout(timer);
    }
  }

  function redirectError(response: Response, url: string, parts: string[], dir: boolean): RemoteError {
    const status = response.status || undefined;
    const location = response.headers.get('location');
    if (response.type === 'opaqueredirect' || !location) {
      // Browsers hide the target of a manual redirect.
      return new RemoteError(
        'redirect',
        `The server ${host} redirected to another address; enter the final address of the WebDAV folder instead (for example with https:// instead of http://).`,
        status,
      );
    }
    let target: string;
    try {
      target = suggestBase(new URL(location, url), parts, dir) ?? new URL(location, url).href;
    } catch {
      target = location;
    }
    return new RemoteError('redirect', `The server redirected to ${target}; enter that address instead.`, status);
  }

  /** The redirect target of a path under the base, turned back into a base address when possible. */
  function suggestBase(target: URL, parts: string[], dir: boolean): string | null {
    const segs = decodedSegments(target.pathname);
    if (segs.length < parts.length) return null;
    const tail = segs.slice(segs.length - parts.length);
    if (tail.some((s, i) => s !== parts[i])) return null;
    if (dir !== target.pathname.endsWith('/') && parts.length > 0) return null;
    const prefix = segs.slice(0, segs.length - parts.length).map(encodeSegment);
    return `${target.origin}/${prefix.join('/')}${prefix.length > 0 ? '/' : ''}`;
  }

  /** The error for a status this operation does not accept. */
  function statusError(op: Op, status: number, parts: string[], dir: boolean): RemoteError {
    const where = shown(parts, dir);
    const parent = shown(parts.slice(0, -1), true);
    const writes = op === 'put' || op === 'delete' || op === 'mkcol';
    const err = (kind: RemoteErrorKind, message: string) => new RemoteError(kind, message, status);
    switch (status) {
      case 401:
        return err(
          'auth',
          `The server ${host} refused the user name or app password (401). Check them in the sync settings; for Nextcloud, create an app password under Settings → Security.`,
        );
      case 403:
        return err(
          'forbidden',
          writes
            ? `The server ${host} does not let this account write to ${op === 'mkcol' ? where : parent} (403).`
            : `The server ${host} does not let this account read ${where} (403).`,
        );
      case 404:
      case 410:
        if (op === 'put' || op === 'mkcol') {
          return err('conflict', `The folder ${parent} does not exist on the server ${host} (${status}).`);
        }
        return err('not-found', `The folder ${where} does not exist on the server ${host} (${status}).`);
      case 409:
        return err(
          'conflict',
          `The folder ${op === 'list' ? where : parent} does not exist on the server ${host} (409).`,
        );
      case 405:
      case 501:
        if (op === 'list') {
          return err(
            'garbage',
            `The server's answer could not be read (not WebDAV?): ${host} does not accept WebDAV requests at ${where} (${status}). Check the address.`,
          );
        }
        if (op === 'put' && status === 405) {
          return err('conflict', `${where} is a folder on the server ${host}, not a file (405).`);
        }
        break;
      case 408:
        return err('timeout', `The server ${host} did not answer in time (408); sync will try again later.`);
      case 412:
      case 423:
        return err(
          status === 412 ? 'precondition' : 'locked',
          `The server ${host} reports the file ${where} is locked or changed (${status}); sync will try again later.`,
        );
      case 413:
        return err(
          'quota',
          `The server ${host} refused ${where} as too large (413). Nothing on this device was changed.`,
        );
      case 429:
        return err('server', `The server ${host} is busy (429); sync will try again later.`);
      case 507:
        return err('quota', `The server ${host} is out of space (507). Nothing on this device was changed.`);
    }
    if (status >= 500) {
      return err('server', `The server ${host} had an error (${status}); sync will try again later.`);
    }
    return err('server', `The server ${host} answered ${status} to ${METHOD[op]} ${where}; sync will try again later.`);
  }

  /** MKCOL one folder: true when created or already there, false when its parent is missing. */
  async function mkcol(parts: string[]): Promise<boolean> {
    const { status } = await send('mkcol', parts, true, {}, 'none');
    if ((status >= 200 && status < 300) || status === 405) return true;
    if (status === 409 || status === 404) return false;
    throw statusError('mkcol', status, parts, true);
  }

  return {
    async list(dir) {
      const parts = segmentsOf(dir);
      const { status, body } = await send(
        'list',
        parts,
        true,
        { headers: { Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' }, body: PROPFIND_BODY },
        MAX_LISTING_BYTES,
      );
      if (!body) throw statusError('list', status, parts, true);
      const garbage = (why: string) =>
        new RemoteError(
          'garbage',
          `The server's answer could not be read (not WebDAV?): ${why} (listing ${shown(parts, true)} on ${host}).`,
          status,
        );
      let responses: DavResponse[];
      try {
        responses = parseMultistatus(new TextDecoder().decode(body));
      } catch (e) {
        throw garbage(e instanceof Error ? e.message : String(e));
      }
      const result = childrenOf(responses, urlOf(parts, true));
      if (result === 'no-self') throw garbage('the listing does not include the folder itself');
      if (result === 'not-dir') {
        throw new RemoteError(
          'not-found',
          `The folder ${shown(parts, true)} does not exist on the server ${host}: it is a file.`,
          status,
        );
      }
      return result;
    },

    async get(path) {
      const parts = fileSegments(path);
      const { status, body } = await send('get', parts, false, {}, 'all');
      if (body) return body;
      if (status === 404 || status === 410) return null;
      throw statusError('get', status, parts, false);
    },

    async put(path, data) {
      const parts = fileSegments(path);
      const { status } = await send(
        'put',
        parts,
        false,
        // A Uint8Array over a plain ArrayBuffer is a valid body; fetch refuses shared memory itself.
        { headers: { 'Content-Type': 'application/octet-stream' }, body: data as Uint8Array<ArrayBuffer> },
        'none',
      );
      if (status >= 200 && status < 300) return;
      throw statusError('put', status, parts, false);
    },

    async delete(path) {
      const parts = fileSegments(path);
      const dir = path.endsWith('/');
      const { status } = await send('delete', parts, dir, {}, 'none');
      if ((status >= 200 && status < 300) || status === 404 || status === 410) return;
      throw statusError('delete', status, parts, dir);
    },

    async ensureDir(dir) {
      const parts = segmentsOf(dir);
      if (parts.length === 0) return;
      // Usually the folder exists (one request); else create the missing levels from the top.
      if (await mkcol(parts)) return;
      for (let n = 1; n <= parts.length; n++) {
        const level = parts.slice(0, n);
        if (!(await mkcol(level))) throw statusError('mkcol', 409, level, true);
      }
    },
  };
}

// ---- addresses ----------------------------------------------------------------------------------

function parseBase(url: string): URL {
  const example = 'for example https://cloud.example.org/remote.php/dav/files/USER/Backstory/';
  let base: URL;
  try {
    base = new URL(url.trim());
  } catch {
    throw new TypeError(`"${url}" is not a web address; enter the address of the WebDAV folder, ${example}.`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new TypeError(`The WebDAV address must start with https:// (or http://), ${example}.`);
  }
  if (base.username || base.password) {
    throw new TypeError('Enter the user name and password in their own fields, not in the WebDAV address.');
  }
  if (base.search) throw new TypeError(`The WebDAV address must not contain "?", ${example}.`);
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base;
}

/** The segments of a relative path; empty segments are dropped, `.` and `..` refused. */
function segmentsOf(path: string): string[] {
  const parts = path.split('/').filter((s) => s !== '');
  if (parts.some((s) => s === '.' || s === '..')) {
    throw new TypeError(`Invalid path on the server: "${path}" ("." and ".." are not allowed).`);
  }
  return parts;
}

function fileSegments(path: string): string[] {
  const parts = segmentsOf(path);
  if (parts.length === 0) throw new TypeError('Invalid path on the server: empty.');
  return parts;
}

/** encodeURIComponent, plus the characters it leaves that some servers treat specially. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Percent-decodes what can be decoded (UTF-8 runs) and leaves stray '%' and broken runs as they are. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** The decoded, non-empty segments of a URL path. */
function decodedSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((s) => s !== '')
    .map(safeDecode);
}

/**
 * The decoded path segments an href names, resolved against the request's path. Parsed by hand, not
 * with URL: servers put raw '#', '?', spaces and non-ASCII in hrefs (npm webdav-server sends
 * `/a/notes%20#1.bin`), which URL would cut off as a fragment or query.
 */
function hrefSegments(href: string, requestPath: string): string[] {
  let path = href.trim();
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/.exec(path);
  if (scheme) path = path.slice(scheme[0].length) || '/';
  else if (path.startsWith('//')) path = path.replace(/^\/\/[^/]*/, '') || '/';
  else if (!path.startsWith('/')) path = requestPath.replace(/[^/]*$/, '') + path;
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(safeDecode(segment));
  }
  return out;
}

function basicAuth(username: string, password: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(`${username}:${password}`)) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

// ---- bodies -------------------------------------------------------------------------------------

/** Frees the connection of an answer whose body is not wanted. */
function discard(response: Response): void {
  if (response.body && !response.bodyUsed) response.body.cancel().catch(() => {});
}

/** The body, or null when it is larger than `limit` bytes (then it is not read further). */
async function readLimited(response: Response, limit: number): Promise<Uint8Array | null> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    discard(response);
    return null;
  }
  if (!response.body) {
    const all = new Uint8Array(await response.arrayBuffer());
    return all.length > limit ? null : all;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

// ---- XML ----------------------------------------------------------------------------------------

/** An element: namespace URI (null when undeclared or none), local name, child elements, own text. */
export interface XmlElement {
  ns: string | null;
  local: string;
  children: XmlElement[];
  text: string;
}

const MAX_DEPTH = 200;

/**
 * Parses an XML document into elements. Handles namespaces (prefixed and default, redeclared,
 * undeclared prefixes resolve to null), CDATA, comments, processing instructions, a DOCTYPE
 * (skipped; its entities are never expanded) and the predefined and numeric character references.
 * Throws an Error saying what is wrong when the text is not well-formed enough to trust.
 */
export function parseXml(xml: string): XmlElement {
  interface Frame {
    el: XmlElement;
    qname: string;
    scope: Map<string, string>;
  }
  const stack: Frame[] = [];
  let root: XmlElement | null = null;
  const documentScope = new Map<string, string>([
    ['xml', 'http://www.w3.org/XML/1998/namespace'],
    ['', ''],
  ]);
  const n = xml.length;
  let i = 0;

  function fail(why: string): never {
    throw new Error(`not XML: ${why} at character ${i}`);
  }
  /** Text between tags; whitespace-only text is kept only in elements without child elements (so far). */
  const addText = (from: number, to: number, raw: boolean) => {
    let k = from;
    while (k < to && isSpace(xml.charCodeAt(k))) k++;
    const blank = k === to && !raw;
    const top = stack[stack.length - 1];
    if (!top) {
      if (!blank) fail('text outside the root element');
    } else if (!blank || top.el.children.length === 0) {
      const text = xml.slice(from, to);
      top.el.text += raw ? text : decodeEntities(text);
    }
  };
  // Character codes: space, \n, \t, \r; a name ends at one of them, '/', '>', '=' or the end (NaN).
  const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;
  const isNameEnd = (c: number) => c !== c || isSpace(c) || c === 47 || c === 62 || c === 61;

  while (i < n) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      addText(i, n, false);
      break;
    }
    if (lt > i) addText(i, lt, false);
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i + 9);
      if (end < 0) fail('unterminated CDATA');
      if (!stack.length) fail('CDATA outside the root element');
      addText(i + 9, end, true);
      i = end + 3;
    } else if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!', i)) {
      // DOCTYPE, possibly with an internal subset in [...]: skipped, never expanded.
      if (root || stack.length) fail('declaration inside the document');
      let j = i + 2;
      let inSubset = false;
      let quote = '';
      for (; j < n; j++) {
        const c = xml[j];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '[') inSubset = true;
        else if (c === ']') inSubset = false;
        else if (c === '>' && !inSubset) break;
      }
      if (j >= n) fail('unterminated declaration');
      i = j + 1;
    } else if (xml[i + 1] === '/') {
      const end = xml.indexOf('>', i + 2);
      if (end < 0) fail('unterminated end tag');
      const qname = xml.slice(i + 2, end).trim();
      const top = stack.pop();
      if (!top) fail(`end tag </${qname}> without a start tag`);
      if (top.qname !== qname) fail(`end tag </${qname}> does not close <${top.qname}>`);
      i = end + 1;
    } else {
      // Start tag: name, attributes (quoted values may hold '>'), then '>' or '/>'.
      let j = i + 1;
      while (!isNameEnd(xml.charCodeAt(j))) j++;
      const qname = xml.slice(i + 1, j);
      if (!qname) fail('a "<" that starts no tag');
      const attrs: [string, string][] = [];
      let selfClosing = false;
      for (;;) {
        while (isSpace(xml.charCodeAt(j))) j++;
        const c = xml[j];
        if (c === undefined) fail(`unterminated start tag <${qname}>`);
        if (c === '>') {
          j++;
          break;
        }
        if (c === '/' && xml[j + 1] === '>') {
          selfClosing = true;
          j += 2;
          break;
        }
        const nameStart = j;
        while (!isNameEnd(xml.charCodeAt(j))) j++;
        const name = xml.slice(nameStart, j);
        while (isSpace(xml.charCodeAt(j))) j++;
        if (!name || xml[j] !== '=') fail(`malformed attribute in <${qname}>`);
        j++;
        while (isSpace(xml.charCodeAt(j))) j++;
        const quote = xml[j];
        if (quote !== '"' && quote !== "'") fail(`unquoted attribute value in <${qname}>`);
        const end = xml.indexOf(quote, j + 1);
        if (end < 0) fail(`unterminated attribute value in <${qname}>`);
        attrs.push([name, decodeEntities(xml.slice(j + 1, end))]);
        j = end + 1;
      }
      if (root && !stack.length) fail('a second root element');
      if (stack.length >= MAX_DEPTH) fail('elements nested too deeply');
      const parentScope = stack[stack.length - 1]?.scope ?? documentScope;
      let elementScope = parentScope;
      for (const [name, value] of attrs) {
        if (name === 'xmlns' || name.startsWith('xmlns:')) {
          if (elementScope === parentScope) elementScope = new Map(parentScope);
          elementScope.set(name === 'xmlns' ? '' : name.slice(6), value);
        }
      }
      const colon = qname.indexOf(':');
      const ns = elementScope.get(colon < 0 ? '' : qname.slice(0, colon));
      const el: XmlElement = {
        ns: ns === undefined || ns === '' ? null : ns,
        local: colon < 0 ? qname : qname.slice(colon + 1),
        children: [],
        text: '',
      };
      const parent = stack[stack.length - 1];
      if (parent) parent.el.children.push(el);
      else root = el;
      if (!selfClosing) stack.push({ el, qname, scope: elementScope });
      i = j;
    }
  }
  if (stack.length) fail(`<${stack[stack.length - 1]!.qname}> is not closed`);
  if (!root) fail('no root element');
  return root;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED_ENTITIES[ref] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}

// ---- multistatus --------------------------------------------------------------------------------

/** One `<response>` of a multistatus answer, with the properties of its successful propstats. */
export interface DavResponse {
  href: string;
  /** A `<status>` directly in the response (members that could not be read), else null. */
  status: number | null;
  /** resourcetype was present (isDir is then meaningful). */
  hasResourceType: boolean;
  isDir: boolean;
  size: number | null;
  etag: string | null;
  modified: number | null;
}

/** A DAV: element; undeclared or missing namespaces are accepted too (some servers omit them). */
const isDav = (el: XmlElement, local: string) => el.local === local && (el.ns === DAV || el.ns === null);
const davChildren = (el: XmlElement, local: string) => el.children.filter((c) => isDav(c, local));
const davChild = (el: XmlElement, local: string) => el.children.find((c) => isDav(c, local));

/** "HTTP/1.1 200 OK" -> 200. */
function statusCode(text: string): number | null {
  const m = /^\s*HTTP\/[\d.]+\s+(\d{3})/i.exec(text);
  return m ? Number(m[1]) : null;
}

/** Reads a multistatus document; throws an Error when it is not one. */
export function parseMultistatus(xml: string): DavResponse[] {
  const root = parseXml(xml);
  if (!isDav(root, 'multistatus')) throw new Error(`the answer is <${root.local}>, not a WebDAV multistatus`);
  const out: DavResponse[] = [];
  for (const response of davChildren(root, 'response')) {
    const href = davChild(response, 'href')?.text.trim();
    if (!href) continue;
    const direct = davChild(response, 'status');
    const entry: DavResponse = {
      href,
      status: direct ? statusCode(direct.text) : null,
      hasResourceType: false,
      isDir: false,
      size: null,
      etag: null,
      modified: null,
    };
    for (const propstat of davChildren(response, 'propstat')) {
      const statusEl = davChild(propstat, 'status');
      const code = statusEl ? statusCode(statusEl.text) : 200;
      if (code === null || code < 200 || code >= 300) continue;
      for (const prop of davChildren(propstat, 'prop')) {
        for (const p of prop.children) {
          if (p.ns !== DAV && p.ns !== null) continue;
          const text = p.text.trim();
          if (p.local === 'resourcetype') {
            entry.hasResourceType = true;
            entry.isDir = davChild(p, 'collection') !== undefined;
          } else if (p.local === 'getcontentlength' && /^\d+$/.test(text)) {
            entry.size = Number(text);
          } else if (p.local === 'getetag' && text) {
            entry.etag = text;
          } else if (p.local === 'getlastmodified' && text) {
            const ms = Date.parse(text);
            entry.modified = Number.isNaN(ms) ? null : ms;
          }
        }
      }
    }
    out.push(entry);
  }
  return out;
}

/**
 * The children of the requested folder among the responses of a Depth: 1 PROPFIND of `requestUrl`.
 * Hrefs may be absolute URLs, absolute paths or relative, encoded any way. The folder's own response
 * is the one whose decoded path equals the request's; when a proxy rewrote the paths, the only
 * shallowest response with every other one directly below it. Returns 'no-self' when neither is
 * found (a listing without the folder itself cannot be trusted to be complete), 'not-dir' when the
 * path is a file.
 */
export function childrenOf(responses: DavResponse[], requestUrl: string): RemoteEntry[] | 'no-self' | 'not-dir' {
  const key = (segs: string[]) => segs.join('/');
  const requestPath = new URL(requestUrl).pathname;
  const requested = decodedSegments(requestPath);
  const items = responses
    .filter((r) => r.status === null || (r.status >= 200 && r.status < 300))
    .map((r) => ({ r, segs: hrefSegments(r.href, requestPath), slash: r.href.trim().endsWith('/') }));
  let self = items.find((it) => key(it.segs) === key(requested));
  if (!self && items.length > 0) {
    const depth = Math.min(...items.map((it) => it.segs.length));
    const shallowest = items.filter((it) => it.segs.length === depth);
    const top = shallowest[0]!;
    const prefix = key(top.segs);
    if (
      shallowest.length === 1 &&
      items.every((it) => it === top || (it.segs.length === depth + 1 && key(it.segs.slice(0, depth)) === prefix))
    ) {
      self = top;
    }
  }
  if (!self) return 'no-self';
  if (self.r.hasResourceType && !self.r.isDir) return 'not-dir';
  const seen = new Set<string>();
  const entries: RemoteEntry[] = [];
  for (const it of items) {
    if (it === self || key(it.segs) === key(self.segs)) continue;
    const name = it.segs[it.segs.length - 1];
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const isDir = it.r.hasResourceType ? it.r.isDir : it.slash;
    entries.push({
      name,
      isDir,
      size: isDir ? null : it.r.size,
      etag: it.r.etag,
      modified: it.r.modified,
    });
  }
  return entries;
}
