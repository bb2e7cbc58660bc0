import { describe, expect, it } from 'vitest';
import { checkList } from '#cli/check';
import { defaultSettings } from '#schemas/settings';
import { checksumOf, exampleManifests } from '../../examples/update-checksums.ts';

const NOW = new Date('2026-11-24T10:00:00Z');

describe('examples', () => {
  const manifests = exampleManifests();
  it('there are example lists', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(6);
  });
  it.each(manifests)('%s declares the right sha256', (path) => {
    const { declared, actual } = checksumOf(path);
    expect(declared).toBe(actual);
  });
  it.each([
    ['salon-batimat-2026', { accepted: 7, rejected: 4 }],
    ['newsletter-2026', { accepted: 7, rejected: 5 }],
    ['fichier-achete-2026', { accepted: 0, rejected: 4 }],
    ['annuaire-web-2026', { accepted: 3, rejected: 2 }],
    ['export-excel-fr', { accepted: 7, rejected: 1 }],
    ['clients-2026', { accepted: 2, rejected: 2 }],
    ['appels-clients-2026', { accepted: 5, rejected: 1 }],
  ])('%s is accepted with the expected row counts', async (listId, rows) => {
    const report = await checkList(`examples/${listId}/manifest.json`, { now: NOW, settings: defaultSettings });
    expect(report.status).toBe('accepted');
    expect(report.rows).toMatchObject(rows);
  });
});
