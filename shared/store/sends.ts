/**
 * The sends table (shared/resources.ts `sendsTable`: pk campaignId, sk suppressionKey, TTL
 * `ttl`): one item per campaign and contact, so a message goes out at most once even when
 * SQS redelivers it or the campaign is run again.
 *
 * Life of an item:
 * - `deferred` (SMS outside the window, rules.md §6 WINDOW): written by the campaign run
 *   with `notBefore`; a later run of the campaign sends it;
 * - `claimed`: written by a conditional put BEFORE the provider is called. The put
 *   succeeds only if there is no item, or one that certainly sent nothing (`deferred`,
 *   `skipped`, `failed`): a redelivered message finds the claim and sends nothing;
 * - `sent` (with the provider's messageId), `failed` (a permanent refusal by the
 *   provider), `skipped` (the gate said no at send time).
 * A claim left `claimed` (the sender died between the claim and the provider's answer,
 * or the answer was lost) is never sent again: SES may have taken it, and sending twice is
 * the error we refuse (at most once). Runs of the campaign report such items as
 * `unconfirmed` for the operator.
 *
 * One more item per campaign, under the sort key `#campaign`: the campaign as it was
 * judged, which the sender renders. A message is only ever rendered from the version the
 * gate accepted; a refused re-upload marks it refused and stops what is still queued.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel, SendReason } from '#domain/reasons';
import type { Campaign } from '#schemas/campaign';
import { sendsTable } from '#shared/resources';
import { documentClient } from './clients.ts';
import { inParallel, retrying } from './dynamo-batch.ts';

/** attempts of a read whose answer decides whether a claim is ours */
const READ_ATTEMPTS = 8;

export type SendStatus = 'deferred' | 'claimed' | 'sent' | 'failed' | 'skipped';

export interface SendRecord {
  campaignId: string;
  suppressionKey: string;
  status: SendStatus;
  channel: Channel;
  /** ISO instant of the last change */
  at: string;
  /** provider's id of the message (SES MessageId, SMS message id) */
  messageId?: string;
  /** deferred: when the SMS window opens again */
  notBefore?: string;
  /** skipped: the gate's reasons at send time */
  reasons?: SendReason[];
  /** failed: the provider's error name (never its message: it may quote the address) */
  error?: string;
  /** claimed, sent, failed: whose claim it is (claimSend) */
  claimId?: string;
}

export interface CampaignVersion {
  campaign: Campaign;
  status: 'accepted' | 'rejected';
  /** sha256 of the campaign's canonical JSON */
  sha256: string;
  judgedAt: string;
}

/** Sort key of the campaign's own item: not a suppression key (those are 64 hex digits). */
const CAMPAIGN_ITEM = '#campaign';

/**
 * Items live 400 days, the life of an unsubscribe token: a campaign re-run or a message
 * redelivered within that time still finds its claim.
 */
const RECORD_DAYS = 400;

export function sendsTableName(): string {
  const name = process.env[sendsTable.envVar];
  if (!name) throw new Error(`${sendsTable.envVar} is not set`);
  return name;
}

const ttlOf = (at: Date): number => Math.floor(at.getTime() / 1000) + RECORD_DAYS * 86_400;

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** Condition of a write that may take an item over: none yet, or one that sent nothing. */
const OPEN = 'attribute_not_exists(suppressionKey) OR #status IN (:deferred, :skipped, :failed)';
const OPEN_VALUES = { ':deferred': 'deferred', ':skipped': 'skipped', ':failed': 'failed' };

/** A claim: the right to send, recognisable as ours by its id. */
export interface Claim {
  campaignId: string;
  suppressionKey: string;
  claimId: string;
}

/**
 * Claims the right to send this campaign's message to this contact: the claim once,
 * undefined for every later call (redelivery, concurrent sender, re-run). Call BEFORE the
 * provider.
 *
 * The claim carries an id of its own. When DynamoDB wrote it but its answer was lost, the
 * SDK's retry meets the item and fails its condition: the item is then read back, and a
 * claim with our id is ours — the message is sent, not reported « already sent » while
 * nobody sent it (issue 20).
 */
export async function claimSend(
  campaignId: string,
  suppressionKey: string,
  at: Date,
  channel: Channel,
): Promise<Claim | undefined> {
  const claimId = randomUUID();
  try {
    await documentClient().send(
      new PutCommand({
        TableName: sendsTableName(),
        Item: { campaignId, suppressionKey, status: 'claimed', claimId, channel, at: at.toISOString(), ttl: ttlOf(at) },
        ConditionExpression: OPEN,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: OPEN_VALUES,
      }),
    );
    return { campaignId, suppressionKey, claimId };
  } catch (error) {
    // A condition failure, or an answer that never came (a dropped connection, a timeout,
    // the SDK's retries spent): the item says whether the write happened and is ours. The
    // read is retried beyond the SDK's retries (whose quota a throttle storm can exhaust):
    // without it, a redelivery would take our claim for someone else's and never send.
    const stored = await retrying(() => getSend(campaignId, suppressionKey), READ_ATTEMPTS);
    if (stored?.status === 'claimed' && stored.claimId === claimId) return { campaignId, suppressionKey, claimId };
    if (isConditionFailure(error)) return undefined;
    // not written: the message is delivered again and claims anew
    throw error;
  }
}

/**
 * Settles our claim, once: idempotent — when the update was applied but its answer lost,
 * the SDK's retry fails its condition, and the item read back, settled as asked under our
 * claim, is success.
 */
