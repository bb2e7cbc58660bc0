/**
 * A function invoked on an EventBridge Scheduler schedule (cron with a time zone, so
 * 03:00 Paris stays 03:00 across daylight-saving changes), with its own role and a
 * dead-letter queue for invocations that still failed after the retries.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { HygieneFunction } from './hygiene-function.ts';
import type { Monitoring } from './monitoring.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { DeadLetterQueue } from './work-queue.ts';

export interface FunctionScheduleProps {
  target: HygieneFunction;
  expression: scheduler.ScheduleExpression;
  /** the event the function receives */
  input: Record<string, string>;
  description: string;
  monitoring: Monitoring;
}

export class FunctionSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly role: iam.Role;
  readonly failures: DeadLetterQueue;

  constructor(
    scope: Construct,
    id: string,
    { target, expression, input, description, monitoring }: FunctionScheduleProps,
  ) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      // Only schedules of this account may use the role (confused-deputy guard).
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `prospect-hygiene: ${description}`,
    });
    this.failures = new DeadLetterQueue(this, 'Failures', {
      monitoring,
      purpose: `${description} (scheduled invocations that failed)`,
      standalone: true,
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `prospect-hygiene: ${description}`,
      schedule: expression,
      target: new schedulerTargets.LambdaInvoke(target.fn, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject(input),
        retryAttempts: 3,
        deadLetterQueue: this.failures.queue,
      }),
    });
    acknowledgeWildcardResource(
      this.role,
      `${target.fn.functionArn}:*`,
      "CDK's grantInvoke also covers the function's own versions (ARN:*); no other function.",
    );
  }
}
