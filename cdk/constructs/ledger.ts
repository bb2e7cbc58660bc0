/**
 * The evidence ledger's AWS side (rules.md §8): a daily digest of every chain written to
 * the Object Lock bucket, and the data-subject-rights function operators invoke with
 * their IAM credentials (no URL, no trigger).
 */
import { Duration, TimeZone } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { contactsTable, ledgerTable, listMembersTable, listsTable, suppressionsTable } from '../../shared/resources.ts';
import { FunctionSchedule } from './function-schedule.ts';
import { HygieneFunction, type Platform } from './hygiene-function.ts';

/** EventBridge Scheduler, daily 04:30 Europe/Paris → ledger-digest → the digest bucket. */
export class LedgerDigest extends Construct {
  readonly handler: HygieneFunction;
  readonly schedule: FunctionSchedule;

  constructor(scope: Construct, id: string, platform: Platform) {
    super(scope, id);
    this.handler = new HygieneFunction(this, 'Handler', platform, {
      name: 'ledger-digest',
      description: 'writes the daily digest of the ledger chains under Object Lock',
      timeout: Duration.minutes(5),
    })
      .useTable(ledgerTable, 'read')
      .useDigestBucket();
    // After the 03:00 purge, so the night's receipts are in the digest.
    this.schedule = new FunctionSchedule(this, 'Daily', {
      target: this.handler,
      expression: scheduler.ScheduleExpression.cron({ minute: '30', hour: '4', timeZone: TimeZone.EUROPE_PARIS }),
      input: { source: 'schedule' },
      description: 'daily ledger digest',
      monitoring: platform.monitoring,
    });
  }
}

/** Export and erasure for the DPO (rules.md §9): invoked with IAM credentials only. */
export class DataSubjectRights extends Construct {
  readonly handler: HygieneFunction;

  constructor(scope: Construct, id: string, platform: Platform) {
    super(scope, id);
    // Erasure deletes the contact and keeps (or adds) the suppression entry.
    this.handler = new HygieneFunction(this, 'Handler', platform, {
      name: 'dsr',
      description: 'data-subject requests: export and erasure (operators, IAM-invoked)',
      timeout: Duration.minutes(5),
    })
      .useTable(contactsTable, 'readWrite')
      // erasure deletes the contact's list memberships with it
      .useTable(listMembersTable, 'write')
      .useTable(suppressionsTable, 'suppress')
      .useTable(listsTable, 'read')
      .useTable(ledgerTable, 'append')
      .useSecret();
  }
}
