import { describe, expect, it } from 'vitest';
import {
  easterSunday,
  frenchPublicHolidays,
  gateContact,
  isAnalogous,
  jobTitleMatches,
  judgeCampaign,
  smsWindowAt,
} from '#domain/gate';
import type { SuppressionReason } from '#domain/reasons';
import { defaultSettings } from '#schemas/settings';
import { campaign, consentProof, contact, settings } from './fixtures.ts';

// Tuesday 24 Nov 2026, 11:00 in Paris
const NOW = new Date('2026-11-24T10:00:00Z');

describe('judgeCampaign (rules.md §6, campaign level)', () => {
  it.each([
    ['a valid email campaign', {}, {}, []],
    ['a valid SMS campaign', { channel: 'sms' }, {}, []],
    [
      'the name only in From',
      {},
      { from: 'Acme SAS <o@acme.fr>', text: 'Promo ! {{unsubscribeUrl}}' },
      ['CONTENT_NO_IDENTITY'],
    ],
    [
      'the name in the HTML body counts',
      {},
      { text: 'Promo {{unsubscribeUrl}}', html: '<p><b>ACME S.A.S.</b> {{ unsubscribeUrl }}</p>' },
      [],
    ],
    ['no unsubscribe placeholder', {}, { text: 'Acme SAS vous écrit.' }, ['CONTENT_NO_OPTOUT']],
    ['HTML without the placeholder', {}, { html: '<p>Acme SAS</p>' }, ['CONTENT_NO_OPTOUT']],
    ['no body at all', {}, { text: undefined }, ['CONTENT_NO_IDENTITY', 'CONTENT_NO_OPTOUT']],
    ['SMS without STOP', { channel: 'sms' }, { text: 'Acme SAS : promo' }, ['CONTENT_NO_OPTOUT']],
    ['SMS without the advertiser', { channel: 'sms' }, { text: 'Promo. STOP au 36123' }, ['CONTENT_NO_IDENTITY']],
    ['SMS sender 6 digits', { channel: 'sms' }, { smsSender: '361234' }, ['SMS_BAD_SENDER']],
    ['SMS sender starting with 2', { channel: 'sms' }, { smsSender: '26123' }, ['SMS_BAD_SENDER']],
    ['SMS sender starting with 9', { channel: 'sms' }, { smsSender: '96123' }, ['SMS_BAD_SENDER']],
    ['SMS alphanumeric sender', { channel: 'sms' }, { smsSender: 'ACME' }, ['SMS_BAD_SENDER']],
    ['SMS sender 81234', { channel: 'sms' }, { smsSender: '81234' }, []],
    ['SMS without a sender', { channel: 'sms' }, { smsSender: undefined }, ['SMS_BAD_SENDER']],
    ['customer-management purpose', { purpose: 'customer-management' }, {}, ['PURPOSE_INCOMPATIBLE']],
    ['another advertiser', { advertiser: 'Globex SA' }, {}, ['ADVERTISER_MISMATCH']],
  ] as const)('%s', (_name, overrides, message, reasons) => {
    const j = judgeCampaign(campaign(overrides, message), defaultSettings);
    expect(j.reasons).toEqual(reasons);
    expect(j.status).toBe(reasons.length ? 'rejected' : 'accepted');
  });
});

describe('job relevance (rules.md §6 [D])', () => {
  it.each([
    ['Responsable des achats', ['achats'], true],
    ['ACHETEUSE senior', ['achats'], true],
    ['Directeur des Services Généraux', ['services généraux'], true],
    ['Directrice des systèmes d’information', ['informatique'], true],
    ['Responsable IT', ['informatique'], true],
    // word boundaries: "it" is not in "Commercial Italie"
    ['Commerciale Italie', ['informatique'], false],
    ['Cheffe de projet marketing', ['achats', 'services généraux'], false],
    // every word of a keyword: "office manager" needs both
    ['Office assistant', ['services généraux'], false],
    ['Office Manager', ['services généraux'], true],
    // a function the settings do not know is its own keyword
    ['Responsable sécurité', ['sécurité'], true],
    [undefined, ['achats'], false],
  ] as const)('%j vs %j → %s', (title, functions, expected) => {
    expect(jobTitleMatches(title, functions, defaultSettings)).toBe(expected);
  });
  it('keywords are a setting', () => {
    const s = settings({ jobFunctions: { achats: ['approvisionnement'] } });
    expect(jobTitleMatches('Responsable approvisionnement', ['achats'], s)).toBe(true);
    expect(jobTitleMatches('Acheteur', ['achats'], s)).toBe(false);
  });
});

describe('analogy (rules.md §6)', () => {
  it('a category is analogous to itself; the map is a setting, read from purchase to offer', () => {
    expect(isAnalogous('Livres', ['livres'], defaultSettings)).toBe(true);
    expect(isAnalogous('disques', ['livres'], defaultSettings)).toBe(false);
    const s = settings({ analogies: { livres: ['disques'] } });
    expect(isAnalogous('disques', ['livres'], s)).toBe(true);
    expect(isAnalogous('livres', ['disques'], s)).toBe(false);
    expect(isAnalogous(undefined, ['livres'], s)).toBe(false);
  });
});

