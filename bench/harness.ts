/**
 * The in-browser half of the benchmarks, bundled by bench/run.mjs (esbuild, iife) and driven with
 * page.evaluate(): every measurement runs here, in Chromium's V8, on text taken from the fixture pages
 * with the content script's own block splitter. Exposed as `globalThis.BackstoryBench`.
 *
 * Loaded in two places: a plain http://127.0.0.1 page (micro-benchmarks) and the echo extension's page
 * (real runtime.sendMessage round trips, see bench/echo-background.ts).
 */
import Mark from 'mark.js';
import { iterateBlocks } from '../lib/content/blocks';
import {
  compileDictionary,
  deserialize,
  dictionarySize,
  serialize,
  type CompiledDictionary,
  type DictionaryEntry,
} from '../lib/match/dictionary';
import * as fold from '../lib/match/fold';
import { findMentions } from '../lib/match/match';
import { entityId, parseGazetteer, prng, sampleEntries, type Gazetteer } from './gazetteer';

/** The scanner's batch size (lib/content/scanner.ts: batchChars default). */
export const BATCH_CHARS = 200_000;

interface LoadedDictionary {
  size: number;
  entries: DictionaryEntry[];
  dict: CompiledDictionary;
  /** Entity table as the background keeps it (MarkedEntity: id, kind, name), indexed by entity. */
  entityIndexes: number[];
}

interface LoadedPage {
  name: string;
  /** Text of each block (lib/content/blocks.ts), as the content script sends them. */
  texts: string[];
  /** The blocks joined by newlines: one flat string. */
  joined: string;
  utf8Bytes: number;
  htmlBytes: number;
  /** The page's body without scripts, styles and media, for mark.js (cloned for each run). */
  template: HTMLElement;
}

const state: {
  gazetteer: Gazetteer | null;
  dicts: Map<number, LoadedDictionary>;
  pages: Map<string, LoadedPage>;
  host: HTMLElement | null;
} = { gazetteer: null, dicts: new Map(), pages: new Map(), host: null };

const now = () => performance.now();
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Runs fn `warmup` times untimed, then takes `runs` samples; a sample repeats fn until it has run for at
 * least `minSampleMs` (the clock of a page that is not cross-origin isolated ticks in 0.1 ms), and counts
 * the time per call. Returns the per-call times (ms), their median and the last result.
 */
function timeIt<T>(
  fn: () => T,
  runs: number,
  warmup = 1,
  minSampleMs = 25,
): { times: number[]; median: number; result: T; reps: number } {
  let result = fn();
  for (let i = 1; i < warmup; i++) result = fn();
  const t0 = now();
  result = fn();
  const one = now() - t0;
  const reps = one >= minSampleMs ? 1 : Math.min(2000, Math.ceil(minSampleMs / Math.max(one, 0.02)));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t1 = now();
    for (let k = 0; k < reps; k++) result = fn();
    times.push((now() - t1) / reps);
  }
  return { times, median: median(times), result, reps };
}

/** UTF-8 length of a string without allocating its encoding. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const gazetteer = (): Gazetteer => {
  if (!state.gazetteer) throw new Error('call init() first');
  return state.gazetteer;
};
const getDict = (size: number): LoadedDictionary => {
  const d = state.dicts.get(size);
  if (!d) throw new Error(`dictionary ${size} not compiled`);
  return d;
};
const getPage = (name: string): LoadedPage => {
  const p = state.pages.get(name);
  if (!p) throw new Error(`page ${name} not loaded`);
  return p;
};

/** Uses an already parsed gazetteer (the echo extension's background). */
export function setGazetteer(g: Gazetteer): void {
  state.gazetteer = g;
}

export async function init(gazetteerUrl: string) {
  const tsv = await (await fetch(gazetteerUrl)).text();
  state.gazetteer = parseGazetteer(tsv);
  return { entities: state.gazetteer.names.length, aliases: state.gazetteer.aliases.length };
}

