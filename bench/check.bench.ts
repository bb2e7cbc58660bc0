/**
 * The whole offline `check` (cli/check.ts `checkList`): manifest, SHA-256 while
 * streaming, the reader, and the rules engine on every row, as `hygiene check` runs it.
 * `--summary` keeps no per-row decision (what the summary output needs); the default
 * keeps them all, as `check --json` must — the difference is the decisions array's memory.
 */
import { checkList } from '#cli/check';
import { defaultSettings } from '#schemas/settings';
import { generateList } from './generate-list.ts';
import { benchRows, measure } from './support.ts';

/** after the generated list's collection (2025), well inside its retention */
const NOW = new Date('2026-04-15T10:00:00Z');

const list = await generateList(benchRows());
const keepDecisions = !process.argv.includes('--summary');
await measure(keepDecisions ? 'check' : 'check-summary', async () => {
  // CPU time beside the wall time: the machine is shared, the wall clock alone misleads
  const cpuBefore = process.cpuUsage();
  const report = await checkList(list.manifestPath, { now: NOW, settings: defaultSettings, keepDecisions });
  if (report.status !== 'accepted')
    throw new Error(`the bench list was ${report.status}: ${report.reasons.join(', ')}`);
  const topReasons = Object.entries(report.byReason)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .slice(0, 4)
    .map(([reason, count]) => `${reason}:${count}`)
    .join(' ');
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    rows: report.rows.total,
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
    rowsPerCpuSecond: Math.round(report.rows.total / cpuSeconds),
    accepted: report.rows.accepted,
    rejected: report.rows.rejected,
    decisionsKept: report.decisions.length,
    topReasons,
  };
});
