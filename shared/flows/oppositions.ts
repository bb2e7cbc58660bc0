/**
 * Oppositions and SES events, from a parsed input to the stores (issue 5): the one place
 * the ses-events, unsubscribe and sms-inbound functions (and the local stack) share.
 * Decisions come from #domain/events and #domain/unsubscribe-token; this module only
 * applies them: suppressions, contacts, and the evidence ledger.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { breakerRates, breakerTrips } from '#domain/breaker';
import {
  contactAfterActivity,
  countSoftBounce,
  decideInboundSms,
  decideSesEvent,
  type SesEventAction,
} from '#domain/events';
import { emailSuppressionKey } from '#domain/keys';
import { contactAfterTrackingWithdrawal, measurementDiscarded } from '#domain/tracking';
import type { VerifiedToken } from '#domain/unsubscribe-token';
import { parseWith } from '#schemas/parse';
import { readSesMessage } from '#schemas/ses-events';
import type { Settings } from '#schemas/settings';
import { inboundSmsSchema } from '#schemas/sms-inbound';
import { logger, metrics } from '#shared/powertools';
import { countCampaignEvent, getBreaker, pauseCampaign } from '#store/campaign-breaker';
import { deleteContact, recordSolicitation, updateContact } from '#store/contacts';
import { appendLedgerEntries, ledgerEntriesFor } from '#store/ledger';
import { putSuppression, type SuppressionInput, type SuppressionSource } from '#store/suppressions';

export type SuppressionToRecord = SuppressionInput;

/**
 * Records a suppression and its evidence (rules.md §8): a ledger entry the first time the
 * key is suppressed this way. Idempotent. If a previous attempt stored the suppression but
 * died before the ledger, the repeat finds no entry and writes it.
 */
export async function recordSuppression(entry: SuppressionToRecord): Promise<{ created: boolean; newSource: boolean }> {
  const outcome = await putSuppression(entry);
  if (outcome.created || outcome.newSource || (await evidenceMissing(entry.suppressionKey, entry.source))) {
    await recordOppositionEvidence(entry);
  }
  return outcome;
}

/** Appends the `opposition-recorded` ledger entry (suppression key, reason, source, campaign: no personal data). */
export async function recordOppositionEvidence(entry: SuppressionToRecord): Promise<void> {
  await appendLedgerEntries([
    {
      type: 'opposition-recorded',
      at: entry.at.toISOString(),
      subject: entry.suppressionKey,
      payload: {
        reason: entry.reason,
        source: entry.source,
        ...(entry.channel ? { channel: entry.channel } : {}),
        ...(entry.campaignId ? { campaignId: entry.campaignId } : {}),
      },
    },
  ]);
}

async function evidenceMissing(suppressionKey: string, source: SuppressionSource): Promise<boolean> {
  const entries = await ledgerEntriesFor(suppressionKey);
  return !entries.some((e) => e.type === 'opposition-recorded' && e.payload.source === source);
}

/** What was done, for the log line: kinds and keys only. */
export interface AppliedAction {
  kind: SesEventAction['kind'] | 'bounced';
  suppressionKey: string;
  /** false when the event changed nothing (a repeat, an older event, no such contact) */
  changed: boolean;
}

/**
 * rules.md §6: after a count, the campaign's breaker: past its thresholds the campaign is
 * paused (its messages not yet sent are deferred, CAMPAIGN_PAUSED) and the alarm raised,
 * once. Counts are read back consistently: concurrent events each see every count before theirs.
 */
async function judgeBreaker(campaignId: string, settings: Settings, at: Date): Promise<void> {
  const state = await getBreaker(campaignId);
  const reason = breakerTrips(state, settings);
  if (!reason) return;
  if (await pauseCampaign(campaignId, reason, at)) {
    const { complaintRate, hardBounceRate } = breakerRates(state);
    logger.error('CAMPAIGN PAUSED by its complaint or bounce rate: an operator must resume or cancel it', {
      campaignId,
      reason,
      deliveries: state.deliveries,
      complaintRate,
      hardBounceRate,
    });
    metrics.addMetric('CampaignPaused', MetricUnit.Count, 1);
  }
}

