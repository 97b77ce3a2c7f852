// The durable loop: Start, then Advance / Choice / Wait until the run is done, held or aborted. The
// Lambda decides everything (what to do next and how long to wait); the machine only sleeps between
// invocations, so each wake-up costs three state transitions (Advance, RunStatus, one Wait).
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RETRIED_LAMBDA_ERRORS, RUN_STATES as S } from '../run-states.js';

export interface RunStateMachineProps {
  fn: IFunction;
  logGroup: ILogGroup;
  /** How often a paused run is re-examined to see whether it was approved (or aborted). */
  approvalPollInterval: Duration;
  /** Executions running longer are stopped (ExecutionsTimedOut alarms). */
  runTimeout: Duration;
}

const STATUS = '$.run.status';
const REASON = '$.run.reason';
const WAIT_SECONDS = '$.run.waitSeconds';

export class RunStateMachine extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: RunStateMachineProps) {
    super(scope, id);

    const invoke = (name: string, payload: Record<string, unknown>, comment: string) => {
      const task = new LambdaInvoke(this, name, {
        stateName: name,
        comment,
        lambdaFunction: props.fn,
        payload: TaskInput.fromObject(payload),
        // The handler's own output ({ runId, status, waitSeconds, reason? }) lands in $.run.
        payloadResponseOnly: true,
        resultPath: '$.run',
        // The default retrier covers more errors with 6 attempts; every retry is a billed transition.
        retryOnServiceExceptions: false,
      });
      task.addRetry({
        errors: [...RETRIED_LAMBDA_ERRORS],
        interval: Duration.seconds(2),
        maxAttempts: 3,
        backoffRate: 2,
        maxDelay: Duration.seconds(30),
        jitterStrategy: JitterType.FULL,
      });
      return task;
    };

    const start = invoke(
      S.start,
      { action: 'start', plan: JsonPath.objectAt('$.plan'), idempotencyKey: JsonPath.stringAt('$.idempotencyKey') },
      'Create the run, or find the one this idempotency key already started',
    );
    const advance = invoke(
      S.advance,
      { action: 'advance', runId: JsonPath.stringAt('$.run.runId') },
      'Advance the run until it must wait; it persists and returns, never sleeps',
    );

    const done = new Succeed(this, S.done, { stateName: S.done, comment: 'Every cluster maintained and back in service' });
    const stopped = new Fail(this, S.stopped, {
      stateName: S.stopped,
      comment: 'held or aborted: the error is the status, the cause the reason',
      errorPath: STATUS,
      causePath: REASON,
    });
    const stoppedNoReason = new Fail(this, S.stoppedNoReason, {
      stateName: S.stoppedNoReason,
      errorPath: STATUS,
      cause: 'the run stopped without giving a reason',
    });
    const handlerError = new Fail(this, S.handlerError, {
      stateName: S.handlerError,
      comment: 'The handler refused the event ({ error: { code, message } })',
      errorPath: '$.run.error.code',
      causePath: '$.run.error.message',
    });
    const badOutput = new Fail(this, S.badOutput, {
      stateName: S.badOutput,
      error: 'UnexpectedHandlerOutput',
      cause: 'the handler returned no known status, or running without waitSeconds',
    });

    const waitForWork = new Wait(this, S.waitForWork, {
      stateName: S.waitForWork,
      comment: 'Sleep as long as the handler asked (waitSeconds)',
      time: WaitTime.secondsPath(WAIT_SECONDS),
    });
    // Paused runs are polled rather than parked on a task token: approval stays one Lambda call
    // ({ action: 'approve' }) that needs no Step Functions permissions, at one wake-up per interval.
    const awaitApproval = new Wait(this, S.awaitApproval, {
      stateName: S.awaitApproval,
      comment: 'Paused for approval: look again after the poll interval',
      time: WaitTime.duration(props.approvalPollInterval),
    });

    const stoppedStatus = Condition.or(Condition.stringEquals(STATUS, 'held'), Condition.stringEquals(STATUS, 'aborted'));
    const running = Condition.stringEquals(STATUS, 'running');
    // Rules go from "is the field there" to "what is in it": a comparison on a missing field is a runtime error.
    const choose = new Choice(this, S.choose, { stateName: S.choose })
      .when(Condition.and(Condition.isPresent('$.run.error.code'), Condition.isPresent('$.run.error.message')), handlerError)
      .when(Condition.not(Condition.isPresent(STATUS)), badOutput)
      .when(Condition.stringEquals(STATUS, 'done'), done)
      .when(Condition.and(stoppedStatus, Condition.isPresent(REASON)), stopped)
      .when(stoppedStatus, stoppedNoReason)
      .when(Condition.stringEquals(STATUS, 'paused'), awaitApproval)
      .when(Condition.and(running, Condition.not(Condition.isPresent(WAIT_SECONDS))), badOutput)
      .when(Condition.and(running, Condition.isNumeric(WAIT_SECONDS)), waitForWork)
      .otherwise(badOutput);

    waitForWork.next(advance);
    awaitApproval.next(advance);
    const definition = start.next(advance).next(choose);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      comment: 'quiesce maintenance run: input { plan, idempotencyKey }',
      timeout: props.runTimeout,
      tracingEnabled: false,
      logs: { destination: props.logGroup, level: LogLevel.ERROR, includeExecutionData: true },
    });
  }
}
