/**
 * Storage in real browsers, Chromium and Firefox:
 * - the manager's Local snapshots: a snapshot taken there, the store changed, "Restore" brings it back
 *   (counts and a named record), and what the manager says about persistent storage is what
 *   `navigator.storage.persisted()` answers;
 * - the background killed in the middle of a large pack import (Chromium: its service worker stopped
 *   over CDP; Firefox, whose MV3 background is an event page that cannot be stopped from outside:
 *   the extension reloaded, which ends that page the same way), then started again: the store holds
 *   none of the pack or all of it, and the manager still works.
 * Calls go through the contract from the extension's own pages. Needs the built extension.
 */
/* global window, navigator, chrome, setTimeout -- inside evaluate() callbacks */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CHROMIUM_PATH, FIREFOX_PATH, browserGate, hasChromium, hasFirefox } from '../../scripts/browsers.mjs';
import { chromiumDriver, firefoxDriver, waitFor } from './backstory-driver.mjs';
import { clickButton, waitForText } from './ui-helpers.mjs';

/** Entities in the pack whose import is cut short: enough that the cut comes early in it. */
const KILL_PACK_SIZE = 30_000;

/** A contract call from an extension page; throws unless it succeeds. */
async function call(tab, name, input = {}) {
  const reply = await tab.evaluate(
    ([c, i]) => (globalThis.browser ?? chrome).runtime.sendMessage({ backstory: 1, call: c, input: i }),
    [name, input],
  );
  if (!reply?.ok) throw new Error(`${name} failed: ${JSON.stringify(reply)}`);
  return reply.value;
}

const counts = (stats) => ({ entities: stats.entities, events: stats.events, notes: stats.notes });

/**
 * Starts a pack import from the page without waiting for it; its answer lands in
 * `window.__importAnswer`. At the import's first progress report, `window.__firstProgress` resolves
 * and, when `reloadAtFirstProgress`, the extension is reloaded right there (in the page: no round trip).
 */
function startImport([text, reloadAtFirstProgress]) {
  const api = globalThis.browser ?? chrome;
  window.__importAnswer = null;
  window.__firstProgress = new Promise((resolve) => {
    api.runtime.onMessage.addListener((m) => {
      if (m?.backstoryProgress !== 1 || m.job !== 'kill') return;
      // From a timer: Firefox does not start the background again after a reload made inside a listener.
      if (reloadAtFirstProgress) setTimeout(() => api.runtime.reload());
      resolve(m.done);
    });
  });
  api.runtime.sendMessage({ backstory: 1, call: 'pack.import', input: { text, job: 'kill' } }).then(
    (answer) => (window.__importAnswer = { answer }),
    (e) => (window.__importAnswer = { error: String(e?.message ?? e) }),
  );
}

