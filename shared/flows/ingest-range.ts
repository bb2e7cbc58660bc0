/**
 * One range of an uploaded list (issue 17), as its plan cut it: its rows judged (the same
 * rules engine as `hygiene check`, R2 given by the plan over the whole file) and written,
 * batch by batch, with the one write path DynamoDB itself keeps correct:
 *
 * 1. one consistent read of the batch's suppression keys and contact keys;
 * 2. the rows decided (rules.md §4); an export's opt-out (§4b) recorded as a suppression,
 *    with its ledger entry; a row R3 rejects for an opposition or a bounce (the store's or
 *    the export's) has any contact stored under its key deleted, with its receipt: an
 *    import repairs, it never resurrects;
 * 3. each accepted contact's list membership recorded, then the contact created only if
 *    still absent (`attribute_not_exists`), or merged (`mergeContact`) and written on its
 *    `version`; a conflict re-reads and merges again (bounded: then the batch fails);
 * 4. the suppressions of the contacts just written read again: an erasure or a hard
 *    bounce recorded between the read and the write (they store the suppression before
 *    deleting the contact) is replayed, the contact deleted.
 *
 * Decisions, rejected rows and counts go to the range's parts, which ingest-finish.ts
 * assembles. The import evidence goes to the ledger one entry per block of
 * EVIDENCE_ROWS rows, each under a once-key: a retried range does not append it twice.
 * Every write is idempotent, so a range retried after a failure converges to the table
 * one clean run gives.
 */
import { type ListRecord, openList, openRange } from '#csv/read-list';
import { rejectedCsvRow } from '#csv/write-csv';
import type { Contact, RowDecision } from '#domain/contact';
import { suppressionRemovesContact } from '#domain/events';
import { consentProofDigest, type ImportedContact, type LedgerEntryInput, listSubject } from '#domain/ledger';
import { type ExportedOpposition, ListJudge, type PreparedRow } from '#domain/list-judge';
import { malformedDecision } from '#domain/list-report';
import { mergeContact } from '#domain/merge';
import { strongestSuppression } from '#domain/reasons';
import type { Settings } from '#schemas/settings';
import { keyTag, logger } from '#shared/powertools';
import { maskAddress, REJECTED_SAMPLES, type RejectedSample } from '#shared/report-html';
import { type ContactItem, deleteContact, getContact, getContacts, putContactIfVersion } from '#store/contacts';
import { backoff, inParallel } from '#store/dynamo-batch';
import { type IngestionPlan, type PlannedRange, readPlan } from '#store/ingestion-plans';
import { appendLedgerEntries, appendLedgerEntriesOnce } from '#store/ledger';
import { addListMembers } from '#store/list-members';
import { recordRangeProgress } from '#store/lists';
import { objectWriter } from '#store/object-uploads';
import { objectKeys, objectStream, putObject } from '#store/objects';
import { loadSecrets } from '#store/secrets';
import { lookupSuppressions, type SuppressionEntry } from '#store/suppressions';
import { mapInOrder, rebatch } from './in-order.ts';
import type { RangeSummary } from './ingest-finish.ts';
import { recordSuppression } from './oppositions.ts';

/** Rows judged together: one round of look-ups (≈ 3 keys a row, 100 keys a BatchGetItem). */
const BATCH_ROWS = 250;
/** Batches in flight at once (their look-ups and writes overlap; decisions are counted in order). */
const BATCHES_IN_FLIGHT = 8;
/** Conditional puts in flight per batch. */
const PUTS_IN_FLIGHT = 16;
/** A conflict on a contact's version (a click, another list) is re-read and merged at most this often. */
const MERGE_ATTEMPTS = 8;
/**
 * Rows of the range per `contact-imported` entry (≤ 1,000 contacts: ≈ 150 KB of keys and
 * consent digests, ≈ 80 KB stored gzipped), and entries appended together (one transaction).
 */
const EVIDENCE_ROWS = 1_000;
/** how often a range records its progress on its list (issue 22) */
const PROGRESS_EVERY_MS = 2_000;
const EVIDENCE_ENTRIES_PER_APPEND = 10;

export interface RangeResult {
  range: number;
  rows: number;
  accepted: number;
  contactsWritten: number;
}

export interface RangeOptions {
  /** called after each batch is counted, with the rows of the range done so far (progress; a test injects a failure here) */
  onProgress?: (rowsDone: number) => void | Promise<void>;
  /** called between a batch's reads and its writes, with its rows' contact keys (a test records an erasure there) */
  beforeWrites?: (contactKeys: readonly string[]) => void | Promise<void>;
}

