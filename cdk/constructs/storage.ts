/**
 * Where the data lives, built from the one shared definition (shared/resources.ts): the
 * lists bucket, the ledger-digest bucket (Object Lock), the access-log bucket, the
 * tables, the HMAC secret, and the customer-managed key that encrypts them all.
 */
import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { bucketDefinition, type LifecycleRule, type TableDefinition, tables } from '../../shared/resources.ts';
import type { Deployment } from '../settings.ts';

const attributeType = (t: 'S' | 'N') => (t === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER);

const streamView: Record<NonNullable<TableDefinition['stream']>, dynamodb.StreamViewType> = {
  NEW_IMAGE: dynamodb.StreamViewType.NEW_IMAGE,
  OLD_IMAGE: dynamodb.StreamViewType.OLD_IMAGE,
  NEW_AND_OLD_IMAGES: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  KEYS_ONLY: dynamodb.StreamViewType.KEYS_ONLY,
};

export interface StorageProps {
  deployment: Deployment;
}

export class Storage extends Construct {
  /** encrypts the personal data: buckets, tables, secret, the inbound SMS topic; rotated yearly */
  readonly dataKey: kms.Key;
  /**
   * encrypts what holds no personal data but must be encrypted all the same (the alarm
   * topic): the services that publish there (CloudWatch) get this key, never the data key
   */
  readonly opsKey: kms.Key;
  readonly bucket: s3.Bucket;
  /** ledger digests, write-once (S3 Object Lock, compliance mode) */
  readonly digestBucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  /** the HMAC keys of shared/store/secrets.ts (suppression keys, unsubscribe tokens) */
  readonly secret: secretsmanager.Secret;
  private readonly tablesById = new Map<string, dynamodb.TableV2>();

  constructor(scope: Construct, id: string, { deployment }: StorageProps) {
    super(scope, id);
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: 'prospect-hygiene: personal data at rest (lists, contacts, ledger, secret)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.opsKey = new kms.Key(this, 'OpsKey', {
      description: 'prospect-hygiene: operational notices (alarms), no personal data',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Server access logs cannot be delivered to an SSE-KMS bucket: S3-managed keys here.
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'access-logs',
          expiration: Duration.days(deployment.accessLogRetentionDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    this.bucket = new s3.Bucket(this, bucketDefinition.id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.dataKey,
      bucketKeyEnabled: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'lists/',
      removalPolicy: RemovalPolicy.RETAIN,
      // rules.md §5: raw uploads and per-row reports hold personal data, 30 days; older
      // versions go the next day, or versioning would keep what the lifecycle expires.
      // Parts of a multipart upload never completed (an ingestion killed while its report
      // streamed, an interrupted `hygiene ingest`) are invisible and would stay: one day.
      lifecycleRules: bucketDefinition.lifecycle.map((rule: LifecycleRule) => ({
        id: rule.id,
        prefix: rule.prefix,
        expiration: rule.expirationDays === undefined ? undefined : Duration.days(rule.expirationDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
        noncurrentVersionExpiration: Duration.days(1),
        expiredObjectDeleteMarker: false,
      })),
    });

    // rules.md §8: the digests prove the ledger was not altered. Object Lock is set per
    // bucket, and the lists bucket must be able to expire raw uploads, so the digests get
    // a bucket of their own where nobody, root included, can delete or overwrite a
    // digest before its retention ends (compliance mode).
    this.digestBucket = new s3.Bucket(this, 'LedgerDigests', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.dataKey,
      bucketKeyEnabled: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(
        Duration.days(bucketDefinition.ledgerDigestRetentionDays),
      ),
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'ledger-digests/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    for (const def of tables as readonly TableDefinition[]) {
      this.tablesById.set(def.id, this.createTable(def, deployment));
    }

    this.secret = new secretsmanager.Secret(this, 'HmacSecret', {
      description: 'prospect-hygiene: HMAC keys of suppression keys and unsubscribe tokens (shared/store/secrets.ts)',
      encryptionKey: this.dataKey,
      removalPolicy: RemovalPolicy.RETAIN,
      // The suppression-key secret is generated by CloudFormation; the token key ring,
      // a nested object CloudFormation cannot generate, is added by SecretSeed below.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ currentTokenKeyId: 'k1' }),
        generateStringKey: 'suppressionKeySecret',
        passwordLength: 64,
        excludePunctuation: true,
      },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'rules.md §8: the suppression-key HMAC must never rotate (every stored key would change); token keys rotate by adding a key id to tokenKeys, not by replacing the secret.',
    });
    new SecretSeed(this, 'SecretSeed', { secret: this.secret, key: this.dataKey, deployment });
  }

