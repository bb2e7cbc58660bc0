import { describe, expect, it } from 'vitest';
import { addYears, instantOf, parseListDate, wallClockOf } from '#domain/dates';

describe('parseListDate (design.md §3.2)', () => {
  it.each([
    ['2026-10-01', '2026-09-30T22:00:00.000Z'],
    ['2026-01-15', '2026-01-14T23:00:00.000Z'],
    ['01/10/2026', '2026-09-30T22:00:00.000Z'],
    ['5/3/2026', '2026-03-04T23:00:00.000Z'],
    ['15/01/2026 14:30', '2026-01-15T13:30:00.000Z'],
    ['2026-01-15 14:30', '2026-01-15T13:30:00.000Z'],
    ['2026-07-15 14:30:05', '2026-07-15T12:30:05.000Z'],
    ['2026-07-15T14:30', '2026-07-15T12:30:00.000Z'],
    ['2026-10-01T10:00:00Z', '2026-10-01T10:00:00.000Z'],
    ['2026-10-01T10:00:00.250Z', '2026-10-01T10:00:00.250Z'],
    ['2026-10-01T10:00:00+02:00', '2026-10-01T08:00:00.000Z'],
    ['2026-10-01T10:00:00-0500', '2026-10-01T15:00:00.000Z'],
    // spring gap: moved forward; autumn overlap: the earlier instant
    ['2026-03-29 02:30', '2026-03-29T01:30:00.000Z'],
    ['2026-10-25 02:30', '2026-10-25T00:30:00.000Z'],
    ['  2024-02-29  ', '2024-02-28T23:00:00.000Z'],
  ])('%j → %s', (text, iso) => {
    expect(parseListDate(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '',
    'hier',
    '2026-02-30',
    '31/04/2026',
    '2026-13-01',
    '2025-02-29',
    '26/10/26',
    '2026-10-01 25:00',
    '2026/10/01',
  ])('%j is not a date', (text) => {
    expect(parseListDate(text)).toBeUndefined();
  });

  it('returns a fresh Date each time (the cache cannot be mutated from outside)', () => {
    const a = parseListDate('2026-05-05');
    a?.setUTCFullYear(1999);
    expect(parseListDate('2026-05-05')?.getUTCFullYear()).toBe(2026);
  });
});

describe('time zones', () => {
  it('wall clock and instant round-trip in Paris', () => {
    const w = wallClockOf(new Date('2026-07-14T10:00:00Z'));
    expect(w).toMatchObject({ year: 2026, month: 7, day: 14, hour: 12, minute: 0, weekday: 2 });
    expect(instantOf(2026, 7, 14, 12).toISOString()).toBe('2026-07-14T10:00:00.000Z');
    expect(instantOf(2026, 1, 14, 12, 0, 0, 0, 'America/New_York').toISOString()).toBe('2026-01-14T17:00:00.000Z');
  });
  it('addYears keeps Feb 29 from rolling into March', () => {
    expect(addYears(new Date('2024-02-29T10:00:00Z'), 3).toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(addYears(new Date('2024-02-29T10:00:00Z'), 4).toISOString()).toBe('2028-02-29T10:00:00.000Z');
  });
});
