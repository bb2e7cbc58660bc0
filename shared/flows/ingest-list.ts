/**
 * Ingesting one uploaded list (issue 4): manifest → checksum → oppositions (a snapshot of
 * the table, or looked up batch by batch) → the file streamed through the rules engine,
 * in file order → the accepted contacts looked up and written in batches (merged with
 * those already stored) → reports (streamed) and the list item.
 *
 * Every legal decision is the rules engine's (shared/domain); this module only moves
 * data between S3, DynamoDB and the domain, in batches.
 */
import { createHash } from 'node:crypto';
import { openList } from '#csv/read-list';
import { neutraliseCsvCell, toCsvLine } from '#csv/write-csv';
import type { Contact, ListReport, RowDecision } from '#domain/contact';
import { suppressionRemovesContact } from '#domain/events';
import {
  consentProofDigest,
  type ImportedContact,
  importedContactsOf,
  type LedgerEntryInput,
  listSubject,
  manifestDigest,
} from '#domain/ledger';
import { emptyListReport, ListJudge, type PreparedRow } from '#domain/list-judge';
import { mergeContact } from '#domain/merge';
import { judgeManifest } from '#domain/provenance';
import { type ListReason, type SuppressionReason, strongestSuppression } from '#domain/reasons';
import { type Manifest, manifestSchema } from '#schemas/manifest';
import { parseWith } from '#schemas/parse';
import type { Settings } from '#schemas/settings';
import { logger } from '#shared/powertools';
import { KeyJournal } from '#store/contact-keys';
import {
  type ContactItem,
  deleteContact,
  getContact,
  getContacts,
  newContactsWriter,
  putContactIfVersion,
} from '#store/contacts';
import { contactKeysWithPhoneKey } from '#store/dsr-reads';
import { chunk, inParallel } from '#store/dynamo-batch';
import { appendLedgerEntries, ledgerEntriesFor } from '#store/ledger';
import { getList, type ListItem, putList } from '#store/lists';
import {
  ObjectMissing,
  objectBytes,
  objectKeys,
  objectSha256,
  objectStream,
  objectWriter,
  putObject,
} from '#store/objects';
import { loadSecrets } from '#store/secrets';
import {
  approximateSuppressionCount,
  lookupSuppressions,
  type SuppressionSnapshot,
  snapshotSuppressions,
} from '#store/suppressions';
import { ContactsCheck, type ContactsCheckMode } from './contacts-check.ts';

/** Rows judged together: one round of look-ups (≤ 100 keys per BatchGetItem). */
const BATCH_ROWS = 250;
/** Batches whose look-ups and writes may be in flight at once (≈ 250 KB of contacts each). */
const IN_FLIGHT = 8;
/** BatchWriteItem requests in flight, all batches together: the table is never left idle. */
export const WRITE_REQUESTS_IN_FLIGHT = 16;
/** conditional puts in flight per batch, when new contacts are not written blind (another run is on) */
const CONDITIONAL_PUTS_IN_FLIGHT = 8;
/**
 * rules.md §4 R3 is checked against a snapshot of the whole suppressions table, read
 * once, when it holds at most SNAPSHOT_PER_ROW suppressions per (estimated) row of the
 * list and at most SNAPSHOT_MAX (≈ 10 MB in memory); else by look-ups, batch by batch.
 */
const SNAPSHOT_PER_ROW = 4;
const SNAPSHOT_MAX = 50_000;
/** bytes of a list row, for the estimate (the generated French lists: ≈ 125) */
const BYTES_PER_ROW = 100;
/**
 * Contacts per `contact-imported` ledger entry (≈ 150 KB of keys and digests, ≈ 80 KB
 * stored gzipped): DynamoDB Local's CPU goes mostly per entry written, not per byte
 * (30,000 contacts: 0.5–0.8 s in entries of 200, 0.15–0.3 s in entries of 1,000); on AWS
 * the write units are per byte either way. Entries per append: about every 10,000
 * contacts, so the appends run beside the rows' writes (the ledger splits them into
 * transactions of ≤ 2 MB).
 */
