// ElastiCache (Valkey / Redis OSS), cluster mode disabled: one node group `0001` with a
// primary and replicas. Operations start here and progress in elasticache-ops.ts.
import {
  CacheClusterNotFoundFault,
  InvalidCacheClusterStateFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidReplicationGroupStateFault,
  NodeGroupNotFoundFault,
  ReplicationGroupNotFoundFault,
  ServiceUpdateNotFoundFault,
  TestFailoverNotAvailableFault,
  type BatchApplyUpdateActionMessage,
  type CacheCluster,
  type CacheClusterMessage,
  type DescribeCacheClustersMessage,
  type DescribeEventsMessage,
  type DescribeReplicationGroupsMessage,
  type DescribeServiceUpdatesMessage,
  type DescribeUpdateActionsMessage,
  type EventsMessage,
  type ModifyReplicationGroupMessage,
  type ModifyReplicationGroupResult,
  type RebootCacheClusterMessage,
  type RebootCacheClusterResult,
  type ReplicationGroup,
  type ReplicationGroupMessage,
  type ServiceUpdatesMessage,
  type TestFailoverMessage,
  type TestFailoverResult,
  type UnprocessedUpdateAction,
  type ProcessedUpdateAction,
  type UpdateAction,
  type UpdateActionResultsMessage,
  type UpdateActionsMessage,
  type UpdateActionStatus,
} from '@aws-sdk/client-elasticache';
import { regionShortCode } from './arns.js';
import { command, paginate, type CommandSpec } from './command-spec.js';
import { clusterModeEnabled, clusterModeModifyRefusal, findNodeGroup, nodeGroupsOf, renderNodeGroups } from './elasticache-node-groups.js';
import { opsOn } from './elasticache-ops.js';
import { crossEngineOutageMs, engineSwitchIsNoop, engineSwitchReadCommands, parameterGroupAfterModify } from './elasticache-engine-switch.js';
import { sdkError } from './sdk-errors.js';
import type { CacheClusterState, ReplicationGroupState, ServiceUpdateState } from './state.js';
import { compareEngineVersions, reportedEngineVersion } from './versions.js';
import type { WorldCore } from './world-core.js';

/** localeCompare's order, without building a collator on every comparison (a fleet's describe sorts hundreds). */
const byId = new Intl.Collator().compare;

const CACHE_NODE_ID = '0001';
const EVENT_RETENTION_MS = 14 * 86_400_000;
const NODE_TYPE = /^cache\.[a-z0-9-]+\.[a-z0-9]+$/;

interface GroupView {
  rg: ReplicationGroupState;
  clusters: Record<string, CacheClusterState>;
}

// ---------------------------------------------------------------- lookups

function findGroup(core: WorldCore, id: string | undefined): ReplicationGroupState {
  const groups = core.state.elasticache.replicationGroups;
  const rg = id !== undefined && Object.hasOwn(groups, id) ? groups[id] : undefined;
  if (!rg) throw sdkError(ReplicationGroupNotFoundFault, `Replication group ${String(id)} not found.`);
  return rg;
}

function findCluster(core: WorldCore, id: string | undefined): CacheClusterState {
  const clusters = core.state.elasticache.cacheClusters;
  const cluster = id !== undefined && Object.hasOwn(clusters, id) ? clusters[id] : undefined;
  if (!cluster) throw sdkError(CacheClusterNotFoundFault, `CacheCluster not found: ${String(id)}`);
  return cluster;
}

/** The group as a reader sees it: the pre-mutation view while stale reads are in effect. */
function view(core: WorldCore, rg: ReplicationGroupState): GroupView {
  const stale = core.staleValue<GroupView>(`rg:${rg.id}`);
  if (stale) return stale;
  const clusters: Record<string, CacheClusterState> = {};
  for (const id of rg.members) {
    const cluster = core.state.elasticache.cacheClusters[id];
    if (cluster) clusters[id] = cluster;
  }
  return { rg, clusters };
}

function rememberGroup(core: WorldCore, rg: ReplicationGroupState): void {
  const { clusters } = view(core, rg);
  core.rememberStale('elasticache', `rg:${rg.id}`, () => structuredClone({ rg, clusters }));
}

function busy(core: WorldCore, rg: ReplicationGroupState): boolean {
  return opsOn(core.state.elasticache, rg.id).length > 0;
}

// ---------------------------------------------------------------- rendering

