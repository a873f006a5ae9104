/**
 * The pack format, version 1, as a zod schema. This is the single source of truth: the JSON Schema
 * in docs/pack.schema.json is generated from it (`npm run schema`) and a test keeps the two equal.
 * docs/pack-format.md explains every field for people.
 */
import { z } from 'zod';
import { CASE_RULES, ENTITY_KINDS } from '../model';
import { hasVisibleText, INVISIBLE_TEXT_MESSAGE } from '../text';

export const PACK_FORMAT = 'backstory-pack';
/** The newest pack format this build reads and the one it writes. */
export const PACK_FORMAT_VERSION = 1;

const nonEmpty = (max: number) =>
  z
    .string({ error: 'expected a string' })
    .trim()
    .min(1, 'expected a non-empty string')
    .max(max, `expected at most ${max} characters`);
/**
 * A name or title people read: non-empty, and not made only of invisible characters either (the empty
 * string is left to min(1), so that it gets one message, not two).
 */
const visible = (max: number) => nonEmpty(max).refine((s) => s === '' || hasVisibleText(s), INVISIBLE_TEXT_MESSAGE);
const text = (max: number) => z.string({ error: 'expected a string' }).max(max, `expected at most ${max} characters`);

/** Local ids name records inside one pack; references between records use them. */
const localId = nonEmpty(200);
/** A reference: the local id of a record in this pack, or the global id (uid) of one elsewhere. */
const ref = nonEmpty(200);
const uid = z
  .string({ error: 'expected a string' })
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'expected a lowercase UUID');
const origin = z
  .string({ error: 'expected a pack id or null' })
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'expected a pack id (lowercase letters, digits, . _ -)')
  .nullable();

export const httpUrl = z
  .string({ error: 'expected a string' })
  .max(2048, 'expected at most 2048 characters')
  .regex(/^https?:\/\/[^\s/$.?#][^\s]*$/, 'expected an http:// or https:// URL');

const link = z.strictObject({ url: httpUrl, title: text(500).optional() });

const partialDate = z
  .string({ error: 'expected a string' })
  .regex(/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/, 'expected a date as YYYY, YYYY-MM or YYYY-MM-DD');

export const aliasSchema = z.union(
  [
    visible(300),
    z.strictObject({
      text: visible(300),
      case: z.enum(CASE_RULES, { error: `expected one of ${CASE_RULES.join(', ')}` }).optional(),
    }),
  ],
  { error: 'expected a non-empty string or an object { "text": ..., "case": ... }' },
);

export const packEntitySchema = z.strictObject({
  id: localId,
  uid: uid.optional(),
  origin: origin.optional(),
  name: visible(300),
  kind: z.enum(ENTITY_KINDS, { error: `expected one of ${ENTITY_KINDS.join(', ')}` }),
  aliases: z.array(aliasSchema, { error: 'expected an array' }).max(1000, 'expected at most 1000 aliases').optional(),
  summary: text(20000).optional(),
  links: z.array(link, { error: 'expected an array' }).max(100, 'expected at most 100 links').optional(),
  tags: z.array(visible(100), { error: 'expected an array' }).max(100, 'expected at most 100 tags').optional(),
  related: z
    .array(z.strictObject({ entity: ref, label: text(200).optional() }), { error: 'expected an array' })
    .max(1000, 'expected at most 1000 related entities')
    .optional(),
});

export const packEventSchema = z.strictObject({
  id: localId,
  uid: uid.optional(),
  origin: origin.optional(),
  title: visible(500),
  date: partialDate,
  endDate: partialDate.optional(),
  place: ref.optional(),
  summary: text(20000).optional(),
  sources: z.array(link, { error: 'expected an array' }).max(100, 'expected at most 100 sources').optional(),
  entities: z
    .array(z.strictObject({ entity: ref, role: text(200).optional() }), { error: 'expected an array' })
    .max(1000, 'expected at most 1000 linked entities')
    .optional(),
});

const isoTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time such as 2020-03-12T09:30:00Z' });

export const packNoteSchema = z.strictObject({
  id: localId,
  uid: uid.optional(),
  origin: origin.optional(),
  about: z.union([z.strictObject({ entity: ref }), z.strictObject({ event: ref })], {
    error: 'expected { "entity": id } or { "event": id }',
  }),
  text: visible(100000),
  created: isoTime.optional(),
  updated: isoTime.optional(),
  page: z.strictObject({ url: httpUrl, title: text(1000).optional(), quote: text(10000).optional() }).optional(),
});

const packId = z
  .string({ error: 'expected a string' })
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,99}$/,
    'expected a pack id: 1-100 lowercase letters, digits, . _ - (starting with a letter or digit)',
  );

export const packInfoSchema = z.strictObject({
  id: packId,
  title: visible(200),
  version: nonEmpty(50),
  description: text(5000).optional(),
  authors: z.array(visible(200), { error: 'expected an array' }).max(100).optional(),
  license: visible(200).nullable().optional(),
  homepage: httpUrl.nullable().optional(),
});

export const packSchema = z.strictObject({
  $schema: z.string().optional(),
  format: z.literal(PACK_FORMAT, { error: `expected "${PACK_FORMAT}"` }),
  formatVersion: z.literal(PACK_FORMAT_VERSION, { error: `expected ${PACK_FORMAT_VERSION}` }),
  pack: packInfoSchema,
  /** Other packs that records of this document come from (see `origin`); written by "export all". */
  origins: z.array(packInfoSchema, { error: 'expected an array' }).max(1000).optional(),
  entities: z.array(packEntitySchema, { error: 'expected an array' }).max(500000).optional(),
  events: z.array(packEventSchema, { error: 'expected an array' }).max(500000).optional(),
  notes: z.array(packNoteSchema, { error: 'expected an array' }).max(500000).optional(),
});

export type PackDocument = z.output<typeof packSchema>;
export type PackInfo = z.output<typeof packInfoSchema>;
export type PackEntity = z.output<typeof packEntitySchema>;
export type PackEvent = z.output<typeof packEventSchema>;
export type PackNote = z.output<typeof packNoteSchema>;

/** The JSON Schema of the format, as committed in docs/pack.schema.json. */
export function packJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(packSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://backstory.invalid/schemas/pack-v1.json',
    title: 'Backstory pack, format version 1',
    description:
      'A shareable set of entities, events and notes. Cross-record rules (unique ids, references that resolve, endDate >= date) are checked by the importer in addition to this schema; see docs/pack-format.md.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
