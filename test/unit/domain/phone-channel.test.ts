/**
 * The `phone` channel (live calls) in the row gates and the gate: rules.md §4 R7 (the
 * professional's basis covers calls; a consumer's calls need consent to calls, or a
 * contract in progress), §4b (a number's opposition covers sms and calls), §6b (who may
 * be called, and when), §9 (before 11 August 2026).
 */
import { describe, expect, it } from 'vitest';
import { callOf } from '#domain/calls';
import type { ListRow } from '#domain/contact';
import { callCap, callTiming, gateContact } from '#domain/gate';
import { parseConsentChannels } from '#domain/rows';
import { frenchPublicHolidays, openingsBetween } from '#domain/windows';
import { defaultSettings } from '#schemas/settings';
import { campaign, contact, judgeRows, manifest, settings } from './fixtures.ts';

const CONSENT = { consent_at: '2026-03-01' };
const MOBILE = '06 12 34 56 78';
const LANDLINE = '01 23 45 67 89';
const ownCustomers = {
  source: { kind: 'own-customers', customerOf: 'Acme SAS' },
  consent: undefined,
  collected: { from: '2019-01-01', to: '2026-11-01' },
};

type RowCase = {
  name: string;
  manifest?: Record<string, unknown>;
  row: Omit<ListRow, 'line'>;
  status: 'accepted' | 'rejected';
  reasons?: string[];
  bases?: Record<string, string>;
  rejectedChannels?: Record<string, string[]>;
};

