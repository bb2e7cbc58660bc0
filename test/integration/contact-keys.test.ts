import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { emailSuppressionKey } from '#domain/keys';
import { defaultSettings } from '#schemas/settings';
import { ingestListOnce } from '#shared/flows/ingest-once';
import { bucketDefinition } from '#shared/resources';
import { documentClient } from '#store/clients';
import { KeyJournal, readKeyRegister, recordContactKeys, writeKeyRegisterBase } from '#store/contact-keys';
import { contactsTableName, deleteContact, getContact, toItem } from '#store/contacts';
import { scanAllItems } from '#store/dynamo-batch';
import type { KeyHashSet } from '#store/key-hash-set';
import { declareImport, endImport } from '#store/lists';
import { deleteObjects, listObjects } from '#store/objects';
import { loadSecrets } from '#store/secrets';
import { useEmulators } from '../support/emulators.ts';
import { tradeShowManifest, uploadList } from '../support/lists.ts';
import { captureLogs } from '../support/logs.ts';

const now = new Date('2026-11-20T10:00:00Z');
const everything = Number.POSITIVE_INFINITY;
const registerObjects = async () => (await listObjects(bucketDefinition.prefixes.contactKeys)).map((o) => o.key);
const clearRegister = async () => deleteObjects(await registerObjects());

describe('the register of stored contact keys (store/contact-keys.ts, on s3rver)', () => {
  beforeAll(async () => {
    await useEmulators();
  });

  it('a journal resolves each record once its keys are in an object; close leaves one object with them all', async () => {
    await clearRegister();
    const journal = new KeyJournal();
    await journal.record(['a', 'b']);
    expect((await readKeyRegister(everything)).keys?.mayHave('a')).toBe(true);
    // recorded while the first object is written: they go together in the next one
    await Promise.all([journal.record(['c']), journal.record(['d', 'e']), journal.record([])]);
    const before = await readKeyRegister(everything);
    expect(before.objects).toHaveLength(2);
    for (const k of ['a', 'b', 'c', 'd', 'e']) expect(before.keys?.mayHave(k)).toBe(true);
    await journal.close();
    const after = await readKeyRegister(everything);
    expect(after.objects).toHaveLength(1);
    expect(after.keys?.size).toBe(5);
    for (const k of ['a', 'b', 'c', 'd', 'e']) expect(after.keys?.mayHave(k)).toBe(true);
    // no base: it does not hold the contacts written before it existed
    expect(after.complete).toBe(false);
  });

  it('a base makes it complete and replaces the objects read; past the limit it is listed, not read', async () => {
    await clearRegister();
    await recordContactKeys(['x', 'y']);
    const read = await readKeyRegister(everything);
    await recordContactKeys(['z']); // written after the read: it must stay
    await writeKeyRegisterBase(read.keys as KeyHashSet, read.objects);
    const register = await readKeyRegister(everything);
    expect(register.complete).toBe(true);
    expect(register.objects).toHaveLength(2);
    for (const k of ['x', 'y', 'z']) expect(register.keys?.mayHave(k)).toBe(true);
    const listed = await readKeyRegister(2);
    expect(listed).toMatchObject({ complete: true, hashes: 3 });
    expect(listed.keys).toBeUndefined();
    expect(listed.objects).toHaveLength(2);
  });
});

