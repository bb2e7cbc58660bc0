/**
 * The scheduled retention purge (rules.md §5, issue 7): deletes the contacts whose expiry
 * has passed, leaves a receipt for each in the evidence ledger (rules.md §8), and flags the
 * contacts entering the re-permission window. Shared by the retention-purge function and
 * `hygiene purge`.
 *
 * Cost follows what expired, not the size of the table: the purge reads the `byExpiry`
 * index partitions (month of expiry × write shard) from a watermark — the oldest month
 * that may still hold an expired contact — up to now's month, and within each only the
 * entries whose expiry is ≤ now. Every entry read is a contact to delete, save one that a
 * click extended meanwhile.
 *
 * Resuming: the watermark, the position of an unfinished run (partition + page key) and
 * the deletions of the page in progress are kept in one reserved item of the lists table
 * (#store/lists `PurgeState`), under a lease so two runs never interleave. A run stops
 * when its Lambda has less than a minute left and returns `done: false`; the next
 * invocation (a `continue` schedule, a retry, or the nightly run) resumes from the cursor.
 * No self re-invocation: that would need @aws-sdk/client-lambda, which the project does
 * not ship, and a persisted cursor is needed anyway to survive a crash.
 *
 * Exactly one receipt per deleted contact: a deletion is conditional (still expired), so
 * only the run that deleted a contact gets its old image back and writes its receipt. The
 * page's deletions are recorded before they happen; if a run dies between a deletion and
 * its receipt, the next run finds the contact gone, no receipt for that expiry in the
 * ledger, and writes it (marked `recovered`).
 */
import { randomUUID } from 'node:crypto';
import type { LedgerEntryInput } from '#domain/ledger';
import {
  EARLIEST_EXPIRY_MONTH,
  expiryReceipt,
  isExpired,
  needsRepermissionFlag,
  purgeMonths,
  purgeRunSubject,
  repermissionFlagStaleBefore,
  repermissionWindow,
  watermarkAfterRun,
} from '#domain/retention';
import type { Settings } from '#schemas/settings';
import {
  deleteContact,
  EXPIRY_SHARDS,
  type ExpiringEntry,
  flagForRepermission,
  getContact,
  queryExpiring,
  queryExpiringBetween,
} from '#store/contacts';
import { inParallel } from '#store/dynamo-batch';
import { appendLedgerEntries, ledgerEntriesFor } from '#store/ledger';
import {
  acquirePurgeLease,
  type PendingDeletions,
  type PurgeCursor,
  type PurgeState,
  releasePurgeLease,
  savePurgeState,
} from '#store/lists';

/** A run stops when less than this is left of its Lambda's time. */
export const DEFAULT_RESERVE_MS = 60_000;
/** How long a run holds the lease without saving; each save extends it. */
const LEASE_MS = 5 * 60_000;
/** Save (and extend the lease) at least this often, even through empty partitions. */
const HEARTBEAT_MS = 60_000;

export interface PurgeOptions {
  /** the instant the purge judges at (the schedule's time, or `--now`) */
  now: Date;
  settings: Pick<Settings, 'repermissionDays'>;
  /** Lambda's `context.getRemainingTimeInMillis`; absent: no time limit (the CLI) */
  remainingMs?: () => number;
  /** stop when less than this remains (default 60 s) */
  reserveMs?: number;
  /** only resume an unfinished run; do nothing when the last one finished */
  onlyIfUnfinished?: boolean;
  /** first month to read when the purge never ran (default EARLIEST_EXPIRY_MONTH) */
  fromMonth?: string;
  /** index entries per page (default 200) */
  pageSize?: number;
  /** deletions / flag updates in flight (default 16) */
  concurrency?: number;
  /** after each page: the counts so far (the CLI shows progress) */
  onProgress?: (progress: PurgeProgress) => void;
  /** the real clock (lease, durations, deletion times); default `new Date()` */
  clock?: () => Date;
  /** test seams: after a page's index query / after its deletions, before the receipts */
  hooks?: {
    afterQuery?: (entries: readonly ExpiringEntry[]) => Promise<void>;
    afterDeletes?: (deleted: readonly string[]) => Promise<void>;
  };
}

export interface PurgeProgress {
  /** index entries read by the purge pass */
  read: number;
  deleted: number;
  /** expired when read, no longer when deleted (a click extended it), or already gone */
  keptByRace: number;
  /** receipts written for deletions an interrupted run had made without its receipt */
  recoveredReceipts: number;
  /** index entries read by the re-permission pass */
  flagRead: number;
  flagged: number;
  /** partitions (month × shard) done, of the run's total */
  partitionsDone: number;
  partitions: number;
}

export interface PurgeSummary extends PurgeProgress {
  /** ISO instant the purge judged at */
  now: string;
  done: boolean;
  /** why it ended before the end */
  stoppedBy?: 'time-limit' | 'lease-held' | 'nothing-to-resume';
  /** index entries read per deleted contact (1 when no click raced the purge) */
  readPerDeleted: number | null;
  durationMs: number;
  /** read capacity units consumed by the index queries */
  consumedCapacity: { purge: number; flags: number };
  /** the oldest month the next run reads */
  watermark?: string;
  /** where an unfinished run will resume */
  cursor?: PurgeCursor;
}

