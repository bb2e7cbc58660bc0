/**
 * The one place a Lambda function of the pipeline is made: `functions/<name>/handler.ts`
 * bundled by the local esbuild as an ESM, minified, source-mapped bundle for Node.js 22
 * on arm64, the AWS SDK left to the runtime; its own log group and role; an alarm on
 * its errors. Permissions are added with the `use*` methods, each of which also sets
 * the environment variable through which the code finds the resource, so a function
 * can name only what it may touch.
 */
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { bucketDefinition, type TableDefinition } from '../../shared/resources.ts';
import type { Settings } from '../../shared/schemas/settings.ts';
import { FUNCTION_BUNDLING, FUNCTION_NODE_OPTIONS } from '../bundling.ts';
import type { DeploymentConfig } from '../settings.ts';
import { METRICS_NAMESPACE, type Monitoring, SERVICE_NAME } from './monitoring.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { type Storage, viaService } from './storage.ts';

/** the folders under functions/ */
export type FunctionName =
  | 'ingest-list'
  | 'ingest-range'
  | 'ingest-finish'
  | 'ses-events'
  | 'unsubscribe'
  | 'sms-inbound'
  | 'send-campaign'
  | 'send-message'
  | 'call-outcomes'
  | 'retention-purge'
  | 'ttl-receipts'
  | 'ledger-digest'
  | 'dsr';

/** What every function is built with: the storage, the alarms and the configuration. */
export interface Platform {
  storage: Storage;
  monitoring: Monitoring;
  config: DeploymentConfig;
}

export interface HygieneFunctionProps {
  name: FunctionName;
  description: string;
  timeout?: Duration;
  memorySize?: number;
  /** settings that differ from the deployment's, for this function (e.g. a URL known only in the stack) */
  settings?: Partial<Settings>;
  /** instances reserved (and at most running): a public endpoint cannot drain the account's concurrency */
  reservedConcurrency?: number;
}

/**
 * `append`: read, and put new items (the ledger, append-only: its writers put entries and
 * its head by conditional transactions, never update or delete, rules.md §8);
 * `suppress`: read, and update an entry (the opposition store: recorded, never deleted,
 * rules.md §0.3).
 */
export type TableAccess = 'read' | 'write' | 'readWrite' | 'append' | 'suppress';
/** `replace`: read, write and delete (objects that a newer one makes useless) */
export type ObjectAccess = 'read' | 'write' | 'readWrite' | 'replace';

/** HMAC_SECRET_ARN: shared/store/secrets.ts reads the secret through it */
export const SECRET_ENV_VAR = 'HMAC_SECRET_ARN';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

