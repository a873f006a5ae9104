/**
 * The one contract between content scripts, extension pages and the background. Every call is named
 * here with who may make it, its input (validated in the background, see lib/background/calls.ts) and
 * its result.
 * Results come back as values (`Result`), never as exceptions thrown across the boundary.
 */
import type { z } from 'zod';
import type { CALL_INPUTS } from './background/calls';
import type { EntityKind, EntityRecord, EventRecord, NoteRecord, PackRecord } from './model';
import type { CardData, ConflictItem, MergeSummary, StoreStats } from './store/store';
import type { SyncStatus } from './sync/settings';
import type { ImportSummary } from './store/packs';
import type { SnapshotInfo } from './store/snapshots';
import type { SearchResults } from './background/search';
import type { PackDocument } from './pack/schema';
import type { MatchReply, ScanStats } from './content/scanner';
import type { SeenPage } from './background/seen';

/** Most text one `page.match` call may carry. */
export const MAX_MATCH_CHARS = 8_000_000;

/** Who may make a call: `page` = content scripts and extension pages; `extension` = extension pages only. */
export type Access = 'page' | 'extension';

/**
 * Every call of the contract and who may make it. Inputs are validated in the background by the
 * schema of the same name in lib/background/calls.ts; outputs are listed in `CallOutputs` below.
 */
export const CALL_ACCESS = {
  // All a content script may ask: matching its page's text. It never sees a card's contents (notes).
  'page.match': 'page',
  // The card frame (an extension page inside the tab) reads the card and reads and clears "seen on".
  'card.get': 'extension',
  'seen.get': 'extension',
  'seen.clear': 'extension',
  // Everything else: extension pages (popup, manager) only.
  'store.stats': 'extension',
  'entities.list': 'extension',
  'entities.byAlias': 'extension',
  'entity.get': 'extension',
  'entity.save': 'extension',
  'entity.delete': 'extension',
  'events.list': 'extension',
  'events.ofEntity': 'extension',
  'event.save': 'extension',
  'event.delete': 'extension',
  'notes.recent': 'extension',
  'notes.list': 'extension',
  'notes.about': 'extension',
  'note.save': 'extension',
  'note.delete': 'extension',
  'record.restore': 'extension',
  'entities.merge': 'extension',
  search: 'extension',
  'packs.list': 'extension',
  'pack.import': 'extension',
  'pack.export': 'extension',
  'pack.remove': 'extension',
  'csv.import': 'extension',
  'sync.configure': 'extension',
  'sync.now': 'extension',
  'sync.test': 'extension',
  'sync.quota': 'extension',
  'sync.disconnect': 'extension',
  'sync.conflicts': 'extension',
  'sync.resolve': 'extension',
  'sync.snapshots': 'extension',
  'sync.restore': 'extension',
  'backup.export': 'extension',
  'backup.import': 'extension',
  'snapshots.list': 'extension',
  'snapshots.create': 'extension',
  'snapshots.restore': 'extension',
  'snapshots.delete': 'extension',
} as const satisfies Record<keyof typeof CALL_INPUTS, Access>;

export type CallName = keyof typeof CALL_ACCESS;
export type CallInput<K extends CallName> = z.input<(typeof CALL_INPUTS)[K]>;
export type ParsedInput<K extends CallName> = z.output<(typeof CALL_INPUTS)[K]>;

/** What each call returns on success. */
export interface CallOutputs {
  'page.match': MatchReply;
  'seen.get': SeenPage[];
  'seen.clear': null;
  'card.get': CardData | null;
  'store.stats': StoreStats;
  'entities.list': EntityRecord[];
  'entities.byAlias': EntityRecord[];
  'entity.get': EntityRecord | null;
  'entity.save': EntityRecord;
  'entity.delete': null;
  'events.list': EventRecord[];
  'events.ofEntity': EventRecord[];
  'event.save': EventRecord;
  'event.delete': null;
  'notes.recent': NoteRecord[];
  'notes.list': NoteRecord[];
  'notes.about': NoteRecord[];
  'note.save': NoteRecord;
  'note.delete': null;
  'record.restore': EntityRecord | EventRecord | NoteRecord;
  'entities.merge': MergeSummary;
  search: SearchResults;
  'packs.list': PackRecord[];
  'pack.import': ImportSummary;
  'pack.export': PackDocument;
  'pack.remove': { entities: number; events: number; notes: number; kept: number };
  'csv.import': ImportSummary & { warnings: string[] };
  'sync.configure': SyncStatus;
  'sync.now': SyncStatus;
  /** What the connection test found, in one sentence. */
  'sync.test': { message: string };
  /** How full the browser's sync storage is (the quota meter). */
  'sync.quota': { used: number; total: number; items: number; maxItems: number; ratio: number };
  'sync.disconnect': SyncStatus;
  'sync.conflicts': ConflictItem[];
  'sync.resolve': EntityRecord | EventRecord | NoteRecord;
  'sync.snapshots': { id: string; at: number; records: number }[];
  'sync.restore': { restored: number };
  /** An encrypted backup file's text, and a file name for it. */
  'backup.export': { fileName: string; text: string };
  'backup.import': { changed: number };
  /** The local snapshots of the whole store, newest first. */
  'snapshots.list': SnapshotInfo[];
  'snapshots.create': SnapshotInfo;
  /** How many records the restore changed, and the snapshot of the state before it (to undo it). */
  'snapshots.restore': { restored: number; undo: SnapshotInfo | null };
  'snapshots.delete': null;
}