function defineSuite(gate, makeDriver) {
  const browserName = makeDriver === chromiumDriver ? 'Chromium' : 'Firefox';
  describe(`${browserName}: local snapshots, persistence, a background killed mid-import`, () => {
    /** @type {Awaited<ReturnType<typeof chromiumDriver>>} */
    let driver;

    before(async () => {
      if (gate.skip) return;
      gate.assertAvailable();
      driver = await makeDriver();
    });
    after(async () => {
      await driver?.close();
    });

    /** The manager at its Sync panel, once the starter pack is in. */
    const openManager = async () => {
      const tab = await driver.extensionTab('options.html#sync');
      await waitFor(async () => (await call(tab, 'store.stats')).entities > 0, {
        timeout: 60_000,
        what: 'the starter pack to be installed',
      });
      await waitForText(tab.page, 'Local snapshots', { timeout: 30_000 });
      return tab;
    };

    it(
      'a snapshot taken in the manager is restored from there; persistence is shown as the browser has it',
      { skip: gate.skip },
      async (t) => {
        const tab = await openManager();
        try {
          const before = await call(tab, 'store.stats');
          const [named] = await call(tab, 'entities.list');
          await clickButton(tab.page, 'Take a snapshot now');
          await waitForText(tab.page, `Snapshot taken: ${before.entities.toLocaleString()} entities`, {
            timeout: 30_000,
          });

          // The store changes: a named record deleted, one added.
          await call(tab, 'entity.delete', { id: named.id });
          await call(tab, 'entity.save', { entity: { name: 'Snapshot e2e place', kind: 'place' } });
          assert.equal((await call(tab, 'store.stats')).entities, before.entities);
          assert.equal(await call(tab, 'entity.get', { id: named.id }), null);

          await clickButton(tab.page, 'Restore the snapshot of', { exact: false });
          await clickButton(tab.page, 'Restore this snapshot');
          await waitForText(tab.page, /Restored the snapshot of .*: 2 records changed\. To undo it/, {
            timeout: 30_000,
          });
          assert.deepEqual(counts(await call(tab, 'store.stats')), counts(before));
          assert.equal((await call(tab, 'entity.get', { id: named.id }))?.name, named.name);
          assert.deepEqual(await call(tab, 'entities.byAlias', { text: 'Snapshot e2e place' }), []);
          // The state before the restore was kept, so the restore can be undone.
          const reasons = (await call(tab, 'snapshots.list')).map((s) => s.reason);
          assert.deepEqual(reasons, ['before-restore', 'manual']);
          await waitForText(tab.page, 'Before a restore');

          // Persistence as the browser has it (read once the background has had its say: a fresh page).
          await tab.close();
          const again = await openManager();
          try {
            const persisted = await again.evaluate(() => navigator.storage.persisted());
            t.diagnostic(`navigator.storage.persisted() is ${persisted}`);
            const text = await waitForText(again.page, /Storage: ((not )?persistent|kept)\./);
            if (persisted)
              assert.match(
                text,
                /Storage: persistent\. The browser keeps Backstory’s data even when disk space runs low\./,
              );
            else if (driver.name !== 'Firefox')
              // Chrome exempts extensions with unlimitedStorage from eviction, and says persisted() false.
              assert.match(
                text,
                /Storage: kept\. This browser never clears the data of an extension allowed unlimited/,
              );
            else {
              assert.match(
                text,
                /Storage: not persistent\. Backstory’s data may be cleared by the browser when space runs low\./,
              );
              // Asked from the manager (a service worker cannot ask): the answer shown is the browser's.
              await clickButton(again.page, 'Ask the browser to keep it');
              const answer = await waitForText(again.page, /Storage: persistent\.|The browser said no/);
              const now = await again.evaluate(() => navigator.storage.persisted());
              t.diagnostic(`asked from the manager: navigator.storage.persisted() is ${now}`);
              assert.equal(/Storage: persistent\./.test(answer), now);
            }
            // Firefox's background (a page) asks at install, and Firefox grants it to extensions.
            if (driver.name === 'Firefox') assert.equal(persisted, true);
            assert.deepEqual(again.errors, []);
          } finally {
            await again.close();
          }
        } finally {
          await tab.close().catch(() => {});
        }
      },
    );

    it(
      'the background killed during a large import: after it restarts the store holds none of the pack or all of it, and the manager works',
      { skip: gate.skip, timeout: 300_000 },
      async (t) => {
        let tab = await openManager();
        const before = await call(tab, 'store.stats');
        const pack = {
          format: 'backstory-pack',
          formatVersion: 1,
          pack: { id: 'kill-pack', title: 'Kill pack', version: '1' },
          entities: Array.from({ length: KILL_PACK_SIZE }, (_, i) => ({
            id: `p${i}`,
            name: `Killpack person ${i}`,
            kind: 'person',
          })),
        };
        const firefox = driver.name === 'Firefox';
        // Chromium: the CDP session that stops the service worker, ready before the import starts.
        const cdp = firefox ? null : await tab.page.context().newCDPSession(tab.page);
        await cdp?.send('ServiceWorker.enable');
        await tab.evaluate(startImport, [JSON.stringify(pack), firefox]);
        const doneAtKill = await tab.evaluate(() => window.__firstProgress);
        if (cdp) {
          await cdp.send('ServiceWorker.stopAllWorkers');
          await cdp.detach();
        }
        assert.ok(doneAtKill < KILL_PACK_SIZE, `the import was cut at ${doneAtKill} of ${KILL_PACK_SIZE} records`);
        if (firefox) {
          // The reload ended the manager page too: a fresh one talks to the restarted background.
          await tab.close().catch(() => {});
        } else {
          const answer = await waitFor(() => tab.evaluate(() => window.__importAnswer), {
            timeout: 60_000,
            what: 'the import call to end',
          });
          assert.ok(!answer.answer?.ok, `the import must not have finished: ${JSON.stringify(answer)}`);
          await tab.close();
        }

        tab = await openManager();
        try {
          const after = await call(tab, 'store.stats');
          const installed = after.packs.find((p) => p.id === 'kill-pack');
          t.diagnostic(
            `killed at ${doneAtKill} of ${KILL_PACK_SIZE} records written; after the restart the store holds ${installed ? 'all' : 'none'} of the pack`,
          );
          if (installed) {
            assert.equal(installed.entities, KILL_PACK_SIZE);
            assert.equal(after.entities, before.entities + KILL_PACK_SIZE);
          } else {
            assert.deepEqual(counts(after), counts(before));
            assert.deepEqual(await call(tab, 'entities.byAlias', { text: 'Killpack person 0' }), []);
          }
          // The manager works: it lists the store's entities (all of them counted), writes, and imports the
          // pack whole now.
          await clickButton(tab.page, 'Entities');
          const shown = await waitForText(tab.page, /\d[\d,]* of \d[\d,]* entities/, { timeout: 60_000 });
          const total = Number(/of (\d[\d,]*) entities/.exec(shown)[1].replace(/,/g, ''));
          assert.equal(total, (await call(tab, 'store.stats')).entities);
          assert.match(shown, /Albu Kamal/);
          await call(tab, 'entity.save', { entity: { name: 'After the restart', kind: 'place' } });
          const summary = await call(tab, 'pack.import', { text: JSON.stringify(pack) });
          assert.equal(summary.added + summary.unchanged, KILL_PACK_SIZE);
          const final = await call(tab, 'store.stats');
          assert.equal(final.packs.find((p) => p.id === 'kill-pack')?.entities, KILL_PACK_SIZE);
          assert.deepEqual(tab.errors, []);
        } finally {
          await tab.close();
        }
      },
    );
  });
}

defineSuite(browserGate('Chromium', hasChromium(), CHROMIUM_PATH), chromiumDriver);
defineSuite(browserGate('Firefox', hasFirefox(), FIREFOX_PATH), firefoxDriver);
