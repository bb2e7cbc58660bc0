/**
 * Data-subject rights (rules.md §9): who a request is about, the access export (GDPR 15)
 * and what an erasure (GDPR 17) must do. Pure: the stores read and write, this decides.
 *
 * A person is known under one or two suppression keys (email, phone: rules.md §8); the
 * address given is normalised first, so any case or Gmail variant of it finds them.
 */
import { normaliseEmail, normalisePhone } from './address.ts';
import type { ConsentProof, Contact } from './contact.ts';
import { suppressionKey } from './keys.ts';
import { consentProofDigest, type LedgerEntry, listSubject } from './ledger.ts';

/** Who a request is about: the canonical identity and its suppression key. */
export type DsrIdentity =
  | { channel: 'email'; canonical: string; suppressionKey: string }
  | { channel: 'sms'; canonical: string; suppressionKey: string };

/** The identity of an address as given (email or phone), or undefined when it is neither. */
export function dsrIdentity(address: string, secret: string): DsrIdentity | undefined {
  if (address.includes('@')) {
    const email = normaliseEmail(address);
    return email.ok
      ? { channel: 'email', canonical: email.canonical, suppressionKey: suppressionKey(email.canonical, secret) }
      : undefined;
  }
  const phone = normalisePhone(address);
  return phone.ok
    ? { channel: 'sms', canonical: phone.e164, suppressionKey: suppressionKey(phone.e164, secret) }
    : undefined;
}

/** Every key a person is known under: the one asked for, and those of the contacts found. */
export function subjectKeys(
  identity: DsrIdentity,
  contacts: readonly Pick<Contact, 'suppressionKey' | 'phoneKey'>[],
): string[] {
  const keys = [identity.suppressionKey];
  for (const contact of contacts) keys.push(contact.suppressionKey, ...(contact.phoneKey ? [contact.phoneKey] : []));
  return [...new Set(keys)];
}

/** A suppression entry as the export shows it (no personal data: a key, a reason, how, when). */
export interface DsrSuppression {
  suppressionKey: string;
  reason: string;
  sources: string[];
  at: string;
  channel?: string;
  campaignId?: string;
}

/** A list a contact came from: its provenance manifest and the ledger's decisions about it. */
export interface DsrList {
  listId: string;
  status?: string;
  receivedAt?: string;
  decidedAt?: string;
  manifest?: unknown;
  manifestSha256?: string;
  ledger: DsrLedgerEntry[];
}

/**
 * A ledger entry as the export shows it. An entry about many contacts at once (the
 * ingestion's `contact-imported` batch, subject `list#<id>`) is shown with this person's
 * part only: `redacted.omitted` counts the other people's parts left out, so its hash
 * no longer matches the payload shown; `chain`/`seq` let the DPO check it in the ledger.
 */
export type DsrLedgerEntry = LedgerEntry & { redacted?: { omitted: number } };

/** The access export (rules.md §9): one JSON document. */
export interface DsrExport {
  kind: 'dsr-export';
  version: 1;
  generatedAt: string;
  suppressionKeys: string[];
  /** the contact records held, as stored, without the store's technical attributes */
  contacts: Record<string, unknown>[];
  /** each contact's consent proof, with the digest the ledger recorded at import */
  consentProofs: (ConsentProof & { suppressionKey: string; digest: string })[];
  lists: DsrList[];
  suppressions: DsrSuppression[];
  /** ledger entries about the person, oldest first (after an erasure: from its receipt on) */
  ledger: LedgerEntry[];
  /** after an erasure: when, and how many earlier entries the ledger keeps as evidence (keyed hashes, no personal data) */
  erasure?: { at: string; earlierLedgerEntries: number };
}

/** Store attributes that are not part of the record (TTL, index bucket, optimistic lock). */
const TECHNICAL_ATTRIBUTES = new Set(['ttl', 'expiryBucket', 'version']);

export interface DsrExportInput {
  now: Date;
  identity: DsrIdentity;
  /** as stored: the store's own attributes (TTL, index bucket, version) are dropped */
  contacts: readonly Contact[];
  lists: readonly DsrList[];
  suppressions: readonly DsrSuppression[];
  /** entries whose subject is one of the person's keys */
  ledger: readonly LedgerEntry[];
}

