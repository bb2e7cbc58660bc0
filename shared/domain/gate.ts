/**
 * The send gate (rules.md §6): may this campaign go out at all, and may it reach this
 * contact now? Checked at send time, not only at import: oppositions, expiry and the
 * basis are re-read for every message.
 */
import type { Campaign } from '../schemas/campaign.ts';
import type { Settings } from '../schemas/settings.ts';
import type { Contact } from './contact.ts';
import { checkContent } from './content.ts';
import { sameEntity } from './provenance.ts';
import type { SendReason, SuppressionReason } from './reasons.ts';
import { isExpired } from './retention.ts';
import { callOptInStart, callWindow, openingsBetween, smsWindow, windowAt } from './windows.ts';

/** Campaign-level reasons: those of rules.md §6, and the list-level code for a campaign sent in another advertiser's name. */
export type CampaignReason = SendReason | 'ADVERTISER_MISMATCH';

export interface CampaignJudgement {
  status: 'accepted' | 'rejected';
  reasons: CampaignReason[];
}

export interface ContactGate {
  status: 'send' | 'skip' | 'defer';
  reasons: SendReason[];
  /** deferred: ISO instant when the sending window next opens */
  notBefore?: string;
}

/** Lower-case, no accents, words separated by single spaces. */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const stripTags = (html: string): string =>
  html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');

/**
 * rules.md §6 [L 1]: the advertiser's legal name in the message body (a From display name
 * does not count). Case, accents and punctuation are folded on both sides, so
 * `ACME S.A.S.` names `Acme SAS`.
 */
/** Words of a text, folded: `S.A.S.` reads as `sas`, other punctuation separates words. */
function identityWords(text: string): string {
  // a web or mail address is not the legal name: `www.acme-sas.fr` does not identify Acme SAS
  const prose = text.replace(/https?:\/\/\S+|www\.\S+|\S+@\S+|\{\{[^}]*\}\}/giu, ' ');
  return ` ${foldText(prose.replace(/(\p{L})\.(?=\p{L}\b)/gu, '$1').replace(/\b(\p{L})\.(?=\s|$)/gu, '$1'))} `;
}

/**
 * rules.md §6 [L 1]: the advertiser's legal name stands in the body as whole words
 * (case, accents and punctuation aside): `Acmes Assurances` or `Macme` do not name `Acme SAS`.
 */
function namesAdvertiser(body: string | undefined, advertiser: string): boolean {
  const name = identityWords(advertiser);
  return body !== undefined && name.trim() !== '' && identityWords(body).includes(name);
}

const UNSUBSCRIBE = /\{\{\s*unsubscribeUrl\s*\}\}/;
const STOP_MENTION = /\bSTOP\b/i;
// rules.md §6 [L 2, 5c]: a 5-digit short code starting with 3 to 8
const SHORT_CODE = /^[3-8]\d{4}$/;

/** Campaign-level checks of rules.md §6: any reason refuses the whole campaign. */
export function judgeCampaign(campaign: Campaign, settings: Settings): CampaignJudgement {
  const reasons: CampaignReason[] = [];
  const m = campaign.message;
  // One deployment serves one advertiser (rules.md §1)
  if (!sameEntity(campaign.advertiser, settings.advertiser)) reasons.push('ADVERTISER_MISMATCH');
  const identityIn = (body: string | undefined) => namesAdvertiser(body, settings.advertiser);
  if (campaign.channel === 'email') {
    if (!identityIn(m.text) && !identityIn(m.html ? stripTags(m.html) : undefined)) reasons.push('CONTENT_NO_IDENTITY');
    // every body given carries the link; at least one body
    const bodies = [m.text, m.html].filter((b): b is string => b !== undefined && b.trim() !== '');
    if (bodies.length === 0 || !bodies.every((b) => UNSUBSCRIBE.test(b))) reasons.push('CONTENT_NO_OPTOUT');
  } else if (campaign.channel === 'sms') {
    if (!identityIn(m.text)) reasons.push('CONTENT_NO_IDENTITY');
    if (!m.text || !STOP_MENTION.test(m.text)) reasons.push('CONTENT_NO_OPTOUT');
    if (!m.smsSender || !SHORT_CODE.test(m.smsSender.trim())) reasons.push('SMS_BAD_SENDER');
  }
  if (campaign.purpose !== 'commercial-prospecting') reasons.push('PURPOSE_INCOMPATIBLE');
  return { status: reasons.length > 0 ? 'rejected' : 'accepted', reasons };
}

// ---------------------------------------------------------------------------------------
// Job relevance (rules.md §6 [D])

const foldedFunctions = new WeakMap<Settings, Map<string, string[][]>>();

function functionKeywords(settings: Settings): Map<string, string[][]> {
  let map = foldedFunctions.get(settings);
  if (!map) {
    map = new Map();
    for (const [fn, keywords] of Object.entries(settings.jobFunctions)) {
      map.set(
        foldText(fn),
        keywords.map((k) => foldText(k).split(' ').filter(Boolean)),
      );
    }
    foldedFunctions.set(settings, map);
  }
  return map;
}

