/**
 * Validated shapes of what extension pages send to the store (through the message contract) and of
 * what the pack importer hands it. One definition, so a write is checked the same way wherever it
 * comes from.
 */
import { z } from 'zod';
import { CASE_RULES, ENTITY_KINDS, PARTIAL_DATE } from './model';
import { httpUrl } from './pack/schema';
import { hasVisibleText, INVISIBLE_TEXT_MESSAGE } from './text';

const str = (max: number) => z.string().max(max, `expected at most ${max} characters`);
const nonEmpty = (max: number) =>
  z.string().trim().min(1, 'expected a non-empty string').max(max, `expected at most ${max} characters`);
/**
 * A name or title people read: non-empty, and not made only of invisible characters either (the empty
 * string is left to min(1), so that it gets one message, not two).
 */
const visible = (max: number) => nonEmpty(max).refine((s) => s === '' || hasVisibleText(s), INVISIBLE_TEXT_MESSAGE);
const id = nonEmpty(200);
const link = z.object({ url: httpUrl, title: str(500).default('') });
const date = z.string().regex(PARTIAL_DATE, 'expected a date as YYYY, YYYY-MM or YYYY-MM-DD');

export const entityInput = z.object({
  name: visible(300),
  kind: z.enum(ENTITY_KINDS, { error: `expected one of ${ENTITY_KINDS.join(', ')}` }),
  aliases: z
    .array(
      z.object({
        text: visible(300),
        case: z.enum(CASE_RULES, { error: `expected one of ${CASE_RULES.join(', ')}` }).default('auto'),
      }),
    )
    .max(1000)
    .default([]),
  summary: str(20000).default(''),
  links: z.array(link).max(100).default([]),
  tags: z.array(visible(100)).max(100).default([]),
  related: z
    .array(z.object({ entity: id, label: str(200).default('') }))
    .max(1000)
    .default([]),
});

export const eventInput = z
  .object({
    title: visible(500),
    date,
    endDate: date.nullable().default(null),
    place: id.nullable().default(null),
    summary: str(20000).default(''),
    sources: z.array(link).max(100).default([]),
    entities: z
      .array(z.object({ entity: id, role: str(200).default('') }))
      .max(1000)
      .default([]),
  })
  .refine((e) => e.endDate === null || e.endDate >= e.date.slice(0, e.endDate.length), {
    path: ['endDate'],
    message: 'the end date is before the start date',
  });

export const noteInput = z.object({
  about: z.object({ type: z.enum(['entity', 'event']), id }),
  text: visible(100000),
  page: z
    .object({ url: httpUrl, title: str(1000).default(''), quote: str(10000).default('') })
    .nullable()
    .default(null),
});

export type EntityInput = z.input<typeof entityInput>;
export type EventInput = z.input<typeof eventInput>;
export type NoteInput = z.input<typeof noteInput>;
