import {
  BatchApplyUpdateActionCommand,
  CacheParameterGroupNotFoundFault,
  DescribeCacheClustersCommand,
  DescribeCacheEngineVersionsCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  DescribeServiceUpdatesCommand,
  InvalidParameterCombinationException,
  ModifyReplicationGroupCommand,
  ReplicationGroupNotFoundFault,
  ServerlessCacheNotFoundFault,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile, type SandboxWorld, type WorldFile } from '../../src/sandbox/index.js';
import { REGION, minutes, seconds, twoClusters } from './fixtures.js';

// Redis OSS to Valkey in place, as AWS documents it
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/VersionManagement.HowTo.html), and what its
// users met doing it: the engine in the Modify response is the old one, a custom parameter group must be
// swapped for a Valkey one in the same request, a group of the wrong family is refused.

function setup(file: WorldFile = {}) {
  const world = defaultWorldFromPlan(twoClusters(), file);
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

const at = (world: SandboxWorld, ms: number) => world.advanceTo(world.state.startedAt + ms);

async function engines(client: ElastiCacheClient, id = 'blue-cache') {
  const rg = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0];
  const clusters = ((await client.send(new DescribeCacheClustersCommand({}))).CacheClusters ?? []).filter((c) => c.ReplicationGroupId === id);
  return {
    group: rg?.Engine,
    status: rg?.Status,
    members: clusters.map((c) => `${c.Engine} ${c.EngineVersion} ${c.CacheParameterGroup?.CacheParameterGroupName}`),
  };
}

const switchToValkey = (extra: Record<string, unknown> = {}) =>
  new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', Engine: 'valkey', EngineVersion: '8.0', ApplyImmediately: true, ...extra });

async function refusal(client: ElastiCacheClient, command: ModifyReplicationGroupCommand): Promise<Error> {
  try {
    await client.send(command);
  } catch (err) {
    return err as Error;
  }
  throw new Error('the request was accepted');
}