/** Compiles the dictionary of `size` aliases `runs` times (after one warm-up); keeps the result. */
export function dictionary(size: number, runs: number) {
  const entries = sampleEntries(gazetteer(), size);
  gc();
  const t = timeIt(() => compileDictionary(entries), runs, 1);
  const { dictionary: dict, collisions, skipped } = t.result;
  const entitySet = new Set<number>();
  for (const e of entries) entitySet.add(e.entity);
  state.dicts.set(size, { size, entries, dict, entityIndexes: [...entitySet].sort((a, b) => a - b) });
  return {
    size,
    aliases: entries.length,
    entities: entitySet.size,
    patterns: dict.patternCount,
    states: dict.stateCount,
    bytes: dictionarySize(dict),
    compileMs: t.median,
    compileTimes: t.times,
    collisions: collisions.length,
    skipped: skipped.length,
  };
}

/** Fetches a fixture page, parses it (no scripts run) and splits its text into blocks. */
export async function page(name: string, url: string) {
  const html = await (await fetch(url)).text();
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const elements = doc.body.getElementsByTagName('*').length;
  // The content script's block splitter on this page (a parsed document: no layout, same DOM walk).
  const split = timeIt(() => [...iterateBlocks(doc.body)], 5, 1);
  const texts = split.result.map((b) => b.text);
  const joined = texts.join('\n');
  for (const el of doc.body.querySelectorAll(
    'script,style,noscript,template,iframe,frame,img,picture,source,video,audio,link,meta,object,embed,svg,canvas',
  ))
    el.remove();
  const template = document.createElement('div');
  for (const n of [...doc.body.childNodes]) template.append(document.importNode(n, true));
  const p: LoadedPage = {
    name,
    texts,
    joined,
    utf8Bytes: utf8Length(joined),
    htmlBytes: utf8Length(html),
    template,
  };
  state.pages.set(name, p);
  return {
    name,
    blocks: texts.length,
    chars: joined.length,
    utf8Bytes: p.utf8Bytes,
    htmlBytes: p.htmlBytes,
    elements,
    blocksMs: split.median,
  };
}

/** A large text for steady throughput: the loaded pages' texts joined, repeated to at least `minBytes` UTF-8. */
export function corpus(name: string, pageNames: string[], minBytes: number) {
  const texts: string[] = [];
  let bytes = 0;
  const src = pageNames.map(getPage);
  while (bytes < minBytes) {
    for (const p of src) {
      texts.push(...p.texts);
      bytes += p.utf8Bytes + p.texts.length;
    }
  }
  const joined = texts.join('\n');
  const p: LoadedPage = {
    name,
    texts,
    joined,
    utf8Bytes: utf8Length(joined),
    htmlBytes: 0,
    template: document.createElement('div'),
  };
  state.pages.set(name, p);
  return { name, blocks: texts.length, chars: joined.length, utf8Bytes: p.utf8Bytes, htmlBytes: 0 };
}

/** The practical limit: a loop that reads every code unit of the text once. */
function readEveryChar(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum = (sum + text.charCodeAt(i)) | 0;
  return sum;
}

export function readLoop(pageName: string, runs: number) {
  const p = getPage(pageName);
  const t = timeIt(() => readEveryChar(p.joined), runs, 3);
  return { ms: t.median, times: t.times, checksum: t.result };
}

/** findMentions over the page text: once over the joined text, and once per block (as the background does). */
export function matcher(pageName: string, size: number, runs: number) {
  const p = getPage(pageName);
  const { dict } = getDict(size);
  const joined = timeIt(() => findMentions(dict, p.joined).length, runs, 2);
  const perBlock = timeIt(
    () => {
      let n = 0;
      for (const t of p.texts) n += findMentions(dict, t).length;
      return n;
    },
    runs,
    2,
  );
  // The folding pass alone (lowercase, strip marks, map offsets): the part of findMentions that does not
  // depend on the dictionary. Skipped if lib/match/fold.ts no longer exports it.
  let foldMs: number | null = null;
  if (typeof fold.foldForMatch === 'function' && typeof fold.createFoldedText === 'function') {
    const into = fold.createFoldedText(p.joined.length + 16);
    foldMs = timeIt(() => fold.foldForMatch(p.joined, into).length, runs, 2).median;
  }
  return {
    ms: joined.median,
    times: joined.times,
    foldMs,
    mentions: joined.result,
    perBlockMs: perBlock.median,
    perBlockMentions: perBlock.result,
  };
}