describe('French public holidays and the SMS window', () => {
  it('Easter and the movable feasts', () => {
    expect(easterSunday(2026)).toEqual([4, 5]);
    expect(easterSunday(2027)).toEqual([3, 28]);
    const h = frenchPublicHolidays(2026);
    for (const day of [
      '01-01',
      '04-06',
      '05-01',
      '05-08',
      '05-14',
      '05-25',
      '07-14',
      '08-15',
      '11-01',
      '11-11',
      '12-25',
    ]) {
      expect(h.has(day)).toBe(true);
    }
    expect(h.size).toBe(11);
  });

  it.each([
    ['Tuesday 11:00', '2026-11-24T10:00:00Z', undefined],
    ['Tuesday 07:59 → 08:00 the same day', '2026-11-24T06:59:00Z', '2026-11-24T07:00:00.000Z'],
    ['Tuesday 20:00 → Wednesday 08:00', '2026-11-24T19:00:00Z', '2026-11-25T07:00:00.000Z'],
    ['Saturday 19:59 is open', '2026-11-28T18:59:00Z', undefined],
    ['Sunday → Monday 08:00', '2026-11-29T10:00:00Z', '2026-11-30T07:00:00.000Z'],
    ['Christmas (Friday) → Saturday 08:00', '2026-12-25T10:00:00Z', '2026-12-26T07:00:00.000Z'],
    [
      'Saturday night before Easter → Tuesday (Easter Monday is a holiday)',
      '2026-04-04T20:00:00Z',
      '2026-04-07T06:00:00.000Z',
    ],
    ['summer time: Monday 09:00 Paris is open', '2026-07-13T07:00:00Z', undefined],
  ])('%s', (_name, at, notBefore) => {
    const w = smsWindowAt(new Date(at), defaultSettings);
    if (notBefore === undefined) expect(w).toEqual({ open: true });
    else expect(w).toEqual({ open: false, notBefore });
  });

  it('the window is a setting', () => {
    const s = settings({
      smsWindow: { days: [1, 2, 3, 4, 5, 6, 7], from: '10:00', to: '18:00', skipPublicHolidays: false },
    });
    expect(smsWindowAt(new Date('2026-11-29T10:00:00Z'), s)).toEqual({ open: true }); // Sunday 11:00
    expect(smsWindowAt(new Date('2026-12-25T10:00:00Z'), s)).toEqual({ open: true });
    expect(smsWindowAt(new Date('2026-11-24T08:30:00Z'), s)).toEqual({
      open: false,
      notBefore: '2026-11-24T09:00:00.000Z',
    });
  });
});

