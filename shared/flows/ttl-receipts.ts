/**
 * Receipts for what DynamoDB's TTL deleted behind the purge (rules.md §5, §8): each REMOVE
 * of the contacts stream made by the TTL service becomes a `ttl-receipt` ledger entry from
 * the old image (suppression key, expiry, deletion time). Deletions by the purge carry no
 * service identity and are skipped: the purge wrote their receipt (no double count).
 *
 * Streams deliver at least once and a failed batch is retried from its first failed
 * record: a receipt already in the ledger for that expiry is not written again.
 */
import { expiryReceipt } from '#domain/retention';
import {
  type ContactStreamRecord,
  contactStreamRecordSchema,
  isTtlRemoval,
  oldImageOf,
  removedContactSchema,
} from '#schemas/contacts-stream';
import { parseWith } from '#schemas/parse';
import { inParallel } from '#store/dynamo-batch';
import { appendLedgerEntries, ledgerEntriesFor } from '#store/ledger';
import { removeListMembers } from '#store/list-members';

export interface TtlReceiptsOutcome {
  /** receipts written */
  written: string[];
  /** TTL deletions whose receipt was already in the ledger (a redelivered record) */
  duplicates: number;
  /** records that are not TTL deletions (inserts, updates, the purge's deletions) */
  ignored: number;
  /** sequence numbers of the records to retry (DynamoDB stream partial batch response) */
  failed: string[];
  /** one line per failure, without any value from the image */
  errors: string[];
}

interface TtlDeletion {
  sequenceNumber: string;
  suppressionKey: string;
  expiresAt: string;
  deletedAt: Date;
  /** the lists that brought the contact (its list-members items, deleted with it) */
  listIds: string[];
}

/** Writes a receipt for every TTL deletion of a stream batch; reports the records to retry. */
export async function writeTtlReceipts(records: readonly unknown[]): Promise<TtlReceiptsOutcome> {
  const outcome: TtlReceiptsOutcome = { written: [], duplicates: 0, ignored: 0, failed: [], errors: [] };
  const deletions: TtlDeletion[] = [];
  for (const [index, raw] of records.entries()) {
    const record = parseWith(contactStreamRecordSchema, raw, `stream record ${index}`);
    if (!record.ok) {
      const sequenceNumber = sequenceNumberOf(raw);
      // Without a sequence number the record cannot be named: the whole batch is retried.
      if (!sequenceNumber) throw new Error(record.error);
      outcome.failed.push(sequenceNumber);
      outcome.errors.push(record.error);
      continue;
    }
    if (!isTtlRemoval(record.value)) {
      outcome.ignored += 1;
      continue;
    }
    const deletion = ttlDeletionOf(record.value, index);
    if ('error' in deletion) {
      outcome.failed.push(record.value.dynamodb.SequenceNumber);
      outcome.errors.push(deletion.error);
    } else deletions.push(deletion);
  }

  try {
    const fresh = (
      await inParallel(deletions, 8, async (deletion) => ((await alreadyReceipted(deletion)) ? undefined : deletion))
    ).filter((d): d is TtlDeletion => d !== undefined);
    outcome.duplicates = deletions.length - fresh.length;
    // DynamoDB's TTL deleted the contact, not deleteContact: its memberships go here (idempotent)
    await inParallel(deletions, 8, (d) => removeListMembers(d.suppressionKey, d.listIds));
    if (fresh.length) {
      await appendLedgerEntries(fresh.map(({ listIds: _l, ...d }) => expiryReceipt({ ...d, by: 'ttl' })));
      outcome.written = fresh.map((d) => d.suppressionKey);
    }
  } catch (error) {
    // Some chains may have been written: the retry finds those receipts and skips them.
    outcome.failed.push(...deletions.map((d) => d.sequenceNumber));
    outcome.errors.push(`ledger: ${error instanceof Error ? error.message.split('\n')[0] : 'append failed'}`);
  }
  return outcome;
}

function ttlDeletionOf(record: ContactStreamRecord, index: number): TtlDeletion | { error: string } {
  let image: Record<string, unknown> | undefined;
  try {
    image = oldImageOf(record);
  } catch {
    return { error: `stream record ${index}: OldImage: not a DynamoDB image` };
  }
  const contact = parseWith(removedContactSchema, image, `stream record ${index}: OldImage`);
  if (!contact.ok) return { error: contact.error };
  const approximate = record.dynamodb.ApproximateCreationDateTime;
  if (approximate === undefined)
    return { error: `stream record ${index}: dynamodb.ApproximateCreationDateTime: missing` };
  return {
    sequenceNumber: record.dynamodb.SequenceNumber,
    suppressionKey: contact.value.suppressionKey,
    expiresAt: contact.value.expiresAt,
    // rules.md §8: the deletion time is when DynamoDB removed the item
    deletedAt: new Date(approximate * 1000),
    listIds: contact.value.listIds ?? (contact.value.listId ? [contact.value.listId] : []),
  };
}

async function alreadyReceipted(deletion: TtlDeletion): Promise<boolean> {
  const entries = await ledgerEntriesFor(deletion.suppressionKey);
  return entries.some(
    (e) => (e.type === 'ttl-receipt' || e.type === 'contact-purged') && e.payload.expiresAt === deletion.expiresAt,
  );
}

function sequenceNumberOf(raw: unknown): string | undefined {
  const value = (raw as { dynamodb?: { SequenceNumber?: unknown } } | null)?.dynamodb?.SequenceNumber;
  return typeof value === 'string' && value ? value : undefined;
}
