/**
 * S3 list ingestion end to end (issue 17) on DynamoDB Local + s3rver, each step in a
 * process of its own as each is a Lambda of its own in AWS:
 *
 * - the **planner** (`planIngestion`: SHA-256, parse and normalisation, R2 over the whole
 *   file, the byte ranges cut at record boundaries, the plan written to S3);
 * - **W range workers** (`ingestRange`), each taking range indexes from a queue the
 *   bench holds (over IPC) until none is left, as the Distributed Map's children take
 *   ranges; the ranges are 4 MB (≈ 33,500 rows) under 500,000 rows, 8 MB (≈ 67,000)
 *   above (`--range-mb` to choose);
 * - the **finisher** (`finishIngestion`: the report assembled from the parts).
 *
 * Each reports its own wall time, CPU seconds (`process.cpuUsage`), peak RSS, and the
 * DynamoDB capacity it consumed: a middleware on its store client asks every request for
 * its ConsumedCapacity and also computes what AWS on-demand would charge from the items'
 * sizes (bench/capacity.ts: DynamoDB Local charges nothing for a key a BatchGetItem does
 * not find, where AWS charges 1 RRU, and reports a multi-item transaction as one item).
 * Read and write units are reported per accepted contact, by table, with the price of a
 * million contacts. Over the ranges, DynamoDB Local's CPU, the workers' and each core's
 * busy share tell which side is the bottleneck.
 *
 * Fair and repeatable (bench/README.md, "Ingestion"): the emulators run in a process of
 * their own (bench/emulators-host.ts), DynamoDB Local's JVM on cores of its own
 * (`BENCH_SHARED_CORES=1`: every process on every core); the JVM is warmed by a whole
 * ingestion of another list first (20,000 rows, `BENCH_WARM_UP_ROWS`), so that every path
 * the ingestion takes is compiled; each worker count gets fresh emulators (a table of the
 * same size to write into). After the timing, the table is checked: the list's members,
 * the contacts that name the list and the report's decisions are counted against what the
 * ingestion reported.
 *
 *   npm run bench -- ingest                      (100,000 rows, 1 worker; bundled as the Lambdas are)
 *   npm run bench -- ingest-workers              (1,000,000 rows, 1, 2 and 4 workers)
 *   npx tsx bench/ingest.bench.ts [--rows 100000] [--workers 1,2,4] [--range-mb 4]
 *
 * Environment: BENCH_WORKERS / BENCH_RANGE_MB (override --workers / --range-mb, e.g.
 * `BENCH_WORKERS=1,4 npm run bench -- ingest-workers --rows 200000`), BENCH_WARM_UP_ROWS,
 * BENCH_SHARED_CORES=1, BENCH_INGEST_HEAP_MB (V8 heap limit of the planner, workers and
 * finisher, default 128, 0 = V8's default), BENCH_INGEST_FLAGS (more node flags for
 * them), BENCH_INGEST_CPU_PROF=<dir> (a CPU profile of each worker), BENCH_WRU_USD /
 * BENCH_RRU_USD (prices per million units).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { QueryCommand, type QueryCommandOutput, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { defaultSettings } from '#schemas/settings';
import { finishIngestion, type IngestResult } from '#shared/flows/ingest-finish';
import { type PlannedIngestion, planIngestion } from '#shared/flows/ingest-plan';
import { ingestRange } from '#shared/flows/ingest-range';
import { s3Client } from '#store/client-s3';
import { documentClient, dynamoClient } from '#store/clients';
import { contactsTableName } from '#store/contacts';
import { listMembersTableName } from '#store/list-members';
import { uploadStream } from '#store/object-uploads';
import { objectKeys, objectStream, putObject } from '#store/objects';
import { CapacityMeter, type CapacityReport, PRICES, perContact, sumCapacity } from './capacity.ts';
import { type GeneratedList, generateList } from './generate-list.ts';
import {
  type BenchEmulators,
  benchRows,
  coresBusy,
  coreTimes,
  ownCpuSeconds,
  peakRssMb,
  reportBench,
  rssMb,
  startBenchEmulators,
} from './support.ts';

const NOW = new Date('2026-04-15T10:00:00Z');
/** V8's heap limit for the Lambdas' processes (MB; 0 = V8's default, ≈ 4 GB on this 24 GiB machine) */
const HEAP_MB = Number(process.env.BENCH_INGEST_HEAP_MB ?? 128);
/** a list of other people, ingested first: every path of the ingestion warm in DynamoDB Local's JVM */
const WARM_UP_ROWS = Number(process.env.BENCH_WARM_UP_ROWS ?? 20_000);
/** the Lambda price of a GB-second (x86, eu-west-3), and the workers' memory (cdk/constructs/ingestion.ts) */
const LAMBDA_USD_PER_GB_SECOND = 0.0000166667;
const WORKER_MEMORY_GB = 1769 / 1024;

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

