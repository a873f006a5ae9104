/**
 * CSV import: turns a spreadsheet export (a list of people, places and groups, or a list of events)
 * into a pack document, which `parsePack`/`importPack` then validate and import like any other pack.
 *
 * Pure: no browser APIs, no zod. Every problem a reporter can fix in the sheet is a `CsvError` whose
 * message names the row (as the spreadsheet numbers it: the header is row 1) and the column (as the
 * header writes it). What is left out but not fatal (an unknown column, a name nobody knows) is a
 * warning. The rules are documented for people in docs/pack-format.md, "CSV import".
 */
import { ENTITY_KINDS, PARTIAL_DATE, isSafeUrl, type EntityKind } from '../model';
import { UUID_RE } from '../ids';
import { hasVisibleText, isolate } from '../text';
import { PACK_FORMAT, PACK_FORMAT_VERSION, type PackDocument, type PackEntity, type PackEvent } from './schema';

export type CsvKind = 'entities' | 'events';

export interface CsvTable {
  /** Column names, trimmed. */
  header: string[];
  /** Data rows (the header excluded), cells as written, each padded to the header's length. */
  rows: string[][];
}

export class CsvError extends Error {
  constructor(
    message: string,
    /** The row as the spreadsheet shows it: the header is row 1, the first data row row 2. */
    readonly row?: number,
    /** The column's name as the header writes it. */
    readonly column?: string,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

export interface CsvToPackOptions {
  kind: CsvKind;
  pack: { id: string; title: string; version: string };
  /** For events: maps a name written in the sheet (entity or place column) to a store id, or null if unknown. */
  resolveEntity?: (name: string) => string | null;
}

export interface CsvConversion {
  doc: PackDocument;
  warnings: string[];
}

/** More data rows than this are refused: split the sheet. */
export const MAX_CSV_ROWS = 200_000;
/** Longer cells are refused (the longest pack field, a summary, takes 20,000). */
export const MAX_CSV_CELL_CHARS = 100_000;

// ---------------------------------------------------------------------------------------------------
// Parsing (RFC 4180, forgiving where spreadsheets and hand edits differ from it)
// ---------------------------------------------------------------------------------------------------

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * The separator: a comma, unless the header line has more semicolons or tabs than commas
 * (Excel in European locales writes `;`, "CSV" files saved from some tools are tab-separated).
 * Only the header line is looked at, outside quotes.
 */
function detectSeparator(text: string): string {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"')
      quoted = !quoted; // a doubled quote toggles twice: no change, as it should
    else if (quoted) continue;
    else if (c === '\n' || c === '\r') break;
    else if (c === ',' || c === ';' || c === '\t') counts[c]++;
  }
  const best = counts['\t'] > counts[';'] ? '\t' : ';';
  return counts[best] > counts[','] ? best : ',';
}

/** Index of the first separator or line break at or after `from`, or the text's length. */
function fieldEnd(text: string, from: number, sep: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === sep || c === LF || c === CR) break;
    i++;
  }
  return i;
}

const isBlank = (cells: readonly string[]) => cells.every((c) => c.trim() === '');

/** How a message names a column: by its header, or by position when the header cell is empty. */
function columnLabel(header: readonly string[] | null, index: number): string {
  const name = header?.[index];
  return name ? `column ${quote(name)}` : `column ${index + 1}`;
}

/**
 * A value quoted for a message, shortened when long, and isolated when it could reorder the words
 * after it (a right-to-left override in a cell must not scramble the message that quotes it).
 */
function quote(value: string): string {
  const short = value.length > 80 ? `${value.slice(0, 77)}…` : value;
  return isolate(`"${short}"`);
}

/**
 * Parses CSV text into a header and rows. Quoted cells may hold separators, doubled quotes and line
 * breaks (CRLF, LF or CR; inside a cell they become LF). A UTF-8 byte order mark and blank lines at
 * the end are dropped; blank lines elsewhere stay, as empty rows, so that row numbers match the sheet.
 */
