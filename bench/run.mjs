#!/usr/bin/env node
/**
 * `npm run bench` (add `-- --quick` for a fast subset): Backstory's benchmarks, in real Chromium.
 *
 * 1. Micro-benchmarks inside a page (V8 as the extension gets it): the matcher (lib/match) against one
 *    RegExp alternation, mark.js and a loop that only reads every character, on the text of the fixture
 *    pages, with dictionaries of 100, 1k, 10k and all (~130k) GeoNames aliases; compile time and size;
 *    what each message transport costs the page (JSON, as Chrome serializes runtime messages).
 * 2. Real runtime.sendMessage round trips from an extension page, through a small "echo" extension
 *    whose background holds the same dictionaries (bench/echo-background.ts).
 * 3. End to end with the real extension and the full gazetteer imported as a pack: DOMContentLoaded to
 *    marks painted on every fixture page, long tasks, main-thread time, heap, service-worker restore.
 *
 * Prints the tables; a full run also rewrites the generated part of BENCHMARKS.md (between the
 * `bench:results` markers; the text around them is kept). Raw numbers go to .tmp/bench/results.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_PATH, serveDir } from '../scripts/browsers.mjs';
import { buildExtension, buildHarness, CHROMIUM_FLAGS, ECHO_EXT, EXT_DIR, OUT, ROOT, WWW } from './build.mjs';
import { NOMATCH_FILE, profileContentScript, runE2E } from './e2e.mjs';
import { runCardBench } from './card.mjs';
import { runPopupBench } from './popup.mjs';
import { runSyncBench } from './sync.mjs';
import { int, kb, mb, num, rate, table } from './report.mjs';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
/** `--popup-only`: just the popup benchmark, printed (BENCHMARKS.md is left alone). */
const POPUP_ONLY = args.includes('--popup-only');
/** `--sync-only`: just the sync benchmark, printed. */
const SYNC_ONLY = args.includes('--sync-only');
/** "Every alias": any size at or above the gazetteer's alias count takes all of them. */
const ALL = 1_000_000;
const SIZES = QUICK ? [1000, ALL] : [100, 1000, 10_000, ALL];
const TRANSPORT_SIZES = QUICK ? [1000, ALL] : [1000, 10_000, ALL];
const KEY_PAGES = ['guardian-1', 'wikipedia-2'];
const MARK_LIMIT_MS = 60_000;
const started = Date.now();

const log = (msg) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}\n`);
const sizeLabel = (n, all) => (n >= ALL ? `${int(all)} (all)` : int(n));

async function micro(base, pageNames) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, '--js-flags=--expose-gc', '--enable-precise-memory-info'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}bench.html`);
    const B = (fn, ...a) => page.evaluate(([f, x]) => globalThis.BackstoryBench[f](...x), [fn, a]);
    const r = { chromium: browser.version() };
    r.gazetteer = await B('init', `${base}geonames.tsv`);
    log(`micro: ${r.gazetteer.aliases} aliases of ${r.gazetteer.entities} places; compiling`);
    r.dicts = [];
    for (const size of SIZES) r.dicts.push(await B('dictionary', size, QUICK ? 3 : 5));
    r.pages = [];
    for (const name of pageNames) r.pages.push(await B('page', name, `${base}pages/${name}.html`));
    r.pages.push(await B('corpus', 'corpus', pageNames, 1e6));

    log('micro: throughput (matcher, RegExp, read loop)');
    r.throughput = [];
    for (const p of [...pageNames, 'corpus']) {
      const loop = await B('readLoop', p, 7);
      for (const size of SIZES) {
        const matcher = await B('matcher', p, size, 7);
        const regexp = await B('regexp', p, size, 5, 15_000);
        r.throughput.push({ page: p, size, loop, matcher, regexp });
      }
    }

    const compiled = new Set(SIZES);
    const ensure = async (size) => {
      if (!compiled.has(size)) await B('dictionary', size, 1);
      compiled.add(size);
    };

    log('micro: mark.js');
    r.markjs = [];
    const markPages = QUICK ? ['guardian-1'] : pageNames;
    const markSizes = QUICK ? [100] : [100, 1000];
    for (const p of markPages) {
      for (const size of markSizes) {
        log(`micro: mark.js ${p} ${size} terms`);
        await ensure(size);
        r.markjs.push({ page: p, size, ...(await B('markjs', p, size, 3, MARK_LIMIT_MS, 10_000)) });
      }
      const at1k = r.markjs.find((m) => m.page === p && m.size === 1000);
      if (!QUICK && KEY_PAGES.includes(p) && at1k?.outcome === 'done' && at1k.ms < 10_000) {
        log(`micro: mark.js ${p} 10000 terms`);
        await ensure(10_000);
        r.markjs.push({ page: p, size: 10_000, ...(await B('markjs', p, 10_000, 1, MARK_LIMIT_MS, 0)) });
      }
    }

    log('micro: message transport (JSON in the page)');
    r.transport = [];
    for (const size of TRANSPORT_SIZES) await ensure(size);
    for (const p of KEY_PAGES)
      for (const size of TRANSPORT_SIZES) r.transport.push({ page: p, ...(await B('transport', p, size, 5)) });
    r.hold = [];
    for (const size of TRANSPORT_SIZES) r.hold.push({ size, ...(await B('holdCost', size)) });

    const nm = await B('noMatchText', ALL, 30, 120);
    r.noMatch = { paragraphs: nm.paragraphs.length, mentions: nm.mentions };
    writeFileSync(
      NOMATCH_FILE,
      '<!doctype html>\n<html lang="en"><meta charset="utf-8"><title>Notes</title>\n<body><main>\n' +
        nm.paragraphs.map((t) => `<p>${t}</p>`).join('\n') +
        '\n</main></body></html>\n',
    );
    return r;
  } finally {
    await browser.close();
  }
}

