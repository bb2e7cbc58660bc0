/**
 * Addresses (rules.md §2): normalising an email address or a phone number, deriving the
 * canonical form the suppression key and the contact's identity come from, and
 * classifying an address as consumer, professional or generic.
 *
 * Pure: no clock, no I/O. The disposable-domain list comes from a maintained package and
 * is loaded once into a Set.
 */
import { domainToASCII } from 'node:url';
import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Settings } from '../schemas/settings.ts';
import type { RecipientKind } from './reasons.ts';

export type NormalisedEmail =
  | {
      ok: true;
      /** the address as given (trimmed), for sending */
      given: string;
      /** local part and domain lower-cased, domain in ASCII (punycode) */
      normalised: string;
      /** rules.md §2: no +tag, no dots for Gmail: what the suppression key is computed over */
      canonical: string;
      /** normalised local part (with its +tag) */
      local: string;
      /** normalised ASCII domain */
      domain: string;
    }
  | { ok: false; reason: 'ADDRESS_INVALID' };

export type NormalisedPhone = { ok: true; e164: string; mobile: boolean } | { ok: false };

// RFC 5322 dot-atom local part. Quoted local parts and non-ASCII local parts are refused:
// SES cannot send to them reliably, and in doubt an address is invalid (rules.md §0).
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const ASCII_DOMAIN = /^[a-z0-9.-]+$/;
// rules.md §2 step 1: labels of 1–63 letters, digits or inner hyphens, at least one dot, an
// alphabetic (or punycode) top-level label, 253 characters at most
const VALID_DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** Gmail ignores dots in the local part, and googlemail.com is the same mailbox (rules.md §2). */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * Normalise an email address (rules.md §2): trim, lower-case, domain to ASCII, and the
 * canonical form (no `+tag` on any domain, no dots on gmail.com/googlemail.com, which are
 * folded into gmail.com). Folding too much only widens an opposition: the safe side.
 */
export function normaliseEmail(raw: string): NormalisedEmail {
  const given = raw.trim();
  const at = given.lastIndexOf('@');
  if (at <= 0 || at === given.length - 1 || given.length > 320) return INVALID_EMAIL;
  const local = given.slice(0, at).toLowerCase();
  if (local.length > 64 || !LOCAL_PART.test(local)) return INVALID_EMAIL;
  let domain = given.slice(at + 1).toLowerCase();
  if (!ASCII_DOMAIN.test(domain) || domain.includes('xn--')) {
    // An IDN, or an ASCII domain with punycode labels that must round-trip: domainToASCII
    // returns '' for a bad IDN.
    domain = domainToASCII(domain);
    if (domain === '') return INVALID_EMAIL;
  }
  if (!VALID_DOMAIN.test(domain)) return INVALID_EMAIL;
  return { ok: true, given, normalised: `${local}@${domain}`, canonical: canonicalOf(local, domain), local, domain };
}

const INVALID_EMAIL = { ok: false, reason: 'ADDRESS_INVALID' } as const;

function canonicalOf(local: string, domain: string): string {
  const plus = local.indexOf('+');
  // A local part that is only a tag (`+x@…`) keeps it: an empty local part is no mailbox.
  let base = plus > 0 ? local.slice(0, plus) : local;
  if (GMAIL_DOMAINS.has(domain)) {
    base = base.replaceAll('.', '');
    return `${base}@gmail.com`;
  }
  return `${base}@${domain}`;
}

/** The canonical address of a raw email, or undefined when it is not a valid address. */
export function canonicalEmail(raw: string): string | undefined {
  const n = normaliseEmail(raw);
  return n.ok ? n.canonical : undefined;
}

// ---------------------------------------------------------------------------------------
// Phones

// rules.md §2: a French mobile (06, 07) in the forms people type, the fast path; anything
// else goes through libphonenumber-js.
const FRENCH_MOBILE = /^(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?|0)([67](?:[\s.-]?\d){8})$/;
// …and a French landline or special number (01–05, 08, 09): parses, not a mobile
const FRENCH_OTHER = /^(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?|0)([1-589](?:[\s.-]?\d){8})$/;
const SEPARATORS = /[\s.-]/g;

/**
 * Parse a phone number with the French default region into E.164 and say whether it is a
 * mobile (rules.md §2: a marketing SMS may go only to mobiles). France: +336 and +337.
 * Elsewhere: only numbers libphonenumber-js types as MOBILE; FIXED_LINE_OR_MOBILE (e.g.
 * North America) cannot be told apart from a landline, so it is not a mobile (rules.md §0:
 * in doubt, the strictest reading).
 */
