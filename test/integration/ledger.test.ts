import { randomBytes } from 'node:crypto';
import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  chainEntries,
  chainFor,
  GENESIS_HASH,
  LEDGER_CHAINS,
  type LedgerEntry,
  type LedgerEntryInput,
} from '#domain/ledger';
import { ledgerTable } from '#shared/resources';
import { s3Client } from '#store/client-s3';
import { documentClient, dynamoClient } from '#store/clients';
import {
  appendLedgerEntries,
  appendLedgerEntriesOnce,
  ledgerEntriesFor,
  ledgerTableName,
  readChain,
} from '#store/ledger';
import { verifyLedger, writeDigest } from '#store/ledger-digests';
import { ensureTable } from '../../cli/local/provision.ts';
import { handler } from '../../functions/ledger-digest/handler.ts';
import { useEmulators } from '../support/emulators.ts';

/** A fresh ledger table and bucket: tamper tests must not see each other's damage. */
async function freshLedger(): Promise<void> {
  const prefix = `l${randomBytes(4).toString('hex')}`;
  await ensureTable(ledgerTable, `${prefix}-ledger`);
  await s3Client().send(new CreateBucketCommand({ Bucket: `${prefix}-bucket` }));
  process.env.LEDGER_TABLE = `${prefix}-ledger`;
  process.env.BUCKET_NAME = `${prefix}-bucket`;
}

/** Subjects that all land in one chain (the chain is a hash of the subject). */
function subjectsIn(chain: string, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const subject = `k${i.toString(16).padStart(8, '0')}`;
    if (chainFor(subject) === chain) out.push(subject);
  }
  return out;
}

function imported(subject: string, n: number): LedgerEntryInput {
  return {
    type: 'contact-imported',
    at: new Date(Date.UTC(2026, 9, 5, 8, 0, n)).toISOString(),
    subject,
    payload: { listId: 'salon-batimat-2026', line: n + 2, consentProofDigest: 'ab'.repeat(32) },
  };
}

async function collect(chain: string): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const entry of readChain(chain)) out.push(entry);
  return out;
}

const key = (chain: string, seq: number) => ({ chain: { S: chain }, seq: { N: String(seq) } });

async function setPayload(chain: string, seq: number, payload: Record<string, unknown>): Promise<void> {
  await dynamoClient().send(
    new UpdateItemCommand({
      TableName: ledgerTableName(),
      Key: key(chain, seq),
      UpdateExpression: 'SET payload = :p',
      ExpressionAttributeValues: { ':p': { S: canonicalJson(payload) } },
    }),
  );
}

async function deleteEntry(chain: string, seq: number): Promise<void> {
  await dynamoClient().send(new DeleteItemCommand({ TableName: ledgerTableName(), Key: key(chain, seq) }));
}

/** What a careful tamperer does after removing the last entries: move the head pointer back. */
async function rewindHead(chain: string, to: LedgerEntry): Promise<void> {
  await documentClient().send(
    new PutCommand({ TableName: ledgerTableName(), Item: { chain, seq: 0, lastSeq: to.seq, lastHash: to.hash } }),
  );
}

