/**
 * The 3-year clock (rules.md §5). A prospect is kept `retentionYears` after the later of
 * its collection and its last activity; a customer (soft-opt-in) after the later of its
 * last purchase and its last activity — the date a customer file was exported or
 * collected does not count. An open is never activity (rules.md §1): callers only pass
 * activity that emanates from the person.
 */
import type { Settings } from '../schemas/settings.ts';
import { addDays, addYears, latest } from './dates.ts';
import type { LedgerEntryInput } from './ledger.ts';
import type { Basis, RowReason } from './reasons.ts';

/** Which clock applies: prospects (consent, b2b-interest, legal-person) or customers (soft-opt-in). */
export type RetentionRegime = 'prospect' | 'customer';

export interface RetentionFacts {
  regime: RetentionRegime;
  collectedAt?: Date;
  lastActivityAt?: Date;
  lastPurchaseAt?: Date;
}

/** The clock a basis runs on (rules.md §5). */
export function regimeOf(basis: Basis): RetentionRegime {
  return basis === 'soft-opt-in' ? 'customer' : 'prospect';
}

/**
 * When the contact must be gone: `retentionYears` after the start of its clock. Undefined
 * when the clock has no start (a customer with no purchase and no activity): such a
 * contact has nothing to be kept on.
 */
export function computeExpiresAt(facts: RetentionFacts, settings: Pick<Settings, 'retentionYears'>): Date | undefined {
  const start =
    facts.regime === 'customer'
      ? latest(facts.lastPurchaseAt, facts.lastActivityAt)
      : latest(facts.collectedAt, facts.lastActivityAt);
  return start ? addYears(start, settings.retentionYears) : undefined;
}

/** rules.md §5, §6: expired when expiry ≤ now, even if not yet deleted. */
export function isExpired(expiresAt: Date | string, now: Date): boolean {
  const t = typeof expiresAt === 'string' ? Date.parse(expiresAt) : expiresAt.getTime();
  // an unreadable expiry is treated as expired (rules.md §0: in doubt, the strictest)
  return !(t > now.getTime());
}

/**
 * The expiry after a new activity (a click, a reply, an order…; never an open): the clock
 * restarts from the activity, and an expiry never moves backwards. An activity at or after
 * a contact's expiry does not revive it: an expired contact may not be solicited and is
 * purged (rules.md §5).
 */
export function expiresAtAfterActivity(
  current: { expiresAt: Date | string },
  activityAt: Date,
  settings: Pick<Settings, 'retentionYears'>,
): Date {
  const currentExpiry = typeof current.expiresAt === 'string' ? new Date(current.expiresAt) : current.expiresAt;
  if (Number.isNaN(currentExpiry.getTime()) || activityAt.getTime() >= currentExpiry.getTime()) return currentExpiry;
  const restarted = addYears(activityAt, settings.retentionYears);
  return restarted.getTime() > currentExpiry.getTime() ? restarted : currentExpiry;
}

/** rules.md §5: within `repermissionDays` before expiry (and not yet expired), one re-permission message may go out. */
export function isInRepermissionWindow(
  expiresAt: Date | string,
  now: Date,
  settings: Pick<Settings, 'repermissionDays'>,
): boolean {
  const t = typeof expiresAt === 'string' ? Date.parse(expiresAt) : expiresAt.getTime();
  if (Number.isNaN(t) || t <= now.getTime()) return false;
  return t - now.getTime() <= settings.repermissionDays * 86_400_000;
}

/** DynamoDB TTL (epoch seconds): expiry plus `ttlGraceDays`, so the purge normally acts first and leaves its receipt. */
export function ttlEpochSeconds(expiresAt: Date | string, settings: Pick<Settings, 'ttlGraceDays'>): number {
  const d = typeof expiresAt === 'string' ? new Date(expiresAt) : expiresAt;
  return Math.floor(addDays(d, settings.ttlGraceDays).getTime() / 1000);
}

// ─── Added for the scheduled purge and re-permission flags (issue 7) ──────────────────────
// Pure: which months the purge reads, where the re-permission window lies, what a receipt
// says. The store maps a month to its index partitions (#store/contacts expiryBucketsOfMonth).

/**
 * The purge's floor when it has never run: no contact can expire before the pipeline's
 * first import, since R6 rejects a row already expired at import (rules.md §4) and an
 * expiry only moves forward (merge, activity). The pipeline went live in 2026.
 */
export const EARLIEST_EXPIRY_MONTH = '2026-01';

/** `YYYY-MM` (UTC) of an instant: the month part of the expiry index partition, as `expiresAt.slice(0, 7)`. */
export function monthOf(at: Date | string): string {
  return (typeof at === 'string' ? new Date(at) : at).toISOString().slice(0, 7);
}

