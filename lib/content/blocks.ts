/**
 * Splitting a page's text into blocks: runs of text nodes that read as one piece of text. Inline
 * markup joins ("Albu <b>Kamal</b>" is one block, "Albu Kamal"); a block element, a <br> or a skipped
 * element in between separates. Mentions are matched per block, so they never cross a block boundary.
 * Reads the DOM only; never changes it.
 */

/** One run of text nodes and their concatenated text. */
export interface TextBlock {
  text: string;
  nodes: Text[];
  /** Offset in `text` where each node starts. */
  starts: number[];
  /** The nearest block-level ancestor of the run (the unit of incremental rescans). */
  container: Node;
}

/** Elements whose text is never scanned: code, form fields, scripts, media, frames. */
export const SKIPPED_TAGS = new Set([
  'SCRIPT',
  'STYLE',
  'NOSCRIPT',
  'TEMPLATE',
  'TEXTAREA',
  'INPUT',
  'SELECT',
  'OPTION',
  'BUTTON',
  'CODE',
  'PRE',
  'KBD',
  'SAMP',
  'SVG',
  'MATH',
  'IFRAME',
  'FRAME',
  'OBJECT',
  'EMBED',
  'CANVAS',
  'VIDEO',
  'AUDIO',
  'HEAD',
  'TITLE',
]);

/** Phrasing elements that do not break a run of text. Anything else (incl. custom elements) does. */
export const INLINE_TAGS = new Set([
  'A',
  'ABBR',
  'ACRONYM',
  'B',
  'BDI',
  'BDO',
  'BIG',
  'CITE',
  'DATA',
  'DEL',
  'DFN',
  'EM',
  'FONT',
  'I',
  'INS',
  'LABEL',
  'MARK',
  'NOBR',
  'Q',
  'S',
  'SMALL',
  'SPAN',
  'STRIKE',
  'STRONG',
  'SUB',
  'SUP',
  'TIME',
  'TT',
  'U',
  'VAR',
  'WBR',
]);

/** Prefix of every element and name the extension adds to a page; its own UI is never scanned. */
export const OWN_PREFIX = 'backstory-';

export interface CollectOptions {
  /** Called with each open shadow root met inside `root` (scanned as a root of its own). */
  onShadowRoot?: (root: ShadowRoot) => void;
}

const upper = (el: Element) => el.tagName.toUpperCase();

/**
 * Whether an element's subtree is never scanned. Editable areas are scanned (marks are highlights, so
 * typing, the caret and the undo history are untouched), except those that turn spell-checking off:
 * code editors (CodeMirror, for one) do, and underlined words are noise there.
 */
export function isSkipped(el: Element): boolean {
  const tag = upper(el);
  if (SKIPPED_TAGS.has(tag) || tag.startsWith(OWN_PREFIX.toUpperCase())) return true;
  // contenteditable="" / "true" / "plaintext-only"; spellcheck is inherited from the nearest ancestor that sets it.
  const editable = el.getAttribute('contenteditable');
  return (
    editable !== null && editable !== 'false' && el.closest('[spellcheck]')?.getAttribute('spellcheck') === 'false'
  );
}

/** The parent of a node, or the host of a shadow root: walking up through shadow boundaries. */
export function parentOrHost(node: Node): Node | null {
  return node.parentNode ?? (node as Partial<ShadowRoot>).host ?? null;
}

/** Whether the page still holds a block's text as it was read (its text nodes unchanged and in the page). */
export function isCurrent(block: TextBlock): boolean {
  const { nodes, starts, text } = block;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const end = i + 1 < nodes.length ? starts[i + 1]! : text.length;
    if (!node.isConnected || node.data.length !== end - starts[i]!) return false;
    if (node.data !== (nodes.length === 1 ? text : text.slice(starts[i], end))) return false;
  }
  return true;
}

/** The nearest ancestor that is not an inline element: what a text node's run belongs to. */
export function blockContainer(node: Node): Node {
  let n: Node | null = node.parentNode;
  while (n && n.nodeType === 1 && INLINE_TAGS.has(upper(n as Element))) n = n.parentNode;
  return n ?? node;
}

/** Every text block under `root`, in document order (see `iterateBlocks`). */
export function collectBlocks(root: Node, options: CollectOptions = {}): TextBlock[] {
  return [...iterateBlocks(root, options)];
}

/**
 * Yields the text blocks under `root` in document order, skipping what is never scanned. A generator,
 * so a caller can stop between blocks when its time slice is used up and resume later. Open shadow
 * roots are reported through `onShadowRoot` rather than entered (a block never spans a shadow boundary).
 * Blocks with no visible character are left out.
 */
export function* iterateBlocks(root: Node, options: CollectOptions = {}): Generator<TextBlock> {
  const doc = root.ownerDocument ?? (root as Document);
  const walker = doc.createTreeWalker(root, 0x1 | 0x4 /* SHOW_ELEMENT | SHOW_TEXT */, {
    acceptNode(node) {
      if (node.nodeType !== 1) return 1; // FILTER_ACCEPT
      const el = node as Element;
      if (isSkipped(el)) return 2; // FILTER_REJECT: skip the subtree
      if (el.shadowRoot) options.onShadowRoot?.(el.shadowRoot);
      return 1;
    },
  });
  let current: TextBlock | null = null;
  let broken = true;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === 1) {
      if (!INLINE_TAGS.has(upper(node as Element))) broken = true;
      continue;
    }
    const text = node as Text;
    const data = text.data;
    if (!data) continue;
    const container = blockContainer(text);
    if (broken || !current || current.container !== container) {
      if (current && HAS_TEXT.test(current.text)) yield current;
      current = { text: '', nodes: [], starts: [], container };
      broken = false;
    }
    current.starts.push(current.text.length);
    current.nodes.push(text);
    current.text += data;
  }
  if (current && HAS_TEXT.test((current as TextBlock).text)) yield current;
}

const HAS_TEXT = /[\p{L}\p{N}]/u;

/** The node and offset of a position in a block's text (an end position belongs to the node it ends). */
export function locate(
  block: TextBlock,
  offset: number,
  isEnd: boolean,
): { node: Text; offset: number; index: number } {
  const { starts, nodes } = block;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const s = starts[mid]!;
    if (s < offset || (!isEnd && s === offset)) lo = mid;
    else hi = mid - 1;
  }
  return { node: nodes[lo]!, offset: offset - starts[lo]!, index: lo };
}
