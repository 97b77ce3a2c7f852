import type { ClusterSpec } from '../plan/schema.js';
import type { TargetHealth } from '../ports/traffic.js';
import { targetGroupDimensions } from '../plan/arn.js';
import { baseline } from './baseline.js';
import type { RunContext } from './run-context.js';
import type { HostCounts } from './run-memory.js';
import { sharedPromise } from './shared-promise.js';

// The health of the other clusters, read before a cluster leaves rotation (preflight, and the capacity
// guard of the weight change). One DescribeTargetHealth per cluster is exact but O(N) calls per cluster
// that leaves, O(N²) per run: at 200 clusters, tens of thousands of calls in bursts that empty the
// account's ELBv2 Describe bucket, throttling every other tool of the account too. Above
// `capacity.liveScanLimit` other clusters, one CloudWatch read (HealthyHostCount and UnHealthyHostCount
// of up to 250 groups per request) vouches for the clusters that were fully healthy in each of the last
// published minutes; every cluster it cannot vouch for is read live, and so is every cluster of this run
// that is in flight (its health is what quiesce is changing). The price, stated in each check: a cluster
// that turned unhealthy after the last published minute is seen by a later look, not this one.

/** Published minutes a cluster must have been fully healthy in for CloudWatch to vouch for it. */
export const FLEET_SCAN_MINUTES = 3;
const MINUTE_MS = 60_000;

export interface OtherClusterHealth {
  name: string;
  /** Targets that can serve: registered, neither draining nor unused. */
  registered: number;
  healthy: number;
  /** `<id> <state> (<reason>)` of each of those targets that is not healthy. */
  unhealthy: string[];
  /** `live`: DescribeTargetHealth now; `metrics`: CloudWatch, through `FleetHealth.metricsThrough`. */
  source: 'live' | 'metrics';
}

export interface FleetHealth {
  /** In the order asked. */
  clusters: OtherClusterHealth[];
  /** End of the last published minute CloudWatch vouched with; absent when every cluster was read live. */
  metricsThrough?: number;
}

export async function fleetHealth(ctx: RunContext, others: readonly ClusterSpec[]): Promise<FleetHealth> {
  if (others.length <= ctx.plan.capacity.liveScanLimit) {
    const clusters: OtherClusterHealth[] = [];
    for (const other of others) clusters.push(await readLive(ctx, other));
    return { clusters };
  }
  const vouched = await vouchedByMetrics(ctx, others);
  const clusters: OtherClusterHealth[] = [];
  // In order, one at a time: the live reads are few, and a burst is what this scan exists to avoid.
  for (const other of others) clusters.push(vouched.clusters.get(other.name) ?? (await readLive(ctx, other)));
  return { clusters, metricsThrough: vouched.through };
}

/** Serving targets: AWS answers `unused` for targets gone or not in use, `draining` for those leaving. */
function servingTargets(health: readonly TargetHealth[]): TargetHealth[] {
  return health.filter((h) => h.state !== 'unused' && h.state !== 'draining');
}

async function readLive(ctx: RunContext, spec: ClusterSpec): Promise<OtherClusterHealth> {
  const registered = servingTargets(await ctx.traffic.describeTargetHealth(spec.targetGroupArn));
  const unhealthy = registered.filter((h) => h.state !== 'healthy').map((h) => `${h.target.id} ${h.state}${h.reason ? ` (${h.reason})` : ''}`);
  return { name: spec.name, registered: registered.length, healthy: registered.length - unhealthy.length, unhealthy, source: 'live' };
}

/**
 * The clusters CloudWatch vouches for: not in flight, a datapoint in each of the last FLEET_SCAN_MINUTES
 * published minutes, no unhealthy host in any of them, and at no moment fewer healthy hosts than the
 * cluster had targets when the run started (a target replaced, added or lost shows as a doubt, read live).
 */
async function vouchedByMetrics(ctx: RunContext, others: readonly ClusterSpec[]): Promise<{ clusters: Map<string, OtherClusterHealth>; through: number }> {
  const through = Math.floor((ctx.clock.now() - ctx.metricsLagMs) / MINUTE_MS) * MINUTE_MS;
  const inFlight = ctx.inFlight();
  const [base, series] = await Promise.all([baseline(ctx), publishedHostCounts(ctx, through)]);
  const clusters = new Map<string, OtherClusterHealth>();
  for (const c of others) {
    if (inFlight.has(c.name)) continue;
    const counts = series.get(c.name)!;
    // A result CloudWatch did not return whole (InternalError, PartialData, Forbidden) vouches for nothing.
    if (!counts.HealthyHostCount.known || !counts.UnHealthyHostCount.known) continue;
    const healthy = counts.HealthyHostCount.minutes;
    const unhealthy = counts.UnHealthyHostCount.minutes;
    const expected = base.targets[c.name]?.length ?? 0;
    const complete = healthy.length === FLEET_SCAN_MINUTES && unhealthy.length === FLEET_SCAN_MINUTES;
    if (!complete || expected === 0) continue;
    if (unhealthy.some((m) => m.value > 0) || healthy.some((m) => m.value < expected)) continue;
    const latest = healthy.at(-1)!.value;
    clusters.set(c.name, { name: c.name, registered: latest, healthy: latest, unhealthy: [], source: 'metrics' });
  }
  return { clusters, through };
}

/**
 * Every plan cluster's host counts over the FLEET_SCAN_MINUTES minutes published by `through`. Minutes
 * that old are final (`metricsLagMs`), so one read serves every scan until the next minute is published:
 * the preflights of a wave and each leaving cluster's capacity guard. A group whose result was not whole
 * stays unknown for that minute's scans too: those scans read it live.
 */
function publishedHostCounts(ctx: RunContext, through: number): Promise<Map<string, HostCounts>> {
  // Only the latest minute asked for is kept: older ones are dropped.
  const memo = ctx.memory.hostCounts;
  if (!memo.has(through)) memo.clear();
  const clusters = ctx.plan.fleet.clusters;
  return sharedPromise(memo, through, ctx.clock, async () => {
    const perGroup = await ctx.metrics.targetGroupsMinutesOf(
      clusters.map((c) => targetGroupDimensions(c.targetGroupArn, ctx.location.listenerArn)),
      ['HealthyHostCount', 'UnHealthyHostCount'],
      through - FLEET_SCAN_MINUTES * MINUTE_MS,
      through,
    );
    return new Map(clusters.map((c, i) => [c.name, perGroup[i]!]));
  });
}
