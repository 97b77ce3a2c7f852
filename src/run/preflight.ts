import type { Check } from '../../machines/types.js';
import type { PreflightOutput } from '../../machines/cluster.contract.js';
import type { ClusterSpec } from '../plan/schema.js';
import { formatDuration } from '../plan/duration.js';
import { baseline, check, clusterSpec, percent, weightOf, type RunContext } from './run-context.js';

// Before a cluster leaves rotation. Each check reports what it observed, so a refusal explains itself
// (seed 001: config was switched while another deployment sat in CrashLoopBackOff).

const TEST_FAILOVER_LIMIT = 15;
const DAY_MS = 86_400_000;
const CACHE_METRIC_WINDOW_MS = 10 * 60_000;

export async function runPreflight(ctx: RunContext, name: string): Promise<PreflightOutput> {
  const spec = clusterSpec(ctx, name);
  const base = await baseline(ctx);
  const originalWeight = weightOf(base.forward, spec.targetGroupArn) ?? 0;
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  const checks: Check[] = [];

  checks.push(
    check('preflight.in-rotation', originalWeight > 0, `weight ${originalWeight} at run start`, 'weight > 0', `${name} was not in rotation when the run started; quiesce only returns clusters it took out`),
  );

  const remainingHealthy = await checkOtherClusters(ctx, spec, live, checks);
  const fleetTargets = Object.values(base.targets).reduce((n, t) => n + t.length, 0);
  checkCapacity(ctx, spec, remainingHealthy, fleetTargets, checks);

  const stickiness = live.stickiness;
  if (stickiness.enabled) {
    const stickyMs = (stickiness.durationSeconds ?? 0) * 1000;
    checks.push(
      check(
        'preflight.stickiness',
        stickyMs <= ctx.plan.drain.timeout,
        `target group stickiness ${formatDuration(stickyMs)}`,
        `<= drain.timeout ${formatDuration(ctx.plan.drain.timeout)}`,
        `stickiness keeps clients on ${name} for ${formatDuration(stickyMs)}, longer than drain.timeout ${formatDuration(ctx.plan.drain.timeout)}: the drain could never finish; shorten the stickiness duration or raise drain.timeout`,
      ),
    );
  }

  if (spec.cache) await checkOwnCache(ctx, spec, checks);
  await checkTestFailoverBudget(ctx, name, checks);

  if (ctx.plan.verify.canary) {
    const stale = await ctx.traffic.findCanaryRules(ctx.location.listenerArn, ctx.plan.verify.canary.headerName);
    checks.push(
      check('preflight.canary-rule', stale.length === 0, stale.length ? `${stale.length} rule(s): ${stale.map((r) => `priority ${r.priority}`).join(', ')}` : 'none', 'no leftover canary rule', `a canary rule from an earlier run is still on the listener (${stale[0]?.ruleArn}); remove it before running`),
    );
  }

  const at = ctx.clock.now();
  const failed = checks.find((c) => !c.ok);
  return {
    at,
    passed: !failed,
    ...(failed ? { reason: `${failed.name}: ${failed.message ?? failed.observed}` } : {}),
    originalWeight,
    checks: checks.map((c) => ({ ...c, at })),
  };
}

/** Every other cluster still in rotation must be healthy; returns how many healthy targets remain in rotation. */
async function checkOtherClusters(ctx: RunContext, spec: ClusterSpec, live: { targetGroups: Array<{ targetGroupArn: string; weight: number }> }, checks: Check[]): Promise<number> {
  let healthyInRotation = 0;
  for (const other of ctx.plan.fleet.clusters) {
    if (other.name === spec.name) continue;
    const weight = weightOf({ targetGroups: live.targetGroups, stickiness: { enabled: false } }, other.targetGroupArn) ?? 0;
    if (weight === 0) continue;
    const health = await ctx.traffic.describeTargetHealth(other.targetGroupArn);
    const registered = health.filter((h) => h.state !== 'unused' && h.state !== 'draining');
    const healthy = registered.filter((h) => h.state === 'healthy').length;
    healthyInRotation += healthy;
    const unhealthy = registered.filter((h) => h.state !== 'healthy').map((h) => `${h.target.id} ${h.state}${h.reason ? ` (${h.reason})` : ''}`);
    checks.push(
      check(`preflight.others.${other.name}.targets`, registered.length > 0 && unhealthy.length === 0, `${healthy}/${registered.length} healthy`, 'all healthy', `${other.name} is in rotation but not healthy (${unhealthy.join(', ') || 'no targets'}): quiesce takes nothing out while another cluster is unhealthy`),
    );
    if (other.cache) {
      const view = await ctx.cache.describe(other.cache.replicationGroupId);
      const busy = view.members.filter((m) => m.status !== 'available').map((m) => `${m.cacheClusterId} ${m.status}`);
      const pending = Object.keys(view.pendingModifiedValues);
      checks.push(
        check(`preflight.others.${other.name}.cache`, view.status === 'available' && busy.length === 0 && pending.length === 0, `status ${view.status}${busy.length ? `; ${busy.join(', ')}` : ''}${pending.length ? `; pending ${pending.join(', ')}` : ''}`, 'available, nothing pending', `${other.name}'s cache is mid-operation: quiesce takes nothing out while another cluster's cache is busy`),
      );
    }
  }
  return healthyInRotation;
}

