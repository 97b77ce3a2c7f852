import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchApplyUpdateActionCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeUpdateActionsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
  RebootCacheClusterCommand,
  ServiceUpdateNotFoundFault,
  TestFailoverCommand,
  type CacheCluster,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { createElastiCacheCache } from '../../src/adapters/elasticache-cache.js';
import { SHARED_READ_MS } from '../../src/adapters/shared-reads.js';
import { AwsCallError, RefusedError } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { captureLogger } from '../helpers/capture-logger.js';

const ec = mockClient(ElastiCacheClient);
const client = new ElastiCacheClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const budget = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };
const T0 = Date.UTC(2026, 5, 1, 3, 0, 0);
const RG = 'payments-blue';
const P1 = 'payments-blue-001';
const P2 = 'payments-blue-002';

interface GroupShape {
  status?: string;
  primary?: string;
  clusterEnabled?: boolean;
  pending?: ReplicationGroup['PendingModifiedValues'];
  /** AutomaticFailover and MultiAZ together; enabled unless said otherwise. */
  failover?: 'enabled' | 'disabled';
  /** The group-level Engine; redis unless said otherwise. */
  engine?: string;
}

function group(shape: GroupShape = {}): ReplicationGroup {
  const primary = shape.primary ?? P1;
  return {
    ReplicationGroupId: RG,
    Status: shape.status ?? 'available',
    MemberClusters: [P1, P2],
    ClusterEnabled: shape.clusterEnabled ?? false,
    AutomaticFailover: shape.failover ?? 'enabled',
    MultiAZ: shape.failover ?? 'enabled',
    Engine: shape.engine ?? 'redis',
    PendingModifiedValues: shape.pending ?? {},
    TransitEncryptionEnabled: true,
    AuthTokenEnabled: true,
    NodeGroups: [
      {
        NodeGroupId: '0001',
        Status: 'available',
        PrimaryEndpoint: { Address: 'master.payments-blue.cache.amazonaws.com', Port: 6379 },
        NodeGroupMembers: [P1, P2].map((id) => ({
          CacheClusterId: id,
          CacheNodeId: '0001',
          PreferredAvailabilityZone: id === P1 ? 'us-east-1a' : 'us-east-1b',
          // Cluster-mode-enabled groups report no role.
          ...(shape.clusterEnabled ? {} : { CurrentRole: id === primary ? 'primary' : 'replica' }),
        })),
      },
    ],
  };
}

function cluster(id: string, over: Partial<CacheCluster> = {}): CacheCluster {
  return {
    CacheClusterId: id,
    CacheClusterStatus: 'available',
    Engine: 'redis',
    EngineVersion: '7.1',
    CacheNodeType: 'cache.r7g.large',
    PreferredAvailabilityZone: id === P1 ? 'us-east-1a' : 'us-east-1b',
    CacheParameterGroup: { CacheParameterGroupName: 'default.redis7', ParameterApplyStatus: 'in-sync' },
    PendingModifiedValues: {},
    CacheNodes: [{ CacheNodeId: '0001', CacheNodeStatus: 'available' }],
    ReplicationGroupId: RG,
    ...over,
  };
}

function world(shape: GroupShape = {}, clusters: Partial<Record<string, Partial<CacheCluster>>> = {}) {
  ec.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: RG }).resolves({ ReplicationGroups: [group(shape)] });
  for (const id of [P1, P2]) {
    ec.on(DescribeCacheClustersCommand, { CacheClusterId: id }).resolves({ CacheClusters: [cluster(id, clusters[id])] });
  }
}

function events(list: Array<{ source: string; minutesAfter: number; message: string }>) {
  ec.on(DescribeEventsCommand).callsFake(async (input: { SourceIdentifier?: string }) => ({
    Events: list
      .filter((e) => e.source === input.SourceIdentifier)
      .map((e) => ({ SourceIdentifier: e.source, Message: e.message, Date: new Date(T0 + e.minutesAfter * 60_000) })),
  }));
}

/** Most tests change the mocked world between two calls at the same instant: sharing reads is off there. */
function makePort(sharedReadMs = 0) {
  const log = captureLogger();
  const clock = new ManualClock(T0, { autoAdvance: true });
  return { port: createElastiCacheCache({ client, clock, budget, logger: log.logger, sharedReadMs }), log, clock };
}

beforeEach(() => {
  ec.reset();
});

