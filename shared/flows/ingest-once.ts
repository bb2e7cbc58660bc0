/**
 * Exactly-once ingestion (issue 4): Powertools idempotency on the manifest's checksum
 * around "plan the list, then hand the plan to what runs its ranges" (the state machine
 * in AWS, `runRangesHere` locally). The same list uploaded again, or S3 delivering the
 * event twice, returns the first run's result without touching the tables; a run that
 * fails leaves no record, so its retry runs again and converges (every write is idempotent).
 */
import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import type { Settings } from '#schemas/settings';
import { idempotencyTable } from '#shared/resources';
import { objectBytes } from '#store/objects';
import { type PlannedIngestion, type PlanOptions, planIngestion } from './ingest-plan.ts';

const config = new IdempotencyConfig({ expiresAfterSeconds: 30 * 24 * 3600 });

/** What the ranges of a plan go to; its result is the run's (kept by the idempotency record). */
export type RangeRunner<T = unknown> = (plan: PlannedIngestion) => Promise<T>;

type Once = (
  request: { manifestKey: string; manifestSha256: string },
  settings: Settings,
  now: Date,
  runRanges: RangeRunner,
  options: PlanOptions,
) => Promise<unknown>;

let idempotent: Once | undefined;
let tableName: string | undefined;

export async function ingestListOnce<T>(
  manifestKey: string,
  settings: Settings,
  now: Date,
  runRanges: RangeRunner<T>,
  lambdaContext?: Context,
  options: PlanOptions = {},
): Promise<T> {
  const table = process.env[idempotencyTable.envVar];
  if (!table) throw new Error(`${idempotencyTable.envVar} is not set`);
  if (!idempotent || tableName !== table) {
    tableName = table;
    idempotent = makeIdempotent(
      async (request: { manifestKey: string }, s: Settings, at: Date, run: RangeRunner, o: PlanOptions) =>
        (await run(await planIngestion(request.manifestKey, s, at, o))) ?? null,
      { persistenceStore: new DynamoDBPersistenceLayer({ tableName: table }), config, dataIndexArgument: 0 },
    );
  }
  if (lambdaContext) config.registerLambdaContext(lambdaContext);
  const manifestSha256 = createHash('sha256')
    .update(await objectBytes(manifestKey))
    .digest('hex');
  return (await idempotent({ manifestKey, manifestSha256 }, settings, now, runRanges, options)) as T;
}