interface Task {
  phase: PurgeCursor['phase'];
  month: string;
  shard: number;
}

const bucketOf = (task: Task) => `${task.month}#${task.shard}`;

function tasksOf(phase: Task['phase'], months: readonly string[]): Task[] {
  return months.flatMap((month) => Array.from({ length: EXPIRY_SHARDS }, (_, shard) => ({ phase, month, shard })));
}

/** Runs (or resumes) the purge and the re-permission flags; returns the run summary, also written to the ledger. */
export async function runRetentionPurge(options: PurgeOptions): Promise<PurgeSummary> {
  const { now, settings } = options;
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  // The run's clock: `now`, advancing with real time (deletion times, the summary).
  const runClock = () => new Date(now.getTime() + (clock().getTime() - startedAt.getTime()));
  const leaseUntil = () => new Date(clock().getTime() + LEASE_MS);
  const pageSize = options.pageSize ?? 200;
  const concurrency = options.concurrency ?? 16;
  const reserveMs = options.reserveMs ?? DEFAULT_RESERVE_MS;
  const owner = randomUUID();

  const progress: PurgeProgress = {
    read: 0,
    deleted: 0,
    keptByRace: 0,
    recoveredReceipts: 0,
    flagRead: 0,
    flagged: 0,
    partitionsDone: 0,
    partitions: 0,
  };
  const capacity = { purge: 0, flags: 0 };
  const summarise = (done: boolean, extra: Partial<PurgeSummary> = {}): PurgeSummary => ({
    now: now.toISOString(),
    done,
    ...progress,
    readPerDeleted: progress.deleted ? Math.round((progress.read / progress.deleted) * 1000) / 1000 : null,
    durationMs: clock().getTime() - startedAt.getTime(),
    consumedCapacity: { purge: round(capacity.purge), flags: round(capacity.flags) },
    ...extra,
  });

  const stored = await acquirePurgeLease(owner, leaseUntil(), startedAt);
  if (!stored) return summarise(false, { stoppedBy: 'lease-held' });
  const state: PurgeState = { ...stored };
  let lastSave = clock().getTime();
  const save = async () => {
    await savePurgeState(owner, state, leaseUntil());
    lastSave = clock().getTime();
  };

  /** expired entries read but not yet deleted, and the page where the first of them was read */
  let collected: ExpiringEntry[] = [];
  let collectedFrom: PurgeCursor | undefined;

  /** Every invocation that worked leaves its summary in the ledger (rules.md §8). */
  const record = async (summary: PurgeSummary) => {
    await appendLedgerEntries([runSummaryEntry(summary, runClock())]);
    return summary;
  };

  try {
    if (options.onlyIfUnfinished && !state.cursor && !state.pending) {
      return summarise(true, { stoppedBy: 'nothing-to-resume', watermark: state.watermark });
    }
    if (state.pending) {
      progress.recoveredReceipts = await writeMissingReceipts(state.pending);
      state.pending = undefined;
      await save();
    }

    const watermark = state.watermark ?? options.fromMonth ?? EARLIEST_EXPIRY_MONTH;
    const window = repermissionWindow(now, settings);
    const tasks = [...tasksOf('purge', purgeMonths(now, watermark)), ...tasksOf('flag', window.months)];
    progress.partitions = tasks.length;

    // Resume at the cursor's partition and page when it is part of this run's plan.
    const cursor = state.cursor;
    let first = cursor
      ? tasks.findIndex((t) => t.phase === cursor.phase && t.month === cursor.month && t.shard === cursor.shard)
      : -1;
    let startKey = first >= 0 ? cursor?.startKey : undefined;
    if (first < 0) first = 0;
    progress.partitionsDone = first;

    for (let i = first; i < tasks.length; i++) {
      const task = tasks[i] as Task;
      let pageKey = i === first ? startKey : undefined;
      do {
        if (options.remainingMs && options.remainingMs() < reserveMs) {
          await deleteCollected();
          state.cursor = { ...task, startKey: pageKey };
          state.lastRun = { now: now.toISOString(), endedAt: runClock().toISOString(), done: false };
          await save();
          return record(
            summarise(false, { stoppedBy: 'time-limit', cursor: state.cursor, watermark: state.watermark }),
          );
        }
        const position: PurgeCursor = { ...task, startKey: pageKey };
        if (task.phase === 'purge') {
          pageKey = await collectExpired(task, position, pageKey);
          if (collected.length >= pageSize) await deleteCollected();
        } else {
          await deleteCollected();
          pageKey = await flagPage(task, pageKey);
        }
        if (clock().getTime() - lastSave > HEARTBEAT_MS) {
          // never past entries collected but not yet deleted
          state.cursor = collectedFrom ?? { ...task, startKey: pageKey };
          await save();
        }
        options.onProgress?.({ ...progress });
      } while (pageKey);
      progress.partitionsDone = i + 1;
      startKey = undefined;
    }
    await deleteCollected();

    state.cursor = undefined;
    state.watermark = watermarkAfterRun(now, clock());
    state.lastRun = { now: now.toISOString(), endedAt: runClock().toISOString(), done: true };
    await save();
    return record(summarise(true, { watermark: state.watermark }));
  } finally {
    await releasePurgeLease(owner);
  }

  /**
   * One page of the index: its expired entries join the batch to delete. Batching across
   * partitions keeps the per-batch costs (intent, ledger transaction) low when expiries
   * are spread thin over many shards and months.
   */
  async function collectExpired(
    task: Task,
    position: PurgeCursor,
    pageKey: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    const page = await queryExpiring(bucketOf(task), now.toISOString(), pageKey, pageSize);
    progress.read += page.items.length;
    capacity.purge += page.consumedCapacity;
    // rules.md §5: the key condition already reads only expiries ≤ now; the domain has the last word.
    const expired = page.items.filter((entry) => isExpired(entry.expiresAt, now));
    progress.keptByRace += page.items.length - expired.length;
    if (expired.length) {
      collectedFrom ??= position;
      collected.push(...expired);
    }
    return page.nextKey;
  }

  /** Records the intent (cursor at the batch's first page), deletes each contact if still expired, then the receipts. */
  async function deleteCollected(): Promise<void> {
    if (collected.length === 0) return;
    const batch = collected;
    state.cursor = collectedFrom;
    state.pending = {
      decidedAt: runClock().toISOString(),
      deletions: batch.map(({ suppressionKey, expiresAt }) => ({ suppressionKey, expiresAt })),
    };
    await save();
    await options.hooks?.afterQuery?.(batch);

    const deleted = await inParallel(batch, concurrency, async (entry) => {
      // rules.md §5: only if still expired at `now`; a click that extended it a second ago wins.
      const old = await deleteContact(entry.suppressionKey, { ifExpiredAt: now });
      return old ? { suppressionKey: old.suppressionKey, expiresAt: old.expiresAt, deletedAt: runClock() } : undefined;
    });
    const receipts = deleted.flatMap((d) => (d ? [expiryReceipt({ ...d, by: 'purge' })] : []));
    progress.keptByRace += batch.length - receipts.length;
    await options.hooks?.afterDeletes?.(receipts.map((r) => r.subject));
    if (receipts.length) await appendLedgerEntries(receipts);
    progress.deleted += receipts.length;
    state.pending = undefined;
    collected = [];
    collectedFrom = undefined;
  }

  /** One page of contacts entering the re-permission window: flag those not flagged for this expiry. */
  async function flagPage(
    task: Task,
    pageKey: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    const window = repermissionWindow(now, settings);
    const page = await queryExpiringBetween(bucketOf(task), window.from, window.upTo, pageKey, pageSize);
    progress.flagRead += page.items.length;
    capacity.flags += page.consumedCapacity;
    const toFlag = page.items.filter((entry) => needsRepermissionFlag(entry, now, settings));
    const flagged = await inParallel(toFlag, concurrency, (entry) =>
      flagForRepermission(entry.suppressionKey, now, {
        expiresAt: entry.expiresAt,
        staleBefore: repermissionFlagStaleBefore(entry.expiresAt, settings),
      }),
    );
    progress.flagged += flagged.filter(Boolean).length;
    return page.nextKey;
  }
}