describe('createElastiCacheCache: describe and events', () => {
  it('builds the view from the group and its member clusters (engine versions live on the clusters)', async () => {
    world({}, { [P2]: { EngineVersion: '7.10', CacheClusterStatus: 'modifying', PendingModifiedValues: { EngineVersion: '7.10' } } });
    const { port } = makePort();
    const view = await port.describe(RG);
    expect(view).toEqual({
      replicationGroupId: RG,
      status: 'available',
      clusterMode: 'disabled',
      members: [
        {
          cacheClusterId: P1,
          nodeGroupId: '0001',
          role: 'primary',
          status: 'available',
          engine: 'redis',
          engineVersion: '7.1',
          cacheNodeType: 'cache.r7g.large',
          cacheParameterGroupName: 'default.redis7',
          availabilityZone: 'us-east-1a',
          pendingModifiedValues: {},
        },
        {
          cacheClusterId: P2,
          nodeGroupId: '0001',
          role: 'replica',
          status: 'modifying',
          engine: 'redis',
          engineVersion: '7.10',
          cacheNodeType: 'cache.r7g.large',
          cacheParameterGroupName: 'default.redis7',
          availabilityZone: 'us-east-1b',
          pendingModifiedValues: { EngineVersion: '7.10' },
        },
      ],
      nodeGroups: [{ nodeGroupId: '0001', memberIds: [P1, P2] }],
      primaries: { '0001': P1 },
      pendingModifiedValues: {},
      engine: 'redis',
      engineVersions: ['7.1', '7.10'],
      cacheNodeTypes: ['cache.r7g.large'],
      cacheParameterGroupNames: ['default.redis7'],
      automaticFailover: 'enabled',
      multiAZ: 'enabled',
      primaryEndpoint: { address: 'master.payments-blue.cache.amazonaws.com', port: 6379 },
      transitEncryption: true,
      authTokenEnabled: true,
    });
    expect(ec).toHaveReceivedCommandWith(DescribeCacheClustersCommand, { CacheClusterId: P1, ShowCacheNodeInfo: true });
  });

  it('reads events of the group and of every member since the given time, across pages, oldest first', async () => {
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group()] });
    ec.on(DescribeEventsCommand, { SourceType: 'replication-group', SourceIdentifier: RG })
      .resolvesOnce({ Events: [{ SourceIdentifier: RG, Message: 'Test Failover API called for node group 0001', Date: new Date(T0 + 1_000) }], Marker: 'm2' })
      .resolvesOnce({ Events: [{ SourceIdentifier: RG, Message: 'Failover to replica node payments-blue-002 completed', Date: new Date(T0 + 90_000) }] });
    ec.on(DescribeEventsCommand, { SourceType: 'cache-cluster', SourceIdentifier: P1 }).resolves({
      Events: [{ SourceIdentifier: P1, Message: 'Recovering cache nodes 0001', Date: new Date(T0 + 100_000) }],
    });
    ec.on(DescribeEventsCommand, { SourceType: 'cache-cluster', SourceIdentifier: P2 }).resolves({ Events: [] });
    const { port } = makePort();
    const list = await port.events(RG, T0);
    expect(list.map((e) => e.message)).toEqual([
      'Test Failover API called for node group 0001',
      'Failover to replica node payments-blue-002 completed',
      'Recovering cache nodes 0001',
    ]);
    expect(ec).toHaveReceivedCommandWith(DescribeEventsCommand, { SourceType: 'replication-group', SourceIdentifier: RG, StartTime: new Date(T0), Marker: 'm2' });
    expect(ec).toHaveReceivedCommandTimes(DescribeEventsCommand, 4);
  });
});

