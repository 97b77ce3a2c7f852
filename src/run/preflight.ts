import type { Check } from '../../machines/types.js';
import type { PreflightOutput } from '../../machines/cluster.contract.js';
import type { ClusterSpec, FailoverStep } from '../plan/schema.js';
import { formatDuration } from '../duration.js';
import { CANARY_RULE_TAG, weightOf, type ForwardConfig, type ListenerRule } from '../ports/traffic.js';
import type { ReplicationGroupView } from '../ports/cache.js';
import { cacheReadiness, seconds, worstReading } from '../cache/readiness.js';
import { serviceUpdateRefusal } from '../cache/elasticache-evidence.js';
import { canaryHeaderName, canaryHeaderValue, foreignCanaryRules, removeLeftoverCanaryRules } from './canary-rule.js';
import { otherRoutes, reaching, readRules, routesText } from './other-rules.js';
import { canaryPlacement, placementRefusal } from '../traffic/listener-rules.js';
import { groupName } from '../traffic/drift.js';
import { stepKey, type StepIntent } from './maintenance-steps.js';
import { clusterModeChecks, nodeGroupsOfStep } from './cluster-mode-checks.js';
import { nodeGroupCallsToMake } from './node-group-failover.js';
import { checkEngineSwitch } from './engine-switch-preflight.js';
import { NotAReplicationGroupError } from '../errors.js';
import { targetGroupSettings } from './cadence.js';
import { fleetHealth, type FleetHealth } from './fleet-health.js';
import { requiredHealthyTargets } from './capacity.js';
import { baseline } from './baseline.js';
import { check, percent } from './checks.js';
import { clusterSpec, type RunContext } from './run-context.js';

// Before a cluster leaves rotation. Each check reports what it observed, so a refusal explains itself.
// A cluster never leaves while another is unhealthy: the rest would carry its traffic with one of them
// already failing (a Redis migration once switched config while another deployment sat in
// CrashLoopBackOff, and the cascade took everything down).

const TEST_FAILOVER_LIMIT = 15;
const DAY_MS = 86_400_000;
const CACHE_METRIC_WINDOW_MS = 10 * 60_000;

