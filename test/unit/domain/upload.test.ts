import { describe, expect, it } from 'vitest';
import { judgeUpload, manifestAdmits, readManifest } from '#domain/upload';
import type { Manifest } from '#schemas/manifest';
import { defaultSettings } from '#schemas/settings';
import { manifest as fixtureManifest } from './fixtures.ts';

const now = new Date('2026-11-20T10:00:00Z');
// an own-form list whose checksum is in capitals (a checksum compares in any case)
const manifest: Manifest = { ...fixtureManifest({ listId: 'salon-2026' }), sha256: 'AB'.repeat(32) };

describe('readManifest: the manifest of an upload (rules.md §3 MANIFEST_INVALID), for check and ingestion alike', () => {
  it.each([
    ['not JSON', '{ "version": 1,', 'folder', undefined, 'manifeste : JSON invalide', 'folder'],
    [
      'not of the schema (names the field)',
      JSON.stringify({ ...manifest, purpose: 'x' }),
      'f',
      undefined,
      'manifeste : purpose : Option invalide',
      'salon-2026',
    ],
    [
      'naming another list than its upload folder',
      JSON.stringify(manifest),
      'other',
      'other',
      "diffère du dossier d'envoi",
      'other',
    ],
  ])('%s → MANIFEST_INVALID', (_name, text, fallback, folder, detail, listId) => {
    const read = readManifest(text, fallback, folder);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.judgement).toEqual({ status: 'rejected', reasons: ['MANIFEST_INVALID'] });
    expect(read.detail).toContain(detail);
    expect(read.listId).toBe(listId);
  });

  it('a manifest in its own folder, or offline (no folder): read', () => {
    expect(readManifest(JSON.stringify(manifest), 'x', 'salon-2026')).toEqual({ ok: true, manifest });
    expect(readManifest(JSON.stringify(manifest), 'x')).toEqual({ ok: true, manifest });
  });
});

describe('judgeUpload: the data file the manifest names (rules.md §3 DATA_CHECKSUM_MISMATCH)', () => {
  it.each([
    ['missing', { present: false } as const, 'rejected', ['DATA_CHECKSUM_MISMATCH'], 'absent'],
    [
      'another checksum',
      { present: true, sha256: 'cd'.repeat(32) } as const,
      'rejected',
      ['DATA_CHECKSUM_MISMATCH'],
      'cdcd',
    ],
    ['the same checksum, any case', { present: true, sha256: 'ab'.repeat(32) } as const, 'accepted', [], undefined],
  ])('%s', (_name, data, status, reasons, detail) => {
    const verdict = judgeUpload(manifest, data, defaultSettings, now);
    expect(verdict.status).toBe(status);
    expect(verdict.reasons).toEqual(reasons);
    if (detail) expect(verdict.detail).toContain(detail);
    else expect(verdict.detail).toBeUndefined();
  });

  it('with the manifest own faults: every reason, the strictest status', () => {
    const verdict = judgeUpload({ ...manifest, advertiser: 'Autre SA' }, { present: false }, defaultSettings, now);
    expect(verdict.status).toBe('rejected');
    expect(verdict.reasons).toEqual(expect.arrayContaining(['DATA_CHECKSUM_MISMATCH', 'ADVERTISER_MISMATCH']));
  });

  it('manifestAdmits: the manifest alone lets the list in, or not', () => {
    expect(manifestAdmits(manifest, defaultSettings, now)).toBe(true);
    expect(manifestAdmits({ ...manifest, purpose: 'recruitment' }, defaultSettings, now)).toBe(false);
  });
});
