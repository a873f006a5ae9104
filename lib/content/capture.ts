/**
 * What capture-from-the-page reads off the page: the selection, and the publication date the page
 * declares about itself (Open Graph / article meta tags, JSON-LD, microdata, <time>). Reads only;
 * nothing on the page is touched.
 */
import type { PageCapture } from '../messages';

const META_SELECTORS = [
  'meta[property="article:published_time"]',
  'meta[name="article:published_time"]',
  'meta[itemprop="datePublished"]',
  'meta[name="pubdate"]',
  'meta[name="publishdate"]',
  'meta[name="publish-date"]',
  'meta[name="parsely-pub-date"]',
  'meta[name="sailthru.date"]',
  'meta[name="dc.date.issued"]',
  'meta[name="DC.date.issued"]',
  'meta[name="dcterms.created"]',
  'meta[name="date"]',
];

/** An ISO-ish date or date-time as YYYY-MM-DD (the date as written, not shifted to UTC), or null. */
export function isoDay(value: string | null | undefined): string | null {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})/.exec(value ?? '');
  if (!m) return null;
  const [, y, mo, d] = m;
  const month = Number(mo);
  const day = Number(d);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? `${y}-${mo}-${d}` : null;
}

/** `datePublished` anywhere in a JSON-LD value (objects, arrays, @graph). */
function jsonLdDate(value: unknown, depth = 0): string | null {
  if (depth > 8 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const d = jsonLdDate(v, depth + 1);
      if (d) return d;
    }
    return null;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.datePublished === 'string') {
    const d = isoDay(obj.datePublished);
    if (d) return d;
  }
  for (const key of ['@graph', 'mainEntity', 'mainEntityOfPage']) {
    const d = jsonLdDate(obj[key], depth + 1);
    if (d) return d;
  }
  return null;
}

/** The publication date the page declares, or null when it declares none that can be read. */
export function publishedDate(doc: Document): string | null {
  for (const sel of META_SELECTORS) {
    const d = isoDay(doc.querySelector(sel)?.getAttribute('content'));
    if (d) return d;
  }
  for (const script of doc.querySelectorAll('script[type="application/ld+json"]')) {
    // Some pages (saved ones, XHTML-minded CMSs) wrap the JSON in a CDATA section.
    const raw = script.textContent || script.innerHTML;
    if (raw.length > 1_000_000) continue;
    const text = raw.replace(/^\s*(\/\/\s*)?<!\[CDATA\[/, '').replace(/(\/\/\s*)?\]\]>\s*$/, '');
    try {
      const d = jsonLdDate(JSON.parse(text));
      if (d) return d;
    } catch {
      // A page's broken JSON-LD is its own business.
    }
  }
  for (const sel of ['[itemprop="datePublished"][datetime]', 'time[pubdate][datetime]', 'article time[datetime]']) {
    const d = isoDay(doc.querySelector(sel)?.getAttribute('datetime'));
    if (d) return d;
  }
  return null;
}

/** Most characters of a selection capture keeps (a note's quote). */
export const MAX_SELECTION = 10_000;

export function readCapture(doc: Document): PageCapture {
  const selection = (doc.defaultView?.getSelection()?.toString() ?? '').replace(/\s+/g, ' ').trim();
  return {
    selection: selection.slice(0, MAX_SELECTION),
    url: doc.location.href,
    title: doc.title.slice(0, 1000),
    published: publishedDate(doc),
  };
}