function checkCapacity(ctx: RunContext, spec: ClusterSpec, remainingHealthy: number, fleetTargets: number, checks: Check[]): void {
  const min = ctx.plan.capacity.minHealthyTargets;
  if (min === undefined) return;
  // A percentage is of every target the fleet had registered when the run started.
  const required = typeof min === 'number' ? min : Math.ceil((Number(min.slice(0, -1)) / 100) * fleetTargets);
  const label = typeof min === 'number' ? `${min}` : `${min} of ${fleetTargets} = ${required}`;
  checks.push(
    check('preflight.capacity', remainingHealthy >= required, `${remainingHealthy} healthy targets would remain in rotation`, `>= ${label}`, `taking ${spec.name} out would leave ${remainingHealthy} healthy targets in rotation, fewer than capacity.minHealthyTargets ${label}`),
  );
}

async function checkOwnCache(ctx: RunContext, spec: ClusterSpec, checks: Check[]): Promise<void> {
  const rg = spec.cache!.replicationGroupId;
  const view = await ctx.cache.describe(rg);
  const busy = view.members.filter((m) => m.status !== 'available').map((m) => `${m.cacheClusterId} ${m.status}`);
  const pending = Object.keys(view.pendingModifiedValues);
  checks.push(
    check('preflight.cache.available', view.status === 'available' && busy.length === 0, `status ${view.status}${busy.length ? `; ${busy.join(', ')}` : ''}`, 'available', `${rg} is not available (${view.status}${busy.length ? `; ${busy.join(', ')}` : ''})`),
    check('preflight.cache.pending', pending.length === 0, pending.length ? `pending ${pending.join(', ')}` : 'nothing pending', 'nothing pending', `${rg} has pending modifications (${pending.join(', ')}) that would apply mid-maintenance`),
  );
  if (ctx.plan.maintenance.some((s) => 'elasticache' in s && s.elasticache === 'failover')) {
    checks.push(
      check('preflight.cache.automatic-failover', view.automaticFailover === 'enabled', `AutomaticFailover ${view.automaticFailover}`, 'enabled', `the plan fails over ${rg} but its automatic failover is ${view.automaticFailover}`),
    );
  }
  const members = view.members.map((m) => m.cacheClusterId);
  const now = ctx.clock.now();
  const memory = await ctx.metrics.cacheNodeLatest(members, 'DatabaseMemoryUsagePercentage', now - CACHE_METRIC_WINDOW_MS, now);
  const worst = maxOf(memory);
  const max = ctx.plan.verify.maxMemoryPercent;
  checks.push(
    check('preflight.cache.memory', worst.value !== undefined && worst.value < max, `${percent(worst.value)}${worst.id ? ` on ${worst.id}` : ''}`, `< ${max}%`, worst.value === undefined ? `no DatabaseMemoryUsagePercentage datapoint for ${rg} in the last 10 minutes` : `memory ${percent(worst.value)} on ${worst.id} is at or above maxMemoryPercent ${max}%`),
  );
  const replicas = view.members.filter((m) => m.role === 'replica').map((m) => m.cacheClusterId);
  if (replicas.length) {
    const lag = await ctx.metrics.cacheNodeLatest(replicas, 'ReplicationLag', now - CACHE_METRIC_WINDOW_MS, now);
    const worstLag = maxOf(lag);
    const maxLag = ctx.plan.verify.maxReplicationLagSeconds;
    checks.push(
      check('preflight.cache.replication-lag', worstLag.value === undefined || worstLag.value <= maxLag, worstLag.value === undefined ? 'no datapoint' : `${worstLag.value}s on ${worstLag.id}`, `<= ${maxLag}s`, `replication lag ${worstLag.value}s on ${worstLag.id} is above ${maxLag}s`),
    );
  }
  const updates = await ctx.cache.updateActionsInProgress(rg);
  checks.push(
    check('preflight.cache.update-actions', updates.length === 0, updates.length ? updates.map((u) => `${u.serviceUpdateName} ${u.status}`).join(', ') : 'none in progress', 'none in progress', `${rg} has a service update in progress (${updates[0]?.serviceUpdateName})`),
  );
}

/** TestFailover is limited to 15 node groups per rolling 24 hours: refuse a plan that would run out mid-fleet. */
async function checkTestFailoverBudget(ctx: RunContext, name: string, checks: Check[]): Promise<void> {
  const perCluster = ctx.plan.maintenance.filter((s) => 'elasticache' in s && s.elasticache === 'failover' && s.method === 'test-failover').length;
  if (perCluster === 0) return;
  const clusters = ctx.plan.fleet.clusters;
  const remaining = clusters.length - clusters.findIndex((c) => c.name === name);
  const now = ctx.clock.now();
  let used = 0;
  for (const c of clusters) {
    if (!c.cache) continue;
    const events = await ctx.cache.events(c.cache.replicationGroupId, now - DAY_MS);
    used += events.filter((e) => /test failover api called/i.test(e.message)).length;
  }
  const needed = remaining * perCluster;
  checks.push(
    check('preflight.test-failover-budget', used + needed <= TEST_FAILOVER_LIMIT, `${used} used in the last 24h, ${needed} still planned`, `<= ${TEST_FAILOVER_LIMIT} per rolling 24h`, `the plan needs ${needed} more TestFailover calls but ${used} of ${TEST_FAILOVER_LIMIT} were used in the last 24 hours: AWS would refuse mid-fleet; use method primary-cluster-id or wait`),
  );
}

function maxOf(values: Record<string, number | undefined>): { id?: string; value?: number } {
  let best: { id?: string; value?: number } = {};
  for (const [id, value] of Object.entries(values)) {
    if (value !== undefined && (best.value === undefined || value > best.value)) best = { id, value };
  }
  return best;
}
