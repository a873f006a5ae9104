/**
 * Helpers for scale-pages.e2e.mjs (real pages with the 100k-alias gazetteer): which place names a page
 * must show marked, what runs in the page to time marks and watch layout, and how a tab is opened so
 * that nothing of its load is missed. Not a test file (no `.e2e.mjs` suffix).
 */
/* global window, document, performance, requestAnimationFrame, CSS, PerformanceObserver, NodeFilter -- only inside evaluate() callbacks and init scripts */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHROMIUM_PATH, waitFor } from '../../scripts/browsers.mjs';
import { CHROMIUM_FLAGS } from '../../bench/build.mjs';
import { blockOtherHosts } from '../../bench/e2e.mjs';

// ---------------------------------------------------------------------------------------------------
// Which names a page must show marked, read from the page's own text and the dictionary's aliases.
// ---------------------------------------------------------------------------------------------------

/** Word characters as the matcher counts them (letters, marks, numbers, '_'): a match starts and ends between words. */
const WORD = /[\p{L}\p{M}\p{N}_]+/gu;
/** Lower case without diacritics: looser than the matcher's folding, so it finds at least what the matcher finds. */
const fold = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const wordsOf = (s) =>
  [...s.matchAll(WORD)].map((m) => ({ start: m.index, end: m.index + m[0].length, key: fold(m[0]) }));

/**
 * Every spelling the extension knows, by its folded word sequence ("andorra la vella" -> the lower-case
 * spellings of `wanted` with that sequence: the names a test looks for). Sequences of `others` are in
 * the index too, with no wanted spelling: they are on the dictionary as well, so they can take a match,
 * and a mark of one would not show that `wanted` is. Entities are pack entities ({ name, aliases }),
 * aliases as strings or { text }.
 */
export function aliasIndex(wanted, others = []) {
  const index = new Map();
  let longest = 1;
  const add = (entities, isWanted) => {
    for (const e of entities)
      for (const spelling of [e.name, ...e.aliases.map((a) => (typeof a === 'string' ? a : a.text))]) {
        const words = wordsOf(spelling);
        if (!words.length) continue;
        const key = words.map((w) => w.key).join(' ');
        if (!isWanted) index.set(key, new Set());
        else if (!index.has(key)) index.set(key, new Set([spelling.toLowerCase()]));
        else index.get(key).add(spelling.toLowerCase());
        longest = Math.max(longest, words.length);
      }
  };
  add(wanted, true);
  add(others, false);
  return { index, longest };
}

/** The starter pack the extension installs on first run: its spellings are on the page's dictionary too. */
export const STARTER_ENTITIES = JSON.parse(
  readFileSync(new URL('../../assets/starter-pack.json', import.meta.url), 'utf8'),
).entities;

/**
 * Names that must be marked on a page: wanted spellings (see aliasIndex) written in the page's paragraphs
 * exactly as the dictionary has them (case aside), letters and single spaces only, inside one text
 * node, where no other spelling overlaps them (leftmost-longest could then mark a longer or earlier
 * name instead). Capitalised names first, then the most frequent; at most `max`.
 * @param {{ text: string, nodes: [number, number][] }[]} paragraphs from `readParagraphs` in the page
 * @param {ReturnType<typeof aliasIndex>} dictionary
 */
export function expectedNames(paragraphs, { index, longest }, max = 5) {
  const found = new Map();
  for (const { text, nodes } of paragraphs) {
    const words = wordsOf(text);
    /** Every occurrence of a known spelling: [first word, word after the last]. */
    const spans = [];
    for (let i = 0; i < words.length; i++) {
      let key = '';
      for (let n = 1; n <= longest && i + n <= words.length; n++) {
        key += (n > 1 ? ' ' : '') + words[i + n - 1].key;
        if (index.has(key)) spans.push([i, i + n, key]);
      }
    }
    for (const [from, to, key] of spans) {
      const alone = spans.every(([f, t]) => (f === from && t === to) || t <= from || f >= to);
      const start = words[from].start;
      const end = words[to - 1].end;
      const written = text.slice(start, end);
      const oneNode = nodes.some(([s, e]) => s <= start && end <= e);
      if (!alone || !oneNode || written.length < 4 || !/^\p{L}+(?: \p{L}+)*$/u.test(written)) continue;
      if (!index.get(key).has(written.toLowerCase())) continue;
      const seen = found.get(written.toLowerCase());
      if (seen) seen.count++;
      else found.set(written.toLowerCase(), { written, count: 1 });
    }
  }
  const capital = (s) => /^\p{Lu}/u.test(s);
  return [...found.values()]
    .sort(
      (a, b) =>
        Number(capital(b.written)) - Number(capital(a.written)) ||
        b.count - a.count ||
        b.written.length - a.written.length ||
        a.written.localeCompare(b.written),
    )
    .slice(0, max)
    .map((x) => x.written);
}

