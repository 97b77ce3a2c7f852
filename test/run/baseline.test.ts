import { describe, expect, it } from 'vitest';
import { baseline } from '../../src/run/baseline.js';
import { createRunMemory } from '../../src/run/run-memory.js';
import { targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, takeOut } from './sandbox-context.js';

// The baseline: the weights and target lists every restore returns to, recorded once before the first
// change and never changed after. (The engine recording it through transient faults, or holding the run
// when it cannot, is in engine.test.ts.)

describe('baseline', () => {
  it("records the forward and every cluster's targets once, in the store: a later change, or another process, does not move it", async () => {
    const run = await sandboxRun();
    const capturedAt = run.clock.now();
    const base = await baseline(run.ctx);
    expect(base.capturedAt).toBe(capturedAt);
    expect(base.forward.targetGroups.map((g) => [g.targetGroupArn, g.weight])).toEqual([
      [targetGroupArn('blue'), 1],
      [targetGroupArn('green'), 1],
    ]);
    expect(Object.keys(base.targets)).toEqual(['blue', 'green']);
    expect(base.targets.blue!.length).toBeGreaterThan(0);
    expect(await run.store.recall(run.ctx.runId, 'baseline')).toEqual(base);

    await takeOut(run, 'blue');
    expect(run.world.weights().blue).toBe(0);
    expect(await baseline(run.ctx)).toBe(base);
    // A process that resumes the run (nothing in memory) reads the recorded baseline, not the world.
    run.ctx.memory = createRunMemory();
    const resumed = await baseline(run.ctx);
    expect(resumed).toEqual(base);
    expect(resumed).not.toBe(base);
  });

  it('every reader shares one reading, frozen all the way down', async () => {
    const { ctx } = await sandboxRun();
    const first = baseline(ctx);
    expect(baseline(ctx)).toBe(first);
    const base = await first;
    expect(Object.isFrozen(base)).toBe(true);
    expect(Object.isFrozen(base.forward.targetGroups)).toBe(true);
    expect(Object.isFrozen(base.forward.targetGroups[0])).toBe(true);
    expect(Object.isFrozen(base.targets.blue![0])).toBe(true);
    expect(() => {
      (base.forward.targetGroups[0] as { weight: number }).weight = 0;
    }).toThrow(TypeError);
  });

  it('a failed read is not kept: the next caller reads again', async () => {
    const { ctx } = await sandboxRun();
    const traffic = ctx.traffic;
    let failures = 1;
    ctx.traffic = {
      ...traffic,
      readForwardConfig: async (location) => {
        if (failures-- > 0) throw new Error('listener unreadable');
        return traffic.readForwardConfig(location);
      },
    };
    await expect(baseline(ctx)).rejects.toThrow('listener unreadable');
    expect(ctx.memory.baseline).toBeUndefined();
    const base = await baseline(ctx);
    expect(base.forward.targetGroups).toHaveLength(2);
  });
});