async function echo(base) {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(os.tmpdir(), 'backstory-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [`--disable-extensions-except=${ECHO_EXT}`, `--load-extension=${ECHO_EXT}`, ...CHROMIUM_FLAGS],
  });
  try {
    const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    const id = new URL(sw.url()).host;
    const page = await context.newPage();
    await page.goto(`chrome-extension://${id}/echo.html`);
    const B = (fn, ...a) => page.evaluate(([f, x]) => globalThis.BackstoryBench[f](...x), [fn, a]);
    const loaded = await B('echoLoad', `${base}geonames.tsv`, TRANSPORT_SIZES);
    if (!loaded?.ok) throw new Error(`echo extension could not load: ${JSON.stringify(loaded)}`);
    for (const p of KEY_PAGES) await B('page', p, `${base}pages/${p}.html`);
    const out = [];
    for (const size of TRANSPORT_SIZES) {
      const row = { size, match: {} };
      for (const p of KEY_PAGES) row.match[p] = await B('echoMatch', p, size, 5);
      row.base64 = await B('echoDict', size, 'base64', 5);
      row.latin1 = await B('echoDict', size, 'latin1', 3);
      out.push(row);
    }
    return out;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

function machine(chromiumVersion) {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model;
  let nproc = os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // os.cpus() then
  }
  return {
    nproc,
    cpu,
    ramGB: os.totalmem() / 2 ** 30,
    chromium: chromiumVersion,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Report

function render(res) {
  const { micro: m, echo: e, e2e } = res;
  const all = m.gazetteer.aliases;
  const out = [];
  const pageOf = (name) => m.pages.find((p) => p.name === name);
  const tp = (p, size) => m.throughput.find((t) => t.page === p && t.size === size);

  out.push(
    table(
      'Dictionaries (GeoNames names + alternate names; samples seeded, "all" = every alias; compile = median)',
      ['aliases', 'entities', 'patterns', 'states', 'compile ms', 'size MB', 'collisions'],
      m.dicts.map((d) => [
        sizeLabel(d.size, all),
        int(d.entities),
        int(d.patterns),
        int(d.states),
        num(d.compileMs, 1),
        mb(d.bytes),
        int(d.collisions),
      ]),
    ),
  );

  out.push(
    table(
      'Page texts (blocks of text nodes, as the content script splits them; corpus = the six pages repeated to >= 1 MB)',
      ['page', 'HTML KB', 'elements', 'blocks', 'text KB', 'block split ms'],
      m.pages.map((p) => [
        p.name,
        p.htmlBytes ? kb(p.htmlBytes, 0) : '-',
        p.elements === undefined ? '-' : int(p.elements),
        int(p.blocks),
        kb(p.utf8Bytes),
        p.blocksMs === undefined ? '-' : num(p.blocksMs, 2),
      ]),
      ['text KB = UTF-8 bytes of the blocks joined by newlines; block split = iterateBlocks() over the parsed page.'],
    ),
  );

  const rows = [];
  for (const t of m.throughput) {
    const bytes = (pageOf(t.page) ?? {}).utf8Bytes;
    const re = t.regexp;
    let reMs = '-';
    let reRate = '-';
    let reRatio = '-';
    let reCount = '-';
    if (re.failed) reMs = `failed: ${re.failed.slice(0, 40)}`;
    else if (re.prefixOnly) {
      reMs = `${num(re.estimateFullMs, 1)} (est.)`;
      reRate = num(rate(re.prefixUtf8Bytes, re.ms), 1);
      reRatio = num(re.estimateFullMs / t.matcher.ms, 1);
    } else {
      reMs = num(re.ms, 2);
      reRate = num(rate(bytes, re.ms), 1);
      reRatio = num(re.ms / t.matcher.ms, 1);
      reCount = int(re.mentions);
    }
    rows.push([
      t.page,
      sizeLabel(t.size, all),
      num(t.matcher.ms, 2),
      num(rate(bytes, t.matcher.ms), 1),
      num(t.matcher.ms / t.loop.ms, 1),
      t.matcher.foldMs === null ? '-' : num(t.matcher.foldMs, 2),
      num(t.matcher.perBlockMs, 2),
      num(rate(bytes, t.loop.ms), 0),
      reMs,
      reRate,
      reRatio,
      int(t.matcher.mentions),
      reCount,
    ]);
  }
  out.push(
    table(
      'Throughput: matcher (findMentions) vs one RegExp alternation vs a loop reading every character (medians, ms per pass)',
      [
        'text',
        'aliases',
        'matcher ms',
        'MB/s',
        'x loop',
        'fold ms',
        'per-block ms',
        'loop MB/s',
        'RegExp ms',
        'MB/s',
        'x matcher',
        'mentions',
        'RegExp hits',
      ],
      rows,
      [
        'MB/s = UTF-8 bytes of the page text (1 MB = 10^6 B) per second. matcher = one findMentions() over the joined text;',
        'per-block = one call per block, as the background runs it; fold = foldForMatch() alone (the dictionary-independent pass);',
        "x loop = matcher time / read-loop time. RegExp = new RegExp('\\\\b(?:' + aliases longest first + ')\\\\b', 'giu'), exec() to the end;",
        'its hits differ from mentions by design (no folding of diacritics, ASCII-only \\b, no case rules, no leftmost-longest).',
      ],
    ),
  );

  out.push(
    table(
      "mark.js 8.11.1 (accuracy 'exactly', separateWordSearch false, diacritics false) on a fresh copy of the page body per run",
      ['page', 'terms', 'mark.js ms', 'MB/s', 'runs', 'marks', 'matcher ms', 'mark.js / matcher'],
      m.markjs.map((k) => {
        const t = tp(k.page, k.size);
        const bytes = pageOf(k.page).utf8Bytes;
        const done = k.outcome === 'done';
        const failure = /stack overflow|call stack/i.test(k.outcome)
          ? 'failed: stack overflow'
          : `failed: ${String(k.outcome).slice(0, 40)}`;
        const msCell = done
          ? num(k.ms, 0)
          : k.outcome === 'timeout'
            ? `did not finish in ${MARK_LIMIT_MS / 1000} s (${k.termsDone}/${k.terms} terms)`
            : `${failure} (after ${num(k.ms / 1000, 1)} s, ${k.termsDone}/${k.terms} terms)`;
        let ratio = '-';
        if (t && done) ratio = `${int(k.ms / t.matcher.ms)}x`;
        else if (t && k.outcome === 'timeout') ratio = `> ${int(MARK_LIMIT_MS / t.matcher.ms)}x`;
        return [
          k.page,
          int(k.terms),
          msCell,
          done ? num(rate(bytes, k.ms), 3) : '-',
          k.runs,
          done ? int(k.marks) : '-',
          t ? num(t.matcher.ms, 2) : '-',
          ratio,
        ];
      }),
      [
        'Runs: the first is a warm-up when there are more (stopped when the next would pass 10 s); mark() time only, without',
        "the layout it causes later. 'exactly' needs whitespace around a term, so its marks differ from the matcher's mentions.",
        'mark.js handles each term in a nested callback (one recursion level per term): with ~1k+ terms V8 can run out of',
        'stack, which surfaces as "SyntaxError: ... Stack overflow" from the next RegExp it builds.',
      ],
    ),
  );

  const trows = [];
  for (const t of m.transport) {
    const hold = m.hold.find((h) => h.size === t.size);
    trows.push([
      t.page,
      sizeLabel(t.size, all),
      'A: text -> bg, mentions back',
      kb(t.aBytes),
      num(t.aPageMs, 2),
      num(t.aBgMs, 2),
      '0',
    ]);
    for (const enc of ['base64', 'latin1']) {
      trows.push([
        t.page,
        sizeLabel(t.size, all),
        `B: dictionary -> tab (${enc})`,
        kb(t[enc].wireBytes),
        num(t[enc].pageMs, 2),
        num(t[enc].bgMs, 2),
        hold ? mb(hold.dictHeapGrowth + hold.entitiesHeapGrowth) : '-',
      ]);
    }
  }
  out.push(
    table(
      "Message transport, JSON as Chrome serializes runtime messages (page side: what the tab's main thread pays)",
      ['page', 'aliases', 'design', 'wire KB', 'page ms', 'bg ms', 'tab holds MB'],
      trows,
      [
        "A: the page's blocks in the scanner's 200k-character batches as page.match requests (page: JSON.stringify of the",
        'requests + JSON.parse of the replies; bg: JSON.parse + findMentions + JSON.stringify). Paid on every page load.',
        'B: the serialized dictionary as a string plus the entity table (page: JSON.parse + decode + deserialize; bg:',
        "JSON.stringify). Paid once per tab (and per frame), after which matching runs on the page's main thread.",
        'tab holds = JS heap growth after GC of keeping the decoded dictionary and entity table (ArrayBuffers count there).',
        `Per tab held, by size: ${m.hold.map((h) => `${sizeLabel(h.size, all)}: dictionary ${mb(h.arrayBufferBytes)} MB + entities ${mb(h.entitiesHeapGrowth)} MB`).join('; ')}.`,
      ],
    ),
  );

  if (e) {
    const erows = [];
    for (const r of e) {
      for (const p of KEY_PAGES) {
        const a = r.match[p];
        erows.push([
          sizeLabel(r.size, all),
          `A: page.match-like, ${p}`,
          `${a.batches} msg`,
          num(a.ms, 1),
          num(a.longestTask, 0),
        ]);
      }
      erows.push([
        sizeLabel(r.size, all),
        'B: dictionary, base64',
        `${kb(r.base64.chars, 0)}k`,
        num(r.base64.ms, 1),
        num(r.base64.longestTask, 0),
      ]);
      erows.push([
        sizeLabel(r.size, all),
        'B: dictionary, latin1',
        `${kb(r.latin1.chars, 0)}k`,
        num(r.latin1.ms, 1),
        num(r.latin1.longestTask, 0),
      ]);
    }
    out.push(
      table(
        'Real runtime.sendMessage round trips from an extension page (echo extension, same matcher; median of 5, latin1 of 3)',
        ['aliases', 'what', 'string chars', 'ms', 'longest task ms'],
        erows,
        [
          'A: request = page blocks, reply = mentions (matched in the background). B: reply = the dictionary string + entities;',
          'ms includes decode + deserialize in the page. longest task = PerformanceObserver long tasks (>= 50 ms), 0 = none.',
        ],
      ),
    );
  }

  if (e2e) {
    const prow = [];
    for (const [name, r] of Object.entries(e2e.pages)) {
      const a = r.active;
      const tr = r.trace;
      prow.push([
        name,
        int(a.marks),
        num(a.firstMs, 0),
        num(a.allMs, 0),
        tr?.longestExt ? num(tr.longestExt.extMs, 1) : '-',
        tr ? num(tr.extMs, 1) : '-',
        tr?.firstAt === null || tr?.firstAt === undefined ? '-' : num(tr.firstAt, 0),
        num(a.longestLongTask, 0) + ' / ' + num(r.off.longestLongTask, 0),
        num(a.scriptMs - r.none.scriptMs, 1),
        num(a.scriptMs - r.off.scriptMs, 1),
        kb(a.jsHeap - r.none.jsHeap, 0),
        kb(a.jsHeap - r.off.jsHeap, 0),
        kb(a.embedderHeap - r.off.embedderHeap, 0),
      ]);
    }
    out.push(
      table(
        `End to end: the real extension with the full gazetteer (${int(e2e.setup.packEntities)} places, ${int(e2e.setup.packAliases)} names) imported as a pack; medians of ${e2e.reps} visits per mode`,
        [
          'page',
          'marks',
          'DCL->first',
          'DCL->all',
          'ext task max',
          'ext total',
          'cs starts',
          'long tasks on/off',
          'script +ms vs none',
          'vs off',
          'JS heap +KB vs none',
          'vs off',
          'Blink heap +KB vs off',
        ],
        prow,
        [
          'DCL->first / DCL->all: ms from DOMContentLoaded to the rAF frame where the first / last backstory-* highlight range',
          'is registered (polled every frame from the page). ext task max / ext total / cs starts: from one traced visit',
          "(Chrome trace: main-thread tasks that ran the content script's code or its isolated world; tracing adds",
          'per-call overhead, so these are upper bounds): the longest such task, their sum, and when the first began (ms',
          'after DCL). long tasks on/off: longest PerformanceObserver long task after DCL with the extension active / with',
          'the site switched off (0 = none >= 50 ms). script +ms: CDP ScriptDuration of the visit, active minus a browser',
          'without the extension ("none", all content-script costs) or minus the site switched off ("off": scanning only).',
          'Heap: CDP JSHeapUsedSize / Runtime.getHeapUsage embedderHeapUsedSize after a forced GC; the content script lives',
          "in an isolated world of the page's V8 isolate, so the differences are its heap. Noisy at the 100 KB level.",
        ],
      ),
    );
    const rs = e2e.restore;
    const sw = e2e.swRestart;
    const swFirst = sw.map((x) => x.ms).sort((a, b) => a - b);
    out.push(
      table(
        'Service-worker restore of the full dictionary (persisted in IndexedDB meta "dictionary"; median of 5)',
        ['step', 'ms'],
        [
          ['open IndexedDB "backstory"', num(rs.openMs, 1)],
          [`read the record (${mb(rs.bytes)} MB dictionary + ${int(rs.entities)} entities)`, num(rs.readMs, 1)],
          ['  of which structuredClone(buffer) alone', num(rs.cloneBufferMs, 1)],
          ['  of which the entity table (clone of its JSON string + JSON.parse)', num(rs.cloneEntitiesMs, 1)],
          ['  (the table kept as objects instead: structuredClone of them)', num(rs.entitiesAsJsonMs, 1)],
          ['deserialize() + JSON.parse(entities)', num(rs.deserializeMs, 2)],
          ['total (open + read + deserialize)', num(rs.totalMs, 1)],
          [
            `first page.match after ServiceWorker.stopAllWorkers (${sw.length} runs: ${swFirst.map((x) => num(x, 0)).join(', ')})`,
            num(swFirst[swFirst.length >> 1], 0),
          ],
          ['the same call, warm', num(sw.map((x) => x.warmMs).sort((a, b) => a - b)[sw.length >> 1], 1)],
          [
            `pack import of ${int(e2e.setup.packEntities)} places (${mb(e2e.setup.packBytes)} MB JSON), one message`,
            int(e2e.setup.importMs),
          ],
          [
            'then until page.match answers with the new dictionary (rebuild in the background)',
            int(e2e.setup.rebuildMs),
          ],
        ],
        ['Measured from an extension page of the real extension, which reads the same IndexedDB the worker does.'],
      ),
    );
    const pm = e2e.pageMatch;
    out.push(
      table(
        "The real extension's page.match from an extension page (design A as shipped, zod validation included; median of 5)",
        ['page', 'messages', 'ms', 'mentions', 'longest task ms'],
        Object.entries(pm).map(([p, r]) => [p, r.batches, num(r.ms, 1), int(r.mentions), num(r.longestTask, 0)]),
      ),
    );
  }
  if (res.profile) {
    for (const [name, p] of Object.entries(res.profile)) {
      out.push(
        table(
          `Content-script CPU profile, ${name}: ${num(p.totalMs, 1)} ms of extension JS per visit (mean of ${p.visits}; unminified build, V8 sampling every 50 us)`,
          ['function:line in content.js (or native)', 'inclusive ms', 'self ms'],
          p.top.map((t) => [t.fn, num(t.inclusiveMs, 2), num(t.selfMs, 2)]),
        ),
      );
    }
  }
  if (res.card?.length) out.push(cardTable(res.card));
  if (res.popup) out.push(popupTable(res.popup));
  if (res.sync) out.push(syncTable(res.sync));
  out.push(goals(res));
  return out.join('\n\n');
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};

/** Card latency, from dwell end to the frame that shows the card. */
function cardTable(samples) {
  const groups = [
    ['every show', samples],
    ['pre-rendered during the dwell', samples.filter((x) => x.prerendered)],
    ["rendered on show (the page's first card, frame still loading)", samples.filter((x) => !x.prerendered)],
  ].filter(([, xs]) => xs.length);
  return table(
    `Hover card: dwell end -> card on screen (demo article, starter pack; ${samples.length} shows of ${new Set(samples.map((x) => x.text)).size} entities)`,
    ['shows', 'n', 'median ms', 'worst ms', 'message ms (median)', 'render ms (median)', 'to frame ms (median)'],
    groups.map(([label, xs]) => [
      label,
      xs.length,
      num(median(xs.map((x) => x.totalMs)), 1),
      num(Math.max(...xs.map((x) => x.totalMs)), 1),
      num(median(xs.map((x) => x.ipcMs)), 1),
      num(median(xs.map((x) => x.renderMs)), 1),
      num(median(xs.map((x) => x.frameMs)), 1),
    ]),
    [
      'The content script makes the host opaque when the dwell ends; a card pre-rendered while the pointer rested is then',
      "on screen in the page's next frame. Measured in the card frame (performance mark backstory-card-painted): message",
      'from the content script, rendering still needed, and the wait for the next animation frame.',
    ],
  );
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};

/** Popup open and search latency with a big store. */
function popupTable(p) {
  const warm = p.keystrokes.filter((k) => !k.cold).map((k) => k.ms);
  const cold = p.keystrokes.filter((k) => k.cold).map((k) => k.ms);
  return table(
    `Popup with ${int(p.entities)} entities and ${int(p.notes)} notes (imported as one pack in ${num(p.importMs / 1000, 1)} s)`,
    ['measure', 'n', 'median ms', 'p90 ms', 'worst ms'],
    [
      [
        'open -> interactive (ready mark)',
        p.opens.length,
        num(median(p.opens), 1),
        num(pct(p.opens, 0.9), 1),
        num(Math.max(...p.opens), 1),
      ],
      ...(p.openParts?.length
        ? [
            ['  of which: document parsed (DOMContentLoaded)', p.openParts.map((x) => x.dclMs)],
            ['  of which: first contentful paint (the shell)', p.openParts.map((x) => x.fcpMs)],
          ].map(([label, xs]) => [label, xs.length, num(median(xs), 1), num(pct(xs, 0.9), 1), num(Math.max(...xs), 1)])
        : []),
      [
        'keystroke -> results painted',
        warm.length,
        num(median(warm), 1),
        num(pct(warm, 0.9), 1),
        num(Math.max(...warm), 1),
      ],
      [
        "first keystroke (builds the background's search copy)",
        cold.length,
        num(median(cold), 1),
        '-',
        num(Math.max(...cold), 1),
      ],
      [
        '`search` call alone (extension page -> background)',
        p.callMs.length,
        num(median(p.callMs), 1),
        num(pct(p.callMs, 0.9), 1),
        num(Math.max(...p.callMs), 1),
      ],
    ],
    [
      "Open: from the popup document's navigation start to its ready mark (on this page, notes and counts rendered).",
      'Keystroke: from the input event to the animation frame after the results for that text are in the DOM.',
    ],
  );
}

/** Sync of 5,000 records through WebDAV on loopback, encrypted. */
function syncTable(x) {
  const push = x.oneChange.map((r) => r.pushMs);
  const pull = x.oneChange.map((r) => r.pullMs);
  return table(
    `Sync: ${int(x.records)} records, two Chromium profiles, WebDAV (npm webdav-server) on loopback, encrypted`,
    ['measure', 'n', 'median ms', 'worst ms'],
    [
      ['device A sets up sync: key derivation (PBKDF2 600k), first upload', 1, num(x.setupMs, 0), '-'],
      ['device B joins: key unlocked, first download and merge of everything', 1, num(x.joinMs, 0), '-'],
      ['one change: A syncs (one shard and its head up)', push.length, num(median(push), 0), num(Math.max(...push), 0)],
      [
        'one change: B syncs (one head and one shard down, merged)',
        pull.length,
        num(median(pull), 0),
        num(Math.max(...pull), 0),
      ],
      ['idle sync (nothing new either way)', 1, num(x.idleMs, 0), '-'],
    ],
    ['Timed around `sync.configure` / `sync.now` from an extension page of each profile.'],
  );
}

function syncGoalRows(x) {
  const one = x.oneChange.map((r) => Math.max(r.pushMs, r.pullMs));
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  return [
    [
      'first sync of 5k records <= 5 s (loopback)',
      `set up ${num(x.setupMs / 1000, 2)} s, join ${num(x.joinMs / 1000, 2)} s`,
      verdict(Math.max(x.setupMs, x.joinMs) <= 5000),
    ],
    [
      'one-change sync of 5k records <= 300 ms (loopback)',
      `median ${num(median(one), 0)} ms (the slower of push and pull)`,
      verdict(median(one) <= 300),
    ],
  ];
}

/** The popup issue's goals. */
function popupGoalRows(p) {
  const warm = p.keystrokes.filter((k) => !k.cold).map((k) => k.ms);
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  return [
    [
      'popup open to interactive <= 100 ms (10k entities, 50k notes)',
      `median ${num(median(p.opens), 0)} ms, worst ${num(Math.max(...p.opens), 0)} ms`,
      verdict(median(p.opens) <= 100),
    ],
    [
      'search <= 16 ms per keystroke (10k entities, 50k notes)',
      `median ${num(median(warm), 1)} ms, p90 ${num(pct(warm, 0.9), 1)} ms`,
      verdict(median(warm) <= 16),
    ],
  ];
}

/** The issue's goals, each with the numbers it is judged on. */
function goals(res) {
  const { micro: m, e2e } = res;
  const rows = [];
  const add = (goal, measured, ok) => rows.push([goal, measured, ok === null ? 'n/a' : ok ? 'met' : 'MISSED']);
  const bytesOf = (name) => m.pages.find((p) => p.name === name).utf8Bytes;
  const texts = [...KEY_PAGES, 'corpus'];
  const at = (p, size) => m.throughput.find((t) => t.page === p && t.size === size);
  const rates = texts.map((p) => [p, rate(bytesOf(p), at(p, ALL).matcher.ms)]);
  add(
    'matcher >= 50 MB/s at 100k+ aliases',
    rates.map(([p, r]) => `${p} ${num(r, 0)}`).join(', ') + ' MB/s',
    rates.every(([, r]) => r >= 50),
  );
  const ratios = texts.map((p) => [p, at(p, ALL).matcher.ms / at(p, ALL).loop.ms]);
  add(
    'matcher within 5x of the read loop at 100k+',
    ratios.map(([p, r]) => `${p} ${num(r, 1)}x`).join(', '),
    ratios.every(([, r]) => r <= 5),
  );
  const mk = KEY_PAGES.map((p) => {
    const k = m.markjs.find((x) => x.page === p && x.size === 1000);
    const t = at(p, 1000);
    if (!k || !t) return [p, null, false];
    if (k.outcome === 'done') return [p, k.ms / t.matcher.ms, true];
    return [p, MARK_LIMIT_MS / t.matcher.ms, false];
  }).filter(([, r]) => r !== null);
  add(
    '>= 100x faster than mark.js at 1k terms',
    mk.length ? mk.map(([p, r, exact]) => `${p} ${exact ? '' : '> '}${int(r)}x`).join(', ') : 'not measured',
    mk.length ? mk.every(([, r]) => r >= 100) : null,
  );
  if (e2e) {
    const g = e2e.pages['guardian-1'];
    add(
      'guardian-1, 100k: marks painted <= 150 ms after DCL',
      `${num(g?.active.allMs, 0)} ms (median)`,
      g ? g.active.allMs <= 150 : null,
    );
    const worst = Object.entries(e2e.pages)
      .map(([p, r]) => [p, r.trace?.longestExt?.extMs ?? 0, Math.max(r.active.longestLongTask, 0)])
      .sort((a, b) => b[1] - a[1])[0];
    const lt = Object.entries(e2e.pages).filter(([, r]) => r.active.longestLongTask > r.off.longestLongTask + 5);
    add(
      'no extension task over 50 ms',
      `longest traced: ${num(worst[1], 1)} ms (${worst[0]}); long tasks only with the extension: ${lt.length ? lt.map(([p, r]) => `${p} ${num(r.active.longestLongTask, 0)} ms`).join(', ') : 'none'}`,
      worst[1] <= 50 && lt.length === 0,
    );
    const nm = e2e.pages['no-match'];
    add(
      'a page with no matches costs <= 5 ms of main thread',
      nm
        ? `traced ext tasks ${num(nm.trace?.extMs, 1)} ms; ScriptDuration +${num(nm.active.scriptMs - nm.none.scriptMs, 1)} ms vs no extension (${int(nm.active.marks)} marks)`
        : '-',
      nm ? (nm.trace?.extMs ?? Infinity) <= 5 && nm.active.scriptMs - nm.none.scriptMs <= 5 : null,
    );
  }
  if (res.card?.length) {
    const warm = res.card.filter((x) => x.prerendered);
    add(
      'card painted within one frame (16 ms) of dwell end, data prefetched',
      `median ${num(median(warm.map((x) => x.totalMs)), 1)} ms, worst ${num(Math.max(...warm.map((x) => x.totalMs)), 1)} ms over ${warm.length} pre-rendered shows; first card of a page ${num(median(res.card.filter((x) => !x.prerendered).map((x) => x.totalMs)), 1)} ms`,
      warm.length ? median(warm.map((x) => x.totalMs)) <= 16 : null,
    );
  }
  if (res.popup) rows.push(...popupGoalRows(res.popup));
  if (res.sync) rows.push(...syncGoalRows(res.sync));
  const big = m.dicts.find((d) => d.size >= ALL);
  add(
    'compile 100k aliases <= 1 s',
    `${num(big.compileMs, 0)} ms for ${int(big.aliases)} aliases`,
    big.compileMs <= 1000,
  );
  if (e2e) {
    const sw = e2e.swRestart.map((x) => x.ms).sort((a, b) => a - b);
    add(
      'restore after a service-worker restart <= 50 ms',
      `IndexedDB read + deserialize ${num(e2e.restore.totalMs, 1)} ms; first page.match after a restart ${num(sw[sw.length >> 1], 0)} ms`,
      e2e.restore.totalMs <= 50,
    );
  }
  return table('Goals (from the issue; benchmark goals, not test assertions)', ['goal', 'measured', ''], rows);
}

function markdown(res, text) {
  const mc = res.machine;
  return [
    '<!-- bench:results:start (generated by `npm run bench`; edit outside these markers) -->',
    '',
    `- Command: \`npm run bench\` (bench/run.mjs), ${res.seconds.toFixed(0)} s wall time`,
    `- Date: ${res.date}`,
    `- Machine: ${mc.nproc} cores (nproc), ${mc.cpu}, ${mc.ramGB.toFixed(1)} GiB RAM, ${mc.os}`,
    `- Browser: ${mc.chromium} (headless, ${CHROMIUM_PATH}); Node ${mc.node}`,
    `- Load average (1 min) at start / end: ${mc.loadStart.toFixed(2)} / ${mc.loadEnd.toFixed(2)}`,
    '',
    '```text',
    text,
    '```',
    '',
    '<!-- bench:results:end -->',
  ].join('\n');
}

const MD_HEAD = `# Benchmarks

How fast Backstory finds and marks names, measured in real Chromium. Run \`npm run bench\` (about 8 minutes
on 2 cores; \`npm run bench -- --quick\` for a subset that prints only). The numbers below are the output
of the last full run; they are benchmarks, never test assertions.
`;

function writeMarkdown(res, text) {
  const file = join(ROOT, 'BENCHMARKS.md');
  const block = markdown(res, text);
  let md = existsSync(file) ? readFileSync(file, 'utf8') : `${MD_HEAD}\n## Results\n\n${block}\n`;
  const re = /<!-- bench:results:start[\s\S]*?<!-- bench:results:end -->/;
  md = re.test(md) ? md.replace(re, () => block) : `${md.trimEnd()}\n\n## Results\n\n${block}\n`;
  writeFileSync(file, md);
}

async function popupOnly() {
  log('building the extension (WXT) into .tmp/bench/wxt');
  await buildExtension();
  const popup = await runPopupBench({ extDir: EXT_DIR, demoDir: join(ROOT, 'demo'), log });
  const goalsTable = table(
    'Goals (benchmark goals, not test assertions)',
    ['goal', 'measured', ''],
    popupGoalRows(popup),
  );
  process.stdout.write(`${popupTable(popup)}\n\n${goalsTable}\n`);
}

async function syncOnly() {
  log('building the extension (WXT) into .tmp/bench/wxt');
  await buildExtension();
  const sync = await runSyncBench({ extDir: EXT_DIR, log });
  const goalsTable = table(
    'Goals (benchmark goals, not test assertions)',
    ['goal', 'measured', ''],
    syncGoalRows(sync),
  );
  process.stdout.write(`${syncTable(sync)}\n\n${goalsTable}\n`);
}

async function main() {
  if (POPUP_ONLY) return popupOnly();
  if (SYNC_ONLY) return syncOnly();
  const loadStart = os.loadavg()[0];
  log(`${QUICK ? 'quick' : 'full'} run; load average ${loadStart.toFixed(2)} on ${os.cpus().length} cores`);
  if (loadStart > os.cpus().length * 0.5)
    log('warning: the machine is busy; timings will be slower and noisier than on an idle machine');
  const pageNames = await buildHarness();
  log('building the extension (WXT) into .tmp/bench/wxt');
  await buildExtension();
  const server = await serveDir(WWW);
  const res = { date: new Date().toISOString(), quick: QUICK };
  try {
    res.micro = await micro(server.url, pageNames);
    log('real message round trips (echo extension)');
    res.echo = await echo(server.url);
    const e2ePages = QUICK ? ['guardian-1'] : pageNames;
    const reps = QUICK ? 1 : 3;
    res.e2e = await runE2E({
      base: server.url,
      pages: e2ePages,
      reps,
      log,
      harnessJs: readFileSync(join(WWW, 'harness.js'), 'utf8'),
    });
    res.e2e.reps = reps;
    res.profile = await profileContentScript({
      base: server.url,
      pages: QUICK ? ['no-match', 'guardian-1'] : ['no-match', 'guardian-1', 'wikipedia-2'],
      visits: QUICK ? 3 : 8,
      log,
    });
    log('card latency (demo article, starter pack)');
    res.card = await runCardBench({ extDir: EXT_DIR, demoDir: join(ROOT, 'demo'), rounds: QUICK ? 1 : 3, log });
    log('popup with a big store');
    res.popup = await runPopupBench({ extDir: EXT_DIR, demoDir: join(ROOT, 'demo'), opens: QUICK ? 5 : 12, log });
    log('sync of 5k records through WebDAV');
    res.sync = await runSyncBench({ extDir: EXT_DIR, rounds: QUICK ? 2 : 5, log });
  } finally {
    await server.close();
  }
  res.seconds = (Date.now() - started) / 1000;
  res.machine = { ...machine(res.micro.chromium), loadStart, loadEnd: os.loadavg()[0] };
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(res, null, 1));
  const text = render(res);
  process.stdout.write(`${text}\n`);
  const mc = res.machine;
  process.stdout.write(
    `\n${mc.nproc} cores, ${mc.cpu}, ${mc.ramGB.toFixed(1)} GiB, Chromium ${mc.chromium}, ${res.date}, ${res.seconds.toFixed(0)} s\n`,
  );
  if (!QUICK) {
    writeMarkdown(res, text);
    log('BENCHMARKS.md updated');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