describe('createElastiCacheCache: failover', () => {
  it('starts a test failover for the node group', async () => {
    ec.on(TestFailoverCommand).resolves({ ReplicationGroup: group() });
    const { port } = makePort();
    await port.startFailover(RG, { method: 'test-failover', nodeGroupId: '0001' });
    expect(ec).toHaveReceivedCommandWith(TestFailoverCommand, { ReplicationGroupId: RG, NodeGroupId: '0001' });
  });

  it('promotes a named member with ApplyImmediately, and sends nothing when it already is primary', async () => {
    world({ failover: 'disabled' });
    ec.on(ModifyReplicationGroupCommand).resolves({});
    const { port } = makePort();
    await port.startFailover(RG, { method: 'primary-cluster-id', primaryClusterId: P2 });
    expect(ec).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, { ReplicationGroupId: RG, PrimaryClusterId: P2, ApplyImmediately: true });

    ec.reset();
    world({ primary: P2 });
    await port.startFailover(RG, { method: 'primary-cluster-id', primaryClusterId: P2 });
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);
  });

  it('refuses a promotion while Multi-AZ with automatic failover is enabled, and sends nothing (ElastiCache would refuse it)', async () => {
    world();
    const { port } = makePort();
    await expect(port.startFailover(RG, { method: 'primary-cluster-id', primaryClusterId: P2 })).rejects.toThrow(
      new RefusedError(`promotion of ${P2} refused: ElastiCache does not promote a replica while Multi-AZ with automatic failover is enabled on ${RG} (AutomaticFailover enabled, MultiAZ enabled)`),
    );
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);
  });

  it('stays not-yet when TestFailover was accepted but the primary is unchanged, and says what it waits for', async () => {
    ec.on(TestFailoverCommand).resolves({ ReplicationGroup: group() });
    world();
    events([{ source: RG, minutesAfter: 0.1, message: 'Test Failover API called for node group 0001' }]);
    const { port } = makePort();
    await port.startFailover(RG, { method: 'test-failover', nodeGroupId: '0001' });
    const verdict = await port.observeFailover(RG, { previousPrimary: P1, nodeGroupId: '0001', requestedAt: T0 });
    expect(verdict.status).toBe('not-yet');
    if (verdict.status !== 'not-yet') throw new Error('unreachable');
    expect(verdict.waitingFor).toContain(`primary of node group 0001 to change from ${P1} (now ${P1})`);
    expect(verdict.waitingFor).toContain('a "failover ... completed" event since 2026-06-01T03:00:00.000Z');
    expect(verdict.evidence).toContain(`primary of node group 0001: ${P1} (was ${P1})`);
  });

  it('is complete with the older event wording once the primary moved and everything is available', async () => {
    world({ primary: P2 });
    events([
      { source: RG, minutesAfter: 0.1, message: 'Test Failover API called for node group 0001' },
      { source: RG, minutesAfter: 1.5, message: `Failover to replica node ${P2} completed` },
    ]);
    const { port } = makePort();
    const verdict = await port.observeFailover(RG, { previousPrimary: P1, nodeGroupId: '0001', requestedAt: T0, expectedPrimary: P2 });
    expect(verdict.status).toBe('complete');
    expect(verdict.evidence.join('\n')).toContain(`Failover to replica node ${P2} completed`);
  });

  it('accepts the newer wording too, but waits while a member is not available', async () => {
    world({ primary: P2 }, { [P1]: { CacheClusterStatus: 'modifying' } });
    events([{ source: P2, minutesAfter: 1.5, message: `Failover from primary node ${P1} to replica node ${P2} completed` }]);
    const { port } = makePort();
    const verdict = await port.observeFailover(RG, { previousPrimary: P1, nodeGroupId: '0001', requestedAt: T0 });
    expect(verdict).toMatchObject({ status: 'not-yet', waitingFor: `every member to be available (${P1} modifying)` });
  });

  it.each([
    ['the replication group only', [RG]],
    ['the cache cluster only', [P1]],
    ['both, as AWS logs a TestFailover', [P1, RG]],
  ])('completes on the "Failover ... completed" event written on %s', async (_where, sources) => {
    world({ primary: P2 });
    events(sources.map((source) => ({ source, minutesAfter: 1.5, message: `Failover from primary node ${P1} to replica node ${P2} completed` })));
    const { port } = makePort();
    const verdict = await port.observeFailover(RG, { previousPrimary: P1, nodeGroupId: '0001', requestedAt: T0, expectedPrimary: P2 });
    expect(verdict.status).toBe('complete');
    expect(verdict.evidence.join('\n')).toMatch(new RegExp(`event: \\S+ (${sources.join('|')}): Failover from primary node ${P1} to replica node ${P2} completed`));
  });

  it('ignores a failover event older than the request', async () => {
    world({ primary: P2 });
    events([{ source: RG, minutesAfter: -30, message: `Failover to replica node ${P2} completed` }]);
    const { port } = makePort();
    const verdict = await port.observeFailover(RG, { previousPrimary: P1, nodeGroupId: '0001', requestedAt: T0 });
    expect(verdict.status).toBe('not-yet');
  });

  it('fails when the primary settled on another member than the one asked for', async () => {
    ec.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [{ ...group({ primary: P2 }), MemberClusters: [P1, P2, 'payments-blue-003'] }],
    });
    for (const id of [P1, P2, 'payments-blue-003']) {
      ec.on(DescribeCacheClustersCommand, { CacheClusterId: id }).resolves({ CacheClusters: [cluster(id)] });
    }
    events([{ source: RG, minutesAfter: 1, message: `Failover to replica node ${P2} completed` }]);
    const { port } = makePort();
    const verdict = await port.observeFailover(RG, { previousPrimary: P1, nodeGroupId: '0001', requestedAt: T0, expectedPrimary: 'payments-blue-003' });
    expect(verdict).toMatchObject({ status: 'failed', reason: `primary of node group 0001 is ${P2}, expected payments-blue-003` });
  });
});

