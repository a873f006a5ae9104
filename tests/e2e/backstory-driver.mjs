/**
 * Shared driver for the marking e2e suites (marks.e2e.mjs, pages.e2e.mjs): one API over Chromium
 * (playwright-core) and Firefox (puppeteer-core over WebDriver BiDi), so each test is written once and
 * run in both browsers. Not a test file itself (no `.e2e.mjs` suffix).
 *
 * What it gives a test:
 * - `openPage(url, { record, blockOtherHosts })`: a tab whose page records, from its own main world, every
 *   DOM mutation made after parsing (`window.__mutations`) and whose `pageerror`s are collected;
 * - `mentions(tab)`: the content script's `tab.mentions` answer for that tab, asked from an extension page;
 * - `call(name, input)`: a background call from an extension page (entity.save, entity.delete, ...);
 * - `setSettings(settings)`: writes `settings` in the extension's storage.local;
 * - `highlights(tab)`: what the page's main world sees in `CSS.highlights` ({ name: [marked texts] }).
 * - `tabCall(tab, call, value)`: any other TabCallMessage (`mention.next`, `card.close`, ...) sent to the tab's
 *   top frame from an extension page, as the background does for the keyboard commands.
 * `openPage(url, { init })` also runs `init` in the page's main world at document creation (after the
 * mutation recorder, before the page's own scripts), e.g. to install listeners a test wants in place early.
 */
/* global window, document, CSS, MutationObserver, chrome, browser -- only inside evaluate() callbacks */
import { setTimeout as sleep } from 'node:timers/promises';
import { launchChromium, launchFirefox, waitFor } from '../../scripts/browsers.mjs';

/**
 * Runs in the page's main world before any of its scripts and before the content script (document
 * creation). Records every mutation of the document made once parsing is over (readyState leaves
 * "loading"): the parser's own insertions are not changes. Each record is a short readable line.
 */
export function installMutationRecorder() {
  if (window.__mutations) return;
  const log = [];
  window.__mutations = log;
  window.__parseMutations = 0;
  let parsed = false;
  const describe = (n) => {
    if (!n) return '?';
    if (n.nodeType === 3) return `#text in ${n.parentNode ? describe(n.parentNode) : '?'}`;
    if (n.nodeType !== 1) return n.nodeName;
    const id = n.id ? `#${n.id}` : '';
    const cls = typeof n.className === 'string' && n.className ? `.${n.className.trim().split(/\s+/).join('.')}` : '';
    return `${n.nodeName.toLowerCase()}${id}${cls}`.slice(0, 80);
  };
  const record = (records) => {
    if (!parsed) {
      window.__parseMutations += records.length;
      return;
    }
    for (const r of records) {
      const names = (list) => [...list].map(describe).join(',');
      let line = `${r.type} on ${describe(r.target)}`;
      if (r.type === 'childList') line += ` +[${names(r.addedNodes)}] -[${names(r.removedNodes)}]`;
      if (r.type === 'attributes') line += ` @${r.attributeName}`;
      log.push(line);
    }
  };
  const observer = new MutationObserver(record);
  observer.observe(document, { childList: true, characterData: true, attributes: true, subtree: true });
  const onReady = () => {
    if (parsed || document.readyState === 'loading') return;
    record(observer.takeRecords());
    parsed = true;
  };
  document.addEventListener('readystatechange', onReady, true);
}

/** Runs in the page: every highlight in the registry, by name, with the text of each range. */
function readHighlights() {
  const out = {};
  for (const [name, highlight] of CSS.highlights) out[name] = [...highlight].map((r) => r.toString());
  return out;
}

/** What `blockOtherHosts` lets through: the local test server (127.0.0.1 or localhost) and non-web URLs. */
const isLocal = (url) => {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:') return true;
    return u.hostname === '127.0.0.1' || u.hostname === 'localhost';
  } catch {
    return true;
  }
};

