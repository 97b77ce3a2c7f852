import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler, DEADLINE_MARGIN_MS, DEFAULT_INLINE_WAIT_MS, inlineWaitFromEnv, type HandlerResult, type InvocationContext } from '../../src/lambda/handler.js';
import { sandboxConnector } from '../../src/connect/sandbox.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { RunRecord } from '../../src/store/run-store.js';
import { examplePlan } from '../infra/fixtures.js';

// The handler's waiting policy, as Step Functions drives it (each `advance` a fresh invocation): short
// waits inside the invocation, long ones back to Step Functions, and never past the invocation's deadline.

const logger = pino({ level: 'silent' });
const worlds = mkdtempSync(join(tmpdir(), 'quiesce-handler-'));
afterAll(() => rmSync(worlds, { recursive: true, force: true }));

/** Starts the example plan and advances it to its end; per advance, the virtual time it waited through inline. */
async function stepFunctions(key: string, options: { inlineWaitMs?: number; remainingMs?: number }) {
  const store = createMemoryStore();
  const handler = createHandler({
    store,
    logger,
    connect: sandboxConnector({ logger, worldPath: (r) => join(worlds, `${r.runId}.world.json`) }),
    ...(options.inlineWaitMs !== undefined ? { inlineWaitMs: options.inlineWaitMs } : {}),
  });
  const remainingMs = options.remainingMs;
  const context: InvocationContext = { awsRequestId: key, ...(remainingMs !== undefined ? { getRemainingTimeInMillis: () => remainingMs } : {}) };
  const started = await handler({ action: 'start', plan: examplePlan().document, idempotencyKey: key }, context);
  const runId = started.runId!;
  const spans: number[] = [];
  let result: HandlerResult = started;
  let previous: RunRecord | undefined;
  for (let invocations = 0; result.status === 'running'; invocations++) {
    if (invocations > 2000) throw new Error('the run did not end');
    result = await handler({ action: 'advance', runId }, context);
    const record = (await store.loadRun(runId))!;
    // The first advance starts from the real creation time; every later one from where the last asked to resume.
    if (previous?.resumeAt !== undefined) spans.push(record.updatedAt - previous.resumeAt);
    previous = record;
  }
  return { result, spans, invocations: spans.length + 1 };
}

describe('Lambda handler: waits', () => {
  it('waits inline for short waits, returns for long ones, and never waits past its deadline', async () => {
    const remainingMs = 90_000;
    const run = await stepFunctions('deadline', { inlineWaitMs: 10 * 60_000, remainingMs });
    expect(run.result.status).toBe('done');
    expect(Math.max(...run.spans)).toBeLessThanOrEqual(remainingMs - DEADLINE_MARGIN_MS);
    expect(run.spans.some((s) => s > 0)).toBe(true);
  });

  it('by default, goes back to Step Functions far less often than when it never waits inline', async () => {
    const never = await stepFunctions('never-inline', { inlineWaitMs: 0 });
    const byDefault = await stepFunctions('default', {});
    expect(never.result.status).toBe('done');
    expect(byDefault.result.status).toBe('done');
    expect(byDefault.invocations).toBeLessThan(never.invocations / 2);
    // Without a Lambda context, as if it had the stack's default 5-minute timeout.
    expect(Math.max(...byDefault.spans)).toBeLessThanOrEqual(5 * 60_000 - DEADLINE_MARGIN_MS);
  });
});

describe('QUIESCE_INLINE_WAIT_SECONDS', () => {
  it('sets the inline wait in whole seconds; unset keeps the default; nonsense is refused at start, by name', () => {
    expect(inlineWaitFromEnv(undefined)).toBe(DEFAULT_INLINE_WAIT_MS);
    expect(inlineWaitFromEnv('10')).toBe(10_000);
    expect(inlineWaitFromEnv('0')).toBe(0);
    expect(() => inlineWaitFromEnv('ten')).toThrow(/QUIESCE_INLINE_WAIT_SECONDS must be a whole number of seconds/);
    expect(() => inlineWaitFromEnv('900')).toThrow(/0 to 600/);
  });
});

describe('Lambda handler: plans AWS could not run', () => {
  it('refuses a start with more than 5 clusters behind one forward action (the ALB quota), before any run exists', async () => {
    const store = createMemoryStore();
    const handler = createHandler({ store, logger, connect: async () => Promise.reject(new Error('never connected')) });
    const document = examplePlan().document as { fleet: { clusters: Array<{ name: string; targetGroupArn: string; cache?: { replicationGroupId: string } }> } };
    const extra = ['c4', 'c5', 'c6'].map((name, i) => ({
      name,
      targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-${name}/${String(i + 4).padStart(16, '0')}`,
      cache: { replicationGroupId: `payments-${name}` },
    }));
    const plan = { ...document, fleet: { ...document.fleet, clusters: [...document.fleet.clusters, ...extra] } };
    const result = await handler({ action: 'start', plan, idempotencyKey: 'six' });
    expect(result.error).toEqual({
      code: 'BadRequest',
      message: 'plan.fleet.clusters: has 6 clusters, all target groups of one forward action; an ALB forward action holds at most 5 (quota "Target groups per action", not adjustable); list more listeners under fleet.locations',
    });
    expect(await store.listRuns()).toEqual([]);
  });
});

// Found by the hostile inputs: a Lambda plan whose step action was an object without a prototype (nothing
// String() can print) crashed the handler.

describe('a step action without a prototype', () => {
  it('a Lambda start whose step names an action String() cannot print gets a BadRequest, not a crash', async () => {
    const handler = createHandler({ store: createMemoryStore(), logger: pino({ level: 'silent' }), connect: async () => Promise.reject(new Error('never')) });
    const plan = { ...examplePlan().document, maintenance: [{ elasticache: Object.create(null) }] };
    const result = await handler({ action: 'start', plan, idempotencyKey: 'k' });
    expect(result.error).toEqual({ code: 'BadRequest', message: 'plan.maintenance[0]: elasticache: "an object" is not a known action (failover, modify, reboot, service-update)' });
  });
});
