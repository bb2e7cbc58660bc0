/**
 * The deployable stack, asserted on its synthesized template (no bundling: context
 * `aws:cdk:bundling-stacks: []`), with cdk-nag's AwsSolutions checks run as in
 * `npm run synth`. Synthesized once for the file.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '#schemas/settings';
import {
  bucketDefinition,
  contactsTable,
  envVarOfStackOutput,
  ledgerTable,
  listMembersTable,
  stackOutputKey,
  suppressionsTable,
  type TableDefinition,
  tables,
} from '#shared/resources';
import { addComplianceChecks } from '../../cdk/checks.ts';
import { HygieneFunction } from '../../cdk/constructs/hygiene-function.ts';
import { MAX_RECEIVE_COUNT } from '../../cdk/constructs/work-queue.ts';
import { ProspectHygieneStack } from '../../cdk/stack.ts';

// biome-ignore lint/suspicious/noExplicitAny: a synthesized template is untyped JSON; the assertions check its shape
type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));

let stack: ProspectHygieneStack;
let template: Template;
let resources: Record<string, Resource>;
let nagReport: { pluginReports: { pluginName: string; violations: { ruleName: string }[] }[] } | undefined;

const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as unknown as import('aws-cdk-lib').CfnElement);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of the inline policies attached to a role. */
function statementsOf(roleLogicalId: string): Statement[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => asArray(s.Action));
const resourcesOf = (statements: Statement[]) => JSON.stringify(statements.map((s) => s.Resource));
const hygieneFunctions = () => stack.node.findAll().filter((c): c is HygieneFunction => c instanceof HygieneFunction);

const READ = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'];
const WRITE = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
const READ_WRITE = [...READ, ...WRITE].sort();
/** the ledger: read, and put (conditional transactions append entries); never update or delete */
const APPEND = [...READ, 'dynamodb:PutItem'].sort();
/** the opposition store: read, and update an entry; never put over one or delete */
const SUPPRESS = [...READ, 'dynamodb:UpdateItem'].sort();

/** The DynamoDB actions a role may take on each table (and its indexes), by the table's id in shared/resources.ts. */
function tableActionsOf(roleLogicalId: string): Record<string, string[]> {
  const tableOf = new Map(tables.map((def) => [logicalId(stack.storage.table(def)), def.id]));
  const granted: Record<string, Set<string>> = {};
  for (const statement of statementsOf(roleLogicalId)) {
    const actions = actionsOf([statement]).filter((a) => a.startsWith('dynamodb:'));
    for (const resource of actions.length ? asArray(statement.Resource) : []) {
      const table = tableOf.get(JSON.stringify(resource).match(/"(Storage[A-Za-z]+[0-9A-F]{8})"/)?.[1] ?? '');
      if (!table) continue;
      granted[table] ??= new Set();
      for (const action of actions) granted[table].add(action);
    }
  }
  return Object.fromEntries(Object.entries(granted).map(([table, actions]) => [table, [...actions].sort()]));
}

/** The object actions a role may take under each prefix of the lists bucket: `[prefix, actions]`, by prefix. */
function objectGrantsOf(roleLogicalId: string): [string, string[]][] {
  return statementsOf(roleLogicalId)
    .filter((s) => actionsOf([s]).some((a) => /^s3:(Get|Put|Delete)Object$/.test(a)))
    .flatMap((s) =>
      asArray(s.Resource).map((r): [string, string[]] => [
        JSON.stringify(r).match(/"\/([^"]*)\*"/)?.[1] ?? '?',
        actionsOf([s]).sort(),
      ]),
    )
    .sort(([a], [b]) => a.localeCompare(b));
}

/** A state machine's definition, its Fn::Join flattened: a function's ARN reads `<LogicalId>`. */
// biome-ignore lint/suspicious/noExplicitAny: Amazon States Language, untyped JSON
function definitionOf(stateMachine: Resource): Record<string, any> {
  const body = stateMachine.Properties.DefinitionString;
  if (typeof body === 'string') return JSON.parse(body);
  const parts = body['Fn::Join'][1] as (string | { 'Fn::GetAtt': [string, string] })[];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : `<${part['Fn::GetAtt'][0]}>`)).join(''));
}

beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), 'hygiene-cdk-'));
  const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  stack = new ProspectHygieneStack(app, 'Test', { env: { region: 'eu-west-3' } });
  addComplianceChecks(app);
  try {
    app.synth();
  } catch {
    // a cdk-nag failure: the report below says which findings
  }
  nagReport = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
}, 60_000);

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding', () => {
    expect(nagReport).toBeDefined();
    const findings = nagReport?.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName)) ?? [];
    expect(findings).toEqual([]);
  });

  it('does find what it should: a queue without DLQ or TLS policy fails the same checks', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'hygiene-nag-'));
    const app = new App({ outdir });
    new sqs.Queue(new Stack(app, 'Bad'), 'Queue');
    addComplianceChecks(app);
    expect(() => app.synth()).toThrow();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const rules = report.pluginReports.flatMap((r: { violations: { ruleName: string }[] }) =>
      r.violations.map((v) => v.ruleName),
    );
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });

  it('every acknowledgement carries a reason', () => {
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(20);
  });
});

