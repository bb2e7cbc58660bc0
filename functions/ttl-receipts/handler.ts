/**
 * The contacts table's DynamoDB stream → a receipt for each contact DynamoDB's TTL deleted
 * (rules.md §5, §8). The purge's own deletions are skipped (it wrote their receipts). A
 * record that fails is reported back (partial batch response) and retried from there.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { writeTtlReceipts } from '#shared/flows/ttl-receipts';
import { keyTag, logger } from '#shared/powertools';

export async function receiveContactsStream(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const outcome = await writeTtlReceipts(event.Records ?? []);
  // suppression keys and counts only: the images hold addresses
  if (outcome.written.length)
    logger.info('TTL deletions receipted', { keys: outcome.written.map(keyTag), duplicates: outcome.duplicates });
  for (const error of outcome.errors) logger.error('stream record failed', { error });
  return { batchItemFailures: outcome.failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = middy(receiveContactsStream).use(injectLambdaContext(logger, { logEvent: false }));