/**
 * After an interruption: the deletions a page had decided whose contact is gone but whose
 * receipt is not in the ledger get one now (deletion time: when it was decided).
 * A contact still there is left to the index query, which meets it again if still expired.
 */
async function writeMissingReceipts(pending: PendingDeletions): Promise<number> {
  const missing = await inParallel(pending.deletions, 8, async (deletion) => {
    if (await getContact(deletion.suppressionKey)) return undefined;
    const entries = await ledgerEntriesFor(deletion.suppressionKey);
    const receipted = entries.some(
      (e) => (e.type === 'contact-purged' || e.type === 'ttl-receipt') && e.payload.expiresAt === deletion.expiresAt,
    );
    return receipted ? undefined : deletion;
  });
  const receipts = missing.flatMap((d) =>
    d ? [expiryReceipt({ ...d, deletedAt: new Date(pending.decidedAt), by: 'purge', recovered: true })] : [],
  );
  if (receipts.length) await appendLedgerEntries(receipts);
  return receipts.length;
}

/**
 * The run summary as a ledger entry (rules.md §8: every purge is recorded): counts only.
 * The ledger has no type of its own for a run: a `contact-purged` entry whose subject is
 * `purge#<now>`, never a suppression key, so no contact's history counts it.
 */
function runSummaryEntry(summary: PurgeSummary, at: Date): LedgerEntryInput {
  return {
    type: 'contact-purged',
    at: at.toISOString(),
    subject: purgeRunSubject(new Date(summary.now)),
    payload: {
      run: 'summary',
      reason: 'RET_EXPIRED',
      done: summary.done,
      read: summary.read,
      deleted: summary.deleted,
      keptByRace: summary.keptByRace,
      recoveredReceipts: summary.recoveredReceipts,
      flagged: summary.flagged,
      durationMs: summary.durationMs,
      consumedCapacity: summary.consumedCapacity,
    },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