/**
 * Builds the export. When no contact is held any more and an erasure receipt exists, the
 * ledger part starts at the latest receipt of each key: the earlier entries are evidence
 * kept under GDPR 17(3)(e) and are only counted (rules.md §9: keep a receipt).
 */
export function buildDsrExport(input: DsrExportInput): DsrExport {
  const keys = subjectKeys(input.identity, input.contacts);
  const own = new Set(keys);
  const ordered = [...input.ledger].sort(byTimeThenSeq);
  let ledger = ordered;
  let erasure: DsrExport['erasure'];
  const receipts = ordered.filter((e) => e.type === 'dsr-erasure');
  if (input.contacts.length === 0 && receipts.length > 0) {
    // One subject's entries share one chain: its seq orders them exactly.
    const cut = new Map<string, number>();
    for (const receipt of receipts) cut.set(receipt.subject, Math.max(cut.get(receipt.subject) ?? 0, receipt.seq));
    ledger = ordered.filter((e) => e.seq >= (cut.get(e.subject) ?? 0));
    erasure = { at: (receipts.at(-1) as LedgerEntry).at, earlierLedgerEntries: ordered.length - ledger.length };
  }
  return {
    kind: 'dsr-export',
    version: 1,
    generatedAt: input.now.toISOString(),
    suppressionKeys: keys,
    contacts: input.contacts.map((c) =>
      Object.fromEntries(Object.entries(c).filter(([name]) => !TECHNICAL_ATTRIBUTES.has(name))),
    ),
    consentProofs: input.contacts.flatMap((c) =>
      c.consent ? [{ ...c.consent, suppressionKey: c.suppressionKey, digest: consentProofDigest(c.consent) }] : [],
    ),
    lists: input.lists.map((list) => ({
      ...list,
      ledger: list.ledger.flatMap((entry) => {
        const part = ownPartOf(entry, own);
        return part ? [part] : [];
      }),
    })),
    suppressions: [...input.suppressions],
    ledger,
    ...(erasure ? { erasure } : {}),
  };
}

/** Fields that name a person in a ledger payload (the ingestion writes `k` for brevity). */
const KEY_FIELDS = new Set(['k', 'suppressionKey', 'phoneKey']);

function personKeyOf(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [name, v] of Object.entries(value)) if (KEY_FIELDS.has(name) && typeof v === 'string') return v;
  return undefined;
}

/**
 * This person's part of a ledger entry: in arrays of per-person items, only the items
 * keyed by one of their keys. Undefined when the entry is about other people only.
 */
export function ownPartOf(entry: LedgerEntry, own: ReadonlySet<string>): DsrLedgerEntry | undefined {
  let omitted = 0;
  let kept = 0;
  const prune = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) {
        const key = personKeyOf(item);
        if (key === undefined) out.push(prune(item));
        else if (own.has(key)) {
          kept += 1;
          out.push(item);
        } else omitted += 1;
      }
      return out;
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, prune(v)]));
    }
    return value;
  };
  const payload = prune(entry.payload) as Record<string, unknown>;
  if (omitted === 0) return entry;
  if (kept === 0) return undefined;
  return { ...entry, payload, redacted: { omitted } };
}

function byTimeThenSeq(a: LedgerEntry, b: LedgerEntry): number {
  return a.at.localeCompare(b.at) || a.chain.localeCompare(b.chain) || a.seq - b.seq;
}

const EMAIL_LIKE = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[a-z0-9-]+/gi;
const PHONE_LIKE = /(?:\+|\b0)\d(?:[\s.-]?\d){7,13}\b/g;
/** hashes and keys: hex, never an address (a run of digits in one is not a phone number) */
const HEX_DIGEST = /^[0-9a-f]{32,}$/i;

/**
 * Where an export would show another person's data (rules.md §9): a contact not linked to
 * the identity asked for (by its key or its phone key), a suppression key or ledger
 * subject that is not one of the person's, an address or phone number that is not their
 * own. Provenance manifests are company documents (advertiser, collector, consent
 * wording) and are not searched for addresses. Returns the paths; empty when clean.
 */
