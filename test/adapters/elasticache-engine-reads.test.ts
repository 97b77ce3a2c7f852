import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CacheParameterGroupNotFoundFault,
  DescribeCacheEngineVersionsCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
  ReplicationGroupNotFoundFault,
  ServerlessCacheNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { createElastiCacheCache } from '../../src/adapters/elasticache-cache.js';
import { AwsCallError, NotAReplicationGroupError } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';

// The reads an engine switch is judged on in preflight (a parameter group's family, an engine version's
// family), and a serverless cache named as a replication group, through the cache port.

const ec = mockClient(ElastiCacheClient);
const client = new ElastiCacheClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const budget = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };
const RG = 'payments-blue';

function makePort() {
  return createElastiCacheCache({ client, clock: new ManualClock(Date.UTC(2026, 5, 1), { autoAdvance: true }), budget, sharedReadMs: 0 });
}

beforeEach(() => ec.reset());

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
