/**
 * The contacts table (shared/resources.ts `contactsTable`): its keys, attribute names and
 * marshalling live here and nowhere else.
 *
 * Besides the `Contact` fields, an item carries:
 * - `ttl`: epoch seconds for DynamoDB TTL, expiresAt + a small grace so the purge acts first (rules.md §5);
 * - `expiryBucket`: `<YYYY-MM of expiresAt>#<shard>` — partition of the `byExpiry` index. The
 *   month lets the purge read only what has expired; the shard (a hash of the key) spreads
 *   one big import over several partitions;
 * - `version`: optimistic lock, so a concurrent update (an SES click extending the expiry)
 *   is never lost by a merge.
 * Every change of expiresAt goes through `toItem`, so expiry, TTL and bucket move together.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '#domain/contact';
import { ttlEpochSeconds } from '#domain/retention';
import type { Settings } from '#schemas/settings';
import { contactsTable } from '#shared/resources';
import { documentClient } from './clients.ts';
import { backoff, batchGet, batchPut, scanPages } from './dynamo-batch.ts';
import { addListMembers, removeListMembers } from './list-members.ts';

export const EXPIRY_SHARDS = 8;

export type ContactItem = Contact & { ttl: number; expiryBucket: string; version: number };

export function contactsTableName(): string {
  const name = process.env[contactsTable.envVar];
  if (!name) throw new Error(`${contactsTable.envVar} is not set`);
  return name;
}

/** The byExpiry partition of a contact: expiry month and write shard. */
export function expiryBucket(expiresAt: string, suppressionKey: string): string {
  const shard = createHash('sha1').update(suppressionKey).digest()[0] ?? 0;
  return `${expiresAt.slice(0, 7)}#${shard % EXPIRY_SHARDS}`;
}

/** Every byExpiry partition of one month (`YYYY-MM`). */
export function expiryBucketsOfMonth(month: string): string[] {
  return Array.from({ length: EXPIRY_SHARDS }, (_, shard) => `${month}#${shard}`);
}

export function toItem(contact: Contact, settings: Settings, version = 1): ContactItem {
  return {
    ...contact,
    ttl: ttlEpochSeconds(contact.expiresAt, settings),
    expiryBucket: expiryBucket(contact.expiresAt, contact.suppressionKey),
    version,
  };
}

export function fromItem(item: Record<string, unknown>): ContactItem {
  const contact = item as unknown as ContactItem;
  return {
    ...contact,
    listIds: contact.listIds ?? [contact.listId],
    productCategories: contact.productCategories ?? [],
    bases: contact.bases ?? {},
  };
}

/** Reads one contact (strongly consistent), or undefined. */
export async function getContact(suppressionKey: string): Promise<ContactItem | undefined> {
  const out = await documentClient().send(
    new GetCommand({ TableName: contactsTableName(), Key: { suppressionKey }, ConsistentRead: true }),
  );
  return out.Item ? fromItem(out.Item) : undefined;
}

/**
 * Reads many contacts by key with BatchGetItem; the map holds those that exist.
 * `consistent`: a contact written a moment ago is seen (an import deciding between a
 * creation and a merge needs it).
 */
export async function getContacts(
  keys: readonly string[],
  options: { consistent?: boolean } = {},
): Promise<Map<string, ContactItem>> {
  if (keys.length === 0) return new Map();
  const table = contactsTableName();
  const found = await batchGet(
    { [table]: [...new Set(keys)].map((suppressionKey) => ({ suppressionKey })) },
    undefined,
    options.consistent,
  );
  return new Map((found[table] ?? []).map((item) => [item.suppressionKey as string, fromItem(item)]));
}

/**
 * Writes contacts known not to exist yet (tests, benches and fixtures: an import creates
 * each contact with a conditional put), with their list memberships first.
 */
export async function putNewContacts(contacts: readonly Contact[], settings: Settings, concurrency = 4): Promise<void> {
  const byList = new Map<string, string[]>();
  for (const c of contacts)
    for (const listId of c.listIds) byList.set(listId, [...(byList.get(listId) ?? []), c.suppressionKey]);
  for (const [listId, keys] of byList)
    await addListMembers(
      listId,
      keys.map((suppressionKey) => ({ suppressionKey })),
    );
  await batchPut(
    contactsTableName(),
    contacts.map((c) => toItem(c, settings) as unknown as Record<string, unknown>),
    concurrency,
  );
}

/**
 * Creates a contact if absent, else replaces it only if its version is still `expectedVersion`.
 * Returns false when someone else changed it in between (the caller re-reads and merges again).
 */
export async function putContactIfVersion(
  contact: Contact,
  expectedVersion: number | undefined,
  settings: Settings,
): Promise<boolean> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: contactsTableName(),
        Item: toItem(contact, settings, (expectedVersion ?? 0) + 1),
        ConditionExpression:
          expectedVersion === undefined ? 'attribute_not_exists(suppressionKey)' : 'version = :expected',
        ExpressionAttributeValues: expectedVersion === undefined ? undefined : { ':expected': expectedVersion },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Read-modify-write of one contact under the optimistic lock: `change` gets the stored
 * contact and returns the new one (or undefined to leave it). Retried on a concurrent
 * change. Returns the contact as written, or undefined if absent / unchanged.
 */
