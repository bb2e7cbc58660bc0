/**
 * Inbound SMS from AWS End User Messaging two-way SMS, through SNS: a STOP text is an
 * opposition for the sending number (rules.md §8). Other texts are ignored. An SNS event
 * that fails is retried by Lambda (asynchronous invocation), then goes to its DLQ.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { handleInboundSms } from '#shared/flows/oppositions';
import { keyTag, logger } from '#shared/powertools';
import { loadSecrets } from '#store/secrets';

export async function processInboundSms(event: SNSEvent): Promise<void> {
  const { suppressionKeySecret } = await loadSecrets();
  for (const record of event.Records) {
    const sentAt = Date.parse(record.Sns.Timestamp);
    const at = Number.isNaN(sentAt) ? new Date() : new Date(sentAt);
    const outcome = await handleInboundSms(record.Sns.Message, { at, suppressionKeySecret });
    // never the number nor the text: the suppression key says who, when it is a STOP
    if (outcome.stop)
      logger.info('SMS STOP recorded', { key: keyTag(outcome.suppressionKey), created: outcome.created });
    else logger.info('inbound SMS ignored (not a STOP text)', { snsMessageId: record.Sns.MessageId });
  }
}

export const handler = middy(processInboundSms).use(injectLambdaContext(logger, { logEvent: false }));
