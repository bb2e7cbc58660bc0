/** DynamoDB Streams (the local stack's stream poller). */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { onResetClients, sdkLogger } from './clients.ts';

let streams: DynamoDBStreamsClient | undefined;
onResetClients(() => {
  streams = undefined;
});

export function dynamoStreamsClient(): DynamoDBStreamsClient {
  streams ??= new DynamoDBStreamsClient({ logger: sdkLogger });
  return streams;
}
