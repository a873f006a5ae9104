/** Whether a page is dark, so marks use colours that read on it (the browser theme is not enough). */
import type { Palette } from './marks';

function parseColor(css: string): [number, number, number, number] | null {
  const m = /rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)/.exec(css);
  if (!m) return null;
  const alpha = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
  return [Number(m[1]), Number(m[2]), Number(m[3]), alpha];
}

/** Relative luminance (WCAG) of an sRGB colour. */
function luminance([r, g, b]: [number, number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/**
 * Dark when the page's own background is dark; when the page paints no background, dark when its
 * text is light (the canvas behind it then is dark too).
 */
export function detectPalette(doc: Document): Palette {
  const view = doc.defaultView;
  if (!view) return 'light';
  for (const el of [doc.body, doc.documentElement]) {
    if (!el) continue;
    const bg = parseColor(view.getComputedStyle(el).backgroundColor);
    if (bg && bg[3] > 0.5) return luminance(bg) < 0.2 ? 'dark' : 'light';
  }
  const text = doc.body ? parseColor(view.getComputedStyle(doc.body).color) : null;
  return text && luminance(text) > 0.5 ? 'dark' : 'light';
}
