/**
 * Every reason code of rules.md §10 is reachable: each is produced by at least one
 * scenario through the public domain API (a code nothing can produce is a rule not
 * implemented).
 */
import { describe, expect, it } from 'vitest';
import { gateContact, judgeCampaign } from '#domain/gate';
import { judgeManifest } from '#domain/provenance';
import { LIST_REASONS, ROW_REASONS, SEND_REASONS } from '#domain/reasons';
import { defaultSettings } from '#schemas/settings';
import { campaign, consentProof, contact, judgeRows, manifest, NOW, settings } from './fixtures.ts';

const consent = { consent_at: '2026-03-01' };
const partnerSource = { kind: 'partner', collector: 'P', receivedFrom: 'P', contractRef: 'C', auditRef: 'A' };

describe('reason coverage (rules.md §10)', () => {
  it('every list reason is produced', () => {
    const produced = new Set<string>();
    const add = (m: ReturnType<typeof manifest>, opts: { dataChecksumOk?: boolean } = {}) => {
      for (const r of judgeManifest(m, defaultSettings, { now: NOW, ...opts }).reasons) produced.add(r);
    };
    add(manifest({ collected: { from: '2026-01-01', to: '2027-01-01' } }));
    add(manifest(), { dataChecksumOk: false });
    add(manifest({ advertiser: 'Globex' }));
    add(manifest({ purpose: 'recruitment' }));
    add(manifest({ source: { kind: 'broker' } }));
    expect([...LIST_REASONS].filter((r) => !produced.has(r))).toEqual([]);
  });

  it('every row reason is produced', () => {
    const produced = new Set<string>();
    const run = (m: Record<string, unknown>, rows: Record<string, string>[], suppression?: 'OPPOSED' | 'BOUNCED') => {
      const { out } = judgeRows(manifest(m), rows, { suppression: () => suppression });
      for (const o of out) {
        for (const r of o.decision.reasons ?? []) produced.add(r);
        for (const rs of Object.values(o.decision.rejectedChannels ?? {})) for (const r of rs) produced.add(r);
      }
    };
    run({}, [
      { first_name: 'x' },
      { email: 'bad@x' },
      { email: 'a@yopmail.com' },
      { email: 'a@gmail.com', ...consent },
      { email: 'a@gmail.com', ...consent },
    ]);
    run({}, [{ email: 'b@gmail.com', ...consent }], 'OPPOSED');
    run({}, [{ email: 'b@gmail.com', ...consent }], 'BOUNCED');
    run({ source: { kind: 'scraping' }, audience: 'professional', consent: undefined }, [
      { email: 'jean@acme-client.fr' },
    ]);
    run({ audience: 'professional', consent: undefined }, [{ email: 'jean@acme-client.fr', origin: 'generic-reply' }]);
    run({ collected: { from: '2020-01-01', to: '2020-02-01' } }, [{ email: 'c@gmail.com', consent_at: '2020-01-05' }]);
    run({ audience: 'professional', consent: undefined, notice: { informedAtCollection: false } }, [
      { email: 'jean@acme-client.fr' },
    ]);
    run({ consent: { mechanism: 'pre-ticked-checkbox' } }, [{ email: 'd@gmail.com', ...consent }]);
    run({}, [{ email: 'e@gmail.com' }, { email: 'f@gmail.com', ...consent, consent_channels: 'sms' }]);
    run({ source: partnerSource, consent: { scope: 'named-partners', namedPartners: ['Other'] } }, [
      { email: 'g@gmail.com', ...consent },
    ]);
    run(
      {
        source: { ...partnerSource, receivedFrom: 'Q' },
        consent: { scope: 'named-partners', namedPartners: ['Acme SAS'] },
      },
      [{ email: 'h@gmail.com', ...consent }],
    );
    run(
      {
        source: { kind: 'own-customers', customerOf: 'Other SA' },
        consent: undefined,
        notice: { optOutOfferedAtCollection: false },
      },
      [{ email: 'i@gmail.com' }],
    );
    run({ consent: undefined }, [{ email: 'j@gmail.com' }]);
    expect([...ROW_REASONS].filter((r) => !produced.has(r))).toEqual([]);
  });

  it('every send reason is produced', () => {
    const produced = new Set<string>();
    const addCampaign = (c: ReturnType<typeof campaign>) => {
      for (const r of judgeCampaign(c, defaultSettings).reasons) produced.add(r);
    };
    addCampaign(campaign({}, { text: 'Promo' }));
    addCampaign(campaign({ channel: 'sms', purpose: 'support' }, { smsSender: '12345' }));
    const gate = (
      c: ReturnType<typeof contact>,
      o: Record<string, unknown> = {},
      ctx: Record<string, unknown> = {},
    ) => {
      for (const r of gateContact(c, campaign(o), { now: NOW, settings: defaultSettings, ...ctx }).reasons)
        produced.add(r);
    };
    gate(contact(), {}, { suppression: 'OPPOSED' });
    gate(contact(), {}, { suppression: 'BOUNCED' });
    gate(contact({ expiresAt: '2020-01-01T00:00:00Z' }));
    gate(contact({ bases: {} }));
    gate(contact(), { channel: 'sms' });
    gate(
      contact({
        sourceKind: 'partner',
        collector: 'P',
        consent: consentProof({ scope: 'named-partners', namedPartners: ['X'] }),
      }),
    );
    gate(contact({ bases: { email: 'soft-opt-in' }, productCategories: ['disques'] }));
    gate(contact({ kind: 'professional', bases: { email: 'b2b-interest' } }));
    gate(contact(), { energyRenovation: true });
    gate(
      contact({ phone: '+33612345678', bases: { sms: 'consent' } }),
      { channel: 'sms' },
      { now: new Date('2026-11-29T12:00:00Z') },
    );
    gate(contact(), {}, { settings: settings({ frequencyCap: { maxMessages: 1, perDays: 7 } }), sentInCapWindow: 1 });
    gate(contact({ informAtFirstMessage: true, collector: undefined }));
    gate(contact(), {}, { paused: true });
    gate(contact({ phone: '+33612345678', bases: { phone: 'contract' } }), { channel: 'phone' });
    expect([...SEND_REASONS].filter((r) => !produced.has(r))).toEqual([]);
  });
});
