/**
 * `hygiene purge [--now ISO] [--json]`: runs the retention purge now (rules.md §5) against
 * the local stack, or the stack the environment names: deletes expired contacts with their
 * receipts, flags those entering the re-permission window, prints a summary. Exit 0 done,
 * 1 another purge holds the lease, 2 bad usage or store unreachable.
 */

import { type PurgeProgress, type PurgeSummary, runRetentionPurge } from '#shared/flows/retention-purge';
import { frCount, frDateTime, frNumber } from '#shared/french';
import { loadSettings, parseCommand, parseNow } from './config.ts';
import { nextStep } from './dispatch.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';
import { terminalProgress } from './progress.ts';

/** this command's options besides the common ones (cli/config.ts) */
const OWN_OPTIONS = {} as const;

const USAGE = 'usage : hygiene purge [--now <date ISO>] [--json] [--config <fichier>]';
/** progress lines start after this long, then at most once a second */
const PROGRESS_AFTER_MS = 2000;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, OWN_OPTIONS, USAGE);
  if (positionals.length > 0) throw new UsageError(`argument inattendu « ${positionals[0]} » (${USAGE})`);
  const settings = loadSettings({ config: values.config, advertiser: values.advertiser });
  const now = parseNow(values.now);
  const json = values.json ?? false;
  useLocalStackDefaults();

  const started = Date.now();
  const shown = terminalProgress(json);
  const onProgress = (progress: PurgeProgress) => {
    if (Date.now() - started >= PROGRESS_AFTER_MS) shown.show(progressLine(progress));
  };

  let summary: PurgeSummary;
  try {
    summary = await runRetentionPurge({ now, settings, onProgress });
    shown.done();
  } catch (error) {
    shown.done();
    const e = error as { message?: string; name?: string };
    const message = (e.message || e.name || String(error)).split('\n')[0] ?? '';
    process.stderr.write(`hygiene purge : purge interrompue : ${message}${nextStep(error, message)}\n`);
    return EXIT.usage;
  }
  process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${frenchSummary(summary)}\n`);
  return summary.stoppedBy === 'lease-held' ? EXIT.refused : EXIT.done;
}

/** « Purge en cours : 8/24 partitions, 1 200 contacts supprimés, 35 signalés… » */
export function progressLine(p: PurgeProgress): string {
  return `Purge en cours : ${p.partitionsDone}/${p.partitions} partitions, ${frCount(p.deleted, 'contact supprimé', 'contacts supprimés')}, ${frCount(p.flagged, 'signalé', 'signalés')} pour re-permission…`;
}

/** « 12 contacts supprimés, 3 signalés pour re-permission, … » (no personal data: counts only). */
export function frenchSummary(s: PurgeSummary): string {
  if (s.stoppedBy === 'lease-held') return 'Une autre purge est en cours : réessayez dans quelques minutes.';
  const parts = [
    frCount(s.deleted, 'contact supprimé', 'contacts supprimés'),
    `${frCount(s.flagged, 'signalé', 'signalés')} pour re-permission`,
  ];
  if (s.keptByRace) parts.push(`${frCount(s.keptByRace, 'conservé', 'conservés')} (activité entre-temps)`);
  if (s.recoveredReceipts)
    parts.push(`${frCount(s.recoveredReceipts, 'reçu rétabli', 'reçus rétablis')} après une interruption`);
  const reads = `${frCount(s.read, "entrée d'index lue", "entrées d'index lues")}${s.readPerDeleted === null ? '' : ` (${frNumber(s.readPerDeleted)} par contact supprimé)`}`;
  const end = s.done ? 'terminée' : 'à reprendre (limite de temps)';
  return `Purge au ${frDateTime(s.now)} ${end} : ${parts.join(', ')} ; ${reads}, ${frNumber(s.durationMs / 1000)} s.`;
}
