import { describe, expect, it } from 'vitest';
import type { PurgeSummary } from '#shared/flows/retention-purge';
import { UsageError } from '../../../cli/errors.ts';
import { frenchSummary, progressLine, run } from '../../../cli/purge.ts';

const base: PurgeSummary = {
  now: '2029-03-11T03:00:00.000Z',
  done: true,
  read: 13,
  deleted: 12,
  keptByRace: 1,
  recoveredReceipts: 0,
  flagRead: 40,
  flagged: 3,
  partitionsDone: 24,
  partitions: 24,
  readPerDeleted: 1.083,
  durationMs: 1234,
  consumedCapacity: { purge: 1.5, flags: 2 },
};

describe('hygiene purge: the French summary', () => {
  it('counts what was deleted, flagged and kept', () => {
    expect(frenchSummary(base)).toBe(
      "Purge au 11/03/2029 à 04:00 terminée : 12 contacts supprimés, 3 signalés pour re-permission, 1 conservé (activité entre-temps) ; 13 entrées d'index lues (1,08 par contact supprimé), 1,23 s.",
    );
  });

  it('uses the singular for one, and says when a run must be resumed', () => {
    const text = frenchSummary({
      ...base,
      done: false,
      stoppedBy: 'time-limit',
      deleted: 1,
      flagged: 1,
      keptByRace: 0,
      read: 1,
      readPerDeleted: 1,
      recoveredReceipts: 2,
    });
    expect(text).toContain('à reprendre');
    expect(text).toContain('1 contact supprimé, 1 signalé pour re-permission, 2 reçus rétablis');
    expect(text).toContain("1 entrée d'index lue (1 par contact supprimé)");
  });

  it('says when another purge is running', () => {
    expect(frenchSummary({ ...base, done: false, stoppedBy: 'lease-held' })).toMatch(/autre purge est en cours/);
  });

  it('shows progress', () => {
    expect(progressLine({ ...base, partitionsDone: 8 })).toBe(
      'Purge en cours : 8/24 partitions, 12 contacts supprimés, 3 signalés pour re-permission…',
    );
  });

  it.each([[['extra']], [['--now']], [['--bogus']]])('refuses bad usage %j', async (args) => {
    await expect(run(args)).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses an unreadable --now', async () => {
    await expect(run(['--now', 'hier'])).rejects.toThrow("--now : « hier » n'est pas une date ISO");
  });
});
