/**
 * `hygiene send <campaign.json> [--json] [--now ISO]`: runs a campaign through the gate
 * and SES (design.md §3.4). In process: the campaign flow of the send-campaign function
 * runs here, and its queue is this process, which hands each message to the sender flow
 * of the send-message function — the same code as in AWS, without the queue. It reaches
 * the local stack by default (`hygiene up`), or the stack the environment names.
 * Exit 0 the campaign was accepted and run, 1 it was refused, 2 bad usage.
 */
import { readFile } from 'node:fs/promises';
import type { ReasonCode, SendReason } from '#domain/reasons';
import type { Settings } from '#schemas/settings';
import {
  CampaignInvalid,
  type CampaignReport,
  type Enqueue,
  type SendCampaignResult,
  sendCampaign,
} from '#shared/flows/send-campaign';
import { type SendOutcome, sendBatch } from '#shared/flows/send-message';
import { frNumber } from '#shared/french';
import { objectKeys } from '#store/objects';
import { loadSecrets } from '#store/secrets';
import { recordDeferred } from '#store/sends';
import { REASON_LABELS } from './check.ts';
import { loadSettings, parseCommand, parseNow } from './config.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';
import { terminalProgress } from './progress.ts';

/** this command's options besides the common ones (cli/config.ts) */
const OWN_OPTIONS = {} as const;

const USAGE = 'usage : hygiene send <campagne.json> [--json] [--now ISO] [--config fichier] [--advertiser nom]';

export type Delivery = Partial<Record<SendOutcome['status'] | 'error', number>>;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, OWN_OPTIONS, USAGE);
  const path = positionals[0];
  if (!path || positionals.length > 1) throw new UsageError(USAGE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(error instanceof SyntaxError ? `${path} : JSON invalide` : `impossible de lire ${path}`);
  }
  const settings = loadSettings({ config: values.config, advertiser: values.advertiser });
  const now = parseNow(values.now);
  useLocalStackDefaults();
  const shown = terminalProgress(values.json === true);
  const { result, delivery } = await runCampaignHere(raw, {
    now,
    settings,
    onProgress: (counts, sent) =>
      shown.show(
        `${frNumber(counts.audience)} contacts jugés — ${frNumber(counts.send)} à envoyer, ${frNumber(counts.skip)} écartés, ${frNumber(counts.defer)} reportés ; ${frNumber(sent)} envoyés`,
      ),
  });
  shown.done();
  if (values.json) process.stdout.write(`${JSON.stringify({ ...result.report, delivery, reads: result.reads })}\n`);
  else process.stdout.write(formatSummary(result.report, delivery));
  return result.report.status === 'accepted' ? EXIT.done : EXIT.refused;
}

/**
 * Runs a campaign in this process: the send-campaign flow, its queue being this process,
 * which hands each message to the send-message flow — the same code as in AWS, without
 * the queue. Shared by `send` and `campaign resume`.
 */
export async function runCampaignHere(
  raw: unknown,
  {
    now,
    settings,
    onProgress,
  }: { now: Date; settings: Settings; onProgress?: (counts: CampaignReport['counts'], sent: number) => void },
): Promise<{ result: SendCampaignResult; delivery: Delivery }> {
  const secrets = await loadSecrets();
  const delivery: Delivery = {};
  // A message the queue would hold back (SMS window opening within 15 minutes) is recorded
  // as deferred instead, for the next run, rather than keep the command waiting.
  const enqueue: Enqueue = async (messages) => {
    const later = messages.filter((m) => (m.delaySeconds ?? 0) > 0);
    for (const m of later) {
      const notBefore = new Date(now.getTime() + (m.delaySeconds ?? 0) * 1000).toISOString();
      await recordDeferred(m.campaignId, [{ suppressionKey: m.suppressionKey, channel: m.channel, notBefore }], now);
      delivery.deferred = (delivery.deferred ?? 0) + 1;
    }
    const bodies = messages
      .filter((m) => !m.delaySeconds)
      .map(({ campaignId, suppressionKey, channel }) => JSON.stringify({ campaignId, suppressionKey, channel }));
    for (const r of await sendBatch(bodies, () => now, { settings, secrets })) {
      const key = r.ok ? r.outcome.status : 'error';
      delivery[key] = (delivery[key] ?? 0) + 1;
    }
  };
  try {
    return {
      result: await sendCampaign(raw, {
        now,
        settings,
        enqueue,
        enqueueConcurrency: 2,
        ...(onProgress ? { onProgress: (counts) => onProgress(counts, delivery.sent ?? 0) } : {}),
      }),
      delivery,
    };
  } catch (error) {
    if (error instanceof CampaignInvalid) throw new UsageError(error.message);
    throw error;
  }
}

const label = (code: string): string => REASON_LABELS[code as ReasonCode] ?? '';

/** Reasons of the decisions of one status, most frequent first. */
function reasonsOf(report: CampaignReport, status: 'skip' | 'defer'): [SendReason, number][] {
  const counts = new Map<SendReason, number>();
  for (const d of report.decisions) {
    if (d.status !== status) continue;
    for (const r of d.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

const DELIVERY_FR: Record<keyof Delivery, string> = {
  sent: 'envoyés',
  duplicate: 'déjà envoyés (non renvoyés)',
  skipped: "écartés au moment de l'envoi",
  deferred: 'reportés',
  failed: 'refusés par le fournisseur',
  unconfirmed: 'issue inconnue (non renvoyés)',
  'campaign-refused': 'campagne refusée entre-temps',
  gone: 'contacts supprimés entre-temps',
  error: 'en erreur',
};

/** The French summary of a run: verdict, then envoyés / ignorés / différés by reason. */
export function formatSummary(report: CampaignReport, delivery: Delivery): string {
  const lines: string[] = [];
  if (report.status === 'rejected') {
    lines.push(`Campagne ${report.campaignId} : REFUSÉE — aucun message envoyé`);
    for (const r of report.reasons) lines.push(`  ${r} — ${label(r)}`);
    return `${lines.join('\n')}\n`;
  }
  const { counts } = report;
  lines.push(`Campagne ${report.campaignId} : ACCEPTÉE`);
  lines.push(`Audience : ${counts.audience} contact(s)`);
  lines.push(`  envoyés : ${counts.send}`);
  lines.push(`  ignorés : ${counts.skip}`);
  for (const [code, n] of reasonsOf(report, 'skip'))
    lines.push(`    ${code.padEnd(24)} ${String(n).padStart(6)}  ${label(code)}`);
  lines.push(`  différés : ${counts.defer}`);
  for (const [code, n] of reasonsOf(report, 'defer'))
    lines.push(`    ${code.padEnd(24)} ${String(n).padStart(6)}  ${label(code)}`);
  if (counts.alreadyHandled > 0) lines.push(`  déjà traités par un envoi précédent : ${counts.alreadyHandled}`);
  const done = Object.entries(delivery).filter(([, n]) => (n ?? 0) > 0);
  if (done.length > 0) {
    lines.push('Envoi :');
    for (const [status, n] of done) lines.push(`  ${DELIVERY_FR[status as keyof Delivery]} : ${n}`);
  }
  lines.push(`Rapport : ${objectKeys.campaignReport(report.campaignId)}`);
  return `${lines.join('\n')}\n`;
}
