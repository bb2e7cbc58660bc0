/**
 * The evidence ledger table and its digests (rules.md §8, issue 8).
 *
 * Layout: one partition per chain (`chain` = c0…c7, see #domain/ledger), entries at
 * seq 1, 2, 3…, and at seq 0 a head pointer `{ lastSeq, lastHash }`. An append run is
 * one TransactWriteItems: the head pointer, conditioned on the lastSeq it was read at,
 * plus up to 99 entries, each conditioned on its seq being free. Two writers racing on a
 * chain cannot both win: the loser re-reads the head and re-chains its entries (bounded
 * retries, full jitter). A run is all or nothing, so a chain has no holes and no forks.
 *
 * The payload is stored as its canonical JSON string: what is hashed is byte for byte
 * what is stored, whatever the marshalling of numbers or maps. A long one (the import
 * evidence: 1,000 keys and consent digests, 150 KB) is stored gzipped, in `payloadGzip`:
 * half the bytes, so half the write units on AWS — which a transaction counts twice, and
 * the `bySubject` index once more.
 *
 * Digests: `writeDigest` puts every chain's head into `ledger-digests/<day>/<ISO>.json`
 * of the digest bucket (Object Lock, compliance mode, in AWS) so it cannot be rewritten;
 * `verifyLedger` recomputes every chain and checks it against every digest.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, QueryCommand, type QueryCommandOutput, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ChainHead,
  canonicalJson,
  chainEntries,
  chainFor,
  GENESIS_HASH,
  type LedgerEntry,
  type LedgerEntryInput,
  type LedgerEntryType,
  normaliseLedgerInput,
} from '#domain/ledger';
import { ledgerTable } from '#shared/resources';
import { documentClient } from './clients.ts';
import { backoff, inParallel } from './dynamo-batch.ts';

/** seq of the head pointer item in each chain's partition */
const HEAD_SEQ = 0;
/** TransactWriteItems takes 100 items; one of them is the head pointer */
const RUN_SIZE = 99;
/** stay well under the 4 MB transaction limit */
const RUN_BYTES = 2_000_000;
/** an entry is evidence, not a document store (the import evidence: 1,000 contacts, ≈ 150 KB, ≈ 80 KB gzipped) */
const MAX_PAYLOAD_BYTES = 200_000;
/** retries after losing a race for a chain's head */
const MAX_ATTEMPTS = 60;

export function ledgerTableName(): string {
  const name = process.env[ledgerTable.envVar];
  if (!name) throw new Error(`${ledgerTable.envVar} is not set`);
  return name;
}

export interface HeadState extends ChainHead {
  /** false: no head item yet (a chain never appended to) */
  exists: boolean;
}

export async function readHead(chain: string): Promise<HeadState> {
  const out = await documentClient().send(
    new GetCommand({ TableName: ledgerTableName(), Key: { chain, seq: HEAD_SEQ }, ConsistentRead: true }),
  );
  if (!out.Item) return { seq: 0, hash: GENESIS_HASH, exists: false };
  return { seq: Number(out.Item.lastSeq), hash: String(out.Item.lastHash), exists: true };
}

/** payloads from this length on are stored gzipped */
const GZIP_FROM_CHARS = 2_048;

function toItem(entry: LedgerEntry, payload = canonicalJson(entry.payload)): Record<string, unknown> {
  return {
    chain: entry.chain,
    seq: entry.seq,
    type: entry.type,
    at: entry.at,
    subject: entry.subject,
    ...(payload.length >= GZIP_FROM_CHARS ? { payloadGzip: gzipSync(payload) } : { payload }),
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

/** The payload's canonical JSON as stored: plain, or gzipped (unreadable gzip fails its hash check). */
function payloadText(item: Record<string, unknown>): string {
  if (!(item.payloadGzip instanceof Uint8Array)) return String(item.payload);
  try {
    return gunzipSync(item.payloadGzip).toString('utf8');
  } catch {
    return `gzip unreadable: ${Buffer.from(item.payloadGzip).toString('base64')}`;
  }
}

/** Reads an item as it is, even altered: a payload that no longer parses fails its hash check. */
function fromItem(item: Record<string, unknown>): LedgerEntry {
  const text = payloadText(item);
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(text) as Record<string, unknown>;
  } catch {
    payload = { unparseable: text };
  }
  return {
    chain: String(item.chain),
    seq: Number(item.seq),
    type: item.type as LedgerEntryType,
    at: String(item.at),
    subject: String(item.subject),
    payload,
    prevHash: String(item.prevHash),
    hash: String(item.hash),
  };
}

type Contention = 'retry' | 'corrupt' | { appendedBefore: number[] } | undefined;

/**
 * Why a run's transaction was cancelled: a lost race (retry), a head pointer behind its
 * entries (corrupt), or entries whose once-marker exists (appended before: their index in
 * the run). `entries` is the run's length: the markers follow the entries in the transaction.
 */
function contention(error: unknown, entries: number): Contention {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e.name === 'TransactionConflictException') return 'retry';
  if (e.name !== 'TransactionCanceledException') return undefined;
  const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  const appendedBefore = codes.flatMap((code, i) => (i > entries && code === 'ConditionalCheckFailed' ? [i] : []));
  if (appendedBefore.length) return { appendedBefore };
  if (codes.includes('TransactionConflict') || codes[0] === 'ConditionalCheckFailed') return 'retry';
  if (codes.slice(1).includes('ConditionalCheckFailed')) return 'corrupt';
  return undefined;
}