// Only syntax characters may be escaped under the u flag ("\\-" is a SyntaxError there).
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * One RegExp alternation of all aliases (longest first) with \b on both sides, flags giu. Timed on a
 * 32k-character prefix first: when the whole text would take longer than `budgetMs`, only the prefix
 * is measured (reported as such).
 */
export function regexp(pageName: string, size: number, runs: number, budgetMs: number) {
  const p = getPage(pageName);
  const { entries } = getDict(size);
  const terms = [...new Set(entries.map((e) => e.text))].sort((a, b) => b.length - a.length);
  let re: RegExp;
  const t0 = now();
  try {
    re = new RegExp('\\b(?:' + terms.map(escapeRe).join('|') + ')\\b', 'giu');
  } catch (e) {
    return { failed: `${(e as Error).name}: ${(e as Error).message}`.slice(0, 120) };
  }
  const constructMs = now() - t0;
  const count = (text: string) => {
    re.lastIndex = 0;
    let n = 0;
    while (re.exec(text) !== null) n++;
    return n;
  };
  const prefixChars = Math.min(p.joined.length, 32_768);
  const prefix = p.joined.slice(0, prefixChars);
  let firstMs: number;
  try {
    const t1 = now();
    count(prefix); // includes the regexp's compilation (V8 compiles on first use)
    firstMs = now() - t1;
  } catch (e) {
    return { failed: `${(e as Error).name}: ${(e as Error).message}`.slice(0, 120), constructMs };
  }
  const t2 = now();
  count(prefix);
  const prefixMs = now() - t2;
  const estimate = prefixMs * (p.joined.length / prefixChars);
  if (estimate * (runs + 2) > budgetMs) {
    return {
      prefixOnly: true,
      prefixChars,
      prefixUtf8Bytes: utf8Length(prefix),
      ms: prefixMs,
      estimateFullMs: estimate,
      constructMs,
      firstMs,
    };
  }
  const t = timeIt(() => count(p.joined), runs, 1);
  return { ms: t.median, times: t.times, mentions: t.result, constructMs, firstMs };
}

class Timeout extends Error {}

/**
 * mark.js (accuracy 'exactly', separateWordSearch false, diacritics false) over a fresh copy of the
 * page body in this document for each run. Stops a run after `limitMs` (checked between terms and
 * matches). The first run decides how many more there are: up to `runs` while they fit in the budget.
 */
