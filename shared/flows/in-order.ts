/**
 * "N batches in flight, results in order": the one helper the flows use for it, instead
 * of promise chains kept by hand (style.md, from our own code).
 */

/**
 * Runs `work` on the items of `source`, at most `concurrency` at once, and `then` on each
 * result strictly in source order, one at a time (a report written in file order while
 * the next batches are looked up and written). The first failure stops the reading; the
 * work in flight is let settle before the failure is rethrown, so nothing outlives the
 * call and no rejection goes unhandled.
 */
export async function mapInOrder<T, R>(
  source: AsyncIterable<T>,
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  then: (result: R, item: T, index: number) => Promise<void>,
): Promise<void> {
  const inFlight: { item: T; index: number; result: Promise<R> }[] = [];
  const settleHead = async () => {
    const head = inFlight.shift() as (typeof inFlight)[number];
    await then(await head.result, head.item, head.index);
  };
  let index = 0;
  try {
    for await (const item of source) {
      const result = work(item, index);
      // observed in order below; until then a failure must not count as unhandled
      result.catch(() => {});
      inFlight.push({ item, index: index++, result });
      if (inFlight.length >= concurrency) await settleHead();
    }
    while (inFlight.length) await settleHead();
  } catch (error) {
    await Promise.allSettled(inFlight.map((f) => f.result));
    throw error;
  }
}

/** Regroups batches of any size into batches of `size` (the last one shorter). */
export async function* rebatch<T>(batches: AsyncIterable<readonly T[]>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const items of batches) {
    for (const item of items) {
      batch.push(item);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}
