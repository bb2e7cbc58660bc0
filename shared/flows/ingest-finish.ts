/**
 * The last step of an ingestion (issue 17): the ranges' partial reports assembled into
 * the list's one report, in file order, then the list item and the ledger; or, when a
 * range failed for good, the list marked failed. Also the report of a list refused before
 * any row is read (rules.md §3).
 */

import { rejectedCsvHeader } from '#csv/write-csv';
import type { ListReport } from '#domain/contact';
import { listSubject, manifestDigest } from '#domain/ledger';
import { listReportOf, type RowCounts } from '#domain/list-report';
import type { ListReason } from '#domain/reasons';
import { logger } from '#shared/powertools';
import { listReportHtml, REJECTED_SAMPLES, type RejectedSample } from '#shared/report-html';
import { type IngestionPlan, readPlan } from '#store/ingestion-plans';
import { appendLedgerEntriesOnce } from '#store/ledger';
import { getList, putList } from '#store/lists';
import { objectWriter } from '#store/object-uploads';
import {
  deleteObjects,
  listObjects,
  ObjectMissing,
  objectBytes,
  objectKeys,
  objectStream,
  parsePlanKey,
  putObject,
} from '#store/objects';

export interface IngestResult {
  listId: string;
  status: ListReport['status'] | 'failed';
  reasons: ListReason[];
  rows: ListReport['rows'];
  byReason: ListReport['byReason'];
  contactsWritten: number;
  reportKey: string;
}

/** A range that failed for good (the state machine's Catch, or the local runner): the list is marked failed. */
export interface IngestFailure {
  error: string;
  cause?: string;
}

/** What a range worker leaves beside its decisions: its counts, in file order. */
export interface RangeSummary extends RowCounts {
  contactsWritten: number;
  /** its first rejected rows, address partly masked, for the report's page (issue 22) */
  rejectedSamples?: RejectedSample[];
}

/**
 * Assembles the report of a planned list from its ranges' parts (each range's decisions,
 * rejected rows and counts), or, with `failure`, marks the list failed (no report: a
 * half-judged list must not be taken for a judged one). Idempotent: run again, it writes
 * the same report (the parts are deleted only once the report and the list item are stored).
 */
export async function finishIngestion(planKey: string, failure?: IngestFailure): Promise<IngestResult> {
  let plan: IngestionPlan;
  try {
    plan = await readPlan(planKey);
  } catch (error) {
    // a retry of a finish that had completed (its last step deletes the plan with the parts)
    const done = error instanceof ObjectMissing ? await finishedBefore(planKey) : undefined;
    if (done) return done;
    throw error;
  }
  const log = logger.createChild({ persistentLogAttributes: { listId: plan.listId } });
  const reportKey = objectKeys.report(plan.listId);
  if (failure) return markFailed(plan, failure, log);

  const summaries = await rangeSummaries(plan);
  if (!summaries) {
    // a range without its counts: the parts are not all there (a retry is still under way)
    throw new Error(`list ${plan.listId}: a range's part is missing`);
  }
  const summary = listReportOf(plan.listId, plan.verdict, summaries, plan.file.unknownColumns);
  const contactsWritten = summaries.reduce((n, s) => n + s.contactsWritten, 0);
  await assemble(plan, summary);
  await putObject(
    objectKeys.reportHtml(plan.listId),
    listReportHtml(summary, {
      manifest: plan.manifest,
      rejected: rejectedSamples(summaries),
      generatedAt: new Date(),
      rejectedCsv: objectKeys.rejected(plan.listId),
    }),
    'text/html; charset=utf-8',
  );

  await putList({
    listId: plan.listId,
    status: 'accepted',
    reasons: [],
    manifest: plan.manifest,
    manifestSha256: plan.manifestSha256,
    dataSha256: plan.dataSha256,
    rows: summary.rows,
    byReason: summary.byReason,
    reportKey,
    rejectedKey: objectKeys.rejected(plan.listId),
    receivedAt: plan.receivedAt,
    decidedAt: new Date().toISOString(),
    run: plan.run,
    ranges: plan.ranges.length,
    // the progress as it ended (issue 22): every range done
    progress: {
      expectedRows: plan.ranges.reduce((n, r) => n + (r.rows ?? 0), 0),
      ranges: Object.fromEntries(
        summaries.map((s, i) => [String(i), { rows: s.rows.total, written: s.contactsWritten }]),
      ),
    },
  });
  // once per run: a finish retried after this point does not append it again
  await appendLedgerEntriesOnce([
    {
      onceKey: `accepted#${plan.listId}#${plan.run}`,
      entry: {
        type: 'list-accepted',
        at: plan.receivedAt,
        subject: listSubject(plan.listId),
        payload: {
          manifestSha256: plan.manifestSha256,
          manifestDigest: manifestDigest(plan.manifest),
          dataSha256: plan.dataSha256,
          rows: summary.rows,
          byReason: summary.byReason,
        },
      },
    },
  ]);
  await deleteObjects((await listObjects(objectKeys.runParts(plan.listId, plan.run))).map((o) => o.key));
  log.info('list ingested', { rows: summary.rows, contactsWritten, ranges: plan.ranges.length });
  return {
    listId: plan.listId,
    status: 'accepted',
    reasons: [],
    rows: summary.rows,
    byReason: summary.byReason,
    contactsWritten,
    reportKey,
  };
}

