import { describe, expect, it } from 'vitest';
import { defaultWorldFromPlan } from '../../src/sandbox/index.js';
import { LISTENER_ARN, minutes, planOf } from './fixtures.js';

describe('performance', () => {
  it('runs 200 clusters of 50 targets for 8 virtual hours of rolling maintenance in well under 10 s of CPU', () => {
    const names = Array.from({ length: 200 }, (_, i) => `c${String(i + 1).padStart(3, '0')}`);
    const plan = planOf(names);
    const cpu = process.cpuUsage();
    const world = defaultWorldFromPlan(plan, {
      // Promotion (PrimaryClusterId) needs Multi-AZ with automatic failover off.
      defaults: { targets: 50, cache: { automaticFailover: false, multiAZ: false } },
      // 200 target groups in one forward action: a topology AWS does not allow (it holds 5), a stress setting.
      elbv2: { stickiness: { enabled: true, duration: '10m' }, syntheticTargetGroupsPerForward: 200 },
      events: [{ from: '2h', to: '3h', crashLoop: { cluster: 'c150' } }],
    });
    const weights = new Map(names.map((n) => [n, 1]));
    const setWeight = (name: string, weight: number): void => {
      weights.set(name, weight);
      world.handle('elbv2', 'ModifyListener', {
        ListenerArn: LISTENER_ARN,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: plan.fleet.clusters.map((c) => ({ TargetGroupArn: c.targetGroupArn, Weight: weights.get(c.name) ?? 1 })),
              TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
            },
          },
        ],
      });
    };
    const end = world.now() + minutes(8 * 60);
    // A cluster every 5 minutes: out of rotation, targets drained and back, primary moved, back in.
    for (const cluster of plan.fleet.clusters.slice(0, 96)) {
      setWeight(cluster.name, 0);
      const targets = (world.handle('elbv2', 'DescribeTargetHealth', { TargetGroupArn: cluster.targetGroupArn }) as {
        TargetHealthDescriptions: Array<{ Target: { Id: string } }>;
      }).TargetHealthDescriptions.map((d) => ({ Id: d.Target.Id }));
      world.handle('elbv2', 'DeregisterTargets', { TargetGroupArn: cluster.targetGroupArn, Targets: targets });
      // TestFailover allows 15 node groups a day per account: promote a replica instead.
      const rg = cluster.cache?.replicationGroupId ?? '';
      world.handle('elasticache', 'ModifyReplicationGroup', { ReplicationGroupId: rg, PrimaryClusterId: `${rg}-002`, ApplyImmediately: true });
      world.advanceBy(minutes(2));
      world.handle('elbv2', 'RegisterTargets', { TargetGroupArn: cluster.targetGroupArn, Targets: targets });
      world.advanceBy(minutes(3));
      setWeight(cluster.name, 1);
      if (world.now() >= end) break;
    }
    world.advanceTo(end);
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    expect(world.traffic.requests).toBeGreaterThan(5_000_000);
    expect(cpuSeconds).toBeLessThan(5);
  });
});
