import { describe, expect, it } from 'vitest';
import {
  computeExpiresAt,
  expiresAtAfterActivity,
  isExpired,
  isInRepermissionWindow,
  regimeOf,
  ttlEpochSeconds,
} from '#domain/retention';
import { defaultSettings } from '#schemas/settings';
import { settings } from './fixtures.ts';

const d = (s: string) => new Date(s);

describe('the 3-year clock (rules.md §5)', () => {
  it.each([
    [
      'prospect: collection only',
      { regime: 'prospect', collectedAt: d('2026-03-01T00:00:00Z') },
      '2029-03-01T00:00:00.000Z',
    ],
    [
      'prospect: a later activity restarts it',
      { regime: 'prospect', collectedAt: d('2026-03-01T00:00:00Z'), lastActivityAt: d('2027-05-02T10:00:00Z') },
      '2030-05-02T10:00:00.000Z',
    ],
    [
      'prospect: an earlier activity does not shorten it',
      { regime: 'prospect', collectedAt: d('2026-03-01T00:00:00Z'), lastActivityAt: d('2025-05-02T10:00:00Z') },
      '2029-03-01T00:00:00.000Z',
    ],
    [
      'customer: the collection (export) date does not count',
      { regime: 'customer', collectedAt: d('2026-11-01T00:00:00Z'), lastPurchaseAt: d('2024-01-10T00:00:00Z') },
      '2027-01-10T00:00:00.000Z',
    ],
    [
      'customer: later of purchase and activity',
      { regime: 'customer', lastPurchaseAt: d('2024-01-10T00:00:00Z'), lastActivityAt: d('2025-06-01T00:00:00Z') },
      '2028-06-01T00:00:00.000Z',
    ],
    [
      'Feb 29 + 3 years → Feb 28',
      { regime: 'prospect', collectedAt: d('2024-02-29T12:00:00Z') },
      '2027-02-28T12:00:00.000Z',
    ],
  ] as const)('%s', (_name, facts, expected) => {
    expect(computeExpiresAt(facts, defaultSettings)?.toISOString()).toBe(expected);
  });

  it('a customer with neither purchase nor activity has no clock', () => {
    expect(computeExpiresAt({ regime: 'customer', collectedAt: d('2026-01-01') }, defaultSettings)).toBeUndefined();
  });

  it('retentionYears is a setting (default 3)', () => {
    expect(defaultSettings.retentionYears).toBe(3);
    const five = computeExpiresAt(
      { regime: 'prospect', collectedAt: d('2026-03-01T00:00:00Z') },
      settings({ retentionYears: 5 }),
    );
    expect(five?.toISOString()).toBe('2031-03-01T00:00:00.000Z');
  });

  it('regimes by basis', () => {
    expect(regimeOf('soft-opt-in')).toBe('customer');
    for (const b of ['consent', 'b2b-interest', 'legal-person'] as const) expect(regimeOf(b)).toBe('prospect');
  });

  it('expired when expiry ≤ now; unreadable expiry counts as expired', () => {
    const now = d('2029-03-01T00:00:00Z');
    expect(isExpired('2029-03-01T00:00:00.000Z', now)).toBe(true);
    expect(isExpired(d('2029-03-01T00:00:00.001Z'), now)).toBe(false);
    expect(isExpired('garbage', now)).toBe(true);
  });

  it('an activity restarts the clock, never backwards, never reviving an expired contact', () => {
    const current = { expiresAt: '2029-03-01T00:00:00.000Z' };
    expect(expiresAtAfterActivity(current, d('2027-01-01T00:00:00Z'), defaultSettings).toISOString()).toBe(
      '2030-01-01T00:00:00.000Z',
    );
    // an old activity arriving late changes nothing
    expect(expiresAtAfterActivity(current, d('2025-01-01T00:00:00Z'), defaultSettings).toISOString()).toBe(
      '2029-03-01T00:00:00.000Z',
    );
    // activity at/after expiry: still expired
    expect(expiresAtAfterActivity(current, d('2029-04-01T00:00:00Z'), defaultSettings).toISOString()).toBe(
      '2029-03-01T00:00:00.000Z',
    );
  });

  it('re-permission window: repermissionDays before expiry (default 30)', () => {
    const exp = '2029-03-01T00:00:00.000Z';
    expect(defaultSettings.repermissionDays).toBe(30);
    expect(isInRepermissionWindow(exp, d('2029-01-15T00:00:00Z'), defaultSettings)).toBe(false);
    expect(isInRepermissionWindow(exp, d('2029-02-15T00:00:00Z'), defaultSettings)).toBe(true);
    expect(isInRepermissionWindow(exp, d('2029-03-02T00:00:00Z'), defaultSettings)).toBe(false);
    expect(isInRepermissionWindow(exp, d('2029-01-15T00:00:00Z'), settings({ repermissionDays: 60 }))).toBe(true);
  });

  it('TTL is expiry + ttlGraceDays, in epoch seconds', () => {
    expect(defaultSettings.ttlGraceDays).toBe(2);
    expect(ttlEpochSeconds('2029-03-01T00:00:00.000Z', defaultSettings)).toBe(
      Date.parse('2029-03-03T00:00:00Z') / 1000,
    );
    expect(ttlEpochSeconds(d('2029-03-01T00:00:00Z'), settings({ ttlGraceDays: 0 }))).toBe(
      Date.parse('2029-03-01T00:00:00Z') / 1000,
    );
  });
});
