/**
 * The pipeline of design.md §4, split by concern into constructs. Reads like a table of
 * contents: storage and alarms, then each flow, then the outputs the `hygiene` CLI reads.
 */
import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { bucketDefinition, stackOutputKey, type TableDefinition, tables } from '../shared/resources.ts';
import { type Platform, SECRET_ENV_VAR } from './constructs/hygiene-function.ts';
import { INGEST_QUEUE_ENV_VAR, INGEST_STATE_MACHINE_ENV_VAR, Ingestion } from './constructs/ingestion.ts';
import { DataSubjectRights, LedgerDigest } from './constructs/ledger.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { SesEvents, SmsInbound, Unsubscribe } from './constructs/oppositions.ts';
import { RetentionPurge, TtlReceipts } from './constructs/retention.ts';
import { CAMPAIGN_QUEUE_ENV_VAR, SEND_QUEUE_ENV_VAR, Sending } from './constructs/sending.ts';
import { Storage } from './constructs/storage.ts';
import { type DeploymentConfig, readDeploymentConfig } from './settings.ts';

export interface ProspectHygieneStackProps extends StackProps {
  /** the configuration; read from CDK context when absent */
  config?: DeploymentConfig;
}

export class ProspectHygieneStack extends Stack {
  readonly config: DeploymentConfig;
  readonly storage: Storage;
  readonly monitoring: Monitoring;
  readonly ingestion: Ingestion;
  readonly sesEvents: SesEvents;
  readonly unsubscribe: Unsubscribe;
  readonly smsInbound: SmsInbound;
  readonly sending: Sending;
  readonly retentionPurge: RetentionPurge;
  readonly ttlReceipts: TtlReceipts;
  readonly ledgerDigest: LedgerDigest;
  readonly dataSubjectRights: DataSubjectRights;

  constructor(scope: Construct, id: string, props: ProspectHygieneStackProps = {}) {
    super(scope, id, props);
    this.config = props.config ?? readDeploymentConfig(this.node);
    const { deployment } = this.config;

    this.storage = new Storage(this, 'Storage', { deployment });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      opsKey: this.storage.opsKey,
      alarmEmail: deployment.alarmEmail,
    });
    const platform: Platform = { storage: this.storage, monitoring: this.monitoring, config: this.config };

    this.ingestion = new Ingestion(this, 'Ingestion', platform);
    this.sesEvents = new SesEvents(this, 'SesEvents', platform);
    this.unsubscribe = new Unsubscribe(this, 'Unsubscribe', platform);
    this.smsInbound = new SmsInbound(this, 'SmsInbound', platform);
    this.sending = new Sending(this, 'Sending', platform, {
      configurationSet: this.sesEvents.configurationSet,
      trackedConfigurationSet: this.sesEvents.trackedConfigurationSet,
      unsubscribeBaseUrl: this.config.unsubscribeBaseUrl ?? this.unsubscribe.baseUrl,
    });
    this.retentionPurge = new RetentionPurge(this, 'RetentionPurge', platform);
    this.ttlReceipts = new TtlReceipts(this, 'TtlReceipts', platform);
    this.ledgerDigest = new LedgerDigest(this, 'LedgerDigest', platform);
    this.dataSubjectRights = new DataSubjectRights(this, 'DataSubjectRights', platform);
    this.acknowledgeCdkInternals();

    // The CLI maps each output back to the env var it is named after (stackOutputKey).
    this.output(bucketDefinition.envVar, this.storage.bucket.bucketName, 'lists bucket');
    this.output(
      bucketDefinition.digestBucketEnvVar,
      this.storage.digestBucket.bucketName,
      'ledger digests (Object Lock)',
    );
    for (const def of tables as readonly TableDefinition[]) {
      this.output(def.envVar, this.storage.table(def).tableName, `${def.id} table`);
    }
    this.output(SECRET_ENV_VAR, this.storage.secret.secretArn, 'HMAC keys (Secrets Manager)');
    this.output(
      'CONFIGURATION_SET',
      this.sesEvents.configurationSet.configurationSetName,
      'SES configuration set (untracked)',
    );
    this.output(
      'TRACKED_CONFIGURATION_SET',
      this.sesEvents.trackedConfigurationSet.configurationSetName,
      'SES configuration set with open and click tracking (contacts with tracking consent)',
    );
    this.output('UNSUBSCRIBE_BASE_URL', this.unsubscribe.baseUrl, 'one-click unsubscribe endpoint');
    this.output(INGEST_QUEUE_ENV_VAR, this.ingestion.queue.queue.queueUrl, 'manifests to ingest');
    this.output(
      INGEST_STATE_MACHINE_ENV_VAR,
      this.ingestion.stateMachine.stateMachineArn,
      'ingestions of planned lists',
    );
    this.output('SES_EVENTS_QUEUE_URL', this.sesEvents.queue.queue.queueUrl, 'SES events to handle');
    this.output(CAMPAIGN_QUEUE_ENV_VAR, this.sending.campaignQueue.queue.queueUrl, 'campaigns to send');
    this.output(SEND_QUEUE_ENV_VAR, this.sending.sendQueue.queue.queueUrl, 'messages to send');
    this.output('SMS_INBOUND_TOPIC_ARN', this.smsInbound.topic.topicArn, 'two-way SMS destination');
    this.output('DSR_FUNCTION_NAME', this.dataSubjectRights.handler.fn.functionName, 'data-subject requests');
    this.output('ALARM_TOPIC_ARN', this.monitoring.alarmTopic.topicArn, 'alarms');
    this.output('AWS_REGION', this.region, 'region of the stack');
  }

  /**
   * CDK's own helper functions (not ours to configure): the singleton that writes the
   * bucket's event notifications.
   */
  private acknowledgeCdkInternals(): void {
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      Validations.of(child).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's BucketNotificationsHandler (custom resource that writes the bucket's notification configuration) comes with its basic execution role.",
      });
    }
  }

  /** An output named after the env var that carries the value (`CONTACTS_TABLE` → `ContactsTable`). */
  private output(envVar: string, value: string, description: string): void {
    const key = stackOutputKey(envVar);
    new CfnOutput(this, key, {
      value,
      description: `${envVar}: ${description}`,
      exportName: `${this.stackName}-${key}`,
    });
  }
}
