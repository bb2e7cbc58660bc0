import { describe, expect, it } from 'vitest';
import { entityKey, isThirdPartySource, judgeManifest, sameEntity } from '#domain/provenance';
import { defaultSettings } from '#schemas/settings';
import { manifest, NOW, settings } from './fixtures.ts';

const documented = { collector: 'Salon SAS', receivedFrom: 'Salon SAS', contractRef: 'CTR-1', auditRef: 'AUD-1' };

describe('rules.md §2: company names compared as one entity', () => {
  it.each([
    ['ACME S.A.S.', 'Acme SAS', true],
    ['Acme SAS', 'Acme', true],
    ['SAS Acme', 'Acme', true],
    ['acme sarl', 'ACME', true],
    ['Électricité Dupré-Fils', 'Electricite Dupre Fils SA', true],
    ["L'Atelier d'Anne", "L'ATELIER D'ANNE", true],
    ['Acme Voyages SAS', 'Acme SAS', false],
    ['Acmes', 'Acme', false],
    ['Acme', 'Acme Voyages', false],
    ['SAS', 'SA', false],
  ])('%s vs %s → %s', (a, b, same) => {
    expect(sameEntity(a, b)).toBe(same);
    expect(sameEntity(b, a)).toBe(same);
  });
});

describe('judgeManifest (rules.md §3)', () => {
  it.each([
    ['a clean own-form list', {}, {}, 'accepted', []],
    ['checksum mismatch', {}, { dataChecksumOk: false }, 'rejected', ['DATA_CHECKSUM_MISMATCH']],
    ['another advertiser', { advertiser: 'Globex SA' }, {}, 'rejected', ['ADVERTISER_MISMATCH']],
    ['the advertiser spelt differently', { advertiser: 'ACME S.A.S.' }, {}, 'accepted', []],
    ['recruitment data', { purpose: 'recruitment' }, {}, 'rejected', ['PURPOSE_INCOMPATIBLE']],
    ['support data', { purpose: 'support' }, {}, 'rejected', ['PURPOSE_INCOMPATIBLE']],
    ['transactional data', { purpose: 'transactional' }, {}, 'rejected', ['PURPOSE_INCOMPATIBLE']],
    ['customer management', { purpose: 'customer-management' }, {}, 'accepted', []],
    [
      'collection ends in the future',
      { collected: { from: '2026-01-01', to: '2026-12-31' } },
      {},
      'rejected',
      ['MANIFEST_INVALID'],
    ],
    [
      'collection starts after it ends',
      { collected: { from: '2026-06-01', to: '2026-05-01' } },
      {},
      'rejected',
      ['MANIFEST_INVALID'],
    ],
    ['third-party documented and audited', { source: { kind: 'partner', ...documented } }, {}, 'accepted', []],
    [
      'purchased without collector',
      { source: { kind: 'purchased', contractRef: 'C', auditRef: 'A' } },
      {},
      'quarantined',
      ['PROV_UNDOCUMENTED'],
    ],
    [
      'rented without contract',
      { source: { kind: 'rented', collector: 'X', auditRef: 'A' } },
      {},
      'quarantined',
      ['PROV_UNDOCUMENTED'],
    ],
    [
      'broker without audit',
      { source: { kind: 'broker', collector: 'X', contractRef: 'C' } },
      {},
      'quarantined',
      ['PROV_UNAUDITED'],
    ],
    [
      'event run by someone else, nothing documented',
      { source: { kind: 'event' } },
      {},
      'quarantined',
      ['PROV_UNDOCUMENTED', 'PROV_UNAUDITED'],
    ],
    ['own event needs no contract', { source: { kind: 'event', ownEvent: true } }, {}, 'accepted', []],
    ['public web is not third-party here (R4 judges rows)', { source: { kind: 'public-web' } }, {}, 'accepted', []],
    [
      'rejection outranks quarantine; all reasons listed',
      { advertiser: 'Globex', purpose: 'other', source: { kind: 'broker' } },
      { dataChecksumOk: false },
      'rejected',
      ['DATA_CHECKSUM_MISMATCH', 'ADVERTISER_MISMATCH', 'PURPOSE_INCOMPATIBLE', 'PROV_UNDOCUMENTED', 'PROV_UNAUDITED'],
    ],
  ] as const)('%s', (_name, overrides, opts, status, reasons) => {
    const j = judgeManifest(manifest(overrides as Record<string, unknown>), defaultSettings, { now: NOW, ...opts });
    expect(j).toEqual({ status, reasons });
  });

  it('the advertiser comes from the settings', () => {
    const m = manifest({ advertiser: 'Globex SA' });
    expect(judgeManifest(m, settings({ advertiser: 'Globex SA' }), { now: NOW }).status).toBe('accepted');
    expect(defaultSettings.advertiser).toBe('Acme SAS');
  });
});

describe('names and sources', () => {
  it('compares entity names case-, accent- and punctuation-insensitively', () => {
    expect(entityKey('Électricité  Dupré & Fils, S.A.')).toBe('electricite dupre fils');
    expect(sameEntity('ACME S.A.S.', 'acme sas')).toBe(true);
    expect(sameEntity(undefined, 'Acme')).toBe(false);
    expect(sameEntity('...', '---')).toBe(false);
  });
  it.each([
    ['partner', undefined, true],
    ['purchased', undefined, true],
    ['rented', undefined, true],
    ['broker', undefined, true],
    ['event', undefined, true],
    ['event', false, true],
    ['event', true, false],
    ['own-form', undefined, false],
    ['own-customers', undefined, false],
    ['public-web', undefined, false],
    ['scraping', undefined, false],
  ] as const)('%s (ownEvent %s) third-party=%s', (kind, ownEvent, expected) => {
    expect(isThirdPartySource({ kind, ownEvent })).toBe(expected);
  });
});
