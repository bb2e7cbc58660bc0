/**
 * What every message carries (rules.md §7): the unsubscribe link in place of its
 * placeholder, « STOP au 3xxxx » in an SMS, and, for a contact whose data came from a
 * third party and who was not informed, the source of the data and the right to object,
 * set apart, in the first message.
 */
import type { Campaign } from '../schemas/campaign.ts';
import type { Contact } from './contact.ts';
import type { SendReason } from './reasons.ts';
import { TRACKING_OPT_OUT_PLACEHOLDER } from './tracking.ts';

/** `{{unsubscribeUrl}}` (spaces inside the braces tolerated). */
export const UNSUBSCRIBE_PLACEHOLDER = /\{\{\s*unsubscribeUrl\s*\}\}/g;
/**
 * `{{source}}` (rules.md §6, §7): where the sender writes the collector's name and the
 * right to object for a contact it must inform; empty for every other contact.
 */
export const SOURCE_PLACEHOLDER = /\{\{\s*source\s*\}\}/g;
const HAS_SOURCE_PLACEHOLDER = /\{\{\s*source\s*\}\}/;
const FIRST_NAME_PLACEHOLDER = /\{\{\s*firstName\s*\}\}/g;
/** with no first name, the placeholder goes with the space before it: « Bonjour, », not « Bonjour , » (issue 22) */
const FIRST_NAME_WITH_SPACE = /[ \t]*\{\{\s*firstName\s*\}\}/g;
const TRACKING_OPT_OUT_ALL = new RegExp(TRACKING_OPT_OUT_PLACEHOLDER.source, 'g');

/** The first name into a text (already escaped for HTML when it must be). */
const withFirstName = (text: string, firstName: string): string =>
  firstName === '' ? text.replace(FIRST_NAME_WITH_SPACE, '') : text.replace(FIRST_NAME_PLACEHOLDER, firstName);
const STOP_AU = /\bSTOP\s+au\s+\d{5}\b/i;

export interface RenderedEmail {
  subject: string;
  text: string;
  html?: string;
}

export interface RenderedSms {
  sender: string;
  text: string;
}

/** Text into HTML (a message body, a page): the five characters that matter escaped. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** rules.md §7: the notice is owed on this message (third-party data, not informed yet, first message). */
export function needsSourceNotice(contact: Contact, firstMessage: boolean): boolean {
  return contact.informAtFirstMessage && !contact.informedAt && firstMessage;
}

/** rules.md §7 [GDPR 14(3), 21(4)]: where the data came from and the right to object, in French. */
export function sourceNotice(contact: Contact, advertiser: string): string | undefined {
  const collector = contact.collector?.trim();
  if (!collector) return undefined;
  return (
    `Pourquoi recevez-vous ce message ? ${advertiser} a obtenu vos coordonnées professionnelles auprès de ` +
    `${collector}. Vous pouvez vous opposer à tout moment, gratuitement, à la réception de nos messages ` +
    'grâce au lien de désinscription ci-dessous, et exercer vos droits d’accès et d’effacement en nous écrivant.'
  );
}

/**
 * The email for one contact: placeholders replaced; `{{source}}` becomes the source notice
 * when it is owed (see needsSourceNotice), and nothing otherwise.
 */
export function renderEmail(
  campaign: Campaign,
  contact: Contact,
  options: { unsubscribeUrl: string; firstMessage: boolean; trackingOptOutUrl?: string },
): RenderedEmail {
  const trackingUrl = options.trackingOptOutUrl ?? '';
  const firstName = contact.firstName ?? '';
  const notice = needsSourceNotice(contact, options.firstMessage)
    ? (sourceNotice(contact, campaign.advertiser) ?? '')
    : '';
  const text = (campaign.message.text ?? '')
    .replace(UNSUBSCRIBE_PLACEHOLDER, options.unsubscribeUrl)
    .replace(SOURCE_PLACEHOLDER, notice)
    .replace(TRACKING_OPT_OUT_ALL, trackingUrl);
  const rendered: RenderedEmail = {
    subject: withFirstName(campaign.message.subject ?? '', firstName),
    text: withFirstName(text, firstName),
  };
  if (campaign.message.html !== undefined) {
    rendered.html = withFirstName(
      campaign.message.html
        .replace(UNSUBSCRIBE_PLACEHOLDER, escapeHtml(options.unsubscribeUrl))
        .replace(SOURCE_PLACEHOLDER, escapeHtml(notice))
        .replace(TRACKING_OPT_OUT_ALL, escapeHtml(trackingUrl)),
      escapeHtml(firstName),
    );
  }
  return rendered;
}

/** The SMS for one contact: « STOP au <sender> » ensured, the source named when owed. */
export function renderSms(campaign: Campaign, contact: Contact, options: { firstMessage: boolean }): RenderedSms {
  const sender = campaign.message.smsSender ?? '';
  const notice =
    needsSourceNotice(contact, options.firstMessage) && contact.collector?.trim()
      ? `Coordonnées obtenues auprès de ${contact.collector.trim()} ; vous pouvez vous y opposer.`
      : '';
  let text = (campaign.message.text ?? '')
    .replace(FIRST_NAME_WITH_SPACE, contact.firstName ? ` ${contact.firstName}` : '')
    .replace(SOURCE_PLACEHOLDER, notice)
    .replace(/ {2,}/g, ' ')
    .trim();
  if (!STOP_AU.test(text)) text = `${text} STOP au ${sender}`;
  return { sender, text };
}

/**
 * rules.md §6, §7: the content owed to this contact can be produced. `CONTENT_NO_SOURCE`
 * when the first message must name the source of the data (third-party data, the person
 * not informed) and the message has no `{{source}}` placeholder (in its text, and in its
 * HTML when it has one), or the source is not known. Every other contact is sent as usual.
 */
export function checkContent(
  campaign: Campaign,
  contact: Contact,
  options: { firstMessage: boolean } = { firstMessage: true },
): SendReason[] {
  if (!needsSourceNotice(contact, options.firstMessage)) return [];
  if (!contact.collector?.trim()) return ['CONTENT_NO_SOURCE'];
  const bodies = [
    campaign.message.text ?? '',
    ...(campaign.channel === 'email' && campaign.message.html !== undefined ? [campaign.message.html] : []),
  ];
  return bodies.every((body) => HAS_SOURCE_PLACEHOLDER.test(body)) ? [] : ['CONTENT_NO_SOURCE'];
}
