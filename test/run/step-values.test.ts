import { describe, expect, it } from 'vitest';
import { savedTargets, stepClusterValues } from '../../src/run/step-values.js';
import { sandboxRun, takeOut } from './sandbox-context.js';

describe('what a runbook step knows of its cluster', () => {
  it('the targets saved before the drain: the deregistered list when there is one, else the run baseline', async () => {
    const run = await sandboxRun({ maintenance: [{ command: ['true'] }] });
    await takeOut(run);
    const spec = run.ctx.plan.fleet.clusters[0]!;
    const live = await run.ctx.traffic.listTargets(spec.targetGroupArn);
    expect((await savedTargets(run.ctx, 'blue')).map((t) => t.id)).toEqual(live.map((t) => t.id));
    await run.store.remember(run.ctx.runId, 'targets:blue', async () => [{ id: 'i-0saved00000000000', port: 80 }]);
    expect(await savedTargets(run.ctx, 'blue')).toEqual([{ id: 'i-0saved00000000000', port: 80 }]);
  });

  it('the run, the target group, the cache id and its endpoint read now', async () => {
    const run = await sandboxRun({ maintenance: [{ command: ['true'] }] });
    await takeOut(run);
    const spec = run.ctx.plan.fleet.clusters[1]!;
    const values = await stepClusterValues(run.ctx, spec);
    expect(values).toMatchObject({ runId: run.ctx.runId, cluster: 'green', targetGroupArn: spec.targetGroupArn, replicationGroupId: spec.cache!.replicationGroupId });
    const view = await run.ctx.cache.describe(spec.cache!.replicationGroupId);
    expect(values.cacheEndpoint).toBe(`${view.primaryEndpoint!.address}:${view.primaryEndpoint!.port}`);
  });
});