const rowCases: RowCase[] = [
  // consumers: consent to calls
  {
    name: 'consumer, consent naming phone → consent for calls',
    manifest: { channels: ['phone'] },
    row: { phone: MOBILE, ...CONSENT },
    status: 'accepted',
    bases: { phone: 'consent' },
  },
  {
    name: 'consumer, consent to email and sms only (row) → CONSENT_WRONG_CHANNEL for calls',
    manifest: { channels: ['email', 'phone'] },
    row: { email: 'lea@gmail.com', phone: MOBILE, ...CONSENT, consent_channels: 'email+sms' },
    status: 'accepted',
    bases: { email: 'consent' },
    rejectedChannels: { phone: ['CONSENT_WRONG_CHANNEL'] },
  },
  {
    name: 'consumer, the manifest consents to email only → a phone-only row is refused CONSENT_WRONG_CHANNEL',
    manifest: { channels: ['email', 'phone'], consent: { channels: ['email'] } },
    row: { phone: MOBILE, ...CONSENT },
    status: 'rejected',
    reasons: ['CONSENT_WRONG_CHANNEL'],
  },
  {
    name: 'consumer, consent_channels email+sms+phone → every channel',
    manifest: { channels: ['email', 'sms', 'phone'] },
    row: { email: 'lea@gmail.com', phone: MOBILE, ...CONSENT, consent_channels: 'email+sms+phone' },
    status: 'accepted',
    bases: { email: 'consent', sms: 'consent', phone: 'consent' },
  },
  {
    name: 'consumer, consent to calls on a landline (calls take any number) → consent',
    manifest: { channels: ['sms', 'phone'] },
    row: { phone: LANDLINE, ...CONSENT },
    status: 'accepted',
    bases: { phone: 'consent' },
    rejectedChannels: { sms: ['ADDRESS_INVALID'] },
  },
  {
    name: 'consumer, a foreign number that parses → fine for calls',
    manifest: { channels: ['phone'] },
    row: { phone: '+44 20 7946 0958', ...CONSENT },
    status: 'accepted',
    bases: { phone: 'consent' },
  },
  {
    name: 'a number that does not parse → ADDRESS_INVALID for calls',
    manifest: { channels: ['phone'] },
    row: { phone: '12', ...CONSENT },
    status: 'rejected',
    reasons: ['ADDRESS_INVALID'],
  },
  {
    name: 'consumer, no consent collected → NO_CONSENT for calls',
    manifest: { channels: ['phone'], consent: undefined },
    row: { phone: MOBILE },
    status: 'rejected',
    reasons: ['NO_CONSENT'],
  },
  // consumers: contract in progress
  {
    name: 'customer with a contract in progress → contract',
    manifest: { ...ownCustomers, channels: ['phone'] },
    row: { phone: MOBILE, contract_active: 'oui', last_purchase_at: '2026-06-01' },
    status: 'accepted',
    bases: { phone: 'contract' },
  },
  {
    name: 'contract_active spelled true / Oui / 1 alike',
    manifest: { ...ownCustomers, channels: ['phone'] },
    row: { phone: MOBILE, contract_active: 'TRUE' },
    status: 'accepted',
    bases: { phone: 'contract' },
  },
  {
    name: 'contract_active "non" → NO_CONSENT (soft opt-in never covers calls)',
    manifest: { ...ownCustomers, channels: ['phone'] },
    row: { phone: MOBILE, contract_active: 'non', last_purchase_at: '2026-06-01' },
    status: 'rejected',
    reasons: ['NO_CONSENT'],
  },
  {
    name: 'soft opt-in covers email, not calls',
    manifest: { ...ownCustomers, channels: ['email', 'phone'] },
    row: { email: 'lea@gmail.com', phone: MOBILE, last_purchase_at: '2026-06-01' },
    status: 'accepted',
    bases: { email: 'soft-opt-in' },
    rejectedChannels: { phone: ['NO_CONSENT'] },
  },
  {
    name: 'contract_active on a list that is not own customers → ignored',
    manifest: { channels: ['phone'], consent: undefined },
    row: { phone: MOBILE, contract_active: 'oui' },
    status: 'rejected',
    reasons: ['NO_CONSENT'],
  },
  {
    name: "contract_active on another entity's customers → ignored",
    manifest: { ...ownCustomers, source: { kind: 'own-customers', customerOf: 'Globex SA' }, channels: ['phone'] },
    row: { phone: MOBILE, contract_active: 'oui' },
    status: 'rejected',
    reasons: ['NO_CONSENT'],
  },
  {
    name: 'consent to calls and a contract → consent',
    manifest: {
      ...ownCustomers,
      consent: manifest().consent,
      channels: ['phone'],
      collected: { from: '2026-01-01', to: '2026-11-01' },
    },
    row: { phone: MOBILE, ...CONSENT, consent_channels: 'phone', contract_active: 'oui' },
    status: 'accepted',
    bases: { phone: 'consent' },
  },
  // professionals and generic mailboxes
  {
    name: 'professional: b2b-interest covers email, sms and calls',
    manifest: { audience: 'professional', consent: undefined, channels: ['email', 'sms', 'phone'] },
    row: { email: 'jean.dupont@societe.fr', phone: MOBILE },
    status: 'accepted',
    bases: { email: 'b2b-interest', sms: 'b2b-interest', phone: 'b2b-interest' },
  },
  {
    name: 'generic row with a landline → legal-person for calls (the switchboard)',
    manifest: { audience: 'professional', consent: undefined, channels: ['email', 'phone'] },
    row: { email: 'contact@societe.fr', phone: LANDLINE },
    status: 'accepted',
    bases: { email: 'legal-person', phone: 'legal-person' },
  },
  {
    name: 'generic row with a mobile → no sms and no call basis',
    manifest: { audience: 'professional', consent: undefined, channels: ['email', 'sms', 'phone'] },
    row: { email: 'contact@societe.fr', phone: MOBILE },
    status: 'accepted',
    bases: { email: 'legal-person' },
    rejectedChannels: { sms: ['NO_CONSENT'], phone: ['NO_CONSENT'] },
  },
  // rules.md §4b: one key per number
  {
    name: 'SMS_BLACKLISTED closes sms and calls, not email',
    manifest: { audience: 'professional', consent: undefined, channels: ['email', 'sms', 'phone'] },
    row: { email: 'jean.dupont@societe.fr', phone: MOBILE, sms_blacklisted: 'yes' },
    status: 'accepted',
    bases: { email: 'b2b-interest' },
    rejectedChannels: { sms: ['OPPOSED'], phone: ['OPPOSED'] },
  },
  {
    name: 'a phone-only row whose SMS is blacklisted → OPPOSED',
    manifest: { audience: 'professional', consent: undefined, channels: ['phone'] },
    row: { phone: MOBILE, sms_blacklisted: 'oui' },
    status: 'rejected',
    reasons: ['OPPOSED'],
  },
];

