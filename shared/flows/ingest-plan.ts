/**
 * The first step of an ingestion (issue 17): the upload judged (rules.md §3, the domain's
 * `readManifest` and `judgeUpload`, as `hygiene check` does), then, for a list let in,
 * one pass over the data file that computes its SHA-256, cuts it into byte ranges at
 * record boundaries (where the CSV reader itself found them: quotes and recovery
 * included) and finds its duplicates over the whole file (R2: the first line wins, in
 * whichever range it is). The ranges are then judged and written by workers, in
 * parallel (ingest-range.ts), and assembled into one report (ingest-finish.ts).
 *
 * The pass reads and normalises every row but looks nothing up and writes nothing: it
 * runs at about the speed of `hygiene check` (bench/README.md).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { openList } from '#csv/read-list';
import { listSubject } from '#domain/ledger';
import { DuplicateFinder, normaliseIdentities } from '#domain/list-judge';
import type { ListReason } from '#domain/reasons';
import { judgeUpload, manifestAdmits, readManifest } from '#domain/upload';
import type { Manifest } from '#schemas/manifest';
import type { Settings } from '#schemas/settings';
import { logger } from '#shared/powertools';
import { type IngestionPlan, type PlannedRange, writePlan } from '#store/ingestion-plans';
import { appendLedgerEntries } from '#store/ledger';
import { putList } from '#store/lists';
import { ObjectMissing, objectBytes, openObject, parseManifestKey } from '#store/objects';
import { finishRefused } from './ingest-refused.ts';

/** What the plan of an uploaded list says: refused (report written already), or split into ranges. */
export interface PlannedIngestion {
  listId: string;
  status: 'accepted' | 'rejected' | 'quarantined';
  reasons: ListReason[];
  /** S3 key of the plan (accepted lists only): what every range worker and the finish step read */
  planKey?: string;
  /** the ranges to ingest (0 for a refused list) */
  ranges: number;
  /** the run's id: the manifest's SHA-256, 16 hex digits */
  run: string;
}

/**
 * Bytes of a range: ≈ 67,000 rows of a typical export (≈ 125 bytes a row). A worker spends
 * ≈ 1 ms of CPU a row (bench/README.md): about a minute of work, and under 5 minutes
 * even when the tables' capacity caps share ≈ 900 contacts/s among 4 workers, far inside
 * the 15-minute limit; a 10-million-row list makes ≈ 150 ranges.
 */
export const RANGE_BYTES = 8 * 1024 * 1024;

export interface PlanOptions {
  /** bytes per range (tests cut small files into many ranges) */
  rangeBytes?: number;
}

/**
 * Plans the ingestion of the list whose manifest is at `manifestKey`. A list refused by
 * the list-level rules gets its report here; an accepted one a plan in S3, read by the
 * range workers and the finish step.
 */
