/**
 * Classifying an address (rules.md §2 steps 1–7): disposable, free-mail or ISP (a
 * consumer), role mailbox (generic), else the row's or the list's word. Pure: the
 * disposable-domain list comes from a maintained package and is loaded once into a Set.
 */
import { domainToASCII } from 'node:url';
import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';
import type { Settings } from '../schemas/settings.ts';
import type { NormalisedEmail } from './address.ts';
import type { RecipientKind } from './reasons.ts';

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
  // French and European free mailboxes and ISPs beyond the rulebook's examples (§2 step 3: the list is open)
  'caramail.com',
  'caramail.fr',
  'netcourrier.com',
  'mailo.com',
  'lycos.fr',
  'lycos.com',
  'fastmail.com',
  'fastmail.fm',
  'posteo.net',
  'posteo.de',
  'nordnet.fr',
  '9online.fr',
  'dbmail.com',
  'club.fr',
  'ifrance.com',
  'infonie.fr',
  'worldonline.fr',
  'freesbee.fr',
  'mailfence.com',
  'hushmail.com',
  'startmail.com',
  'runbox.com',
  'disroot.org',
  'riseup.net',
  'vivaldi.net',
  'yahoo.com',
  'seznam.cz',
  'wp.pl',
  'o2.pl',
  'interia.pl',
  'orange.es',
  'telefonica.net',
  'sapo.pt',
  'free.com',
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

/** The local part before any +tag, lower-cased, without `.` `_` `-` (as `/[._-]/g` removes them). */
const roleForm = (local: string): string => {
  const plus = local.indexOf('+');
  const base = (plus >= 0 ? local.slice(0, plus) : local).toLowerCase();
  let out = '';
  let from = 0;
  for (let i = 0; i < base.length; i++) {
    const c = base.charCodeAt(i);
    if (c === 46 || c === 95 || c === 45) {
      if (i > from) out += base.slice(from, i);
      from = i + 1;
    }
  }
  // no separator: the base itself, no copy
  return from === 0 ? base : out + base.slice(from);
};

const BUILT_IN: AddressLists = {
  freemail: new Set(FREEMAIL_DOMAINS),
  brands: new Set(FREEMAIL_BRANDS),
  roles: new Set(ROLE_MAILBOXES.map(roleForm)),
};

/** the longest brand (brands are built in only: the settings add domains and mailboxes) */
const BRAND_MAX_LENGTH = Math.max(...FREEMAIL_BRANDS.map((b) => b.length));

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
    // no parent, or a parent that is a bare TLD: not cut out at all (a copy per row saved)
    if (dot < 0 || d.indexOf('.', dot + 1) < 0) return false;
    d = d.slice(dot + 1);
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
  // a first label longer than every brand is not cut out to be looked up
  if (dot > 0 && dot <= BRAND_MAX_LENGTH && lists.brands.has(domain.slice(0, dot))) return true;
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
