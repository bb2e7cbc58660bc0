/**
 * The bucket and the tables, built from the one shared definition (shared/resources.ts).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { bucketDefinition, type TableDefinition, tables } from '../../shared/resources.ts';

const attributeType = (t: 'S' | 'N') => (t === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER);

const streamView: Record<NonNullable<TableDefinition['stream']>, dynamodb.StreamViewType> = {
  NEW_IMAGE: dynamodb.StreamViewType.NEW_IMAGE,
  OLD_IMAGE: dynamodb.StreamViewType.OLD_IMAGE,
  NEW_AND_OLD_IMAGES: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  KEYS_ONLY: dynamodb.StreamViewType.KEYS_ONLY,
};

export class Storage extends Construct {
  readonly bucket: s3.Bucket;
  readonly tables: Record<string, dynamodb.TableV2> = {};

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, bucketDefinition.id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.KMS_MANAGED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // rules.md §5: raw uploads and per-row reports hold personal data, 30 days.
      lifecycleRules: bucketDefinition.lifecycle.map((rule) => ({
        id: rule.id,
        prefix: rule.prefix,
        expiration: Duration.days(rule.expirationDays),
        noncurrentVersionExpiration: Duration.days(1),
      })),
    });
    for (const def of tables as readonly TableDefinition[]) {
      this.tables[def.id] = new dynamodb.TableV2(this, def.id, {
        partitionKey: { name: def.partitionKey.name, type: attributeType(def.partitionKey.type) },
        sortKey: def.sortKey ? { name: def.sortKey.name, type: attributeType(def.sortKey.type) } : undefined,
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        timeToLiveAttribute: def.ttlAttribute,
        dynamoStream: def.stream ? streamView[def.stream] : undefined,
        globalSecondaryIndexes: def.indexes.map((index) => ({
          indexName: index.indexName,
          partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
          sortKey: index.sortKey ? { name: index.sortKey.name, type: attributeType(index.sortKey.type) } : undefined,
          projectionType:
            typeof index.projection === 'string'
              ? dynamodb.ProjectionType[index.projection]
              : dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: typeof index.projection === 'string' ? undefined : [...index.projection],
        })),
      });
    }
  }
}