export async function updateContact(
  suppressionKey: string,
  change: (stored: Contact) => Contact | undefined,
  settings: Settings,
): Promise<Contact | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    if (attempt) await backoff(attempt);
    const stored = await getContact(suppressionKey);
    if (!stored) return undefined;
    const { ttl: _ttl, expiryBucket: _bucket, version, ...contact } = stored;
    const next = change(contact);
    if (!next) return undefined;
    if (await putContactIfVersion(next, version, settings)) return next;
  }
  throw new Error(`contact ${suppressionKey}: too many concurrent updates`);
}

/**
 * Deletes a contact, and its list memberships. With `ifExpiredAt`, only if it is still
 * expired at that instant (a click that extended it a second ago wins: rules.md §5).
 * Returns the deleted contact, or undefined if there was none or the condition kept it.
 */
export async function deleteContact(
  suppressionKey: string,
  options: { ifExpiredAt?: Date } = {},
): Promise<ContactItem | undefined> {
  try {
    const out = await documentClient().send(
      new DeleteCommand({
        TableName: contactsTableName(),
        Key: { suppressionKey },
        ReturnValues: 'ALL_OLD',
        ...(options.ifExpiredAt
          ? {
              ConditionExpression: 'expiresAt <= :now',
              ExpressionAttributeValues: { ':now': options.ifExpiredAt.toISOString() },
            }
          : {}),
      }),
    );
    if (!out.Attributes) return undefined;
    const deleted = fromItem(out.Attributes);
    await removeListMembers(suppressionKey, deleted.listIds);
    return deleted;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Records that we solicited the contact (rules.md §8: Delivery/Send are not activity). Never moves backwards. */
export async function recordSolicitation(suppressionKey: string, at: Date): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: contactsTableName(),
        Key: { suppressionKey },
        UpdateExpression: 'SET lastSolicitedAt = :at',
        ConditionExpression:
          'attribute_exists(suppressionKey) AND (attribute_not_exists(lastSolicitedAt) OR lastSolicitedAt < :at)',
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export interface ExpiringEntry {
  suppressionKey: string;
  expiresAt: string;
  repermissionFlaggedAt?: string;
}

/**
 * One page of the byExpiry index: contacts of one bucket whose expiresAt ≤ `upTo` (ISO).
 * Reads only index entries up to that instant: the cost follows what has expired.
 */
export function queryExpiring(
  bucket: string,
  upTo: string,
  startKey?: Record<string, unknown>,
  limit = 500,
): Promise<ExpiringPage> {
  return queryByExpiry(bucket, 'expiresAt <= :upTo', { ':upTo': upTo }, startKey, limit);
}

export interface ExpiringPage {
  items: ExpiringEntry[];
  nextKey?: Record<string, unknown>;
  consumedCapacity: number;
}

async function queryByExpiry(
  bucket: string,
  expiryCondition: string,
  values: Record<string, string>,
  startKey: Record<string, unknown> | undefined,
  limit: number,
): Promise<ExpiringPage> {
  const out = await documentClient().send(
    new QueryCommand({
      TableName: contactsTableName(),
      IndexName: 'byExpiry',
      KeyConditionExpression: `expiryBucket = :b AND ${expiryCondition}`,
      ExpressionAttributeValues: { ':b': bucket, ...values },
      ExclusiveStartKey: startKey,
      Limit: limit,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  return {
    items: (out.Items ?? []) as ExpiringEntry[],
    nextKey: out.LastEvaluatedKey,
    consumedCapacity: out.ConsumedCapacity?.CapacityUnits ?? 0,
  };
}

/** Pages of every contact (a campaign without a list filter). */
export async function* allContacts(): AsyncGenerator<ContactItem[]> {
  for await (const page of scanPages({ TableName: contactsTableName() })) yield page.map(fromItem);
}

// ─── Added for re-permission flags (issue 7, retention) ──────────────────────────────────

/**
 * One page of the byExpiry index: contacts of one bucket whose expiresAt is within
 * [`from`, `upTo`] (ISO, both included): those entering the re-permission window.
 */
export function queryExpiringBetween(
  bucket: string,
  from: string,
  upTo: string,
  startKey?: Record<string, unknown>,
  limit = 500,
): Promise<ExpiringPage> {
  return queryByExpiry(bucket, 'expiresAt BETWEEN :from AND :upTo', { ':from': from, ':upTo': upTo }, startKey, limit);
}

/**
 * Sets `repermissionFlaggedAt` (rules.md §5), only if the contact still has the expiry the
 * index showed and is not flagged for it yet (no flag, or one older than `staleBefore`,
 * left by an earlier expiry). Bumps the version, so a concurrent `updateContact` re-reads
 * instead of writing the flag away. Returns false when the condition kept it unchanged.
 */
export async function flagForRepermission(
  suppressionKey: string,
  at: Date,
  expected: { expiresAt: string; staleBefore: string },
): Promise<boolean> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: contactsTableName(),
        Key: { suppressionKey },
        UpdateExpression: 'SET repermissionFlaggedAt = :at ADD version :one',
        ConditionExpression:
          'expiresAt = :expiresAt AND (attribute_not_exists(repermissionFlaggedAt) OR repermissionFlaggedAt < :stale)',
        ExpressionAttributeValues: {
          ':at': at.toISOString(),
          ':one': 1,
          ':expiresAt': expected.expiresAt,
          ':stale': expected.staleBefore,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