/**
 * @typedef {object} Tab
 * @property {any} page the playwright or puppeteer page
 * @property {string} url
 * @property {Error[]} errors uncaught errors of the page (pageerror)
 * @property {string[]} blocked URLs aborted because their host was not 127.0.0.1
 * @property {(fn: Function, arg?: any) => Promise<any>} evaluate runs fn(arg) in the page's main world
 * @property {() => Promise<void>} close
 */

/**
 * @typedef {object} Driver
 * @property {'Chromium' | 'Firefox'} name
 * @property {(url: string, options?: { record?: boolean, blockOtherHosts?: boolean, init?: Function }) => Promise<Tab>} openPage
 * @property {(tab: Tab) => Promise<any>} mentions the `tab.mentions` answer of the tab's top frame
 * @property {(name: string, input: any) => Promise<any>} call a background call; throws unless it succeeds
 * @property {(settings: any) => Promise<void>} setSettings
 * @property {(tab: Tab) => Promise<Record<string, string[]>>} highlights
 * @property {(tab: Tab, call: string, value?: number | boolean | object) => Promise<any>} tabCall
 * @property {(tab: Tab) => Promise<number>} tabId the tab's id as the extension sees it
 * @property {(path: string) => Promise<{ page: any, errors: Error[], evaluate: (fn: Function, arg?: any) => Promise<any>, close: () => Promise<void> }>} extensionTab
 *   opens an extension page (e.g. `popup.html?tab=3`, `options.html#packs`) in a tab of its own
 * @property {() => Promise<void>} close
 */

/** A tab call's argument: an object is the call's `input` (e.g. `mention.show`'s `{ entityId }`). */
const tabInput = (value) => (value === undefined ? {} : typeof value === 'object' ? { input: value } : { value });

/** Launches Chromium with the extension. @returns {Promise<Driver>} */
export async function chromiumDriver() {
  const ext = await launchChromium();
  let extPage;
  const extensionPage = async () => {
    if (extPage && !extPage.isClosed()) return extPage;
    extPage = await ext.context.newPage();
    await extPage.goto(`chrome-extension://${ext.extensionId}/popup.html`);
    return extPage;
  };

  /** @type {Driver} */
  const driver = {
    name: 'Chromium',
    async openPage(url, { record = true, blockOtherHosts = false, init } = {}) {
      await extensionPage(); // opened first, so the page under test is the foreground tab
      const page = await ext.context.newPage();
      const errors = [];
      const blocked = [];
      page.on('pageerror', (e) => errors.push(e));
      if (record) await page.addInitScript(installMutationRecorder);
      if (init) await page.addInitScript(init);
      if (blockOtherHosts)
        await page.route('**/*', (route) => {
          const u = route.request().url();
          if (isLocal(u)) return route.continue();
          blocked.push(u);
          return route.abort('blockedbyclient');
        });
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await page.bringToFront();
      return {
        page,
        url,
        errors,
        blocked,
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        close: () => page.close(),
      };
    },
    async mentions(tab) {
      // Without the "tabs" permission Chromium shows no tab URLs to the extension, so the tab is found
      // the way the toolbar popup finds it: it is made the active tab of its window.
      const popup = await extensionPage();
      await tab.page.bringToFront();
      return popup.evaluate(async () => {
        const self = await chrome.tabs.getCurrent();
        const [active] = await chrome.tabs.query({ active: true, currentWindow: true });
        if (!active || active.id === self?.id) throw new Error('the page under test is not the active tab');
        return chrome.tabs.sendMessage(active.id, { backstoryTab: 1, call: 'tab.mentions' }, { frameId: 0 });
      });
    },
    async tabCall(tab, call, value) {
      // The tab is found as in mentions(): made the active tab of its window.
      const popup = await extensionPage();
      await tab.page.bringToFront();
      const message = { backstoryTab: 1, call, ...tabInput(value) };
      return popup.evaluate(async (m) => {
        const self = await chrome.tabs.getCurrent();
        const [active] = await chrome.tabs.query({ active: true, currentWindow: true });
        if (!active || active.id === self?.id) throw new Error('the page under test is not the active tab');
        return (await chrome.tabs.sendMessage(active.id, m, { frameId: 0 })) ?? null;
      }, message);
    },
    async call(name, input) {
      const popup = await extensionPage();
      const reply = await popup.evaluate(
        ([call, args]) => chrome.runtime.sendMessage({ backstory: 1, call, input: args }),
        [name, input],
      );
      if (!reply?.ok) throw new Error(`${name} failed: ${JSON.stringify(reply)}`);
      return reply.value;
    },
    async setSettings(settings) {
      const popup = await extensionPage();
      await popup.evaluate((s) => chrome.storage.local.set({ settings: s }), settings);
    },
    highlights: (tab) => tab.page.evaluate(readHighlights),
    async tabId(tab) {
      const popup = await extensionPage();
      await tab.page.bringToFront();
      return popup.evaluate(async () => {
        const self = await chrome.tabs.getCurrent();
        const [active] = await chrome.tabs.query({ active: true, currentWindow: true });
        if (!active || active.id === self?.id) throw new Error('the page under test is not the active tab');
        return active.id;
      });
    },
    async extensionTab(path) {
      const page = await ext.context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e));
      await page.goto(`chrome-extension://${ext.extensionId}/${path}`);
      return { page, errors, evaluate: (fn, arg) => page.evaluate(fn, arg), close: () => page.close() };
    },
    close: () => ext.close(),
  };
  return driver;
}

