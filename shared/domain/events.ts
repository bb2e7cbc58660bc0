/**
 * What an SES event or an inbound SMS means for the opposition store and the retention
 * clock (rules.md §1, §5, §8). Pure: the records come parsed (shared/schemas/ses-events.ts),
 * `now` and the secret come as arguments, and the result is a list of actions the flow
 * (shared/flows/oppositions.ts) applies. Every decision about SES events lives here.
 */

import type { SesEventRecord } from '../schemas/ses-events.ts';
import type { Settings } from '../schemas/settings.ts';
import type { Contact } from './contact.ts';
import { emailSuppressionKey, phoneSuppressionKey } from './keys.ts';
import type { SuppressionReason } from './reasons.ts';
import { expiresAtAfterActivity } from './retention.ts';
import { isUnsubscribeLink } from './unsubscribe-token.ts';

/** How the suppression came about, as recorded on the entry (a subset of the store's sources). */
export type EventSuppressionSource = 'complaint' | 'ses-subscription' | 'hard-bounce' | 'soft-bounces';

export type SesEventAction =
  /** record a suppression (idempotent; an opposition outranks a bounce) */
  | {
      kind: 'suppress';
      suppressionKey: string;
      reason: SuppressionReason;
      source: EventSuppressionSource;
      at: Date;
      campaignId?: string;
    }
  /** rules.md §8: a hard-bounced address is inaccurate data (GDPR 5(1)(d)): the contact goes */
  | { kind: 'delete-contact'; suppressionKey: string }
  /** count a soft bounce; at the threshold the address is BOUNCED (see countSoftBounce) */
  | { kind: 'soft-bounce'; suppressionKey: string; at: Date; campaignId?: string }
  /** activity emanating from the person: restarts the retention clock (see contactAfterActivity) */
  | { kind: 'activity'; suppressionKey: string; at: Date }
  /** we solicited the contact: last solicitation time only, never activity */
  | { kind: 'solicited'; suppressionKey: string; at: Date }
  /**
   * rules.md §6: one more delivery, complaint or hard bounce of an email campaign for its
   * breaker, counted once per campaign and contact (the store dedupes repeats)
   */
  | { kind: 'campaign-count'; campaignId: string; suppressionKey: string; count: CampaignCount; at: Date }
  /**
   * rules.md §6, §8: the bounce says the SENDER failed authentication (SPF, DKIM, DMARC):
   * the address is not at fault, nothing is counted against it, the operator is alarmed
   */
  | { kind: 'sender-fault'; suppressionKey: string; code: string; at: Date; campaignId?: string };

/** What the breaker counts (rules.md §6). */
export type CampaignCount = 'deliveries' | 'complaints' | 'hardBounces' | 'senderFaults';

/**
 * rules.md §8: SMTP enhanced status codes of a sender's authentication failure — 5.7.26
 * (unauthenticated: DMARC, SPF or DKIM), 5.7.27 (SPF), 5.7.515 (Outlook.com: SPF, DKIM and
 * DMARC required), 5.7.509 (DMARC reject) — as SES reports them, in a recipient's
 * `status` or in its `diagnosticCode` (« smtp; 550 5.7.26 … »).
 */
const SENDER_AUTH_FAILURE = /(?:^|[^\d.])(5\.7\.(?:26|27|515|509))(?![\d])/;

/** The code of a sender's authentication failure in a bounce, if any recipient's diagnostic names one. */
export function senderAuthFailure(
  recipients: readonly { status?: string; diagnosticCode?: string }[],
): string | undefined {
  for (const r of recipients) {
    const match = SENDER_AUTH_FAILURE.exec(` ${r.status ?? ''} ${r.diagnosticCode ?? ''}`);
    if (match) return match[1];
  }
  return undefined;
}

export interface SesEventContext {
  now: Date;
  settings: Pick<Settings, 'unsubscribeBaseUrl'>;
  /** HMAC key of suppression keys, to key a recipient address when the message carries no contactId tag */
  suppressionKeySecret: string;
}

