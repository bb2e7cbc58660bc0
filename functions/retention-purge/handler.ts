/**
 * The nightly retention purge (EventBridge Scheduler, 03:00 Europe/Paris): deletes expired
 * contacts with their receipts and flags those entering the re-permission window
 * (rules.md §5). Any payload; `{ "now": "<ISO>" }` judges at another instant (tests),
 * `{ "mode": "continue" }` only resumes an unfinished run (a frequent schedule can carry
 * it, so a run cut by the time limit continues within minutes, not the next night).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { parseWith } from '#schemas/parse';
import { type PurgeSummary, runRetentionPurge } from '#shared/flows/retention-purge';
import { logger } from '#shared/powertools';
import { settingsFromEnv } from '#shared/settings';

const purgeInvocationSchema = z.preprocess(
  (value) => (value && typeof value === 'object' && !Array.isArray(value) ? value : {}),
  z.looseObject({
    now: z.iso.datetime({ offset: true }).optional(),
    mode: z.enum(['run', 'continue']).optional(),
  }),
);

export async function runScheduledPurge(event: unknown, context: Context): Promise<PurgeSummary> {
  const input = parseWith(purgeInvocationSchema, event, 'purge invocation');
  if (!input.ok) throw new Error(input.error);
  const summary = await runRetentionPurge({
    now: input.value.now ? new Date(input.value.now) : new Date(),
    settings: settingsFromEnv(),
    remainingMs: () => context.getRemainingTimeInMillis(),
    onlyIfUnfinished: input.value.mode === 'continue',
  });
  // counts, durations and capacity only: no suppression key, no address
  logger.info('retention purge', { ...summary });
  return summary;
}

export const handler = middy(runScheduledPurge).use(injectLambdaContext(logger, { logEvent: false }));