export function markjs(pageName: string, size: number, runs: number, limitMs: number, budgetMs: number) {
  const p = getPage(pageName);
  const { entries } = getDict(size);
  const terms = [...new Set(entries.map((e) => e.text))];
  if (!state.host) {
    state.host = document.createElement('div');
    state.host.hidden = true;
    document.body.append(state.host);
  }
  const host = state.host;
  const once = () => {
    const copy = p.template.cloneNode(true) as HTMLElement;
    host.replaceChildren(copy);
    gc();
    let total = -1;
    let noMatch = 0;
    const matchedTerms = new Set<string>();
    const start = now();
    const check = () => {
      if (now() - start > limitMs) throw new Timeout();
    };
    let outcome: 'done' | 'timeout' | string = 'done';
    try {
      new Mark(copy).mark(terms, {
        accuracy: 'exactly',
        separateWordSearch: false,
        diacritics: false,
        filter: (_node, term) => {
          matchedTerms.add(term);
          check();
          return true;
        },
        noMatch: () => {
          noMatch++;
          check();
        },
        done: (n) => (total = n),
      });
    } catch (e) {
      outcome = e instanceof Timeout ? 'timeout' : `${(e as Error).name}: ${(e as Error).message}`.slice(0, 100);
    }
    const ms = now() - start;
    host.replaceChildren();
    return { ms, outcome, marks: total, termsDone: noMatch + matchedTerms.size };
  };
  const first = once();
  if (first.outcome !== 'done') return { ...first, terms: terms.length, runs: 1 };
  const times = [first.ms];
  let spent = first.ms;
  let last = first;
  while (times.length < runs && spent + last.ms < budgetMs) {
    last = once();
    spent += last.ms;
    if (last.outcome !== 'done') break;
    times.push(last.ms);
  }
  // With more than one run the first (cold) one is the warm-up.
  const timed = times.length > 1 ? times.slice(1) : times;
  return { ms: median(timed), times, outcome: 'done', marks: first.marks, terms: terms.length, runs: times.length };
}

// ---------------------------------------------------------------------------------------------------
// Message transport: what the page pays for each design.

interface MarkedEntityLike {
  id: string;
  kind: string;
  name: string;
}

function entityOf(e: number): MarkedEntityLike {
  return { id: entityId(e), kind: 'place', name: gazetteer().names[e] ?? '' };
}

/** What DictionaryService.match answers (lib/background/dictionary.ts), for a batch of texts. */
export function matchReply(dict: CompiledDictionary, texts: readonly string[]) {
  const used = new Map<number, number>();
  const table: MarkedEntityLike[] = [];
  const mentions = texts.map((text) => {
    const flat: number[] = [];
    for (const m of findMentions(dict, text)) {
      let local = used.get(m.entity);
      if (local === undefined) {
        local = table.length;
        used.set(m.entity, local);
        table.push(entityOf(m.entity));
      }
      flat.push(m.start, m.end, local);
    }
    return flat;
  });
  return { mentions, entities: table };
}

/** The scanner's batches: blocks in order, a batch closed once it holds BATCH_CHARS or more. */
export function batches(texts: readonly string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let n = 0;
  for (const t of texts) {
    cur.push(t);
    n += t.length;
    if (n >= BATCH_CHARS) {
      out.push(cur);
      cur = [];
      n = 0;
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

type U8 = Uint8Array & { toBase64?: () => string };
const U8Ctor = Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array };

export function encode(buf: ArrayBuffer, encoding: 'base64' | 'latin1'): string {
  const bytes = new Uint8Array(buf) as U8;
  if (encoding === 'base64' && typeof bytes.toBase64 === 'function') return bytes.toBase64();
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 0x8000)
    parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]));
  const latin1 = parts.join('');
  return encoding === 'latin1' ? latin1 : btoa(latin1);
}

