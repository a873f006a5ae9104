/**
 * Hostile data in real browsers, Chromium and Firefox. The corpus of tests/fixtures/hostile.ts is
 * imported as a pack (`pack.import` from an extension page), and one entity is then damaged in the
 * store the way no importer allows (a 10,000-character name with a direction override, a 1 MB summary
 * and note, javascript:/data: links): records from an old version or a damaged disk must not break
 * the pages either. A served page names the hostile entities by plain aliases ("Hostile Ref 007").
 *
 * In the card (opened with `mention.show`), the popup (popup.html in a tab) and the manager
 * (`options.html#entity=<id>`, and its notes, events and packs lists):
 * - no dialog opens, no console error is logged (a blocked inline script or handler logs one), no
 *   uncaught error, and `window.__bsPwned` is never set: not in the page, the card frame, the popup
 *   or the manager;
 * - nothing from data is markup: no script, iframe, object, style... in the body, no `on*` attribute,
 *   every link is http(s);
 * - layout holds: the card frame, the popup and the manager never scroll sideways, nor does any
 *   scrolling box inside them, and the card stays within its maximum height;
 * - the built manifests carry the strict extension CSP, and `eval` throws in an extension page.
 *
 * HOSTILE_SHOTS=<dir> also saves screenshots of a card and a manager entity (Chromium). Needs the
 * built extension (`npm run build`, or BACKSTORY_OUT_DIR).
 */
/* global window, document, getComputedStyle, indexedDB, location, setTimeout -- inside evaluate() callbacks */
/* global Buffer -- Node's */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { transform } from 'esbuild';
import {
  CHROME_EXT_DIR,
  CHROMIUM_PATH,
  FIREFOX_EXT_DIR,
  FIREFOX_PATH,
  browserGate,
  hasChromium,
  hasFirefox,
  serveDir,
} from '../../scripts/browsers.mjs';
import { cardFrame, chromiumDriver, firefoxDriver, waitFor, waitForMentions } from './backstory-driver.mjs';

const STRICT_CSP = "script-src 'self'; object-src 'self'; base-uri 'none'";