export function parseCsv(text: string): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new CsvError('The file is empty.');
  const sep = detectSeparator(text).charCodeAt(0);
  const n = text.length;
  const records: string[][] = [];
  let header: string[] | null = null;
  let cells: string[] = [];
  let i = 0;
  for (;;) {
    const rowNo = records.length + 1;
    let value: string;
    if (text.charCodeAt(i) === QUOTE) {
      // A quoted cell: runs to the next quote that is not doubled.
      let inner = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          const col = header?.[cells.length];
          throw new CsvError(
            `Row ${rowNo}, ${columnLabel(header, cells.length)}: a quoted cell is never closed (a " is missing), so the rest of the file would be read as one cell. Check the quotes in this row.`,
            rowNo,
            col || undefined,
          );
        }
        inner += text.slice(j, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          inner += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Anything between the closing quote and the next separator (`"a"b`) is kept, as Excel does.
      const end = fieldEnd(text, i, sep);
      value = inner.replace(/\r\n?/g, '\n') + text.slice(i, end);
      i = end;
    } else {
      // An unquoted cell; a quote inside it (`5" pipe`) is an ordinary character.
      const end = fieldEnd(text, i, sep);
      value = text.slice(i, end);
      i = end;
    }
    if (value.length > MAX_CSV_CELL_CHARS) {
      const col = header?.[cells.length];
      throw new CsvError(
        `Row ${rowNo}, ${columnLabel(header, cells.length)}: this cell has ${value.length.toLocaleString('en')} characters; the limit is ${MAX_CSV_CELL_CHARS.toLocaleString('en')}.`,
        rowNo,
        col || undefined,
      );
    }
    cells.push(value);
    if (i < n && text.charCodeAt(i) === sep) {
      i++;
      continue;
    }
    // End of the row.
    if (header === null) header = cells.map((c) => c.trim());
    else if (records.length > MAX_CSV_ROWS && !isBlank(cells))
      throw new CsvError(
        `This file has more than ${MAX_CSV_ROWS.toLocaleString('en')} rows, the most one import takes. Split it into smaller files.`,
      );
    records.push(cells);
    cells = [];
    if (i >= n) break;
    i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    if (i >= n) break; // a final line break does not start another row
  }
  while (records.length > 1 && isBlank(records[records.length - 1]!)) records.pop();

  const width = header!.length;
  const rows = records.slice(1).map((row, k) => {
    if (row.length <= width) return row.concat(Array<string>(width - row.length).fill(''));
    // Extra cells are dropped when empty (a trailing separator); otherwise the row is shifted, most
    // likely by a separator inside a cell that was not quoted, and reading on would mix up columns.
    const extra = row.slice(width).find((c) => c.trim() !== '');
    if (extra !== undefined)
      throw new CsvError(
        `Row ${k + 2} has ${row.length} cells but the header names ${width} columns (${quote(extra.trim())} is past the last one). A cell that contains a separator must be in double quotes.`,
        k + 2,
      );
    return row.slice(0, width);
  });
  return { header: header!, rows };
}

// ---------------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------------

type EntityField = 'id' | 'name' | 'kind' | 'aliases' | 'summary' | 'tags' | 'links';
type EventField = 'id' | 'title' | 'date' | 'endDate' | 'place' | 'summary' | 'entities' | 'sources';
type Field = EntityField | EventField;

/** Header names (after `headerKey`) and the field each stands for. */
const ENTITY_COLUMNS: Readonly<Record<string, EntityField>> = {
  id: 'id',
  name: 'name',
  kind: 'kind',
  type: 'kind',
  aliases: 'aliases',
  alias: 'aliases',
  alsoknownas: 'aliases',
  aka: 'aliases',
  summary: 'summary',
  description: 'summary',
  notes: 'summary',
  tags: 'tags',
  tag: 'tags',
  links: 'links',
  link: 'links',
  url: 'links',
  urls: 'links',
};
const EVENT_COLUMNS: Readonly<Record<string, EventField>> = {
  id: 'id',
  title: 'title',
  date: 'date',
  startdate: 'date',
  enddate: 'endDate',
  end: 'endDate',
  place: 'place',
  location: 'place',
  summary: 'summary',
  description: 'summary',
  notes: 'summary',
  entities: 'entities',
  people: 'entities',
  involved: 'entities',
  sources: 'sources',
  source: 'sources',
  links: 'sources',
  link: 'sources',
  url: 'sources',
  urls: 'sources',
};
/** Fields several columns may fill together (their values are joined); for the others the first column wins. */
const MERGED_FIELDS: ReadonlySet<Field> = new Set(['aliases', 'summary', 'tags', 'links', 'entities', 'sources']);

