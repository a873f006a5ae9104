/**
 * Managing the store from the extension's own pages, in Chromium and in Firefox, against pages that are
 * already open:
 * - a note written in the popup shows in the card of the open tab, without a reload;
 * - an alias added in the manager marks its mentions in the open tab;
 * - a whole store exported from one profile and imported (through the manager's file picker) into
 *   another gives the same store; an invalid pack shows the path of the error and changes nothing;
 * - capture: the content script reports the selection and the page's publication date, and an entity
 *   created in the capture window is marked in the open tab at once.
 * The pages are driven like a user would (labels, buttons, keyboard); the store is checked through the
 * contract from an extension page. Needs the built extension (`npm run build`).
 */
/* global document, window -- inside evaluate() callbacks */
/* global URLSearchParams, structuredClone -- Node's */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  cardFrame,
  chromiumDriver,
  entityOfText,
  firefoxDriver,
  waitFor,
  waitForMentions,
} from './backstory-driver.mjs';
import { byLabel, clickButton, choose, typeInto, waitForText } from './ui-helpers.mjs';

const FIXTURES = '/work/shared/fixtures';
const IMPORT_LABEL = 'Import a pack (.json) or a spreadsheet (.csv)';
const SEED = 'seed-article.html';

/** Selects the first occurrence of `text` in the page (runs in the page). */
function selectText(text) {
  const walker = document.createTreeWalker(document.body, 4 /* NodeFilter.SHOW_TEXT */);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    return true;
  }
  return false;
}

/** Sets a file input's file (playwright and puppeteer differ here). */
async function upload(driver, page, selector, path) {
  if (driver.name === 'Chromium') await page.setInputFiles(selector, path);
  else await (await page.$(selector)).uploadFile(path);
}

/** A whole-store export without what differs between two exports of equal stores (the date). */
const comparable = (doc) => ({
  ...doc,
  pack: { ...doc.pack, version: '' },
  entities: [...doc.entities].sort((a, b) => a.id.localeCompare(b.id)),
  events: [...doc.events].sort((a, b) => a.id.localeCompare(b.id)),
  notes: [...(doc.notes ?? [])].sort((a, b) => a.id.localeCompare(b.id)),
});

