/**
 * S3 list ingestion end to end (issue 4) on DynamoDB Local + s3rver: the generated list
 * (consent-based own-form list, email + SMS) uploaded, then ingested exactly as the
 * Lambda does it (checksum pass, snapshots of the suppressions and of the stored contact
 * keys, streamed parse, rules engine, batched writes, reports, ledger). In the same run, the raw
 * BatchWriteItem ceiling of this DynamoDB Local: as many contact items of the same size,
 * written with no parsing at the same request concurrency.
 *
 * Fair to both (bench/README.md, "Ingestion against the raw write ceiling"): the
 * emulators run in their own process (bench/emulators-host.ts); the JVM is warmed first
 * (20,000 throwaway writes and look-ups, and the ingestion of another list of 5,000 rows,
 * so that every path the ingestion takes is warm); the ceiling's keys are SHA-256 hashes, spread as
 * the list's HMACs are; the ceiling and the ingestion write into the same contacts table
 * (DynamoDB Local writes 10–25× slower into a second stream-enabled table: measured),
 * whose keys are recorded in the key register as an import's are (untimed): the
 * ingestion finds it complete and holding the ceiling's items too; the ceiling is written
 * half just before and half just after the ingestion (this machine's speed drifts); the
 * ingestion runs in a fresh process, as in a Lambda (`--ingest-child`); DynamoDB Local's JVM
 * runs on cores of its own, everything else on the others, for the ceiling as for the
 * ingestion (`BENCH_SHARED_CORES=1`: all on all).
 * CPU seconds are reported for the ingestion's process, DynamoDB Local's JVM, and s3rver
 * + SES local. Then the suppressions snapshot at its cap (50,000) is timed.
 *
 *   npm run bench -- ingest            (bundled, as the Lambda runs)
 *   npx tsx bench/ingest.bench.ts [--rows 100000]
 */

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Contact } from '#domain/contact';
import { defaultSettings } from '#schemas/settings';
import { WRITE_REQUESTS_IN_FLIGHT } from '#shared/flows/ingest-list';
import { ingestListOnce } from '#shared/flows/ingest-once';
import { recordContactKeys } from '#store/contact-keys';
import { type ContactItem, contactsOfList, contactsTableName, toItem } from '#store/contacts';
import { batchGet, batchPut, chunk, inParallel, scanPages } from '#store/dynamo-batch';
import { objectBytes, objectKeys, putObject, uploadStream } from '#store/objects';
import { snapshotSuppressions, suppressionsTableName } from '#store/suppressions';
import { generateList } from './generate-list.ts';
import { benchRows, measure, ownCpuSeconds, peakRssMb, reportBench, rssMb, startBenchEmulators } from './support.ts';

const NOW = new Date('2026-04-15T10:00:00Z');
/** the same write concurrency as the ingestion's */
const WRITE_CONCURRENCY = WRITE_REQUESTS_IN_FLIGHT;
const WARM_UP_ITEMS = 20_000;
/** a list of other people, ingested first: its Scan, look-ups, merges and ledger transactions warm the JVM too */
const WARM_UP_LIST_ROWS = 5_000;

interface IngestChildResult {
  rows: number;
  accepted: number;
  contactsWritten: number;
  reportKey: string;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  rssBeforeMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

/** `--ingest-child <manifestKey>`: only the ingestion, timed, in this fresh process; one JSON line out. */
async function ingestChild(manifestKey: string): Promise<void> {
  const rssBeforeMb = Math.round(rssMb() * 10) / 10;
  const cpuBefore = ownCpuSeconds();
  const started = performance.now();
  // where the memory is, at its peak: V8's heap, or buffers outside it
  const peak = { heapTotalMb: 0, externalMb: 0, arrayBuffersMb: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak.heapTotalMb = Math.max(peak.heapTotalMb, Math.round(m.heapTotal / 2 ** 20));
    peak.externalMb = Math.max(peak.externalMb, Math.round(m.external / 2 ** 20));
    peak.arrayBuffersMb = Math.max(peak.arrayBuffersMb, Math.round(m.arrayBuffers / 2 ** 20));
  }, 200);
  const result = await ingestListOnce(manifestKey, defaultSettings, NOW);
  clearInterval(sampler);
  const out: IngestChildResult = {
    rows: result.rows.total,
    accepted: result.rows.accepted,
    contactsWritten: result.contactsWritten,
    reportKey: result.reportKey,
    seconds: Math.round(performance.now() - started) / 1000,
    cpuSeconds: Math.round((ownCpuSeconds() - cpuBefore) * 10) / 10,
    peakRssMb: Math.round(peakRssMb() * 10) / 10,
    rssBeforeMb,
    ...peak,
  };
  process.stdout.write(`${JSON.stringify({ ingestChild: out })}\n`);
}