export async function runPreflight(ctx: RunContext, name: string): Promise<PreflightOutput> {
  const spec = clusterSpec(ctx, name);
  const base = await baseline(ctx);
  const originalWeight = weightOf(base.forward, spec.targetGroupArn) ?? 0;
  // One listing of the load balancer's rules serves the other-rules, canary and weight checks alike.
  const rules = await readRules(ctx);
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  const checks: Check[] = [];

  checks.push(
    check('preflight.in-rotation', originalWeight > 0, `weight ${originalWeight} at run start`, 'weight > 0', `${name} was not in rotation when the run started; quiesce only returns clusters it took out`),
  );

  // Every cache this preflight looks at, its own and those of the clusters in rotation, in one read.
  const others = ctx.plan.fleet.clusters.filter((c) => c.name !== spec.name && (weightOf(live, c.targetGroupArn) ?? 0) > 0);
  const groupIds = [spec, ...others].flatMap((c) => (c.cache ? [c.cache.replicationGroupId] : []));
  const described = await ctx.cache.describeMany(groupIds).catch((err: unknown) => {
    // A serverless cache in the plan: nothing of the fleet is taken out while it names one.
    if (err instanceof NotAReplicationGroupError) return err;
    throw err;
  });
  if (described instanceof NotAReplicationGroupError) {
    const at = ctx.clock.now();
    const refusal = check('preflight.cache.replication-group', false, described.message, 'a replication group', described.message);
    return { at, passed: false, reason: `${refusal.name}: ${described.message}`, originalWeight, checks: [{ ...refusal, at }] };
  }
  const caches = new Map(described.map((v) => [v.replicationGroupId, v]));
  const viewOf = (id: string): ReplicationGroupView => {
    const view = caches.get(id);
    if (!view) throw new Error(`describeMany returned no view of ${id}`);
    return view;
  };
  const remainingHealthy = await checkOtherClusters(ctx, others, viewOf, checks);
  const fleetTargets = Object.values(base.targets).reduce((n, t) => n + t.length, 0);
  checkCapacity(ctx, spec, remainingHealthy, fleetTargets, checks);
  await checkDrainCanFinish(ctx, spec, live, checks);

  if (spec.cache) await checkOwnCache(ctx, spec, viewOf(spec.cache.replicationGroupId), checks);
  await checkTestFailoverBudget(ctx, caches, checks);
  await checkCanaryRules(ctx, name, rules, checks);
  // After the canary checks: a stale canary rule forwarding to this group is named for what it is first.
  checkOtherRules(ctx, spec, rules, checks);

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

/**
 * Every other cluster still in rotation must be healthy; returns how many healthy targets remain in
 * rotation. A cluster that fails gets a check of its own, named for it; the ones that pass share one
 * check, so a fleet of hundreds journals one line per preflight instead of hundreds. The shared check
 * says how each was read: live, or vouched for by CloudWatch up to its last published minute.
 */
async function checkOtherClusters(ctx: RunContext, others: ClusterSpec[], viewOf: (id: string) => ReplicationGroupView, checks: Check[]): Promise<number> {
  const fleet = await fleetHealth(ctx, others);
  let healthyInRotation = 0;
  let passedTargets = 0;
  let passedCaches = 0;
  others.forEach((other, i) => {
    const health = fleet.clusters[i]!;
    healthyInRotation += health.healthy;
    if (health.registered > 0 && health.unhealthy.length === 0) passedTargets++;
    else {
      checks.push(
        check(`preflight.others.${other.name}.targets`, false, `${health.healthy}/${health.registered} healthy`, 'all healthy', `${other.name} is in rotation but not healthy (${health.unhealthy.join(', ') || 'no targets'}): quiesce takes nothing out while another cluster is unhealthy`),
      );
    }
    if (other.cache) {
      const cache = cacheReadiness(viewOf(other.cache.replicationGroupId));
      if (cache.available && cache.pending.length === 0) passedCaches++;
      else {
        checks.push(
          check(`preflight.others.${other.name}.cache`, false, `${cache.availability}${cache.pending.length ? `; pending ${cache.pending.join('; ')}` : ''}`, 'available, nothing pending', `${other.name}'s cache ${other.cache.replicationGroupId} is mid-operation (${cache.availability}${cache.pending.length ? `; pending ${cache.pending.join('; ')}` : ''}): quiesce takes nothing out while another cluster's cache is busy`),
        );
      }
    }
  });
  if (others.length > 0) {
    const caches = others.filter((o) => o.cache).length;
    checks.push(
      check('preflight.others', passedTargets === others.length && passedCaches === caches, `${passedTargets}/${others.length} other clusters in rotation with every target healthy${sourcesText(fleet)}${caches ? `; ${passedCaches}/${caches} caches available, nothing pending` : ''}`, 'all healthy, caches quiet'),
    );
  }
  return healthyInRotation;
}

/** How the fleet was read, when CloudWatch vouched for some of it. */
function sourcesText(fleet: FleetHealth): string {
  if (fleet.metricsThrough === undefined) return '';
  const byMetrics = fleet.clusters.filter((c) => c.source === 'metrics').length;
  return ` (${byMetrics} vouched for by CloudWatch through ${new Date(fleet.metricsThrough).toISOString().slice(11, 16)} UTC, ${fleet.clusters.length - byMetrics} read live)`;
}

/** An early refusal on preflight's reads; the capacity guard of the weight change judges it again, under the lock. */
function checkCapacity(ctx: RunContext, spec: ClusterSpec, remainingHealthy: number, fleetTargets: number, checks: Check[]): void {
  const min = requiredHealthyTargets(ctx, fleetTargets);
  if (min === undefined) return;
  checks.push(
    check('preflight.capacity', remainingHealthy >= min.required, `${remainingHealthy} healthy targets would remain in rotation`, `>= ${min.label}`, `taking ${spec.name} out would leave ${remainingHealthy} healthy targets in rotation, fewer than capacity.minHealthyTargets ${min.label}`),
  );
}

/** Drains that cannot end within drain.timeout are refused up front instead of timing out mid-run. */
async function checkDrainCanFinish(ctx: RunContext, spec: ClusterSpec, live: ForwardConfig, checks: Check[]): Promise<void> {
  const timeout = ctx.plan.drain.timeout;
  if (live.stickiness.enabled) {
    const stickyMs = (live.stickiness.durationSeconds ?? 0) * 1000;
    checks.push(
      check(
        'preflight.stickiness',
        stickyMs <= timeout,
        `target group stickiness ${formatDuration(stickyMs)}`,
        `<= drain.timeout ${formatDuration(timeout)}`,
        `stickiness keeps clients on ${spec.name} for ${formatDuration(stickyMs)}, longer than drain.timeout ${formatDuration(timeout)}: the drain could never finish; shorten the stickiness duration or raise drain.timeout`,
      ),
    );
  }
  if (ctx.plan.drain.mode === 'deregister') {
    // AWS shows `draining` for the whole delay, so a delay at least as long as the timeout never completes.
    // Remembered for the run: the drain and verification read the same settings.
    const delayMs = (await targetGroupSettings(ctx, spec.name)).deregistrationDelaySeconds * 1000;
    checks.push(
      check(
        'preflight.deregistration-delay',
        delayMs < timeout,
        `deregistration delay ${formatDuration(delayMs)}`,
        `< drain.timeout ${formatDuration(timeout)}`,
        `${spec.name}'s deregistration delay ${formatDuration(delayMs)} is not shorter than drain.timeout ${formatDuration(timeout)}: the drain could never finish; shorten deregistration_delay.timeout_seconds or raise drain.timeout`,
      ),
    );
  }
}

async function checkOwnCache(ctx: RunContext, spec: ClusterSpec, view: ReplicationGroupView, checks: Check[]): Promise<void> {
  const rg = spec.cache!.replicationGroupId;
  const cache = cacheReadiness(view);
  checks.push(
    check('preflight.cache.available', cache.available, cache.availability, 'available, every member available', `${rg} is not available (${cache.availability})`),
    check('preflight.cache.pending', cache.pending.length === 0, cache.pending.length ? `pending ${cache.pending.join('; ')}` : 'nothing pending', 'nothing pending', `${rg} has pending modifications (${cache.pending.join('; ')}) that would apply mid-maintenance`),
  );
  const methods = new Set(ctx.plan.maintenance.flatMap((s) => ('elasticache' in s && s.elasticache === 'failover' ? [s.method] : [])));
  if (methods.has('test-failover')) {
    checks.push(
      check('preflight.cache.automatic-failover', view.automaticFailover === 'enabled', `AutomaticFailover ${view.automaticFailover}`, 'enabled', `the plan fails over ${rg} but its automatic failover is ${view.automaticFailover}`),
    );
  }
  // Reboot and promotion on a cluster mode enabled group, and a node group it lacks: refused with AWS's reason.
  checks.push(...clusterModeChecks(ctx.plan, view));
  if (methods.has('primary-cluster-id') && view.clusterMode !== 'enabled') {
    // ElastiCache refuses PrimaryClusterId while Multi-AZ with automatic failover is enabled (its user
    // guide, "Promoting a read replica to primary"). quiesce does not turn them off for the promotion: a
    // hold mid-sequence would leave the group without automatic failover.
    const multiAZ = view.multiAZ ?? 'not reported';
    const off = view.automaticFailover === 'disabled' && (view.multiAZ === undefined || view.multiAZ === 'disabled');
    checks.push(
      check('preflight.cache.promotion', off, `AutomaticFailover ${view.automaticFailover}, MultiAZ ${multiAZ}`, 'both disabled', `ElastiCache does not promote a replica (method primary-cluster-id) while Multi-AZ with automatic failover is enabled on ${rg} (AutomaticFailover ${view.automaticFailover}, MultiAZ ${multiAZ}): use method test-failover, or turn both off on the group before the run`),
    );
  }
  const now = ctx.clock.now();
  // Memory of every member and lag of the replicas in one request.
  const latest = await ctx.metrics.cacheNodeLatestOf(view.members.map((m) => m.cacheClusterId), ['DatabaseMemoryUsagePercentage', 'ReplicationLag'], now - CACHE_METRIC_WINDOW_MS, now);
  if (!latest.known) {
    // Not "no datapoint" and not "under the threshold": CloudWatch did not return the readings whole.
    checks.push(check('preflight.cache.metrics', false, latest.reason, 'every result Complete', latest.reason));
  } else {
    const memory = worstReading(latest.values.DatabaseMemoryUsagePercentage);
    const max = ctx.plan.verify.maxMemoryPercent;
    checks.push(
      check('preflight.cache.memory', memory.value !== undefined && memory.value < max, `${percent(memory.value)}${memory.id ? ` on ${memory.id}` : ''}`, `< ${max}%`, memory.value === undefined ? `no DatabaseMemoryUsagePercentage datapoint for ${rg} in the last 10 minutes` : `memory ${percent(memory.value)} on ${memory.id} is at or above maxMemoryPercent ${max}%`),
    );
    // Cluster mode enabled: no role per member; primaries publish no ReplicationLag (CacheMetrics.Redis).
    const replicas = view.members.filter((m) => m.role !== 'primary').map((m) => m.cacheClusterId);
    if (replicas.length) {
      const lag = worstReading(Object.fromEntries(replicas.map((id) => [id, latest.values.ReplicationLag[id]])));
      const maxLag = ctx.plan.verify.maxReplicationLagSeconds;
      checks.push(
        check('preflight.cache.replication-lag', lag.value === undefined || lag.value <= maxLag, lag.value === undefined ? 'no datapoint' : `${seconds(lag.value)} on ${lag.id}`, `<= ${maxLag}s`, `replication lag ${seconds(lag.value ?? 0)} on ${lag.id} is above verify.maxReplicationLagSeconds ${maxLag}s`),
      );
    }
  }
  const updates = await ctx.cache.updateActionsInProgress(rg);
  checks.push(
    check('preflight.cache.update-actions', updates.length === 0, updates.length ? updates.map((u) => `${u.serviceUpdateName} ${u.status}`).join(', ') : 'none in progress', 'none in progress', `${rg} has a service update in progress (${updates.map((u) => `${u.serviceUpdateName} ${u.status}`).join(', ')})`),
  );
  await checkServiceUpdates(ctx, rg, checks);
  await checkEngineSwitch(ctx, view, checks);
}

/**
 * A service update the plan names must exist and apply to this group before the cluster leaves rotation:
 * a misspelled name is refused here, not discovered with the cluster already drained.
 */
async function checkServiceUpdates(ctx: RunContext, rg: string, checks: Check[]): Promise<void> {
  const names = [...new Set(ctx.plan.maintenance.flatMap((s) => ('elasticache' in s && s.elasticache === 'service-update' ? [s.serviceUpdateName] : [])))];
  for (const name of names) {
    const status = await ctx.cache.updateActionStatus(rg, name);
    const refusal = serviceUpdateRefusal(rg, name, status);
    checks.push(check('preflight.cache.service-update', refusal === undefined, `${name}: ${status ?? 'no update action'}`, 'an update action that applies to the group', refusal));
  }
}

/**
 * TestFailover is limited to 15 node groups per rolling 24 hours (per account): refuse a plan that would
 * run out mid-fleet. Used: the calls the plan's groups logged in the last 24 hours (this run's included),
 * one per node group. Still needed: per cluster, the failover steps of this run not yet started, each one
 * call per node group it moves (every node group of a cluster mode enabled group), and the node groups of a
 * step underway whose call is not made yet; this cluster's included.
 */
async function checkTestFailoverBudget(ctx: RunContext, known: ReadonlyMap<string, ReplicationGroupView>, checks: Check[]): Promise<void> {
  const failovers = [...ctx.plan.maintenance.entries()].filter((e): e is [number, FailoverStep] => 'elasticache' in e[1] && e[1].elasticache === 'failover' && e[1].method === 'test-failover');
  if (failovers.length === 0) return;
  const now = ctx.clock.now();
  const groups = ctx.plan.fleet.clusters.flatMap((c) => (c.cache ? [c.cache.replicationGroupId] : []));
  // One read of the region's events (the "API called" event is the group's), not one per group and member.
  const events = groups.length ? await ctx.cache.recentEvents(groups, now - DAY_MS) : [];
  const used = events.filter((e) => /test failover api called/i.test(e.message)).length;
  const unstarted: Array<{ rg: string; nodeGroupId: string | undefined }> = [];
  let needed = 0;
  for (const c of ctx.plan.fleet.clusters) {
    if (!c.cache) continue;
    for (const [index, step] of failovers) {
      const intent = await ctx.store.recall<StepIntent>(ctx.runId, stepKey(c.name, index));
      if (intent === undefined) unstarted.push({ rg: c.cache.replicationGroupId, nodeGroupId: step.nodeGroupId });
      else if (intent.nodeGroupIds) needed += await nodeGroupCallsToMake(ctx, stepKey(c.name, index), intent);
    }
  }
  // The node groups of groups preflight did not read already (clusters out of rotation), in one more read.
  const missing = [...new Set(unstarted.map((u) => u.rg).filter((rg) => !known.has(rg)))];
  const views = new Map([...known, ...(missing.length ? (await ctx.cache.describeMany(missing)).map((v) => [v.replicationGroupId, v] as const) : [])]);
  for (const u of unstarted) needed += nodeGroupsOfStep(u.nodeGroupId, views.get(u.rg));
  checks.push(
    check('preflight.test-failover-budget', used + needed <= TEST_FAILOVER_LIMIT, `${used} used in the last 24h, ${needed} still planned`, `<= ${TEST_FAILOVER_LIMIT} per rolling 24h`, `the plan needs ${needed} more TestFailover calls but ${used} of ${TEST_FAILOVER_LIMIT} were used in the last 24 hours: AWS would refuse mid-fleet; wait until earlier calls leave the 24-hour window, or split the fleet across days`),
  );
}

/**
 * Out of rotation must mean unreachable: a rule besides the fleet's that forwards to the cluster's group
 * with a weight above 0 would keep sending it traffic at weight 0 in the fleet's forward. One at weight 0
 * sends nothing (raising it later is drift).
 */
function checkOtherRules(ctx: RunContext, spec: ClusterSpec, rules: readonly ListenerRule[], checks: Check[]): void {
  const routes = otherRoutes(ctx, spec.name, rules);
  const live = reaching(routes);
  const group = groupName(spec.targetGroupArn);
  const idle = routes.length - live.length;
  checks.push(
    check(
      'preflight.other-rules',
      live.length === 0,
      live.length ? routesText(live) : idle ? `${idle} other rule(s) hold ${group} at weight 0` : `no other rule forwards to ${group}`,
      'no other rule sends it traffic',
      `${routesText(live.slice(0, 1))}: weight 0 in the fleet's forward would not take ${spec.name} out of rotation; take ${group} out of that rule first`,
    ),
  );
}

/**
 * This run's own leftovers (a crash mid-canary) are deleted, except those of clusters verifying right now;
 * anyone else's canary rule is a refusal. With a canary configured, a rule for it must be able to go
 * ahead of every rule that could take its requests, the fleet's own included.
 */
async function checkCanaryRules(ctx: RunContext, name: string, rules: readonly ListenerRule[], checks: Check[]): Promise<void> {
  const inFlight = ctx.inFlight();
  const deleted = new Set(await removeLeftoverCanaryRules(ctx, (cluster) => cluster === name || !inFlight.has(cluster), rules));
  const remaining = rules.filter((r) => !deleted.has(r.ruleArn));
  const stale = await foreignCanaryRules(ctx, remaining);
  checks.push(
    check(
      'preflight.canary-rule',
      stale.length === 0,
      stale.length ? `${stale.length} rule(s): ${stale.map((r) => `priority ${r.priority} (${r.headerValue}${r.tag === undefined ? ', untagged' : `, tagged ${r.tag}`})`).join(', ')}` : 'none',
      'no canary rule but this run\'s',
      `a canary rule this run did not create is on the listener (${stale[0]?.ruleArn}, header value ${stale[0]?.headerValue}, ${stale[0]?.tag === undefined ? `no ${CANARY_RULE_TAG} tag` : `tagged ${CANARY_RULE_TAG}=${stale[0]?.tag}`}); delete it before running`,
    ),
  );
  if (!ctx.plan.verify.canary) return;
  const listenerArn = ctx.location.listenerArn;
  const placement = canaryPlacement(remaining, listenerArn, { name: canaryHeaderName(ctx), value: canaryHeaderValue(ctx.runId, name) });
  checks.push(
    check(
      'preflight.canary-priority',
      placement.priority !== undefined,
      placement.priority !== undefined ? `priority ${placement.priority} free, ahead of ${placement.blocking ? `priority ${placement.bound}` : 'every rule'}` : placementRefusal(placement, listenerArn),
      'a free priority ahead of every rule that could take the canary request',
      `${placementRefusal(placement, listenerArn)}: canary requests would not reach ${name}; give the fleet's rule and the rules before it higher priority numbers, or drop verify.canary`,
    ),
  );
}
