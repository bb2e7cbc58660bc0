import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkList } from '#cli/check';
import { defaultSettings } from '#schemas/settings';
import { hygiene } from '../support/cli.ts';

const NOW = '2026-11-24T10:00:00+01:00';

/** A list folder in a temp dir: the manifest (with the right sha256 unless given) and the data file. */
function listDir(csv: string | Buffer, manifest: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hygiene-check-'));
  writeFileSync(join(dir, 'contacts.csv'), csv);
  const m = {
    version: 1,
    listId: 'tmp-list',
    dataFile: 'contacts.csv',
    sha256: createHash('sha256').update(csv).digest('hex'),
    advertiser: 'Acme SAS',
    purpose: 'commercial-prospecting',
    audience: 'professional',
    channels: ['email'],
    collected: { from: '2026-09-01', to: '2026-09-30' },
    source: { kind: 'own-form' },
    notice: { informedAtCollection: true, optOutOfferedAtCollection: true },
    ...manifest,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return join(dir, 'manifest.json');
}

describe('hygiene check', () => {
  it('an accepted list: exit 0, --json is the report of design.md §3.5', async () => {
    const r = await hygiene('check', 'examples/salon-batimat-2026/manifest.json', '--json', '--now', NOW);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report).sort()).toEqual(['byReason', 'decisions', 'listId', 'reasons', 'rows', 'status']);
    expect(report).toMatchObject({ listId: 'salon-batimat-2026', status: 'accepted', reasons: [] });
    expect(report.rows.total).toBe(report.decisions.length);
    expect(report.rows.accepted + report.rows.rejected).toBe(report.rows.total);
    expect(report.decisions[0]).toEqual({
      line: 2,
      status: 'accepted',
      kind: 'professional',
      bases: { email: 'b2b-interest' },
      expiresAt: '2029-10-04T22:00:00.000Z',
    });
    const lines = report.decisions.map((d: { line: number }) => d.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    // no personal data in the report
    expect(r.stdout).not.toMatch(/@|Martin|Claire/);
  });

  it('the readable summary is French-first with counts by reason and rejected lines', async () => {
    const r = await hygiene('check', 'examples/newsletter-2026/manifest.json', '--now', NOW);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Liste newsletter-2026 : ACCEPTÉE');
    expect(r.stdout).toMatch(/CONSENT_NO_PROOF\s+2\s+preuve du consentement/);
    expect(r.stdout).toContain('Premières lignes rejetées');
    expect(r.stdout).toContain('ligne 9 : CONSENT_NO_PROOF');
  });

  it('a quarantined list exits 1 and imports nothing', async () => {
    const m = listDir('email\ncontact@acme-client.fr\n', { source: { kind: 'purchased' } });
    const r = await hygiene('check', m, '--json', '--now', NOW);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe('quarantined');
    expect(report.reasons).toEqual(['PROV_UNDOCUMENTED', 'PROV_UNAUDITED']);
    expect(report.decisions).toEqual([]);
  });

  it('a wrong checksum rejects the list (exit 1)', async () => {
    const m = listDir('email\ncontact@acme-client.fr\n', { sha256: 'b'.repeat(64) });
    const r = await hygiene('check', m, '--json', '--now', NOW);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'rejected',
      reasons: ['DATA_CHECKSUM_MISMATCH'],
      decisions: [],
    });
  });

  it('invalid JSON or a manifest off the schema is a rejected list MANIFEST_INVALID (exit 1)', async () => {
    const m = listDir('email\nx@acme.fr\n');
    writeFileSync(m, '{ not json');
    const bad = await hygiene('check', m, '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ status: 'rejected', reasons: ['MANIFEST_INVALID'] });
    const off = listDir('email\nx@acme.fr\n', { channels: ['fax'] });
    const r = await hygiene('check', off, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      listId: 'tmp-list',
      status: 'rejected',
      reasons: ['MANIFEST_INVALID'],
    });
    expect(r.stderr).toBe('');
  });

  it('--advertiser and --config change the deployment advertiser', async () => {
    const r = await hygiene(
      'check',
      'examples/salon-batimat-2026/manifest.json',
      '--json',
      '--now',
      NOW,
      '--advertiser',
      'Globex SA',
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).reasons).toEqual(['ADVERTISER_MISMATCH']);
    const dir = mkdtempSync(join(tmpdir(), 'hygiene-config-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ advertiser: 'Globex SA' }));
    const c = await hygiene(
      'check',
      'examples/salon-batimat-2026/manifest.json',
      '--json',
      '--now',
      NOW,
      '--config',
      join(dir, 'c.json'),
    );
    expect(c.code).toBe(1);
  });

  it.each([
    [
      'a missing manifest file',
      ['check', 'nowhere/manifest.json'],
      /impossible de lire le manifeste nowhere\/manifest\.json/,
    ],
    [
      'a missing config file',
      ['check', 'examples/salon-batimat-2026/manifest.json', '--config', 'nowhere.json'],
      /impossible de lire le fichier de réglages nowhere\.json/,
    ],
    [
      'a bad --now',
      ['check', 'examples/salon-batimat-2026/manifest.json', '--now', 'yesterday'],
      /--now : « yesterday » n'est pas une date ISO/,
    ],
    ['no manifest argument', ['check'], /usage : hygiene check/],
    ['an unknown option', ['check', 'x.json', '--frobnicate'], /option inconnue « --frobnicate »/],
  ])('%s: exit 2, one line, no stack trace', async (_name, args, message) => {
    const r = await hygiene(...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at\s|\.ts:\d+/m);
  });

  it('an invalid config file names the field, in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hygiene-config-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ retentionYears: 'three' }));
    const r = await hygiene('check', 'examples/salon-batimat-2026/manifest.json', '--config', join(dir, 'c.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/retentionYears/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--rejected writes the rejected rows as uploaded with a reasons column, formulas neutralised', async () => {
    const csv =
      'email,company\r\n=HYPERLINK("x")@acme.fr,Acme\r\ncontact@acme-client.fr,+Client\r\n-bad@,@Corp\r\n,Nobody\r\n';
    const m = listDir(csv);
    const out = join(mkdtempSync(join(tmpdir(), 'hygiene-rej-')), 'rejected.csv');
    const r = await hygiene('check', m, '--now', NOW, '--rejected', out);
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const lines = text.trim().split(/\r?\n/);
    expect(lines[0]).toBe('email,company,reasons');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(`"'=HYPERLINK(""x"")@acme.fr",Acme,ADDRESS_INVALID`);
    expect(lines[2]).toBe("'-bad@,'@Corp,ADDRESS_INVALID");
    expect(lines[3]).toBe(',Nobody,ROW_MALFORMED');
    expect(text).not.toContain('contact@acme-client.fr');
  });

  it('reads the Windows-1252 Excel export and reports the malformed line', async () => {
    const report = await checkList('examples/export-excel-fr/manifest.json', {
      now: new Date('2026-11-24T10:00:00Z'),
      settings: defaultSettings,
    });
    expect(report.status).toBe('accepted');
    expect(report.rows.total).toBe(8);
    expect(report.decisions.find((d) => d.line === 8)).toEqual({
      line: 8,
      status: 'rejected',
      reasons: ['ROW_MALFORMED'],
    });
    expect(report.decisions.find((d) => d.line === 4)?.rejectedChannels).toEqual({ sms: ['ADDRESS_INVALID'] });
  });
});
