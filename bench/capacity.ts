/**
 * What an ingestion's DynamoDB requests cost, counted in the process that makes them: a
 * middleware on the store's DynamoDB client (`dynamoClient()`, which `documentClient()`
 * shares its middleware stack with) asks every data-plane request for its consumed
 * capacity (`ReturnConsumedCapacity: 'INDEXES'`: the table and each index apart) and adds
 * up two figures per table:
 *
 * - `local`: what DynamoDB Local answered (`ConsumedCapacity`);
 * - `aws`: what AWS on-demand charges for the same requests, computed from the items'
 *   sizes (DynamoDB's item-size rules): a strongly consistent read 1 RRU per 4 KB of each
 *   item, **an item not found still 1 RRU** (BatchGetItem included), eventually consistent
 *   half; a write 1 WRU per 1 KB, a conditional write that fails still charged; a
 *   transactional write 2×; each global secondary index an item is in one write more, of
 *   its projection's size (doubled in a transaction, as DynamoDB Local doubles it).
 *
 * The two differ where DynamoDB Local does not charge as AWS does: it counts 0 for a key
 * a BatchGetItem does not find (AWS: 1 RRU, the docs: "If you perform a read operation on
 * an item that doesn't exist, DynamoDB will still consume read throughput"), reports a
 * TransactWriteItems as one of its items whatever their number (1, 2, 5 or 10 puts of
 * 56 KB: 110 + 110 units each time), and returns nothing for a conditional write that
 * fails. Not modelled (none on the ingestion's path,
 * or rare there): an overwrite is charged on the new item's size only (AWS: the larger of
 * the old and the new), an update or a delete whose item is not returned counts 1 WRU,
 * and a cancelled transaction nothing.
 *
 * The middleware's own work is timed (`accountingMs`), so a worker's CPU can be read with
 * and without it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  contactsTable,
  idempotencyTable,
  ledgerTable,
  listMembersTable,
  listsTable,
  sendsTable,
  suppressionsTable,
  type TableDefinition,
} from '#shared/resources';

/** eu-west-3 on-demand prices assumed by issue 17 (USD per million request units); BENCH_WRU_USD / BENCH_RRU_USD override */
export const PRICES = {
  wruPerMillion: Number(process.env.BENCH_WRU_USD ?? 1.4135),
  rruPerMillion: Number(process.env.BENCH_RRU_USD ?? 0.2827),
};

export interface Units {
  read: number;
  write: number;
  /** the part of `write` (or of `read`, for queries on an index) that went to each global secondary index */
  indexes: Record<string, number>;
}

export interface TableCapacity {
  local: Units;
  aws: Units;
  /** requests by command (a BatchGetItem over two tables counts once for each) */
  requests: Record<string, number>;
  /** keys read (BatchGetItem, GetItem) and how many were found */
  keysRead: number;
  keysFound: number;
  /** items put, and how many WRU each item's put cost on the table (AWS model): `{ "1": 90000, "2": 12 }` */
  itemsPut: number;
  putUnits: Record<string, number>;
}

export interface CapacityReport {
  tables: Record<string, TableCapacity>;
  /** requests DynamoDB Local answered without a ConsumedCapacity, by command */
  unreported: Record<string, number>;
  /** requests that failed, by command and error (a conditional put that lost, a cancelled transaction) */
  failures: Record<string, number>;
  /** S3 requests by command */
  s3: Record<string, number>;
  /** milliseconds spent in the meter itself */
  accountingMs: number;
}

const READS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

type Item = Record<string, unknown>;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** DynamoDB's size of a number: 1 byte per two significant digits, plus 1. */
function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** DynamoDB's size of a value as the document client marshals it (arrays are lists, objects maps). */
function valueSize(value: unknown): number {
  if (value === null) return 1;
  switch (typeof value) {
    case 'string':
      return bytes(value);
    case 'number':
    case 'bigint':
      return numberSize(String(value));
    case 'boolean':
      return 1;
    case 'object':
      break;
    default:
      return 0;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let size = 0;
    for (const element of value) size += valueSize(element);
    return size;
  }
  // a list or a map: 3 bytes, and 1 byte per element (a map's element: its name too)
  let size = 3;
  if (Array.isArray(value)) {
    for (const element of value) size += 1 + valueSize(element);
    return size;
  }
  if ((value as { constructor?: { name?: string } }).constructor?.name === 'NumberValue')
    return numberSize(String((value as { value: unknown }).value));
  for (const [name, element] of Object.entries(value as Item))
    if (element !== undefined) size += 1 + bytes(name) + valueSize(element);
  return size;
}