/** What one batch came to: its decisions in file order, the contacts it imported, and the contacts written. */
interface BatchOutcome {
  decisions: RowDecision[];
  imported: ImportedContact[];
  written: number;
}

/**
 * Judges and writes one range of a planned list, and leaves its parts (decisions,
 * rejected rows, counts) for ingest-finish.ts. Idempotent.
 */
export async function ingestRange(
  planKey: string,
  range: number,
  settings: Settings,
  options: RangeOptions = {},
): Promise<RangeResult> {
  const plan = await readPlan(planKey);
  const part = plan.ranges[range];
  if (!part) throw new Error(`plan of ${plan.listId}: no range ${range}`);
  const log = logger.createChild({ persistentLogAttributes: { listId: plan.listId, range } });
  const secrets = await loadSecrets();
  const judge = new ListJudge(plan.manifest, settings, new Date(plan.receivedAt), secrets.suppressionKeySecret, {
    keepDecisions: false,
    duplicates: new Map(part.duplicates),
  });
  const decisionsPart = objectWriter(objectKeys.rangePart(plan.listId, plan.run, range, 'json'), 'application/json');
  const rejectedPart = objectWriter(objectKeys.rangePart(plan.listId, plan.run, range, 'csv'), 'text/csv');
  const evidence = new ImportEvidence(plan, range, part.firstLine);
  let contactsWritten = 0;
  let rowsDone = 0;
  // the page a person opens lists the first rejected rows, address partly masked (issue 22)
  const rejectedSamples: RejectedSample[] = [];
  let progressAt = Date.now();
  try {
    const batches = rebatch(await recordsOf(plan, part), BATCH_ROWS);
    await mapInOrder(
      batches,
      BATCHES_IN_FLIGHT,
      (records) => importBatch(records, judge, plan, settings, log, options),
      async (outcome, records) => {
        let decisionsText = '';
        let rejectedText = '';
        outcome.decisions.forEach((decision, i) => {
          judge.count(decision);
          decisionsText += `${rowsDone + i === 0 ? '' : ','}\n${JSON.stringify(decision)}`;
          if (decision.status === 'rejected') {
            const record = records[i] as ListRecord;
            rejectedText += rejectedCsvRow(record.cells, decision.reasons ?? [], plan.file.delimiter);
            if (rejectedSamples.length < REJECTED_SAMPLES) rejectedSamples.push(sampleOf(decision, record));
          }
        });
        await decisionsPart.write(decisionsText);
        if (rejectedText) await rejectedPart.write(rejectedText);
        // the evidence follows the writes it vouches for (a failure in between: the retry appends it)
        await evidence.add(rowsDone, outcome.imported);
        rowsDone += records.length;
        contactsWritten += outcome.written;
        // issue 22: what `hygiene ingest` shows, every few seconds (a write each, at most)
        if (Date.now() - progressAt >= PROGRESS_EVERY_MS) {
          progressAt = Date.now();
          await recordRangeProgress(plan.listId, range, rowsDone, contactsWritten);
        }
        await options.onProgress?.(rowsDone);
      },
    );
    await evidence.flush();
    await Promise.all([decisionsPart.end(), rejectedPart.end()]);
  } catch (error) {
    // no part of a failed range is left to be taken for a whole one
    await Promise.allSettled([decisionsPart.abort(), rejectedPart.abort()]);
    throw error;
  }
  await recordRangeProgress(plan.listId, range, rowsDone, contactsWritten);
  const summary: RangeSummary = { ...judge.counts(), contactsWritten, rejectedSamples };
  // last: its presence says the range is done (ingest-finish.ts)
  await putObject(
    objectKeys.rangePart(plan.listId, plan.run, range, 'summary.json'),
    JSON.stringify(summary),
    'application/json',
  );
  log.info('range ingested', { rows: summary.rows, contactsWritten });
  return { range, rows: summary.rows.total, accepted: summary.rows.accepted, contactsWritten };
}

/** A rejected row on the report's page: its line, its reasons, who it was (masked). */
function sampleOf(decision: RowDecision, record: ListRecord): RejectedSample {
  const who = record.ok ? maskAddress(record.row.email, record.row.phone) : undefined;
  return { line: decision.line, reasons: decision.reasons ?? [], ...(who ? { who } : {}) };
}

