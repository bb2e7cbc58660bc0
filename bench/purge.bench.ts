/**
 * The retention purge at scale (issue 7): a contacts table of `--rows` contacts (default
 * 200,000) of which 5 % have expired, spread over every shard and twelve months. Measures:
 * - load: putNewContacts, 8 batches in flight (setup, reported for the record);
 * - scan-baseline: what a Scan filtered on expiresAt ≤ now reads to find the same contacts;
 * - purge: the index-driven purge (re-permission off, so the figures are the purge's);
 * - purge-flags: the re-permission pass alone (a second run at the same instant: the
 *   purge part reads nothing left).
 * Each prints one JSON line; `itemsReadPerPurged` is the figure to hold ≤ 1.05.
 *
 *   npx tsx bench/purge.bench.ts [--rows 200000]
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '#domain/contact';
import { defaultSettings } from '#schemas/settings';
import { runRetentionPurge } from '#shared/flows/retention-purge';
import { documentClient } from '#store/clients';
import { contactsTableName, putNewContacts } from '#store/contacts';
import { contactWith } from '../test/support/contacts.ts';
import { random } from './generate-list.ts';
import { benchRows, measure, startBenchEmulators } from './support.ts';

const TOTAL = benchRows(process.argv.includes('--rows') ? process.argv : ['--rows', '200000']);
const EXPIRED = Math.round(TOTAL * 0.05);
/** the night the purge runs */
const NOW = new Date('2027-06-15T01:00:00.000Z');
const DAY = 86_400_000;
const settings = defaultSettings;

/**
 * Contact i: the first EXPIRED expired within the year before NOW, the others expiring
 * over the three years after it. The expiry follows from a last activity 3 years earlier.
 */
function contactAt(i: number, rand: () => number): Contact {
  const expiresAt =
    i < EXPIRED ? NOW.getTime() - (1 + Math.floor(rand() * 364)) * DAY : NOW.getTime() + (1 + rand() * 3 * 365) * DAY;
  const lastActivityAt = new Date(expiresAt);
  lastActivityAt.setUTCFullYear(lastActivityAt.getUTCFullYear() - settings.retentionYears);
  return contactWith(
    `bench-${i}`,
    { regime: 'prospect', collectedAt: new Date('2023-01-01T00:00:00.000Z'), lastActivityAt },
    settings,
  );
}

const emulators = await startBenchEmulators();
try {
  const rand = random(7);
  await measure('purge-load', async () => {
    const chunk = 20_000;
    for (let from = 0; from < TOTAL; from += chunk) {
      const contacts = Array.from({ length: Math.min(chunk, TOTAL - from) }, (_, k) => contactAt(from + k, rand));
      await putNewContacts(contacts, settings, 8);
    }
    return { rows: TOTAL, expired: EXPIRED, concurrency: 8 };
  });

  await measure('purge-scan-baseline', async () => {
    let scanned = 0;
    let matched = 0;
    let capacity = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await documentClient().send(
        new ScanCommand({
          TableName: contactsTableName(),
          FilterExpression: 'expiresAt <= :now',
          ExpressionAttributeValues: { ':now': NOW.toISOString() },
          ProjectionExpression: 'suppressionKey, expiresAt',
          ExclusiveStartKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      scanned += out.ScannedCount ?? 0;
      matched += out.Count ?? 0;
      capacity += out.ConsumedCapacity?.CapacityUnits ?? 0;
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return {
      rows: scanned,
      expiredFound: matched,
      itemsReadPerPurged: Math.round((scanned / Math.max(matched, 1)) * 100) / 100,
      consumedReadUnits: Math.round(capacity * 10) / 10,
    };
  });

  await measure('purge', async () => {
    const summary = await runRetentionPurge({
      now: NOW,
      settings: { ...settings, repermissionDays: 0 },
      fromMonth: '2026-06',
    });
    if (!summary.done || summary.deleted !== EXPIRED) throw new Error(`purge deleted ${summary.deleted} of ${EXPIRED}`);
    return {
      rows: summary.deleted,
      tableSize: TOTAL,
      indexEntriesRead: summary.read,
      itemsReadPerPurged: summary.readPerDeleted,
      keptByRace: summary.keptByRace,
      partitions: summary.partitions,
      consumedReadUnits: summary.consumedCapacity.purge,
      // one DeleteItem per contact; its write units are not returned by the store's deleteContact
      deleteRequests: summary.deleted,
    };
  });

  await measure('purge-flags', async () => {
    const summary = await runRetentionPurge({ now: NOW, settings });
    return {
      rows: summary.flagged,
      indexEntriesRead: summary.flagRead + summary.read,
      flagged: summary.flagged,
      partitions: summary.partitions,
      consumedReadUnits: summary.consumedCapacity.flags + summary.consumedCapacity.purge,
    };
  });
} finally {
  await emulators.stop();
}