/** rules.md §8 [D]: a click this soon after the send is a link scanner, not the person. */
export const SCANNER_CLICK_WINDOW_MS = 2_000;

/**
 * Permanent bounce sub-types that say the address is dead (or SES will never deliver to
 * it). `UnsupportedDisplayName` is our header's fault, not the address's: not counted.
 */
const HARD_BOUNCE_SUBTYPES = new Set(['General', 'NoEmail', 'Suppressed', 'OnAccountSuppressionList']);

/**
 * Transient sub-types counted as soft bounces. `MessageTooLarge`, `ContentRejected` and
 * `AttachmentRejected` are blocks of our message, not a fault of the address (rules.md §8).
 */
const SOFT_BOUNCE_SUBTYPES = new Set(['General', 'MailboxFull']);

const SUPPRESSION_KEY = /^[0-9a-f]{64}$/;

function tag(record: SesEventRecord, name: string): string | undefined {
  const value = record.mail.tags?.[name]?.[0];
  return value && value.length <= 128 ? value : undefined;
}

/**
 * The suppression keys an event concerns. Our sender tags each message with the contact's
 * key (`contactId`) and sends one recipient per message, so the tag names the contact.
 * Recipient addresses are keyed too (canonical form, rules.md §2), and both are used:
 * when they differ (an address changed, a legacy notification without tags) widening an
 * opposition is the safe side. With several destinations the tag cannot say which
 * recipient it is, so only the addresses count.
 */
function subjectsOf(record: SesEventRecord, recipients: readonly string[], secret: string): string[] {
  const keys = new Set<string>();
  const contactId = tag(record, 'contactId');
  if (contactId && SUPPRESSION_KEY.test(contactId) && record.mail.destination.length <= 1) keys.add(contactId);
  for (const address of recipients) {
    const key = emailSuppressionKey(address, secret);
    if (key) keys.add(key);
  }
  return [...keys];
}

const earliest = (a: Date, b: Date): Date => (a.getTime() <= b.getTime() ? a : b);

/**
 * The actions an SES event calls for (rules.md §8). Events arrive at least once and out of
 * order: every action is idempotent or monotonic, so applying one twice or late is harmless.
 */
export function decideSesEvent(record: SesEventRecord, ctx: SesEventContext): SesEventAction[] {
  const actions = decideForContact(record, ctx);
  const counted = breakerCount(record);
  const campaignId = tag(record, 'campaignId');
  const contactId = tag(record, 'contactId');
  if (counted && campaignId && contactId && SUPPRESSION_KEY.test(contactId)) {
    const at = 'timestamp' in counted ? counted.timestamp : record.mail.timestamp;
    actions.push({ kind: 'campaign-count', campaignId, suppressionKey: contactId, count: counted.count, at });
  }
  return actions;
}

/** What the event adds to its campaign's breaker (rules.md §6), if anything. */
function breakerCount(record: SesEventRecord): { count: CampaignCount; timestamp: Date } | undefined {
  switch (record.eventType) {
    case 'Delivery':
      return { count: 'deliveries', timestamp: record.delivery.timestamp };
    case 'Complaint':
      return { count: 'complaints', timestamp: record.complaint.timestamp };
    case 'Bounce': {
      const { bounce } = record;
      if (senderAuthFailure(bounce.bouncedRecipients)) return { count: 'senderFaults', timestamp: bounce.timestamp };
      if (bounce.bounceType === 'Permanent' && HARD_BOUNCE_SUBTYPES.has(bounce.bounceSubType))
        return { count: 'hardBounces', timestamp: bounce.timestamp };
      return undefined;
    }
    default:
      return undefined;
  }
}

