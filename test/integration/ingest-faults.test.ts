/**
 * Issue 22: a store that fails in the middle of a list ends the import as a failed
 * import — its list says so, it can be retried — with no unhandled rejection anywhere
 * (a batch in flight behind the failed one included). DynamoDB fails for real, through a
 * fault-injecting proxy in front of DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '#schemas/settings';
import { ingestListOnceHere as ingestListOnce } from '#shared/flows/ingest-list';
import { resetClients } from '#store/clients';
import { getList } from '#store/lists';
import { objectExists, objectKeys } from '#store/objects';
import { useEmulators } from '../support/emulators.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';
import { tradeShowManifest, uploadList } from '../support/lists.ts';

const now = new Date('2026-11-20T10:00:00Z');
let proxy: FaultProxy;
let contactsTable = '';
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  const names = await useEmulators();
  contactsTable = names.env.CONTACTS_TABLE as string;
  proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL_DYNAMODB as string);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
  resetClients();
  process.on('unhandledRejection', onUnhandled);
}, 60_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await proxy.close();
});

describe('the store fails mid-list (issue 22)', () => {
  it('the import ends failed, with its reason and no report; nothing is left unhandled; the retry completes it', async () => {
    const listId = 'salon-panne';
    const rows = ['email;company;job_title'];
    for (let i = 0; i < 4000; i++) rows.push(`p${i}.nom@societe-${i % 40}.fr;Societe ${i % 40};Responsable achats`);
    const data = Buffer.from(`${rows.join('\n')}\n`);
    const key = await uploadList(tradeShowManifest(listId, data), data);
    // past the first thousand contacts, every write of a contact is refused for good
    let writes = 0;
    proxy.rule = (r) =>
      String(r.body.TableName ?? '') === contactsTable && r.operation === 'PutItem' && ++writes > 1000
        ? 'refuse'
        : 'pass';
    await expect(ingestListOnce(key, defaultSettings, now, { rangeBytes: 60_000 })).rejects.toThrow();
    proxy.rule = () => 'pass';
    // let any stray promise settle before counting
    await new Promise((r) => setTimeout(r, 500));
    expect(unhandled).toEqual([]);
    expect(await getList(listId)).toMatchObject({ status: 'failed' });
    expect((await getList(listId))?.failure).toMatch(/ValidationException/);
    expect(await objectExists(objectKeys.report(listId))).toBe(false);

    // while the ranges run, the list shows the planner's count (what `hygiene ingest` prints)
    let seen: number | undefined;
    const result = await ingestListOnce(key, defaultSettings, now, {
      rangeBytes: 60_000,
      onProgress: async () => {
        seen ??= (await getList(listId))?.progress?.expectedRows;
      },
    });
    expect(seen).toBe(4000);
    expect(result.rows).toEqual({ total: 4000, accepted: 4000, rejected: 0 });
    const list = await getList(listId);
    expect(list).toMatchObject({ status: 'accepted' });
    // the progress `hygiene ingest` shows: counted by the planner, each range's own (a retried range overwrote its count)
    expect(list?.progress?.expectedRows).toBe(4000);
    const ranges = Object.values(list?.progress?.ranges ?? {});
    expect(ranges.length).toBeGreaterThan(1);
    expect(ranges.reduce((n, r) => n + r.rows, 0)).toBe(4000);
    // issue 22: the report as a page a person opens, beside the JSON
    expect(await objectExists(objectKeys.reportHtml(listId))).toBe(true);
  }, 120_000);
});
