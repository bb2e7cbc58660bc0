/**
 * A `phone` campaign's call sheet (rules.md §6b, design.md §3.5): the campaign judged as
 * a whole, each contact of its audience judged by the same gate as every send —
 * oppositions read now — and given its call slots over the next days. Writes
 * `reports/calls/<campaignId>.json` (no personal data but the sheet's own lines: the
 * sales team's working list) and `.csv`.
 */
import { type CallDecision, type CallEntry, type CallSheet, callEntry, callOf, sheetRange } from '#domain/calls';
import { formatParis } from '#domain/dates';
import { judgeCampaign } from '#domain/gate';
import type { RecipientKind, SendReason } from '#domain/reasons';
import { type Campaign, campaignSchema } from '#schemas/campaign';
import { parseWith } from '#schemas/parse';
import type { Settings } from '#schemas/settings';
import { neutraliseCsvCell, toCsvLine } from '#shared/csv/write-csv';
import { objectKeys, putObject } from '#store/objects';
import { audiencePages, pageSuppressions, readAhead } from './audience.ts';
import { CampaignInvalid } from './send-campaign.ts';

/** A phone campaign, or CampaignInvalid naming the field. */
export function parsePhoneCampaign(raw: unknown): Campaign {
  const parsed = parseWith(campaignSchema, raw, 'campagne');
  if (!parsed.ok) throw new CampaignInvalid(parsed.error);
  if (parsed.value.channel !== 'phone')
    throw new CampaignInvalid(
      "campagne : channel : une fiche d'appels est pour une campagne d'appels (channel « phone »)",
    );
  return parsed.value;
}

/**
 * Makes the call sheet of a phone campaign from `from` over `days` days, from the store,
 * and writes it to the bucket. A refused campaign gets a sheet with no call and its reasons.
 */
export async function makeCallSheet(
  raw: unknown,
  options: { from: Date; days?: number; settings: Settings },
): Promise<CallSheet> {
  const { from, settings } = options;
  const days = options.days ?? settings.calls.sheetDays;
  const campaign = parsePhoneCampaign(raw);
  const judgement = judgeCampaign(campaign, settings);
  const sheet: CallSheet = {
    campaignId: campaign.campaignId,
    status: judgement.status,
    reasons: judgement.reasons,
    from: from.toISOString(),
    days,
    counts: { call: 0, skip: 0, defer: 0 },
    byReason: {},
    calls: [],
    decisions: [],
  };
  if (judgement.status === 'accepted') {
    const { until } = sheetRange(from, days);
    const kinds = campaign.audience?.kinds ? new Set<RecipientKind>(campaign.audience.kinds) : undefined;
    for await (const page of readAhead(audiencePages(campaign))) {
      const contacts = kinds ? page.contacts.filter((c) => kinds.has(c.kind)) : page.contacts;
      if (contacts.length === 0) continue;
      const suppressions = await pageSuppressions(contacts);
      for (const contact of contacts) {
        const suppression = suppressions.of(contact);
        const where = { listId: contact.listId, line: page.lines.get(contact.suppressionKey) };
        const judged = callOf(contact, campaign, { from, until, settings, suppression });
        if (judged.status === 'call') {
          sheet.calls.push(callEntry(contact, judged.slots, where));
          sheet.counts.call++;
          continue;
        }
        const decision: CallDecision = {
          listId: where.listId,
          ...(where.line !== undefined ? { line: where.line } : {}),
          suppressionKey: contact.suppressionKey,
          status: judged.status,
          reasons: judged.reasons,
          ...(judged.notBefore ? { notBefore: judged.notBefore } : {}),
        };
        sheet.decisions.push(decision);
        sheet.counts[judged.status]++;
        const first = judged.reasons[0] as SendReason | undefined;
        if (first) sheet.byReason[first] = (sheet.byReason[first] ?? 0) + 1;
      }
    }
  }
  // the sales team works down the sheet in list order
  const order = (a: { listId: string; line?: number }, b: { listId: string; line?: number }) =>
    a.listId === b.listId ? (a.line ?? 0) - (b.line ?? 0) : a.listId < b.listId ? -1 : 1;
  sheet.calls.sort(order);
  sheet.decisions.sort(order);
  await putObject(objectKeys.callSheet(sheet.campaignId, 'json'), JSON.stringify(sheet), 'application/json');
  await putObject(objectKeys.callSheet(sheet.campaignId, 'csv'), callSheetCsv(sheet.calls), 'text/csv; charset=utf-8');
  return sheet;
}

const CSV_HEADER = [
  'number',
  'national',
  'first_name',
  'last_name',
  'company',
  'job_title',
  'list_id',
  'line',
  'slots_europe_paris',
];

/** A slot as a person reads it, in Paris time: `mar. 08/12/2026 10:00–13:00`. */
function slotText(slot: { from: string; to: string }): string {
  const from = formatParis(new Date(slot.from));
  const to = formatParis(new Date(slot.to));
  return from.date === to.date
    ? `${from.date} ${from.time}–${to.time}`
    : `${from.date} ${from.time}–${to.date} ${to.time}`;
}

/**
 * The sheet as the sales team opens it (Excel: UTF-8 with a BOM, `;`): one line per
 * person to call, the slots in Paris time. Cells that came from a list are neutralised
 * (no formula injection); the numbers are written by us.
 */
export function callSheetCsv(calls: readonly CallEntry[]): string {
  const lines = [toCsvLine(CSV_HEADER, ';')];
  for (const c of calls) {
    // the numbers are ours (digits, written by libphonenumber); the rest came from a list
    const listCells = [
      c.firstName ?? '',
      c.lastName ?? '',
      c.company ?? '',
      c.jobTitle ?? '',
      c.listId,
      c.line === undefined ? '' : String(c.line),
      c.slots.map(slotText).join(' | '),
    ];
    lines.push(toCsvLine([c.number, c.national, ...listCells.map(neutraliseCsvCell)], ';'));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