export function decode(s: string, encoding: 'base64' | 'latin1'): ArrayBuffer {
  if (encoding === 'base64' && typeof U8Ctor.fromBase64 === 'function') {
    const u = U8Ctor.fromBase64(s);
    return u.byteOffset === 0 && u.byteLength === u.buffer.byteLength
      ? (u.buffer as ArrayBuffer)
      : (u.slice().buffer as ArrayBuffer);
  }
  const bin = encoding === 'base64' ? atob(s) : s;
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

/**
 * Design A (page text to the background, mentions back) and design B (the compiled dictionary to the
 * page) as Chrome's messaging sees them: JSON.stringify on the sending side, JSON.parse on the
 * receiving side. Times are for the page's main thread unless named "bg".
 */
export function transport(pageName: string, size: number, runs: number) {
  const p = getPage(pageName);
  const d = getDict(size);
  const bs = batches(p.texts);
  // A: requests and replies.
  const requests = bs.map((texts) => ({ backstory: 1, call: 'page.match', input: { texts } }));
  const replies = bs.map((texts) => ({ ok: true, value: matchReply(d.dict, texts) }));
  const reqJson = requests.map((r) => JSON.stringify(r));
  const repJson = replies.map((r) => JSON.stringify(r));
  const aBytes = reqJson.reduce((n, s) => n + utf8Length(s), 0) + repJson.reduce((n, s) => n + utf8Length(s), 0);
  const aPage = timeIt(
    () => {
      let n = 0;
      for (const r of requests) n += JSON.stringify(r).length;
      for (const s of repJson) n += (JSON.parse(s) as { ok: boolean }).ok ? 1 : 0;
      return n;
    },
    runs,
    2,
  );
  const aBg = timeIt(
    () => {
      let n = 0;
      for (const s of reqJson) {
        const req = JSON.parse(s) as { input: { texts: string[] } };
        n += JSON.stringify({ ok: true, value: matchReply(d.dict, req.input.texts) }).length;
      }
      return n;
    },
    runs,
    1,
  );
  // B: the serialized dictionary plus the entity table, once per tab.
  const buf = serialize(d.dict);
  const entities = d.entityIndexes.map(entityOf);
  const result: Record<string, unknown> = {
    size,
    batches: bs.length,
    aBytes,
    aPageMs: aPage.median,
    aBgMs: aBg.median,
    dictBytes: buf.byteLength,
    entities: entities.length,
  };
  for (const encoding of ['base64', 'latin1'] as const) {
    const data = encode(buf, encoding);
    const msg = { ok: true, value: { encoding, data, entities } };
    const json = JSON.stringify(msg);
    const bBg = timeIt(() => JSON.stringify(msg).length, Math.min(runs, 3), 1);
    const bPage = timeIt(
      () => {
        const m = JSON.parse(json) as { value: { data: string; encoding: 'base64' | 'latin1' } };
        return deserialize(decode(m.value.data, m.value.encoding)).patternCount;
      },
      Math.min(runs, 3),
      1,
    );
    result[encoding] = { wireBytes: utf8Length(json), pageMs: bPage.median, bgMs: bBg.median };
  }
  return result;
}

let _sink: unknown = null;

/**
 * What holding the shipped dictionary costs a tab, measured as JS heap growth after a full GC (needs
 * --js-flags=--expose-gc and --enable-precise-memory-info): the decoded dictionary and, apart, the
 * entity table that must come with it (ids, kinds and names for the marks).
 */
export function holdCost(size: number) {
  const d = getDict(size);
  const b64 = encode(serialize(d.dict), 'base64');
  const entJson = JSON.stringify(d.entityIndexes.map(entityOf));
  const mem = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN;
  const growth = (make: () => unknown) => {
    gc();
    gc();
    const before = mem();
    _sink = make();
    gc();
    gc();
    const after = mem();
    _sink = null;
    return after - before;
  };
  return {
    arrayBufferBytes: dictionarySize(d.dict),
    dictHeapGrowth: growth(() => deserialize(decode(b64, 'base64'))),
    entitiesHeapGrowth: growth(() => JSON.parse(entJson)),
    entitiesJsonBytes: utf8Length(entJson),
    nativeBase64: typeof U8Ctor.fromBase64 === 'function',
    gcAvailable: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}

/**
 * Article-like text with no known names: pseudo-words from fixed syllables, every word checked against
 * the dictionary of `size` aliases and dropped if it is (part of) a match.
 */
export function noMatchText(size: number, paragraphs: number, wordsPerParagraph: number) {
  const { dict } = getDict(size);
  const syll = [
    'ka',
    'lo',
    'mi',
    'tu',
    'ren',
    'vos',
    'dri',
    'bel',
    'nu',
    'sep',
    'tor',
    'xa',
    'qui',
    'zem',
    'ol',
    'fra',
  ];
  const rand = prng(7);
  const paras: string[] = [];
  while (paras.length < paragraphs) {
    const words: string[] = [];
    while (words.length < wordsPerParagraph) {
      let w = '';
      const k = 1 + Math.floor(rand() * 3);
      for (let i = 0; i < k; i++) w += syll[Math.floor(rand() * syll.length)];
      if (findMentions(dict, w).length === 0) words.push(w);
    }
    const text = (words[0]?.[0]?.toUpperCase() ?? '') + words.join(' ').slice(1) + '.';
    // Multi-word aliases can still match across words: such a paragraph is drawn again.
    if (findMentions(dict, text).length === 0) paras.push(text);
  }
  const mentions = paras.reduce((n, t) => n + findMentions(dict, t).length, 0);
  return { paragraphs: paras, mentions };
}

// ---------------------------------------------------------------------------------------------------
// Real runtime.sendMessage round trips (the echo extension's page; see bench/echo-background.ts).

interface RuntimeLike {
  sendMessage: (message: unknown) => Promise<unknown>;
}
const runtime = (): RuntimeLike => {
  const c = (globalThis as { chrome?: { runtime?: RuntimeLike } }).chrome;
  if (!c?.runtime?.sendMessage) throw new Error('no chrome.runtime here');
  return c.runtime;
};

/** Longest main-thread task (ms, from the 'longtask' observer; 0 when none reached 50 ms) while fn runs. */
async function withLongTasks<T>(fn: () => Promise<T>): Promise<{ value: T; longest: number }> {
  let longest = 0;
  const po = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longest = Math.max(longest, e.duration);
  });
  po.observe({ type: 'longtask', buffered: false });
  const value = await fn();
  await new Promise((r) => setTimeout(r, 0));
  for (const e of po.takeRecords()) longest = Math.max(longest, e.duration);
  po.disconnect();
  return { value, longest };
}

