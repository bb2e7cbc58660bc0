/**
 * S3 ObjectCreated for `incoming/<listId>/manifest.json` (through SQS in AWS; plain S3
 * events from the local stack) → the list is planned exactly once, and an accepted plan
 * handed to the state machine that ingests its ranges (shared/ingest-execution.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context } from 'aws-lambda';
import { createdObjects, sqsEventSchema } from '#schemas/s3-event';
import { ingestListOnce, type RangeRunner } from '#shared/flows/ingest-once';
import { startIngestExecution } from '#shared/ingest-execution';
import { logger } from '#shared/powertools';
import { settingsFromEnv } from '#shared/settings';
import { parseManifestKey } from '#store/objects';

async function ingestObjects(body: unknown, context: Context, runRanges: RangeRunner): Promise<void> {
  for (const { key } of createdObjects(body)) {
    const manifest = parseManifestKey(key);
    if (!manifest) {
      logger.info('ignored object: not a manifest');
      continue;
    }
    await ingestListOnce(key, settingsFromEnv(), new Date(), runRanges, context);
    logger.info('manifest handled', { listId: manifest.listId });
  }
}

/**
 * Plain S3 notification (local stack, direct trigger). The ranges go to the state machine
 * unless another runner is given: the local stack runs them in process.
 */
export async function handleS3Event(
  event: unknown,
  context: Context,
  runRanges: RangeRunner = startIngestExecution,
): Promise<void> {
  await ingestObjects(event, context, runRanges);
}

/** SQS-wrapped S3 notifications; each record settles on its own (partial batch failures). */
export const handler = middy(async (event: unknown, context: Context): Promise<PromiseSettledResult<void>[]> => {
  const { Records } = sqsEventSchema.parse(event);
  // One list at a time: the same notification twice in a batch then meets the first
  // run's idempotency record instead of racing it.
  const settled: PromiseSettledResult<void>[] = [];
  for (const record of Records) {
    try {
      settled.push({
        status: 'fulfilled',
        value: await ingestObjects(JSON.parse(record.body), context, startIngestExecution),
      });
    } catch (reason) {
      settled.push({ status: 'rejected', reason });
    }
  }
  return settled;
})
  .use(injectLambdaContext(logger))
  .use(
    sqsPartialBatchFailure({
      logger: (reason: unknown) => logger.error('record failed', { reason: String(reason).split('\n')[0] }),
    }),
  );