export function normalisePhone(raw: string): NormalisedPhone {
  const s = raw.trim();
  const fast = FRENCH_MOBILE.exec(s);
  if (fast) return { ok: true, e164: `+33${(fast[1] as string).replace(SEPARATORS, '')}`, mobile: true };
  const other = FRENCH_OTHER.exec(s);
  if (other) return { ok: true, e164: `+33${(other[1] as string).replace(SEPARATORS, '')}`, mobile: false };
  if (s.length === 0 || s.length > 40) return { ok: false };
  const parsed = parsePhoneNumberFromString(s, 'FR');
  if (!parsed?.isValid()) return { ok: false };
  const e164 = parsed.number;
  if (parsed.countryCallingCode === '33') {
    return { ok: true, e164, mobile: /^\+33[67]\d{8}$/.test(e164) };
  }
  return { ok: true, e164, mobile: parsed.getType() === 'MOBILE' };
}

// ---------------------------------------------------------------------------------------
// Classification

/** rules.md §2 step 3: free-mail and consumer ISP domains (a subdomain of one counts too). */
export const FREEMAIL_DOMAINS: readonly string[] = [
  'gmail.com',
  'googlemail.com',
  'msn.com',
  'ymail.com',
  'rocketmail.com',
  'aol.com',
  'aol.fr',
  'aim.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'sfr.fr',
  'neuf.fr',
  'cegetel.net',
  'club-internet.fr',
  'numericable.fr',
  'numericable.com',
  'noos.fr',
  'aliceadsl.fr',
  'alice.fr',
  'libertysurf.fr',
  'tiscali.fr',
  'voila.fr',
  'laposte.net',
  'bbox.fr',
  'bouyguestelecom.fr',
  'red.fr',
  'proton.me',
  'pm.me',
  'tutanota.com',
  'tuta.io',
  'mail.com',
  'email.com',
  'zoho.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'qq.com',
  '163.com',
  'web.de',
  't-online.de',
  'skynet.be',
  'telenet.be',
  'bluewin.ch',
  'sunrise.ch',
  'videotron.ca',
  'sympatico.ca',
  'comcast.net',
  'verizon.net',
  'att.net',
  'btinternet.com',
  'sky.com',
  'virginmedia.com',
  'libero.it',
  'virgilio.it',
  'terra.es',
];

/** Providers whose every country domain is free-mail (`hotmail.fr`, `yahoo.co.uk`, …): matched on the first label. */
export const FREEMAIL_BRANDS: readonly string[] = [
  'gmail',
  'googlemail',
  'hotmail',
  'outlook',
  'live',
  'windowslive',
  'yahoo',
  'ymail',
  'aol',
  'gmx',
  'protonmail',
  'laposte',
  'orange',
  'wanadoo',
];

/**
 * rules.md §2 step 4: role and service mailboxes, compared with separators (`.`, `-`, `_`)
 * removed, so `service-client`, `service.client` and `serviceclient` are one entry. Exact
 * matches only: calling a named person's address generic would be a false allow.
 */
export const ROLE_MAILBOXES: readonly string[] = [
  'contact',
  'contacts',
  'info',
  'infos',
  'information',
  'informations',
  'accueil',
  'bonjour',
  'hello',
  'commercial',
  'commerciale',
  'commerciaux',
  'vente',
  'ventes',
  'sales',
  'achat',
  'achats',
  'purchasing',
  'compta',
  'comptabilite',
  'accounting',
  'facturation',
  'factures',
  'billing',
  'invoices',
  'finance',
  'direction',
  'directiongenerale',
  'secretariat',
  'secretary',
  'admin',
  'administration',
  'office',
  'bureau',
  'support',
  'assistance',
  'helpdesk',
  'hotline',
  'sav',
  'serviceclient',
  'serviceclients',
  'relationclient',
  'client',
  'clients',
  'customerservice',
  'customercare',
  'commandes',
  'commande',
  'orders',
  'devis',
  'rh',
  'drh',
  'hr',
  'recrutement',
  'recrutements',
  'jobs',
  'emploi',
  'careers',
  'candidature',
  'candidatures',
  'marketing',
  'communication',
  'presse',
  'press',
  'media',
  'juridique',
  'legal',
  'rgpd',
  'dpo',
  'privacy',
  'webmaster',
  'postmaster',
  'hostmaster',
  'abuse',
  'noreply',
  'donotreply',
  'newsletter',
  'equipe',
  'team',
  'reception',
  'standard',
  'agence',
  'boutique',
  'magasin',
  'shop',
  'service',
  'services',
  'servicesgeneraux',
  'moyensgeneraux',
  'technique',
  'informatique',
  'it',
  'logistique',
  'livraison',
  'expedition',
  'atelier',
  'qualite',
  'partenariat',
  'partenariats',
  'partenaires',
  'partners',
  'cabinet',
  'gerance',
  'mairie',
  'enquiries',
  'inquiries',
  'courrier',
];

