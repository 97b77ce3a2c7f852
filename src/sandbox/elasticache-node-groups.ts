// ElastiCache node groups (shards). A cluster mode disabled group has one node group, 0001; a cluster mode
// enabled group has "1 to 90 node groups numbered 0001 to 0090", each with one read/write primary and
// read-only replicas, and a share of the keyspace in `Slots`
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_NodeGroup.html).
import {
  InvalidParameterCombinationException,
  type ModifyReplicationGroupMessage,
  type NodeGroup,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { sdkError } from './sdk-errors.js';
import type { CacheClusterState, NodeGroupState, ReplicationGroupState } from './state.js';

export const FIRST_NODE_GROUP = '0001';
const HASH_SLOTS = 16_384;
const CACHE_NODE_ID = '0001';

type Endpoint = { Address: string; Port: number };
/** The model's endpoint naming: `<name>.<hash>[.<suffix>].<region>.cache.amazonaws.com`. */
type EndpointOf = (name: string, suffix: string | null) => Endpoint;

export function clusterModeEnabled(rg: ReplicationGroupState): boolean {
  return rg.nodeGroups !== undefined;
}

/** Every group's node groups: a cluster mode disabled group as its one node group 0001. */
export function nodeGroupsOf(rg: ReplicationGroupState): NodeGroupState[] {
  return rg.nodeGroups ?? [{ id: FIRST_NODE_GROUP, slots: `0-${HASH_SLOTS - 1}`, members: rg.members, primaryClusterId: rg.primaryClusterId }];
}

export function findNodeGroup(rg: ReplicationGroupState, id: string | undefined): NodeGroupState | undefined {
  return nodeGroupsOf(rg).find((g) => g.id === id);
}

export function isPrimaryMember(rg: ReplicationGroupState, cacheClusterId: string): boolean {
  return nodeGroupsOf(rg).some((g) => g.primaryClusterId === cacheClusterId);
}

/** Moves a node group's primary; node group 0001's is also the group's `primaryClusterId` (its engine version, ...). */
export function setNodeGroupPrimary(rg: ReplicationGroupState, nodeGroupId: string, to: string): void {
  const group = rg.nodeGroups?.find((g) => g.id === nodeGroupId);
  if (group) group.primaryClusterId = to;
  if (nodeGroupId === FIRST_NODE_GROUP) rg.primaryClusterId = to;
}

/**
 * The hash slots split evenly, lowest first ("0-5461", "5462-10922", "10923-16383" for three). AWS does not
 * document the split it makes by default (unconfirmed); the Valkey/Redis cluster has 16384 slots.
 */
export function slotRanges(count: number): string[] {
  const start = (i: number) => Math.ceil((i * HASH_SLOTS) / count);
  return Array.from({ length: count }, (_, i) => `${start(i)}-${start(i + 1) - 1}`);
}

/**
 * Member ids and node groups of a new group. Cluster mode disabled: `<id>-001`, `-002`, ... Enabled:
 * `<id>-<node group>-<nnn>`, as AWS's console and CLI examples name them (the naming is not specified:
 * unconfirmed); the first member of each node group starts as its primary.
 */
export function nodeGroupLayout(id: string, shards: number | undefined, replicas: number): { members: string[]; nodeGroups?: NodeGroupState[] } {
  const node = (prefix: string, i: number) => `${prefix}-${String(i + 1).padStart(3, '0')}`;
  if (shards === undefined) return { members: Array.from({ length: replicas + 1 }, (_, i) => node(id, i)) };
  const slots = slotRanges(shards);
  const nodeGroups = slots.map((range, s): NodeGroupState => {
    const groupId = String(s + 1).padStart(4, '0');
    const members = Array.from({ length: replicas + 1 }, (_, i) => node(`${id}-${groupId}`, i));
    return { id: groupId, slots: range, members, primaryClusterId: members[0]! };
  });
  return { members: nodeGroups.flatMap((g) => g.members), nodeGroups };
}

/**
 * The describe's node groups and cluster mode fields. Cluster mode disabled: one node group with a primary
 * and reader endpoint, members with their role and read endpoint. Enabled: a configuration endpoint, which
 * "knows" all the primary and node endpoints
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Replication.Endpoints.html); node groups with
 * their slots and members without `CurrentRole` or `ReadEndpoint`, which are "only applicable for Valkey or
 * Redis OSS (cluster mode disabled)" (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_NodeGroupMember.html).
 * The NodeGroup reference lists a PrimaryEndpoint without saying when it is absent; AWS users report none
 * for cluster mode enabled groups (hashicorp/terraform-provider-aws#1542), so none is given.
 */
export function renderNodeGroups(
  rg: ReplicationGroupState,
  clusters: Record<string, CacheClusterState>,
  endpointOf: EndpointOf,
): Pick<ReplicationGroup, 'NodeGroups' | 'ClusterEnabled' | 'ClusterMode' | 'ConfigurationEndpoint'> {
  const status = rg.status === 'modifying' ? 'modifying' : 'available';
  if (!rg.nodeGroups) {
    const suffix = `ng.${FIRST_NODE_GROUP}`;
    const group: NodeGroup = {
      NodeGroupId: FIRST_NODE_GROUP,
      Status: status,
      PrimaryEndpoint: endpointOf(rg.id, suffix),
      ReaderEndpoint: endpointOf(`${rg.id}-ro`, suffix),
      NodeGroupMembers: rg.members.map((id) => ({
        CacheClusterId: id,
        CacheNodeId: CACHE_NODE_ID,
        ReadEndpoint: endpointOf(id, CACHE_NODE_ID),
        PreferredAvailabilityZone: clusters[id]?.az,
        CurrentRole: id === rg.primaryClusterId ? 'primary' : 'replica',
      })),
    };
    return { NodeGroups: [group], ClusterEnabled: false, ClusterMode: 'disabled' };
  }
  return {
    NodeGroups: rg.nodeGroups.map((g) => ({
      NodeGroupId: g.id,
      Status: status,
      Slots: g.slots,
      NodeGroupMembers: g.members.map((id) => ({ CacheClusterId: id, CacheNodeId: CACHE_NODE_ID, PreferredAvailabilityZone: clusters[id]?.az })),
    })),
    ClusterEnabled: true,
    ClusterMode: 'enabled',
    // `clustercfg.<id>.<hash>.<region>.cache.amazonaws.com`, the shape of AWS's configuration endpoints.
    ConfigurationEndpoint: endpointOf(`clustercfg.${rg.id}`, null),
  };
}

/**
 * ModifyReplicationGroup requests a cluster mode enabled group cannot take. A promotion (PrimaryClusterId)
 * is "for replication groups with a single primary"
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html), and
 * automatic failover "must be enabled for Valkey or Redis OSS (cluster mode enabled) replication groups"
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html). The
 * error code and message are not documented: InvalidParameterCombination (unconfirmed).
 */
export function clusterModeModifyRefusal(rg: ReplicationGroupState, input: ModifyReplicationGroupMessage): Error | undefined {
  if (!clusterModeEnabled(rg)) return undefined;
  if (input.PrimaryClusterId !== undefined) {
    return sdkError(InvalidParameterCombinationException, `PrimaryClusterId applies to replication groups with a single primary; ${rg.id} has cluster mode enabled.`);
  }
  if (input.AutomaticFailoverEnabled === false) {
    return sdkError(InvalidParameterCombinationException, `Automatic failover cannot be disabled on ${rg.id}: it has cluster mode enabled.`);
  }
  return undefined;
}
