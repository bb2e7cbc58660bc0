/**
 * The breaker of each email campaign (rules.md §6), in the sends table: its counts and
 * its state under the sort key `#breaker`, and one marker item per counted event
 * (`#counted#<count>#<suppressionKey>`). A delivery, complaint or bounce is counted by a
 * transaction that creates the marker and adds one to the count, or does nothing when
 * the marker exists: SES delivers events at least once, and a repeat must not trip the
 * breaker. One event of each kind per campaign and contact is all there is (one
 * recipient a message, one message a contact and campaign).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BreakerState } from '#domain/breaker';
import type { CampaignCount } from '#domain/events';
import { documentClient } from './clients.ts';
import { sendsTableName } from './sends.ts';

/** Sort key of the campaign's breaker item. */
export const BREAKER_ITEM = '#breaker';
const markerOf = (count: CampaignCount, suppressionKey: string) => `#counted#${count}#${suppressionKey}`;
/** as long as the campaign's sends */
const RECORD_DAYS = 400;
const ttlOf = (at: Date): number => Math.floor(at.getTime() / 1000) + RECORD_DAYS * 86_400;

const cancelledByCondition = (error: unknown): boolean => {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  return (
    e.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
};

/** Counts one event for the breaker, once: false when it was counted before. */
export async function countCampaignEvent(
  campaignId: string,
  suppressionKey: string,
  count: CampaignCount,
  at: Date,
): Promise<boolean> {
  const TableName = sendsTableName();
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: {
                campaignId,
                suppressionKey: markerOf(count, suppressionKey),
                at: at.toISOString(),
                ttl: ttlOf(at),
              },
              ConditionExpression: 'attribute_not_exists(suppressionKey)',
            },
          },
          {
            Update: {
              TableName,
              Key: { campaignId, suppressionKey: BREAKER_ITEM },
              UpdateExpression: 'ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl)',
              ExpressionAttributeNames: { '#count': count, '#ttl': 'ttl' },
              ExpressionAttributeValues: { ':one': 1, ':ttl': ttlOf(at) },
            },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    if (cancelledByCondition(error)) return false;
    throw error;
  }
}

/** The campaign's breaker (zero counts when nothing was counted yet). */
export async function getBreaker(campaignId: string): Promise<BreakerState> {
  const out = await documentClient().send(
    new GetCommand({
      TableName: sendsTableName(),
      Key: { campaignId, suppressionKey: BREAKER_ITEM },
      ConsistentRead: true,
    }),
  );
  const item = (out.Item ?? {}) as Partial<BreakerState>;
  const state: BreakerState = {
    deliveries: item.deliveries ?? 0,
    complaints: item.complaints ?? 0,
    hardBounces: item.hardBounces ?? 0,
    senderFaults: item.senderFaults ?? 0,
  };
  for (const key of [
    'pausedAt',
    'pauseReason',
    'resumedAt',
    'resumedComplaints',
    'resumedHardBounces',
    'cancelledAt',
  ] as const) {
    if (item[key] !== undefined) (state as unknown as Record<string, unknown>)[key] = item[key];
  }
  return state;
}

async function conditionalUpdate(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
  try {
    await documentClient().send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (
      error instanceof ConditionalCheckFailedException ||
      (error as { name?: string }).name === 'ConditionalCheckFailedException'
    )
      return false;
    throw error;
  }
}

/** Pauses the campaign; true only for the call that paused it (the alarm is raised once). */
export function pauseCampaign(
  campaignId: string,
  reason: NonNullable<BreakerState['pauseReason']>,
  at: Date,
): Promise<boolean> {
  return conditionalUpdate({
    TableName: sendsTableName(),
    Key: { campaignId, suppressionKey: BREAKER_ITEM },
    UpdateExpression: 'SET pausedAt = :at, pauseReason = :reason',
    ConditionExpression: 'attribute_not_exists(pausedAt) AND attribute_not_exists(cancelledAt)',
    ExpressionAttributeValues: { ':at': at.toISOString(), ':reason': reason },
  });
}

/** An operator lifts the pause: the breaker trips again only on complaints or bounces counted after now. */
export async function resumeCampaign(campaignId: string, at: Date): Promise<boolean> {
  const state = await getBreaker(campaignId);
  if (!state.pausedAt) return false;
  return conditionalUpdate({
    TableName: sendsTableName(),
    Key: { campaignId, suppressionKey: BREAKER_ITEM },
    UpdateExpression:
      'REMOVE pausedAt, pauseReason SET resumedAt = :at, resumedComplaints = :complaints, resumedHardBounces = :bounces',
    ConditionExpression: 'pausedAt = :pausedAt',
    ExpressionAttributeValues: {
      ':at': at.toISOString(),
      ':complaints': state.complaints,
      ':bounces': state.hardBounces,
      ':pausedAt': state.pausedAt,
    },
  });
}

/** An operator ends the campaign: nothing more of it is sent. */
export function cancelCampaign(campaignId: string, at: Date): Promise<boolean> {
  return conditionalUpdate({
    TableName: sendsTableName(),
    Key: { campaignId, suppressionKey: BREAKER_ITEM },
    UpdateExpression: 'SET cancelledAt = :at',
    ConditionExpression: 'attribute_not_exists(cancelledAt)',
    ExpressionAttributeValues: { ':at': at.toISOString() },
  });
}
