// Engine switches (Redis OSS to Valkey, in place) and the reads they need: cache parameter groups and
// their families, the engine versions ElastiCache offers, and serverless caches (which have no
// replication group to switch). https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/VersionManagement.HowTo.html
import {
  CacheParameterGroupNotFoundFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ServerlessCacheNotFoundFault,
  type CacheEngineVersionMessage,
  type CacheParameterGroupsMessage,
  type DescribeCacheEngineVersionsMessage,
  type DescribeCacheParameterGroupsMessage,
  type DescribeServerlessCachesRequest,
  type DescribeServerlessCachesResponse,
} from '@aws-sdk/client-elasticache';
import { regionShortCode } from './arns.js';
import { command, paginate, type CommandSpec } from './command-spec.js';
import { sdkError } from './sdk-errors.js';
import type { ReplicationGroupState, ServerlessCacheState } from './state.js';
import { compareEngineVersions } from './versions.js';
import type { WorldCore } from './world-core.js';

/**
 * The parameter group families of Valkey and Redis OSS, as CreateCacheParameterGroup lists them
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html).
 */
export const PARAMETER_GROUP_FAMILIES = ['valkey8', 'valkey7', 'redis2.6', 'redis2.8', 'redis3.2', 'redis4.0', 'redis5.0', 'redis6.x', 'redis7'] as const;

/**
 * The family an engine version's parameter groups belong to: one per Valkey major version, one per Redis
 * OSS major version from 6 on (redis6.x, redis7), one per minor version before
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html). Undefined for a
 * version no family is listed for.
 */
export function parameterGroupFamily(engine: string, version: string): string | undefined {
  const [major, minor] = version.split('.');
  const family =
    engine === 'valkey' ? `valkey${major}` : engine === 'redis' ? (Number(major) >= 7 ? 'redis7' : major === '6' ? 'redis6.x' : `redis${major}.${minor}`) : undefined;
  return family !== undefined && (PARAMETER_GROUP_FAMILIES as readonly string[]).includes(family) ? family : undefined;
}

/** AWS names a family's default group `default.<family>` (e.g. "default.redis3.2" in API_CreateReplicationGroup). */
export const defaultParameterGroup = (family: string): string => `default.${family}`;
const DEFAULT_PREFIX = 'default.';
export const isDefaultParameterGroup = (name: string): boolean => name.startsWith(DEFAULT_PREFIX);

/** A group's family: a default group's from its name, a custom one's from the world; undefined if none exists. */
export function familyOf(core: WorldCore, name: string): string | undefined {
  if (isDefaultParameterGroup(name)) {
    const family = name.slice(DEFAULT_PREFIX.length);
    return (PARAMETER_GROUP_FAMILIES as readonly string[]).includes(family) ? family : undefined;
  }
  const custom = core.state.elasticache.parameterGroups ?? {};
  return Object.hasOwn(custom, name) ? custom[name] : undefined;
}

/**
 * The parameter group the members run after a modify to `engine` `version`, or the refusal AWS gives.
 * - A named group must exist (CacheParameterGroupNotFound) and be of the target's family: "Expected a
 *   parameter group of family valkey8 but found one of family valkey7" (InvalidParameterCombination, as
 *   users report it: github.com/aws-samples/dify-self-hosted-on-aws/issues/24); a Valkey group on a group
 *   still running Redis OSS is "valkey parameter group is not applicable to engine redis" (the error ACK's
 *   controller met sending the group without Engine: github.com/aws-controllers-k8s/elasticache-controller/pull/188).
 * - An engine switch on a custom group needs a custom Valkey group in the same request (the user guide's
 *   cross-engine section); AWS's error code and message for its absence are not documented: the sandbox
 *   answers InvalidParameterCombination with its own words (unconfirmed).
 * - A default group follows to the default group of the new family: the guide upgrades a group on a default
 *   group with engine and version alone, and does not say which group the members then show (unconfirmed).
 */
