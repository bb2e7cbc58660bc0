/**
 * `hygiene ingest <manifest.json>`: uploads the data file (multipart for big files), then
 * the manifest — the commit marker that starts ingestion — to the stack's bucket, waits
 * for the list's report and prints it. Exit codes as `check` (design.md §3.4).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ListReport } from '#domain/contact';
import { manifestSchema } from '#schemas/manifest';
import { parseWith } from '#schemas/parse';
import { frNumber } from '#shared/french';
import { getList, type ListItem } from '#store/lists';
import { uploadStream } from '#store/object-uploads';
import { objectBytes, objectKeys, putObject } from '#store/objects';
import { formatReport } from './check.ts';
import { parseCommand } from './config.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';

/** this command's options besides the common ones (cli/config.ts) */
const OWN_OPTIONS = { timeout: { type: 'string', default: '300' } } as const;

const USAGE = 'usage : hygiene ingest <manifest.json> [--json] [--timeout secondes]';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, OWN_OPTIONS, USAGE);
  const manifestPath = positionals[0];
  if (!manifestPath) throw new UsageError(USAGE);
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds > 0))
    throw new UsageError(`--timeout : un nombre de secondes (par exemple 600), pas « ${values.timeout} »`);
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readFile(manifestPath);
  } catch {
    throw new UsageError(`impossible de lire le manifeste ${manifestPath}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    throw new UsageError(`${manifestPath} : JSON invalide`);
  }
  const parsed = parseWith(manifestSchema, raw, 'manifeste');
  if (!parsed.ok) throw new UsageError(parsed.error);
  const manifest = parsed.value;
  const dataPath = join(dirname(manifestPath), manifest.dataFile);
  const size = await stat(dataPath).then(
    (s) => s.size,
    () => {
      throw new UsageError(
        `impossible de lire le fichier de données ${manifest.dataFile} que nomme le manifeste (champ « dataFile », chemin relatif au manifeste)`,
      );
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
  // issue 22: wait as long as the ingestion progresses; give up `--timeout` seconds after the last progress
  const timeoutMs = timeoutSeconds * 1000;
  let deadline = Date.now() + timeoutMs;
  const showProgress = !values.json && process.stderr.isTTY;
  if (!values.json) process.stderr.write('Liste envoyée, en attente du rapport…\n');
  let lastRows = -1;
  const waitStarted = Date.now();
  for (;;) {
    const list = await getList(manifest.listId);
    const progress = list?.manifestSha256 === manifestSha256 ? progressOf(list) : undefined;
    if (progress && progress.rows > lastRows) {
      lastRows = progress.rows;
      deadline = Date.now() + timeoutMs;
      if (showProgress) process.stderr.write(`\r${progressLine(progress, (Date.now() - waitStarted) / 1000)}`);
    }
    if (
      list?.status === 'failed' &&
      list.manifestSha256 === manifestSha256 &&
      (list.decidedAt ?? '') >= startedAt.toISOString()
    ) {
      // a range failed on every attempt: no report (issue 17); the reason never holds a row's content
      if (showProgress && lastRows >= 0) process.stderr.write('\n');
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
      if (showProgress && lastRows >= 0) process.stderr.write('\n');
      const report = JSON.parse((await objectBytes(objectKeys.report(manifest.listId))).toString('utf8')) as ListReport;
      if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else
        process.stdout.write(
          formatReport(report, report.decisions.filter((d) => d.status === 'rejected').slice(0, 10)),
        );
      return report.status === 'accepted' ? EXIT.done : EXIT.refused;
    }
    if (Date.now() > deadline)
      throw new Error(
        lastRows >= 0
          ? `l'import de ${manifest.listId} n'avance plus depuis ${values.timeout} s (arrêté ? voyez la sortie de la pile ; --timeout pour attendre plus longtemps)`
          : `pas de rapport pour ${manifest.listId} après ${values.timeout} s : la pile locale tourne-t-elle ? (npm start, ou hygiene up)`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The rows judged and contacts written so far, over every range. */
function progressOf(list: ListItem): { rows: number; written: number; expected: number } | undefined {
  if (!list.progress) return undefined;
  let rows = 0;
  let written = 0;
  for (const r of Object.values(list.progress.ranges)) {
    rows += r.rows;
    written += r.written;
  }
  return { rows, written, expected: list.progress.expectedRows };
}

/** « 120 000 / 300 000 lignes jugées (40 %), 95 000 contacts écrits, 1 900 lignes/s, fin dans ≈ 1 min 35 s » */
export function progressLine(p: { rows: number; written: number; expected: number }, seconds: number): string {
  const rate = seconds > 0 ? p.rows / seconds : 0;
  const share = p.expected > 0 ? ` (${Math.floor((100 * p.rows) / p.expected)} %)` : '';
  const left = rate > 0 && p.expected > p.rows ? (p.expected - p.rows) / rate : undefined;
  const eta =
    left === undefined
      ? ''
      : `, fin dans ≈ ${left >= 60 ? `${Math.floor(left / 60)} min ` : ''}${Math.round(left % 60)} s`;
  return `${frNumber(p.rows)} / ${frNumber(p.expected)} lignes jugées${share}, ${frNumber(p.written)} contacts écrits, ${frNumber(Math.round(rate))} lignes/s${eta}   `;
}
