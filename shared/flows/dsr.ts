/**
 * Data-subject requests (rules.md §9), from an address to the stores: the one place the
 * `hygiene dsr` command and the operators' dsr function share. Decisions come from
 * #domain/dsr; this module reads, deletes and records.
 */
import {
  buildDsrExport,
  type DsrExport,
  type DsrIdentity,
  type DsrList,
  type DsrSuppression,
  dsrIdentity,
  foreignDataIn,
  planErasure,
  subjectKeys,
} from '#domain/dsr';
import { jsonDigest, type LedgerEntry, listSubject } from '#domain/ledger';
import { type ContactItem, deleteContact, getContact } from '#store/contacts';
import { contactKeysWithPhoneKey } from '#store/dsr-reads';
import { appendLedgerEntries, ledgerEntriesFor } from '#store/ledger';
import { getList } from '#store/lists';
import { loadSecrets } from '#store/secrets';
import { getSuppression } from '#store/suppressions';
import { recordSuppression } from './oppositions.ts';

/** The address given is neither an email address nor a phone number (the message never repeats it). */
export class DsrAddressInvalid extends Error {
  override readonly name = 'DsrAddressInvalid';
  constructor() {
    super('not a valid email address or phone number');
  }
}

/** Who the address is, and every contact record held about them (by email key, phone key, or both). */
export async function resolveSubject(address: string): Promise<{ identity: DsrIdentity; contacts: ContactItem[] }> {
  const { suppressionKeySecret } = await loadSecrets();
  const identity = dsrIdentity(address, suppressionKeySecret);
  if (!identity) throw new DsrAddressInvalid();
  const contacts = new Map<string, ContactItem>();
  const looked = new Set<string>();
  const lookUp = async (key: string) => {
    if (looked.has(key)) return;
    looked.add(key);
    const contact = await getContact(key);
    if (contact) contacts.set(key, contact);
  };
  await lookUp(identity.suppressionKey);
  // A phone may belong to a contact keyed by its email.
  if (identity.channel === 'sms')
    for (const key of await contactKeysWithPhoneKey(identity.suppressionKey)) await lookUp(key);
  // …and an email contact's phone may also have a phone-only record of its own.
  for (const contact of [...contacts.values()]) if (contact.phoneKey) await lookUp(contact.phoneKey);
  return { identity, contacts: [...contacts.values()] };
}

/**
 * The access export (GDPR 15): contact records, consent proofs, the provenance of their
 * lists, suppression entries and ledger entries, checked to hold nobody else's data;
 * a `dsr-export` entry records that it was given (with the document's digest).
 */
export async function exportSubject(
  address: string,
  now: Date,
): Promise<{ document: DsrExport; receipt: LedgerEntry }> {
  const { identity, contacts } = await resolveSubject(address);
  const keys = subjectKeys(identity, contacts);
  const [suppressions, ledger, lists] = await Promise.all([
    Promise.all(keys.map((key) => getSuppression(key))),
    Promise.all(keys.map((key) => ledgerEntriesFor(key))),
    Promise.all([...new Set(contacts.flatMap((c) => c.listIds))].sort().map(readList)),
  ]);
  const document = buildDsrExport({
    now,
    identity,
    contacts,
    lists,
    suppressions: suppressions.filter((s) => s !== undefined) as DsrSuppression[],
    ledger: ledger.flat(),
  });
  const foreign = foreignDataIn(document, identity);
  if (foreign.length > 0) throw new Error(`dsr export refused: another subject's data at ${foreign[0]}`);
  const [receipt] = await appendLedgerEntries([
    {
      type: 'dsr-export',
      at: now.toISOString(),
      subject: identity.suppressionKey,
      payload: {
        request: identity.channel,
        documentSha256: jsonDigest(document),
        contacts: document.contacts.length,
        ledgerEntries: document.ledger.length,
      },
    },
  ]);
  return { document, receipt: receipt as LedgerEntry };
}

async function readList(listId: string): Promise<DsrList> {
  const [item, ledger] = await Promise.all([getList(listId), ledgerEntriesFor(listSubject(listId))]);
  return {
    listId,
    ...(item
      ? {
          status: item.status,
          receivedAt: item.receivedAt,
          ...(item.decidedAt ? { decidedAt: item.decidedAt } : {}),
          manifest: item.manifest,
          manifestSha256: item.manifestSha256,
        }
      : {}),
    ledger,
  };
}

export interface ErasureOutcome {
  suppressionKeys: string[];
  contactsDeleted: number;
  receipts: LedgerEntry[];
}

/**
 * Erasure (GDPR 17): the suppression entries first (an erasure request is an opposition,
 * rules.md §1; if anything below fails, the person is already protected), then the
 * contact records with their consent proofs, then a `dsr-erasure` receipt per key.
 * The suppression entries stay for ever (rules.md §8-9). Repeating it is harmless.
 */
export async function eraseSubject(address: string, now: Date): Promise<ErasureOutcome> {
  const { identity, contacts } = await resolveSubject(address);
  const plan = planErasure(identity, contacts);
  for (const suppressionKey of plan.suppress) {
    await recordSuppression({ suppressionKey, reason: 'OPPOSED', source: 'erasure', at: now });
  }
  let contactsDeleted = 0;
  for (const key of plan.deleteContacts) if (await deleteContact(key)) contactsDeleted += 1;
  const receipts = await appendLedgerEntries(
    plan.receipts.map((r) => ({
      type: 'dsr-erasure' as const,
      at: now.toISOString(),
      subject: r.subject,
      payload: r.payload,
    })),
  );
  return { suppressionKeys: plan.suppress, contactsDeleted, receipts };
}