/**
 * Sent by the background to extension pages while a long import runs (`job` is the id the page passed
 * with `pack.import` or `csv.import`).
 */
export interface ProgressMessage {
  backstoryProgress: 1;
  job: string;
  done: number;
  total: number;
}
export const isProgressMessage = (m: unknown): m is ProgressMessage =>
  typeof m === 'object' && m !== null && (m as { backstoryProgress?: unknown }).backstoryProgress === 1;

/** The envelope on the wire; the tag keeps other messages (and other extensions' shapes) apart. */
export interface CallMessage<K extends CallName = CallName> {
  backstory: 1;
  call: K;
  input: CallInput<K>;
}

export const isCallMessage = (m: unknown): m is { backstory: 1; call: unknown; input: unknown } =>
  typeof m === 'object' && m !== null && (m as { backstory?: unknown }).backstory === 1;

/**
 * Calls in the other direction: from extension pages (popup) to the content script of a tab, through
 * `tabs.sendMessage`. The content script answers only messages from this extension's own pages.
 */
export interface TabCallOutputs {
  /** The entities marked on the page, with their mention counts and the spellings seen. */
  'tab.mentions': {
    entities: { id: string; name: string; kind: EntityKind; count: number; texts: string[] }[];
    /** Whether Backstory marks this page (not paused, site not switched off). */
    active: boolean;
    /** The page's hostname, for the per-site switch (the popup needs no tabs permission to know it). */
    site: string;
    /** The scanner's work so far: blocks and characters read, match calls, rescans of changed parts. */
    stats: ScanStats;
  };
  /** Keyboard navigation (the commands API): move to the next / previous mention and open its card. */
  'mention.next': null;
  'mention.previous': null;
  /** Close the tab's card, if one is open. */
  'card.close': null;
  /** Scroll to the first mention of an entity and open its card (the popup's "On this page"). */
  'mention.show': boolean;
  /** What capture-from-the-page needs: the selected text and what the page says about itself. */
  'tab.capture': PageCapture;
}

export interface PageCapture {
  /** The selected text, trimmed (may be empty). */
  selection: string;
  url: string;
  title: string;
  /** The publication date the page declares (meta tags, JSON-LD, <time>), as YYYY-MM-DD, or null. */
  published: string | null;
}

/** Inputs of the tab calls that take one. */
export interface TabCallInputs {
  'mention.show': { entityId: string };
}
export type TabCallName = keyof TabCallOutputs;
export interface TabCallMessage<K extends TabCallName = TabCallName> {
  backstoryTab: 1;
  call: K;
  input?: K extends keyof TabCallInputs ? TabCallInputs[K] : undefined;
}
export const isTabCallMessage = (m: unknown): m is TabCallMessage =>
  typeof m === 'object' && m !== null && (m as { backstoryTab?: unknown }).backstoryTab === 1;

/**
 * The content script and its card frame talk over a private MessageChannel: the content script sends
 * one port to the frame (`CardFrameInit`, checked against the random token in the frame's URL and the
 * handshake key), posted to the extension's origin only, and
 * after that page scripts see nothing of the exchange (a window's postMessage they could read; the
 * runtime messaging of Firefox does not reach an extension frame inside a web page).
 */
export interface CardFrameInit {
  /** The random token of the frame's URL (`card.html#<token>`). */
  backstoryCardInit: string;
  /**
   * The handshake key: a random value kept in storage.local (lib/client.ts `cardFrameKey`), which
   * content scripts and extension pages can read and web pages cannot. The token alone proves nothing
   * where a page can frame card.html under a hash of its own choosing (Firefox's extension URLs are
   * fixed per install).
   */
  key: string;
}

/** Content script → card frame. */
export type ToCardFrame =
  | { type: 'prefetch'; entityId: string; matched: string; theme: 'light' | 'dark' }
  | {
      type: 'show';
      entityId: string;
      matched: string;
      theme: 'light' | 'dark';
      focus: boolean;
      pageUrl: string;
      pageTitle: string;
      /** When the content script decided to show it (epoch ms, high resolution), for the benchmark. */
      sentAt: number;
    }
  | { type: 'hide' };

/** Card frame → content script. */
export type FromCardFrame =
  | { type: 'size'; height: number }
  | { type: 'close' }
  | { type: 'pin'; pinned: boolean }
  | { type: 'pointer'; inside: boolean };
