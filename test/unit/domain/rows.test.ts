import { describe, expect, it } from 'vitest';
import type { ListRow } from '#domain/contact';
import { ListJudge } from '#domain/list-judge';
import type { SuppressionReason } from '#domain/reasons';
import { parseConsentChannels, parseProductCategories } from '#domain/rows';
import { defaultSettings } from '#schemas/settings';
import { judgeRows, manifest, NOW, SECRET, settings } from './fixtures.ts';

const CONSENT = { consent_at: '2026-03-01' };
const thirdPartyConsent = {
  source: {
    kind: 'purchased',
    collector: 'DataLeads SARL',
    receivedFrom: 'DataLeads SARL',
    contractRef: 'C-1',
    auditRef: 'A-1',
  },
  consent: {
    mechanism: 'unticked-checkbox',
    wording: 'w',
    wordingVersion: 'v1',
    collectionPoint: 'https://x.example',
    scope: 'named-partners',
    namedPartners: ['ACME S.A.S.'],
  },
};
const ownCustomers = {
  source: { kind: 'own-customers', customerOf: 'Acme SAS' },
  consent: undefined,
  collected: { from: '2019-01-01', to: '2026-11-01' },
};

type Case = {
  name: string;
  manifest?: Record<string, unknown>;
  row: Omit<ListRow, 'line'>;
  settings?: Record<string, unknown>;
  suppression?: SuppressionReason;
  status: 'accepted' | 'rejected';
  reasons?: string[];
  kind?: string;
  bases?: Record<string, string>;
  rejectedChannels?: Record<string, string[]>;
  informAtFirstMessage?: boolean;
};

