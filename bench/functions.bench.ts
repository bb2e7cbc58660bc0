/**
 * Issue 19, lean functions: each function's bundle as CDK builds it (cdk/bundling.ts),
 * its size (whole, and outside the AWS SDK), the SDK clients it uses, and its module
 * initialisation — the time `import()` of the bundle takes in a fresh Node process run
 * with the functions' NODE_OPTIONS (source maps on, as deployed), from a directory with
 * no node_modules (the bundle carries its SDK), median of 5 runs. Goal: ≤ 1,000 KB whole,
 * ≤ 500 KB outside the SDK (ingestion's planner and workers ≤ 800 KB), ≤ 150 ms each.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_LIMIT_KB, bundleFunction, FUNCTION_NODE_OPTIONS, ownCodeLimitKb } from '../cdk/bundling.ts';
import { reportBench } from './support.ts';

const root = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'bench-functions-'));
const RUNS = 5;

/** ms to import the bundle in a fresh process (the process's own start excluded). */
function initMs(path: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(path).href)}); process.stdout.write(String(performance.now() - t));`;
  const run = spawnSync(process.execPath, [FUNCTION_NODE_OPTIONS, '--input-type=module', '-e', script], {
    cwd: out,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-3' },
  });
  if (run.status !== 0) throw new Error(`${path}: ${run.stderr.slice(-400)}`);
  return Number(run.stdout);
}

for (const name of readdirSync(join(root, 'functions')).sort()) {
  const bundle = await bundleFunction(root, name, out);
  const times = Array.from({ length: RUNS }, () => initMs(bundle.path)).sort((a, b) => a - b);
  const ms = Math.round(times[Math.floor(RUNS / 2)] as number);
  const kb = Math.round(bundle.bytes / 1024);
  const ownKb = Math.round(bundle.ownBytes / 1024);
  reportBench({
    name: `fn-${name}`,
    rows: 1,
    seconds: ms / 1000,
    rowsPerSecond: 0,
    peakRssMb: 0,
    bundleKb: kb,
    ownKb,
    ownLimitKb: ownCodeLimitKb(name),
    initMs: ms,
    clients: bundle.sdkPackages.map((p) => p.replace('@aws-sdk/', '')).join('+'),
    onFirstUse: bundle.lazySdkPackages.map((p) => p.replace('@aws-sdk/', '')).join('+') || '-',
    met: kb <= BUNDLE_LIMIT_KB && ownKb <= ownCodeLimitKb(name) && ms <= 150,
  });
}
