/**
 * The list report of design.md §3.5 from its counts: the same report whether one worker
 * judged the file or many (the finisher assembles it without loading the rules engine).
 */
import type { ListReport, RowDecision } from './contact.ts';
import type { ManifestJudgement } from './provenance.ts';

/** R0 for a record the CSV reader could not parse (rules.md §4). */
export function malformedDecision(line: number): RowDecision {
  return { line, status: 'rejected', reasons: ['ROW_MALFORMED'] };
}

/** The counts of a list, or of a range of it. */
export interface RowCounts {
  rows: ListReport['rows'];
  /** each rejected row once, under its deciding reason; keys in the order first met in the file */
  byReason: ListReport['byReason'];
}

/**
 * The list report without its decisions (design.md §3.5), from the counts of its ranges
 * in file order: the same report whether one worker judged the file or many. Without a
 * judgement the list is taken as accepted.
 */
export function listReportOf(
  listId: string,
  listJudgement: ManifestJudgement | undefined,
  ranges: readonly RowCounts[],
  unknownColumns?: string[],
): Omit<ListReport, 'decisions'> {
  const rows = { total: 0, accepted: 0, rejected: 0 };
  const byReason: ListReport['byReason'] = {};
  for (const range of ranges) {
    rows.total += range.rows.total;
    rows.accepted += range.rows.accepted;
    rows.rejected += range.rows.rejected;
    for (const [reason, n] of Object.entries(range.byReason) as [keyof ListReport['byReason'], number][]) {
      byReason[reason] = (byReason[reason] ?? 0) + n;
    }
  }
  return {
    listId,
    status: listJudgement?.status ?? 'accepted',
    reasons: listJudgement?.reasons ?? [],
    rows,
    byReason,
    ...(unknownColumns && unknownColumns.length > 0 ? { unknownColumns } : {}),
  };
}

/** The report of a list no row of which is judged (rejected or quarantined, or unreadable). */
export function emptyListReport(
  listId: string,
  status: ListReport['status'],
  reasons: ListReport['reasons'],
  detail?: string,
): ListReport {
  return {
    listId,
    status,
    reasons,
    ...(detail ? { detail } : {}),
    rows: { total: 0, accepted: 0, rejected: 0 },
    byReason: {},
    decisions: [],
  };
}
