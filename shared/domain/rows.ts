/**
 * The row gates R0–R7 of rules.md §4, applied to each row of an accepted list: all the
 * reasons that apply are reported, the first decides. Consumers are judged per channel:
 * a consumer row is accepted when at least one of its channels has a basis.
 *
 * Pure and lean: the manifest-level facts are computed once (rowContext), each row only
 * does what depends on it.
 */
import type { Manifest } from '../schemas/manifest.ts';
import type { Settings } from '../schemas/settings.ts';
import type { NormalisedEmail, NormalisedPhone } from './address.ts';
import { classifyAddress, parseRowKind } from './classify.ts';
import type { ListRow, RowDecision } from './contact.ts';
import { addYears, ownCopy, parseListTime } from './dates.ts';
import { entityKey, isThirdPartySource, sameEntity } from './provenance.ts';
import type { Basis, Channel, RecipientKind, RowReason, SuppressionReason } from './reasons.ts';
import { foldValue } from './words.ts';

/** What the manifest says, once for the whole list. */
export interface RowContext {
  manifest: Manifest;
  settings: Settings;
  now: Date;
  /** manifest channels */
  channels: readonly Channel[];
  thirdParty: boolean;
  scraped: boolean;
  ownCustomers: boolean;
  /** start and end of the collection period, epoch ms */
  collectedFrom: number;
  collectedTo: number;
  /** consent route, the parts that do not depend on the row */
  consent: {
    /** the mechanism is a double opt-in: the proof is the confirmation time */
    doubleOptIn: boolean;
    /** the manifest declares a consent mechanism other than `none` */
    declared: boolean;
    /** pre-ticked, terms-acceptance, conditional */
    invalidMechanism: boolean;
    /** wording, wording version, collection point all named */
    proofFields: boolean;
    /** channels consented by default */
    channels: readonly Channel[];
    /** the manifest names the consented channels itself (`consent.channels`) */
    channelsDeclared: boolean;
    /** third-party: advertiser named among the partners the person consented to */
    partnerNamed: boolean;
    /** third-party: supplier is not the collector */
    onwardTransfer: boolean;
  };
  /** soft-opt-in route, the parts that do not depend on the row */
  softOptIn: { otherEntity: boolean; noOptOutAtCollection: boolean };
  /** professionals: informed and able to object at collection */
  professionalsInformed: boolean;
  /** rules.md §4 R7: `contract_active` counts (own customers of the advertiser itself) */
  contractRoute: boolean;
}

const VALID_MECHANISMS = new Set(['unticked-checkbox', 'double-opt-in']);
const INVALID_MECHANISMS = new Set(['pre-ticked-checkbox', 'terms-acceptance', 'conditional']);

/** Compute the manifest-level facts the row gates need. The manifest is assumed judged (rules.md §3). */
export function rowContext(manifest: Manifest, settings: Settings, now: Date): RowContext {
  const c = manifest.consent;
  const thirdParty = isThirdPartySource(manifest.source, manifest.advertiser);
  const advertiserKey = entityKey(settings.advertiser);
  const partnerNamed =
    c?.scope === 'named-partners' &&
    c.namedPartners.some((p) => entityKey(p) === advertiserKey && advertiserKey !== '');
  const collector = manifest.source.collector;
  // A supplier that is not stated is taken to be the collector named in the manifest (the
  // manifest is the supplier's own declaration); a stated, different supplier is an
  // onward transfer.
  const receivedFrom = manifest.source.receivedFrom ?? collector;
  const collectedFrom = parseListTime(manifest.collected.from) ?? Number.NaN;
  const collectedTo = parseListTime(manifest.collected.to) ?? Number.NaN;
  return {
    manifest,
    settings,
    now,
    channels: manifest.channels,
    thirdParty,
    scraped: manifest.source.kind === 'scraping' || manifest.source.kind === 'public-web',
    ownCustomers: manifest.source.kind === 'own-customers',
    collectedFrom,
    collectedTo,
    consent: {
      declared: c !== undefined && c.mechanism !== 'none',
      doubleOptIn: c?.mechanism === 'double-opt-in',
      invalidMechanism: c !== undefined && INVALID_MECHANISMS.has(c.mechanism),
      proofFields:
        c !== undefined &&
        VALID_MECHANISMS.has(c.mechanism) &&
        !!c.wording?.trim() &&
        !!c.wordingVersion?.trim() &&
        !!c.collectionPoint?.trim(),
      channels: c?.channels ?? manifest.channels,
      channelsDeclared: c?.channels !== undefined,
      partnerNamed,
      onwardTransfer: thirdParty && !!receivedFrom && !sameEntity(receivedFrom, collector),
    },
    softOptIn: {
      otherEntity:
        manifest.source.customerOf !== undefined && !sameEntity(manifest.source.customerOf, settings.advertiser),
      noOptOutAtCollection: !manifest.notice.optOutOfferedAtCollection,
    },
    professionalsInformed: manifest.notice.informedAtCollection && manifest.notice.optOutOfferedAtCollection,
    contractRoute:
      manifest.source.kind === 'own-customers' &&
      (manifest.source.customerOf === undefined || sameEntity(manifest.source.customerOf, settings.advertiser)),
  };
}