// ─── The Lambdas: each step in a child process of its own ───────────────────────────────

type Role = 'plan' | 'worker' | 'finish';

/** What each child measures of itself. */
interface ProcessStats {
  /** wall time of its work (process start excluded) */
  seconds: number;
  /** CPU seconds of its work (user + system, GC threads included) */
  cpuSeconds: number;
  /** CPU seconds before the work: starting node, loading the modules (a cold start's) */
  startupCpuSeconds: number;
  peakRssMb: number;
  rssBeforeMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  capacity: CapacityReport;
}
interface PlanOut extends ProcessStats {
  planned: PlannedIngestion;
}
interface WorkerOut extends ProcessStats {
  ranges: number[];
  rows: number;
  accepted: number;
  contactsWritten: number;
}
interface FinishOut extends ProcessStats {
  result: IngestResult;
}

type ToChild = { type: 'range'; range: number } | { type: 'stop' };
type FromChild =
  | { type: 'next' }
  | { type: 'range-done'; range: number; rows: number; seconds: number }
  | { type: 'result'; out: PlanOut | WorkerOut | FinishOut }
  | { type: 'error'; message: string };

function sendToParent(message: FromChild): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('no IPC channel to the bench'));
    process.send(message, undefined, undefined, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** Messages from the bench, in order (none lost while nobody waits). */
function inbox(): () => Promise<ToChild> {
  const queue: ToChild[] = [];
  let waiting: ((message: ToChild) => void) | undefined;
  process.on('message', (message: ToChild) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(message);
    } else queue.push(message);
  });
  return () => {
    const head = queue.shift();
    return head ? Promise.resolve(head) : new Promise((resolve) => (waiting = resolve));
  };
}

/** `--role <role> …`: one step of the ingestion, measured; its result goes to the bench over IPC. */
async function runRole(role: Role, args: string[]): Promise<void> {
  const startupCpuSeconds = ownCpuSeconds();
  const rssBeforeMb = round(rssMb());
  const meter = new CapacityMeter().install(dynamoClient()).installS3(s3Client());
  const peak = { heapTotalMb: 0, externalMb: 0, arrayBuffersMb: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak.heapTotalMb = Math.max(peak.heapTotalMb, Math.round(m.heapTotal / 2 ** 20));
    peak.externalMb = Math.max(peak.externalMb, Math.round(m.external / 2 ** 20));
    peak.arrayBuffersMb = Math.max(peak.arrayBuffersMb, Math.round(m.arrayBuffers / 2 ** 20));
  }, 200);
  sampler.unref();
  let started = performance.now();
  let cpuBefore = ownCpuSeconds();
  const stats = (): ProcessStats => ({
    seconds: round((performance.now() - started) / 1000, 3),
    cpuSeconds: round(ownCpuSeconds() - cpuBefore, 3),
    startupCpuSeconds: round(startupCpuSeconds, 3),
    peakRssMb: round(peakRssMb()),
    rssBeforeMb,
    ...peak,
    capacity: meter.report(),
  });
  try {
    const [key = '', option = ''] = args;
    if (role === 'plan') {
      const planned = await planIngestion(key, defaultSettings, NOW, { rangeBytes: Number(option) });
      await sendToParent({ type: 'result', out: { ...stats(), planned } });
    } else if (role === 'finish') {
      const result = await finishIngestion(key);
      await sendToParent({ type: 'result', out: { ...stats(), result } });
    } else {
      const next = inbox();
      const done = { ranges: [] as number[], rows: 0, accepted: 0, contactsWritten: 0 };
      for (;;) {
        await sendToParent({ type: 'next' });
        const message = await next();
        if (message.type === 'stop') break;
        if (done.ranges.length === 0) {
          // the work starts with the first range: waiting for the bench is not the worker's time
          started = performance.now();
          cpuBefore = ownCpuSeconds();
        }
        const rangeStarted = performance.now();
        const result = await ingestRange(key, message.range, defaultSettings);
        done.ranges.push(message.range);
        done.rows += result.rows;
        done.accepted += result.accepted;
        done.contactsWritten += result.contactsWritten;
        await sendToParent({
          type: 'range-done',
          range: message.range,
          rows: result.rows,
          seconds: round((performance.now() - rangeStarted) / 1000),
        });
      }
      await sendToParent({ type: 'result', out: { ...stats(), ...done } });
    }
  } catch (error) {
    await sendToParent({ type: 'error', message: (error as Error).stack ?? String(error) });
    process.exit(1);
  }
  process.exit(0);
}

