/**
 * S3 ObjectCreated for `outcomes/<campaignId>.csv`, through SQS → the calls' outcomes are
 * recorded (shared/flows/call-outcomes.ts): refusals become oppositions, calls count for
 * the cap, callbacks restart the clock. Its report goes to
 * `reports/calls/<campaignId>.outcomes.json`.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import { createdObjects, sqsEventSchema } from '#schemas/s3-event';
import { campaignIdOfOutcomes, recordCallOutcomes } from '#shared/flows/call-outcomes';
import { logger } from '#shared/powertools';
import { bucketDefinition } from '#shared/resources';
import { settingsFromEnv } from '#shared/settings';
import { objectBytes } from '#store/objects';
import { loadSecrets } from '#store/secrets';

const { prefix } = bucketDefinition.outcomesTrigger;

/** Records the outcomes files an S3 notification names. */
export async function recordOutcomesFiles(body: unknown, now = new Date()): Promise<void> {
  for (const { key } of createdObjects(body)) {
    const campaignId = key.startsWith(prefix) ? campaignIdOfOutcomes(key) : undefined;
    if (!campaignId) {
      logger.info('ignored object: not an outcomes file');
      continue;
    }
    const secrets = await loadSecrets();
    const report = await recordCallOutcomes(campaignId, await objectBytes(key), {
      now,
      settings: settingsFromEnv(),
      suppressionKeySecret: secrets.suppressionKeySecret,
    });
    // line numbers and counts only: the file holds phone numbers
    logger.info('call outcomes processed', {
      campaignId,
      status: report.status,
      counts: report.counts,
      errorLines: report.errors.map((e) => e.line),
    });
  }
}

/** SQS-wrapped S3 notifications; each record settles on its own (partial batch failures). */
export const handler = middy(async (event: unknown): Promise<PromiseSettledResult<void>[]> => {
  const { Records } = sqsEventSchema.parse(event);
  return Promise.allSettled(Records.map((record) => recordOutcomesFiles(JSON.parse(record.body))));
})
  .use(injectLambdaContext(logger, { logEvent: false }))
  .use(
    sqsPartialBatchFailure({
      logger: (reason: unknown) =>
        logger.error('outcomes record failed', { error: (reason as Error)?.name ?? 'Error' }),
    }),
  );
