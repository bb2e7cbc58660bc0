import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamApiRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Contact } from '#domain/contact';
import type { LedgerEntry } from '#domain/ledger';
import { expiresAtAfterActivity, watermarkAfterRun } from '#domain/retention';
import { defaultSettings } from '#schemas/settings';
import { runRetentionPurge } from '#shared/flows/retention-purge';
import { dynamoStreamsClient } from '#store/client-dynamo-streams';
import { dynamoClient } from '#store/clients';
import { contactsTableName, getContact, putNewContacts, toItem, updateContact } from '#store/contacts';
import { ledgerEntriesFor } from '#store/ledger';
import { acquirePurgeLease, getPurgeState } from '#store/lists';
import { run as purgeCommand } from '../../cli/purge.ts';
import { runScheduledPurge } from '../../functions/retention-purge/handler.ts';
import { receiveContactsStream, handler as ttlReceiptsHandler } from '../../functions/ttl-receipts/handler.ts';
import { contactWith, testKey } from '../support/contacts.ts';
import { useEmulators } from '../support/emulators.ts';

const settings = defaultSettings;
const d = (iso: string) => new Date(iso);
/** first month the purge reads in these tests: keeps the first run to a few partitions */
const fromMonth = '2028-01';

/** A prospect whose clock starts at its last activity (collected earlier). */
function prospect(label: string, lastActivityAt: string, overrides: Partial<Contact> = {}): Contact {
  return contactWith(
    label,
    { regime: 'prospect', collectedAt: d('2026-01-15T10:00:00.000Z'), lastActivityAt: d(lastActivityAt) },
    settings,
    overrides,
  );
}

async function receiptsOf(suppressionKey: string): Promise<LedgerEntry[]> {
  return (await ledgerEntriesFor(suppressionKey)).filter(
    (e) => e.type === 'contact-purged' || e.type === 'ttl-receipt',
  );
}

