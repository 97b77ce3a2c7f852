import { describe, expect, it } from 'vitest';
import { fleetInput } from '../../src/run/machine-input.js';
import { defaultWorldFromPlan, parseWorldFile } from '../../src/sandbox/index.js';
import { FLEET_CACHE_DEFAULTS, locationsFleetPlan, locationsFleetShape } from '../../scripts/bench/plans.js';
import { runInSandbox } from '../../scripts/bench/sandbox-run.js';

// The bench's scale fleets are fleets AWS allows: 5 clusters per listener, 4 listeners per load balancer,
// parsed and built with no synthetic allowance.

const balancerOf = (listenerArn: string) => listenerArn.split(':listener/')[1]!.split('/').slice(0, 3).join('/');

describe('locationsFleetPlan', () => {
  it('spreads 200 clusters over 40 listeners of 5 on 10 load balancers, and parses as a user plan would', () => {
    const plan = locationsFleetPlan(200, 10, 4);
    expect(plan.fleet.clusters).toHaveLength(200);
    expect(plan.fleet.locations).toHaveLength(40);
    for (const location of plan.fleet.locations) {
      expect(plan.fleet.clusters.filter((c) => c.placements.some((p) => p.location === location.name))).toHaveLength(5);
    }
    expect(plan.fleet.clusters.every((c) => c.placements.length === 1 && c.cache !== undefined)).toBe(true);
    expect(new Set(plan.fleet.clusters.map((c) => c.cache!.replicationGroupId)).size).toBe(200);
    const balancers = new Set(plan.fleet.locations.map((l) => balancerOf(l.listenerArn)));
    expect(balancers.size).toBe(10);
    expect(locationsFleetShape(200)).toEqual({ listeners: 40, balancers: 10 });
    expect(plan.capacity).toMatchObject({ maxOutOfService: 10, minActiveClusters: 4 });
  });

  it('builds a sandbox world that declares no synthetic setting', () => {
    const plan = locationsFleetPlan(25, 10, 4);
    const world = defaultWorldFromPlan(plan, parseWorldFile(`defaults: { targets: 2, ${FLEET_CACHE_DEFAULTS} }\n`, 'bench-world.yaml'));
    expect(world.synthetic).toEqual([]);
    expect(fleetInput(plan).locations).toEqual(Object.fromEntries(plan.fleet.locations.map((l, i) => [l.name, plan.fleet.clusters.slice(i * 5, i * 5 + 5).map((c) => c.name)])));
  });

  it('refuses a minActiveClusters no listener of 5 could keep', () => {
    expect(() => locationsFleetPlan(10, 2, 5)).toThrow(/capacity.minActiveClusters is 5 at every location/);
  });

  it('runs two listeners of five with two clusters out at a time to the end: the second goes at the other listener', async () => {
    // In plan order the first two clusters share a listener, where minActiveClusters 4 lets one out.
    const run = await runInSandbox({ plan: locationsFleetPlan(10, 2, 4), worldYaml: `defaults: { targets: 2, ${FLEET_CACHE_DEFAULTS} }\n`, store: { kind: 'memory' } });
    expect(run.result.status).toBe('done');
    expect(run.result.sandbox?.violations).toEqual([]);
    const removals = run.journal.filter((e) => e.kind === 'effect' && / -> 0\b/.test(e.message) && (e.data as { percent?: number } | undefined)?.percent === 0);
    expect(removals[0]?.cluster).toBe('c001');
    expect(removals.map((e) => e.cluster)).toContain('c006');
    expect(removals.findIndex((e) => e.cluster === 'c006')).toBeLessThan(removals.findIndex((e) => e.cluster === 'c002'));
  }, 60_000);
});
