/**
 * One queued message to one contact (issue 6), at most once: the contact and its
 * oppositions are read again and the same gate applied (an opposition recorded since the
 * campaign run still blocks it), the send is claimed in the sends table BEFORE the
 * provider is called, then the message goes out through SES (email) or the SMS adapter,
 * carrying what rules.md §7 requires, and the solicitation is recorded.
 */

import type { BreakerState } from '#domain/breaker';
import type { Contact } from '#domain/contact';
import { needsSourceNotice, renderEmail, renderSms } from '#domain/content';
import { gateContact, judgeCampaign, sentInCapWindow } from '#domain/gate';
import type { LedgerEntryInput } from '#domain/ledger';
import { type SendReason, type SuppressionReason, strongestSuppression } from '#domain/reasons';
import { tracksMessage } from '#domain/tracking';
import {
  createTrackingToken,
  createUnsubscribeToken,
  trackingOptOutUrl,
  unsubscribeUrl,
} from '#domain/unsubscribe-token';
import type { Campaign } from '#schemas/campaign';
import { parseWith } from '#schemas/parse';
import { type SendQueueMessage, sendMessageSchema } from '#schemas/send-message';
import type { Settings } from '#schemas/settings';
import { keyTag, logger } from '#shared/powertools';
import { isThrottling, retryThrottled, type Sleep, StillThrottled, TokenBucket } from '#shared/sending-rate';
import { getBreaker } from '#store/campaign-breaker';
import { getContact, recordSolicitation, updateContact } from '#store/contacts';
import { retrying } from '#store/dynamo-batch';
import { type EmailToSend, sendEmail } from '#store/email';
import { appendLedgerEntriesOnce } from '#store/ledger';
import type { Secrets } from '#store/secrets';
import {
  type CampaignVersion,
  claimSend,
  getCampaignVersion,
  getSend,
  markFailed,
  markSent,
  recordDeferred,
  recordSkipped,
  releaseClaim,
} from '#store/sends';
import { type SmsSender, smsSender } from '#store/sms';
import { getSuppression } from '#store/suppressions';

export type SendOutcome =
  | { status: 'sent'; messageId: string }
  /** a claim exists: this message was sent, or may have been (redelivery, earlier run) */
  | { status: 'duplicate' }
  | { status: 'skipped'; reasons: SendReason[] }
  | { status: 'deferred'; notBefore?: string; reasons?: SendReason[] }
  /** the provider refused it for good (e.g. MessageRejected): marked failed, not retried */
  | { status: 'failed'; error: string }
  /** the provider's answer was lost: the claim stays, the message is never sent again (at most once) */
  | { status: 'unconfirmed'; error: string }
  /** the campaign is unknown or was refused (a refused re-upload stops what is still queued) */
  | { status: 'campaign-refused' }
  /** the contact is gone (purged or erased since the campaign run) */
  | { status: 'gone' };

export interface SenderDeps {
  settings: Settings;
  secrets: Pick<Secrets, 'tokenKeys' | 'currentTokenKeyId'>;
  /** defaults: SESv2 and the process's SMS sender */
  sendEmail?: (email: EmailToSend) => Promise<{ messageId: string }>;
  sms?: SmsSender;
  /** the process's sending rate (one bucket per Lambda instance) */
  rate?: TokenBucket;
  /** retries of throttled calls */
  retry?: { maxAttempts?: number; baseMs?: number; capMs?: number; sleep?: Sleep };
}

let processBucket: TokenBucket | undefined;

/** The token bucket of this process, at settings.sendingRatePerSecond. */
export function processRate(settings: Settings): TokenBucket {
  processBucket ??= new TokenBucket(settings.sendingRatePerSecond);
  return processBucket;
}

/**
 * SES errors that say "this message will never be taken as it is": retrying cannot help,
 * and sending later is the operator's call. Any 4xx answer that is not throttling counts.
 */
