/**
 * `hygiene check <manifest.json>`: judges a list offline, with no AWS account and no
 * emulator (design.md §3.4): the list's provenance (rules.md §3), then every row
 * (rules.md §4). The same domain code as the ingestion of an uploaded list.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { openList } from '#csv/read-list';
import { rejectedCsvHeader, rejectedCsvRow } from '#csv/write-csv';
import type { Contact, ListReport, ListRow, RowDecision } from '#domain/contact';
import { type ExportedOpposition, ListJudge } from '#domain/list-judge';
import { emptyListReport } from '#domain/list-report';
import type { ReasonCode } from '#domain/reasons';
import { judgeUpload, manifestAdmits, readManifest } from '#domain/upload';
import { type Manifest, manifestSchema } from '#schemas/manifest';
import type { Settings } from '#schemas/settings';
import { loadSettings, parseCommand, parseNow } from './config.ts';
import { EXIT, UsageError } from './errors.ts';

/** this command's options besides the common ones (cli/config.ts) */
const OWN_OPTIONS = { rejected: { type: 'string' }, html: { type: 'string' } } as const;

/**
 * Offline there is no opposition store, so the suppression keys computed here are never
 * looked up or shown: a fixed local secret is enough (the deployment's real secret lives
 * in Secrets Manager and never reaches the CLI's `check`).
 */
export const OFFLINE_SUPPRESSION_SECRET = 'hygiene-check-offline';

import { frNumber } from '#shared/french';
import { DECISION_LABELS, REASON_LABELS, withLabels } from '#shared/reason-labels';
import { listReportHtml, maskAddress, REJECTED_SAMPLES, type RejectedSample } from '#shared/report-html';

/** rejected rows shown on the HTML page (all of them are in --rejected's CSV) */

export { REASON_LABELS };

/** A verdict that refuses the list (an accepted one cannot reach here). */
const refusedStatus = (status: ListReport['status']): ListReport['status'] =>
  status === 'accepted' ? 'rejected' : status;

export interface CheckListOptions {
  now: Date;
  settings: Settings;
  /** write rejected rows as uploaded, plus a `reasons` column, to this file */
  rejectedFile?: string;
  /** keep every decision in the report (default true); false keeps memory flat on big lists */
  keepDecisions?: boolean;
  /**
   * called with each row decision in file order, the contact an accepted row makes and the
   * oppositions its export's status says the person made (both with `contacts`)
   */
  onDecision?: (decision: RowDecision, contact?: Contact, oppositions?: readonly ExportedOpposition[]) => void;
  /** build the contacts of accepted rows, with their suppression keys (default false: `check` stores nothing) */
  contacts?: boolean;
  /** called with each rejected row that could be read, and its decision (the HTML report's masked samples) */
  onRejectedRow?: (decision: RowDecision, row: ListRow) => void;
}

/** bytes read at a time: a batch of ≈ 500 rows, so few records are alive at once */
const READ_CHUNK = 1 << 16;

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 18 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Judge a list offline: the manifest (rules.md §3), then, when the list may be imported,
 * every row (rules.md §4). The list-level decisions are the domain's (`readManifest`,
 * `judgeUpload`), as for an uploaded list; the data file's SHA-256 is computed while it
 * streams, and a mismatch rejects the list after the fact and drops the row decisions.
 * A manifest or a data file that cannot be read at all is a UsageError (exit 2).
 */
