/**
 * Lists in: `incoming/<listId>/manifest.json` created → SQS → ingest-list (design.md
 * §3.1: the manifest is the commit marker, written after the data file it names), which
 * plans the list in one sequential pass and starts one execution of the state machine:
 *
 *   Distributed Map over the plan's ranges ── ingest-range, one child execution per range
 *     ├─ every range ingested → ingest-finish { planKey } (the report) → Succeed
 *     └─ Catch: a range failed for good → ingest-finish { planKey, failure } (the list
 *        marked failed) → Fail
 */
import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  bucketDefinition,
  contactsTable,
  idempotencyTable,
  ledgerTable,
  listMembersTable,
  listsTable,
  suppressionsTable,
} from '../../shared/resources.ts';
import { HygieneFunction, type Platform } from './hygiene-function.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { WorkQueue } from './work-queue.ts';

/** env var and stack output of the ingestion queue's URL */
export const INGEST_QUEUE_ENV_VAR = 'INGEST_QUEUE_URL';
/** env var (of ingest-list: shared/ingest-execution.ts) and stack output of the state machine's ARN */
export const INGEST_STATE_MACHINE_ENV_VAR = 'INGEST_STATE_MACHINE_ARN';

const planTimeout = Duration.minutes(15);
const rangeTimeout = Duration.minutes(15);
const finishTimeout = Duration.minutes(5);
/**
 * No list takes a day, even one range at a time; an execution stuck beyond that times out
 * (and alarms) instead of running for the year a STANDARD workflow may.
 */
const executionTimeout = Duration.hours(24);
/** the Distributed Map's label: its Map Runs, and the ARNs of its child executions, carry it */
const RANGES_LABEL = 'IngestRanges';

/**
 * What a task retries: Lambda's own failures and throttles, and the function's errors
 * (`States.TaskFailed`: a range is idempotent, so a retry converges), with backoff.
 */
const retryTransient: sfn.RetryProps = {
  errors: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
    'Lambda.ClientExecutionTimeoutException',
    sfn.Errors.TASKS_FAILED,
  ],
  interval: Duration.seconds(10),
  backoffRate: 2,
  maxAttempts: 3,
  jitterStrategy: sfn.JitterType.FULL,
};