/** The item that marks an entry appended under a once-key (no subject: in no index; no personal data). */
const onceMarkerKey = (onceKey: string) => ({ chain: `once#${onceKey}`, seq: HEAD_SEQ });

async function writeRun(
  chain: string,
  head: HeadState,
  entries: LedgerEntry[],
  payloadsJson: readonly string[],
  onceKeys: readonly (string | undefined)[],
): Promise<void> {
  const TableName = ledgerTableName();
  const last = entries.at(-1) as LedgerEntry;
  // markers after the entries, one per entry (an entry without a once-key gets a marker-less slot check-free)
  const markers = onceKeys.flatMap((key, i) => (key === undefined ? [] : [{ key, i }]));
  if (markers.length && markers.length !== entries.length)
    throw new Error('ledger: once-keys for some entries of a run only');
  await documentClient().send(
    new TransactWriteCommand({
      // The SDK's own retries of this request reuse the token: a retried success is not written twice.
      ClientRequestToken: randomUUID(),
      TransactItems: [
        {
          Put: {
            TableName,
            Item: { chain, seq: HEAD_SEQ, lastSeq: last.seq, lastHash: last.hash },
            ...(head.exists
              ? { ConditionExpression: 'lastSeq = :expected', ExpressionAttributeValues: { ':expected': head.seq } }
              : { ConditionExpression: 'attribute_not_exists(chain)' }),
          },
        },
        ...entries.map((entry, i) => ({
          Put: { TableName, Item: toItem(entry, payloadsJson[i]), ConditionExpression: 'attribute_not_exists(chain)' },
        })),
        ...markers.map(({ key, i }) => ({
          Put: {
            TableName,
            Item: { ...onceMarkerKey(key), entryChain: chain, entrySeq: (entries[i] as LedgerEntry).seq },
            ConditionExpression: 'attribute_not_exists(chain)',
          },
        })),
      ],
    }),
  );
}

/** Splits one chain's inputs into runs that fit a transaction (an entry with a once-key takes two items). */
function runsOf<T extends { payloadJson: string; onceKey?: string }>(items: T[]): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let slots = 0;
  let bytes = 0;
  for (const item of items) {
    const size = item.payloadJson.length + 400;
    const needs = item.onceKey === undefined ? 1 : 2;
    const mixed = run.length > 0 && (run[0]?.onceKey === undefined) !== (item.onceKey === undefined);
    if (slots + needs > RUN_SIZE || mixed || (run.length > 0 && bytes + size > RUN_BYTES)) {
      runs.push(run);
      run = [];
      slots = 0;
      bytes = 0;
    }
    run.push(item);
    slots += needs;
    bytes += size;
  }
  if (run.length) runs.push(run);
  return runs;
}

/**
 * Appends entries to the ledger; returns them chained (seq, prevHash, hash), in input
 * order. Safe under concurrency (conditional writes on each chain's head). Entries of one
 * chain are written in runs of 99 per transaction; chains are written in parallel.
 * Entries for the same subject keep their input order.
 */
export async function appendLedgerEntries(inputs: readonly LedgerEntryInput[]): Promise<LedgerEntry[]> {
  return appendEntries(inputs.map((input) => ({ input })));
}

/**
 * Appends each entry unless one was appended under the same once-key before (its
 * marker, written in the entry's own transaction, says so): a retried import does not
 * write its evidence twice, whatever the failed attempt got to. Returns the entries
 * appended now (those appended before are left out).
 */
export async function appendLedgerEntriesOnce(
  inputs: readonly { entry: LedgerEntryInput; onceKey: string }[],
): Promise<LedgerEntry[]> {
  const appended = await appendEntries(inputs.map(({ entry, onceKey }) => ({ input: entry, onceKey })));
  return appended.filter((e): e is LedgerEntry => e !== undefined);
}