describe('Redis OSS to Valkey with ModifyReplicationGroup', () => {
  it('a group on a default parameter group switches with engine and version alone; the Modify response still shows the old engine', async () => {
    const { world, elasticache } = setup();
    const out = await elasticache.send(switchToValkey());
    // ACK's controller met this: the response's Engine is the engine before the change.
    expect(out.ReplicationGroup).toMatchObject({ Engine: 'redis', Status: 'modifying' });
    expect(await engines(elasticache)).toEqual({ group: 'redis', status: 'modifying', members: Array(3).fill('redis 7.0.7 default.redis7') });
    const pending = (await elasticache.send(new DescribeCacheClustersCommand({ CacheClusterId: 'blue-cache-001' }))).CacheClusters?.[0]?.PendingModifiedValues;
    expect(pending).toEqual({ EngineVersion: '8.0' });

    at(world, minutes(15));
    expect(await engines(elasticache)).toEqual({ group: 'valkey', status: 'available', members: Array(3).fill('valkey 8.0.1 default.valkey8') });
  });

  it('writes the events of any modify, started and completed with what changed: AWS lists none of its own for a switch', async () => {
    const { world, elasticache } = setup();
    await elasticache.send(switchToValkey());
    at(world, minutes(15));
    const events = (await elasticache.send(new DescribeEventsCommand({ SourceIdentifier: 'blue-cache', SourceType: 'replication-group', Duration: 60 }))).Events ?? [];
    expect(events.map((e) => e.Message).sort()).toEqual([
      'Modification of replication group blue-cache completed (engine valkey, engineVersion 8.0, parameterGroup default.valkey8)',
      'Modification of replication group blue-cache started',
    ]);
  });

  it('from Redis OSS 5.0.6 or later the cache serves throughout; from an older version the primary is out for a minute at the end', async () => {
    const recent = setup();
    await recent.elasticache.send(switchToValkey());
    for (const t of [seconds(1), minutes(7), minutes(14) + seconds(30)]) {
      at(recent.world, t);
      expect(recent.world.probeCache('blue-cache').ok, `at ${t}`).toBe(true);
    }

    const old = setup({ clusters: { blue: { cache: { engineVersion: '4.0.10' } } } });
    await old.elasticache.send(switchToValkey());
    at(old.world, minutes(13) + seconds(59));
    expect(old.world.probeCache('blue-cache').ok).toBe(true);
    at(old.world, minutes(14) + seconds(1));
    expect(old.world.probeCache('blue-cache').ok).toBe(false);
    at(old.world, minutes(15));
    expect(old.world.probeCache('blue-cache').ok).toBe(true);
    expect(await engines(old.elasticache)).toMatchObject({ group: 'valkey', members: Array(3).fill('valkey 8.0.1 default.valkey8') });
  });

  it('a custom Redis OSS parameter group needs a Valkey one of the target family in the same request', async () => {
    const { world, elasticache } = setup({
      elasticache: { parameterGroups: { 'payments-redis7': 'redis7', 'payments-valkey7': 'valkey7', 'payments-valkey8': 'valkey8' } },
      clusters: { blue: { cache: { parameterGroup: 'payments-redis7' } } },
    });
    const none = await refusal(elasticache, switchToValkey());
    expect(none).toBeInstanceOf(InvalidParameterCombinationException);
    expect(none.message).toMatch(/custom parameter group payments-redis7: specify a custom valkey8 cache parameter group/);

    const family = await refusal(elasticache, switchToValkey({ CacheParameterGroupName: 'payments-valkey7' }));
    expect(family).toBeInstanceOf(InvalidParameterCombinationException);
    expect(family.message).toBe('Expected a parameter group of family valkey8 but found one of family valkey7');

    const missing = await refusal(elasticache, switchToValkey({ CacheParameterGroupName: 'payments-valkey9' }));
    expect(missing).toBeInstanceOf(CacheParameterGroupNotFoundFault);

    // A Valkey group on a group still running Redis OSS, without Engine: what ACK's controller sent.
    const withoutEngine = await refusal(elasticache, new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', CacheParameterGroupName: 'payments-valkey8', ApplyImmediately: true }));
    expect(withoutEngine.message).toBe('valkey parameter group is not applicable to engine redis');
    expect(world.mutations.filter((m) => m.command === 'ModifyReplicationGroup')).toEqual([]);

    await elasticache.send(switchToValkey({ CacheParameterGroupName: 'payments-valkey8' }));
    at(world, minutes(15));
    expect(await engines(elasticache)).toMatchObject({ group: 'valkey', members: Array(3).fill('valkey 8.0.1 payments-valkey8') });
  });
});

describe('engineSwitchNoop (a scripted fault)', () => {
  it('ModifyReplicationGroup with Engine is accepted and the group goes modifying, but the members keep their engine and version', async () => {
    const { world, elasticache } = setup({ events: [{ at: '0s', engineSwitchNoop: { replicationGroupId: 'blue-cache' } }] });
    await elasticache.send(switchToValkey());
    expect((await engines(elasticache)).status).toBe('modifying');
    at(world, minutes(15));
    expect(await engines(elasticache)).toEqual({ group: 'redis', status: 'available', members: Array(3).fill('redis 7.0.7 default.redis7') });
  });
});

describe('the reads an engine switch needs', () => {
  it('DescribeCacheParameterGroups: the default group of every family and the world\'s own, by name or all; an unknown name is CacheParameterGroupNotFound', async () => {
    const { elasticache } = setup({ elasticache: { parameterGroups: { 'payments-valkey8': 'valkey8' } } });
    const one = await elasticache.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: 'payments-valkey8' }));
    expect(one.CacheParameterGroups).toEqual([expect.objectContaining({ CacheParameterGroupName: 'payments-valkey8', CacheParameterGroupFamily: 'valkey8' })]);
    const all = await elasticache.send(new DescribeCacheParameterGroupsCommand({}));
    const families = Object.fromEntries((all.CacheParameterGroups ?? []).map((g) => [g.CacheParameterGroupName, g.CacheParameterGroupFamily]));
    expect(families).toMatchObject({ 'default.redis6.x': 'redis6.x', 'default.redis7': 'redis7', 'default.valkey7': 'valkey7', 'default.valkey8': 'valkey8', 'payments-valkey8': 'valkey8' });
    await expect(elasticache.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: 'nope' }))).rejects.toBeInstanceOf(CacheParameterGroupNotFoundFault);
  });

  it('DescribeCacheEngineVersions: the family of each version ElastiCache offers; none for a version it does not', async () => {
    const { elasticache } = setup();
    const valkey8 = await elasticache.send(new DescribeCacheEngineVersionsCommand({ Engine: 'valkey', EngineVersion: '8.0' }));
    expect(valkey8.CacheEngineVersions).toEqual([expect.objectContaining({ Engine: 'valkey', EngineVersion: '8.0', CacheParameterGroupFamily: 'valkey8' })]);
    const valkey7 = await elasticache.send(new DescribeCacheEngineVersionsCommand({ Engine: 'valkey', EngineVersion: '7.2' }));
    expect(valkey7.CacheEngineVersions?.[0]?.CacheParameterGroupFamily).toBe('valkey7');
    expect((await elasticache.send(new DescribeCacheEngineVersionsCommand({ Engine: 'valkey', EngineVersion: '6.2' }))).CacheEngineVersions).toEqual([]);
  });

  it('DescribeServerlessCaches finds a serverless cache the world declares; DescribeReplicationGroups does not', async () => {
    const { elasticache } = setup({ clusters: { green: { cache: { serverless: true } } } });
    const out = await elasticache.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'green-cache' }));
    expect(out.ServerlessCaches).toEqual([expect.objectContaining({ ServerlessCacheName: 'green-cache', Engine: 'valkey', Status: 'available' })]);
    await expect(elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'green-cache' }))).rejects.toBeInstanceOf(ReplicationGroupNotFoundFault);
    await expect(elasticache.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'blue-cache' }))).rejects.toBeInstanceOf(ServerlessCacheNotFoundFault);
  });

  it('a world file declares parameter groups by family and serverless caches per cluster, strictly', () => {
    expect(parseWorldFile('elasticache:\n  parameterGroups: { payments-valkey8: valkey8 }\nclusters:\n  green:\n    cache: { serverless: true }\n')).toBeDefined();
    expect(() => parseWorldFile('elasticache:\n  parameterGroups: { payments: valkey99 }\n')).toThrow(/parameterGroups\.payments/);
    expect(() => defaultWorldFromPlan(twoClusters(), { clusters: { blue: { cache: { parameterGroup: 'payments-unknown' } } } })).toThrow(/payments-unknown/);
  });
});

describe('a service update that changes the engine', () => {
  it('engine-major-version-update: the members run the new engine once it completes; its type is left out of the answer, which the SDK model does not know', async () => {
    const { world, elasticache } = setup({
      elasticache: { serviceUpdates: [{ name: 'elasticache-valkey-eol-001', type: 'engine-major-version-update', upgradesTo: { engine: 'valkey', engineVersion: '7.2' }, replicationGroups: ['blue-cache'] }] },
    });
    const listed = await elasticache.send(new DescribeServiceUpdatesCommand({ ServiceUpdateName: 'elasticache-valkey-eol-001' }));
    expect(listed.ServiceUpdates?.[0]?.ServiceUpdateType).toBeUndefined();
    await elasticache.send(new BatchApplyUpdateActionCommand({ ReplicationGroupIds: ['blue-cache'], ServiceUpdateName: 'elasticache-valkey-eol-001' }));
    at(world, minutes(21));
    expect(await engines(elasticache)).toMatchObject({ group: 'valkey', status: 'available', members: Array(3).fill('valkey 7.2.6 default.valkey7') });
  });
});
