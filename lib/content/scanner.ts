/**
 * The page scanner: finds the text blocks of a document, has them matched, and keeps the marks in
 * step with the page as it changes. Work is cut into slices of a few milliseconds so the page never
 * waits on it; mutations are coalesced and only the parts of the page that changed are scanned again.
 * Since marks never touch the DOM, nothing the scanner does can trigger its own observer.
 */
import {
  blockContainer,
  INLINE_TAGS,
  isInsideSkipped,
  isSkipped,
  iterateBlocks,
  OWN_PREFIX,
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
  now?: () => number;
  /** Yields to the event loop (the page gets to run in between). */
  yieldToPage?: () => Promise<void>;
}

export interface ScanStats {
  blocks: number;
  chars: number;
  marks: number;
  batches: number;
  /** Scans of changed parts after the first full scan. */
  rescans: number;
}

/** Longest block text matched (the rest of a larger block is left unmarked). */
export const MAX_BLOCK_CHARS = 4_000_000;

const defaultYield = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class PageScanner {
  private readonly sliceMs: number;
  private readonly batchChars: number;
  private readonly settleMs: number;
  private readonly now: () => number;
  private readonly yieldToPage: () => Promise<void>;
  private readonly observers: MutationObserver[] = [];
  private readonly observedRoots = new WeakSet<Node>();
  private readonly dirty = new Set<Node>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;
  private running = false;
  private scanning: Promise<void> = Promise.resolve();
  readonly stats: ScanStats = { blocks: 0, chars: 0, marks: 0, batches: 0, rescans: 0 };

  constructor(
    private readonly doc: Document,
    private readonly options: ScannerOptions,
  ) {
    this.sliceMs = options.sliceMs ?? 8;
    this.batchChars = options.batchChars ?? 200_000;
    this.settleMs = options.settleMs ?? 150;
    this.now = options.now ?? (() => performance.now());
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
    for (const o of this.observers) o.disconnect();
    this.observers.length = 0;
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.dirty.clear();
    this.options.marks.clear();
  }

  /** Resolves once no scan is running or pending (for tests and benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      const current = this.scanning;
      await current;
      if (current === this.scanning && this.flushTimer === null && this.dirty.size === 0) return;
      if (this.flushTimer !== null) await new Promise((r) => setTimeout(r, this.settleMs + 10));
    }
  }

  private enqueue(roots: Node[]): Promise<void> {
    const generation = this.generation;
    this.scanning = this.scanning
      .then(() => this.scan(roots, generation))
      .catch((e) => console.error('Backstory: scan failed', e));
    return this.scanning;
  }

  private observe(root: Document | ShadowRoot): void {
    if (this.observedRoots.has(root)) return;
    this.observedRoots.add(root);
    const observer = new MutationObserver((records) => this.onMutations(records));
    observer.observe(root, { childList: true, characterData: true, subtree: true });
    this.observers.push(observer);
  }

  private onMutations(records: MutationRecord[]): void {
    if (!this.running) return;
    for (const r of records) {
      const target = r.target;
      if (isOwn(target)) continue;
      if (r.type === 'characterData') this.markDirty(blockContainer(target));
      else {
        // Removed nodes take their marks with them; the container they left is rescanned.
        if (r.removedNodes.length)
          this.markDirty(target.nodeType === 1 && !isInline(target) ? target : blockContainer(target));
        for (const node of r.addedNodes) {
          if (isOwn(node)) continue;
          // A new block (an article appended by infinite scroll) is scanned on its own; new inline
          // content changes the run it joined.
          this.markDirty(node.nodeType === 1 && !isInline(node) ? node : blockContainer(node));
        }
      }
    }
    if (this.dirty.size && this.flushTimer === null) this.flushTimer = setTimeout(() => this.flush(), this.settleMs);
  }

  private markDirty(node: Node): void {
    this.dirty.add(node);
  }

  private flush(): void {
    this.flushTimer = null;
    const scopes = [...this.dirty];
    this.dirty.clear();
    // Keep only outermost scopes that are still in the page and not inside skipped elements.
    const roots = scopes.filter(
      (s) =>
        s.isConnected &&
        !scopes.some((o) => o !== s && o.contains(s)) &&
        !(s.nodeType === 1 && isSkipped(s as Element)) &&
        !isInsideSkipped(s, this.doc),
    );
    for (const s of scopes) if (!s.isConnected) this.options.marks.clearWithin(s);
    if (!roots.length) return;
    this.stats.rescans++;
    for (const r of roots) this.options.marks.clearWithin(r);
    void this.enqueue(roots);
  }

  /** Walks the roots block by block in time slices, matching in batches. */
  private async scan(roots: Node[], generation: number): Promise<void> {
    const queue = [...roots];
    let batch: TextBlock[] = [];
    let batchChars = 0;
    let sliceStart = this.now();
    const send = async () => {
      if (!batch.length) return;
      const blocks = batch;
      batch = [];
      batchChars = 0;
      this.stats.batches++;
      // A giant text node (megabytes in one block) is matched up to the per-call limit, not beyond.
      const reply = await this.options.match(
        blocks.map((b) => (b.text.length > MAX_BLOCK_CHARS ? b.text.slice(0, MAX_BLOCK_CHARS) : b.text)),
      );
      if (!reply || generation !== this.generation) return;
      sliceStart = this.now();
      for (let i = 0; i < blocks.length; i++) {
        const flat = reply.mentions[i];
        if (!flat?.length) continue;
        const mentions = [];
        for (let j = 0; j + 2 < flat.length; j += 3) {
          const entity = reply.entities[flat[j + 2]!];
          if (entity) mentions.push({ start: flat[j]!, end: flat[j + 1]!, entity });
        }
        try {
          this.options.marks.add(blocks[i]!, mentions);
          this.stats.marks += mentions.length;
        } catch {
          // The text changed while it was being matched; the observer has queued it again.
        }
        if (this.now() - sliceStart > this.sliceMs) {
          await this.yieldToPage();
          if (generation !== this.generation) return;
          sliceStart = this.now();
        }
      }
    };
    while (queue.length) {
      const root = queue.shift()!;
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
        batchChars += block.text.length;
        if (batchChars >= this.batchChars) await send();
        if (this.now() - sliceStart > this.sliceMs) {
          await this.yieldToPage();
          if (generation !== this.generation) return;
          sliceStart = this.now();
        }
      }
    }
    await send();
  }
}

const isInline = (node: Node) => node.nodeType === 1 && INLINE_TAGS.has((node as Element).tagName.toUpperCase());

/** The extension's own UI (its card host and anything inside it). */
function isOwn(node: Node): boolean {
  for (let n: Node | null = node; n; n = n.parentNode) {
    if (n.nodeType === 1 && (n as Element).tagName.toLowerCase().startsWith(OWN_PREFIX)) return true;
  }
  return false;
}
