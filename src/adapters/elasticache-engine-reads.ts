// The ElastiCache reads an engine switch is judged on before anything changes: a parameter group's family
// (DescribeCacheParameterGroups), the family of the version asked for (DescribeCacheEngineVersions), and
// whether a name the plan gives as a replication group is a serverless cache (DescribeServerlessCaches).
import {
  DescribeCacheEngineVersionsCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeServerlessCachesCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { hasAwsErrorCode } from '../aws/classify.js';
import type { AwsCall } from '../aws/retry-budget.js';
import { AwsCallError, NotAReplicationGroupError } from '../errors.js';

/** An AWS "not found" from the call: the SDK error class name or its wire code. */
const notFound = (err: unknown, code: string): boolean => err instanceof AwsCallError && (hasAwsErrorCode(err.cause, code) || hasAwsErrorCode(err, code) || err.code.replace(/Fault$/, '') === code);

/** The family of a cache parameter group; undefined when none has that name (CacheParameterGroupNotFound). */
export async function parameterGroupFamily(client: ElastiCacheClient, call: AwsCall, name: string): Promise<string | undefined> {
  try {
    const out = await call('DescribeCacheParameterGroups', name, () => client.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: name })));
    return out.CacheParameterGroups?.find((g) => g.CacheParameterGroupName === name)?.CacheParameterGroupFamily;
  } catch (err) {
    if (notFound(err, 'CacheParameterGroupNotFound')) return undefined;
    throw err;
  }
}

/** The family of an engine version ElastiCache offers; an empty answer means it offers no such version. */
export async function engineVersionFamily(client: ElastiCacheClient, call: AwsCall, engine: string, engineVersion: string): Promise<string | undefined> {
  const out = await call('DescribeCacheEngineVersions', `${engine} ${engineVersion}`, () =>
    client.send(new DescribeCacheEngineVersionsCommand({ Engine: engine, EngineVersion: engineVersion })),
  );
  return out.CacheEngineVersions?.find((v) => v.Engine === engine && v.EngineVersion === engineVersion)?.CacheParameterGroupFamily;
}

/**
 * DescribeReplicationGroups answered `err` for `id`. A serverless cache has no replication group (it is the
 * other deployment option: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/WhatIs.deployment.html),
 * so AWS answers ReplicationGroupNotFound for one: DescribeServerlessCaches tells the two apart, and a
 * serverless cache is refused in one line. Anything else is rethrown as it came.
 */
export async function notAReplicationGroup(client: ElastiCacheClient, call: AwsCall, id: string, err: unknown): Promise<never> {
  if (!notFound(err, 'ReplicationGroupNotFound')) throw err;
  let serverless = false;
  try {
    const out = await call('DescribeServerlessCaches', id, () => client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: id })));
    serverless = (out.ServerlessCaches ?? []).some((c) => c.ServerlessCacheName === id);
  } catch (lookup) {
    if (!notFound(lookup, 'ServerlessCacheNotFound')) throw lookup;
  }
  if (serverless) throw new NotAReplicationGroupError(`${id} is a serverless cache: it has no replication group to maintain`, { cause: err });
  throw err;
}