function lambdaContext(remainingMs: () => number, functionName = 'retention-purge'): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-3:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'req-1',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A REMOVE record exactly as Lambda receives it from a DynamoDB stream (NEW_AND_OLD_IMAGES). */
function removeRecord(contact: Contact, sequenceNumber: string, removedAt: Date, byTtl: boolean): DynamoDBRecord {
  const item = toItem(contact, settings);
  return {
    eventID: `e${sequenceNumber}`,
    eventName: 'REMOVE',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-3',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(removedAt.getTime() / 1000),
      Keys: marshall({ suppressionKey: contact.suppressionKey }),
      OldImage: marshall(item, { removeUndefinedValues: true }),
      SequenceNumber: sequenceNumber,
      SizeBytes: 412,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    ...(byTtl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
    eventSourceARN: 'arn:aws:dynamodb:eu-west-3:123456789012:table/contacts/stream/2026-11-24T00:00:00.000',
  } as DynamoDBRecord;
}

/** Every record of the contacts table's stream on DynamoDB Local, in Lambda's shape. */
async function streamRecords(): Promise<DynamoDBRecord[]> {
  const table = await dynamoClient().send(new DescribeTableCommand({ TableName: contactsTableName() }));
  const StreamArn = table.Table?.LatestStreamArn as string;
  const stream = await dynamoStreamsClient().send(new DescribeStreamCommand({ StreamArn }));
  const out: DynamoDBRecord[] = [];
  for (const shard of stream.StreamDescription?.Shards ?? []) {
    const it = await dynamoStreamsClient().send(
      new GetShardIteratorCommand({ StreamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    let iterator = it.ShardIterator;
    for (let i = 0; iterator && i < 20; i++) {
      const page = await dynamoStreamsClient().send(new GetRecordsCommand({ ShardIterator: iterator }));
      out.push(...(page.Records ?? []).map(toLambdaShape));
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** The Streams API gives ApproximateCreationDateTime as a Date; Lambda's event carries epoch seconds. */
function toLambdaShape(record: StreamApiRecord): DynamoDBRecord {
  const { dynamodb, ...rest } = record;
  return {
    ...rest,
    dynamodb: {
      ...dynamodb,
      ApproximateCreationDateTime: Math.floor((dynamodb?.ApproximateCreationDateTime?.getTime() ?? 0) / 1000),
    },
  } as DynamoDBRecord;
}

describe('retention purge on DynamoDB Local (rules.md §5)', () => {
  beforeEach(async () => {
    // fresh tables for each test: the purge's watermark and cursor are per deployment
    await useEmulators();
  });

  it('deletes a contact 3 years + 1 day after its last activity, keeps one 1 day before, with one receipt', async () => {
    const expired = prospect('expired', '2026-03-10T09:00:00.000Z');
    const kept = prospect('kept', '2026-03-12T09:00:00.000Z');
    await putNewContacts([expired, kept], settings);
    const now = d('2029-03-11T09:00:00.000Z');

    const summary = await runRetentionPurge({ now, settings, fromMonth });

    expect(await getContact(expired.suppressionKey)).toBeUndefined();
    expect(await getContact(kept.suppressionKey)).toBeDefined();
    expect(summary).toMatchObject({ done: true, read: 1, deleted: 1, keptByRace: 0, readPerDeleted: 1 });
    const [receipt, ...more] = await receiptsOf(expired.suppressionKey);
    expect(more).toEqual([]);
    expect(receipt).toMatchObject({
      type: 'contact-purged',
      subject: expired.suppressionKey,
      payload: { reason: 'RET_EXPIRED', expiresAt: '2029-03-10T09:00:00.000Z', by: 'purge' },
    });
    expect(Date.parse(String(receipt?.payload.deletedAt))).toBeGreaterThanOrEqual(now.getTime());
    expect(JSON.stringify(receipt)).not.toContain('@');
    expect(await receiptsOf(kept.suppressionKey)).toEqual([]);
    // the contact kept is 1 day from expiry: inside the re-permission window
    expect(summary.flagged).toBe(1);
    expect((await getContact(kept.suppressionKey))?.repermissionFlaggedAt).toBe(now.toISOString());
    // the run summary is in the ledger, counts only
    const [run] = await ledgerEntriesFor(`purge#${now.toISOString()}`);
    expect(run?.payload).toMatchObject({ run: 'summary', done: true, deleted: 1, flagged: 1 });
    // the next run starts at now's month, never past the real clock's (a future --now hides nothing)
    expect((await getPurgeState())?.watermark).toBe(watermarkAfterRun(now, new Date()));
  });

  it('customers: the clock runs from the last purchase, not from the date the file was exported', async () => {
    const exportedAt = d('2026-10-01T00:00:00.000Z');
    const oldBuyer = contactWith(
      'old-buyer',
      { regime: 'customer', collectedAt: exportedAt, lastPurchaseAt: d('2025-12-15T00:00:00.000Z') },
      settings,
    );
    const recentBuyer = contactWith(
      'recent-buyer',
      { regime: 'customer', collectedAt: exportedAt, lastPurchaseAt: d('2026-06-01T00:00:00.000Z') },
      settings,
    );
    expect(oldBuyer.expiresAt).toBe('2028-12-15T00:00:00.000Z');
    await putNewContacts([oldBuyer, recentBuyer], settings);

    // 3 years after the purchase, long before 3 years after the export
    const summary = await runRetentionPurge({ now: d('2028-12-16T00:00:00.000Z'), settings, fromMonth });

    expect(summary.deleted).toBe(1);
    expect(await getContact(oldBuyer.suppressionKey)).toBeUndefined();
    expect(await getContact(recentBuyer.suppressionKey)).toBeDefined();
    expect(await receiptsOf(oldBuyer.suppressionKey)).toHaveLength(1);
  });

  it('keeps a contact whose expiry a click extended between the index query and the deletion', async () => {
    const clicked = prospect('clicked', '2026-05-02T08:00:00.000Z');
    const idle = prospect('idle', '2026-05-02T07:00:00.000Z');
    await putNewContacts([clicked, idle], settings);
    const now = d('2029-05-02T08:00:05.000Z');
    // rules.md §8: the click happened one second before the expiry; its event arrives after the query
    const clickAt = d('2029-05-02T07:59:59.000Z');

    const summary = await runRetentionPurge({
      now,
      settings,
      fromMonth,
      hooks: {
        afterQuery: async (entries) => {
          // the two contacts may sit in different shards: act on the page that holds the clicked one
          if (!entries.some((e) => e.suppressionKey === clicked.suppressionKey)) return;
          await updateContact(
            clicked.suppressionKey,
            (stored) => ({
              ...stored,
              lastActivityAt: clickAt.toISOString(),
              expiresAt: expiresAtAfterActivity(stored, clickAt, settings).toISOString(),
            }),
            settings,
          );
        },
      },
    });

    expect(summary).toMatchObject({ read: 2, deleted: 1, keptByRace: 1 });
    const stillThere = await getContact(clicked.suppressionKey);
    expect(stillThere?.expiresAt).toBe('2032-05-02T07:59:59.000Z');
    expect(stillThere?.expiryBucket.startsWith('2032-05#')).toBe(true);
    expect(await receiptsOf(clicked.suppressionKey)).toEqual([]);
    expect(await getContact(idle.suppressionKey)).toBeUndefined();
    expect(await receiptsOf(idle.suppressionKey)).toHaveLength(1);
  });

  it('resumes a run stopped by the time limit: everything deleted once, one receipt per contact', async () => {
    // 40 expired contacts over two months (all shards), plus 5 still live
    const expired = Array.from({ length: 40 }, (_, i) =>
      prospect(`batch-${i}`, i % 2 ? '2026-02-10T00:00:00.000Z' : '2026-03-05T00:00:00.000Z'),
    );
    const live = Array.from({ length: 5 }, (_, i) => prospect(`live-${i}`, '2026-09-01T00:00:00.000Z'));
    await putNewContacts([...expired, ...live], settings);
    const now = d('2029-04-01T00:00:00.000Z');

    let pagesDeleted = 0;
    const first = await runRetentionPurge({
      now,
      settings,
      fromMonth,
      pageSize: 5,
      // the Lambda's clock runs low after three pages of deletions
      remainingMs: () => (pagesDeleted >= 3 ? 30_000 : 600_000),
      hooks: {
        afterDeletes: async () => {
          pagesDeleted += 1;
        },
      },
    });
    expect(first.done).toBe(false);
    expect(first.stoppedBy).toBe('time-limit');
    expect(first.cursor).toBeDefined();
    expect((await getPurgeState())?.cursor).toEqual(first.cursor);
    const leftAfterFirst = (await Promise.all(expired.map((c) => getContact(c.suppressionKey)))).filter(Boolean);
    expect(leftAfterFirst.length).toBeGreaterThan(0);
    expect(leftAfterFirst.length).toBeLessThan(40);

    // the `continue` schedule picks it up (a later instant)
    const second = await runScheduledPurge(
      { now: d('2029-04-01T00:15:00.000Z').toISOString(), mode: 'continue' },
      lambdaContext(() => 600_000),
    );
    expect(second.done).toBe(true);
    expect(first.deleted + second.deleted).toBe(40);

    for (const contact of expired) {
      expect(await getContact(contact.suppressionKey)).toBeUndefined();
      expect(await receiptsOf(contact.suppressionKey)).toHaveLength(1);
    }
    for (const contact of live) expect(await getContact(contact.suppressionKey)).toBeDefined();
    expect((await getPurgeState())?.cursor).toBeUndefined();
    // nothing left to continue
    const third = await runScheduledPurge(
      { mode: 'continue' },
      lambdaContext(() => 600_000),
    );
    expect(third.stoppedBy).toBe('nothing-to-resume');
  });

  it('the scheduled handler stops with a cursor when its Lambda has less than a minute left', async () => {
    await putNewContacts([prospect('late', '2026-02-20T00:00:00.000Z')], settings);
    const summary = await runScheduledPurge(
      { now: '2029-03-01T00:00:00.000Z', source: 'schedule' },
      lambdaContext(() => 59_000),
    );
    expect(summary).toMatchObject({ done: false, stoppedBy: 'time-limit', deleted: 0 });
    expect(summary.cursor).toMatchObject({ phase: 'purge', month: '2026-01', shard: 0 });
    const resumed = await runScheduledPurge(
      { mode: 'continue', now: '2029-03-01T00:01:00.000Z' },
      lambdaContext(() => 600_000),
    );
    expect(resumed).toMatchObject({ done: true, deleted: 1 });
    await expect(
      runScheduledPurge(
        { now: 'yesterday' },
        lambdaContext(() => 600_000),
      ),
    ).rejects.toThrow('purge invocation : now : ');
  });

  it('resumes a run that died between its deletions and their receipts: the missing receipts are written once', async () => {
    const expired = Array.from({ length: 12 }, (_, i) => prospect(`crash-${i}`, '2026-02-20T00:00:00.000Z'));
    await putNewContacts(expired, settings);
    const now = d('2029-03-01T00:00:00.000Z');

    let pages = 0;
    await expect(
      runRetentionPurge({
        now,
        settings,
        fromMonth,
        pageSize: 3,
        hooks: {
          afterDeletes: async () => {
            if (++pages === 2) throw new Error('simulated crash');
          },
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect((await getPurgeState())?.pending?.deletions.length).toBeGreaterThan(0);

    const resumed = await runRetentionPurge({ now, settings, fromMonth, pageSize: 3 });
    expect(resumed.done).toBe(true);
    expect(resumed.recoveredReceipts).toBeGreaterThan(0);
    for (const contact of expired) {
      expect(await getContact(contact.suppressionKey)).toBeUndefined();
      expect(await receiptsOf(contact.suppressionKey)).toHaveLength(1);
    }
    expect((await getPurgeState())?.pending).toBeUndefined();
  });

  it('does not run while another purge holds the lease', async () => {
    await putNewContacts([prospect('leased', '2026-02-20T00:00:00.000Z')], settings);
    await acquirePurgeLease('someone-else', new Date(Date.now() + 60_000), new Date());
    const summary = await runRetentionPurge({ now: d('2029-03-01T00:00:00.000Z'), settings, fromMonth });
    expect(summary).toMatchObject({ done: false, stoppedBy: 'lease-held', deleted: 0 });
    expect(await getContact(testKey('leased'))).toBeDefined();
  });

  it('flags a contact entering the re-permission window once per expiry', async () => {
    const soon = prospect('soon', '2026-07-10T00:00:00.000Z'); // expires 2029-07-10
    const later = prospect('later', '2026-09-10T00:00:00.000Z'); // expires 2029-09-10
    await putNewContacts([soon, later], settings);

    const first = await runRetentionPurge({ now: d('2029-06-20T00:00:00.000Z'), settings, fromMonth });
    expect(first.flagged).toBe(1);
    expect((await getContact(soon.suppressionKey))?.repermissionFlaggedAt).toBe('2029-06-20T00:00:00.000Z');
    expect((await getContact(later.suppressionKey))?.repermissionFlaggedAt).toBeUndefined();

    const second = await runRetentionPurge({ now: d('2029-06-21T00:00:00.000Z'), settings, fromMonth });
    expect(second.flagged).toBe(0);
    expect((await getContact(soon.suppressionKey))?.repermissionFlaggedAt).toBe('2029-06-20T00:00:00.000Z');

    // a click on the re-permission message is activity: the contact is kept 3 more years…
    const clickAt = d('2029-06-25T10:00:00.000Z');
    await updateContact(
      soon.suppressionKey,
      (stored) => ({
        ...stored,
        lastActivityAt: clickAt.toISOString(),
        expiresAt: expiresAtAfterActivity(stored, clickAt, settings).toISOString(),
      }),
      settings,
    );
    const afterClick = await runRetentionPurge({ now: d('2029-07-11T00:00:00.000Z'), settings, fromMonth });
    expect(afterClick.deleted).toBe(0);
    expect(await getContact(soon.suppressionKey)).toBeDefined();
    // …and is flagged again when its new expiry approaches (the old flag was for the old expiry)
    const next = await runRetentionPurge({ now: d('2032-06-10T00:00:00.000Z'), settings, fromMonth });
    expect((await getContact(soon.suppressionKey))?.repermissionFlaggedAt).toBe('2032-06-10T00:00:00.000Z');
    expect(next.deleted).toBe(1); // `later` expired meanwhile
  });
});

describe('TTL receipts from the contacts stream (rules.md §5, §8)', () => {
  beforeEach(async () => {
    await useEmulators();
  });

  it('a REMOVE by the TTL service gives one receipt; redelivered, still one', async () => {
    const contact = prospect('ttl-gone', '2026-02-01T00:00:00.000Z');
    const removedAt = d('2029-02-03T04:05:06.000Z');
    const event: DynamoDBStreamEvent = { Records: [removeRecord(contact, '100000000000000000001', removedAt, true)] };
    const { addListMembers, listMemberPages } = await import('#store/list-members');
    for (const listId of contact.listIds) await addListMembers(listId, [{ suppressionKey: contact.suppressionKey }]);

    expect(await receiveContactsStream(event)).toEqual({ batchItemFailures: [] });
    // its list memberships went with it: no key stays behind its person
    for (const listId of contact.listIds) {
      for await (const page of listMemberPages(listId))
        expect(page.map((m) => m.suppressionKey)).not.toContain(contact.suppressionKey);
    }
    expect(await receiveContactsStream(event)).toEqual({ batchItemFailures: [] });

    const receipts = await receiptsOf(contact.suppressionKey);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      type: 'ttl-receipt',
      at: removedAt.toISOString(),
      payload: { reason: 'RET_EXPIRED', expiresAt: contact.expiresAt, deletedAt: removedAt.toISOString(), by: 'ttl' },
    });
    expect(JSON.stringify(receipts)).not.toContain('@');
  });

  it("the purge's own deletions, read from DynamoDB Local's stream, add no receipt", async () => {
    const contact = prospect('purged', '2026-02-01T00:00:00.000Z');
    await putNewContacts([contact], settings);
    await runRetentionPurge({ now: d('2029-02-02T00:00:00.000Z'), settings, fromMonth });
    expect(await receiptsOf(contact.suppressionKey)).toHaveLength(1);

    const records = await streamRecords();
    const removal = records.find((r) => r.eventName === 'REMOVE');
    expect(removal?.userIdentity).toBeUndefined();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'REMOVE']);

    const response = await ttlReceiptsHandler(
      { Records: records },
      lambdaContext(() => 60_000),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await receiptsOf(contact.suppressionKey)).toHaveLength(1);
  });

  it('reports an unreadable TTL record for retry and receipts the others of the batch', async () => {
    const good = prospect('ttl-good', '2026-02-01T00:00:00.000Z');
    const broken = removeRecord(prospect('ttl-broken', '2026-02-01T00:00:00.000Z'), '200', new Date(), true);
    delete broken.dynamodb?.OldImage;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const response = await receiveContactsStream({
      Records: [broken, removeRecord(good, '201', new Date(), true)],
    });
    errors.mockRestore();
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    expect(await receiptsOf(good.suppressionKey)).toHaveLength(1);
  });
});

describe('hygiene purge', () => {
  beforeEach(async () => {
    await useEmulators();
  });

  it('runs the purge against the named tables and prints a French summary', async () => {
    await putNewContacts(
      [prospect('cli-a', '2026-02-01T00:00:00.000Z'), prospect('cli-b', '2026-02-02T00:00:00.000Z')],
      settings,
    );
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const code = await purgeCommand(['--now', '2029-02-03T00:00:00Z']).finally(() => write.mockRestore());
    expect(code).toBe(0);
    expect(out.join('')).toMatch(
      /^Purge au 03\/02\/2029 à 01:00 terminée : 2 contacts supprimés, 0 signalé pour re-permission ; 2 entrées d'index lues \(1 par contact supprimé\)/,
    );
  });
});
