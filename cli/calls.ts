/**
 * `hygiene calls <campaign.json> [--from ISO] [--days N] [--out file.csv] [--json]`: a
 * phone campaign's call sheet (rules.md §6b, design.md §3.4–3.5), from the store the
 * local stack (or `--stack`) holds — the same flow as the function in AWS, which also
 * writes `reports/calls/<campaignId>.json` and `.csv` to the bucket.
 *
 * `hygiene calls record <campaignId>.csv [--json]`: the calls' outcomes back (refusals
 * become oppositions at once). A file with a malformed line is applied not at all: its
 * report names every such line.
 *
 * Exit 0 done, 1 the campaign or the outcomes file was refused, 2 bad usage.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { CallSheet } from '#domain/calls';
import type { ReasonCode } from '#domain/reasons';
import { campaignIdOfOutcomes, type OutcomesReport, recordCallOutcomes } from '#shared/flows/call-outcomes';
import { callSheetCsv, makeCallSheet } from '#shared/flows/call-sheet';
import { CampaignInvalid } from '#shared/flows/send-campaign';
import { frDateTime } from '#shared/french';
import { loadSecrets } from '#store/secrets';
import { REASON_LABELS } from './check.ts';
import { loadSettings, parseCommand, parseNow } from './config.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';

const OWN_OPTIONS = {
  from: { type: 'string' },
  days: { type: 'string' },
  out: { type: 'string' },
} as const;

const USAGE = `usage : hygiene calls <campagne.json> [--from ISO] [--days N] [--out fiche.csv] [--json]
        hygiene calls record <campaignId>.csv [--json]`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, OWN_OPTIONS, USAGE);
  const settings = loadSettings({ config: values.config, advertiser: values.advertiser });
  const now = parseNow(values.now);
  if (positionals[0] === 'record') {
    const path = positionals[1];
    if (!path || positionals.length !== 2) throw new UsageError(USAGE);
    return record(path, { now, settings, json: values.json === true });
  }
  const path = positionals[0];
  if (!path || positionals.length !== 1) throw new UsageError(USAGE);
  const from = values.from === undefined ? now : parseNow(values.from);
  let days: number | undefined;
  if (values.days !== undefined) {
    days = Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > 31) throw new UsageError('--days : un nombre entier de 1 à 31');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(error instanceof SyntaxError ? `${path} : JSON invalide` : `impossible de lire ${path}`);
  }
  useLocalStackDefaults();
  let sheet: CallSheet;
  try {
    sheet = await makeCallSheet(raw, { from, days, settings });
  } catch (error) {
    if (error instanceof CampaignInvalid) throw new UsageError(error.message);
    throw error;
  }
  if (values.out) await writeFile(values.out, callSheetCsv(sheet.calls));
  process.stdout.write(values.json ? `${JSON.stringify(sheet)}\n` : formatSheet(sheet, values.out));
  return sheet.status === 'accepted' ? EXIT.done : EXIT.refused;
}

async function record(path: string, opts: { now: Date; settings: ReturnType<typeof loadSettings>; json: boolean }) {
  const campaignId = campaignIdOfOutcomes(path);
  if (!campaignId)
    throw new UsageError(
      `${path} : le fichier des résultats porte le nom de sa campagne, <campaignId>.csv : renommez-le`,
    );
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    throw new UsageError(`impossible de lire ${path}`);
  }
  useLocalStackDefaults();
  const secrets = await loadSecrets();
  const report = await recordCallOutcomes(campaignId, bytes, {
    now: opts.now,
    settings: opts.settings,
    suppressionKeySecret: secrets.suppressionKeySecret,
  });
  process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : formatOutcomes(report));
  return report.status === 'recorded' ? EXIT.done : EXIT.refused;
}

const when = (iso: string): string => frDateTime(iso, { weekday: true });

export function formatSheet(sheet: CallSheet, out?: string): string {
  const lines: string[] = [];
  lines.push(
    `Fiche d'appels ${sheet.campaignId} : ${sheet.status === 'accepted' ? 'ACCEPTÉE' : 'REFUSÉE'}, du ${when(sheet.from)} sur ${sheet.days} jour(s)`,
  );
  for (const r of sheet.reasons) lines.push(`  ${r} — ${REASON_LABELS[r as ReasonCode] ?? ''}`);
  lines.push(`À appeler : ${sheet.counts.call} — écartés ${sheet.counts.skip}, reportés ${sheet.counts.defer}`);
  const byReason = Object.entries(sheet.byReason).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  if (byReason.length > 0) {
    lines.push('Par motif :');
    const width = Math.max(...byReason.map(([code]) => code.length));
    for (const [code, n] of byReason)
      lines.push(`  ${code.padEnd(width)} ${String(n).padStart(7)}  ${REASON_LABELS[code as ReasonCode] ?? ''}`);
  }
  for (const c of sheet.calls.slice(0, 10)) {
    const name = [c.firstName, c.lastName].filter(Boolean).join(' ') || '(sans nom)';
    const first = c.slots[0];
    lines.push(
      `  ${c.national.padEnd(16)} ${name}${c.company ? `, ${c.company}` : ''} — dès le ${first ? when(first.from) : '?'}`,
    );
  }
  if (sheet.calls.length > 10) lines.push(`  … et ${sheet.calls.length - 10} autre(s)`);
  lines.push(
    out ? `Fiche écrite dans ${out}` : `Fiche complète : reports/calls/${sheet.campaignId}.csv (ou --out fichier.csv)`,
  );
  return `${lines.join('\n')}\n`;
}

const OUTCOME_FR: Record<string, string> = {
  answered: 'répondu',
  'no-answer': 'sans réponse',
  refused: 'refus',
  callback: 'rappel entrant',
};

export function formatOutcomes(report: OutcomesReport): string {
  const lines: string[] = [];
  if (report.status === 'rejected') {
    lines.push(
      `Résultats d'appels ${report.campaignId} : REFUSÉS, rien n'a été appliqué (${report.errors.length} ligne(s) à corriger)`,
    );
    for (const e of report.errors.slice(0, 20)) lines.push(`  ligne ${e.line} : ${e.error}`);
    if (report.errors.length > 20) lines.push(`  … et ${report.errors.length - 20} autre(s)`);
    return `${lines.join('\n')}\n`;
  }
  const byOutcome = Object.entries(report.counts.byOutcome)
    .map(([k, n]) => `${OUTCOME_FR[k] ?? k} ${n}`)
    .join(', ');
  lines.push(
    `Résultats d'appels ${report.campaignId} : ${report.counts.lines} appel(s) enregistré(s)${byOutcome ? ` (${byOutcome})` : ''}`,
  );
  lines.push(`  oppositions enregistrées : ${report.counts.oppositions}`);
  lines.push(`  contacts mis à jour : ${report.counts.contactsUpdated}`);
  if (report.counts.unknownNumbers > 0) lines.push(`  numéros inconnus : ${report.counts.unknownNumbers}`);
  return `${lines.join('\n')}\n`;
}
