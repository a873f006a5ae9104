/**
 * End-to-end measurements with the real extension (built by bench/build.mjs) in Chromium: the 100k
 * dictionary loaded through a real pack import, then every fixture page visited with the extension
 * active, with the site switched off (the content script runs but does not scan), and in a browser
 * without the extension. Per visit: DOMContentLoaded -> marks painted, long tasks, main-thread time and
 * heap (CDP), and for one extra traced visit, which main-thread tasks ran extension code.
 */
/* global window, document, performance, requestAnimationFrame, CSS, PerformanceObserver, chrome */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchChromium, waitFor } from '../scripts/browsers.mjs';
import { CHROMIUM_FLAGS, DEV_EXT_DIR, EXT_DIR, GAZETTEER, WWW } from './build.mjs';
import { join } from 'node:path';

/** A pack of every gazetteer place, its alternate names as aliases (docs/pack-format.md). */
export function makePack() {
  const entities = [];
  for (const line of readFileSync(GAZETTEER, 'utf8').split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    const name = (c[1] ?? '').trim();
    if (!name || name.length > 300) continue;
    const aliases = [
      ...new Set(
        (c[3] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s && s !== name && s.length <= 300),
      ),
    ].slice(0, 1000);
    entities.push({ id: `g${c[0]}`, name, kind: 'place', aliases });
  }
  const doc = {
    format: 'backstory-pack',
    formatVersion: 1,
    pack: { id: 'bench-geonames-cities15000', title: 'GeoNames cities over 15,000 people', version: '1' },
    entities,
  };
  return {
    text: JSON.stringify(doc),
    entities: entities.length,
    aliases: entities.reduce((n, e) => n + 1 + e.aliases.length, 0),
  };
}

/** Runs in each visited page (main world) before its scripts: DCL time, marks per frame, long tasks. */
function instrument() {
  const st = { dcl: null, first: null, last: null, count: 0, frames: 0, longtasks: [], stop: false };
  window.__bench = st;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) st.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // no long-task timing
  }
  document.addEventListener(
    'DOMContentLoaded',
    () => {
      st.dcl = performance.now();
      const tick = () => {
        let n = 0;
        for (const [name, h] of CSS.highlights) if (name.startsWith('backstory-')) n += h.size;
        const t = performance.now();
        if (n !== st.count) {
          if (st.first === null && n > 0) st.first = t;
          st.count = n;
          st.last = t;
        }
        st.frames++;
        if (!st.stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    },
    { capture: true, once: true },
  );
}

const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'toplevel',
  'v8',
  'blink',
  'extensions',
];

/**
 * Main-thread tasks of the visited page that ran extension code: tasks (ThreadControllerImpl::RunTask)
 * holding an event of the extension (its script URL, its isolated world "Backstory", its id). For each,
 * the task's duration and the time inside the extension's own events.
 */
