/**
 * Tracking opens and clicks (rules.md §7b): per-recipient measurement reads the person's
 * terminal and needs the person's tracking consent, apart from the consent to be
 * prospected. A message is tracked — sent through the configuration set with open and
 * click tracking — only for a contact with that consent, and only when the message carries
 * the withdrawal link `{{trackingOptOutUrl}}`; every other message goes out untracked.
 */
import type { Campaign } from '../schemas/campaign.ts';
import type { Settings } from '../schemas/settings.ts';
import type { Contact } from './contact.ts';

export const TRACKING_OPT_OUT_PLACEHOLDER = /\{\{\s*trackingOptOutUrl\s*\}\}/;

type TrackingSettings = Pick<Settings, 'pixelRequiresConsent' | 'linkTrackingRequiresConsent'>;

/** Whether this campaign's message to this contact may be tracked (rules.md §7b). */
export function tracksMessage(
  campaign: Pick<Campaign, 'channel' | 'message'>,
  contact: Pick<Contact, 'trackingConsent' | 'trackingWithdrawnAt'>,
  settings: TrackingSettings,
): boolean {
  if (campaign.channel !== 'email') return false;
  // [C] both settings off: the operator measures everyone (its own legal call)
  if (!settings.pixelRequiresConsent && !settings.linkTrackingRequiresConsent) return true;
  const { text, html } = campaign.message;
  const carriesLink = [text, html].some((body) => body !== undefined && TRACKING_OPT_OUT_PLACEHOLDER.test(body));
  return carriesLink && contact.trackingConsent !== undefined;
}

/**
 * rules.md §7b: the contact after the person withdrew their tracking consent — consent
 * gone, the withdrawal dated (a list bringing an older consent cannot restore it).
 * Withdrawal is not an opposition: the person may still be prospected. Undefined when
 * nothing changes (a repeat).
 */
export function contactAfterTrackingWithdrawal(contact: Contact, at: Date): Contact | undefined {
  if (!contact.trackingConsent && contact.trackingWithdrawnAt) return undefined;
  const { trackingConsent: _gone, ...rest } = contact;
  return { ...rest, trackingWithdrawnAt: at.toISOString() };
}

/** rules.md §7b: opens and clicks of a contact who withdrew are discarded, not stored. */
export const measurementDiscarded = (contact: Pick<Contact, 'trackingWithdrawnAt'>): boolean =>
  contact.trackingWithdrawnAt !== undefined;
