import { CreateRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createActor, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createClusterActors } from '../../src/run/cluster-actors.js';
import { baseline } from '../../src/run/baseline.js';
import { LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, settle, takeOut } from './sandbox-context.js';

// Deregister mode: a cluster's targets are registered again only while nothing can send it traffic. When
// securing a held cluster (weight 0, then its targets), AWS is eventually consistent (a read right after
// ModifyListener may still show the old weight): the targets are registered only once the 0 reads back.

describe('registering targets again', () => {
  it('securing registers the targets again only after its weight 0 reads back', async () => {
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

  it('restoring targets: another rule forwarding to the cluster is drift, and nothing is registered', async () => {
    const run = await sandboxRun({ drain: { mode: 'deregister', minimum: '30s', timeout: '10m' } });
    await takeOut(run);
    const targets = await run.ctx.traffic.listTargets(targetGroupArn('blue'));
    await run.ctx.traffic.deregisterTargets(targetGroupArn('blue'), targets);
    run.world.advanceBy(400_000);
    await run.operator.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: LISTENER_ARN,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/reports/*'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('blue'), Weight: 1 }] } }],
      }),
    );
    run.world.advanceBy(1_000);

    const tracker = { begin: () => undefined, end: () => undefined, persisted: async () => undefined };
    const actor = createActor(createClusterActors(run.ctx, tracker).registerTargets, { input: { cluster: 'blue', targets } });
    actor.start();
    const out = await settle(run.clock, toPromise(actor));
    expect(out.status).toBe('drift');
    expect(out.reason).toMatch(/^payments-blue is forwarded to by rule \S+ \(priority 10\) with weight 1$/);
    expect(run.world.mutations.filter((m) => m.caller === 'quiesce' && m.command === 'RegisterTargets')).toEqual([]);
  });
});
