// Timed ElastiCache operations (failover, promotion, modify, reboot, service update) and
// what they mean for the cache's ability to serve requests.
import type { CacheOp, ElastiCacheState, ReplicationGroupState } from './state.js';
import type { WorldCore } from './world-core.js';
import { FIRST_NODE_GROUP, findNodeGroup, setNodeGroupPrimary } from './elasticache-node-groups.js';
import { reportedEngineVersion } from './versions.js';
import { defaultParameterGroup, isDefaultParameterGroup, parameterGroupFamily } from './elasticache-engine-switch.js';

/** Memory use left on a primary whose data was lost. */
const EMPTY_MEMORY_PERCENT = 1;

export function opsOn(cache: ElastiCacheState, replicationGroupId: string): CacheOp[] {
  return cache.ops.filter((op) => op.replicationGroupId === replicationGroupId);
}

/**
 * Whether the replication group has a primary that accepts reads and writes now; with a node group, whether
 * that shard does (another shard's failover does not take its primary away).
 */
export function primaryServing(cache: ElastiCacheState, replicationGroupId: string, now: number, nodeGroupId?: string): boolean {
  const rg = cache.replicationGroups[replicationGroupId];
  if (!rg) return true;
  if (rg.memoryPercent >= 100) return false;
  for (const op of opsOn(cache, replicationGroupId)) {
    switch (op.kind) {
      case 'failover':
        // Between the API call and the switch there is no healthy primary.
        if (op.phase === 'switching' && (nodeGroupId === undefined || (op.nodeGroupId ?? FIRST_NODE_GROUP) === nodeGroupId)) return false;
        break;
      case 'promote':
        if (op.to !== null) return false;
        break;
      case 'modify':
        if (now >= (op.outageFrom ?? 0) && now < op.outageUntil) return false;
        break;
      case 'reboot':
        if (op.wasPrimary) return false;
        break;
      case 'serviceUpdate':
        if (op.phase === 'in-progress') return false;
        break;
    }
  }
  return true;
}

/** Why the cache is not ready to take traffic back; empty when it is. */
export function cacheNotReadyReasons(cache: ElastiCacheState, replicationGroupId: string): string[] {
  const rg = cache.replicationGroups[replicationGroupId];
  if (!rg) return [];
  const reasons: string[] = [];
  if (rg.status !== 'available') reasons.push(`replication group status is ${rg.status}`);
  for (const op of opsOn(cache, replicationGroupId)) reasons.push(`${op.kind} in progress`);
  if (rg.pendingPrimaryClusterId !== null) reasons.push('pending PrimaryClusterId change');
  for (const id of rg.members) {
    const cluster = cache.cacheClusters[id];
    if (!cluster) continue;
    if (cluster.status !== 'available') reasons.push(`member ${id} is ${cluster.status}`);
    if (Object.keys(cluster.pending).length > 0) reasons.push(`member ${id} has pending modifications`);
    if (cluster.parameterGroup.applyStatus !== 'in-sync') {
      reasons.push(`member ${id} parameter group is ${cluster.parameterGroup.applyStatus}`);
    }
  }
  return reasons;
}

/** The next time an operation steps, or a modify's primary outage ends (traffic changes then). */
export function nextOpAt(cache: ElastiCacheState, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const op of cache.ops) {
    next = Math.min(next, op.nextAt);
    if (op.kind === 'modify' && op.outageFrom !== undefined && op.outageFrom > now) next = Math.min(next, op.outageFrom);
    if (op.kind === 'modify' && op.outageUntil > now) next = Math.min(next, op.outageUntil);
  }
  return next;
}

/** Advance every operation due at or before `now`; returns whether anything happened. */
export function stepCacheOps(core: WorldCore, now: number): boolean {
  const cache = core.state.elasticache;
  let progressed = false;
  for (;;) {
    let due: CacheOp | undefined;
    for (const op of cache.ops) if (op.nextAt <= now && (!due || op.nextAt < due.nextAt)) due = op;
    if (!due) return progressed;
    progressed = true;
    advance(core, due);
  }
}

function remove(cache: ElastiCacheState, op: CacheOp): void {
  cache.ops = cache.ops.filter((o) => o !== op);
}

function setMembers(cache: ElastiCacheState, rg: ReplicationGroupState, status: string): void {
  for (const id of rg.members) {
    const cluster = cache.cacheClusters[id];
    if (cluster) cluster.status = status;
  }
}

/**
 * TestFailover's completion is logged twice, a cache cluster message then a replication group message
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_TestFailover.html). Which member
 * the cache cluster message names as its source is not documented: the sandbox uses the old primary.
 * A promotion (PrimaryClusterId) writes the group's message only; AWS does not document its events.
 */
function switchPrimary(core: WorldCore, rg: ReplicationGroupState, to: string, memberEvent: boolean, nodeGroupId = FIRST_NODE_GROUP): void {
  const from = findNodeGroup(rg, nodeGroupId)?.primaryClusterId ?? rg.primaryClusterId;
  setNodeGroupPrimary(rg, nodeGroupId, to);
  const message = `Failover from primary node ${from} to replica node ${to} completed`;
  if (memberEvent) core.cacheEvent('cache-cluster', from, message);
  core.cacheEvent('replication-group', rg.id, message);
}

