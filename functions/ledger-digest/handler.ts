/**
 * The daily ledger digest (EventBridge Scheduler): writes every chain's head to the
 * Object-Locked `ledger-digests/` prefix, so a chain cut or rewritten afterwards no
 * longer matches what was locked in (rules.md §8, issue 8).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '#shared/powertools';
import { writeDigest } from '#store/ledger-digests';

export async function writeDailyDigest(): Promise<{ key: string; entries: number }> {
  const { key, heads } = await writeDigest(new Date());
  const entries = Object.values(heads).reduce((n, head) => n + head.seq, 0);
  logger.info('ledger digest written', { key, entries, chains: Object.keys(heads).length });
  return { key, entries };
}

export const handler = middy(writeDailyDigest).use(injectLambdaContext(logger, { logEvent: false }));
