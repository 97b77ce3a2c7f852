// What the service models need from the world: state, clock, randomness and bookkeeping
// hooks. The world implements it; models stay free of the world's stepping logic.
import type { ClusterInfo, TargetGroupState, WorldState } from './state.js';
import type { GroupSummary } from './target-health.js';

export interface WorldCore {
  readonly state: WorldState;
  now(): number;
  random(): number;
  /** Random lowercase hex from the world's seeded generator. */
  randomHex(length: number): string;
  targetGroup(arn: string): TargetGroupState | undefined;
  /** Health summary of a group now (cached until its next transition). */
  groupSummary(arn: string): GroupSummary;
  /** A target group's targets, conditions or usedness changed: drop cached summaries. */
  invalidateGroup(arn: string): void;
  /** Listener or rule actions changed: recompute usedness, stickiness history and routing. */
  routingChanged(): void;
  /** Requests in flight on a target that is cut off now (drain delay shorter than a request). */
  recordDrainCut(targetGroupArn: string, delayMs: number): void;
  clusterOfTargetGroup(arn: string): ClusterInfo | undefined;
  clusterOfReplicationGroup(id: string): ClusterInfo | undefined;
  /** Keep the pre-mutation view of a resource while stale reads are in effect for the service. */
  rememberStale(service: 'elbv2' | 'elasticache', key: string, value: () => unknown): void;
  staleValue<T>(key: string): T | undefined;
  cacheEvent(sourceType: 'replication-group' | 'cache-cluster', sourceId: string, message: string): void;
  /** A failoverNoop event holds for the group, or for this node group of it (default 0001: a promotion's). */
  failoverIsNoop(replicationGroupId: string, nodeGroupId?: string): boolean;
}
