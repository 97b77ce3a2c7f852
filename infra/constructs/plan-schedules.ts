// One EventBridge Scheduler schedule per plan that declares `schedule`, starting the run state machine.
// Scheduler delivers at least once, so the idempotency key is built from the scheduled time (not the
// delivery time): a duplicate delivery carries the same key and `start` returns the run already begun.
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ConfigError } from '../../src/errors.js';
import type { DeployedPlan } from '../deployed-plan.js';
import { scheduledIdempotencyKey } from '../execution-input.js';

export interface PlanSchedulesProps {
  plans: readonly DeployedPlan[];
  stateMachine: IStateMachine;
  /** Delivery attempts after the first failed one, and how long an undelivered start stays worth delivering. */
  retry: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
}

export class PlanSchedules extends Construct {
  readonly schedules: CfnSchedule[] = [];
  readonly role: Role | undefined;

  constructor(scope: Construct, id: string, props: PlanSchedulesProps) {
    super(scope, id);
    const scheduled = props.plans.filter((p) => p.plan.schedule !== undefined);
    if (scheduled.length === 0) return;

    const account = Stack.of(this).account;
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': account } } }),
      description: 'EventBridge Scheduler: start quiesce runs, nothing else',
    });
    this.role.addToPolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [props.stateMachine.stateMachineArn] }));

    for (const deployed of scheduled) {
      const { plan } = deployed;
      const schedule = plan.schedule!;
      this.schedules.push(
        new CfnSchedule(this, `Schedule-${plan.name}`, {
          name: scheduleName(plan.name),
          description: `quiesce: run plan ${plan.name}`.slice(0, 512),
          state: 'ENABLED',
          scheduleExpression: schedule.cron,
          scheduleExpressionTimezone: schedule.timezone,
          flexibleTimeWindow: flexibleWindow(schedule.flexibleWindow, deployed.source),
          target: {
            arn: props.stateMachine.stateMachineArn,
            roleArn: this.role.roleArn,
            input: JSON.stringify({ plan: deployed.document, idempotencyKey: scheduledIdempotencyKey(plan.name) }),
            retryPolicy: props.retry,
          },
        }),
      );
    }
  }
}

/** `quiesce-<plan>` when it fits Scheduler's 64 characters, else the plan name (unique in the stack) alone. */
export function scheduleName(planName: string): string {
  const prefixed = `quiesce-${planName}`;
  return prefixed.length <= 64 ? prefixed : planName;
}

/** Scheduler takes whole minutes, 1 to 1440; a plan asking for 90 s is refused rather than rounded. */
export function flexibleWindow(ms: number | undefined, source: string): CfnSchedule.FlexibleTimeWindowProperty {
  if (ms === undefined || ms === 0) return { mode: 'OFF' };
  const minutes = ms / 60_000;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
    throw new ConfigError(`${source}: schedule.flexibleWindow must be a whole number of minutes from 1m to 24h (EventBridge Scheduler's limit)`);
  }
  return { mode: 'FLEXIBLE', maximumWindowInMinutes: minutes };
}