describe('evidence ledger on DynamoDB Local', () => {
  beforeAll(async () => {
    await useEmulators();
  });
  beforeEach(async () => {
    await freshLedger();
  });

  it('chains appended entries (seq 1…, prevHash links) and returns them in input order', async () => {
    const [a, b] = subjectsIn('c3', 2) as [string, string];
    const written = await appendLedgerEntries([imported(a, 0), imported(b, 1), imported(a, 2)]);
    expect(written.map((e) => [e.chain, e.seq, e.subject])).toEqual([
      ['c3', 1, a],
      ['c3', 2, b],
      ['c3', 3, a],
    ]);
    expect(written[0]?.prevHash).toBe(GENESIS_HASH);
    expect(written[1]?.prevHash).toBe(written[0]?.hash);
    expect(await collect('c3')).toEqual(written);
    const forA = await ledgerEntriesFor(a);
    expect(forA.map((e) => e.seq)).toEqual([1, 3]);
    expect(forA[0]?.payload).toEqual({ listId: 'salon-batimat-2026', line: 2, consentProofDigest: 'ab'.repeat(32) });
  });

  it('an untouched ledger verifies, across every chain and a digest', async () => {
    const inputs = Array.from({ length: 300 }, (_, i) => imported(`k${i}`, i));
    await appendLedgerEntries(inputs);
    const { key: digestKey, heads } = await writeDigest(new Date('2026-10-06T02:00:00.000Z'));
    expect(digestKey).toBe('ledger-digests/2026-10-06/2026-10-06T02:00:00.000Z.json');
    expect(Object.keys(heads)).toHaveLength(LEDGER_CHAINS);
    expect(Object.values(heads).reduce((n, h) => n + h.seq, 0)).toBe(300);
    await appendLedgerEntries([imported('k-after', 1)]);
    expect(await verifyLedger()).toEqual({ ok: true, entries: 301, chains: LEDGER_CHAINS });
  });

  it('a run longer than one transaction (99 entries) stays one unbroken chain', async () => {
    const subjects = subjectsIn('c5', 250);
    const written = await appendLedgerEntries(subjects.map((s, i) => imported(s, i)));
    expect(written.map((e) => e.seq)).toEqual(subjects.map((_, i) => i + 1));
    const head = await documentClient().send(
      new GetCommand({ TableName: ledgerTableName(), Key: { chain: 'c5', seq: 0 }, ConsistentRead: true }),
    );
    expect(head.Item).toMatchObject({ lastSeq: 250, lastHash: written.at(-1)?.hash });
    expect(await verifyLedger()).toMatchObject({ ok: true, entries: 250 });
  });

  it('a long payload (1,000 contacts of import evidence) is stored gzipped, read back whole; altered, it fails its hash', async () => {
    const [subject] = subjectsIn('c3', 1) as [string];
    const contacts = Array.from({ length: 1_000 }, (_, i) => ({
      k: randomBytes(32).toString('hex'),
      consent: i % 2 ? randomBytes(32).toString('hex') : undefined,
    }));
    const [entry] = await appendLedgerEntries([
      {
        type: 'contact-imported',
        at: '2026-10-05T08:00:00.000Z',
        subject,
        payload: { listId: 'gros-salon', contacts },
      },
    ]);
    const stored = await documentClient().send(
      new GetCommand({ TableName: ledgerTableName(), Key: { chain: 'c3', seq: entry?.seq } }),
    );
    const json = canonicalJson(entry?.payload);
    const item = stored.Item ?? {};
    expect(item.payload).toBeUndefined();
    expect((item.payloadGzip as Uint8Array).length).toBeLessThan(json.length / 1.8);
    const [read] = await ledgerEntriesFor(subject);
    expect(read?.payload).toEqual(entry?.payload);
    expect(await verifyLedger()).toMatchObject({ ok: true });

    const altered = Buffer.from(item.payloadGzip as Uint8Array);
    altered[altered.length - 12] = (altered[altered.length - 12] ?? 0) ^ 0xff;
    await documentClient().send(
      new PutCommand({ TableName: ledgerTableName(), Item: { ...item, payloadGzip: altered } }),
    );
    expect(await verifyLedger()).toEqual({ ok: false, chain: 'c3', seq: entry?.seq, problem: 'hash-mismatch' });
  });

  describe('tampering is found, and the first broken entry named', () => {
    let entries: LedgerEntry[];
    beforeEach(async () => {
      entries = await appendLedgerEntries(subjectsIn('c2', 6).map((s, i) => imported(s, i)));
    });

    it("editing one entry's payload → hash-mismatch at that entry", async () => {
      await setPayload('c2', 3, { ...entries[2]?.payload, line: 999 });
      expect(await verifyLedger()).toEqual({ ok: false, chain: 'c2', seq: 3, problem: 'hash-mismatch' });
    });

    it("editing a payload and recomputing that entry's hash → broken-link at the next one", async () => {
      const e = entries[2] as LedgerEntry;
      const [forged] = chainEntries('c2', { lastSeq: 2, lastHash: e.prevHash }, [{ ...e, payload: { line: 999 } }]);
      await documentClient().send(
        new PutCommand({ TableName: ledgerTableName(), Item: { ...forged, payload: canonicalJson(forged?.payload) } }),
      );
      expect(await verifyLedger()).toEqual({ ok: false, chain: 'c2', seq: 4, problem: 'broken-link' });
    });

    it('deleting an entry in the middle → gap naming the missing seq', async () => {
      await deleteEntry('c2', 4);
      expect(await verifyLedger()).toEqual({ ok: false, chain: 'c2', seq: 4, problem: 'gap' });
    });

    it('deleting the last entry → truncated (the head pointer still names it)', async () => {
      await deleteEntry('c2', 6);
      expect(await verifyLedger()).toEqual({ ok: false, chain: 'c2', seq: 6, problem: 'truncated' });
    });

    it('deleting the last entry after a digest, head pointer rewound too → truncated (the digest names it)', async () => {
      await writeDigest(new Date('2026-10-06T02:00:00.000Z'));
      await deleteEntry('c2', 6);
      await rewindHead('c2', entries[4] as LedgerEntry);
      expect(await verifyLedger()).toEqual({ ok: false, chain: 'c2', seq: 6, problem: 'truncated' });
    });

    it('swapping two entries → the first of them no longer links', async () => {
      const [third, fifth] = [entries[2], entries[4]] as [LedgerEntry, LedgerEntry];
      const item = (e: LedgerEntry, seq: number) => ({ ...e, seq, payload: canonicalJson(e.payload) });
      await documentClient().send(new PutCommand({ TableName: ledgerTableName(), Item: item(fifth, 3) }));
      await documentClient().send(new PutCommand({ TableName: ledgerTableName(), Item: item(third, 5) }));
      expect(await verifyLedger()).toEqual({ ok: false, chain: 'c2', seq: 3, problem: 'broken-link' });
    });

    it('rewriting a whole chain consistently after a digest → digest-mismatch at the locked head', async () => {
      await writeDigest(new Date('2026-10-06T02:00:00.000Z'));
      const forged = chainEntries(
        'c2',
        { lastSeq: 0, lastHash: GENESIS_HASH },
        entries.map((e, i) => (i === 1 ? { ...e, payload: { line: 999 } } : e)),
      );
      for (const e of forged) {
        await documentClient().send(
          new PutCommand({ TableName: ledgerTableName(), Item: { ...e, payload: canonicalJson(e.payload) } }),
        );
      }
      await rewindHead('c2', forged.at(-1) as LedgerEntry);
      expect(await verifyLedger()).toEqual({ ok: false, chain: 'c2', seq: 6, problem: 'digest-mismatch' });
    });

    it('a digest file altered in the bucket → digest-corrupt naming the file', async () => {
      const { key: digestKey } = await writeDigest(new Date('2026-10-06T02:00:00.000Z'));
      await s3Client().send(
        new PutObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: digestKey, Body: '{"version":1,"heads":{}}' }),
      );
      expect(await verifyLedger()).toEqual({
        ok: false,
        chain: '-',
        seq: 0,
        problem: 'digest-corrupt',
        digest: digestKey,
      });
    });
  });

  it('concurrent writers on one chain (8 × 50 appends): no fork, no lost entry', async () => {
    const subjects = subjectsIn('c1', 8);
    await Promise.all(
      subjects.map(async (subject, writer) => {
        for (let n = 0; n < 50; n++) {
          await appendLedgerEntries([{ ...imported(subject, n), payload: { writer, n } }]);
        }
      }),
    );
    const chain = await collect('c1');
    expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    const seen = new Set(chain.map((e) => `${e.payload.writer}/${e.payload.n}`));
    expect(seen.size).toBe(400);
    for (const subject of subjects) {
      // each writer's own entries kept their order
      expect((await ledgerEntriesFor(subject)).map((e) => e.payload.n)).toEqual(
        Array.from({ length: 50 }, (_, i) => i),
      );
    }
    expect(await verifyLedger()).toEqual({ ok: true, entries: 400, chains: LEDGER_CHAINS });
  });

  it('concurrent batch writers (4 × 300 entries over every chain): every entry chained once', async () => {
    await Promise.all(
      Array.from({ length: 4 }, (_, writer) =>
        appendLedgerEntries(
          Array.from({ length: 300 }, (_, n) => ({ ...imported(`w${writer}-${n}`, n), payload: { writer, n } })),
        ),
      ),
    );
    expect(await verifyLedger()).toEqual({ ok: true, entries: 1200, chains: LEDGER_CHAINS });
  });

  it('the daily digest Lambda writes a digest that verify then holds the ledger to', async () => {
    const [subject] = subjectsIn('c4', 1) as [string];
    const written = await appendLedgerEntries([imported(subject, 0), imported(subject, 1)]);
    const out = await handler({}, {} as Context);
    expect(out).toMatchObject({ key: expect.stringMatching(/^ledger-digests\//), entries: 2 });
    await deleteEntry('c4', 2);
    await rewindHead('c4', written[0] as LedgerEntry);
    expect(await verifyLedger()).toEqual({ ok: false, chain: 'c4', seq: 2, problem: 'truncated' });
  });

  it('refuses a payload over 200 KB (an entry is evidence, not a document store)', async () => {
    await expect(
      appendLedgerEntries([{ ...imported('k1', 1), payload: { note: 'x'.repeat(200_001) } }]),
    ).rejects.toThrow(/payload too large/);
  });

  it('refuses an entry carrying an address, without echoing it', async () => {
    await expect(
      appendLedgerEntries([{ ...imported('k1', 1), payload: { note: 'jean.dupont@gmail.com' } }]),
    ).rejects.toThrow(/payload field 'note' looks like an address/);
    await expect(
      appendLedgerEntries([{ ...imported('k1', 1), payload: { note: 'jean.dupont@gmail.com' } }]),
    ).rejects.not.toThrow(/dupont/);
  });
});

describe('appends once (a retried import does not append its evidence twice)', () => {
  beforeAll(async () => {
    await useEmulators();
  });
  beforeEach(async () => {
    await freshLedger();
  });

  it('an entry whose once-key was appended before is left out; the others are chained; the ledger verifies', async () => {
    const [a, b, c] = subjectsIn('c3', 3) as [string, string, string];
    const first = await appendLedgerEntriesOnce([
      { entry: imported(a, 1), onceKey: 'import#l#r#0#0' },
      { entry: imported(a, 2), onceKey: 'import#l#r#0#1' },
    ]);
    expect(first).toHaveLength(2);
    // the retry: block 0#1 again (appended), 0#2 new, and an entry of another chain
    const second = await appendLedgerEntriesOnce([
      { entry: imported(b, 2), onceKey: 'import#l#r#0#1' },
      { entry: imported(b, 3), onceKey: 'import#l#r#0#2' },
      { entry: imported(c, 4), onceKey: 'import#l#r#1#0' },
    ]);
    expect(second.map((e) => e.subject)).toEqual([b, c]);
    const chain = await collect('c3');
    expect(chain.map((e) => e.subject)).toEqual([a, a, b, c]);
    expect(chain.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    // all of them again: nothing appended
    expect(
      await appendLedgerEntriesOnce([
        { entry: imported(a, 1), onceKey: 'import#l#r#0#0' },
        { entry: imported(c, 4), onceKey: 'import#l#r#1#0' },
      ]),
    ).toEqual([]);
    expect(await collect('c3')).toHaveLength(4);
    const verdict = await verifyLedger();
    expect(verdict.ok).toBe(true);
  });

  it('two attempts at once: each once-key is appended by one of them only', async () => {
    const subjects = subjectsIn('c5', 20);
    const inputs = subjects.map((s, i) => ({ entry: imported(s, i), onceKey: `import#race#${i}` }));
    const [x, y] = await Promise.all([appendLedgerEntriesOnce(inputs), appendLedgerEntriesOnce([...inputs].reverse())]);
    expect(x.length + y.length).toBe(20);
    expect(await collect('c5')).toHaveLength(20);
  });
});