describe('createElastiCacheCache: modify', () => {
  it('always sends ApplyImmediately: true', async () => {
    world();
    ec.on(ModifyReplicationGroupCommand).resolves({});
    const { port } = makePort();
    await port.modify(RG, { engineVersion: '7.2' });
    await port.modify(RG, { cacheNodeType: 'cache.r7g.xlarge', cacheParameterGroupName: 'custom.redis7' });
    expect(ec).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, { ReplicationGroupId: RG, EngineVersion: '7.2', ApplyImmediately: true });
    expect(ec).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      ReplicationGroupId: RG,
      CacheNodeType: 'cache.r7g.xlarge',
      CacheParameterGroupName: 'custom.redis7',
      ApplyImmediately: true,
    });
    for (const call of ec.commandCalls(ModifyReplicationGroupCommand)) expect(call.args[0].input.ApplyImmediately).toBe(true);
  });

  it('sends nothing when the requested values are already live or already pending', async () => {
    world();
    const { port } = makePort();
    await port.modify(RG, { engineVersion: '7.1' });
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);
    ec.reset();
    world({}, { [P1]: { PendingModifiedValues: { EngineVersion: '7.2' } }, [P2]: { PendingModifiedValues: { EngineVersion: '7.2' } } });
    await port.modify(RG, { engineVersion: '7.2' });
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);
  });

  it('sends nothing when the members already run the requested version at its patch level ("7.1" live as "7.1.0")', async () => {
    world({}, { [P1]: { EngineVersion: '7.1.0' }, [P2]: { EngineVersion: '7.1.0' } });
    const { port } = makePort();
    await port.modify(RG, { engineVersion: '7.1' });
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);
  });

  it('sends the modify when the live version only starts with the requested one ("7.1" vs a live "7.10.2")', async () => {
    world({}, { [P1]: { EngineVersion: '7.10.2' }, [P2]: { EngineVersion: '7.10.2' } });
    ec.on(ModifyReplicationGroupCommand).resolves({});
    const { port } = makePort();
    await port.modify(RG, { engineVersion: '7.1' });
    expect(ec).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, { ReplicationGroupId: RG, EngineVersion: '7.1', ApplyImmediately: true });
  });

  it('completes a modify to "7.1" once every member reports "7.1.0" (AWS reports the patch level)', async () => {
    world({}, { [P1]: { EngineVersion: '7.1.0' }, [P2]: { EngineVersion: '7.1.0' } });
    const { port } = makePort();
    await expect(port.observeModify(RG, { engineVersion: '7.1' })).resolves.toMatchObject({ status: 'complete' });
  });

  it('refuses an empty request', async () => {
    const { port } = makePort();
    await expect(port.modify(RG, {})).rejects.toBeInstanceOf(RefusedError);
  });

  it('fails a modify to "7.1" when the live version is "7.10" once the group settled (strings, never numbers)', async () => {
    world({}, { [P1]: { EngineVersion: '7.10' }, [P2]: { EngineVersion: '7.10' } });
    const { port } = makePort();
    const verdict = await port.observeModify(RG, { engineVersion: '7.1' });
    expect(verdict.status).toBe('failed');
    if (verdict.status !== 'failed') throw new Error('unreachable');
    expect(verdict.reason).toBe(`modification settled with engine version requested "7.1", live ${P1}="7.10", ${P2}="7.10"`);
  });

  it('is not-yet while the group is modifying or something is pending, and complete on an exact match', async () => {
    world({ status: 'modifying' }, { [P1]: { EngineVersion: '7.0' } });
    const { port } = makePort();
    await expect(port.observeModify(RG, { engineVersion: '7.1' })).resolves.toMatchObject({ status: 'not-yet' });

    ec.reset();
    world({ pending: { AutomaticFailoverStatus: 'enabled' } });
    const pending = await port.observeModify(RG, { engineVersion: '7.1' });
    expect(pending).toMatchObject({ status: 'not-yet', waitingFor: 'pending modifications to clear (group: AutomaticFailoverStatus)' });

    ec.reset();
    world();
    await expect(port.observeModify(RG, { engineVersion: '7.1', cacheNodeType: 'cache.r7g.large' })).resolves.toMatchObject({
      status: 'complete',
    });
  });
});

// A Redis OSS to Valkey switch: Engine sent with its version, judged on every member's Engine and
// EngineVersion as Describe reports them (never on the Modify response), no second Modify once the engine
// is live or on its way.
describe('createElastiCacheCache: engine switch', () => {
  const toValkey = { engine: 'valkey', engineVersion: '8.0' } as const;
  const onValkey = { Engine: 'valkey', EngineVersion: '8.0.1' };

  it("reads each member's engine from DescribeCacheClusters", async () => {
    world({}, { [P1]: { EngineVersion: '7.1.0' }, [P2]: onValkey });
    const view = await makePort().port.describe(RG);
    expect(view.members.map((m) => `${m.engine} ${m.engineVersion}`)).toEqual(['redis 7.1.0', 'valkey 8.0.1']);
  });

  it('sends Engine with its version (and the Valkey parameter group) in one ModifyReplicationGroup, ApplyImmediately', async () => {
    world();
    ec.on(ModifyReplicationGroupCommand).resolves({});
    await makePort().port.modify(RG, { ...toValkey, cacheParameterGroupName: 'payments-valkey8' });
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 1);
    expect(ec).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      ReplicationGroupId: RG,
      Engine: 'valkey',
      EngineVersion: '8.0',
      CacheParameterGroupName: 'payments-valkey8',
      ApplyImmediately: true,
    });
  });

  it('sends nothing when every member already runs Valkey at the requested version, or is being switched to it (a resumed run)', async () => {
    world({}, { [P1]: onValkey, [P2]: onValkey });
    await makePort().port.modify(RG, toValkey);
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);

    ec.reset();
    const switching = { CacheClusterStatus: 'modifying', PendingModifiedValues: { EngineVersion: '8.0' } };
    world({ status: 'modifying' }, { [P1]: switching, [P2]: switching });
    await makePort().port.modify(RG, { ...toValkey, cacheParameterGroupName: 'payments-valkey8' });
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);
  });

  it('sends the switch when the version matches but the engine does not (a Redis OSS group never reports 8.0, but the engine decides)', async () => {
    world({}, { [P1]: { EngineVersion: '8.0.1' }, [P2]: { EngineVersion: '8.0.1' } });
    ec.on(ModifyReplicationGroupCommand).resolves({});
    await makePort().port.modify(RG, toValkey);
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 1);
  });

  it('is complete only when every member reports valkey at the version, whatever the group-level Engine says', async () => {
    world({ engine: 'redis' }, { [P1]: onValkey, [P2]: onValkey });
    await expect(makePort().port.observeModify(RG, toValkey)).resolves.toMatchObject({ status: 'complete' });

    ec.reset();
    world({ engine: 'valkey' }, { [P1]: onValkey, [P2]: { EngineVersion: '7.1.0' } });
    const settledOnRedis = await makePort().port.observeModify(RG, toValkey);
    expect(settledOnRedis).toMatchObject({ status: 'failed', reason: `modification settled with engine requested "valkey", live ${P2}="redis"; engine version requested "8.0", live ${P2}="7.1.0"` });
  });
});

