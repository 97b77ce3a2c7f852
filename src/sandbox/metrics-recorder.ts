// Per-minute metric rows, written when a minute ends. Counters are differences of floored
// cumulative counts, so minutes add up exactly; gauges are time-weighted over the minute.
import { isPrimaryMember } from './elasticache-node-groups.js';
import { placementsOf } from './fleet-locations.js';
import type { AlbMinuteRow, CacheMinuteRow, CounterState, MinuteAccumulator, WorldState } from './state.js';
import type { WorldCore } from './world-core.js';

export const MINUTE_MS = 60_000;

function floors(c: CounterState | undefined): [number, number, number] {
  return c ? [Math.floor(c.requests), Math.floor(c.target5xx), Math.floor(c.elb5xx)] : [0, 0, 0];
}

export function freshAccumulator(state: WorldState): MinuteAccumulator {
  const startCounts: MinuteAccumulator['startCounts'] = {};
  for (const arn of Object.keys(state.traffic.perGroup)) startCounts[arn] = floors(state.traffic.perGroup[arn]);
  const lbStart: MinuteAccumulator['lbStart'] = {};
  for (const [arn, c] of Object.entries(state.traffic.perLoadBalancer)) {
    lbStart[arn] = [Math.floor(c.requests), Math.floor(c.elb5xx)];
  }
  return { startCounts, lbStart, gauges: {} };
}

/** Drop rows older than `oldest`, in batches of at least 5 so it is not a shift every minute (a fleet keeps 800 rows a minute). */
function prune<T extends [number, ...number[]]>(rows: T[], oldest: number): void {
  if (rows.length === 0 || rows[0]![0] >= oldest - 5 * MINUTE_MS) return;
  let drop = 0;
  while (drop < rows.length && rows[drop]![0] < oldest) drop++;
  if (drop > 0) rows.splice(0, drop);
}

/** Close the minute that ends now: one row per target group, load balancer and cache node. */
export function closeMinute(core: WorldCore): void {
  const state = core.state;
  const m = state.metrics;
  const start = m.minuteStart;
  const oldest = start - state.settings.cloudwatch.retentionMs;
  const requestsByGroup: Record<string, number> = {};

  for (const group of Object.values(state.elbv2.targetGroups)) {
    const [r0, t0, e0] = m.acc.startCounts[group.arn] ?? [0, 0, 0];
    const [r1, t1, e1] = floors(state.traffic.perGroup[group.arn]);
    const g = m.acc.gauges[group.arn];
    const seconds = MINUTE_MS / 1000;
    requestsByGroup[group.arn] = r1 - r0;
    const row: AlbMinuteRow = [
      start,
      r1 - r0,
      t1 - t0,
      e1 - e0,
      g ? g[0] / seconds : 0,
      g ? g[2] : 0,
      g ? g[3] : 0,
      g ? g[1] / seconds : 0,
      g ? g[4] : 0,
      g ? g[5] : 0,
      g ? 1 : 0,
    ];
    const rows = (m.alb[group.arn] ??= []);
    rows.push(row);
    prune(rows, oldest);
  }

  for (const [arn, c] of Object.entries(state.traffic.perLoadBalancer)) {
    const [r0, e0] = m.acc.lbStart[arn] ?? [0, 0];
    const rows = (m.lb[arn] ??= []);
    rows.push([start, Math.floor(c.requests) - r0, Math.floor(c.elb5xx) - e0]);
    prune(rows, oldest);
  }

  for (const cluster of state.clusters) {
    if (!cluster.replicationGroupId) continue;
    const rg = state.elasticache.replicationGroups[cluster.replicationGroupId];
    if (!rg) continue;
    // One cache serves the cluster's requests from every location.
    const rps = placementsOf(state, cluster).reduce((sum, p) => sum + (requestsByGroup[p.targetGroupArn] ?? 0), 0) / 60;
    const lagEffect = state.events.active.find((e) => e.body.type === 'replicationLag' && e.body.replicationGroupId === rg.id);
    const scriptedLag = lagEffect?.body.type === 'replicationLag' ? lagEffect.body.seconds : undefined;
    const targets = core.groupSummary(cluster.targetGroupArn).registered;
    for (const id of rg.members) {
      const node = state.elasticache.cacheClusters[id];
      if (!node) continue;
      const primary = isPrimaryMember(rg, id);
      const row: CacheMinuteRow = [
        start,
        rg.memoryPercent,
        primary ? Math.min(95, 2 + rps * 0.02) : 1.5,
        // ReplicationLag exists only for replicas (-1 = no datapoint).
        primary ? -1 : node.nodeStatus !== 'available' ? 30 : (scriptedLag ?? 0.001),
        primary ? 5 + targets * 10 : 5,
        rg.memoryPercent >= 99 ? Math.round((rg.memoryPercent - 98) * 150) : 0,
      ];
      const rows = (m.cache[id] ??= []);
      rows.push(row);
      prune(rows, oldest);
    }
  }

  m.minuteStart = start + MINUTE_MS;
  m.acc = freshAccumulator(state);
}
