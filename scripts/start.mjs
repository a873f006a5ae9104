#!/usr/bin/env node
/* global chrome, CSS, performance, window, document -- only inside page.evaluate() callbacks, which run in the browser */
/* global URLSearchParams -- Node's */
/**
 * `npm start`: the main job on the bundled default. Builds the Chrome extension, serves the demo
 * article on 127.0.0.1, and opens Chromium with the extension loaded (the starter pack installs itself
 * on first run) on that article, with the popup beside it.
 *
 * With a display it opens a real window and waits for Ctrl+C. Without one (or with --headless) it runs
 * headless: it waits until the store holds the starter pack, hovers "Albukamal" in the article, writes a
 * note, and saves screenshots of the open card, the popup and the manager (light, dark and 200% zoom),
 * the manager's packs and sync panels and the capture window, prints their paths and exits.
 *
 *   npm start                       window if $DISPLAY is set, else headless
 *   npm start -- --headless         always headless
 *   npm start -- --out DIR          where headless screenshots go (default .output/start)
 *   npm start -- --no-build         reuse .output/chrome-mv3
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { CHROME_EXT_DIR, hasChromium, CHROMIUM_PATH, launchChromium, serveDir, waitFor } from './browsers.mjs';

const args = process.argv.slice(2);
const headless = args.includes('--headless') || !process.env.DISPLAY;
const outIndex = args.indexOf('--out');
const outDir = resolve(outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1] : '.output/start');

if (!hasChromium()) {
  console.error(
    `Chromium was not found at ${CHROMIUM_PATH}. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`,
  );
  process.exit(1);
}

if (!args.includes('--no-build')) {
  console.log('Building the extension for Chromium…');
  const build = spawnSync('npx', ['wxt', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const server = await serveDir('demo');
const articleUrl = `${server.url}article.html`;
console.log(`Demo article: ${articleUrl}`);
const chromium = await launchChromium(CHROME_EXT_DIR, { headless });
const { context, extensionId } = chromium;
const popupUrl = `chrome-extension://${extensionId}/popup.html`;

/** Sets the browser zoom of the article's tab from the extension's popup page (tab URLs are hidden from
 * the extension without the tabs permission, so the article is made the active tab first). */
async function setZoom(article, popup, factor) {
  await article.bringToFront();
  await popup.evaluate(async (z) => {
    const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
    if (tab?.id !== undefined) await chrome.tabs.setZoom(tab.id, z);
  }, factor);
}

/**
 * Rests the pointer on the first mark reading `text` (as a reader would: a slow approach, then a
 * pause) and waits for its card. Returns the card's accessible name.
 */
async function hoverMention(page, text) {
  const box = await waitFor(
    () =>
      page.evaluate((wanted) => {
        for (const [name, highlight] of CSS.highlights) {
          if (!name.startsWith('backstory-')) continue;
          for (const range of highlight) {
            if (range.toString() !== wanted) continue;
            range.startContainer.parentElement.scrollIntoView({ block: 'center' });
            const r = range.getBoundingClientRect();
            return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
          }
        }
        return null;
      }, text),
    { timeout: 20_000, what: `"${text}" to be marked` },
  );
  await page.mouse.move(box.x - 40, box.y + 30);
  await page.mouse.move(box.x, box.y, { steps: 12 });
  const dialog = await waitFor(
    async () => {
      for (const frame of page.frames()) {
        if (frame.isDetached() || !frame.url().includes('/card.html')) continue;
        const d = frame.getByRole('dialog');
        if ((await d.count()) && (await d.isVisible())) return d;
      }
      return null;
    },
    { what: 'the card to open' },
  );
  await page.waitForTimeout(300); // let the frame settle at its final size
  return `"${(await dialog.locator('h2').first().textContent())?.trim()}"`;
}

const shutdown = async () => {
  await chromium.close();
  await server.close();
};