describe('storage: tables from shared/resources.ts', () => {
  it.each(tables.map((def) => [def.id, def] as const))(
    '%s: keys, PITR in Replicas[0], KMS, deletion protection, capped on-demand',
    (_, def: TableDefinition) => {
      const table = resources[logicalId(stack.storage.table(def))];
      const keySchema = [
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
      ];
      expect(table?.Properties).toMatchObject({
        KeySchema: keySchema,
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        WriteOnDemandThroughputSettings: { MaxWriteRequestUnits: 4000 },
      });
      const replica = table?.Properties.Replicas[0];
      expect(replica).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        ReadOnDemandThroughputSettings: { MaxReadRequestUnits: 4000 },
        SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.storage.dataKey), 'Arn'] } },
      });
      expect((table?.Properties.GlobalSecondaryIndexes ?? []).map((i: { IndexName: string }) => i.IndexName)).toEqual(
        def.indexes.map((i) => i.indexName),
      );
      if (def.ttlAttribute) {
        expect(table?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
      }
    },
  );

  it('contacts: TTL attribute, stream with old images, the expiry index keys', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: contactsTable.partitionKey.name, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: contactsTable.ttlAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: contactsTable.stream },
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'byExpiry',
          KeySchema: [
            { AttributeName: 'expiryBucket', KeyType: 'HASH' },
            { AttributeName: 'expiresAt', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });

  it('list members (one item per list and contact it brought): listId → suppressionKey, no index, like the other tables', () => {
    const table = resources[logicalId(stack.storage.table(listMembersTable))]?.Properties;
    expect(table).toMatchObject({
      KeySchema: [
        { AttributeName: 'listId', KeyType: 'HASH' },
        { AttributeName: 'suppressionKey', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    expect(table?.Replicas[0]).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table?.GlobalSecondaryIndexes).toBeUndefined();
    expect(resources[logicalId(stack.storage.table(listMembersTable))]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('contacts: no index by list any more (list members are items of their own table)', () => {
    const indexes = resources[logicalId(stack.storage.table(contactsTable))]?.Properties.GlobalSecondaryIndexes;
    expect(indexes.map((i: { IndexName: string }) => i.IndexName)).toEqual(['byExpiry', 'byPhoneKey']);
  });

  it('the customer-managed key rotates', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('storage: buckets', () => {
  const bucket = () => resources[logicalId(stack.storage.bucket)]?.Properties;

  it('lists bucket: public access blocked, KMS (customer key), versioned, access logs to the log bucket', () => {
    expect(bucket()).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack.storage.accessLogBucket) } },
    });
    expect(bucket()?.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(stack.storage.dataKey), 'Arn'] },
    });
  });

  it('lists bucket: the lifecycle of bucketDefinition (30 days for incoming/, outcomes/ and reports/, plans and parts included)', () => {
    const rules = bucket()?.LifecycleConfiguration.Rules as {
      Id: string;
      Prefix: string;
      ExpirationInDays?: number;
      NoncurrentVersionExpiration?: { NoncurrentDays: number };
    }[];
    expect(rules.map((r) => [r.Id, r.Prefix, r.ExpirationInDays])).toEqual(
      bucketDefinition.lifecycle.map((r) => [r.id, r.prefix, 'expirationDays' in r ? r.expirationDays : undefined]),
    );
    expect(rules.map((r) => [r.Prefix, r.ExpirationInDays])).toEqual([
      ['incoming/', 30],
      ['outcomes/', 30],
      ['reports/', 30],
    ]);
    // versioning keeps what a lifecycle expires, or a finished ingestion deletes: a day more
    expect(rules.map((r) => r.NoncurrentVersionExpiration?.NoncurrentDays)).toEqual([1, 1, 1]);
  });

  it('lists bucket: parts of multipart uploads never completed (a report that stopped streaming) go after a day', () => {
    const rules = bucket()?.LifecycleConfiguration.Rules as {
      AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
    }[];
    expect(rules.map((r) => r.AbortIncompleteMultipartUpload?.DaysAfterInitiation)).toEqual([1, 1, 1]);
  });

  it('every bucket refuses requests without TLS', () => {
    for (const [, policy] of ofType('AWS::S3::BucketPolicy')) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    expect(ofType('AWS::S3::BucketPolicy')).toHaveLength(ofType('AWS::S3::Bucket').length);
  });

  it('ledger digests: their own bucket under Object Lock, compliance mode, for ledgerDigestRetentionDays', () => {
    expect(resources[logicalId(stack.storage.digestBucket)]?.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: bucketDefinition.ledgerDigestRetentionDays } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });
});

describe('the HMAC secret', () => {
  it('is generated in the account (no key in the template) and completed once by the seed', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ currentTokenKeyId: 'k1' }),
        GenerateStringKey: 'suppressionKeySecret',
      },
      KmsKeyId: { 'Fn::GetAtt': [logicalId(stack.storage.dataKey), 'Arn'] },
    });
    template.resourceCountIs('Custom::HmacSecretSeed', 1);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"tokenKeys"\s*:\s*\{\s*"k1"\s*:\s*"[0-9a-f]{32,}/);
  });
});