const cases: Case[] = [
  // R0
  { name: 'R0 no address at all', row: { first_name: 'Léa' }, status: 'rejected', reasons: ['ROW_MALFORMED'] },
  {
    name: 'R0 an unreadable date',
    row: { email: 'lea@gmail.com', ...CONSENT, collected_at: '31/02/2026' },
    status: 'rejected',
    reasons: ['ROW_MALFORMED'],
  },
  {
    name: 'R0 an activity after the judgement date',
    row: { email: 'lea@gmail.com', ...CONSENT, last_activity_at: '2027-01-01' },
    status: 'rejected',
    reasons: ['ROW_MALFORMED'],
  },
  {
    name: 'R0 sms-only list, row without a phone',
    manifest: { channels: ['sms'] },
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'rejected',
    reasons: ['ROW_MALFORMED'],
  },
  // R1
  {
    name: 'R1 invalid email',
    row: { email: 'lea@gmail', ...CONSENT },
    status: 'rejected',
    reasons: ['ADDRESS_INVALID'],
  },
  {
    name: 'R1 disposable email',
    row: { email: 'lea@yopmail.com', ...CONSENT },
    status: 'rejected',
    reasons: ['ADDRESS_DISPOSABLE'],
  },
  {
    name: 'R1 invalid email refuses the row even with a good phone',
    manifest: { channels: ['email', 'sms'] },
    row: { email: 'lea@', phone: '0612345678', ...CONSENT },
    status: 'rejected',
    reasons: ['ADDRESS_INVALID'],
  },
  {
    name: 'R1 sms channel: a landline is ADDRESS_INVALID',
    manifest: { channels: ['sms'] },
    row: { phone: '01 23 45 67 89', ...CONSENT },
    status: 'rejected',
    reasons: ['ADDRESS_INVALID'],
  },
  {
    name: 'R1 sms channel: an unparseable number is ADDRESS_INVALID',
    manifest: { channels: ['sms'] },
    row: { phone: 'n/a', ...CONSENT },
    status: 'rejected',
    reasons: ['ADDRESS_INVALID'],
  },
  {
    name: 'R1 a landline only loses the sms channel',
    manifest: { channels: ['email', 'sms'] },
    row: { email: 'lea@gmail.com', phone: '01 23 45 67 89', ...CONSENT },
    status: 'accepted',
    bases: { email: 'consent' },
    rejectedChannels: { sms: ['ADDRESS_INVALID'] },
  },
  // R3
  {
    name: 'R3 opposed',
    row: { email: 'lea@gmail.com', ...CONSENT },
    suppression: 'OPPOSED',
    status: 'rejected',
    reasons: ['OPPOSED'],
  },
  {
    name: 'R3 bounced',
    row: { email: 'lea@gmail.com', ...CONSENT },
    suppression: 'BOUNCED',
    status: 'rejected',
    reasons: ['BOUNCED'],
  },
  // R4
  {
    name: 'R4 scraped named professional',
    manifest: {
      source: { kind: 'public-web' },
      audience: 'professional',
      consent: undefined,
      notice: { informedAtCollection: false },
    },
    row: { email: 'jean.dupont@plomberie.fr' },
    status: 'rejected',
    reasons: ['PROV_SCRAPED', 'B2B_NOT_INFORMED'],
    kind: 'professional',
  },
  {
    name: 'R4 scraped generic mailbox passes',
    manifest: { source: { kind: 'scraping' }, audience: 'professional', consent: undefined },
    row: { email: 'contact@plomberie.fr' },
    status: 'accepted',
    kind: 'generic',
    bases: { email: 'legal-person' },
  },
  // R5
  {
    name: 'R5 generic reply (default on)',
    manifest: { audience: 'professional', consent: undefined },
    row: { email: 'jean.dupont@acme-client.fr', origin: 'generic-reply' },
    status: 'rejected',
    reasons: ['PROV_GENERIC_REPLY'],
  },
  {
    name: 'R5 generic reply allowed by the setting',
    manifest: { audience: 'professional', consent: undefined },
    settings: { rejectGenericReply: false },
    row: { email: 'jean.dupont@acme-client.fr', origin: 'Generic Reply' },
    status: 'accepted',
    bases: { email: 'b2b-interest' },
  },
  // R6
  {
    name: 'R6 prospect collected more than 3 years ago',
    manifest: { collected: { from: '2022-01-01', to: '2023-10-31' } },
    row: { email: 'lea@gmail.com', consent_at: '2022-03-01', collected_at: '2022-03-01' },
    status: 'rejected',
    reasons: ['RET_EXPIRED'],
  },
  {
    name: 'R6 a recent activity keeps an old prospect',
    manifest: { collected: { from: '2022-01-01', to: '2023-10-31' } },
    row: {
      email: 'lea@gmail.com',
      consent_at: '2022-03-01',
      collected_at: '2022-03-01',
      last_activity_at: '2025-01-10',
    },
    status: 'accepted',
    bases: { email: 'consent' },
  },
  {
    name: 'R6 retentionYears setting: 5 years keeps it',
    manifest: { collected: { from: '2022-01-01', to: '2023-10-31' } },
    settings: { retentionYears: 5 },
    row: { email: 'lea@gmail.com', consent_at: '2022-03-01', collected_at: '2022-03-01' },
    status: 'accepted',
  },
  // R2 and several reasons: all reported, the first decides
  {
    name: 'all reasons reported in gate order',
    manifest: { source: { kind: 'public-web' }, audience: 'consumer', consent: undefined },
    row: { email: 'lea@gmail.com', origin: 'generic-reply' },
    suppression: 'OPPOSED',
    status: 'rejected',
    reasons: ['OPPOSED', 'PROV_SCRAPED', 'PROV_GENERIC_REPLY', 'NO_CONSENT'],
  },
  // R7 generic
  {
    name: 'R7 generic → legal-person by email; its mobile is an unknown person’s: no sms basis (NO_CONSENT)',
    manifest: { audience: 'professional', consent: undefined, channels: ['email', 'sms'] },
    row: { email: 'contact@acme-client.fr', phone: '0612345678' },
    status: 'accepted',
    kind: 'generic',
    bases: { email: 'legal-person' },
    rejectedChannels: { sms: ['NO_CONSENT'] },
  },
  // R7 professional
  {
    name: 'R7 professional informed → b2b-interest',
    manifest: { audience: 'professional', consent: undefined },
    row: { email: 'jean.dupont@acme-client.fr', job_title: 'Acheteur' },
    status: 'accepted',
    kind: 'professional',
    bases: { email: 'b2b-interest' },
  },
  {
    name: 'R7 professional not informed, own source → B2B_NOT_INFORMED',
    manifest: { audience: 'professional', consent: undefined, notice: { informedAtCollection: false } },
    row: { email: 'jean.dupont@acme-client.fr' },
    status: 'rejected',
    reasons: ['B2B_NOT_INFORMED'],
  },
  {
    name: 'R7 professional informed but no opt-out offered → B2B_NOT_INFORMED',
    manifest: { audience: 'professional', consent: undefined, notice: { optOutOfferedAtCollection: false } },
    row: { email: 'jean.dupont@acme-client.fr' },
    status: 'rejected',
    reasons: ['B2B_NOT_INFORMED'],
  },
  {
    name: 'R7 professional not informed, third-party → accepted, inform at first message',
    manifest: {
      audience: 'professional',
      consent: undefined,
      notice: { informedAtCollection: false, optOutOfferedAtCollection: false },
      source: { kind: 'event', collector: 'Salon SAS', contractRef: 'C', auditRef: 'A' },
    },
    row: { email: 'jean.dupont@acme-client.fr' },
    status: 'accepted',
    bases: { email: 'b2b-interest' },
    informAtFirstMessage: true,
  },
  {
    name: 'R7 professional not informed at the advertiser’s own event → B2B_NOT_INFORMED',
    manifest: {
      audience: 'professional',
      consent: undefined,
      notice: { informedAtCollection: false },
      source: { kind: 'event', ownEvent: true },
    },
    row: { email: 'jean.dupont@acme-client.fr' },
    status: 'rejected',
    reasons: ['B2B_NOT_INFORMED'],
  },
  ...(['event', 'partner'] as const).map((kind) => ({
    name: `R7 professional not informed, a ${kind} list the advertiser collected itself (ACME S.A.S.) → B2B_NOT_INFORMED`,
    manifest: {
      audience: 'professional',
      consent: undefined,
      notice: { informedAtCollection: false, optOutOfferedAtCollection: false },
      source: { kind, collector: 'ACME S.A.S.', receivedFrom: 'Acme', contractRef: 'C', auditRef: 'A' },
    },
    row: { email: 'jean.dupont@acme-client.fr' },
    status: 'rejected' as const,
    reasons: ['B2B_NOT_INFORMED'],
  })),
  {
    name: 'R7 professional not informed, a partner list another company collected → accepted, inform at first message',
    manifest: {
      audience: 'professional',
      consent: undefined,
      notice: { informedAtCollection: false, optOutOfferedAtCollection: false },
      source: { kind: 'partner', collector: 'Acme Voyages SAS', contractRef: 'C', auditRef: 'A' },
    },
    row: { email: 'jean.dupont@acme-client.fr' },
    status: 'accepted',
    bases: { email: 'b2b-interest' },
    informAtFirstMessage: true,
  },
  {
    name: 'R7.1 double opt-in: a sign-up time without a confirmation (Mailchimp OPTIN_TIME) → CONSENT_NO_PROOF',
    row: { email: 'lea@gmail.com', optin_at: '2026-03-01 10:00:00' },
    status: 'rejected',
    reasons: ['CONSENT_NO_PROOF'],
  },
  {
    name: 'R7.1 double opt-in: the confirmation time is the proof',
    row: { email: 'lea@gmail.com', optin_at: '2026-03-01 10:00:00', consent_at: '2026-03-01 10:05:00' },
    status: 'accepted',
    kind: 'consumer',
    bases: { email: 'consent' },
  },
  {
    name: 'R7.1 unticked checkbox (single opt-in): the sign-up time is the consent time',
    manifest: { consent: { mechanism: 'unticked-checkbox' } },
    row: { email: 'lea@gmail.com', optin_at: '2026-03-01 10:00:00' },
    status: 'accepted',
    kind: 'consumer',
    bases: { email: 'consent' },
  },
  {
    name: 'R7 a free-mail address on a B2B list is a consumer without consent',
    manifest: { audience: 'professional', consent: undefined },
    row: { email: 'marc.durand.pro@gmail.com', kind: 'professional' },
    status: 'rejected',
    reasons: ['NO_CONSENT'],
    kind: 'consumer',
  },
  // R7 consumer, consent route
  {
    name: 'R7 consent route holds',
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'accepted',
    kind: 'consumer',
    bases: { email: 'consent' },
  },
  {
    name: 'R7 unticked checkbox holds too',
    manifest: { consent: { mechanism: 'unticked-checkbox' } },
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'accepted',
    bases: { email: 'consent' },
  },
  ...(['pre-ticked-checkbox', 'terms-acceptance', 'conditional'] as const).map(
    (mechanism): Case => ({
      name: `R7 ${mechanism} → CONSENT_INVALID`,
      manifest: { consent: { mechanism } },
      row: { email: 'lea@gmail.com', ...CONSENT },
      status: 'rejected',
      reasons: ['CONSENT_INVALID'],
    }),
  ),
  ...(['wording', 'wordingVersion', 'collectionPoint'] as const).map(
    (field): Case => ({
      name: `R7 no ${field} → CONSENT_NO_PROOF`,
      manifest: { consent: { [field]: undefined } },
      row: { email: 'lea@gmail.com', ...CONSENT },
      status: 'rejected',
      reasons: ['CONSENT_NO_PROOF'],
    }),
  ),
  {
    name: 'R7 no consent_at → CONSENT_NO_PROOF',
    row: { email: 'lea@gmail.com' },
    status: 'rejected',
    reasons: ['CONSENT_NO_PROOF'],
  },
  {
    name: 'R7 unreadable consent_at → CONSENT_NO_PROOF',
    row: { email: 'lea@gmail.com', consent_at: 'hier' },
    status: 'rejected',
    reasons: ['CONSENT_NO_PROOF'],
  },
  {
    name: 'R7 consent_at after the upload → CONSENT_NO_PROOF',
    row: { email: 'lea@gmail.com', consent_at: '2026-12-01' },
    status: 'rejected',
    reasons: ['CONSENT_NO_PROOF'],
  },
  {
    name: 'R7 consent_at before the collection period → CONSENT_NO_PROOF',
    row: { email: 'lea@gmail.com', consent_at: '2025-12-31' },
    status: 'rejected',
    reasons: ['CONSENT_NO_PROOF'],
  },
  {
    name: 'R7 consent for sms only → CONSENT_WRONG_CHANNEL',
    row: { email: 'lea@gmail.com', ...CONSENT, consent_channels: 'sms' },
    status: 'rejected',
    reasons: ['CONSENT_WRONG_CHANNEL'],
  },
  {
    name: 'R7 manifest consent channels default the row',
    manifest: { channels: ['email', 'sms'], consent: { channels: ['sms'] } },
    row: { email: 'lea@gmail.com', phone: '0612345678', ...CONSENT },
    status: 'accepted',
    bases: { sms: 'consent' },
    rejectedChannels: { email: ['CONSENT_WRONG_CHANNEL'] },
  },
  {
    name: 'R7 consent per channel: email+sms',
    manifest: { channels: ['email', 'sms'] },
    row: { email: 'lea@gmail.com', phone: '07 12 34 56 78', ...CONSENT, consent_channels: 'email+sms' },
    status: 'accepted',
    bases: { email: 'consent', sms: 'consent' },
  },
  {
    name: 'R7 unreadable consent_channels proves no channel',
    row: { email: 'lea@gmail.com', ...CONSENT, consent_channels: 'fax' },
    status: 'rejected',
    reasons: ['CONSENT_WRONG_CHANNEL'],
  },
  {
    name: 'R7 third-party named partners including the advertiser (punctuation-insensitive)',
    manifest: thirdPartyConsent,
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'accepted',
    bases: { email: 'consent' },
  },
  {
    name: 'R7 third-party partners not naming the advertiser → PARTNER_NOT_NAMED',
    manifest: { ...thirdPartyConsent, consent: { ...thirdPartyConsent.consent, namedPartners: ['Bricomax'] } },
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'rejected',
    reasons: ['PARTNER_NOT_NAMED'],
  },
  {
    name: 'R7 third-party unnamed partners → PARTNER_NOT_NAMED',
    manifest: { ...thirdPartyConsent, consent: { ...thirdPartyConsent.consent, scope: 'unnamed-partners' } },
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'rejected',
    reasons: ['PARTNER_NOT_NAMED'],
  },
  {
    name: 'R7 third-party scope advertiser (the collector’s own consent) → PARTNER_NOT_NAMED',
    manifest: { ...thirdPartyConsent, consent: { ...thirdPartyConsent.consent, scope: 'advertiser' } },
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'rejected',
    reasons: ['PARTNER_NOT_NAMED'],
  },
  {
    name: 'R7 supplier is not the collector → ONWARD_TRANSFER',
    manifest: { ...thirdPartyConsent, source: { ...thirdPartyConsent.source, receivedFrom: 'Broker Bis' } },
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'rejected',
    reasons: ['ONWARD_TRANSFER'],
  },
  {
    name: 'R7 no consent block → NO_CONSENT',
    manifest: { consent: undefined },
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'rejected',
    reasons: ['NO_CONSENT'],
  },
  {
    name: 'R7 mechanism none → NO_CONSENT',
    manifest: { consent: { mechanism: 'none' } },
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'rejected',
    reasons: ['NO_CONSENT'],
  },
  // R7 consumer, soft-opt-in route
  {
    name: 'R7 soft-opt-in holds, categories kept',
    manifest: ownCustomers,
    row: { email: 'lea@gmail.com', last_purchase_at: '2026-05-14', product_categories: 'livres | papeterie' },
    status: 'accepted',
    bases: { email: 'soft-opt-in' },
  },
  {
    name: 'R7 soft-opt-in without a sale → SOFTOPTIN_NO_SALE',
    manifest: ownCustomers,
    row: { email: 'lea@gmail.com', last_activity_at: '2026-05-14' },
    status: 'rejected',
    reasons: ['SOFTOPTIN_NO_SALE'],
  },
  {
    name: 'R7 customers of another entity → SOFTOPTIN_OTHER_ENTITY',
    manifest: { ...ownCustomers, source: { kind: 'own-customers', customerOf: 'Acme Filiale SARL' } },
    row: { email: 'lea@gmail.com', last_purchase_at: '2026-05-14' },
    status: 'rejected',
    reasons: ['SOFTOPTIN_OTHER_ENTITY'],
  },
  {
    name: 'R7 no opt-out at collection → SOFTOPTIN_NO_OPTOUT_AT_COLLECTION',
    manifest: { ...ownCustomers, notice: { optOutOfferedAtCollection: false } },
    row: { email: 'lea@gmail.com', last_purchase_at: '2026-05-14' },
    status: 'rejected',
    reasons: ['SOFTOPTIN_NO_OPTOUT_AT_COLLECTION'],
  },
  {
    name: 'R7 last purchase more than 3 years ago → RET_EXPIRED (the export date does not count)',
    manifest: ownCustomers,
    row: { email: 'lea@gmail.com', last_purchase_at: '2022-10-03', collected_at: '2026-11-01' },
    status: 'rejected',
    reasons: ['RET_EXPIRED'],
  },
  {
    name: 'R7 soft-opt-in is only for own customers',
    manifest: { consent: undefined, source: { kind: 'own-form' } },
    row: { email: 'lea@gmail.com', last_purchase_at: '2026-05-14' },
    status: 'rejected',
    reasons: ['NO_CONSENT'],
  },
  {
    name: 'R7 own customers with a valid consent too: consent wins',
    manifest: { ...ownCustomers, consent: manifest().consent, collected: { from: '2026-01-01', to: '2026-11-01' } },
    row: { email: 'lea@gmail.com', ...CONSENT },
    status: 'accepted',
    bases: { email: 'consent' },
  },
  {
    name: 'R7 phone-only consumer with sms consent',
    manifest: { channels: ['sms'] },
    row: { phone: '+33 6 12 34 56 78', ...CONSENT },
    status: 'accepted',
    bases: { sms: 'consent' },
  },
];