export async function echoLoad(gazetteerUrl: string, sizes: number[]) {
  return runtime().sendMessage({ echo: 'load', url: gazetteerUrl, sizes });
}

/** Sends the page's blocks in the scanner's batches, one message each, and counts the mentions that come back. */
async function matchRoundTrips(pageName: string, runs: number, message: (texts: string[]) => unknown) {
  const p = getPage(pageName);
  const bs = batches(p.texts);
  const once = async () => {
    const t0 = now();
    let mentions = 0;
    for (const texts of bs) {
      const r = (await runtime().sendMessage(message(texts))) as {
        mentions?: number[][];
        value?: { mentions: number[][] };
      };
      for (const m of r.mentions ?? r.value?.mentions ?? []) mentions += m.length / 3;
    }
    return { ms: now() - t0, mentions };
  };
  await once();
  const times: number[] = [];
  let longest = 0;
  let mentions = 0;
  for (let i = 0; i < runs; i++) {
    const r = await withLongTasks(once);
    times.push(r.value.ms);
    mentions = r.value.mentions;
    longest = Math.max(longest, r.longest);
  }
  return { ms: median(times), times, mentions, batches: bs.length, longestTask: longest };
}

/** Design A for real, against the echo extension's background. */
export function echoMatch(pageName: string, size: number, runs: number) {
  return matchRoundTrips(pageName, runs, (texts) => ({ echo: 'match', size, texts }));
}

/** Design A in the real extension: its `page.match` call (validation and all), from an extension page. */
export function realPageMatch(pageName: string, runs: number) {
  return matchRoundTrips(pageName, runs, (texts) => ({ backstory: 1, call: 'page.match', input: { texts } }));
}

