/**
 * Dates as lists write them (design.md §3.2): ISO 8601, `jj/mm/aaaa`, and
 * `aaaa-mm-jj hh:mm[:ss]` as CRM exports write them. A date without a zone is Europe/Paris
 * time. Pure: the zone offset comes from Intl's time-zone data, never from the clock.
 */

export const PARIS = 'Europe/Paris';

/** A wall-clock time in some time zone. `month` is 1–12. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock time of an instant in a time zone. */
export function wallClockOf(instant: Date, timeZone: string = PARIS): WallClock {
  const w: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type === 'weekday') w.weekday = WEEKDAYS[p.value] ?? 0;
    else if (p.type === 'year' || p.type === 'month' || p.type === 'day') w[p.type] = Number(p.value);
    else if (p.type === 'hour' || p.type === 'minute' || p.type === 'second') w[p.type] = Number(p.value);
  }
  return w;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
// Offsets change at most once a day, at an hour boundary, in every zone we care about: a
// UTC day whose first and last hour share an offset is cached whole; the few days with a
// change are cached hour by hour. Lists repeat the same dates, so Intl is rarely asked.
const dayOffsets = new Map<string, Map<number, number>>();
const hourOffsets = new Map<string, Map<number, number>>();

function cacheFor(caches: Map<string, Map<number, number>>, timeZone: string): Map<number, number> {
  let cache = caches.get(timeZone);
  if (!cache) {
    cache = new Map();
    caches.set(timeZone, cache);
  }
  if (cache.size > 100_000) cache.clear();
  return cache;
}

function hourOffset(hour: number, timeZone: string): number {
  const cache = cacheFor(hourOffsets, timeZone);
  let offset = cache.get(hour);
  if (offset === undefined) {
    const w = wallClockOf(new Date(hour * HOUR), timeZone);
    offset = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - hour * HOUR;
    cache.set(hour, offset);
  }
  return offset;
}

/** The zone's offset from UTC (ms) at an instant. */
export function offsetAt(utcMs: number, timeZone: string = PARIS): number {
  const cache = cacheFor(dayOffsets, timeZone);
  const day = Math.floor(utcMs / DAY);
  let offset = cache.get(day);
  if (offset === undefined) {
    const first = hourOffset(day * 24, timeZone);
    // NaN marks a day with a change: look it up by the hour
    offset = first === hourOffset(day * 24 + 23, timeZone) ? first : Number.NaN;
    cache.set(day, offset);
  }
  return Number.isNaN(offset) ? hourOffset(Math.floor(utcMs / HOUR), timeZone) : offset;
}

/**
 * The instant of a wall-clock time in a time zone. In the autumn overlap the earlier
 * instant is taken; a time in the spring gap is moved forward by the gap.
 */
export function instantOf(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  millisecond = 0,
  timeZone: string = PARIS,
): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  let utc: number | undefined;
  for (const offset of [before, after]) {
    const candidate = wall - offset;
    if (candidate + offsetAt(candidate, timeZone) === wall && (utc === undefined || candidate < utc)) utc = candidate;
  }
  // in a spring gap no candidate round-trips: the offset before the change moves the time forward
  if (utc === undefined) utc = wall - before;
  return new Date(utc);
}

function validCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

// aaaa-mm-jj, optional [T ]hh:mm[:ss[.fff]], optional Z or ±hh[:]mm
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
// jj/mm/aaaa, optional hh:mm[:ss] (Excel writes both)
const FRENCH = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A copy of a short string that does not hold on to the text it was cut from: a cell
 * sliced out of a 256 KB chunk would keep the whole chunk alive as a cache key.
 */
export const ownCopy = (s: string): string => `${s} `.slice(0, -1);

// Lists repeat the same dates over and over: parsed texts are cached (bounded), as epoch ms
// (NaN: not a date).
const dateCache = new Map<string, number>();

/**
 * Parse a list date (design.md §3.2) to epoch milliseconds; undefined when the text is not
 * one of the accepted forms or not a real calendar date. A date without a zone is
 * Europe/Paris time.
 */
export function parseListTime(text: string): number | undefined {
  let t = dateCache.get(text);
  if (t === undefined) {
    t = parseUncached(text.trim())?.getTime() ?? Number.NaN;
    if (dateCache.size > 50_000) dateCache.clear();
    dateCache.set(ownCopy(text), t);
  }
  return Number.isNaN(t) ? undefined : t;
}

/** parseListTime as a Date (a fresh object each time). */
export function parseListDate(text: string): Date | undefined {
  const t = parseListTime(text);
  return t === undefined ? undefined : new Date(t);
}

function parseUncached(s: string): Date | undefined {
  let y: number;
  let mo: number;
  let d: number;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  let zone: string | undefined;
  const iso = ISO.exec(s);
  if (iso) {
    y = Number(iso[1]);
    mo = Number(iso[2]);
    d = Number(iso[3]);
    if (iso[4] !== undefined) {
      h = Number(iso[4]);
      mi = Number(iso[5]);
      sec = iso[6] !== undefined ? Number(iso[6]) : 0;
      ms = iso[7] !== undefined ? Number(iso[7].slice(0, 3).padEnd(3, '0')) : 0;
    }
    zone = iso[8];
  } else {
    const fr = FRENCH.exec(s);
    if (!fr) return undefined;
    d = Number(fr[1]);
    mo = Number(fr[2]);
    y = Number(fr[3]);
    if (fr[4] !== undefined) {
      h = Number(fr[4]);
      mi = Number(fr[5]);
      sec = fr[6] !== undefined ? Number(fr[6]) : 0;
    }
  }
  if (!validCalendarDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return undefined;
  if (zone === undefined) return instantOf(y, mo, d, h, mi, sec, ms, PARIS);
  let offsetMin = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 14 || om > 59) return undefined;
    offsetMin = sign * (oh * 60 + om);
  }
  return new Date(Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000);
}

/** `n` calendar years after an instant; Feb 29 becomes Feb 28 in a non-leap year (never later). */
export function addYears(instant: Date, years: number): Date {
  const d = new Date(instant.getTime());
  const month = d.getUTCMonth();
  d.setUTCFullYear(d.getUTCFullYear() + years);
  // setUTCFullYear rolls Feb 29 over to Mar 1: step back to Feb 28 (the earlier date, the safe side)
  if (d.getUTCMonth() !== month) d.setUTCDate(0);
  return d;
}

/** `n` days after an instant. */
export function addDays(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * 86_400_000);
}

/** The later of some optional instants, or undefined. */
export function latest(...dates: (Date | undefined)[]): Date | undefined {
  let best: Date | undefined;
  for (const d of dates) if (d && (!best || d.getTime() > best.getTime())) best = d;
  return best;
}
