import { describe, expect, it } from 'vitest';
import { RefusedError } from '../../src/errors.js';
import { runPreflight } from '../../src/run/preflight.js';
import { capacityWithout } from '../../src/run/rotation-guards.js';
import { baseline } from '../../src/run/baseline.js';
import { clusterSpec } from '../../src/run/run-context.js';
import { sandboxRun, settle } from './sandbox-context.js';

// capacity.minHealthyTargets is judged with minActiveClusters and maxOutOfService inside the weight
// guard, under the listener's lock, on the live weights and on target health read with the change
// (issue 15, C14). Preflight's count is an early refusal only.

const MINUTE = 60_000;
// Three clusters of 3 healthy targets: one out leaves 6 healthy in rotation, two out leave 3.
const plan = { capacity: { maxOutOfService: 2, minActiveClusters: 1, minHealthyTargets: 5 } };

async function remove(run: Awaited<ReturnType<typeof sandboxRun>>, cluster: string) {
  const guard = await capacityWithout(run.ctx, cluster);
  return run.ctx.traffic.setWeight(run.ctx.location, clusterSpec(run.ctx, cluster).targetGroupArn, 0, guard);
}

describe('capacity under concurrency', () => {
  it('two clusters leaving at once, each passing alone, cannot together breach minHealthyTargets', async () => {
    const run = await sandboxRun(plan, '', { clusters: ['blue', 'green', 'gray'] });
    await baseline(run.ctx);
    // Each alone passes preflight: 6 healthy targets would remain, at least 5 are required.
    for (const name of ['blue', 'green']) {
      const out = await settle(run.clock, runPreflight(run.ctx, name));
      expect(out.checks!.find((c) => c.name === 'preflight.capacity')).toMatchObject({ ok: true, observed: '6 healthy targets would remain in rotation' });
    }
    const results = await settle(run.clock, Promise.allSettled([remove(run, 'blue'), remove(run, 'green')]));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const reason = (refused[0] as PromiseRejectedResult).reason as Error;
    expect(reason).toBeInstanceOf(RefusedError);
    expect(reason.message).toMatch(/would leave 3 healthy targets in rotation \(gray 3\), fewer than capacity\.minHealthyTargets 5, so (blue|green) stays in rotation$/);
    // One of the two left; the other and gray still serve.
    const weights = run.world.weights();
    expect(Object.values(weights).filter((w) => w === 0)).toHaveLength(1);
    expect(weights.gray).toBe(1);
  });

  it('judges healthy targets read with the change, not the counts read before it when the change waited', async () => {
    const run = await sandboxRun(plan, '', { clusters: ['blue', 'green', 'gray'] });
    await baseline(run.ctx);
    // The guard is built on a read where every target is healthy (6 would remain)...
    const guard = await settle(run.clock, capacityWithout(run.ctx, 'blue'));
    // ...then two of gray's targets fail their health checks before the change is written.
    run.world.schedule({ from: `${run.world.now() - run.world.state.startedAt}ms`, targetUnhealthy: { cluster: 'gray', count: 2 } });
    run.clock.advanceTo(run.clock.now() + 2 * MINUTE);
    const live = await settle(run.clock, run.ctx.traffic.readForwardConfig(run.ctx.location));
    const err = await settle(run.clock, guard(live).then(() => undefined, (e: unknown) => e));
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as Error).message).toMatch(/would leave 4 healthy targets in rotation \(green 3, gray 1\), fewer than capacity\.minHealthyTargets 5/);
  });

  it('a percentage is of the targets the fleet had at the start, as in preflight', async () => {
    const run = await sandboxRun({ capacity: { maxOutOfService: 2, minActiveClusters: 1, minHealthyTargets: '60%' } }, '', { clusters: ['blue', 'green', 'gray'] });
    await baseline(run.ctx);
    // 60% of 9 = 6: blue alone may leave (6 remain), green after it may not (3 remain).
    await settle(run.clock, remove(run, 'blue'));
    const err = await settle(run.clock, remove(run, 'green').then(() => undefined, (e: unknown) => e));
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as Error).message).toMatch(/fewer than capacity\.minHealthyTargets 60% of 9 = 6/);
  });
});
