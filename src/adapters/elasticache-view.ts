// Maps DescribeReplicationGroups + DescribeCacheClusters to the port's view. The replication group
// does not carry an engine version: EngineVersion, parameter group and member status live on each
// CacheCluster, so the view is built from both.
import type { CacheCluster, ReplicationGroup } from '@aws-sdk/client-elasticache';
import type { CacheMember, ReplicationGroupView } from '../ports/cache.js';

export function toReplicationGroupView(rg: ReplicationGroup, clusters: readonly CacheCluster[]): ReplicationGroupView {
  const nodeGroups = rg.NodeGroups ?? [];
  const clusterMode = isClusterModeEnabled(rg) ? 'enabled' : 'disabled';
  const memberIds = memberClusterIds(rg);

  const members = memberIds.map((id): CacheMember => {
    const group = nodeGroups.find((g) => (g.NodeGroupMembers ?? []).some((m) => m.CacheClusterId === id));
    const nodeMember = group?.NodeGroupMembers?.find((m) => m.CacheClusterId === id);
    const cluster = clusters.find((c) => c.CacheClusterId === id);
    const role = nodeMember?.CurrentRole === 'primary' || nodeMember?.CurrentRole === 'replica' ? nodeMember.CurrentRole : 'unknown';
    const az = cluster?.PreferredAvailabilityZone ?? nodeMember?.PreferredAvailabilityZone;
    return {
      cacheClusterId: id,
      nodeGroupId: group?.NodeGroupId ?? '',
      role,
      status: cluster?.CacheClusterStatus ?? 'unknown',
      ...(cluster?.Engine !== undefined ? { engine: cluster.Engine } : {}),
      ...(cluster?.EngineVersion !== undefined ? { engineVersion: cluster.EngineVersion } : {}),
      ...(cluster?.CacheNodeType !== undefined ? { cacheNodeType: cluster.CacheNodeType } : {}),
      ...(cluster?.CacheParameterGroup?.CacheParameterGroupName !== undefined
        ? { cacheParameterGroupName: cluster.CacheParameterGroup.CacheParameterGroupName }
        : {}),
      ...(az ? { availabilityZone: az } : {}),
      pendingModifiedValues: prunePending(cluster?.PendingModifiedValues),
    };
  });

  const primaries: Record<string, string | undefined> = {};
  for (const group of nodeGroups) {
    const id = group.NodeGroupId ?? '';
    // Cluster mode enabled groups report no CurrentRole: the primary stays unknown rather than guessed.
    primaries[id] = group.NodeGroupMembers?.find((m) => m.CurrentRole === 'primary')?.CacheClusterId;
  }

  const groups = nodeGroups.map((g) => ({
    nodeGroupId: g.NodeGroupId ?? '',
    ...(g.Slots ? { slots: g.Slots } : {}),
    memberIds: (g.NodeGroupMembers ?? []).map((m) => m.CacheClusterId).filter((id): id is string => !!id),
  }));
  const endpoint = clusterMode === 'enabled' ? rg.ConfigurationEndpoint : nodeGroups[0]?.PrimaryEndpoint;
  const engine = rg.Engine ?? clusters.find((c) => c.Engine)?.Engine;
  return {
    replicationGroupId: rg.ReplicationGroupId ?? '',
    status: rg.Status ?? 'unknown',
    clusterMode,
    members,
    nodeGroups: groups,
    primaries,
    pendingModifiedValues: prunePending(rg.PendingModifiedValues),
    ...(engine ? { engine } : {}),
    engineVersions: unique(members.map((m) => m.engineVersion)),
    cacheNodeTypes: unique(members.map((m) => m.cacheNodeType).concat(members.length === 0 ? [rg.CacheNodeType] : [])),
    cacheParameterGroupNames: unique(members.map((m) => m.cacheParameterGroupName)),
    automaticFailover: rg.AutomaticFailover ?? 'unknown',
    ...(rg.MultiAZ ? { multiAZ: rg.MultiAZ } : {}),
    ...(endpoint?.Address && endpoint.Port !== undefined ? { primaryEndpoint: { address: endpoint.Address, port: endpoint.Port } } : {}),
    transitEncryption: rg.TransitEncryptionEnabled === true,
    authTokenEnabled: rg.AuthTokenEnabled === true,
  };
}

/** Member ids from MemberClusters, falling back to the node groups when AWS leaves it out. */
export function memberClusterIds(rg: ReplicationGroup): string[] {
  const fromList = rg.MemberClusters ?? [];
  if (fromList.length > 0) return [...fromList];
  const fromGroups = (rg.NodeGroups ?? []).flatMap((g) => (g.NodeGroupMembers ?? []).map((m) => m.CacheClusterId));
  return unique(fromGroups);
}

/** Conservative: anything that is, or may be, sharded counts as cluster mode enabled. */
export function isClusterModeEnabled(rg: ReplicationGroup): boolean {
  return (
    rg.ClusterEnabled === true ||
    rg.ClusterMode === 'enabled' ||
    rg.ClusterMode === 'compatible' ||
    (rg.NodeGroups?.length ?? 0) > 1
  );
}

/** Drops empty leaves so "nothing pending" is `{}` whatever shape AWS used to say so. */
export function prunePending(value: object | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value ?? {})) {
    const pruned = pruneValue(v);
    if (pruned !== undefined) out[key] = pruned;
  }
  return out;
}

function pruneValue(v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    const items = v.map(pruneValue).filter((x) => x !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (v instanceof Date) return v;
  if (typeof v === 'object') {
    const inner = prunePending(v);
    return Object.keys(inner).length > 0 ? inner : undefined;
  }
  return v;
}

function unique(values: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}
