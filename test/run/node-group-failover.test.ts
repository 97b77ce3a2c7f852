import { TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { observeStep, startStep, stepKey, type StepIntent } from '../../src/run/maintenance-steps.js';
import type { NodeGroupIntent } from '../../src/run/node-group-failover.js';
import type { RunContext } from '../../src/run/run-context.js';
import { verifyCluster } from '../../src/run/verification.js';
import { sandboxRun, settle, takeOut, type SandboxRun } from './sandbox-context.js';

// A failover step on a cluster mode enabled group: every node group's primary moves, one node group at a
// time; each node group's intent is written before its TestFailover, and a restart never fails a node
// group over twice. The sandbox's defaults: failover 90 s, then recovery 10 min.

const SHARDED = 'clusters:\n  blue: { cache: { shards: 3, replicas: 1 } }\n  green: { cache: { shards: 3, replicas: 1 } }\n';
const RG = 'payments-blue';
const NODE_GROUP_MS = 90_000 + 600_000;

async function failoverRun(world = SHARDED): Promise<SandboxRun> {
  const run = await sandboxRun({ maintenance: [{ elasticache: 'failover', timeout: '45m' }] }, world);
  await takeOut(run);
  return run;
}

/** Observes as the engine does, sleeping until each recheck, until the step is no longer not-yet. */
async function observeUntilSettled(run: SandboxRun, ctx: RunContext = run.ctx, limitMs = 60 * 60_000) {
  const until = run.clock.now() + limitMs;
  for (;;) {
    const out = await settle(run.clock, observeStep(ctx, { cluster: 'blue', stepIndex: 0, startedAt: ctx.clock.now() }));
    if (out.status !== 'not-yet' || run.clock.now() >= until) return out;
    run.clock.advanceTo(Math.min(out.recheckAt ?? run.clock.now() + 15_000, until));
  }
}

const apiCalls = (run: SandboxRun) =>
  run.world.state.elasticache.events.filter((e) => /Test Failover API called/.test(e.message)).map((e) => e.message.replace('Test Failover API called for node group ', ''));

describe('a failover step on a cluster mode enabled group', () => {
  it('moves every node group, one at a time, each intent written before its TestFailover', async () => {
    const run = await failoverRun();
    const { ctx, world, store } = run;
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const intent = (await store.recall<StepIntent>(ctx.runId, stepKey('blue', 0)))!;
    expect(intent.nodeGroupIds).toEqual(['0001', '0002', '0003']);
    expect(apiCalls(run)).toEqual(['0001']);

    // Mid-way through the first node group: one TestFailover only, the reason says which node group and what is left.
    run.clock.advanceTo(world.now() + 60_000);
    const mid = await observeStep(ctx, { cluster: 'blue', stepIndex: 0, startedAt: ctx.clock.now() });
    expect(mid.status).toBe('not-yet');
    expect(mid.reason).toMatch(/^node group 0001 \(1 of 3\): waiting for .*; not started: 0002, 0003$/);

    const done = await observeUntilSettled(run);
    expect(done.status).toBe('done');
    expect(apiCalls(run)).toEqual(['0001', '0002', '0003']);
    expect(done.checks!.at(-1)).toMatchObject({
      name: 'step.1.failover',
      ok: true,
      observed:
        '3 node group(s) moved one at a time: node group 0001 primary payments-blue-0001-001 -> payments-blue-0001-002; node group 0002 primary payments-blue-0002-001 -> payments-blue-0002-002; node group 0003 primary payments-blue-0003-001 -> payments-blue-0003-002',
    });
    // Never two at once: each TestFailover came after the previous node group finished recovering.
    const events = world.state.elasticache.events;
    const called = events.filter((e) => /Test Failover API called/.test(e.message)).map((e) => e.at);
    const recovered = events.filter((e) => /Finished recovery/.test(e.message)).map((e) => e.at);
    expect(called[1]!).toBeGreaterThanOrEqual(recovered[0]!);
    expect(called[2]!).toBeGreaterThanOrEqual(recovered[1]!);

    // The journal: each node group's intent before its call, and its outcome.
    const journal = (await store.readJournal(ctx.runId)).filter((e) => e.cluster === 'blue').map((e) => `${e.kind} ${e.message}`);
    const lines = journal.filter((l) => l.includes('node group'));
    expect(lines).toEqual([
      'intent blue: start step 1: fail over 3 node group(s) one at a time (0001, 0002, 0003)',
      'intent blue: TestFailover on payments-blue node group 0001 (1 of 3)',
      'effect blue: ElastiCache failover requested on payments-blue node group 0001 (1 of 3)',
      'effect blue: node group 0001 (1 of 3): node group 0001 primary payments-blue-0001-001 -> payments-blue-0001-002',
      'intent blue: TestFailover on payments-blue node group 0002 (2 of 3)',
      'effect blue: ElastiCache failover requested on payments-blue node group 0002 (2 of 3)',
      'effect blue: node group 0002 (2 of 3): node group 0002 primary payments-blue-0002-001 -> payments-blue-0002-002',
      'intent blue: TestFailover on payments-blue node group 0003 (3 of 3)',
      'effect blue: ElastiCache failover requested on payments-blue node group 0003 (3 of 3)',
      'effect blue: node group 0003 (3 of 3): node group 0003 primary payments-blue-0003-001 -> payments-blue-0003-002',
    ]);
    // The second node group expected as long as the first took: it is looked at once near the end, not polled.
    const second = (await store.recall<NodeGroupIntent>(ctx.runId, `${stepKey('blue', 0)}:node-group:0002`))!;
    expect(second.expectedMs).toBe(NODE_GROUP_MS);
  });

  it('after a restart, a node group whose TestFailover was sent but not marked is not failed over again', async () => {
    const run = await failoverRun();
    const { ctx, store, operator, world } = run;
    // What a crash right after the call leaves: the node group's intent, the call made, no mark.
    await store.remember<NodeGroupIntent>(ctx.runId, `${stepKey('blue', 0)}:node-group:0001`, async () => ({
      nonce: 'before-the-crash',
      nodeGroupId: '0001',
      requestedAt: world.now(),
      memberIds: ['payments-blue-0001-001', 'payments-blue-0001-002'],
    }));
    await operator.elasticache.send(new TestFailoverCommand({ ReplicationGroupId: RG, NodeGroupId: '0001' }));
    // A new process: a context of its own, the same store and world.
    const restarted: RunContext = { ...ctx };
    await startStep(restarted, { cluster: 'blue', stepIndex: 0 });
    expect(apiCalls(run)).toEqual(['0001']);
    expect(world.mutations.filter((m) => m.command === 'TestFailover' && m.caller === 'quiesce')).toEqual([]);
    const journal = (await store.readJournal(ctx.runId)).map((e) => e.message);
    expect(journal).toContain('blue: node group 0001 (1 of 3): TestFailover was requested before the restart; not requesting it again');
    expect((await observeUntilSettled(run, restarted)).status).toBe('done');
    expect(apiCalls(run)).toEqual(['0001', '0002', '0003']);
  });

  it('after a restart, a node group whose intent was written but whose call was never made gets its call, once', async () => {
    const run = await failoverRun();
    const { ctx, store, world } = run;
    await store.remember<NodeGroupIntent>(ctx.runId, `${stepKey('blue', 0)}:node-group:0001`, async () => ({
      nonce: 'before-the-crash',
      nodeGroupId: '0001',
      requestedAt: world.now(),
      memberIds: ['payments-blue-0001-001', 'payments-blue-0001-002'],
    }));
    await startStep({ ...ctx }, { cluster: 'blue', stepIndex: 0 });
    expect(apiCalls(run)).toEqual(['0001']);
    expect((await store.readJournal(ctx.runId)).map((e) => e.message)).toContain('blue: ElastiCache failover requested on payments-blue node group 0001 (1 of 3)');
    await startStep({ ...ctx }, { cluster: 'blue', stepIndex: 0 });
    expect(apiCalls(run)).toEqual(['0001']);
  });

  it('a node group whose failover does not happen is never done; the reason says the ones moved stay moved', async () => {
    const run = await failoverRun(`${SHARDED}events:\n  - { at: "0s", failoverNoop: { replicationGroupId: payments-blue, nodeGroupId: "0002" } }\n`);
    const { ctx } = run;
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const out = await observeUntilSettled(run, ctx, 40 * 60_000);
    expect(out.status).toBe('not-yet');
    expect(apiCalls(run)).toEqual(['0001', '0002']);
    expect(out.reason).toMatch(
      /^node group 0002 \(2 of 3\): waiting for .*; already moved, and staying moved \(quiesce does not move a node group back\): 0001 \(payments-blue-0001-001 -> payments-blue-0001-002\); not started: 0003$/,
    );
  });

  it('verification proves each node group moved where the failover took it', async () => {
    const run = await failoverRun();
    const { ctx } = run;
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    expect((await observeUntilSettled(run)).status).toBe('done');
    // The last old primary's recovery minutes published (its lag while it rebooted is 30 s).
    run.clock.advanceTo(run.world.now() + 5 * 60_000);
    const out = await settle(run.clock, verifyCluster(ctx, { cluster: 'blue', expectedWeight: 0, maintenanceRan: true }));
    const primaries = out.checks!.filter((c) => c.name.startsWith('verify.cache.primary'));
    expect(primaries.map((c) => [c.name, c.ok, c.observed])).toEqual([
      ['verify.cache.primary.0001', true, 'primary payments-blue-0001-002 (was payments-blue-0001-001; named by the failover event)'],
      ['verify.cache.primary.0002', true, 'primary payments-blue-0002-002 (was payments-blue-0002-001; named by the failover event)'],
      ['verify.cache.primary.0003', true, 'primary payments-blue-0003-002 (was payments-blue-0003-001; named by the failover event)'],
    ]);
    // Replication lag is read for every member (AWS names no replica): the replicas' datapoints are there.
    expect(out.checks!.find((c) => c.name === 'verify.cache.replication-lag')).toMatchObject({ ok: true });
  });

  it('verification fails a node group with no recorded move (a step that never finished it)', async () => {
    const run = await failoverRun();
    const { ctx, store, world } = run;
    await store.remember<StepIntent>(ctx.runId, stepKey('blue', 0), async () => ({ nonce: 'n', requestedAt: world.now(), nodeGroupIds: ['0001', '0002', '0003'] }));
    const out = await settle(run.clock, verifyCluster(ctx, { cluster: 'blue', expectedWeight: 0, maintenanceRan: true }));
    expect(out.status).toBe('failed');
    expect(out.reason).toContain('verify.cache.primary.0001: node group 0001 was not failed over: no completed failover recorded for it');
  });
});
