import type { ReplicationGroupView } from '../ports/cache.js';

// What preflight and verification read from one replication group view. ElastiCache keeps an engine
// version or node type change waiting for the maintenance window on the members, not the group, so
// "nothing pending" must look at both.

export interface CacheReadiness {
  /** Group status `available` and every member `available`. */
  available: boolean;
  /** e.g. `status modifying; payments-blue-002 rebooting cluster nodes`. */
  availability: string;
  /** e.g. `group: PrimaryClusterId; payments-blue-001: EngineVersion`; empty when nothing is pending. */
  pending: string[];
}

export function cacheReadiness(view: ReplicationGroupView): CacheReadiness {
  const busy = view.members.filter((m) => m.status !== 'available').map((m) => `${m.cacheClusterId} ${m.status}`);
  const groupPending = Object.keys(view.pendingModifiedValues);
  const pending = [
    ...(groupPending.length ? [`group: ${groupPending.join(', ')}`] : []),
    ...view.members
      .filter((m) => Object.keys(m.pendingModifiedValues ?? {}).length > 0)
      .map((m) => `${m.cacheClusterId}: ${Object.keys(m.pendingModifiedValues ?? {}).join(', ')}`),
  ];
  return {
    available: view.status === 'available' && busy.length === 0,
    availability: `status ${view.status}${busy.length ? `; ${busy.join(', ')}` : ''}`,
    pending,
  };
}

/** The highest reading and whose it is; empty when no node published a datapoint. */
export function worstReading(values: Record<string, number | undefined>): { id?: string; value?: number } {
  let worst: { id?: string; value?: number } = {};
  for (const [id, value] of Object.entries(values)) {
    if (value !== undefined && (worst.value === undefined || value > worst.value)) worst = { id, value };
  }
  return worst;
}

/** Seconds with at most three decimals: `0.001s`, `25s`. */
export const seconds = (value: number): string => `${Math.round(value * 1000) / 1000}s`;
