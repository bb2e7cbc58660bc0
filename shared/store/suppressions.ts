/**
 * The opposition store (rules.md §8): one item per suppression key, email and phone
 * alike. Entries are never deleted, by the purge or by an erasure (rules.md §0.3).
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel, SuppressionReason } from '#domain/reasons';
import { suppressionsTable } from '#shared/resources';
import { documentClient } from './clients.ts';
import { batchGet } from './dynamo-batch.ts';

/** How the person said no (or how we learnt the address is dead). */
export type SuppressionSource =
  | 'unsubscribe-link'
  | 'one-click'
  | 'complaint'
  | 'ses-subscription'
  | 'sms-stop'
  | 'hard-bounce'
  | 'soft-bounces'
  | 'erasure'
  | 'written'
  | 'import'
  /** rules.md §6b: « non » during a call (an outcome `refused`) */
  | 'call-refused'
  /** the unsubscribe endpoint's objection form: the person typed their address (issue 22) */
  | 'objection-form';

export interface SuppressionEntry {
  suppressionKey: string;
  reason: SuppressionReason;
  /** every way this key was suppressed, first one first */
  sources: SuppressionSource[];
  channel?: Channel;
  /** first time the key was suppressed (ISO) */
  at: string;
  /** campaign that led to it, when known (no personal data) */
  campaignId?: string;
}

/** A suppression to record: whose key, why, how, when. */
export interface SuppressionInput {
  suppressionKey: string;
  reason: SuppressionReason;
  source: SuppressionSource;
  at: Date;
  channel?: Channel;
  campaignId?: string;
}

export function suppressionsTableName(): string {
  const name = process.env[suppressionsTable.envVar];
  if (!name) throw new Error(`${suppressionsTable.envVar} is not set`);
  return name;
}

export async function getSuppression(suppressionKey: string): Promise<SuppressionEntry | undefined> {
  const out = await documentClient().send(
    new GetCommand({ TableName: suppressionsTableName(), Key: { suppressionKey }, ConsistentRead: true }),
  );
  return out.Item as SuppressionEntry | undefined;
}

/**
 * Which of these keys are suppressed: BatchGetItem, 100 keys a request. `consistent`: an
 * opposition recorded a moment ago is seen (an import must never miss one).
 */
export async function lookupSuppressions(
  keys: readonly string[],
  options: { consistent?: boolean } = {},
): Promise<Map<string, SuppressionEntry>> {
  if (!keys.length) return new Map();
  const table = suppressionsTableName();
  const found = await batchGet(
    { [table]: [...new Set(keys)].map((suppressionKey) => ({ suppressionKey })) },
    undefined,
    options.consistent,
  );
  return new Map(
    (found[table] ?? []).map((item) => [item.suppressionKey as string, item as unknown as SuppressionEntry]),
  );
}

/**
 * Records a suppression. Idempotent: the first time is kept, a repeated event adds
 * nothing; a source not seen before is appended. An opposition outranks a bounce (it is
 * the person's own "no"). Returns `created` when the key was not suppressed before and
 * `newSource` when this way of saying no is new, so callers write the ledger once.
 */
export async function putSuppression(entry: SuppressionInput): Promise<{ created: boolean; newSource: boolean }> {
  const out = await documentClient()
    .send(
      new UpdateCommand({
        TableName: suppressionsTableName(),
        Key: { suppressionKey: entry.suppressionKey },
        UpdateExpression: [
          'SET #at = if_not_exists(#at, :at)',
          entry.reason === 'OPPOSED' ? '#reason = :reason' : '#reason = if_not_exists(#reason, :reason)',
          'sources = list_append(if_not_exists(sources, :empty), :source)',
          ...(entry.channel ? ['channel = if_not_exists(channel, :channel)'] : []),
          ...(entry.campaignId ? ['campaignId = if_not_exists(campaignId, :campaignId)'] : []),
        ].join(', '),
        // a source already recorded is not appended twice (a duplicate event changes nothing)
        ConditionExpression: 'attribute_not_exists(sources) OR NOT contains(sources, :sourceName)',
        ExpressionAttributeNames: { '#at': 'at', '#reason': 'reason' },
        ExpressionAttributeValues: {
          ':at': entry.at.toISOString(),
          ':reason': entry.reason,
          ':empty': [],
          ':source': [entry.source],
          ':sourceName': entry.source,
          ...(entry.channel ? { ':channel': entry.channel } : {}),
          ...(entry.campaignId ? { ':campaignId': entry.campaignId } : {}),
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    )
    .catch((error: unknown) => {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    });
  if (!out) {
    // Seen before with this same source; an opposition still outranks an earlier bounce.
    if (entry.reason === 'OPPOSED') {
      await documentClient().send(
        new UpdateCommand({
          TableName: suppressionsTableName(),
          Key: { suppressionKey: entry.suppressionKey },
          UpdateExpression: 'SET #reason = :reason',
          ExpressionAttributeNames: { '#reason': 'reason' },
          ExpressionAttributeValues: { ':reason': 'OPPOSED' },
        }),
      );
    }
    return { created: false, newSource: false };
  }
  return { created: out.Attributes?.at === undefined, newSource: true };
}