export function analyzeTrace(events, extensionId) {
  const dcl = events.find((e) => e.name === 'MarkDOMContent' && e.args?.data?.isOutermostMainFrame);
  if (!dcl) return null;
  const { pid, tid } = dcl;
  const main = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X').sort((a, b) => a.ts - b.ts);
  const marker = (e) => {
    if (!e.args) return false;
    const s = JSON.stringify(e.args);
    return (
      s.includes(`chrome-extension://${extensionId}/`) ||
      s.includes('"worldName":"Backstory"') ||
      s.includes(extensionId)
    );
  };
  const tasks = main.filter((e) => e.name === 'ThreadControllerImpl::RunTask');
  const out = [];
  let j = 0;
  for (const t of tasks) {
    while (j < main.length && main[j].ts < t.ts) j++;
    let extMs = 0;
    let coveredTo = -Infinity;
    for (let k = j; k < main.length && main[k].ts <= t.ts + t.dur; k++) {
      const e = main[k];
      if (e === t || !marker(e)) continue;
      const end = e.ts + (e.dur ?? 0);
      if (e.ts >= coveredTo) {
        extMs += (e.dur ?? 0) / 1000;
        coveredTo = end;
      } else if (end > coveredTo) {
        extMs += (end - coveredTo) / 1000;
        coveredTo = end;
      }
    }
    if (extMs > 0) out.push({ at: (t.ts - dcl.ts) / 1000, ms: t.dur / 1000, extMs, task: t, from: j });
  }
  // What the longest one spent its time on: the longest events inside it, by name (nested ones overlap).
  const describe = (x) => {
    if (!x) return x;
    const names = new Map();
    for (let k = x.from; k < main.length && main[k].ts <= x.task.ts + x.task.dur; k++) {
      const e = main[k];
      if (e === x.task || !e.dur || /RunTask|TimerBase|AsyncTask|callFunction|RunMicrotasks|v8\.run/.test(e.name))
        continue;
      names.set(e.name, Math.max(names.get(e.name) ?? 0, e.dur / 1000));
    }
    const inside = [...names]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([n, ms]) => `${n} ${ms.toFixed(1)}`);
    return { at: x.at, ms: x.ms, extMs: x.extMs, inside };
  };
  const longest = out.reduce((a, b) => (b.extMs > (a?.extMs ?? -1) ? b : a), null);
  const longestTask = out.reduce((a, b) => (b.ms > (a?.ms ?? -1) ? b : a), null);
  return {
    tasks: out.length,
    extMs: out.reduce((n, t) => n + t.extMs, 0),
    longestExt: describe(longest),
    longestTask: describe(longestTask),
    firstAt: out.find((t) => t.at > 0)?.at ?? null,
  };
}

/** Visits a page in a new tab, waits until marks settle, returns timings, CDP metrics and (optionally) a trace. */
export async function visit(context, url, { trace = false, windowMs = 1500, extensionId = '' } = {}) {
  const page = await context.newPage();
  await page.addInitScript(instrument);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  let events = null;
  let traceDone = null;
  if (trace) {
    events = [];
    cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
    traceDone = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: { includedCategories: TRACE_CATEGORIES },
    });
  }
  await page.goto(url, { waitUntil: 'load' });
  await waitFor(
    () =>
      page.evaluate((w) => {
        const b = window.__bench;
        const t = performance.now();
        return b.dcl !== null && t >= b.dcl + w && (b.last === null || t - b.last > 700);
      }, windowMs),
    { timeout: 30_000, interval: 100, what: `${url} to settle` },
  );
  const st = await page.evaluate(() => {
    window.__bench.stop = true;
    return window.__bench;
  });
  let traced = null;
  if (trace) {
    await cdp.send('Tracing.end');
    await traceDone;
    traced = analyzeTrace(events, extensionId);
  }
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  await page.close();
  const longtasks = st.longtasks.filter((t) => st.dcl !== null && t.start >= st.dcl);
  return {
    firstMs: st.first === null ? null : st.first - st.dcl,
    allMs: st.last === null ? null : st.last - st.dcl,
    marks: st.count,
    longestLongTask: longtasks.reduce((a, t) => Math.max(a, t.duration), 0),
    longTasks: longtasks.length,
    taskMs: m.TaskDuration * 1000,
    scriptMs: m.ScriptDuration * 1000,
    jsHeap: m.JSHeapUsedSize,
    heapUsed: heap.usedSize,
    embedderHeap: heap.embedderHeapUsedSize ?? 0,
    backingStore: heap.backingStorageSize ?? 0,
    trace: traced,
  };
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summarize(runs) {
  const keys = Object.keys(runs[0]).filter((k) => k !== 'trace');
  const out = {};
  for (const k of keys) out[k] = median(runs.map((r) => r[k]));
  out.runs = runs.length;
  return out;
}

export const blockOtherHosts = (context) =>
  context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '127.0.0.1') return route.abort();
    return route.continue();
  });

const PROBE = { backstory: 1, call: 'page.match', input: { texts: ['Andorra la Vella and Umm al Qaywayn'] } };