async function settleClaim(
  claim: Claim,
  change: { status: 'sent' | 'failed'; at: Date; messageId?: string; error?: string },
): Promise<void> {
  const { campaignId, suppressionKey } = claim;
  const values: Record<string, unknown> = {
    ':status': change.status,
    ':at': change.at.toISOString(),
    ':claimed': 'claimed',
    ':claimId': claim.claimId,
  };
  const sets = ['#status = :status', '#at = :at'];
  if (change.messageId) {
    sets.push('messageId = :messageId');
    values[':messageId'] = change.messageId;
  }
  if (change.error) {
    sets.push('#error = :error');
    values[':error'] = change.error;
  }
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: sendsTableName(),
        Key: { campaignId, suppressionKey },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#status = :claimed AND claimId = :claimId',
        ExpressionAttributeNames: { '#status': 'status', '#at': 'at', ...(change.error ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const stored = await retrying(() => getSend(campaignId, suppressionKey), READ_ATTEMPTS);
    const settled =
      stored?.claimId === claim.claimId &&
      stored.status === change.status &&
      (change.messageId === undefined || stored.messageId === change.messageId);
    if (!settled) throw new Error(`send ${campaignId}: the claim is no longer ours (${stored?.status ?? 'gone'})`);
  }
}

/** The provider took the message: the claim becomes `sent`, with its message id. */
export async function markSent(claim: Claim, messageId: string, at: Date): Promise<void> {
  await settleClaim(claim, { status: 'sent', at, messageId });
}

/** The provider refused the message for good: the claim becomes `failed` (never retried). */
export async function markFailed(claim: Claim, error: string, at: Date): Promise<void> {
  await settleClaim(claim, { status: 'failed', at, error });
}

/**
 * Gives a claim back when the provider certainly did not take the message (it throttled
 * us), so the redelivery of the SQS message may send it.
 */
export async function releaseClaim(claim: Claim): Promise<void> {
  try {
    await documentClient().send(
      new DeleteCommand({
        TableName: sendsTableName(),
        Key: { campaignId: claim.campaignId, suppressionKey: claim.suppressionKey },
        ConditionExpression: '#status = :claimed AND claimId = :claimId',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed', ':claimId': claim.claimId },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Records a decision that sent nothing (`deferred` or `skipped`), unless a message was claimed or sent meanwhile. */
async function putOpen(record: SendRecord): Promise<boolean> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: sendsTableName(),
        Item: { ...record, ttl: ttlOf(new Date(record.at)) },
        ConditionExpression: OPEN,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: OPEN_VALUES,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Records contacts deferred to the next SMS window, for a later run of the campaign. */
export async function recordDeferred(
  campaignId: string,
  entries: readonly { suppressionKey: string; channel: Channel; notBefore?: string; reasons?: SendReason[] }[],
  at: Date,
  concurrency = 8,
): Promise<void> {
  await inParallel(entries, concurrency, (e) =>
    putOpen({
      campaignId,
      suppressionKey: e.suppressionKey,
      channel: e.channel,
      status: 'deferred',
      at: at.toISOString(),
      ...(e.notBefore ? { notBefore: e.notBefore } : {}),
      // WINDOW, FREQ_CAP, CAMPAIGN_PAUSED (rules.md §6)
      ...(e.reasons?.length ? { reasons: e.reasons } : {}),
    }),
  );
}

/** Records that the gate said no at send time (no message was claimed). */
export async function recordSkipped(
  campaignId: string,
  suppressionKey: string,
  channel: Channel,
  reasons: SendReason[],
  at: Date,
): Promise<void> {
  await putOpen({ campaignId, suppressionKey, channel, status: 'skipped', reasons, at: at.toISOString() });
}

/** One item (strongly consistent), or undefined. */
export async function getSend(campaignId: string, suppressionKey: string): Promise<SendRecord | undefined> {
  const out = await documentClient().send(
    new GetCommand({ TableName: sendsTableName(), Key: { campaignId, suppressionKey }, ConsistentRead: true }),
  );
  return out.Item ? toRecord(out.Item) : undefined;
}

function toRecord(item: Record<string, unknown>): SendRecord {
  const { ttl: _ttl, ...record } = item;
  return record as unknown as SendRecord;
}

/** Every contact item of a campaign (not the campaign item), with the number of items read. */
export async function sendsOfCampaign(campaignId: string): Promise<{ records: SendRecord[]; itemsRead: number }> {
  const records: SendRecord[] = [];
  let itemsRead = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await documentClient().send(
      new QueryCommand({
        TableName: sendsTableName(),
        KeyConditionExpression: 'campaignId = :c',
        ExpressionAttributeValues: { ':c': campaignId },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    for (const item of out.Items ?? []) {
      itemsRead++;
      // the campaign's own items (#campaign, #breaker, #counted#…) are not sends
      if (!String(item.suppressionKey).startsWith('#')) records.push(toRecord(item));
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return { records, itemsRead };
}

/** Stores the campaign as judged: the version the sender renders, or a refusal that stops queued messages. */
export async function putCampaignVersion(version: CampaignVersion, at: Date): Promise<void> {
  await documentClient().send(
    new PutCommand({
      TableName: sendsTableName(),
      Item: { campaignId: version.campaign.campaignId, suppressionKey: CAMPAIGN_ITEM, ...version, ttl: ttlOf(at) },
    }),
  );
}

/** The campaign as last judged, or undefined. */
export async function getCampaignVersion(campaignId: string): Promise<CampaignVersion | undefined> {
  const out = await documentClient().send(
    new GetCommand({
      TableName: sendsTableName(),
      Key: { campaignId, suppressionKey: CAMPAIGN_ITEM },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) return undefined;
  const { campaign, status, sha256, judgedAt } = out.Item as unknown as CampaignVersion;
  return { campaign, status, sha256, judgedAt };
}
