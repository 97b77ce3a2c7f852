import { createActor, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createClusterActors } from '../../src/run/cluster-actors.js';
import { baseline } from '../../src/run/run-context.js';
import { targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, settle } from './sandbox-context.js';

// Securing a held cluster in deregister mode: weight 0, then its targets registered again. AWS is
// eventually consistent (a read right after ModifyListener may still show the old weight): the targets
// are registered only once the 0 reads back, never under the weight being replaced.

describe('secure', () => {
  it('registers the targets again only after its weight 0 reads back', async () => {
    const run = await sandboxRun({ drain: { mode: 'deregister', minimum: '30s', timeout: '10m' } }, 'elbv2:\n  staleReads: "10s"\n');
    await baseline(run.ctx);
    const targets = await run.ctx.traffic.listTargets(targetGroupArn('blue'));
    await run.ctx.traffic.deregisterTargets(targetGroupArn('blue'), targets);
    run.world.advanceBy(400_000);

    const tracker = { begin: () => undefined, end: () => undefined, persisted: async () => undefined };
    const actor = createActor(createClusterActors(run.ctx, tracker).secure, { input: { cluster: 'blue', targets } });
    actor.start();
    await settle(run.clock, toPromise(actor));

    const ours = run.world.mutations.filter((m) => m.caller === 'quiesce' && (m.command === 'ModifyListener' || m.command === 'RegisterTargets'));
    expect(ours.map((m) => m.command)).toEqual(['ModifyListener', 'RegisterTargets']);
    expect(ours[1]!.at - ours[0]!.at).toBeGreaterThanOrEqual(10_000);
    expect(run.world.weights()).toEqual({ blue: 0, green: 1 });
    expect(run.world.violations).toEqual([]);
  });
});
