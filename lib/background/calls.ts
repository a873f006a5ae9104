/**
 * Input validators of the message contract, one per call named in lib/messages.ts. Only the
 * background imports this file at run time, so content scripts and pages stay free of zod.
 */
import { z } from 'zod';
import { entityInput, eventInput, noteInput } from '../inputs';
import { MAX_MATCH_CHARS } from '../messages';

const id = z.string().min(1).max(200);
const none = z.strictObject({});

export const CALL_INPUTS = {
  'page.match': z.strictObject({
    /** The page's title, for "seen on" (the frame's URL comes from the message's sender). */
    title: z.string().max(2000).default(''),
    texts: z
      .array(z.string().max(MAX_MATCH_CHARS))
      .max(10_000)
      .refine((t) => t.reduce((n, s) => n + s.length, 0) <= MAX_MATCH_CHARS, {
        message: `expected at most ${MAX_MATCH_CHARS} characters in all`,
      }),
  }),
  'card.get': z.strictObject({ entityId: id }),
  'seen.get': z.strictObject({ entityId: id }),
  'seen.clear': z.strictObject({ entityId: id.optional() }),
  'store.stats': none,
  'entities.list': none,
  'entities.byAlias': z.strictObject({ text: z.string().min(1).max(300) }),
  'entity.get': z.strictObject({ id }),
  'entity.save': z.strictObject({ id: id.optional(), entity: entityInput }),
  'entity.delete': z.strictObject({ id }),
  'events.list': none,
  'events.ofEntity': z.strictObject({ entityId: id }),
  'event.save': z.strictObject({ id: id.optional(), event: eventInput }),
  'event.delete': z.strictObject({ id }),
  'notes.recent': z.strictObject({ limit: z.number().int().min(1).max(500).default(20) }),
  'notes.list': none,
  'notes.about': z.strictObject({ id }),
  'note.save': z.strictObject({ id: id.optional(), note: noteInput }),
  'note.delete': z.strictObject({ id }),
  'record.restore': z.strictObject({ type: z.enum(['entity', 'event', 'note']), id }),
  'entities.merge': z.strictObject({ keepId: id, mergeId: id }),
  search: z.strictObject({ query: z.string().max(300), limit: z.number().int().min(1).max(100).default(8) }),
  'packs.list': none,
  'pack.import': z.strictObject({ text: z.string(), job: id.optional() }),
  'pack.export': z.strictObject({
    packId: id.optional(),
    entityIds: z.array(id).min(1).max(1_000_000).optional(),
    includeNotes: z.boolean().optional(),
  }),
  'pack.remove': z.strictObject({ packId: id, notes: z.enum(['keep', 'delete']).default('keep') }),
  'csv.import': z.strictObject({
    text: z.string(),
    kind: z.enum(['entities', 'events']),
    /** The file's name: it names the pack the rows become (importing the same file again updates it). */
    fileName: z.string().min(1).max(300),
    job: id.optional(),
  }),
  'sync.configure': z.strictObject({
    backend: z.enum(['webdav', 'browser']),
    url: z.string().max(2000).optional(),
    username: z.string().max(500).optional(),
    password: z.string().max(1000).optional(),
    deviceName: z.string().max(100).default(''),
    passphrase: z.string().min(8, 'use at least 8 characters').max(1000).optional(),
  }),
  'sync.now': z.strictObject({ allowLoss: z.boolean().default(false) }),
  'sync.test': z.strictObject({
    backend: z.enum(['webdav', 'browser']),
    url: z.string().max(2000).optional(),
    username: z.string().max(500).optional(),
    password: z.string().max(1000).optional(),
  }),
  'sync.quota': none,
  'sync.disconnect': none,
  'sync.conflicts': none,
  'sync.resolve': z.strictObject({
    type: z.enum(['entity', 'event', 'note']),
    id,
    field: z.string().min(1).max(50),
    value: z.unknown(),
  }),
  'sync.snapshots': none,
  'sync.restore': z.strictObject({ id }),
  'backup.export': z.strictObject({ passphrase: z.string().min(8, 'use at least 8 characters').max(1000) }),
  'backup.import': z.strictObject({ text: z.string().max(256 * 1024 * 1024), passphrase: z.string().min(1).max(1000) }),
  'snapshots.list': none,
  'snapshots.create': none,
  'snapshots.restore': z.strictObject({ id }),
  'snapshots.delete': z.strictObject({ id }),
} as const;