/** Launches Firefox with the extension. @returns {Promise<Driver>} */
export async function firefoxDriver() {
  const ext = await launchFirefox();
  let extPage;
  const extensionPage = async () => {
    if (extPage && !extPage.isClosed()) return extPage;
    extPage = await ext.openExtensionPage('popup.html');
    return extPage;
  };

  /** @type {Driver} */
  const driver = {
    name: 'Firefox',
    async openPage(url, { record = true, blockOtherHosts = false, init } = {}) {
      // The extension page is opened first, so the page under test is the foreground tab: Firefox
      // throttles the timers of background tabs to one a second.
      await extensionPage();
      const page = await ext.browser.newPage();
      const errors = [];
      const blocked = [];
      page.on('pageerror', (e) => errors.push(e));
      if (record) await page.evaluateOnNewDocument(installMutationRecorder);
      if (init) await page.evaluateOnNewDocument(init);
      if (blockOtherHosts) {
        await page.setRequestInterception(true);
        page.on('request', (request) => {
          if (request.isInterceptResolutionHandled()) return;
          const u = request.url();
          if (isLocal(u)) return void request.continue().catch(() => {});
          blocked.push(u);
          return void request.abort('blockedbyclient').catch(() => {});
        });
      }
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await page.bringToFront();
      return {
        page,
        url,
        errors,
        blocked,
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        close: () => page.close(),
      };
    },
    async mentions(tab) {
      const popup = await extensionPage();
      return popup.evaluate(async (url) => {
        // Firefox shows the tab's URL (the content script's <all_urls> grants it), but only when querying
        // without a url filter.
        const tabs = (await browser.tabs.query({})).filter((t) => t.url === url);
        if (tabs.length !== 1) throw new Error(`expected one tab at ${url}, found ${tabs.length}`);
        return browser.tabs.sendMessage(tabs[0].id, { backstoryTab: 1, call: 'tab.mentions' }, { frameId: 0 });
      }, tab.url);
    },
    async tabCall(tab, call, value) {
      const popup = await extensionPage();
      const message = { backstoryTab: 1, call, ...tabInput(value) };
      return popup.evaluate(
        async ([url, m]) => {
          const tabs = (await browser.tabs.query({})).filter((t) => t.url === url);
          if (tabs.length !== 1) throw new Error(`expected one tab at ${url}, found ${tabs.length}`);
          return (await browser.tabs.sendMessage(tabs[0].id, m, { frameId: 0 })) ?? null;
        },
        [tab.url, message],
      );
    },
    /** The same question asked straight from the extension page in its tab (no background page in between). */
    async mentionsFromTabPage(tab) {
      const popup = await extensionPage();
      return popup.evaluate(async (url) => {
        const tabs = (await browser.tabs.query({})).filter((t) => t.url === url);
        if (tabs.length !== 1) throw new Error(`expected one tab at ${url}, found ${tabs.length}`);
        const reply = await browser.tabs.sendMessage(tabs[0].id, { backstoryTab: 1, call: 'tab.mentions' });
        return reply ?? null;
      }, tab.url);
    },
    async call(name, input) {
      const popup = await extensionPage();
      const reply = await popup.evaluate(
        ([call, args]) => browser.runtime.sendMessage({ backstory: 1, call, input: args }),
        [name, input],
      );
      if (!reply?.ok) throw new Error(`${name} failed: ${JSON.stringify(reply)}`);
      return reply.value;
    },
    async setSettings(settings) {
      const popup = await extensionPage();
      await popup.evaluate((s) => browser.storage.local.set({ settings: s }), settings);
    },
    highlights: (tab) => tab.page.evaluate(readHighlights),
    async tabId(tab) {
      const popup = await extensionPage();
      return popup.evaluate(async (url) => {
        const tabs = (await browser.tabs.query({})).filter((t) => t.url === url);
        if (tabs.length !== 1) throw new Error(`expected one tab at ${url}, found ${tabs.length}`);
        return tabs[0].id;
      }, tab.url);
    },
    async extensionTab(path) {
      const page = await ext.openExtensionPage(path);
      const errors = [];
      page.on('pageerror', (e) => errors.push(e));
      return { page, errors, evaluate: (fn, arg) => page.evaluate(fn, arg), close: () => page.close() };
    },
    close: () => ext.close(),
  };
  return driver;
}

