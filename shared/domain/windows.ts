/**
 * When a person may be reached: weekly windows in a time zone, minus French public
 * holidays (rules.md §6 for SMS, §6b for calls). Pure: instants in, instants out.
 */
import type { Settings } from '../schemas/settings.ts';
import { instantOf, wallClockOf } from './dates.ts';

/** Hours of some weekdays in a time zone; a range's end is outside it (13:00 is not in 10:00–13:00). */
export interface WeeklyWindow {
  /** ISO weekdays, 1 = Monday … 7 = Sunday */
  days: readonly number[];
  hours: readonly { from: string; to: string }[];
  timeZone: string;
  skipPublicHolidays: boolean;
}

/** An interval of time, `from` included, `to` excluded. */
export interface Slot {
  from: Date;
  to: Date;
}

/** Easter Sunday of a year (anonymous Gregorian algorithm), as [month 1–12, day]. */
export function easterSunday(year: number): [number, number] {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}

const mmdd = (month: number, day: number): string =>
  `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;

const holidayCache = new Map<string, Set<string>>();

/**
 * French public holidays of a year as `MM-DD` (rules.md §6b): the national list, plus
 * Good Friday and 26 December for Alsace-Moselle, plus the settings' extra days.
 */
export function frenchPublicHolidays(year: number, holidays?: Settings['publicHolidays']): Set<string> {
  const alsace = holidays?.alsaceMoselle ?? false;
  const extra = holidays?.extra ?? [];
  const cacheKey = `${year}|${alsace}|${extra.join(',')}`;
  let set = holidayCache.get(cacheKey);
  if (!set) {
    const [em, ed] = easterSunday(year);
    const easter = Date.UTC(year, em - 1, ed);
    const shifted = (days: number) => {
      const d = new Date(easter + days * 86_400_000);
      return mmdd(d.getUTCMonth() + 1, d.getUTCDate());
    };
    set = new Set([
      '01-01',
      shifted(1), // Easter Monday
      '05-01',
      '05-08',
      shifted(39), // Ascension
      shifted(50), // Whit Monday
      '07-14',
      '08-15',
      '11-01',
      '11-11',
      '12-25',
    ]);
    if (alsace) {
      set.add(shifted(-2)); // Good Friday
      set.add('12-26');
    }
    for (const day of extra) {
      if (day.length === 5) set.add(day);
      else if (day.startsWith(`${year}-`)) set.add(day.slice(5));
    }
    if (holidayCache.size > 200) holidayCache.clear();
    holidayCache.set(cacheKey, set);
  }
  return set;
}

export function isFrenchPublicHoliday(
  year: number,
  month: number,
  day: number,
  holidays?: Settings['publicHolidays'],
): boolean {
  return frenchPublicHolidays(year, holidays).has(mmdd(month, day));
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The window's openings that meet [from, to), clipped to it, in order. Each local day
 * is placed by its own offset, so summer and winter time both give Paris hours.
 */
export function openingsBetween(
  from: Date,
  to: Date,
  window: WeeklyWindow,
  holidays?: Settings['publicHolidays'],
): Slot[] {
  const out: Slot[] = [];
  if (!(to.getTime() > from.getTime())) return out;
  const first = wallClockOf(from, window.timeZone);
  const last = wallClockOf(to, window.timeZone);
  const lastDay = Date.UTC(last.year, last.month - 1, last.day);
  for (let dayMs = Date.UTC(first.year, first.month - 1, first.day); dayMs <= lastDay; dayMs += 86_400_000) {
    const d = new Date(dayMs);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
    if (!window.days.includes(weekday)) continue;
    if (window.skipPublicHolidays && isFrenchPublicHoliday(y, m, day, holidays)) continue;
    for (const range of window.hours) {
      const start = minutesOf(range.from);
      const end = minutesOf(range.to);
      const slotFrom = instantOf(y, m, day, Math.floor(start / 60), start % 60, 0, 0, window.timeZone);
      const slotTo = instantOf(y, m, day, Math.floor(end / 60), end % 60, 0, 0, window.timeZone);
      const a = Math.max(slotFrom.getTime(), from.getTime());
      const b = Math.min(slotTo.getTime(), to.getTime());
      if (b > a) out.push({ from: new Date(a), to: new Date(b) });
    }
  }
  return out;
}

/** How far ahead the next opening is looked for (a window closed longer than this has no next opening). */
const HORIZON_DAYS = 32;

/** Whether `now` is inside the window, and if not, when it next opens (ISO), looking a month ahead. */
export function windowAt(
  now: Date,
  window: WeeklyWindow,
  holidays?: Settings['publicHolidays'],
): { open: true } | { open: false; notBefore?: string } {
  const horizon = new Date(now.getTime() + HORIZON_DAYS * 86_400_000);
  const next = openingsBetween(now, horizon, window, holidays)[0];
  if (next && next.from.getTime() <= now.getTime()) return { open: true };
  return next ? { open: false, notBefore: next.from.toISOString() } : { open: false };
}

/** rules.md §6 [C 28]: the SMS window of the settings. */
export function smsWindow(settings: Settings): WeeklyWindow {
  const w = settings.smsWindow;
  return {
    days: w.days,
    hours: [{ from: w.from, to: w.to }],
    timeZone: w.timeZone,
    skipPublicHolidays: w.skipPublicHolidays,
  };
}

/**
 * rules.md §6b [L 35]: when a person of this kind may be called; undefined when any time
 * will do (professionals, unless a setting adds a window).
 */
export function callWindow(
  kind: 'consumer' | 'professional' | 'generic',
  settings: Settings,
): WeeklyWindow | undefined {
  const c = settings.calls;
  if (kind === 'consumer') {
    return { days: c.consumerDays, hours: c.consumerHours, timeZone: c.timeZone, skipPublicHolidays: true };
  }
  if (!c.professionalWindow) return undefined;
  return { ...c.professionalWindow, timeZone: c.timeZone, skipPublicHolidays: true };
}

/** rules.md §4 R7, §9 [L 34]: the instant the consumer opt-in for calls came into force (midnight, Paris). */
export function callOptInStart(settings: Settings): Date {
  const [y, m, d] = settings.calls.consumerOptInFrom.split('-').map(Number) as [number, number, number];
  return instantOf(y, m, d, 0, 0, 0, 0, settings.calls.timeZone);
}