/** One row, normalised, with what the list so far says about it. */
export interface RowFacts {
  row: ListRow;
  /** the normalised email, when the row has one */
  email?: NormalisedEmail;
  /** the normalised phone, when the row has one */
  phone?: NormalisedPhone;
  /** rules.md §4 R2: the row's canonical identity was seen earlier in the list */
  duplicate: boolean;
  /** the row's phone was seen earlier in the list (its sms channel would reach the same person twice) */
  phoneDuplicate?: boolean;
  /** rules.md §4 R3: the opposition store's entry for any of the row's keys */
  suppression?: SuppressionReason;
}

/** The decision and, for an accepted row, what the contact is made of (instants as epoch ms). */
export interface RowOutcome {
  decision: RowDecision;
  /** accepted rows only */
  accepted?: {
    kind: RecipientKind;
    bases: Partial<Record<Channel, Basis>>;
    expiresAt: number;
    collectedAt: number;
    lastActivityAt?: number;
    lastPurchaseAt?: number;
    consentAt?: number;
    productCategories: string[];
    informAtFirstMessage: boolean;
    /** rules.md §7b: the row's tracking consent, when the manifest documents its wording */
    trackingConsentAt?: number;
  };
}

const CHANNEL_WORDS: Record<string, Channel> = {
  email: 'email',
  mail: 'email',
  'e-mail': 'email',
  courriel: 'email',
  sms: 'sms',
  phone: 'phone',
  telephone: 'phone',
  téléphone: 'phone',
  tel: 'phone',
  call: 'phone',
  calls: 'phone',
  appel: 'phone',
  appels: 'phone',
};

const consentChannelsCache = new Map<string, readonly Channel[] | undefined>();

/** A `consent_channels` cell (`email`, `sms`, `email+sms`, also `,` `;` `|` or spaces between); undefined if unreadable. */
export function parseConsentChannels(value: string): readonly Channel[] | undefined {
  // a list holds a handful of distinct values
  if (consentChannelsCache.has(value)) return consentChannelsCache.get(value);
  const parsed = parseChannelsUncached(value);
  if (consentChannelsCache.size > 1000) consentChannelsCache.clear();
  consentChannelsCache.set(ownCopy(value), parsed);
  return parsed;
}

function parseChannelsUncached(value: string): readonly Channel[] | undefined {
  const out: Channel[] = [];
  for (const part of value.toLowerCase().split(/[+,;|/\s]+/)) {
    if (part === '') continue;
    const c = CHANNEL_WORDS[part];
    if (!c) return undefined;
    if (!out.includes(c)) out.push(c);
  }
  return out.length > 0 ? out : undefined;
}

/** `product_categories`: separated by a vertical bar (design.md §3.2). */
export function parseProductCategories(value: string | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const part of value.split('|')) {
    const p = part.trim();
    if (p !== '') out.push(p);
  }
  return out;
}

const isGenericReply = (origin: string | undefined): boolean =>
  origin !== undefined &&
  origin
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-') === 'generic-reply';

/** rules.md §4b: a flag cell that says yes (Brevo, HubSpot). */
const FLAG_YES = new Set(['yes', 'true', '1', 'oui', 'y', 'vrai']);
/** rules.md §4b: a `status`/`statut` that says the person opted out… */
const STATUS_OPPOSED = new Set([
  'unsubscribed',
  'desabonne',
  'desabonnee',
  'desinscrit',
  'desinscrite',
  'blocklisted',
  'blacklisted',
  'optedout',
  'optout',
]);
/** …or that the address bounced */
const STATUS_BOUNCED = new Set(['bounced', 'cleaned']);