const CONTACTS_PER_LEDGER_ENTRY = 1_000;
const LEDGER_ENTRIES_PER_APPEND = 10;

export interface IngestOptions {
  /** called after each batch is decided and written, with the rows done so far (progress; a test injects a crash here) */
  onProgress?: (rowsDone: number) => void | Promise<void>;
  /** how rules.md §4 R3 is checked; absent: a snapshot when the suppressions table is small enough (SNAPSHOT_PER_ROW) */
  suppressionCheck?: 'snapshot' | 'look-ups';
  /** which accepted rows are looked up before being written (contacts-check.ts); absent: by the table's size */
  contactsCheck?: ContactsCheckMode;
}

export interface IngestResult {
  listId: string;
  status: ListReport['status'];
  reasons: ListReason[];
  rows: ListReport['rows'];
  byReason: ListReport['byReason'];
  contactsWritten: number;
  reportKey: string;
}

/**
 * Ingests the list whose manifest is at `manifestKey`. Safe to run twice: contacts are
 * merged (an identical merge writes nothing), so a retry after a crash converges to the
 * table one clean run gives.
 */
export async function ingestList(
  manifestKey: string,
  settings: Settings,
  now: Date,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const folder = manifestKey.slice(0, manifestKey.lastIndexOf('/') + 1);
  const manifestBytes = await objectBytes(manifestKey);
  const manifestSha256 = createHash('sha256').update(manifestBytes).digest('hex');
  const fallbackListId = folder.split('/').filter(Boolean).at(-1) ?? 'unknown';

  let manifest: Manifest | undefined;
  let manifestError: string | undefined;
  try {
    const parsed = parseWith(manifestSchema, JSON.parse(manifestBytes.toString('utf8')), 'manifest');
    if (parsed.ok) manifest = parsed.value;
    else manifestError = parsed.error;
  } catch {
    manifestError = 'manifest: not valid JSON';
  }
  // The list id is the folder's: a manifest naming another list is not of this schema.
  if (manifest && manifest.listId !== fallbackListId) {
    manifestError = `manifest: listId: differs from the upload folder`;
    manifest = undefined;
  }
  const listId = manifest?.listId ?? fallbackListId;
  const log = logger.createChild({ persistentLogAttributes: { listId } });

  await appendLedgerEntries([
    { type: 'list-received', at: now.toISOString(), subject: listSubject(listId), payload: { manifestSha256 } },
  ]);

  if (!manifest) {
    log.warn('list rejected: manifest invalid', { detail: manifestError });
    return finishWithoutRows(
      listId,
      'rejected',
      ['MANIFEST_INVALID'],
      undefined,
      manifestSha256,
      now,
      undefined,
      manifestError,
    );
  }

  // rules.md §3: the data file must be the one the manifest vouches for.
  let data: { bytes: number; sha256: Promise<string> };
  try {
    data = await objectSha256(`${folder}${manifest.dataFile}`);
  } catch (error) {
    if (!(error instanceof ObjectMissing)) throw error;
    // rules.md §3: no bytes can match the manifest's checksum when the file is not there.
    log.warn('list rejected: data file missing');
    return finishWithoutRows(listId, 'rejected', ['DATA_CHECKSUM_MISMATCH'], manifest, manifestSha256, now);
  }
  const estimatedRows = Math.ceil(data.bytes / BYTES_PER_ROW);
  // The stored keys are read from DynamoDB while the file is hashed from S3 (bench:
  // DynamoDB Local idled ≈ 0.9 s meanwhile), when the manifest alone lets the list in; a
  // list then refused for its checksum ends its contacts check unused.
  const checking =
    judgeManifest(manifest, settings, { now, dataChecksumOk: true }).status === 'accepted'
      ? ContactsCheck.begin(listId, estimatedRows, log, options.contactsCheck)
      : undefined;
  checking?.catch(() => {});
  let handedOver = false;
  try {
    const dataSha256 = await data.sha256;
    const verdict = judgeManifest(manifest, settings, {
      now,
      dataChecksumOk: dataSha256 === manifest.sha256.toLowerCase(),
    });
    if (verdict.status !== 'accepted') {
      log.info('list not imported', { status: verdict.status, reasons: verdict.reasons });
      return finishWithoutRows(listId, verdict.status, verdict.reasons, manifest, manifestSha256, now, dataSha256);
    }

    // taken before the first row is read: a suppression recorded later is replayed below
    const snapshotLimit =
      options.suppressionCheck === 'snapshot'
        ? Number.POSITIVE_INFINITY
        : Math.min(SNAPSHOT_MAX, SNAPSHOT_PER_ROW * estimatedRows);
    // the table's item count first: a table past the limit is not read in part for nothing
    const snapshotDue =
      options.suppressionCheck === 'snapshot' ||
      (options.suppressionCheck !== 'look-ups' && (await approximateSuppressionCount()) <= snapshotLimit);
    const snapshot = snapshotDue ? await snapshotSuppressions(snapshotLimit) : undefined;
    log.info('suppressions checked', { by: snapshot ? 'snapshot' : 'look-ups', suppressions: snapshot?.size });
    const secrets = await loadSecrets();
    const judge = new ListJudge(manifest, settings, now, secrets.suppressionKeySecret, { keepDecisions: false });
    // Both files stream to S3 as rows are decided (a million-row report never sits whole in
    // memory) and appear only when complete. The report's decisions come before its summary.
    const reportKey = objectKeys.report(listId);
    const reportFile = objectWriter(reportKey, 'application/json');
    const rejectedFile = objectWriter(objectKeys.rejected(listId), 'text/csv; charset=utf-8');
    let decided = 0;
    let contactsWritten = 0;
    const writer = newContactsWriter(settings, WRITE_REQUESTS_IN_FLIGHT);
    const journal = new KeyJournal();
    const evidence = importEvidence(listId, now, await evidenceAlreadyWritten(listId));

    const { info, batches } = await openList(await objectStream(`${folder}${manifest.dataFile}`), manifest.csv ?? {});
    await reportFile.write(`{"listId":${JSON.stringify(listId)},"decisions":[`);
    await rejectedFile.write(`${toCsvLine([...info.headers, 'reasons'], info.delimiter)}\r\n`);

    // which accepted rows are looked up before being written: set before the first batch
    let contacts: ContactsCheck | undefined;
    const pending: Promise<[number, number]>[] = [];
    let buffer: Parameters<typeof judgeBatch>[0] = [];
    const flush = async () => {
      if (!buffer.length) return;
      const rows = buffer;
      buffer = [];
      const suppressions: Promise<SuppressionsOfBatch> = snapshot
        ? Promise.resolve(snapshot)
        : lookupSuppressions(rows.flatMap((r) => (r.ok ? r.prepared.suppressionKeys : [])));
      // Decisions are taken in file order (DUPLICATE: the first row wins); look-ups and
      // writes of the next batches overlap with this one.
      pending.push(
        suppressions.then(async (found) => [await judgeBatch(rows, found), rows.length] as [number, number]),
      );
      if (pending.length >= IN_FLIGHT) await settleOne();
    };
    let rowsDone = 0;
    const settleOne = async () => {
      const [written, rows] = await (pending.shift() as Promise<[number, number]>);
      contactsWritten += written;
      rowsDone += rows;
      await options.onProgress?.(rowsDone);
    };

    let chain: Promise<void> = Promise.resolve();
    const judgeBatch = async (
      rows: (
        | { ok: true; prepared: PreparedRow; cells: string[] }
        | { ok: false; line: number; detail: string; cells: string[] }
      )[],
      suppressions: SuppressionsOfBatch,
    ): Promise<number> => {
      // keep decisions strictly in file order across overlapping batches
      const previous = chain;
      let release = () => {};
      chain = new Promise<void>((r) => {
        release = r;
      });
      await previous;
      const accepted: Contact[] = [];
      const imported: ImportedContact[] = [];
      let decisionsText = '';
      let rejectedText = '';
      try {
        for (const r of rows) {
          let decision: RowDecision;
          if (!r.ok) {
            decision = judge.malformed(r.line, r.detail);
          } else {
            const suppression = strongestSuppression(
              r.prepared.suppressionKeys.map((k) => suppressions.get(k)?.reason),
            );
            const out = judge.decide(r.prepared, suppression);
            decision = out.decision;
            if (out.contact) {
              accepted.push(out.contact);
              imported.push({
                k: out.contact.suppressionKey,
                consent: out.contact.consent ? consentProofDigest(out.contact.consent) : undefined,
              });
            }
          }
          decisionsText += `${decided++ === 0 ? '' : ','}\n${JSON.stringify(decision)}`;
          if (decision.status === 'rejected') {
            rejectedText += `${toCsvLine([...r.cells.map(neutraliseCsvCell), (decision.reasons ?? []).join('|')], info.delimiter)}\r\n`;
          }
        }
        await reportFile.write(decisionsText);
        if (rejectedText) await rejectedFile.write(rejectedText);
      } finally {
        release();
      }
      // Only accepted rows are looked up in the contacts table: merging needs the stored one,
      // and a contact another list wrote a moment ago must be seen (consistent read). With a
      // snapshot of the stored keys, only the rows whose key was in it (contacts-check.ts).
      // New contacts: BatchWriteItem for a run alone; beside another run, which may store
      // the same person after our look-up, each is created only if still absent, else merged.
      const blind = contacts?.blindBatch();
      let writing: Promise<unknown> = Promise.resolve();
      let written: number;
      try {
        const keys = blind?.keys;
        // In the key register before anything is written (store/contact-keys.ts), all of
        // them: a contact merged below may have been deleted meanwhile, and then is created.
        const recorded = journal.record(accepted.map((c) => c.suppressionKey));
        recorded.catch(() => {});
        const stored = await getContacts(
          (keys ? accepted.filter((c) => keys.mayHave(c.suppressionKey)) : accepted).map((c) => c.suppressionKey),
          { consistent: true },
        );
        await recorded;
        const fresh = accepted.filter((c) => !stored.has(c.suppressionKey));
        const merged = Promise.all(
          accepted.flatMap((c) => {
            const current = stored.get(c.suppressionKey);
            return current ? [mergeInto(current, c, settings)] : [];
          }),
        );
        // awaited below; if the write fails first, its failure is the batch's
        merged.catch(() => {});
        const created = blind
          ? writer.write(fresh).then(() => fresh.length)
          : inParallel(fresh, CONDITIONAL_PUTS_IN_FLIGHT, (c) => mergeInto(undefined, c, settings)).then(
              (done) => done.filter(Boolean).length,
            );
        writing = created;
        written = (await created) + (await merged).filter(Boolean).length;
      } finally {
        blind?.written(writing);
      }
      // the evidence follows the writes it vouches for (a crash in between: the retry writes it)
      await evidence.add(imported);
      return written;
    };

    try {
      contacts = await (checking ?? ContactsCheck.begin(listId, estimatedRows, log, options.contactsCheck));
      handedOver = true;
      try {
        for await (const records of batches) {
          for (const record of records) {
            if (record.ok) buffer.push({ ok: true, prepared: judge.prepare(record.row), cells: record.cells });
            else buffer.push({ ok: false, line: record.line, detail: record.detail, cells: record.cells });
            if (buffer.length >= BATCH_ROWS) await flush();
          }
        }
        await flush();
        while (pending.length) await settleOne();
      } finally {
        // the blind writes are all settled here: other runs may look their contacts up
        await Promise.allSettled(pending);
        await contacts.end();
        // fewer objects for the next run to read; left as they are if it fails, as good
        await journal.close().catch((error: unknown) => {
          log.warn('contact key register: objects not merged', { error: (error as Error).name });
        });
      }
      await evidence.flush();
      if (snapshot) await replayLateSuppressions(snapshot, log);
      const { listId: _l, decisions: _d, ...summary } = judge.report(verdict, info.unknownColumns);
      await reportFile.write(`\n],${JSON.stringify(summary).slice(1)}\n`);
      await Promise.all([reportFile.end(), rejectedFile.end()]);
    } catch (error) {
      // No write may outlive a failed run: let the batches in flight settle, then fail.
      await Promise.allSettled([...pending, evidence.flush(), reportFile.abort(), rejectedFile.abort()]);
      throw error;
    }

    const report = judge.report(verdict, info.unknownColumns);
    await putList({
      listId,
      status: 'accepted',
      reasons: [],
      manifest,
      manifestSha256,
      dataSha256,
      rows: report.rows,
      byReason: report.byReason,
      reportKey,
      rejectedKey: objectKeys.rejected(listId),
      receivedAt: now.toISOString(),
      decidedAt: new Date().toISOString(),
    });
    await appendLedgerEntries([
      {
        type: 'list-accepted',
        at: now.toISOString(),
        subject: listSubject(listId),
        payload: {
          manifestSha256,
          manifestDigest: manifestDigest(manifest),
          dataSha256,
          rows: report.rows,
          byReason: report.byReason,
        },
      },
    ]);
    log.info('list ingested', { rows: report.rows, contactsWritten });
    return {
      listId,
      status: 'accepted',
      reasons: [],
      rows: report.rows,
      byReason: report.byReason,
      contactsWritten,
      reportKey,
    };
  } finally {
    // failed or refused before its rows were read: the run is no longer declared
    if (!handedOver) await checking?.then((c) => c.end()).catch(() => {});
  }
}