/** An item's size: its attributes' names and values. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) size += bytes(name) + valueSize(value);
  return size;
}

const readUnits = (size: number) => Math.max(1, Math.ceil(size / 4096));
const writeUnits = (size: number) => Math.max(1, Math.ceil(size / 1024));

const emptyUnits = (): Units => ({ read: 0, write: 0, indexes: {} });
const emptyTable = (): TableCapacity => ({
  local: emptyUnits(),
  aws: emptyUnits(),
  requests: {},
  keysRead: 0,
  keysFound: 0,
  itemsPut: 0,
  putUnits: {},
});

const add = (record: Record<string, number>, key: string, n = 1) => {
  record[key] = (record[key] ?? 0) + n;
};

/** The tables the store uses, by physical name: their short name and definition. */
function tablesByName(): Map<string, { name: string; definition: TableDefinition }> {
  const known: [string, TableDefinition][] = [
    ['contacts', contactsTable],
    ['suppressions', suppressionsTable],
    ['list-members', listMembersTable],
    ['ledger', ledgerTable],
    ['lists', listsTable],
    ['sends', sendsTable],
    ['idempotency', idempotencyTable],
  ];
  const map = new Map<string, { name: string; definition: TableDefinition }>();
  for (const [name, definition] of known) {
    const physical = process.env[definition.envVar];
    if (physical) map.set(physical, { name, definition });
  }
  return map;
}

export class CapacityMeter {
  private readonly tables: Record<string, TableCapacity> = {};
  private readonly unreported: Record<string, number> = {};
  private readonly failures: Record<string, number> = {};
  private readonly s3: Record<string, number> = {};
  private accountingMs = 0;
  private names?: Map<string, { name: string; definition: TableDefinition }>;

