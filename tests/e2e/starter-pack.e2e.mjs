/**
 * After install, the extension's store holds the starter pack: checked in Chromium and in Firefox,
 * through the popup as a user sees it (and, in Chromium, in the background's IndexedDB directly).
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

/** "27 entities · 11 events · 0 notes" -> { entities: 27, events: 11, notes: 0 } (null when it does not match). */
function parseTotals(text) {
  const m = /([\d,.\s]+?)\s+entit(?:y|ies)\s*·\s*([\d,.\s]+?)\s+events?\s*·\s*([\d,.\s]+?)\s+notes?/.exec(text);
  if (!m) return null;
  const n = (s) => Number(s.replace(/[^\d]/g, ''));
  return { entities: n(m[1]), events: n(m[2]), notes: n(m[3]) };
}

/** "Iraq and Syria, 2019-2020 27 entities, 11 events" -> counts of the pack row. */
function parsePackCounts(text) {
  const m = /([\d,.]+)\s+entit(?:y|ies),\s*([\d,.]+)\s+events?/.exec(text);
  if (!m) return null;
  const n = (s) => Number(s.replace(/[^\d]/g, ''));
  return { entities: n(m[1]), events: n(m[2]) };
}

/** The popup's assertions, shared by both browsers: what a user reads in the store summary. */
function assertPopupShowsStarterPack({ totalsText, packItems }) {
  const pack = packItems.find((t) => t.includes(PACK_TITLE));
  assert.ok(pack, `"Installed packs" should list "${PACK_TITLE}"; it lists: ${JSON.stringify(packItems)}`);
  const counts = parsePackCounts(pack);
  assert.ok(counts, `the pack row should read "N entities, M events"; it reads: ${JSON.stringify(pack)}`);
  assert.ok(counts.entities > 0, `the pack row should show a non-zero entity count; it reads: ${JSON.stringify(pack)}`);

  const totals = parseTotals(totalsText);
  assert.ok(totals, `the store summary should show totals; it reads: ${JSON.stringify(totalsText)}`);
  assert.ok(totals.entities >= MIN_ENTITIES, `expected >= ${MIN_ENTITIES} entities in total, got: ${totalsText}`);
  assert.ok(totals.events >= MIN_EVENTS, `expected >= ${MIN_EVENTS} events in total, got: ${totalsText}`);
}

/**
 * Runs in the popup page (either browser): waits for the store summary and reads its visible text.
 * Returns null while it is still loading; throws the page's error alert if the popup shows one.
 */
function readStoreSummary() {
  const alert = document.querySelector('[role="alert"]');
  if (alert) return { error: alert.textContent };
  const list = document.querySelector('ul[aria-label="Installed packs"]');
  const heading = [...document.querySelectorAll('h2')].find((h) => h.textContent?.trim() === 'Your knowledge store');
  const section = heading?.closest('section');
  const totals = section?.querySelector('p');
  if (!list || !totals) return null;
  return {
    totalsText: totals.innerText,
    packItems: [...list.querySelectorAll('li')].map((li) => li.innerText.replace(/\s+/g, ' ').trim()),
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

  it('the popup lists the starter pack with its counts', { skip: chromium.skip }, async () => {
    const page = await ext.context.newPage();
    await page.goto(`chrome-extension://${ext.extensionId}/popup.html`);
    const packs = page.getByRole('list', { name: 'Installed packs' });
    const alert = page.getByRole('alert');
    await packs.or(alert).first().waitFor({ timeout: 15_000 });
    if (await alert.isVisible()) assert.fail(`the popup shows an error: ${await alert.innerText()}`);

    const summary = page.getByRole('region', { name: 'Your knowledge store' });
    const totalsText = await summary.locator('p').first().innerText();
    const packItems = (await packs.getByRole('listitem').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assertPopupShowsStarterPack({ totalsText, packItems });
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

  it('the popup lists the starter pack with its counts', { skip: firefox.skip }, async () => {
    const page = await ext.openExtensionPage('popup.html');
    const seen = await waitFor(() => page.evaluate(readStoreSummary), {
      timeout: 15_000,
      what: 'the "Installed packs" list in the Firefox popup',
    });
    if ('error' in seen) assert.fail(`the popup shows an error: ${seen.error}`);
    assertPopupShowsStarterPack(seen);
    await page.close();
  });
});
