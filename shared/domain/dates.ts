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

/** The offset of a whole UTC day (days since the epoch), or NaN for a day with a change. */
function dayOffset(day: number, timeZone: string): number {
  const cache = cacheFor(dayOffsets, timeZone);
  let offset = cache.get(day);
  if (offset === undefined) {
    const first = hourOffset(day * 24, timeZone);
    // NaN marks a day with a change: look it up by the hour
    offset = first === hourOffset(day * 24 + 23, timeZone) ? first : Number.NaN;
    cache.set(day, offset);
  }
  return offset;
}

/** The zone's offset from UTC (ms) at an instant. */
export function offsetAt(utcMs: number, timeZone: string = PARIS): number {
  const offset = dayOffset(Math.floor(utcMs / DAY), timeZone);
  return Number.isNaN(offset) ? hourOffset(Math.floor(utcMs / HOUR), timeZone) : offset;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil): Date.UTC's day, without the call. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

// Paris wall-clock day (days since the epoch, as if the wall clock were UTC) → the offset
// shared by the UTC days before, of and after it; UNSTABLE when they differ (a change is
// near); NaN while not computed. A flat table over 1970–2099 (380 KB, made on first use):
// bounded by the calendar, not by the file.
const STABLE_FIRST_DAY = 0;
const STABLE_DAYS = daysFromCivil(2100, 1, 1);
const UNSTABLE = Number.POSITIVE_INFINITY;
let parisStableOffsets: Float64Array | undefined;

/**
 * instantOf(…, PARIS) as epoch ms, without the Date. When the UTC days around the wall
 * day share one offset, every offsetAt that instantOf asks (wall ± 1 day, wall − offset)
 * returns it, so instantOf gives exactly `wall − offset`; near a change, or outside the
 * table's years, instantOf decides.
 */
function parisInstantMs(y: number, mo: number, d: number, h: number, mi: number, sec: number): number {
  const wallDay = daysFromCivil(y, mo, d);
  const slot = wallDay - STABLE_FIRST_DAY;
  if (slot >= 0 && slot < STABLE_DAYS) {
    parisStableOffsets ??= new Float64Array(STABLE_DAYS).fill(Number.NaN);
    let offset = parisStableOffsets[slot] as number;
    if (Number.isNaN(offset)) {
      const before = dayOffset(wallDay - 1, PARIS);
      // NaN (a day with a change) equals nothing: UNSTABLE
      offset = before === dayOffset(wallDay, PARIS) && before === dayOffset(wallDay + 1, PARIS) ? before : UNSTABLE;
      parisStableOffsets[slot] = offset;
    }
    if (offset !== UNSTABLE) return wallDay * DAY + h * HOUR + mi * 60_000 + sec * 1000 - offset;
  }
  return instantOf(y, mo, d, h, mi, sec, 0, PARIS).getTime();
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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

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
  const common = parseCommonForm(text);
  if (common !== undefined) return common;
  let t = dateCache.get(text);
  if (t === undefined) {
    t = parseUncached(text.trim())?.getTime() ?? Number.NaN;
    if (dateCache.size > 50_000) dateCache.clear();
    dateCache.set(ownCopy(text), t);
  }
  return Number.isNaN(t) ? undefined : t;
}

/** The value of the ASCII digit at `i`, or -1. */
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Two ASCII digits at `i` as a number, or -1. */
function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * The forms lists write most, read without a regex, a cache or a Date: `jj/mm/aaaa` (one
 * or two digits for day and month), `aaaa-mm-jj`, and `aaaa-mm-jj[T ]hh:mm[:ss]`, all
 * Paris time. Only a well-formed, real date is answered here; anything else (a zone,
 * spaces around, an invalid day, a year before 100) is undefined and goes to the regexes
 * of parseUncached, which decide it. Every answer equals parseUncached's.
 */
function parseCommonForm(s: string): number | undefined {
  const n = s.length;
  let y: number;
  let mo: number;
  let d: number;
  let h = 0;
  let mi = 0;
  let sec = 0;
  if (n >= 10 && s.charCodeAt(4) === 45 /* - */) {
    // aaaa-mm-jj[( |T)hh:mm[:ss]]
    const y1 = twoDigits(s, 0);
    const y2 = twoDigits(s, 2);
    mo = twoDigits(s, 5);
    d = twoDigits(s, 8);
    if (y1 < 0 || y2 < 0 || s.charCodeAt(7) !== 45 || mo < 0 || d < 0) return undefined;
    y = y1 * 100 + y2;
    if (n > 10) {
      const sep = s.charCodeAt(10);
      if ((sep !== 32 && sep !== 84) /* ' ' 'T' */ || (n !== 16 && n !== 19)) return undefined;
      h = twoDigits(s, 11);
      mi = twoDigits(s, 14);
      if (h < 0 || s.charCodeAt(13) !== 58 /* : */ || mi < 0) return undefined;
      if (n === 19) {
        sec = twoDigits(s, 17);
        if (s.charCodeAt(16) !== 58 || sec < 0) return undefined;
      }
    }
  } else if (n >= 8 && n <= 10) {
    // j[j]/m[m]/aaaa
    const slash1 = s.charCodeAt(1) === 47 ? 1 : s.charCodeAt(2) === 47 ? 2 : -1;
    if (slash1 < 0) return undefined;
    const slash2 = n - 5;
    if (s.charCodeAt(slash2) !== 47 || slash2 - slash1 < 2 || slash2 - slash1 > 3) return undefined;
    d = slash1 === 1 ? digitAt(s, 0) : twoDigits(s, 0);
    mo = slash2 - slash1 === 2 ? digitAt(s, slash1 + 1) : twoDigits(s, slash1 + 1);
    const y1 = twoDigits(s, n - 4);
    const y2 = twoDigits(s, n - 2);
    if (d < 0 || mo < 0 || y1 < 0 || y2 < 0) return undefined;
    y = y1 * 100 + y2;
  } else return undefined;
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  const leap = mo === 2 && (y % 4 === 0 ? y % 100 !== 0 || y % 400 === 0 : false);
  if (d > (DAYS_IN_MONTH[mo - 1] as number) + (leap ? 1 : 0)) return undefined;
  return parisInstantMs(y, mo, d, h, mi, sec);
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

const WEEKDAYS_FR = ['', 'lun.', 'mar.', 'mer.', 'jeu.', 'ven.', 'sam.', 'dim.'];
const two = (n: number): string => String(n).padStart(2, '0');

/** An instant as people in France read it: `{ date: 'mar. 08/12/2026', time: '10:00' }`, Paris time. */
export function formatParis(instant: Date): { date: string; time: string } {
  const w = wallClockOf(instant, PARIS);
  return {
    date: `${WEEKDAYS_FR[w.weekday]} ${two(w.day)}/${two(w.month)}/${w.year}`,
    time: `${two(w.hour)}:${two(w.minute)}`,
  };
}
