/**
 * S3 ObjectCreated for `incoming/<listId>/manifest.json` (through SQS in AWS; plain S3
 * events from the local stack) → the list is judged and stored exactly once.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context } from 'aws-lambda';
import { createdObjects, sqsEventSchema } from '#schemas/s3-event';
import { ingestListOnce } from '#shared/flows/ingest-once';
import { logger } from '#shared/powertools';
import { settingsFromEnv } from '#shared/settings';
import { parseManifestKey } from '#store/objects';

async function ingestObjects(body: unknown, context: Context): Promise<void> {
  for (const { key } of createdObjects(body)) {
    if (!parseManifestKey(key)) {
      logger.info('ignored object: not a manifest');
      continue;
    }
    const result = await ingestListOnce(key, settingsFromEnv(), new Date(), {}, context);
    logger.info('list processed', { listId: result.listId, status: result.status, rows: result.rows });
  }
}

/** Plain S3 notification (local stack, direct trigger). */
export async function handleS3Event(event: unknown, context: Context): Promise<void> {
  await ingestObjects(event, context);
}

/** SQS-wrapped S3 notifications; each record settles on its own (partial batch failures). */
export const handler = middy(async (event: unknown, context: Context): Promise<PromiseSettledResult<void>[]> => {
  const { Records } = sqsEventSchema.parse(event);
  // One list at a time: a list is heavy work, and the same notification twice in a batch
  // then meets the first run's idempotency record instead of racing it.
  const settled: PromiseSettledResult<void>[] = [];
  for (const record of Records) {
    try {
      settled.push({ status: 'fulfilled', value: await ingestObjects(JSON.parse(record.body), context) });
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