/** AWS shape: `<name>.<hash>.<ng.0001 | 0001>.<euw1>.cache.amazonaws.com` (no suffix: a configuration endpoint). */
function endpoint(core: WorldCore, rg: ReplicationGroupState, name: string, suffix: string | null): { Address: string; Port: number } {
  return {
    Address: `${name}.${rg.endpointHash}.${suffix === null ? '' : `${suffix}.`}${regionShortCode(core.state.region)}.cache.amazonaws.com`,
    Port: rg.port,
  };
}

function renderGroup(core: WorldCore, { rg, clusters }: GroupView): ReplicationGroup {
  return {
    ReplicationGroupId: rg.id,
    Description: rg.description,
    Status: rg.status,
    PendingModifiedValues: rg.pendingPrimaryClusterId ? { PrimaryClusterId: rg.pendingPrimaryClusterId } : {},
    MemberClusters: [...rg.members],
    ...renderNodeGroups(rg, clusters, (name, suffix) => endpoint(core, rg, name, suffix)),
    AutomaticFailover: rg.automaticFailover,
    MultiAZ: rg.multiAZ,
    SnapshotRetentionLimit: 0,
    SnapshotWindow: '03:00-04:00',
    CacheNodeType: rg.cacheNodeType,
    AuthTokenEnabled: false,
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: false,
    ARN: rg.arn,
    ReplicationGroupCreateTime: new Date(rg.createdAt),
    DataTiering: 'disabled',
    AutoMinorVersionUpgrade: true,
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    Engine: rg.engine,
  };
}

/**
 * AWS: PendingModifiedValues holds settings "applied to the cluster in the future, or that are currently
 * being applied", so a modify in progress shows the version and node type it is applying.
 */
function beingApplied(core: WorldCore, rg: ReplicationGroupState): { EngineVersion?: string; CacheNodeType?: string } {
  const op = core.state.elasticache.ops.find((o) => o.kind === 'modify' && o.replicationGroupId === rg.id);
  if (op?.kind !== 'modify') return {};
  return {
    ...(op.changes.engineVersion !== undefined ? { EngineVersion: op.changes.engineVersion } : {}),
    ...(op.changes.cacheNodeType !== undefined ? { CacheNodeType: op.changes.cacheNodeType } : {}),
  };
}

function renderCluster(core: WorldCore, cluster: CacheClusterState, rg: ReplicationGroupState, showNodes: boolean): CacheCluster {
  const rendered: CacheCluster = {
    CacheClusterId: cluster.id,
    CacheNodeType: cluster.cacheNodeType,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    CacheClusterStatus: cluster.status,
    NumCacheNodes: 1,
    PreferredAvailabilityZone: cluster.az,
    CacheClusterCreateTime: new Date(cluster.createdAt),
    PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
    PendingModifiedValues: { ...cluster.pending, ...beingApplied(core, rg) },
    CacheSecurityGroups: [],
    CacheParameterGroup: {
      CacheParameterGroupName: cluster.parameterGroup.name,
      ParameterApplyStatus: cluster.parameterGroup.applyStatus,
      CacheNodeIdsToReboot: [],
    },
    CacheSubnetGroupName: 'default',
    AutoMinorVersionUpgrade: true,
    SecurityGroups: [{ SecurityGroupId: `sg-${rg.endpointHash}`, Status: 'active' }],
    ReplicationGroupId: cluster.replicationGroupId,
    SnapshotRetentionLimit: 0,
    SnapshotWindow: '03:00-04:00',
    AuthTokenEnabled: false,
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: false,
    ARN: cluster.arn,
    ReplicationGroupLogDeliveryEnabled: false,
    LogDeliveryConfigurations: [],
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
  };
  if (showNodes) {
    rendered.CacheNodes = [
      {
        CacheNodeId: CACHE_NODE_ID,
        CacheNodeStatus: cluster.nodeStatus,
        CacheNodeCreateTime: new Date(cluster.createdAt),
        Endpoint: endpoint(core, rg, cluster.id, CACHE_NODE_ID),
        ParameterGroupStatus: cluster.parameterGroup.applyStatus,
        CustomerAvailabilityZone: cluster.az,
      },
    ];
  }
  return rendered;
}

function maxRecords(value: number | undefined): number {
  if (value === undefined) return 100;
  if (!Number.isInteger(value) || value < 20 || value > 100) {
    throw sdkError(InvalidParameterValueException, 'MaxRecords must be between 20 and 100');
  }
  return value;
}

