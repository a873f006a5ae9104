/**
 * Reading a pack: JSON text or a parsed value in, a validated document or a user-readable error out.
 * Every problem names the field path (`entities[3].aliases[0]: expected a non-empty string`).
 */
import type { z } from 'zod';
import { err, ok, type AppError, type Result } from '../result';
import { UUID_RE } from '../ids';
import { isolate } from '../text';
import { PACK_FORMAT, PACK_FORMAT_VERSION, packSchema, type PackDocument } from './schema';

/** Longer texts (in UTF-16 characters) are refused before parsing: no real pack comes near it. */
export const MAX_PACK_CHARS = 64 * 1024 * 1024;
const MAX_ISSUES_SHOWN = 20;

type Issue = NonNullable<AppError['issues']>[number];

/** `["entities", 3, "aliases", 0]` -> `entities[3].aliases[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${isolate(JSON.stringify(String(key)))}]`;
  }
  return out || '(top level)';
}

/** A user's id quoted in a message (isolated, so that a direction override inside it stays inside). */
const quoted = (id: string) => isolate(`"${id}"`);

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v === 'string' ? 'a string' : `a ${typeof v}`;
}

function toIssues(input: unknown, zodIssues: readonly z.core.$ZodIssue[]): Issue[] {
  const out: Issue[] = [];
  for (const issue of zodIssues) {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
      continue;
    }
    const value = valueAt(input, issue.path);
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && value === undefined) {
      out.push({ path, message: 'required field is missing' });
    } else if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
      out.push({ path, message: `${issue.message} (found ${describe(value)})` });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

function invalid(issues: Issue[]): Result<never> {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return err(
    'invalid-pack',
    `This pack is not valid, nothing was imported: ${first.path}: ${first.message}${more}.`,
    issues.slice(0, MAX_ISSUES_SHOWN),
  );
}

/** Checks what a schema cannot: unique ids, references that resolve, date order. */
function crossCheck(doc: PackDocument): Issue[] {
  const issues: Issue[] = [];
  const idsOf = (list: readonly { id: string }[] | undefined, name: string): Set<string> => {
    const seen = new Map<string, number>();
    (list ?? []).forEach((r, i) => {
      const first = seen.get(r.id);
      if (first !== undefined)
        issues.push({ path: `${name}[${i}].id`, message: `duplicate id ${quoted(r.id)} (also ${name}[${first}])` });
      else seen.set(r.id, i);
    });
    return new Set(seen.keys());
  };
  const entityIds = idsOf(doc.entities, 'entities');
  const eventIds = idsOf(doc.events, 'events');
  idsOf(doc.notes, 'notes');
  // Global ids must be unique too, or one record would silently overwrite another.
  const uids = new Map<string, string>();
  for (const name of ['entities', 'events', 'notes'] as const) {
    (doc[name] ?? []).forEach((r, i) => {
      if (r.uid === undefined) return;
      const first = uids.get(r.uid);
      if (first) issues.push({ path: `${name}[${i}].uid`, message: `duplicate uid ${quoted(r.uid)} (also ${first})` });
      else uids.set(r.uid, `${name}[${i}]`);
    });
  }
  const resolves = (ids: Set<string>, ref: string) => ids.has(ref) || UUID_RE.test(ref);
  const checkRef = (ids: Set<string>, ref: string, path: string, what: string) => {
    if (!resolves(ids, ref)) issues.push({ path, message: `unknown ${what} id ${quoted(ref)} (not in this pack)` });
  };
  doc.entities?.forEach((e, i) =>
    e.related?.forEach((r, j) => checkRef(entityIds, r.entity, `entities[${i}].related[${j}].entity`, 'entity')),
  );
  doc.events?.forEach((ev, i) => {
    if (ev.place !== undefined) checkRef(entityIds, ev.place, `events[${i}].place`, 'entity');
    ev.entities?.forEach((l, j) => checkRef(entityIds, l.entity, `events[${i}].entities[${j}].entity`, 'entity'));
    if (ev.endDate !== undefined && ev.endDate < ev.date.slice(0, ev.endDate.length))
      issues.push({ path: `events[${i}].endDate`, message: `ends (${ev.endDate}) before it starts (${ev.date})` });
  });
  doc.notes?.forEach((n, i) => {
    if ('entity' in n.about) checkRef(entityIds, n.about.entity, `notes[${i}].about.entity`, 'entity');
    else checkRef(eventIds, n.about.event, `notes[${i}].about.event`, 'event');
  });
  return issues;
}

/**
 * What a wrong "format" field holds, for the message: a string quoted (cut short), anything else
 * described, never serialised (an array nested 100,000 deep would overflow the stack).
 */
function formatOf(value: unknown): string {
  if (value === undefined) return 'missing';
  return typeof value === 'string' ? isolate(JSON.stringify(value.slice(0, 100))) : describe(value);
}

/** Validates a pack given as JSON text or as an already parsed value. */
export function parsePack(input: unknown): Result<PackDocument> {
  let data = input;
  if (typeof input === 'string') {
    if (input.length > MAX_PACK_CHARS)
      return err(
        'invalid-pack',
        `This file is too large to be a pack (over ${MAX_PACK_CHARS / 1024 / 1024} MB). Nothing was imported.`,
      );
    try {
      data = JSON.parse(input);
    } catch (e) {
      return err(
        'invalid-pack',
        `This file is not valid JSON, nothing was imported (${isolate((e as Error).message)}).`,
      );
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return err(
      'invalid-pack',
      `This is not a Backstory pack: expected a JSON object, found ${describe(data)}. Nothing was imported.`,
    );
  const head = data as Record<string, unknown>;
  if (head.format !== PACK_FORMAT)
    return err(
      'invalid-pack',
      `This is not a Backstory pack: its "format" field is ${formatOf(head.format)}, expected "${PACK_FORMAT}". Nothing was imported.`,
    );
  const version = head.formatVersion;
  if (typeof version === 'number' && Number.isInteger(version) && version > PACK_FORMAT_VERSION)
    return err(
      'unsupported-version',
      `This pack uses format version ${version}, made by a newer Backstory; this version reads format ${PACK_FORMAT_VERSION} and older. Update Backstory to import it. Nothing was imported.`,
    );
  const parsed = packSchema.safeParse(data);
  if (!parsed.success) return invalid(toIssues(data, parsed.error.issues));
  const cross = crossCheck(parsed.data);
  if (cross.length) return invalid(cross);
  return ok(parsed.data);
}
