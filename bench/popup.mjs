/**
 * The popup with a big store: 10k entities and 50k notes imported as one pack into the real extension
 * in Chromium. Measures
 * - open to interactive: from the popup document's navigation start to the frame after its first data
 *   (on this page, recent notes, counts) is rendered; the popup records that moment as the performance
 *   mark `backstory-popup-ready`, and this script waits one more animation frame (the paint);
 * - search per keystroke: from the input event of one more typed character to the animation frame
 *   after the results for that text are in the DOM (the results list carries `data-results-for`); the
 *   first keystroke of a popup is reported apart, since it builds the background's search copy.
 * The popup is opened as a tab of its own (popup.html?tab=<id>, 380 x 600), against the demo article.
 */
/* global document, performance, requestAnimationFrame, chrome, Event, MutationObserver, setTimeout -- inside page.evaluate() callbacks */
import { launchChromium, serveDir, waitFor } from '../scripts/browsers.mjs';

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  'al',
  'ba',
  'dar',
  'el',
  'far',
  'gha',
  'ha',
  'ib',
  'ka',
  'lu',
  'ma',
  'nur',
  'qa',
  'ra',
  'sa',
  'ta',
  'um',
  'wa',
  'ya',
  'zu',
];
const KINDS = ['person', 'place', 'organization', 'group', 'topic'];
const WORDS =
  'the of and a to in is was for on that with as by at from his her said militia border strike town convoy official report'.split(
    ' ',
  );