try {
  const article = context.pages()[0] ?? (await context.newPage());
  await article.goto(articleUrl);
  const popup = await context.newPage();
  await popup.goto(popupUrl);
  const call = (name, input) =>
    popup.evaluate(([c, i]) => chrome.runtime.sendMessage({ backstory: 1, call: c, input: i }), [name, input]);
  const stats = await waitFor(
    async () => {
      const r = await call('store.stats', {});
      return r?.ok && r.value.packs.length > 0 ? r.value : null;
    },
    { timeout: 20_000, what: 'the starter pack to be installed' },
  );
  console.log(
    `Backstory is loaded (extension id ${extensionId}). Store: ${stats.entities} entities, ${stats.events} events, ${stats.notes} notes.`,
  );
  console.log(`Installed packs: ${stats.packs.map((p) => `${p.title} ${p.version}`).join('; ')}`);

  if (!headless) {
    await article.bringToFront();
    console.log(`Popup: ${popupUrl}\nPress Ctrl+C to quit.`);
    await new Promise((done) => {
      process.once('SIGINT', done);
      context.once('close', done);
    });
  } else {
    mkdirSync(outDir, { recursive: true });
    const shots = [];
    await article.setViewportSize({ width: 1100, height: 900 });
    for (const [name, scheme, zoom] of [
      ['card-light', 'light', 1],
      ['card-dark', 'dark', 1],
      ['card-zoom200', 'light', 2],
    ]) {
      await article.emulateMedia({ colorScheme: scheme });
      await article.goto(articleUrl);
      await setZoom(article, popup, zoom); // the browser's own zoom, as a reader would set it
      const card = await hoverMention(article, 'Albukamal');
      console.log(`Hovered "Albukamal": the card shows ${card}.`);
      await article.screenshot({ path: `${outDir}/${name}.png` });
      shots.push(`${outDir}/${name}.png`);
    }
    // A note of the reader's own, so the popup and the manager show one.
    await article.bringToFront();
    const [town] = (await call('entities.byAlias', { text: 'Albukamal' })).value;
    await call('note.save', {
      note: {
        about: { type: 'entity', id: town.id },
        text: 'Check SOHR casualty figures against the coalition statement before quoting them.',
      },
    });
    const tabId = await popup.evaluate(async () => {
      const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
      return tab.id;
    });
    /** An extension page in a tab of its own, in a colour scheme, at a real browser zoom. */
    const extensionShot = async (name, path, { scheme, zoom, width, height, ready }) => {
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: width * zoom, height: height * zoom });
      await page.goto(`chrome-extension://${extensionId}/${path}`);
      // Zoom is per origin by default, and every extension page shares one: zoom this tab only.
      await page.evaluate(async (z) => {
        const { id } = await chrome.tabs.getCurrent();
        await chrome.tabs.setZoomSettings(id, { scope: 'per-tab' });
        await chrome.tabs.setZoom(id, z);
      }, zoom);
      await ready(page);
      await page.waitForTimeout(300); // the last layout after the zoom
      await page.screenshot({ path: `${outDir}/${name}.png` });
      shots.push(`${outDir}/${name}.png`);
      await page.close();
    };
    const popupReady = (page) =>
      waitFor(() => page.evaluate(() => performance.getEntriesByName('backstory-popup-ready').length > 0), {
        timeout: 20_000,
        what: 'the popup to be ready',
      });
    for (const [name, scheme, zoom] of [
      ['popup-light', 'light', 1],
      ['popup-dark', 'dark', 1],
      ['popup-zoom200', 'light', 2],
    ])
      await extensionShot(name, `popup.html?tab=${tabId}`, {
        scheme,
        zoom,
        width: 380,
        height: 600,
        ready: popupReady,
      });
    const editorReady = (page) => page.getByRole('form').first().waitFor({ timeout: 20_000 });
    for (const [name, scheme, zoom] of [
      ['manager-light', 'light', 1],
      ['manager-dark', 'dark', 1],
      ['manager-zoom200', 'light', 2],
    ])
      await extensionShot(name, `options.html#entity=${town.id}`, {
        scheme,
        zoom,
        width: 1200,
        height: 860,
        ready: editorReady,
      });
    for (const [name, scheme, zoom] of [
      ['manager-sync', 'light', 1],
      ['manager-sync-dark', 'dark', 1],
      ['manager-sync-zoom200', 'light', 2],
    ])
      await extensionShot(name, 'options.html#sync', {
        scheme,
        zoom,
        width: 1200,
        height: 1100,
        ready: (page) => page.getByRole('button', { name: 'Connect and sync' }).waitFor({ timeout: 20_000 }),
      });
    // The local snapshots below the sync settings, with one snapshot taken for the pictures. Headless
    // Chromium paints a zoomed page scrolled this far down blank, so the 200 % picture is taken as its
    // layout is: 600 CSS pixels wide (a 1200-pixel window at 200 %).
    for (const [name, scheme, width] of [
      ['manager-snapshots', 'light', 1200],
      ['manager-snapshots-dark', 'dark', 1200],
      ['manager-snapshots-narrow', 'light', 600],
    ])
      await extensionShot(name, 'options.html#sync', {
        scheme,
        zoom: 1,
        width,
        height: 860,
        ready: async (page) => {
          const take = page.getByRole('button', { name: 'Take a snapshot now' });
          await take.waitFor({ timeout: 20_000 });
          if (name === 'manager-snapshots') await take.click();
          const list = page.getByRole('list', { name: 'Local snapshots' });
          await list.waitFor({ timeout: 20_000 });
          await page.waitForTimeout(300); // the layout at the new zoom, before scrolling
          await page.evaluate(() => {
            document.querySelector('.snapshots')?.scrollIntoView({ block: 'start' });
            window.scrollBy(0, -60);
          });
        },
      });
    await extensionShot('manager-packs', 'options.html#packs', {
      scheme: 'light',
      zoom: 1,
      width: 1200,
      height: 860,
      ready: (page) => page.getByRole('list', { name: 'Installed packs' }).waitFor({ timeout: 20_000 }),
    });
    const capture = new URLSearchParams({ mode: 'note', text: 'Albukamal', url: articleUrl, title: 'Demo article' });
    for (const [name, scheme, zoom] of [
      ['capture-light', 'light', 1],
      ['capture-dark', 'dark', 1],
      ['capture-zoom200', 'light', 2],
    ])
      await extensionShot(name, `capture.html?${capture}`, {
        scheme,
        zoom,
        width: 480,
        height: 640,
        ready: (page) => page.getByRole('form').waitFor({ timeout: 20_000 }),
      });
    console.log(`Screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
  }
} catch (e) {
  console.error(`npm start failed: ${e instanceof Error ? e.message : e}`);
  if (headless) {
    const shot = `${outDir}/failure.png`;
    await chromium.context
      .pages()[0]
      ?.screenshot({ path: shot })
      .then(
        () => console.error(`What the page looked like: ${shot}`),
        () => {},
      );
  }
  process.exitCode = 1;
} finally {
  await shutdown();
}
