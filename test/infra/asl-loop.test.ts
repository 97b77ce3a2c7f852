// Runs the synthesized ASL in aws-local-stepfunctions with scripted handler answers (no Lambda, no
// DynamoDB): the loop's routing and its cost in state transitions per wake-up.
import { beforeAll, describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { QuiesceStack } from '../../infra/quiesce-stack.js';
import { stackEnvironment } from '../../infra/deployed-plan.js';
import { aslDefinition, type AslDefinition } from '../../infra/asl.js';
import { RUN_STATES } from '../../infra/run-states.js';
import { examplePlan, handlerSource } from './fixtures.js';

type Reply = Record<string, unknown>;

let definition: AslDefinition;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const plans = [examplePlan()];
  definition = aslDefinition(new QuiesceStack(app, 'AslLoop', { plans, env: stackEnvironment(plans), handler: handlerSource() }));
}, 120_000);

/** Runs one execution; `advances` are the answers to successive `advance` calls. */
async function run(startReply: Reply, advances: Reply[]) {
  const events: Array<{ action: string; runId?: unknown }> = [];
  const machine = new StateMachine(definition as never);
  let next = 0;
  const execution = machine.run(
    { plan: examplePlan().document, idempotencyKey: 'payments-core-2026-01-04T03:00:00Z' } as never,
    {
      overrides: {
        taskResourceLocalHandlers: {
          [RUN_STATES.start]: (input: unknown) => {
            events.push(input as { action: string });
            return startReply as never;
          },
          [RUN_STATES.advance]: (input: unknown) => {
            events.push(input as { action: string; runId: unknown });
            const reply = advances[next++];
            if (!reply) throw new Error('advanced past the script');
            return reply as never;
          },
        },
        waitTimeOverrides: { [RUN_STATES.waitForWork]: 0, [RUN_STATES.awaitApproval]: 0 },
      },
    },
  );
  const entered: string[] = [];
  let failed: { error: string; cause: unknown } | undefined;
  const collect = (async () => {
    for await (const e of execution.eventLogs) {
      if (e.type === 'StateEntered') entered.push(e.state.name);
      if (e.type === 'ExecutionFailed') failed = { error: e.Error, cause: e.Cause };
    }
  })();
  let output: unknown;
  let failure: ExecutionError | undefined;
  try {
    output = await execution.result;
  } catch (err) {
    if (!(err instanceof ExecutionError)) throw err;
    failure = err;
  }
  await collect;
  return { events, entered, output, failure, failed };
}

describe('run state machine (local interpreter)', () => {
  it('advances until done, three transitions per wake-up', async () => {
    const { events, entered, failure } = await run({ runId: 'run-1', status: 'running', waitSeconds: 0 }, [
      { runId: 'run-1', status: 'running', waitSeconds: 30 },
      { runId: 'run-1', status: 'running', waitSeconds: 60 },
      { runId: 'run-1', status: 'done', waitSeconds: 0 },
    ]);
    expect(failure).toBeUndefined();
    expect(events).toEqual([
      { action: 'start', plan: examplePlan().document, idempotencyKey: 'payments-core-2026-01-04T03:00:00Z' },
      { action: 'advance', runId: 'run-1' },
      { action: 'advance', runId: 'run-1' },
      { action: 'advance', runId: 'run-1' },
    ]);
    const { start, advance, choose, waitForWork, done } = RUN_STATES;
    expect(entered).toEqual([start, advance, choose, waitForWork, advance, choose, waitForWork, advance, choose, done]);
    // Start + (Advance, RunStatus, Wait) per wake-up + the last Advance, RunStatus and Done.
    expect(entered.length).toBe(1 + 3 * 2 + 3);
  });

  it('polls a paused run until it is approved', async () => {
    const { entered, failure } = await run({ runId: 'run-2', status: 'running', waitSeconds: 0 }, [
      { runId: 'run-2', status: 'paused', waitSeconds: 0 },
      { runId: 'run-2', status: 'paused', waitSeconds: 0 },
      { runId: 'run-2', status: 'done', waitSeconds: 0 },
    ]);
    expect(failure).toBeUndefined();
    expect(entered.filter((s) => s === RUN_STATES.awaitApproval)).toHaveLength(2);
  });

  it('fails a held run with the status as error and the reason as cause', async () => {
    const { failure, failed } = await run({ runId: 'run-3', status: 'running', waitSeconds: 0 }, [
      { runId: 'run-3', status: 'held', waitSeconds: 0, reason: 'replica lag 42 s on payments-green' },
    ]);
    expect(failure).toBeDefined();
    expect(failed).toEqual({ error: 'held', cause: 'replica lag 42 s on payments-green' });
  });

  it('fails an aborted run even without a reason', async () => {
    const { entered, failure, failed } = await run({ runId: 'run-4', status: 'running', waitSeconds: 0 }, [
      { runId: 'run-4', status: 'aborted', waitSeconds: 0 },
    ]);
    expect(failure).toBeDefined();
    expect(failed?.error).toBe('aborted');
    expect(entered.at(-1)).toBe(RUN_STATES.stoppedNoReason);
  });

  it('fails on a handler BadRequest and on output without a known status', async () => {
    const bad = await run({ runId: 'run-5', status: 'running', waitSeconds: 0 }, [{ error: { code: 'BadRequest', message: 'runId: required' } }]);
    expect(bad.entered.at(-1)).toBe(RUN_STATES.handlerError);
    expect(bad.failed).toEqual({ error: 'BadRequest', cause: 'runId: required' });
    const odd = await run({ runId: 'run-6', status: 'running', waitSeconds: 0 }, [{ runId: 'run-6', status: 'running' }]);
    expect(odd.entered.at(-1)).toBe(RUN_STATES.badOutput);
  });
});