export function parameterGroupAfterModify(
  core: WorldCore,
  rg: ReplicationGroupState,
  current: string,
  target: { engine: string; version: string; engineChanges: boolean },
  requested: string | undefined,
): string {
  const family = parameterGroupFamily(target.engine, target.version);
  if (requested !== undefined) {
    const found = familyOf(core, requested);
    if (found === undefined) throw sdkError(CacheParameterGroupNotFoundFault, `CacheParameterGroup ${requested} not found.`);
    const foundEngine = found.replace(/[0-9].*$/, '');
    if (foundEngine !== target.engine) throw sdkError(InvalidParameterCombinationException, `${foundEngine} parameter group is not applicable to engine ${target.engine}`);
    if (family !== undefined && found !== family) throw sdkError(InvalidParameterCombinationException, `Expected a parameter group of family ${family} but found one of family ${found}`);
    return requested;
  }
  if (!target.engineChanges) return current;
  if (!isDefaultParameterGroup(current)) {
    throw sdkError(
      InvalidParameterCombinationException,
      `Replication group ${rg.id} uses the custom parameter group ${current}: specify a custom ${family ?? target.engine} cache parameter group to change its engine to ${target.engine}.`,
    );
  }
  return family !== undefined ? defaultParameterGroup(family) : current;
}

/**
 * How long the primary is out during an engine switch from `fromVersion`: "When upgrading from Redis OSS
 * 5.0.6 and above, you will experience no downtime"; from earlier versions "a failover time of 30 to 60
 * seconds during DNS propagation" (VersionManagement.HowTo). The sandbox takes the 60 s, at the end of the
 * modify; when in the modify the failover falls is not documented (unconfirmed). A version upgrade within one
 * engine pauses writes for a few seconds from 5.0.6 on
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/VersionManagement-upgrade-considerations.html);
 * for a switch the cross-engine page says no downtime, and that is what is modelled.
 */
export const CROSS_ENGINE_FAILOVER_MS = 60_000;
export function crossEngineOutageMs(fromVersion: string): number {
  return compareEngineVersions(fromVersion, '5.0.6') >= 0 ? 0 : CROSS_ENGINE_FAILOVER_MS;
}

/** A scripted engineSwitchNoop is in effect for the group: a switch it is asked for runs but changes nothing. */
export function engineSwitchIsNoop(core: WorldCore, replicationGroupId: string): boolean {
  return core.state.events.active.some((e) => e.body.type === 'engineSwitchNoop' && e.body.replicationGroupId === replicationGroupId);
}

// ---------------------------------------------------------------- reads

function maxRecords(value: number | undefined): number {
  if (value === undefined) return 100;
  if (!Number.isInteger(value) || value < 20 || value > 100) throw sdkError(InvalidParameterValueException, 'MaxRecords must be between 20 and 100');
  return value;
}

const invalidMarker = (): Error => sdkError(InvalidParameterValueException, 'Invalid marker');

/** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeCacheParameterGroups.html */
function describeCacheParameterGroups(core: WorldCore, input: DescribeCacheParameterGroupsMessage): CacheParameterGroupsMessage {
  const all = [
    ...PARAMETER_GROUP_FAMILIES.map((family) => ({ name: defaultParameterGroup(family), family, description: `Default parameter group for ${family}` })),
    ...Object.entries(core.state.elasticache.parameterGroups ?? {}).map(([name, family]) => ({ name, family, description: `${name} (sandbox)` })),
  ];
  let groups = all;
  if (input.CacheParameterGroupName !== undefined) {
    groups = all.filter((g) => g.name === input.CacheParameterGroupName);
    if (groups.length === 0) throw sdkError(CacheParameterGroupNotFoundFault, `CacheParameterGroup ${input.CacheParameterGroupName} not found.`);
  }
  const page = paginate(groups, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return {
    CacheParameterGroups: page.items.map((g) => ({
      CacheParameterGroupName: g.name,
      CacheParameterGroupFamily: g.family,
      Description: g.description,
      IsGlobal: false,
      ARN: `arn:aws:elasticache:${core.state.region}:${core.state.accountId}:parametergroup:${g.name}`,
    })),
    Marker: page.next,
  };
}

/**
 * The versions a world offers (elasticache.engineVersions), each with its family; filters by Engine,
 * EngineVersion and family; an unknown version answers an empty list (the operation declares no fault)
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeCacheEngineVersions.html).
 */
function describeCacheEngineVersions(core: WorldCore, input: DescribeCacheEngineVersionsMessage): CacheEngineVersionMessage {
  const offered = Object.entries(core.state.settings.elasticache.engineVersions).flatMap(([engine, versions]) =>
    versions.map((version) => ({ engine, version, family: parameterGroupFamily(engine, version) })),
  );
  const matching = offered.filter(
    (v) =>
      (input.Engine === undefined || v.engine === input.Engine) &&
      (input.EngineVersion === undefined || v.version === input.EngineVersion) &&
      (input.CacheParameterGroupFamily === undefined || v.family === input.CacheParameterGroupFamily),
  );
  const page = paginate(matching, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return {
    CacheEngineVersions: page.items.map((v) => ({
      Engine: v.engine,
      EngineVersion: v.version,
      ...(v.family !== undefined ? { CacheParameterGroupFamily: v.family } : {}),
      CacheEngineDescription: v.engine === 'valkey' ? 'Valkey' : 'Redis OSS',
      CacheEngineVersionDescription: `${v.engine === 'valkey' ? 'Valkey' : 'Redis OSS'} ${v.version}`,
    })),
    Marker: page.next,
  };
}

function renderServerless(core: WorldCore, cache: ServerlessCacheState) {
  return {
    ServerlessCacheName: cache.name,
    Description: `${cache.name} (sandbox)`,
    CreateTime: new Date(cache.createdAt),
    Status: 'available',
    Engine: cache.engine,
    MajorEngineVersion: cache.majorEngineVersion,
    FullEngineVersion: cache.fullEngineVersion,
    Endpoint: { Address: `${cache.name}.serverless.${regionShortCode(core.state.region)}.cache.amazonaws.com`, Port: 6379 },
    ARN: cache.arn,
  };
}

/**
 * A serverless cache is the other deployment option, not a node-based replication group
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/WhatIs.deployment.html): DescribeReplicationGroups
 * answers ReplicationGroupNotFound for its name (the fault it declares for a name it does not know,
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeReplicationGroups.html; AWS
 * does not say so of serverless names in words: unconfirmed). An unknown name is ServerlessCacheNotFoundFault.
 * Paged by MaxResults / NextToken
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeServerlessCaches.html).
 */
function describeServerlessCaches(core: WorldCore, input: DescribeServerlessCachesRequest): DescribeServerlessCachesResponse {
  const all = Object.values(core.state.elasticache.serverlessCaches ?? {}).sort((a, b) => a.name.localeCompare(b.name));
  let caches = all;
  if (input.ServerlessCacheName !== undefined) {
    caches = all.filter((c) => c.name === input.ServerlessCacheName);
    if (caches.length === 0) throw sdkError(ServerlessCacheNotFoundFault, `Serverless cache ${input.ServerlessCacheName} not found.`);
  }
  const size = input.MaxResults ?? 50;
  if (!Number.isInteger(size) || size < 1 || size > 100) throw sdkError(InvalidParameterValueException, 'MaxResults must be between 1 and 100');
  const page = paginate(caches, input.NextToken, size, invalidMarker);
  return { ServerlessCaches: page.items.map((c) => renderServerless(core, c)), ...(page.next ? { NextToken: page.next } : {}) };
}

export const engineSwitchReadCommands: Record<string, CommandSpec> = {
  DescribeCacheParameterGroups: command(false, describeCacheParameterGroups),
  DescribeCacheEngineVersions: command(false, describeCacheEngineVersions),
  DescribeServerlessCaches: command(false, describeServerlessCaches),
};