describe('functions', () => {
  it('every function: Node.js 22 on arm64, Powertools env, the settings, its own log group with retention', () => {
    const fns = hygieneFunctions();
    expect(fns.length).toBeGreaterThanOrEqual(5);
    for (const f of fns) {
      const props = resources[logicalId(f.fn)]?.Properties;
      expect(props?.Runtime).toBe('nodejs22.x');
      expect(props?.Architectures).toEqual(['arm64']);
      const env = props?.Environment.Variables;
      expect(env).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'prospect-hygiene', POWERTOOLS_LOG_LEVEL: 'INFO' });
      // JSON; a Fn::Join of JSON pieces where a value is known only at deploy time (the unsubscribe URL)
      const settings: string =
        typeof env.HYGIENE_SETTINGS === 'string' ? env.HYGIENE_SETTINGS : env.HYGIENE_SETTINGS['Fn::Join'][1].join('');
      expect(settings).toContain(JSON.stringify({ advertiser: defaultSettings.advertiser }).slice(1, -1));
      if (typeof env.HYGIENE_SETTINGS === 'string') expect(JSON.parse(settings)).toEqual(defaultSettings);
      const logGroup = resources[props?.LoggingConfig.LogGroup.Ref];
      expect(logGroup?.Properties.RetentionInDays).toBe(365);
    }
  });

  it('a function learns each table it may use through the table envVar, and no other', () => {
    const unsubscribe = resources[logicalId(stack.unsubscribe.handler.fn)]?.Properties.Environment.Variables;
    expect(unsubscribe[suppressionsTable.envVar]).toEqual({ Ref: logicalId(stack.storage.table(suppressionsTable)) });
    expect(unsubscribe[ledgerTable.envVar]).toEqual({ Ref: logicalId(stack.storage.table(ledgerTable)) });
    // rules.md §7b: a tracking withdrawal rewrites the contact
    expect(unsubscribe[contactsTable.envVar]).toEqual({ Ref: logicalId(stack.storage.table(contactsTable)) });
    expect(unsubscribe.HMAC_SECRET_ARN).toEqual({ Ref: logicalId(stack.storage.secret) });
    const digest = resources[logicalId(stack.ledgerDigest.handler.fn)]?.Properties.Environment.Variables;
    expect(digest[bucketDefinition.digestBucketEnvVar]).toEqual({ Ref: logicalId(stack.storage.digestBucket) });
  });

  it.each([
    ['CampaignPaused', 'a campaign paused by its complaint or bounce breaker (rules.md §6)'],
    ['SenderAuthFailure', 'a bounce blaming the sender authentication (rules.md §8)'],
  ])('an alarm on the %s metric: %s', (metricName) => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        MetricName: metricName,
        Namespace: 'ProspectHygiene',
        Dimensions: [{ Name: 'service', Value: 'prospect-hygiene' }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: logicalId(stack.monitoring.alarmTopic) }],
      }),
    );
  });

  it('every function has an alarm on its Errors, sent to the alarm topic', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const f of hygieneFunctions()) {
      expect(alarms).toContainEqual(
        expect.objectContaining({
          MetricName: 'Errors',
          Namespace: 'AWS/Lambda',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(f.fn) } }],
          AlarmActions: [{ Ref: logicalId(stack.monitoring.alarmTopic) }],
        }),
      );
    }
  });
});

describe('queues', () => {
  const queues = () => ofType('AWS::SQS::Queue');
  const deadLetterArns = () =>
    new Set(
      queues()
        .map(([, q]) => q.Properties.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0])
        .filter(Boolean),
    );

  it('every queue is encrypted and refuses requests without TLS', () => {
    for (const [, q] of queues()) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = ofType('AWS::SQS::QueuePolicy');
    for (const [id] of queues()) {
      const policy = policies.find(([, p]) => (p.Properties.Queues as { Ref: string }[]).some((q) => q.Ref === id));
      expect(policy?.[1].Properties.PolicyDocument.Statement, id).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('every work queue has a DLQ after 5 receives; every DLQ an alarm on its depth (> 0)', () => {
    const dlqs = deadLetterArns();
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const [id, q] of queues()) {
      const isDeadLetterQueue = dlqs.has(id) || id.includes('Failures');
      if (!isDeadLetterQueue) {
        expect(q.Properties.RedrivePolicy, id).toMatchObject({ maxReceiveCount: MAX_RECEIVE_COUNT });
        continue;
      }
      expect(alarms, id).toContainEqual(
        expect.objectContaining({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Namespace: 'AWS/SQS',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
          AlarmActions: [{ Ref: logicalId(stack.monitoring.alarmTopic) }],
        }),
      );
    }
    expect(MAX_RECEIVE_COUNT).toBe(5);
  });

  it('the alarm topic is encrypted with the operations key, not the data key', () => {
    expect(resources[logicalId(stack.monitoring.alarmTopic)]?.Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [logicalId(stack.storage.opsKey), 'Arn'],
    });
  });
});