function defineSuite(gate, makeDriver) {
  const browserName = makeDriver === chromiumDriver ? 'Chromium' : 'Firefox';
  describe(`${browserName}: popup, manager and capture`, () => {
    /** @type {Awaited<ReturnType<typeof chromiumDriver>>} */
    let driver;
    let fixtures;
    let scratch;

    before(async () => {
      if (gate.skip) return;
      gate.assertAvailable();
      fixtures = await serveDir(FIXTURES);
      driver = await makeDriver();
      scratch = mkdtempSync(join(tmpdir(), 'backstory-manage-'));
    });
    after(async () => {
      await driver?.close();
      await fixtures?.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    const openSeed = async () => {
      const tab = await driver.openPage(`${fixtures.url}${SEED}`, { record: false });
      await waitForMentions(driver, tab, (a) => a.active && entityOfText(a).get('Albukamal') === 'Albu Kamal', {
        what: 'the seed article to be marked',
      });
      return tab;
    };

    it(
      'capture: the content script reports the selection and the date the page declares',
      { skip: gate.skip },
      async () => {
        const tab = await driver.openPage(`${fixtures.url}pages/guardian-1.html`, {
          record: false,
          blockOtherHosts: true,
        });
        try {
          await waitFor(() => tab.evaluate(() => document.readyState !== 'loading'), { what: 'the page' });
          assert.ok(await tab.evaluate(selectText, 'Department of Conservation'), 'nothing to select');
          const capture = await driver.tabCall(tab, 'tab.capture');
          assert.equal(capture.selection, 'Department of Conservation');
          assert.equal(capture.url, tab.url);
          assert.equal(capture.published, '2019-01-03');
        } finally {
          await tab.close();
        }
      },
    );

    it('capture: an entity made from a selection is marked in the open tab at once', { skip: gate.skip }, async () => {
      const tab = await openSeed();
      try {
        assert.equal(entityOfText(await driver.mentions(tab)).get('United Nations'), undefined);
        assert.ok(await tab.evaluate(selectText, 'United Nations'));
        const capture = await driver.tabCall(tab, 'tab.capture');
        const params = new URLSearchParams({
          mode: 'entity',
          text: capture.selection,
          url: capture.url,
          title: capture.title,
        });
        const win = await driver.extensionTab(`capture.html?${params}`);
        try {
          await waitForText(win.page, 'United Nations');
          assert.equal(
            await win.evaluate((sel) => document.querySelector(sel).value, await byLabel(win.page, 'Name')),
            'United Nations',
          );
          await choose(win.page, 'Kind', 'organization');
          await clickButton(win.page, 'Add entity');
          await waitForText(win.page, 'Added “United Nations”');
          assert.deepEqual(win.errors, []);
        } finally {
          await win.close();
        }
        const answer = await waitForMentions(
          driver,
          tab,
          (a) => entityOfText(a).get('United Nations') === 'United Nations',
          {
            what: 'the new entity to be marked',
          },
        );
        assert.equal(answer.entities.find((e) => e.name === 'United Nations').count, 2);
        const [saved] = await driver.call('entities.byAlias', { text: 'United Nations' });
        assert.equal(saved.kind, 'organization');
        assert.deepEqual(
          saved.links.map((l) => l.url),
          [tab.url],
          'the page is kept as the first link',
        );
      } finally {
        await tab.close();
      }
    });

    it(
      'popup: a note written there shows in the card of the open tab, without a reload',
      { skip: gate.skip },
      async () => {
        const tab = await openSeed();
        try {
          const note = `Popup note ${browserName} ${Date.now().toString(36)}: two convoys seen at the crossing`;
          const popup = await driver.extensionTab(`popup.html?tab=${await driver.tabId(tab)}`);
          try {
            // On this page: the most mentioned names first, the rest behind "Show all".
            await waitForText(popup.page, /Show all \d+ names/);
            await clickButton(popup.page, 'Show all', { exact: false });
            await waitForText(popup.page, 'Albu Kamal');
            // The note form may start with the page's top entity chosen: choose Albu Kamal instead.
            const chosen = await popup.evaluate(() =>
              [...document.querySelectorAll('button[aria-label^="Remove "]')].map((b) => b.getAttribute('aria-label')),
            );
            for (const label of chosen) await clickButton(popup.page, label);
            await typeInto(popup.page, 'About', 'Albukamal');
            await waitFor(
              () =>
                popup.evaluate(() =>
                  [...document.querySelectorAll('[role="option"]')].some((o) => o.textContent.includes('Albu Kamal')),
                ),
              { what: 'Albu Kamal offered in the picker' },
            );
            await popup.page.keyboard.press('Enter');
            await typeInto(popup.page, 'Note', note);
            await clickButton(popup.page, 'Save');
            await waitForText(popup.page, 'Note saved');
            await waitForText(popup.page, note.slice(0, 40));
            assert.deepEqual(popup.errors, []);
            // From the popup's "On this page": scroll to Albu Kamal and open its card there.
            await clickButton(popup.page, 'Albu Kamal', { exact: false });
          } finally {
            if (!popup.page.isClosed()) await popup.close();
          }
          await tab.page.bringToFront();
          const text = await waitFor(
            async () => {
              const frame = await cardFrame(driver, tab);
              const t = frame ? await frame.evaluate(() => document.body.innerText).catch(() => '') : '';
              return t.includes(note) ? t : null;
            },
            { timeout: 15_000, what: 'the note in the card' },
          );
          assert.match(text, /Albu Kamal/);
        } finally {
          await tab.close();
        }
      },
    );

    it('manager: an alias added there marks its mentions in the open tab', { skip: gate.skip }, async () => {
      const tab = await openSeed();
      try {
        assert.equal(entityOfText(await driver.mentions(tab)).get('parliament speaker'), undefined);
        const [speaker] = await driver.call('entities.byAlias', { text: 'Mohamed al-Halbousi' });
        const manager = await driver.extensionTab(`options.html#entity=${speaker.id}`);
        try {
          await waitFor(() => manager.evaluate(() => !!document.querySelector('form')), { what: 'the entity editor' });
          await clickButton(manager.page, 'Add alias');
          const inputs = await manager.evaluate(
            () =>
              [...document.querySelectorAll('input')].filter((i) => /alias/i.test(i.getAttribute('aria-label') ?? ''))
                .length,
          );
          assert.ok(inputs > 0, 'no alias inputs in the editor');
          // The new alias row is the last one, and has focus after "Add alias".
          await manager.page.keyboard.type('parliament speaker');
          await clickButton(manager.page, 'Save');
          await waitForText(manager.page, 'Saved');
          assert.deepEqual(manager.errors, []);
        } finally {
          await manager.close();
        }
        await waitForMentions(driver, tab, (a) => entityOfText(a).get('parliament speaker') === 'Mohamed al-Halbousi', {
          what: '"parliament speaker" marked as Mohamed al-Halbousi',
        });
      } finally {
        await tab.close();
      }
    });

    it(
      'packs: a store exported from one profile and imported into another is the same store',
      { skip: gate.skip },
      async () => {
        // Profile A (this driver): some records of the user's own, then the whole store exported.
        const own = await driver.call('entity.save', {
          entity: { name: 'Deir ez-Zor', kind: 'place', aliases: [{ text: 'Dayr az Zawr' }] },
        });
        await driver.call('note.save', {
          note: { about: { type: 'entity', id: own.id }, text: 'Border crossing reopened.' },
        });
        const exported = await driver.call('pack.export', {});
        const file = join(scratch, 'backstory-export.json');
        writeFileSync(file, JSON.stringify(exported));
        const broken = join(scratch, 'broken.json');
        const bad = structuredClone(exported);
        bad.entities[1].kind = 'militia';
        writeFileSync(broken, JSON.stringify(bad));

        // Profile B: a fresh browser with the extension (starter pack only).
        const other = await makeDriver();
        try {
          const before = await other.call('store.stats', {});
          const manager = await other.extensionTab('options.html#packs');
          try {
            const input = await byLabel(manager.page, IMPORT_LABEL);
            // An invalid pack: the path of the error, and nothing changed.
            await upload(other, manager.page, input, broken);
            const shown = await waitForText(manager.page, 'Nothing was changed');
            assert.match(shown, /entities\[1\]\.kind/);
            assert.deepEqual(await other.call('store.stats', {}), before);
            // The real export.
            await upload(other, manager.page, await byLabel(manager.page, IMPORT_LABEL), file);
            await waitForText(manager.page, /Imported “Backstory export”/);
            assert.deepEqual(manager.errors, []);
          } finally {
            await manager.close();
          }
          const again = await other.call('pack.export', {});
          assert.deepEqual(comparable(again), comparable(exported));
        } finally {
          await other.close();
        }
      },
    );
  });
}

defineSuite(browserGate('Chromium', hasChromium(), CHROMIUM_PATH), chromiumDriver);
defineSuite(browserGate('Firefox', hasFirefox(), FIREFOX_PATH), firefoxDriver);