describe('gateContact (rules.md §6, contact level)', () => {
  const pro = contact({
    email: 'jean.dupont@client.fr',
    kind: 'professional',
    bases: { email: 'b2b-interest' },
    consent: undefined,
    jobTitle: 'Responsable des achats',
    sourceKind: 'event',
    collector: 'Salon SAS',
  });
  const customer = contact({
    bases: { email: 'soft-opt-in' },
    consent: undefined,
    productCategories: ['livres'],
    sourceKind: 'own-customers',
  });
  const partnerConsent = contact({
    sourceKind: 'purchased',
    collector: 'DataLeads',
    consent: consentProof({ scope: 'named-partners', namedPartners: ['Bricomax'] }),
  });
  const smsContact = contact({ phone: '+33612345678', bases: { sms: 'consent' } });

  type Case = [
    string,
    ReturnType<typeof contact>,
    Record<string, unknown>,
    { suppression?: SuppressionReason; now?: Date; sentInCapWindow?: number; settings?: ReturnType<typeof settings> },
    string,
    string[],
  ];
  const cases: Case[] = [
    ['a consenting consumer', contact(), {}, {}, 'send', []],
    ['opposed at send time', contact(), {}, { suppression: 'OPPOSED' }, 'skip', ['OPPOSED']],
    ['bounced', contact(), {}, { suppression: 'BOUNCED' }, 'skip', ['BOUNCED']],
    ['expired, not yet deleted', contact({ expiresAt: '2026-11-24T10:00:00.000Z' }), {}, {}, 'skip', ['RET_EXPIRED']],
    ['no basis for the channel', contact({ bases: {}, consent: undefined }), {}, {}, 'skip', ['NO_CONSENT']],
    ['consent for sms only, email campaign', smsContact, {}, {}, 'skip', ['CONSENT_WRONG_CHANNEL']],
    ['sms campaign, consent for sms', smsContact, { channel: 'sms' }, {}, 'send', []],
    ['sms campaign, email consent only', contact(), { channel: 'sms' }, {}, 'skip', ['CONSENT_WRONG_CHANNEL']],
    ['partner consent not naming the advertiser', partnerConsent, {}, {}, 'skip', ['PARTNER_NOT_NAMED']],
    [
      'partner consent naming the advertiser',
      contact({ ...partnerConsent, consent: consentProof({ scope: 'named-partners', namedPartners: ['ACME SAS'] }) }),
      {},
      {},
      'send',
      [],
    ],
    ['soft-opt-in, same category', customer, {}, {}, 'send', []],
    ['soft-opt-in, other category', customer, { productCategory: 'disques' }, {}, 'skip', ['SOFTOPTIN_NOT_ANALOGOUS']],
    [
      'soft-opt-in, analogous by setting',
      customer,
      { productCategory: 'disques' },
      { settings: settings({ analogies: { livres: ['disques'] } }) },
      'send',
      [],
    ],
    [
      'soft-opt-in, campaign without category',
      customer,
      { productCategory: undefined },
      {},
      'skip',
      ['SOFTOPTIN_NOT_ANALOGOUS'],
    ],
    ['professional, matching job', pro, { jobFunctions: ['achats'] }, {}, 'send', []],
    ['professional, unrelated job', pro, { jobFunctions: ['informatique'] }, {}, 'skip', ['B2B_UNRELATED']],
    ['professional, campaign without job functions', pro, {}, {}, 'skip', ['B2B_UNRELATED']],
    [
      'professional without a job title',
      contact({ ...pro, jobTitle: undefined }),
      { jobFunctions: ['achats'] },
      {},
      'skip',
      ['B2B_UNRELATED'],
    ],
    [
      'generic mailbox passes relevance',
      contact({ ...pro, kind: 'generic', bases: { email: 'legal-person' }, jobTitle: undefined }),
      {},
      {},
      'send',
      [],
    ],
    ['consumer, energy renovation', contact(), { energyRenovation: true }, {}, 'skip', ['SECTOR_BAN']],
    [
      'consumer, energy renovation with a contract in progress',
      contact(),
      { energyRenovation: true, contractInProgress: true },
      {},
      'send',
      [],
    ],
    ['professional, energy renovation', pro, { energyRenovation: true, jobFunctions: ['achats'] }, {}, 'send', []],
    [
      'sms outside the window → defer',
      smsContact,
      { channel: 'sms' },
      { now: new Date('2026-11-29T10:00:00Z') },
      'defer',
      ['WINDOW'],
    ],
    ['frequency cap off by default', contact(), {}, { sentInCapWindow: 99 }, 'send', []],
    [
      'frequency cap reached',
      contact(),
      {},
      { sentInCapWindow: 2, settings: settings({ frequencyCap: { maxMessages: 2, perDays: 30 } }) },
      'skip',
      ['FREQ_CAP'],
    ],
    [
      'frequency cap not reached',
      contact(),
      {},
      { sentInCapWindow: 1, settings: settings({ frequencyCap: { maxMessages: 2, perDays: 30 } }) },
      'send',
      [],
    ],
    [
      'informAtFirstMessage without a known source',
      contact({ ...pro, collector: undefined, informAtFirstMessage: true }),
      { jobFunctions: ['achats'] },
      {},
      'skip',
      ['CONTENT_NO_SOURCE'],
    ],
    [
      'informAtFirstMessage, the collector known, the message has {{source}}',
      contact({ ...pro, informAtFirstMessage: true }),
      { jobFunctions: ['achats'], message: { text: '{{source}} Acme SAS. {{unsubscribeUrl}}' } },
      {},
      'send',
      [],
    ],
    [
      'informAtFirstMessage and no {{source}} in the message: this contact is skipped (rules.md §6)',
      contact({ ...pro, informAtFirstMessage: true }),
      { jobFunctions: ['achats'] },
      {},
      'skip',
      ['CONTENT_NO_SOURCE'],
    ],
    ['not flagged: sent without {{source}}', contact({ ...pro }), { jobFunctions: ['achats'] }, {}, 'send', []],
    [
      'every reason that applies',
      contact({ expiresAt: '2020-01-01T00:00:00.000Z' }),
      { energyRenovation: true },
      { suppression: 'OPPOSED' },
      'skip',
      ['OPPOSED', 'RET_EXPIRED', 'SECTOR_BAN'],
    ],
  ];

  it.each(cases)('%s', (_name, c, campaignOverrides, ctx, status, reasons) => {
    const g = gateContact(c, campaign(campaignOverrides), {
      now: ctx.now ?? NOW,
      settings: ctx.settings ?? defaultSettings,
      suppression: ctx.suppression,
      sentInCapWindow: ctx.sentInCapWindow,
    });
    expect(g.status).toBe(status);
    expect(g.reasons).toEqual(reasons);
    if (status === 'defer') expect(g.notBefore).toBe('2026-11-30T07:00:00.000Z');
  });
});
