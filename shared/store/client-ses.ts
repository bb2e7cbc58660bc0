/** SESv2 with a single attempt: SendEmail has no idempotency token, so an SDK retry after a
 * lost answer could send a message twice; throttling is retried by the sender itself. */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { onResetClients, sdkLogger } from './clients.ts';

let ses: SESv2Client | undefined;
onResetClients(() => {
  ses = undefined;
});

export function sesClient(): SESv2Client {
  ses ??= new SESv2Client({ maxAttempts: 1, logger: sdkLogger });
  return ses;
}