const roleAt = process.argv.indexOf('--role');
if (roleAt !== -1) {
  await runRole(process.argv[roleAt + 1] as Role, process.argv.slice(roleAt + 2));
}

// ─── The bench: the Step Functions of the run, on this machine ──────────────────────────

/** Starts this file again as one of the ingestion's Lambdas (same loader or bundle, the emulators' environment). */
function startChild(role: Role, args: string[], label: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      ...(HEAP_MB > 0 ? [`--max-old-space-size=${HEAP_MB}`] : []),
      ...(process.env.BENCH_INGEST_FLAGS ?? '').split(' ').filter(Boolean),
      ...(role === 'worker' && process.env.BENCH_INGEST_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_INGEST_CPU_PROF}`]
        : []),
      process.argv[1] as string,
      '--role',
      role,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: process.env },
  );
  // the Lambdas' logs (one line per range, per list): only warnings and errors are shown
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (data: string) => {
    pending += data;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines)
      if (/"level":"(WARN|ERROR|CRITICAL)"/.test(line)) process.stderr.write(`[${label}] ${line}\n`);
  });
  return child;
}

/** Runs a child to its end; resolves with its result. `onMessage` answers its other messages. */
function runChild<T>(child: ChildProcess, label: string, onMessage?: (message: FromChild) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let out: T | undefined;
    let failure: string | undefined;
    child.on('message', (message: FromChild) => {
      if (message.type === 'result') out = message.out as T;
      else if (message.type === 'error') failure = message.message;
      else onMessage?.(message);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && out) resolve(out);
      else reject(new Error(`${label} ended with ${signal ?? `code ${code}`}${failure ? `: ${failure}` : ''}`));
    });
  });
}

/** W workers taking the plan's ranges from one queue, in index order, as the Distributed Map hands them out. */
async function runWorkers(planKey: string, ranges: number, workers: number, quiet: boolean): Promise<WorkerOut[]> {
  let next = 0;
  return Promise.all(
    Array.from({ length: Math.min(workers, ranges) }, (_, w) => {
      const label = `worker ${w + 1}`;
      const child = startChild('worker', [planKey], label);
      return runChild<WorkerOut>(child, label, (message) => {
        if (message.type === 'next') {
          child.send(next < ranges ? ({ type: 'range', range: next++ } satisfies ToChild) : { type: 'stop' });
        } else if (message.type === 'range-done' && !quiet) {
          process.stderr.write(
            `  ${label}: range ${message.range + 1}/${ranges}, ${message.rows.toLocaleString('en')} rows in ${message.seconds} s\n`,
          );
        }
      });
    }),
  );
}

interface Phases {
  plan: PlanOut;
  workers: WorkerOut[];
  finish: FinishOut;
  /** wall seconds of each phase as the bench saw them (process starts included) */
  wall: { plan: number; ranges: number; finish: number; total: number };
  /** CPU seconds of DynamoDB Local's JVM and of s3rver + SES local, over each phase */
  dynamo: { plan: number; ranges: number; finish: number; total: number };
  s3: { total: number };
  /** each core's busy share (and the share the hypervisor stole) while the ranges ran */
  coresBusy: { busy: number; steal: number }[];
}

/** One ingestion: planner, then the workers, then the finisher; the emulators' CPU over each. */
async function ingest(
  emulators: BenchEmulators,
  manifestKey: string,
  workers: number,
  rangeBytes: number,
  quiet = false,
): Promise<Phases> {
  const marks: { at: number; cpu: { total: number; dynamo: number }; cores: ReturnType<typeof coreTimes> }[] = [];
  const mark = () => marks.push({ at: performance.now(), cpu: emulators.cpuSeconds(), cores: coreTimes() });
  mark();
  const plan = await runChild<PlanOut>(startChild('plan', [manifestKey, String(rangeBytes)], 'plan'), 'planner');
  mark();
  const planKey = plan.planned.planKey;
  if (plan.planned.status !== 'accepted' || !planKey) throw new Error(`list ${plan.planned.status}`);
  const workerOuts = await runWorkers(planKey, plan.planned.ranges, workers, quiet);
  mark();
  const finish = await runChild<FinishOut>(startChild('finish', [planKey], 'finish'), 'finisher');
  mark();
  const between = (from: number, to: number, of: (m: (typeof marks)[number]) => number) =>
    round(of(marks[to] as (typeof marks)[number]) - of(marks[from] as (typeof marks)[number]), 2);
  const wall = (m: (typeof marks)[number]) => m.at / 1000;
  const dynamo = (m: (typeof marks)[number]) => m.cpu.dynamo;
  return {
    plan,
    workers: workerOuts,
    finish,
    wall: {
      plan: between(0, 1, wall),
      ranges: between(1, 2, wall),
      finish: between(2, 3, wall),
      total: between(0, 3, wall),
    },
    dynamo: {
      plan: between(0, 1, dynamo),
      ranges: between(1, 2, dynamo),
      finish: between(2, 3, dynamo),
      total: between(0, 3, dynamo),
    },
    s3: { total: between(0, 3, (m) => m.cpu.total - m.cpu.dynamo) },
    coresBusy: coresBusy((marks[1] as (typeof marks)[number]).cores, (marks[2] as (typeof marks)[number]).cores),
  };
}

async function upload(generated: GeneratedList): Promise<{ listId: string; manifestKey: string }> {
  const manifestBytes = await readFile(generated.manifestPath);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { listId: string; dataFile: string };
  await uploadStream(
    objectKeys.dataFile(manifest.listId, manifest.dataFile),
    createReadStream(generated.dataPath),
    'text/csv',
  );
  await putObject(objectKeys.manifest(manifest.listId), manifestBytes, 'application/json');
  return { listId: manifest.listId, manifestKey: objectKeys.manifest(manifest.listId) };
}

/** After the timing: what the tables and the report hold, counted (not by the code under test). */
async function stored(listId: string): Promise<{ members: number; contacts: number; decisions: number }> {
  let members = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out: QueryCommandOutput = await documentClient().send(
      new QueryCommand({
        TableName: listMembersTableName(),
        KeyConditionExpression: 'listId = :l',
        ExpressionAttributeValues: { ':l': listId },
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    members += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  let contacts = 0;
  do {
    // Limit: DynamoDB Local reads every item left in the table for each page without one (bench/README.md)
    const out: ScanCommandOutput = await documentClient().send(
      new ScanCommand({
        TableName: contactsTableName(),
        FilterExpression: 'contains(listIds, :l)',
        ExpressionAttributeValues: { ':l': listId },
        Select: 'COUNT',
        Limit: 1_000,
        ExclusiveStartKey: startKey,
      }),
    );
    contacts += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  // the report streamed whole: each decision starts a line with `{`
  let decisions = 0;
  let last = '';
  for await (const chunk of await objectStream(objectKeys.report(listId))) {
    const text = last + (chunk as Buffer).toString('latin1');
    for (let at = text.indexOf('\n{'); at !== -1; at = text.indexOf('\n{', at + 2)) decisions++;
    last = text.slice(-1);
  }
  return { members, contacts, decisions };
}

const ms = (seconds: number, rows: number) => round((1000 * seconds) / Math.max(1, rows), 3);

interface RunResult {
  workers: number;
  rowsPerSecond: number;
  seconds: number;
}

/** Fresh emulators, the JVM warmed, then the list ingested by `workers` workers, checked and reported. */
async function benchRun(
  list: GeneratedList,
  warmUpList: GeneratedList,
  workers: number,
  rangeBytes: number,
  name: string,
  baseline?: RunResult,
): Promise<RunResult> {
  const emulators = await startBenchEmulators();
  // DynamoDB Local on a core of its own, the Lambdas' processes and s3rver on the other:
  // in AWS the table and the Lambdas never share a CPU. BENCH_SHARED_CORES=1: all on all.
  const cores = process.env.BENCH_SHARED_CORES === '1' ? undefined : emulators.pinDynamoToOwnCores();
  try {
    const { listId, manifestKey } = await upload(list);
    const warmUp = await upload(warmUpList);
    const warm = await ingest(emulators, warmUp.manifestKey, 1, rangeBytes, true);
    process.stderr.write(
      `  warm-up: ${warmUpList.rows.toLocaleString('en')} rows of another list in ${warm.wall.total} s (${warm.finish.result.rows.accepted.toLocaleString('en')} contacts)\n`,
    );

    const loadBefore = loadavg().map((l) => round(l, 2));
    const run = await ingest(emulators, manifestKey, workers, rangeBytes);
    const { plan, finish } = run;
    const result = finish.result;
    const rows = result.rows.total;
    const accepted = result.rows.accepted;
    const check = await stored(listId);
    if (check.members !== accepted || check.contacts !== accepted || check.decisions !== rows)
      throw new Error(
        `stored: ${check.members} members, ${check.contacts} contacts naming the list, ${check.decisions} decisions; reported ${accepted} accepted of ${rows} rows`,
      );

    const workerRows = run.workers.reduce((n, w) => n + w.rows, 0);
    const workerCpu = run.workers.reduce((n, w) => n + w.cpuSeconds, 0);
    const accountingSeconds = run.workers.reduce((n, w) => n + w.capacity.accountingMs, 0) / 1000;
    const capacity = sumCapacity([plan.capacity, ...run.workers.map((w) => w.capacity), finish.capacity]);
    const workersCapacity = sumCapacity(run.workers.map((w) => w.capacity));
    const per = perContact(capacity, accepted);
    const rowsPerSecond = Math.round(rows / run.wall.total);
    const perWorker = run.workers.map((w, i) => ({
      worker: i + 1,
      ranges: w.ranges.length,
      rows: w.rows,
      seconds: w.seconds,
      rowsPerSecond: Math.round(w.rows / w.seconds),
      cpuSeconds: w.cpuSeconds,
      cpuMsPerRow: ms(w.cpuSeconds, w.rows),
      cpuMsPerRowWithoutMeter: ms(w.cpuSeconds - w.capacity.accountingMs / 1000, w.rows),
      startupCpuSeconds: w.startupCpuSeconds,
      peakRssMb: w.peakRssMb,
      rssBeforeMb: w.rssBeforeMb,
      heapTotalMb: w.heapTotalMb,
      externalMb: w.externalMb,
    }));
    const speedUp = baseline ? round(rowsPerSecond / baseline.rowsPerSecond, 2) : undefined;
    reportBench({
      name,
      rows,
      seconds: run.wall.total,
      rowsPerSecond,
      peakRssMb: Math.max(...run.workers.map((w) => w.peakRssMb)),
      rssBeforeMb: run.workers[0]?.rssBeforeMb ?? 0,
      accepted,
      contactsWritten: result.contactsWritten,
      workers,
      ...(speedUp !== undefined ? { speedUp } : {}),
      ranges: plan.planned.ranges,
      rangeMb: round(rangeBytes / 2 ** 20),
      planSeconds: run.wall.plan,
      rangesSeconds: run.wall.ranges,
      finishSeconds: run.wall.finish,
      rangesRowsPerSecond: Math.round(rows / run.wall.ranges),
      plannerCpuMsPerRow: ms(plan.cpuSeconds, rows),
      workerCpuMsPerRow: ms(workerCpu, workerRows),
      workerCpuMsPerRowWithoutMeter: ms(workerCpu - accountingSeconds, workerRows),
      finisherCpuMsPerRow: ms(finish.cpuSeconds, rows),
      plannerPeakRssMb: plan.peakRssMb,
      finisherPeakRssMb: finish.peakRssMb,
      awsRruPerContact: per.aws.rru,
      awsWruPerContact: per.aws.wru,
      localRruPerContact: per.local.rru,
      localWruPerContact: per.local.wru,
      usdPerMillionContacts: per.usdPerMillionContacts.aws,
      dynamoCpuSecondsRanges: run.dynamo.ranges,
      /** DynamoDB Local's share of its core(s) while the ranges ran: ≈ 1 per core it has = the bottleneck */
      dynamoBusy: round(run.dynamo.ranges / run.wall.ranges, 2),
      dynamoCpuMsPerContact: ms(run.dynamo.total, accepted),
      /** the workers' CPU over the ranges' wall time, in cores (they share the cores DynamoDB Local does not have) */
      workersBusy: round(workerCpu / run.wall.ranges, 2),
      /** each core's busy share over the ranges (steal: taken by the hypervisor) */
      coresBusy: run.coresBusy.map((c, i) => `cpu${i} ${c.busy}${c.steal ? ` (+${c.steal} stolen)` : ''}`).join(', '),
      loadAverage: `${loadBefore.join(' ')} → ${loadavg()
        .map((l) => round(l, 2))
        .join(' ')}`,
      s3AndSesCpuSeconds: run.s3.total,
      cores: cores ? `DynamoDB Local ${cores.dynamoCores}, the rest ${cores.otherCores}` : 'shared',
      heapLimitMb: HEAP_MB || 'default',
      // for results.json
      perWorker,
      planner: {
        seconds: plan.seconds,
        cpuSeconds: plan.cpuSeconds,
        startupCpuSeconds: plan.startupCpuSeconds,
        peakRssMb: plan.peakRssMb,
        rssBeforeMb: plan.rssBeforeMb,
        heapTotalMb: plan.heapTotalMb,
      },
      finisher: {
        seconds: finish.seconds,
        cpuSeconds: finish.cpuSeconds,
        peakRssMb: finish.peakRssMb,
        rssBeforeMb: finish.rssBeforeMb,
      },
      dynamoCpuSeconds: run.dynamo,
      capacityPerContact: per,
      capacity,
      stored: check,
      prices: PRICES,
    });

    // the same, for a reader
    const lines = [
      `${name}: ${rows.toLocaleString('en')} rows, ${accepted.toLocaleString('en')} accepted, ${workers} worker(s), ${plan.planned.ranges} ranges of ${round(rangeBytes / 2 ** 20)} MB; ${cores ? `DynamoDB Local on core ${cores.dynamoCores}, the rest on ${cores.otherCores}` : 'all processes on all cores'}`,
      `  wall: ${run.wall.total} s = plan ${run.wall.plan} + ranges ${run.wall.ranges} + finish ${run.wall.finish} → ${rowsPerSecond.toLocaleString('en')} rows/s (${Math.round(rows / run.wall.ranges).toLocaleString('en')} rows/s over the ranges)`,
      `  planner:  ${ms(plan.cpuSeconds, rows)} ms CPU/row (${plan.cpuSeconds} s, ${plan.seconds} s wall), peak RSS ${plan.peakRssMb} MB (${plan.rssBeforeMb} before)`,
      ...perWorker.map(
        (w) =>
          `  worker ${w.worker}: ${w.ranges} ranges, ${w.rows.toLocaleString('en')} rows in ${w.seconds} s, ${w.cpuMsPerRow} ms CPU/row (${w.cpuMsPerRowWithoutMeter} without the meter), peak RSS ${w.peakRssMb} MB (${w.rssBeforeMb} before), heap ≤ ${w.heapTotalMb} MB`,
      ),
      `  finisher: ${ms(finish.cpuSeconds, rows)} ms CPU/row (${finish.cpuSeconds} s, ${finish.seconds} s wall), peak RSS ${finish.peakRssMb} MB`,
      `  DynamoDB Local: ${run.dynamo.ranges} s of CPU over the ranges' ${run.wall.ranges} s (${round(run.dynamo.ranges / run.wall.ranges, 2)} of a core), ${ms(run.dynamo.total, accepted)} ms per contact; the workers ${round(workerCpu / run.wall.ranges, 2)} of a core; cores busy ${run.coresBusy.map((c, i) => `cpu${i} ${c.busy}${c.steal ? ` (+${c.steal} stolen)` : ''}`).join(', ')}; s3rver + SES ${run.s3.total} s; load average ${loadBefore.join(' ')} before`,
      `  capacity per accepted contact (AWS on-demand model | as DynamoDB Local reported):`,
      ...Object.entries(per.byTable).map(
        ([table, t]) =>
          `    ${table.padEnd(13)} RRU ${String(t.aws.rru).padStart(6)} | ${String(t.local.rru).padStart(6)}   WRU ${String(t.aws.wru).padStart(6)} | ${String(t.local.wru).padStart(6)}${indexNote(capacity, table, accepted)}`,
      ),
      `    ${'total'.padEnd(13)} RRU ${String(per.aws.rru).padStart(6)} | ${String(per.local.rru).padStart(6)}   WRU ${String(per.aws.wru).padStart(6)} | ${String(per.local.wru).padStart(6)}`,
      `  on-demand at $${PRICES.wruPerMillion}/M WRU, $${PRICES.rruPerMillion}/M RRU: $${per.usdPerMillionContacts.aws} per million contacts ($${per.usdPerMillionContacts.local} on DynamoDB Local's figures)`,
      `  Lambda (workers' CPU only, ${round(WORKER_MEMORY_GB * 1024)} MB, a lower bound): $${round(((workerCpu * 1e6) / workerRows) * WORKER_MEMORY_GB * LAMBDA_USD_PER_GB_SECOND, 2)} per million rows`,
      `  requests: ${Object.entries(workersCapacity.tables)
        .map(([t, c]) => `${t} ${JSON.stringify(c.requests)}`)
        .join('; ')}; failed ${JSON.stringify(capacity.failures)}; S3 ${JSON.stringify(capacity.s3)}`,
      `  contacts' put units (AWS model, items by WRU): ${JSON.stringify(capacity.tables.contacts?.putUnits ?? {})}; DynamoDB Local gave no ConsumedCapacity for ${JSON.stringify(capacity.unreported)}`,
      `  stored: ${check.members.toLocaleString('en')} members, ${check.contacts.toLocaleString('en')} contacts naming the list, ${check.decisions.toLocaleString('en')} decisions in the report`,
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
    return { workers, rowsPerSecond, seconds: run.wall.total };
  } finally {
    await emulators.stop();
  }
}