/** The records of a range: from its first byte, or the whole file with its header when offsets are not trusted. */
async function recordsOf(plan: IngestionPlan, part: PlannedRange): Promise<AsyncIterable<ListRecord[]>> {
  const { file } = plan;
  if (part.firstLine === 0) {
    return (await openList(await objectStream(plan.dataKey), { encoding: file.encoding, delimiter: file.delimiter }))
      .batches;
  }
  return openRange(await objectStream(plan.dataKey, { start: part.start, end: part.end }), {
    encoding: file.encoding,
    delimiter: file.delimiter,
    lineBreak: file.lineBreak,
    headers: file.headers,
    firstLine: part.firstLine,
  });
}

/** The key a row's contact is stored under: its email's, else its phone's. */
const contactKeyOf = (prepared: PreparedRow): string | undefined => prepared.emailKey ?? prepared.phoneKey;

/** Steps 1–4 of the module's comment for one batch of records. */
async function importBatch(
  records: readonly ListRecord[],
  judge: ListJudge,
  plan: IngestionPlan,
  settings: Settings,
  log: typeof logger,
  options: RangeOptions,
): Promise<BatchOutcome> {
  const prepared = records.map((r) => (r.ok ? judge.prepare(r.row) : undefined));
  const rows = prepared.filter((p): p is PreparedRow => p !== undefined);
  const contactKeys = rows.flatMap((p) => contactKeyOf(p) ?? []);
  const [suppressions, stored] = await Promise.all([
    lookupSuppressions(
      rows.flatMap((p) => p.suppressionKeys),
      { consistent: true },
    ),
    getContacts(contactKeys, { consistent: true }),
  ]);
  await options.beforeWrites?.(contactKeys);

  const decisions: RowDecision[] = [];
  const accepted: Contact[] = [];
  const acceptedLines: number[] = [];
  const repairs: string[] = [];
  const oppositions: ExportedOpposition[] = [];
  records.forEach((record, i) => {
    const p = prepared[i];
    if (!record.ok || !p) {
      decisions.push(malformedDecision(record.ok ? record.row.line : record.line));
      return;
    }
    const suppression = strongestSuppression(p.suppressionKeys.map((k) => suppressions.get(k)?.reason));
    const judged = judge.judgeRow(p, suppression);
    const { decision, contact } = judged;
    decisions.push(decision);
    if (contact) {
      accepted.push(contact);
      acceptedLines.push(decision.line);
    }
    if (judged.oppositions) oppositions.push(...judged.oppositions);
    const key = contactKeyOf(p);
    // rules.md §0.3, §4 R3: the person said no (or the address is dead), to us or to the
    // exporting tool: nothing of theirs stays stored
    const opposed = decision.reasons?.includes('OPPOSED') || decision.reasons?.includes('BOUNCED');
    if (opposed && decision.status === 'rejected' && key && stored.has(key)) repairs.push(key);
  });

  // rules.md §4b: an export's opt-out is recorded (with its ledger entry) before anything is
  // written, so that no later list brings the person back
  const at = new Date(plan.receivedAt);
  await inParallel(oppositions, PUTS_IN_FLIGHT, (o) =>
    recordSuppression({ suppressionKey: o.suppressionKey, reason: o.reason, source: 'import', channel: o.channel, at }),
  );

  await addListMembers(
    plan.listId,
    accepted.map((c, i) => ({ suppressionKey: c.suppressionKey, line: acceptedLines[i] })),
  );
  const written = await inParallel(accepted, PUTS_IN_FLIGHT, (c) =>
    writeContact(stored.get(c.suppressionKey), c, settings),
  );
  const changed = accepted.filter((_, i) => written[i]);
  await deleteSuppressed(repairs, plan, 'suppressed', log);
  await replayLateRemovals(changed, plan, log);
  return {
    decisions,
    imported: accepted.map((c) => ({
      k: c.suppressionKey,
      ...(c.consent ? { consent: consentProofDigest(c.consent) } : {}),
    })),
    written: changed.length,
  };
}

/**
 * Creates the contact if absent, else merges it into the stored one, under the optimistic
 * lock: a concurrent change (a click extending the expiry, another list) makes us re-read
 * and merge again, so it is never lost, and a contact stored by any path (a restored
 * backup, a hand-written item) is merged, never replaced. Returns false when the merge
 * changes nothing (a re-run of the same list).
 */
