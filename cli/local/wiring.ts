/**
 * The event wiring of the local stack, as the CDK stack wires it in AWS: s3rver's
 * object-created events, filtered by prefix and suffix, go (through a local queue) to
 * the same handlers the Lambda functions run.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { bucketDefinition } from '#shared/resources';
import type { S3EventRecordLike, S3rverLike } from './emulators.ts';
import type { LocalMessage, LocalQueue } from './queue.ts';

/** A Lambda context for in-process invocations (Powertools reads the remaining time). */
export function localContext(functionName: string, timeoutMs = 15 * 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-3:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** S3 sends keys URL-encoded, a space as `+`; s3rver emits them raw. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export function sqsEventOf(messages: LocalMessage[]): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.messageId,
      receiptHandle: m.messageId,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-3:000000000000:local',
      awsRegion: 'eu-west-3',
    })),
  };
}

/** An SQS-triggered handler (partial batch failures) as a local queue consumer. */
export function sqsConsumer(
  functionName: string,
  handler: (event: SQSEvent, context: Context) => Promise<unknown>,
): (messages: LocalMessage[]) => Promise<string[]> {
  return async (messages) => {
    const out = (await handler(sqsEventOf(messages), localContext(functionName))) as
      | { batchItemFailures?: { itemIdentifier: string }[] }
      | undefined;
    return (out?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
  };
}

export interface BucketRoute {
  prefix: string;
  suffix: string;
  queue: LocalQueue;
}

/** Routes s3rver's object-created events to queues, as the bucket notifications do in AWS. */
export function routeBucketEvents(s3: S3rverLike, routes: BucketRoute[]): () => void {
  const listener = (event: { Records: S3EventRecordLike[] }) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated')) continue;
      const key = record.s3.object.key;
      for (const route of routes) {
        if (key.startsWith(route.prefix) && key.endsWith(route.suffix)) {
          const encoded = { ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeS3Key(key) } } };
          route.queue.send({ Records: [encoded] });
        }
      }
    }
  };
  s3.on('event', listener);
  return () => s3.off('event', listener);
}

export const ingestRoute = bucketDefinition.ingestTrigger;
export const campaignRoute = bucketDefinition.campaignTrigger;
export const outcomesRoute = bucketDefinition.outcomesTrigger;
