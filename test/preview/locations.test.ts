import { describe, expect, it } from 'vitest';
import { buildPreview, type LiveReaders } from '../../src/preview/plan-preview.js';
import { renderPlanText } from '../../src/preview/render-terminal.js';
import type { CachePort, ReplicationGroupView } from '../../src/ports/cache.js';
import type { ForwardConfig, TargetGroupSettings, TargetHealth, TrafficLocation, TrafficPort } from '../../src/ports/traffic.js';
import { INTERNAL_RULE, twoBalancersPlan } from '../helpers/two-balancers.js';

// `quiesce plan` on a fleet behind two load balancers: every location, every cluster's target group at
// each, and the weights read at each location's own forward action.

const plan = twoBalancersPlan({ internalRule: true });
const [external, internal] = plan.fleet.locations;
const tg = (cluster: string, at: string) => plan.fleet.clusters.find((c) => c.name === cluster)!.placements.find((p) => p.location === at)!.targetGroupArn;

/** The reads the preview makes, answered from fixed forward actions; every read of a forward is recorded. */
function readers(forwards: Record<string, ForwardConfig>): { live: LiveReaders; reads: TrafficLocation[] } {
  const reads: TrafficLocation[] = [];
  const unused = () => Promise.reject(new Error('the preview only reads forwards, target groups and their health'));
  const traffic: TrafficPort = {
    readForwardConfig: async (location) => {
      reads.push(location);
      const forward = forwards[location.ruleArn ?? location.listenerArn];
      if (!forward) throw new Error(`no forward action at ${JSON.stringify(location)}`);
      return forward;
    },
    readForwardConfigs: unused,
    describeTargetGroup: async (arn): Promise<TargetGroupSettings> => ({
      targetGroupArn: arn,
      loadBalancerArns: [],
      targetType: 'instance',
      deregistrationDelaySeconds: 30,
      healthCheck: { intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 2 },
      stickiness: { enabled: false },
    }),
    // The internal target groups have one unhealthy target of three.
    describeTargetHealth: async (arn): Promise<TargetHealth[]> =>
      ['i-1', 'i-2', 'i-3'].map((id, i) => ({ target: { id }, state: arn.includes('-int-') && i === 2 ? 'unhealthy' : 'healthy' })),
    setWeight: unused,
    setWeights: unused,
    verifyWeight: unused,
    listTargets: unused,
    deregisterTargets: unused,
    registerTargets: unused,
    loadBalancerDnsName: unused,
    listenersOf: unused,
    readRules: unused,
    createCanaryRule: unused,
    deleteCanaryRule: unused,
  };
  const view = (id: string): ReplicationGroupView => ({
    replicationGroupId: id,
    status: 'available',
    clusterMode: 'disabled',
    members: [],
    nodeGroups: [{ nodeGroupId: '0001', memberIds: [`${id}-001`, `${id}-002`] }],
    primaries: { '0001': `${id}-001` },
    pendingModifiedValues: {},
    engine: 'redis',
    engineVersions: ['7.0.7'],
    cacheNodeTypes: ['cache.r7g.large'],
    cacheParameterGroupNames: ['default.redis7'],
    automaticFailover: 'enabled',
    transitEncryption: true,
    authTokenEnabled: false,
  });
  const cache = { describe: async (id: string) => view(id) } as Pick<CachePort, 'describe'> as CachePort;
  const timings = { failoverMs: 1, recoveryMs: 1, modifyMs: 1, rebootMs: 1, serviceUpdateMs: 1, source: 'test' };
  return { live: { traffic, cache, source: 'sandbox', timings, metricsLagMs: 60_000 }, reads };
}

const forwards = {
  [external!.listenerArn]: { targetGroups: ['blue', 'green', 'gray'].map((c) => ({ targetGroupArn: tg(c, 'external'), weight: 1 })), stickiness: { enabled: false } },
  // The internal rule weights blue and green 3, and has lost gray.
  [INTERNAL_RULE]: { targetGroups: ['blue', 'green'].map((c) => ({ targetGroupArn: tg(c, 'internal'), weight: 3 })), stickiness: { enabled: true, durationSeconds: 300 } },
};

