import {
  BatchApplyUpdateActionCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeServiceUpdatesCommand,
  DescribeUpdateActionsCommand,
  InvalidParameterCombinationException,
  ModifyReplicationGroupCommand,
  NodeGroupNotFoundFault,
  RebootCacheClusterCommand,
  ServiceUpdateNotFoundFault,
  TestFailoverCommand,
  TestFailoverNotAvailableFault,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { createSandboxClients, defaultWorldFromPlan, type SandboxWorld, type WorldFile } from '../../src/sandbox/index.js';
import { minutes, planOf, REGION, seconds, twoClusters } from './fixtures.js';
import { createElastiCacheCache } from '../../src/adapters/elasticache-cache.js';
import { DEFAULT_RETRY_BUDGET } from '../../src/aws/retry-budget.js';
import { VirtualClock } from '../../src/connect/virtual-clock.js';

function setup(file: WorldFile = {}, plan = twoClusters()) {
  const world = defaultWorldFromPlan(plan, file);
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

async function group(client: ElastiCacheClient, id = 'blue-cache') {
  const out = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
  const rg = out.ReplicationGroups?.[0];
  const primary = rg?.NodeGroups?.[0]?.NodeGroupMembers?.find((m) => m.CurrentRole === 'primary')?.CacheClusterId;
  return { rg, primary };
}

async function members(client: ElastiCacheClient, id = 'blue-cache') {
  const out = await client.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true }));
  return (out.CacheClusters ?? []).filter((c) => c.ReplicationGroupId === id);
}

async function eventMessages(client: ElastiCacheClient, world: SandboxWorld): Promise<string[]> {
  const out = await client.send(new DescribeEventsCommand({ StartTime: new Date(world.state.startedAt), Duration: undefined }));
  return (out.Events ?? []).map((e) => e.Message ?? '');
}

const at = (world: SandboxWorld, ms: number) => world.advanceTo(world.state.startedAt + ms);

describe('TestFailover', () => {
  it('keeps Status available while the primary moves, with the events in order', async () => {
    const { world, elasticache } = setup();
    const out = await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0001' }));
    expect(out.ReplicationGroup?.Status).toBe('available');
    // Between the call and the switch there is no healthy primary, though every status says available.
    expect(world.probeCache('blue-cache').ok).toBe(false);
    at(world, seconds(89));
    expect(await group(elasticache)).toMatchObject({ rg: { Status: 'available' }, primary: 'blue-cache-001' });
    expect((await members(elasticache)).map((c) => c.CacheClusterStatus)).toEqual(['available', 'available', 'available']);

    at(world, seconds(90));
    expect(await group(elasticache)).toMatchObject({ rg: { Status: 'available' }, primary: 'blue-cache-002' });
    expect(world.probeCache('blue-cache')).toMatchObject({ ok: true, primaryClusterId: 'blue-cache-002' });
    const recovering = await members(elasticache);
    expect(recovering[0]).toMatchObject({ CacheClusterStatus: 'rebooting cluster nodes', CacheNodes: [{ CacheNodeStatus: 'rebooting' }] });

    at(world, seconds(90) + minutes(10));
    expect((await members(elasticache)).map((c) => c.CacheClusterStatus)).toEqual(['available', 'available', 'available']);
    // Newest first; AWS's order: group "API called", member then group "completed", member recovering, recovered.
    const logged = await elasticache.send(new DescribeEventsCommand({ StartTime: new Date(world.state.startedAt) }));
    expect((logged.Events ?? []).map((e) => [e.SourceType, e.SourceIdentifier, e.Message])).toEqual([
      ['cache-cluster', 'blue-cache-001', 'Finished recovery for cache nodes 0001'],
      ['cache-cluster', 'blue-cache-001', 'Recovering cache nodes 0001'],
      ['replication-group', 'blue-cache', 'Failover from primary node blue-cache-001 to replica node blue-cache-002 completed'],
      ['cache-cluster', 'blue-cache-001', 'Failover from primary node blue-cache-001 to replica node blue-cache-002 completed'],
      ['replication-group', 'blue-cache', 'Test Failover API called for node group 0001'],
    ]);
    expect((await group(elasticache)).rg?.Status).toBe('available');
  });

  it('fails the requests of a cluster left in rotation during the switch, and the audit says so', async () => {
    const { world, elasticache } = setup();
    await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0001' }));
    at(world, minutes(2));
    expect(world.traffic.perCluster.blue).toEqual({ requests: 12_000, failed: 9000 });
    expect(world.violations.map((v) => v.kind)).toEqual(['maintenance-in-rotation']);
  });

  it('refuses an unknown node group and more than 15 node groups in a rolling 24 hours', async () => {
    // Five clusters (the most one forward action holds), each tested three times: 15 node groups.
    const names = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const { world, elasticache } = setup({ audit: { maxOutOfService: 5 } }, planOf(names));
    await expect(
      elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'c1-cache', NodeGroupId: '0002' })),
    ).rejects.toBeInstanceOf(NodeGroupNotFoundFault);
    for (const round of [0, 1, 2]) {
      at(world, minutes(15 * round)); // each group recovered from the round before
      for (const name of names) await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: `${name}-cache`, NodeGroupId: '0001' }));
    }
    at(world, minutes(45));
    const refused = elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'c1-cache', NodeGroupId: '0001' }));
    await expect(refused).rejects.toBeInstanceOf(TestFailoverNotAvailableFault);
    at(world, minutes(24 * 60) + 1);
    await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'c1-cache', NodeGroupId: '0001' }));
  });
});

