import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CacheParameterGroupNotFoundFault,
  DescribeCacheClustersCommand,
  DescribeCacheEngineVersionsCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
  ReplicationGroupNotFoundFault,
  ServerlessCacheNotFoundFault,
  type CacheCluster,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { createElastiCacheCache } from '../../src/adapters/elasticache-cache.js';
import { AwsCallError, NotAReplicationGroupError } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';

// The cache port's part of a Redis OSS to Valkey switch: Engine sent with its version, the switch judged
// on every member's Engine and EngineVersion as Describe reports them (never on the Modify response), no
// second Modify once the engine is live or on its way, and the reads preflight needs.

const ec = mockClient(ElastiCacheClient);
const client = new ElastiCacheClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const budget = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };
const RG = 'payments-blue';
const MEMBERS = ['payments-blue-001', 'payments-blue-002'];

function group(over: Partial<ReplicationGroup> = {}): ReplicationGroup {
  return {
    ReplicationGroupId: RG,
    Status: 'available',
    MemberClusters: MEMBERS,
    ClusterEnabled: false,
    AutomaticFailover: 'enabled',
    Engine: 'redis',
    PendingModifiedValues: {},
    NodeGroups: [{ NodeGroupId: '0001', NodeGroupMembers: MEMBERS.map((id, i) => ({ CacheClusterId: id, CurrentRole: i === 0 ? 'primary' : 'replica' })) }],
    ...over,
  };
}

function member(id: string, over: Partial<CacheCluster> = {}): CacheCluster {
  return {
    CacheClusterId: id,
    CacheClusterStatus: 'available',
    Engine: 'redis',
    EngineVersion: '7.1.0',
    CacheParameterGroup: { CacheParameterGroupName: 'default.redis7', ParameterApplyStatus: 'in-sync' },
    PendingModifiedValues: {},
    ReplicationGroupId: RG,
    ...over,
  };
}

function world(rg: Partial<ReplicationGroup> = {}, members: Partial<CacheCluster> = {}, perMember: Record<string, Partial<CacheCluster>> = {}) {
  ec.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: RG }).resolves({ ReplicationGroups: [group(rg)] });
  for (const id of MEMBERS) ec.on(DescribeCacheClustersCommand, { CacheClusterId: id }).resolves({ CacheClusters: [member(id, { ...members, ...perMember[id] })] });
}

function makePort() {
  return createElastiCacheCache({ client, clock: new ManualClock(Date.UTC(2026, 5, 1), { autoAdvance: true }), budget, sharedReadMs: 0 });
}

const toValkey = { engine: 'valkey', engineVersion: '8.0' } as const;

beforeEach(() => ec.reset());

describe('the engine switch through the cache port', () => {
  it('reads each member\'s engine from DescribeCacheClusters', async () => {
    world({}, {}, { [MEMBERS[1]!]: { Engine: 'valkey', EngineVersion: '8.0.1' } });
    const view = await makePort().describe(RG);
    expect(view.members.map((m) => `${m.engine} ${m.engineVersion}`)).toEqual(['redis 7.1.0', 'valkey 8.0.1']);
  });

  it('sends Engine with its version (and the Valkey parameter group) in one ModifyReplicationGroup, ApplyImmediately', async () => {
    world();
    ec.on(ModifyReplicationGroupCommand).resolves({});
    await makePort().modify(RG, { ...toValkey, cacheParameterGroupName: 'payments-valkey8' });
    expect(ec).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      ReplicationGroupId: RG,
      Engine: 'valkey',
      EngineVersion: '8.0',
      CacheParameterGroupName: 'payments-valkey8',
      ApplyImmediately: true,
    });
  });

  it('sends nothing when every member already runs Valkey at the requested version, or is being switched to it (a resumed run)', async () => {
    world({}, { Engine: 'valkey', EngineVersion: '8.0.1' });
    await makePort().modify(RG, toValkey);
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);

    ec.reset();
    world({ Status: 'modifying' }, { CacheClusterStatus: 'modifying', PendingModifiedValues: { EngineVersion: '8.0' } });
    await makePort().modify(RG, toValkey);
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);
  });

  it('sends the switch when the version matches but the engine does not (a Redis OSS group never reports 8.0, but the engine decides)', async () => {
    world({}, { Engine: 'redis', EngineVersion: '8.0.1' });
    ec.on(ModifyReplicationGroupCommand).resolves({});
    await makePort().modify(RG, toValkey);
    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 1);
  });

  it('is complete only when every member reports valkey at the version, whatever the group-level Engine says', async () => {
    world({ Engine: 'redis' }, { Engine: 'valkey', EngineVersion: '8.0.1' });
    await expect(makePort().observeModify(RG, toValkey)).resolves.toMatchObject({ status: 'complete' });

    ec.reset();
    world({ Engine: 'valkey' }, { Engine: 'valkey', EngineVersion: '8.0.1' }, { [MEMBERS[1]!]: { Engine: 'redis', EngineVersion: '7.1.0' } });
    const settledOnRedis = await makePort().observeModify(RG, toValkey);
    expect(settledOnRedis).toMatchObject({ status: 'failed', reason: `modification settled with engine requested "valkey", live ${MEMBERS[1]}="redis"; engine version requested "8.0", live ${MEMBERS[1]}="7.1.0"` });
  });
});