describe('decideRow through ListJudge (rules.md §4)', () => {
  it.each(cases)('$name', (c) => {
    const m = manifest(c.manifest);
    const s = c.settings ? settings(c.settings) : defaultSettings;
    const { out } = judgeRows(m, [c.row], { settings: s, suppression: () => c.suppression });
    const d = out[0]?.decision;
    expect(d?.status).toBe(c.status);
    if (c.reasons) expect(d?.reasons).toEqual(c.reasons);
    if (c.status === 'accepted') {
      expect(d?.reasons).toBeUndefined();
      expect(out[0]?.contact).toBeDefined();
    } else {
      expect(out[0]?.contact).toBeUndefined();
    }
    if (c.kind) expect(d?.kind).toBe(c.kind);
    if (c.bases) expect(d?.bases).toEqual(c.bases);
    if (c.rejectedChannels) expect(d?.rejectedChannels).toEqual(c.rejectedChannels);
    if (c.informAtFirstMessage !== undefined) expect(d?.informAtFirstMessage).toBe(c.informAtFirstMessage);
  });
});

describe('ListJudge', () => {
  it('R2: the first row of a canonical address wins, variants included', () => {
    const { out, judge } = judgeRows(manifest(), [
      { email: 'Jean.Dupont@gmail.com', ...CONSENT },
      { email: 'jeandupont+promo@googlemail.com', ...CONSENT },
      { email: 'other@gmail.com', ...CONSENT },
    ]);
    expect(out.map((o) => o.decision.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(out[1]?.decision.reasons).toEqual(['DUPLICATE']);
    const report = judge.report();
    expect(report.rows).toEqual({ total: 3, accepted: 2, rejected: 1 });
    expect(report.byReason).toEqual({ DUPLICATE: 1 });
  });

  it('R2: a rejected first row still wins', () => {
    const { out } = judgeRows(manifest(), [{ email: 'lea@gmail.com' }, { email: 'lea@gmail.com', ...CONSENT }]);
    expect(out[0]?.decision.reasons).toEqual(['CONSENT_NO_PROOF']);
    expect(out[1]?.decision.reasons).toEqual(['DUPLICATE']);
  });

  it('R2: a phone seen earlier loses its sms channel; a phone-only duplicate is refused', () => {
    const m = manifest({ channels: ['email', 'sms'], consent: { channels: ['email', 'sms'] } });
    const { out } = judgeRows(m, [
      { email: 'a@gmail.com', phone: '0612345678', ...CONSENT },
      { email: 'b@gmail.com', phone: '+33612345678', ...CONSENT },
      { phone: '06 12 34 56 78', ...CONSENT },
    ]);
    expect(out[1]?.decision.status).toBe('accepted');
    expect(out[1]?.decision.bases).toEqual({ email: 'consent' });
    expect(out[1]?.decision.rejectedChannels).toEqual({ sms: ['DUPLICATE'] });
    expect(out[2]?.decision.reasons).toEqual(['DUPLICATE']);
  });

  it('prepare() is pure and gives the email key first, then the phone key', () => {
    const judge = new ListJudge(manifest({ channels: ['email', 'sms'] }), defaultSettings, NOW, SECRET);
    const p1 = judge.prepare({ line: 2, email: 'Lea@Gmail.com', phone: '0612345678' });
    const p2 = judge.prepare({ line: 2, email: 'Lea@Gmail.com', phone: '0612345678' });
    expect(p1.suppressionKeys).toHaveLength(2);
    expect(p1.suppressionKeys).toEqual(p2.suppressionKeys);
    expect(p1.suppressionKeys[0]).toBe(p1.emailKey);
    expect(p1.suppressionKeys[1]).toBe(p1.phoneKey);
    expect(judge.prepare({ line: 3, email: 'bad@' }).suppressionKeys).toEqual([]);
    // a landline still has a key (an opposition for it is honoured)
    expect(judge.prepare({ line: 4, phone: '01 23 45 67 89' }).suppressionKeys).toHaveLength(1);
    expect(judge.report().rows.total).toBe(0);
  });

  it('builds the contact of an accepted row: keys, consent proof, collector, expiry', () => {
    const m = manifest({ channels: ['email', 'sms'], consent: { channels: ['email', 'sms'] } });
    const { out } = judgeRows(m, [
      { email: ' Lea.Garnier@Gmail.com ', phone: '06 12 34 56 78', first_name: 'Léa', ...CONSENT },
      { phone: '0712345678', ...CONSENT },
    ]);
    const c = out[0]?.contact;
    expect(c?.suppressionKey).toBe(out[0]?.prepared.emailKey);
    expect(c?.phoneKey).toBe(out[0]?.prepared.phoneKey);
    expect(c?.email).toBe('Lea.Garnier@Gmail.com');
    expect(c?.phone).toBe('+33612345678');
    expect(c?.firstName).toBe('Léa');
    expect(c?.consent).toMatchObject({ mechanism: 'double-opt-in', wordingVersion: 'v1', listId: 'test-list' });
    expect(c?.consent?.consentAt).toBe('2026-02-28T23:00:00.000Z');
    expect(c?.collector).toBe('Acme SAS');
    expect(c?.listIds).toEqual(['test-list']);
    // collected_at absent → the manifest's collected.to (Europe/Paris midnight) + 3 years
    expect(c?.collectedAt).toBe('2026-10-30T23:00:00.000Z');
    expect(c?.expiresAt).toBe('2029-10-30T23:00:00.000Z');
    expect(out[0]?.decision.expiresAt).toBe(c?.expiresAt);
    const phoneOnly = out[1]?.contact;
    expect(phoneOnly?.suppressionKey).toBe(out[1]?.prepared.phoneKey);
    expect(phoneOnly?.phoneKey).toBeUndefined();
    expect(phoneOnly?.email).toBeUndefined();
  });

  it('soft-opt-in contact: categories and the customer clock', () => {
    const m = manifest(ownCustomers);
    const { out } = judgeRows(m, [
      {
        email: 'lea@gmail.com',
        last_purchase_at: '2025-05-14',
        last_activity_at: '2026-01-10',
        product_categories: 'livres|disques',
      },
    ]);
    const c = out[0]?.contact;
    expect(c?.productCategories).toEqual(['livres', 'disques']);
    expect(c?.consent).toBeUndefined();
    expect(c?.expiresAt).toBe('2029-01-09T23:00:00.000Z');
  });

  it('malformed() counts an R0 row; report() keeps decisions in file order, or none when asked', () => {
    const judge = new ListJudge(manifest(), defaultSettings, NOW, SECRET);
    judge.decide(judge.prepare({ line: 2, email: 'lea@gmail.com', ...CONSENT }));
    judge.malformed(3, 'unclosed quote');
    judge.decide(judge.prepare({ line: 5, email: 'x@gmail.com' }));
    const r = judge.report({ status: 'accepted', reasons: [] }, ['Colonne X']);
    expect(r.decisions.map((d) => d.line)).toEqual([2, 3, 5]);
    expect(r.byReason).toEqual({ ROW_MALFORMED: 1, CONSENT_NO_PROOF: 1 });
    expect(r.unknownColumns).toEqual(['Colonne X']);
    const lean = new ListJudge(manifest(), defaultSettings, NOW, SECRET, { keepDecisions: false });
    lean.malformed(2, 'x');
    expect(lean.report().decisions).toEqual([]);
    expect(lean.report().rows.total).toBe(1);
  });

  it('decisions carry no personal data', () => {
    const { out } = judgeRows(manifest(), [{ email: 'lea.garnier@gmail.com', first_name: 'Léa', ...CONSENT }]);
    const text = JSON.stringify(out[0]?.decision);
    expect(text).not.toContain('lea');
    expect(text).not.toContain('Léa');
  });
});

describe('cell parsers', () => {
  it.each([
    ['email', ['email']],
    ['sms', ['sms']],
    ['email+sms', ['email', 'sms']],
    ['Email, SMS', ['email', 'sms']],
    ['fax', undefined],
    ['', undefined],
  ] as const)('consent_channels %j', (cell, expected) => {
    expect(parseConsentChannels(cell)).toEqual(expected);
  });
  it('product categories split on |', () => {
    expect(parseProductCategories(' livres | | disques ')).toEqual(['livres', 'disques']);
    expect(parseProductCategories(undefined)).toEqual([]);
  });
});