describe('ModifyReplicationGroup', () => {
  it('leaves changes pending when ApplyImmediately is not sent, and applies them when it is true', async () => {
    const { world, elasticache } = setup();
    const out = await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '7.1' }));
    expect(out.ReplicationGroup?.Status).toBe('available');
    at(world, minutes(2 * 24 * 60));
    for (const member of await members(elasticache)) {
      expect(member.EngineVersion).toBe('7.0.7');
      expect(member.PendingModifiedValues).toEqual({ EngineVersion: '7.1' });
    }
    const start = world.now();
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', ApplyImmediately: true }));
    expect((await group(elasticache)).rg?.Status).toBe('modifying');
    expect((await members(elasticache)).map((c) => c.CacheClusterStatus)).toEqual(['modifying', 'modifying', 'modifying']);
    world.advanceTo(start + minutes(15));
    expect((await group(elasticache)).rg?.Status).toBe('available');
    for (const member of await members(elasticache)) {
      expect(member.EngineVersion).toBe('7.1.0');
      expect(member.PendingModifiedValues).toEqual({});
    }
  });

  it('members report the patch level of the requested version, as AWS does, unless versionReported says otherwise', async () => {
    const { world, elasticache } = setup({
      events: [{ at: '0s', versionReported: { replicationGroupId: 'green-cache', engineVersion: '7.10' } }],
    });
    for (const id of ['blue-cache', 'green-cache']) {
      await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: id, EngineVersion: '7.1', ApplyImmediately: true }));
    }
    at(world, minutes(15));
    expect((await members(elasticache, 'blue-cache')).map((c) => c.EngineVersion)).toEqual(['7.1.0', '7.1.0', '7.1.0']);
    expect((await members(elasticache, 'green-cache')).map((c) => c.EngineVersion)).toEqual(['7.10', '7.10', '7.10']);
  });

  it("reports the patch level of a world file's versions from the start: redis 6.2 as 6.2.6, valkey 8.0 as 8.0.1", async () => {
    const { elasticache } = setup({ clusters: { blue: { cache: { engineVersion: '6.2' } }, green: { cache: { engine: 'valkey' } } } });
    expect((await members(elasticache, 'blue-cache')).map((c) => c.EngineVersion)).toEqual(['6.2.6', '6.2.6', '6.2.6']);
    expect((await members(elasticache, 'green-cache')).map((c) => c.EngineVersion)).toEqual(['8.0.1', '8.0.1', '8.0.1']);
  });

  it('treats the minor version already running as no change: "7.0" on a group at 7.0.7', async () => {
    const { elasticache } = setup();
    await expect(
      elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '7.0', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException', message: 'No modifications were requested.' });
  });

  it('refuses a downgrade and a request that changes nothing', async () => {
    const { elasticache } = setup();
    await expect(
      elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '6.2', ApplyImmediately: true })),
    ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await expect(
      elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '7.0', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException', message: 'No modifications were requested.' });
  });

  it('refuses PrimaryClusterId while Multi-AZ with automatic failover is enabled, and promotes once both are off', async () => {
    const { world, elasticache } = setup();
    const promote = (extra = {}) =>
      elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', PrimaryClusterId: 'blue-cache-003', ApplyImmediately: true, ...extra }));
    await expect(promote()).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    // AWS's sequence: turn them off (a modification of its own), promote, turn them back on.
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', AutomaticFailoverEnabled: false, MultiAZEnabled: false, ApplyImmediately: true }));
    expect((await group(elasticache)).rg).toMatchObject({ AutomaticFailover: 'disabled', MultiAZ: 'disabled' });
    await expect(promote({ AutomaticFailoverEnabled: true, MultiAZEnabled: true })).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await promote();
    at(world, minutes(1));
    expect(await group(elasticache)).toMatchObject({ primary: 'blue-cache-003' });
    expect(world.mutations.filter((m) => m.command === 'ModifyReplicationGroup')).toHaveLength(2);
  });

  it('promotes a named member with PrimaryClusterId', async () => {
    const { world, elasticache } = setup({ defaults: { cache: { automaticFailover: false, multiAZ: false } } });
    await elasticache.send(
      new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', PrimaryClusterId: 'blue-cache-003', ApplyImmediately: true }),
    );
    expect((await group(elasticache)).rg?.Status).toBe('modifying');
    at(world, minutes(1));
    expect(await group(elasticache)).toMatchObject({ rg: { Status: 'available' }, primary: 'blue-cache-003' });
  });
});

