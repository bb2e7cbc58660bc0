/**
 * AWS SDK clients, created once per process. No endpoint logic here: the SDK reads
 * `AWS_ENDPOINT_URL_<SERVICE>` itself, so the same code talks to AWS or to the
 * emulators of the local stack.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The SDK's logger: silent, as its default one, but without `info` and `error`. The SDK
 * builds a record for each request — a copy of its whole input, run through the
 * sensitive-data filter — whenever the logger has the method, its default no-op logger
 * included: 1 s of CPU per 100,000 contacts ingested (bench/README.md). Those records
 * hold contacts' addresses anyway, which no log of ours may carry.
 */
type SdkLogger = NonNullable<DynamoDBClientConfig['logger']>;
const sdkLogger = { trace: () => {}, debug: () => {}, warn: () => {} } as Partial<SdkLogger> as SdkLogger;

let dynamo: DynamoDBClient | undefined;
let doc: DynamoDBDocumentClient | undefined;
let streams: DynamoDBStreamsClient | undefined;
let s3: S3Client | undefined;
let ses: SESv2Client | undefined;
let sqs: SQSClient | undefined;
let sfn: SFNClient | undefined;

/**
 * DynamoDB with the SDK's adaptive retries: a table at its capacity cap (the stack's
 * `maxReadRequestUnits`/`maxWriteRequestUnits`) throttles, and the client then slows
 * itself down and tries again, up to 10 times, instead of failing a list's range.
 */
export function dynamoClient(): DynamoDBClient {
  dynamo ??= new DynamoDBClient({ logger: sdkLogger, retryMode: 'adaptive', maxAttempts: 10 });
  return dynamo;
}

/** Document client: plain JS values in and out; undefined attributes dropped. */
export function documentClient(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(dynamoClient(), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return doc;
}

export function dynamoStreamsClient(): DynamoDBStreamsClient {
  streams ??= new DynamoDBStreamsClient({ logger: sdkLogger });
  return streams;
}

export function s3Client(): S3Client {
  s3 ??= new S3Client({ logger: sdkLogger });
  return s3;
}

/**
 * SESv2 with a single attempt: SendEmail has no idempotency token, so an SDK retry after a
 * lost answer could send a message twice; throttling is retried by the sender itself.
 */
export function sesClient(): SESv2Client {
  ses ??= new SESv2Client({ maxAttempts: 1, logger: sdkLogger });
  return ses;
}

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ logger: sdkLogger });
  return sqs;
}

/** Step Functions: the ingestion's state machine (the deployed runner of a list's ranges). */
export function sfnClient(): SFNClient {
  sfn ??= new SFNClient({ logger: sdkLogger });
  return sfn;
}

/** Forget the clients (tests and the local stack change the environment between runs). */
export function resetClients(): void {
  dynamo = doc = undefined;
  streams = undefined;
  s3 = undefined;
  ses = undefined;
  sqs = undefined;
  sfn = undefined;
}