/** `table[key]`, but never an inherited property (a column called "constructor" is just unknown). */
const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/** `" Also_known as "` -> `alsoknownas`: case, spaces, underscores, hyphens and dots do not count. */
const headerKey = (name: string) => name.toLowerCase().replace(/[\s_.-]+/g, '');

/**
 * Whether a header is one of events (a date column, or a title column) or of entities (a name
 * column). A title column next to a name column is taken for a job title: a list of people.
 */
export function detectKind(header: string[]): CsvKind | null {
  const fields = new Set(
    header.map((h) => own<Field>(EVENT_COLUMNS, headerKey(h)) ?? own(ENTITY_COLUMNS, headerKey(h))),
  );
  if (fields.has('date') || (fields.has('title') && !fields.has('name'))) return 'events';
  if (fields.has('name')) return 'entities';
  return null;
}

interface Column {
  index: number;
  /** The header as written, for messages. */
  name: string;
}

/** Which columns give which field; every column left unused gets a warning. */
function mapColumns(table: CsvTable, names: Readonly<Record<string, Field>>, warnings: string[]) {
  const byField = new Map<Field, Column[]>();
  table.header.forEach((name, index) => {
    if (name === '') {
      // An unnamed column is usually a trailing separator; only mention it when it holds something.
      if (table.rows.some((r) => r[index]!.trim() !== '')) warnings.push(`column ${index + 1} (no name) was ignored`);
      return;
    }
    const field = own(names, headerKey(name));
    if (field === undefined) {
      warnings.push(`column ${quote(name)} was ignored`);
      return;
    }
    const columns = byField.get(field) ?? [];
    if (columns.length && !MERGED_FIELDS.has(field)) {
      warnings.push(`column ${quote(name)} was ignored: column ${quote(columns[0]!.name)} gives the same thing`);
      return;
    }
    byField.set(field, [...columns, { index, name }]);
  });
  return byField;
}

// ---------------------------------------------------------------------------------------------------
// Cells
// ---------------------------------------------------------------------------------------------------

/** One cell's text, trimmed, with the column it came from. */
interface Cell {
  value: string;
  column: Column;
}

/** Reading the cells of one data row; every error names the row and the column. */
class RowReader {
  constructor(
    readonly row: number,
    private readonly cells: readonly string[],
    private readonly columns: Map<Field, Column[]>,
  ) {}

  fail(column: Column, message: string): never {
    throw new CsvError(`Row ${this.row}, column ${quote(column.name)}: ${message}`, this.row, column.name);
  }

  /** The non-empty cells of a field (one for most fields, several for merged ones). */
  all(field: Field): Cell[] {
    return (this.columns.get(field) ?? [])
      .map((column) => ({ value: this.cells[column.index]!.trim(), column }))
      .filter((c) => c.value !== '');
  }

  one(field: Field): Cell | undefined {
    return this.all(field)[0];
  }

  /** A required cell; its column is known to exist (checked once for the whole sheet). */
  required(field: Field, why: string): Cell {
    const cell = this.one(field);
    if (!cell) this.fail(this.columns.get(field)![0]!, `this cell is empty; ${why}.`);
    // Looks empty in the sheet, yet trim() keeps it: zero-width spaces, direction marks and the like.
    if (!hasVisibleText(cell.value))
      this.fail(
        cell.column,
        `this cell has only invisible characters (such as zero-width spaces or direction marks); ${why}.`,
      );
    return cell;
  }

  /** Refuses a value longer than the pack format allows. */
  limit(cell: Cell, value: string, max: number, what: string): string {
    if (value.length > max)
      this.fail(cell.column, `${what} ${quote(value)} is ${value.length} characters long; the most is ${max}.`);
    return value;
  }

  /**
   * The items of a list cell, split on `split`, trimmed, without exact repeats and without empty ones
   * (an item of only invisible characters, such as a zero-width space, counts as empty).
   */
  list(field: Field, split: RegExp, maxEach: number, maxCount: number, [one, many]: [string, string]): string[] {
    const out = new Set<string>();
    for (const cell of this.all(field))
      for (const item of cell.value.split(split)) {
        const v = oneLine(item);
        if (hasVisibleText(v)) out.add(this.limit(cell, v, maxEach, `the ${one}`));
      }
    if (out.size > maxCount)
      this.fail(this.all(field)[0]!.column, `there are ${out.size} ${many}; the most is ${maxCount}.`);
    return [...out];
  }