describe('rules.md §4 R7: the phone channel at import', () => {
  it.each(rowCases)('$name', (c) => {
    const { out } = judgeRows(manifest(c.manifest), [c.row]);
    const d = out[0]?.decision;
    expect(d?.status).toBe(c.status);
    if (c.reasons) expect(d?.reasons).toEqual(c.reasons);
    if (c.bases) expect(d?.bases).toEqual(c.bases);
    if (c.rejectedChannels) expect(d?.rejectedChannels).toEqual(c.rejectedChannels);
  });

  it('a contact callable on a landline keeps the number; one with no number channel does not', () => {
    const m = manifest({ audience: 'professional', consent: undefined, channels: ['email', 'phone'] });
    const { out } = judgeRows(m, [{ email: 'contact@societe.fr', phone: LANDLINE }]);
    expect(out[0]?.contact?.phone).toBe('+33123456789');
    expect(out[0]?.contact?.phoneKey).toBeDefined();
    const emailOnly = judgeRows(manifest({ audience: 'professional', consent: undefined }), [
      { email: 'jean.dupont@societe.fr', phone: LANDLINE },
    ]);
    expect(emailOnly.out[0]?.contact?.phone).toBeUndefined();
  });

  it('the contract clock: 3 years after the later of the export and the last purchase', () => {
    const m = manifest({ ...ownCustomers, channels: ['phone'] });
    const { out } = judgeRows(m, [{ phone: MOBILE, contract_active: 'oui', last_purchase_at: '2020-01-01' }]);
    expect(out[0]?.decision.expiresAt).toBe('2029-10-31T23:00:00.000Z');
  });

  it.each([
    ['phone', ['phone']],
    ['téléphone', ['phone']],
    ['email+sms+phone', ['email', 'sms', 'phone']],
    ['appels', ['phone']],
    ['fax', undefined],
  ])('consent_channels %s', (cell, expected) => {
    expect(parseConsentChannels(cell)).toEqual(expected);
  });
});

// Paris is UTC+1 in winter, UTC+2 in summer.
const consumer = (over: Record<string, unknown> = {}) =>
  contact({ phone: '+33612345678', bases: { phone: 'consent' }, ...over });
const phoneCampaign = (over: Record<string, unknown> = {}) => campaign({ channel: 'phone', ...over });
const gateAt = (iso: string, c = consumer(), camp = phoneCampaign(), s = defaultSettings) =>
  gateContact(c, camp, { now: new Date(iso), settings: s });

describe('rules.md §6b: call slots for consumers (Europe/Paris)', () => {
  it.each([
    // a Tuesday in winter (UTC+1)
    ['2026-12-08T08:59:00Z', 'defer', '09:59 Paris'],
    ['2026-12-08T09:00:00Z', 'send', '10:00 Paris'],
    ['2026-12-08T11:59:00Z', 'send', '12:59 Paris'],
    ['2026-12-08T12:00:00Z', 'defer', '13:00 Paris (a slot end is outside)'],
    ['2026-12-08T12:59:00Z', 'defer', '13:59 Paris'],
    ['2026-12-08T13:00:00Z', 'send', '14:00 Paris'],
    ['2026-12-08T18:59:00Z', 'send', '19:59 Paris'],
    ['2026-12-08T19:00:00Z', 'defer', '20:00 Paris'],
    // summer (UTC+2): 10:00 Paris is 08:00Z
    ['2027-06-08T07:59:00Z', 'defer', '09:59 Paris, summer'],
    ['2027-06-08T08:00:00Z', 'send', '10:00 Paris, summer'],
    ['2027-06-08T17:59:00Z', 'send', '19:59 Paris, summer'],
    ['2027-06-08T18:00:00Z', 'defer', '20:00 Paris, summer'],
    // days
    ['2026-12-12T10:00:00Z', 'defer', 'a Saturday'],
    ['2026-12-13T10:00:00Z', 'defer', 'a Sunday'],
    ['2026-12-25T10:00:00Z', 'defer', 'Christmas (a Friday)'],
    ['2027-05-17T10:00:00Z', 'defer', 'Whit Monday 2027'],
  ])('%s → %s (%s)', (iso, status) => {
    const g = gateAt(iso);
    expect(g.status).toBe(status);
    if (status === 'defer') expect(g.reasons).toEqual(['WINDOW']);
  });

  it('a deferred call names the next slot: 13:00 → 14:00 the same day; Friday 20:00 → Monday 10:00', () => {
    expect(gateAt('2026-12-08T12:00:00Z').notBefore).toBe('2026-12-08T13:00:00.000Z');
    expect(gateAt('2026-12-11T19:00:00Z').notBefore).toBe('2026-12-14T09:00:00.000Z');
    // Thursday 24 December 20:00 → Christmas, then the weekend → Monday 28th
    expect(gateAt('2026-12-24T19:30:00Z').notBefore).toBe('2026-12-28T09:00:00.000Z');
  });

  it('Alsace-Moselle adds Good Friday and 26 December; extra days are a setting', () => {
    const alsace = settings({ publicHolidays: { alsaceMoselle: true } });
    expect(frenchPublicHolidays(2027, alsace.publicHolidays).has('03-26')).toBe(true); // Good Friday 2027
    expect(gateAt('2027-03-26T10:00:00Z').status).toBe('send');
    expect(gateAt('2027-03-26T10:00:00Z', consumer(), phoneCampaign(), alsace).status).toBe('defer');
    const extra = settings({ publicHolidays: { extra: ['2026-12-08'] } });
    expect(gateAt('2026-12-08T10:00:00Z', consumer(), phoneCampaign(), extra).status).toBe('defer');
    expect(gateAt('2026-12-09T10:00:00Z', consumer(), phoneCampaign(), extra).status).toBe('send');
  });

  it('the SMS window skips the same holidays', () => {
    const extra = settings({ publicHolidays: { extra: ['12-08'] } });
    const sms = contact({ phone: '+33612345678', bases: { sms: 'consent' } });
    const smsCampaign = campaign({ channel: 'sms' });
    expect(gateContact(sms, smsCampaign, { now: new Date('2026-12-08T10:00:00Z'), settings: extra }).status).toBe(
      'defer',
    );
  });

  it('openings over a day are clipped to the range', () => {
    const slots = openingsBetween(new Date('2026-12-08T10:30:00Z'), new Date('2026-12-09T00:00:00Z'), {
      days: [1, 2, 3, 4, 5],
      hours: defaultSettings.calls.consumerHours,
      timeZone: 'Europe/Paris',
      skipPublicHolidays: true,
    });
    expect(slots.map((s) => [s.from.toISOString(), s.to.toISOString()])).toEqual([
      ['2026-12-08T10:30:00.000Z', '2026-12-08T12:00:00.000Z'],
      ['2026-12-08T13:00:00.000Z', '2026-12-08T19:00:00.000Z'],
    ]);
  });
});

