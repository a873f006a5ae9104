/** Plain-text tables (aligned columns) and number formatting for the benchmark report. */

/** Formats a number with `digits` decimals, or a dash for missing values. */
export const num = (x, digits = 1) =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : Number(x).toFixed(digits);

/** Thousands separators, no decimals. */
export const int = (x) =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : Math.round(x).toLocaleString('en-US');

export const mb = (bytes, digits = 2) => (bytes === null || bytes === undefined ? '-' : (bytes / 1e6).toFixed(digits));
export const kb = (bytes, digits = 1) => (bytes === null || bytes === undefined ? '-' : (bytes / 1e3).toFixed(digits));

/** MB/s of `bytes` processed in `ms` (1 MB = 10^6 bytes). */
export const rate = (bytes, ms) => (ms > 0 ? bytes / 1e6 / (ms / 1000) : null);

/**
 * An aligned table: first column left-aligned, the others right-aligned (numbers). `title` above it,
 * `notes` (lines) below it.
 */
export function table(title, headers, rows, notes = []) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? '-')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [title, line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells.slice(1)) out.push(line(r));
  for (const n of notes) out.push(n);
  return out.join('\n');
}
