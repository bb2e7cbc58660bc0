/**
 * `npm run bench [-- <name>… ] [--rows 100000,1000000]`: generates the lists, runs every
 * benchmark as its own child process (own peak RSS, no JIT or heap shared between runs),
 * prints a table and writes bench/out/results.json.
 *
 * To add a bench: write bench/<name>.bench.ts (see bench/support.ts) and add a line to
 * BENCHES. A bench file not listed still runs, at 100,000 rows.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BENCH_OUT, generateList } from './generate-list.ts';
import type { BenchResult } from './support.ts';

interface BenchSpec {
  /** the name it reports, used to pick benches on the command line */
  name: string;
  file: string;
  sizes: number[];
  args?: string[];
  /** minutes before the child is stopped */
  timeoutMinutes?: number;
  /**
   * run the bench bundled by esbuild, as the Lambdas run (NodejsFunction bundles), under
   * plain node: no tsx loader (its thread alone holds ≈ 40 MB of RSS)
   */
  bundled?: boolean;
}

const BENCHES: BenchSpec[] = [
  { name: 'csv', file: 'csv.bench.ts', sizes: [100_000, 1_000_000] },
  { name: 'csv-decode-only', file: 'csv-baseline.bench.ts', sizes: [1_000_000] },
  { name: 'csv-udsv', file: 'csv-baseline.bench.ts', sizes: [1_000_000], args: ['--udsv'] },
  { name: 'check', file: 'check.bench.ts', sizes: [100_000, 1_000_000] },
  { name: 'check-summary', file: 'check.bench.ts', sizes: [100_000, 1_000_000], args: ['--summary'] },
  {
    name: 'check-summary-bundled',
    file: 'check.bench.ts',
    sizes: [100_000, 1_000_000],
    args: ['--summary'],
    bundled: true,
  },
  // issue 19: each function's bundle size, SDK clients and module initialisation
  { name: 'functions', file: 'functions.bench.ts', sizes: [1] },
  // issue 18: the whole `hygiene check` process on one core (taskset) beside the raw CSV scan
  { name: 'check-one-core', file: 'check-one-core.bench.ts', sizes: [1_000_000] },
  // on the emulators (bench/support.ts startBenchEmulators)
  { name: 'send', file: 'send.bench.ts', sizes: [100_000], timeoutMinutes: 30 },
  { name: 'ingest', file: 'ingest.bench.ts', sizes: [100_000], timeoutMinutes: 30, bundled: true },
  // 1, 2 and 4 range workers on a million rows (each with fresh emulators): ≈ an hour here
  {
    name: 'ingest-workers',
    file: 'ingest.bench.ts',
    sizes: [1_000_000],
    args: ['--workers', '1,2,4'],
    timeoutMinutes: 150,
    bundled: true,
  },
  { name: 'purge', file: 'purge.bench.ts', sizes: [200_000], timeoutMinutes: 30 },
];

const here = dirname(fileURLToPath(import.meta.url));

function discover(): BenchSpec[] {
  const listed = new Set(BENCHES.map((b) => b.file));
  const extra = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts') && !listed.has(f))
    .map((file) => ({ name: file.replace(/\.bench\.ts$/, ''), file, sizes: [100_000] }));
  return [...BENCHES.filter((b) => existsSync(join(here, b.file))), ...extra];
}

function parseCommandLine(argv: string[]): { names: string[]; sizes?: number[] } {
  const names: string[] = [];
  let sizes: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--rows') {
      sizes = (argv[++i] ?? '').split(',').map(Number);
      if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--rows expects n[,n…]');
    } else names.push(arg);
  }
  return { names, sizes };
}

/** The bench bundled as the Lambdas are (project code inlined, packages from node_modules). */
async function bundle(spec: BenchSpec): Promise<string> {
  const outfile = join(here, `.${spec.file.replace(/\.ts$/, '')}.bundled.mjs`);
  await build({
    entryPoints: [join(here, spec.file)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

/** Runs one bench in a child process; resolves with the result lines it printed. */
async function runChild(spec: BenchSpec, rows: number): Promise<BenchResult[]> {
  const entry = spec.bundled ? [await bundle(spec)] : ['--import', 'tsx', join(here, spec.file)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, '--rows', String(rows), ...(spec.args ?? [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    const results: BenchResult[] = [];
    let pending = '';
    const takeLine = (line: string) => {
      if (line.startsWith('{')) {
        try {
          const parsed = JSON.parse(line) as BenchResult;
          if (typeof parsed.name === 'string' && typeof parsed.rowsPerSecond === 'number') {
            results.push(parsed);
            return;
          }
        } catch {
          // not a result line
        }
      }
      if (line.trim() !== '') process.stderr.write(`  [${spec.name}] ${line}\n`);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      pending += data;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) takeLine(line);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), (spec.timeoutMinutes ?? 20) * 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      takeLine(pending);
      if (code === 0) resolve(results);
      else reject(new Error(`${spec.file} --rows ${rows} ended with ${signal ?? `exit code ${code}`}`));
    });
  });
}

const cell = (value: unknown, width: number, right = true) => {
  const text = String(value ?? '');
  return right ? text.padStart(width) : text.padEnd(width);
};

function table(results: BenchResult[]): string {
  const lines = [
    `${cell('bench', 16, false)} ${cell('rows', 9)} ${cell('seconds', 8)} ${cell('rows/s', 10)} ${cell('peak RSS MB', 11)} ${cell('RSS before', 10)}  notes`,
  ];
  for (const r of results) {
    const { name, rows, seconds, rowsPerSecond, peakRssMb, rssBeforeMb, ...extra } = r;
    // nested figures (per worker, capacity by table) are in results.json
    const notes = Object.entries(extra)
      .filter(([, v]) => typeof v !== 'object' || v === null)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    lines.push(
      `${cell(name, 16, false)} ${cell(rows.toLocaleString('en'), 9)} ${cell(seconds, 8)} ${cell(rowsPerSecond.toLocaleString('en'), 10)} ${cell(peakRssMb, 11)} ${cell(rssBeforeMb, 10)}  ${notes}`,
    );
  }
  return lines.join('\n');
}

const { names, sizes } = parseCommandLine(process.argv.slice(2));
const selected = discover().filter((b) => names.length === 0 || names.some((n) => b.name === n || b.file === n));
if (selected.length === 0) {
  console.error(
    `no bench named ${names.join(', ')}; known: ${discover()
      .map((b) => b.name)
      .join(', ')}`,
  );
  process.exit(2);
}
const plan = selected.flatMap((spec) => (sizes ?? spec.sizes).map((rows) => ({ spec, rows })));
for (const rows of new Set(plan.map((p) => p.rows))) {
  const list = await generateList(rows);
  console.error(`list of ${rows.toLocaleString('en')} rows: ${(list.bytes / 1e6).toFixed(1)} MB (${list.dataPath})`);
}
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
};
const results: BenchResult[] = [];
const failures: string[] = [];
for (const { spec, rows } of plan) {
  console.error(`running ${spec.name} on ${rows.toLocaleString('en')} rows…`);
  try {
    results.push(...(await runChild(spec, rows)));
  } catch (error) {
    failures.push((error as Error).message);
    console.error(`  failed: ${(error as Error).message}`);
  }
}
console.log(table(results));
console.log(
  `\n${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' ')}`,
);
await mkdir(BENCH_OUT, { recursive: true });
await writeFile(
  join(BENCH_OUT, 'results.json'),
  `${JSON.stringify({ when: new Date().toISOString(), machine, results, failures }, null, 2)}\n`,
);
if (failures.length > 0) process.exitCode = 1;
