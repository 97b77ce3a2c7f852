import { describe, expect, it } from 'vitest';
import { SHARED_READ_MS } from '../../src/adapters/shared-reads.js';
import { checkDrift } from '../../src/run/cluster-actors.js';
import { observeStep, startStep } from '../../src/run/maintenance-steps.js';
import { observeRamp } from '../../src/run/observations.js';
import { runPreflight } from '../../src/run/preflight.js';
import { assertOutOfRotation, capacityWithout, readyForTraffic } from '../../src/run/rotation-guards.js';
import { baseline } from '../../src/run/baseline.js';
import { verifyCluster } from '../../src/run/verification.js';
import { sandboxRun, settle, takeOut, type SandboxRun } from './sandbox-context.js';

// The API calls of each look and of each moment between phases, pinned: a redundant read brought back
// (a second DescribeListeners in one moment, a describe per group or per member, a metrics request per
// metric) fails here before it shows in the bench.

const MINUTE = 60_000;

/** The calls `work` makes, from a moment past the window in which earlier reads are shared. */
async function callsOf(run: SandboxRun, work: () => Promise<unknown>, fresh = true): Promise<string[]> {
  if (fresh) run.world.advanceBy(SHARED_READ_MS);
  run.calls.length = 0;
  await settle(run.clock, work());
  return [...run.calls];
}

describe('calls per look', () => {
  it('preflight: one listing of the rules, every cache in one describe, memory and lag in one metrics request', async () => {
    const run = await sandboxRun({}, '', { clusters: ['blue', 'green', 'gray'] });
    await baseline(run.ctx);
    expect(await callsOf(run, () => runPreflight(run.ctx, 'blue'))).toEqual([
      // The load balancer's listeners and the rules of its one listener: other rules forwarding to blue,
      // leftover and foreign canary rules, and the fleet's forward (the listener's default rule) from one listing.
      'DescribeListeners',
      'DescribeRules',
      // blue's own group and the two in rotation: one listing of the groups, one of their members.
      'DescribeReplicationGroups',
      'DescribeCacheClusters',
      'DescribeTargetHealth',
      'DescribeTargetHealth',
      'GetMetricData',
      'DescribeUpdateActions',
    ]);
  });

  it('taking a cluster out: the drift check and the capacity guard reuse the listener and target health preflight just read', async () => {
    const run = await sandboxRun({}, '', { clusters: ['blue', 'green', 'gray'] });
    await baseline(run.ctx);
    await callsOf(run, () => runPreflight(run.ctx, 'blue'));
    const calls = await callsOf(
      run,
      async () => {
        await checkDrift(run.ctx, 'blue');
        await (await capacityWithout(run.ctx, 'blue'))(await run.ctx.traffic.readForwardConfig(run.ctx.location));
      },
      false,
    );
    // Only blue's own targets, which preflight does not read: for the drift check, and for the guard
    // (a cluster with no registered target serves nothing, so taking it out costs no capacity).
    expect(calls).toEqual(['DescribeTargetHealth', 'DescribeTargetHealth']);
  });

  it('verification: a full look reads each thing once, and the reactivation guard right after it reads nothing again', async () => {
    const run = await sandboxRun({ verify: { stableFor: '0s', timeout: '10m' } });
    await takeOut(run);
    const look = await callsOf(run, () => verifyCluster(run.ctx, { cluster: 'blue', expectedWeight: 0, maintenanceRan: false }));
    // The weight read is one listing of the rules: the fleet's forward, and any other rule forwarding to blue.
    expect(look).toEqual(['DescribeTargetGroups', 'DescribeTargetGroupAttributes', 'DescribeTargetHealth', 'DescribeListeners', 'DescribeRules', 'DescribeReplicationGroups', 'DescribeCacheClusters', 'GetMetricData']);
    expect(await callsOf(run, async () => readyForTraffic(run.ctx, 'blue')(await run.ctx.traffic.readForwardConfig(run.ctx.location)), false)).toEqual([]);
    // A later guard reads both again.
    expect(await callsOf(run, async () => readyForTraffic(run.ctx, 'blue')(await run.ctx.traffic.readForwardConfig(run.ctx.location)))).toEqual(['DescribeListeners', 'DescribeTargetHealth']);
  });

  it('ramp: the final look of a step reads the weight, health and both metrics once; the next step guard reuses the weight', async () => {
    const run = await sandboxRun({ reactivate: { ramp: [50, 100], hold: '1m' } });
    await baseline(run.ctx);
    const since = run.clock.now();
    expect(await callsOf(run, () => observeRamp(run.ctx, { cluster: 'blue', percent: 100, since }))).toEqual(['DescribeListeners']);
    run.clock.advanceTo(since + MINUTE);
    expect(await callsOf(run, () => observeRamp(run.ctx, { cluster: 'blue', percent: 100, since }))).toEqual(['DescribeListeners', 'DescribeTargetHealth', 'GetMetricData']);
    expect(await callsOf(run, async () => readyForTraffic(run.ctx, 'blue')(await run.ctx.traffic.readForwardConfig(run.ctx.location)), false)).toEqual([]);
  });

  it('cache operations: a look is one DescribeEvents; the next step starts on the describe that ended the last one', async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'failover' }, { elasticache: 'modify', engineVersion: '7.1' }] }, 'clusters:\n  blue: { cache: { engineVersion: "7.0" } }\n');
    await takeOut(run);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    const observe = () => observeStep(run.ctx, { cluster: 'blue', stepIndex: 0, startedAt: run.clock.now() });
    // The first look reads the weight too, with the rules of the load balancer's listeners (listed at the
    // first look, then every 30 minutes); one within DRIFT_READ_MS of it does not.
    expect(await callsOf(run, observe)).toEqual(['DescribeListeners', 'DescribeRules', 'DescribeEvents']);
    run.world.advanceBy(10_000);
    expect(await callsOf(run, observe)).toEqual(['DescribeEvents']);
    run.world.advanceBy(15 * MINUTE);
    const done = await callsOf(run, observe);
    expect(done).toEqual(['DescribeRules', 'DescribeEvents', 'DescribeReplicationGroups', 'DescribeCacheClusters']);
    const next = await callsOf(
      run,
      async () => {
        await assertOutOfRotation(run.ctx, 'blue', 1);
        await startStep(run.ctx, { cluster: 'blue', stepIndex: 1 });
      },
      false,
    );
    expect(next).toEqual(['ModifyReplicationGroup']);
  });
});