/**
 * V8's heap limit for the ingestion (MB). V8 sizes its heap from the machine's memory (here
 * 24 GiB: it lets garbage pile up to ≈ 260 MB of RSS before collecting); a function given
 * a budget collects sooner. The live heap at the peak is ≈ 37 MB (heap snapshot, 50,000 rows).
 */
const INGEST_HEAP_MB = Number(process.env.BENCH_INGEST_HEAP_MB ?? 128);

/** Runs this file again with `--ingest-child` (same loader, same environment: the emulators'). */
function runIngestChild(manifestKey: string): Promise<IngestChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        ...(INGEST_HEAP_MB > 0 ? [`--max-old-space-size=${INGEST_HEAP_MB}`] : []),
        ...(process.env.BENCH_INGEST_FLAGS ?? '').split(' ').filter(Boolean),
        // BENCH_INGEST_CPU_PROF=<dir>: a V8 CPU profile of the ingestion's process (open in Chrome DevTools)
        ...(process.env.BENCH_INGEST_CPU_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_INGEST_CPU_PROF}`]
          : []),
        process.argv[1] as string,
        '--ingest-child',
        manifestKey,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      out += data;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out.split('\n');
      // the ingestion's own account of how it checked oppositions and stored contacts
      for (const l of lines) if (/"message":"(contacts|suppressions) checked"/.test(l)) process.stderr.write(`${l}\n`);
      const line = lines.find((l) => l.startsWith('{"ingestChild"'));
      if (code === 0 && line) resolve((JSON.parse(line) as { ingestChild: IngestChildResult }).ingestChild);
      else {
        process.stderr.write(out);
        reject(new Error(`ingestion child ended with code ${code}`));
      }
    });
  });
}

const childAt = process.argv.indexOf('--ingest-child');
if (childAt !== -1) {
  await ingestChild(process.argv[childAt + 1] as string);
  process.exit(0);
}

const rows = benchRows();
const list = await generateList(rows);
const emulators = await startBenchEmulators();
// DynamoDB Local on a core of its own, the ceiling's client, the ingestion and s3rver on
// the other, for both sides of the ratio: in AWS the table and the Lambda never share a
// CPU. BENCH_SHARED_CORES=1: every process on every core (bench/README.md has both).
const cores = process.env.BENCH_SHARED_CORES === '1' ? undefined : emulators.pinDynamoToOwnCores();
try {
  const upload = async (generated: typeof list) => {
    const manifestBytes = await readFile(generated.manifestPath);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { listId: string; dataFile: string };
    await uploadStream(
      objectKeys.dataFile(manifest.listId, manifest.dataFile),
      createReadStream(generated.dataPath),
      'text/csv',
    );
    await putObject(objectKeys.manifest(manifest.listId), manifestBytes, 'application/json');
    return manifest;
  };
  const manifest = await upload(list);
  const warmUpList = await upload(await generateList(WARM_UP_LIST_ROWS, { listId: 'bench-warm-up', seed: 7 }));

  const cpu = () => ({ bench: ownCpuSeconds(), ...emulators.cpuSeconds() });
  const cpuSpent = (from: ReturnType<typeof cpu>) => {
    const to = cpu();
    const tenths = (seconds: number) => Math.round(seconds * 10) / 10;
    return {
      cpuSecondsBench: tenths(to.bench - from.bench),
      cpuSecondsDynamo: tenths(to.dynamo - from.dynamo),
      cpuSecondsS3AndSes: tenths(to.total - to.dynamo - (from.total - from.dynamo)),
    };
  };

  // the raw ceiling's items: of the size the ingestion writes, no parsing
  const sample: Contact = {
    suppressionKey: 'f'.repeat(64),
    email: 'jean.dupont@exemple-entreprise.fr',
    phone: '+33612345678',
    phoneKey: 'e'.repeat(64),
    firstName: 'Jean',
    lastName: 'Dupont',
    kind: 'consumer',
    bases: { email: 'consent', sms: 'consent' },
    consent: {
      mechanism: 'double-opt-in',
      wording: "J'accepte de recevoir les offres d'Acme SAS par e-mail et SMS.",
      wordingVersion: 'v2',
      collectionPoint: 'https://acme.fr/newsletter',
      scope: 'advertiser',
      namedPartners: [],
      consentAt: '2025-06-01T10:00:00.000Z',
      listId: 'bench-own-form',
    },
    listId: 'bench-own-form',
    listIds: ['bench-own-form'],
    sourceKind: 'own-form',
    collectedAt: '2025-06-01T10:00:00.000Z',
    productCategories: [],
    informAtFirstMessage: false,
    expiresAt: '2028-06-01T10:00:00.000Z',
  };
  const itemBytes = JSON.stringify(toItem(sample, defaultSettings)).length;
  const rawKey = (i: number, tag: string) => createHash('sha256').update(`${tag}${i}`).digest('hex');
  // built request by request, as the ingestion builds them: the ceiling holds no 100,000 items either
  const rawItem = (i: number, tag: string) =>
    toItem(
      {
        ...sample,
        // keys spread as the HMACs of real rows are (sequential keys would fill DynamoDB Local's B-trees in order)
        suppressionKey: rawKey(i, tag),
        phoneKey: createHash('sha256').update(`${tag}${i}phone`).digest('hex'),
      },
      defaultSettings,
    ) as unknown as Record<string, unknown>;
  const table = contactsTableName();
  // As if they had been imported: their keys in the key register (untimed), as every
  // stored contact's are (store/contact-keys.ts), so the ingestion finds it complete.
  const registerRaw = (count: number, tag: string) =>
    recordContactKeys(Array.from({ length: count }, (_, i) => rawKey(i, tag)));
  const writeRaw = (count: number, tag: string) =>
    inParallel(
      chunk(
        Array.from({ length: count }, (_, i) => i),
        25,
      ),
      WRITE_CONCURRENCY,
      (part) =>
        batchPut(
          table,
          part.map((i) => rawItem(i, tag)),
          1,
        ),
    );

  // warm every path the ingestion takes, not only the ceiling's: writes, look-ups of absent
  // keys, and a whole ingestion of another list (its first keys-only Scan ran 30 % slower
  // than the next ones: measured)
  await writeRaw(WARM_UP_ITEMS, 'w');
  await registerRaw(WARM_UP_ITEMS, 'w');
  await batchGet({ [table]: Array.from({ length: WARM_UP_ITEMS }, (_, i) => ({ suppressionKey: `a${i}` })) });
  await runIngestChild(objectKeys.manifest(warmUpList.listId));
  // The ceiling is measured in two halves, just before and just after the ingestion: this
  // machine's speed drifts by ±10 % from one minute to the next (its two cores are shared),
  // and the two sides of the ratio must see the same weather.
  const half = Math.floor(rows / 2);
  const rawHalf = async (name: string, count: number, tag: string) => {
    const from = cpu();
    return measure(name, async () => {
      await writeRaw(count, tag);
      return { rows: count, itemBytes, concurrency: WRITE_CONCURRENCY, ...cpuSpent(from) };
    });
  };
  const rawBefore = await rawHalf('ingest-raw-batchwrite-before', half, 'r');
  await registerRaw(half, 'r');
  // The ingestion runs in a fresh process, as in a Lambda: its peak RSS is its own, not
  // this process's after the ceiling's run.
  const ingestCpu = cpu();
  const child = await runIngestChild(objectKeys.manifest(manifest.listId));
  const ingest = reportBench({
    name: 'ingest',
    rows: child.rows,
    seconds: child.seconds,
    rowsPerSecond: Math.round(child.rows / child.seconds),
    peakRssMb: child.peakRssMb,
    rssBeforeMb: child.rssBeforeMb,
    accepted: child.accepted,
    contactsWritten: child.contactsWritten,
    heapLimitMb: INGEST_HEAP_MB || 'default',
    heapTotalMb: child.heapTotalMb,
    externalMb: child.externalMb,
    ...cpuSpent(ingestCpu),
    cpuSecondsBench: child.cpuSeconds,
  });
  const rawAfter = await rawHalf('ingest-raw-batchwrite-after', rows - half, 's');
  const raw = { rowsPerSecond: Math.round(rows / (rawBefore.seconds + rawAfter.seconds)) };
  const written = child.contactsWritten;
  const reportKey = child.reportKey;
  // the ceiling's items are of the ingested items' size: checked on 1,000 of them
  const ingestedItems: ContactItem[] = [];
  for await (const page of contactsOfList(manifest.listId)) {
    ingestedItems.push(...page);
    if (ingestedItems.length >= 1_000) break;
  }
  // and of its shape: DynamoDB Local's cost grows with the attribute values it parses
  const valuesIn = (v: unknown): number =>
    v && typeof v === 'object' ? Object.values(v).reduce((n: number, x) => n + valuesIn(x), 0) : 1;
  const ingestedItemValues = Math.round(ingestedItems.reduce((sum, c) => sum + valuesIn(c), 0) / ingestedItems.length);
  const ceilingItemValues = valuesIn(toItem(sample, defaultSettings));
  const ingestedItemBytes = Math.round(
    ingestedItems.reduce((sum, c) => sum + JSON.stringify(c).length, 0) / ingestedItems.length,
  );
  // the streamed report is whole: it parses, and its decisions are the list's rows
  const report = JSON.parse((await objectBytes(reportKey)).toString('utf8')) as { decisions: unknown[] };
  if (report.decisions.length !== ingest.rows) throw new Error('report: decisions missing');
  // and every contact it counts is in the table, under its list (read after the timing;
  // the ceiling's items name the same list, all with the sample's address)
  let storedOfList = 0;
  for await (const page of scanPages(
    {
      TableName: table,
      ProjectionExpression: '#list',
      FilterExpression: '#list = :list AND email <> :sample',
      ExpressionAttributeNames: { '#list': 'listId' },
      ExpressionAttributeValues: { ':list': manifest.listId, ':sample': sample.email },
    },
    2,
  ))
    storedOfList += page.length;
  if (storedOfList !== written) throw new Error(`table: ${storedOfList} contacts of the list, ${written} written`);
  const ingestWritesPerSecond = written / ingest.seconds;
  process.stdout.write(
    `${JSON.stringify({
      name: 'ingest-vs-ceiling',
      rows,
      contactsWritten: written,
      contactsOfListStored: storedOfList,
      ingestContactsPerSecond: Math.round(ingestWritesPerSecond),
      rawItemsPerSecond: raw.rowsPerSecond,
      rawBeforeAfter: [rawBefore.rowsPerSecond, rawAfter.rowsPerSecond],
      ratio: Math.round((100 * ingestWritesPerSecond) / raw.rowsPerSecond) / 100,
      cores: cores ? `DynamoDB Local ${cores.dynamoCores}, the rest ${cores.otherCores}` : 'shared',
      itemBytesCeiling: itemBytes,
      itemBytesIngested: ingestedItemBytes,
      itemValuesCeiling: ceilingItemValues,
      itemValuesIngested: ingestedItemValues,
      seconds: ingest.seconds,
      rowsPerSecond: ingest.rowsPerSecond,
      peakRssMb: ingest.peakRssMb,
    })}\n`,
  );

  // What the snapshot of rules.md §4 R3 costs at its cap: 50,000 suppressions read whole.
  const suppressionItems = Array.from({ length: 50_000 }, (_, i) => ({
    suppressionKey: createHash('sha256').update(`s${i}`).digest('hex'),
    reason: i % 10 === 0 ? 'BOUNCED' : 'OPPOSED',
    sources: [i % 10 === 0 ? 'hard-bounce' : 'one-click'],
    channel: 'email',
    at: '2026-01-01T00:00:00.000Z',
  }));
  await batchPut(suppressionsTableName(), suppressionItems, WRITE_CONCURRENCY);
  suppressionItems.length = 0;
  // the heap the snapshot holds: live heap after a full collection, with and without it
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  await measure('suppressions-snapshot', async () => {
    const snapshot = await snapshotSuppressions(Number.POSITIVE_INFINITY);
    gc();
    const heldMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    return { rows: snapshot?.size ?? 0, heapHeldMb: Math.round(heldMb * 10) / 10 };
  });
} finally {
  await emulators.stop();
}