/** Imports the pack from an extension page and waits until page.match answers from the new dictionary. */
async function importPack(ext, text) {
  const extPage = await ext.context.newPage();
  await extPage.goto(`chrome-extension://${ext.extensionId}/popup.html`);
  const send = (message) => extPage.evaluate((m) => chrome.runtime.sendMessage(m), message);
  let t0 = Date.now();
  const imported = await send({ backstory: 1, call: 'pack.import', input: { text } });
  if (!imported?.ok) throw new Error(`pack.import failed: ${JSON.stringify(imported).slice(0, 300)}`);
  const importMs = Date.now() - t0;
  t0 = Date.now();
  await waitFor(
    async () => {
      const r = await send(PROBE);
      return r?.ok && r.value.mentions[0].length >= 6;
    },
    { timeout: 120_000, interval: 50, what: 'the dictionary to be rebuilt with the pack' },
  );
  return { extPage, send, importMs, rebuildMs: Date.now() - t0 };
}

/**
 * The whole end-to-end suite. `pages`: fixture names (served at base + 'pages/NAME.html'), plus the
 * no-match page at base + 'nomatch.html'.
 */
export async function runE2E({ base, pages, reps, log, harnessJs }) {
  const result = { pages: {}, setup: {} };
  const pack = makePack();
  result.setup.packEntities = pack.entities;
  result.setup.packAliases = pack.aliases;
  result.setup.packBytes = Buffer.byteLength(pack.text);
  const urls = [...pages.map((p) => [p, `${base}pages/${p}.html`]), ['no-match', `${base}nomatch.html`]];

  // 1. Without the extension: the baseline for main-thread time and heap.
  log('e2e: browser without the extension');
  const { chromium } = await import('playwright-core');
  const plain = await chromium.launchPersistentContext('', {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: CHROMIUM_FLAGS,
  });
  await blockOtherHosts(plain);
  const none = {};
  try {
    for (const [name, url] of urls) {
      const runs = [];
      for (let i = 0; i < reps; i++) runs.push(await visit(plain, url));
      none[name] = summarize(runs);
    }
  } finally {
    await plain.close();
  }

  // 2. With the extension and the 100k dictionary.
  log('e2e: browser with the extension; importing the pack');
  const ext = await launchChromium(EXT_DIR);
  try {
    await blockOtherHosts(ext.context);
    const id = ext.extensionId;
    const { extPage, importMs, rebuildMs } = await importPack(ext, pack.text);
    result.setup.importMs = importMs;
    result.setup.rebuildMs = rebuildMs;
    await sleep(500); // let the persisted copy land in IndexedDB

    // Restore after a service-worker restart, in parts (an extension page reads what the worker reads).
    await extPage.evaluate(harnessJs);
    result.restore = await extPage.evaluate(() => globalThis.BackstoryBench.restoreFromStore(5));

    // Real page.match round trips (design A, this extension's own background, zod validation included).
    result.pageMatch = {};
    for (const name of ['guardian-1', 'wikipedia-2']) {
      result.pageMatch[name] = await extPage.evaluate(
        async ([n, url]) => {
          const B = globalThis.BackstoryBench;
          await B.page(n, url);
          return B.realPageMatch(n, 5);
        },
        [name, `${base}pages/${name}.html`],
      );
    }

    // The service worker stopped and started again: first page.match answered from the persisted copy.
    result.swRestart = [];
    const cdp = await ext.context.newCDPSession(extPage);
    for (let i = 0; i < 3; i++) {
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await sleep(300);
      const r = await extPage.evaluate(async (m) => {
        const t = performance.now();
        const reply = await chrome.runtime.sendMessage(m);
        return { ms: performance.now() - t, ok: reply?.ok === true && reply.value.mentions[0].length >= 6 };
      }, PROBE);
      const warm = await extPage.evaluate(async (m) => {
        const t = performance.now();
        await chrome.runtime.sendMessage(m);
        return performance.now() - t;
      }, PROBE);
      result.swRestart.push({ ...r, warmMs: warm });
    }

    const setSettings = (s) => extPage.evaluate((v) => chrome.storage.local.set({ settings: v }), s);
    for (const [name, url] of urls) {
      log(`e2e: ${name}`);
      await setSettings({ paused: false, disabledSites: [] });
      const active = [];
      for (let i = 0; i < reps; i++) active.push(await visit(ext.context, url, { extensionId: id }));
      const traced = await visit(ext.context, url, { extensionId: id, trace: true });
      await setSettings({ paused: false, disabledSites: ['127.0.0.1'] });
      const off = [];
      for (let i = 0; i < reps; i++) off.push(await visit(ext.context, url, { extensionId: id }));
      result.pages[name] = {
        active: summarize(active),
        off: summarize(off),
        none: none[name],
        trace: traced.trace,
        tracedAllMs: traced.allMs,
      };
    }
    await setSettings({ paused: false, disabledSites: [] });
  } finally {
    await ext.close();
  }
  return result;
}

