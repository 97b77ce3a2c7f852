import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createElastiCacheCache } from '../../src/adapters/elasticache-cache.js';
import { DEFAULT_RETRY_BUDGET } from '../../src/aws/retry-budget.js';
import { RefusedError } from '../../src/errors.js';
import { VirtualClock } from '../../src/connect/virtual-clock.js';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile } from '../../src/sandbox/index.js';
import { planOf } from '../sandbox/fixtures.js';

// The cache port on a cluster mode enabled group: the view lists the node groups and their members, and
// says no member's role (AWS reports none); a node group's failover is judged by the events that name its
// nodes, never by another node group's.

function setup(events = '') {
  const world = defaultWorldFromPlan(planOf(['blue', 'green']), parseWorldFile(`clusters:\n  blue: { cache: { shards: 3, replicas: 1 } }\n${events}`, 'world.yaml'), 'world.yaml');
  const { elasticache } = createSandboxClients(world, { region: 'eu-west-1' });
  const clock = new VirtualClock(() => world.now(), (t) => world.advanceTo(t));
  const cache = createElastiCacheCache({ client: elasticache, clock, budget: DEFAULT_RETRY_BUDGET, logger: pino({ level: 'silent' }), sharedReadMs: 0 });
  return { world, cache };
}

describe('the cache port on a cluster mode enabled group', () => {
  it('describes the node groups, their slots and members, the configuration endpoint, and no roles', async () => {
    const { cache } = setup();
    const view = await cache.describe('blue-cache');
    expect(view.clusterMode).toBe('enabled');
    expect(view.nodeGroups).toEqual([
      { nodeGroupId: '0001', slots: '0-5461', memberIds: ['blue-cache-0001-001', 'blue-cache-0001-002'] },
      { nodeGroupId: '0002', slots: '5462-10922', memberIds: ['blue-cache-0002-001', 'blue-cache-0002-002'] },
      { nodeGroupId: '0003', slots: '10923-16383', memberIds: ['blue-cache-0003-001', 'blue-cache-0003-002'] },
    ]);
    expect(view.members.map((m) => [m.cacheClusterId, m.nodeGroupId, m.role])).toContainEqual(['blue-cache-0002-002', '0002', 'unknown']);
    expect(view.primaries).toEqual({ '0001': undefined, '0002': undefined, '0003': undefined });
    expect(view.primaryEndpoint?.address).toMatch(/^clustercfg\.blue-cache\./);
    // A cluster mode disabled group is one node group with every member.
    expect((await cache.describe('green-cache')).nodeGroups).toEqual([{ nodeGroupId: '0001', memberIds: ['green-cache-001', 'green-cache-002', 'green-cache-003'] }]);
  });

  it("judges a node group's failover by the event naming its nodes: another node group's completion does not count", async () => {
    const { world, cache } = setup();
    const first = world.now();
    await cache.startFailover('blue-cache', { method: 'test-failover', nodeGroupId: '0001' });
    world.advanceBy(12 * 60_000);
    const second = world.now();
    await cache.startFailover('blue-cache', { method: 'test-failover', nodeGroupId: '0002' });
    expect(await cache.observeFailover('blue-cache', { previousPrimary: '', nodeGroupId: '0001', requestedAt: first })).toMatchObject({ status: 'complete', moved: { from: 'blue-cache-0001-001', to: 'blue-cache-0001-002' } });
    // 0001's completion falls in this window too, but names no node of 0002.
    const early = await cache.observeFailover('blue-cache', { previousPrimary: '', nodeGroupId: '0002', requestedAt: first });
    expect(early.status).toBe('not-yet');
    if (early.status === 'not-yet') expect(early.waitingFor).toContain('a "failover ... completed" event naming a member of node group 0002');
    world.advanceBy(12 * 60_000);
    const done = await cache.observeFailover('blue-cache', { previousPrimary: '', nodeGroupId: '0002', requestedAt: second });
    expect(done).toMatchObject({ status: 'complete', moved: { from: 'blue-cache-0002-001', to: 'blue-cache-0002-002' } });
    expect(done.evidence[0]).toBe(
      'primary of node group 0002: blue-cache-0002-002 (was blue-cache-0002-001), as the failover event names it: AWS reports no role per member of a cluster mode enabled group',
    );
  });

  it('never completes a node group whose failover did not happen', async () => {
    const { world, cache } = setup('events:\n  - { at: "0s", failoverNoop: { replicationGroupId: blue-cache, nodeGroupId: "0002" } }\n');
    world.advanceBy(1);
    const at = world.now();
    await cache.startFailover('blue-cache', { method: 'test-failover', nodeGroupId: '0002' });
    world.advanceBy(30 * 60_000);
    const verdict = await cache.observeFailover('blue-cache', { previousPrimary: '', nodeGroupId: '0002', requestedAt: at });
    expect(verdict.status).toBe('not-yet');
  });

  it('refuses a promotion (primary-cluster-id) on a cluster mode enabled group, sending nothing', async () => {
    const { world, cache } = setup();
    const promotion = cache.startFailover('blue-cache', { method: 'primary-cluster-id', primaryClusterId: 'blue-cache-0001-002' });
    await expect(promotion).rejects.toBeInstanceOf(RefusedError);
    await expect(promotion).rejects.toThrow('promotion of blue-cache-0001-002 refused: blue-cache has cluster mode enabled, and ModifyReplicationGroup PrimaryClusterId is for replication groups with a single primary; use method test-failover');
    expect(world.mutations.filter((m) => m.caller === 'quiesce')).toEqual([]);
  });
});
