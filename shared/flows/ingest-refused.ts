/**
 * A list refused before any row is read (rules.md §3): the planner writes its report, its
 * item and its ledger entry at once. Apart from ingest-finish.ts, whose streamed report
 * the planner does not need.
 */
import { type LedgerEntryInput, listSubject, manifestDigest } from '#domain/ledger';
import { emptyListReport } from '#domain/list-report';
import type { ListReason } from '#domain/reasons';
import type { Manifest } from '#schemas/manifest';
import { appendLedgerEntries } from '#store/ledger';
import { type ListItem, putList } from '#store/lists';
import { objectKeys, putObject } from '#store/objects';
import type { IngestResult } from './ingest-finish.ts';

/** A list refused before any row is read (rules.md §3): its report, its item and its ledger entry. */
export async function finishRefused(
  refusal: {
    listId: string;
    status: 'rejected' | 'quarantined';
    reasons: ListReason[];
    manifest?: Manifest;
    manifestSha256: string;
    dataSha256?: string;
    detail?: string;
  },
  now: Date,
): Promise<IngestResult> {
  const { listId, status, reasons, manifest } = refusal;
  const report = emptyListReport(listId, status, reasons, refusal.detail);
  const reportKey = objectKeys.report(listId);
  await putObject(reportKey, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  const item: ListItem = {
    listId,
    status,
    reasons,
    manifest,
    manifestSha256: refusal.manifestSha256,
    dataSha256: refusal.dataSha256,
    reportKey,
    receivedAt: now.toISOString(),
    decidedAt: new Date().toISOString(),
  };
  await putList(item);
  const entry: LedgerEntryInput = {
    type: status === 'rejected' ? 'list-rejected' : 'list-quarantined',
    at: now.toISOString(),
    subject: listSubject(listId),
    payload: {
      manifestSha256: refusal.manifestSha256,
      reasons,
      ...(manifest ? { manifestDigest: manifestDigest(manifest) } : {}),
    },
  };
  await appendLedgerEntries([entry]);
  return { listId, status, reasons, rows: report.rows, byReason: report.byReason, contactsWritten: 0, reportKey };
}
