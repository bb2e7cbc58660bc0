/**
 * The lists table: one item per uploaded list (status, manifest, counts, report
 * location, checksum). Keys and marshalling live here.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ListReport } from '#domain/contact';
import type { ListReason } from '#domain/reasons';
import { listsTable } from '#shared/resources';
import { documentClient } from './clients.ts';

export interface ListItem {
  listId: string;
  /** `processing`: planned, its ranges being ingested; `failed`: a range failed for good (retried, then given up) */
  status: 'processing' | 'accepted' | 'rejected' | 'quarantined' | 'failed';
  reasons: ListReason[];
  /** the manifest as uploaded (parsed), absent when it was unreadable */
  manifest?: unknown;
  /** SHA-256 of the manifest's bytes and of the data file's bytes */
  manifestSha256: string;
  dataSha256?: string;
  rows?: ListReport['rows'];
  byReason?: ListReport['byReason'];
  reportKey?: string;
  rejectedKey?: string;
  receivedAt: string;
  decidedAt?: string;
  /** the ingestion run (the manifest's SHA-256, 16 hex digits) and its ranges, once planned */
  run?: string;
  ranges?: number;
  /** failed lists: why (an error's name and message, never a row's content) */
  failure?: string;
  /** a list being ingested: the rows the planner counted, and each range's rows judged and contacts written so far */
  progress?: IngestProgress;
}

export interface IngestProgress {
  expectedRows: number;
  ranges: Record<string, { rows: number; written: number }>;
}

/**
 * A range's progress (issue 22: `hygiene ingest` shows it). Best effort: set under the
 * range's own key (a retried range overwrites its count, never adds to it), and a failure
 * to record it never fails the import.
 */
export async function recordRangeProgress(listId: string, range: number, rows: number, written: number): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: listsTableName(),
        Key: { listId },
        UpdateExpression: 'SET progress.ranges.#r = :p',
        ConditionExpression: 'attribute_exists(progress.ranges)',
        ExpressionAttributeNames: { '#r': String(range) },
        ExpressionAttributeValues: { ':p': { rows, written } },
      }),
    );
  } catch {
    // progress is an indicator: the import goes on without it
  }
}

export function listsTableName(): string {
  const name = process.env[listsTable.envVar];
  if (!name) throw new Error(`${listsTable.envVar} is not set`);
  return name;
}

export async function getList(listId: string): Promise<ListItem | undefined> {
  const out = await documentClient().send(
    new GetCommand({ TableName: listsTableName(), Key: { listId }, ConsistentRead: true }),
  );
  return out.Item as ListItem | undefined;
}

export async function putList(item: ListItem): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: listsTableName(), Item: item }));
}

// ─── Added for the retention purge (issue 7): its progress, under a reserved item ──────────
// The purge keeps its watermark and the cursor of an unfinished run here, in one item
// whose key can never be a list id (list ids are [a-z0-9-]): no table of its own for one
// item. Nothing scans this table.

const PURGE_STATE_ID = '#purge-cursor';

/** Where an unfinished run stopped: the index partition (month + shard) and the page within it. */
export interface PurgeCursor {
  phase: 'purge' | 'flag';
  month: string;
  shard: number;
  startKey?: Record<string, unknown>;
}

/** Deletions decided for the page being processed: their receipts are checked on resume. */
export interface PendingDeletions {
  decidedAt: string;
  deletions: { suppressionKey: string; expiresAt: string }[];
}

export interface PurgeState {
  /** the oldest month (`YYYY-MM`) that may still hold expired contacts */
  watermark?: string;
  cursor?: PurgeCursor;
  pending?: PendingDeletions;
  /** the last invocation: the instant it judged at, when it ended, and whether it finished */
  lastRun?: { now: string; endedAt: string; done: boolean };
}

/**
 * Takes the purge's lease (one run at a time: the schedule, its retries and `hygiene
 * purge` may overlap) until `until`, if free, expired at `wallNow`, or already ours.
 * Returns the stored state, or undefined when another run holds the lease.
 */
export async function acquirePurgeLease(owner: string, until: Date, wallNow: Date): Promise<PurgeState | undefined> {
  try {
    const out = await documentClient().send(
      new UpdateCommand({
        TableName: listsTableName(),
        Key: { listId: PURGE_STATE_ID },
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
        ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :wallNow OR leaseOwner = :owner',
        ExpressionAttributeValues: {
          ':owner': owner,
          ':until': until.toISOString(),
          ':wallNow': wallNow.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const { listId: _id, leaseOwner: _owner, leaseUntil: _until, ...state } = out.Attributes ?? {};
    return state as PurgeState;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Writes the purge's state and extends the lease; fails if the lease is no longer ours. */
export async function savePurgeState(owner: string, state: PurgeState, leaseUntil: Date): Promise<void> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: listsTableName(),
        Item: { ...state, listId: PURGE_STATE_ID, leaseOwner: owner, leaseUntil: leaseUntil.toISOString() },
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new Error('purge: lease lost to another run');
    throw error;
  }
}

/** Gives the lease back (the state stays). A lease already taken over is left alone. */
export async function releasePurgeLease(owner: string): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: listsTableName(),
        Key: { listId: PURGE_STATE_ID },
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** The purge's state as stored (tests, `hygiene purge --json`), lease fields aside. */
export async function getPurgeState(): Promise<PurgeState | undefined> {
  const out = await documentClient().send(
    new GetCommand({ TableName: listsTableName(), Key: { listId: PURGE_STATE_ID }, ConsistentRead: true }),
  );
  if (!out.Item) return undefined;
  const { listId: _id, leaseOwner: _owner, leaseUntil: _until, ...state } = out.Item;
  return state as PurgeState;
}
