/**
 * `hygiene campaign status|resume|cancel <campaignId> [--json]` (rules.md §6, design.md
 * §3.4): a campaign's counts and its breaker. `resume` lifts a pause and runs the campaign
 * again from the version the gate accepted (its deferred messages go out, nothing is sent
 * twice); `cancel` ends it: nothing more of it is sent.
 * Exit 0 done, 1 nothing to do (not paused, already cancelled, unknown campaign), 2 bad usage.
 */
import { type BreakerState, breakerRates } from '#domain/breaker';
import { frDateTime } from '#shared/french';
import { cancelCampaign, getBreaker, resumeCampaign } from '#store/campaign-breaker';
import { getCampaignVersion, sendsOfCampaign } from '#store/sends';
import { loadSettings, parseCommand, parseNow } from './config.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';
import { formatSummary, runCampaignHere } from './send.ts';

const USAGE = 'usage : hygiene campaign status|resume|cancel <campaignId> [--json] [--now ISO]';

export interface CampaignStatus {
  campaignId: string;
  known: boolean;
  state: 'running' | 'paused' | 'cancelled';
  breaker: BreakerState & { complaintRate: number; hardBounceRate: number };
  /** the campaign's messages by status (sends table) */
  sends: Record<string, number>;
}

async function statusOf(campaignId: string): Promise<CampaignStatus> {
  const [version, breaker, sends] = await Promise.all([
    getCampaignVersion(campaignId),
    getBreaker(campaignId),
    sendsOfCampaign(campaignId),
  ]);
  const byStatus: Record<string, number> = {};
  for (const r of sends.records) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  return {
    campaignId,
    known: version !== undefined,
    state: breaker.cancelledAt ? 'cancelled' : breaker.pausedAt ? 'paused' : 'running',
    breaker: { ...breaker, ...breakerRates(breaker) },
    sends: byStatus,
  };
}

const percent = (rate: number): string => `${(rate * 100).toLocaleString('fr-FR', { maximumFractionDigits: 2 })} %`;
const STATE_FR = { running: 'en cours', paused: 'SUSPENDUE', cancelled: 'ANNULÉE' } as const;
const SEND_FR: Record<string, string> = {
  sent: 'envoyés',
  deferred: 'reportés',
  claimed: 'issue inconnue',
  failed: 'refusés',
  skipped: 'écartés',
};

export function formatStatus(s: CampaignStatus): string {
  const b = s.breaker;
  const lines = [`Campagne ${s.campaignId} : ${s.known ? STATE_FR[s.state] : 'inconnue'}`];
  if (b.pausedAt)
    lines.push(
      `  suspendue le ${frDateTime(b.pausedAt)} (${b.pauseReason === 'complaints' ? 'taux de plaintes' : 'taux de rebonds'}) : « hygiene campaign resume ${s.campaignId} » pour reprendre, « cancel » pour arrêter`,
    );
  lines.push(`  délivrés : ${b.deliveries}`);
  lines.push(`  plaintes : ${b.complaints} (${percent(b.complaintRate)})`);
  lines.push(`  rebonds définitifs : ${b.hardBounces} (${percent(b.hardBounceRate)})`);
  if (b.senderFaults > 0)
    lines.push(
      `  rebonds dus à l'authentification de l'expéditeur (SPF, DKIM, DMARC) : ${b.senderFaults} — à corriger`,
    );
  const sends = Object.entries(s.sends);
  if (sends.length) lines.push(`  messages : ${sends.map(([k, n]) => `${SEND_FR[k] ?? k} ${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, USAGE);
  const [action, campaignId] = positionals;
  if (!action || !campaignId || positionals.length !== 2 || !['status', 'resume', 'cancel'].includes(action))
    throw new UsageError(USAGE);
  const now = parseNow(values.now);
  const settings = loadSettings({ config: values.config, advertiser: values.advertiser });
  useLocalStackDefaults();
  const out = (text: string, json: unknown) => process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : text);

  if (action === 'status') {
    const status = await statusOf(campaignId);
    out(formatStatus(status), status);
    return status.known ? EXIT.done : EXIT.refused;
  }
  if (action === 'cancel') {
    const cancelled = await cancelCampaign(campaignId, now);
    const status = await statusOf(campaignId);
    out(cancelled ? `Campagne ${campaignId} annulée : plus aucun message ne partira.\n` : formatStatus(status), {
      cancelled,
      ...status,
    });
    return cancelled ? EXIT.done : EXIT.refused;
  }
  // resume
  if (!(await resumeCampaign(campaignId, now))) {
    const status = await statusOf(campaignId);
    out(`Campagne ${campaignId} : pas suspendue, rien à reprendre.\n${formatStatus(status)}`, {
      resumed: false,
      ...status,
    });
    return EXIT.refused;
  }
  const version = await getCampaignVersion(campaignId);
  if (!version)
    throw new UsageError(
      `campagne ${campaignId} : aucune version acceptée par le contrôle à relancer — envoyez-la avec « hygiene send <campagne.json> »`,
    );
  const { result, delivery } = await runCampaignHere(version.campaign, { now, settings });
  out(`Campagne ${campaignId} reprise.\n${formatSummary(result.report, delivery)}`, {
    resumed: true,
    report: result.report,
    delivery,
  });
  return EXIT.done;
}