describe('KMS: the data key (issue 19: services that need no plaintext get none)', () => {
  const dataKeyArn = () => ({ 'Fn::GetAtt': [logicalId(stack.storage.dataKey), 'Arn'] });
  const onDataKey = (statement: Statement) =>
    JSON.stringify(asArray(statement.Resource)).includes(JSON.stringify(dataKeyArn()));

  it('every role uses the data key only through the service that stores its data (kms:ViaService)', () => {
    // CDK's own grant for the contacts stream (ttl-receipts' event source: Lambda reads the
    // encrypted stream with the function's role, kms:Decrypt + DescribeKey) is the one exception
    const streamReader = logicalId(
      hygieneFunctions().find((f) => f.node.path.includes('TtlReceipts'))?.role as unknown as IConstruct,
    );
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => !(p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === streamReader))
      .flatMap(
        ([, p]) => p.Properties.PolicyDocument.Statement as (Statement & { Condition?: Record<string, unknown> })[],
      );
    const kms = statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('kms:')) && onDataKey(st));
    expect(kms.length).toBeGreaterThan(10);
    const without = kms.filter((st) => {
      const via = (st.Condition?.StringEquals as Record<string, unknown> | undefined)?.['kms:ViaService'];
      return !/(dynamodb|s3|secretsmanager)\./.test(JSON.stringify(via ?? ''));
    });
    expect(without).toEqual([]);
  });

  it('a function that only reads a table cannot make data keys; one that reads no object has no S3 grant on the key', () => {
    const purge = hygieneFunctions().find((f) => f.node.path.includes('RetentionPurge'));
    expect(purge).toBeDefined();
    const kms = statementsOf(logicalId(purge?.role as unknown as IConstruct)).filter((st) =>
      actionsOf([st]).some((a) => a.startsWith('kms:')),
    );
    const vias = kms.map((st) => JSON.stringify((st as { Condition?: unknown }).Condition));
    expect(vias.some((v) => v.includes('s3.'))).toBe(false);
  });

  it('the key policy lets no AWS service but End User Messaging (inbound SMS, personal data) use the data key', () => {
    const servicesOf = (key: IConstruct) =>
      ((resources[logicalId(key)]?.Properties.KeyPolicy.Statement ?? []) as { Principal?: { Service?: unknown } }[])
        .flatMap((st) => asArray(st.Principal?.Service ?? []))
        .map(String);
    expect(servicesOf(stack.storage.dataKey)).toEqual(['sms-voice.amazonaws.com']);
    expect(servicesOf(stack.storage.opsKey)).toEqual(['cloudwatch.amazonaws.com']);
  });
});