  /** Meters every request of `client` from now on (and of the document client built on it). */
  install(client: DynamoDBClient): this {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (!READS.has(command) && !WRITES.has(command)) return next(args);
        const input = { ...(args.input as Item), ReturnConsumedCapacity: 'INDEXES' };
        try {
          const out = await next({ ...args, input });
          this.timed(() => this.account(command, input, out.output as unknown as Item));
          return out;
        } catch (error) {
          this.timed(() => this.accountFailure(command, input, error));
          throw error;
        }
      },
      { step: 'initialize', name: 'benchCapacityMeter', priority: 'high' },
    );
    return this;
  }

  /** Counts S3 requests by command (for the record: a range's parts, the plan, the report). */
  installS3(client: S3Client): this {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        add(this.s3, (context.commandName ?? 'unknown').replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name: 'benchS3Meter', priority: 'high' },
    );
    return this;
  }

  report(): CapacityReport {
    return structuredClone({
      tables: this.tables,
      unreported: this.unreported,
      failures: this.failures,
      s3: this.s3,
      accountingMs: Math.round(this.accountingMs),
    });
  }

  private timed(work: () => void): void {
    const started = performance.now();
    work();
    this.accountingMs += performance.now() - started;
  }

  private table(physical: unknown): { capacity: TableCapacity; definition?: TableDefinition } {
    this.names ??= tablesByName();
    const known = this.names.get(String(physical));
    const name = known?.name ?? String(physical);
    this.tables[name] ??= emptyTable();
    return { capacity: this.tables[name], definition: known?.definition };
  }

  private account(command: string, input: Item, output: Item): void {
    this.accountLocal(command, output);
    switch (command) {
      case 'GetItemCommand': {
        const { capacity } = this.table(input.TableName);
        add(capacity.requests, command);
        capacity.keysRead++;
        const item = output.Item as Item | undefined;
        if (item) capacity.keysFound++;
        capacity.aws.read += readUnits(item ? itemSize(item) : 0) * (input.ConsistentRead ? 1 : 0.5);
        return;
      }
      case 'BatchGetItemCommand': {
        const requested = (input.RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>;
        const unprocessed = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: unknown[] }>;
        const responses = (output.Responses ?? {}) as Record<string, Item[]>;
        for (const [name, request] of Object.entries(requested)) {
          const { capacity } = this.table(name);
          add(capacity.requests, command);
          const keys = (request.Keys?.length ?? 0) - (unprocessed[name]?.Keys?.length ?? 0);
          const found = responses[name] ?? [];
          let units = keys - found.length; // not found: 1 RRU each all the same
          for (const item of found) units += readUnits(itemSize(item));
          capacity.keysRead += keys;
          capacity.keysFound += found.length;
          capacity.aws.read += units * (request.ConsistentRead ? 1 : 0.5);
        }
        return;
      }
      case 'QueryCommand':
      case 'ScanCommand': {
        const { capacity } = this.table(input.TableName);
        add(capacity.requests, command);
        let size = 0;
        for (const item of (output.Items ?? []) as Item[]) size += itemSize(item);
        // items a filter dropped and `Select: COUNT` are not seen here: a lower bound for those
        const units = readUnits(size) * (input.ConsistentRead ? 1 : 0.5);
        capacity.aws.read += units;
        if (typeof input.IndexName === 'string') add(capacity.aws.indexes, input.IndexName, units);
        return;
      }
      case 'TransactGetItemsCommand': {
        const items = (input.TransactItems ?? []) as { Get?: { TableName?: string } }[];
        const responses = (output.Responses ?? []) as { Item?: Item }[];
        items.forEach((entry, i) => {
          const { capacity } = this.table(entry.Get?.TableName);
          add(capacity.requests, command);
          const item = responses[i]?.Item;
          capacity.aws.read += 2 * readUnits(item ? itemSize(item) : 0);
        });
        return;
      }
      case 'PutItemCommand':
        this.put(command, input.TableName, input.Item as Item, 1, output.Attributes as Item | undefined);
        return;
      case 'UpdateItemCommand':
      case 'DeleteItemCommand': {
        const { capacity, definition } = this.table(input.TableName);
        add(capacity.requests, command);
        const old = output.Attributes as Item | undefined;
        capacity.aws.write += old ? writeUnits(itemSize(old)) : 1;
        if (command === 'DeleteItemCommand' && old && definition) this.indexWrites(capacity, definition, old, 1);
        return;
      }
      case 'BatchWriteItemCommand': {
        const requested = (input.RequestItems ?? {}) as Record<string, WriteRequest[]>;
        const unprocessed = (output.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>;
        for (const [name, requests] of Object.entries(requested)) {
          add(this.table(name).capacity.requests, command);
          // every request counted, then those DynamoDB handed back taken off (they are sent again)
          for (const request of requests) this.batchWrite(name, request, 1);
          for (const request of unprocessed[name] ?? []) this.batchWrite(name, request, -1);
        }
        return;
      }
      case 'TransactWriteItemsCommand': {
        const tables = new Set<unknown>();
        for (const entry of (input.TransactItems ?? []) as TransactWriteItem[]) {
          const target = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck;
          tables.add(target?.TableName);
          if (entry.Put) this.put(undefined, entry.Put.TableName, entry.Put.Item, 2);
          else this.table(target?.TableName).capacity.aws.write += 2;
        }
        for (const name of tables) add(this.table(name).capacity.requests, command);
        return;
      }
    }
  }

  /** One request of a BatchWriteItem: a put, or a delete of an item of unknown size (1 WRU). */
  private batchWrite(tableName: string, request: WriteRequest, sign: 1 | -1): void {
    if (request.PutRequest) this.put(undefined, tableName, request.PutRequest.Item, sign);
    else this.table(tableName).capacity.aws.write += sign;
  }

  /**
   * A put: the table's units on the item's size, and each index the item is in; `factor`
   * 2 in a transaction, -1 to take back an unprocessed one.
   */
  private put(command: string | undefined, tableName: unknown, item: Item, factor: number, old?: Item): void {
    const { capacity, definition } = this.table(tableName);
    if (command) add(capacity.requests, command);
    const units = writeUnits(Math.max(itemSize(item), old ? itemSize(old) : 0));
    const sign = Math.sign(factor);
    capacity.itemsPut += sign;
    add(capacity.putUnits, String(units), sign);
    capacity.aws.write += factor * units;
    if (definition) this.indexWrites(capacity, definition, item, factor);
  }

  private indexWrites(capacity: TableCapacity, definition: TableDefinition, item: Item, factor: number): void {
    for (const index of definition.indexes) {
      const keys = [index.partitionKey.name, ...(index.sortKey ? [index.sortKey.name] : [])];
      if (keys.some((k) => item[k] === undefined)) continue; // not in this (sparse) index
      let size: number;
      if (index.projection === 'ALL') size = itemSize(item);
      else {
        const names = new Set([
          definition.partitionKey.name,
          ...(definition.sortKey ? [definition.sortKey.name] : []),
          ...keys,
          ...(index.projection === 'KEYS_ONLY' ? [] : index.projection),
        ]);
        const projected: Item = {};
        for (const name of names) if (item[name] !== undefined) projected[name] = item[name];
        size = itemSize(projected);
      }
      const units = factor * writeUnits(size);
      capacity.aws.write += units;
      add(capacity.aws.indexes, index.indexName, units);
    }
  }

  /** What DynamoDB Local said it consumed. */
  private accountLocal(command: string, output: Item): void {
    const consumed = output.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
    const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    if (!list.length) add(this.unreported, command);
    for (const c of list) {
      const { capacity } = this.table(c.TableName);
      const total = c.CapacityUnits ?? (c.ReadCapacityUnits ?? 0) + (c.WriteCapacityUnits ?? 0);
      if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
        capacity.local.read += c.ReadCapacityUnits ?? 0;
        capacity.local.write += c.WriteCapacityUnits ?? 0;
      } else if (READS.has(command)) capacity.local.read += total;
      else capacity.local.write += total;
      for (const [index, units] of Object.entries(c.GlobalSecondaryIndexes ?? {}))
        add(capacity.local.indexes, index, units.CapacityUnits ?? 0);
    }
  }

  private accountFailure(command: string, input: Item, error: unknown): void {
    const name = (error as { name?: string }).name ?? 'Error';
    add(this.failures, `${command.replace(/Command$/, '')}:${name}`);
    // a conditional write that fails is charged all the same (table only)
    if (name === 'ConditionalCheckFailedException' && command === 'PutItemCommand') {
      const { capacity } = this.table(input.TableName);
      capacity.aws.write += writeUnits(itemSize(input.Item as Item));
    } else if (name === 'ConditionalCheckFailedException') {
      this.table(input.TableName).capacity.aws.write += 1;
    }
  }
}

