/**
 * Real pages at scale, in Chromium and in Firefox: the whole GeoNames gazetteer (22,841 places, 113k
 * names, made into a pack by bench/e2e.mjs makePack()) is imported through the real `pack.import` call
 * from an extension page, then every saved page of /work/shared/fixtures/pages is loaded offline twice:
 * as a baseline from http://localhost with Backstory switched off for that host, and marked from
 * 127.0.0.1 (the approach of pages.e2e.mjs). Per page:
 * - place names read from the page's own paragraphs (spellings of the gazetteer that nothing else on the
 *   dictionary overlaps, see scale-helpers.mjs expectedNames) are marked;
 * - the marked run makes no DOM mutation and shows no page or console error that the baseline did not,
 *   and none that names Backstory or an extension URL;
 * - layout: in Chromium the cumulative layout shift of the marked run is not above the baseline's; in
 *   both browsers the position of every element and text line is the same with the marks painted and
 *   after the site is switched off in the same load (marks cleared).
 * Figures are printed as a table, never asserted (BENCHMARKS.md has them): the import, DOMContentLoaded ->
 * all marks painted, and in Chromium the main-thread cost: CDP ScriptDuration without the extension /
 * site off / marked, and the JS time of the extension's own code from a CPU profile of the same loads.
 *
 * Needs the built extension (`npm run build`, or BACKSTORY_OUT_DIR=... as scripts/browsers.mjs reads it).
 * One browser at a time; the pack is imported once per browser.
 */
/* global window, indexedDB -- only inside evaluate() callbacks, which run in the browser */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES } from '../../bench/build.mjs';
import { makePack } from '../../bench/e2e.mjs';
import {
  CHROMIUM_PATH,
  FIREFOX_PATH,
  browserGate,
  hasChromium,
  hasFirefox,
  serveDir,
} from '../../scripts/browsers.mjs';
import {
  chromiumDriver,
  entityOfText,
  firefoxDriver,
  markedTexts,
  waitFor,
  waitForMentions,
} from './backstory-driver.mjs';
import {
  STARTER_ENTITIES,
  aliasIndex,
  compareGeometry,
  countMarks,
  errorsOf,
  expectedNames,
  fromExtension,
  notIn,
  openInstrumented,
  readInstrument,
  readParagraphs,
  scriptMsWithoutExtension,
  snapshotGeometry,
  table,
  waitUntilAfterDcl,
} from './scale-helpers.mjs';

const PAGES_DIR = join(FIXTURES, 'pages');
const PAGES = readdirSync(PAGES_DIR)
  .filter((f) => f.endsWith('.html'))
  .sort();
/** Every load is watched at least this long after DOMContentLoaded; ScriptDuration is read then. */
const WINDOW_MS = 2_000;
/** The baseline load is watched longer: the marked run also goes through the layout check. */
const BASELINE_MS = 4_000;
/** Marks are settled when their count has not changed for this long. */
const QUIET_MS = 700;
/** Fewest names a page must show marked. */
const MIN_EXPECTED = 3;

const PACK = makePack();
const PACK_DOC = JSON.parse(PACK.text);
const DICTIONARY = aliasIndex(PACK_DOC.entities, STARTER_ENTITIES);
/** Three of the pack's places, far apart in it: page.match finds them once the dictionary is rebuilt. */
const PROBE = [0, 0.5, 1].map((f) => PACK_DOC.entities[Math.round(f * (PACK_DOC.entities.length - 1))].name);
const PROBE_TEXT = PROBE.join(' ; ');

