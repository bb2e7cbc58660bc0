/**
 * Campaigns out: `campaigns/<campaignId>.json` created → SQS → send-campaign (gate,
 * audience) → send queue → send-message (SESv2 SendEmail on the configuration set, or
 * an SMS through AWS End User Messaging).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import {
  bucketDefinition,
  contactsTable,
  ledgerTable,
  listMembersTable,
  sendsTable,
  suppressionsTable,
} from '../../shared/resources.ts';
import { HygieneFunction, type Platform } from './hygiene-function.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { WorkQueue } from './work-queue.ts';

export const CAMPAIGN_QUEUE_ENV_VAR = 'CAMPAIGN_QUEUE_URL';
export const SEND_QUEUE_ENV_VAR = 'SEND_QUEUE_URL';

export interface SendingProps {
  configurationSet: ses.IConfigurationSet;
  /** rules.md §7b: messages to contacts with tracking consent */
  trackedConfigurationSet: ses.IConfigurationSet;
  /** where unsubscribe tokens are redeemed: `<base>/u/<token>` */
  unsubscribeBaseUrl: string;
}

const campaignTimeout = Duration.minutes(15);
const messageTimeout = Duration.seconds(60);

export class Sending extends Construct {
  readonly campaignQueue: WorkQueue;
  readonly sendQueue: WorkQueue;
  readonly sendCampaign: HygieneFunction;
  readonly sendMessage: HygieneFunction;
  readonly outcomesQueue: WorkQueue;
  readonly callOutcomes: HygieneFunction;

  constructor(scope: Construct, id: string, platform: Platform, props: SendingProps) {
    super(scope, id);
    const { deployment } = platform.config;
    const settings = { unsubscribeBaseUrl: props.unsubscribeBaseUrl };

    this.campaignQueue = new WorkQueue(this, 'Campaigns', {
      monitoring: platform.monitoring,
      purpose: 'send-campaign (uploaded campaigns)',
      consumerTimeout: campaignTimeout,
    });
    this.campaignQueue.receiveObjectsCreated(platform.storage.bucket, bucketDefinition.campaignTrigger);
    this.sendQueue = new WorkQueue(this, 'Messages', {
      monitoring: platform.monitoring,
      purpose: 'send-message (messages to send)',
      consumerTimeout: messageTimeout,
    });

    // rules.md §6: the gate reads oppositions and expiry at send time, not at import.
    // A phone campaign gets its call sheet (reports/calls/) from the same gate, rules.md §6b.
    this.sendCampaign = new HygieneFunction(this, 'SendCampaign', platform, {
      name: 'send-campaign',
      description: 'judges a campaign and its audience, queues the allowed messages or writes the call sheet',
      timeout: campaignTimeout,
      memorySize: 1024,
      settings,
    })
      // A campaign without a list filter reaches every contact: a Scan of the contacts table.
      .useTable(contactsTable, 'read', { scan: true })
      .useTable(suppressionsTable, 'read')
      .useTable(sendsTable, 'readWrite')
      // audience by list: a Query of the list's members
      .useTable(listMembersTable, 'read')
      .useObjects(bucketDefinition.prefixes.campaigns, 'read')
      .useObjects(bucketDefinition.prefixes.reports, 'write')
      .useQueue(SEND_QUEUE_ENV_VAR, this.sendQueue.queue);
    this.sendCampaign.fn.addEventSource(
      new lambdaEvents.SqsEventSource(this.campaignQueue.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    const { partition, region, account } = Stack.of(this);
    const smsOriginators = ['phone-number', 'pool', 'sender-id', 'configuration-set'].map(
      (type) => `arn:${partition}:sms-voice:${region}:${account}:${type}/*`,
    );
    this.sendMessage = new HygieneFunction(this, 'SendMessage', platform, {
      name: 'send-message',
      description: 'sends one message through SES or SMS, at most once per contact and campaign',
      timeout: messageTimeout,
      settings,
    })
      .useTable(contactsTable, 'readWrite')
      .useTable(suppressionsTable, 'read')
      .useTable(sendsTable, 'readWrite')
      .useTable(ledgerTable, 'append')
      .useSecret()
      // SESv2 SendEmail is authorised on both the sending identity and the configuration set.
      .allow(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [
            `arn:${partition}:ses:${region}:${account}:identity/${deployment.sendingDomain}`,
            `arn:${partition}:ses:${region}:${account}:configuration-set/${props.configurationSet.configurationSetName}`,
            `arn:${partition}:ses:${region}:${account}:configuration-set/${props.trackedConfigurationSet.configurationSetName}`,
          ],
        }),
      )
      .allow(new iam.PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources: smsOriginators }));
    for (const originator of smsOriginators) {
      acknowledgeWildcardResource(
        this.sendMessage.role,
        originator,
        'The campaign names its SMS sender at run time; limited to origination identities of this account and region.',
      );
    }
    // rules.md §6b: the calls' outcomes come back as outcomes/<campaignId>.csv
    this.outcomesQueue = new WorkQueue(this, 'OutcomesFiles', {
      monitoring: platform.monitoring,
      purpose: 'call-outcomes (uploaded outcomes files)',
      consumerTimeout: campaignTimeout,
    });
    this.outcomesQueue.receiveObjectsCreated(platform.storage.bucket, bucketDefinition.outcomesTrigger);
    this.callOutcomes = new HygieneFunction(this, 'CallOutcomes', platform, {
      name: 'call-outcomes',
      description: 'records the outcomes of calls: refusals become oppositions, calls count for the cap',
      timeout: campaignTimeout,
    })
      // a number's contacts: the one keyed by it, and those whose phoneKey it is (byPhoneKey)
      .useTable(contactsTable, 'readWrite')
      .useTable(suppressionsTable, 'suppress')
      .useTable(ledgerTable, 'append')
      .useSecret()
      .useObjects(bucketDefinition.prefixes.outcomes, 'read')
      .useObjects(bucketDefinition.prefixes.reports, 'write');
    this.callOutcomes.fn.addEventSource(
      new lambdaEvents.SqsEventSource(this.outcomesQueue.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    // The concurrency cap is the sending rate's lever: SES throttles beyond the account's quota.
    this.sendMessage.fn.addEventSource(
      new lambdaEvents.SqsEventSource(this.sendQueue.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: deployment.senderConcurrency,
      }),
    );
  }
}
