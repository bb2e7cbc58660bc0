import { describe, expect, it } from 'vitest';
import type { Contact } from '#domain/contact';
import {
  buildDsrExport,
  type DsrExport,
  type DsrIdentity,
  dsrIdentity,
  foreignDataIn,
  ownPartOf,
  planErasure,
} from '#domain/dsr';
import { chainEntries, GENESIS_HASH, type LedgerEntry, type LedgerEntryInput } from '#domain/ledger';

const SECRET = 's'.repeat(40);
const jean = dsrIdentity('jean.dupont@gmail.com', SECRET) as DsrIdentity;
const phoneKey = (dsrIdentity('+33612345678', SECRET) as DsrIdentity).suppressionKey;
const marieKey = (dsrIdentity('marie.curie@gmail.com', SECRET) as DsrIdentity).suppressionKey;

const contact: Contact = {
  suppressionKey: jean.suppressionKey,
  email: 'Jean.Dupont@gmail.com',
  phone: '+33612345678',
  phoneKey,
  firstName: 'Jean',
  kind: 'consumer',
  bases: { email: 'consent' },
  consent: {
    mechanism: 'double-opt-in',
    wordingVersion: 'v3',
    scope: 'advertiser',
    namedPartners: [],
    consentAt: '2026-10-02T10:00:00.000Z',
    listId: 'newsletter-2026',
  },
  listId: 'newsletter-2026',
  listIds: ['newsletter-2026'],
  sourceKind: 'own-form',
  collectedAt: '2026-10-05T00:00:00.000Z',
  productCategories: [],
  informAtFirstMessage: false,
  expiresAt: '2029-10-05T00:00:00.000Z',
};

function chain(inputs: LedgerEntryInput[], name = 'c0'): LedgerEntry[] {
  return chainEntries(name, { lastSeq: 0, lastHash: GENESIS_HASH }, inputs);
}
const at = '2026-11-20T10:00:00.000Z';

describe('dsrIdentity: any case or Gmail variant is the same person', () => {
  it.each([
    'jean.dupont@gmail.com',
    '  JEAN.DUPONT@GMAIL.COM ',
    'jeandupont@gmail.com',
    'jean.dupont+promo@gmail.com',
    'Jean.Du.Pont@googlemail.com',
  ])('%s', (address) => {
    expect(dsrIdentity(address, SECRET)).toEqual(jean);
  });

  it.each(['06 12 34 56 78', '06.12.34.56.78', '+33 6 12 34 56 78', '0033612345678'])('phone %s', (address) => {
    expect(dsrIdentity(address, SECRET)).toMatchObject({
      channel: 'sms',
      canonical: '+33612345678',
      suppressionKey: phoneKey,
    });
  });

  it.each(['jean.dupont@gmail', 'not an address', ''])('%j is neither', (address) => {
    expect(dsrIdentity(address, SECRET)).toBeUndefined();
  });
});