/** The result of a run whose finish completed before (its plan deleted), from its list item; else undefined. */
async function finishedBefore(planKey: string): Promise<IngestResult | undefined> {
  const place = parsePlanKey(planKey);
  if (!place) return undefined;
  const item = await getList(place.listId);
  if (!item || item.run !== place.run || item.status !== 'accepted') return undefined;
  return {
    listId: item.listId,
    status: 'accepted',
    reasons: [],
    rows: item.rows ?? { total: 0, accepted: 0, rejected: 0 },
    byReason: item.byReason ?? {},
    contactsWritten: 0,
    reportKey: objectKeys.report(item.listId),
  };
}

async function rangeSummaries(plan: IngestionPlan): Promise<RangeSummary[] | undefined> {
  const summaries: RangeSummary[] = [];
  for (const range of plan.ranges) {
    try {
      const key = objectKeys.rangePart(plan.listId, plan.run, range.index, 'summary.json');
      summaries.push(JSON.parse((await objectBytes(key)).toString('utf8')) as RangeSummary);
    } catch (error) {
      if (error instanceof ObjectMissing) return undefined;
      throw error;
    }
  }
  return summaries;
}

/**
 * `report.json` (the decisions of every range, then the summary) and `rejected.csv`, each
 * streamed from the parts in range order: a million-row report never sits in memory, and
 * each appears only when whole.
 */
/** The first rejected rows of the list, for the page a person opens: the ranges' samples, in file order. */
function rejectedSamples(summaries: readonly RangeSummary[]): RejectedSample[] {
  return summaries.flatMap((s) => s.rejectedSamples ?? []).slice(0, REJECTED_SAMPLES);
}

async function assemble(plan: IngestionPlan, summary: Omit<ListReport, 'decisions'>): Promise<void> {
  const report = objectWriter(objectKeys.report(plan.listId), 'application/json');
  const rejected = objectWriter(objectKeys.rejected(plan.listId), 'text/csv; charset=utf-8');
  try {
    await report.write(`{"listId":${JSON.stringify(plan.listId)},"decisions":[`);
    await rejected.write(rejectedCsvHeader(plan.file.headers, plan.file.delimiter));
    let first = true;
    for (const range of plan.ranges) {
      const decisions = objectKeys.rangePart(plan.listId, plan.run, range.index, 'json');
      // each part is `\n{…},\n{…}`: parts are joined by a comma, an empty one skipped
      let empty = true;
      for await (const chunk of await objectStream(decisions)) {
        if (empty && !first) await report.write(',');
        empty = false;
        await report.write(chunk as Buffer);
      }
      if (!empty) first = false;
      for await (const chunk of await objectStream(objectKeys.rangePart(plan.listId, plan.run, range.index, 'csv'))) {
        await rejected.write(chunk as Buffer);
      }
    }
    const { listId: _l, ...rest } = summary;
    await report.write(`\n],${JSON.stringify(rest).slice(1)}\n`);
    await Promise.all([report.end(), rejected.end()]);
  } catch (error) {
    await Promise.allSettled([report.abort(), rejected.abort()]);
    throw error;
  }
}

async function markFailed(plan: IngestionPlan, failure: IngestFailure, log: typeof logger): Promise<IngestResult> {
  // an error's name and first line: a row's content never reaches an error message (no personal data)
  const why = `${failure.error}${failure.cause ? `: ${failure.cause.split('\n')[0]?.slice(0, 300)}` : ''}`;
  await putList({
    listId: plan.listId,
    status: 'failed',
    reasons: [],
    manifest: plan.manifest,
    manifestSha256: plan.manifestSha256,
    dataSha256: plan.dataSha256,
    receivedAt: plan.receivedAt,
    decidedAt: new Date().toISOString(),
    run: plan.run,
    ranges: plan.ranges.length,
    failure: why,
  });
  log.error('list ingestion failed', { run: plan.run, failure: failure.error });
  return {
    listId: plan.listId,
    status: 'failed',
    reasons: [],
    rows: { total: 0, accepted: 0, rejected: 0 },
    byReason: {},
    contactsWritten: 0,
    reportKey: objectKeys.report(plan.listId),
  };
}
