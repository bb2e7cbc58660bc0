/** SQS (the send queue). */
import { SQSClient } from '@aws-sdk/client-sqs';
import { onResetClients, sdkLogger } from './clients.ts';

let sqs: SQSClient | undefined;
onResetClients(() => {
  sqs = undefined;
});

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ logger: sdkLogger });
  return sqs;
}