describe('rules.md §6b: who may be called', () => {
  const inSlot = '2026-12-08T10:00:00Z';

  it('professionals: no legal window (a Saturday night is fine), B2B relevance still applies', () => {
    const pro = contact({
      kind: 'professional',
      phone: '+33612345678',
      bases: { phone: 'b2b-interest' },
      jobTitle: 'Responsable achats',
    });
    expect(gateAt('2026-12-12T22:00:00Z', pro, phoneCampaign({ jobFunctions: ['achats'] })).status).toBe('send');
    expect(gateAt('2026-12-12T22:00:00Z', pro, phoneCampaign()).reasons).toEqual(['B2B_UNRELATED']);
  });

  it('a professional window from the settings applies to professionals', () => {
    const s = settings({
      calls: { professionalWindow: { days: [1, 2, 3, 4, 5], hours: [{ from: '09:00', to: '18:00' }] } },
    });
    const pro = contact({
      kind: 'professional',
      phone: '+33612345678',
      bases: { phone: 'b2b-interest' },
      jobTitle: 'Acheteur',
    });
    const g = gateAt('2026-12-12T22:00:00Z', pro, phoneCampaign({ jobFunctions: ['achats'] }), s);
    expect(g).toMatchObject({ status: 'defer', reasons: ['WINDOW'], notBefore: '2026-12-14T08:00:00.000Z' });
  });

  it.each([
    ['no phone basis, consent on email', { bases: { email: 'consent' } }, {}, ['CONSENT_WRONG_CHANNEL']],
    ['no phone basis at all', { bases: { email: 'soft-opt-in' } }, {}, ['NO_CONSENT']],
    ['basis contract, campaign not related to it', { bases: { phone: 'contract' } }, {}, ['CONTRACT_UNRELATED']],
    ['energy renovation, consent', {}, { energyRenovation: true }, ['SECTOR_BAN']],
    [
      'energy renovation, contract, unrelated',
      { bases: { phone: 'contract' } },
      { energyRenovation: true },
      ['CONTRACT_UNRELATED'],
    ],
  ])('%s → skip %j', (_name, over, camp, reasons) => {
    const g = gateAt(inSlot, consumer(over), phoneCampaign(camp));
    expect(g).toMatchObject({ status: 'skip', reasons });
  });

  it('basis contract and a campaign related to the contract: called, even about energy renovation', () => {
    const c = consumer({ bases: { phone: 'contract' } });
    expect(gateAt(inSlot, c, phoneCampaign({ relatedToContract: true })).status).toBe('send');
    expect(gateAt(inSlot, c, phoneCampaign({ relatedToContract: true, energyRenovation: true })).status).toBe('send');
  });

  it('an opposition skips, and decides over WINDOW', () => {
    const g = gateContact(consumer(), phoneCampaign(), {
      now: new Date('2026-12-12T10:00:00Z'),
      settings: defaultSettings,
      suppression: 'OPPOSED',
    });
    expect(g).toEqual({ status: 'skip', reasons: ['OPPOSED'] });
  });

  it('a phone campaign has no content checks (no message)', () => {
    const judged = gateAt(inSlot, consumer(), campaign({ channel: 'phone', message: {} }));
    expect(judged.status).toBe('send');
  });
});

