/**
 * The page scanner: finds the text blocks of a document, has them matched, and keeps the marks in
 * step with the page as it changes. Work is cut into slices of a few milliseconds so the page never
 * waits on it; mutations are coalesced and only the parts of the page that changed are scanned again.
 * Since marks never touch the DOM, nothing the scanner does can trigger its own observer.
 *
 * Hostile and heavy pages are bounded by counts: one scan at a time, at most one rescan per settle
 * interval (and fewer when rescans are expensive, see RESCAN_COST_FACTOR), at most MAX_BATCH_TEXTS
 * texts and about `batchChars` characters per match call, MAX_BLOCK_CHARS of one block, MAX_MARKS
 * marks (marks.ts). Nothing is ever logged to the page's console: failures are counted in `stats`.
 */
import { realClock, type Clock } from './hover';
import {
  blockContainer,
  INLINE_TAGS,
  isCurrent,
  isSkipped,
  iterateBlocks,
  OWN_PREFIX,
  parentOrHost,
  type TextBlock,
} from './blocks';
import type { MarkedEntity, Marks } from './marks';

/** What the background answers for a batch of texts. */
export interface MatchReply {
  /** Per text, flat triples: start, end, index into `entities`. */
  mentions: number[][];
  entities: MarkedEntity[];
}

/** Matches texts (in the extension: one message to the background). Null when matching failed. */
export type Matcher = (texts: string[]) => Promise<MatchReply | null>;

export interface ScannerOptions {
  marks: Marks;
  match: Matcher;
  /** Longest stretch of work before yielding to the page, in ms. */
  sliceMs?: number;
  /** Most text sent for matching in one message, in UTF-16 code units. */
  batchChars?: number;
  /** Delay before changed parts of the page are scanned again, in ms. */
  settleMs?: number;
  /** Time and timers (tests pass a fake). */
  clock?: Clock;
  /** Yields to the event loop (the page gets to run in between). */
  yieldToPage?: () => Promise<void>;
}

export interface ScanStats {
  blocks: number;
  /** Characters read from the page. */
  chars: number;
  /** Characters sent for matching (a block's text up to MAX_BLOCK_CHARS). */
  matchedChars: number;
  /** Marks added (a rescan replaces the marks of what it scans, so this counts them again). */
  marks: number;
  /** Mentions left unmarked because the page holds MAX_MARKS marks already. */
  dropped: number;
  batches: number;
  /** Scans of changed parts after the first full scan. */
  rescans: number;
  /** Scans that failed (never reported to the page's console). */
  errors: number;
}

/** Longest block text matched (the rest of a larger block is left unmarked). */
export const MAX_BLOCK_CHARS = 4_000_000;

/** Most texts in one match call: the background refuses more than 10,000 (lib/background/calls.ts). */
export const MAX_BATCH_TEXTS = 5_000;

/**
 * After a scan that kept the main thread busy for T ms, the next rescan waits at least this many times
 * T: a page that keeps changing a large part of itself gets at most a quarter of its main thread taken.
 */
export const RESCAN_COST_FACTOR = 3;
/** A match the background did not answer is tried again this many times, after 0.5, 1, 2, 4 and 8 s. */
export const MAX_MATCH_RETRIES = 5;
const MATCH_RETRY_MS = 500;