/** Every marked text of the page, from its highlight registry, flattened (backstory highlights only). */
export const markedTexts = (highlights) =>
  Object.entries(highlights)
    .filter(([name]) => name.startsWith('backstory-'))
    .flatMap(([, texts]) => texts);

/**
 * Polls the tab until `check(answer)` holds for its `tab.mentions` answer; returns the answer. On
 * timeout the error says what was last seen (and `explain(lastAnswer)`, when given, what is missing).
 */
export async function waitForMentions(driver, tab, check, { timeout = 15_000, what = 'marks', explain } = {}) {
  let last;
  try {
    return await waitFor(
      async () => {
        last = await driver.mentions(tab);
        return check(last) ? last : null;
      },
      { timeout, interval: 150, what },
    );
  } catch (e) {
    const why = explain && last ? `; ${explain(last)}` : '';
    throw new Error(`${e.message}${why}; last tab.mentions answer: ${JSON.stringify(summarise(last))}`);
  }
}

/** A short form of a tab.mentions answer for failure messages. */
export const summarise = (answer) =>
  answer && {
    active: answer.active,
    stats: answer.stats,
    entities: answer.entities?.map((e) => `${e.name} <- ${e.texts.join(' | ')}`),
  };

/** The name of the entity each spelling is marked as, from a tab.mentions answer. */
export function entityOfText(answer) {
  const map = new Map();
  for (const e of answer?.entities ?? []) for (const t of e.texts) map.set(t, e.name);
  return map;
}

/** The card frame (card.html) of the tab, or null. Firefox reports such frames' url() as about:blank. */
export async function cardFrame(driver, tab) {
  const frames = tab.page.frames().filter((f) => f !== tab.page.mainFrame());
  if (driver.name === 'Chromium') return frames.find((f) => f.url().includes('/card.html')) ?? null;
  for (const f of frames) {
    const href = await f.evaluate(() => window.location.href).catch(() => '');
    if (href.includes('/card.html')) return f;
  }
  return null;
}

export { sleep, waitFor };

