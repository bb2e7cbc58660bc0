/**
 * Exactly-once ingestion (issue 4): Powertools idempotency on the list id and the
 * manifest's checksum. The same list uploaded again, or S3 delivering the event twice,
 * returns the first run's result without touching the tables; a run that failed half-way
 * leaves no record, so its retry runs again and converges (contacts are merged).
 */
import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import type { Settings } from '#schemas/settings';
import { idempotencyTable } from '#shared/resources';
import { objectBytes } from '#store/objects';
import { type IngestOptions, type IngestResult, ingestList } from './ingest-list.ts';

const config = new IdempotencyConfig({ expiresAfterSeconds: 30 * 24 * 3600 });

let idempotentIngest:
  | ((
      request: { manifestKey: string; manifestSha256: string },
      settings: Settings,
      now: Date,
      options: IngestOptions,
    ) => Promise<IngestResult>)
  | undefined;
let tableName: string | undefined;

export async function ingestListOnce(
  manifestKey: string,
  settings: Settings,
  now: Date,
  options: IngestOptions = {},
  lambdaContext?: Context,
): Promise<IngestResult> {
  const table = process.env[idempotencyTable.envVar];
  if (!table) throw new Error(`${idempotencyTable.envVar} is not set`);
  if (!idempotentIngest || tableName !== table) {
    tableName = table;
    idempotentIngest = makeIdempotent(
      (request: { manifestKey: string; manifestSha256: string }, s: Settings, at: Date, o: IngestOptions) =>
        ingestList(request.manifestKey, s, at, o),
      { persistenceStore: new DynamoDBPersistenceLayer({ tableName: table }), config, dataIndexArgument: 0 },
    );
  }
  if (lambdaContext) config.registerLambdaContext(lambdaContext);
  const manifestSha256 = createHash('sha256')
    .update(await objectBytes(manifestKey))
    .digest('hex');
  return idempotentIngest({ manifestKey, manifestSha256 }, settings, now, options);
}
