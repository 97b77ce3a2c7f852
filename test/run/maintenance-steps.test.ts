import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModifyReplicationGroupResult } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { observeStep, startStep, stepKey, type StepIntent } from '../../src/run/maintenance-steps.js';
import { createRunMemory } from '../../src/run/run-memory.js';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, takeOut, type SandboxRun } from './sandbox-context.js';

// Runbook steps called directly: a command the process died in the middle of is never started twice,
// and the journal does not repeat secret-looking values from the plan.

describe('runbook steps across a restart', () => {
  it('a command whose process died mid-run is not run again: the step fails with why', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'quiesce-step-')), 'ran');
    const run = await sandboxRun({ maintenance: [{ command: ['node', '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`] }] }, '', { realSteps: true });
    const { ctx, store } = run;
    await takeOut(run);
    // What a crash leaves: the intent was recorded, the result never was.
    await store.remember<StepIntent>(ctx.runId, stepKey('blue', 0), async () => ({ nonce: 'before-the-crash', requestedAt: ctx.clock.now() - 5_000 }));
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    expect(existsSync(marker)).toBe(false);
    const out = await observeStep(ctx, { cluster: 'blue', stepIndex: 0, startedAt: ctx.clock.now() });
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^the process stopped while step 1 ran \(started .*\); it may have run partly or still be running, so quiesce does not run it again: check it by hand$/);
    expect(out.checks![0]).toMatchObject({ name: 'step.1.command', ok: false, observed: 'interrupted by a restart' });
  });

  it('a command that finished before the restart keeps its recorded result and is not run again', async () => {
    const run = await sandboxRun({ maintenance: [{ command: ['node', '-e', 'process.exit(0)'] }] }, '', { realSteps: true });
    const { ctx } = run;
    await takeOut(run);
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const runs = (await ctx.store.readJournal(ctx.runId)).filter((e) => e.message.startsWith('blue: command node'));
    expect(runs).toHaveLength(1);
    expect((await observeStep(ctx, { cluster: 'blue', stepIndex: 0, startedAt: ctx.clock.now() })).status).toBe('done');
  });

  it('a command knows its cluster: placeholders in its argv and QUIESCE_* variables, targets as saved before the drain', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'quiesce-step-')), 'seen.json');
    const script = `require('node:fs').writeFileSync(process.argv[1], JSON.stringify({ argv: process.argv.slice(2), env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('QUIESCE_'))) }))`;
    const run = await sandboxRun({ maintenance: [{ command: ['node', '-e', script, out, '--cluster={cluster}', '{targetGroupArn}', '{replicationGroupId}', '{{literal}}'] }] }, '', { realSteps: true });
    const { ctx } = run;
    await takeOut(run, 'green');
    await startStep(ctx, { cluster: 'green', stepIndex: 0 });
    const seen = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; env: Record<string, string> };
    const green = ctx.plan.fleet.clusters.find((c) => c.name === 'green')!;
    expect(seen.argv).toEqual(['--cluster=green', green.targetGroupArn, green.cache!.replicationGroupId, '{literal}']);
    expect(seen.env).toMatchObject({ QUIESCE_RUN_ID: ctx.runId, QUIESCE_CLUSTER: 'green', QUIESCE_TARGET_GROUP_ARN: green.targetGroupArn, QUIESCE_REPLICATION_GROUP_ID: green.cache!.replicationGroupId });
    expect(seen.env.QUIESCE_CACHE_ENDPOINT).toMatch(/^[a-z0-9.-]+:6379$/);
    const targets = JSON.parse(seen.env.QUIESCE_TARGETS!) as Array<{ id: string; port: number }>;
    expect(targets.map((t) => t.id)).toEqual((await ctx.traffic.listTargets(green.targetGroupArn)).map((t) => t.id));
    expect(targets.length).toBe(3);
  });

  it('journals the step with secret-looking env and header values masked', async () => {
    const { ctx } = await sandboxRun({
      maintenance: [{ command: ['node', '-e', 'process.exit(0)'], env: { API_TOKEN: 'tok-123-secret', REGION: 'eu' } }],
    }, '', { realSteps: true });
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const text = JSON.stringify(await ctx.store.readJournal(ctx.runId));
    expect(text).not.toContain('tok-123-secret');
    expect(text).toContain('"REGION":"eu"');
  });
});

