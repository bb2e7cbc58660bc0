/**
 * The send queue: each message (campaign, suppression key, channel — no personal data) is
 * sent at most once through SES or the SMS adapter (shared/flows/send-message.ts). A
 * message throttled past every retry, or hit by an infrastructure error before its claim,
 * is reported back (partial batch failure) and redelivered.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSEvent } from 'aws-lambda';
import { sendBatch, sendMessageOutcomeLog } from '#shared/flows/send-message';
import { logger } from '#shared/powertools';
import { settingsFromEnv } from '#shared/settings';
import { loadSecrets } from '#store/secrets';

export async function processSendQueue(event: SQSEvent): Promise<PromiseSettledResult<void>[]> {
  const secrets = await loadSecrets();
  const results = await sendBatch(
    event.Records.map((r) => r.body),
    () => new Date(),
    { settings: settingsFromEnv(), secrets },
  );
  return results.map((result, i) => {
    const messageId = event.Records[i]?.messageId;
    if (!result.ok) return { status: 'rejected', reason: result.error };
    logger.info('message handled', { messageId, ...sendMessageOutcomeLog(result) });
    return { status: 'fulfilled', value: undefined };
  });
}

export const handler = middy(processSendQueue)
  .use(injectLambdaContext(logger, { logEvent: false }))
  .use(
    sqsPartialBatchFailure({
      // the default logger prints the record; name the message and the error only
      logger: (reason: unknown, record: { messageId: string }) =>
        logger.error('send message failed', { messageId: record.messageId, error: (reason as Error)?.name ?? 'Error' }),
    }),
  );
