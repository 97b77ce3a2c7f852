import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { SHARED_READ_MS } from '../../src/adapters/shared-reads.js';
import { rolesNow, runScale, shareModel } from '../../src/run/forward-shares.js';
import { createRunMemory } from '../../src/run/run-memory.js';
import { LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun } from './sandbox-context.js';

// The edge's view of the forward action for ramp scaling: the weights at run start, the run's scale,
// and what each other group is to the run now. (The scaling itself is test/traffic's.)

const setWeights = (run: Awaited<ReturnType<typeof sandboxRun>>, weights: Record<string, number>) =>
  run.operator.elbv2.send(
    new ModifyListenerCommand({
      ListenerArn: LISTENER_ARN,
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: Object.entries(weights).map(([name, w]) => ({ TargetGroupArn: targetGroupArn(name), Weight: w })) } }],
    }),
  );

describe('runScale', () => {
  it("is the scale of the baseline's weights, written to the store, and kept when the weights change later", async () => {
    const run = await sandboxRun();
    await setWeights(run, { blue: 20, green: 3 });
    // 999 / 20, rounded down: the largest weight stays within ELBv2's 999.
    expect(await runScale(run.ctx)).toBe(49);
    expect(await run.store.recall(run.ctx.runId, 'ramp-scale')).toBe(49);
    await setWeights(run, { blue: 1, green: 1 });
    run.ctx.memory = createRunMemory();
    expect(await runScale(run.ctx)).toBe(49);
  });

  it('a resumed run keeps ramping at the scale it wrote, whatever its baseline would give now (a newer quiesce may compute another)', async () => {
    const run = await sandboxRun();
    await run.store.remember(run.ctx.runId, 'ramp-scale', async () => 7);
    expect(await runScale(run.ctx)).toBe(7);
  });

  it('is read once per process; a failed read is not kept', async () => {
    const run = await sandboxRun();
    const { ctx } = run;
    const traffic = ctx.traffic;
    let failures = 1;
    ctx.traffic = {
      ...traffic,
      readForwardConfig: async (location) => {
        if (failures-- > 0) throw new Error('listener unreadable');
        return traffic.readForwardConfig(location);
      },
    };
    await expect(runScale(ctx)).rejects.toThrow('listener unreadable');
    expect(ctx.memory.rampScale).toBeUndefined();
    const reading = runScale(ctx);
    expect(runScale(ctx)).toBe(reading);
    expect(await reading).toBe(100);
  });
});

describe('what the other groups are to a cluster', () => {
  it('in flight is moving, held out is out, every other group is steady (absent); the cluster itself has no role', async () => {
    const { ctx } = await sandboxRun({ capacity: { maxOutOfService: 2, minActiveClusters: 1 } }, '', { clusters: ['blue', 'green', 'gray', 'teal'] });
    ctx.inFlight = () => new Set(['blue', 'green']);
    ctx.heldOut = () => new Set(['gray', 'green']);
    const roles = rolesNow(ctx, 'blue');
    expect([...roles].sort()).toEqual([
      [targetGroupArn('gray'), 'out'],
      [targetGroupArn('green'), 'moving'],
    ]);
    expect(roles.has(targetGroupArn('blue'))).toBe(false);
    expect(roles.has(targetGroupArn('teal'))).toBe(false);
  });

  it("shareModel: the baseline's weights (not the live ones), the run's scale and the roles as of the call", async () => {
    const run = await sandboxRun({}, '', { clusters: ['blue', 'green', 'gray'] });
    await setWeights(run, { blue: 2, green: 1, gray: 1 });
    let inFlight = new Set<string>();
    run.ctx.inFlight = () => inFlight;
    const before = await shareModel(run.ctx, 'blue');
    expect(before).toEqual({
      originals: new Map([
        [targetGroupArn('blue'), 2],
        [targetGroupArn('green'), 1],
        [targetGroupArn('gray'), 1],
      ]),
      scale: 100,
      roles: new Map(),
    });
    await setWeights(run, { blue: 0, green: 1, gray: 1 });
    // Past the window in which reads of one moment are shared: a live read would see weight 0.
    run.world.advanceBy(SHARED_READ_MS + 1);
    inFlight = new Set(['gray']);
    const after = await shareModel(run.ctx, 'blue');
    expect(after.originals.get(targetGroupArn('blue'))).toBe(2);
    expect(after.roles).toEqual(new Map([[targetGroupArn('gray'), 'moving']]));
  });
});
