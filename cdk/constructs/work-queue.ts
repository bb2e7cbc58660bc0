/**
 * Queues: every queue of the stack has a dead-letter queue, and every dead-letter queue
 * an alarm on its depth (design.md §4).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Monitoring } from './monitoring.ts';

/** a message that failed this many times is parked in the DLQ */
export const MAX_RECEIVE_COUNT = 5;

export interface DeadLetterQueueProps {
  monitoring: Monitoring;
  /** what failed when a message lands here, for the alarm's description */
  purpose: string;
  /** set when the failures come from a schedule or a stream rather than from another queue */
  standalone?: boolean;
}

/** Where failed work is parked for an operator; alarms as soon as one message is in it. */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, { monitoring, purpose, standalone }: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    monitoring.alarmOnDeadLetters(this, this.queue, purpose);
    if (standalone) {
      Validations.of(this.queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue (of a schedule or a stream), with an alarm on its depth.',
      });
    }
  }
}

export interface WorkQueueProps {
  monitoring: Monitoring;
  /** what the queue carries, for the alarm's description */
  purpose: string;
  /** the consuming function's timeout: the visibility timeout is six times it (AWS's advice for SQS event sources) */
  consumerTimeout: Duration;
}

export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, { monitoring, purpose, consumerTimeout }: WorkQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { monitoring, purpose }).queue;
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
  }

  /** Objects created in the bucket under a trigger's prefix and suffix (shared/resources.ts) are announced here. */
  receiveObjectsCreated(bucket: s3.IBucket, trigger: { prefix: string; suffix: string }): this {
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), trigger);
    return this;
  }
}