/** Every month from `from` to `to` (`YYYY-MM`, both included); empty when `from` is after `to`. */
export function monthsFromTo(from: string, to: string): string[] {
  const months: string[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  for (;;) {
    const current = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    if (current > to) return months;
    months.push(current);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}

/**
 * The months the purge reads at `now` (rules.md §5): from the watermark (the oldest month
 * that may still hold an expired contact) to now's month. Cost follows what expired, not
 * years of empty past partitions.
 */
export function purgeMonths(now: Date, watermark: string = EARLIEST_EXPIRY_MONTH): string[] {
  return monthsFromTo(watermark, monthOf(now));
}

/**
 * The watermark after a complete run at `now`: every month before now's month is empty
 * (all its expiries are ≤ now and were deleted, or moved to a later month by a click),
 * so the next run starts at now's month. Never past the real clock's month (`wallNow`):
 * a run judged at a future `--now` must not hide months that present-day imports still fill.
 */
export function watermarkAfterRun(now: Date, wallNow: Date): string {
  const a = monthOf(now);
  const b = monthOf(wallNow);
  return a < b ? a : b;
}

/**
 * The re-permission window at `now` (rules.md §5): expiries in (now, now + repermissionDays],
 * as ISO bounds for an index range query (the lower bound made inclusive at the next
 * millisecond, the precision of our ISO instants) and the months it spans.
 */
export function repermissionWindow(
  now: Date,
  settings: Pick<Settings, 'repermissionDays'>,
): { from: string; upTo: string; months: string[] } {
  const from = new Date(now.getTime() + 1);
  const upTo = addDays(now, settings.repermissionDays);
  if (upTo.getTime() < from.getTime()) return { from: from.toISOString(), upTo: upTo.toISOString(), months: [] };
  return { from: from.toISOString(), upTo: upTo.toISOString(), months: monthsFromTo(monthOf(from), monthOf(upTo)) };
}

/**
 * A flag set before this instant belongs to an earlier expiry of the same contact (its
 * clock restarted since, by a click or an order): for the current expiry it is not flagged.
 */
export function repermissionFlagStaleBefore(
  expiresAt: Date | string,
  settings: Pick<Settings, 'repermissionDays'>,
): string {
  const d = typeof expiresAt === 'string' ? new Date(expiresAt) : expiresAt;
  return addDays(d, -settings.repermissionDays).toISOString();
}

/**
 * rules.md §5: flag a contact once when it enters the re-permission window, so the
 * advertiser may send its one re-permission message; a flag from an earlier expiry does not count.
 */
export function needsRepermissionFlag(
  entry: { expiresAt: string; repermissionFlaggedAt?: string },
  now: Date,
  settings: Pick<Settings, 'repermissionDays'>,
): boolean {
  if (!isInRepermissionWindow(entry.expiresAt, now, settings)) return false;
  if (!entry.repermissionFlaggedAt) return true;
  return entry.repermissionFlaggedAt < repermissionFlagStaleBefore(entry.expiresAt, settings);
}

/**
 * rules.md §5, §6: the read-time filter. Every read used for sending treats a contact
 * whose expiry has passed as absent, whether or not the purge has deleted it yet.
 */
export function isLive(contact: { expiresAt: string }, now: Date): boolean {
  return !isExpired(contact.expiresAt, now);
}

/** Who deleted an expired contact: the scheduled purge, or DynamoDB's TTL behind it. */
export type ExpiryDeleter = 'purge' | 'ttl';

/**
 * The receipt of an expiry deletion (rules.md §5, §8): the suppression key, the reason,
 * the expiry and the deletion time; no personal data. `recovered`: written after an
 * interrupted run, the deletion time being when the deletion was decided.
 */
export function expiryReceipt(deletion: {
  suppressionKey: string;
  expiresAt: string;
  deletedAt: Date;
  by: ExpiryDeleter;
  recovered?: boolean;
}): LedgerEntryInput {
  const deletedAt = deletion.deletedAt.toISOString();
  return {
    type: deletion.by === 'purge' ? 'contact-purged' : 'ttl-receipt',
    at: deletedAt,
    subject: deletion.suppressionKey,
    payload: {
      reason: 'RET_EXPIRED' satisfies RowReason,
      expiresAt: deletion.expiresAt,
      deletedAt,
      by: deletion.by,
      ...(deletion.recovered ? { recovered: true } : {}),
    },
  };
}

/** The ledger subject of a purge run's summary: `purge#<ISO instant the run judged at>`. */
export function purgeRunSubject(now: Date): string {
  return `purge#${now.toISOString()}`;
}
