import type { RunRecord, RunStatus } from '../store/run-store.js';

// What the operator sees of a run: its status and, per cluster, where it stands. Built live by the
// fleet bridge while the run is driven (the progress view), or from the saved record (status).

export interface ClusterView {
  name: string;
  state: string;
  detail?: string;
  reason?: string;
  nextCheckAt?: number;
  phaseSince?: number;
  /** When its machine started in this process (absent when it was restored from a snapshot). */
  startedAt?: number;
}

export interface RunView {
  runId: string;
  planName: string;
  status: RunStatus;
  now: number;
  reason?: string;
  clusters: ClusterView[];
}

/** The view a saved record gives: the clusters' summaries as of the last save. */
export function viewOfRecord(record: RunRecord): RunView {
  const names = record.plan.fleet.clusters.map((c) => c.name);
  const summary = (record.clusters ?? {}) as Record<string, { state: string; reason?: string }>;
  return {
    runId: record.runId,
    planName: record.planName,
    status: record.status,
    now: record.updatedAt,
    ...(record.reason ? { reason: record.reason } : {}),
    clusters: names.map((name) => ({ name, state: summary[name]?.state ?? 'pending', ...(summary[name]?.reason ? { reason: summary[name]!.reason } : {}) })),
  };
}