describe('buildDsrExport', () => {
  const own = chain([
    { type: 'contact-solicited', at, subject: jean.suppressionKey, payload: { campaignId: 'printemps-2027' } },
  ]);
  const listLedger = chain(
    [
      { type: 'list-accepted', at, subject: 'list#newsletter-2026', payload: { rows: { total: 2 } } },
      {
        type: 'contact-imported',
        at,
        subject: 'list#newsletter-2026',
        payload: {
          listId: 'newsletter-2026',
          contacts: [
            { k: jean.suppressionKey, consent: 'ab' },
            { k: marieKey, consent: 'cd' },
          ],
        },
      },
      {
        type: 'contact-imported',
        at,
        subject: 'list#newsletter-2026',
        payload: { contacts: [{ k: marieKey, consent: 'cd' }] },
      },
    ],
    'c1',
  );
  const doc = buildDsrExport({
    now: new Date(at),
    identity: jean,
    contacts: [{ ...contact, ttl: 1, expiryBucket: '2029-10#1', version: 3 } as Contact],
    lists: [{ listId: 'newsletter-2026', status: 'accepted', ledger: listLedger }],
    suppressions: [],
    ledger: own,
  });

  it('gathers the record (without store attributes), the proof with its digest, and the person’s keys', () => {
    expect(doc.suppressionKeys).toEqual([jean.suppressionKey, phoneKey]);
    expect(doc.contacts[0]).not.toHaveProperty('ttl');
    expect(doc.contacts[0]).not.toHaveProperty('version');
    expect(doc.consentProofs[0]).toMatchObject({
      wordingVersion: 'v3',
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(doc.ledger).toEqual(own);
  });

  it('shows list entries with this person’s part only, and drops those about others only', () => {
    const entries = doc.lists[0]?.ledger ?? [];
    expect(entries.map((e) => e.type)).toEqual(['list-accepted', 'contact-imported']);
    expect(entries[1]?.payload.contacts).toEqual([{ k: jean.suppressionKey, consent: 'ab' }]);
    expect(entries[1]?.redacted).toEqual({ omitted: 1 });
    expect(JSON.stringify(doc)).not.toContain(marieKey);
    expect(foreignDataIn(doc, jean)).toEqual([]);
  });

  it('after an erasure: only the receipt on, earlier entries counted', () => {
    const history = chain([
      { type: 'contact-solicited', at, subject: jean.suppressionKey, payload: {} },
      { type: 'opposition-recorded', at, subject: jean.suppressionKey, payload: { source: 'erasure' } },
      { type: 'dsr-erasure', at, subject: jean.suppressionKey, payload: { contactsDeleted: 1 } },
    ]);
    const after = buildDsrExport({
      now: new Date(at),
      identity: jean,
      contacts: [],
      lists: [],
      suppressions: [],
      ledger: history,
    });
    expect(after.ledger.map((e) => e.type)).toEqual(['dsr-erasure']);
    expect(after.erasure).toEqual({ at, earlierLedgerEntries: 2 });
  });
});

describe('ownPartOf', () => {
  const [entry] = chain([
    { type: 'contact-imported', at, subject: 'list#x', payload: { contacts: [{ k: 'a' }, { k: 'b' }], listId: 'x' } },
  ]) as [LedgerEntry];
  it.each([
    [['a'], [{ k: 'a' }], { omitted: 1 }],
    [['a', 'b'], [{ k: 'a' }, { k: 'b' }], undefined],
  ])('own %j → %j', (own, contacts, redacted) => {
    const part = ownPartOf(entry, new Set(own));
    expect(part?.payload.contacts).toEqual(contacts);
    expect(part?.redacted).toEqual(redacted);
  });
  it('nobody’s part → no entry', () => {
    expect(ownPartOf(entry, new Set(['z']))).toBeUndefined();
  });
});

describe('foreignDataIn names where another person’s data would leak', () => {
  const clean = (): DsrExport =>
    buildDsrExport({ now: new Date(at), identity: jean, contacts: [contact], lists: [], suppressions: [], ledger: [] });

  it.each<[string, (d: DsrExport) => void, string]>([
    ['a contact not linked to the person', (d) => d.contacts.push({ suppressionKey: marieKey }), 'contacts[1]'],
    [
      'another person’s ledger entry',
      (d) => d.ledger.push(...chain([{ type: 'contact-solicited', at, subject: marieKey, payload: {} }])),
      'ledger[0].subject',
    ],
    [
      'another address in a record',
      (d) => Object.assign(d.contacts[0] as object, { note: 'voir marie.curie@gmail.com' }),
      'contacts[0].note',
    ],
    [
      'another phone number',
      (d) => Object.assign(d.contacts[0] as object, { note: 'ou le 07 11 22 33 44' }),
      'contacts[0].note',
    ],
    [
      'another key in a suppression entry',
      (d) => d.suppressions.push({ suppressionKey: marieKey, reason: 'OPPOSED', sources: ['one-click'], at }),
      'suppressions[0].suppressionKey',
    ],
  ])('%s', (_, tamper, path) => {
    const doc = clean();
    expect(foreignDataIn(doc, jean)).toEqual([]);
    tamper(doc);
    expect(foreignDataIn(doc, jean)).toContain(path);
  });

  it('the person’s own address in any form is not foreign; hashes are not phone numbers', () => {
    const doc = clean();
    Object.assign(doc.contacts[0] as object, {
      note: 'JeanDupont+x@googlemail.com, 06 12 34 56 78',
      hash: `0${'1'.repeat(63)}`,
    });
    expect(foreignDataIn(doc, jean)).toEqual([]);
  });
});

describe('planErasure', () => {
  it('suppresses every key of the person, deletes their records, one receipt per key without personal data', () => {
    const plan = planErasure(jean, [contact]);
    expect(plan.suppress).toEqual([jean.suppressionKey, phoneKey]);
    expect(plan.deleteContacts).toEqual([jean.suppressionKey]);
    expect(plan.receipts.map((r) => r.subject)).toEqual([jean.suppressionKey, phoneKey]);
    expect(plan.receipts[0]?.payload).toEqual({
      request: 'email',
      suppressionKeys: [jean.suppressionKey, phoneKey],
      contactsDeleted: 1,
      consentProofsDeleted: 1,
      listIds: ['newsletter-2026'],
    });
    expect(JSON.stringify(plan)).not.toMatch(/dupont|612345678/i);
  });

  it('an unknown person still gets a suppression entry and a receipt (rules.md §8)', () => {
    const plan = planErasure(jean, []);
    expect(plan).toMatchObject({ suppress: [jean.suppressionKey], deleteContacts: [] });
    expect(plan.receipts).toHaveLength(1);
  });
});