  /** http(s) links: anything else (javascript:, data:, a bare www.…) is refused, never dropped silently. */
  links(field: Field): { url: string }[] {
    const out: { url: string }[] = [];
    const seen = new Set<string>();
    for (const cell of this.all(field))
      for (const token of cell.value.split(/[\s;|]+/)) {
        if (!token) continue;
        // Spreadsheets sometimes capitalise the scheme ("Https://"); the format wants it lowercase.
        const url = token.replace(/^https?:/i, (s) => s.toLowerCase());
        if (!HTTP_URL.test(url) || !isSafeUrl(url))
          this.fail(cell.column, `${quote(token)} is not a web link; links must start with http:// or https://.`);
        this.limit(cell, url, 2048, 'the link');
        if (!seen.has(url)) out.push({ url });
        seen.add(url);
      }
    if (out.length > 100) this.fail(this.all(field)[0]!.column, `there are ${out.length} links; the most is 100.`);
    return out;
  }

  /** The summary: the field's cells (several columns may give it), separated by a blank line. */
  summary(): string | undefined {
    const cells = this.all('summary');
    if (!cells.length) return undefined;
    const text = cells.map((c) => c.value.replace(/\r\n?/g, '\n')).join('\n\n');
    return this.limit(cells[0]!, text, 20000, 'the summary');
  }

  date(cell: Cell): string {
    const date = isoDate(cell.value);
    if (date !== null) return date;
    // Day and month in some order: say why it is not guessed.
    const why = /^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/.test(cell.value)
      ? ' Only year-month-day dates are read: 7/3/2021 could mean 7 March or 3 July.'
      : '';
    this.fail(cell.column, `${quote(cell.value)} is not a date; write 2021-03-07, 2021-03 or 2021.${why}`);
  }
}