type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } };
type TransactWriteItem = {
  Put?: { TableName?: string; Item: Item };
  Update?: { TableName?: string };
  Delete?: { TableName?: string };
  ConditionCheck?: { TableName?: string };
};
interface ConsumedCapacity {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

/** Sums reports (the planner's, each worker's, the finisher's). */
export function sumCapacity(reports: readonly CapacityReport[]): CapacityReport {
  const sum: CapacityReport = { tables: {}, unreported: {}, failures: {}, s3: {}, accountingMs: 0 };
  const addAll = (to: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) add(to, k, v);
  };
  const addUnits = (to: Units, from: Units) => {
    to.read += from.read;
    to.write += from.write;
    addAll(to.indexes, from.indexes);
  };
  for (const report of reports) {
    for (const [name, table] of Object.entries(report.tables)) {
      sum.tables[name] ??= emptyTable();
      const to = sum.tables[name];
      addUnits(to.local, table.local);
      addUnits(to.aws, table.aws);
      addAll(to.requests, table.requests);
      to.keysRead += table.keysRead;
      to.keysFound += table.keysFound;
      to.itemsPut += table.itemsPut;
      addAll(to.putUnits, table.putUnits);
    }
    addAll(sum.unreported, report.unreported);
    addAll(sum.failures, report.failures);
    addAll(sum.s3, report.s3);
    sum.accountingMs += report.accountingMs;
  }
  return sum;
}

/** Read and write units per contact, by table, for both figures; and the price of a million contacts on AWS. */
export function perContact(report: CapacityReport, contacts: number) {
  const per = (n: number) => Math.round((1000 * n) / Math.max(1, contacts)) / 1000;
  const byTable: Record<string, { aws: { rru: number; wru: number }; local: { rru: number; wru: number } }> = {};
  const total = { aws: { rru: 0, wru: 0 }, local: { rru: 0, wru: 0 } };
  for (const [name, t] of Object.entries(report.tables)) {
    byTable[name] = {
      aws: { rru: per(t.aws.read), wru: per(t.aws.write) },
      local: { rru: per(t.local.read), wru: per(t.local.write) },
    };
    total.aws.rru += t.aws.read;
    total.aws.wru += t.aws.write;
    total.local.rru += t.local.read;
    total.local.wru += t.local.write;
  }
  const usdPerMillion = (rru: number, wru: number) =>
    Math.round(((rru * PRICES.rruPerMillion + wru * PRICES.wruPerMillion) / Math.max(1, contacts)) * 100) / 100;
  return {
    byTable,
    aws: { rru: per(total.aws.rru), wru: per(total.aws.wru) },
    local: { rru: per(total.local.rru), wru: per(total.local.wru) },
    /** USD per million contacts accepted, on-demand, at PRICES */
    usdPerMillionContacts: {
      aws: usdPerMillion(total.aws.rru, total.aws.wru),
      local: usdPerMillion(total.local.rru, total.local.wru),
    },
  };
}
