/**
 * Addresses (rules.md §2): normalising an email address or a phone number, and deriving
 * the canonical form the suppression key and the contact's identity come from. Classifying
 * an address (consumer, professional, generic) is in classify.ts: only the functions that
 * judge rows load its lists (the disposable-domain list alone is ≈ 140 KB of bundle).
 *
 * Pure: no clock, no I/O.
 */
import { domainToASCII } from 'node:url';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

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
//   LOCAL_PART    /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/   (isDotAtom)
//   ASCII_DOMAIN  /^[a-z0-9.-]+$/                                                   (isAsciiDomainText)
// rules.md §2 step 1: labels of 1–63 letters, digits or inner hyphens, at least one dot, an
// alphabetic (or punycode) top-level label, 253 characters at most
//   VALID_DOMAIN  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/   (isValidDomain)

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
  if (local.length > 64 || !isDotAtom(local)) return INVALID_EMAIL;
  let domain = given.slice(at + 1).toLowerCase();
  const plain = plainDomainValidity(domain);
  if (plain === 1) {
    return { ok: true, given, normalised: `${local}@${domain}`, canonical: canonicalOf(local, domain), local, domain };
  }
  if (plain === 0) return INVALID_EMAIL;
  if (!isAsciiDomainText(domain) || domain.includes('xn--')) {
    // An IDN, or an ASCII domain with punycode labels that must round-trip: domainToASCII
    // returns '' for a bad IDN.
    domain = domainToASCII(domain);
    if (domain === '') return INVALID_EMAIL;
  }
  if (!isValidDomain(domain)) return INVALID_EMAIL;
  return { ok: true, given, normalised: `${local}@${domain}`, canonical: canonicalOf(local, domain), local, domain };
}

// The three regexes above, as loops over char codes: normaliseEmail runs once per row of
// lists of millions. Each function accepts exactly what its regex accepts (checked
// against the regexes on a million generated addresses when written: bench/README.md).

/** ASCII codes allowed in a dot-atom (LOCAL_PART's character class). */
const ATOM_CHAR = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-") ATOM_CHAR[c.charCodeAt(0)] = 1;

/** LOCAL_PART: atoms of ATOM_CHAR joined by single dots, no dot first or last. */
function isDotAtom(text: string): boolean {
  let afterDot = true; // at the start, as after a dot: an atom must come first
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (afterDot) return false;
      afterDot = true;
    } else if (c < 128 && ATOM_CHAR[c] === 1) afterDot = false;
    else return false;
  }
  return !afterDot;
}

/** [a-z0-9-] */
const isLabelChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45;

/**
 * The common case in one pass: a domain of [a-z0-9.-] only, with no `xn--` anywhere (so
 * normaliseEmail would not call domainToASCII), judged by VALID_DOMAIN. 1: valid, 0:
 * invalid, -1: not such a domain (normaliseEmail's general path decides).
 */
function plainDomainValidity(domain: string): 1 | 0 | -1 {
  const n = domain.length;
  if (n === 0) return -1;
  let valid = n <= 253;
  let labelStart = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = domain.charCodeAt(i);
    if (c === 46 /* . */) {
      // an inner label: 1–63 characters, no hyphen first or last
      const length = i - labelStart;
      if (length < 1 || length > 63 || domain.charCodeAt(labelStart) === 45 || domain.charCodeAt(i - 1) === 45) {
        valid = false;
      }
      dots++;
      labelStart = i + 1;
    } else if (c === 120 /* x */ && domain.startsWith('n--', i + 1)) return -1;
    else if (!isLabelChar(c)) return -1;
  }
  if (!valid || dots === 0) return 0;
  // the top-level label: [a-z]{2,63} (an `xn--` one went to the general path)
  const length = n - labelStart;
  if (length < 2 || length > 63) return 0;
  for (let i = labelStart; i < n; i++) {
    const c = domain.charCodeAt(i);
    if (c < 97 || c > 122) return 0;
  }
  return 1;
}

/** ASCII_DOMAIN: one or more of [a-z0-9.-]. */
function isAsciiDomainText(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isLabelChar(c) && c !== 46) return false;
  }
  return true;
}

/**
 * VALID_DOMAIN: 253 characters at most; labels split at the dots (none of the classes
 * holds a dot, so the split is the regex's only way); every label but the last is
 * `[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?`, the last `[a-z]{2,63}` or `xn--[a-z0-9-]{1,59}`,
 * and there are at least two.
 */
