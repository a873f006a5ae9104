/**
 * Real pages (the saved news and reference pages of /work/shared/fixtures/pages), in Chromium and in
 * Firefox: words picked from each page's own text are added as entities, then the page is loaded offline
 * and those words must be marked, without one change to the page's DOM and without errors from the
 * extension.
 *
 * Offline: the pages are served from 127.0.0.1 and every request to another host is aborted (Chromium:
 * page.route; Firefox: puppeteer request interception, which works under WebDriver BiDi here).
 *
 * The pages' own scripts are not quiet: with their third-party scripts blocked they throw (bbc-1 ~33
 * errors such as "bbccookies is not defined", cnn ~22 "Krux is not defined", lemonde-1 ~40 "require is not
 * defined", guardian-1 and wikipedia-2 4-6 SyntaxErrors, rtl-1 none), and bbc-1 inserts a <script> into
 * <body> after parsing. So each page is first loaded as a baseline from http://localhost:PORT (same files,
 * same server) with Backstory switched off for "localhost" (disabledSites), then from 127.0.0.1 with
 * Backstory on; the marked run may show no mutation and no error message that the baseline did not, and
 * no error that names Backstory or comes from an extension URL.
 *
 * Needs the built extension (`npm run build`). One browser per suite, pages one after another.
 */
/* global window, document -- only inside evaluate() callbacks, which run in the browser */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
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
  sleep,
  waitForMentions,
} from './backstory-driver.mjs';

const PAGES_DIR = '/work/shared/fixtures/pages';
const PAGES = readdirSync(PAGES_DIR)
  .filter((f) => f.endsWith('.html'))
  .sort();
/** How long each load is watched after DOMContentLoaded (the baseline a little longer than the marked run). */
const BASELINE_MS = 2_000;
const MARKED_MS = 1_500;

const STARTER = JSON.parse(readFileSync(new URL('../../assets/starter-pack.json', import.meta.url), 'utf8'));
const KNOWN = new Set(
  STARTER.entities
    .flatMap((e) => [e.name, ...e.aliases.map((a) => (typeof a === 'string' ? a : a.text))])
    .map((s) => s.toLowerCase()),
);
const STOP_WORDS = new Set(
  'monday tuesday wednesday thursday friday saturday sunday january february march april june july august september october november december president coordinates there their these those which where while after before about'.split(
    ' ',
  ),
);

const NAMED_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', rsquo: '’', lsquo: '‘' };
const decode = (s) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (_, e) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
      : (NAMED_ENTITIES[e.toLowerCase()] ?? ' '),
  );