describe('createElastiCacheCache: reboot', () => {
  it('refuses to reboot a cluster-mode-enabled group and sends nothing', async () => {
    world({ clusterEnabled: true });
    const { port } = makePort();
    const err = await port.reboot(RG, [P1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as Error).message).toMatch(/cluster mode enabled/);
    expect(ec).toHaveReceivedCommandTimes(RebootCacheClusterCommand, 0);
  });

  it('reboots the named members with their node ids from ShowCacheNodeInfo', async () => {
    world({}, { [P2]: { CacheNodes: [{ CacheNodeId: '0001' }, { CacheNodeId: '0002' }] } });
    ec.on(RebootCacheClusterCommand).resolves({});
    const { port } = makePort();
    await port.reboot(RG, [P2]);
    expect(ec).toHaveReceivedCommandExactlyOnceWith(RebootCacheClusterCommand, { CacheClusterId: P2, CacheNodeIdsToReboot: ['0001', '0002'] });
    await expect(port.reboot(RG, ['someone-else-001'])).rejects.toBeInstanceOf(RefusedError);
  });

  it('observes a reboot complete only with a restart event and the member available', async () => {
    world({}, { [P2]: { CacheClusterStatus: 'rebooting cluster nodes' } });
    events([]);
    const { port } = makePort();
    await expect(port.observeReboot(RG, [P2], T0)).resolves.toMatchObject({ status: 'not-yet' });

    ec.reset();
    world();
    events([{ source: P2, minutesAfter: 2, message: 'Cache node 0001 restarted' }]);
    await expect(port.observeReboot(RG, [P2], T0)).resolves.toMatchObject({ status: 'complete' });
  });
});

describe('createElastiCacheCache: service updates', () => {
  const UPDATE = 'elasticache-20260501-001';

  it('throws when BatchApplyUpdateAction returns UnprocessedUpdateActions', async () => {
    ec.on(DescribeUpdateActionsCommand).resolves({ UpdateActions: [{ ReplicationGroupId: RG, ServiceUpdateName: UPDATE, UpdateActionStatus: 'not-applied' }] });
    ec.on(BatchApplyUpdateActionCommand).resolves({
      ProcessedUpdateActions: [],
      UnprocessedUpdateActions: [{ ReplicationGroupId: RG, ServiceUpdateName: UPDATE, ErrorType: 'InvalidReplicationGroupState', ErrorMessage: 'group is modifying' }],
      $metadata: { attempts: 1 },
    });
    const { port } = makePort();
    const err = await port.applyServiceUpdate(RG, UPDATE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect((err as AwsCallError).code).toBe('InvalidReplicationGroupState');
    expect((err as AwsCallError).message).toBe(
      `ElastiCache BatchApplyUpdateAction on ${RG} (${UPDATE}) failed: InvalidReplicationGroupState (fatal, 1 attempt): ${RG} unprocessed: group is modifying`,
    );
  });

  it('turns a ServiceUpdateNotFoundFault from BatchApplyUpdateAction into a refusal naming the update, with the AWS error as cause', async () => {
    ec.on(DescribeUpdateActionsCommand).resolves({ UpdateActions: [{ ReplicationGroupId: RG, ServiceUpdateName: UPDATE, UpdateActionStatus: 'not-applied' }] });
    ec.on(BatchApplyUpdateActionCommand).rejects(
      new ServiceUpdateNotFoundFault({ message: `Service update ${UPDATE} not found.`, $metadata: { httpStatusCode: 404 } }),
    );
    const { port } = makePort();
    const err = await port.applyServiceUpdate(RG, UPDATE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as Error).message).toBe(
      `service update ${UPDATE} does not exist (BatchApplyUpdateAction answered ServiceUpdateNotFoundFault): check its name in the plan`,
    );
    expect((err as Error).cause).toBeInstanceOf(AwsCallError);
    expect(((err as Error).cause as AwsCallError).code).toBe('ServiceUpdateNotFoundFault');
  });

  it('refuses, without calling BatchApplyUpdateAction, an update with no update action for the group', async () => {
    ec.on(DescribeUpdateActionsCommand).resolves({ UpdateActions: [] });
    const { port } = makePort();
    await expect(port.applyServiceUpdate(RG, UPDATE)).rejects.toThrow(
      new RefusedError(`no update action ${UPDATE} for ${RG}: the service update does not exist or does not apply to this group`),
    );
    expect(ec).toHaveReceivedCommandTimes(BatchApplyUpdateActionCommand, 0);
    await expect(port.updateActionStatus(RG, UPDATE)).resolves.toBeUndefined();
  });

  it('applies a not-applied update, and sends nothing when it is already underway or complete', async () => {
    ec.on(DescribeUpdateActionsCommand).resolves({ UpdateActions: [{ ReplicationGroupId: RG, ServiceUpdateName: UPDATE, UpdateActionStatus: 'not-applied' }] });
    ec.on(BatchApplyUpdateActionCommand).resolves({ ProcessedUpdateActions: [{ ReplicationGroupId: RG, UpdateActionStatus: 'waiting-to-start' }], UnprocessedUpdateActions: [] });
    const { port } = makePort();
    await port.applyServiceUpdate(RG, UPDATE);
    expect(ec).toHaveReceivedCommandWith(BatchApplyUpdateActionCommand, { ReplicationGroupIds: [RG], ServiceUpdateName: UPDATE });

    ec.reset();
    ec.on(DescribeUpdateActionsCommand).resolves({ UpdateActions: [{ ReplicationGroupId: RG, ServiceUpdateName: UPDATE, UpdateActionStatus: 'in-progress' }] });
    await port.applyServiceUpdate(RG, UPDATE);
    expect(ec).toHaveReceivedCommandTimes(BatchApplyUpdateActionCommand, 0);

    ec.on(DescribeUpdateActionsCommand).resolves({ UpdateActions: [{ ReplicationGroupId: RG, ServiceUpdateName: UPDATE, UpdateActionStatus: 'not-applicable' }] });
    await expect(port.applyServiceUpdate(RG, UPDATE)).rejects.toBeInstanceOf(RefusedError);
  });

  it.each([
    ['complete', 'complete'],
    ['in-progress', 'not-yet'],
    ['waiting-to-start', 'not-yet'],
    ['stopped', 'failed'],
    ['not-applicable', 'failed'],
  ] as const)('observes update action %s as %s', async (actionStatus, verdict) => {
    world();
    ec.on(DescribeUpdateActionsCommand).resolves({ UpdateActions: [{ ReplicationGroupId: RG, ServiceUpdateName: UPDATE, UpdateActionStatus: actionStatus }] });
    const { port } = makePort();
    await expect(port.observeServiceUpdate(RG, UPDATE)).resolves.toMatchObject({ status: verdict });
  });

  it('lists update actions in progress for the group', async () => {
    ec.on(DescribeUpdateActionsCommand)
      .resolvesOnce({ UpdateActions: [{ ReplicationGroupId: RG, ServiceUpdateName: 'u-1', UpdateActionStatus: 'in-progress' }], Marker: 'next' })
      .resolvesOnce({ UpdateActions: [{ ReplicationGroupId: RG, ServiceUpdateName: 'u-2', UpdateActionStatus: 'scheduling' }] });
    const { port } = makePort();
    await expect(port.updateActionsInProgress(RG)).resolves.toEqual([
      { serviceUpdateName: 'u-1', replicationGroupId: RG, status: 'in-progress' },
      { serviceUpdateName: 'u-2', replicationGroupId: RG, status: 'scheduling' },
    ]);
    expect(ec).toHaveReceivedCommandWith(DescribeUpdateActionsCommand, {
      ReplicationGroupIds: [RG],
      UpdateActionStatus: ['in-progress', 'scheduling', 'stopping', 'waiting-to-start'],
    });
  });
});