/** The corpus module (TypeScript, types stripped by esbuild: it imports nothing). */
async function loadCorpus() {
  const file = fileURLToPath(new URL('../fixtures/hostile.ts', import.meta.url));
  const { code } = await transform(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm' });
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}
const corpus = await loadCorpus();

/** Entities whose cards and editors are opened, by corpus label (the rest are listed in the popup and manager). */
const OPENED = [
  'script tag',
  'img onerror',
  'svg onload',
  'iframe srcdoc',
  'style hides everything',
  'javascript url',
  'right-to-left override',
  'override in a name',
  'arabic name with override',
  'long word (2,000 characters)',
];
/** The entity damaged in the store after the import, and the name it gets there. */
const DAMAGED = 'many overrides';
const DAMAGED_NAME = `${'N'.repeat(5000)}\u202E${'N'.repeat(4999)}`;
const indexOf = (label) => {
  const i = corpus.HOSTILE.findIndex((h) => h.label === label);
  assert.ok(i >= 0, `no corpus entry "${label}"`);
  return i;
};

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The served page: every hostile entity by its plain alias, the giant one too; its title is hostile. */
function testPage() {
  const refs = corpus.HOSTILE.map((_, i) => `<p>Officials met ${corpus.plainAlias(i)} on Tuesday.</p>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>${escapeHtml(`<img src=x onerror=window.${corpus.PWNED}=1> \u202Eeltit egap`)}</title></head>
<body><article><h1>Hostile data</h1>
<p>Also present: ${corpus.GIANT.alias}, the largest entity.</p>
${refs}
</article></body></html>`;
}

// ---- what is checked inside a document (each runs in the browser) ----------------------------------

/** Anything in the body that could run, load or navigate somewhere other than an http(s) page. */
function inertnessProblems(pwned) {
  const FORBIDDEN =
    'script, iframe, frame, frameset, object, embed, applet, style, link, meta, base, img, video, audio, source, picture, math, template, noscript, marquee, foreignObject, animate, set, use, image';
  const LOADING = ['src', 'srcdoc', 'action', 'formaction', 'data', 'background', 'poster', 'xlink:href'];
  const ICON_PARTS = ['svg', 'path', 'circle', 'line', 'polyline', 'polygon', 'rect', 'g'];
  const out = [];
  for (const el of document.body.querySelectorAll(FORBIDDEN)) out.push(`a <${el.localName}> element`);
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && !ICON_PARTS.includes(el.localName)) out.push(`<${el.localName}> in an svg`);
    for (const { name, value } of el.attributes) {
      const n = name.toLowerCase();
      if (n.startsWith('on')) out.push(`<${el.localName} ${name}>`);
      if (LOADING.includes(n)) out.push(`<${el.localName} ${name}>`);
      if (n === 'style' && /url\(|expression|javascript:/i.test(value)) out.push(`<${el.localName} style=${value}>`);
      if (n === 'href' && !(el.localName === 'a' && /^https?:\/\//i.test(value)))
        out.push(`<${el.localName} href=${value}>`);
    }
  }
  for (const a of document.querySelectorAll('a[href]'))
    if (!['http:', 'https:'].includes(a.protocol)) out.push(`a link to ${a.href.slice(0, 60)}`);
  if (window[pwned] !== undefined) out.push(`window.${pwned} is set`);
  return out;
}

/** Whether the document, or any scrolling box in it, scrolls sideways (form fields aside). */
function sidewaysScroll() {
  const out = [];
  const name = (el) =>
    `<${el.localName}${el.className && typeof el.className === 'string' ? `.${el.className.trim().replace(/\s+/g, '.')}` : ''}>`;
  for (const el of [document.documentElement, document.body])
    if (el.scrollWidth > el.clientWidth + 1) out.push(`${name(el)} is ${el.scrollWidth}px wide in ${el.clientWidth}px`);
  for (const el of document.body.querySelectorAll('*')) {
    if (el.matches('input, textarea, select')) continue;
    const { overflowX } = getComputedStyle(el);
    if ((overflowX === 'auto' || overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1)
      out.push(`${name(el)} scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px)`);
  }
  return out;
}

/** Runs a check in a page or frame, naming where in its failures. */
async function check(target, fn, arg, where) {
  const found = await target.evaluate(fn, arg);
  return found.map((p) => `${where}: ${p}`);
}

/**
 * Collects what must never happen in a page: dialogs (dismissed at once), console errors and
 * uncaught errors. Listeners attach to the page (frames' messages come through it).
 */
function watch(page, where, seen) {
  page.on('dialog', (d) => {
    seen.push(`${where}: a dialog opened (${d.message()})`);
    void d.dismiss().catch(() => {});
  });
  page.on('console', (m) => {
    if (m.type() === 'error') seen.push(`${where}: console error: ${m.text().slice(0, 200)}`);
  });
  page.on('pageerror', (e) => seen.push(`${where}: uncaught ${e.message?.slice(0, 200)}`));
}

/**
 * Opens an extension page, then loads it again once the watchers are attached, so that nothing its
 * first render logs goes unseen; returns when `ready` (run in the page) holds.
 */
async function openWatched(driver, path, where, seen, ready) {
  const tab = await driver.extensionTab(path);
  watch(tab.page, where, seen);
  // The old document is marked, so that it cannot pass for the new one while the reload starts.
  await tab
    .evaluate(() => {
      window.__reloading = true;
      location.reload();
    })
    .catch(() => {});
  const loaded = async () =>
    (await tab.evaluate(() => !window.__reloading).catch(() => false)) &&
    (await tab.evaluate(ready).catch(() => false));
  await waitFor(loaded, { timeout: 30_000, what: `${where} to render` });
  return tab;
}

/** Runs in an extension page: damages one entity and its notes in the store, as no importer could. */
async function damageInStore({ id, name, pwned }) {
  const request = (r) =>
    new Promise((ok, fail) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => fail(r.error))));
  const db = await request(indexedDB.open('backstory'));
  const tx = db.transaction(['entities', 'notes'], 'readwrite');
  const entities = tx.objectStore('entities');
  const entity = await request(entities.get(id));
  const unsafe = [`javascript:window.${pwned}=1`, 'data:text/html,<script>alert(1)</script>', ' JaVaScRiPt:alert(1)'];
  entities.put({
    ...entity,
    name,
    summary: 'M'.repeat(1024 * 1024),
    links: [...entity.links, ...unsafe.map((url, i) => ({ url, title: i ? '' : 'Unsafe link' }))],
  });
  const notes = tx.objectStore('notes');
  for (const note of await request(notes.index('aboutId').getAll(id)))
    notes.put({ ...note, text: 'T'.repeat(1024 * 1024), page: { ...note.page, url: unsafe[0] } });
  await new Promise((ok, fail) => ((tx.oncomplete = ok), (tx.onerror = () => fail(tx.error))));
  db.close();
}

// ---- the manifests ----------------------------------------------------------------------------------

describe('the built extension', () => {
  it('declares the strict CSP for its pages, in both builds', () => {
    for (const dir of [CHROME_EXT_DIR, FIREFOX_EXT_DIR]) {
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      const csp = manifest.content_security_policy?.extension_pages;
      assert.equal(csp, STRICT_CSP, `${dir}/manifest.json`);
      assert.doesNotMatch(JSON.stringify(manifest.content_security_policy), /unsafe-eval|unsafe-inline|wasm-unsafe/);
    }
  });
});

// ---- the browsers -------------------------------------------------------------------------------------

function defineSuite(gate, makeDriver) {
  const browserName = makeDriver === chromiumDriver ? 'Chromium' : 'Firefox';
  describe(`${browserName}: hostile data in the card, the popup and the manager`, { timeout: 600_000 }, () => {
    let driver;
    let server;
    let scratch;
    let tab;
    /** Store ids of the corpus entities, by corpus index; and the giant one. */
    const ids = new Map();
    let giantId;
    /** The entities opened in cards and in the editor: [label, id, name as stored, text marked on the page]. */
    const opened = () => [
      ...OPENED.map(indexOf).map((i) => [
        corpus.HOSTILE[i].label,
        ids.get(i),
        corpus.cut(corpus.HOSTILE[i].text, 300).trim(),
        corpus.plainAlias(i),
      ]),
      ['giant', giantId, corpus.GIANT.name, corpus.GIANT.alias],
      [DAMAGED, ids.get(indexOf(DAMAGED)), DAMAGED_NAME, corpus.plainAlias(indexOf(DAMAGED))],
    ];
    const seen = [];
    const shots = process.env.HOSTILE_SHOTS && browserName === 'Chromium' ? resolve(process.env.HOSTILE_SHOTS) : null;

    before(async () => {
      if (gate.skip) return;
      gate.assertAvailable();
      scratch = mkdtempSync(join(tmpdir(), 'backstory-hostile-'));
      writeFileSync(join(scratch, 'index.html'), testPage());
      server = await serveDir(scratch);
      driver = await makeDriver();
      const summary = await driver.call('pack.import', { text: JSON.stringify(corpus.hostilePack()) });
      assert.equal(summary.added, 3 * (corpus.HOSTILE.length + 1));
      for (const [i] of corpus.HOSTILE.entries()) {
        const [e] = await driver.call('entities.byAlias', { text: corpus.plainAlias(i) });
        ids.set(i, e.id);
      }
      [{ id: giantId }] = await driver.call('entities.byAlias', { text: corpus.GIANT.alias });
      const store = await driver.extensionTab('popup.html');
      await store.evaluate(damageInStore, { id: ids.get(indexOf(DAMAGED)), name: DAMAGED_NAME, pwned: corpus.PWNED });
      await store.close();
      tab = await driver.openPage(server.url, { record: false });
      watch(tab.page, 'page', seen);
      await waitForMentions(driver, tab, (a) => a.entities.length >= corpus.HOSTILE.length + 1, {
        timeout: 60_000,
        what: 'every hostile entity to be marked',
      });
      if (shots) mkdirSync(shots, { recursive: true });
    });

    after(async () => {
      await driver?.close();
      await server?.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('refuses eval in an extension page (the CSP is in force)', { skip: gate.skip }, async () => {
      const page = await driver.extensionTab('popup.html');
      try {
        // Code run by the test driver itself may be let through (a console must work on any page): the
        // tries run from a timer, as the page's own code, once the driver's call has returned.
        await page.evaluate(() => {
          window.__evalOutcome = null;
          setTimeout(() => {
            const tries = { eval: () => eval('1'), Function: () => new Function('return 1')() };
            window.__evalOutcome = Object.fromEntries(
              Object.entries(tries).map(([k, run]) => {
                try {
                  return [k, `ran: ${run()}`];
                } catch (e) {
                  return [k, e.name];
                }
              }),
            );
          });
        });
        const outcome = await waitFor(() => page.evaluate(() => window.__evalOutcome), { what: 'the eval tries' });
        assert.deepEqual(outcome, { eval: 'EvalError', Function: 'EvalError' });
      } finally {
        await page.close();
      }
    });

    it(
      'cards: nothing runs, links are http(s), no sideways scroll, within the maximum height',
      { skip: gate.skip },
      async () => {
        const problems = [];
        for (const [label, id, name, matched] of opened()) {
          assert.equal(await driver.tabCall(tab, 'mention.show', { entityId: id }), true, `${label}: mention.show`);
          // The card shows the entity asked for ("Matched “Hostile Ref 007”"), its name as the heading's text.
          const frame = await waitFor(
            async () => {
              const f = await cardFrame(driver, tab);
              const why =
                f && (await f.evaluate(() => document.querySelector('.bs-why')?.textContent).catch(() => null));
              return why?.includes(matched) ? f : null;
            },
            { timeout: 20_000, what: `the card of ${label}` },
          );
          const heading = await frame.evaluate(() => document.querySelector('.bs-card h2').textContent);
          if (heading !== name)
            problems.push(`card of ${label}: the heading shows ${JSON.stringify(heading.slice(0, 60))}`);
          problems.push(...(await check(frame, inertnessProblems, corpus.PWNED, `card of ${label}`)));
          problems.push(...(await check(frame, sidewaysScroll, undefined, `card of ${label}`)));
          problems.push(
            ...(await check(
              frame,
              () => {
                const card = document.querySelector('.bs-card').getBoundingClientRect();
                const out = [];
                if (card.height > window.innerHeight + 1)
                  out.push(`the card is ${card.height}px tall in a ${window.innerHeight}px frame`);
                // A long name must leave room: the close button and the footer stay in the card, the body has space.
                for (const sel of ['.bs-close', '.bs-footer .bs-button']) {
                  const r = document.querySelector(sel)?.getBoundingClientRect();
                  if (!r || r.height === 0 || r.top < card.top - 1 || r.bottom > card.bottom + 1)
                    out.push(`${sel} is outside the card`);
                }
                const body = document.querySelector('.bs-body').getBoundingClientRect();
                if (body.height < 60) out.push(`the card's body is ${body.height}px tall`);
                return out;
              },
              undefined,
              `card of ${label}`,
            )),
          );
          problems.push(
            ...(await check(
              tab,
              (pwned) => {
                const host = document.querySelector('backstory-card').getBoundingClientRect();
                const out = [];
                if (host.top < 0 || host.bottom > window.innerHeight + 1)
                  out.push(`the card (${host.top}-${host.bottom}) leaves the ${window.innerHeight}px viewport`);
                if (window[pwned] !== undefined) out.push(`window.${pwned} is set in the page`);
                return out;
              },
              corpus.PWNED,
              `page with the card of ${label}`,
            )),
          );
          if (shots && (label === 'override in a name' || label === DAMAGED))
            await tab.page.screenshot({ path: join(shots, `card-${label.replace(/\W+/g, '-')}.png`) });
          await driver.tabCall(tab, 'card.close');
        }
        problems.push(...(await check(tab, inertnessProblems, corpus.PWNED, 'page')));
        assert.deepEqual([...problems, ...seen, ...tab.errors.map((e) => `page: ${e.message}`)], []);
      },
    );

    it(
      'popup: the hostile names on the page and the recent notes, inert and never wider than the popup',
      { skip: gate.skip },
      async () => {
        const problems = [];
        const popup = await openWatched(
          driver,
          `popup.html?tab=${await driver.tabId(tab)}`,
          'popup',
          seen,
          () => document.querySelectorAll('.notes > li').length > 0 && !!document.querySelector('.page-list'),
        );
        try {
          await popup.evaluate(() =>
            [...document.querySelectorAll('button')]
              .find((b) => /^Show all \d+ names$/.test(b.textContent.trim()))
              ?.click(),
          );
          await waitFor(() => popup.evaluate(() => document.querySelectorAll('.page-list li').length > 100), {
            what: 'every name listed',
          });
          problems.push(...(await check(popup, inertnessProblems, corpus.PWNED, 'popup')));
          problems.push(...(await check(popup, sidewaysScroll, undefined, 'popup')));
          // Rows of the page's names stay short, whatever the length of a name (the damaged one has 10,000 characters).
          problems.push(
            ...(await check(
              popup,
              () =>
                [...document.querySelectorAll('.page-list .list-button')]
                  .filter((row) => {
                    const style = getComputedStyle(row);
                    const line = parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize); // "normal"
                    return row.offsetHeight > 4 * line;
                  })
                  .map((row) => `a row of ${row.offsetHeight}px: ${row.textContent.slice(0, 40)}…`),
              undefined,
              'popup',
            )),
          );
          if (shots)
            await popup.page.screenshot({
              path: join(shots, 'popup.png'),
              clip: { x: 0, y: 0, width: 400, height: 620 },
            });
          assert.deepEqual([...problems, ...seen, ...popup.errors.map((e) => `popup: ${e.message}`)], []);
        } finally {
          await popup.close();
        }
      },
    );

    it(
      'manager: hostile entities in the editor, and the notes, events and packs lists',
      { skip: gate.skip },
      async () => {
        const problems = [];
        for (const [label, id] of opened()) {
          const manager = await openWatched(
            driver,
            `options.html#entity=${encodeURIComponent(id)}`,
            `manager: ${label}`,
            seen,
            () => !!document.querySelector('.entity-connections'),
          );
          try {
            problems.push(...(await check(manager, inertnessProblems, corpus.PWNED, `manager: ${label}`)));
            problems.push(...(await check(manager, sidewaysScroll, undefined, `manager: ${label}`)));
            if (shots && (label === 'override in a name' || label === DAMAGED))
              await manager.page.screenshot({ path: join(shots, `manager-${label.replace(/\W+/g, '-')}.png`) });
            problems.push(...manager.errors.map((e) => `manager: ${label}: ${e.message}`));
          } finally {
            await manager.close();
          }
        }
        for (const [hash, ready] of [
          ['notes', () => document.querySelectorAll('.note-item').length > 100],
          ['events', () => document.querySelectorAll('.record-list li').length > 100],
          ['packs', () => document.querySelectorAll('.pack-card').length > 0],
        ]) {
          const manager = await openWatched(driver, `options.html#${hash}`, `manager #${hash}`, seen, ready);
          try {
            problems.push(...(await check(manager, inertnessProblems, corpus.PWNED, `manager #${hash}`)));
            problems.push(...(await check(manager, sidewaysScroll, undefined, `manager #${hash}`)));
            problems.push(...manager.errors.map((e) => `manager #${hash}: ${e.message}`));
          } finally {
            await manager.close();
          }
        }
        assert.deepEqual([...problems, ...seen], []);
      },
    );
  });
}

defineSuite(browserGate('Chromium', hasChromium(), CHROMIUM_PATH), chromiumDriver);
defineSuite(browserGate('Firefox', hasFirefox(), FIREFOX_PATH), firefoxDriver);
