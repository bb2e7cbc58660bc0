import { beforeAll, describe, expect, it } from 'vitest';
import { contactsTableName } from '#store/contacts';
import { BatchWriter, batchGet, batchPut, scanAllItems, scanPages } from '#store/dynamo-batch';
import { suppressionsTableName } from '#store/suppressions';
import { useEmulators } from '../support/emulators.ts';

const item = (producer: string, i: number) => ({ suppressionKey: `${producer}-${i}`, reason: 'OPPOSED' });

describe('BatchWriter: one write pipe for several producers (DynamoDB Local)', () => {
  beforeAll(async () => {
    await useEmulators();
  });

  it('stores every item of every producer, short tails included, and resolves each write once its items are stored', async () => {
    const table = suppressionsTableName();
    const writer = new BatchWriter(table, 3);
    const sizes = { a: 61, b: 7, c: 25, d: 1 };
    await Promise.all(
      Object.entries(sizes).map(async ([producer, size]) => {
        const items = Array.from({ length: size }, (_, i) => item(producer, i));
        await writer.write(items);
        // resolved: this producer's items are all readable now
        const found = await batchGet({ [table]: items.map(({ suppressionKey }) => ({ suppressionKey })) });
        expect(found[table]).toHaveLength(size);
      }),
    );
    await writer.write([]);
    expect(await scanAllItems(table)).toHaveLength(61 + 7 + 25 + 1);
  });

  it('a failed request fails its writes and every later one', async () => {
    const writer = new BatchWriter('no-such-table', 2);
    await expect(writer.write([item('x', 1)])).rejects.toThrow();
    await expect(writer.write([item('x', 2)])).rejects.toThrow();
  });
});

describe('scanPages: a Scan page by page, one segment or several at once (DynamoDB Local)', () => {
  beforeAll(async () => {
    await useEmulators();
  });

  it.each([1, 2, 4])('reads every item exactly once over several pages, in %i segment(s)', async (segments) => {
    const table = contactsTableName();
    const keys = Array.from({ length: 2_500 }, (_, i) => `key-${i}`);
    await batchPut(
      table,
      keys.map((suppressionKey) => ({ suppressionKey })),
      8,
    );
    const seen: string[] = [];
    let pages = 0;
    for await (const page of scanPages({ TableName: table, ConsistentRead: true }, segments)) {
      pages++;
      seen.push(...page.map((item) => item.suppressionKey as string));
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.sort()).toEqual([...keys].sort());
  });
});