/**
 * A job title matches a job function when every word of one of the function's keywords
 * appears, as a whole word, in the title (case- and accent-insensitive). A function the
 * settings do not know is its own keyword.
 */
export function jobTitleMatches(
  jobTitle: string | undefined,
  jobFunctions: readonly string[],
  settings: Settings,
): boolean {
  if (!jobTitle) return false;
  const words = new Set(foldText(jobTitle).split(' '));
  const map = functionKeywords(settings);
  for (const fn of jobFunctions) {
    const folded = foldText(fn);
    const keywords = map.get(folded) ?? [folded.split(' ').filter(Boolean)];
    for (const keyword of keywords) {
      if (keyword.length > 0 && keyword.every((w) => words.has(w))) return true;
    }
  }
  return false;
}

/** rules.md §6: soft-opt-in only for products analogous to a purchased one (a category is analogous to itself). */
export function isAnalogous(
  productCategory: string | undefined,
  purchased: readonly string[],
  settings: Settings,
): boolean {
  if (!productCategory) return false;
  const target = foldText(productCategory);
  const analogies = new Map<string, string[]>();
  for (const [k, v] of Object.entries(settings.analogies)) analogies.set(foldText(k), v.map(foldText));
  for (const p of purchased) {
    const bought = foldText(p);
    if (bought === target || analogies.get(bought)?.includes(target)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// SMS window (rules.md §6 [C 28]); the calendar itself lives in windows.ts

export { easterSunday, frenchPublicHolidays, isFrenchPublicHoliday } from './windows.ts';

/** Whether an SMS may go out at `now`, and if not, when the window next opens (ISO). */
export function smsWindowAt(now: Date, settings: Settings): { open: true } | { open: false; notBefore?: string } {
  return windowAt(now, smsWindow(settings), settings.publicHolidays);
}

// ---------------------------------------------------------------------------------------
// Contact-level checks

/** rules.md §6 FREQ_CAP: messages sent to the contact within the cap's window (kept on the contact by the sender). */
export function sentInCapWindow(contact: { recentSolicitations?: string[] }, now: Date, settings: Settings): number {
  if (!settings.frequencyCap) return 0;
  const since = now.getTime() - settings.frequencyCap.perDays * 86_400_000;
  return (contact.recentSolicitations ?? []).filter((at) => Date.parse(at) > since).length;
}

/** What the gate needs besides the contact and the campaign. */
export interface GateContext {
  now: Date;
  settings: Settings;
  /** the opposition store's entry for any of the contact's keys */
  suppression?: SuppressionReason;
  /** messages sent within the frequency cap's window (email, sms) */
  sentInCapWindow?: number;
  firstMessage?: boolean;
  /** the campaign is paused by its complaint or bounce breaker (rules.md §6) */
  paused?: boolean;
}

/**
 * rules.md §6b [L 35]: a consumer's calls within the cap's window, and when the cap
 * lifts (the instant the oldest call that keeps it reached leaves the window).
 */
export function callCap(
  contact: Pick<Contact, 'recentCalls'>,
  now: Date,
  settings: Settings,
): { calls: number; liftsAt?: Date } {
  const span = settings.calls.perDays * 86_400_000;
  const since = now.getTime() - span;
  const inWindow = (contact.recentCalls ?? [])
    .map((at) => Date.parse(at))
    .filter((t) => t > since && t <= now.getTime())
    .sort((a, b) => a - b);
  const over = inWindow.length - settings.calls.maxCalls;
  if (over < 0) return { calls: inWindow.length };
  return { calls: inWindow.length, liftsAt: new Date((inWindow[over] as number) + span) };
}

/** The basis-level reasons of a channel the contact may lack (rules.md §6): no basis, or consent for another channel. */
function noBasisReason(contact: Contact, channel: Campaign['channel']): SendReason {
  const others = (['email', 'sms', 'phone'] as const).filter((c) => c !== channel);
  return others.some((c) => contact.bases[c] === 'consent') ? 'CONSENT_WRONG_CHANNEL' : 'NO_CONSENT';
}

/**
 * Contact-level checks of rules.md §6 (and §7's source notice, §6b for calls). Every
 * skip reason that applies is reported; a contact with none is sent, or deferred to the
 * next window (SMS, calls), the call cap's end, or the breaker's resumption.
 */
export function gateContact(contact: Contact, campaign: Campaign, ctx: GateContext): ContactGate {
  const { settings } = ctx;
  const channel = campaign.channel;
  const reasons: SendReason[] = [];
  // an opposition is absolute, checked again at send time (rules.md §0.3)
  if (ctx.suppression) reasons.push(ctx.suppression);
  if (isExpired(contact.expiresAt, ctx.now)) reasons.push('RET_EXPIRED');

  const basis = contact.bases[channel];
  const address = channel === 'email' ? contact.email : contact.phone;
  if (!basis || !address) {
    reasons.push(noBasisReason(contact, channel));
  } else if (basis === 'consent') {
    const c = contact.consent;
    // rules.md §6 [P 15]: consent collected by someone else for its partners covers the
    // partners it named, and only them
    const viaPartners =
      c !== undefined && c.scope !== 'advertiser' && !sameEntity(contact.collector, campaign.advertiser);
    if (
      !c ||
      (viaPartners &&
        !(c.scope === 'named-partners' && c.namedPartners.some((p) => sameEntity(p, campaign.advertiser))))
    ) {
      reasons.push('PARTNER_NOT_NAMED');
    }
  } else if (basis === 'soft-opt-in') {
    if (!isAnalogous(campaign.productCategory, contact.productCategories, settings)) {
      reasons.push('SOFTOPTIN_NOT_ANALOGOUS');
    }
  } else if (basis === 'contract' && !campaign.relatedToContract) {
    // rules.md §6b [L 34]: the contract exception covers calls about that contract only
    reasons.push('CONTRACT_UNRELATED');
  }

  // rules.md §6 [L 4, 6]: a named professional only about their job; a campaign without job functions reaches none
  if (contact.kind === 'professional') {
    const functions = campaign.jobFunctions ?? [];
    if (functions.length === 0 || !jobTitleMatches(contact.jobTitle, functions, settings))
      reasons.push('B2B_UNRELATED');
  }
  if (contact.kind === 'consumer' && campaign.energyRenovation) {
    // rules.md §6 [L 13]: no electronic solicitation of consumers about energy renovation
    // or housing adaptation without a contract in progress; §6b [L 36]: no call unless
    // the call's basis is the contract itself
    const contractLifts = channel === 'phone' ? basis === 'contract' : campaign.contractInProgress;
    if (!contractLifts) reasons.push('SECTOR_BAN');
  }
  if (channel === 'phone') return gateCall(contact, ctx, reasons);

  if (settings.frequencyCap && (ctx.sentInCapWindow ?? 0) >= settings.frequencyCap.maxMessages)
    reasons.push('FREQ_CAP');
  // rules.md §7: the first message to a contact not yet informed names the source
  for (const r of checkContent(campaign, contact, { firstMessage: ctx.firstMessage ?? !contact.lastSolicitedAt })) {
    reasons.push(r);
  }
  if (reasons.length > 0) return { status: 'skip', reasons };
  // rules.md §6: deferred until an operator resumes the campaign
  if (ctx.paused) return { status: 'defer', reasons: ['CAMPAIGN_PAUSED'] };

  if (channel === 'sms') {
    const window = smsWindowAt(ctx.now, settings);
    if (!window.open) {
      const gate: ContactGate = { status: 'defer', reasons: ['WINDOW'] };
      if (window.notBefore) gate.notBefore = window.notBefore;
      return gate;
    }
  }
  return { status: 'send', reasons: [] };
}

/**
 * rules.md §6b: the part of a call's judgement that only defers: the opt-in's start
 * (§9), the cap of calls in 30 days, the call window. A skip reason found before
 * decides over them.
 */
function gateCall(contact: Contact, ctx: GateContext, reasons: SendReason[]): ContactGate {
  if (reasons.length > 0) return { status: 'skip', reasons };
  const timing = callTiming(contact, ctx.now, ctx.settings);
  if (timing.reasons.length === 0) return { status: 'send', reasons: [] };
  const gate: ContactGate = { status: 'defer', reasons: timing.reasons };
  if (timing.notBefore) gate.notBefore = timing.notBefore.toISOString();
  return gate;
}

/** How far ahead a next opening is looked for. */
const CALL_HORIZON_DAYS = 62;

/**
 * rules.md §6b, §9: when the contact may next be called, from `now` on: the reasons that
 * hold the call back now (`FREQ_CAP`, `WINDOW`), and the first instant it may be made.
 */
export function callTiming(
  contact: Pick<Contact, 'kind' | 'recentCalls'>,
  now: Date,
  settings: Settings,
): { reasons: SendReason[]; notBefore?: Date; earliest: Date } {
  const reasons: SendReason[] = [];
  let earliest = now.getTime();
  if (contact.kind === 'consumer') {
    // rules.md §9: before the opt-in came into force, calls to consumers are out of scope
    const optIn = callOptInStart(settings).getTime();
    if (earliest < optIn) {
      earliest = optIn;
      reasons.push('WINDOW');
    }
    const cap = callCap(contact, now, settings);
    if (cap.liftsAt) {
      reasons.unshift('FREQ_CAP');
      earliest = Math.max(earliest, cap.liftsAt.getTime());
    }
  }
  const window = callWindow(contact.kind, settings);
  if (window) {
    const from = new Date(earliest);
    const next = openingsBetween(
      from,
      new Date(earliest + CALL_HORIZON_DAYS * 86_400_000),
      window,
      settings.publicHolidays,
    )[0];
    if (!next) {
      if (!reasons.includes('WINDOW')) reasons.push('WINDOW');
      return { reasons, earliest: from };
    }
    if (next.from.getTime() > now.getTime() && !reasons.includes('WINDOW') && next.from.getTime() > earliest)
      reasons.push('WINDOW');
    earliest = next.from.getTime();
  }
  if (reasons.length === 0) return { reasons, earliest: new Date(earliest) };
  return { reasons, notBefore: new Date(earliest), earliest: new Date(earliest) };
}