function isPermanent(error: unknown): boolean {
  const e = error as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  if (isThrottling(error)) return false;
  if (e.$fault === 'client') return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

/** The campaigns of one batch of messages, read once each. */
export class CampaignVersions {
  private readonly read = new Map<string, Promise<CampaignVersion | undefined>>();
  private readonly breakers = new Map<string, Promise<BreakerState>>();

  /** rules.md §6: the campaign's breaker, read once a batch (a pause reaches the next batch) */
  breaker(campaignId: string): Promise<BreakerState> {
    let state = this.breakers.get(campaignId);
    if (!state) {
      state = getBreaker(campaignId);
      this.breakers.set(campaignId, state);
    }
    return state;
  }

  get(campaignId: string): Promise<CampaignVersion | undefined> {
    let version = this.read.get(campaignId);
    if (!version) {
      version = getCampaignVersion(campaignId);
      this.read.set(campaignId, version);
    }
    return version;
  }
}

async function suppressionNow(contact: Contact): Promise<SuppressionReason | undefined> {
  // strongly consistent reads: an opposition recorded a second ago must count (rules.md §0.3)
  const entries = await Promise.all(
    [contact.suppressionKey, contact.phoneKey].filter((k): k is string => Boolean(k)).map(getSuppression),
  );
  return strongestSuppression(entries.map((e) => e?.reason));
}

/**
 * Sends one queued message, or explains why not. Throws only when the message should be
 * delivered again (infrastructure error before the claim, or throttled past every retry:
 * the claim is then given back).
 */
export async function sendOne(
  message: SendQueueMessage,
  now: Date,
  deps: SenderDeps,
  campaigns = new CampaignVersions(),
): Promise<{ outcome: SendOutcome; ledger?: LedgerEntryInput }> {
  const { settings } = deps;
  const { campaignId, suppressionKey, channel } = message;
  const version = await campaigns.get(campaignId);
  // judged again here: the stored version is what the gate accepted, and the law does not change in between
  if (version?.status !== 'accepted' || version.campaign.channel !== channel)
    return { outcome: { status: 'campaign-refused' } };
  const campaign: Campaign = version.campaign;
  if (judgeCampaign(campaign, settings).status !== 'accepted') return { outcome: { status: 'campaign-refused' } };
  // rules.md §6: the breaker of an email campaign (cancelled: nothing more goes out)
  const breaker = channel === 'email' ? await campaigns.breaker(campaignId) : undefined;
  if (breaker?.cancelledAt) return { outcome: { status: 'campaign-refused' } };

  const contact = await getContact(suppressionKey);
  if (!contact) return { outcome: { status: 'gone' } };
  const firstMessage = !contact.informedAt;
  const gate = gateContact(contact, campaign, {
    now,
    settings,
    suppression: await suppressionNow(contact),
    sentInCapWindow: sentInCapWindow(contact, now, settings),
    firstMessage,
    paused: breaker?.pausedAt !== undefined,
  });
  if (gate.status === 'skip') {
    await recordSkipped(campaignId, suppressionKey, channel, gate.reasons, now);
    return { outcome: { status: 'skipped', reasons: gate.reasons } };
  }
  if (gate.status === 'defer') {
    const entry = {
      suppressionKey,
      channel,
      reasons: gate.reasons,
      ...(gate.notBefore ? { notBefore: gate.notBefore } : {}),
    };
    await recordDeferred(campaignId, [entry], now);
    return {
      outcome: { status: 'deferred', reasons: gate.reasons, ...(gate.notBefore ? { notBefore: gate.notBefore } : {}) },
    };
  }

  const claim = await claimSend(campaignId, suppressionKey, now, channel);
  if (!claim) return duplicateOf(message);

  const url = unsubscribeUrl(
    settings.unsubscribeBaseUrl,
    createUnsubscribeToken({ suppressionKey, campaignId }, deps.secrets, now),
  );
  let messageId: string;
  try {
    await (deps.rate ?? processRate(settings)).take();
    messageId = (await retryThrottled(() => deliver(campaign, contact, url, firstMessage, deps, now), deps.retry ?? {}))
      .messageId;
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    if (error instanceof StillThrottled) {
      // the provider did not take it: give the claim back so the redelivery may send it
      await releaseClaim(claim);
      throw error;
    }
    if (isPermanent(error)) {
      await markFailed(claim, name, now);
      return { outcome: { status: 'failed', error: name } };
    }
    // network error, timeout, 5xx: the message may have gone; never send it twice
    return { outcome: { status: 'unconfirmed', error: name } };
  }
  // The message is out: what follows must happen, whatever DynamoDB does meanwhile (issue 20).
  // Each step is idempotent and retried; the evidence goes back with the outcome either way.
  await afterSend('markSent', () => markSent(claim, messageId, now));
  await afterSend('recordSent', () => recordSent(contact, firstMessage, now, settings));
  return { outcome: { status: 'sent', messageId }, ledger: solicitedEntry(message, now.toISOString()) };
}

/** rules.md §8: the solicitation's evidence (keys and campaign only). */
function solicitedEntry(message: SendQueueMessage, at: string): LedgerEntryInput {
  return {
    type: 'contact-solicited',
    at,
    subject: message.suppressionKey,
    payload: { campaignId: message.campaignId, channel: message.channel },
  };
}

/** The once-key of a message's evidence: one `contact-solicited` entry per campaign and contact, however often it is retried. */
export const solicitedOnceKey = (message: Pick<SendQueueMessage, 'campaignId' | 'suppressionKey'>): string =>
  `solicited#${message.campaignId}#${message.suppressionKey}`;

/**
 * A message claimed before (a redelivery, a re-run): nothing is sent. When it is known
 * `sent`, its evidence goes back with the outcome — appended once (solicitedOnceKey): a
 * batch whose ledger append failed is redelivered, and this repairs it.
 */
async function duplicateOf(message: SendQueueMessage): Promise<{ outcome: SendOutcome; ledger?: LedgerEntryInput }> {
  const stored = await getSend(message.campaignId, message.suppressionKey);
  if (stored?.status !== 'sent') return { outcome: { status: 'duplicate' } };
  return { outcome: { status: 'duplicate' }, ledger: solicitedEntry(message, stored.at) };
}

/** Attempts of a step after the provider took the message, beyond the SDK's own retries. */
const AFTER_SEND_ATTEMPTS = 6;

/**
 * A step after the send, retried: the message went, so giving up would leave it `claimed`
 * (reported unconfirmed) or its contact's solicitation unrecorded. After the last attempt
 * the failure is logged loudly and the evidence still goes back.
 */
async function afterSend(step: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await retrying(work, AFTER_SEND_ATTEMPTS);
  } catch (error) {
    logger.error('a step after a send failed for good', { step, error: (error as Error).name });
  }
}

