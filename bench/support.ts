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
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

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
export function reportBench(result: BenchResult): BenchResult {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

export interface BenchEmulators {
  env: Record<string, string>;
  /** CPU seconds used so far by the emulators: all of them, and DynamoDB Local's JVM */
  cpuSeconds(): { total: number; dynamo: number };
  /**
   * Gives DynamoDB Local's JVM cores of its own (the first half of the machine's, at least
   * one), and the emulator host (s3rver, SES), this process and every process it starts
   * later the others: in AWS, DynamoDB and a Lambda never share a CPU. Returns the split,
   * or undefined when it cannot be made (one core, or no `taskset`).
   */
  pinDynamoToOwnCores(): { dynamoCores: string; otherCores: string } | undefined;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local + s3rver + SES local (in memory), creates the tables and the
 * bucket under a fresh prefix, and points this process at them (SDK endpoints, table
 * env vars, HYGIENE_SECRETS). Call `stop()` when done.
 *
 * They run in a process of their own (bench/emulators-host.ts), so this process's peak
 * RSS and CPU are the bench's alone, as a Lambda's would be.
 */
export async function startBenchEmulators(): Promise<BenchEmulators> {
  const host = spawn(process.execPath, ['--import', 'tsx', join(here, 'emulators-host.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const exited = new Promise<void>((resolve) => host.once('exit', () => resolve()));
  const stop = async () => {
    host.stdin?.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
  };
  try {
    const env = await new Promise<Record<string, string>>((resolve, reject) => {
      let out = '';
      host.stdout?.setEncoding('utf8');
      host.stdout?.on('data', (data: string) => {
        out += data;
        const line = out.split('\n').find((l) => l.startsWith('{"env"'));
        if (line) resolve((JSON.parse(line) as { env: Record<string, string> }).env);
      });
      host.once('exit', (code) => reject(new Error(`bench emulators exited (${code}) before they were ready`)));
    });
    Object.assign(process.env, env);
    const { resetClients } = await import('#store/clients');
    const { resetSecrets } = await import('#store/secrets');
    resetClients();
    resetSecrets();
    const pid = host.pid as number;
    return { env, cpuSeconds: () => treeCpuSeconds(pid), pinDynamoToOwnCores: () => pinDynamoToOwnCores(pid), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function pinDynamoToOwnCores(emulatorsPid: number): { dynamoCores: string; otherCores: string } | undefined {
  // the machine's cores, not this process's: a bench that ran before may have pinned it already
  const cores = cpus().length;
  if (cores < 2) return undefined;
  const half = Math.floor(cores / 2);
  const dynamoCores = half > 1 ? `0-${half - 1}` : '0';
  const otherCores = cores - half > 1 ? `${half}-${cores - 1}` : String(half);
  const tree = processTree(emulatorsPid);
  try {
    // -a: every thread of the process; threads and processes started later inherit it
    for (const [pid, { java }] of tree)
      execFileSync('taskset', ['-a', '-p', '-c', java ? dynamoCores : otherCores, String(pid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-p', '-c', otherCores, String(process.pid)], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { dynamoCores, otherCores };
}

/** The processes of a tree (the root and its descendants), from /proc: CPU ticks, and whether it is a JVM. */
function processTree(rootPid: number): Map<number, { ticks: number; java: boolean }> {
  const stats = new Map<number, { ppid: number; ticks: number; java: boolean }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // fields after the command, which may hold spaces: state ppid … utime(14) stime(15)
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const java = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'java';
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), java });
    } catch {
      // the process ended meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = stats.get(p)?.ppid) {
      if (p === rootPid) return true;
    }
    return false;
  };
  return new Map([...stats].filter(([pid]) => inTree(pid)));
}

/**
 * CPU seconds (user + system) used by a process and all its descendants, from /proc;
 * `dynamo`: the part of DynamoDB Local's JVM.
 */
export function treeCpuSeconds(rootPid: number): { total: number; dynamo: number } {
  const ticksPerSecond = 100; // USER_HZ on Linux
  let ticks = 0;
  let javaTicks = 0;
  for (const stat of processTree(rootPid).values()) {
    ticks += stat.ticks;
    if (stat.java) javaTicks += stat.ticks;
  }
  return { total: ticks / ticksPerSecond, dynamo: javaTicks / ticksPerSecond };
}

/** CPU seconds (user + system) this process has used. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Each core's CPU time so far, from /proc/stat (ticks): busy (user, system, interrupts), stolen by the hypervisor, and in all. */
export function coreTimes(): { busy: number; steal: number; total: number }[] {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((line) => /^cpu\d+ /.test(line))
      .map((line) => {
        const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
          .split(/\s+/)
          .slice(1)
          .map(Number);
        return {
          busy: user + nice + system + irq + softirq,
          steal,
          total: user + nice + system + idle + iowait + irq + softirq + steal,
        };
      });
  } catch {
    return []; // not Linux
  }
}

/** How busy each core was between two `coreTimes()`: the share of its time spent working (and stolen). */
export function coresBusy(
  from: ReturnType<typeof coreTimes>,
  to: ReturnType<typeof coreTimes>,
): { busy: number; steal: number }[] {
  return to.map((t, i) => {
    const f = from[i] ?? { busy: 0, steal: 0, total: 0 };
    const total = Math.max(1, t.total - f.total);
    return {
      busy: Math.round((100 * (t.busy - f.busy)) / total) / 100,
      steal: Math.round((100 * (t.steal - f.steal)) / total) / 100,
    };
  });
}