describe('createElastiCacheCache: few calls per look', () => {
  it('reads the members from one listing of the clusters when it shows them all', async () => {
    ec.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: RG }).resolves({ ReplicationGroups: [group()] });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100 }).resolves({ CacheClusters: [cluster(P1), cluster('payments-green-001'), cluster(P2)] });
    const { port } = makePort();
    const view = await port.describe(RG);
    expect(view.members.map((m) => m.cacheClusterId)).toEqual([P1, P2]);
    expect(ec).toHaveReceivedCommandTimes(DescribeCacheClustersCommand, 1);
    expect(ec).not.toHaveReceivedCommandWith(DescribeCacheClustersCommand, { CacheClusterId: P1 });
  });

  it('asks for each member by name once a listing took more pages than the group has members', async () => {
    ec.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: RG }).resolves({ ReplicationGroups: [group()] });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100 }).resolves({ CacheClusters: [cluster('other-001')], Marker: 'more' });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100, Marker: 'more' }).resolves({ CacheClusters: [cluster('other-002')], Marker: 'last' });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100, Marker: 'last' }).resolves({ CacheClusters: [cluster(P1)] });
    for (const id of [P1, P2]) ec.on(DescribeCacheClustersCommand, { CacheClusterId: id }).resolves({ CacheClusters: [cluster(id)] });
    const { port } = makePort();
    expect((await port.describe(RG)).members.map((m) => m.cacheClusterId)).toEqual([P1, P2]);
    // Three pages, then P2 by name.
    expect(ec).toHaveReceivedCommandTimes(DescribeCacheClustersCommand, 4);
    ec.resetHistory();
    await port.describe(RG);
    expect(ec).toHaveReceivedCommandTimes(DescribeCacheClustersCommand, 2);
    expect(ec).toHaveReceivedCommandWith(DescribeCacheClustersCommand, { CacheClusterId: P2, ShowCacheNodeInfo: true });
  });

  it('reads recent events with one unfiltered DescribeEvents and keeps those of the named sources, oldest first', async () => {
    ec.on(DescribeEventsCommand).resolves({
      Events: [
        { SourceIdentifier: P1, Message: 'Finished recovery for cache nodes 0001', Date: new Date(T0 + 120_000) },
        { SourceIdentifier: 'payments-green', Message: 'Test Failover API called for node group 0001', Date: new Date(T0 + 60_000) },
        { SourceIdentifier: RG, Message: `Failover from primary node ${P1} to replica node ${P2} completed`, Date: new Date(T0 + 30_000) },
      ],
    });
    const { port } = makePort();
    const events = await port.recentEvents([RG, P1, P2], T0);
    expect(events.map((e) => e.sourceIdentifier)).toEqual([RG, P1]);
    expect(ec).toHaveReceivedCommandTimes(DescribeEventsCommand, 1);
    expect(ec).toHaveReceivedCommandWith(DescribeEventsCommand, { StartTime: new Date(T0), MaxRecords: 100 });
    expect(ec.commandCalls(DescribeEventsCommand)[0]!.args[0].input).not.toHaveProperty('SourceIdentifier');
  });
});