describe('wiring', () => {
  it('S3 → SQS: manifest.json under incoming/ only (bucketDefinition.ingestTrigger)', () => {
    const [, notifications] = ofType('Custom::S3BucketNotifications')[0] ?? [];
    const configs = notifications?.Properties.NotificationConfiguration.QueueConfigurations;
    expect(configs).toContainEqual({
      Events: ['s3:ObjectCreated:*'],
      Filter: {
        Key: {
          FilterRules: expect.arrayContaining([
            { Name: 'prefix', Value: bucketDefinition.ingestTrigger.prefix },
            { Name: 'suffix', Value: bucketDefinition.ingestTrigger.suffix },
          ]),
        },
      },
      QueueArn: { 'Fn::GetAtt': [logicalId(stack.ingestion.queue.queue), 'Arn'] },
    });
  });

  it('SQS → ingest-list: one list per invocation, partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.ingestion.queue.queue), 'Arn'] },
      FunctionName: { Ref: logicalId(stack.ingestion.handler.fn) },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('two SES configuration sets (rules.md §7b): bounce and complaint suppression, events to the default bus; only the tracked one with open and click', () => {
    for (const name of [defaultSettings.configurationSet, defaultSettings.trackedConfigurationSet]) {
      template.hasResourceProperties('AWS::SES::ConfigurationSet', {
        Name: name,
        SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      });
    }
    const destinations = ofType('AWS::SES::ConfigurationSetEventDestination').map(([, d]) => d.Properties);
    expect(destinations).toHaveLength(2);
    const bySet = new Map(
      destinations.map((d) => [JSON.stringify(d.ConfigurationSetName), d.EventDestination as Record<string, unknown>]),
    );
    const untracked = bySet.get(JSON.stringify({ Ref: logicalId(stack.sesEvents.configurationSet) }));
    const tracked = bySet.get(JSON.stringify({ Ref: logicalId(stack.sesEvents.trackedConfigurationSet) }));
    for (const d of [untracked, tracked]) {
      expect(d).toMatchObject({
        Enabled: true,
        EventBridgeDestination: {
          EventBusArn: { 'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(/:event-bus\/default$/)])] },
        },
      });
      expect(d?.MatchingEventTypes).toEqual(
        expect.arrayContaining(['send', 'reject', 'bounce', 'complaint', 'delivery', 'deliveryDelay', 'subscription']),
      );
    }
    expect(untracked?.MatchingEventTypes).not.toContain('open');
    expect(untracked?.MatchingEventTypes).not.toContain('click');
    expect(tracked?.MatchingEventTypes).toEqual(expect.arrayContaining(['open', 'click']));
  });

  it('EventBridge rule: aws.ses events of this configuration set → ses-events queue → ses-events', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        detail: {
          mail: {
            tags: {
              'ses:configuration-set': [defaultSettings.configurationSet, defaultSettings.trackedConfigurationSet],
            },
          },
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.sesEvents.queue.queue), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.sesEvents.queue.queue), 'Arn'] },
      FunctionName: { Ref: logicalId(stack.sesEvents.handler.fn) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('Function URL → unsubscribe, without IAM auth (public one-click endpoint, RFC 8058)', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack.unsubscribe.handler.fn), 'Arn'] },
    });
    template.resourceCountIs('AWS::Lambda::Url', 1);
  });

  it('SNS (KMS) → sms-inbound; End User Messaging may publish for this account only', () => {
    const topicId = logicalId(stack.smsInbound.topic);
    expect(resources[topicId]?.Properties.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topicId },
      Endpoint: { 'Fn::GetAtt': [logicalId(stack.smsInbound.handler.fn), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sns:Publish',
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('S3 → SQS: campaigns/*.json (bucketDefinition.campaignTrigger) → send-campaign → send queue → send-message', () => {
    const [, notifications] = ofType('Custom::S3BucketNotifications')[0] ?? [];
    expect(notifications?.Properties.NotificationConfiguration.QueueConfigurations).toContainEqual({
      Events: ['s3:ObjectCreated:*'],
      Filter: {
        Key: {
          FilterRules: expect.arrayContaining([
            { Name: 'prefix', Value: bucketDefinition.campaignTrigger.prefix },
            { Name: 'suffix', Value: bucketDefinition.campaignTrigger.suffix },
          ]),
        },
      },
      QueueArn: { 'Fn::GetAtt': [logicalId(stack.sending.campaignQueue.queue), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.sending.campaignQueue.queue), 'Arn'] },
      FunctionName: { Ref: logicalId(stack.sending.sendCampaign.fn) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const campaignEnv = resources[logicalId(stack.sending.sendCampaign.fn)]?.Properties.Environment.Variables;
    expect(campaignEnv.SEND_QUEUE_URL).toEqual({ Ref: logicalId(stack.sending.sendQueue.queue) });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.sending.sendQueue.queue), 'Arn'] },
      FunctionName: { Ref: logicalId(stack.sending.sendMessage.fn) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('send-message: the unsubscribe base URL of the Function URL in its settings', () => {
    const env = resources[logicalId(stack.sending.sendMessage.fn)]?.Properties.Environment.Variables;
    expect(JSON.stringify(env.HYGIENE_SETTINGS)).toContain(logicalId(stack.unsubscribe.url));
  });

  it('EventBridge Scheduler: the purge at 03:00 Europe/Paris, and its continuation', () => {
    const purge = { 'Fn::GetAtt': [logicalId(stack.retentionPurge.handler.fn), 'Arn'] };
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: Match.objectLike({ Arn: purge, Input: JSON.stringify({ source: 'schedule', mode: 'run' }) }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(20 minutes)',
      Target: Match.objectLike({ Arn: purge, Input: JSON.stringify({ source: 'schedule', mode: 'continue' }) }),
    });
    const roleId =
      resources[logicalId(stack.retentionPurge.schedule.schedule)]?.Properties.Target.RoleArn['Fn::GetAtt'][0];
    expect(resources[roleId]?.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: 'scheduler.amazonaws.com',
    });
    expect(actionsOf(statementsOf(roleId))).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });

  it('contacts stream → ttl-receipts: REMOVE records of the TTL service only, failures to a DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.storage.table(contactsTable)), 'StreamArn'] },
      FunctionName: { Ref: logicalId(stack.ttlReceipts.handler.fn) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['REMOVE'],
              userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
            }),
          },
        ],
      },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.ttlReceipts.failures.queue), 'Arn'] } },
      },
    });
  });

  it('dsr: no trigger, no URL: operators invoke it with IAM credentials', () => {
    const dsr = logicalId(stack.dataSubjectRights.handler.fn);
    const references = JSON.stringify(
      Object.values(resources).filter((r) =>
        ['AWS::Lambda::Url', 'AWS::Lambda::Permission', 'AWS::Lambda::EventSourceMapping'].includes(r.Type),
      ),
    );
    expect(references).not.toContain(dsr);
  });

  it('EventBridge Scheduler: the ledger digest daily at 04:30 Europe/Paris, with a DLQ', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 4 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalId(stack.ledgerDigest.handler.fn), 'Arn'] },
        DeadLetterConfig: Match.anyValue(),
      }),
    });
  });
});

