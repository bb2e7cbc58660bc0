import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hygieneInProcess } from './../support/cli.ts';

/** rules.md §0.1, §4 R7.1: a row cannot claim a channel the manifest's documented consent does not cover. */
describe('consent channels: the manifest bounds what a row may claim', () => {
  const listWith = (consentChannels: string[] | undefined) => {
    const dir = mkdtempSync(join(tmpdir(), 'consent-channels-'));
    const data = Buffer.from(
      'email;phone;consent_at;consent_channels\nlea.martin@gmail.com;06 12 34 56 78;2026-10-02;email+sms\n',
    );
    writeFileSync(join(dir, 'contacts.csv'), data);
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        version: 1,
        listId: 'newsletter-canaux',
        dataFile: 'contacts.csv',
        sha256: createHash('sha256').update(data).digest('hex'),
        advertiser: 'Acme SAS',
        purpose: 'commercial-prospecting',
        audience: 'consumer',
        channels: ['email', 'sms'],
        collected: { from: '2026-10-01', to: '2026-10-05' },
        source: { kind: 'own-form' },
        consent: {
          mechanism: 'double-opt-in',
          wording: "J'accepte de recevoir les offres d'Acme SAS par e-mail.",
          wordingVersion: 'v1',
          collectionPoint: 'https://acme.fr/newsletter',
          ...(consentChannels ? { channels: consentChannels } : {}),
        },
        notice: { informedAtCollection: true, optOutOfferedAtCollection: true },
      }),
    );
    return join(dir, 'manifest.json');
  };

  it('the form consented to email only: a row saying email+sms gets email, not sms', async () => {
    const r = await hygieneInProcess('check', listWith(['email']), '--json', '--now', '2026-11-24T10:00:00Z');
    const d = JSON.parse(r.stdout).decisions[0];
    expect(d).toMatchObject({ status: 'accepted', bases: { email: 'consent' } });
    expect(d.bases.sms).toBeUndefined();
    expect(d.rejectedChannels?.sms).toContain('CONSENT_WRONG_CHANNEL');
  });

  it('without consented channels in the manifest, the row’s cell says which channels were consented', async () => {
    const r = await hygieneInProcess('check', listWith(undefined), '--json', '--now', '2026-11-24T10:00:00Z');
    expect(JSON.parse(r.stdout).decisions[0]).toMatchObject({ bases: { email: 'consent', sms: 'consent' } });
  });
});
