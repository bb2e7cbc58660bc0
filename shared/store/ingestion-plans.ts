/**
 * The plan of an ingestion run (issue 17), an object beside its parts
 * (`reports/<listId>/parts/<run>/plan.json`): what the planner learnt of the list in its
 * one pass over the file, and what every range worker and the finish step read. It holds
 * no personal data: line numbers, byte offsets, the manifest, the headers.
 */

import type { ListEncoding } from '#csv/decode';
import type { ListDelimiter } from '#csv/read-list';
import type { LineBreak } from '#csv/scan';
import type { ManifestJudgement } from '#domain/provenance';
import type { Manifest } from '#schemas/manifest';
import { objectBytes, objectKeys, putObject } from './objects.ts';

export interface PlannedRange {
  index: number;
  /** bytes of the data file: `start` included, `end` excluded; `start` is where a record starts */
  start: number;
  end: number;
  /** physical line of `start`; 0: the range is the whole file, header included (offsets untrusted) */
  firstLine: number;
  /** rules.md §4 R2 over the whole file: `[line, flags]` of this range's duplicate rows (flags: list-judge's bits) */
  duplicates: [number, number][];
  /** the records of the range, as the planner counted them (progress, issue 22) */
  rows?: number;
}

export interface IngestionPlan {
  listId: string;
  /** the manifest's SHA-256, 16 hex digits: names the run's objects and its evidence */
  run: string;
  manifestKey: string;
  dataKey: string;
  manifestSha256: string;
  dataSha256: string;
  /** when the list was received: the `now` every range judges at (ISO) */
  receivedAt: string;
  manifest: Manifest;
  verdict: ManifestJudgement;
  file: {
    bytes: number;
    encoding: ListEncoding;
    delimiter: ListDelimiter;
    lineBreak: LineBreak;
    headers: string[];
    unknownColumns: string[];
  };
  ranges: PlannedRange[];
}

export async function writePlan(plan: IngestionPlan): Promise<string> {
  const key = objectKeys.plan(plan.listId, plan.run);
  await putObject(key, JSON.stringify(plan), 'application/json');
  return key;
}

export async function readPlan(planKey: string): Promise<IngestionPlan> {
  return JSON.parse((await objectBytes(planKey)).toString('utf8')) as IngestionPlan;
}