const textOf = (html) =>
  decode(html.replace(/<(script|style|noscript)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();

/**
 * Two or three distinctive terms of a page, read from its HTML: a two-word phrase of its <h1> (when it
 * starts with a capital), then capitalised words of >= 5 letters from the <h1> and the first paragraphs
 * after it; never a starter-pack spelling, never one term inside another.
 */
function pickTerms(html) {
  const heading = [...html.matchAll(/<h1\b[^>]*>([\s\S]*?)<\/h1>/gi)].map((m) => textOf(m[1])).find(Boolean) ?? '';
  const body = html.slice(Math.max(0, html.search(/<h1\b/i)));
  const paragraphs = [...body.matchAll(/<p\b[^>]*>([\s\S]*?)<\/p>/gi)]
    .map((m) => textOf(m[1]))
    .filter((t) => t.length > 40)
    .slice(0, 3);
  const terms = [];
  const fresh = (t) =>
    !KNOWN.has(t.toLowerCase()) &&
    ![...KNOWN].some((k) => k.length > 3 && t.toLowerCase().includes(k)) &&
    !terms.some((x) => x.toLowerCase().includes(t.toLowerCase()) || t.toLowerCase().includes(x.toLowerCase()));
  const words = heading.split(' ');
  for (let i = 0; i + 1 < words.length && terms.length === 0; i++) {
    const phrase = `${words[i]} ${words[i + 1]}`;
    if (/^\p{Lu}\p{L}{2,} \p{L}{3,}$/u.test(phrase) && fresh(phrase)) terms.push(phrase);
  }
  for (const text of [heading, ...paragraphs])
    for (const w of text.split(/[^\p{L}\p{M}]+/u))
      if (terms.length < 3 && /^\p{Lu}[\p{L}\p{M}]{4,}$/u.test(w) && !STOP_WORDS.has(w.toLowerCase()) && fresh(w))
        terms.push(w);
  return { heading, terms };
}

/** Is `sub` contained in `all` as a multiset? Returns the items of `sub` left over. */
function notIn(sub, all) {
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

const errorText = (e) => `${e?.message ?? e}\n${e?.stack ?? ''}`;
/** An error that names Backstory, or that was thrown by code from an extension URL. */
const fromExtension = (e) =>
  /backstory/i.test(String(e?.message ?? e)) || /(chrome|moz)-extension:\/\//i.test(String(e?.stack ?? ''));

function defineSuite(gate, makeDriver) {
  const browserName = makeDriver === chromiumDriver ? 'Chromium' : 'Firefox';
  describe(`${browserName}: real pages, offline`, () => {
    /** @type {Awaited<ReturnType<typeof chromiumDriver>>} */
    let driver;
    let server;
    let baseUrl;
    const picked = new Map(PAGES.map((f) => [f, pickTerms(readFileSync(`${PAGES_DIR}/${f}`, 'utf8'))]));

    before(async () => {
      if (gate.skip) return;
      gate.assertAvailable();
      server = await serveDir(PAGES_DIR);
      baseUrl = server.url.replace('127.0.0.1', 'localhost');
      driver = await makeDriver();
      // Baseline loads come from "localhost", where Backstory is switched off.
      await driver.setSettings({ paused: false, disabledSites: ['localhost'] });
    });
    after(async () => {
      await driver?.close();
      await server?.close();
    });

    for (const file of PAGES) {
      it(`${file}: picked words are marked, the page is untouched`, { skip: gate.skip }, async (t) => {
        const { terms, heading } = picked.get(file);
        assert.ok(terms.length >= 2, `could not pick two terms from ${file} (h1: ${JSON.stringify(heading)})`);
        t.diagnostic(`terms: ${terms.map((x) => JSON.stringify(x)).join(', ')}`);

        // 1. Baseline: Backstory off for the host; what the page does on its own.
        const base = await driver.openPage(`${baseUrl}${file}`, { blockOtherHosts: true });
        let baseline;
        try {
          await sleep(BASELINE_MS);
          const answer = await driver.mentions(base);
          assert.equal(answer.active, false, 'the baseline host should have Backstory switched off');
          assert.equal(answer.entities.length, 0, 'nothing should be marked on the baseline host');
          baseline = {
            mutations: await base.evaluate(() => window.__mutations),
            errors: base.errors.map((e) => String(e?.message ?? e)),
            blocked: base.blocked.length,
          };
        } finally {
          await base.close();
        }

        // 2. The words become entities (from the extension page), then the page is loaded with Backstory on.
        const ids = [];
        try {
          for (const term of terms)
            ids.push((await driver.call('entity.save', { entity: { name: term, kind: 'topic', aliases: [] } })).id);
          const started = Date.now();
          const tab = await driver.openPage(`${server.url}${file}`, { blockOtherHosts: true });
          try {
            const visible = await tab.evaluate(() => document.body.textContent.replace(/\s+/g, ' '));
            for (const term of terms) assert.ok(visible.includes(term), `"${term}" is not in the page's text`);
            const answer = await waitForMentions(
              driver,
              tab,
              (a) => {
                const seen = entityOfText(a);
                return terms.every((term) => seen.get(term) === term);
              },
              { timeout: 20_000, what: `${terms.join(', ')} to be marked on ${file}` },
            );
            const markedAfter = Date.now() - started;
            const highlighted = markedTexts(await driver.highlights(tab));
            for (const term of terms) assert.ok(highlighted.includes(term), `"${term}" is not in CSS.highlights`);
            await sleep(Math.max(0, MARKED_MS - (Date.now() - started)) + 300);

            const mutations = await tab.evaluate(() => window.__mutations);
            const errors = tab.errors;
            t.diagnostic(
              `marked in ${markedAfter} ms (${answer.stats.blocks} blocks, ${answer.stats.chars} chars, ` +
                `${answer.stats.marks} marks); blocked ${tab.blocked.length} requests; baseline: ` +
                `${baseline.mutations.length} mutations, ${baseline.errors.length} page errors; ` +
                `marked run: ${mutations.length} mutations, ${errors.length} page errors`,
            );
            assert.deepEqual(
              notIn(mutations, baseline.mutations),
              [],
              `DOM mutations that the page does not make on its own (baseline: ${JSON.stringify(baseline.mutations)})`,
            );
            assert.deepEqual(errors.filter(fromExtension).map(errorText), [], 'page errors from Backstory');
            const baselineErrors = new Set(baseline.errors);
            assert.deepEqual(
              errors.map((e) => String(e?.message ?? e)).filter((m) => !baselineErrors.has(m)),
              [],
              'page errors that the baseline load did not have',
            );
          } finally {
            await tab.close();
          }
        } finally {
          for (const id of ids) await driver.call('entity.delete', { id }).catch(() => {});
        }
      });
    }
  });
}

defineSuite(browserGate('Chromium', hasChromium(), CHROMIUM_PATH), chromiumDriver);
defineSuite(browserGate('Firefox', hasFirefox(), FIREFOX_PATH), firefoxDriver);
