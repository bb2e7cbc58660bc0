/**
 * The alarm topic and the alarms on it: one per dead-letter queue (a message there is
 * an event that was not handled: a list not judged, an opposition not recorded), one
 * per function's errors, and one per state machine's executions that failed or timed out
 * (a list not ingested).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface MonitoringProps {
  /** the alarm topic's key (no personal data goes there) */
  opsKey: kms.Key;
  alarmEmail?: string | undefined;
}

/** as the functions' environment names them (hygiene-function.ts) */
export const METRICS_NAMESPACE = 'ProspectHygiene';
export const SERVICE_NAME = 'prospect-hygiene';

export class Monitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, { opsKey, alarmEmail }: MonitoringProps) {
    super(scope, id);
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'prospect-hygiene alarms',
      masterKey: opsKey,
      enforceSSL: true,
    });
    // CloudWatch publishes to an encrypted topic only if the key lets it: the operations
    // key, which protects no personal data (issue 19).
    opsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    if (alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
    this.action = new actions.SnsAction(this.alarmTopic);
  }

  /** Alarms as soon as one message waits in the dead-letter queue (the alarm is created in `scope`). */
  alarmOnDeadLetters(scope: Construct, deadLetterQueue: sqs.IQueue, what: string): cloudwatch.Alarm {
    return this.alarm(scope, 'DeadLettersAlarm', {
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      alarmDescription: `${what}: messages in the dead-letter queue were not handled`,
    });
  }

  /** Alarms on any error of the function within five minutes (the alarm is created in `scope`). */
  alarmOnErrors(scope: Construct, fn: lambda.IFunction, what: string): cloudwatch.Alarm {
    return this.alarm(scope, 'ErrorsAlarm', {
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      alarmDescription: `${what}: the function failed`,
    });
  }

  /**
   * Alarms on any execution of the state machine that failed or timed out within five
   * minutes (the alarm is created in `scope`). A failed ingestion has marked its list
   * failed, but only an operator can say why a range kept failing.
   */
  alarmOnFailedExecutions(scope: Construct, stateMachine: sfn.IStateMachine, what: string): cloudwatch.Alarm {
    const period = Duration.minutes(5);
    return this.alarm(scope, 'FailedExecutionsAlarm', {
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: stateMachine.metricFailed({ period, statistic: 'Sum' }),
          timedOut: stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
        },
        period,
        label: 'executions failed or timed out',
      }),
      alarmDescription: `${what}: an execution failed or timed out`,
    });
  }

  /**
   * Alarms when a function reports one of the pipeline's own metrics (Powertools EMF,
   * namespace ProspectHygiene, dimension `service`) within five minutes.
   */
  alarmOnMetric(scope: Construct, id: string, metricName: string, what: string): cloudwatch.Alarm {
    return this.alarm(scope, id, {
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      alarmDescription: what,
    });
  }

  private alarm(
    scope: Construct,
    id: string,
    props: Pick<cloudwatch.AlarmProps, 'metric' | 'alarmDescription'>,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      ...props,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }
}
