import type { RunRecord } from './run-store.js';

export type RunSummary = Pick<RunRecord, 'runId' | 'planName' | 'status' | 'createdAt' | 'updatedAt' | 'reason'>;

export function toSummary(record: RunSummary): RunSummary {
  const { runId, planName, status, createdAt, updatedAt, reason } = record;
  return reason === undefined ? { runId, planName, status, createdAt, updatedAt } : { runId, planName, status, createdAt, updatedAt, reason };
}

/** listRuns order in every store: oldest first, ties by run id. */
export function byCreation(a: RunSummary, b: RunSummary): number {
  return a.createdAt - b.createdAt || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
}
