// Evidence about one node group (shard) of a cluster mode enabled group. AWS reports a member's role
// (CurrentRole) for cluster mode disabled groups only
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_NodeGroupMember.html), and names no
// primary endpoint per node group for them: what AWS does say is the failover's own events, "Failover from
// primary node <primary-node-id> to replica node <node-id> completed"
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_TestFailover.html). So a node group's
// primary after a failover is the node that event names, when it is a member of that node group; the
// Redis probe's CLUSTER SHARDS (src/probes/redis-cluster-probe.ts) is the data plane's word on it.
import type { CacheEvent, ReplicationGroupView } from '../ports/cache.js';

/** "Failover from primary node p to replica node r completed", and the older "Failover to replica node r completed". */
const NAMED_FAILOVER = /failover (?:from primary node (\S+) )?to replica node (\S+?)\.? complete(?:d)?\b/i;

export interface NodeGroupMove {
  from?: string;
  to: string;
  /** The completion events since the request that name a member of the node group, oldest first. */
  completions: CacheEvent[];
}

/** Where the node group's primary went since `requestedAt`, by the events naming its members; undefined before any. */
export function nodeGroupPrimaryFromEvents(
  view: ReplicationGroupView,
  events: readonly CacheEvent[],
  since: { nodeGroupId: string; requestedAt: number },
): NodeGroupMove | undefined {
  const members = new Set(view.nodeGroups.find((g) => g.nodeGroupId === since.nodeGroupId)?.memberIds ?? []);
  const completions: Array<{ event: CacheEvent; from?: string; to: string }> = [];
  for (const e of [...events].sort((a, b) => a.date - b.date)) {
    if (e.date < since.requestedAt) continue;
    const match = NAMED_FAILOVER.exec(e.message);
    const to = match?.[2];
    if (!to || !members.has(to)) continue;
    completions.push({ event: e, to, ...(match[1] ? { from: match[1] } : {}) });
  }
  const last = completions.at(-1);
  if (!last) return undefined;
  const first = completions[0]!;
  return { ...(first.from ? { from: first.from } : {}), to: last.to, completions: completions.map((c) => c.event) };
}

/**
 * PrimaryClusterId promotes a replica "for replication groups with a single primary"
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html).
 */
export function promotionRefusal(primaryClusterId: string, replicationGroupId: string): string {
  return `promotion of ${primaryClusterId} refused: ${replicationGroupId} has cluster mode enabled, and ModifyReplicationGroup PrimaryClusterId is for replication groups with a single primary; use method test-failover`;
}