/** What an export says of a row's opt-outs, by key: the email's, and the number's (which covers sms and phone). */
export interface ExportedOptOuts {
  email?: SuppressionReason;
  phone?: SuppressionReason;
}

/**
 * rules.md §4b: the person's "no" (or a dead address) as the exporting tool recorded it.
 * A flag naming a channel (Brevo) opposes that channel's key; the email tools' flags
 * (Mailchimp, HubSpot) oppose the email key; a generic `status`/`statut` every key of
 * the row. An opposition outranks a bounce. Undefined when the export says nothing.
 */
export function exportedOptOuts(row: ListRow): ExportedOptOuts | undefined {
  let email: SuppressionReason | undefined;
  let phone: SuppressionReason | undefined;
  const stronger = (a: SuppressionReason | undefined, b: SuppressionReason): SuppressionReason =>
    a === 'OPPOSED' || b === 'OPPOSED' ? 'OPPOSED' : 'BOUNCED';
  if (row.status !== undefined) {
    const value = foldValue(row.status);
    const reason = STATUS_OPPOSED.has(value) ? 'OPPOSED' : STATUS_BOUNCED.has(value) ? 'BOUNCED' : undefined;
    if (reason) {
      email = reason;
      phone = reason;
    }
  }
  if (row.email_blacklisted !== undefined && FLAG_YES.has(foldValue(row.email_blacklisted)))
    email = stronger(email, 'OPPOSED');
  if (row.sms_blacklisted !== undefined && FLAG_YES.has(foldValue(row.sms_blacklisted)))
    phone = stronger(phone, 'OPPOSED');
  // Mailchimp: any date (an empty cell is absent from the row)
  if (row.unsub_time !== undefined) email = stronger(email, 'OPPOSED');
  if (row.clean_time !== undefined) email = stronger(email, 'BOUNCED');
  if (row.unsubscribed_all_email !== undefined && FLAG_YES.has(foldValue(row.unsubscribed_all_email)))
    email = stronger(email, 'OPPOSED');
  return email || phone ? { email, phone } : undefined;
}

/** A yes/no cell that says yes (`contract_active`, the export flags of rules.md §4b). */
const isYes = (value: string | undefined): boolean => value !== undefined && FLAG_YES.has(foldValue(value));

/**
 * rules.md §7b: a tracking consent counts only with its wording documented in the
 * manifest (`consent.tracking`), a real date not after the judgement, and an email basis
 * (only email is measured). Otherwise there is none: the messages go out untracked.
 */
function trackingConsentOf(
  row: ListRow,
  ctx: RowContext,
  now: number,
  bases: Partial<Record<Channel, Basis>>,
): number | undefined {
  if (!row.tracking_consent_at || !ctx.manifest.consent?.tracking || bases.email === undefined) return undefined;
  const at = parseListTime(row.tracking_consent_at);
  return at !== undefined && at <= now ? at : undefined;
}

function malformed(line: number): RowOutcome {
  return { decision: { line, status: 'rejected', reasons: ['ROW_MALFORMED'] } };
}

function rejected(line: number, reasons: RowReason[], kind?: RecipientKind): RowOutcome {
  const decision: RowDecision = { line, status: 'rejected', reasons };
  if (kind) decision.kind = kind;
  return { decision };
}

function pushUnique(list: RowReason[], reason: RowReason): void {
  if (!list.includes(reason)) list.push(reason);
}

/** A date cell as epoch ms: absent → undefined; unreadable → NaN (the row is malformed). */
function dateCell(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return parseListTime(value) ?? Number.NaN;
}

const yearsAfterCache = new Map<number, number>();
/** rules.md §5: `retentionYears` after an instant (Feb 29 → Feb 28); lists repeat their dates, so it is cached. */
function yearsAfter(ms: number, years: number): number {
  const key = ms * 16 + years;
  let t = yearsAfterCache.get(key);
  if (t === undefined) {
    t = addYears(new Date(ms), years).getTime();
    if (yearsAfterCache.size > 50_000) yearsAfterCache.clear();
    yearsAfterCache.set(key, t);
  }
  return t;
}

const isoCache = new Map<number, string>();
/** An instant as ISO text; accepted rows share a handful of expiry instants, so it is cached (bounded). */
function isoOf(ms: number): string {
  let text = isoCache.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    if (isoCache.size > 10_000) isoCache.clear();
    isoCache.set(ms, text);
  }
  return text;
}