describe('rules.md §6b: at most 4 calls in 30 days', () => {
  const now = new Date('2026-12-08T10:00:00Z');
  const calls = (...isos: string[]) => consumer({ recentCalls: isos });

  it('4 calls in the last 30 days → the 5th is deferred FREQ_CAP until the oldest leaves the window', () => {
    const c = calls('2026-11-10T10:00:00Z', '2026-11-20T10:00:00Z', '2026-12-01T10:00:00Z', '2026-12-07T10:00:00Z');
    expect(callCap(c, now, defaultSettings)).toEqual({ calls: 4, liftsAt: new Date('2026-12-10T10:00:00Z') });
    const g = gateContact(c, phoneCampaign(), { now, settings: defaultSettings });
    expect(g).toEqual({ status: 'defer', reasons: ['FREQ_CAP'], notBefore: '2026-12-10T10:00:00.000Z' });
  });

  it('3 calls in 30 days, a 4th older than 30 days → may be called', () => {
    const c = calls('2026-11-08T09:59:00Z', '2026-11-20T10:00:00Z', '2026-12-01T10:00:00Z', '2026-12-07T10:00:00Z');
    expect(callCap(c, now, defaultSettings).calls).toBe(3);
    expect(gateContact(c, phoneCampaign(), { now, settings: defaultSettings }).status).toBe('send');
  });

  it('a cap that lifts outside the slots defers to the first slot after it', () => {
    const c = calls('2026-11-10T20:00:00Z', '2026-11-20T10:00:00Z', '2026-12-01T10:00:00Z', '2026-12-07T10:00:00Z');
    const t = callTiming(c, now, defaultSettings);
    expect(t.reasons).toEqual(['FREQ_CAP', 'WINDOW']);
    expect(t.notBefore?.toISOString()).toBe('2026-12-11T09:00:00.000Z');
  });

  it('professionals have no legal cap', () => {
    const pro = contact({
      kind: 'professional',
      phone: '+33612345678',
      bases: { phone: 'b2b-interest' },
      jobTitle: 'Acheteur',
      recentCalls: ['2026-12-01T10:00:00Z', '2026-12-02T10:00:00Z', '2026-12-03T10:00:00Z', '2026-12-04T10:00:00Z'],
    });
    expect(
      gateContact(pro, phoneCampaign({ jobFunctions: ['achats'] }), { now, settings: defaultSettings }).status,
    ).toBe('send');
  });
});

describe('rules.md §9: calls to consumers before 11 August 2026', () => {
  it.each([
    ['2026-08-10T10:00:00Z', 'defer', 'Monday 10 August, 12:00 Paris'],
    ['2026-08-10T21:59:00Z', 'defer', '23:59 Paris on the 10th'],
    ['2026-08-11T08:00:00Z', 'send', 'Tuesday 11 August, 10:00 Paris'],
  ])('%s → %s (%s)', (iso, status) => {
    const g = gateAt(iso);
    expect(g.status).toBe(status);
    if (status === 'defer') expect(g).toMatchObject({ reasons: ['WINDOW'], notBefore: '2026-08-11T08:00:00.000Z' });
  });

  it('a call sheet dated 10 August 2026 calls no consumer, even on its days after the 11th; one dated the 11th does', () => {
    const from = new Date('2026-08-10T08:00:00Z');
    const until = new Date('2026-08-15T08:00:00Z');
    expect(callOf(consumer(), phoneCampaign(), { from, until, settings: defaultSettings })).toMatchObject({
      status: 'defer',
      reasons: ['WINDOW'],
      notBefore: '2026-08-11T08:00:00.000Z',
    });
    const on11 = callOf(consumer(), phoneCampaign(), {
      from: new Date('2026-08-11T08:00:00Z'),
      until,
      settings: defaultSettings,
    });
    expect(on11.status).toBe('call');
  });

  it('professionals are not concerned', () => {
    const pro = contact({
      kind: 'professional',
      phone: '+33612345678',
      bases: { phone: 'b2b-interest' },
      jobTitle: 'Acheteur',
    });
    expect(gateAt('2026-08-10T10:00:00Z', pro, phoneCampaign({ jobFunctions: ['achats'] })).status).toBe('send');
  });
});