describe('ingestion: the state machine (plan → Distributed Map of ranges → report)', () => {
  const stateMachine = () => resources[logicalId(stack.ingestion.stateMachine)] as Resource;
  const definition = () => definitionOf(stateMachine());
  const rangeWorker = () => `<${logicalId(stack.ingestion.rangeWorker.fn)}>`;
  const finisher = () => `<${logicalId(stack.ingestion.finisher.fn)}>`;

  it('one STANDARD state machine, with a day to finish', () => {
    expect(ofType('AWS::StepFunctions::StateMachine')).toHaveLength(1);
    expect(stateMachine().Properties.StateMachineType ?? 'STANDARD').toBe('STANDARD');
    expect(definition().TimeoutSeconds).toBe(24 * 3600);
  });

  it('starts at a Map in DISTRIBUTED mode: an item per range of $.ranges, { planKey, range } to each child, at most 10 at once, no failure tolerated, result discarded', () => {
    const { StartAt, States } = definition();
    const map = States[StartAt];
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.ranges',
      ItemSelector: { 'planKey.$': '$.planKey', 'range.$': '$$.Map.Item.Value' },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      MaxConcurrency: 4,
      ResultPath: null,
    });
    // zero tolerance: the ASL default, which CDK writes by leaving the field out
    expect(map.ToleratedFailurePercentage ?? 0).toBe(0);
    expect(map.ToleratedFailureCount ?? 0).toBe(0);
    expect(map.ResultWriter).toBeUndefined();
  });

  it('each child invokes ingest-range, returns only its range number, and retries with backoff (Lambda errors, throttles, TaskFailed)', () => {
    const { StartAt, States } = definition();
    const processor = States[StartAt].ItemProcessor;
    const task = processor.States[processor.StartAt];
    expect(task).toMatchObject({ Type: 'Task', Resource: rangeWorker(), OutputPath: '$.range', End: true });
    expect(task.Retry).toHaveLength(1);
    expect(task.Retry[0].ErrorEquals).toEqual(
      expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'States.TaskFailed']),
    );
    expect(task.Retry[0]).toMatchObject({ MaxAttempts: 3, BackoffRate: 2 });
    expect(task.Retry[0].IntervalSeconds).toBeGreaterThan(0);
  });

  it('success: ingest-finish with { planKey } (the report), then Succeed', () => {
    const { StartAt, States } = definition();
    const finish = States[States[StartAt].Next];
    expect(finish).toMatchObject({ Type: 'Task', Resource: finisher(), Parameters: { 'planKey.$': '$.planKey' } });
    expect(States[finish.Next].Type).toBe('Succeed');
  });

  it('a range failed for good: the Catch (States.ALL, into $.failure) leads to ingest-finish with { planKey, failure }, then Fail', () => {
    const { StartAt, States } = definition();
    const catches = States[StartAt].Catch;
    expect(catches).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: expect.any(String) }]);
    const markFailed = States[catches[0].Next];
    expect(markFailed).toMatchObject({
      Type: 'Task',
      Resource: finisher(),
      Parameters: { 'planKey.$': '$.planKey', 'failure.$': '$.failure' },
      ResultPath: null,
    });
    expect(States[markFailed.Next]).toEqual({
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
    // a report that cannot be assembled also marks the list failed
    expect(States[States[StartAt].Next].Catch).toEqual(catches);
  });

  it('logs every event (not the data) to its own log group, kept logRetentionDays', () => {
    const logging = stateMachine().Properties.LoggingConfiguration;
    expect(logging).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    const logGroupId = logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(resources[logGroupId]?.Properties).toMatchObject({ RetentionInDays: 365 });
    expect(resources[logGroupId]?.Properties.LogGroupName).toMatch(/^\/aws\/vendedlogs\/states\//);
  });

  it('an alarm on executions failed or timed out, sent to the alarm topic', () => {
    const alarm = ofType('AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .find((a) => JSON.stringify(a.Metrics ?? []).includes('ExecutionsFailed'));
    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(alarm?.AlarmActions).toEqual([{ Ref: logicalId(stack.monitoring.alarmTopic) }]);
    const metrics = JSON.stringify(alarm?.Metrics);
    expect(metrics).toContain('ExecutionsTimedOut');
    expect(metrics).toContain(
      `{"Name":"StateMachineArn","Value":{"Ref":"${logicalId(stack.ingestion.stateMachine)}"}}`,
    );
  });

  it('ingest-range: 15 minutes, 1769 MB; ingest-finish: 5 minutes; the planner keeps 15 minutes, 1769 MB', () => {
    const props = (f: HygieneFunction) => resources[logicalId(f.fn)]?.Properties;
    expect(props(stack.ingestion.rangeWorker)).toMatchObject({ Timeout: 900, MemorySize: 1769 });
    expect(props(stack.ingestion.finisher)).toMatchObject({ Timeout: 300 });
    expect(props(stack.ingestion.handler)).toMatchObject({ Timeout: 900, MemorySize: 1769 });
  });

  it("-c ingestWorkers=25 sets the Map's MaxConcurrency", () => {
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'hygiene-workers-')),
      context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ingestWorkers: '25' },
    });
    const workers = new ProspectHygieneStack(app, 'Workers', { env: { region: 'eu-west-3' } });
    const [[, machine] = []] = Object.entries(
      Template.fromStack(workers).toJSON().Resources as Record<string, Resource>,
    ).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
    const { StartAt, States } = definitionOf(machine as Resource);
    expect(States[StartAt].MaxConcurrency).toBe(25);
  });
});