/** The link rule of the pack format (`httpUrl` in schema.ts). */
const HTTP_URL = /^https?:\/\/[^\s/$.?#][^\s]*$/;

/** Runs of whitespace (line breaks included) collapsed to one space, trimmed: for names, titles, tags. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** `2021`, `2021-03`, `2021-03-07`, and the unpadded `2021-3-7`; null for anything else. */
function isoDate(value: string): string | null {
  const m = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/.exec(value);
  if (!m) return null;
  const date = [m[1], m[2]?.padStart(2, '0'), m[3]?.padStart(2, '0')].filter((p) => p !== undefined).join('-');
  return PARTIAL_DATE.test(date) ? date : null;
}

/** `person`, `Organisation`, `org`… -> an entity kind; null if not one. */
const KIND_NAMES: Readonly<Record<string, EntityKind>> = {
  ...Object.fromEntries(ENTITY_KINDS.map((k) => [k, k])),
  people: 'person',
  persons: 'person',
  places: 'place',
  organisation: 'organization',
  organizations: 'organization',
  organisations: 'organization',
  org: 'organization',
  orgs: 'organization',
  groups: 'group',
  topics: 'topic',
};

// ---------------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------------

/**
 * A readable local id from a name: lowercase, diacritics removed, apostrophes dropped, everything
 * that is not a letter or digit made a hyphen (`Ālbū Kamāl` -> `albu-kamal`, `Kata'ib` -> `kataib`).
 * Letters of every script are kept. The same name always gives the same id, so re-importing an
 * edited sheet updates its records instead of duplicating them.
 */
function slug(name: string, fallback: string): string {
  const s = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/['’ʼʻ`´‘]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  // Cut long names by code point (not to split a surrogate pair), then drop a hyphen left at the end.
  return Array.from(s).slice(0, 80).join('').replace(/-+$/, '') || fallback;
}

interface Pending<T> {
  record: T;
  row: number;
  /** The id cell, when the sheet gives one. */
  idCell: Cell | undefined;
  /** What the id is derived from otherwise. */
  base: string;
}

/**
 * Gives every record its local id: the sheet's own ids first (they must be unique), then derived
 * ones in row order, the second of a name getting `-2`, the third `-3`, skipping ids already taken.
 */
function assignIds<T extends { id: string }>(pending: Pending<T>[], fallback: string): T[] {
  const taken = new Map<string, number>();
  for (const p of pending) {
    if (!p.idCell) continue;
    const first = taken.get(p.idCell.value);
    if (first !== undefined)
      throw new CsvError(
        `Row ${p.row}, column ${quote(p.idCell.column.name)}: the id ${quote(p.idCell.value)} is already used in row ${first}; ids must be unique.`,
        p.row,
        p.idCell.column.name,
      );
    taken.set(p.idCell.value, p.row);
    p.record.id = p.idCell.value;
  }
  for (const p of pending) {
    if (p.idCell) continue;
    const base = slug(p.base, fallback);
    let id = base;
    for (let k = 2; taken.has(id); k++) id = `${base}-${k}`;
    taken.set(id, p.row);
    p.record.id = id;
  }
  return pending.map((p) => p.record);
}

// ---------------------------------------------------------------------------------------------------
// Conversion
// ---------------------------------------------------------------------------------------------------

/** The columns a kind of sheet cannot do without, with the field each gives. */
const REQUIRED: Record<CsvKind, [Field, string][]> = {
  entities: [['name', 'name']],
  events: [
    ['title', 'title'],
    ['date', 'date'],
  ],
};

/**
 * Converts a parsed sheet into a pack document of entities or of events. Throws a `CsvError` naming
 * the row and column of the first problem; returns warnings for what was left out.
 */
export function csvToPack(table: CsvTable, options: CsvToPackOptions): CsvConversion {
  const warnings: string[] = [];
  const columns = mapColumns(table, options.kind === 'entities' ? ENTITY_COLUMNS : EVENT_COLUMNS, warnings);
  for (const [field, name] of REQUIRED[options.kind])
    if (!columns.has(field))
      throw new CsvError(
        `The sheet has no ${quote(name)} column; ${options.kind === 'entities' ? 'a list of entities needs one' : 'a list of events needs a "title" and a "date" column'}. Its columns are: ${table.header.filter(Boolean).map(quote).join(', ') || 'none'}.`,
        1,
        name,
      );

  const readers = table.rows
    .map((cells, k) => new RowReader(k + 2, cells, columns))
    .filter((_, k) => !isBlank(table.rows[k]!));
  if (!readers.length) throw new CsvError('The sheet has no rows under the header: there is nothing to import.');

  const doc: PackDocument = {
    format: PACK_FORMAT,
    formatVersion: PACK_FORMAT_VERSION,
    pack: { id: options.pack.id, title: options.pack.title, version: options.pack.version },
  };
  if (options.kind === 'entities') doc.entities = assignIds(readers.map(readEntity), 'entity');
  else {
    const resolve = resolverFor(options.resolveEntity);
    doc.events = assignIds(
      readers.map((r) => readEvent(r, resolve, warnings)),
      'event',
    );
  }
  return { doc, warnings };
}

function readEntity(r: RowReader): Pending<PackEntity> {
  const nameCell = r.required('name', 'every entity needs a name');
  const name = r.limit(nameCell, oneLine(nameCell.value), 300, 'the name');
  let kind: EntityKind = 'other';
  const kindCell = r.one('kind');
  if (kindCell) {
    const k = own(KIND_NAMES, kindCell.value.toLowerCase());
    if (!k) r.fail(kindCell.column, `${quote(kindCell.value)} is not one of ${ENTITY_KINDS.join(', ')}.`);
    kind = k;
  }
  const record: PackEntity = { id: '', name, kind };
  const aliases = r.list('aliases', /[;|]/, 300, 1000, ['alias', 'aliases']);
  if (aliases.length) record.aliases = aliases;
  const summary = r.summary();
  if (summary) record.summary = summary;
  const links = r.links('links');
  if (links.length) record.links = links;
  const tags = r.list('tags', /[;|,]/, 100, 100, ['tag', 'tags']);
  if (tags.length) record.tags = tags;
  return { record, row: r.row, idCell: idCell(r), base: name };
}

type Resolve = (name: string) => string | null;

/** The caller's resolver, checked: a store id is a UUID, anything else would make an invalid pack. */
function resolverFor(resolveEntity: CsvToPackOptions['resolveEntity']): Resolve {
  if (!resolveEntity) return () => null;
  return (name) => {
    const id = resolveEntity(name);
    if (id !== null && !UUID_RE.test(id))
      throw new TypeError(`resolveEntity(${JSON.stringify(name)}) returned ${JSON.stringify(id)}, not a store id`);
    return id;
  };
}

function readEvent(r: RowReader, resolve: Resolve, warnings: string[]): Pending<PackEvent> {
  const titleCell = r.required('title', 'every event needs a title');
  const title = r.limit(titleCell, oneLine(titleCell.value), 500, 'the title');
  const date = r.date(r.required('date', 'every event needs a date'));
  const record: PackEvent = { id: '', title, date };
  const endCell = r.one('endDate');
  if (endCell) {
    const endDate = r.date(endCell);
    // Compared at the end date's precision, like the importer: 2017-11-08 to 2017-11 is fine.
    if (endDate < date.slice(0, endDate.length))
      r.fail(endCell.column, `the event ends (${endDate}) before it starts (${date}).`);
    record.endDate = endDate;
  }
  const unknown = (name: string) => warnings.push(`row ${r.row}: no entity called ${quote(name)}; left out`);
  const placeCell = r.one('place');
  if (placeCell) {
    const place = oneLine(placeCell.value);
    const id = resolve(place);
    if (id) record.place = id;
    else unknown(place);
  }
  const summary = r.summary();
  if (summary) record.summary = summary;
  const sources = r.links('sources');
  if (sources.length) record.sources = sources;

  const links: { entity: string; role?: string }[] = [];
  const seen = new Set<string>();
  for (const cell of r.all('entities'))
    for (const item of cell.value.split(/[;|]/)) {
      const text = oneLine(item);
      if (!text) continue;
      const link = resolveLink(text, resolve);
      if (!link) {
        unknown(text);
        continue;
      }
      if (link.role !== undefined) r.limit(cell, link.role, 200, 'the role');
      const key = `${link.entity}\u0000${link.role ?? ''}`;
      if (!seen.has(key)) links.push(link);
      seen.add(key);
    }
  if (links.length > 1000)
    r.fail(r.all('entities')[0]!.column, `there are ${links.length} entities; the most is 1000.`);
  if (links.length) record.entities = links;
  return { record, row: r.row, idCell: idCell(r), base: `${date} ${title}` };
}

/**
 * `Name (role)` -> the entity and its role. The whole text is tried as a name first, so that a name
 * with brackets of its own (`Islamic State (IS)`) is not taken for a name and a role.
 */
function resolveLink(text: string, resolve: Resolve): { entity: string; role?: string } | null {
  const whole = resolve(text);
  if (whole) return { entity: whole };
  const m = /^(.*\S)\s*\(([^()]*)\)$/.exec(text);
  if (!m) return null;
  const entity = resolve(m[1]!);
  if (!entity) return null;
  const role = m[2]!.trim();
  return role ? { entity, role } : { entity };
}

function idCell(r: RowReader): Cell | undefined {
  const cell = r.one('id');
  if (cell) r.limit(cell, cell.value, 200, 'the id');
  return cell;
}

// ---------------------------------------------------------------------------------------------------
// Pack id
// ---------------------------------------------------------------------------------------------------

/** FNV-1a, 32 bits, as 8 hex digits: a short, stable fingerprint (not for security). */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The pack id for a sheet, from its file name: `Militias 2024.csv` -> `csv-militias-2024`. The same
 * file name gives the same pack, so importing the sheet again updates it (and retires the rows that
 * were removed). When letters or digits cannot be written in the pack id alphabet (`Milices Ḥalab`
 * is fine, `ميليشيات` is not), a fingerprint of the name is added so that two such sheets do not
 * share a pack.
 */
export function csvPackId(fileName: string): string {
  const base = (fileName.split(/[/\\]/).pop() ?? '').replace(/\.(csv|tsv|tab|txt)$/i, '').normalize('NFC');
  const folded = base
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/['’ʼʻ`´‘]/g, '');
  const ascii = folded.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const lost = /[^a-z0-9\P{L}]|[^0-9\P{N}]/u.test(folded) || !ascii;
  const suffix = lost ? `-${fnv1a(base)}` : '';
  // 100 characters at most: "csv-", the name cut to fit, the fingerprint.
  const name = ascii.slice(0, 100 - 4 - suffix.length).replace(/-+$/, '');
  return `csv-${name || 'sheet'}${suffix}`;
}
