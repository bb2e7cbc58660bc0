/**
 * The deployed runner of an ingestion's ranges: one execution of the state machine of
 * cdk/constructs/ingestion.ts per accepted plan, whose Distributed Map runs ingest-range
 * on each range, then ingest-finish. (The local stack runs the ranges in process.)
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { IngestExecutionInput } from '#schemas/ingest-execution';
import type { PlannedIngestion } from '#shared/flows/ingest-plan';
import { logger } from '#shared/powertools';
import { sfnClient } from '#store/client-sfn';

/** Step Functions accepts names of 1–80 letters, digits, `-` and `_`. */
const MAX_EXECUTION_NAME = 80;

/**
 * The execution of a plan: `<listId>-<run>`, so the same plan started twice (a retried
 * message, a planner that died after starting it) names the same execution.
 */
export function executionName(listId: string, run: string): string {
  return `${listId}-${run}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, MAX_EXECUTION_NAME);
}

/** The execution's input: the plan, and the Map's items, one per range (0 … ranges − 1). */
export function executionInput(planKey: string, ranges: number): IngestExecutionInput {
  return { planKey, ranges: Array.from({ length: ranges }, (_, range) => range) };
}

/** What became of a plan: the idempotency record keeps it, a replayed event gets it back. */
export interface StartedIngestion {
  listId: string;
  status: PlannedIngestion['status'];
  /** the execution ingesting an accepted list */
  execution?: string;
}

/**
 * Starts the ingestion of an accepted plan (StartExecution on `INGEST_STATE_MACHINE_ARN`);
 * a refused list has nothing to ingest, its report is written already. Starting it again
 * is not an error: `ExecutionAlreadyExists` for this name means a previous attempt did.
 */
export async function startIngestExecution(
  plan: PlannedIngestion,
  stateMachineArn = process.env.INGEST_STATE_MACHINE_ARN,
): Promise<StartedIngestion> {
  const { listId, status, run, ranges } = plan;
  if (status !== 'accepted') {
    logger.info('list refused: nothing to ingest', { listId, status, reasons: plan.reasons });
    return { listId, status };
  }
  if (!plan.planKey) throw new Error(`accepted list ${listId} has no plan`);
  if (!stateMachineArn) throw new Error('INGEST_STATE_MACHINE_ARN is not set');
  const name = executionName(listId, run);
  const input = JSON.stringify(executionInput(plan.planKey, ranges));
  try {
    await sfnClient().send(new StartExecutionCommand({ stateMachineArn, name, input }));
    logger.info('ingestion started', { listId, run, ranges, execution: name });
  } catch (error) {
    // While it runs, the same name and input succeed again (StartExecution is idempotent
    // for STANDARD workflows); once it has ended, the name answers ExecutionAlreadyExists.
    if ((error as { name?: unknown } | undefined)?.name !== 'ExecutionAlreadyExists') throw error;
    logger.info('ingestion already started', { listId, run, ranges, execution: name });
  }
  return { listId, status, execution: name };
}