describe('the preview of a fleet at several locations', () => {
  it('reads each location through its own listener and rule, and lists every location', async () => {
    const { live, reads } = readers(forwards);
    const preview = await buildPreview(plan, live);
    expect(reads).toEqual([{ listenerArn: external!.listenerArn }, { listenerArn: internal!.listenerArn, ruleArn: INTERNAL_RULE }]);
    expect(preview.locations).toEqual([
      { name: 'external', listenerArn: external!.listenerArn },
      { name: 'internal', listenerArn: internal!.listenerArn, ruleArn: INTERNAL_RULE },
    ]);
  });

  it("gives each cluster its target group, weight and health at each location, and changes each location's weight", async () => {
    const preview = await buildPreview(plan, readers(forwards).live);
    const blue = preview.clusters.find((c) => c.name === 'blue')!;
    expect(blue.placements).toEqual([
      { location: 'external', targetGroupArn: tg('blue', 'external'), live: { weight: 1, healthyTargets: 3, targets: 3 } },
      { location: 'internal', targetGroupArn: tg('blue', 'internal'), live: { weight: 3, healthyTargets: 2, targets: 3 } },
    ]);
    expect(blue.phases.find((p) => p.phase === 'deregister')!.changes).toEqual([
      'at external: weight 1 -> 0 (ModifyListener, the whole forward config, other weights kept)',
      'at internal: weight 3 -> 0 (ModifyRule, the whole forward config, other weights kept)',
    ]);
    const ramp = blue.phases.find((p) => p.phase === 'reactivate')!.changes;
    expect(ramp).toHaveLength(2);
    expect(ramp[0]).toMatch(/^at external: weight 0 -> \d+ -> \d+ -> 1 \(ramp 10%, 50%, 100%/);
    expect(ramp[1]).toMatch(/^at internal: weight 0 -> \d+ -> \d+ -> 3 \(ramp 10%, 50%, 100%/);
    expect(blue.notes).toContain('stickiness is on for 300s at internal: sticky clients keep arriving until their cookie expires');
    const gray = preview.clusters.find((c) => c.name === 'gray')!;
    expect(gray.placements.map((p) => p.live?.weight)).toEqual([1, undefined]);
    expect(gray.notes).toContain("gray's target group at internal is not in that location's forward action: preflight will refuse");
  });

  it('prints the locations, and each cluster\'s target group with its weight at each', async () => {
    const text = renderPlanText(await buildPreview(plan, readers(forwards).live), { color: false });
    expect(text).toContain(
      [
        '  2 locations (a cluster leaves and comes back at all of its own together):',
        `    external: listener ${external!.listenerArn}`,
        `    internal: listener ${internal!.listenerArn}`,
        `              rule ${INTERNAL_RULE}`,
      ].join('\n'),
    );
    expect(text).not.toContain('\n  listener ');
    const blueLine = text.split('\n').findIndex((l) => l.startsWith('  ~ blue  '));
    expect(text.split('\n').slice(blueLine, blueLine + 3)).toEqual([
      expect.stringMatching(/^ {2}~ blue {2}\(cache payments-blue; est\. [^)]+\) cache available, engine redis "7\.0\.7", primary payments-blue-001$/),
      `      at external: target group payments-ext-blue (${tg('blue', 'external')}) weight 1, 3/3 healthy`,
      `      at internal: target group payments-int-blue (${tg('blue', 'internal')}) weight 3, 2/3 healthy`,
    ]);
  });

  it('without live values, still names each location and target group', async () => {
    const text = renderPlanText(await buildPreview(plan), { color: false });
    expect(text).toContain(`      at internal: target group payments-int-green (${tg('green', 'internal')})\n`);
    expect(text).toContain('          ~ at internal: weight 1 -> 0 (ModifyRule, the whole forward config, other weights kept)');
  });
});