export async function checkList(manifestPath: string, opts: CheckListOptions): Promise<ListReport> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    throw new UsageError(`impossible de lire le manifeste ${manifestPath}`);
  }
  // a data file given where the manifest is expected: bad usage (exit 2), not a rejected list
  if (looksLikeDataFile(manifestPath, text)) {
    throw new UsageError(
      `${manifestPath} est un fichier de données, pas un manifeste : donnez le manifest.json qui le décrit (hygiene check <manifest.json>)`,
    );
  }
  // offline, a file has no upload folder: the report takes the folder's name only when the manifest names no list
  const folderName = dirname(resolve(manifestPath)).split(/[\\/]/).pop() ?? 'unknown';
  const reading = readManifest(text, folderName);
  if (!reading.ok) return emptyListReport(reading.listId, 'rejected', reading.judgement.reasons, reading.detail);
  const manifest: Manifest = reading.manifest;
  const dataPath = resolve(dirname(manifestPath), manifest.dataFile);
  const present = await stat(dataPath).then(
    (s) => s.isFile(),
    () => false,
  );
  // design.md §3.4: offline, a data file that is not there is unreadable input (exit 2);
  // uploaded, the same fact is the domain's DATA_CHECKSUM_MISMATCH (judgeUpload)
  if (!present)
    throw new UsageError(
      `impossible de lire le fichier de données ${manifest.dataFile} que nomme le manifeste (champ « dataFile », chemin relatif au manifeste)`,
    );

  if (!manifestAdmits(manifest, opts.settings, opts.now)) {
    // rules.md §3: no row of a rejected or quarantined list is judged; the checksum is still reported
    const full = judgeUpload(
      manifest,
      { present: true, sha256: await sha256OfFile(dataPath) },
      opts.settings,
      opts.now,
    );
    return emptyListReport(manifest.listId, refusedStatus(full.status), full.reasons, full.detail);
  }
  const verdict = judgeUpload(manifest, { present: true, sha256: manifest.sha256 }, opts.settings, opts.now);

  const hash = createHash('sha256');
  /**
   * The file in 64 KB chunks, hashed on the way, read into TWO buffers in turn: the next
   * chunk is read while the rows of this one are judged, and a fresh buffer per chunk
   * would leave tens of MB of dead chunks waiting for the GC on a big list. Safe because
   * openList decodes each chunk before it asks for the next (by then the read into the
   * other buffer is under way, never into this one), and the decoder copies any bytes it
   * holds back (shared/csv/decode.ts).
   */
  async function* hashed(): AsyncIterable<Uint8Array> {
    const file = await open(dataPath, 'r');
    const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(READ_CHUNK), Buffer.allocUnsafe(READ_CHUNK)];
    let turn = 0;
    let reading: Promise<{ bytesRead: number }> | undefined = file.read(buffers[0], 0, READ_CHUNK, null);
    try {
      for (;;) {
        const { bytesRead } = await reading;
        reading = undefined;
        if (bytesRead === 0) return;
        const chunk = (turn === 0 ? buffers[0] : buffers[1]).subarray(0, bytesRead);
        turn = 1 - turn;
        reading = file.read(turn === 0 ? buffers[0] : buffers[1], 0, READ_CHUNK, null);
        hash.update(chunk);
        yield chunk;
      }
    } finally {
      // a consumer that stops early: let the read under way finish before closing
      await reading?.catch(() => undefined);
      await file.close();
    }
  }
  const judge = new ListJudge(manifest, opts.settings, opts.now, OFFLINE_SUPPRESSION_SECRET, {
    keepDecisions: opts.keepDecisions ?? true,
    contacts: opts.contacts ?? false,
  });
  const { info, batches } = await openList(hashed(), manifest.csv ?? {});
  let rejected: WriteStream | undefined;
  if (opts.rejectedFile) {
    rejected = createWriteStream(opts.rejectedFile);
    rejected.write(rejectedCsvHeader(info.headers, info.delimiter));
  }
  for await (const batch of batches) {
    let out = '';
    for (const record of batch) {
      const judged = record.ok
        ? judge.decide(judge.prepare(record.row))
        : { decision: judge.malformed(record.line, record.detail), contact: undefined };
      const decision = judged.decision;
      opts.onDecision?.(decision, judged.contact, 'oppositions' in judged ? judged.oppositions : undefined);
      if (opts.onRejectedRow && record.ok && decision.status === 'rejected') opts.onRejectedRow(decision, record.row);
      if (rejected && decision.status === 'rejected') {
        out += rejectedCsvRow(record.cells, decision.reasons ?? [], info.delimiter);
      }
    }
    if (rejected && out !== '' && !rejected.write(out)) {
      await new Promise<void>((done) => rejected?.once('drain', done));
    }
  }
  if (rejected) {
    const stream = rejected;
    await new Promise<void>((done, fail) => stream.end((error?: Error | null) => (error ? fail(error) : done())));
  }
  const actual = hash.digest('hex');
  if (actual !== manifest.sha256.toLowerCase()) {
    const full = judgeUpload(manifest, { present: true, sha256: actual }, opts.settings, opts.now);
    return emptyListReport(manifest.listId, refusedStatus(full.status), full.reasons, full.detail);
  }
  return judge.report(verdict, info.unknownColumns);
}