const evidenceId = (c: ImportedContact) => `${c.k}|${c.consent ?? ''}`;

/**
 * The import evidence already in the ledger for this list: empty on a first run; after a
 * failed run, what it wrote, so that its retry does not write it twice.
 */
async function evidenceAlreadyWritten(listId: string): Promise<Set<string>> {
  const written = new Set<string>();
  for (const entry of await ledgerEntriesFor(listSubject(listId))) {
    for (const c of importedContactsOf(entry)) written.add(evidenceId(c));
  }
  return written;
}

/**
 * The `contact-imported` evidence of a list (rules.md §8): one ledger entry per
 * CONTACTS_PER_LEDGER_ENTRY contacts (each key with its consent-proof digest), appended
 * LEDGER_ENTRIES_PER_APPEND entries at a time by one writer: concurrent batches would race for the list's chain head. A
 * contact already evidenced with the same consent proof (`already`) is not written again.
 */
function importEvidence(listId: string, now: Date, already: ReadonlySet<string>) {
  const waiting: ImportedContact[] = [];
  let appending: Promise<void> = Promise.resolve();
  /** appends queued or running */
  let queued = 0;
  let failure: unknown;
  const append = (contacts: ImportedContact[]) => {
    const entries: LedgerEntryInput[] = chunk(contacts, CONTACTS_PER_LEDGER_ENTRY).map((part) => ({
      type: 'contact-imported',
      at: now.toISOString(),
      subject: listSubject(listId),
      payload: { listId, contacts: part },
    }));
    queued++;
    // each append waits for the one before (the chain's order); after a failure, none is tried
    appending = appending
      .then(async () => {
        if (!failure) await appendLedgerEntries(entries);
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        queued--;
      });
  };
  return {
    /**
     * Queues these contacts' evidence. The rows' writes go on while it is appended (one
     * append at a time, in the chain's order); waits only when two are queued already.
     */
    async add(contacts: ImportedContact[]): Promise<void> {
      if (failure) throw failure;
      for (const c of contacts) if (!already.has(evidenceId(c))) waiting.push(c);
      const full = CONTACTS_PER_LEDGER_ENTRY * LEDGER_ENTRIES_PER_APPEND;
      while (waiting.length >= full) append(waiting.splice(0, full));
      while (queued > 2) await appending;
    },
    /** Writes what is queued and waits for every append; fails if one failed. */
    async flush(): Promise<void> {
      if (waiting.length) append(waiting.splice(0));
      await appending;
      if (failure) throw failure;
    },
  };
}