export const NOMATCH_FILE = join(WWW, 'nomatch.html');

/**
 * Where the content script's main-thread time goes: V8 CPU profiles (sampling every 50 µs) of `visits`
 * visits per page with the unminified build and the same pack (matching happens in the background and is
 * not in these profiles). Per page: content-script JS time per visit, and the functions with the most
 * inclusive time (mean per visit).
 */
export async function profileContentScript({ base, pages, visits, log }) {
  const ext = await launchChromium(DEV_EXT_DIR);
  const out = {};
  try {
    await blockOtherHosts(ext.context);
    await importPack(ext, makePack().text);
    for (const [name, url] of pages.map((p) => [
      p,
      p === 'no-match' ? `${base}nomatch.html` : `${base}pages/${p}.html`,
    ])) {
      log(`profile: ${name}`);
      const incl = new Map();
      const self = new Map();
      let total = 0;
      for (let i = 0; i < visits; i++) {
        const page = await ext.context.newPage();
        const cdp = await ext.context.newCDPSession(page);
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
        await cdp.send('Profiler.start');
        await page.goto(url, { waitUntil: 'load' });
        await sleep(1000);
        const { profile } = await cdp.send('Profiler.stop');
        await page.close();
        const byId = new Map(profile.nodes.map((n) => [n.id, n]));
        const parent = new Map();
        for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
        const spent = new Map();
        profile.samples.forEach((id, k) => spent.set(id, (spent.get(id) ?? 0) + (profile.timeDeltas[k + 1] ?? 0)));
        const label = (n) => {
          const f = n.callFrame;
          const name = f.functionName || (f.lineNumber === 0 && f.columnNumber === 0 ? '(top level)' : '(anonymous)');
          return `${name}${f.url ? `:${f.lineNumber + 1}` : ''}`;
        };
        for (const [id, us] of spent) {
          const chain = [];
          for (let n = byId.get(id); n; n = byId.get(parent.get(n.id))) chain.push(n);
          if (!chain.some((n) => n.callFrame.url.startsWith('chrome-extension://'))) continue;
          total += us;
          const seen = new Set();
          for (const n of chain) {
            const key = label(n);
            if (n.callFrame.functionName === '(root)' || seen.has(key)) continue;
            seen.add(key);
            incl.set(key, (incl.get(key) ?? 0) + us);
          }
          const leaf = label(chain[0]);
          self.set(leaf, (self.get(leaf) ?? 0) + us);
        }
      }
      const per = (us) => us / visits / 1000;
      out[name] = {
        visits,
        totalMs: per(total),
        top: [...incl]
          .sort((a, b) => b[1] - a[1])
          .slice(0, Number(process.env.BENCH_PROFILE_TOP ?? 14))
          .map(([fn, us]) => ({ fn, inclusiveMs: per(us), selfMs: per(self.get(fn) ?? 0) })),
      };
    }
  } finally {
    await ext.close();
  }
  return out;
}