describe('createElastiCacheCache: one describe per look, shared', () => {
  it('shares a describe younger than the window between readers, and reads again after a write or once it is older', async () => {
    world();
    ec.on(ModifyReplicationGroupCommand).resolves({});
    const { port, clock } = makePort(500);
    await port.describe(RG);
    await port.observeModify(RG, { engineVersion: '7.1' });
    // One DescribeReplicationGroups and one member per call for both readers.
    expect(ec).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
    await port.modify(RG, { engineVersion: '7.2' });
    // The modify's own read was the shared one; after its write, the next reader asks AWS again.
    expect(ec).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
    await port.describe(RG);
    expect(ec).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 2);
    clock.advance(500);
    await port.describe(RG);
    expect(ec).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 3);
  });

  it('describes several groups with one listing of the groups and one of their members', async () => {
    const green = { ...group(), ReplicationGroupId: 'payments-green', MemberClusters: ['payments-green-001'] };
    ec.on(DescribeReplicationGroupsCommand, { MaxRecords: 100 }).resolves({ ReplicationGroups: [green, { ...group(), ReplicationGroupId: 'unrelated' }, group()] });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100 }).resolves({ CacheClusters: [cluster(P1), cluster('payments-green-001'), cluster(P2)] });
    const { port } = makePort();
    const views = await port.describeMany([RG, 'payments-green']);
    expect(views.map((v) => [v.replicationGroupId, v.members.map((m) => m.cacheClusterId)])).toEqual([
      [RG, [P1, P2]],
      ['payments-green', ['payments-green-001']],
    ]);
    expect(ec).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
    expect(ec).toHaveReceivedCommandTimes(DescribeCacheClustersCommand, 1);
  });

  it("a big account stops one group's member listing, not a fleet's (regression: preflight fell back to one call per member)", async () => {
    const green = { ...group(), ReplicationGroupId: 'payments-green', MemberClusters: ['payments-green-001', 'payments-green-002'] };
    ec.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: RG }).resolves({ ReplicationGroups: [group()] });
    ec.on(DescribeReplicationGroupsCommand, { MaxRecords: 100 }).resolves({ ReplicationGroups: [green, group()] });
    // Listing the account's clusters takes three pages: more than one group's two members are worth.
    const page = (ids: string[], marker?: string) => ({ CacheClusters: ids.map((id) => cluster(id)), ...(marker ? { Marker: marker } : {}) });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100 }).resolves(page(['other-1'], 'm1'));
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100, Marker: 'm1' }).resolves(page(['other-2'], 'm2'));
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100, Marker: 'm2' }).resolves(page([P1, P2, 'payments-green-001', 'payments-green-002']));
    ec.on(DescribeCacheClustersCommand, { CacheClusterId: P1 }).resolves(page([P1]));
    ec.on(DescribeCacheClustersCommand, { CacheClusterId: P2 }).resolves(page([P2]));
    const { port, clock } = makePort();
    await port.describe(RG);
    clock.advance(1_000);
    await port.describe(RG);
    // The second look of one group asks for its two members by name.
    expect(ec.commandCalls(DescribeCacheClustersCommand).slice(-2).map((c) => c.args[0].input.CacheClusterId)).toEqual([P1, P2]);
    ec.resetHistory();
    clock.advance(1_000);
    const views = await port.describeMany([RG, 'payments-green']);
    expect(views.map((v) => v.members.length)).toEqual([2, 2]);
    // Four members over three pages: the fleet's listing still pays, and is used.
    expect(ec.commandCalls(DescribeCacheClustersCommand).map((c) => c.args[0].input.CacheClusterId)).toEqual([undefined, undefined, undefined]);
  });
});

