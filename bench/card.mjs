/**
 * Card latency: from the end of the dwell (the content script decides to show the card) to the frame
 * in which the card is on screen. The card frame records each `show` as a performance mark of its own
 * (extension) page, `backstory-card-painted`, with the message's trip (ipcMs), the rendering it still
 * needed (renderMs: none when the card was pre-rendered during the dwell) and the wait for the next
 * frame (frameMs). Runs the real extension (starter pack) on the demo article.
 */
/* global CSS, performance -- inside page.evaluate() callbacks, which run in the browser */
import { launchChromium, serveDir, waitFor } from '../scripts/browsers.mjs';

/** Mentions of the demo article to rest on, in turn (each a different entity). */
const TARGETS = [
  'Albukamal',
  'Taji',
  'Baghdad',
  'US-led coalition',
  'Royal Army Medical Corps',
  'Euphrates',
  'Syrian Observatory for Human Rights',
  'Kataeb Hezbollah',
  'Kenneth McKenzie',
  'US Central Command',
  'the Hashed',
  'Muhandis',
];

/**
 * @param {{ extDir: string, demoDir: string, rounds?: number, log?: (m: string) => void }} options
 */
export async function runCardBench({ extDir, demoDir, rounds = 2, log = () => {} }) {
  const server = await serveDir(demoDir);
  const chromium = await launchChromium(extDir);
  try {
    const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}article.html`);
    await waitFor(() => page.evaluate(() => CSS.highlights.size > 0), { timeout: 20_000, what: 'marks' });
    const samples = [];
    for (let round = 0; round < rounds; round++) {
      for (const text of TARGETS) {
        const box = await page.evaluate((wanted) => {
          for (const [name, h] of CSS.highlights) {
            if (!name.startsWith('backstory-')) continue;
            for (const r of h) {
              if (r.toString() !== wanted) continue;
              r.startContainer.parentElement.scrollIntoView({ block: 'center' });
              const b = r.getClientRects()[0]; // the first line, if the name wraps
              return { x: b.left + Math.min(b.width / 2, 20), y: b.top + b.height / 2 };
            }
          }
          return null;
        }, text);
        if (!box) {
          log(`card bench: "${text}" is not marked, skipped`);
          continue;
        }
        await page.mouse.move(box.x - 30, box.y + 40);
        await page.mouse.move(box.x, box.y, { steps: 8 });
        const before = samples.length;
        const frame = await waitFor(
          async () => {
            for (const f of page.frames()) {
              if (f.isDetached() || !f.url().includes('/card.html')) continue;
              const marks = await f.evaluate(() =>
                performance.getEntriesByName('backstory-card-painted').map((e) => e.detail),
              );
              if (marks.length > before) return { f, marks };
            }
            return null;
          },
          { timeout: 10_000, what: `the card for "${text}"` },
        );
        samples.push({ text, round, first: samples.length === 0, ...frame.marks[frame.marks.length - 1] });
        await page.keyboard.press('Escape');
        await page.mouse.move(5, 5);
        await page.waitForTimeout(350);
      }
    }
    return samples;
  } finally {
    await chromium.close();
    await server.close();
  }
}
