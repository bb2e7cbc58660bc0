/**
 * `hygiene gate <campaign.json> --manifest <m.json>…`: offline, which rows of those lists
 * a campaign may reach, and why not (design.md §3.4). Each list is judged as `check`
 * judges it; accepted rows become contacts, gated against the campaign (rules.md §6).
 */
import { readFile } from 'node:fs/promises';
import type { Contact, RowDecision } from '#domain/contact';
import { type CampaignReason, gateContact, judgeCampaign } from '#domain/gate';
import { mergeContact } from '#domain/merge';
import {
  type ListReason,
  type ReasonCode,
  type RowReason,
  type SendReason,
  type SuppressionReason,
  strongestSuppression,
} from '#domain/reasons';
import { type Campaign, campaignSchema } from '#schemas/campaign';
import { parseWith } from '#schemas/parse';
import type { Settings } from '#schemas/settings';
import { frDateTime, frNumber } from '#shared/french';
import { DECISION_LABELS, REASON_LABELS, withLabels } from '#shared/reason-labels';
import { checkList } from './check.ts';
import { loadSettings, parseCommand, parseNow } from './config.ts';
import { EXIT, UsageError } from './errors.ts';

/** this command's options besides the common ones (cli/config.ts) */
const OWN_OPTIONS = { manifest: { type: 'string', multiple: true } } as const;

export type GateReason = CampaignReason | RowReason | SendReason | ListReason;

export interface GateDecision {
  listId: string;
  line: number;
  status: 'send' | 'skip' | 'defer';
  reasons: GateReason[];
  notBefore?: string;
}

export interface GateReport {
  campaignId: string;
  /** `phone`: `send` means « may be called now », `defer` « not now, later » (design.md §3.5) */
  channel: Campaign['channel'];
  status: 'accepted' | 'rejected';
  reasons: CampaignReason[];
  /** each list's verdict (a list that is not accepted brings no row) */
  lists: { listId: string; status: 'accepted' | 'rejected' | 'quarantined'; reasons: ListReason[] }[];
  counts: { send: number; skip: number; defer: number };
  /** each skipped or deferred row once, under its first reason */
  byReason: Partial<Record<GateReason, number>>;
  /** rows of lists the campaign's audience filter leaves out */
  outOfAudience: number;
  decisions: GateDecision[];
}

