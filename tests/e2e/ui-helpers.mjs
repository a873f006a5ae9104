/**
 * Driving the extension's own pages (popup, manager, capture window) in either browser with the
 * subset of the page API that playwright and puppeteer share: `evaluate`, `click(selector)`,
 * `keyboard.type/press`. Controls are found the way a user finds them: by their label or their text.
 * Not a test file (no `.e2e.mjs` suffix).
 */
/* global document, HTMLElement, Event -- inside evaluate() callbacks */
import { waitFor } from '../../scripts/browsers.mjs';

/** A CSS selector for the control labelled `label` (a <label for>, aria-label, or aria-labelledby text). */
export async function byLabel(page, label) {
  const id = await page.evaluate((wanted) => {
    const norm = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
    const forLabel = [...document.querySelectorAll('label')].find((l) => norm(l.textContent) === wanted && l.htmlFor);
    let el = forLabel ? document.getElementById(forLabel.htmlFor) : null;
    el ??=
      [...document.querySelectorAll('[aria-label]')].find((e) => norm(e.getAttribute('aria-label')) === wanted) ?? null;
    if (!el) return null;
    if (!el.id) el.id = `e2e-${Math.random().toString(36).slice(2)}`;
    return el.id;
  }, label);
  if (!id) throw new Error(`no control labelled "${label}"`);
  return `[id="${id}"]`;
}

/** Clicks into the control labelled `label`, clears it and types `text` with the keyboard. */
export async function typeInto(page, label, text) {
  const sel = await byLabel(page, label);
  await page.click(sel);
  await page.evaluate((s) => {
    const el = document.querySelector(s);
    el.select?.();
  }, sel);
  if (text) await page.keyboard.type(text);
  else await page.keyboard.press('Backspace');
}

/** Chooses `value` in the <select> labelled `label`. */
export async function choose(page, label, value) {
  const sel = await byLabel(page, label);
  await page.evaluate(
    ([s, v]) => {
      const el = document.querySelector(s);
      el.value = v;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    [sel, value],
  );
}

/** Clicks the button whose text or accessible name is `name` (the first visible one). */
export async function clickButton(page, name, { exact = true } = {}) {
  const id = await waitFor(
    () =>
      page.evaluate(
        ([wanted, whole]) => {
          const norm = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
          const found = [
            ...document.querySelectorAll('button, [role="button"], [role="tab"], [role="option"], a'),
          ].find((b) => {
            const n = norm(b.getAttribute('aria-label') ?? b.textContent);
            return (whole ? n === wanted : n.includes(wanted)) && b instanceof HTMLElement && b.offsetParent !== null;
          });
          if (!found) return null;
          if (!found.id) found.id = `e2e-${Math.random().toString(36).slice(2)}`;
          return found.id;
        },
        [name, exact],
      ),
    { timeout: 10_000, what: `a button "${name}"` },
  );
  await page.click(`[id="${id}"]`);
}

/** The page's visible text, whitespace collapsed. */
export const pageText = (page) => page.evaluate(() => document.body.innerText.replace(/\s+/g, ' '));

/** Waits until the page's text contains `text` (or matches it); returns the text. */
export async function waitForText(page, text, { timeout = 15_000 } = {}) {
  let last = '';
  try {
    return await waitFor(
      async () => {
        last = await pageText(page);
        return (typeof text === 'string' ? last.includes(text) : text.test(last)) ? last : null;
      },
      { timeout, interval: 100, what: `the text ${text}` },
    );
  } catch (e) {
    throw new Error(`${e.message}; the page shows: ${last.slice(0, 600)}`);
  }
}
