/**
 * The complaint and bounce breaker of an email campaign (rules.md §6 [D; 37]): once the
 * campaign has `minDeliveries` deliveries, complaints above `maxComplaintRate` of them or
 * hard bounces above `maxHardBounceRate` pause it; an operator resumes or cancels it. A
 * bounce that is the sender's authentication fault (rules.md §8) counts in neither rate.
 * Pure: the counts come from the store, exact under at-least-once events (each event is
 * counted once per campaign and contact).
 */
import type { Settings } from '../schemas/settings.ts';

export interface BreakerCounts {
  deliveries: number;
  complaints: number;
  hardBounces: number;
  /** bounces that were the sender's authentication failure: alarmed, never counted in a rate */
  senderFaults: number;
}

export interface BreakerState extends BreakerCounts {
  /** ISO instant the breaker paused the campaign; absent when it runs */
  pausedAt?: string;
  pauseReason?: 'complaints' | 'hard-bounces';
  /** the counts when an operator last resumed it: the breaker trips again only on new complaints or bounces */
  resumedAt?: string;
  resumedComplaints?: number;
  resumedHardBounces?: number;
  /** ISO instant an operator cancelled the campaign: nothing more is sent */
  cancelledAt?: string;
}

export const NO_COUNTS: BreakerCounts = { deliveries: 0, complaints: 0, hardBounces: 0, senderFaults: 0 };

/** Whether the counts trip the breaker now, and why (complaints first: the person's "no" is the graver signal). */
export function breakerTrips(state: BreakerState, settings: Pick<Settings, 'breaker'>): BreakerState['pauseReason'] {
  const b = settings.breaker;
  if (state.pausedAt || state.cancelledAt || state.deliveries < b.minDeliveries) return undefined;
  const newSince = (count: number, atResume: number | undefined) => atResume === undefined || count > atResume;
  if (state.complaints / state.deliveries > b.maxComplaintRate && newSince(state.complaints, state.resumedComplaints))
    return 'complaints';
  if (
    state.hardBounces / state.deliveries > b.maxHardBounceRate &&
    newSince(state.hardBounces, state.resumedHardBounces)
  )
    return 'hard-bounces';
  return undefined;
}

/** rules.md §6: the rates, for the operator (`hygiene campaign status`). */
export function breakerRates(state: BreakerCounts): { complaintRate: number; hardBounceRate: number } {
  const d = state.deliveries || 1;
  return { complaintRate: state.complaints / d, hardBounceRate: state.hardBounces / d };
}