function indexNote(capacity: CapacityReport, table: string, accepted: number): string {
  const indexes = capacity.tables[table]?.aws.indexes ?? {};
  const parts = Object.entries(indexes).map(([index, units]) => `${index} ${round(units / accepted, 3)}`);
  return parts.length ? `   (of which WRU in ${parts.join(', ')})` : '';
}

/** `--name a,b`, or the environment variable that overrides it, as numbers. */
function numbers(name: string, envVar: string, fallback: string): number[] {
  const at = process.argv.indexOf(name);
  const text = process.env[envVar] || (at === -1 ? fallback : (process.argv[at + 1] ?? ''));
  const values = text.split(',').map(Number);
  if (values.some((n) => !(n > 0))) throw new Error(`${name} (${envVar}) expects n[,n…]`);
  return values;
}

const rows = benchRows();
// BENCH_WORKERS=1,2 overrides run.ts's --workers (a shorter ingest-workers run)
const workerCounts = numbers('--workers', 'BENCH_WORKERS', '1');
const rangeBytes = Math.round(
  (numbers('--range-mb', 'BENCH_RANGE_MB', rows >= 500_000 ? '8' : '4')[0] as number) * 2 ** 20,
);
const list = await generateList(rows);
const warmUpList = await generateList(WARM_UP_ROWS, { listId: 'bench-warm-up', seed: 7 });
const results: RunResult[] = [];
for (const workers of workerCounts) {
  const name =
    workerCounts.length === 1 && workers === 1 ? 'ingest' : `ingest-${workers}-worker${workers > 1 ? 's' : ''}`;
  process.stderr.write(`${name}: ${rows.toLocaleString('en')} rows…\n`);
  results.push(
    await benchRun(
      list,
      warmUpList,
      workers,
      rangeBytes,
      name,
      results.find((r) => r.workers === 1),
    ),
  );
}
if (results.length > 1) {
  const base = results.find((r) => r.workers === 1) ?? (results[0] as RunResult);
  process.stderr.write(
    `speed-up over ${rows.toLocaleString('en')} rows: ${results
      .map(
        (r) =>
          `${r.workers} worker(s) ${r.rowsPerSecond.toLocaleString('en')} rows/s (×${round(r.rowsPerSecond / base.rowsPerSecond, 2)})`,
      )
      .join(', ')}\n`,
  );
}
