/** Builds list files and manifests for tests, and uploads them to the test bucket. */
import { createHash } from 'node:crypto';
import type { Manifest } from '#schemas/manifest';
import { ledgerEntriesFor } from '#store/ledger';
import { putObject } from '#store/objects';

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A documented, audited B2B trade-show list whose people were informed (rules.md §3, §4 R7). */
export function tradeShowManifest(listId: string, data: Buffer, overrides: Partial<Manifest> = {}): Manifest {
  return {
    version: 1,
    listId,
    dataFile: 'contacts.csv',
    sha256: sha256(data),
    advertiser: 'Acme SAS',
    purpose: 'commercial-prospecting',
    audience: 'professional',
    channels: ['email'],
    collected: { from: '2026-10-01', to: '2026-10-05' },
    source: {
      kind: 'event',
      collector: 'Salon Batimat SAS',
      receivedFrom: 'Salon Batimat SAS',
      contractRef: 'CTR-2026-114',
      auditRef: 'AUDIT-2026-09',
    },
    notice: { informedAtCollection: true, optOutOfferedAtCollection: true },
    ...overrides,
  };
}

/** The suppression keys a list's import evidence names (`contact-imported` entries), once per mention. */
export async function importEvidenceKeys(listId: string): Promise<string[]> {
  return (await ledgerEntriesFor(`list#${listId}`))
    .filter((e) => e.type === 'contact-imported')
    .flatMap((e) => (e.payload as { contacts: { k: string }[] }).contacts.map((c) => c.k));
}

/** Uploads the data file then the manifest (the commit marker); returns the manifest's key. */
export async function uploadList(manifest: Manifest, data: Buffer, manifestBytes?: Buffer): Promise<string> {
  await putObject(`incoming/${manifest.listId}/${manifest.dataFile}`, data, 'text/csv');
  const key = `incoming/${manifest.listId}/manifest.json`;
  await putObject(key, manifestBytes ?? Buffer.from(JSON.stringify(manifest)), 'application/json');
  return key;
}

/** An S3 ObjectCreated notification as S3 sends it (key URL-encoded). */
export function s3Event(bucket: string, key: string) {
  return {
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 1 } },
      },
    ],
  };
}

/**
 * Overrides that make `tradeShowManifest` an own-form consumer newsletter, double opt-in
 * with its full proof, by email and SMS (rules.md §4 R7.1).
 */
export const NEWSLETTER: Partial<Manifest> = {
  audience: 'consumer',
  channels: ['email', 'sms'],
  collected: { from: '2025-01-01', to: '2026-10-31' },
  source: { kind: 'own-form' },
  consent: {
    mechanism: 'double-opt-in',
    wording: "J'accepte de recevoir les offres d'Acme SAS par e-mail et SMS.",
    wordingVersion: 'v2',
    collectionPoint: 'https://acme.fr/newsletter',
    scope: 'advertiser',
    namedPartners: [],
  },
};