// The explicit DynamoDB actions of each access; a wildcard would also allow table
// administration (DeleteTable, UpdateTimeToLive).
const readActions = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const tableActions: Record<TableAccess, string[]> = {
  read: readActions,
  append: [...readActions, 'dynamodb:PutItem'],
  suppress: [...readActions, 'dynamodb:UpdateItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
};

export class HygieneFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  private readonly platform: Platform;

  constructor(scope: Construct, id: string, platform: Platform, props: HygieneFunctionProps) {
    super(scope, id);
    this.platform = platform;
    const { config } = platform;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: config.deployment.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `prospect-hygiene ${props.name}: only what the function uses`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      description: `prospect-hygiene: ${props.description}`,
      entry: `${repoRoot}functions/${props.name}/handler.ts`,
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: `${repoRoot}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        HYGIENE_SETTINGS: Stack.of(this).toJsonString({ ...config.settings, ...props.settings }),
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: FUNCTION_BUNDLING.target,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        minify: FUNCTION_BUNDLING.minify,
        sourceMap: FUNCTION_BUNDLING.sourceMap,
        sourcesContent: FUNCTION_BUNDLING.sourcesContent,
        externalModules: [...FUNCTION_BUNDLING.externalModules],
        banner: FUNCTION_BUNDLING.banner,
        forceDockerBundling: false,
      },
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the bundles target and the project is tested on (design.md §4 allows 22 or 24).',
    });
    platform.monitoring.alarmOnErrors(this, this.fn, props.name);
  }

  /** Lets the function read and/or write a table (and its indexes), and sets the table's env var. */
  useTable(def: TableDefinition, access: TableAccess, options: { scan?: boolean; describe?: boolean } = {}): this {
    const table: dynamodb.TableV2 = this.platform.storage.table(def);
    this.fn.addEnvironment(def.envVar, table.tableName);
    const reads = access !== 'write';
    const actions = [
      ...tableActions[access],
      ...(options.scan ? ['dynamodb:Scan'] : []),
      ...(options.describe ? ['dynamodb:DescribeTable'] : []),
    ];
    // Each index by name, so a grant never covers an index added later for someone else.
    const indexes = reads ? def.indexes.map((index) => `${table.tableArn}/index/${index.indexName}`) : [];
    this.role.addToPolicy(new iam.PolicyStatement({ actions, resources: [table.tableArn, ...indexes] }));
    this.useKey(
      'dynamodb',
      reads ? ['kms:Decrypt'] : [],
      access !== 'read' ? ['kms:Encrypt', 'kms:GenerateDataKey'] : [],
    );
    return this;
  }

  /** Lets the function get and/or put objects under one prefix of the lists bucket; sets BUCKET_NAME. */
  useObjects(prefix: string, access: ObjectAccess): this {
    const { bucket } = this.platform.storage;
    this.fn.addEnvironment(bucketDefinition.envVar, bucket.bucketName);
    this.allowObjects(bucket, prefix, access);
    return this;
  }

  /**
   * Lets the function write ledger digests to the Object Lock bucket, setting their
   * retention (shared/store/ledger.ts sets it on each put); sets DIGEST_BUCKET_NAME.
   */
  useDigestBucket(): this {
    const { digestBucket } = this.platform.storage;
    const prefix = bucketDefinition.prefixes.ledgerDigests;
    this.fn.addEnvironment(bucketDefinition.digestBucketEnvVar, digestBucket.bucketName);
    this.allowObjects(digestBucket, prefix, 'write');
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObjectRetention'],
        resources: [`${digestBucket.bucketArn}/${prefix}*`],
      }),
    );
    return this;
  }

  /** Lets the function read the HMAC secret; sets HMAC_SECRET_ARN. */
  useSecret(): this {
    const { secret } = this.platform.storage;
    this.fn.addEnvironment(SECRET_ENV_VAR, secret.secretArn);
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    this.useKey('secretsmanager', ['kms:Decrypt'], []);
    return this;
  }

  /** Lets the function send to a queue; sets the queue URL's env var. */
  useQueue(envVar: string, queue: sqs.IQueue): this {
    this.fn.addEnvironment(envVar, queue.queueUrl);
    queue.grantSendMessages(this.role);
    return this;
  }

  /** Lets the function start executions of a state machine (and nothing else on it); sets its ARN's env var. */
  useStateMachine(envVar: string, stateMachine: sfn.IStateMachine): this {
    this.fn.addEnvironment(envVar, stateMachine.stateMachineArn);
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
    );
    return this;
  }

  /** Adds a statement of the function's own (an action no grant helper covers). */
  allow(statement: iam.PolicyStatement): this {
    this.role.addToPolicy(statement);
    return this;
  }

  private allowObjects(bucket: s3.Bucket, prefix: string, access: ObjectAccess): void {
    const { bucketArn } = bucket;
    const actions = [
      ...(access !== 'write' ? ['s3:GetObject'] : []),
      // lib-storage uploads big reports in parts; an aborted upload must be cleaned up.
      ...(access !== 'read' ? ['s3:PutObject', 's3:AbortMultipartUpload'] : []),
      ...(access === 'replace' ? ['s3:DeleteObject'] : []),
    ];
    this.role.addToPolicy(new iam.PolicyStatement({ actions, resources: [`${bucketArn}/${prefix}*`] }));
    acknowledgeWildcardResource(
      this.role,
      `${bucketArn}/${prefix}*`,
      `Object keys under ${prefix} are made at run time (list and campaign ids); access is limited to that prefix.`,
    );
    if (access !== 'write') {
      // Without ListBucket a missing object answers 403, not 404, and the code could not
      // tell "not uploaded yet" from "forbidden". A listing names this prefix (`s3:prefix`);
      // "IfExists" because S3's own 404-or-403 check of a GetObject carries no prefix. Keys
      // hold list and campaign ids only.
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucketArn],
          conditions: { StringLikeIfExists: { 's3:prefix': [`${prefix}*`] } },
        }),
      );
    }
    // SSE-KMS: reading decrypts; writing makes a data key (and decrypts it to finish a multipart upload).
    this.useKey('s3', ['kms:Decrypt'], access !== 'read' ? ['kms:GenerateDataKey'] : []);
  }

  /**
   * The data key, for the service that stores what the function uses: `kms:ViaService`
   * keeps the grant from decrypting anything directly, or through another service
   * (a function that reads a table cannot decrypt an object's data key with it).
   */
  private useKey(service: 'dynamodb' | 's3' | 'secretsmanager', ...actionLists: string[][]): void {
    const actions = [...new Set(actionLists.flat())];
    if (actions.length === 0) return;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [this.platform.storage.dataKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': viaService(service, Stack.of(this).region) } },
      }),
    );
  }
}