describe('the reads preflight needs', () => {
  it('a parameter group\'s family, undefined for one that does not exist', async () => {
    ec.on(DescribeCacheParameterGroupsCommand, { CacheParameterGroupName: 'payments-valkey8' }).resolves({
      CacheParameterGroups: [{ CacheParameterGroupName: 'payments-valkey8', CacheParameterGroupFamily: 'valkey8' }],
    });
    ec.on(DescribeCacheParameterGroupsCommand, { CacheParameterGroupName: 'nope' }).rejects(new CacheParameterGroupNotFoundFault({ message: 'CacheParameterGroup nope not found.', $metadata: {} }));
    const port = makePort();
    await expect(port.parameterGroupFamily('payments-valkey8')).resolves.toBe('valkey8');
    await expect(port.parameterGroupFamily('nope')).resolves.toBeUndefined();
  });

  it('the family of an engine version ElastiCache offers, undefined for one it does not', async () => {
    ec.on(DescribeCacheEngineVersionsCommand, { Engine: 'valkey', EngineVersion: '8.0' }).resolves({ CacheEngineVersions: [{ Engine: 'valkey', EngineVersion: '8.0', CacheParameterGroupFamily: 'valkey8' }] });
    ec.on(DescribeCacheEngineVersionsCommand, { Engine: 'valkey', EngineVersion: '6.2' }).resolves({ CacheEngineVersions: [] });
    const port = makePort();
    await expect(port.engineVersionFamily('valkey', '8.0')).resolves.toBe('valkey8');
    await expect(port.engineVersionFamily('valkey', '6.2')).resolves.toBeUndefined();
  });
});

describe('a serverless cache named as a replication group', () => {
  it('is refused in one line, naming it; a name that is neither stays ReplicationGroupNotFound', async () => {
    ec.on(DescribeReplicationGroupsCommand).rejects(new ReplicationGroupNotFoundFault({ message: `Replication group ${RG} not found.`, $metadata: {} }));
    ec.on(DescribeServerlessCachesCommand, { ServerlessCacheName: RG }).resolves({ ServerlessCaches: [{ ServerlessCacheName: RG, Engine: 'valkey', Status: 'available' }] });
    const refused = await makePort().describe(RG).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(NotAReplicationGroupError);
    expect((refused as Error).message).toBe(`${RG} is a serverless cache: it has no replication group to maintain`);

    ec.reset();
    ec.on(DescribeReplicationGroupsCommand).rejects(new ReplicationGroupNotFoundFault({ message: `Replication group ${RG} not found.`, $metadata: {} }));
    ec.on(DescribeServerlessCachesCommand).rejects(new ServerlessCacheNotFoundFault({ message: 'not found', $metadata: {} }));
    const missing = await makePort().describe(RG).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(AwsCallError);
    expect((missing as AwsCallError).code).toMatch(/^ReplicationGroupNotFound/);
  });
});
