/**
 * The contract of the ingestion's state machine (cdk/constructs/ingestion.ts): what an
 * execution starts with, what each range worker and the finish step receive. The field
 * names are the JSONPaths of the state machine's definition; test/infra checks that the
 * payloads it builds parse here.
 */
import * as z from 'zod';
import { bucketDefinition } from '#shared/resources';

/** the plan's S3 key (`reports/<listId>/parts/<run>/plan.json`): never an object outside reports/ */
const planKey = z.string().startsWith(bucketDefinition.prefixes.reports).max(1024);

/** An execution's input: the plan, and one item per range for the Distributed Map. */
export const ingestExecutionInputSchema = z.object({
  planKey,
  ranges: z.array(z.number().int().nonnegative()),
});
export type IngestExecutionInput = z.infer<typeof ingestExecutionInputSchema>;

/** What one child execution of the Map gives ingest-range. */
export const rangeTaskSchema = z.object({
  planKey,
  range: z.number().int().nonnegative(),
});

/**
 * What ingest-finish receives: the plan, and after a range failed for good the error
 * object of the Map's Catch (`Error`, `Cause`, as Step Functions names them).
 */
export const finishTaskSchema = z.object({
  planKey,
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});