function isValidDomain(domain: string): boolean {
  const n = domain.length;
  if (n < 1 || n > 253) return false;
  let start = 0;
  let dot = domain.indexOf('.');
  if (dot < 0) return false;
  while (dot >= 0) {
    const length = dot - start;
    if (length < 1 || length > 63) return false;
    if (domain.charCodeAt(start) === 45 || domain.charCodeAt(dot - 1) === 45) return false;
    for (let i = start; i < dot; i++) if (!isLabelChar(domain.charCodeAt(i))) return false;
    start = dot + 1;
    dot = domain.indexOf('.', start);
  }
  const length = n - start;
  if (length >= 2 && length <= 63) {
    let letters = true;
    for (let i = start; i < n && letters; i++) {
      const c = domain.charCodeAt(i);
      letters = c >= 97 && c <= 122;
    }
    if (letters) return true;
  }
  if (length < 5 || length > 63 || !domain.startsWith('xn--', start)) return false;
  for (let i = start + 4; i < n; i++) if (!isLabelChar(domain.charCodeAt(i))) return false;
  return true;
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
  const french = frenchNumber(s);
  if (french > 0) return frenchNational(String(french));
  const fast = FRENCH_MOBILE.exec(s);
  if (fast) return frenchNational((fast[1] as string).replace(SEPARATORS, ''));
  const other = FRENCH_OTHER.exec(s);
  if (other) return frenchNational((other[1] as string).replace(SEPARATORS, ''));
  if (s.length === 0 || s.length > 40) return { ok: false };
  const parsed = parsePhoneNumberFromString(s, 'FR');
  if (!parsed?.isValid()) return { ok: false };
  const e164 = parsed.number;
  if (parsed.countryCallingCode === '33') {
    return { ok: true, e164, mobile: /^\+33[67]\d{8}$/.test(e164) };
  }
  return { ok: true, e164, mobile: parsed.getType() === 'MOBILE' };
}

/**
 * A number as a French caller dials it (design.md §3.5 `national`): `06 12 34 56 78` for
 * a French number, the international form (`+44 20 7946 0958`) for a foreign one.
 */
export function nationalForm(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.countryCallingCode === '33' ? parsed.formatNational() : parsed.formatInternational();
}

/**
 * Overseas departments share the French national plan (a `0` and nine digits) but not
 * the +33 country code: `0690 12 34 56` is +590 690 12 34 56 (Guadeloupe), not a
 * non-existent +33 6 90… — storing the latter would key an opposition from the real
 * number differently (rules.md §2, §8). National prefix → country code.
 */
const OVERSEAS: readonly [prefix: string, countryCode: string, mobile: boolean][] = [
  ['690', '590', true], // Guadeloupe, Saint-Martin, Saint-Barthélemy
  ['691', '590', true],
  ['590', '590', false],
  ['692', '262', true], // La Réunion
  ['693', '262', true],
  ['262', '262', false],
  ['639', '262', true], // Mayotte
  ['269', '262', false],
  ['694', '594', true], // Guyane
  ['594', '594', false],
  ['696', '596', true], // Martinique
  ['697', '596', true],
  ['596', '596', false],
];

/** E.164 of a French national number (nine digits after the leading 0). */
function frenchNational(nine: string): NormalisedPhone {
  // a mobile of metropolitan France starts with 6 or 7, except the overseas 639 and 69x ranges
  if (
    nine.charCodeAt(0) === 54 /* 6 */
      ? nine.charCodeAt(1) === 57 || nine.startsWith('639')
      : nine.startsWith('26') || nine.startsWith('59')
  ) {
    const overseas = OVERSEAS.find(([prefix]) => nine.startsWith(prefix));
    if (overseas) return { ok: true, e164: `+${overseas[1]}${nine}`, mobile: overseas[2] };
    return { ok: false }; // 698, 699: no such numbers
  }
  const first = nine.charCodeAt(0) - 48;
  return { ok: true, e164: `+33${nine}`, mobile: first === 6 || first === 7 };
}

/** A separator in the spellings frenchNumber reads itself (a subset of `[\s.-]`). */
const isPlainSeparator = (c: number): boolean => c === 32 || c === 46 || c === 45;

/**
 * FRENCH_MOBILE and FRENCH_OTHER without a regex, for the spellings lists hold: `0`,
 * `+33` or `0033`, then (after +33/0033) an optional separator and an optional `(0)` with
 * its own optional separator, then nine digits, the first 1–9, each optionally preceded by
 * one space, dot or hyphen. Returns the nine digits as a number (> 0), or 0 when the text
 * is not in that form: the regexes, then libphonenumber-js, decide it. Whatever this
 * accepts, the regexes accept with the same digits.
 */
function frenchNumber(s: string): number {
  const n = s.length;
  if (n < 10 || n > 40) return 0;
  let i: number;
  if (s.charCodeAt(0) === 43 /* + */) {
    if (s.charCodeAt(1) !== 51 || s.charCodeAt(2) !== 51) return 0;
    i = 3;
  } else if (s.charCodeAt(0) === 48 /* 0 */) {
    if (s.charCodeAt(1) !== 48) i = 1;
    else {
      if (s.charCodeAt(2) !== 51 || s.charCodeAt(3) !== 51) return 0;
      i = 4;
    }
  } else return 0;
  if (i > 1) {
    if (isPlainSeparator(s.charCodeAt(i))) i++;
    if (s.startsWith('(0)', i)) {
      i += 3;
      if (isPlainSeparator(s.charCodeAt(i))) i++;
    }
  }
  const first = s.charCodeAt(i) - 48;
  if (!(first >= 1 && first <= 9)) return 0;
  let digits = first;
  i++;
  for (let k = 0; k < 8; k++) {
    if (isPlainSeparator(s.charCodeAt(i))) i++;
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return 0;
    digits = digits * 10 + d;
    i++;
  }
  return i === n ? digits : 0;
}
