import type { RunRecord } from './run-store.js';

// Bounded growth: finished runs leave the store after a retention period, so quiesce's own state never
// fills what it is stored in.

export const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_RETENTION_MS = DEFAULT_RETENTION_DAYS * DAY_MS;

export interface PruneResult {
  /** Run ids removed, in the order they were removed. */
  prunedRuns: string[];
}

export function isExpiredRun(record: Pick<RunRecord, 'finishedAt'>, now: number, retentionMs: number): boolean {
  return record.finishedAt !== undefined && record.finishedAt + retentionMs < now;
}
