/**
 * Every way a person says no (rules.md §8), each to its own function:
 * - SES configuration set (account suppression of bounces and complaints on) → events
 *   on the default EventBridge bus → rule → SQS → ses-events;
 * - the one-click unsubscribe endpoint (RFC 8058) → Function URL → unsubscribe;
 * - SMS STOP replies (AWS End User Messaging two-way SMS) → SNS → sms-inbound.
 */
import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { contactsTable, ledgerTable, listMembersTable, sendsTable, suppressionsTable } from '../../shared/resources.ts';
import { HygieneFunction, type Platform } from './hygiene-function.ts';
import { DeadLetterQueue, WorkQueue } from './work-queue.ts';

const sesEventsTimeout = Duration.seconds(60);
const unsubscribeTimeout = Duration.seconds(10);

/** SES configuration set → EventBridge default bus → rule → SQS → ses-events. */
export class SesEvents extends Construct {
  /** every message by default: untracked (no open pixel, links unchanged; rules.md §7b) */
  readonly configurationSet: ses.ConfigurationSet;
  /** messages to contacts with tracking consent only (rules.md §7b): open and click tracking */
  readonly trackedConfigurationSet: ses.ConfigurationSet;
  readonly queue: WorkQueue;
  readonly handler: HygieneFunction;

  constructor(scope: Construct, id: string, platform: Platform) {
    super(scope, id);
    const { settings } = platform.config;
    // rules.md §8: a hard bounce or a complaint stops every later message, even one sent
    // by a path that forgot to check our own suppressions.
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    /** what both sets publish: everything about delivery and the person's "no", never opens or clicks */
    const untrackedEvents = [
      ses.EmailSendingEvent.SEND,
      ses.EmailSendingEvent.REJECT,
      ses.EmailSendingEvent.BOUNCE,
      ses.EmailSendingEvent.COMPLAINT,
      ses.EmailSendingEvent.DELIVERY,
      ses.EmailSendingEvent.DELIVERY_DELAY,
      ses.EmailSendingEvent.SUBSCRIPTION,
      ses.EmailSendingEvent.RENDERING_FAILURE,
    ];
    const configurationSet = (id: string, name: string, events: ses.EmailSendingEvent[]) => {
      const set = new ses.ConfigurationSet(this, id, {
        configurationSetName: name,
        suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        reputationMetrics: true,
        sendingEnabled: true,
      });
      // SES publishes to the account's default bus only. SES inserts an open pixel and
      // rewrites links only for a set whose destination takes open and click events.
      set.addEventDestination('ToEventBridge', { destination: ses.EventDestination.eventBus(defaultBus), events });
      return set;
    };
    this.configurationSet = configurationSet('ConfigurationSet', settings.configurationSet, untrackedEvents);
    this.trackedConfigurationSet = configurationSet('TrackedConfigurationSet', settings.trackedConfigurationSet, [
      ...untrackedEvents,
      ses.EmailSendingEvent.OPEN,
      ses.EmailSendingEvent.CLICK,
    ]);

    this.queue = new WorkQueue(this, 'Events', {
      monitoring: platform.monitoring,
      purpose: 'ses-events (bounces, complaints, clicks)',
      consumerTimeout: sesEventsTimeout,
    });
    new events.Rule(this, 'Rule', {
      description: 'prospect-hygiene: events of the configuration set → ses-events queue',
      eventPattern: {
        source: ['aws.ses'],
        // only this deployment's messages, not another application's on the same account
        detail: {
          mail: { tags: { 'ses:configuration-set': [settings.configurationSet, settings.trackedConfigurationSet] } },
        },
      },
      targets: [new eventTargets.SqsQueue(this.queue.queue, { deadLetterQueue: this.queue.deadLetterQueue })],
    });
    // No bucket access at all: events name contacts by the suppression key in their tags.
    this.handler = new HygieneFunction(this, 'Handler', platform, {
      name: 'ses-events',
      description: 'records bounces, complaints and unsubscribes; clicks extend retention',
      timeout: sesEventsTimeout,
    })
      .useTable(suppressionsTable, 'suppress')
      .useTable(contactsTable, 'readWrite')
      // a bounced contact is deleted with its list memberships
      .useTable(listMembersTable, 'write')
      .useTable(ledgerTable, 'append')
      // rules.md §6: each campaign's breaker (counts, pause) lives beside its sends
      .useTable(sendsTable, 'readWrite')
      .useSecret();
    this.handler.fn.addEventSource(
      new lambdaEvents.SqsEventSource(this.queue.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    // rules.md §6, §8: a campaign paused by its breaker, a bounce blaming the sender's authentication
    platform.monitoring.alarmOnMetric(
      this,
      'CampaignPausedAlarm',
      'CampaignPaused',
      'a campaign was paused by its complaint or bounce rate: resume or cancel it (hygiene campaign)',
    );
    platform.monitoring.alarmOnMetric(
      this,
      'SenderAuthFailureAlarm',
      'SenderAuthFailure',
      'a bounce blames the sender authentication (SPF, DKIM, DMARC): fix the sending domain',
    );
  }
}

/** The one-click unsubscribe endpoint (RFC 8058): a public Function URL → unsubscribe. */
export class Unsubscribe extends Construct {
  readonly handler: HygieneFunction;
  readonly url: lambda.FunctionUrl;
  /** `https://<id>.lambda-url.<region>.on.aws`, no trailing slash: tokens go under `/u/` */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, platform: Platform) {
    super(scope, id);
    // Suppressions and the ledger, nothing else: the endpoint is public.
    this.handler = new HygieneFunction(this, 'Handler', platform, {
      name: 'unsubscribe',
      description: 'one-click unsubscribe endpoint (RFC 8058) and tracking withdrawal (rules.md §7b)',
      timeout: unsubscribeTimeout,
      reservedConcurrency: platform.config.deployment.unsubscribeConcurrency,
    })
      .useTable(suppressionsTable, 'suppress')
      .useTable(ledgerTable, 'append')
      // rules.md §7b: a withdrawal rewrites the contact by a versioned conditional put: read
      // and put only — the public endpoint can neither delete nor batch-write contacts
      .useTable(contactsTable, 'append')
      .useSecret();
    // RFC 8058: mailbox providers POST without credentials; the signed token is the authorisation.
    this.url = this.handler.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    this.baseUrl = Fn.join('', ['https://', Fn.select(2, Fn.split('/', this.url.url))]);
  }
}

/** SMS STOP replies: AWS End User Messaging two-way SMS → SNS (KMS) → sms-inbound. */
export class SmsInbound extends Construct {
  readonly topic: sns.Topic;
  readonly handler: HygieneFunction;
  /** replies the function failed on, for an operator */
  readonly failures: DeadLetterQueue;

