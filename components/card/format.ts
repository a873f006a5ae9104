/**
 * Pure formatting for the hover card: partial dates and their ranges, relative times, link labels and
 * "is this the same name" checks. English only, and no `Intl`, so output is the same on every machine.
 */
import { PARTIAL_DATE, type Link, type PartialDate } from '../../lib/model';
import { foldKey } from '../../lib/text';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const EN_DASH = '\u2013';

interface DateParts {
  year: string;
  /** 1-12, absent for a year-only date. */
  month?: number;
  /** 1-31, absent for a year or month date. */
  day?: number;
}

function parse(date: PartialDate): DateParts | null {
  if (!PARTIAL_DATE.test(date)) return null;
  const [year, month, day] = date.split('-');
  return {
    year: year!,
    ...(month ? { month: Number(month) } : {}),
    ...(day ? { day: Number(day) } : {}),
  };
}

const monthName = (m: number) => MONTHS[m - 1]!;

function format(p: DateParts): string {
  if (p.month === undefined) return p.year;
  if (p.day === undefined) return `${monthName(p.month)} ${p.year}`;
  return `${p.day} ${monthName(p.month)} ${p.year}`;
}

/** "2017", "Nov 2017", "11 Mar 2020"; anything that is not a partial date comes back as it is. */
export function formatPartialDate(date: PartialDate): string {
  const p = parse(date);
  return p ? format(p) : date;
}

/**
 * A date or a range, sharing what both ends have in common: "11–12 Mar 2020", "8 Nov – 3 Dec 2017",
 * "Nov–Dec 2017", "Dec 2019 – Jan 2020", "2014–2016". Ends of different precision are written out in
 * full ("2017 – Mar 2018"). A missing or equal end gives the single date.
 */
export function formatDateRange(start: PartialDate, end: PartialDate | null | undefined): string {
  if (!end || end === start) return formatPartialDate(start);
  const a = parse(start);
  const b = parse(end);
  if (!a || !b) return `${formatPartialDate(start)} ${EN_DASH} ${formatPartialDate(end)}`;
  const sameYear = a.year === b.year;
  if (a.day !== undefined && b.day !== undefined) {
    if (sameYear && a.month === b.month) return `${a.day}${EN_DASH}${b.day} ${monthName(a.month!)} ${a.year}`;
    if (sameYear) return `${a.day} ${monthName(a.month!)} ${EN_DASH} ${format(b)}`;
  } else if (a.month !== undefined && b.month !== undefined && a.day === undefined && b.day === undefined) {
    if (sameYear) return `${monthName(a.month)}${EN_DASH}${monthName(b.month)} ${a.year}`;
  } else if (a.month === undefined && b.month === undefined) {
    return `${a.year}${EN_DASH}${b.year}`;
  }
  return `${format(a)} ${EN_DASH} ${format(b)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A day in local time: "11 Mar 2020". */
export function formatDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getDate()} ${monthName(d.getMonth() + 1)} ${d.getFullYear()}`;
}

/** A machine-readable timestamp for `<time dateTime>`, or undefined when `ms` is not a valid time. */
export function isoTime(ms: number): string | undefined {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A moment in local time, for tooltips: "11 Mar 2020, 09:05". */
export function formatMoment(ms: number): string {
  const d = new Date(ms);
  return `${formatDay(ms)}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How long ago `ms` was at `now`: "just now", "5 minutes ago", "3 hours ago", "yesterday",
 * "4 days ago", then the day itself ("11 Mar 2020"). Times in the future (another device's clock
 * running ahead) read as "just now".
 */
export function formatRelativeTime(ms: number, now: number): string {
  const ago = now - ms;
  if (ago < MINUTE) return 'just now';
  if (ago < HOUR) return plural(Math.floor(ago / MINUTE), 'minute');
  if (ago < DAY) return plural(Math.floor(ago / HOUR), 'hour');
  if (ago < 2 * DAY) return 'yesterday';
  if (ago < 7 * DAY) return plural(Math.floor(ago / DAY), 'day');
  return formatDay(ms);
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;

/** Whether a reader would take two spellings for the same name (case, diacritics, dashes ignored). */
export function sameName(a: string, b: string): boolean {
  return foldKey(a) === foldKey(b);
}

/** The host of a URL without "www.", or the URL itself when it does not parse. */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

/** What a link shows: its title, else its host. */
export function linkLabel(link: Pick<Link, 'url' | 'title'>): string {
  return link.title.trim() || hostOf(link.url);
}

/**
 * The aliases worth listing besides the name: without the name itself, the text that matched and
 * duplicates (in the folded sense), in their stored order.
 */
export function otherAliases(name: string, aliases: readonly { text: string }[], matched: string): string[] {
  const seen = new Set([foldKey(name), foldKey(matched)]);
  const out: string[] = [];
  for (const a of aliases) {
    const key = foldKey(a.text);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push(a.text);
  }
  return out;
}
