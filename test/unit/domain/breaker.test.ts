/** The complaint and bounce breaker (rules.md §6): its thresholds at their boundaries. */
import { describe, expect, it } from 'vitest';
import { type BreakerState, breakerTrips } from '#domain/breaker';
import { defaultSettings } from '#schemas/settings';
import { settings } from './fixtures.ts';

const state = (over: Partial<BreakerState>): BreakerState => ({
  deliveries: 1000,
  complaints: 0,
  hardBounces: 0,
  senderFaults: 0,
  ...over,
});

describe('breakerTrips (rules.md §6: 1,000 deliveries, complaints > 0.3 %, hard bounces > 5 %)', () => {
  it.each<[string, Partial<BreakerState>, string | undefined]>([
    ['999 deliveries, 10 complaints: too early to judge', { deliveries: 999, complaints: 10 }, undefined],
    ['1,000 deliveries, 3 complaints (0.3 %): not above', { complaints: 3 }, undefined],
    ['1,000 deliveries, 4 complaints (0.4 %)', { complaints: 4 }, 'complaints'],
    ['1,000 deliveries, 50 hard bounces (5 %): not above', { hardBounces: 50 }, undefined],
    ['1,000 deliveries, 51 hard bounces', { hardBounces: 51 }, 'hard-bounces'],
    ['both: complaints first', { complaints: 9, hardBounces: 90 }, 'complaints'],
    ['200 sender-fault bounces count in no rate', { senderFaults: 200 }, undefined],
    ['already paused', { complaints: 9, pausedAt: '2027-03-02T10:00:00Z' }, undefined],
    ['cancelled', { complaints: 9, cancelledAt: '2027-03-02T10:00:00Z' }, undefined],
    ['resumed at 9 complaints, still 9', { complaints: 9, resumedComplaints: 9, resumedHardBounces: 0 }, undefined],
    ['resumed at 9 complaints, a 10th', { complaints: 10, resumedComplaints: 9, resumedHardBounces: 0 }, 'complaints'],
  ])('%s', (_name, over, expected) => {
    expect(breakerTrips(state(over), defaultSettings)).toBe(expected);
  });

  it('the thresholds are settings', () => {
    const strict = settings({ breaker: { minDeliveries: 100, maxComplaintRate: 0.001 } });
    expect(breakerTrips(state({ deliveries: 100, complaints: 1 }), strict)).toBe('complaints');
    expect(strict.breaker.maxHardBounceRate).toBe(0.05);
  });
});