  constructor(scope: Construct, id: string, platform: Platform) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'prospect-hygiene inbound SMS',
      masterKey: platform.storage.dataKey,
      enforceSSL: true,
    });
    // AWS End User Messaging publishes the replies; only on behalf of this account
    // (confused-deputy guard).
    const smsService = new iam.ServicePrincipal('sms-voice.amazonaws.com');
    const thisAccount = { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [smsService],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: thisAccount,
      }),
    );
    platform.storage.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [smsService],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: thisAccount,
      }),
    );
    this.handler = new HygieneFunction(this, 'Handler', platform, {
      name: 'sms-inbound',
      description: 'records SMS STOP replies as oppositions',
    })
      .useTable(suppressionsTable, 'suppress')
      .useTable(ledgerTable, 'append')
      .useSecret();
    this.handler.fn.addEventSource(new lambdaEvents.SnsEventSource(this.topic));
    // rules.md §0.3: a STOP is never dropped. An event the function fails on (a STOP whose
    // number cannot be read, a store down) is retried twice by Lambda, then parked here,
    // where the alarm calls an operator.
    this.failures = new DeadLetterQueue(this, 'Failures', {
      monitoring: platform.monitoring,
      purpose: 'sms-inbound (replies not handled: a STOP may be among them)',
      standalone: true,
    });
    this.handler.fn.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new lambdaDestinations.SqsDestination(this.failures.queue),
    });
  }
}