/** Runs in an extension page: live entities of the pack in the extension's own IndexedDB. */
function countPackEntities(packId) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('backstory');
    req.onupgradeneeded = () => req.transaction?.abort();
    req.onerror = () => reject(req.error ?? new Error('could not open "backstory"'));
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['entities', 'packs'], 'readonly');
      const all = tx.objectStore('entities').index('pack').getAll(packId);
      const pack = tx.objectStore('packs').get(packId);
      tx.oncomplete = () => {
        db.close();
        resolve({ pack: pack.result?.id ?? null, live: all.result.filter((e) => e.deleted === null).length });
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

const round = (x, digits = 0) => (x === null || x === undefined ? null : Number(x.toFixed(digits)));

function defineSuite(gate, makeDriver) {
  const browserName = makeDriver === chromiumDriver ? 'Chromium' : 'Firefox';
  describe(`${browserName}: real pages with the 100k-alias gazetteer`, () => {
    /** @type {Awaited<ReturnType<typeof chromiumDriver>>} */
    let driver;
    let server;
    let localBase;
    /** ScriptDuration of each page in a browser without the extension (Chromium), by URL. */
    let withoutExtension = new Map();
    const setup = {};
    const rows = [];

    before(async () => {
      if (gate.skip) return;
      gate.assertAvailable();
      server = await serveDir(PAGES_DIR);
      localBase = server.url.replace('127.0.0.1', 'localhost');
      if (browserName === 'Chromium') {
        withoutExtension = await scriptMsWithoutExtension(
          PAGES.map((f) => `${server.url}${f}`),
          WINDOW_MS,
        );
      }
      driver = await makeDriver();
      // Baseline loads come from "localhost", where Backstory is switched off.
      await driver.setSettings({ paused: false, disabledSites: ['localhost'] });
    });

    after(async () => {
      await driver?.close();
      await server?.close();
      if (!rows.length) return;
      console.log(
        `\n${browserName}: pack.import of ${PACK.entities} places (${PACK.aliases} names, ` +
          `${(PACK.text.length / 1e6).toFixed(2)} MB) ${setup.importMs} ms, then ${setup.rebuildMs} ms until ` +
          `page.match answers from the new dictionary\n` +
          table(
            [
              'page',
              'expected',
              'marks',
              'DCL->first',
              'DCL->all',
              'blocks',
              'batches',
              'CLS off/on; from DOM complete',
              'geometry lines',
              'mutations off/on',
              'errors off/on',
              'script none/off/on ms',
              'ext JS off/on ms',
            ],
            rows,
          ),
      );
    });

    it(
      'imports the gazetteer pack through pack.import into the extension IndexedDB',
      { skip: gate.skip, timeout: 300_000 },
      async () => {
        let started = Date.now();
        const summary = await driver.call('pack.import', { text: PACK.text });
        setup.importMs = Date.now() - started;
        assert.equal(summary.pack.id, PACK_DOC.pack.id);
        assert.equal(summary.added, PACK.entities, 'every place of the pack is added');

        started = Date.now();
        await waitFor(
          async () => {
            const [flat] = (await driver.call('page.match', { texts: [PROBE_TEXT] })).mentions;
            const found = [];
            for (let i = 0; i < flat.length; i += 3) found.push(PROBE_TEXT.slice(flat[i], flat[i + 1]));
            return PROBE.every((name) => found.includes(name));
          },
          { timeout: 120_000, interval: 100, what: `page.match to find ${PROBE.join(', ')}` },
        );
        setup.rebuildMs = Date.now() - started;

        const ext = await driver.extensionTab('popup.html');
        try {
          const stored = await ext.evaluate(countPackEntities, PACK_DOC.pack.id);
          assert.deepEqual(stored, { pack: PACK_DOC.pack.id, live: PACK.entities }, 'the pack in IndexedDB');
        } finally {
          await ext.close();
        }
        const stats = await driver.call('store.stats', {});
        assert.equal(stats.packs.find((p) => p.id === PACK_DOC.pack.id)?.entities, PACK.entities);
      },
    );

    for (const file of PAGES) {
      it(
        `${file}: gazetteer names marked; page untouched, no errors, layout unchanged`,
        { skip: gate.skip, timeout: 300_000 },
        async (t) => {
          assert.ok(setup.rebuildMs !== undefined, 'the pack was not imported');

          // 1. Baseline: Backstory off for the host; what the page does on its own.
          const base = await openInstrumented(driver, `${localBase}${file}`);
          let baseline;
          try {
            await waitUntilAfterDcl(base.page, WINDOW_MS);
            const scriptMs = await base.scriptMs();
            const extensionJsMs = await base.extensionJsMs();
            const paragraphs = await base.evaluate(readParagraphs);
            await waitUntilAfterDcl(base.page, BASELINE_MS);
            const answer = await driver.mentions(base);
            assert.equal(answer.active, false, 'the baseline host should have Backstory switched off');
            baseline = {
              scriptMs,
              extensionJsMs,
              paragraphs,
              layout: await base.evaluate(readInstrument),
              mutations: await base.evaluate(() => window.__mutations),
              errors: errorsOf(base),
            };
          } finally {
            await base.close();
          }
          const expected = expectedNames(baseline.paragraphs, DICTIONARY);
          t.diagnostic(`expected marked: ${expected.map((x) => JSON.stringify(x)).join(', ')}`);
          assert.ok(expected.length >= MIN_EXPECTED, `fewer than ${MIN_EXPECTED} gazetteer names found in ${file}`);

          // 2. Marked: Backstory on, the gazetteer on the dictionary.
          const tab = await openInstrumented(driver, `${server.url}${file}`);
          const run = {};
          try {
            await waitForMentions(
              driver,
              tab,
              (a) => {
                const seen = entityOfText(a);
                return expected.every((name) => seen.has(name));
              },
              { timeout: 60_000, what: `${expected.join(', ')} to be marked on ${file}` },
            );
            run.timing = await waitFor(
              async () => {
                const s = await tab.evaluate(readInstrument);
                return s.last !== null && s.now - s.last >= QUIET_MS && s.now >= s.dcl + WINDOW_MS ? s : null;
              },
              { timeout: 60_000, interval: 100, what: `the marks on ${file} to settle` },
            );
            run.scriptMs = await tab.scriptMs();
            run.extensionJsMs = await tab.extensionJsMs();
            run.stats = (await driver.mentions(tab)).stats;
            run.highlighted = new Set(markedTexts(await driver.highlights(tab)));

            // Layout with the marks painted, then with the site switched off in the same load.
            run.painted = await tab.evaluate(snapshotGeometry, 'painted');
            await driver.setSettings({ paused: false, disabledSites: ['localhost', '127.0.0.1'] });
            try {
              await waitFor(() => tab.evaluate(countMarks).then((n) => n === 0), {
                timeout: 30_000,
                what: `the marks on ${file} to be cleared`,
              });
              run.cleared = await tab.evaluate(snapshotGeometry, 'cleared');
            } finally {
              await driver.setSettings({ paused: false, disabledSites: ['localhost'] });
            }
            run.geometry = await tab.evaluate(compareGeometry, ['painted', 'cleared']);
            run.layout = await tab.evaluate(readInstrument);
            run.mutations = await tab.evaluate(() => window.__mutations);
            run.errors = errorsOf(tab);
          } finally {
            await tab.close();
          }

          const { timing, stats } = run;
          rows.push([
            file.replace(/\.html$/, ''),
            expected.length,
            timing.count,
            round(timing.first - timing.dcl),
            round(timing.last - timing.dcl),
            stats.blocks,
            stats.batches,
            baseline.layout.cls === null
              ? null
              : `${round(baseline.layout.cls, 4)}/${round(run.layout.cls, 4)}; ` +
                `${round(baseline.layout.clsFromDom, 4)}/${round(run.layout.clsFromDom, 4)}`,
            run.painted.lines,
            `${baseline.mutations.length}/${run.mutations.length}`,
            `${baseline.errors.lines.length}/${run.errors.lines.length}`,
            run.scriptMs === null
              ? null
              : `${round(withoutExtension.get(`${server.url}${file}`))}/${round(baseline.scriptMs)}/${round(run.scriptMs)}`,
            run.extensionJsMs === null ? null : `${round(baseline.extensionJsMs, 1)}/${round(run.extensionJsMs, 1)}`,
          ]);
          t.diagnostic(
            `${timing.count} marks, DCL -> all ${round(timing.last - timing.dcl)} ms; ${stats.blocks} blocks, ` +
              `${stats.chars} chars, ${stats.batches} batches`,
          );

          await t.test('the expected names are painted in CSS.highlights', () => {
            const missing = expected.filter((name) => !run.highlighted.has(name));
            assert.deepEqual(missing, [], 'names not in the backstory-* highlights');
          });
          await t.test('no DOM mutation beyond what the page makes on its own', () => {
            assert.deepEqual(
              notIn(run.mutations, baseline.mutations),
              [],
              `baseline mutations: ${JSON.stringify(baseline.mutations)}`,
            );
          });
          await t.test('no page or console error from Backstory, none the baseline did not show', () => {
            assert.deepEqual(
              [...baseline.errors.full, ...run.errors.full].filter(fromExtension),
              [],
              'errors naming Backstory or an extension URL (site switched off or on)',
            );
            const baselineErrors = new Set(baseline.errors.lines);
            assert.deepEqual(
              run.errors.lines.filter((m) => !baselineErrors.has(m)),
              [],
              'errors the baseline load did not have',
            );
          });
          await t.test(
            'cumulative layout shift from DOM complete on not above the baseline',
            { skip: baseline.layout.cls === null && `${browserName} reports no layout shifts` },
            () => {
              const [on, off] = [run.layout.clsFromDom, baseline.layout.clsFromDom];
              assert.ok(on <= off, `CLS from DOM complete: ${on} with marks, ${off} in the baseline`);
            },
          );
          await t.test('every element and text line in place: marks painted = marks cleared', () => {
            assert.ok(run.painted.marks > 0, 'no marks were painted at the first snapshot');
            assert.equal(run.cleared.marks, 0, 'marks were left at the second snapshot');
            assert.deepEqual(
              { count: run.geometry.count, diffs: run.geometry.diffs },
              { count: 0, diffs: [] },
              `lines differ (of ${run.geometry.lines.join(' / ')})`,
            );
          });
        },
      );
    }
  });
}

defineSuite(browserGate('Chromium', hasChromium(), CHROMIUM_PATH), chromiumDriver);
defineSuite(browserGate('Firefox', hasFirefox(), FIREFOX_PATH), firefoxDriver);