async function readCampaign(path: string): Promise<Campaign> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`impossible de lire la campagne ${path}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`campagne ${path} : JSON invalide`);
  }
  const parsed = parseWith(campaignSchema, raw, 'campagne');
  if (!parsed.ok) throw new UsageError(parsed.error);
  return parsed.value;
}

/** Gate a campaign against lists, offline. */
export async function gateCampaign(
  campaign: Campaign,
  manifestPaths: readonly string[],
  opts: { now: Date; settings: Settings },
): Promise<GateReport> {
  const verdict = judgeCampaign(campaign, opts.settings);
  const report: GateReport = {
    campaignId: campaign.campaignId,
    channel: campaign.channel,
    status: verdict.status,
    reasons: verdict.reasons,
    lists: [],
    counts: { send: 0, skip: 0, defer: 0 },
    byReason: {},
    outOfAudience: 0,
    decisions: [],
  };
  const lists = campaign.audience?.lists;
  const kinds = campaign.audience?.kinds;
  // One contact per suppression key, as the store keeps it: a person on two lists is one contact.
  const contacts = new Map<string, Contact>();
  // rules.md §4b: an export's opt-out in any list of the run opposes the person in every list
  const exportOpposed = new Map<string, SuppressionReason>();
  const rows: { listId: string; decision: RowDecision; key?: string }[] = [];
  for (const path of manifestPaths) {
    const listRows: { decision: RowDecision; contact?: Contact }[] = [];
    const listReport = await checkList(path, {
      now: opts.now,
      settings: opts.settings,
      keepDecisions: false,
      contacts: true,
      onDecision: (decision, contact, oppositions) => {
        listRows.push({ decision, contact });
        for (const o of oppositions ?? []) {
          const before = exportOpposed.get(o.suppressionKey);
          exportOpposed.set(o.suppressionKey, strongestSuppression([before, o.reason]) as SuppressionReason);
        }
      },
    });
    report.lists.push({ listId: listReport.listId, status: listReport.status, reasons: listReport.reasons });
    if (listReport.status !== 'accepted') continue;
    if (lists && !lists.includes(listReport.listId)) {
      report.outOfAudience += listRows.length;
      continue;
    }
    for (const { decision, contact } of listRows) {
      if (contact) {
        if (kinds && !kinds.includes(contact.kind)) {
          report.outOfAudience++;
          continue;
        }
        const stored = contacts.get(contact.suppressionKey);
        contacts.set(contact.suppressionKey, stored ? mergeContact(stored, contact) : contact);
        rows.push({ listId: listReport.listId, decision, key: contact.suppressionKey });
      } else {
        rows.push({ listId: listReport.listId, decision });
      }
    }
  }

  const gated = new Set<string>();
  for (const { listId, decision, key } of rows) {
    let d: GateDecision;
    if (!key) {
      // rejected at import: a skip with its import reasons
      d = { listId, line: decision.line, status: 'skip', reasons: decision.reasons ?? [] };
    } else if (verdict.status === 'rejected') {
      d = { listId, line: decision.line, status: 'skip', reasons: [...verdict.reasons] };
    } else if (gated.has(key)) {
      // the same person reached through an earlier row: one message only
      d = { listId, line: decision.line, status: 'skip', reasons: ['DUPLICATE'] };
    } else {
      gated.add(key);
      const contact = contacts.get(key) as Contact;
      const suppression = strongestSuppression(
        [contact.suppressionKey, contact.phoneKey].map((k) => (k ? exportOpposed.get(k) : undefined)),
      );
      const g = gateContact(contact, campaign, { now: opts.now, settings: opts.settings, suppression });
      d = { listId, line: decision.line, status: g.status, reasons: g.reasons };
      if (g.notBefore) d.notBefore = g.notBefore;
    }
    report.counts[d.status]++;
    const first = d.reasons[0];
    if (first) report.byReason[first] = (report.byReason[first] ?? 0) + 1;
    report.decisions.push(d);
  }
  return report;
}

const label = (code: string): string => REASON_LABELS[code as ReasonCode] ?? '';

export function formatGateReport(report: GateReport): string {
  const lines: string[] = [];
  lines.push(
    `Campagne ${report.campaignId} : ${report.status === 'accepted' ? 'ACCEPTÉE' : 'REFUSÉE'} (${report.status})`,
  );
  for (const r of report.reasons) lines.push(`  ${r} — ${label(r)}`);
  for (const l of report.lists) {
    lines.push(
      `Liste ${l.listId} : ${DECISION_LABELS[l.status] ?? l.status}${l.reasons.length ? ` — ${withLabels(l.reasons)}` : ''}`,
    );
  }
  lines.push(
    `${report.channel === 'phone' ? 'Appels possibles maintenant' : 'Envois'} : ${frNumber(report.counts.send)} — écartés ${frNumber(report.counts.skip)}, reportés ${frNumber(report.counts.defer)}` +
      (report.outOfAudience ? `, hors cible ${report.outOfAudience}` : ''),
  );
  const byReason = Object.entries(report.byReason).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  if (byReason.length > 0) {
    lines.push('Par motif :');
    const width = Math.max(...byReason.map(([code]) => code.length));
    for (const [code, count] of byReason)
      lines.push(`  ${code.padEnd(width)} ${String(count).padStart(7)}  ${label(code)}`);
  }
  const skipped = report.decisions.filter((d) => d.status !== 'send').slice(0, 10);
  if (skipped.length > 0) {
    lines.push('Premières lignes écartées ou reportées :');
    for (const d of skipped) {
      lines.push(
        `  ${d.listId} ligne ${d.line} : ${DECISION_LABELS[d.status] ?? d.status}, ${withLabels(d.reasons)}${d.notBefore ? ` (à partir du ${frDateTime(d.notBefore)})` : ''}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, OWN_OPTIONS);
  const manifests = values.manifest ?? [];
  if (positionals.length !== 1 || manifests.length === 0) {
    throw new UsageError(
      'usage : hygiene gate <campagne.json> --manifest <m.json> [--manifest …] [--json] [--now ISO]',
    );
  }
  const settings = loadSettings({ config: values.config, advertiser: values.advertiser });
  const now = parseNow(values.now);
  const campaign = await readCampaign(positionals[0] as string);
  const report = await gateCampaign(campaign, manifests, { now, settings });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatGateReport(report));
  return report.status === 'accepted' ? EXIT.done : EXIT.refused;
}