/** rules.md §8: a soft bounce counted; at the threshold the address is BOUNCED and its contact goes. */
async function applySoftBounce(
  action: Extract<SesEventAction, { kind: 'soft-bounce' }>,
  settings: Settings,
): Promise<AppliedAction[]> {
  const { suppressionKey } = action;
  let count: ReturnType<typeof countSoftBounce> | undefined;
  const written = await updateContact(
    suppressionKey,
    (stored) => {
      count = countSoftBounce(stored.softBounces, action.at, settings);
      return count.counted ? { ...stored, softBounces: count.softBounces } : undefined;
    },
    settings,
  );
  const applied: AppliedAction[] = [{ kind: action.kind, suppressionKey, changed: written !== undefined }];
  // at the threshold (also on a repeat, in case the previous attempt died before suppressing)
  if (count?.bounced) {
    await recordSuppression({
      suppressionKey,
      reason: 'BOUNCED',
      source: 'soft-bounces',
      at: action.at,
      channel: 'email',
      ...(action.campaignId ? { campaignId: action.campaignId } : {}),
    });
    await deleteContact(suppressionKey);
    applied.push({ kind: 'bounced', suppressionKey, changed: true });
  }
  return applied;
}

/** Applies the actions of one SES event, in order. */
export async function applySesActions(
  actions: readonly SesEventAction[],
  settings: Settings,
): Promise<AppliedAction[]> {
  const applied: AppliedAction[] = [];
  for (const action of actions) {
    const { suppressionKey } = action;
    switch (action.kind) {
      case 'suppress': {
        const { kind: _kind, ...suppression } = action;
        const { created, newSource } = await recordSuppression({ ...suppression, channel: 'email' });
        applied.push({ kind: action.kind, suppressionKey, changed: created || newSource });
        break;
      }
      case 'delete-contact':
        applied.push({
          kind: action.kind,
          suppressionKey,
          changed: (await deleteContact(suppressionKey)) !== undefined,
        });
        break;
      case 'soft-bounce':
        applied.push(...(await applySoftBounce(action, settings)));
        break;
      case 'activity': {
        // optimistic lock (updateContact): a concurrent import or purge is never overwritten
        // rules.md §7b: a click of a person who withdrew their tracking consent is discarded
        const written = await updateContact(
          suppressionKey,
          (c) => (measurementDiscarded(c) ? undefined : contactAfterActivity(c, action.at, settings)),
          settings,
        );
        applied.push({ kind: action.kind, suppressionKey, changed: written !== undefined });
        break;
      }
      case 'solicited':
        await recordSolicitation(suppressionKey, action.at);
        applied.push({ kind: action.kind, suppressionKey, changed: true });
        break;
      case 'sender-fault':
        // rules.md §8: nothing against the address; the operator must fix SPF, DKIM or DMARC
        logger.error(
          'SENDER AUTHENTICATION FAILURE: a bounce blames the sender, not the address (check SPF, DKIM, DMARC)',
          {
            code: action.code,
            campaignId: action.campaignId,
          },
        );
        metrics.addMetric('SenderAuthFailure', MetricUnit.Count, 1);
        applied.push({ kind: action.kind, suppressionKey, changed: false });
        break;
      case 'campaign-count': {
        const counted = await countCampaignEvent(action.campaignId, suppressionKey, action.count, action.at);
        applied.push({ kind: action.kind, suppressionKey, changed: counted });
        if (counted) await judgeBreaker(action.campaignId, settings, action.at);
        break;
      }
    }
  }
  return applied;
}

export type SesMessageOutcome =
  | { kind: 'ignored'; type: string }
  | { kind: 'applied'; type: string; envelope: string; applied: AppliedAction[] };

/**
 * One SQS message body of the ses-events queue: read (any envelope), decide, apply.
 * Throws on a malformed body (SesMessageInvalid) or a store failure: the message is retried.
 */