// The wait of an ElastiCache operation: a cheap look (one DescribeEvents since the request) until the
// completion event shows, the full evidence read only then; the duration learned on one cluster makes the
// next one sleep until just before it. The sandbox's defaults: failover 90 s, recovery 10 min, modify 15 min.
describe('waiting for an ElastiCache operation', () => {
  const FAILOVER_DONE_MS = 90_000 + 600_000;
  const observe = (run: Awaited<ReturnType<typeof sandboxRun>>, cluster: string) => observeStep(run.ctx, { cluster, stepIndex: 0, startedAt: run.ctx.clock.now() });

  it('looks with one call until the failover has recovered, then reads the evidence once; a second cluster sleeps until the learned instant', async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'failover' }] });
    const { ctx, clock, calls } = run;
    await takeOut(run);
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const intent = (await ctx.store.recall<StepIntent>(ctx.runId, stepKey('blue', 0)))!;
    expect(intent.expectedMs).toBeUndefined();

    calls.length = 0;
    const first = await observe(run, 'blue');
    expect(first).toMatchObject({ status: 'not-yet', recheckAt: clock.now() + 10_000 });
    // The weight is read with the rules of the load balancer's listeners, listed at the first look and
    // again every LISTENERS_REREAD_MS (30 minutes).
    expect(calls).toEqual(['DescribeListeners', 'DescribeRules', 'DescribeEvents']);

    // Mid-recovery: the failover-completed event is there, the recovery is not over: still one call.
    clock.advanceTo(intent.requestedAt + 5 * 60_000);
    calls.length = 0;
    const mid = await observe(run, 'blue');
    expect(mid.status).toBe('not-yet');
    expect(mid.checks!.find((c) => c.name === 'step.1.failover')!.observed).toMatch(/Failover from primary node payments-blue-001 to replica node payments-blue-002 completed$/);
    expect(calls).toEqual(['DescribeRules', 'DescribeEvents']);
    calls.length = 0;
    clock.advanceTo(intent.requestedAt + 5 * 60_000 + 20_000);
    await observe(run, 'blue');
    expect(calls).toEqual(['DescribeEvents']);

    clock.advanceTo(intent.requestedAt + FAILOVER_DONE_MS);
    calls.length = 0;
    const done = await observe(run, 'blue');
    expect(done.status).toBe('done');
    expect(done.checks!.find((c) => c.name === 'step.1.failover')!.observed).toMatch(/primary of node group 0001: payments-blue-002 \(was payments-blue-001\)/);
    // The probe's events serve the judgement: the full read adds the group and its members only.
    expect(calls).toEqual(['DescribeRules', 'DescribeEvents', 'DescribeReplicationGroups', 'DescribeCacheClusters']);

    await takeOut(run, 'green');
    await startStep(ctx, { cluster: 'green', stepIndex: 0 });
    const green = (await ctx.store.recall<StepIntent>(ctx.runId, stepKey('green', 0)))!;
    expect(green.expectedMs).toBe(FAILOVER_DONE_MS);
    const sleep = await observe(run, 'green');
    expect(sleep).toMatchObject({ status: 'not-yet', recheckAt: green.requestedAt + FAILOVER_DONE_MS - 30_000 });
    clock.advanceTo(green.requestedAt + FAILOVER_DONE_MS);
    const noticed = await observe(run, 'green');
    expect(noticed).toMatchObject({ status: 'done', at: green.requestedAt + FAILOVER_DONE_MS });
  });

  it('a modify to "7.1" is done once the members report "7.1.0", the patch level AWS reports for it', async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'modify', engineVersion: '7.1' }] });
    const { ctx, clock } = run;
    await takeOut(run);
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const intent = (await ctx.store.recall<StepIntent>(ctx.runId, stepKey('blue', 0)))!;
    clock.advanceTo(intent.requestedAt + 15 * 60_000);
    const out = await observe(run, 'blue');
    expect(out.status).toBe('done');
    expect(out.checks!.find((c) => c.name === 'step.1.modify')!.observed).toContain('live values match the requested ones: engineVersion="7.1"');
    expect((await ctx.cache.describe('payments-blue')).engineVersions).toEqual(['7.1.0']);
  });

  it('a modify that settles on "7.10" when "7.1" was asked fails on its evidence, whatever the looks said (seed 001)', async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'modify', engineVersion: '7.1' }] }, 'events:\n  - { at: "0s", versionReported: { replicationGroupId: payments-blue, engineVersion: "7.10" } }\n');
    const { ctx, clock } = run;
    await takeOut(run);
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const intent = (await ctx.store.recall<StepIntent>(ctx.runId, stepKey('blue', 0)))!;
    expect((await observe(run, 'blue')).status).toBe('not-yet');
    clock.advanceTo(intent.requestedAt + 15 * 60_000);
    const out = await observe(run, 'blue');
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/engine version requested "7\.1", live payments-blue-001="7\.10"/);
  });

  it('a failover that never happens is never done: the looks find no completion, and the periodic full read finds the primary unmoved (seed 000)', async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'failover' }] }, 'events:\n  - { at: "0s", failoverNoop: { replicationGroupId: payments-blue } }\n');
    const { ctx, clock, calls } = run;
    await takeOut(run);
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const intent = (await ctx.store.recall<StepIntent>(ctx.runId, stepKey('blue', 0)))!;
    for (const minutes of [2, 5, 9]) {
      clock.advanceTo(intent.requestedAt + minutes * 60_000);
      expect((await observe(run, 'blue')).status).toBe('not-yet');
    }
    calls.length = 0;
    clock.advanceTo(intent.requestedAt + 11 * 60_000);
    const out = await observe(run, 'blue');
    expect(out.status).toBe('not-yet');
    expect(calls).toContain('DescribeReplicationGroups');
    expect(out.reason).toMatch(/primary of node group 0001 to change from payments-blue-001 \(now payments-blue-001\)/);
  });

  it('a weight raised by hand while the operation runs is drift at the next look that reads the weight (seed 003)', async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'failover' }] });
    const { ctx, clock } = run;
    await takeOut(run);
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const intent = (await ctx.store.recall<StepIntent>(ctx.runId, stepKey('blue', 0)))!;
    expect((await observe(run, 'blue')).status).toBe('not-yet');
    await run.operator.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: LISTENER_ARN,
        DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: ['blue', 'green'].map((c) => ({ TargetGroupArn: targetGroupArn(c), Weight: 1 })) } }],
      }),
    );
    clock.advanceTo(intent.requestedAt + 30_000);
    const out = await observe(run, 'blue');
    expect(out.status).toBe('drift');
    expect(out.reason).toMatch(/blue's weight reads 1, expected 0/);
  });

  it('a later run of the same plan starts from the durations an earlier run learned (same store, no contract change)', async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'failover' }] });
    const { ctx, clock, store } = run;
    await takeOut(run);
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const first = (await store.recall<StepIntent>(ctx.runId, stepKey('blue', 0)))!;
    clock.advanceTo(first.requestedAt + FAILOVER_DONE_MS);
    expect((await observe(run, 'blue')).status).toBe('done');

    const later = { ...ctx, runId: 'run-later', memory: createRunMemory() };
    const now = clock.now();
    await store.createRun({ runId: later.runId, planName: ctx.plan.name, listenerArn: ctx.plan.fleet.listenerArn, plan: ctx.plan, status: 'running', createdAt: now, updatedAt: now, target: { kind: 'sandbox' } });
    await startStep(later, { cluster: 'green', stepIndex: 0 });
    expect((await store.recall<StepIntent>(later.runId, stepKey('green', 0)))!.expectedMs).toBe(FAILOVER_DONE_MS);
  });
});

