/**
 * The raw CSV scan of a list file, for bench/check-one-core.bench.ts: decoded and cut into
 * records by the project's own scanner (shared/csv/scan.ts), nothing else. Run bundled,
 * as its own process: `node raw-scan.mjs <file>` prints the records it found.
 */
import { createReadStream } from 'node:fs';
import { ListDecoder } from '#shared/csv/decode';
import { RecordScanner } from '#shared/csv/scan';

const path = process.argv[2];
if (!path) throw new Error('usage: raw-scan <file>');
const decoder = new ListDecoder();
const scanner = new RecordScanner<number>(';', { record: () => 1, malformed: () => 0 });
const out: number[] = [];
let records = 0;
let text = '';
for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
  text += decoder.write(chunk as Buffer);
  const used = scanner.scan(text, 0, false, out);
  records += out.length;
  out.length = 0;
  text = text.slice(used);
}
text += decoder.end();
scanner.scan(text, 0, true, out);
records += out.length;
process.stdout.write(`${records}\n`);
