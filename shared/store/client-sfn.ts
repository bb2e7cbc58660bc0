/** Step Functions: the ingestion's state machine (the deployed runner of a list's ranges). */
import { SFNClient } from '@aws-sdk/client-sfn';
import { onResetClients, sdkLogger } from './clients.ts';

let sfn: SFNClient | undefined;
onResetClients(() => {
  sfn = undefined;
});

export function sfnClient(): SFNClient {
  sfn ??= new SFNClient({ logger: sdkLogger });
  return sfn;
}