describe('IAM: least privilege', () => {
  it('no statement allows every action or every action of a service', () => {
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      for (const action of actionsOf(policy.Properties.PolicyDocument.Statement)) {
        expect(action, id).not.toBe('*');
        expect(action, id).not.toMatch(/^[a-z0-9-]+:\*$/);
      }
    }
  });

  it('our functions\' roles: no managed policy, no Resource "*"', () => {
    for (const f of hygieneFunctions()) {
      const role = resources[logicalId(f.role)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
      for (const s of statementsOf(logicalId(f.role))) expect(asArray(s.Resource), f.node.path).not.toContain('*');
    }
  });

  it('ses-events cannot read the bucket (no S3 action at all)', () => {
    const statements = statementsOf(logicalId(stack.sesEvents.handler.role));
    expect(actionsOf(statements).filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(resourcesOf(statements)).not.toContain(logicalId(stack.storage.bucket));
  });

  it('unsubscribe touches the suppressions, ledger and contacts tables only; contacts by read and put (no delete)', () => {
    const statements = statementsOf(logicalId(stack.unsubscribe.handler.role));
    const dynamo = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    const tableIds = new Set(
      JSON.stringify(dynamo.map((s) => s.Resource))
        .match(/"Storage[A-Za-z]+[0-9A-F]{8}"/g)
        ?.map((m) => m.slice(1, -1)),
    );
    expect([...tableIds].sort()).toEqual(
      [
        logicalId(stack.storage.table(contactsTable)),
        logicalId(stack.storage.table(ledgerTable)),
        logicalId(stack.storage.table(suppressionsTable)),
      ].sort(),
    );
    expect(actionsOf(dynamo)).not.toContain('dynamodb:DeleteItem');
    expect(actionsOf(dynamo)).not.toContain('dynamodb:BatchWriteItem');
    expect(actionsOf(statements).filter((a) => /^(s3|sqs|ses|sms-voice):/.test(a))).toEqual([]);
  });

  it("ingest-list (the planner) reads incoming/ and writes reports/ (the plan, a refused list's report), nothing else of the bucket", () => {
    expect(objectGrantsOf(logicalId(stack.ingestion.handler.role))).toEqual([
      ['incoming/', ['s3:GetObject']],
      ['reports/', ['s3:AbortMultipartUpload', 's3:PutObject']],
    ]);
  });

  it('ingest-list (the planner): the lists, idempotency and ledger tables; no contact, no suppression, no Scan, no DescribeTable', () => {
    const role = logicalId(stack.ingestion.handler.role);
    expect(tableActionsOf(role)).toEqual({ Lists: READ_WRITE, Idempotency: READ_WRITE, Ledger: APPEND });
    expect(actionsOf(statementsOf(role)).filter((a) => /^dynamodb:(Scan|DescribeTable)$/.test(a))).toEqual([]);
  });

  it('ingest-range: contacts, suppressions and the ledger read and written, list members written; no Scan, no DescribeTable', () => {
    const role = logicalId(stack.ingestion.rangeWorker.role);
    expect(tableActionsOf(role)).toEqual({
      Contacts: READ_WRITE,
      Suppressions: SUPPRESS,
      ListMembers: WRITE,
      Ledger: APPEND,
    });
    expect(actionsOf(statementsOf(role)).filter((a) => /^dynamodb:(Scan|DescribeTable)$/.test(a))).toEqual([]);
  });

  it('no role may delete, overwrite in batch or update a ledger entry, nor delete a suppression (rules.md §0.3, §8)', () => {
    const rolesOf = hygieneFunctions().map((f) => [f.node.path, logicalId(f.role)] as const);
    expect(rolesOf.length).toBeGreaterThan(10);
    const touching = { Ledger: 0, Suppressions: 0 };
    for (const [path, role] of rolesOf) {
      const granted = tableActionsOf(role);
      if (granted.Ledger) {
        touching.Ledger++;
        expect([READ.slice().sort(), APPEND], `${path} on the ledger`).toContainEqual(granted.Ledger);
      }
      if (granted.Suppressions) {
        touching.Suppressions++;
        expect([READ.slice().sort(), SUPPRESS], `${path} on the suppressions`).toContainEqual(granted.Suppressions);
      }
    }
    expect(touching.Ledger).toBeGreaterThan(5);
    expect(touching.Suppressions).toBeGreaterThan(4);
  });

  it('ingest-range reads incoming/ and its plan, writes its part under reports/, deletes nothing', () => {
    expect(objectGrantsOf(logicalId(stack.ingestion.rangeWorker.role))).toEqual([
      ['incoming/', ['s3:GetObject']],
      ['reports/', ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject']],
    ]);
  });

  it('ingest-finish: the lists and ledger tables, reports/ read, written and its parts deleted; no contact', () => {
    const role = logicalId(stack.ingestion.finisher.role);
    expect(tableActionsOf(role)).toEqual({ Lists: READ_WRITE, Ledger: APPEND });
    expect(objectGrantsOf(role)).toEqual([
      ['reports/', ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject']],
    ]);
  });

  it('the key register is gone: no grant, rule or output names state/contact-keys/', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('contact-keys');
  });

  it('list members: written by ingest-range and by every function that deletes contacts, queried by send-campaign only', () => {
    const writers: HygieneFunction[] = [
      stack.ingestion.rangeWorker,
      stack.sesEvents.handler,
      stack.retentionPurge.handler,
      stack.ttlReceipts.handler,
      stack.dataSubjectRights.handler,
    ];
    for (const f of hygieneFunctions()) {
      const members = tableActionsOf(logicalId(f.role)).ListMembers;
      if (writers.includes(f)) expect(members, f.node.path).toEqual(WRITE);
      else if (f === stack.sending.sendCampaign) expect(members, f.node.path).toEqual(READ);
      else expect(members, f.node.path).toBeUndefined();
    }
  });

  it('send-campaign queries list members (audience by list), and no longer reads the ledger', () => {
    const grants = tableActionsOf(logicalId(stack.sending.sendCampaign.role));
    expect(grants.ListMembers).toContain('dynamodb:Query');
    expect(grants.Ledger).toBeUndefined();
  });

  it('only ingest-list may start an ingestion, on that state machine only (and the state machine its own children)', () => {
    const stateMachineId = logicalId(stack.ingestion.stateMachine);
    const starting = ofType('AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => actionsOf([s]).includes('states:StartExecution'))
        .map((s) => ({ roles: (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref), statement: s })),
    );
    expect(starting.flatMap((s) => s.roles).sort()).toEqual(
      [logicalId(stack.ingestion.handler.role), logicalId(stack.ingestion.stateMachine.role)].sort(),
    );
    for (const { statement } of starting) {
      expect(statement.Resource).toEqual({ Ref: stateMachineId });
      expect(asArray(statement.Action)).toEqual(['states:StartExecution']);
    }
    const env = resources[logicalId(stack.ingestion.handler.fn)]?.Properties.Environment.Variables;
    expect(env.INGEST_STATE_MACHINE_ARN).toEqual({ Ref: stateMachineId });
    // the Distributed Map follows and stops its children: executions of this state machine only
    const children = statementsOf(logicalId(stack.ingestion.stateMachine.role)).find((s) =>
      actionsOf([s]).includes('states:DescribeExecution'),
    );
    expect(asArray(children?.Action).sort()).toEqual(['states:DescribeExecution', 'states:StopExecution']);
    expect(JSON.stringify(children?.Resource)).toContain(
      `":execution:",{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${stateMachineId}"}]}]},":*"`,
    );
  });

  it('send-message: SES SendEmail on the sending identity and configuration set only', () => {
    const statements = statementsOf(logicalId(stack.sending.sendMessage.role));
    const ses = statements.find((s) => actionsOf([s]).includes('ses:SendEmail'));
    expect(asArray(ses?.Action)).toEqual(['ses:SendEmail']);
    const arns = JSON.stringify(ses?.Resource);
    expect(arns).toContain(':identity/example.com');
    expect(arns).toContain(`":configuration-set/",{"Ref":"${logicalId(stack.sesEvents.configurationSet)}"}`);
    const sms = statements.find((s) => actionsOf([s]).includes('sms-voice:SendTextMessage'));
    expect(JSON.stringify(sms?.Resource)).toContain(':sms-voice:eu-west-3:');
  });

  it('ledger-digest may put digests with a retention, and cannot delete them', () => {
    const actions = actionsOf(statementsOf(logicalId(stack.ledgerDigest.handler.role)));
    expect(actions).toEqual(expect.arrayContaining(['s3:PutObject', 's3:PutObjectRetention']));
    expect(actions.filter((a) => /Delete|BypassGovernance/.test(a) && a.startsWith('s3:'))).toEqual([]);
  });
});

describe('outputs the hygiene CLI reads', () => {
  it('one per env var, named stackOutputKey(envVar), with a stable export name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Export: { Name: string } }>;
    const envVars = [
      bucketDefinition.envVar,
      bucketDefinition.digestBucketEnvVar,
      ...tables.map((t) => t.envVar),
      'HMAC_SECRET_ARN',
      'CONFIGURATION_SET',
      'UNSUBSCRIBE_BASE_URL',
      'INGEST_QUEUE_URL',
      'INGEST_STATE_MACHINE_ARN',
      'SES_EVENTS_QUEUE_URL',
      'CAMPAIGN_QUEUE_URL',
      'SEND_QUEUE_URL',
      'SMS_INBOUND_TOPIC_ARN',
      'DSR_FUNCTION_NAME',
      'ALARM_TOPIC_ARN',
      'AWS_REGION',
    ];
    for (const envVar of envVars) {
      const key = stackOutputKey(envVar);
      expect(outputs[key]?.Export.Name, envVar).toBe(`Test-${key}`);
      expect(envVarOfStackOutput(key)).toBe(envVar);
    }
    expect(stackOutputKey('CONTACTS_TABLE')).toBe('ContactsTable');
  });

  it('the unsubscribe base URL has no trailing slash (tokens go under /u/)', () => {
    const output = template.toJSON().Outputs.UnsubscribeBaseUrl.Value;
    expect(JSON.stringify(output)).toContain('"https://"');
    expect(JSON.stringify(output)).toContain(logicalId(stack.unsubscribe.url));
  });
});

describe('listing the bucket (issue 19)', () => {
  it('every s3:ListBucket a function may do names the prefix it works under', () => {
    let listings = 0;
    for (const f of hygieneFunctions()) {
      for (const statement of statementsOf(logicalId(f.role))) {
        if (!actionsOf([statement]).includes('s3:ListBucket')) continue;
        listings++;
        const condition = (statement as { Condition?: Record<string, Record<string, unknown>> }).Condition;
        expect(condition?.StringLikeIfExists?.['s3:prefix'], f.node.path).toBeDefined();
      }
    }
    expect(listings).toBeGreaterThan(3);
  });
});

describe('the public unsubscribe endpoint (issue 19)', () => {
  it('has reserved concurrency (10 by default, a setting): a flood cannot drain the account', () => {
    const fn = stack.unsubscribe.handler.fn.node.defaultChild as { reservedConcurrentExecutions?: number };
    expect(fn.reservedConcurrentExecutions).toBe(10);
  });
});

describe('sms-inbound never drops a STOP (issue 19)', () => {
  it('a reply the function fails on goes, after 2 retries, to a dead-letter queue with an alarm', () => {
    const configs = template.findResources('AWS::Lambda::EventInvokeConfig');
    const sms = Object.values(configs).find((c) => JSON.stringify(c).includes('SmsInbound'));
    expect(sms?.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: expect.anything() } },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.some((a) => String(a.Properties?.AlarmDescription ?? '').includes('sms-inbound'))).toBe(true);
  });
});
