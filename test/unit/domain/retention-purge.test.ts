import { describe, expect, it } from 'vitest';
import { normaliseLedgerInput } from '#domain/ledger';
import {
  EARLIEST_EXPIRY_MONTH,
  expiryReceipt,
  isLive,
  monthOf,
  monthsFromTo,
  needsRepermissionFlag,
  purgeMonths,
  purgeRunSubject,
  repermissionFlagStaleBefore,
  repermissionWindow,
  watermarkAfterRun,
} from '#domain/retention';

const d = (iso: string) => new Date(iso);
const settings = { repermissionDays: 30 };

describe('the months the purge reads', () => {
  it.each([
    ['2026-01', '2026-01', ['2026-01']],
    ['2026-11', '2027-02', ['2026-11', '2026-12', '2027-01', '2027-02']],
    ['2027-03', '2027-02', []],
  ])('monthsFromTo(%s, %s)', (from, to, months) => {
    expect(monthsFromTo(from, to)).toEqual(months);
  });

  it('reads from the watermark to now’s month (UTC, as expiresAt is written)', () => {
    expect(purgeMonths(d('2027-01-31T23:30:00.000Z'), '2026-11')).toEqual(['2026-11', '2026-12', '2027-01']);
    expect(monthOf('2027-01-31T23:30:00.000Z')).toBe('2027-01');
  });

  it('starts at the pipeline’s first month when it never ran', () => {
    expect(purgeMonths(d('2026-03-02T00:00:00.000Z'))).toEqual([EARLIEST_EXPIRY_MONTH, '2026-02', '2026-03']);
  });

  it.each([
    ['a run at the real time', '2029-03-11T03:00:00.000Z', '2029-03-11T03:00:10.000Z', '2029-03'],
    ['a run judged in the future', '2031-01-01T00:00:00.000Z', '2029-03-11T03:00:00.000Z', '2029-03'],
    ['a run judged in the past', '2028-06-01T00:00:00.000Z', '2029-03-11T03:00:00.000Z', '2028-06'],
  ])('watermark after %s', (_case, now, wall, watermark) => {
    expect(watermarkAfterRun(d(now), d(wall))).toBe(watermark);
  });
});

describe('re-permission window (rules.md §5)', () => {
  it('spans (now, now + N days] and the months it covers', () => {
    expect(repermissionWindow(d('2029-06-20T00:00:00.000Z'), settings)).toEqual({
      from: '2029-06-20T00:00:00.001Z',
      upTo: '2029-07-20T00:00:00.000Z',
      months: ['2029-06', '2029-07'],
    });
  });

  it('is empty with 0 days', () => {
    expect(repermissionWindow(d('2029-06-20T00:00:00.000Z'), { repermissionDays: 0 }).months).toEqual([]);
  });

  const now = d('2029-06-20T00:00:00.000Z');
  it.each([
    ['in the window, never flagged', { expiresAt: '2029-07-10T00:00:00.000Z' }, true],
    [
      'in the window, flagged for this expiry',
      { expiresAt: '2029-07-10T00:00:00.000Z', repermissionFlaggedAt: '2029-06-15T00:00:00.000Z' },
      false,
    ],
    [
      'in the window, flagged for an earlier expiry',
      { expiresAt: '2029-07-10T00:00:00.000Z', repermissionFlaggedAt: '2026-06-15T00:00:00.000Z' },
      true,
    ],
    ['beyond the window', { expiresAt: '2029-07-21T00:00:00.000Z' }, false],
    ['already expired', { expiresAt: '2029-06-20T00:00:00.000Z' }, false],
  ])('%s', (_case, entry, flag) => {
    expect(needsRepermissionFlag(entry, now, settings)).toBe(flag);
  });

  it('a flag older than N days before the expiry belongs to an earlier expiry', () => {
    expect(repermissionFlagStaleBefore('2029-07-10T00:00:00.000Z', settings)).toBe('2029-06-10T00:00:00.000Z');
  });
});

describe('read-time filter (rules.md §5, §6)', () => {
  const now = d('2029-03-11T09:00:00.000Z');
  it.each([
    ['2029-03-11T09:00:00.001Z', true],
    ['2029-03-11T09:00:00.000Z', false],
    ['2029-03-10T09:00:00.000Z', false],
    ['not a date', false],
  ])('a contact expiring at %s is live: %s', (expiresAt, live) => {
    expect(isLive({ expiresAt }, now)).toBe(live);
  });
});

describe('receipts (rules.md §8)', () => {
  it.each([
    ['purge', 'contact-purged'],
    ['ttl', 'ttl-receipt'],
  ] as const)('a deletion by the %s is a %s entry without personal data', (by, type) => {
    const receipt = expiryReceipt({
      suppressionKey: 'a'.repeat(64),
      expiresAt: '2029-03-10T09:00:00.000Z',
      deletedAt: d('2029-03-11T03:00:01.000Z'),
      by,
    });
    expect(receipt).toEqual({
      type,
      at: '2029-03-11T03:00:01.000Z',
      subject: 'a'.repeat(64),
      payload: {
        reason: 'RET_EXPIRED',
        expiresAt: '2029-03-10T09:00:00.000Z',
        deletedAt: '2029-03-11T03:00:01.000Z',
        by,
      },
    });
    // the ledger accepts it as it is
    expect(normaliseLedgerInput(receipt)).toEqual(receipt);
  });

  it('marks a receipt recovered after an interruption', () => {
    const receipt = expiryReceipt({
      suppressionKey: 'b'.repeat(64),
      expiresAt: '2029-03-10T09:00:00.000Z',
      deletedAt: d('2029-03-11T03:00:01.000Z'),
      by: 'purge',
      recovered: true,
    });
    expect(receipt.payload.recovered).toBe(true);
  });

  it('names a run by the instant it judged at', () => {
    expect(purgeRunSubject(d('2029-03-11T03:00:00.000Z'))).toBe('purge#2029-03-11T03:00:00.000Z');
  });
});