describe('createElastiCacheCache: listings without node info', () => {
  /** A member as an account-wide listing with ShowCacheNodeInfo: false shows it: no CacheNodes. */
  const listed = (id: string) => cluster(id, { CacheNodes: undefined });
  const GREEN = 'payments-green';
  const green = () => ({ ...group(), ReplicationGroupId: GREEN, MemberClusters: ['payments-green-001'] });
  const commandName = (command: unknown) =>
    [DescribeReplicationGroupsCommand, DescribeCacheClustersCommand, RebootCacheClusterCommand].find((C) => command instanceof C)?.name ?? 'other';

  it('reboots a member loaded from such a listing after describing it by id with ShowCacheNodeInfo, with the node ids that reports', async () => {
    ec.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: RG }).resolves({ ReplicationGroups: [group()] });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100 }).resolves({ CacheClusters: [listed(P1), listed(P2)] });
    ec.on(DescribeCacheClustersCommand, { CacheClusterId: P2, ShowCacheNodeInfo: true }).resolves({
      CacheClusters: [cluster(P2, { CacheNodes: [{ CacheNodeId: '0001' }, { CacheNodeId: '0002' }] })],
    });
    ec.on(RebootCacheClusterCommand).resolves({});
    const { port } = makePort();
    await port.reboot(RG, [P2]);
    expect(ec.commandCalls(DescribeCacheClustersCommand).map((c) => c.args[0].input)).toEqual([
      { ShowCacheNodeInfo: false, MaxRecords: 100 },
      { CacheClusterId: P2, ShowCacheNodeInfo: true },
    ]);
    expect(ec).toHaveReceivedCommandExactlyOnceWith(RebootCacheClusterCommand, { CacheClusterId: P2, CacheNodeIdsToReboot: ['0001', '0002'] });
    expect(ec.calls().map((c) => commandName(c.args[0]))).toEqual([
      'DescribeReplicationGroupsCommand',
      'DescribeCacheClustersCommand',
      'DescribeCacheClustersCommand',
      'RebootCacheClusterCommand',
    ]);
  });

  it("reboots a member of a fleet's shared listing (preflight's describeMany) with one describe by id, the group not read again", async () => {
    ec.on(DescribeReplicationGroupsCommand, { MaxRecords: 100 }).resolves({ ReplicationGroups: [green(), group()] });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100 }).resolves({ CacheClusters: [listed(P1), listed('payments-green-001'), listed(P2)] });
    ec.on(DescribeCacheClustersCommand, { CacheClusterId: P1, ShowCacheNodeInfo: true }).resolves({ CacheClusters: [cluster(P1, { CacheNodes: [{ CacheNodeId: '0007' }] })] });
    ec.on(RebootCacheClusterCommand).resolves({});
    const { port } = makePort(SHARED_READ_MS);
    await port.describeMany([RG, GREEN]);
    await port.reboot(RG, [P1]);
    expect(ec.calls().map((c) => commandName(c.args[0]))).toEqual([
      'DescribeReplicationGroupsCommand',
      'DescribeCacheClustersCommand',
      'DescribeCacheClustersCommand',
      'RebootCacheClusterCommand',
    ]);
    expect(ec).toHaveReceivedNthCommandWith(DescribeCacheClustersCommand, 2, { CacheClusterId: P1, ShowCacheNodeInfo: true });
    expect(ec).toHaveReceivedCommandExactlyOnceWith(RebootCacheClusterCommand, { CacheClusterId: P1, CacheNodeIdsToReboot: ['0007'] });
  });

  it('fails the reboot, sending nothing, when the describe by id reports no cache nodes either', async () => {
    ec.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: RG }).resolves({ ReplicationGroups: [group()] });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100 }).resolves({ CacheClusters: [listed(P1), listed(P2)] });
    ec.on(DescribeCacheClustersCommand, { CacheClusterId: P2, ShowCacheNodeInfo: true }).resolves({ CacheClusters: [cluster(P2, { CacheNodes: [] })] });
    const { port } = makePort();
    await expect(port.reboot(RG, [P2])).rejects.toThrow(`DescribeCacheClusters reported no cache nodes for ${P2}`);
    expect(ec).toHaveReceivedCommandTimes(RebootCacheClusterCommand, 0);
  });

  it('serves two describeMany of the same groups at the same moment, in any order, with one listing of each kind; a later moment lists again', async () => {
    ec.on(DescribeReplicationGroupsCommand, { MaxRecords: 100 }).resolves({ ReplicationGroups: [green(), { ...group(), ReplicationGroupId: 'unrelated' }, group()] });
    ec.on(DescribeCacheClustersCommand, { ShowCacheNodeInfo: false, MaxRecords: 100 }).resolves({ CacheClusters: [listed(P1), listed('payments-green-001'), listed(P2)] });
    const { port, clock } = makePort(SHARED_READ_MS);
    const members = (views: Array<{ replicationGroupId: string; members: Array<{ cacheClusterId: string }> }>) =>
      Object.fromEntries(views.map((v) => [v.replicationGroupId, v.members.map((m) => m.cacheClusterId)]));
    const expected = { [RG]: [P1, P2], [GREEN]: ['payments-green-001'] };

    const [first, second] = await Promise.all([port.describeMany([RG, GREEN]), port.describeMany([GREEN, RG])]);
    // Each caller gets the groups in the order it asked for them (CachePort.describeMany's promise).
    expect(first.map((v) => v.replicationGroupId)).toEqual([RG, GREEN]);
    expect(second.map((v) => v.replicationGroupId)).toEqual([GREEN, RG]);
    expect(members(first)).toEqual(expected);
    expect(members(second)).toEqual(expected);
    expect(ec).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
    expect(ec).toHaveReceivedCommandTimes(DescribeCacheClustersCommand, 1);

    // Still within the window: shared; and each group's own describe is served by the listing too.
    clock.advance(SHARED_READ_MS - 1);
    expect(members(await port.describeMany([GREEN, RG]))).toEqual(expected);
    expect(members([await port.describe(RG)])).toEqual({ [RG]: [P1, P2] });
    expect(ec).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
    expect(ec).toHaveReceivedCommandTimes(DescribeCacheClustersCommand, 1);

    // SHARED_READ_MS after the listing was sent: a new one.
    clock.advance(1);
    expect(members(await port.describeMany([RG, GREEN]))).toEqual(expected);
    expect(ec).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 2);
    expect(ec).toHaveReceivedCommandTimes(DescribeCacheClustersCommand, 2);
  });
});
