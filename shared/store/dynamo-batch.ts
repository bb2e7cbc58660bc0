/**
 * Batched DynamoDB reads and writes with the retries AWS asks for: BatchGetItem (100
 * keys) and BatchWriteItem (25 items), unprocessed keys/items retried with exponential
 * backoff and full jitter, several batches in flight.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
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
import { documentClient, dynamoClient } from './clients.ts';

/**
 * Items per Scan page. On AWS a page stops at 1 MB anyway (≈ 1,000 contacts) and a read
 * unit costs the same whatever the page; DynamoDB Local reads every item left in the
 * table for each page it serves, unless a Limit bounds it (120,000 keys: 47 s without,
 * 1.3 s with 1,000).
 */
const SCAN_PAGE_ITEMS = 1_000;

/** A table's item count as DynamoDB last measured it (it does so every ≈ 6 hours): an estimate. */
export async function approximateItemCount(table: string): Promise<number> {
  const out = await dynamoClient().send(new DescribeTableCommand({ TableName: table }));
  return out.Table?.ItemCount ?? 0;
}

type Item = Record<string, unknown>;
type Key = Record<string, unknown>;

const MAX_ATTEMPTS = 10;

export function backoff(attempt: number, baseMs = 25, capMs = 2000): Promise<void> {
  const ms = Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
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
  await inParallel(chunk(items, 25), concurrency, async (part) => {
    let request: Record<string, { PutRequest: { Item: Item } }[]> | undefined = {
      [table]: part.map((Item) => ({ PutRequest: { Item } })),
    };
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
 * One table's write pipe: items handed in by several producers are written 25 a
 * BatchWriteItem with up to `concurrency` requests in flight, whoever they came from, so
 * the table is kept busy while the producers read and decide. `write(items)` resolves
 * when those items are stored; a failed request fails the writes it carried and every
 * later one (the caller stops; nothing is lost silently).
 */
export class BatchWriter {
  private queue: { item: Item; done: () => void; failed: (error: unknown) => void }[] = [];
  private inFlight = 0;
  private error: unknown;

  constructor(
    private readonly table: string,
    private readonly concurrency = 16,
  ) {}

  write(items: readonly Item[]): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    const written = items.map((item) => new Promise<void>((done, failed) => this.queue.push({ item, done, failed })));
    this.pump();
    return Promise.all(written).then(() => undefined);
  }

  /**
   * Starts requests while there is room. A short tail waits for more items while other
   * requests are in flight (one of them ending calls this again), and goes alone once
   * the pipe is idle: requests stay full, and the last items are never stranded.
   */
  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      if (this.queue.length < 25 && this.inFlight > 0) return;
      const part = this.queue.splice(0, 25);
      this.inFlight++;
      batchPut(
        this.table,
        part.map((p) => p.item),
        1,
      ).then(
        () => {
          this.inFlight--;
          for (const p of part) p.done();
          this.pump();
        },
        (error: unknown) => {
          this.inFlight--;
          this.error ??= error;
          for (const p of [...part, ...this.queue.splice(0)]) p.failed(this.error);
        },
      );
    }
  }
}

/**
 * A table's items, one Scan page at a time (SCAN_PAGE_ITEMS a page), in no particular
 * order; `input` adds the projection or the consistency. With `segments` > 1, a parallel
 * Scan: that many segments are read at once, each page yielded as it arrives (on
 * DynamoDB Local, 70,000 keys in 0.9–1.6 s with 2 segments, 1.6–2.4 s with 1). Stop
 * iterating to stop reading.
 */
export async function* scanPages(
  input: Omit<ScanCommandInput, 'Limit' | 'ExclusiveStartKey' | 'Segment' | 'TotalSegments'>,
  segments = 1,
): AsyncGenerator<Item[]> {
  const nextPage = (segment: number, ExclusiveStartKey?: Key) => {
    const page = documentClient()
      .send(
        new ScanCommand({
          ...input,
          Limit: SCAN_PAGE_ITEMS,
          ExclusiveStartKey,
          ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
        }),
      )
      .then((out: ScanCommandOutput) => ({ segment, out }));
    // a page still in flight when the caller stops reading must not fail unobserved
    page.catch(() => {});
    return page;
  };
  const reading = new Map(Array.from({ length: segments }, (_, segment) => [segment, nextPage(segment)]));
  while (reading.size) {
    const { segment, out } = await Promise.race(reading.values());
    reading.delete(segment);
    if (out.LastEvaluatedKey) reading.set(segment, nextPage(segment, out.LastEvaluatedKey));
    yield (out.Items ?? []) as Item[];
  }
}

/** Every item of a table (operator views and tests; never on a hot path). */
export async function scanAllItems(table: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of scanPages({ TableName: table })) items.push(...page);
  return items;
}