export async function planIngestion(
  manifestKey: string,
  settings: Settings,
  now: Date,
  options: PlanOptions = {},
): Promise<PlannedIngestion> {
  const place = parseManifestKey(manifestKey);
  const folder = manifestKey.slice(0, manifestKey.lastIndexOf('/') + 1);
  const folderListId = place?.listId ?? (folder.split('/').filter(Boolean).at(-1) || 'unknown');
  const manifestBytes = await objectBytes(manifestKey);
  const manifestSha256 = createHash('sha256').update(manifestBytes).digest('hex');
  const run = manifestSha256.slice(0, 16);
  const reading = readManifest(manifestBytes.toString('utf8'), folderListId, folderListId);
  const listId = reading.ok ? reading.manifest.listId : reading.listId;
  const log = logger.createChild({ persistentLogAttributes: { listId } });

  await appendLedgerEntries([
    { type: 'list-received', at: now.toISOString(), subject: listSubject(listId), payload: { manifestSha256 } },
  ]);
  if (!reading.ok) {
    log.warn('list rejected: manifest invalid', { detail: reading.detail });
    await finishRefused(
      { listId, status: 'rejected', reasons: reading.judgement.reasons, manifestSha256, detail: reading.detail },
      now,
    );
    return { listId, status: 'rejected', reasons: reading.judgement.reasons, ranges: 0, run };
  }
  const manifest = reading.manifest;
  const dataKey = `${folder}${manifest.dataFile}`;
  let data: { body: Readable; bytes: number };
  try {
    data = await openObject(dataKey);
  } catch (error) {
    if (!(error instanceof ObjectMissing)) throw error;
    return refuse(judgeUpload(manifest, { present: false }, settings, now));
  }

  if (!manifestAdmits(manifest, settings, now)) {
    // rules.md §3: no row of a refused list is read; the checksum still goes in its verdict
    const hash = createHash('sha256');
    for await (const chunk of data.body) hash.update(chunk as Buffer);
    const dataSha256 = hash.digest('hex');
    return refuse(judgeUpload(manifest, { present: true, sha256: dataSha256 }, settings, now), dataSha256);
  }

  const pass = await cutAndFindDuplicates(data.body, data.bytes, manifest, options.rangeBytes ?? RANGE_BYTES);
  const verdict = judgeUpload(manifest, { present: true, sha256: pass.sha256 }, settings, now);
  if (verdict.status !== 'accepted') return refuse(verdict, pass.sha256);

  const plan: IngestionPlan = {
    listId,
    run,
    manifestKey,
    dataKey,
    manifestSha256,
    dataSha256: pass.sha256,
    receivedAt: now.toISOString(),
    manifest,
    verdict,
    file: pass.file,
    ranges: pass.ranges,
  };
  const planKey = await writePlan(plan);
  await putList({
    listId,
    status: 'processing',
    reasons: [],
    manifest,
    manifestSha256,
    dataSha256: pass.sha256,
    receivedAt: plan.receivedAt,
    run,
    ranges: plan.ranges.length,
    // issue 22: what `hygiene ingest` shows while the ranges run
    progress: { expectedRows: plan.ranges.reduce((n, r) => n + (r.rows ?? 0), 0), ranges: {} },
  });
  log.info('list planned', { run, ranges: plan.ranges.length, bytes: data.bytes, offsetsExact: pass.offsetsExact });
  return { listId, status: 'accepted', reasons: [], planKey, ranges: plan.ranges.length, run };

  async function refuse(
    judgement: { status: 'accepted' | 'rejected' | 'quarantined'; reasons: ListReason[]; detail?: string },
    dataSha256?: string,
  ): Promise<PlannedIngestion> {
    const status = judgement.status === 'accepted' ? 'rejected' : judgement.status;
    log.info('list not imported', { status, reasons: judgement.reasons });
    await finishRefused(
      { listId, status, reasons: judgement.reasons, manifest, manifestSha256, dataSha256, detail: judgement.detail },
      now,
    );
    return { listId, status, reasons: judgement.reasons, ranges: 0, run };
  }
}

/**
 * The one pass over the data file: SHA-256, ranges cut where a batch of records ends
 * once `rangeBytes` are behind, and R2 over every row in file order. When the decoded
 * text does not account for every byte (invalid UTF-8 decoded as U+FFFD), no offset is
 * trusted: one range, the whole file, read with its header.
 */
async function cutAndFindDuplicates(
  body: Readable,
  bytes: number,
  manifest: Manifest,
  rangeBytes: number,
): Promise<{ sha256: string; file: IngestionPlan['file']; ranges: PlannedRange[]; offsetsExact: boolean }> {
  const hash = createHash('sha256');
  async function* hashed(): AsyncIterable<Uint8Array> {
    for await (const chunk of body) {
      hash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  }
  // batches of about a thousandth of a range: where one ends, a range may end
  const batchRecords = Math.max(8, Math.min(1_024, rangeBytes >> 10));
  const { info, batches, position } = await openList(hashed(), { ...manifest.csv, batchRecords });
  const finder = new DuplicateFinder();
  const ranges: PlannedRange[] = [];
  let current: PlannedRange = { index: 0, start: position.bytes, end: 0, firstLine: position.line, duplicates: [] };
  let rowsInRange = 0;
  for await (const batch of batches) {
    for (const record of batch) {
      rowsInRange++;
      if (!record.ok) continue;
      const { email, phone } = normaliseIdentities(record.row);
      const flags = finder.check(email, phone);
      if (flags) current.duplicates.push([record.row.line, flags]);
    }
    // the reader stands at a record's start: a range may end here
    if (position.bytes - current.start >= rangeBytes) {
      ranges.push({ ...current, end: position.bytes, rows: rowsInRange });
      current = { index: ranges.length, start: position.bytes, end: 0, firstLine: position.line, duplicates: [] };
      rowsInRange = 0;
    }
  }
  if (rowsInRange > 0) ranges.push({ ...current, end: position.bytes, rows: rowsInRange });
  const offsetsExact = position.bytes === bytes;
  const file = {
    bytes,
    encoding: info.encoding,
    delimiter: info.delimiter,
    lineBreak: info.lineBreak,
    headers: info.headers,
    unknownColumns: info.unknownColumns,
  };
  if (!offsetsExact && ranges.length > 0) {
    const duplicates = ranges.flatMap((r) => r.duplicates);
    return {
      sha256: hash.digest('hex'),
      file,
      ranges: [
        {
          index: 0,
          start: 0,
          end: bytes,
          firstLine: 0,
          duplicates,
          rows: ranges.reduce((n, r) => n + (r.rows ?? 0), 0),
        },
      ],
      offsetsExact,
    };
  }
  return { sha256: hash.digest('hex'), file, ranges, offsetsExact };
}
