/**
 * S3 ObjectCreated for `campaigns/<campaignId>.json`, through SQS → the campaign is judged,
 * its audience gated and the allowed messages queued (shared/flows/send-campaign.ts); a
 * `phone` campaign gets its call sheet instead (shared/flows/call-sheet.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import { createdObjects, sqsEventSchema } from '#schemas/s3-event';
import { makeCallSheet } from '#shared/flows/call-sheet';
import { CampaignInvalid, type Enqueue, sendCampaign } from '#shared/flows/send-campaign';
import { logger } from '#shared/powertools';
import { bucketDefinition } from '#shared/resources';
import { settingsFromEnv } from '#shared/settings';
import { objectBytes } from '#store/objects';

const { prefix, suffix } = bucketDefinition.campaignTrigger;

const isPhoneCampaign = (raw: unknown): boolean =>
  typeof raw === 'object' && raw !== null && (raw as { channel?: unknown }).channel === 'phone';

/** Runs the campaigns an S3 notification names; `enqueue` defaults to the send queue (SEND_QUEUE_URL). */
export async function runCampaigns(body: unknown, enqueue?: Enqueue): Promise<void> {
  for (const { key } of createdObjects(body)) {
    if (!key.startsWith(prefix) || !key.endsWith(suffix)) {
      logger.info('ignored object: not a campaign');
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse((await objectBytes(key)).toString('utf8'));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      logger.error('campaign refused: not valid JSON', { key });
      continue;
    }
    try {
      if (isPhoneCampaign(raw)) {
        // rules.md §6b: a phone campaign makes a call sheet (reports/calls/<campaignId>.json, .csv)
        const sheet = await makeCallSheet(raw, { from: new Date(), settings: settingsFromEnv() });
        logger.info('call sheet written', { campaignId: sheet.campaignId, status: sheet.status, counts: sheet.counts });
        continue;
      }
      const { report, reads } = await sendCampaign(raw, { now: new Date(), settings: settingsFromEnv(), enqueue });
      logger.info('campaign processed', {
        campaignId: report.campaignId,
        status: report.status,
        reasons: report.reasons,
        counts: report.counts,
        byReason: report.byReason,
        reads,
      });
    } catch (error) {
      // a campaign that does not parse will not parse on a retry either; the message names the field only
      if (!(error instanceof CampaignInvalid)) throw error;
      logger.error('campaign refused: invalid', { key, error: error.message });
    }
  }
}

/** SQS-wrapped S3 notifications; each record settles on its own (partial batch failures). */
export const handler = middy(async (event: unknown): Promise<PromiseSettledResult<void>[]> => {
  const { Records } = sqsEventSchema.parse(event);
  return Promise.allSettled(Records.map((record) => runCampaigns(JSON.parse(record.body))));
})
  .use(injectLambdaContext(logger, { logEvent: false }))
  .use(
    sqsPartialBatchFailure({
      logger: (reason: unknown) =>
        logger.error('campaign record failed', { error: (reason as Error)?.name ?? 'Error' }),
    }),
  );