// The engine switch step: the Modify response is never the evidence (it shows the engine before the
// change), a restart does not send the Modify again, and a switch that does not happen fails on what
// Describe shows.
const toValkey = { maintenance: [{ elasticache: 'modify', engine: 'valkey', engineVersion: '8.0' }] };
const observe = (run: SandboxRun) => observeStep(run.ctx, { cluster: 'blue', stepIndex: 0, startedAt: run.ctx.clock.now() });
const modifies = (run: SandboxRun) => run.world.mutations.filter((m) => m.caller === 'quiesce' && m.command === 'ModifyReplicationGroup');
const intentOf = async (run: SandboxRun) => (await run.ctx.store.recall<StepIntent>(run.ctx.runId, stepKey('blue', 0)))!;

describe('the engine switch step', () => {
  it('the Modify response shows redis; the step is done once Describe shows valkey 8.0 on every member', async () => {
    const run = await sandboxRun(toValkey);
    await takeOut(run);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    const response = run.answers.find((a) => a.command === 'ModifyReplicationGroup')?.output as ModifyReplicationGroupResult;
    expect(response.ReplicationGroup?.Engine).toBe('redis');
    expect((await observe(run)).status).toBe('not-yet');
    run.clock.advanceTo((await intentOf(run)).requestedAt + 15 * 60_000);
    const done = await observe(run);
    expect(done.status).toBe('done');
    expect(done.checks!.find((c) => c.name === 'step.1.modify')!.observed).toContain('live values match the requested ones: engine="valkey", engineVersion="8.0"');
    const journal = (await run.ctx.store.readJournal(run.ctx.runId)).map((e) => e.message);
    expect(journal).toContain('blue: ElastiCache modify requested on payments-blue: redis 7.0.7 → valkey 8.0');
  });

  it('a restart while the switch runs, or after it, sends no second Modify (its parameter group goes with it)', async () => {
    const run = await sandboxRun(
      { maintenance: [{ elasticache: 'modify', engine: 'valkey', engineVersion: '8.0', cacheParameterGroupName: 'payments-valkey8' }] },
      'elasticache:\n  parameterGroups: { payments-redis7: redis7, payments-valkey8: valkey8 }\ndefaults:\n  cache: { parameterGroup: payments-redis7 }\n',
    );
    await takeOut(run);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    // The process restarts: the step is started again with the intent recorded before the crash.
    run.clock.advanceTo(run.ctx.clock.now() + 60_000);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    run.clock.advanceTo((await intentOf(run)).requestedAt + 15 * 60_000);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    expect(modifies(run)).toHaveLength(1);
    expect((await observe(run)).status).toBe('done');
  });

  it('a switch that is accepted but does not happen fails on the engine Describe shows', async () => {
    const run = await sandboxRun(toValkey, 'events:\n  - { at: "0s", engineSwitchNoop: { replicationGroupId: payments-blue } }\n');
    await takeOut(run);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    run.clock.advanceTo((await intentOf(run)).requestedAt + 15 * 60_000);
    const out = await observe(run);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^modification settled with engine requested "valkey", live payments-blue-001="redis"/);
  });
});
