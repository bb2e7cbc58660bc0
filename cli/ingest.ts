/**
 * `hygiene ingest <manifest.json>`: uploads the data file (multipart for big files), then
 * the manifest — the commit marker that starts ingestion — to the stack's bucket, waits
 * for the list's report and prints it. Exit codes as `check` (design.md §3.4).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ListReport } from '#domain/contact';
import { manifestSchema } from '#schemas/manifest';
import { parseWith } from '#schemas/parse';
import { getList } from '#store/lists';
import { uploadStream } from '#store/object-uploads';
import { objectBytes, objectKeys, putObject } from '#store/objects';
import { formatReport } from './check.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '300' },
      now: { type: 'string' },
      config: { type: 'string' },
      advertiser: { type: 'string' },
    },
  });
  const manifestPath = positionals[0];
  if (!manifestPath) throw new UsageError('usage: hygiene ingest <manifest.json> [--json] [--timeout seconds]');
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readFile(manifestPath);
  } catch {
    throw new UsageError(`cannot read ${manifestPath}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    throw new UsageError(`${manifestPath}: not valid JSON`);
  }
  const parsed = parseWith(manifestSchema, raw, 'manifest');
  if (!parsed.ok) throw new UsageError(parsed.error);
  const manifest = parsed.value;
  const dataPath = join(dirname(manifestPath), manifest.dataFile);
  const size = await stat(dataPath).then(
    (s) => s.size,
    () => {
      throw new UsageError(`cannot read the data file ${manifest.dataFile}`);
    },
  );

  useLocalStackDefaults();
  const progress = (loaded: number) => {
    if (!values.json && process.stderr.isTTY) {
      process.stderr.write(`\rEnvoi du fichier… ${Math.round((100 * loaded) / Math.max(size, 1))} %`);
    }
  };
  const startedAt = new Date();
  await uploadStream(
    objectKeys.dataFile(manifest.listId, manifest.dataFile),
    createReadStream(dataPath),
    'text/csv',
    progress,
  );
  if (!values.json && process.stderr.isTTY) process.stderr.write('\n');
  await putObject(objectKeys.manifest(manifest.listId), manifestBytes, 'application/json');

  const { createHash } = await import('node:crypto');
  const manifestSha256 = createHash('sha256').update(manifestBytes).digest('hex');
  const deadline = Date.now() + Number(values.timeout) * 1000;
  if (!values.json) process.stderr.write('Liste envoyée, en attente du rapport…\n');
  for (;;) {
    const list = await getList(manifest.listId);
    if (
      list?.status === 'failed' &&
      list.manifestSha256 === manifestSha256 &&
      (list.decidedAt ?? '') >= startedAt.toISOString()
    ) {
      // a range failed on every attempt: no report (issue 17); the reason never holds a row's content
      process.stderr.write(`L'import de ${manifest.listId} a échoué : ${list.failure ?? 'raison inconnue'}\n`);
      return EXIT.refused;
    }
    // the same manifest uploaded again is answered from the first run (exactly once)
    if (
      list?.decidedAt &&
      list.status !== 'failed' &&
      list.manifestSha256 === manifestSha256 &&
      (list.decidedAt >= startedAt.toISOString() || list.reportKey)
    ) {
      const report = JSON.parse((await objectBytes(objectKeys.report(manifest.listId))).toString('utf8')) as ListReport;
      if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else
        process.stdout.write(
          formatReport(report, report.decisions.filter((d) => d.status === 'rejected').slice(0, 10)),
        );
      return report.status === 'accepted' ? EXIT.done : EXIT.refused;
    }
    if (Date.now() > deadline)
      throw new Error(`no report for ${manifest.listId} after ${values.timeout} s (is \`hygiene up\` running?)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