function decideForContact(record: SesEventRecord, ctx: SesEventContext): SesEventAction[] {
  const campaignId = tag(record, 'campaignId');
  const withCampaign = campaignId ? { campaignId } : {};
  const secret = ctx.suppressionKeySecret;
  switch (record.eventType) {
    case 'Bounce': {
      const { bounce } = record;
      const subjects = subjectsOf(
        record,
        bounce.bouncedRecipients.map((r) => r.emailAddress),
        secret,
      );
      // rules.md §8: the sender failed authentication: not the address's fault — no BOUNCED,
      // no soft bounce; the operator is alarmed
      const senderFault = senderAuthFailure(bounce.bouncedRecipients);
      if (senderFault) {
        return subjects.map((suppressionKey) => ({
          kind: 'sender-fault',
          suppressionKey,
          code: senderFault,
          at: bounce.timestamp,
          ...withCampaign,
        }));
      }
      if (bounce.bounceType === 'Permanent' && HARD_BOUNCE_SUBTYPES.has(bounce.bounceSubType)) {
        return subjects.flatMap((suppressionKey): SesEventAction[] => [
          {
            kind: 'suppress',
            suppressionKey,
            reason: 'BOUNCED',
            source: 'hard-bounce',
            at: bounce.timestamp,
            ...withCampaign,
          },
          { kind: 'delete-contact', suppressionKey },
        ]);
      }
      if (bounce.bounceType === 'Transient' && SOFT_BOUNCE_SUBTYPES.has(bounce.bounceSubType)) {
        return subjects.map((suppressionKey) => ({
          kind: 'soft-bounce',
          suppressionKey,
          at: bounce.timestamp,
          ...withCampaign,
        }));
      }
      // Undetermined, or a block that is not the address's fault
      return [];
    }
    case 'Complaint': {
      // rules.md §8: a spam report is an opposition, at once, for every complained recipient
      const { complaint } = record;
      const recipients = complaint.complainedRecipients.map((r) => r.emailAddress);
      return subjectsOf(record, recipients.length ? recipients : record.mail.destination, secret).map(
        (suppressionKey) => ({
          kind: 'suppress',
          suppressionKey,
          reason: 'OPPOSED',
          source: 'complaint',
          at: complaint.timestamp,
          ...withCampaign,
        }),
      );
    }
    case 'Subscription': {
      // rules.md §8: an unsubscribe through SES list management (all topics, or one topic)
      const { subscription } = record;
      const prefs = subscription.newTopicPreferences;
      const optedOut =
        prefs.unsubscribeAll || prefs.topicSubscriptionStatus.some((t) => t.subscriptionStatus === 'OptOut');
      if (!optedOut) return [];
      return subjectsOf(record, record.mail.destination, secret).map((suppressionKey) => ({
        kind: 'suppress',
        suppressionKey,
        reason: 'OPPOSED',
        source: 'ses-subscription',
        at: subscription.timestamp,
        ...withCampaign,
      }));
    }
    case 'Click': {
      const { click } = record;
      // rules.md §8: the unsubscribe link is not a sign of interest; the one-click endpoint records the opposition
      if (isUnsubscribeLink(click.link, ctx.settings.unsubscribeBaseUrl)) return [];
      // rules.md §8 [D]: link scanners click within seconds of the send
      if (click.timestamp.getTime() - record.mail.timestamp.getTime() < SCANNER_CLICK_WINDOW_MS) return [];
      // a timestamp ahead of our clock cannot push the expiry further than now would
      const at = earliest(click.timestamp, ctx.now);
      return subjectsOf(record, record.mail.destination, secret).map((suppressionKey) => ({
        kind: 'activity',
        suppressionKey,
        at,
      }));
    }
    case 'Delivery':
      return subjectsOf(record, record.delivery.recipients, secret).map((suppressionKey) => ({
        kind: 'solicited',
        suppressionKey,
        at: record.delivery.timestamp,
      }));
    case 'Send':
      return subjectsOf(record, record.mail.destination, secret).map((suppressionKey) => ({
        kind: 'solicited',
        suppressionKey,
        at: record.mail.timestamp,
      }));
    // rules.md §1: an open is not activity (CNIL, Performeclic; Caloga)
    case 'Open':
    // not delivered: nothing about the person
    case 'Reject':
    case 'Rendering Failure':
    case 'DeliveryDelay':
      return [];
  }
}

