#!/usr/bin/env node
/* global document, chrome, CSS -- only inside page.evaluate() callbacks, which run in the browser */
/**
 * `npm start`: the main job on the bundled default. Builds the Chrome extension, serves the demo
 * article on 127.0.0.1, and opens Chromium with the extension loaded (the starter pack installs itself
 * on first run) on that article, with the popup beside it.
 *
 * With a display it opens a real window and waits for Ctrl+C. Without one (or with --headless) it runs
 * headless: it waits until the store holds the starter pack, hovers "Albukamal" in the article and saves
 * screenshots of the open card and of the popup (light, dark and 200% zoom), prints their paths and
 * exits.
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
  const packs = popup.getByRole('list', { name: 'Installed packs' });
  await waitFor(async () => (await packs.count()) > 0, { timeout: 20_000, what: 'the starter pack to be installed' });
  const summary = (await popup.locator('.totals').textContent())?.trim();
  console.log(`Backstory is loaded (extension id ${extensionId}). Store: ${summary}.`);
  console.log(
    `Installed packs: ${(await packs.locator('li').allInnerTexts()).map((t) => t.replace(/\n/g, ' — ')).join('; ')}`,
  );

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
    await article.setViewportSize({ width: 1100, height: 900 });
    for (const [name, scheme, scale] of [
      ['popup-light', 'light', 1],
      ['popup-dark', 'dark', 1],
      ['popup-zoom200', 'light', 2],
    ]) {
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      // 200% zoom as the browser's zoom does it: twice the pixels for the same CSS layout width.
      await page.setViewportSize({ width: 360 * scale, height: 320 * scale });
      await page.goto(popupUrl);
      if (scale !== 1) await page.evaluate((z) => (document.documentElement.style.zoom = String(z)), scale);
      await page.getByRole('list', { name: 'Installed packs' }).waitFor();
      await page.screenshot({ path: `${outDir}/${name}.png`, fullPage: true });
      shots.push(`${outDir}/${name}.png`);
      await page.close();
    }
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
