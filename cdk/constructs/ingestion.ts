/**
 * Lists in: `incoming/<listId>/manifest.json` created → SQS → ingest-list (design.md
 * §3.1: the manifest is the commit marker, written after the data file it names).
 */
import { Duration } from 'aws-cdk-lib';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import {
  bucketDefinition,
  contactsTable,
  idempotencyTable,
  ledgerTable,
  listsTable,
  suppressionsTable,
} from '../../shared/resources.ts';
import { HygieneFunction, type Platform } from './hygiene-function.ts';
import { WorkQueue } from './work-queue.ts';

/** env var and stack output of the ingestion queue's URL */
export const INGEST_QUEUE_ENV_VAR = 'INGEST_QUEUE_URL';

export class Ingestion extends Construct {
  readonly queue: WorkQueue;
  readonly handler: HygieneFunction;

  constructor(scope: Construct, id: string, platform: Platform) {
    super(scope, id);
    const timeout = Duration.minutes(15);
    this.queue = new WorkQueue(this, 'Manifests', {
      monitoring: platform.monitoring,
      purpose: 'ingest-list (uploaded manifests)',
      consumerTimeout: timeout,
    });
    platform.storage.bucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.SqsDestination(this.queue.queue),
      bucketDefinition.ingestTrigger,
    );

    // A 100,000-row list streams through in minutes; memory also buys CPU for parsing.
    this.handler = new HygieneFunction(this, 'Handler', platform, {
      name: 'ingest-list',
      description: 'judges an uploaded list and stores its contacts',
      timeout,
      memorySize: 1769,
    })
      // scan, describe: the stored keys are read once per list (the key register's check,
      // or its rebuild when the table is small next to the list: shared/flows/contacts-check.ts)
      .useTable(contactsTable, 'readWrite', { scan: true, describe: true })
      // scan, describe: the whole table is read once per list when it is small, as its item
      // count tells (rules.md §4 R3 snapshot)
      .useTable(suppressionsTable, 'read', { scan: true, describe: true })
      .useTable(listsTable, 'readWrite')
      .useTable(idempotencyTable, 'readWrite')
      .useTable(ledgerTable, 'readWrite')
      .useObjects(bucketDefinition.prefixes.incoming, 'read')
      .useObjects(bucketDefinition.prefixes.reports, 'write')
      // the register of stored contact keys: read, written, its merged objects deleted
      // (shared/store/contact-keys.ts)
      .useObjects(bucketDefinition.prefixes.contactKeys, 'replace')
      .useSecret();
    // One list per invocation: a list is a long job, and its failure must not replay others.
    this.handler.fn.addEventSource(
      new lambdaEvents.SqsEventSource(this.queue.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
  }
}
