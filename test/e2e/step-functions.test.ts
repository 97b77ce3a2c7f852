// The distributed path end to end: the Step Functions definition the CDK app synthesizes, run by an
// independent ASL interpreter (aws-local-stepfunctions), its Lambda tasks resolved to the real handler,
// the store a real local DynamoDB (dynalite), and AWS the sandbox world.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aslDefinition, type AslDefinition } from '../../infra/asl.js';
import { loadDeployedPlan, stackEnvironment } from '../../infra/deployed-plan.js';
import { QuiesceStack } from '../../infra/quiesce-stack.js';
import { createHandler, type HandlerResult } from '../../src/lambda/handler.js';
import { sandboxConnector } from '../../src/connect/index.js';
import { createDynamoStore } from '../../src/store/dynamo-store.js';
import type { RunRecord } from '../../src/store/run-store.js';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite.js';
import { runLocally } from '../helpers/local-sfn.js';
import { parse } from 'yaml';
import { RUN_STATES } from '../../infra/run-states.js';
import { REPO_ROOT } from '../../infra/paths.js';
import { requestApproval } from '../../src/run/engine.js';
import { examplePlan } from '../infra/fixtures.js';

let definition: AslDefinition;
let dynamo: LocalDynamo;
const worlds = mkdtempSync(join(tmpdir(), 'quiesce-sfn-'));
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const plans = [examplePlan()];
  definition = aslDefinition(new QuiesceStack(app, 'LocalE2E', { plans, env: stackEnvironment(plans) }));
  dynamo = await startDynalite();
}, 120_000);

afterAll(async () => {
  await dynamo?.stop();
});

/**
 * `shared`: every run uses one world (one listener, as in AWS); otherwise a world per run.
 * `inlineWaitMs`: waits shorter than this happen inside an invocation (free on the virtual clock).
 */
function handlerFactory(options: { shared?: string; inlineWaitMs?: number } = {}) {
  const worldPath = (r: RunRecord) => join(worlds, `${options.shared ?? r.runId}.world.json`);
  // A fresh handler, store client and connector for every invocation: nothing survives in the process.
  return () =>
    createHandler({
      store: createDynamoStore({ client: dynamo.newClient(), tableName: dynamo.tableName }),
      logger,
      connect: sandboxConnector({ logger, worldPath }),
      inlineWaitMs: options.inlineWaitMs ?? 0,
    });
}

async function execute(idempotencyKey: string, makeHandler: () => ReturnType<typeof createHandler>, plan: unknown = examplePlan().document) {
  const calls: Array<{ action: string; result: HandlerResult }> = [];
  const invoke = async (input: unknown) => {
    const result = await makeHandler()(input, { awsRequestId: `req-${calls.length}` });
    calls.push({ action: (input as { action: string }).action, result });
    return result as never;
  };
  const { output, transitions } = await runLocally(definition, { plan, idempotencyKey }, invoke);
  return { output, calls, transitions };
}

async function recordOf(runId: string) {
  return createDynamoStore({ client: dynamo.client, tableName: dynamo.tableName }).loadRun(runId);
}