/**
 * Runs in the page: the text of every rendered <p> (text inside code, form controls, scripts and the
 * like left out, as the content script leaves it out: SKIP follows SKIPPED_TAGS of lib/content/blocks.ts),
 * with where each text node starts and ends in it.
 */
export function readParagraphs() {
  const SKIP =
    'script,style,noscript,template,textarea,input,select,button,code,pre,kbd,samp,svg,math,[contenteditable]';
  const out = [];
  for (const p of document.querySelectorAll('p')) {
    if (!p.getClientRects().length || p.closest(SKIP)) continue;
    let text = '';
    const nodes = [];
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement?.closest(SKIP)) continue;
      nodes.push([text.length, text.length + n.data.length]);
      text += n.data;
    }
    if (text.trim()) out.push({ text, nodes });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// What runs in the page (main world) from document creation.
// ---------------------------------------------------------------------------------------------------

/**
 * Init script: records DOMContentLoaded, then every animation frame the number of ranges in the
 * extension's highlights (`backstory-*`): when the first appeared and when the count last changed. Also
 * every layout shift (PerformanceObserver 'layout-shift', buffered), where the browser reports them.
 */
export function instrumentPage() {
  const st = { dcl: null, first: null, last: null, count: 0, shifts: null };
  window.__scale = st;
  if (PerformanceObserver.supportedEntryTypes?.includes('layout-shift')) {
    st.shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) st.shifts.push({ at: e.startTime, value: e.value });
    }).observe({ type: 'layout-shift', buffered: true });
  }
  const tick = () => {
    let n = 0;
    for (const [name, h] of CSS.highlights) if (name.startsWith('backstory-')) n += h.size;
    if (n !== st.count) {
      const t = performance.now();
      if (st.first === null && n > 0) st.first = t;
      st.count = n;
      st.last = t;
    }
    requestAnimationFrame(tick);
  };
  document.addEventListener(
    'DOMContentLoaded',
    () => {
      st.dcl = performance.now();
      requestAnimationFrame(tick);
    },
    { capture: true, once: true },
  );
}

/**
 * Runs in the page: the instrument's record, with the page clock now, and the cumulative layout shift
 * (null where the browser has none): `cls` over the whole load, `clsFromDom` from the moment the DOM was
 * complete (domInteractive: the content script runs at document_end, so the shifts before are the page's
 * own, made while it was parsed, and differ from one load of the same page to the next).
 */
export function readInstrument() {
  const { shifts, ...st } = window.__scale;
  const domComplete = performance.getEntriesByType('navigation')[0]?.domInteractive ?? 0;
  const sum = (list) => list.reduce((n, s) => n + s.value, 0);
  return {
    ...st,
    now: performance.now(),
    cls: shifts && sum(shifts),
    clsFromDom: shifts && sum(shifts.filter((s) => s.at >= domComplete)),
  };
}

/**
 * Runs in the page: where everything is. One line per element and per non-blank text node, in document
 * order: the element's box, or the boxes of the text's lines, in document coordinates. Kept in the page
 * under `key`; returns the number of lines and of extension highlight ranges at that moment.
 */
export function snapshotGeometry(key) {
  const box = (r) =>
    `${(r.left + window.scrollX).toFixed(2)},${(r.top + window.scrollY).toFixed(2)},${r.width.toFixed(2)}x${r.height.toFixed(2)}`;
  const lines = [];
  const range = document.createRange();
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  for (let n = walker.currentNode; n; n = walker.nextNode()) {
    if (n.nodeType === 1) {
      lines.push(`${n.nodeName} ${box(n.getBoundingClientRect())}`);
    } else if (n.data.trim()) {
      range.selectNodeContents(n);
      lines.push(`#text ${[...range.getClientRects()].map(box).join(' ')}`);
    }
  }
  window.__geometry ??= {};
  window.__geometry[key] = lines;
  let marks = 0;
  for (const [name, h] of CSS.highlights) if (name.startsWith('backstory-')) marks += h.size;
  return { lines: lines.length, marks };
}

/** Runs in the page: how two kept snapshots differ (the first few differing lines, and how many). */
export function compareGeometry([a, b]) {
  const x = window.__geometry[a];
  const y = window.__geometry[b];
  const diffs = [];
  let count = 0;
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if (x[i] !== y[i]) {
      count++;
      if (diffs.length < 5) diffs.push(`#${i}: ${x[i] ?? '(none)'} -> ${y[i] ?? '(none)'}`);
    }
  return { lines: [x.length, y.length], count, diffs };
}