/** A pack of `entities` entities and `notes` notes about them, reproducible from the seed. */
export function bigPack({ entities, notes, seed = 7 }) {
  const rnd = prng(seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const word = (n) => Array.from({ length: n }, () => pick(SYLLABLES)).join('');
  const cap = (s) => s[0].toUpperCase() + s.slice(1);
  const list = [];
  for (let i = 0; i < entities; i++) {
    const name = `${cap(word(2))} ${cap(word(3))}`;
    list.push({ id: `e${i}`, name, kind: pick(KINDS), aliases: [`${cap(word(2))} ${i}`], tags: [pick(SYLLABLES)] });
  }
  const noteList = [];
  for (let i = 0; i < notes; i++) {
    const text = Array.from({ length: 25 + Math.floor(rnd() * 25) }, () => (rnd() < 0.2 ? word(2) : pick(WORDS))).join(
      ' ',
    );
    noteList.push({
      id: `n${i}`,
      about: { entity: `e${Math.floor(rnd() * entities)}` },
      text,
      created: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    });
  }
  return {
    format: 'backstory-pack',
    formatVersion: 1,
    pack: { id: 'bench-big', title: 'Benchmark: big store', version: '1' },
    entities: list,
    notes: noteList,
  };
}

/** Typed one character at a time, in this order, in one popup. */
const TYPED = ['mar', 'dar al', 'border', 'kaqa', 'zu'];

export async function runPopupBench({
  extDir,
  demoDir,
  entities = 10_000,
  notes = 50_000,
  opens = 12,
  log = () => {},
}) {
  const server = await serveDir(demoDir);
  const chromium = await launchChromium(extDir);
  const { context, extensionId } = chromium;
  const base = `chrome-extension://${extensionId}/popup.html`;
  try {
    const article = context.pages()[0] ?? (await context.newPage());
    await article.goto(`${server.url}article.html`);
    const helper = await context.newPage();
    await helper.goto(base);
    const pack = JSON.stringify(bigPack({ entities, notes }));
    log(
      `popup bench: importing ${entities.toLocaleString()} entities and ${notes.toLocaleString()} notes (${(pack.length / 1e6).toFixed(1)} MB)`,
    );
    let t0 = Date.now();
    const imported = await helper.evaluate(
      (text) => chrome.runtime.sendMessage({ backstory: 1, call: 'pack.import', input: { text } }),
      pack,
    );
    if (!imported?.ok) throw new Error(`import failed: ${JSON.stringify(imported).slice(0, 300)}`);
    const importMs = Date.now() - t0;
    await article.bringToFront();
    const tabId = await helper.evaluate(async () => {
      const self = await chrome.tabs.getCurrent();
      const [active] = await chrome.tabs.query({ active: true, currentWindow: true });
      if (!active || active.id === self?.id) throw new Error('the article is not the active tab');
      return active.id;
    });
    await helper.close();

    const open = async () => {
      const page = await context.newPage();
      await page.setViewportSize({ width: 380, height: 600 });
      await page.goto(`${base}?tab=${tabId}`);
      const ready = await waitFor(
        () =>
          page.evaluate(() => {
            const m = performance.getEntriesByName('backstory-popup-ready')[0];
            if (!m) return null;
            const nav = performance.getEntriesByType('navigation')[0];
            const fcp = performance.getEntriesByName('first-contentful-paint')[0];
            // The paint: the animation frame after the ready mark.
            return new Promise((resolve) =>
              requestAnimationFrame(() =>
                resolve({
                  readyMs: m.startTime,
                  paintMs: performance.now(),
                  dclMs: nav?.domContentLoadedEventEnd ?? null,
                  fcpMs: fcp?.startTime ?? null,
                }),
              ),
            );
          }),
        { timeout: 30_000, interval: 20, what: 'the popup to be ready' },
      );
      return { page, ...ready };
    };

    log('popup bench: opening the popup');
    const openSamples = [];
    /** Where the time goes: the document parsed (DOMContentLoaded) and its first paint. */
    const openParts = [];
    for (let i = 0; i < opens; i++) {
      const { page, readyMs, dclMs, fcpMs } = await open();
      openSamples.push(readyMs);
      openParts.push({ dclMs, fcpMs });
      await page.close();
    }

    log('popup bench: typing in the search box');
    const keystrokes = [];
    for (const [n, text] of TYPED.entries()) {
      const { page } = await open();
      for (let k = 1; k <= text.length; k++) {
        const query = text.slice(0, k);
        if (query.endsWith(' ')) continue; // the same search as without the space: nothing to wait for
        const ms = await page.evaluate(async (q) => {
          const input = document.querySelector('input[type="search"]');
          const t = performance.now();
          input.value = q;
          input.dispatchEvent(new Event('input', { bubbles: true }));
          // Seen the moment the DOM changes (a MutationObserver), then the next frame: the paint. The
          // popup searches for the trimmed text.
          const shown = () =>
            document.querySelector('[data-results-for]')?.getAttribute('data-results-for') === q.trim();
          if (!shown())
            await new Promise((resolve, reject) => {
              const observer = new MutationObserver(() => {
                if (!shown()) return;
                observer.disconnect();
                resolve();
              });
              observer.observe(document.body, { subtree: true, childList: true, attributes: true });
              setTimeout(() => reject(new Error(`no results for "${q}"`)), 20_000);
            });
          await new Promise((r) => requestAnimationFrame(r));
          return performance.now() - t;
        }, query);
        keystrokes.push({ query, ms, cold: n === 0 && k === 1 });
      }
      await page.close();
    }

    // The background's share of a keystroke: the `search` call alone, from an extension page.
    const probe = await context.newPage();
    await probe.goto(base);
    const callMs = [];
    for (const q of ['m', 'ma', 'mar', 'bord', 'zu', 'ka']) {
      const ms = await probe.evaluate(async (query) => {
        const t = performance.now();
        const r = await chrome.runtime.sendMessage({ backstory: 1, call: 'search', input: { query } });
        if (!r?.ok) throw new Error(JSON.stringify(r));
        return performance.now() - t;
      }, q);
      callMs.push(ms);
    }
    await probe.close();
    return { entities, notes, importMs, opens: openSamples, openParts, keystrokes, callMs };
  } finally {
    await chromium.close();
    await server.close();
  }
}
