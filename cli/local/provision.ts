/**
 * Creates the tables and the bucket on the emulators from the one shared definition
 * (shared/resources.ts), exactly as the CDK stack declares them in AWS.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { type TableDefinition, tables } from '#shared/resources';
import { s3Client } from '#store/client-s3';
import { dynamoClient } from '#store/clients';

export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const add = (k?: { name: string; type: 'S' | 'N' }) => {
    if (k) attributes.set(k.name, { AttributeName: k.name, AttributeType: k.type });
  };
  add(def.partitionKey);
  add(def.sortKey);
  for (const index of def.indexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    GlobalSecondaryIndexes: def.indexes.length
      ? def.indexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
            ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
          ],
          Projection:
            typeof index.projection === 'string'
              ? { ProjectionType: index.projection }
              : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection] },
        }))
      : undefined,
    StreamSpecification: def.stream ? { StreamEnabled: true, StreamViewType: def.stream } : undefined,
  };
}

/** Creates one table (and its TTL setting); an existing table is left as it is. */
export async function ensureTable(def: TableDefinition, tableName: string): Promise<void> {
  try {
    await dynamoClient().send(new CreateTableCommand(createTableInput(def, tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return;
  }
  if (def.ttlAttribute) {
    await dynamoClient().send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
      }),
    );
  }
}

export interface ProvisionedNames {
  tables: Record<string, string>;
  bucket: string;
  /** environment variables that tell functions and the CLI the physical names */
  env: Record<string, string>;
}

/** Creates every table and the bucket; returns their names and the matching environment. */
export async function provision(prefix: string, bucket: string): Promise<ProvisionedNames> {
  const names: Record<string, string> = {};
  const env: Record<string, string> = { BUCKET_NAME: bucket };
  await Promise.all(
    tables.map(async (def) => {
      const name = `${prefix}-${def.id.toLowerCase()}`;
      names[def.id] = name;
      env[def.envVar] = name;
      await ensureTable(def, name);
    }),
  );
  try {
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  return { tables: names, bucket, env };
}
