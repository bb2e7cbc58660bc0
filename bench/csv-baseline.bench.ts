/**
 * Yardsticks for csv.bench.ts, on the same file: decoding alone (the floor), and uDSV,
 * the fastest CSV parser measured here, streamed over the same decoded chunks. uDSV
 * gives string arrays only: no line numbers, no recovery, no row building — which is
 * why the reader has its own scanner (shared/csv/scan.ts); this shows what that costs.
 */
import { createReadStream } from 'node:fs';
import { inferSchema, initParser, type Parser } from 'udsv';
import { generateList } from './generate-list.ts';
import { benchRows, measure } from './support.ts';

const list = await generateList(benchRows());
const mode = process.argv.includes('--udsv') ? 'udsv' : 'decode';

if (mode === 'decode') {
  await measure('csv-decode-only', async () => {
    const decoder = new TextDecoder();
    let chars = 0;
    for await (const chunk of createReadStream(list.dataPath, { highWaterMark: 64 * 1024 })) {
      chars += decoder.decode(chunk as Buffer, { stream: true }).length;
    }
    return { rows: list.rows, chars };
  });
} else {
  await measure('csv-udsv', async () => {
    const decoder = new TextDecoder();
    let parser: Parser | undefined;
    let rows = 0; // uDSV skips the header itself
    let sink = 0;
    for await (const chunk of createReadStream(list.dataPath, { highWaterMark: 64 * 1024 })) {
      const text = decoder.decode(chunk as Buffer, { stream: true });
      parser ??= initParser(inferSchema(text, { col: ';' }));
      parser.chunk<string[]>(text, parser.stringArrs, (row) => {
        rows++;
        sink += row.length;
      });
    }
    parser?.end();
    return { rows, cells: sink };
  });
}