describe('RebootCacheCluster', () => {
  it('shows the member rebooting and loses the data of a rebooted primary', async () => {
    const { world, elasticache } = setup();
    const out = await elasticache.send(new RebootCacheClusterCommand({ CacheClusterId: 'blue-cache-001', CacheNodeIdsToReboot: ['0001'] }));
    expect(out.CacheCluster?.CacheClusterStatus).toBe('rebooting cluster nodes');
    expect(world.probeCache('blue-cache')).toMatchObject({ ok: false, dataGeneration: 0 });
    at(world, minutes(2));
    expect(world.probeCache('blue-cache')).toMatchObject({ ok: true, dataGeneration: 1 });
    expect((await eventMessages(elasticache, world))[0]).toBe('Cache node 0001 restarted');
  });
});

describe('service updates', () => {
  it('applies an update through its action statuses and reports unprocessed items', async () => {
    const { world, elasticache } = setup({
      elasticache: { serviceUpdates: [{ name: 'elasticache-20260101-001', replicationGroups: ['blue-cache'] }] },
    });
    const out = await elasticache.send(
      new BatchApplyUpdateActionCommand({ ServiceUpdateName: 'elasticache-20260101-001', ReplicationGroupIds: ['blue-cache', 'green-cache'] }),
    );
    expect(out.ProcessedUpdateActions).toEqual([
      { ReplicationGroupId: 'blue-cache', ServiceUpdateName: 'elasticache-20260101-001', UpdateActionStatus: 'waiting-to-start' },
    ]);
    expect(out.UnprocessedUpdateActions?.map((u) => u.ReplicationGroupId)).toEqual(['green-cache']);
    // An unknown name is the declared fault (HTTP 404), not an entry of UnprocessedUpdateActions.
    const unknown = elasticache.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: 'no-such-update', ReplicationGroupIds: ['blue-cache'] }));
    await expect(unknown).rejects.toBeInstanceOf(ServiceUpdateNotFoundFault);
    await expect(unknown).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await expect(elasticache.send(new DescribeServiceUpdatesCommand({ ServiceUpdateName: 'no-such-update' }))).rejects.toBeInstanceOf(ServiceUpdateNotFoundFault);
    expect((await elasticache.send(new DescribeUpdateActionsCommand({ ServiceUpdateName: 'no-such-update' }))).UpdateActions).toEqual([]);
    expect(world.mutations.filter((m) => m.command === 'BatchApplyUpdateAction').map((m) => m.resource)).toEqual(['blue-cache,green-cache']);
    await expect(
      elasticache.send(
        new BatchApplyUpdateActionCommand({
          ServiceUpdateName: 'elasticache-20260101-001',
          ReplicationGroupIds: Array.from({ length: 21 }, (_, i) => `rg-${i}`),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });

    const status = async () =>
      (await elasticache.send(new DescribeUpdateActionsCommand({ ServiceUpdateName: 'elasticache-20260101-001' }))).UpdateActions?.map(
        (a) => [a.ReplicationGroupId, a.UpdateActionStatus, a.NodesUpdated],
      );
    expect(await status()).toEqual([['blue-cache', 'waiting-to-start', '0/3']]);
    at(world, seconds(30));
    expect(await status()).toEqual([['blue-cache', 'in-progress', '0/3']]);
    expect((await group(elasticache)).rg?.Status).toBe('modifying');
    at(world, seconds(30) + minutes(20));
    expect(await status()).toEqual([['blue-cache', 'complete', '3/3']]);
    expect((await group(elasticache)).rg?.Status).toBe('available');
  });
});

