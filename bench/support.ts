/**
 * What every benchmark shares. A bench is a file `bench/<name>.bench.ts` that bench/run.ts
 * starts as a child process (so each gets its own peak RSS) with `--rows <n>`; it does its
 * work and prints one JSON line per measurement through `reportBench()`:
 * `{ name, rows, seconds, rowsPerSecond, peakRssMb, ...extra }`.
 *
 * A new bench: copy bench/csv.bench.ts, then add a line to the table in bench/run.ts
 * (its sizes, extra arguments). Benches that need DynamoDB Local / s3rver / SES local
 * call `startBenchEmulators()` first and `stop()` at the end.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProvisionedNames } from '#cli/local/provision';
import { BENCH_OUT } from './generate-list.ts';

export interface BenchResult {
  name: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  [extra: string]: unknown;
}

/** The `--rows <n>` a bench was started with (default 100,000). */
export function benchRows(argv: readonly string[] = process.argv): number {
  const at = argv.indexOf('--rows');
  const rows = at === -1 ? 100_000 : Number(argv[at + 1]);
  if (!Number.isInteger(rows) || rows <= 0) throw new Error('--rows expects a positive integer');
  return rows;
}

/** True when the module at `metaUrl` is the script node was started with. */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(metaUrl) === process.argv[1];
}

function vmHwmMb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0; // not Linux
  }
}

/** This process's peak resident set size so far, in MB. */
export function peakRssMb(): number {
  return Math.max(process.resourceUsage().maxRSS / 1024, vmHwmMb());
}

/** Resident set size now, in MB (the baseline before the work: Node + tsx + modules). */
export function rssMb(): number {
  return process.memoryUsage.rss() / 1024 / 1024;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Runs `work` once, timed, and prints its result line. `work` returns the rows it
 * handled and any extra fields worth reporting.
 */
export async function measure(
  name: string,
  work: () => Promise<{ rows: number } & Record<string, unknown>>,
): Promise<BenchResult> {
  const rssBeforeMb = round(rssMb());
  const started = performance.now();
  const { rows, ...extra } = await work();
  const seconds = (performance.now() - started) / 1000;
  const result: BenchResult = {
    name,
    rows,
    seconds: round(seconds, 3),
    rowsPerSecond: Math.round(rows / seconds),
    peakRssMb: round(peakRssMb()),
    rssBeforeMb,
    ...extra,
  };
  reportBench(result);
  return result;
}

/** Prints one result line for bench/run.ts to collect. */
export function reportBench(result: BenchResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

export interface BenchEmulators {
  names: ProvisionedNames;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local + s3rver + SES local (in memory), creates the tables and the
 * bucket under a fresh prefix, and points this process at them (SDK endpoints, table
 * env vars, HYGIENE_SECRETS). Call `stop()` when done.
 */
export async function startBenchEmulators(): Promise<BenchEmulators> {
  // imported here, not at the top: a bench without emulators should not pay for the SDK in its RSS
  const { startEmulators } = await import('#cli/local/emulators');
  const { provision } = await import('#cli/local/provision');
  const { resetClients } = await import('#store/clients');
  const { generateSecrets, resetSecrets } = await import('#store/secrets');
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const s3TempDir = join(BENCH_OUT, `s3-${prefix}`);
  const emulators = await startEmulators({ s3TempDir });
  const stop = async () => {
    await emulators.stop();
    await rm(s3TempDir, { recursive: true, force: true });
  };
  try {
    Object.assign(process.env, emulators.env);
    resetClients();
    const names = await provision(prefix, `${prefix}-bucket`);
    Object.assign(process.env, names.env);
    process.env.HYGIENE_SECRETS = JSON.stringify(generateSecrets());
    resetSecrets();
    return { names, env: { ...emulators.env, ...names.env }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
