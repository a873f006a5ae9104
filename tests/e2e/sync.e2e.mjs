/**
 * Sync across browsers, Chrome to Firefox included: two Chromium profiles and one Firefox profile
 * sync through one WebDAV server on 127.0.0.1 (npm webdav-server, in this process), end-to-end
 * encrypted with one passphrase. A note written in Firefox shows in a card in Chromium; an entity made
 * in Chromium is known in Firefox; the other Chromium profile gets both; nothing on the server can be
 * read without the key. Sync is set up through the contract's `sync.configure` from an extension page
 * (what the manager's Sync panel calls), and run with `sync.now` (what the alarms call).
 * Needs the built extension (`npm run build`) and both browsers.
 */
/* global document -- inside evaluate() callbacks */
/* global Buffer, fetch -- Node's */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CHROMIUM_PATH,
  FIREFOX_PATH,
  browserGate,
  hasChromium,
  hasFirefox,
  serveDir,
} from '../../scripts/browsers.mjs';
import { startWebdavServer } from '../../scripts/webdav-server.mjs';
import {
  cardFrame,
  chromiumDriver,
  entityOfText,
  firefoxDriver,
  waitFor,
  waitForMentions,
} from './backstory-driver.mjs';

const FIXTURES = '/work/shared/fixtures';
const USER = 'reporter';
const PASSWORD = 'app password 42';
const PASSPHRASE = 'correct horse battery staple';

const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

/** Every file under `url` on the server (PROPFIND, folder by folder). */
async function allFiles(url) {
  const files = [];
  const folders = [url];
  while (folders.length) {
    const folder = folders.pop();
    const res = await fetch(folder, { method: 'PROPFIND', headers: { Authorization: auth, Depth: '1' } });
    const xml = await res.text();
    const hrefs = [...xml.matchAll(/<(?:\w+:)?href>([^<]+)<\/(?:\w+:)?href>/g)].map((m) => new URL(m[1], folder).href);
    for (const href of hrefs) {
      if (href === folder) continue;
      if (href.endsWith('/')) folders.push(href);
      else files.push(href);
    }
  }
  return files;
}

const gate = browserGate('Chromium and Firefox', hasChromium() && hasFirefox(), `${CHROMIUM_PATH} / ${FIREFOX_PATH}`);

describe('sync: two Chromium profiles and one Firefox profile through one WebDAV server, encrypted', () => {
  let server;
  let fixtures;
  /** @type {Awaited<ReturnType<typeof chromiumDriver>>[]} */
  let browsers = [];

  before(async () => {
    if (gate.skip) return;
    gate.assertAvailable();
    server = await startWebdavServer({ user: USER, password: PASSWORD });
    fixtures = await serveDir(FIXTURES);
    browsers = await Promise.all([chromiumDriver(), chromiumDriver(), firefoxDriver()]);
  });
  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await fixtures?.close();
    await server?.close();
  });

  const configure = (driver, deviceName) =>
    driver.call('sync.configure', {
      backend: 'webdav',
      url: server.url,
      username: USER,
      password: PASSWORD,
      deviceName,
      passphrase: PASSPHRASE,
    });

  it('a note written in Firefox shows in a card in Chromium; all three converge', { skip: gate.skip }, async () => {
    const [chromeA, chromeB, firefox] = browsers;
    for (const [driver, name] of [
      [chromeA, 'Chromium A'],
      [chromeB, 'Chromium B'],
      [firefox, 'Firefox'],
    ]) {
      const status = await configure(driver, name);
      assert.equal(status.state, 'idle', `${name}: ${status.message}`);
    }

    // Firefox writes a note about Albu Kamal; Chromium A makes a new entity.
    const [town] = await firefox.call('entities.byAlias', { text: 'Albukamal' });
    const note = `Synced from Firefox ${Date.now().toString(36)}: the crossing reopened at dawn`;
    await firefox.call('note.save', { note: { about: { type: 'entity', id: town.id }, text: note } });
    const raqqa = await chromeA.call('entity.save', {
      entity: { name: 'Raqqa', kind: 'place', aliases: [{ text: 'Ar-Raqqah' }] },
    });
    for (const driver of [firefox, chromeA, chromeB, firefox, chromeA]) {
      const status = await driver.call('sync.now', {});
      assert.equal(status.state, 'idle', `${driver.name}: ${status.message}`);
    }

    // The note is in Chromium A's card for Albu Kamal, on a page open there.
    const tab = await chromeA.openPage(`${fixtures.url}seed-article.html`, { record: false });
    try {
      await waitForMentions(chromeA, tab, (a) => entityOfText(a).get('Albukamal') === 'Albu Kamal', {
        what: 'the seed article to be marked',
      });
      assert.equal(await chromeA.tabCall(tab, 'mention.show', { entityId: town.id }), true);
      await waitFor(
        async () => {
          const frame = await cardFrame(chromeA, tab);
          return frame && (await frame.evaluate(() => document.body.innerText).catch(() => '')).includes(note);
        },
        { timeout: 15_000, what: 'the Firefox note in the Chromium card' },
      );
    } finally {
      await tab.close();
    }

    // Everyone has everything.
    for (const driver of [chromeA, chromeB, firefox]) {
      assert.deepEqual(
        (await driver.call('notes.about', { id: town.id })).map((n) => n.text).filter((t) => t === note),
        [note],
        `${driver.name} has the note`,
      );
      assert.deepEqual(
        (await driver.call('entities.byAlias', { text: 'Ar-Raqqah' })).map((e) => e.id),
        [raqqa.id],
        `${driver.name} has Raqqa`,
      );
    }
    const exports = await Promise.all(browsers.map((b) => b.call('pack.export', {})));
    const records = (doc) =>
      JSON.stringify([doc.entities, doc.events, doc.notes].map((l) => l.map((r) => r.id).sort()));
    assert.equal(records(exports[1]), records(exports[0]));
    assert.equal(records(exports[2]), records(exports[0]));

    // Nothing on the server reads as the store's content: shards and heads are encrypted.
    const files = await allFiles(server.url);
    const shards = files.filter((f) => f.endsWith('.bin'));
    assert.ok(shards.length >= 3, `expected shards from three devices, found ${files.join(', ')}`);
    for (const f of files) {
      const text = Buffer.from(await (await fetch(f, { headers: { Authorization: auth } })).arrayBuffer());
      assert.ok(!text.includes('Albu Kamal') && !text.includes(note.slice(0, 20)), `${f} holds plain text`);
      if (f.endsWith('.bin')) assert.equal(text.subarray(0, 4).toString('latin1'), 'BSE1', `${f} is not encrypted`);
    }
  });
});