export function foreignDataIn(doc: DsrExport, identity: DsrIdentity): string[] {
  const found: string[] = [];
  // The person's keys: the one asked for, then those of contacts linked to it (to a fixpoint).
  const keys = new Set([identity.suppressionKey]);
  const linked = new Set<number>();
  for (let grew = true; grew; ) {
    grew = false;
    doc.contacts.forEach((contact, i) => {
      const own = [contact.suppressionKey, contact.phoneKey].filter((k): k is string => typeof k === 'string');
      if (linked.has(i) || !own.some((k) => keys.has(k))) return;
      linked.add(i);
      for (const k of own) keys.add(k);
      grew = true;
    });
  }
  doc.contacts.forEach((_, i) => {
    if (!linked.has(i)) found.push(`contacts[${i}]`);
  });
  const ownAddresses = new Set<string>([identity.canonical]);
  for (const i of linked) {
    for (const value of [doc.contacts[i]?.email, doc.contacts[i]?.phone]) {
      if (typeof value === 'string') ownAddresses.add(canonicalOf(value) ?? value);
    }
  }

  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (HEX_DIGEST.test(value)) return;
      for (const match of value.matchAll(EMAIL_LIKE)) {
        if (!ownAddresses.has(canonicalOf(match[0]) ?? match[0])) found.push(path);
      }
      for (const match of value.matchAll(PHONE_LIKE)) {
        const e164 = canonicalOf(match[0]);
        if (e164 && !ownAddresses.has(e164)) found.push(path);
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, `${path}[${i}]`);
      });
    } else if (value && typeof value === 'object') {
      for (const [name, v] of Object.entries(value)) {
        const here = path ? `${path}.${name}` : name;
        if (/^lists\[\d+\]\.manifest$/.test(here)) continue;
        const isKey = KEY_FIELDS.has(name);
        if (isKey && typeof v === 'string' && !keys.has(v)) found.push(here);
        walk(v, here);
      }
    }
  };
  walk(doc, '');
  doc.suppressionKeys.forEach((key, i) => {
    if (!keys.has(key)) found.push(`suppressionKeys[${i}]`);
  });
  doc.ledger.forEach((entry, i) => {
    if (!keys.has(entry.subject)) found.push(`ledger[${i}].subject`);
  });
  doc.lists.forEach((list, l) => {
    list.ledger.forEach((entry, i) => {
      if (entry.subject !== listSubject(list.listId)) found.push(`lists[${l}].ledger[${i}].subject`);
    });
  });
  return [...new Set(found)];
}

/** The canonical form of an email address or phone number, or undefined. */
function canonicalOf(value: string): string | undefined {
  if (value.includes('@')) {
    const email = normaliseEmail(value);
    return email.ok ? email.canonical : undefined;
  }
  const phone = normalisePhone(value);
  return phone.ok ? phone.e164 : undefined;
}

/** What an erasure does (rules.md §9, §1: an erasure request is an opposition). */
export interface ErasurePlan {
  /** every key gets an OPPOSED suppression entry, source `erasure`, kept for ever (rules.md §8) */
  suppress: string[];
  /** contact records to delete, with their consent proofs */
  deleteContacts: string[];
  /** the receipt, one per key so each key's history ends with it (no personal data) */
  receipts: { subject: string; payload: Record<string, unknown> }[];
}

export function planErasure(identity: DsrIdentity, contacts: readonly Contact[]): ErasurePlan {
  const keys = subjectKeys(identity, contacts);
  const payload = {
    request: identity.channel,
    suppressionKeys: keys,
    contactsDeleted: contacts.length,
    consentProofsDeleted: contacts.filter((c) => c.consent).length,
    listIds: [...new Set(contacts.flatMap((c) => c.listIds ?? [c.listId]))].sort(),
  };
  return {
    suppress: keys,
    deleteContacts: contacts.map((c) => c.suppressionKey),
    receipts: keys.map((subject) => ({ subject, payload })),
  };
}
