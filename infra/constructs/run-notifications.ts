// Routes the runs that need a person to the alarm topic at once: quiesce's own `paused` and `held` events
// (published by every run, CLI or deployed, to the account's default bus) and the state machine's failed,
// timed-out or stopped executions. Each message names the run, its plan and the reason.
// Rule patterns and input transformers: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
// The execution events: https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RUN_EVENT_SOURCE } from '../../src/ports/notifications.js';

export interface RunNotificationsProps {
  topic: ITopic;
  stateMachine: IStateMachine;
}

export class RunNotifications extends Construct {
  readonly needsPerson: Rule;
  readonly executionFailed: Rule;

  constructor(scope: Construct, id: string, props: RunNotificationsProps) {
    super(scope, id);
    this.needsPerson = new Rule(this, 'NeedsPerson', {
      description: 'A quiesce run paused for approval or held a cluster: tell the topic at once',
      eventPattern: { source: [RUN_EVENT_SOURCE], detailType: ['paused', 'held'] },
    });
    const detail = (field: string) => EventField.fromPath(`$.detail.${field}`);
    this.needsPerson.addTarget(
      new SnsTopic(props.topic, {
        message: RuleTargetInput.fromText(
          `quiesce run ${detail('runId')} (plan ${detail('plan')}) ${EventField.detailType}: ${detail('reason')}. Approve: ${detail('commands.approve')} Abort: ${detail('commands.abort')} Reinstate: ${detail('commands.reinstate')}`,
        ),
      }),
    );

    // A held or aborted run ends its execution in Fail (error = status, cause = reason); a handler that
    // crashed, a timeout or a hand stop end it too. The execution's name and input identify the run.
    this.executionFailed = new Rule(this, 'ExecutionFailed', {
      description: 'A quiesce execution failed, timed out or was stopped',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [props.stateMachine.stateMachineArn] },
      },
    });
    this.executionFailed.addTarget(
      new SnsTopic(props.topic, {
        message: RuleTargetInput.fromText(
          `quiesce execution ${detail('name')} ${detail('status')}: ${detail('error')}: ${detail('cause')}. Run id and plan: quiesce status --stack <stack name>; execution ${detail('executionArn')}`,
        ),
      }),
    );
  }
}
