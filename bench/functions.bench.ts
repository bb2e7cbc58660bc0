/**
 * Issue 19, lean functions: each function's bundle as CDK builds it (cdk/bundling.ts),
 * its size, the AWS SDK clients it imports, and its module initialisation — the time
 * `import()` of the bundle takes in a fresh Node process (the SDK clients from
 * node_modules, as the runtime loads its own), median of 5 runs. Goal: ≤ 500 KB
 * (ingestion's planner and workers ≤ 800 KB) and ≤ 150 ms each.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleFunction, bundleLimitKb } from '../cdk/bundling.ts';
import { BENCH_OUT } from './generate-list.ts';
import { reportBench } from './support.ts';

const root = join(import.meta.dirname, '..');
const out = join(BENCH_OUT, 'functions');
mkdirSync(out, { recursive: true });
const RUNS = 5;

/** ms to import the bundle in a fresh process (the process's own start excluded). */
function initMs(path: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(path).href)}); process.stdout.write(String(performance.now() - t));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-3', NODE_PATH: join(root, 'node_modules') },
  });
  if (run.status !== 0) throw new Error(`${path}: ${run.stderr.slice(-400)}`);
  return Number(run.stdout);
}

for (const name of readdirSync(join(root, 'functions')).sort()) {
  const bundle = await bundleFunction(root, name, out);
  const times = Array.from({ length: RUNS }, () => initMs(bundle.path)).sort((a, b) => a - b);
  const ms = Math.round(times[Math.floor(RUNS / 2)] as number);
  const kb = Math.round(bundle.bytes / 1024);
  reportBench({
    name: `fn-${name}`,
    rows: 1,
    seconds: ms / 1000,
    rowsPerSecond: 0,
    peakRssMb: 0,
    bundleKb: kb,
    limitKb: bundleLimitKb(name),
    initMs: ms,
    clients: bundle.sdkPackages.map((p) => p.replace('@aws-sdk/', '')).join('+'),
    onFirstUse: bundle.lazySdkPackages.map((p) => p.replace('@aws-sdk/', '')).join('+') || '-',
    met: kb <= bundleLimitKb(name) && ms <= 150,
  });
}
