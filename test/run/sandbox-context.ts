// A RunContext over a sandbox world, as the engine builds it, for calling the edge actors directly
// (runPreflight, observeDrain, verifyCluster, observeRamp) in situations made through the world's SDK.
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Logger } from 'pino';
import { silentLogger } from '../../src/logger.js';
import { baseline } from '../../src/run/baseline.js';
import { SHARED_READ_MS } from '../../src/adapters/shared-reads.js';
import { planSchemaAllowing, type Plan } from '../../src/plan/schema.js';
import { connectToWorld } from '../../src/connect/index.js';
import type { RunContext } from '../../src/run/run-context.js';
import { createRunMemory } from '../../src/run/run-memory.js';
import type { VirtualClock } from '../../src/connect/virtual-clock.js';
import { createSandboxClients, defaultWorldFromPlan, HISTORY_MS, parseWorldFile, type SandboxClients, type SandboxWorld } from '../../src/sandbox/index.js';
import { createMemoryStore, type MemoryRunStore } from '../../src/store/memory-store.js';
import { LISTENER_ARN, planDoc, targetGroupArn, type PlanDoc } from '../e2e/deep-checks-harness.js';

export interface SandboxRun {
  ctx: RunContext;
  world: SandboxWorld;
  clock: VirtualClock;
  store: MemoryRunStore;
  /** SDK clients whose mutations the world records as `operator`: a human changing AWS by hand. */
  operator: SandboxClients;
  /** Every API call quiesce made through its clients, in order: `DescribeListeners`, ... */
  calls: string[];
  /** What each of those calls answered, in the same order (the SDK's output, `undefined` for a failed call). */
  answers: Array<{ command: string; output: unknown }>;
}

export async function sandboxRun(overrides: PlanDoc = {}, worldText = '', options: { clusters?: string[]; logger?: Logger; runId?: string; realSteps?: boolean } = {}): Promise<SandboxRun> {
  // As the CLI does: the world file first, since only a world's synthetic setting lets a plan exceed AWS's limits.
  const file = parseWorldFile(worldText, 'world.yaml');
  const plan: Plan = planSchemaAllowing({ syntheticTargetGroupsPerForward: file.elbv2?.syntheticTargetGroupsPerForward }).parse(planDoc(overrides, options.clusters));
  const world = defaultWorldFromPlan(plan, file, 'world.yaml', { historyMs: HISTORY_MS });
  const logger = options.logger ?? silentLogger;
  const calls: string[] = [];
  const answers: SandboxRun['answers'] = [];
  const conn = connectToWorld(world, plan, logger, {
    realSteps: options.realSteps === true,
    configure: (client) => {
      const stack = client.middlewareStack as unknown as {
        add(mw: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>, options: { step: 'initialize'; name: string }): void;
      };
      stack.add(
        (next, context) => async (args) => {
          const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
          calls.push(command);
          const answer = { command, output: undefined as unknown };
          answers.push(answer);
          const out = await next(args);
          answer.output = (out as { output?: unknown }).output;
          return out;
        },
        { step: 'initialize', name: 'testCallRecorder' },
      );
    },
  });
  const store = createMemoryStore();
  const runId = options.runId ?? 'run-direct';
  const now = world.now();
  await store.createRun({ runId, planName: plan.name, listenerArn: plan.fleet.listenerArn, plan, status: 'running', createdAt: now, updatedAt: now, target: { kind: 'sandbox' } });
  const ctx: RunContext = {
    runId,
    plan,
    store,
    clock: conn.clock,
    logger,
    traffic: conn.traffic,
    cache: conn.cache,
    metrics: conn.metrics,
    runCommand: conn.runCommand,
    deployments: conn.deployments,
    location: { listenerArn: plan.fleet.listenerArn },
    inFlight: () => new Set(),
    outcomes: () => new Map(),
    heldOut: () => new Set(),
    probes: conn.probes,
    runbook: conn.runbook,
    metricsLagMs: conn.metricsLagMs,
    memory: createRunMemory(),
  };
  return { ctx, world, clock: conn.virtual, store, operator: createSandboxClients(world, { region: plan.region, caller: 'operator' }), calls, answers };
}

/** Runs an actor call to completion on the virtual clock, waking whatever it sleeps on as the engine would. */
export async function settle<T>(clock: VirtualClock, work: Promise<T>): Promise<T> {
  let done = false;
  const guarded = work.finally(() => {
    done = true;
  });
  for (let rounds = 0; !done; rounds++) {
    if (rounds > 10_000) throw new Error('the call neither finished nor slept');
    await new Promise((resolve) => setImmediate(resolve));
    const wake = clock.nextWakeAt();
    if (!done && wake !== undefined) clock.advanceTo(wake);
  }
  return guarded;
}

/** Records the run's baseline, then sets one cluster's weight to 0 by hand: where it stands while maintained. */
export async function takeOut(run: SandboxRun, cluster = 'blue'): Promise<void> {
  await baseline(run.ctx);
  const groups = run.ctx.plan.fleet.clusters.map((c) => ({ TargetGroupArn: targetGroupArn(c.name), Weight: c.name === cluster ? 0 : 1 }));
  await run.operator.elbv2.send(new ModifyListenerCommand({ ListenerArn: LISTENER_ARN, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: groups } }] }));
  // Past the window in which quiesce's reads of one moment are shared (SHARED_READ_MS): the change is news.
  run.world.advanceBy(SHARED_READ_MS + 1);
}