async function writeContact(stored: ContactItem | undefined, incoming: Contact, settings: Settings): Promise<boolean> {
  let current = stored;
  for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
    if (attempt) await backoff(attempt);
    const { ttl: _t, expiryBucket: _b, version, ...contact } = current ?? ({} as ContactItem);
    const merged = current ? mergeContact(contact, incoming) : incoming;
    if (current && sameContact(contact, merged)) return false;
    if (await putContactIfVersion(merged, current ? version : undefined, settings)) return true;
    current = await getContact(incoming.suppressionKey);
  }
  throw new Error(`contact ${incoming.suppressionKey}: still changing after ${MERGE_ATTEMPTS} merges`);
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

/**
 * The contacts just written, whose suppressions are read again: an erasure or a hard
 * bounce stores its suppression, then deletes the contact; one that came between our
 * read and our write found nothing to delete, and is replayed here.
 */
async function replayLateRemovals(written: readonly Contact[], plan: IngestionPlan, log: typeof logger): Promise<void> {
  if (!written.length) return;
  const keysOf = (c: Contact) => [c.suppressionKey, ...(c.phoneKey ? [c.phoneKey] : [])];
  const found = await lookupSuppressions(written.flatMap(keysOf), { consistent: true });
  if (!found.size) return;
  const removes = (key: string) => {
    const entry: SuppressionEntry | undefined = found.get(key);
    return entry !== undefined && suppressionRemovesContact(entry.sources);
  };
  const late = written.filter((c) => keysOf(c).some(removes)).map((c) => c.suppressionKey);
  await deleteSuppressed(late, plan, 'suppressed-during-import', log);
}

/** Deletes contacts an opposition or a bounce covers, each with its receipt (rules.md §8: no personal data). */
async function deleteSuppressed(
  keys: readonly string[],
  plan: IngestionPlan,
  cause: 'suppressed' | 'suppressed-during-import',
  log: typeof logger,
): Promise<void> {
  if (!keys.length) return;
  const deleted = (await inParallel(keys, PUTS_IN_FLIGHT, (key) => deleteContact(key))).filter(
    (c): c is ContactItem => c !== undefined,
  );
  if (!deleted.length) return;
  await appendLedgerEntries(
    deleted.map((c) => ({
      type: 'contact-purged' as const,
      at: new Date().toISOString(),
      subject: c.suppressionKey,
      payload: { reason: cause, by: 'import', listId: plan.listId, run: plan.run },
    })),
  );
  for (const c of deleted) log.info('contact deleted: suppressed', { key: keyTag(c.suppressionKey), cause });
}

/**
 * The range's `contact-imported` evidence (rules.md §8): one entry per block of
 * EVIDENCE_ROWS rows of the range, keyed `<listId>#<run>#<range's first line>#<block>`
 * once: the blocks depend on row positions only, so a retry of the same range cuts them
 * the same, and a block its failed attempt appended is not appended again (a re-plan
 * that cuts elsewhere may append some evidence twice: never none).
 */
class ImportEvidence {
  private block = 0;
  private contacts: ImportedContact[] = [];
  private ready: { entry: LedgerEntryInput; onceKey: string }[] = [];

  constructor(
    private readonly plan: IngestionPlan,
    private readonly range: number,
    private readonly firstLine: number,
  ) {}

  /** Adds a batch's contacts; `rowsBefore`: rows of the range before this batch. */
  async add(rowsBefore: number, contacts: readonly ImportedContact[]): Promise<void> {
    const block = Math.floor(rowsBefore / EVIDENCE_ROWS);
    if (block !== this.block) this.close(block);
    this.contacts.push(...contacts);
    if (this.ready.length >= EVIDENCE_ENTRIES_PER_APPEND) await this.append();
  }

  async flush(): Promise<void> {
    this.close(this.block + 1);
    await this.append();
  }

  private close(next: number): void {
    if (this.contacts.length) {
      const { listId, run, receivedAt } = this.plan;
      this.ready.push({
        entry: {
          type: 'contact-imported',
          at: receivedAt,
          subject: listSubject(listId),
          payload: { listId, run, range: this.range, block: this.block, contacts: this.contacts },
        },
        // the range by its first line, not its index: a re-plan of the same file may cut
        // elsewhere (cuts follow the read's chunks), and then its blocks are new ones
        onceKey: `import#${listId}#${run}#${this.firstLine}#${this.block}`,
      });
    }
    this.contacts = [];
    this.block = next;
  }

  private async append(): Promise<void> {
    if (!this.ready.length) return;
    const entries = this.ready;
    this.ready = [];
    await appendLedgerEntriesOnce(entries);
  }
}
