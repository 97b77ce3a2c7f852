import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import {
  CreateRuleCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile, type WorldFile } from '../../src/sandbox/index.js';
import { minutes } from './fixtures.js';

// A fleet at two locations: the external and the internal load balancer of examples/two-balancers.plan.yaml,
// each cluster with a target group at both, the same instances in both, one cache.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const plan = parsePlan(readFileSync(join(ROOT, 'examples/two-balancers.plan.yaml'), 'utf8'), 'two-balancers.plan.yaml');
const [EXTERNAL, INTERNAL] = plan.fleet.locations;
const groupOf = (cluster: string, location: string): string =>
  plan.fleet.clusters.find((c) => c.name === cluster)!.placements.find((p) => p.location === location)!.targetGroupArn;
const lbOf = (listenerArn: string): string => listenerArn.replace(':listener/', ':loadbalancer/').replace(/\/[^/]+$/, '');
const dimension = (arn: string): string => arn.split(':').slice(5).join(':').replace(/^loadbalancer\//, '');

function setup(file: WorldFile = {}) {
  const world = defaultWorldFromPlan(plan, file);
  return { world, ...createSandboxClients(world, { region: plan.region }) };
}

const forward = (location: string, weights: Record<string, number>): Action[] => [
  { Type: 'forward', ForwardConfig: { TargetGroups: Object.entries(weights).map(([c, w]) => ({ TargetGroupArn: groupOf(c, location), Weight: w })) } },
];

describe('a fleet at two load balancers', () => {
  it('answers Describe* with a load balancer, listener and target groups per location', async () => {
    const { world, elbv2 } = setup();
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    expect(lbs.map((l) => l.LoadBalancerArn).sort()).toEqual([lbOf(EXTERNAL!.listenerArn), lbOf(INTERNAL!.listenerArn)].sort());
    for (const location of [EXTERNAL!, INTERNAL!]) {
      const lbArn = lbOf(location.listenerArn);
      const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? [];
      expect(listeners.map((l) => l.ListenerArn)).toEqual([location.listenerArn]);
      const tuples = listeners[0]!.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? [];
      expect(tuples).toEqual(['blue', 'green', 'gray'].map((c) => ({ TargetGroupArn: groupOf(c, location.name), Weight: 1 })));
      const rules = (await elbv2.send(new DescribeRulesCommand({ ListenerArn: location.listenerArn }))).Rules ?? [];
      expect(rules.map((r) => r.IsDefault)).toEqual([true]);
      expect(rules[0]!.Actions).toEqual(listeners[0]!.DefaultActions);
      const groups = (await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }))).TargetGroups ?? [];
      expect(groups.map((g) => g.TargetGroupArn).sort()).toEqual(['blue', 'green', 'gray'].map((c) => groupOf(c, location.name)).sort());
      // A target group is used with one load balancer.
      for (const g of groups) expect(g.LoadBalancerArns).toEqual([lbArn]);
    }
    // The same instances are registered in the cluster's group at both load balancers.
    const ids = async (arn: string) =>
      ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ?? []).map((d) => [d.Target?.Id, d.TargetHealth?.State]);
    const external = await ids(groupOf('blue', 'external'));
    expect(external).toHaveLength(3);
    expect(await ids(groupOf('blue', 'internal'))).toEqual(external);
    expect(Object.keys(world.state.elasticache.replicationGroups).sort()).toEqual(['payments-blue', 'payments-gray', 'payments-green']);
    // Every answer above was checked against the SDK's own service model (attach.ts): none was out of it.
    expect(world.violations).toEqual([]);
  });

  it('refuses a forward to a target group of the other load balancer', async () => {
    const { elbv2 } = setup();
    const send = elbv2.send(
      new ModifyListenerCommand({ ListenerArn: EXTERNAL!.listenerArn, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: groupOf('blue', 'internal'), Weight: 1 }] } }] }),
    );
    await expect(send).rejects.toMatchObject({ name: 'TargetGroupAssociationLimitException' });
  });

  it('takes requests at both locations, each at its own rate, and publishes metrics per (group, load balancer)', async () => {
    const { world, cloudwatch } = setup({ traffic: { ratePerSecond: 30, locations: { internal: { ratePerSecond: 12 } } } });
    world.advanceBy(minutes(3));
    expect(world.traffic.perLocation).toEqual({ external: { requests: 30 * 180, failed: 0 }, internal: { requests: 12 * 180, failed: 0 } });
    expect(world.traffic.perCluster.blue).toEqual({ requests: (30 * 180 + 12 * 180) / 3, failed: 0 });
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(world.state.startedAt),
        EndTime: new Date(world.state.startedAt + minutes(1)),
        MetricDataQueries: (['external', 'internal'] as const).map((location, i) => ({
          Id: `q${i}`,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'RequestCount',
              Dimensions: [
                { Name: 'TargetGroup', Value: dimension(groupOf('blue', location)) },
                { Name: 'LoadBalancer', Value: dimension(lbOf(plan.fleet.locations.find((l) => l.name === location)!.listenerArn)) },
              ],
            },
            Period: 60,
            Stat: 'Sum',
          },
        })),
      }),
    );
    expect(out.MetricDataResults?.map((r) => r.Values)).toEqual([[600], [240]]);
  });

  it('a weight change at one location affects only that location', async () => {
    const { world, elbv2 } = setup({ traffic: { ratePerSecond: 30 } });
    await elbv2.send(new ModifyListenerCommand({ ListenerArn: INTERNAL!.listenerArn, DefaultActions: forward('internal', { blue: 0, green: 1, gray: 1 }) }));
    expect(world.weightsAt('internal')).toEqual({ blue: 0, green: 1, gray: 1 });
    expect(world.weightsAt('external')).toEqual({ blue: 1, green: 1, gray: 1 });
    world.advanceBy(minutes(1));
    const perGroup = world.toJSON().traffic.perGroup;
    expect(perGroup[groupOf('blue', 'internal')]?.requests ?? 0).toBe(0);
    expect(perGroup[groupOf('green', 'internal')]?.requests).toBeCloseTo(900, 6);
    expect(perGroup[groupOf('blue', 'external')]?.requests).toBeCloseTo(600, 6);
    expect(world.violations).toEqual([]);
  });

  it('flags capacity at the second location, naming it', async () => {
    const { world, elbv2 } = setup();
    await elbv2.send(new ModifyListenerCommand({ ListenerArn: INTERNAL!.listenerArn, DefaultActions: forward('internal', { blue: 0, green: 0, gray: 1 }) }));
    expect(world.violations).toHaveLength(2);
    expect(world.violations[0]).toMatchObject({ kind: 'too-many-out-of-service', location: 'internal', cluster: 'blue,green' });
    expect(world.violations[0]!.message).toBe('2 clusters out of rotation (blue at internal, green at internal); maxOutOfService is 1');
    expect(world.violations[1]).toMatchObject({ kind: 'too-few-active', location: 'internal' });
  });

  it('flags maintenance on a cluster still taking traffic at the other location', async () => {
    const { world, elbv2, elasticache } = setup();
    await elbv2.send(new ModifyListenerCommand({ ListenerArn: EXTERNAL!.listenerArn, DefaultActions: forward('external', { blue: 0, green: 1, gray: 1 }) }));
    expect(world.violations).toEqual([]);
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'payments-blue', EngineVersion: '7.1', ApplyImmediately: true }));
    expect(world.violations).toHaveLength(1);
    expect(world.violations[0]).toMatchObject({ kind: 'maintenance-in-rotation', cluster: 'blue', location: 'internal' });
    expect(world.violations[0]!.message).toContain('while blue is in rotation at internal');
  });

  it('a scripted hand edit at the internal location raises the weight there only', () => {
    const file = parseWorldFile('events:\n  - { at: "30s", manualWeight: { cluster: blue, weight: 5, location: internal } }\n');
    const { world } = setup(file);
    world.advanceBy(minutes(1));
    expect(world.weightsAt('internal').blue).toBe(5);
    expect(world.weightsAt('external').blue).toBe(1);
    expect(world.mutations.find((m) => m.caller === 'script:manualWeight')).toMatchObject({ command: 'ModifyListener', resource: INTERNAL!.listenerArn });
  });

  it('a health fault of a cluster fails its instances at both load balancers', async () => {
    const { world, elbv2 } = setup({ events: [{ at: '0s', targetUnhealthy: { cluster: 'gray', count: 1 } }] });
    world.advanceBy(minutes(3));
    for (const location of ['external', 'internal']) {
      const states = ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: groupOf('gray', location) }))).TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State);
      expect(states.filter((s) => s === 'unhealthy')).toHaveLength(1);
    }
  });

  it('refuses world files that leave the location of a hand edit open or name none of the plan', () => {
    expect(() => setup(parseWorldFile('events:\n  - { at: "30s", manualWeight: { cluster: blue, weight: 5 } }\n', 'w.yaml'))).toThrow(
      'world file: events[0]: manualWeight: the plan has several locations (external, internal): name one with "location"',
    );
    expect(() => setup(parseWorldFile('events:\n  - { at: "30s", manualWeight: { cluster: blue, weight: 5, location: dmz } }\n', 'w.yaml'))).toThrow(
      'world file: events[0]: manualWeight: no such location "dmz" (the plan has external, internal)',
    );
    expect(() => setup(parseWorldFile('traffic: { locations: { dmz: { ratePerSecond: 5 } } }\n', 'w.yaml'))).toThrow(
      'world file: traffic.locations.dmz: no such location in the plan (external, internal)',
    );
    expect(() => parseWorldFile('traffic: { locations: { internal: { rate: 5 } } }\n', 'w.yaml')).toThrow('w.yaml: unknown key "rate" in traffic.locations.internal');
    expect(() => setup(parseWorldFile('elbv2: { rules: [{ priority: 5, path: ["/x"], forward: { blue: 1 } }] }\n', 'w.yaml'))).toThrow(
      'world file: elbv2.rules[0]: the plan has several locations (external, internal): name one with "location"',
    );
  });

  it('counts failed requests per location and in total', () => {
    const { world } = setup({ traffic: { ratePerSecond: 30, locations: { internal: { ratePerSecond: 12 } } }, events: [{ at: '0s', crashLoop: { cluster: 'gray' } }] });
    world.advanceBy(minutes(3));
    const t = world.traffic;
    expect(t.perLocation!.external!.failed).toBeGreaterThan(0);
    expect(t.perLocation!.internal!.failed).toBeGreaterThan(0);
    // Requests at the internal listener are 12/30 of the external's; gray fails alike at both.
    expect(t.perLocation!.internal!.failed / t.perLocation!.external!.failed).toBeCloseTo(12 / 30, 2);
    // Each total is floored on its own: they agree to a request.
    expect(Math.abs(t.failed - (t.perLocation!.external!.failed + t.perLocation!.internal!.failed))).toBeLessThanOrEqual(1);
    expect(t.failed).toBe(t.perCluster.gray!.failed);
  });

  it('puts a world file rule on the listener of its location, forwarding to the groups there', async () => {
    const { world, elbv2 } = setup({ traffic: { paths: { '/': 1, '/reports/x': 1 } }, elbv2: { rules: [{ location: 'internal', priority: 10, path: ['/reports/*'], forward: { blue: 1 } }] } });
    const rules = async (listenerArn: string) => (await elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? [];
    expect((await rules(EXTERNAL!.listenerArn)).map((r) => r.Priority)).toEqual(['default']);
    const internal = await rules(INTERNAL!.listenerArn);
    expect(internal.map((r) => r.Priority)).toEqual(['10', 'default']);
    expect(internal[0]!.Actions?.[0]?.ForwardConfig?.TargetGroups).toEqual([{ TargetGroupArn: groupOf('blue', 'internal'), Weight: 1 }]);
    // Out of rotation by weight at internal, blue still takes the reports there: in rotation at internal.
    await elbv2.send(new ModifyListenerCommand({ ListenerArn: INTERNAL!.listenerArn, DefaultActions: forward('internal', { blue: 0, green: 1, gray: 1 }) }));
    world.advanceBy(minutes(1));
    expect(world.toJSON().traffic.perGroup[groupOf('blue', 'internal')]?.requests).toBeCloseTo(100 * 60, 6);
  });

  it('builds the two-listener example: ten clusters, five at each load balancer', async () => {
    const shop = parsePlan(readFileSync(join(ROOT, 'examples/two-listeners.plan.yaml'), 'utf8'), 'two-listeners.plan.yaml');
    const world = defaultWorldFromPlan(shop, parseWorldFile(readFileSync(join(ROOT, 'examples/two-listeners.world.yaml'), 'utf8')));
    const { elbv2 } = createSandboxClients(world, { region: shop.region });
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    expect(lbs.map((l) => l.LoadBalancerName).sort()).toEqual(['shop-a', 'shop-b']);
    for (const lb of lbs) {
      const groups = (await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).TargetGroups ?? [];
      expect(groups.map((g) => g.TargetGroupName?.slice(0, 6))).toEqual(Array(5).fill(lb.LoadBalancerName));
    }
    world.advanceBy(minutes(1));
    expect(world.traffic.perLocation).toEqual({ 'shop-a': { requests: 120 * 60, failed: 0 }, 'shop-b': { requests: 40 * 60, failed: 0 } });
  });

  it('a request (a canary) goes to the listener of the location it names', async () => {
    const { world, elbv2 } = setup();
    await elbv2.send(
      new CreateRuleCommand({
        ListenerArn: INTERNAL!.listenerArn,
        Priority: 1,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'x-canary', Values: ['blue'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: groupOf('blue', 'internal') }],
      }),
    );
    const at = world.locationOfListener(INTERNAL!.listenerArn);
    expect(at).toBe('internal');
    const internal = world.simulateRequest({ headers: { 'x-canary': 'blue' } }, at);
    expect(internal).toMatchObject({ status: 200, cluster: 'blue', targetGroupArn: groupOf('blue', 'internal') });
    expect(internal.ruleArn).not.toBeNull();
    // The external listener has no such rule: the header changes nothing there.
    const external = world.simulateRequest({ headers: { 'x-canary': 'blue' } }, 'external');
    expect(external.targetGroupArn).not.toBe(groupOf('blue', 'internal'));
    expect(world.locationOfListener('arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/other/1/2')).toBeNull();
  });

  it('a plan of one listener is one location: no per-location traffic, messages as before', () => {
    const one = parsePlan(readFileSync(join(ROOT, 'examples/payments.plan.yaml'), 'utf8'), 'payments.plan.yaml');
    const world = defaultWorldFromPlan(one, { traffic: { ratePerSecond: 10 } });
    world.advanceBy(minutes(1));
    expect(world.traffic.perLocation).toBeUndefined();
    expect(world.locations).toEqual([one.fleet.locations[0]!.name]);
    expect(world.weights()).toEqual(world.weightsAt(one.fleet.locations[0]!.name));
  });
});