const invalidMarker = (): Error => sdkError(InvalidParameterValueException, 'Invalid marker');

// ---------------------------------------------------------------- describes

function describeReplicationGroups(core: WorldCore, input: DescribeReplicationGroupsMessage): ReplicationGroupMessage {
  const groups = input.ReplicationGroupId
    ? [findGroup(core, input.ReplicationGroupId)]
    : Object.values(core.state.elasticache.replicationGroups).sort((a, b) => byId(a.id, b.id));
  const page = paginate(groups, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return { ReplicationGroups: page.items.map((rg) => renderGroup(core, view(core, rg))), Marker: page.next };
}

function describeCacheClusters(core: WorldCore, input: DescribeCacheClustersMessage): CacheClusterMessage {
  const cache = core.state.elasticache;
  const clusters = input.CacheClusterId
    ? [findCluster(core, input.CacheClusterId)]
    : Object.values(cache.cacheClusters).sort((a, b) => byId(a.id, b.id));
  const page = paginate(clusters, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return {
    CacheClusters: page.items.map((cluster) => {
      const rg = findGroup(core, cluster.replicationGroupId);
      const seen = view(core, rg).clusters[cluster.id] ?? cluster;
      return renderCluster(core, seen, rg, input.ShowCacheNodeInfo === true);
    }),
    Marker: page.next,
  };
}

function describeEvents(core: WorldCore, input: DescribeEventsMessage): EventsMessage {
  const now = core.now();
  const end = input.EndTime ? input.EndTime.getTime() : now;
  let start: number;
  if (input.StartTime) start = input.StartTime.getTime();
  else start = end - (input.Duration ?? 60) * 60_000;
  start = Math.max(start, now - EVENT_RETENTION_MS);
  const events = core.state.elasticache.events
    .filter(
      (e) =>
        e.at >= start &&
        e.at <= end &&
        (input.SourceType === undefined || e.sourceType === input.SourceType) &&
        (input.SourceIdentifier === undefined || e.sourceId === input.SourceIdentifier),
    )
    .sort((a, b) => b.at - a.at || b.seq - a.seq);
  const page = paginate(events, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return {
    Events: page.items.map((e) => ({
      SourceIdentifier: e.sourceId,
      SourceType: e.sourceType,
      Message: e.message,
      Date: new Date(e.at),
    })),
    Marker: page.next,
  };
}

// ---------------------------------------------------------------- operations

function testFailover(core: WorldCore, input: TestFailoverMessage): TestFailoverResult {
  const rg = findGroup(core, input.ReplicationGroupId);
  const cache = core.state.elasticache;
  const settings = core.state.settings.elasticache;
  const now = core.now();
  const nodeGroup = findNodeGroup(rg, input.NodeGroupId);
  if (!nodeGroup) {
    throw sdkError(NodeGroupNotFoundFault, `Node group ${String(input.NodeGroupId)} not found in replication group ${rg.id}`);
  }
  if (rg.status !== 'available') {
    throw sdkError(InvalidReplicationGroupStateFault, `Replication group ${rg.id} is not in available state (${rg.status})`);
  }
  // Also between the shards of a cluster mode enabled group: "the first node replacement must complete
  // before a subsequent call can be made" (TestFailover API reference); the error code is not documented.
  if (busy(core, rg)) {
    throw sdkError(InvalidReplicationGroupStateFault, `Another operation is in progress on replication group ${rg.id}`);
  }
  if (rg.automaticFailover !== 'enabled') {
    throw sdkError(InvalidReplicationGroupStateFault, `Automatic failover is not enabled on replication group ${rg.id}`);
  }
  const limit = settings.testFailoverLimit;
  const recent = cache.testFailovers.filter(
    (f) => f.at > now - limit.windowMs && (limit.scope === 'account' || f.replicationGroupId === rg.id),
  );
  if (recent.length >= limit.count) {
    throw sdkError(
      TestFailoverNotAvailableFault,
      `TestFailover has been called on ${recent.length} node groups in the last 24 hours; the limit is ${limit.count}`,
    );
  }
  const replica = nodeGroup.members.find((id) => id !== nodeGroup.primaryClusterId && cache.cacheClusters[id]?.status === 'available');
  if (!replica) throw sdkError(InvalidCacheClusterStateFault, `No available replica in node group ${nodeGroup.id} of replication group ${rg.id}`);
  rememberGroup(core, rg);
  cache.testFailovers = [...recent, { at: now, replicationGroupId: rg.id }];
  core.cacheEvent('replication-group', rg.id, `Test Failover API called for node group ${nodeGroup.id}`);
  // failoverNoop: accepted, but nothing moves and no completion event follows.
  if (!core.failoverIsNoop(rg.id, nodeGroup.id)) {
    cache.ops.push({
      kind: 'failover',
      id: core.randomHex(8),
      replicationGroupId: rg.id,
      nodeGroupId: nodeGroup.id,
      phase: 'switching',
      nextAt: now + settings.failoverMs,
      from: nodeGroup.primaryClusterId,
      to: replica,
    });
  }
  return { ReplicationGroup: renderGroup(core, view(core, rg)) };
}

interface RequestedChanges {
  engine?: string;
  engineVersion?: string;
  cacheNodeType?: string;
  parameterGroup?: string;
}

function requestedChanges(core: WorldCore, rg: ReplicationGroupState, input: ModifyReplicationGroupMessage): RequestedChanges {
  const primary = core.state.elasticache.cacheClusters[rg.primaryClusterId];
  const currentVersion = primary?.engineVersion ?? '';
  const changes: RequestedChanges = {};
  if (input.Engine !== undefined) {
    if (input.Engine !== 'redis' && input.Engine !== 'valkey') {
      throw sdkError(InvalidParameterValueException, `Invalid engine: ${input.Engine}`);
    }
    if (input.Engine !== rg.engine) {
      if (input.EngineVersion === undefined) {
        throw sdkError(InvalidParameterCombinationException, 'EngineVersion is required when changing Engine');
      }
      changes.engine = input.Engine;
    }
  }
  if (input.EngineVersion !== undefined) {
    const engine = changes.engine ?? rg.engine;
    const versions = core.state.settings.elasticache.engineVersions[engine] ?? [];
    if (typeof input.EngineVersion !== 'string' || !versions.includes(input.EngineVersion)) {
      throw sdkError(
        InvalidParameterValueException,
        `Invalid engine version ${String(input.EngineVersion)} for engine ${engine}; valid versions: ${versions.join(', ')}`,
      );
    }
    // Members report the patch level ("7.1" runs as "7.1.0"): asking for the minor version already
    // running changes nothing, and a downgrade is judged on what would be reported.
    const reported = reportedEngineVersion(engine, input.EngineVersion);
    if (!changes.engine && compareEngineVersions(reported, currentVersion) < 0) {
      throw sdkError(
        InvalidParameterCombinationException,
        `Cannot downgrade engine version from ${currentVersion} to ${input.EngineVersion}`,
      );
    }
    if (changes.engine || reported !== currentVersion) changes.engineVersion = input.EngineVersion;
  }
  if (input.CacheNodeType !== undefined) {
    if (!NODE_TYPE.test(input.CacheNodeType)) {
      throw sdkError(InvalidParameterValueException, `Invalid cache node type: ${input.CacheNodeType}`);
    }
    if (input.CacheNodeType !== rg.cacheNodeType) changes.cacheNodeType = input.CacheNodeType;
  }
  // The group must fit the engine and version the members run afterwards (elasticache-engine-switch.ts).
  const currentGroup = primary?.parameterGroup.name ?? '';
  const afterGroup = parameterGroupAfterModify(
    core,
    rg,
    currentGroup,
    { engine: changes.engine ?? rg.engine, version: input.EngineVersion ?? currentVersion, engineChanges: changes.engine !== undefined },
    input.CacheParameterGroupName,
  );
  if (afterGroup !== currentGroup) changes.parameterGroup = afterGroup;
  return changes;
}

/** The state is JSON: keep only the keys that carry a value. */
function definedChanges(changes: RequestedChanges): RequestedChanges {
  const clean: RequestedChanges = {};
  if (changes.engine !== undefined) clean.engine = changes.engine;
  if (changes.engineVersion !== undefined) clean.engineVersion = changes.engineVersion;
  if (changes.cacheNodeType !== undefined) clean.cacheNodeType = changes.cacheNodeType;
  if (changes.parameterGroup !== undefined) clean.parameterGroup = changes.parameterGroup;
  return clean;
}

function modifyReplicationGroup(core: WorldCore, input: ModifyReplicationGroupMessage): ModifyReplicationGroupResult {
  const rg = findGroup(core, input.ReplicationGroupId);
  const cache = core.state.elasticache;
  const settings = core.state.settings.elasticache;
  const now = core.now();
  if (rg.status !== 'available' || busy(core, rg)) {
    throw sdkError(InvalidReplicationGroupStateFault, `Replication group ${rg.id} is not in available state (${rg.status})`);
  }
  const refusal = clusterModeModifyRefusal(rg, input);
  if (refusal) throw refusal;
  const changes = requestedChanges(core, rg, input);
  let promoteTo: string | null = null;
  if (input.PrimaryClusterId !== undefined) {
    if (!rg.members.includes(input.PrimaryClusterId)) {
      throw sdkError(InvalidParameterValueException, `Cache cluster ${input.PrimaryClusterId} is not a member of ${rg.id}`);
    }
    // "You can't promote a read replica to primary while Multi-AZ with Automatic Failover is enabled on
    // the replication group": disable Multi-AZ, promote, re-enable, as separate modifications
    // (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Replication.PromoteReplica.html). Refused
    // while either flag is on, or the same request turns one on. The error code and message are not
    // documented (unconfirmed): InvalidParameterCombination, ModifyReplicationGroup's fault for
    // settings that cannot go together.
    const enabling = input.AutomaticFailoverEnabled === true || input.MultiAZEnabled === true;
    if (rg.automaticFailover !== 'disabled' || rg.multiAZ !== 'disabled' || enabling) {
      throw sdkError(
        InvalidParameterCombinationException,
        `Cannot promote a read replica to primary while Multi-AZ with automatic failover is enabled on replication group ${rg.id}.`,
      );
    }
    if (input.PrimaryClusterId !== rg.primaryClusterId) promoteTo = input.PrimaryClusterId;
  }
  const flags =
    (input.AutomaticFailoverEnabled !== undefined &&
      (input.AutomaticFailoverEnabled ? 'enabled' : 'disabled') !== rg.automaticFailover) ||
    (input.MultiAZEnabled !== undefined && (input.MultiAZEnabled ? 'enabled' : 'disabled') !== rg.multiAZ);
  const pendingExists =
    rg.pendingPrimaryClusterId !== null ||
    rg.members.some((id) => {
      const cluster = cache.cacheClusters[id];
      return cluster !== undefined && (Object.keys(cluster.pending).length > 0 || cluster.parameterGroup.applyStatus === 'pending-reboot');
    });
  const appliesPending = input.ApplyImmediately === true && pendingExists;
  if (Object.keys(changes).length === 0 && promoteTo === null && !flags && !appliesPending) {
    // (unconfirmed) AWS answers a request that changes nothing with this error.
    throw sdkError(InvalidParameterCombinationException, 'No modifications were requested.');
  }
  rememberGroup(core, rg);
  if (input.AutomaticFailoverEnabled !== undefined) rg.automaticFailover = input.AutomaticFailoverEnabled ? 'enabled' : 'disabled';
  if (input.MultiAZEnabled !== undefined) rg.multiAZ = input.MultiAZEnabled ? 'enabled' : 'disabled';
  const members = rg.members.map((id) => cache.cacheClusters[id]).filter((c): c is CacheClusterState => c !== undefined);

  // ApplyImmediately defaults to false: the change waits for the maintenance window, which
  // never comes in the sandbox.
  if (input.ApplyImmediately !== true) {
    for (const cluster of members) {
      if (changes.engineVersion) cluster.pending.EngineVersion = changes.engineVersion;
      if (changes.cacheNodeType) cluster.pending.CacheNodeType = changes.cacheNodeType;
      if (changes.parameterGroup) cluster.parameterGroup = { name: changes.parameterGroup, applyStatus: 'pending-reboot' };
    }
    if (promoteTo !== null) rg.pendingPrimaryClusterId = promoteTo;
    return { ReplicationGroup: renderGroup(core, view(core, rg)) };
  }

  // ApplyImmediately also applies whatever was pending.
  for (const cluster of members) {
    changes.engineVersion ??= cluster.pending.EngineVersion;
    changes.cacheNodeType ??= cluster.pending.CacheNodeType;
    cluster.pending = {};
    if (cluster.parameterGroup.applyStatus === 'pending-reboot') changes.parameterGroup ??= cluster.parameterGroup.name;
  }
  if (promoteTo === null && rg.pendingPrimaryClusterId !== null && rg.pendingPrimaryClusterId !== rg.primaryClusterId) {
    promoteTo = rg.pendingPrimaryClusterId;
  }
  rg.pendingPrimaryClusterId = null;
  const noop = core.failoverIsNoop(rg.id);
  const hasModify = Object.values(changes).some((v) => v !== undefined);
  if (hasModify) {
    const disruptive = changes.engine !== undefined || changes.engineVersion !== undefined || changes.cacheNodeType !== undefined;
    const ends = now + settings.modifyMs;
    // An engine switch: no downtime from Redis OSS 5.0.6 on, a failover near its end from older versions.
    const crossEngineOutage = changes.engine !== undefined ? crossEngineOutageMs(cache.cacheClusters[rg.primaryClusterId]?.engineVersion ?? '') : undefined;
    const outage =
      crossEngineOutage !== undefined
        ? crossEngineOutage > 0
          ? { outageFrom: ends - crossEngineOutage, outageUntil: ends }
          : { outageUntil: now }
        : { outageUntil: disruptive ? now + (settings.modifyOutageMs ?? settings.modifyMs) : now };
    rg.status = 'modifying';
    for (const cluster of members) {
      cluster.status = 'modifying';
      if (changes.parameterGroup) cluster.parameterGroup = { name: cluster.parameterGroup.name, applyStatus: 'applying' };
    }
    cache.ops.push({
      kind: 'modify',
      id: core.randomHex(8),
      replicationGroupId: rg.id,
      nextAt: ends,
      ...outage,
      // engineSwitchNoop: the switch runs its course, and changes neither engine, version nor parameter group.
      changes: changes.engine !== undefined && engineSwitchIsNoop(core, rg.id) ? {} : definedChanges(changes),
      // One operation at a time per group: a requested promotion happens when the modify ends.
      promoteTo: promoteTo !== null && !noop ? promoteTo : null,
    });
    // An engine switch writes these too: AWS's list of ElastiCache events names none of its own
    // (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ElastiCacheSNS.html); the wording is the sandbox's.
    core.cacheEvent('replication-group', rg.id, `Modification of replication group ${rg.id} started`);
  }
  if (promoteTo !== null && !hasModify) {
    rg.status = 'modifying';
    cache.ops.push({
      kind: 'promote',
      id: core.randomHex(8),
      replicationGroupId: rg.id,
      nextAt: now + settings.promoteMs,
      to: noop ? null : promoteTo,
    });
  }
  // The group as it is when the call returns: a switch still shows its old Engine. AWS's API reference does
  // not say (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html);
  // users report the stale engine (github.com/aws-controllers-k8s/elasticache-controller/pull/188).
  return { ReplicationGroup: renderGroup(core, view(core, rg)) };
}

function rebootCacheCluster(core: WorldCore, input: RebootCacheClusterMessage): RebootCacheClusterResult {
  const cluster = findCluster(core, input.CacheClusterId);
  const rg = findGroup(core, cluster.replicationGroupId);
  // "Rebooting is not supported on Valkey or Redis OSS (cluster mode enabled) clusters"
  // (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_RebootCacheCluster.html). The error
  // code is not documented: InvalidCacheClusterState, one the operation declares (unconfirmed).
  if (clusterModeEnabled(rg)) {
    throw sdkError(InvalidCacheClusterStateFault, `Rebooting is not supported on cluster mode enabled clusters: ${cluster.id} belongs to ${rg.id}, which has cluster mode enabled.`);
  }
  const nodes = input.CacheNodeIdsToReboot ?? [];
  if (nodes.length === 0 || nodes.some((n) => n !== CACHE_NODE_ID)) {
    throw sdkError(InvalidParameterValueException, `Invalid cache node ids: ${nodes.join(', ')}`);
  }
  if (cluster.status !== 'available') {
    throw sdkError(InvalidCacheClusterStateFault, `Cache cluster ${cluster.id} is not in available state (${cluster.status})`);
  }
  rememberGroup(core, rg);
  cluster.status = 'rebooting cluster nodes';
  cluster.nodeStatus = 'rebooting';
  core.state.elasticache.ops.push({
    kind: 'reboot',
    id: core.randomHex(8),
    replicationGroupId: rg.id,
    cacheClusterId: cluster.id,
    nextAt: core.now() + core.state.settings.elasticache.rebootMs,
    wasPrimary: rg.primaryClusterId === cluster.id,
  });
  return { CacheCluster: renderCluster(core, cluster, rg, false) };
}

// ---------------------------------------------------------------- service updates

function applicableGroups(core: WorldCore, update: ServiceUpdateState): ReplicationGroupState[] {
  return Object.values(core.state.elasticache.replicationGroups)
    .filter((rg) => rg.engine === update.engine && (update.replicationGroups === null || update.replicationGroups.includes(rg.id)))
    .sort((a, b) => byId(a.id, b.id));
}

/**
 * An unknown name is a ServiceUpdateNotFoundFault (HTTP 404), "The service update doesn't exist", for the
 * operations that declare it: BatchApplyUpdateAction
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_BatchApplyUpdateAction.html)
 * and DescribeServiceUpdates
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeServiceUpdates.html);
 * BatchStopUpdateAction declares it too, but is not modelled. DescribeUpdateActions does not declare it:
 * it answers an empty list. The message is the sandbox's own.
 */
function findServiceUpdate(core: WorldCore, name: string): ServiceUpdateState {
  const update = core.state.elasticache.serviceUpdates.find((u) => u.name === name);
  if (!update) throw sdkError(ServiceUpdateNotFoundFault, `Service update ${name} not found.`);
  return update;
}

function actionStatus(core: WorldCore, update: string, rgId: string): UpdateActionStatus {
  return core.state.elasticache.updateActions[`${update}|${rgId}`]?.status ?? 'not-applied';
}

function batchApplyUpdateAction(core: WorldCore, input: BatchApplyUpdateActionMessage): UpdateActionResultsMessage {
  const cache = core.state.elasticache;
  const ids = input.ReplicationGroupIds ?? [];
  const clusterIds = input.CacheClusterIds ?? [];
  if (ids.length + clusterIds.length === 0) {
    throw sdkError(InvalidParameterValueException, 'Specify ReplicationGroupIds or CacheClusterIds');
  }
  if (ids.length > 20) throw sdkError(InvalidParameterValueException, 'At most 20 replication groups can be specified per call');
  const name = input.ServiceUpdateName ?? '';
  const update = findServiceUpdate(core, name);
  const processed: ProcessedUpdateAction[] = [];
  const unprocessed: UnprocessedUpdateAction[] = [];
  const refuse = (id: string, ErrorType: string, ErrorMessage: string): void => {
    unprocessed.push({ ReplicationGroupId: id, ServiceUpdateName: name, ErrorType, ErrorMessage });
  };
  for (const id of clusterIds) {
    unprocessed.push({
      CacheClusterId: id,
      ServiceUpdateName: name,
      ErrorType: 'InvalidParameterValue',
      ErrorMessage: 'Cache cluster ids are for clusters outside replication groups; use ReplicationGroupIds',
    });
  }
  for (const id of ids) {
    const rg = Object.hasOwn(cache.replicationGroups, id) ? cache.replicationGroups[id] : undefined;
    if (!rg) {
      refuse(id, 'ReplicationGroupNotFoundFault', `Replication group ${id} not found`);
      continue;
    }
    if (!applicableGroups(core, update).includes(rg)) {
      refuse(id, 'InvalidParameterValue', `Service update ${name} is not applicable to ${id}`);
      continue;
    }
    const status = actionStatus(core, name, id);
    if (status === 'waiting-to-start' || status === 'in-progress') {
      processed.push({ ReplicationGroupId: id, ServiceUpdateName: name, UpdateActionStatus: status });
      continue;
    }
    if (status === 'complete') {
      refuse(id, 'InvalidParameterValue', `Service update ${name} is already complete on ${id}`);
      continue;
    }
    if (rg.status !== 'available' || busy(core, rg)) {
      refuse(id, 'InvalidReplicationGroupStateFault', `Replication group ${id} is not in available state (${rg.status})`);
      continue;
    }
    const now = core.now();
    rememberGroup(core, rg);
    cache.updateActions[`${name}|${id}`] = { status: 'waiting-to-start', modifiedAt: now, nodesUpdated: 0 };
    cache.ops.push({
      kind: 'serviceUpdate',
      id: core.randomHex(8),
      replicationGroupId: id,
      serviceUpdateName: name,
      phase: 'waiting',
      nextAt: now + core.state.settings.elasticache.serviceUpdateStartMs,
    });
    processed.push({ ReplicationGroupId: id, ServiceUpdateName: name, UpdateActionStatus: 'waiting-to-start' });
  }
  return { ProcessedUpdateActions: processed, UnprocessedUpdateActions: unprocessed };
}

function describeUpdateActions(core: WorldCore, input: DescribeUpdateActionsMessage): UpdateActionsMessage {
  const cache = core.state.elasticache;
  const actions: UpdateAction[] = [];
  for (const update of cache.serviceUpdates) {
    if (input.ServiceUpdateName !== undefined && update.name !== input.ServiceUpdateName) continue;
    if (input.Engine !== undefined && update.engine !== input.Engine) continue;
    for (const rg of applicableGroups(core, update)) {
      if (input.ReplicationGroupIds?.length && !input.ReplicationGroupIds.includes(rg.id)) continue;
      const state = cache.updateActions[`${update.name}|${rg.id}`];
      const status = actionStatus(core, update.name, rg.id);
      if (input.UpdateActionStatus?.length && !input.UpdateActionStatus.includes(status)) continue;
      const action: UpdateAction = {
        ReplicationGroupId: rg.id,
        ServiceUpdateName: update.name,
        ServiceUpdateReleaseDate: new Date(update.releaseDate),
        ServiceUpdateSeverity: update.severity,
        ServiceUpdateStatus: 'available',
        ...serviceUpdateType(update),
        UpdateActionAvailableDate: new Date(update.releaseDate),
        UpdateActionStatus: status,
        NodesUpdated: `${state?.nodesUpdated ?? 0}/${rg.members.length}`,
        UpdateActionStatusModifiedDate: new Date(state?.modifiedAt ?? update.releaseDate),
        SlaMet: 'n/a',
        EstimatedUpdateTime: `${Math.round(core.state.settings.elasticache.serviceUpdateMs / 60_000)} minutes`,
        Engine: update.engine,
      };
      if (input.ShowNodeLevelUpdateStatus) {
        const nodeStatus = status === 'complete' ? 'complete' : status === 'in-progress' ? 'in-progress' : 'not-applied';
        action.NodeGroupUpdateStatus = nodeGroupsOf(rg).map((g) => ({
          NodeGroupId: g.id,
          NodeGroupMemberUpdateStatus: g.members.map((id) => ({
            CacheClusterId: id,
            CacheNodeId: CACHE_NODE_ID,
            NodeUpdateStatus: nodeStatus,
          })),
        }));
      }
      actions.push(action);
    }
  }
  const page = paginate(actions, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return { UpdateActions: page.items, Marker: page.next };
}

/**
 * The user guide names three types (security-update, engine-update, engine-major-version-update:
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Self-Service-Updates.html) while the SDK's model
 * of ServiceUpdateType declares security-update only: the other two are left out of the answer rather than
 * given a value the SDK's model does not know.
 */
function serviceUpdateType(update: ServiceUpdateState): { ServiceUpdateType?: 'security-update' } {
  return update.type === 'security-update' ? { ServiceUpdateType: update.type } : {};
}

function describeServiceUpdates(core: WorldCore, input: DescribeServiceUpdatesMessage): ServiceUpdatesMessage {
  const updates =
    input.ServiceUpdateName === undefined ? core.state.elasticache.serviceUpdates : [findServiceUpdate(core, input.ServiceUpdateName)];
  const page = paginate(updates, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return {
    ServiceUpdates: page.items.map((u) => ({
      ServiceUpdateName: u.name,
      ServiceUpdateReleaseDate: new Date(u.releaseDate),
      ServiceUpdateSeverity: u.severity,
      ServiceUpdateStatus: 'available',
      ...serviceUpdateType(u),
      Engine: u.engine,
      AutoUpdateAfterRecommendedApplyByDate: false,
    })),
    Marker: page.next,
  };
}

export const elasticacheCommands: Record<string, CommandSpec> = {
  DescribeReplicationGroups: command(false, describeReplicationGroups),
  DescribeCacheClusters: command(false, describeCacheClusters),
  DescribeEvents: command(false, describeEvents),
  DescribeUpdateActions: command(false, describeUpdateActions),
  DescribeServiceUpdates: command(false, describeServiceUpdates),
  TestFailover: command(true, testFailover, (i: TestFailoverMessage) => i.ReplicationGroupId ?? ''),
  ModifyReplicationGroup: command(true, modifyReplicationGroup, (i: ModifyReplicationGroupMessage) => i.ReplicationGroupId ?? ''),
  RebootCacheCluster: command(true, rebootCacheCluster, (i: RebootCacheClusterMessage) => i.CacheClusterId ?? ''),
  BatchApplyUpdateAction: command(true, batchApplyUpdateAction, (i: BatchApplyUpdateActionMessage) =>
    (i.ReplicationGroupIds ?? []).join(','),
  ),
  ...engineSwitchReadCommands,
};
