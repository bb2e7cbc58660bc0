/**
 * One child execution of the ingestion's Distributed Map (cdk/constructs/ingestion.ts):
 * `{ planKey, range }` → the rows of that byte range judged and stored, its part of the
 * report written. Idempotent: the state machine retries a range that failed, and the
 * retry converges to the same tables and the same part.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { rangeTaskSchema } from '#schemas/ingest-execution';
import { parseWith } from '#schemas/parse';
import { ingestRange, type RangeResult } from '#shared/flows/ingest-range';
import { logger } from '#shared/powertools';
import { settingsFromEnv } from '#shared/settings';

export async function ingestPlannedRange(event: unknown): Promise<RangeResult> {
  const task = parseWith(rangeTaskSchema, event, 'range task');
  if (!task.ok) throw new Error(task.error);
  const { planKey, range } = task.value;
  const result = await ingestRange(planKey, range, settingsFromEnv());
  // the plan's key names the list and the run; counts only, no row
  logger.info('range ingested', { planKey, ...result });
  return result;
}

export const handler = middy(ingestPlannedRange).use(injectLambdaContext(logger, { logEvent: false }));