interface AddressLists {
  freemail: Set<string>;
  brands: Set<string>;
  roles: Set<string>;
}

const SEPARATOR_CHARS = /[._-]/g;
const roleForm = (local: string): string => {
  const plus = local.indexOf('+');
  return (plus >= 0 ? local.slice(0, plus) : local).toLowerCase().replace(SEPARATOR_CHARS, '');
};

const BUILT_IN: AddressLists = {
  freemail: new Set(FREEMAIL_DOMAINS),
  brands: new Set(FREEMAIL_BRANDS),
  roles: new Set(ROLE_MAILBOXES.map(roleForm)),
};

const compiled = new WeakMap<Settings, AddressLists>();

/** The built-in lists plus the settings' extra free-mail domains and role mailboxes, compiled once per settings object. */
function listsFor(settings: Settings | undefined): AddressLists {
  if (!settings || (settings.extraFreemailDomains.length === 0 && settings.extraRoleMailboxes.length === 0)) {
    return BUILT_IN;
  }
  let lists = compiled.get(settings);
  if (!lists) {
    lists = {
      freemail: new Set([
        ...BUILT_IN.freemail,
        ...settings.extraFreemailDomains.map((d) => domainToASCII(d.trim().toLowerCase()) || d.trim().toLowerCase()),
      ]),
      brands: BUILT_IN.brands,
      roles: new Set([...BUILT_IN.roles, ...settings.extraRoleMailboxes.map(roleForm)]),
    };
    compiled.set(settings, lists);
  }
  return lists;
}

const DISPOSABLE = disposableEmailBlocklistSet();

/** Whether the domain or one of its parent domains (never a bare TLD) is in the set. */
function inSetWithParents(domain: string, set: ReadonlySet<string>): boolean {
  let d = domain;
  for (;;) {
    if (set.has(d)) return true;
    const dot = d.indexOf('.');
    if (dot < 0) return false;
    d = d.slice(dot + 1);
    if (!d.includes('.')) return false;
  }
}

/** rules.md §2 step 2: a disposable-mail domain (or a subdomain of one). */
export function isDisposableDomain(domain: string): boolean {
  return inSetWithParents(domain, DISPOSABLE);
}

/** rules.md §2 step 3: a free-mail or consumer ISP domain (or a subdomain of one). */
export function isFreemailDomain(domain: string, settings?: Settings): boolean {
  const lists = listsFor(settings);
  const dot = domain.indexOf('.');
  if (dot > 0 && lists.brands.has(domain.slice(0, dot))) return true;
  return inSetWithParents(domain, lists.freemail);
}

/** rules.md §2 step 4: a role or service mailbox (local part before any +tag, separators ignored). */
export function isRoleMailbox(local: string, settings?: Settings): boolean {
  return listsFor(settings).roles.has(roleForm(local));
}

export type AddressClass =
  | { readonly ok: true; readonly kind: RecipientKind }
  | { readonly ok: false; readonly reason: 'ADDRESS_INVALID' | 'ADDRESS_DISPOSABLE' };

// shared, immutable results: classification allocates nothing per row
const CLASS = {
  consumer: { ok: true, kind: 'consumer' },
  professional: { ok: true, kind: 'professional' },
  generic: { ok: true, kind: 'generic' },
  invalid: { ok: false, reason: 'ADDRESS_INVALID' },
  disposable: { ok: false, reason: 'ADDRESS_DISPOSABLE' },
} as const satisfies Record<string, AddressClass>;

/** A row's `kind` cell: only the two values the contract allows; anything else says nothing. */
export function parseRowKind(value: string | undefined): 'consumer' | 'professional' | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'consumer' || v === 'particulier' || v === 'b2c') return 'consumer';
  if (v === 'professional' || v === 'professionnel' || v === 'pro' || v === 'b2b') return 'professional';
  return undefined;
}

/**
 * The recipient kind by the steps of rules.md §2, first match decides. `email` is the
 * normalised address, or undefined for a phone-only row (steps 5–7 only).
 */
export function classifyAddress(
  email: NormalisedEmail | undefined,
  rowKind: 'consumer' | 'professional' | undefined,
  audience: 'consumer' | 'professional' | 'mixed',
  settings?: Settings,
): AddressClass {
  if (email) {
    if (!email.ok) return CLASS.invalid;
    if (isDisposableDomain(email.domain)) return CLASS.disposable;
    if (isFreemailDomain(email.domain, settings)) return CLASS.consumer;
    if (isRoleMailbox(email.local, settings)) return CLASS.generic;
  }
  if (rowKind) return CLASS[rowKind];
  if (audience !== 'mixed') return CLASS[audience];
  // rules.md §2 step 7 [D]: nothing said → the strictest regime
  return CLASS.consumer;
}
