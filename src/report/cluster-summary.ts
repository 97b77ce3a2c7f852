import type { RunRecord } from '../store/run-store.js';
import { topOf } from './journal-order.js';
import type { ClusterSummary, ShardSummary } from './run-report.js';

// Where each cluster went and how long it stayed, from its transitions. A process that resumes a run
// journals "(start) -> <state it restored>": that is the same state, not a new phase.

const FINAL = new Set(['done', 'held', 'aborted']);

interface ClusterTrack {
  current?: string;
  top?: string;
  segments: Array<{ phase: string; at: number }>;
  visited: string[];
  checks: { total: number; failed: number };
  endedAt?: number;
  shards?: ShardSummary[];
}

export interface TransitionStep {
  /** The top-level state left, null for the cluster's first state. */
  from: string | null;
  phaseChanged: boolean;
  leftPause: boolean;
}

export class ClusterTracker {
  private readonly tracks = new Map<string, ClusterTrack>();

  /** Undefined when the entry is a restore of the state the cluster was already in. */
  transition(cluster: string, from: string | null, to: string, at: number): TransitionStep | undefined {
    const t = this.of(cluster);
    if (from === null && t.current === to) return undefined;
    if (!t.visited.includes(to)) t.visited.push(to);
    const previous = t.top;
    const top = topOf(to);
    t.current = to;
    t.top = top;
    const phaseChanged = previous !== top;
    if (phaseChanged) t.segments.push({ phase: top, at });
    if (FINAL.has(top)) t.endedAt = at;
    return { from: previous ?? null, phaseChanged, leftPause: previous === 'paused' && top !== 'paused' };
  }

  countCheck(cluster: string, failed: boolean): void {
    const t = this.of(cluster);
    t.checks.total++;
    if (failed) t.checks.failed++;
  }

  /**
   * A failover step's node groups, from its journal entries: the step's intent lists them (a new step starts
   * them over), a node group's intent or request marks it requested, its "moved" effect records the move.
   */
  noteNodeGroups(cluster: string, data: Record<string, unknown>): void {
    const t = this.of(cluster);
    const intent = data.intent as { nodeGroupIds?: unknown; nodeGroupId?: unknown } | undefined;
    const nodeGroup = data.nodeGroup as { id?: unknown; outcome?: unknown; from?: unknown; to?: unknown } | undefined;
    if (Array.isArray(intent?.nodeGroupIds) && intent.nodeGroupId === undefined && !nodeGroup) {
      t.shards = intent.nodeGroupIds.filter((id): id is string => typeof id === 'string').map((nodeGroupId) => ({ nodeGroupId, state: 'not started' }));
      return;
    }
    const shard = typeof nodeGroup?.id === 'string' ? t.shards?.find((s) => s.nodeGroupId === nodeGroup.id) : undefined;
    if (!shard || !nodeGroup) return;
    if (nodeGroup.outcome === 'moved') {
      shard.state = 'moved';
      if (typeof nodeGroup.from === 'string') shard.from = nodeGroup.from;
      if (typeof nodeGroup.to === 'string') shard.to = nodeGroup.to;
    } else if (shard.state === 'not started') shard.state = 'requested';
  }

  get(cluster: string): ClusterTrack | undefined {
    return this.tracks.get(cluster);
  }

  private of(cluster: string): ClusterTrack {
    let t = this.tracks.get(cluster);
    if (!t) {
      t = { segments: [], visited: [], checks: { total: 0, failed: 0 } };
      this.tracks.set(cluster, t);
    }
    return t;
  }
}

/** One summary per plan cluster, in plan order; `until` closes the phase a cluster is still in. */
export function summarizeClusters(record: RunRecord, tracker: ClusterTracker, until: number | undefined): ClusterSummary[] {
  return record.plan.fleet.clusters.map(({ name }) => {
    const known = record.clusters?.[name];
    const t = tracker.get(name);
    const reason = known?.reason;
    return {
      name,
      state: known?.state ?? t?.top ?? 'pending',
      ...(t?.current ? { current: t.current } : {}),
      ...(reason ? { reason } : {}),
      ...(t?.segments[0] ? { startedAt: t.segments[0].at } : {}),
      ...(t?.endedAt !== undefined ? { endedAt: t.endedAt } : {}),
      phases: t ? phaseTimes(t.segments, until) : [],
      visited: t ? [...t.visited] : [],
      checks: t ? { ...t.checks } : { total: 0, failed: 0 },
      ...(t?.shards ? { shards: t.shards.map((s) => ({ ...s })) } : {}),
    };
  });
}

function phaseTimes(segments: ClusterTrack['segments'], until: number | undefined): ClusterSummary['phases'] {
  const totals = new Map<string, number>();
  segments.forEach((s, i) => {
    if (FINAL.has(s.phase)) return;
    const end = segments[i + 1]?.at ?? until ?? s.at;
    totals.set(s.phase, (totals.get(s.phase) ?? 0) + Math.max(0, end - s.at));
  });
  return [...totals].map(([phase, ms]) => ({ phase, ms }));
}