// Found by the crash sweep: killed right after it requested a modify, a resumed run requested it again,
// got InvalidReplicationGroupState (the group was modifying) and held the cluster. AWS documents
// PendingModifiedValues as settings "applied in the future, or that are currently being applied"; the
// sandbox showed nothing pending during an immediate modify, so the resend looked necessary.

function withAdapter() {
  const world = defaultWorldFromPlan(planOf(['blue', 'green']));
  const { elasticache } = createSandboxClients(world, { region: 'eu-west-1' });
  const clock = new VirtualClock(() => world.now(), (t) => world.advanceTo(t));
  const cache = createElastiCacheCache({ client: elasticache, clock, budget: DEFAULT_RETRY_BUDGET, logger: pino({ level: 'silent' }) });
  return { world, elasticache, cache };
}

const pendingOf = async (client: ReturnType<typeof withAdapter>['elasticache']) =>
  ((await client.send(new DescribeCacheClustersCommand({}))).CacheClusters ?? []).filter((c) => c.ReplicationGroupId === 'blue-cache').map((c) => c.PendingModifiedValues);

describe('a modify in progress', () => {
  it('shows the version it is applying in PendingModifiedValues until it completes', async () => {
    const { world, elasticache } = withAdapter();
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '7.1', ApplyImmediately: true }));
    expect(await pendingOf(elasticache)).toEqual([{ EngineVersion: '7.1' }, { EngineVersion: '7.1' }, { EngineVersion: '7.1' }]);
    world.advanceBy(16 * 60_000);
    expect(await pendingOf(elasticache)).toEqual([{}, {}, {}]);
  });

  it('is not requested again by a resumed run: the second modify sends nothing and the first completes', async () => {
    const { world, cache } = withAdapter();
    await cache.modify('blue-cache', { engineVersion: '7.1' });
    world.advanceBy(60_000);
    await cache.modify('blue-cache', { engineVersion: '7.1' });
    expect(world.mutations.filter((m) => m.command === 'ModifyReplicationGroup')).toHaveLength(1);
    world.advanceBy(15 * 60_000);
    expect((await cache.observeModify('blue-cache', { engineVersion: '7.1' })).status).toBe('complete');
  });
});
