import {
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeUpdateActionsCommand,
  InvalidCacheClusterStateFault,
  InvalidParameterCombinationException,
  InvalidReplicationGroupStateFault,
  ModifyReplicationGroupCommand,
  NodeGroupNotFoundFault,
  RebootCacheClusterCommand,
  TestFailoverCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile, type SandboxWorld } from '../../src/sandbox/index.js';
import { REGION, minutes, seconds, twoClusters } from './fixtures.js';

// Cluster mode enabled replication groups: node groups (shards) with their own primary, failed over one at
// a time, described without a role per member (AWS reports CurrentRole for cluster mode disabled only).

const SHARDED = 'defaults:\n  cache: { shards: 3, replicas: 1 }\n';

function setup(worldText = SHARDED) {
  const world = defaultWorldFromPlan(twoClusters(), parseWorldFile(worldText, 'world.yaml'), 'world.yaml');
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

async function describeGroup(client: ElastiCacheClient, id = 'blue-cache') {
  const out = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
  return out.ReplicationGroups![0]!;
}

async function messages(client: ElastiCacheClient, world: SandboxWorld): Promise<string[]> {
  const out = await client.send(new DescribeEventsCommand({ StartTime: new Date(world.state.startedAt) }));
  return (out.Events ?? []).map((e) => `${e.SourceIdentifier}: ${e.Message}`).reverse();
}

/** Each node group's primary, as the data plane sees it (AWS's describe does not say). */
const primaries = (world: SandboxWorld, id = 'blue-cache') => Object.fromEntries(world.probeCache(id).shards!.map((s) => [s.nodeGroupId, s.primaryClusterId]));

describe('cluster mode enabled groups in the sandbox', () => {
  it('are described with a configuration endpoint, node groups with slots, and no role, read endpoint or primary endpoint', async () => {
    const { elasticache, world } = setup();
    const rg = await describeGroup(elasticache);
    expect(rg).toMatchObject({ ClusterEnabled: true, ClusterMode: 'enabled', AutomaticFailover: 'enabled' });
    expect(rg.ConfigurationEndpoint?.Address).toMatch(/^clustercfg\.blue-cache\.[0-9a-f]{6}\.euw1\.cache\.amazonaws\.com$/);
    expect(rg.MemberClusters).toEqual(['blue-cache-0001-001', 'blue-cache-0001-002', 'blue-cache-0002-001', 'blue-cache-0002-002', 'blue-cache-0003-001', 'blue-cache-0003-002']);
    expect(rg.NodeGroups?.map((g) => [g.NodeGroupId, g.Slots, g.NodeGroupMembers?.map((m) => m.CacheClusterId)])).toEqual([
      ['0001', '0-5461', ['blue-cache-0001-001', 'blue-cache-0001-002']],
      ['0002', '5462-10922', ['blue-cache-0002-001', 'blue-cache-0002-002']],
      ['0003', '10923-16383', ['blue-cache-0003-001', 'blue-cache-0003-002']],
    ]);
    for (const g of rg.NodeGroups ?? []) {
      expect(g.PrimaryEndpoint).toBeUndefined();
      expect(g.ReaderEndpoint).toBeUndefined();
      for (const m of g.NodeGroupMembers ?? []) {
        expect(m.CurrentRole).toBeUndefined();
        expect(m.ReadEndpoint).toBeUndefined();
      }
    }
    expect(primaries(world)).toEqual({ '0001': 'blue-cache-0001-001', '0002': 'blue-cache-0002-001', '0003': 'blue-cache-0003-001' });
    // A group without shards stays cluster mode disabled, as before.
    expect(await describeGroup(setup('').elasticache)).toMatchObject({ ClusterEnabled: false, ClusterMode: 'disabled' });
  });

  it('TestFailover moves one node group, and the next call waits until its node replacement completed', async () => {
    const { elasticache, world } = setup();
    await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0002' }));
    // "the first node replacement must complete before a subsequent call can be made"
    await expect(elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0003' }))).rejects.toBeInstanceOf(InvalidReplicationGroupStateFault);
    world.advanceBy(seconds(90));
    expect(primaries(world)).toEqual({ '0001': 'blue-cache-0001-001', '0002': 'blue-cache-0002-002', '0003': 'blue-cache-0003-001' });
    expect(await messages(elasticache, world)).toEqual([
      'blue-cache: Test Failover API called for node group 0002',
      'blue-cache-0002-001: Failover from primary node blue-cache-0002-001 to replica node blue-cache-0002-002 completed',
      'blue-cache: Failover from primary node blue-cache-0002-001 to replica node blue-cache-0002-002 completed',
      'blue-cache-0002-001: Recovering cache nodes 0001',
    ]);
    await expect(elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0003' }))).rejects.toBeInstanceOf(InvalidReplicationGroupStateFault);
    world.advanceBy(minutes(10));
    await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0003' }));
    world.advanceBy(seconds(90));
    expect(primaries(world)).toEqual({ '0001': 'blue-cache-0001-001', '0002': 'blue-cache-0002-002', '0003': 'blue-cache-0003-002' });
  });

  it('refuses a node group the group does not have', async () => {
    const { elasticache } = setup();
    await expect(elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0004' }))).rejects.toBeInstanceOf(NodeGroupNotFoundFault);
  });

  it('failoverNoop on one node group: that TestFailover is accepted and nothing moves; the others move', async () => {
    const { elasticache, world } = setup(`${SHARDED}events:\n  - { at: "0s", failoverNoop: { replicationGroupId: blue-cache, nodeGroupId: "0002" } }\n`);
    world.advanceBy(1);
    await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0002' }));
    world.advanceBy(minutes(12));
    expect(primaries(world)['0002']).toBe('blue-cache-0002-001');
    expect((await messages(elasticache, world)).filter((m) => /completed/.test(m))).toEqual([]);
    await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0001' }));
    world.advanceBy(seconds(90));
    expect(primaries(world)['0001']).toBe('blue-cache-0001-002');
  });

  it('refuses RebootCacheCluster on a member, and a promotion, as AWS does for cluster mode enabled', async () => {
    const { elasticache, world } = setup();
    const reboot = elasticache.send(new RebootCacheClusterCommand({ CacheClusterId: 'blue-cache-0001-002', CacheNodeIdsToReboot: ['0001'] }));
    await expect(reboot).rejects.toBeInstanceOf(InvalidCacheClusterStateFault);
    await expect(reboot).rejects.toThrow(/cluster mode enabled/);
    const promote = elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', PrimaryClusterId: 'blue-cache-0001-002', ApplyImmediately: true }));
    await expect(promote).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    expect(world.mutations.filter((m) => m.caller === 'quiesce')).toEqual([]);
  });

  it('applies a modify to every member of every node group, and reports a service update per node group', async () => {
    const { elasticache, world } = setup(`${SHARDED}elasticache:\n  serviceUpdates:\n    - { name: elasticache-20260101-001 }\n`);
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '7.1', ApplyImmediately: true }));
    world.advanceBy(minutes(16));
    const versions = Object.values(world.state.elasticache.cacheClusters).filter((c) => c.replicationGroupId === 'blue-cache').map((c) => c.engineVersion);
    expect(versions).toEqual(Array(6).fill('7.1.0'));
    const out = await elasticache.send(new DescribeUpdateActionsCommand({ ShowNodeLevelUpdateStatus: true, ReplicationGroupIds: ['blue-cache'] }));
    expect(out.UpdateActions?.[0]?.NodeGroupUpdateStatus?.map((g) => [g.NodeGroupId, g.NodeGroupMemberUpdateStatus?.map((m) => m.CacheClusterId)])).toEqual([
      ['0001', ['blue-cache-0001-001', 'blue-cache-0001-002']],
      ['0002', ['blue-cache-0002-001', 'blue-cache-0002-002']],
      ['0003', ['blue-cache-0003-001', 'blue-cache-0003-002']],
    ]);
  });

  it('publishes ReplicationLag for each shard replica, none for the shard primaries', () => {
    const { world } = setup();
    world.advanceBy(minutes(2));
    const lag = (id: string) => world.state.metrics.cache[id]!.at(-1)![3];
    expect(['blue-cache-0001-001', 'blue-cache-0002-001', 'blue-cache-0003-001'].map(lag)).toEqual([-1, -1, -1]);
    expect(['blue-cache-0001-002', 'blue-cache-0002-002', 'blue-cache-0003-002'].map(lag)).toEqual([0.001, 0.001, 0.001]);
  });

  it('rejects world files that name a node group the group lacks, or too many shards', () => {
    expect(() => setup(`${SHARDED}events:\n  - { at: "0s", failoverNoop: { replicationGroupId: blue-cache, nodeGroupId: "0004" } }\n`)).toThrow(
      'world.yaml: events[0]: failoverNoop: replication group "blue-cache" has no node group "0004"',
    );
    expect(() => setup('defaults:\n  cache: { shards: 91 }\n')).toThrow(/defaults\.cache\.shards/);
    expect(() => setup('defaults:\n  cache: { shards: 2, automaticFailover: false }\n')).toThrow('cache blue-cache: shards (cluster mode enabled) needs automaticFailover: AWS requires it for cluster mode enabled groups');
  });
});
