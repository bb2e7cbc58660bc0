/**
 * Text for people in France (issue 22): counts « 254 781 », dates « 31/12/2029 », instants
 * « 31/12/2029 à 00:00 » in Paris time whatever the machine's zone. Machine output
 * (`--json`, reports' JSON) keeps ISO 8601.
 */
import { formatParis } from './domain/dates.ts';

const numbers = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });

/** « 254 781 », « 1,08 » */
export const frNumber = (n: number): string => numbers.format(n);

/** « 12 contacts supprimés », « 1 contact supprimé », « 0 contact supprimé » */
export function frCount(n: number, singular: string, plural: string): string {
  return `${frNumber(n)} ${n > 1 ? plural : singular}`;
}

/** A calendar date as written (`2026-10-05`, a manifest's) → « 05/10/2026 »; anything else is left as it is. */
export function frDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : isoDate;
}

/** An instant → « 31/12/2029 à 00:00 » (Paris time); with `weekday`, « lun. 31/12/2029 à 00:00 ». */
export function frDateTime(instant: Date | string, options: { weekday?: boolean } = {}): string {
  const at = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(at.getTime())) return String(instant);
  const { date, time } = formatParis(at);
  return `${options.weekday ? date : date.slice(date.indexOf(' ') + 1)} à ${time}`;
}