/** A list file rather than a manifest: a CSV or text name, or a first line that is not JSON but has delimiters. */
function looksLikeDataFile(path: string, text: string): boolean {
  if (/\.(csv|tsv|txt)$/i.test(path)) return true;
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{') || start.startsWith('[')) return false;
  const firstLine = start.split(/\r?\n/, 1)[0] ?? '';
  return /[;,\t]/.test(firstLine);
}

/** What to do about a list-level reason, when something can be done (issue 22: errors say what to do next). */
const REMEDY_FR: Partial<Record<ReasonCode, string>> = {
  DATA_CHECKSUM_MISMATCH:
    'Si le fichier a changé volontairement, recalculez son empreinte (sha256sum <fichier>) et reportez-la dans « sha256 » du manifeste ; sinon le fichier a été altéré : reprenez celui du fournisseur.',
  MANIFEST_INVALID: 'Corrigez le champ nommé ci-dessus (voir le format du manifeste dans le README).',
  ADVERTISER_MISMATCH: "Le manifeste doit nommer l'annonceur de ce déploiement (réglage « advertiser »).",
};

/** The readable summary (French first). */
export function formatReport(report: ListReport, firstRejected: RowDecision[]): string {
  const lines: string[] = [];
  lines.push(`Liste ${report.listId} : ${DECISION_LABELS[report.status]?.toUpperCase()} (${report.status})`);
  for (const r of report.reasons) lines.push(`  ${r} — ${REASON_LABELS[r]}`);
  if (report.detail) lines.push(`  ${report.detail}`);
  for (const r of report.reasons) {
    const remedy = REMEDY_FR[r];
    if (remedy) lines.push(`  → ${remedy}`);
  }
  if (report.status === 'accepted') {
    lines.push(
      `Lignes : ${frNumber(report.rows.total)} — acceptées ${frNumber(report.rows.accepted)}, rejetées ${frNumber(report.rows.rejected)}`,
    );
    const byReason = Object.entries(report.byReason).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
    if (byReason.length > 0) {
      lines.push('Rejets par motif (motif décisif) :');
      const width = Math.max(...byReason.map(([code]) => code.length));
      for (const [code, count] of byReason) {
        lines.push(`  ${code.padEnd(width)} ${frNumber(count).padStart(9)}  ${REASON_LABELS[code as ReasonCode]}`);
      }
    }
    if (firstRejected.length > 0) {
      lines.push('Premières lignes rejetées :');
      for (const d of firstRejected) lines.push(`  ligne ${d.line} : ${withLabels(d.reasons ?? [])}`);
    }
    if (report.unknownColumns?.length) lines.push(`Colonnes ignorées : ${report.unknownColumns.join(', ')}`);
  } else {
    lines.push(
      report.status === 'quarantined'
        ? 'Rien n’est importé : corrigez le manifeste et soumettez la liste à nouveau.'
        : 'Rien n’est importé de cette liste.',
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, OWN_OPTIONS);
  if (positionals.length !== 1)
    throw new UsageError(
      'usage : hygiene check <manifest.json> [--json] [--now ISO] [--rejected fichier] [--html page.html]',
    );
  const settings = loadSettings({ config: values.config, advertiser: values.advertiser });
  const now = parseNow(values.now);
  const firstRejected: RowDecision[] = [];
  const samples: RejectedSample[] = [];
  const manifestPath = positionals[0] as string;
  const report = await checkList(manifestPath, {
    now,
    settings,
    rejectedFile: values.rejected,
    keepDecisions: values.json,
    onDecision: (d) => {
      if (d.status === 'rejected' && firstRejected.length < 10) firstRejected.push(d);
    },
    ...(values.html
      ? {
          onRejectedRow: (d: RowDecision, row: ListRow) => {
            if (samples.length < REJECTED_SAMPLES)
              samples.push({ line: d.line, reasons: d.reasons ?? [], who: maskAddress(row.email, row.phone) });
          },
        }
      : {}),
  });
  if (values.html) {
    // issue 22: a page a person opens; the manifest for the provenance in words, when it reads
    let manifest: Manifest | undefined;
    try {
      const parsed = manifestSchema.safeParse(JSON.parse(await readFile(manifestPath, 'utf8')));
      if (parsed.success) manifest = parsed.data;
    } catch {
      // unreadable: the page says so
    }
    await writeFile(
      values.html,
      listReportHtml(report, {
        ...(manifest ? { manifest } : {}),
        rejected: samples,
        generatedAt: new Date(),
        ...(values.rejected ? { rejectedCsv: values.rejected } : {}),
      }),
    );
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, firstRejected));
  return report.status === 'accepted' ? EXIT.done : EXIT.refused;
}
