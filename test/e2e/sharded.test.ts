import { describe, expect, it } from 'vitest';
import type { SandboxWorld } from '../../src/sandbox/index.js';
import { runCli, tempStateDir, worldOf } from './cli-harness.js';

// Rehearsals of examples/sharded.plan.yaml: three clusters whose caches have cluster mode enabled, three
// node groups each. In the good world every node group of every cluster fails over, one at a time; in
// the stuck world one node group's failover never happens and only its cluster is held.

const PLAN = 'examples/sharded.plan.yaml';

async function rehearse(world: string) {
  const stateDir = tempStateDir('quiesce-sharded-');
  const r = await runCli(['run', PLAN, '--sandbox', `examples/${world}.world.yaml`, '--json', '--state-dir', stateDir]);
  return { ...r, world: () => worldOf(stateDir, r.json.runId) };
}

/** Each node group's primary, by replication group. */
const primaries = (world: SandboxWorld, rg: string) => Object.fromEntries(world.state.elasticache.replicationGroups[rg]!.nodeGroups!.map((g) => [g.id, g.primaryClusterId]));

const testFailovers = (world: SandboxWorld, rg: string) =>
  world.mutations.filter((m) => m.caller === 'quiesce' && m.command === 'TestFailover' && m.resource.includes(rg)).map((m) => m.detail ?? m.resource);

describe('a three-shard failover (examples/sharded.plan.yaml)', () => {
  it('the good world: every node group of every cluster moves, one at a time; 0 failed requests, 0 violations', async () => {
    const r = await rehearse('sharded');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.clusters.map((c: { name: string; state: string }) => [c.name, c.state])).toEqual([
      ['blue', 'done'],
      ['green', 'done'],
      ['gray', 'done'],
    ]);
    expect(r.json.sandbox.traffic.failed).toBe(0);
    expect(r.json.sandbox.violations).toEqual([]);
    const world = r.world();
    for (const name of ['blue', 'green', 'gray']) {
      const rg = `sessions-${name}`;
      expect(primaries(world, rg)).toEqual({ '0001': `${rg}-0001-002`, '0002': `${rg}-0002-002`, '0003': `${rg}-0003-002` });
      expect(testFailovers(world, rg)).toHaveLength(3);
    }
    expect(r.json.sandbox.weights).toEqual({ blue: 1, green: 1, gray: 1 });
  });

  it("one shard's failover does not happen: that cluster is held naming the shard, the one before is done, the one after untouched", async () => {
    const r = await rehearse('sharded-shard-stuck');
    expect(r.code, r.stderr).toBe(1);
    const [blue, green, gray] = r.json.clusters;
    expect(blue).toMatchObject({ name: 'blue', state: 'done' });
    expect(green).toMatchObject({ name: 'green', state: 'held' });
    expect(green.reason).toMatch(/^maintenance step timed out: node group 0002 \(2 of 3\): waiting for the failover-completed and finished-recovery events; .*already moved, and staying moved \(quiesce does not move a node group back\): 0001 \(sessions-green-0001-001 -> sessions-green-0001-002\); not started: 0003$/);
    expect(gray).toMatchObject({ name: 'gray', state: 'pending' });
    expect(r.json.sandbox.traffic.failed).toBe(0);
    expect(r.json.sandbox.violations).toEqual([]);
    // green stays out of rotation; gray keeps its weight and its cache was never asked to fail over.
    expect(r.json.sandbox.weights).toEqual({ blue: 1, green: 0, gray: 1 });
    const world = r.world();
    expect(primaries(world, 'sessions-green')).toEqual({ '0001': 'sessions-green-0001-002', '0002': 'sessions-green-0002-001', '0003': 'sessions-green-0003-001' });
    expect(testFailovers(world, 'sessions-green')).toHaveLength(2);
    expect(primaries(world, 'sessions-gray')).toEqual({ '0001': 'sessions-gray-0001-001', '0002': 'sessions-gray-0002-001', '0003': 'sessions-gray-0003-001' });
    expect(world.mutations.filter((m) => m.caller === 'quiesce' && /sessions-gray/.test(m.resource))).toEqual([]);
  });
});
