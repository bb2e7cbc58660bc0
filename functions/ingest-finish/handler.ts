/**
 * The last step of the ingestion's state machine (cdk/constructs/ingestion.ts):
 * `{ planKey }` once every range is ingested → the one report assembled from the ranges'
 * parts; `{ planKey, failure }` from the Map's Catch → the list marked failed. After a
 * failure the state machine goes on to a Fail state: the execution ends FAILED (and
 * alarms) although this step succeeded.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { finishTaskSchema } from '#schemas/ingest-execution';
import { parseWith } from '#schemas/parse';
import { finishIngestion, type IngestResult } from '#shared/flows/ingest-finish';
import { logger } from '#shared/powertools';

export async function finishPlannedIngestion(event: unknown): Promise<IngestResult> {
  const task = parseWith(finishTaskSchema, event, 'finish task');
  if (!task.ok) throw new Error(task.error);
  const { planKey, failure } = task.value;
  const result = await finishIngestion(
    planKey,
    // Step Functions' error object (`Error`, `Cause`) in the flow's words
    failure && { error: failure.Error ?? 'States.Unknown', cause: failure.Cause },
  );
  // the error's name, not its cause: a cause may quote a message about a row
  logger.info('ingestion finished', {
    listId: result.listId,
    status: result.status,
    rows: result.rows,
    contactsWritten: result.contactsWritten,
    reportKey: result.reportKey,
    ...(failure ? { error: failure.Error } : {}),
  });
  return result;
}

export const handler = middy(finishPlannedIngestion).use(injectLambdaContext(logger, { logEvent: false }));
