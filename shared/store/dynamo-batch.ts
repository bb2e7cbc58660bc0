/**
 * Batched DynamoDB reads and writes with the retries AWS asks for: BatchGetItem (100
 * keys) and BatchWriteItem (25 items), unprocessed keys/items retried with exponential
 * backoff and full jitter, several batches in flight.
 */
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  ScanCommand,
  type ScanCommandInput,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { documentClient } from './clients.ts';

/**
 * Items per Scan page. On AWS a page stops at 1 MB anyway (≈ 1,000 contacts) and a read
 * unit costs the same whatever the page; DynamoDB Local reads every item left in the
 * table for each page it serves, unless a Limit bounds it (120,000 keys: 47 s without,
 * 1.3 s with 1,000).
 */
const SCAN_PAGE_ITEMS = 1_000;

type Item = Record<string, unknown>;
type Key = Record<string, unknown>;

const MAX_ATTEMPTS = 10;

export function backoff(attempt: number, baseMs = 25, capMs = 2000): Promise<void> {
  const ms = Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `work` again after a failure, with backoff, beyond the SDK's own retries (whose quota a
 * throttle storm can spend): for a step whose outcome decides a message's fate. The last
 * failure is thrown.
 */
export async function retrying<T>(work: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt + 1 >= attempts) throw error;
      await backoff(attempt, 50, 2_000);
    }
  }
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `task` over `inputs` with at most `concurrency` in flight; results in input order. */
export async function inParallel<T, R>(
  inputs: readonly T[],
  concurrency: number,
  task: (input: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
    while (next < inputs.length) {
      const i = next++;
      results[i] = await task(inputs[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * Reads items by key from several tables at once (≤ 100 keys a request), retrying
 * unprocessed keys. `consistent`: strongly consistent reads (twice the read units).
 */
export async function batchGet(
  requests: Record<string, Key[]>,
  projection?: Record<string, string>,
  consistent = false,
): Promise<Record<string, Item[]>> {
  const found: Record<string, Item[]> = {};
  const pending: { table: string; key: Key }[] = [];
  for (const [table, keys] of Object.entries(requests)) {
    found[table] = [];
    for (const key of keys) pending.push({ table, key });
  }
  await inParallel(chunk(pending, 100), 4, async (part) => {
    let request: BatchGetCommandInput['RequestItems'] = {};
    for (const { table, key } of part) {
      request[table] ??= {
        Keys: [],
        ...(projection?.[table] ? { ProjectionExpression: projection[table] } : {}),
        ...(consistent ? { ConsistentRead: true } : {}),
      };
      request[table].Keys?.push(key);
    }
    for (let attempt = 0; request && Object.keys(request).length; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error('BatchGetItem: keys still unprocessed after retries');
      if (attempt) await backoff(attempt);
      const out: BatchGetCommandOutput = await documentClient().send(new BatchGetCommand({ RequestItems: request }));
      for (const [table, items] of Object.entries(out.Responses ?? {})) found[table]?.push(...(items as Item[]));
      request = out.UnprocessedKeys && Object.keys(out.UnprocessedKeys).length ? out.UnprocessedKeys : undefined;
    }
  });
  return found;
}

/** Puts items (≤ 25 a request, `concurrency` requests in flight), retrying unprocessed items. */
export async function batchPut(table: string, items: readonly Item[], concurrency = 4): Promise<void> {
  await batchWrite(
    table,
    items.map((Item) => ({ PutRequest: { Item } })),
    concurrency,
  );
}

/** Deletes items by key (≤ 25 a request), retrying unprocessed ones. */
export async function batchDelete(table: string, keys: readonly Key[], concurrency = 4): Promise<void> {
  await batchWrite(
    table,
    keys.map((Key) => ({ DeleteRequest: { Key } })),
    concurrency,
  );
}

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

async function batchWrite(table: string, requests: readonly WriteRequest[], concurrency: number): Promise<void> {
  await inParallel(chunk(requests, 25), concurrency, async (part) => {
    let request: Record<string, WriteRequest[]> | undefined = { [table]: part };
    for (let attempt = 0; request && Object.keys(request).length; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error('BatchWriteItem: items still unprocessed after retries');
      if (attempt) await backoff(attempt);
      const out: BatchWriteCommandOutput = await documentClient().send(
        new BatchWriteCommand({ RequestItems: request }),
      );
      request =
        out.UnprocessedItems && Object.keys(out.UnprocessedItems).length
          ? (out.UnprocessedItems as typeof request)
          : undefined;
    }
  });
}

/**
 * A table's items, one Scan page at a time (SCAN_PAGE_ITEMS a page), in no particular
 * order; `input` adds the projection or the consistency. Stop iterating to stop reading.
 */
export async function* scanPages(input: Omit<ScanCommandInput, 'Limit' | 'ExclusiveStartKey'>): AsyncGenerator<Item[]> {
  let ExclusiveStartKey: Key | undefined;
  do {
    const out: ScanCommandOutput = await documentClient().send(
      new ScanCommand({ ...input, Limit: SCAN_PAGE_ITEMS, ExclusiveStartKey }),
    );
    yield (out.Items ?? []) as Item[];
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/** Every item of a table (operator views and tests; never on a hot path). */
export async function scanAllItems(table: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of scanPages({ TableName: table })) items.push(...page);
  return items;
}