/** `list` with `reason` added at the end (the list is created when there is none yet). */
function withReason(list: RowReason[] | undefined, reason: RowReason): RowReason[] {
  if (list === undefined) return [reason];
  list.push(reason);
  return list;
}

/** Adds the reasons to `list` (created when needed), each once. */
function addAll(list: RowReason[] | undefined, more: readonly RowReason[]): RowReason[] {
  const out = list ?? [];
  for (const r of more) pushUnique(out, r);
  return out;
}

/**
 * Decide one row (rules.md §4 R0–R7). Reasons are in gate order; the first decides. A
 * row is accepted only when no gate R2–R6 objects and R7 gives at least one channel a
 * basis.
 *
 * Lean on purpose (it runs once per row of lists of millions): arrays and objects are
 * made only when a row needs them.
 */
export function decideRow(facts: RowFacts, ctx: RowContext): RowOutcome {
  const { row } = facts;
  const line = row.line;
  const now = ctx.now.getTime();

  // R0: no address at all, or a date that cannot be read (the row cannot be parsed)
  if (!facts.email && !facts.phone) return malformed(line);
  const collectedCell = dateCell(row.collected_at);
  const activityCell = dateCell(row.last_activity_at);
  const purchaseCell = dateCell(row.last_purchase_at);
  // NaN: a date that cannot be read. A sign of life or a collection after the judgement
  // date is not a fact yet: it would stretch the retention clock (rules.md §5), so such a
  // row is refused as unreadable too.
  if (
    (collectedCell !== undefined && !(collectedCell <= now)) ||
    (activityCell !== undefined && !(activityCell <= now)) ||
    (purchaseCell !== undefined && !(purchaseCell <= now))
  ) {
    return malformed(line);
  }

  // R1: address steps 1–2 of rules.md §2. An email that fails refuses the whole row: it
  // would be the contact's identity.
  const rowKind = parseRowKind(row.kind);
  const cls = classifyAddress(facts.email, rowKind, ctx.manifest.audience, ctx.settings);
  if (!cls.ok) return rejected(line, [cls.reason]);
  const kind = cls.kind;

  // The row's channels: the manifest's channels the row has a value for (in the
  // manifest's order, which is the order of `bases`). Per channel, why it was refused.
  const on: Record<Channel, boolean> = { email: false, sms: false, phone: false };
  const refusedWhy: Partial<Record<Channel, RowReason[]>> = {};
  for (const channel of ctx.channels) {
    if (channel === 'email') {
      if (facts.email?.ok) on.email = true;
    } else if (facts.phone) {
      // rules.md §2: a number that does not parse is invalid for sms and calls; sms needs a mobile
      if (!facts.phone.ok || (channel === 'sms' && !facts.phone.mobile)) refusedWhy[channel] = ['ADDRESS_INVALID'];
      else if (facts.phoneDuplicate) refusedWhy[channel] = ['DUPLICATE'];
      else on[channel] = true;
    }
  }
  if (!on.email && !on.sms && !on.phone) {
    // no address for any of the list's channels
    const why = addAll(addAll(undefined, refusedWhy.sms ?? []), refusedWhy.phone ?? []);
    return rejected(line, why.length > 0 ? why : ['ROW_MALFORMED'], kind);
  }
  // R3, rules.md §4b: a channel whose key the export says is opposed (or bounced) is
  // closed; the row is refused only when no channel is left. A number's key covers sms
  // and calls alike.
  const exported = exportedOptOuts(row);
  let exportedRowReason: SuppressionReason | undefined;
  if (exported) {
    if (exported.email && on.email) {
      on.email = false;
      refusedWhy.email = [exported.email];
    }
    if (exported.phone) {
      for (const ch of ['sms', 'phone'] as const) {
        if (!on[ch]) continue;
        on[ch] = false;
        refusedWhy[ch] = [exported.phone];
      }
    }
    if (!on.email && !on.sms && !on.phone) {
      exportedRowReason = exported.email === 'OPPOSED' || exported.phone === 'OPPOSED' ? 'OPPOSED' : 'BOUNCED';
    }
  }

  let reasons: RowReason[] | undefined;
  // R2: first row wins
  if (facts.duplicate) reasons = ['DUPLICATE'];
  // R3: an opposition is absolute (rules.md §0.3): the store's, or the export's
  const opposed =
    facts.suppression === 'OPPOSED' || exportedRowReason === 'OPPOSED'
      ? 'OPPOSED'
      : (facts.suppression ?? exportedRowReason);
  if (opposed) reasons = withReason(reasons, opposed);
  // R4 [L, P 19]: harvesting individuals' addresses is unlawful; only generic mailboxes pass
  if (ctx.scraped && kind !== 'generic') reasons = withReason(reasons, 'PROV_SCRAPED');
  // R5 [C]: a named address learnt from a reply to a generic mailbox
  if (ctx.settings.rejectGenericReply && isGenericReply(row.origin))
    reasons = withReason(reasons, 'PROV_GENERIC_REPLY');

  // R6: retention. Prospects run on collection/activity; a customer's soft-opt-in runs on
  // purchase/activity and is judged in its route below (the export date does not count).
  const years = ctx.settings.retentionYears;
  const collectedAt = collectedCell ?? ctx.collectedTo;
  const prospectExpiry = yearsAfter(
    activityCell !== undefined && activityCell > collectedAt ? activityCell : collectedAt,
    years,
  );
  const prospectExpired = !(prospectExpiry > now);
  const customerRoute = kind === 'consumer' && ctx.ownCustomers;
  if (prospectExpired && !customerRoute) reasons = withReason(reasons, 'RET_EXPIRED');

  // R7: the legal basis, by kind
  const bases: Partial<Record<Channel, Basis>> = {};
  let informAtFirstMessage = false;
  let consentAt: number | undefined;
  let customerExpiry: number | undefined;
  let contractExpiry: number | undefined;
  if (kind === 'generic' || kind === 'professional') {
    let basis: Basis | undefined;
    if (kind === 'generic') basis = 'legal-person';
    else if (ctx.professionalsInformed) basis = 'b2b-interest';
    else if (ctx.thirdParty) {
      // rules.md §4 R7, §7 [GDPR 14]: the advertiser informs at the first message
      basis = 'b2b-interest';
      informAtFirstMessage = true;
    } else reasons = withReason(reasons, 'B2B_NOT_INFORMED');
    if (basis) {
      for (const ch of ctx.channels) {
        if (!on[ch]) continue;
        // rules.md §4 R7 [D: strictest]: a mobile on a generic row belongs to an unknown
        // person, never to the legal person: no sms and no call basis (a landline is the
        // company's switchboard)
        if (kind === 'generic' && (ch === 'sms' || (ch === 'phone' && facts.phone?.ok && facts.phone.mobile)))
          refusedWhy[ch] = ['NO_CONSENT'];
        else bases[ch] = basis;
      }
    }
  } else {
    // consumer, per channel
    // rules.md §4 R7.1: for a double opt-in, consent_at is the confirmation; a sign-up time
    // without one (Mailchimp OPTIN_TIME, CONFIRM_TIME empty) is no proof
    const consentText = row.consent_at ?? (ctx.consent.doubleOptIn ? undefined : row.optin_at);
    const consentCell = consentText ? parseListTime(consentText) : undefined;
    // rules.md §4 R7.1: consent_at must be real, not after the upload, not before the collection period
    const consentAtOk = consentCell !== undefined && consentCell <= now && consentCell >= ctx.collectedFrom;
    let consentChannels: readonly Channel[] | undefined = ctx.consent.channels;
    if (row.consent_channels) {
      // rules.md §0.1: a row cannot claim more than the consent the manifest documents —
      // when the manifest names the consented channels, the row's cell only narrows them
      const claimed = parseConsentChannels(row.consent_channels);
      consentChannels = ctx.consent.channelsDeclared
        ? claimed?.filter((ch) => ctx.consent.channels.includes(ch))
        : claimed;
    }
    if (customerRoute) {
      // rules.md §5: a customer's clock starts at the later of last purchase and last activity
      const start =
        purchaseCell === undefined
          ? activityCell
          : activityCell === undefined || purchaseCell >= activityCell
            ? purchaseCell
            : activityCell;
      if (start !== undefined) customerExpiry = yearsAfter(start, years);
    }
    let refused: RowReason[] | undefined;
    for (const ch of ctx.channels) {
      if (!on[ch]) continue;
      let why: RowReason[] | undefined;
      let basis: Basis | undefined;
      // 1. consent route
      if (ctx.consent.declared) {
        if (ctx.consent.invalidMechanism) why = ['CONSENT_INVALID'];
        else if (!ctx.consent.proofFields || !consentAtOk) why = ['CONSENT_NO_PROOF'];
        // an unreadable consent_channels cell proves no channel; consent to email or sms is
        // not consent to calls (rules.md §4 R7, L223-1)
        if (!consentChannels?.includes(ch)) why = withReason(why, 'CONSENT_WRONG_CHANNEL');
        if (ctx.thirdParty) {
          if (!ctx.consent.partnerNamed) why = withReason(why, 'PARTNER_NOT_NAMED');
          if (ctx.consent.onwardTransfer) why = withReason(why, 'ONWARD_TRANSFER');
        }
        // a consent basis runs on the prospect clock
        if (why === undefined && customerRoute && prospectExpired) why = ['RET_EXPIRED'];
        if (why === undefined) basis = 'consent';
      }
      if (ch === 'phone') {
        // 2'. calls: never soft opt-in; a contract in progress with the advertiser, on its
        // own customers' list (rules.md §4 R7, L223-1). The relationship lasted at least
        // until the list was exported: its clock is the later of the two.
        if (!basis && ctx.contractRoute && isYes(row.contract_active)) {
          contractExpiry = Math.max(prospectExpiry, customerExpiry ?? prospectExpiry);
          if (contractExpiry > now) basis = 'contract';
          else why = ['RET_EXPIRED'];
        }
      } else if (!basis && ctx.ownCustomers) {
        // 2. soft-opt-in route, own customers only
        let soft: RowReason[] | undefined;
        if (!purchaseCell) soft = ['SOFTOPTIN_NO_SALE'];
        if (ctx.softOptIn.otherEntity) soft = withReason(soft, 'SOFTOPTIN_OTHER_ENTITY');
        if (ctx.softOptIn.noOptOutAtCollection) soft = withReason(soft, 'SOFTOPTIN_NO_OPTOUT_AT_COLLECTION');
        if (soft === undefined && !(customerExpiry !== undefined && customerExpiry > now)) soft = ['RET_EXPIRED'];
        if (soft === undefined) basis = 'soft-opt-in';
        else if (why === undefined) why = soft;
        else for (const r of soft) why.push(r);
      }
      // 3. neither route
      if (!basis && why === undefined) why = ['NO_CONSENT'];
      if (basis) bases[ch] = basis;
      else if (why !== undefined) {
        refusedWhy[ch] = why;
        refused = addAll(refused, why);
      }
    }
    if (bases.email === undefined && bases.sms === undefined && bases.phone === undefined) {
      if (refused) reasons = addAll(reasons, refused);
    } else if (bases.email === 'consent' || bases.sms === 'consent' || bases.phone === 'consent')
      consentAt = consentCell;
  }

  const hasBasis = bases.email !== undefined || bases.sms !== undefined || bases.phone !== undefined;
  if (reasons !== undefined || !hasBasis) return rejected(line, reasons ?? ['NO_CONSENT'], kind);

  // The contact's expiry: the earliest clock among its bases (rules.md §0: strictest).
  let expiresAt = Number.POSITIVE_INFINITY;
  for (const ch of ctx.channels) {
    const basis = bases[ch];
    if (basis === undefined) continue;
    const clock =
      basis === 'soft-opt-in'
        ? (customerExpiry as number)
        : basis === 'contract'
          ? (contractExpiry as number)
          : prospectExpiry;
    if (clock < expiresAt) expiresAt = clock;
  }

  const decision: RowDecision = { line, status: 'accepted', kind, bases, expiresAt: isoOf(expiresAt) };
  let rejectedChannels: Partial<Record<Channel, RowReason[]>> | undefined;
  for (const ch of ctx.channels) {
    const why = refusedWhy[ch];
    if (why && bases[ch] === undefined) {
      rejectedChannels ??= {};
      rejectedChannels[ch] = why;
    }
  }
  if (rejectedChannels) decision.rejectedChannels = rejectedChannels;
  if (informAtFirstMessage) decision.informAtFirstMessage = true;
  return {
    decision,
    accepted: {
      kind,
      bases,
      expiresAt,
      collectedAt,
      lastActivityAt: activityCell,
      lastPurchaseAt: purchaseCell,
      consentAt,
      productCategories: parseProductCategories(row.product_categories),
      informAtFirstMessage,
      trackingConsentAt: trackingConsentOf(row, ctx, now, bases),
    },
  };
}
