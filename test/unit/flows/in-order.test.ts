import { describe, expect, it } from 'vitest';
import { mapInOrder, rebatch } from '#shared/flows/in-order';

async function* items(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapInOrder: N in flight, results in order', () => {
  it('runs at most `concurrency` at once and hands the results over in source order', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await mapInOrder(
      items(20),
      4,
      async (i) => {
        running++;
        peak = Math.max(peak, running);
        await sleep((20 - i) % 5);
        running--;
        return i * 10;
      },
      async (result, item) => {
        expect(result).toBe(item * 10);
        seen.push(item);
      },
    );
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(4);
  });

  it('a failure stops the reading, lets the work in flight settle, then is thrown (no unhandled rejection)', async () => {
    const settled: number[] = [];
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    await expect(
      mapInOrder(
        source(),
        3,
        async (i) => {
          await sleep(i === 4 ? 1 : 5);
          if (i === 4) throw new Error('batch 4 failed');
          settled.push(i);
          return i;
        },
        async () => {},
      ),
    ).rejects.toThrow('batch 4 failed');
    expect(pulled).toBeLessThan(10);
    // the batches started with 4 were let finish before the failure was thrown
    expect(settled).toEqual(expect.arrayContaining([5, 6]));
  });

  it('a failure in the ordered step fails the whole', async () => {
    await expect(
      mapInOrder(
        items(10),
        2,
        async (i) => i,
        async (i) => {
          if (i === 3) throw new Error('report write failed');
        },
      ),
    ).rejects.toThrow('report write failed');
  });
});

describe('rebatch', () => {
  it('regroups batches of any size into batches of n, the last one shorter', async () => {
    async function* batches() {
      yield [1, 2, 3];
      yield [];
      yield [4, 5, 6, 7, 8];
    }
    const out: number[][] = [];
    for await (const b of rebatch(batches(), 3)) out.push(b);
    expect(out).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
    ]);
  });
});
