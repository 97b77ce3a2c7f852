// The quiesce stack: run table, run handler, the run state machine, schedules for scheduled plans, and
// alarms. Plans are props: the handler's IAM policy is derived from exactly the plans deployed here.
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ConfigError } from '../src/errors.js';
import { PlanSchedules } from './constructs/plan-schedules.js';
import { RunAlarms } from './constructs/run-alarms.js';
import { RunNotifications } from './constructs/run-notifications.js';
import type { HandlerNetwork } from './constructs/handler-network.js';
import { RunHandler, type HandlerSource } from './constructs/run-handler.js';
import { RunStateMachine } from './constructs/run-state-machine.js';
import { RunTable } from './constructs/run-table.js';
import type { DeployedPlan } from './deployed-plan.js';
import { DEFAULT_HANDLER_ENTRY, DEFAULT_LOCK_FILE, REPO_ROOT } from './paths.js';
import { permissionsForPlans } from '../src/plan/permissions.js';

export interface QuiesceStackProps extends StackProps {
  plans: readonly DeployedPlan[];
  /** Default: src/lambda/handler.ts of this repository. */
  handler?: Partial<HandlerSource>;
  /** Default 5 minutes; at most 900 s (the Lambda cap). */
  handlerTimeout?: Duration;
  /** Default 60 s. Each poll of a paused run costs three state transitions. */
  approvalPollInterval?: Duration;
  /** Default 24 hours. */
  runTimeout?: Duration;
  /** Default 30 minutes; at most 24 hours (CloudWatch evaluates at most a day). */
  pausedAlarmAfter?: Duration;
  /** Subscribe this address to the alarm topic. */
  alarmEmail?: string;
  /** Default one month, for both log groups. */
  logRetention?: RetentionDays;
  /** LOG_LEVEL of the handler; default info. */
  logLevel?: string;
  /** Waits up to this long happen inside one invocation; default the handler's (60 s). */
  inlineWaitSeconds?: number;
  /** Run the handler inside a VPC (needed for verify.redis: ElastiCache has private endpoints only). */
  network?: HandlerNetwork;
}

export class QuiesceStack extends Stack {
  readonly table: RunTable;
  readonly handler: RunHandler;
  readonly runs: RunStateMachine;
  readonly schedules: PlanSchedules;
  readonly alarms: RunAlarms;
  readonly notifications: RunNotifications;

  constructor(scope: Construct, id: string, props: QuiesceStackProps) {
    super(scope, id, props);
    const account = props.env?.account;
    if (!account) throw new ConfigError('QuiesceStack needs env.account: the IAM policy names the plans\' account');
    const approvalPollInterval = props.approvalPollInterval ?? Duration.seconds(60);
    const pausedAlarmAfter = props.pausedAlarmAfter ?? Duration.minutes(30);
    if (pausedAlarmAfter.toSeconds() > 86_400) throw new ConfigError('pausedAlarmAfter must be at most 24 hours');
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.table = new RunTable(this, 'Runs');
    this.handler = new RunHandler(this, 'Handler', {
      source: {
        entry: props.handler?.entry ?? DEFAULT_HANDLER_ENTRY,
        projectRoot: props.handler?.projectRoot ?? REPO_ROOT,
        depsLockFilePath: props.handler?.depsLockFilePath ?? DEFAULT_LOCK_FILE,
      },
      table: this.table.table,
      permissions: permissionsForPlans(
        props.plans.map((p) => p.plan),
        { account },
      ),
      timeout: props.handlerTimeout ?? Duration.minutes(5),
      logRetention,
      logLevel: props.logLevel ?? 'info',
      ...(props.inlineWaitSeconds !== undefined ? { inlineWaitSeconds: props.inlineWaitSeconds } : {}),
      ...(props.network ? { network: props.network } : {}),
    });
    this.runs = new RunStateMachine(this, 'RunMachine', {
      fn: this.handler.fn,
      logGroup: new LogGroup(this, 'RunMachineLogs', { retention: logRetention }),
      approvalPollInterval,
      runTimeout: props.runTimeout ?? Duration.hours(24),
    });
    this.schedules = new PlanSchedules(this, 'Schedules', {
      plans: props.plans,
      stateMachine: this.runs.stateMachine,
      retry: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
    });
    this.alarms = new RunAlarms(this, 'Alarms', {
      stateMachine: this.runs.stateMachine,
      handlerLogGroup: this.handler.logGroup,
      pausedAlarmAfter,
      approvalPollInterval,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });

    this.notifications = new RunNotifications(this, 'Notifications', { topic: this.alarms.topic, stateMachine: this.runs.stateMachine });

    new CfnOutput(this, 'StateMachineArn', { value: this.runs.stateMachine.stateMachineArn });
    new CfnOutput(this, 'HandlerFunctionName', { value: this.handler.fn.functionName });
    new CfnOutput(this, 'HandlerLogGroupName', { value: this.handler.logGroup.logGroupName });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