/**
 * Opens `url` as `driver.openPage` does (same options), with the page's console watched from before its
 * first script: the tab is opened on about:blank, the listeners are attached, then it navigates.
 * The tab gains `console`, one line per console message of level error or warning and per uncaught
 * exception: in Chromium from every world of the page, the content script's isolated world included (CDP
 * Runtime and Log domains of the page's own session); in Firefox what WebDriver BiDi reports for the
 * page, which includes the content script's console calls (hostile-pages.e2e.mjs saw them there when a
 * console.error was put into the scanner). Chromium tabs also get `cdp`, that CDP session, with the Performance domain enabled from the
 * start (for Performance.getMetrics).
 */
export async function openWatchedPage(driver, url, options = {}) {
  const tab = await driver.openPage('about:blank', options);
  tab.console = [];
  if (driver.name === 'Chromium') {
    const cdp = await tab.page.context().newCDPSession(tab.page);
    const text = (args) => args.map((a) => a.value ?? a.description ?? a.type).join(' ');
    cdp.on('Runtime.consoleAPICalled', (e) => {
      if (e.type === 'error' || e.type === 'warning' || e.type === 'assert')
        tab.console.push(`console.${e.type} (context ${e.executionContextId}): ${text(e.args)}`);
    });
    cdp.on('Runtime.exceptionThrown', ({ exceptionDetails: d }) =>
      tab.console.push(`uncaught (context ${d.executionContextId}): ${d.exception?.description ?? d.text}`),
    );
    cdp.on('Log.entryAdded', ({ entry }) => {
      if (entry.level === 'error' || entry.level === 'warning')
        tab.console.push(`log.${entry.level} (${entry.source}): ${entry.text} ${entry.url ?? ''}`);
    });
    await cdp.send('Runtime.enable');
    await cdp.send('Log.enable');
    await cdp.send('Performance.enable'); // ScriptDuration and TaskDuration count only while it is on
    tab.cdp = cdp;
  } else {
    tab.page.on('console', (m) => {
      if (['error', 'warn', 'warning', 'assert'].includes(m.type()))
        tab.console.push(`console.${m.type()}: ${m.text()}`);
    });
  }
  await tab.page.goto(url, { waitUntil: 'domcontentloaded' });
  tab.url = url; // Firefox's driver finds the tab by its URL
  return tab;
}

/**
 * Evaluates `expression` (a string of script) in the page; a probe for `openWatchedPage`'s console watch.
 * In Chromium it runs in a fresh isolated world (CDP Page.createIsolatedWorld), as a content script
 * runs; in Firefox in the page's main world.
 */
export async function evaluateIsolated(tab, expression) {
  if (!tab.cdp) return tab.page.evaluate(expression);
  const { frameTree } = await tab.cdp.send('Page.getFrameTree');
  const { executionContextId } = await tab.cdp.send('Page.createIsolatedWorld', {
    frameId: frameTree.frame.id,
    worldName: 'console-probe',
  });
  return tab.cdp.send('Runtime.evaluate', { expression, contextId: executionContextId });
}

/**
 * Answers the tab's requests to `origin` (e.g. `http://news.invalid`) with `pages` ({ path: HTML }) from the
 * test itself, and every other request as usual; 404 for a path not in `pages`. A page can so live on any
 * origin: a plain-http one (not a secure context, as many news sites are not) or a second one for a
 * framed page. Call it before navigating; not with `blockOtherHosts` (both intercept in Firefox).
 */
export async function servePages(driver, tab, origin, pages) {
  const answer = (url) => {
    const body = pages[new URL(url).pathname];
    return body === undefined
      ? { status: 404, contentType: 'text/plain', body: 'Not found' }
      : { status: 200, contentType: 'text/html; charset=utf-8', body };
  };
  if (driver.name === 'Chromium') {
    await tab.page.route(
      (url) => url.origin === origin,
      (route) => route.fulfill(answer(route.request().url())),
    );
    return;
  }
  await tab.page.setRequestInterception(true);
  tab.page.on('request', (request) => {
    if (request.isInterceptResolutionHandled()) return;
    const url = request.url();
    const done = url.startsWith(`${origin}/`) ? request.respond(answer(url)) : request.continue();
    void done.catch(() => {});
  });
}