async function appendEntries(inputs: readonly { input: LedgerEntryInput; onceKey?: string }[]): Promise<LedgerEntry[]> {
  const results = new Array<LedgerEntry>(inputs.length);
  const byChain = new Map<
    string,
    { index: number; input: LedgerEntryInput; payloadJson: string; onceKey?: string }[]
  >();
  inputs.forEach(({ input: raw, onceKey }, index) => {
    const input = normaliseLedgerInput(raw);
    // computed once: the size check, the hash and the stored payload all use it
    const payloadJson = canonicalJson(input.payload);
    if (payloadJson.length > MAX_PAYLOAD_BYTES) throw new Error('ledger entry: payload too large');
    const chain = chainFor(input.subject);
    const list = byChain.get(chain) ?? [];
    list.push({ index, input, payloadJson, onceKey });
    byChain.set(chain, list);
  });
  await inParallel([...byChain], byChain.size, async ([chain, items]) => {
    let head: HeadState | undefined;
    for (let run of runsOf(items)) {
      for (let attempt = 0; ; attempt++) {
        if (run.length === 0) break;
        head ??= await readHead(chain);
        const payloadsJson = run.map((r) => r.payloadJson);
        const entries = chainEntries(
          chain,
          { lastSeq: head.seq, lastHash: head.hash },
          run.map((r) => r.input),
          payloadsJson,
        );
        try {
          await writeRun(
            chain,
            head,
            entries,
            payloadsJson,
            run.map((r) => r.onceKey),
          );
        } catch (error) {
          const why = contention(error, entries.length);
          if (typeof why === 'object') {
            // appended by an earlier attempt: left out, the others re-chained (nothing of this transaction was written)
            const before = new Set(why.appendedBefore.map((i) => i - 1 - entries.length));
            run = run.filter((_, i) => !before.has(i));
            head = undefined;
            continue;
          }
          if (why === 'corrupt')
            throw new Error(`ledger chain ${chain}: head pointer behind its entries (run ledger verify)`);
          if (!why) throw error;
          if (attempt + 1 >= MAX_ATTEMPTS)
            throw new Error(`ledger chain ${chain}: still contended after ${MAX_ATTEMPTS} attempts`);
          head = undefined;
          await backoff(attempt, 10, 500);
          continue;
        }
        const last = entries.at(-1) as LedgerEntry;
        head = { seq: last.seq, hash: last.hash, exists: true };
        entries.forEach((entry, i) => {
          results[(run[i] as { index: number }).index] = entry;
        });
        break;
      }
    }
  });
  return results;
}

async function* queryAll(
  input: ConstructorParameters<typeof QueryCommand>[0],
): AsyncGenerator<Record<string, unknown>> {
  let ExclusiveStartKey: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const out = await documentClient().send(new QueryCommand({ ...input, ExclusiveStartKey }));
    for (const item of out.Items ?? []) yield item;
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/**
 * The entries about a subject one by one, as the `bySubject` index returns them (by `at`),
 * page by page: a list's import evidence can run to thousands of entries, never all in
 * memory at once. Eventually consistent, like `ledgerEntriesFor`.
 */
export async function* streamEntriesAbout(subject: string): AsyncGenerator<LedgerEntry> {
  for await (const item of queryAll({
    TableName: ledgerTableName(),
    IndexName: 'bySubject',
    KeyConditionExpression: 'subject = :subject',
    ExpressionAttributeValues: { ':subject': subject },
  })) {
    yield fromItem(item);
  }
}

/**
 * Every entry about a subject (a suppression key or `list#<id>`), oldest first. Through
 * the `bySubject` index: eventually consistent, an entry written a moment ago may be missing.
 */
export async function ledgerEntriesFor(subject: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const item of queryAll({
    TableName: ledgerTableName(),
    IndexName: 'bySubject',
    KeyConditionExpression: 'subject = :subject',
    ExpressionAttributeValues: { ':subject': subject },
  })) {
    entries.push(fromItem(item));
  }
  // One subject lives in one chain: seq is its exact order (`at` may tie).
  return entries.sort((a, b) => a.seq - b.seq);
}

/** A chain's entries in seq order (consistent reads), optionally up to a seq. */
export async function* readChain(chain: string, upToSeq?: number): AsyncGenerator<LedgerEntry> {
  const range = upToSeq === undefined ? 'seq >= :first' : 'seq BETWEEN :first AND :last';
  for await (const item of queryAll({
    TableName: ledgerTableName(),
    KeyConditionExpression: `chain = :chain AND ${range}`,
    ExpressionAttributeValues: { ':chain': chain, ':first': 1, ...(upToSeq === undefined ? {} : { ':last': upToSeq }) },
    ConsistentRead: true,
  })) {
    yield fromItem(item);
  }
}