/**
 * Soft-bounce counting (rules.md §8): the bounce instants within `softBounceWindowDays`
 * before the newest one are kept; at `softBounceThreshold` of them the address is BOUNCED.
 * The same bounce delivered twice has the same instant and is counted once (`counted`
 * false). The window is measured between bounces, not from now, so a late event counts
 * where it belongs.
 */
export function countSoftBounce(
  stored: readonly string[] | undefined,
  at: Date,
  settings: Pick<Settings, 'softBounceThreshold' | 'softBounceWindowDays'>,
): { softBounces: string[]; counted: boolean; bounced: boolean } {
  const iso = at.toISOString();
  const counted = !(stored ?? []).includes(iso);
  const all = [...new Set([...(stored ?? []), iso])].filter((s) => !Number.isNaN(Date.parse(s))).sort();
  const newest = Date.parse(all.at(-1) as string);
  const windowMs = settings.softBounceWindowDays * 86_400_000;
  const softBounces = all.filter((s) => newest - Date.parse(s) < windowMs);
  return { softBounces, counted, bounced: softBounces.length >= settings.softBounceThreshold };
}

/**
 * The contact after an activity (rules.md §5): last activity moves forward, the clock
 * restarts. Undefined when nothing changes (an older or duplicate event, or an activity at
 * or after expiry, which does not revive an expired contact).
 */
export function contactAfterActivity(
  contact: Contact,
  at: Date,
  settings: Pick<Settings, 'retentionYears'>,
): Contact | undefined {
  if (contact.lastActivityAt && Date.parse(contact.lastActivityAt) >= at.getTime()) return undefined;
  const expiresAt = expiresAtAfterActivity({ expiresAt: contact.expiresAt }, at, settings);
  if (expiresAt.getTime() === Date.parse(contact.expiresAt)) return undefined;
  return { ...contact, lastActivityAt: at.toISOString(), expiresAt: expiresAt.toISOString() };
}

/**
 * rules.md §8: the texts that stop SMS. Strict list (STOP, ARRET/ARRÊT, STOP SMS,
 * DESABONNER/DÉSABONNER, UNSUBSCRIBE), any case and accents, surrounding spaces and
 * trailing punctuation tolerated (« Stop. », « arrêt ! »), inner spaces collapsed.
 * Decided [D]: a sentence is not a keyword (« stop merci » does not count): keywords are
 * what the message tells people to send (« STOP au 3xxxx », rules.md §7) and what the
 * carriers and AWS End User Messaging treat as opt-out keywords; free text is read by no
 * one here and is not guessed at.
 */
export function isStopText(text: string): boolean {
  const normalised = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .trim()
    .replace(/[\s.!?,;:…]+$/u, '')
    .replace(/\s+/g, ' ');
  return STOP_TEXTS.has(normalised);
}

const STOP_TEXTS = new Set(['STOP', 'ARRET', 'STOP SMS', 'DESABONNER', 'UNSUBSCRIBE']);

/**
 * rules.md §8: an inbound SMS that is a STOP text is an opposition for the sending number
 * (keyed over its E.164 form, rules.md §2). Other texts, and numbers that do not parse,
 * call for nothing.
 */
export function decideInboundSms(
  sms: { originationNumber: string; messageBody: string },
  ctx: { suppressionKeySecret: string },
): { suppressionKey: string } | { unreadableNumber: true } | undefined {
  if (!isStopText(sms.messageBody)) return undefined;
  const suppressionKey = phoneSuppressionKey(sms.originationNumber, ctx.suppressionKeySecret);
  // rules.md §0.3: a STOP is never dropped; one whose number cannot be read goes where a
  // person looks at it (the caller's dead-letter path), not to the bin
  return suppressionKey ? { suppressionKey } : { unreadableNumber: true };
}

/**
 * Suppressions whose recording also deleted the contact: a hard bounce or soft bounces
 * past the threshold (rules.md §8: inaccurate data), an erasure (rules.md §9). A list
 * judged before such a suppression was recorded replays that deletion on what it wrote.
 */
export function suppressionRemovesContact(sources: readonly string[]): boolean {
  return sources.some((source) => source === 'hard-bounce' || source === 'soft-bounces' || source === 'erasure');
}