/** Opens `origin + path` served by `servePages`, its console watched as `openWatchedPage` watches it. */
export async function openServedPage(driver, origin, pages, path, options = {}) {
  const tab = await openWatchedPage(driver, 'about:blank', options);
  await servePages(driver, tab, origin, pages);
  tab.url = `${origin}${path}`; // Firefox's driver finds the tab by its URL
  await tab.page.goto(tab.url, { waitUntil: 'domcontentloaded' });
  return tab;
}

/* global Range -- inside restOnMark's evaluate() callback */
/**
 * Rests the pointer on the first mark (document order, shadow trees aside) whose text is `text`, scrolled
 * into view, moving like a hand: small slow steps from a nearby point (the hover logic takes fast movement
 * for travel). Returns the point, or null when no such mark is on the page.
 */
export async function restOnMark(tab, text) {
  const at = await tab.evaluate((wanted) => {
    const ranges = [];
    for (const [name, highlight] of CSS.highlights)
      if (name.startsWith('backstory-'))
        for (const r of highlight)
          if (r.toString() === wanted && r.startContainer.getRootNode() === document) ranges.push(r);
    ranges.sort((a, b) => a.compareBoundaryPoints(Range.START_TO_START, b));
    if (!ranges[0]) return null;
    ranges[0].startContainer.parentElement.scrollIntoView({ block: 'center', inline: 'nearest' });
    const box = ranges[0].getClientRects()[0];
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  }, text);
  if (!at) return null;
  const from = { x: at.x - 36, y: at.y + 24 };
  await tab.page.mouse.move(from.x, from.y);
  for (let i = 1; i <= 12; i++) {
    await sleep(35);
    await tab.page.mouse.move(from.x + ((at.x - from.x) * i) / 12, from.y + ((at.y - from.y) * i) / 12);
  }
  return at;
}

/**
 * Chromium: Backstory's content script as it runs in the tab's top frame, through a CDP session of its own.
 * The extension may have more than one isolated world (named after it) in a frame (after an update,
 * Chromium makes two): `listeners()` lists the event listeners held on the document and the window in all
 * of them ("document pointermove", ...); `contextId` is the world holding the most (the content script's;
 * null when the frame has no such world) and `evaluate(expression)` runs there, promises awaited, the
 * value returned. `close()` ends the session.
 */
export async function contentScriptWorld(tab) {
  const session = await tab.page.context().newCDPSession(tab.page);
  const contexts = [];
  session.on('Runtime.executionContextCreated', (e) => contexts.push(e.context));
  await session.send('Runtime.enable'); // reports every live context first
  const { frameTree } = await session.send('Page.getFrameTree');
  const worlds = contexts
    .filter((c) => c.name === 'Backstory' && c.auxData?.type === 'isolated' && c.auxData.frameId === frameTree.frame.id)
    .map((c) => c.id);
  const run = async (contextId, expression, byValue = true) => {
    const { result, exceptionDetails } = await session.send('Runtime.evaluate', {
      expression,
      contextId,
      awaitPromise: true,
      returnByValue: byValue,
    });
    if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    return byValue ? result.value : result;
  };
  const listenersIn = async (contextId) => {
    const out = [];
    for (const target of ['document', 'window']) {
      const { objectId } = await run(contextId, target, false);
      const { listeners } = await session.send('DOMDebugger.getEventListeners', { objectId });
      out.push(...listeners.map((l) => `${target} ${l.type}`));
    }
    return out;
  };
  const held = await Promise.all(worlds.map(async (id) => (await listenersIn(id)).length));
  const contextId = worlds.length ? worlds[held.indexOf(Math.max(...held))] : null;
  return {
    contextId,
    evaluate: (expression) => run(contextId, expression),
    listeners: async () => (await Promise.all(worlds.map(listenersIn))).flat().sort(),
    close: () => session.detach().catch(() => {}),
  };
}
