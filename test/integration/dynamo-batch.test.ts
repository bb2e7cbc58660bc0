import { beforeAll, describe, expect, it } from 'vitest';
import { contactsTableName } from '#store/contacts';
import { batchDelete, batchGet, batchPut, scanPages } from '#store/dynamo-batch';
import { useEmulators } from '../support/emulators.ts';

const _item = (producer: string, i: number) => ({ suppressionKey: `${producer}-${i}`, reason: 'OPPOSED' });

describe('scanPages, batchPut, batchGet, batchDelete (DynamoDB Local)', () => {
  beforeAll(async () => {
    await useEmulators();
  });

  it('reads every item exactly once over several pages; a batch delete removes what it names', async () => {
    const table = contactsTableName();
    const keys = Array.from({ length: 2_500 }, (_, i) => `key-${i}`);
    await batchPut(
      table,
      keys.map((suppressionKey) => ({ suppressionKey })),
      8,
    );
    const seen: string[] = [];
    let pages = 0;
    for await (const page of scanPages({ TableName: table, ConsistentRead: true })) {
      pages++;
      seen.push(...page.map((item) => item.suppressionKey as string));
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.sort()).toEqual([...keys].sort());
    const gone = keys.slice(0, 60).map((suppressionKey) => ({ suppressionKey }));
    await batchDelete(table, gone);
    const found = await batchGet(
      { [table]: keys.slice(0, 120).map((suppressionKey) => ({ suppressionKey })) },
      undefined,
      true,
    );
    expect((found[table] ?? []).map((i) => i.suppressionKey).sort()).toEqual(keys.slice(60, 120).sort());
  });
});
