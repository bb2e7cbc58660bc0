import { describe, expect, it } from 'vitest';
import { frCount, frDate, frDateTime, frNumber } from '#shared/french';

describe('text for people in France (issue 22)', () => {
  it.each([
    // an instant, in Paris time whatever the machine's zone: winter (UTC+1), summer (UTC+2)
    ['2029-12-30T23:00:00.000Z', '31/12/2029 à 00:00'],
    ['2026-07-14T08:05:00Z', '14/07/2026 à 10:05'],
    // the night the clocks go back (03:00 → 02:00), 02:30 comes twice
    ['2026-10-25T00:30:00Z', '25/10/2026 à 02:30'],
    ['2026-10-25T01:30:00Z', '25/10/2026 à 02:30'],
  ])('frDateTime(%s) = « %s »', (iso, text) => {
    expect(frDateTime(iso)).toBe(text);
    expect(frDateTime(new Date(iso))).toBe(text);
  });

  it('a weekday when asked, and anything unreadable left as it is', () => {
    expect(frDateTime('2026-12-08T09:00:00Z', { weekday: true })).toBe('mar. 08/12/2026 à 10:00');
    expect(frDateTime('pas une date')).toBe('pas une date');
  });

  it('a calendar date as written, counts and numbers with French separators', () => {
    expect(frDate('2026-10-05')).toBe('05/10/2026');
    expect(frDate('octobre')).toBe('octobre');
    expect(frNumber(254781).replace(/\s/g, ' ')).toBe('254 781');
    expect(frNumber(1.0833)).toBe('1,08');
    expect(frCount(1, 'contact', 'contacts')).toBe('1 contact');
    expect(frCount(0, 'contact', 'contacts')).toBe('0 contact');
    expect(frCount(1200, 'contact', 'contacts').replace(/\s/g, ' ')).toBe('1 200 contacts');
  });
});