/**
 * An engine-major-version-update "contains a major version or engine type change"
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Self-Service-Updates.html): the members run
 * the new engine and version, a default parameter group follows to the new family's default. How AWS
 * picks a custom group's successor is not documented: a custom group is kept (unconfirmed).
 */
function switchEngine(cache: ElastiCacheState, rg: ReplicationGroupState, to: { engine: string; engineVersion: string }): void {
  rg.engine = to.engine;
  const family = parameterGroupFamily(to.engine, to.engineVersion);
  for (const id of rg.members) {
    const cluster = cache.cacheClusters[id];
    if (!cluster) continue;
    cluster.engine = to.engine;
    cluster.engineVersion = reportedEngineVersion(to.engine, to.engineVersion);
    if (family !== undefined && isDefaultParameterGroup(cluster.parameterGroup.name)) cluster.parameterGroup = { name: defaultParameterGroup(family), applyStatus: 'in-sync' };
  }
}

function advance(core: WorldCore, op: CacheOp): void {
  const cache = core.state.elasticache;
  const settings = core.state.settings.elasticache;
  const rg = cache.replicationGroups[op.replicationGroupId];
  if (!rg) {
    remove(cache, op);
    return;
  }
  switch (op.kind) {
    case 'failover': {
      const old = cache.cacheClusters[op.from];
      if (op.phase === 'switching') {
        switchPrimary(core, rg, op.to, true, op.nodeGroupId);
        core.cacheEvent('cache-cluster', op.from, 'Recovering cache nodes 0001');
        if (old) {
          old.status = 'rebooting cluster nodes';
          old.nodeStatus = 'rebooting';
        }
        op.phase = 'recovering';
        op.nextAt += settings.recoveryMs;
      } else {
        if (old) {
          old.status = 'available';
          old.nodeStatus = 'available';
        }
        core.cacheEvent('cache-cluster', op.from, 'Finished recovery for cache nodes 0001');
        remove(cache, op);
      }
      return;
    }
    case 'promote': {
      if (op.to !== null && op.to !== rg.primaryClusterId) switchPrimary(core, rg, op.to, false);
      rg.status = 'available';
      remove(cache, op);
      return;
    }
    case 'modify': {
      const { changes } = op;
      // Members report the patch level of the version asked for, unless a world scripts what they report.
      const engine = changes.engine ?? rg.engine;
      const reported = rg.versionReported ?? (changes.engineVersion !== undefined ? reportedEngineVersion(engine, changes.engineVersion) : undefined);
      if (changes.engine) rg.engine = changes.engine;
      if (changes.cacheNodeType) rg.cacheNodeType = changes.cacheNodeType;
      for (const id of rg.members) {
        const cluster = cache.cacheClusters[id];
        if (!cluster) continue;
        if (changes.engine) cluster.engine = changes.engine;
        if (reported !== undefined) cluster.engineVersion = reported;
        if (changes.cacheNodeType) cluster.cacheNodeType = changes.cacheNodeType;
        if (changes.parameterGroup) cluster.parameterGroup = { name: changes.parameterGroup, applyStatus: 'in-sync' };
        cluster.status = 'available';
      }
      rg.status = 'available';
      if (op.promoteTo !== null && op.promoteTo !== rg.primaryClusterId) switchPrimary(core, rg, op.promoteTo, false);
      const summary = Object.entries(changes)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ');
      core.cacheEvent('replication-group', rg.id, `Modification of replication group ${rg.id} completed (${summary})`);
      remove(cache, op);
      return;
    }
    case 'reboot': {
      const cluster = cache.cacheClusters[op.cacheClusterId];
      if (cluster) {
        cluster.status = 'available';
        cluster.nodeStatus = 'available';
      }
      if (op.wasPrimary) {
        // A primary restarted without a failover comes back empty; replicas resync from it.
        rg.dataGeneration++;
        rg.memoryPercent = EMPTY_MEMORY_PERCENT;
      }
      core.cacheEvent('cache-cluster', op.cacheClusterId, 'Cache node 0001 restarted');
      remove(cache, op);
      return;
    }
    case 'serviceUpdate': {
      const key = `${op.serviceUpdateName}|${rg.id}`;
      const action = cache.updateActions[key] ?? { status: 'not-applied', modifiedAt: op.nextAt, nodesUpdated: 0 };
      cache.updateActions[key] = action;
      if (op.phase === 'waiting') {
        rg.status = 'modifying';
        setMembers(cache, rg, 'modifying');
        action.status = 'in-progress';
        action.modifiedAt = op.nextAt;
        op.phase = 'in-progress';
        op.nextAt += settings.serviceUpdateMs;
      } else {
        rg.status = 'available';
        setMembers(cache, rg, 'available');
        const update = cache.serviceUpdates.find((u) => u.name === op.serviceUpdateName);
        if (update?.upgradesTo) switchEngine(cache, rg, update.upgradesTo);
        action.status = 'complete';
        action.modifiedAt = op.nextAt;
        action.nodesUpdated = rg.members.length;
        core.cacheEvent('replication-group', rg.id, `Service update ${op.serviceUpdateName} completed`);
        remove(cache, op);
      }
      return;
    }
  }
}