export class Ingestion extends Construct {
  readonly queue: WorkQueue;
  /** ingest-list: the planner */
  readonly handler: HygieneFunction;
  /** ingest-range: one byte range of a planned list */
  readonly rangeWorker: HygieneFunction;
  /** ingest-finish: the report from the ranges' parts, or the list marked failed */
  readonly finisher: HygieneFunction;
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, platform: Platform) {
    super(scope, id);
    const { prefixes } = bucketDefinition;
    this.queue = new WorkQueue(this, 'Manifests', {
      monitoring: platform.monitoring,
      purpose: 'ingest-list (uploaded manifests)',
      consumerTimeout: planTimeout,
    });
    this.queue.receiveObjectsCreated(platform.storage.bucket, bucketDefinition.ingestTrigger);

    // A range is the heavy part: rows judged, contacts looked up, merged and written;
    // memory also buys CPU for parsing.
    this.rangeWorker = new HygieneFunction(this, 'RangeWorker', platform, {
      name: 'ingest-range',
      description: 'judges and stores the rows of one byte range of a planned list',
      timeout: rangeTimeout,
      memorySize: 1769,
    })
      .useTable(contactsTable, 'readWrite')
      // read: oppositions (rules.md §4 R3); write: an export's opt-out becomes a suppression
      .useTable(suppressionsTable, 'suppress')
      // a member is written before its contact; nothing here reads members
      .useTable(listMembersTable, 'write')
      .useTable(ledgerTable, 'append')
      .useObjects(prefixes.incoming, 'read')
      // reads the plan, writes its part of the report
      .useObjects(prefixes.reports, 'readWrite')
      .useSecret();

    this.finisher = new HygieneFunction(this, 'Finisher', platform, {
      name: 'ingest-finish',
      description: "assembles a list's report from its ranges' parts, or marks the list failed",
      timeout: finishTimeout,
      memorySize: 1024,
    })
      .useTable(listsTable, 'readWrite')
      .useTable(ledgerTable, 'append')
      // the parts are deleted once the report holds them
      .useObjects(prefixes.reports, 'replace');

    this.stateMachine = this.createStateMachine(platform);

    // The planner: one sequential pass over the file (checksum, record boundaries,
    // duplicates), no contact read or written. It refuses a list, or starts its execution.
    this.handler = new HygieneFunction(this, 'Handler', platform, {
      name: 'ingest-list',
      description: 'plans an uploaded list (checksum, ranges, duplicates) and starts its ingestion',
      timeout: planTimeout,
      memorySize: 1769,
    })
      .useTable(listsTable, 'readWrite')
      .useTable(idempotencyTable, 'readWrite')
      .useTable(ledgerTable, 'append')
      .useObjects(prefixes.incoming, 'read')
      // the plan, and the report of a refused list
      .useObjects(prefixes.reports, 'write')
      .useSecret()
      .useStateMachine(INGEST_STATE_MACHINE_ENV_VAR, this.stateMachine);
    // One list per invocation: a list is a long job, and its failure must not replay others.
    this.handler.fn.addEventSource(
      new lambdaEvents.SqsEventSource(this.queue.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
  }

  private createStateMachine(platform: Platform): sfn.StateMachine {
    const { deployment } = platform.config;

    // Each child returns only its range's number: the Map gathers its children's outputs,
    // and numbers keep them far below the 256 KiB payload limit whatever the ranges count.
    // (The range's counts stay in the child's history and ingest-range's log.)
    const ingestRange = new tasks.LambdaInvoke(this, 'IngestRange', {
      lambdaFunction: this.rangeWorker.fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      outputPath: '$.range',
    }).addRetry(retryTransient);

    // STANDARD children: a range may take ingest-range's 15 minutes, beyond EXPRESS's 5.
    const ranges = new sfn.DistributedMap(this, 'IngestRanges', {
      comment: 'one child execution per byte range of the plan; a range failed for good fails the list',
      label: RANGES_LABEL,
      itemsPath: sfn.JsonPath.stringAt('$.ranges'),
      itemSelector: {
        planKey: sfn.JsonPath.stringAt('$.planKey'),
        range: sfn.JsonPath.numberAt('$$.Map.Item.Value'),
      },
      mapExecutionType: sfn.StateMachineType.STANDARD,
      maxConcurrency: deployment.ingestWorkers,
      // no range may fail: a list is ingested whole or marked failed (zero is also the
      // ASL default, and CDK leaves a zero out of the definition)
      toleratedFailurePercentage: 0,
      // the state keeps its input ({ planKey, ranges }) for the steps after it
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(ingestRange);

    const assembleReport = new tasks.LambdaInvoke(this, 'AssembleReport', {
      lambdaFunction: this.finisher.fn,
      payload: sfn.TaskInput.fromObject({ planKey: sfn.JsonPath.stringAt('$.planKey') }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    }).addRetry(retryTransient);
    const markListFailed = new tasks.LambdaInvoke(this, 'MarkListFailed', {
      lambdaFunction: this.finisher.fn,
      payload: sfn.TaskInput.fromObject({
        planKey: sfn.JsonPath.stringAt('$.planKey'),
        failure: sfn.JsonPath.objectAt('$.failure'),
      }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      // the state keeps the failure, for the Fail state to report
      resultPath: sfn.JsonPath.DISCARD,
    }).addRetry(retryTransient);
    // The list is marked failed, yet the execution must end FAILED, with the Map's error:
    // the alarm fires, and the Map Run in the console leads to the range that failed.
    markListFailed.next(
      new sfn.Fail(this, 'IngestionFailed', { errorPath: '$.failure.Error', causePath: '$.failure.Cause' }),
    );
    const caught = { errors: [sfn.Errors.ALL], resultPath: '$.failure' };
    ranges.addCatch(markListFailed, caught);
    // a report that cannot be assembled leaves the list failed, not ingesting for ever
    assembleReport.addCatch(markListFailed, caught);

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      // Step Functions delivers logs as a vended log source: under /aws/vendedlogs/ the
      // account's CloudWatch Logs resource policy does not grow with each log group.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-ingestion`,
      retention: deployment.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'prospect-hygiene: ingests the ranges of a planned list, then assembles its report',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        ranges.next(assembleReport).next(new sfn.Succeed(this, 'ListIngested')),
      ),
      timeout: executionTimeout,
      // Every event, but not the states' inputs and outputs: a failure's cause may quote
      // a message about a row, and logs carry no personal data (shared/powertools.ts).
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    platform.monitoring.alarmOnFailedExecutions(this, stateMachine, 'ingestion state machine');
    this.acknowledgeStateMachineFindings(stateMachine);
    return stateMachine;
  }

  /** cdk-nag findings on what CDK itself grants the state machine. */
  private acknowledgeStateMachineFindings(stateMachine: sfn.StateMachine): void {
    const { role } = stateMachine;
    for (const fn of [this.rangeWorker.fn, this.finisher.fn]) {
      acknowledgeWildcardResource(
        role,
        `${fn.functionArn}:*`,
        "CDK's LambdaInvoke grant also covers the function's own versions (ARN:*); no other function.",
      );
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Log delivery to CloudWatch Logs (logs:CreateLogDelivery, PutResourcePolicy, …) has no resource-level permissions; CDK grants these actions only on "*".',
    });
    // The executions of this state machine, as CDK's DistributedMap grant names them: the
    // Map starts its children as executions of the state machine itself, then describes,
    // stops and redrives them by names Step Functions makes at run time.
    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      resourceName: Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName,
    });
    for (const children of [`${executions}:*`, `${executions}/${RANGES_LABEL}:*`]) {
      acknowledgeWildcardResource(
        stateMachine,
        children,
        "The Distributed Map's child executions are named at run time; executions of this state machine only.",
      );
    }
    Validations.of(stateMachine).acknowledge({
      id: 'AwsSolutions-SF2',
      reason:
        'No function of the pipeline is traced with X-Ray either; the execution history and the ALL-level log show each range task, its retries and its error.',
    });
  }
}