export async function handleSesMessage(
  body: string,
  ctx: { now: Date; settings: Settings; suppressionKeySecret: string },
): Promise<SesMessageOutcome> {
  const message = readSesMessage(body);
  if (message.kind === 'ignored') return message;
  const actions = decideSesEvent(message.record, ctx);
  return {
    kind: 'applied',
    type: message.record.eventType,
    envelope: message.envelope,
    applied: await applySesActions(actions, ctx.settings),
  };
}

/**
 * One inbound SMS (the SNS Message of AWS End User Messaging two-way SMS): a STOP text
 * records an opposition for the number. Returns the suppression key when it did.
 */
export async function handleInboundSms(
  message: string,
  ctx: { at: Date; suppressionKeySecret: string },
): Promise<{ stop: false } | { stop: true; suppressionKey: string; created: boolean }> {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new Error('inbound SMS: SNS Message is not JSON');
  }
  const parsed = parseWith(inboundSmsSchema, json, 'inbound SMS');
  if (!parsed.ok) throw new Error(parsed.error);
  const decision = decideInboundSms(parsed.value, ctx);
  if (!decision) return { stop: false };
  if ('unreadableNumber' in decision) throw new InboundStopUnreadable();
  const { created, newSource } = await recordSuppression({
    suppressionKey: decision.suppressionKey,
    reason: 'OPPOSED',
    source: 'sms-stop',
    at: ctx.at,
    channel: 'sms',
  });
  return { stop: true, suppressionKey: decision.suppressionKey, created: created || newSource };
}

/**
 * A STOP text whose sending number does not parse: it fails (its event is retried, then
 * lands in the dead-letter queue, whose alarm fires) rather than being dropped. The
 * message names no number.
 */
export class InboundStopUnreadable extends Error {
  override readonly name = 'InboundStopUnreadable';
  constructor() {
    super('inbound SMS: a STOP text whose sending number cannot be read; kept for an operator (dead-letter queue)');
  }
}

/** rules.md §7: the POST of an unsubscribe link or of a one-click button records the opposition. */
/**
 * rules.md §7b: the POST of a tracking withdrawal link — the contact's tracking consent is
 * removed at once (later opens and clicks are discarded), with its ledger entry. Not an
 * opposition: the person may still be prospected. Idempotent.
 */
export async function recordTrackingWithdrawal(
  token: Extract<VerifiedToken, { ok: true }>,
  at: Date,
  settings: Settings,
): Promise<{ changed: boolean }> {
  const written = await updateContact(
    token.suppressionKey,
    (contact) => contactAfterTrackingWithdrawal(contact, at),
    settings,
  );
  if (written) {
    await appendLedgerEntries([
      {
        type: 'tracking-withdrawn',
        at: at.toISOString(),
        subject: token.suppressionKey,
        payload: { campaignId: token.campaignId },
      },
    ]);
  }
  return { changed: written !== undefined };
}

/**
 * The objection form (issue 22): the person typed their address — when their link was
 * broken or expired, or they have none. Recorded at once, keyed (no address stored).
 * False when the text is not an address.
 */
export async function recordObjection(
  address: string,
  at: Date,
  suppressionKeySecret: string,
): Promise<{ recorded: boolean; suppressionKey?: string }> {
  const suppressionKey = emailSuppressionKey(address, suppressionKeySecret);
  if (!suppressionKey) return { recorded: false };
  await recordSuppression({ suppressionKey, reason: 'OPPOSED', source: 'objection-form', at, channel: 'email' });
  return { recorded: true, suppressionKey };
}

export async function recordUnsubscribe(
  token: Extract<VerifiedToken, { ok: true }>,
  source: 'one-click' | 'unsubscribe-link',
  at: Date,
): Promise<{ created: boolean }> {
  const { created, newSource } = await recordSuppression({
    suppressionKey: token.suppressionKey,
    reason: 'OPPOSED',
    source,
    at,
    channel: 'email',
    campaignId: token.campaignId,
  });
  return { created: created || newSource };
}