/** What a batch's rows are checked against (rules.md §4 R3): the snapshot, or what its look-ups found. */
type SuppressionsOfBatch = ReadonlyMap<string, { reason: SuppressionReason }>;

/**
 * The rows were judged against a snapshot: a suppression recorded since (a hard bounce,
 * an erasure) may have deleted a contact this list then wrote back. Its deletion is
 * replayed, as if the list had come first; a suppression that deletes nothing (an
 * unsubscribe, a STOP) leaves contacts in place anyway, and the send gate reads the
 * suppressions table itself before every message.
 */
async function replayLateSuppressions(before: SuppressionSnapshot, log: typeof logger): Promise<void> {
  const after = (await snapshotSuppressions(Number.POSITIVE_INFINITY)) as SuppressionSnapshot;
  for (const [suppressionKey, entry] of after) {
    // a key already suppressed at the snapshot had its rows rejected: nothing was written for it
    if (before.has(suppressionKey) || !suppressionRemovesContact(entry.sources)) continue;
    const keys = [suppressionKey, ...(await contactKeysWithPhoneKey(suppressionKey))];
    for (const key of keys) {
      if (await deleteContact(key)) log.info('contact deleted: suppression recorded during the import', { key });
    }
  }
}

/**
 * Merges a contact into the stored one under the optimistic lock; a concurrent change
 * (a click extending the expiry) makes us re-read and merge again, so it is never lost.
 * With no stored one, creates it only if still absent (else re-reads and merges).
 * Returns false when the merge changes nothing (a re-run of the same list).
 */
