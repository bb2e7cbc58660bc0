/**
 * SESv2 with a single attempt: SendEmail has no idempotency token, so an SDK retry after a
 * lost answer could send a message twice; throttling is retried by the sender itself.
 * The client is loaded with the first email (≈ 75 ms), not at every cold start of a
 * sender that may only ever send SMS.
 */
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { onResetClients, sdkLogger } from './clients.ts';

let ses: Promise<SESv2Client> | undefined;
onResetClients(() => {
  ses = undefined;
});

export function sesClient(): Promise<SESv2Client> {
  ses ??= import('@aws-sdk/client-sesv2').then(
    ({ SESv2Client }) => new SESv2Client({ maxAttempts: 1, logger: sdkLogger }),
  );
  return ses;
}
