/**
 * AWS SDK clients, created once per process, one module per service (this one: DynamoDB;
 * `client-s3.ts`, `client-ses.ts`, `client-sqs.ts`, `client-sfn.ts`,
 * `client-dynamo-streams.ts`): a function loads only the SDK packages it uses (issue 19:
 * loading all six took ≈ 390 ms of a cold start). No endpoint logic here: the SDK reads
 * `AWS_ENDPOINT_URL_<SERVICE>` itself, so the same code talks to AWS or to the emulators
 * of the local stack.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The SDK's logger: silent, as its default one, but without `info` and `error`. The SDK
 * builds a record for each request — a copy of its whole input, run through the
 * sensitive-data filter — whenever the logger has the method, its default no-op logger
 * included: 1 s of CPU per 100,000 contacts ingested (bench/README.md). Those records
 * hold contacts' addresses anyway, which no log of ours may carry.
 */
type SdkLogger = NonNullable<DynamoDBClientConfig['logger']>;
export const sdkLogger = { trace: () => {}, debug: () => {}, warn: () => {} } as Partial<SdkLogger> as SdkLogger;

let dynamo: DynamoDBClient | undefined;
let doc: DynamoDBDocumentClient | undefined;
const resets: (() => void)[] = [];

/** A client module's way to be forgotten by `resetClients` (each module loads one SDK client only). */
export function onResetClients(reset: () => void): void {
  resets.push(reset);
}

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

/** Forget the clients (tests and the local stack change the environment between runs). */
export function resetClients(): void {
  dynamo = doc = undefined;
  for (const reset of resets) reset();
}