/** Design B for real: the background sends the serialized dictionary; the page decodes and deserializes it. */
export async function echoDict(size: number, encoding: 'base64' | 'latin1', runs: number) {
  const once = async () => {
    const t0 = now();
    const r = (await runtime().sendMessage({ echo: 'dict', size, encoding })) as {
      data: string;
      entities: MarkedEntityLike[];
    };
    const t1 = now();
    const dict = deserialize(decode(r.data, encoding));
    return { ms: now() - t0, transferMs: t1 - t0, patterns: dict.patternCount, chars: r.data.length };
  };
  await once();
  const times: number[] = [];
  const transfer: number[] = [];
  let longest = 0;
  let patterns = 0;
  let chars = 0;
  for (let i = 0; i < runs; i++) {
    const r = await withLongTasks(once);
    times.push(r.value.ms);
    transfer.push(r.value.transferMs);
    patterns = r.value.patterns;
    chars = r.value.chars;
    longest = Math.max(longest, r.longest);
  }
  return { ms: median(times), times, transferMs: median(transfer), patterns, chars, longestTask: longest };
}

/**
 * Service-worker restore, measured in an extension page of the real extension: read the persisted
 * dictionary from the store's IndexedDB (meta key "dictionary") and deserialize it.
 */
export async function restoreFromStore(runs: number) {
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('backstory');
      req.onupgradeneeded = () => req.transaction?.abort();
      req.onerror = () => reject(req.error ?? new Error('cannot open backstory'));
      req.onsuccess = () => resolve(req.result);
    });
  const once = async () => {
    const t0 = now();
    const db = await open();
    const t1 = now();
    const value = await new Promise<{ buffer: ArrayBuffer; entities: string; revision: number } | undefined>(
      (resolve, reject) => {
        const req = db.transaction('meta', 'readonly').objectStore('meta').get('dictionary');
        req.onsuccess = () => resolve(req.result as never);
        req.onerror = () => reject(req.error ?? new Error('read failed'));
      },
    );
    const t2 = now();
    if (!value) throw new Error('no persisted dictionary');
    const dict = deserialize(value.buffer);
    // The entity table is persisted as one JSON string (lib/background/dictionary.ts).
    const entities = JSON.parse(value.entities) as unknown[];
    const t3 = now();
    db.close();
    // How the read splits between the record's two parts: structured clones of each, as IndexedDB does.
    const t4 = now();
    structuredClone(value.buffer);
    const t5 = now();
    JSON.parse(structuredClone(value.entities));
    const t6 = now();
    // The alternative it replaced: the entity table persisted as objects (one structured clone of them all).
    const t7 = now();
    structuredClone(entities);
    const t8 = now();
    return {
      totalMs: t3 - t0,
      openMs: t1 - t0,
      readMs: t2 - t1,
      deserializeMs: t3 - t2,
      cloneBufferMs: t5 - t4,
      cloneEntitiesMs: t6 - t5,
      entitiesAsJsonMs: t8 - t7,
      bytes: value.buffer.byteLength,
      entities: entities.length,
      patterns: dict.patternCount,
    };
  };
  await once();
  const rs: Awaited<ReturnType<typeof once>>[] = [];
  for (let i = 0; i < runs; i++) rs.push(await once());
  type Key =
    'totalMs' | 'openMs' | 'readMs' | 'deserializeMs' | 'cloneBufferMs' | 'cloneEntitiesMs' | 'entitiesAsJsonMs';
  const pick = (k: Key) => median(rs.map((r) => r[k]));
  const last = rs[rs.length - 1] as Awaited<ReturnType<typeof once>>;
  return {
    totalMs: pick('totalMs'),
    openMs: pick('openMs'),
    readMs: pick('readMs'),
    deserializeMs: pick('deserializeMs'),
    cloneBufferMs: pick('cloneBufferMs'),
    cloneEntitiesMs: pick('cloneEntitiesMs'),
    entitiesAsJsonMs: pick('entitiesAsJsonMs'),
    bytes: last.bytes,
    entities: last.entities,
    patterns: last.patterns,
  };
}

(globalThis as Record<string, unknown>).BackstoryBench = {
  init,
  dictionary,
  page,
  corpus,
  readLoop,
  matcher,
  regexp,
  markjs,
  transport,
  holdCost,
  noMatchText,
  echoLoad,
  echoMatch,
  realPageMatch,
  echoDict,
  restoreFromStore,
};
