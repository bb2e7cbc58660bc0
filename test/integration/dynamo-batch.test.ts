import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter, batchGet, scanAllItems } from '#store/dynamo-batch';
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
