/**
 * Retention (rules.md §5): the nightly purge at 03:00 Europe/Paris, and receipts for
 * what DynamoDB's TTL deletes behind it (contacts stream, REMOVE by the TTL service).
 */
import { Duration, TimeZone } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { contactsTable, ledgerTable, listMembersTable, listsTable } from '../../shared/resources.ts';
import { FunctionSchedule } from './function-schedule.ts';
import { HygieneFunction, type Platform } from './hygiene-function.ts';
import { DeadLetterQueue } from './work-queue.ts';

const purgeTimeout = Duration.minutes(15);
const receiptsTimeout = Duration.seconds(60);

/** EventBridge Scheduler, daily 03:00 Europe/Paris → retention-purge. */
export class RetentionPurge extends Construct {
  readonly handler: HygieneFunction;
  readonly schedule: FunctionSchedule;
  readonly continuation: FunctionSchedule;

  constructor(scope: Construct, id: string, platform: Platform) {
    super(scope, id);
    this.handler = new HygieneFunction(this, 'Handler', platform, {
      name: 'retention-purge',
      description: 'deletes expired contacts, flags re-permission, writes receipts',
      timeout: purgeTimeout,
      memorySize: 1024,
    })
      .useTable(contactsTable, 'readWrite')
      // an expired contact is deleted with its list memberships
      .useTable(listMembersTable, 'write')
      .useTable(ledgerTable, 'append')
      // the purge's watermark, cursor and lease live in a reserved item of the lists table
      .useTable(listsTable, 'readWrite');

    // rules.md §5: every night at 03:00 French time, summer and winter alike. A run that
    // reaches the Lambda time limit stops at a saved cursor; the `continue` schedule
    // resumes it (and does nothing when no run is unfinished).
    this.schedule = new FunctionSchedule(this, 'Nightly', {
      target: this.handler,
      expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3', timeZone: TimeZone.EUROPE_PARIS }),
      input: { source: 'schedule', mode: 'run' },
      description: 'nightly retention purge',
      monitoring: platform.monitoring,
    });
    this.continuation = new FunctionSchedule(this, 'Continue', {
      target: this.handler,
      expression: scheduler.ScheduleExpression.rate(Duration.minutes(20)),
      input: { source: 'schedule', mode: 'continue' },
      description: 'retention purge continuation',
      monitoring: platform.monitoring,
    });
  }
}

/** Contacts stream, REMOVE records of the TTL service only → ttl-receipts. */
export class TtlReceipts extends Construct {
  readonly handler: HygieneFunction;
  /** stream batches the function gave up on */
  readonly failures: DeadLetterQueue;

  constructor(scope: Construct, id: string, platform: Platform) {
    super(scope, id);
    this.failures = new DeadLetterQueue(this, 'Failures', {
      monitoring: platform.monitoring,
      purpose: 'ttl-receipts (stream batches not handled)',
      standalone: true,
    });
    this.handler = new HygieneFunction(this, 'Handler', platform, {
      name: 'ttl-receipts',
      description: 'writes a receipt for each contact DynamoDB TTL deleted',
      timeout: receiptsTimeout,
    })
      .useTable(ledgerTable, 'append')
      // DynamoDB's TTL deleted the contact; its list memberships go here (the old image names its lists)
      .useTable(listMembersTable, 'write');
    // rules.md §5: only deletions by the TTL service; the purge writes its own receipts.
    this.handler.fn.addEventSource(
      new lambdaEvents.DynamoEventSource(platform.storage.table(contactsTable), {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        retryAttempts: 5,
        reportBatchItemFailures: true,
        onFailure: new lambdaEvents.SqsDlq(this.failures.queue),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('REMOVE'),
            userIdentity: {
              type: lambda.FilterRule.isEqual('Service'),
              principalId: lambda.FilterRule.isEqual('dynamodb.amazonaws.com'),
            },
          }),
        ],
      }),
    );
  }
}
