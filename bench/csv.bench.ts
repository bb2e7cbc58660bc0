/**
 * The list reader alone (shared/csv/read-list.ts): file stream → decoded text → records
 * with their canonical rows, as `check` and the ingestion consume them.
 */
import { createReadStream } from 'node:fs';
import { openList } from '#csv/read-list';
import { generateList } from './generate-list.ts';
import { benchRows, measure } from './support.ts';

const list = await generateList(benchRows());
await measure('csv', async () => {
  const { info, batches } = await openList(createReadStream(list.dataPath, { highWaterMark: 64 * 1024 }));
  let rows = 0;
  let malformed = 0;
  let withEmail = 0;
  for await (const batch of batches) {
    for (const record of batch) {
      rows++;
      if (!record.ok) malformed++;
      else if (record.row.email) withEmail++;
    }
  }
  if (rows !== list.rows) throw new Error(`read ${rows} records, the file has ${list.rows}`);
  return { rows, mb: Math.round(list.bytes / 1e5) / 10, malformed, withEmail, encoding: info.encoding };
});