/** Renders and hands the message to the provider. */
async function deliver(
  campaign: Campaign,
  contact: Contact,
  url: string,
  firstMessage: boolean,
  deps: SenderDeps,
  now: Date,
): Promise<{ messageId: string }> {
  if (campaign.channel === 'email') {
    // the gate has checked the contact has an address for this channel
    // rules.md §7b: measured only with the person's tracking consent and the withdrawal link
    const tracked = tracksMessage(campaign, contact, deps.settings);
    const trackingUrl = trackingOptOutUrl(
      deps.settings.unsubscribeBaseUrl,
      createTrackingToken(
        { suppressionKey: contact.suppressionKey, campaignId: campaign.campaignId },
        deps.secrets,
        now,
      ),
    );
    const rendered = renderEmail(campaign, contact, {
      unsubscribeUrl: url,
      firstMessage,
      trackingOptOutUrl: trackingUrl,
    });
    return (deps.sendEmail ?? sendEmail)({
      from: campaign.message.from ?? '',
      to: contact.email ?? '',
      subject: rendered.subject,
      text: rendered.text,
      ...(rendered.html !== undefined ? { html: rendered.html } : {}),
      unsubscribeUrl: url,
      configurationSet: tracked ? deps.settings.trackedConfigurationSet : deps.settings.configurationSet,
      suppressionKey: contact.suppressionKey,
      campaignId: campaign.campaignId,
    });
  }
  const sms = renderSms(campaign, contact, { firstMessage });
  return (deps.sms ?? smsSender()).sendSms({ to: contact.phone ?? '', from: sms.sender, body: sms.text });
}