const defaultYield = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class PageScanner {
  private readonly sliceMs: number;
  private readonly batchChars: number;
  private readonly settleMs: number;
  private readonly clock: Clock;
  private readonly yieldToPage: () => Promise<void>;
  /** One observer for the document and every open shadow root met (a root that goes is let go). */
  private observer: MutationObserver | null = null;
  private observedRoots = new WeakSet<Node>();
  private dirty = new Set<Node>();
  private flushTimer: unknown = null;
  private generation = 0;
  private running = false;
  /** Scans queued or running; they run one after another. */
  private pending = 0;
  /** Clock time before which no rescan starts (see RESCAN_COST_FACTOR). */
  private notBefore = 0;
  /** Failed matches in a row (see `retryLater`). */
  private matchRetries = 0;
  /** Tree walks so far (see Marks.add). */
  private walks = 0;
  private scanning: Promise<void> = Promise.resolve();
  readonly stats: ScanStats = {
    blocks: 0,
    chars: 0,
    matchedChars: 0,
    marks: 0,
    dropped: 0,
    batches: 0,
    rescans: 0,
    errors: 0,
  };

  constructor(
    private readonly doc: Document,
    private readonly options: ScannerOptions,
  ) {
    this.sliceMs = options.sliceMs ?? 8;
    this.batchChars = options.batchChars ?? 200_000;
    this.settleMs = options.settleMs ?? 150;
    this.clock = options.clock ?? realClock;
    this.yieldToPage = options.yieldToPage ?? defaultYield;
  }

  /** Scans the whole document and starts following its changes. Resolves when the first scan is done. */
  start(): Promise<void> {
    if (this.running) return this.scanning;
    this.running = true;
    const root = this.doc.body ?? this.doc.documentElement;
    if (root) this.observe(this.doc);
    return this.enqueue(root ? [root] : []);
  }

  /** Forgets every mark and scans the whole document again (the dictionary changed). */
  rescanAll(): Promise<void> {
    if (!this.running) return Promise.resolve();
    this.generation++;
    this.dirty.clear();
    this.options.marks.clear();
    const root = this.doc.body ?? this.doc.documentElement;
    return this.enqueue(root ? [root] : []);
  }

  /** Stops observing, drops pending work and removes every mark. */
  stop(): void {
    this.running = false;
    this.generation++;
    this.observer?.disconnect();
    this.observer = null;
    this.observedRoots = new WeakSet(); // a later start() observes them all again
    this.cancelFlush();
    this.dirty.clear();
    this.options.marks.clear();
  }

  /** Resolves once no scan is running or pending (for tests and benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      const current = this.scanning;
      await current;
      if (current === this.scanning && this.flushTimer === null && this.dirty.size === 0) return;
      if (this.flushTimer !== null) await new Promise((r) => setTimeout(r, 5));
    }
  }

  private enqueue(roots: Node[]): Promise<void> {
    const generation = this.generation;
    this.pending++;
    this.scanning = this.scanning.then(async () => {
      try {
        await this.scan(roots, generation);
      } catch {
        this.stats.errors++;
      } finally {
        this.pending--;
      }
      this.armFlush();
    });
    return this.scanning;
  }

  private observe(root: Document | ShadowRoot): void {
    if (this.observedRoots.has(root)) return;
    this.observedRoots.add(root);
    this.observer ??= new MutationObserver((records) => this.onMutations(records));
    this.observer.observe(root, { childList: true, characterData: true, subtree: true });
  }

  private onMutations(records: MutationRecord[]): void {
    if (!this.running) return;
    for (const r of records) {
      const target = r.target;
      if (r.type === 'characterData') {
        // Its marks go at once (before the next paint): the live ranges now cover whatever the text became.
        this.options.marks.forgetNode(target as Text);
        this.dirty.add(blockContainer(target));
        continue;
      }
      // Removed nodes take their marks with them; the container they left is rescanned. The extension's
      // own card host coming or going is no change of the page.
      if (r.removedNodes.length && ![...r.removedNodes].every(isOwn))
        this.dirty.add(target.nodeType === 1 && !isInline(target) ? target : blockContainer(target));
      for (const node of r.addedNodes) {
        if (isOwn(node)) continue;
        // A new block (an article appended by infinite scroll) is scanned on its own; new inline
        // content changes the run it joined.
        this.dirty.add(node.nodeType === 1 && !isInline(node) ? node : blockContainer(node));
      }
    }
    this.armFlush();
  }

  /**
   * The background did not answer a match (it was starting or restarting, e.g. just after an update):
   * the blocks are matched again with the next rescan, a few times, waiting longer each time.
   */
  private retryLater(blocks: TextBlock[]): void {
    this.stats.errors++;
    if (this.matchRetries >= MAX_MATCH_RETRIES) return;
    this.matchRetries++;
    for (const b of blocks) this.dirty.add(b.container);
    this.notBefore = Math.max(this.notBefore, this.clock.now() + MATCH_RETRY_MS * 2 ** (this.matchRetries - 1));
  }

  /** Schedules the next rescan of what changed, unless one is scheduled or a scan is under way. */
  private armFlush(): void {
    if (!this.running || !this.dirty.size || this.flushTimer !== null || this.pending > 0) return;
    const wait = Math.max(this.settleMs, this.notBefore - this.clock.now());
    this.flushTimer = this.clock.setTimeout(() => this.flush(), wait);
  }

  private cancelFlush(): void {
    if (this.flushTimer !== null) this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private flush(): void {
    this.flushTimer = null;
    if (!this.running || this.pending > 0) return;
    const scopes = this.dirty;
    this.dirty = new Set();
    const roots = [...scopes].filter((s) => s.isConnected && !isSkippedOrCovered(s, scopes));
    if (!roots.length) {
      this.options.marks.clearWithin([]); // only what left the page
      return;
    }
    this.stats.rescans++;
    void this.enqueue(roots);
  }

  /** Walks the roots block by block in time slices, matching in batches. */
  private async scan(roots: Node[], generation: number): Promise<void> {
    const { marks } = this.options;
    // What is scanned again loses its marks first (and whatever left the page with them).
    marks.clearWithin(roots);
    const queue = [...roots];
    let batch: TextBlock[] = [];
    /** Per block of the batch, the tree walk it came from (blocks of one walk are in document order). */
    let walks: number[] = [];
    let batchChars = 0;
    /** Main-thread time spent in this scan, and when the current slice of it began. */
    let busy = 0;
    let sliceStart = this.clock.now();
    const pause = async <T>(wait: () => Promise<T>): Promise<T> => {
      busy += this.clock.now() - sliceStart;
      const value = await wait();
      sliceStart = this.clock.now();
      return value;
    };
    const send = async () => {
      if (!batch.length) return;
      const blocks = batch;
      const from = walks;
      batch = [];
      walks = [];
      batchChars = 0;
      this.stats.batches++;
      // A giant text node (megabytes in one block) is matched up to MAX_BLOCK_CHARS, not beyond.
      const texts = blocks.map((b) => (b.text.length > MAX_BLOCK_CHARS ? b.text.slice(0, MAX_BLOCK_CHARS) : b.text));
      for (const t of texts) this.stats.matchedChars += t.length;
      const reply = await pause(() => this.options.match(texts));
      if (generation !== this.generation) return;
      if (!reply) return this.retryLater(blocks);
      this.matchRetries = 0;
      for (let i = 0; i < blocks.length; i++) {
        const flat = reply.mentions[i];
        const block = blocks[i]!;
        // A block the page changed while it was matched is left to the rescan the change queued.
        if (!flat?.length || !isCurrent(block)) continue;
        const mentions = [];
        for (let j = 0; j + 2 < flat.length; j += 3) {
          const entity = reply.entities[flat[j + 2]!];
          if (entity) mentions.push({ start: flat[j]!, end: flat[j + 1]!, entity });
        }
        const added = marks.add(block, mentions, from[i]);
        this.stats.marks += added;
        this.stats.dropped += mentions.length - added;
        if (this.clock.now() - sliceStart > this.sliceMs) {
          await pause(this.yieldToPage);
          if (generation !== this.generation) return;
        }
      }
    };
    while (queue.length) {
      const root = queue.shift()!;
      const walk = ++this.walks;
      const blocks = iterateBlocks(root, {
        onShadowRoot: (shadow) => {
          this.observe(shadow);
          queue.push(shadow);
        },
      });
      for (const block of blocks) {
        this.stats.blocks++;
        this.stats.chars += block.text.length;
        batch.push(block);
        walks.push(walk);
        batchChars += block.text.length;
        if (batchChars >= this.batchChars || batch.length >= MAX_BATCH_TEXTS) await send();
        if (generation !== this.generation) return;
        if (this.clock.now() - sliceStart > this.sliceMs) {
          await pause(this.yieldToPage);
          if (generation !== this.generation) return;
        }
      }
    }
    await send();
    // Highlights the page took out of CSS.highlights since the last scan come back with this one.
    marks.restore();
    busy += this.clock.now() - sliceStart;
    // (A retry scheduled during this scan may ask for a longer wait: the later time wins.)
    this.notBefore = Math.max(this.notBefore, this.clock.now() + RESCAN_COST_FACTOR * busy);
  }
}

const isInline = (node: Node) => node.nodeType === 1 && INLINE_TAGS.has((node as Element).tagName.toUpperCase());

/** The extension's own UI: its card host (whose closed shadow root no observer of the page sees into). */
const isOwn = (node: Node) => node.nodeType === 1 && (node as Element).tagName.toLowerCase().startsWith(OWN_PREFIX);

/**
 * Whether a changed part of the page needs no rescan of its own: it is skipped (or inside something
 * skipped, e.g. the extension's card host), or inside another changed part (through shadow roots).
 */
function isSkippedOrCovered(node: Node, scopes: ReadonlySet<Node>): boolean {
  if (node.nodeType === 1 && isSkipped(node as Element)) return true;
  for (let n = parentOrHost(node); n; n = parentOrHost(n)) {
    if (scopes.has(n) || (n.nodeType === 1 && isSkipped(n as Element))) return true;
  }
  return false;
}
