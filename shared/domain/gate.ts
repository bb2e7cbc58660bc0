/**
 * The send gate (rules.md §6): may this campaign go out at all, and may it reach this
 * contact now? Checked at send time, not only at import: oppositions, expiry and the
 * basis are re-read for every message.
 */
import type { Campaign } from '../schemas/campaign.ts';
import type { Settings } from '../schemas/settings.ts';
import type { Contact } from './contact.ts';
import { checkContent } from './content.ts';
import { instantOf, wallClockOf } from './dates.ts';
import { sameEntity } from './provenance.ts';
import type { SendReason, SuppressionReason } from './reasons.ts';
import { isExpired } from './retention.ts';

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
  } else {
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
// SMS window and French public holidays (rules.md §6 [C 28])

/** Easter Sunday of a year (anonymous Gregorian algorithm), as [month 1–12, day]. */
export function easterSunday(year: number): [number, number] {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}

const holidayCache = new Map<number, Set<string>>();

/** French public holidays of a year (national list; Alsace-Moselle's extra days are not included), as `MM-DD`. */
export function frenchPublicHolidays(year: number): Set<string> {
  let set = holidayCache.get(year);
  if (!set) {
    const [em, ed] = easterSunday(year);
    const easter = Date.UTC(year, em - 1, ed);
    const shifted = (days: number) => {
      const d = new Date(easter + days * 86_400_000);
      return `${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
    };
    set = new Set([
      '01-01',
      shifted(1), // Easter Monday
      '05-01',
      '05-08',
      shifted(39), // Ascension
      shifted(50), // Whit Monday
      '07-14',
      '08-15',
      '11-01',
      '11-11',
      '12-25',
    ]);
    holidayCache.set(year, set);
  }
  return set;
}

export function isFrenchPublicHoliday(year: number, month: number, day: number): boolean {
  return frenchPublicHolidays(year).has(`${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Whether an SMS may go out at `now`, and if not, when the window next opens (ISO), per
 * settings.smsWindow: allowed weekdays, hours in the window's time zone, no public holiday.
 */
export function smsWindowAt(now: Date, settings: Settings): { open: true } | { open: false; notBefore?: string } {
  const w = settings.smsWindow;
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  const local = wallClockOf(now, w.timeZone);
  const dayAllowed = (y: number, m: number, d: number, weekday: number) =>
    w.days.includes(weekday) && !(w.skipPublicHolidays && isFrenchPublicHoliday(y, m, d));
  const minuteNow = local.hour * 60 + local.minute;
  if (dayAllowed(local.year, local.month, local.day, local.weekday) && minuteNow >= from && minuteNow < to) {
    return { open: true };
  }
  for (let i = 0; i <= 31; i++) {
    const d = new Date(Date.UTC(local.year, local.month - 1, local.day + i));
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
    if (!dayAllowed(y, m, day, weekday)) continue;
    if (i === 0 && minuteNow >= from) continue;
    const opening = instantOf(y, m, day, Math.floor(from / 60), from % 60, 0, 0, w.timeZone);
    return { open: false, notBefore: opening.toISOString() };
  }
  return { open: false };
}

// ---------------------------------------------------------------------------------------
// Contact-level checks

/**
 * Contact-level checks of rules.md §6 (and §7's source notice). Every skip reason that
 * applies is reported; a contact with none is sent, or deferred to the next SMS window.
 */
export function gateContact(
  contact: Contact,
  campaign: Campaign,
  ctx: {
    now: Date;
    settings: Settings;
    suppression?: SuppressionReason;
    sentInCapWindow?: number;
    firstMessage?: boolean;
  },
): ContactGate {
  const { settings } = ctx;
  const channel = campaign.channel;
  const reasons: SendReason[] = [];
  // an opposition is absolute, checked again at send time (rules.md §0.3)
  if (ctx.suppression) reasons.push(ctx.suppression);
  if (isExpired(contact.expiresAt, ctx.now)) reasons.push('RET_EXPIRED');

  const basis = contact.bases[channel];
  const address = channel === 'email' ? contact.email : contact.phone;
  if (!basis || !address) {
    const other = channel === 'email' ? contact.bases.sms : contact.bases.email;
    reasons.push(other === 'consent' ? 'CONSENT_WRONG_CHANNEL' : 'NO_CONSENT');
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
  }

  // rules.md §6 [L 4, 6]: a named professional only about their job; a campaign without job functions reaches none
  if (contact.kind === 'professional') {
    const functions = campaign.jobFunctions ?? [];
    if (functions.length === 0 || !jobTitleMatches(contact.jobTitle, functions, settings))
      reasons.push('B2B_UNRELATED');
  }
  // rules.md §6 [L 13]: energy renovation and housing adaptation may not solicit consumers electronically
  if (contact.kind === 'consumer' && campaign.energyRenovation && !campaign.contractInProgress) {
    reasons.push('SECTOR_BAN');
  }
  if (settings.frequencyCap && (ctx.sentInCapWindow ?? 0) >= settings.frequencyCap.maxMessages)
    reasons.push('FREQ_CAP');
  // rules.md §7: the first message to a contact not yet informed names the source
  for (const r of checkContent(campaign, contact, { firstMessage: ctx.firstMessage ?? !contact.lastSolicitedAt })) {
    reasons.push(r);
  }
  if (reasons.length > 0) return { status: 'skip', reasons };

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