/** Runs in the page: the number of ranges in the extension's highlights. */
export function countMarks() {
  let n = 0;
  for (const [name, h] of CSS.highlights) if (name.startsWith('backstory-')) n += h.size;
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Opening tabs so that their whole load is observed.
// ---------------------------------------------------------------------------------------------------

/** A message with the test server's origin taken out (the baseline and marked runs use two hosts). */
const withoutOrigin = (text) => text.replace(/https?:\/\/(?:127\.0\.0\.1|localhost):\d+/g, 'ORIGIN');

/**
 * Every uncaught error and console error of a tab so far: `full` (message and stack, to see where an error
 * comes from) and `lines` (first line, origin taken out: comparable between the baseline and marked runs).
 */
export function errorsOf(tab) {
  const full = [...tab.errors.map((e) => `${e?.message ?? e}\n${e?.stack ?? ''}`), ...tab.consoleErrors];
  return { full, lines: full.map((e) => withoutOrigin(e.split('\n')[0])) };
}

/**
 * Opens `url` through the driver, with the page instrumented: the tab is opened on about:blank first so
 * that the console listener (and, in Chromium, CDP's Performance domain, whose ScriptDuration counts only
 * while it is enabled, and the CPU profiler) is in place before the page's first script. The tab gains
 * `consoleErrors`, `scriptMs()` (Chromium: CDP ScriptDuration so far, in ms; Firefox: null) and
 * `extensionJsMs()` (Chromium: stops the profiler and returns the JS time, in ms, of the samples whose
 * stack holds the extension's code; Firefox: null).
 */
export async function openInstrumented(driver, url) {
  const tab = await driver.openPage('about:blank', { blockOtherHosts: true, init: instrumentPage });
  tab.consoleErrors = [];
  tab.page.on('console', (m) => {
    if (m.type() === 'error') tab.consoleErrors.push(m.text());
  });
  let cdp = null;
  if (driver.name === 'Chromium') {
    cdp = await tab.page.context().newCDPSession(tab.page);
    await startMeasuring(cdp);
  }
  tab.scriptMs = async () => {
    if (!cdp) return null;
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'ScriptDuration').value * 1000;
  };
  tab.extensionJsMs = async () => (cdp ? extensionTime((await cdp.send('Profiler.stop')).profile) : null);
  await tab.page.goto(url, { waitUntil: 'domcontentloaded' });
  tab.url = url; // Firefox's driver finds the tab by its URL
  return tab;
}

/**
 * Chromium: CDP's Performance domain (ScriptDuration) and the CPU profiler (every 100 µs), started on
 * every load alike, so that the profiler's own overhead is in every ScriptDuration compared.
 */
async function startMeasuring(cdp) {
  await cdp.send('Performance.enable');
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
}

/** Milliseconds of a V8 CPU profile spent with extension code (a chrome-extension:// frame) on the stack. */
function extensionTime(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inExtension = new Map();
  const isExtension = (id) => {
    if (id === undefined) return false;
    if (!inExtension.has(id))
      inExtension.set(id, byId.get(id).callFrame.url.startsWith('chrome-extension://') || isExtension(parent.get(id)));
    return inExtension.get(id);
  };
  let us = 0;
  // Each sample stands for the time until the next one.
  profile.samples.forEach((id, k) => {
    if (isExtension(id)) us += profile.timeDeltas[k + 1] ?? 0;
  });
  return us / 1000;
}

/**
 * Chromium without the extension, for the main-thread cost of the page alone: loads each URL as the
 * suite does (other hosts blocked, the same init script) and returns CDP ScriptDuration (ms) at
 * DOMContentLoaded + `windowMs`, by URL.
 */
export async function scriptMsWithoutExtension(urls, windowMs) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext('', {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: CHROMIUM_FLAGS,
  });
  const out = new Map();
  try {
    await blockOtherHosts(context);
    for (const url of urls) {
      const page = await context.newPage();
      await page.addInitScript(instrumentPage);
      const cdp = await context.newCDPSession(page);
      await startMeasuring(cdp);
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await waitUntilAfterDcl(page, windowMs);
      const { metrics } = await cdp.send('Performance.getMetrics');
      out.set(url, metrics.find((m) => m.name === 'ScriptDuration').value * 1000);
      await page.close();
    }
  } finally {
    await context.close();
  }
  return out;
}

/** Waits until the page's clock is `ms` past its DOMContentLoaded (as recorded by instrumentPage). */
export async function waitUntilAfterDcl(page, ms) {
  const st = await waitFor(() => page.evaluate(readInstrument).then((s) => s.dcl !== null && s), {
    timeout: 60_000,
    what: 'DOMContentLoaded',
  });
  const left = st.dcl + ms - st.now;
  if (left > 0) await sleep(left);
}

// ---------------------------------------------------------------------------------------------------
// Comparing runs, and the table.
// ---------------------------------------------------------------------------------------------------

/** The items of `sub` that `all` does not account for (multisets). */
export function notIn(sub, all) {
  const counts = new Map();
  for (const x of all) counts.set(x, (counts.get(x) ?? 0) + 1);
  const extra = [];
  for (const x of sub) {
    const n = counts.get(x) ?? 0;
    if (n > 0) counts.set(x, n - 1);
    else extra.push(x);
  }
  return extra;
}

/** An error or console message that names Backstory or points at an extension's code. */
export const fromExtension = (text) => /backstory|(chrome|moz)-extension:\/\//i.test(text);

/** Plain-text table: right-aligned columns but the first. */
export function table(header, rows) {
  const cells = [header, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
