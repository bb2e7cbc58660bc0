/**
 * S3 list ingestion end to end (issue 4) on DynamoDB Local + s3rver: the generated list
 * (consent-based own-form list, email + SMS) uploaded, then ingested exactly as the
 * Lambda does it (checksum pass, streamed parse, rules engine, batched suppression and
 * contact look-ups, batched writes, reports, ledger). In the same run, the raw
 * BatchWriteItem ceiling of this DynamoDB Local: the same number of contact items of the
 * same size, written with no parsing at the same request concurrency.
 *
 *   npx tsx bench/ingest.bench.ts [--rows 100000]
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Contact } from '#domain/contact';
import { defaultSettings } from '#schemas/settings';
import { ingestListOnce } from '#shared/flows/ingest-once';
import { contactsTableName, toItem } from '#store/contacts';
import { batchPut } from '#store/dynamo-batch';
import { objectKeys, putObject, uploadStream } from '#store/objects';
import { generateList } from './generate-list.ts';
import { benchRows, measure, startBenchEmulators } from './support.ts';

const NOW = new Date('2026-04-15T10:00:00Z');
/** write requests the ingestion may have in flight: IN_FLIGHT batches × 4 BatchWriteItem each */
const WRITE_CONCURRENCY = 16;

const rows = benchRows();
const list = await generateList(rows);
const emulators = await startBenchEmulators();
try {
  const manifestBytes = await readFile(list.manifestPath);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { listId: string; dataFile: string };
  await uploadStream(
    objectKeys.dataFile(manifest.listId, manifest.dataFile),
    createReadStream(list.dataPath),
    'text/csv',
  );
  await putObject(objectKeys.manifest(manifest.listId), manifestBytes, 'application/json');

  let written = 0;
  let itemBytes = 0;
  const ingest = await measure('ingest', async () => {
    const result = await ingestListOnce(objectKeys.manifest(manifest.listId), defaultSettings, NOW);
    written = result.contactsWritten;
    return { rows: result.rows.total, accepted: result.rows.accepted, contactsWritten: result.contactsWritten };
  });

  // the raw ceiling: as many items, of the size the ingestion wrote, no parsing
  const sample: Contact = {
    suppressionKey: 'f'.repeat(64),
    email: 'jean.dupont@exemple-entreprise.fr',
    phone: '+33612345678',
    phoneKey: 'e'.repeat(64),
    firstName: 'Jean',
    lastName: 'Dupont',
    kind: 'consumer',
    bases: { email: 'consent', sms: 'consent' },
    consent: {
      mechanism: 'double-opt-in',
      wording: "J'accepte de recevoir les offres d'Acme SAS par e-mail et SMS.",
      wordingVersion: 'v2',
      collectionPoint: 'https://acme.fr/newsletter',
      scope: 'advertiser',
      namedPartners: [],
      consentAt: '2025-06-01T10:00:00.000Z',
      listId: 'bench-own-form',
    },
    listId: 'bench-own-form',
    listIds: ['bench-own-form'],
    sourceKind: 'own-form',
    collectedAt: '2025-06-01T10:00:00.000Z',
    productCategories: [],
    informAtFirstMessage: false,
    expiresAt: '2028-06-01T10:00:00.000Z',
  };
  itemBytes = JSON.stringify(toItem(sample, defaultSettings)).length;
  const items = Array.from({ length: written || rows }, (_, i) => ({
    ...(toItem({ ...sample, suppressionKey: i.toString(16).padStart(64, '0') }, defaultSettings) as unknown as Record<
      string,
      unknown
    >),
  }));
  const raw = await measure('ingest-raw-batchwrite', async () => {
    await batchPut(`${contactsTableName()}`, items, WRITE_CONCURRENCY);
    return { rows: items.length, itemBytes, concurrency: WRITE_CONCURRENCY };
  });
  const ingestWritesPerSecond = written / ingest.seconds;
  process.stdout.write(
    `${JSON.stringify({
      name: 'ingest-vs-ceiling',
      rows,
      contactsWritten: written,
      ingestContactsPerSecond: Math.round(ingestWritesPerSecond),
      rawItemsPerSecond: raw.rowsPerSecond,
      ratio: Math.round((100 * ingestWritesPerSecond) / raw.rowsPerSecond) / 100,
      seconds: ingest.seconds,
      rowsPerSecond: ingest.rowsPerSecond,
      peakRssMb: ingest.peakRssMb,
    })}\n`,
  );
} finally {
  await emulators.stop();
}
