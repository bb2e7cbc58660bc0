/**
 * An ingestion run in one process (issue 17): plan, the ranges by parallel workers, then
 * the report, as the state machine of cdk/constructs/ingestion.ts runs them in AWS. Used
 * by the local stack, the tests and the bench; the same three steps, the same retries.
 */
import type { Context } from 'aws-lambda';
import type { Settings } from '#schemas/settings';
import { backoff, inParallel, scanAllItems } from '#store/dynamo-batch';
import { type ListItem, listsTableName } from '#store/lists';
import { objectExists, objectKeys } from '#store/objects';
import { finishIngestion, type IngestResult } from './ingest-finish.ts';
import { ingestListOnce } from './ingest-once.ts';
import { type PlannedIngestion, type PlanOptions, planIngestion } from './ingest-plan.ts';
import { ingestRange, type RangeOptions } from './ingest-range.ts';

export type { IngestResult } from './ingest-finish.ts';

/** Workers of a local run: two cores here, and DynamoDB Local is the bottleneck past them (bench/README.md). */
export const LOCAL_WORKERS = 2;
/** Attempts of a range before the list is failed: the first and the state machine's 3 retries (cdk/constructs/ingestion.ts). */
export const RANGE_ATTEMPTS = 4;

export interface IngestOptions extends PlanOptions, RangeOptions {
  /** ranges ingested at once (default LOCAL_WORKERS) */
  workers?: number;
}

/** Ingests the list whose manifest is at `manifestKey`: plan, ranges, report. */
export async function ingestList(
  manifestKey: string,
  settings: Settings,
  now: Date,
  options: IngestOptions = {},
): Promise<IngestResult> {
  return runRangesHere(await planIngestion(manifestKey, settings, now, options), settings, options);
}

/**
 * Runs a plan's ranges still to do in this process, `workers` at a time, each retried as
 * the state machine retries it; then assembles the report. A range that fails every
 * attempt marks the list failed (its item says why) and the failure is rethrown: the
 * upload may be retried (the plan, the parts and every write are idempotent).
 */
export async function runRangesHere(
  plan: PlannedIngestion,
  settings: Settings,
  options: IngestOptions = {},
): Promise<IngestResult> {
  if (plan.status !== 'accepted' || !plan.planKey) {
    return {
      listId: plan.listId,
      status: plan.status,
      reasons: plan.reasons,
      rows: { total: 0, accepted: 0, rejected: 0 },
      byReason: {},
      contactsWritten: 0,
      reportKey: objectKeys.report(plan.listId),
    };
  }
  const planKey = plan.planKey;
  const indexes = Array.from({ length: plan.ranges }, (_, i) => i);
  try {
    await inParallel(indexes, options.workers ?? LOCAL_WORKERS, async (range) => {
      // a range whose summary is stored is done (its summary is written last): a run taken
      // up again (interruptedIngestions) goes on from the ranges still to do
      if (await objectExists(objectKeys.rangePart(plan.listId, plan.run, range, 'summary.json'))) return;
      for (let attempt = 1; ; attempt++) {
        try {
          return await ingestRange(planKey, range, settings, options);
        } catch (error) {
          if (attempt >= RANGE_ATTEMPTS) throw error;
          await backoff(attempt, 200, 2_000);
        }
      }
    });
  } catch (error) {
    const e = error as Error;
    await finishIngestion(planKey, { error: e.name ?? 'Error', cause: e.message });
    throw error;
  }
  return finishIngestion(planKey);
}

/**
 * The imports a stopped process left half-done (issue 22): lists still `processing` whose
 * plan is in S3. In AWS the state machine outlives any Lambda; the local stack's runner
 * dies with its process (Ctrl-C in the middle of an import), so at its next start it runs
 * these plans again: the ranges with a stored summary are done, the others (the one cut
 * short included) run again — every write is idempotent, the evidence appended once.
 */
export async function interruptedIngestions(): Promise<PlannedIngestion[]> {
  const plans: PlannedIngestion[] = [];
  for (const item of (await scanAllItems(listsTableName())) as Partial<ListItem>[]) {
    if (item.status !== 'processing' || !item.listId || !item.run) continue;
    const planKey = objectKeys.plan(item.listId, item.run);
    if (!(await objectExists(planKey))) continue;
    plans.push({
      listId: item.listId,
      status: 'accepted',
      reasons: [],
      planKey,
      ranges: item.ranges ?? 0,
      run: item.run,
    });
  }
  return plans;
}

/** Exactly once (ingest-once.ts), its ranges run in this process: the local stack's ingestion, the tests'. */
export function ingestListOnceHere(
  manifestKey: string,
  settings: Settings,
  now: Date,
  options: IngestOptions = {},
  lambdaContext?: Context,
): Promise<IngestResult> {
  return ingestListOnce(
    manifestKey,
    settings,
    now,
    (plan) => runRangesHere(plan, settings, options),
    lambdaContext,
    options,
  );
}
