/**
 * After install, the extension's store holds the starter pack: checked in Chromium and in Firefox,
 * through the manager's Packs panel as a user sees it (and, in Chromium, in the background's IndexedDB
 * directly).
 * Needs the built extension: `npm run build` first (scripts/test.mjs does it).
 */
/* global document, indexedDB -- only inside evaluate() callbacks, which run in the browser */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CHROMIUM_PATH,
  FIREFOX_PATH,
  browserGate,
  hasChromium,
  hasFirefox,
  launchChromium,
  launchFirefox,
  waitFor,
} from '../../scripts/browsers.mjs';

const PACK_ID = 'iraq-syria-2019-2020';
const PACK_TITLE = 'Iraq and Syria, 2019-2020';
const MIN_ENTITIES = 20;
const MIN_EVENTS = 10;

/** "Your store holds 27 entities, 11 events and 0 notes." -> { entities: 27, events: 11, notes: 0 } (null when it does not match). */
function parseTotals(text) {
  const m = /holds\s+([\d,.]+)\s+entit(?:y|ies),\s*([\d,.]+)\s+events?\s+and\s+([\d,.]+)\s+notes?/.exec(text);
  if (!m) return null;
  const n = (s) => Number(s.replace(/[^\d]/g, ''));
  return { entities: n(m[1]), events: n(m[2]), notes: n(m[3]) };
}

/** "Iraq and Syria, 2019-2020 1.0.0 … 27 entities · 11 events …" -> counts of the pack row. */
function parsePackCounts(text) {
  const m = /([\d,.]+)\s+entit(?:y|ies)\s*·\s*([\d,.]+)\s+events?/.exec(text);
  if (!m) return null;
  const n = (s) => Number(s.replace(/[^\d]/g, ''));
  return { entities: n(m[1]), events: n(m[2]) };
}

/** What a user reads in the manager's Packs panel, checked the same way in both browsers. */
function assertManagerShowsStarterPack({ totalsText, packItems }) {
  const pack = packItems.find((t) => t.includes(PACK_TITLE));
  assert.ok(pack, `"Installed packs" should list "${PACK_TITLE}"; it lists: ${JSON.stringify(packItems)}`);
  const counts = parsePackCounts(pack);
  assert.ok(counts, `the pack should read "N entities · M events"; it reads: ${JSON.stringify(pack)}`);
  assert.ok(counts.entities >= MIN_ENTITIES, `the pack should show its entities; it reads: ${JSON.stringify(pack)}`);

  const totals = parseTotals(totalsText);
  assert.ok(totals, `the panel should say what the store holds; it reads: ${JSON.stringify(totalsText)}`);
  assert.ok(totals.entities >= MIN_ENTITIES, `expected >= ${MIN_ENTITIES} entities in total, got: ${totalsText}`);
  assert.ok(totals.events >= MIN_EVENTS, `expected >= ${MIN_EVENTS} events in total, got: ${totalsText}`);
}

/**
 * Runs in the manager's Packs panel (either browser): reads the installed packs and the store's totals.
 * Returns null while it is still loading; returns the page's error alert if it shows one.
 */
function readPacksPanel() {
  const alert = document.querySelector('[role="alert"]');
  if (alert) return { error: alert.textContent };
  const list = document.querySelector('ul[aria-label="Installed packs"]');
  const totals = [...document.querySelectorAll('p')].find((p) => p.textContent?.includes('Your store holds'));
  if (!list || !totals) return null;
  return {
    totalsText: totals.innerText,
    packItems: [...list.querySelectorAll(':scope > li')].map((li) => li.innerText.replace(/\s+/g, ' ').trim()),
  };
}

const chromium = browserGate('Chromium', hasChromium(), CHROMIUM_PATH);

describe('Chromium: after install, the extension store holds the starter pack', () => {
  /** @type {Awaited<ReturnType<typeof launchChromium>>} */
  let ext;
  before(async () => {
    if (chromium.skip) return;
    chromium.assertAvailable();
    ext = await launchChromium();
  });
  after(async () => {
    await ext?.close();
  });

  it("the manager's packs panel lists the starter pack with its counts", { skip: chromium.skip }, async () => {
    const page = await ext.context.newPage();
    await page.goto(`chrome-extension://${ext.extensionId}/options.html#packs`);
    const seen = await waitFor(() => page.evaluate(readPacksPanel), {
      timeout: 15_000,
      what: 'the "Installed packs" list in the manager',
    });
    if ('error' in seen) assert.fail(`the manager shows an error: ${seen.error}`);
    assertManagerShowsStarterPack(seen);
    await page.close();
  });

  it("the background's IndexedDB holds the pack record and its entities", { skip: chromium.skip }, async () => {
    // Reads the database as the background sees it. Opening without a version would create an empty
    // database if the background had not yet, so an upgrade is aborted and counts as "not yet".
    const readDb = (packId) =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open('backstory');
        req.onupgradeneeded = () => req.transaction?.abort();
        req.onerror = () => reject(req.error ?? new Error('could not open "backstory"'));
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(['entities', 'events', 'packs'], 'readonly');
          const entities = tx.objectStore('entities').getAll();
          const events = tx.objectStore('events').getAll();
          const pack = tx.objectStore('packs').get(packId);
          tx.oncomplete = () => {
            db.close();
            const liveEntities = entities.result.filter((e) => e.deleted === null);
            resolve({
              pack: pack.result ?? null,
              liveEntities: liveEntities.length,
              liveEvents: events.result.filter((e) => e.deleted === null).length,
              entityNames: liveEntities.map((e) => e.name),
            });
          };
          tx.onerror = () => reject(tx.error);
        };
      });

    // The first-run import runs in the background on install: give it a moment, then judge.
    let state;
    try {
      await waitFor(
        async () => {
          state = await ext.serviceWorker.evaluate(readDb, PACK_ID);
          return state.pack !== null;
        },
        { timeout: 15_000, what: `pack "${PACK_ID}" in the background's IndexedDB` },
      );
    } catch (e) {
      assert.fail(`${e instanceof Error ? e.message : e}; last read: ${JSON.stringify(state)}`);
    }
    assert.equal(state.pack.id, PACK_ID);
    assert.equal(state.pack.title, PACK_TITLE);
    assert.ok(
      state.liveEntities >= MIN_ENTITIES,
      `expected >= ${MIN_ENTITIES} live entities, got ${state.liveEntities}`,
    );
    assert.ok(state.liveEvents >= MIN_EVENTS, `expected >= ${MIN_EVENTS} live events, got ${state.liveEvents}`);
    assert.ok(
      state.entityNames.includes('Albu Kamal'),
      `expected a live entity named "Albu Kamal"; names: ${state.entityNames.join(', ')}`,
    );
  });
});

const firefox = browserGate('Firefox', hasFirefox(), FIREFOX_PATH);

describe('Firefox: after install, the extension store holds the starter pack', () => {
  /** @type {Awaited<ReturnType<typeof launchFirefox>>} */
  let ext;
  before(async () => {
    if (firefox.skip) return;
    firefox.assertAvailable();
    ext = await launchFirefox();
  });
  after(async () => {
    await ext?.close();
  });

  it("the manager's packs panel lists the starter pack with its counts", { skip: firefox.skip }, async () => {
    const page = await ext.openExtensionPage('options.html#packs');
    const seen = await waitFor(() => page.evaluate(readPacksPanel), {
      timeout: 15_000,
      what: 'the "Installed packs" list in the Firefox manager',
    });
    if ('error' in seen) assert.fail(`the manager shows an error: ${seen.error}`);
    assertManagerShowsStarterPack(seen);
    await page.close();
  });
});
