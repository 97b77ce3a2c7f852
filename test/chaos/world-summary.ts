// What "the final state" of a run means for the campaign: per cluster, its weight, its registered
// targets, its cache (primary, versions, status, nothing pending), and how many times each cache
// operation was started. Two runs that end in equal summaries left AWS the same.
import type { SandboxWorld } from '../../src/sandbox/index.js';

export interface ClusterSummary {
  weight: number;
  targets: string[];
  cache?: { status: string; primary: string; versions: string[]; pending: boolean; memberStatus: string[] };
}

export interface WorldSummary {
  clusters: Record<string, ClusterSummary>;
  /** `command resource` → count, for cache operations that must never run twice. */
  cacheOperations: Record<string, number>;
  violations: string[];
  failedRequests: number;
  /** Per location, in a world of several: each placed cluster's weight there. */
  weightsByLocation?: Record<string, Record<string, number>>;
}

const ONCE_ONLY = new Set(['TestFailover', 'ModifyReplicationGroup', 'RebootCacheCluster', 'BatchApplyUpdateAction']);

export function summarizeWorld(world: SandboxWorld): WorldSummary {
  const state = world.state;
  const weights = world.weights();
  const clusters: Record<string, ClusterSummary> = {};
  for (const info of state.clusters) {
    const group = state.elbv2.targetGroups[info.targetGroupArn];
    const targets = (group?.targets ?? []).filter((t) => t.drainUntil === null).map((t) => `${t.id}:${t.port}`).sort();
    const summary: ClusterSummary = { weight: weights[info.name] ?? 0, targets };
    const rg = info.replicationGroupId ? state.elasticache.replicationGroups[info.replicationGroupId] : undefined;
    if (rg) {
      const members = rg.members.map((id) => state.elasticache.cacheClusters[id]!);
      summary.cache = {
        status: rg.status,
        primary: rg.primaryClusterId,
        versions: [...new Set(members.map((m) => m.engineVersion))].sort(),
        pending: rg.pendingPrimaryClusterId !== null || members.some((m) => Object.keys(m.pending).length > 0),
        memberStatus: [...new Set(members.map((m) => m.status))].sort(),
      };
    }
    clusters[info.name] = summary;
  }
  const cacheOperations: Record<string, number> = {};
  for (const m of state.audit.mutations) {
    if (m.caller !== 'quiesce' || !ONCE_ONLY.has(m.command)) continue;
    const key = `${m.command} ${m.resource}`;
    cacheOperations[key] = (cacheOperations[key] ?? 0) + 1;
  }
  return {
    clusters,
    cacheOperations,
    violations: state.audit.violations.map((v) => `${v.kind}: ${v.message}`),
    failedRequests: world.traffic.failed,
    ...(world.weightsByLocation() ? { weightsByLocation: world.weightsByLocation()! } : {}),
  };
}

/** The initial target lists the audit recorded when the world was built, per cluster. */
export function initialTargets(world: SandboxWorld): Record<string, string[]> {
  return Object.fromEntries(Object.entries(world.state.audit.initialTargets).map(([k, v]) => [k, [...v].sort()]));
}
