/**
 * Helpers for real browsers (end-to-end tests and `npm start`): Debian's Chromium through playwright-core and
 * Debian's firefox-esr through puppeteer-core (WebDriver BiDi). See /work/shared/docs/toolchain.md.
 * Plain ESM so `node --test` runs it without a build step.
 */
/* global location, document -- only inside page.evaluate() callbacks, which run in the browser */
import { accessSync, constants, createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

/** The extension's Firefox add-on id (wxt.config.ts GECKO_ID). */
export const GECKO_ID = 'backstory@backstory.invalid';
/** Fixed moz-extension:// host for the tests, so URLs are known before install. */
export const FIREFOX_UUID = 'b4c5a0e1-0000-4000-8000-000000e2e001';

/** Built extension directories (run `npm run build` first; BACKSTORY_OUT_DIR moves them, as in wxt.config.ts). */
const OUT_DIR = process.env.BACKSTORY_OUT_DIR || '.output';
export const CHROME_EXT_DIR = resolve(OUT_DIR, 'chrome-mv3');
export const FIREFOX_EXT_DIR = resolve(OUT_DIR, 'firefox-mv3');

const isExecutable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** @returns {boolean} whether the Chromium binary is installed. */
export const hasChromium = () => isExecutable(CHROMIUM_PATH);
/** @returns {boolean} whether the Firefox binary is installed. */
export const hasFirefox = () => isExecutable(FIREFOX_PATH);

/**
 * Polls `check` until it returns a truthy value, and returns that value.
 * @template T
 * @param {() => Promise<T> | T} check errors thrown by it count as "not yet"
 * @param {{ timeout?: number, interval?: number, what?: string }} [options]
 * @returns {Promise<T>}
 */
export async function waitFor(check, { timeout = 15_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const reason = lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : lastError})` : '';
      throw new Error(`Timed out after ${timeout} ms waiting for ${what}${reason}`);
    }
    await sleep(interval);
  }
}

/**
 * Launches Chromium with the unpacked extension in a fresh temporary profile.
 * @param {string} [extDir] the built extension (default .output/chrome-mv3)
 * @param {{ headless?: boolean }} [options] headed needs a display (npm start uses it when there is one)
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, extensionId: string,
 *   serviceWorker: import('playwright-core').Worker, close: () => Promise<void> }>}
 */
export async function launchChromium(extDir = CHROME_EXT_DIR, { headless = true } = {}) {
  const { chromium } = await import('playwright-core');
  const dir = resolve(extDir);
  const profile = mkdtempSync(join(tmpdir(), 'backstory-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless,
      viewport: headless ? { width: 1280, height: 900 } : null,
      args: [
        `--disable-extensions-except=${dir}`,
        `--load-extension=${dir}`,
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const serviceWorker =
      context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    const extensionId = new URL(serviceWorker.url()).host;
    return {
      context,
      extensionId,
      serviceWorker,
      close: async () => {
        await context.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Launches firefox-esr headless and installs the extension as a temporary add-on.
 * @param {string} [extDir] the built extension (default .output/firefox-mv3)
 * @returns {Promise<{ browser: import('puppeteer-core').Browser, uuid: string,
 *   openExtensionPage: (path: string, options?: { timeout?: number }) => Promise<import('puppeteer-core').Page>,
 *   close: () => Promise<void> }>}
 */
export async function launchFirefox(extDir = FIREFOX_EXT_DIR) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
    },
  });
  try {
    await browser.installExtension(resolve(extDir));
  } catch (e) {
    await browser.close().catch(() => {});
    throw e;
  }
  const origin = `moz-extension://${FIREFOX_UUID}`;

  /**
   * Opens an extension page in a new tab. `page.goto()` on moz-extension:// never resolves, so the
   * navigation is started without awaiting it and the page is polled until it has loaded.
   */
  const openExtensionPage = async (path, { timeout = 15_000 } = {}) => {
    const page = await browser.newPage();
    const url = `${origin}/${path.replace(/^\//, '')}`;
    page.goto(url).catch(() => {}); // never resolves for moz-extension:// (toolchain.md)
    await waitFor(
      () => page.evaluate(() => location.protocol === 'moz-extension:' && document.readyState === 'complete'),
      { timeout, what: `${url} to load` },
    );
    return page;
  };

  return {
    browser,
    uuid: FIREFOX_UUID,
    openExtensionPage,
    close: async () => {
      await browser.close().catch(() => {});
    },
  };
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves a directory's files over HTTP on 127.0.0.1 at a random port (GET and HEAD only).
 * @param {string} dir
 * @returns {Promise<{ url: string, close: () => Promise<void> }>} url ends with "/"
 */
export async function serveDir(dir) {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const size = statSync(file).size;
      res.writeHead(200, {
        'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': size,
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * Decides what a suite does when its browser is missing. Elsewhere than CI it is skipped loudly (a
 * line on stderr names the suite and the reason). Under CI=true it is not skipped: `assertAvailable()`,
 * called from the suite's `before`, fails it with a clear message.
 * @param {string} suite e.g. "Chromium"
 * @param {boolean} available
 * @param {string} binary the path looked for
 * @returns {{ skip: string | false, assertAvailable: () => void }}
 */
export function browserGate(suite, available, binary) {
  const reason = `${suite} not found at ${binary}`;
  const ci = process.env.CI === 'true';
  if (!available && !ci) {
    console.error(`\n*** SKIPPING the ${suite} e2e suite: ${reason}. (Under CI=true this is a failure.)\n`);
  }
  return {
    skip: !available && !ci ? reason : false,
    assertAvailable: () => {
      if (!available)
        throw new Error(
          `${reason}; under CI=true every e2e browser is required (.ci/run installs chromium and firefox-esr)`,
        );
    },
  };
}