async function mergeInto(stored: ContactItem | undefined, incoming: Contact, settings: Settings): Promise<boolean> {
  let current = stored;
  for (let attempt = 0; attempt < 10; attempt++) {
    const { ttl: _t, expiryBucket: _b, version, ...contact } = current ?? ({} as ContactItem);
    const merged = current ? mergeContact(contact, incoming) : incoming;
    if (current && sameContact(contact, merged)) return false;
    if (await putContactIfVersion(merged, current ? version : undefined, settings)) return true;
    current = await getContact(incoming.suppressionKey);
  }
  throw new Error(`contact ${incoming.suppressionKey}: too many concurrent updates`);
}

function sameContact(a: Contact, b: Contact): boolean {
  return canonical(a) === canonical(b);
}
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([, x]) => x !== undefined)
            .sort(([x], [y]) => (x < y ? -1 : 1)),
        )
      : v,
  );
}

async function finishWithoutRows(
  listId: string,
  status: 'rejected' | 'quarantined',
  reasons: ListReason[],
  manifest: Manifest | undefined,
  manifestSha256: string,
  now: Date,
  dataSha256?: string,
  detail?: string,
): Promise<IngestResult> {
  const report = emptyListReport(listId, status, reasons, detail);
  const reportKey = objectKeys.report(listId);
  await putObject(reportKey, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  const item: ListItem = {
    listId,
    status,
    reasons,
    manifest,
    manifestSha256,
    dataSha256,
    reportKey,
    receivedAt: now.toISOString(),
    decidedAt: new Date().toISOString(),
  };
  await putList(item);
  const entry: LedgerEntryInput = {
    type: status === 'rejected' ? 'list-rejected' : 'list-quarantined',
    at: now.toISOString(),
    subject: listSubject(listId),
    payload: { manifestSha256, reasons, ...(manifest ? { manifestDigest: manifestDigest(manifest) } : {}) },
  };
  await appendLedgerEntries([entry]);
  return { listId, status, reasons, rows: report.rows, byReason: report.byReason, contactsWritten: 0, reportKey };
}

export { getList };