  /** The table built from a shared definition. */
  table(def: TableDefinition): dynamodb.TableV2 {
    const table = this.tablesById.get(def.id);
    if (!table) throw new Error(`no table ${def.id} in shared/resources.ts`);
    return table;
  }

  private createTable(def: TableDefinition, deployment: Deployment): dynamodb.TableV2 {
    return new dynamodb.TableV2(this, def.id, {
      partitionKey: { name: def.partitionKey.name, type: attributeType(def.partitionKey.type) },
      sortKey: def.sortKey ? { name: def.sortKey.name, type: attributeType(def.sortKey.type) } : undefined,
      billing: dynamodb.Billing.onDemand({
        maxReadRequestUnits: deployment.maxReadRequestUnits,
        maxWriteRequestUnits: deployment.maxWriteRequestUnits,
      }),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.dataKey),
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

/** `kms:ViaService` of a service in a region: a grant usable only through that service. */
export function viaService(service: 'dynamodb' | 's3' | 'secretsmanager' | 'sns', region: string): string {
  return `${service}.${region}.amazonaws.com`;
}

interface SecretSeedProps {
  secret: secretsmanager.Secret;
  key: kms.Key;
  deployment: Deployment;
}

/**
 * Completes the secret once, at creation: adds the first unsubscribe-token key
 * (`tokenKeys.k1`), generated in the account so no key ever appears in the template.
 * A no-op on update and delete, and when the keys are already there.
 */
class SecretSeed extends Construct {
  constructor(scope: Construct, id: string, { secret, key, deployment }: SecretSeedProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: deployment.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [secret.secretArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
        // only through Secrets Manager: the role cannot decrypt a table's or an object's data key
        conditions: { StringEquals: { 'kms:ViaService': viaService('secretsmanager', Stack.of(this).region) } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const seeder = new lambda.Function(this, 'Function', {
      description: 'prospect-hygiene: adds the first unsubscribe-token key to the new HMAC secret',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(SEED_CODE),
      timeout: Duration.seconds(30),
      memorySize: 256,
      role,
      logGroup,
    });
    seeder.node.addDependency(role);
    Validations.of(seeder).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime every function of the project is built and tested for (design.md §4).',
    });
    new CustomResource(this, 'Resource', {
      serviceToken: seeder.functionArn,
      resourceType: 'Custom::HmacSecretSeed',
      properties: { SecretId: secret.secretArn },
    });
  }
}

/** CommonJS, inline: answers CloudFormation itself (no provider framework, no extra role). */
const SEED_CODE = `
const { randomBytes } = require('node:crypto');
const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const newKey = () => randomBytes(32).toString('hex');
exports.handler = async (event) => {
  let status = 'SUCCESS';
  let reason = 'ok';
  try {
    if (event.RequestType === 'Create') {
      const sm = new SecretsManagerClient({});
      const SecretId = event.ResourceProperties.SecretId;
      const current = await sm.send(new GetSecretValueCommand({ SecretId }));
      let value = {};
      try { value = JSON.parse(current.SecretString || '{}'); } catch { value = {}; }
      if (!value.suppressionKeySecret || !value.tokenKeys || !value.currentTokenKeyId) {
        value.suppressionKeySecret = value.suppressionKeySecret || newKey();
        value.tokenKeys = value.tokenKeys || { k1: newKey() };
        value.currentTokenKeyId = value.currentTokenKeyId || 'k1';
        await sm.send(new PutSecretValueCommand({ SecretId, SecretString: JSON.stringify(value) }));
      }
    }
  } catch (error) {
    status = 'FAILED';
    reason = String((error && error.name) || 'error');
  }
  await fetch(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '' },
    body: JSON.stringify({
      Status: status,
      Reason: reason,
      PhysicalResourceId: event.PhysicalResourceId || 'hmac-secret-seed',
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    }),
  });
};
`;