describe('Step Functions loop, locally', () => {
  it('takes a 3-cluster plan to done with zero sandbox violations, a fresh handler for every invocation', async () => {
    const { output, calls, transitions } = await execute('payments-core-2026-01-04T03:00:00Z', handlerFactory());
    expect(output.run.status).toBe('done');
    expect(calls[0]!.action).toBe('start');
    expect(calls.filter((c) => c.action === 'advance').length).toBeGreaterThan(3);
    const record = await recordOf(output.run.runId!);
    const sandbox = record!.sandbox as { violations: unknown[]; traffic: { failed: number } };
    expect(sandbox.violations).toEqual([]);
    expect(sandbox.traffic.failed).toBe(0);
    console.log(`local Step Functions run: ${calls.length} Lambda invocations, ${transitions} state transitions (${(transitions / 3).toFixed(1)} per cluster)`);
  });

  it.each([
    ['an ssm step (patch-instances: SSM Run Command per cluster)', 'examples/patch-instances.plan.yaml', 'SendCommand'],
    ['an ecs step (ecs-deploy: an ECS deployment per cluster)', 'examples/ecs-deploy.plan.yaml', 'UpdateService'],
  ])('takes %s to done, every call made from the Lambda handler', async (_name, file, call) => {
    const plan = loadDeployedPlan(file);
    const { output } = await execute(`${plan.plan.name}-2026-01-05T03:00:00Z`, handlerFactory(), plan.document);
    expect(output.run.status).toBe('done');
    const record = await recordOf(output.run.runId!);
    expect((record!.sandbox as { violations: unknown[] }).violations).toEqual([]);
    const journal = await createDynamoStore({ client: dynamo.client, tableName: dynamo.tableName }).readJournal(output.run.runId!);
    const calls = journal.filter((e) => e.kind === 'effect' && e.message.includes(call === 'SendCommand' ? 'SSM SendCommand' : 'ECS UpdateService'));
    expect(calls.map((e) => e.cluster)).toEqual(['blue', 'green']);
    expect(journal.filter((e) => e.kind === 'check' && /step\.1\.(ssm|ecs): ok/.test(e.message)).map((e) => e.cluster)).toEqual(['blue', 'green']);
  });

  it('a paused execution shows its run id in its state; an approval recorded in the table is taken up at the next poll', async () => {
    const make = handlerFactory({ inlineWaitMs: 600_000 });
    const plan = parse(readFileSync(join(REPO_ROOT, 'examples/runbook.plan.yaml'), 'utf8'));
    const pausedRunIds: string[] = [];
    const invoke = async (input: unknown) => {
      const result = await make()(input, { awsRequestId: 'req' });
      // The operator answers each pause the way a laptop would: the decision lands in the table, nothing is driven.
      if (result.status === 'paused') {
        await requestApproval({ store: createDynamoStore({ client: dynamo.newClient(), tableName: dynamo.tableName }) }, result.runId!, 'alice', Date.now());
      }
      return result as never;
    };
    const { output } = await runLocally(definition, { plan, idempotencyKey: 'runbook-approvals' }, invoke, (name, state) => {
      if (name === RUN_STATES.awaitApproval) pausedRunIds.push((state as { run: { runId: string } }).run.runId);
    });
    expect(output.run.status).toBe('done');
    // Two clusters, one approval step each: two pauses, each answered once, the run id in the state both times.
    expect(pausedRunIds).toEqual([output.run.runId, output.run.runId]);
    const journal = await createDynamoStore({ client: dynamo.client, tableName: dynamo.tableName }).readJournal(output.run.runId!);
    expect(journal.filter((e) => e.kind === 'operator' && e.message.startsWith('approved by alice'))).toHaveLength(2);
  });

  it('a duplicate start with the same idempotency key yields one run', async () => {
    const make = handlerFactory();
    const event = { action: 'start', plan: examplePlan().document, idempotencyKey: 'payments-core-2026-01-11T03:00:00Z' };
    const [a, b] = await Promise.all([make()(event), make()(event)]);
    expect(a.runId).toBeDefined();
    expect(b.runId).toBe(a.runId);
    const again = await make()(event);
    expect(again.runId).toBe(a.runId);
  });

  it('a bad event gets a clear error result, not a crash', async () => {
    const make = handlerFactory();
    expect(await make()({ action: 'launch' })).toMatchObject({ error: { code: 'BadRequest' } });
    const badPlan = await make()({ action: 'start', plan: { ...(examplePlan().document as object), maintenance: [{ elasticache: 'modify', engineVersion: 6.2 }] }, idempotencyKey: 'k' });
    expect(badPlan.error?.code).toBe('BadRequest');
    expect(badPlan.error?.message).toMatch(/^plan\.maintenance\[0\]\.engineVersion: must be a quoted string/);
    expect(await make()({ action: 'advance', runId: 'run-nope' })).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('two executions on the same listener never both mutate: one waits for the other', async () => {
    const make = handlerFactory({ shared: 'one-listener', inlineWaitMs: 20 * 60_000 });
    const [first, second] = await Promise.all([execute('payments-core-a', make), execute('payments-core-b', make)]);
    expect(first.output.run.status).toBe('done');
    expect(second.output.run.status).toBe('done');
    const waited = [...first.calls, ...second.calls].filter((c) => c.result.reason?.startsWith('waiting: another run holds the lock'));
    expect(waited.length).toBeGreaterThan(0);
    const store = createDynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
    const spans = await Promise.all(
      [first, second].map(async ({ output }) => {
        const journal = await store.readJournal(output.run.runId!);
        const effects = journal.filter((e) => e.kind === 'effect');
        return { from: effects[0]!.at, to: effects.at(-1)!.at };
      }),
    );
    // On the shared virtual clock, one run's changes all come before the other's.
    const [x, y] = spans.sort((p, q) => p.from - q.from);
    expect(x!.to).toBeLessThanOrEqual(y!.from);
  });
});
