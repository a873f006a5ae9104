/**
 * The one contract between content scripts, extension pages and the background. Every call is named
 * here with who may make it, the shape of its input (validated by the background) and its result.
 * Results come back as values (`Result`), never as exceptions thrown across the boundary.
 */
import { z } from 'zod';
import { entityInput, eventInput, noteInput } from './inputs';
import type { EntityRecord, EventRecord, NoteRecord, PackRecord } from './model';
import type { CardData, StoreStats } from './store/store';
import type { ImportSummary } from './store/packs';
import type { PackDocument } from './pack/schema';

const id = z.string().min(1).max(200);

/** Who may make a call: `page` = content scripts and extension pages; `extension` = extension pages only. */
export type Access = 'page' | 'extension';

export const CALLS = {
  // Reads a content script needs to show a card.
  'card.get': { access: 'page', input: z.strictObject({ entityId: id }) },

  // Everything else: extension pages (popup, manager) only.
  'store.stats': { access: 'extension', input: z.strictObject({}) },
  'entities.list': { access: 'extension', input: z.strictObject({}) },
  'entities.byAlias': { access: 'extension', input: z.strictObject({ text: z.string().min(1).max(300) }) },
  'entity.get': { access: 'extension', input: z.strictObject({ id }) },
  'entity.save': { access: 'extension', input: z.strictObject({ id: id.optional(), entity: entityInput }) },
  'entity.delete': { access: 'extension', input: z.strictObject({ id }) },
  'events.list': { access: 'extension', input: z.strictObject({}) },
  'events.ofEntity': { access: 'extension', input: z.strictObject({ entityId: id }) },
  'event.save': { access: 'extension', input: z.strictObject({ id: id.optional(), event: eventInput }) },
  'event.delete': { access: 'extension', input: z.strictObject({ id }) },
  'notes.recent': {
    access: 'extension',
    input: z.strictObject({ limit: z.number().int().min(1).max(500).default(20) }),
  },
  'notes.about': { access: 'extension', input: z.strictObject({ id }) },
  'note.save': { access: 'extension', input: z.strictObject({ id: id.optional(), note: noteInput }) },
  'note.delete': { access: 'extension', input: z.strictObject({ id }) },
  'packs.list': { access: 'extension', input: z.strictObject({}) },
  'pack.import': { access: 'extension', input: z.strictObject({ text: z.string() }) },
  'pack.export': {
    access: 'extension',
    input: z.strictObject({ packId: id.optional(), includeNotes: z.boolean().optional() }),
  },
  'pack.remove': {
    access: 'extension',
    input: z.strictObject({ packId: id, deleteNotes: z.boolean().default(false) }),
  },
} as const satisfies Record<string, { access: Access; input: z.ZodType }>;

export type CallName = keyof typeof CALLS;
export type CallInput<K extends CallName> = z.input<(typeof CALLS)[K]['input']>;
export type ParsedInput<K extends CallName> = z.output<(typeof CALLS)[K]['input']>;

/** What each call returns on success. */
export interface CallOutputs {
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
  'notes.about': NoteRecord[];
  'note.save': NoteRecord;
  'note.delete': null;
  'packs.list': PackRecord[];
  'pack.import': ImportSummary;
  'pack.export': PackDocument;
  'pack.remove': { entities: number; events: number; notes: number };
}

/** The envelope on the wire; the tag keeps other messages (and other extensions' shapes) apart. */
export interface CallMessage<K extends CallName = CallName> {
  backstory: 1;
  call: K;
  input: CallInput<K>;
}

export const isCallMessage = (m: unknown): m is { backstory: 1; call: unknown; input: unknown } =>
  typeof m === 'object' && m !== null && (m as { backstory?: unknown }).backstory === 1;
