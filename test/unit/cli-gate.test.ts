import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hygiene } from '../support/cli.ts';

const NOW = '2026-11-24T10:00:00+01:00';
const LISTS = [
  'salon-batimat-2026',
  'newsletter-2026',
  'clients-2026',
  'export-excel-fr',
  'fichier-achete-2026',
].flatMap((l) => ['--manifest', `examples/${l}/manifest.json`]);

type Decision = { listId: string; line: number; status: string; reasons: string[]; notBefore?: string };

describe('hygiene gate', () => {
  it('a valid B2B campaign: exit 0, only matching jobs and generic mailboxes are sent', async () => {
    const r = await hygiene('gate', 'examples/campaigns/b2b-achats-email.json', ...LISTS, '--json', '--now', NOW);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ campaignId: 'b2b-achats-2027', status: 'accepted', reasons: [] });
    const d = (list: string, line: number) =>
      report.decisions.find((x: Decision) => x.listId === list && x.line === line) as Decision;
    expect(d('salon-batimat-2026', 2)).toEqual({ listId: 'salon-batimat-2026', line: 2, status: 'send', reasons: [] }); // acheteuse
    expect(d('salon-batimat-2026', 3).status).toBe('send'); // contact@ generic
    expect(d('salon-batimat-2026', 6)).toMatchObject({ status: 'skip', reasons: ['B2B_UNRELATED'] }); // marketing
    expect(d('salon-batimat-2026', 8)).toMatchObject({ status: 'skip', reasons: ['DUPLICATE'] }); // import reason
    expect(d('fichier-achete-2026', 2)).toMatchObject({ status: 'skip', reasons: ['PARTNER_NOT_NAMED'] });
    const total = report.counts.send + report.counts.skip + report.counts.defer;
    expect(total).toBe(report.decisions.length);
    expect(report.lists).toHaveLength(5);
    expect(r.stdout).not.toContain('@');
  });

  it('an SMS campaign outside the window defers with the next opening', async () => {
    const sunday = '2026-11-29T12:00:00+01:00';
    const r = await hygiene('gate', 'examples/campaigns/sms-promo-36123.json', ...LISTS, '--json', '--now', sunday);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const deferred = report.decisions.filter((x: Decision) => x.status === 'defer');
    expect(deferred.length).toBeGreaterThan(0);
    for (const x of deferred) {
      expect(x.reasons).toEqual(['WINDOW']);
      expect(x.notBefore).toBe('2026-11-30T07:00:00.000Z');
    }
    expect(report.counts.send).toBe(0);
  });

  it('a phone campaign is judged per row at --now: callable now, deferred to the next slot, skipped', async () => {
    const calls = ['--manifest', 'examples/appels-clients-2026/manifest.json'];
    const tuesday = '2026-11-24T10:00:00+01:00';
    const r = await hygiene('gate', 'examples/campaigns/appels-abonnement.json', ...calls, '--json', '--now', tuesday);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const at = (line: number) => report.decisions.find((x: Decision) => x.line === line) as Decision;
    expect(at(2).status).toBe('send'); // consent to calls
    expect(at(3).status).toBe('send'); // contract in progress, campaign related to it
    expect(at(4)).toMatchObject({ status: 'skip', reasons: ['CONSENT_WRONG_CHANNEL'] });
    expect(at(6)).toMatchObject({ status: 'skip', reasons: ['CONSENT_NO_PROOF'] });
    // 13:30 Paris: the lunch break; the next slot opens at 14:00
    const lunch = await hygiene(
      'gate',
      'examples/campaigns/appels-abonnement.json',
      ...calls,
      '--json',
      '--now',
      '2026-11-24T13:30:00+01:00',
    );
    const deferred = JSON.parse(lunch.stdout).decisions.find((x: Decision) => x.line === 2);
    expect(deferred).toMatchObject({ status: 'defer', reasons: ['WINDOW'], notBefore: '2026-11-24T13:00:00.000Z' });
    // a Saturday: every consumer not skipped is deferred to Monday 10:00
    const saturday = await hygiene(
      'gate',
      'examples/campaigns/appels-abonnement.json',
      ...calls,
      '--json',
      '--now',
      '2026-11-28T11:00:00+01:00',
    );
    const weekend = JSON.parse(saturday.stdout).decisions.filter((x: Decision) => x.status !== 'skip');
    expect(weekend.length).toBe(4);
    for (const x of weekend)
      expect(x).toMatchObject({ status: 'defer', reasons: ['WINDOW'], notBefore: '2026-11-30T09:00:00.000Z' });
    const text = await hygiene('gate', 'examples/campaigns/appels-abonnement.json', ...calls, '--now', tuesday);
    expect(text.stdout).toContain('Appels possibles maintenant : ');
    expect(text.stdout).not.toMatch(/0[67](?: \d\d){4}/);
  });

  it('a refused campaign: exit 1, every row skipped with the campaign reasons', async () => {
    const r = await hygiene('gate', 'examples/campaigns/refusee-sans-identite.json', ...LISTS, '--json', '--now', NOW);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe('rejected');
    expect(report.reasons).toEqual(['CONTENT_NO_IDENTITY', 'CONTENT_NO_OPTOUT']);
    expect(report.counts.send).toBe(0);
  });

  it('the readable summary', async () => {
    const r = await hygiene('gate', 'examples/campaigns/newsletter-livres-email.json', ...LISTS, '--now', NOW);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Campagne newsletter-livres-2027 : ACCEPTÉE');
    expect(r.stdout).toMatch(/B2B_UNRELATED\s+\d+/);
  });

  it.each([
    [
      'a missing campaign file',
      ['gate', 'nowhere.json', '--manifest', 'examples/clients-2026/manifest.json'],
      /impossible de lire la campagne nowhere\.json/,
    ],
    ['no --manifest', ['gate', 'examples/campaigns/b2b-achats-email.json'], /usage : hygiene gate/],
    [
      'a missing manifest',
      ['gate', 'examples/campaigns/b2b-achats-email.json', '--manifest', 'nowhere/m.json'],
      /impossible de lire le manifeste nowhere\/m\.json/,
    ],
  ])('%s: exit 2, one line', async (_name, args, message) => {
    const r = await hygiene(...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('invalid campaign JSON and a campaign off the schema: exit 2, one line naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hygiene-gate-'));
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    const bad = await hygiene('gate', join(dir, 'bad.json'), '--manifest', 'examples/clients-2026/manifest.json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json : JSON invalide/);
    writeFileSync(
      join(dir, 'off.json'),
      JSON.stringify({
        campaignId: 'x-y-z',
        advertiser: 'Acme SAS',
        purpose: 'commercial-prospecting',
        channel: 'fax',
        message: {},
      }),
    );
    const off = await hygiene('gate', join(dir, 'off.json'), '--manifest', 'examples/clients-2026/manifest.json');
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/^hygiene gate : campagne : channel : Option invalide : /);
    expect(off.stderr.trim().split('\n')).toHaveLength(1);
  });
});