describe('ingestion with the key register (contacts-check.ts)', () => {
  let secret: string;
  beforeAll(async () => {
    await useEmulators();
    secret = (await loadSecrets()).suppressionKeySecret;
  });

  const address = (i: number) => `reg${i}@societe-${i % 7}.fr`;
  const keyOf = (i: number) => emailSuppressionKey(address(i), secret) as string;
  const listOf = (listId: string, from: number, to: number) => {
    const rows = ['email;company;job_title'];
    for (let i = from; i < to; i++) rows.push(`${address(i)};Societe ${i % 7};Acheteur`);
    const data = Buffer.from(`${rows.join('\n')}\n`);
    return uploadList(tradeShowManifest(listId, data), data);
  };
  /** Ingests a list by key snapshot; returns how it got the stored keys, and the DynamoDB commands it sent. */
  const ingest = async (key: string, options: Parameters<typeof ingestListOnce>[3] = {}) => {
    const logs = captureLogs();
    const sent: string[] = [];
    const client = documentClient();
    const original = client.send.bind(client) as (...args: unknown[]) => unknown;
    const send = vi.spyOn(client, 'send').mockImplementation(((...args: unknown[]) => {
      const command = args[0] as { constructor: { name: string }; input: Record<string, unknown> };
      sent.push(`${command.constructor.name} ${String(command.input.TableName ?? '')}`);
      return original(...args);
    }) as never);
    try {
      await ingestListOnce(key, defaultSettings, now, { contactsCheck: 'key-snapshot', ...options });
    } finally {
      send.mockRestore();
      logs.restore();
    }
    const check = logs.records().find((l) => l.message === 'contacts checked');
    return { keysFrom: check?.keysFrom, scanned: sent.includes(`ScanCommand ${contactsTableName()}`) };
  };
  /** every stored contact's key is in the register, and the register is complete */
  const expectRegisterHoldsTable = async () => {
    const register = await readKeyRegister(everything);
    expect(register.complete).toBe(true);
    const stored = await scanAllItems(contactsTableName());
    expect(stored.length).toBeGreaterThan(0);
    for (const c of stored) expect(register.keys?.mayHave(c.suppressionKey as string)).toBe(true);
    return register;
  };

  it('the first import reads the table and writes the register; the next reads the register, not the table', async () => {
    expect(await ingest(await listOf('reg-a', 0, 600))).toEqual({ keysFrom: 'scan', scanned: true });
    await expectRegisterHoldsTable();
    // 300 people of reg-a again, and 300 new
    expect(await ingest(await listOf('reg-b', 300, 900))).toEqual({ keysFrom: 'register', scanned: false });
    for (const i of [300, 599]) expect((await getContact(keyOf(i)))?.listIds.sort()).toEqual(['reg-a', 'reg-b']);
    expect((await getContact(keyOf(0)))?.listIds).toEqual(['reg-a']);
    expect((await getContact(keyOf(899)))?.listIds).toEqual(['reg-b']);
    const register = await expectRegisterHoldsTable();
    // each run's objects merged into one at its end: a base and two runs' keys
    expect(register.objects.length).toBeLessThanOrEqual(3);
  });

  it('a contact written without the register (by hand, a restored backup) is seen by its count: the table is read, the contact merged', async () => {
    const byHand = {
      ...(await getContact(keyOf(0))),
      suppressionKey: keyOf(1000),
      listId: 'by-hand',
      listIds: ['by-hand'],
    };
    const { ttl: _t, expiryBucket: _b, version: _v, ...contact } = byHand as Required<typeof byHand>;
    await documentClient().send(
      new PutCommand({
        TableName: contactsTableName(),
        Item: toItem({ ...contact, email: address(1000) }, defaultSettings),
      }),
    );
    expect(await ingest(await listOf('reg-c', 1000, 1010))).toEqual({ keysFrom: 'scan', scanned: true });
    // merged, not replaced by a blind write
    expect((await getContact(keyOf(1000)))?.listIds.sort()).toEqual(['by-hand', 'reg-c']);
    await expectRegisterHoldsTable();
  });

  it('a run that fails half-way leaves the keys of what it wrote in the register; its retry completes the list', async () => {
    const key = await listOf('reg-d', 2000, 3500);
    await expect(
      ingest(key, {
        onProgress: (done) => {
          if (done >= 500) throw new Error('injected crash');
        },
      }),
    ).rejects.toThrow('injected crash');
    const partial = (await scanAllItems(contactsTableName())).filter((c) => c.listId === 'reg-d');
    expect(partial.length).toBeGreaterThan(0);
    await expectRegisterHoldsTable();
    expect(await ingest(key)).toEqual({ keysFrom: 'register', scanned: false });
    expect((await scanAllItems(contactsTableName())).filter((c) => c.listId === 'reg-d')).toHaveLength(1500);
    await expectRegisterHoldsTable();
  });

  it('keys of deleted contacts piling up make the next import read the table again, and the register shrinks', async () => {
    for (let i = 2000; i < 3500; i++) await deleteContact(keyOf(i));
    const stored = (await scanAllItems(contactsTableName())).length;
    // 1,500 keys of deleted contacts are not enough to rebuild it for
    expect(await ingest(await listOf('reg-e', 4000, 4010))).toEqual({ keysFrom: 'register', scanned: false });
    // with 12,000 more (a big purge), the register holds more than twice the table
    await recordContactKeys(Array.from({ length: 12_000 }, (_, i) => `purged-${i}`));
    expect(await ingest(await listOf('reg-f', 4010, 4020))).toEqual({ keysFrom: 'scan', scanned: true });
    const register = await expectRegisterHoldsTable();
    expect(register.keys?.size).toBeLessThanOrEqual(stored + 20);
  });

  it('a register of many objects is merged into one base when read', async () => {
    for (let i = 0; i < 20; i++) await recordContactKeys([`extra-${i}`]);
    expect((await registerObjects()).length).toBeGreaterThan(20);
    expect(await ingest(await listOf('reg-g', 5000, 5010))).toEqual({ keysFrom: 'register', scanned: false });
    // the merged base, and the last run's keys
    expect(await registerObjects()).toHaveLength(2);
    const register = await expectRegisterHoldsTable();
    expect(register.keys?.mayHave('extra-19')).toBe(true);
  });

  it('a run that Scans to rebuild it writes no base if another run began meanwhile: that run writes beside the Scan', async () => {
    await clearRegister();
    await recordContactKeys([keyOf(0)]);
    const before = await registerObjects();
    // the Scan is held 1.5 s, the heartbeat (1 s) sees the other run come and stop blind writes
    const client = documentClient();
    const original = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
    let declared = false;
    const send = vi.spyOn(client, 'send').mockImplementation((async (...args: unknown[]) => {
      const command = args[0] as { constructor: { name: string }; input: { TableName?: string } };
      if (command.constructor.name === 'ScanCommand' && command.input.TableName === contactsTableName() && !declared) {
        declared = true;
        await declareImport({
          runId: 'other',
          listId: 'other',
          heartbeatAt: new Date().toISOString(),
          blindWrites: false,
        });
        await new Promise((r) => setTimeout(r, 1_500));
      }
      return original(...args);
    }) as never);
    try {
      await ingestListOnce(await listOf('reg-h', 6000, 6010), defaultSettings, now, { contactsCheck: 'key-snapshot' });
    } finally {
      send.mockRestore();
      await endImport('other');
    }
    expect(declared).toBe(true);
    const after = await registerObjects();
    // what was there stays; no base from that Scan (a run writing beside it may be missing from it)
    for (const key of before) expect(after).toContain(key);
    expect(after.filter((k) => k.includes('/base-'))).toEqual([]);
    expect((await getContact(keyOf(6000)))?.listIds).toEqual(['reg-h']);
  });
});
