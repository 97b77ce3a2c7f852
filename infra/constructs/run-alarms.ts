// Alarms that page someone when a run needs a human: it failed (held or aborted runs end in Fail), timed
// out, was stopped by hand (its cluster may be out of service), or has sat paused for approval too long.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface RunAlarmsProps {
  stateMachine: IStateMachine;
  handlerLogGroup: ILogGroup;
  /** Alarm once a run has been paused (consecutively) this long. */
  pausedAlarmAfter: Duration;
  /** How often a paused run is polled: each poll logs one `"status":"paused"` line. */
  approvalPollInterval: Duration;
  alarmEmail?: string;
}

export const PAUSED_METRIC = { namespace: 'Quiesce', metricName: 'PausedAdvances' } as const;

export class RunAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: RunAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'quiesce run alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const executions = (metric: IMetric, name: string, description: string) => {
      const alarm = new Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };
    const period = Duration.minutes(5);
    executions(
      props.stateMachine.metricFailed({ period, statistic: 'Sum' }),
      'ExecutionsFailed',
      'A quiesce run ended held or aborted, or its handler failed: read the execution\'s error and cause',
    );
    executions(
      props.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
      'ExecutionsTimedOut',
      'A quiesce run outlived the state machine timeout: its cluster may still be out of service',
    );
    executions(
      props.stateMachine.metricAborted({ period, statistic: 'Sum' }),
      'ExecutionsAborted',
      'A quiesce execution was stopped by hand: the run it drove may have a cluster out of service',
    );

    // The handler logs one JSON line per advance with a top-level `status`.
    new MetricFilter(this, 'PausedFilter', {
      logGroup: props.handlerLogGroup,
      filterPattern: FilterPattern.stringValue('$.status', '=', 'paused'),
      metricNamespace: PAUSED_METRIC.namespace,
      metricName: PAUSED_METRIC.metricName,
      metricValue: '1',
    });
    // A period at least as long as the poll interval, so a paused run leaves a datapoint in every period.
    const pollMinutes = Math.ceil(props.approvalPollInterval.toSeconds() / 60);
    const pausedPeriod = Duration.minutes(Math.max(5, pollMinutes));
    const periods = Math.max(1, Math.ceil(props.pausedAlarmAfter.toSeconds() / pausedPeriod.toSeconds()));
    const paused = new Alarm(this, 'PausedTooLong', {
      alarmDescription: `A quiesce run has waited for approval for about ${props.pausedAlarmAfter.toHumanString()}: approve or abort it`,
      metric: new Metric({ ...PAUSED_METRIC, statistic: 'Sum', period: pausedPeriod }),
      threshold: 1,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    paused.addAlarmAction(action);
    this.alarms.push(paused);
  }
}
