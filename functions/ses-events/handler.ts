/**
 * SES configuration-set events (bounces, complaints, unsubscribes, clicks, sends…) from the
 * ses-events queue: EventBridge → SQS, or SNS → SQS (rules.md §8). Each message is read,
 * decided and applied on its own; a failed one is reported back (partial batch failure)
 * and retried, then lands in the dead-letter queue.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleSesMessage } from '#shared/flows/oppositions';
import { keyTag, logger, metrics } from '#shared/powertools';
import { settingsFromEnv } from '#shared/settings';
import { loadSecrets } from '#store/secrets';

const settings = settingsFromEnv();

export async function processSesEvents(event: SQSEvent): Promise<PromiseSettledResult<unknown>[]> {
  const { suppressionKeySecret } = await loadSecrets();
  const results: PromiseSettledResult<unknown>[] = [];
  // one at a time: two events of one contact in a batch apply in queue order
  for (const record of event.Records) {
    try {
      const outcome = await handleSesMessage(record.body, { now: new Date(), settings, suppressionKeySecret });
      // kinds, types and suppression keys only: the body holds addresses
      if (outcome.kind === 'ignored')
        logger.info('SES message ignored', { messageId: record.messageId, type: outcome.type });
      else
        logger.info('SES event applied', {
          messageId: record.messageId,
          type: outcome.type,
          envelope: outcome.envelope,
          applied: outcome.applied.map((a) => ({ ...a, suppressionKey: keyTag(a.suppressionKey) })),
        });
      results.push({ status: 'fulfilled', value: undefined });
    } catch (error) {
      results.push({ status: 'rejected', reason: error });
    }
  }
  return results;
}

/** The Lambda entry: the middleware turns the settled results into `{ batchItemFailures }`. */
export const handler = middy(processSesEvents)
  .use(injectLambdaContext(logger, { logEvent: false }))
  // CampaignPaused, SenderAuthFailure (shared/flows/oppositions.ts): alarms in CDK
  .use(logMetrics(metrics))
  .use(
    sqsPartialBatchFailure({
      // the default logger prints the whole record, body included: name the message and the error only
      logger: (reason: unknown, record: { messageId: string }) =>
        logger.error('SES message failed', { messageId: record.messageId, error: errorSummary(reason) }),
    }),
  ) as unknown as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** The error's name and message: ours never carry a value from the input (parseWith, SesMessageInvalid). */
function errorSummary(reason: unknown): { name: string; message: string } {
  return reason instanceof Error
    ? { name: reason.name, message: reason.message.slice(0, 300) }
    : { name: 'Error', message: 'unknown' };
}