/**
 * rules.md §8: the last solicitation time (never activity); rules.md §7: the source notice
 * went out, so later messages no longer carry it; rules.md §6: the frequency cap's count.
 */
async function recordSent(contact: Contact, firstMessage: boolean, now: Date, settings: Settings): Promise<void> {
  const informed = needsSourceNotice(contact, firstMessage);
  if (!informed && !settings.frequencyCap) {
    await recordSolicitation(contact.suppressionKey, now);
    return;
  }
  const at = now.toISOString();
  const cap = settings.frequencyCap;
  await updateContact(
    contact.suppressionKey,
    (stored) => ({
      ...stored,
      lastSolicitedAt: stored.lastSolicitedAt && stored.lastSolicitedAt > at ? stored.lastSolicitedAt : at,
      ...(informed && !stored.informedAt ? { informedAt: at } : {}),
      ...(cap
        ? {
            recentSolicitations: [
              // a retried step (afterSend) must not count the same message twice
              ...(stored.recentSolicitations ?? []).filter(
                (t) => t !== at && Date.parse(t) > now.getTime() - cap.perDays * 86_400_000,
              ),
              at,
            ],
          }
        : {}),
    }),
    settings,
  );
}

export type MessageResult =
  | { ok: true; suppressionKey: string; outcome: SendOutcome }
  | { ok: false; error: unknown; suppressionKey?: string };

/**
 * A batch of queue messages (SQS bodies): each settles on its own; the solicitations of the
 * batch go to the evidence ledger in one append. Messages run `concurrency` at a time,
 * paced by the token bucket.
 */
export async function sendBatch(
  bodies: readonly string[],
  now: () => Date,
  deps: SenderDeps,
  concurrency = 4,
): Promise<MessageResult[]> {
  const campaigns = new CampaignVersions();
  const ledger: { index: number; entry: LedgerEntryInput; onceKey: string }[] = [];
  const results: MessageResult[] = new Array(bodies.length);
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++;
      let suppressionKey: string | undefined;
      try {
        const parsed = parseWith(sendMessageSchema, JSON.parse(bodies[i] as string), 'send message');
        if (!parsed.ok) throw new Error(parsed.error);
        suppressionKey = parsed.value.suppressionKey;
        const sent = await sendOne(parsed.value, now(), deps, campaigns);
        if (sent.ledger) ledger.push({ index: i, entry: sent.ledger, onceKey: solicitedOnceKey(parsed.value) });
        results[i] = { ok: true, suppressionKey, outcome: sent.outcome };
      } catch (error) {
        results[i] = { ok: false, error, ...(suppressionKey ? { suppressionKey } : {}) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  // rules.md §8: the solicitation is evidence too (keys and campaign only), appended once per
  // campaign and contact. If the ledger stays unavailable, the messages are reported failed:
  // their redelivery finds them `sent`, sends nothing, and appends the evidence then.
  if (ledger.length > 0) {
    try {
      await appendLedgerEntriesOnce(ledger.map(({ entry, onceKey }) => ({ entry, onceKey })));
    } catch (error) {
      logger.error('ledger append failed for sent messages: they will be redelivered for their evidence', {
        entries: ledger.length,
        keys: ledger.map(({ entry }) => keyTag(entry.subject)),
        error: (error as Error).name,
      });
      for (const { index, entry } of ledger) results[index] = { ok: false, error, suppressionKey: entry.subject };
    }
  }
  return results;
}

/** What a log line may say about a handled message: key, outcome, reasons or error name (no address). */
export function sendMessageOutcomeLog(result: Extract<MessageResult, { ok: true }>): Record<string, unknown> {
  const { outcome } = result;
  return {
    key: keyTag(result.suppressionKey),
    outcome: outcome.status,
    ...('reasons' in outcome ? { reasons: outcome.reasons } : {}),
    ...('error' in outcome ? { error: outcome.error } : {}),
    ...('notBefore' in outcome && outcome.notBefore ? { notBefore: outcome.notBefore } : {}),
  };
}
