/**
 * Issue 18: `hygiene check` on a list, as a whole process (`node bin/hygiene.js check`,
 * its bundle, the manifest, SHA-256, reader, rules, the summary it prints) pinned to ONE
 * core with taskset, against the raw CSV scan of the same file (decoder + record scanner,
 * bundled, also one core) in the same run. Peak RSS and CPU come from /usr/bin/time.
 * Goal: ≥ 200,000 rows/s, peak RSS ≤ 150 MB on 1,000,000 rows.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BENCH_OUT, generateList } from './generate-list.ts';
import { benchRows, reportBench } from './support.ts';

const rows = benchRows();
const list = await generateList(rows);
const root = join(import.meta.dirname, '..');
const NOW = '2026-04-15T10:00:00Z';

if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed (apt-get install time)');
const core = process.env.BENCH_CORE ?? '0';

const rawScan = join(BENCH_OUT, 'raw-scan.mjs');
await build({
  entryPoints: [join(import.meta.dirname, 'raw-scan.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile: rawScan,
  logLevel: 'warning',
});
// the CLI bundles `check` on first use: build it now, outside the measure
execFileSync(process.execPath, ['bin/hygiene.js', 'check', 'examples/clients-2026/manifest.json'], {
  cwd: root,
  stdio: 'ignore',
});

/** One process pinned to one core: wall seconds, CPU seconds, peak RSS (MB). */
function pinned(args: string[]): { seconds: number; cpuSeconds: number; peakRssMb: number; stdout: string } {
  const out = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', 'taskset', '-c', core, process.execPath, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.stderr.split('\n').find((l) => l.startsWith('TIME '));
  if (!line) throw new Error(`no timing for ${args.join(' ')}: ${out.stderr.slice(-500)}`);
  const [, wall, user, sys, maxKb] = line.split(' ').map(Number) as [number, number, number, number, number];
  return { seconds: wall, cpuSeconds: user + sys, peakRssMb: Math.round(maxKb / 102.4) / 10, stdout: out.stdout };
}

const raw = pinned([rawScan, list.dataPath]);
const check = pinned(['bin/hygiene.js', 'check', list.manifestPath, '--now', NOW]);
if (!check.stdout.includes('ACCEPTÉE'))
  throw new Error(`the bench list was not accepted:\n${check.stdout.slice(0, 500)}`);

const rate = (s: number) => Math.round(rows / s);
reportBench({
  name: 'csv-raw-scan-one-core',
  rows,
  seconds: raw.seconds,
  rowsPerSecond: rate(raw.seconds),
  peakRssMb: raw.peakRssMb,
  cpuSeconds: raw.cpuSeconds,
  core,
});
reportBench({
  name: 'check-cli-one-core',
  rows,
  seconds: check.seconds,
  rowsPerSecond: rate(check.seconds),
  peakRssMb: check.peakRssMb,
  cpuSeconds: check.cpuSeconds,
  rowsPerCpuSecond: rate(check.cpuSeconds),
  /** the whole check's time over the raw scan's, same file, same run */
  timesRawScan: Math.round((check.seconds / raw.seconds) * 10) / 10,
  goal: '≥ 200,000 rows/s, ≤ 150 MB',
  met: rate(check.seconds) >= 200_000 && check.peakRssMb <= 150,
});
