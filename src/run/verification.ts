import type { ObserveOutput } from '../../machines/cluster.contract.js';
import type { Check } from '../../machines/types.js';
import type { ClusterSpec } from '../plan/schema.js';
import { cacheReadiness, seconds, worstReading } from './cache-evidence.js';
import { canaryThroughRule, leftoverRulesRemoved } from './canary-rule.js';
import { weightEvidence } from './observations.js';
import { modifyRequest, stepKey, type StepIntent } from './maintenance-steps.js';
import { baseline, check, clusterSpec, percent, type RunContext } from './run-context.js';

// "Healthy" means the cluster serves: every target healthy and as many as before, the cache on the
// intended primary at exactly the requested version, memory and lag under their thresholds, and, when
// configured, a real write and read through the primary and requests through the load balancer.
// A failure that waiting cannot fix (a version mismatch, a failover that did not move, a wrong AUTH
// token) is permanent; anything else is "not yet" until verify.timeout.

const CACHE_METRIC_WINDOW_MS = 10 * 60_000;
const RECHECK_MS = 10_000;

export { removeLeftoverCanaryRules } from './canary-rule.js';

export async function verifyCluster(ctx: RunContext, input: { cluster: string; expectedWeight: number; maintenanceRan: boolean }): Promise<ObserveOutput> {
  const spec = clusterSpec(ctx, input.cluster);
  // A canary rule this run could not delete (AWS failed the call, or the process died mid-canary) goes first.
  const leftovers = ctx.plan.verify.canary ? await leftoverRulesRemoved(ctx, input.cluster) : undefined;
  const now = ctx.clock.now();
  const weight = await weightEvidence(ctx, input.cluster, input.expectedWeight, 'verify.weight');
  if (weight.drift) return { at: now, status: 'drift', drift: weight.drift, reason: weight.check.message, checks: [{ ...weight.check, at: now }] };

  const checks: Check[] = [weight.check, ...(leftovers && !leftovers.ok ? [leftovers] : [])];
  const permanent: Check[] = [];
  checks.push(...(await targetChecks(ctx, spec)));

  if (spec.cache) {
    const cache = await cacheChecks(ctx, spec, input.maintenanceRan, now);
    checks.push(...cache.checks);
    permanent.push(...cache.permanent);
    if (ctx.plan.verify.redis && ctx.probes.redis && cache.settled) {
      const probe = await ctx.probes.redis(spec);
      checks.push(...probe.checks);
      if (!probe.ok && probe.permanent) permanent.push(...probe.checks.filter((c) => !c.ok));
    }
  }

  const canary = ctx.probes.canary;
  if (ctx.plan.verify.canary && canary && checks.every((c) => c.ok)) checks.push(...(await canaryThroughRule(ctx, input.cluster, canary)));

  // One time for the whole observation, on the run's clock (a probe's own stamps may be on another).
  const stamped = checks.map((c) => ({ ...c, at: now }));
  const failed = stamped.filter((c) => !c.ok);
  const recheckAt = now + RECHECK_MS;
  if (permanent.length) return { at: now, status: 'failed', reason: permanent.map((c) => `${c.name}: ${c.message ?? c.observed}`).join('; '), checks: stamped };
  if (failed.length) return { at: now, status: 'not-yet', recheckAt, reason: failed.map((c) => `${c.name}: ${c.message ?? c.observed}`).join('; '), checks: stamped };
  return { at: now, status: 'done', recheckAt, checks: stamped };
}

/** Every registered target healthy, and as many healthy as the cluster had when the run started. */
async function targetChecks(ctx: RunContext, spec: ClusterSpec): Promise<Check[]> {
  const base = await baseline(ctx);
  const expectedTargets = base.targets[spec.name]?.length ?? 0;
  const health = await ctx.traffic.describeTargetHealth(spec.targetGroupArn);
  const registered = health.filter((h) => !(h.state === 'unused' && h.reason === 'Target.NotRegistered') && h.state !== 'draining');
  const healthy = registered.filter((h) => h.state === 'healthy');
  const notHealthy = registered.filter((h) => h.state !== 'healthy').map((h) => `${h.target.id} ${h.state}${h.reason ? ` (${h.reason})` : ''}`);
  return [
    check('verify.targets.healthy', notHealthy.length === 0 && registered.length > 0, `${healthy.length}/${registered.length} healthy`, 'all healthy', notHealthy.length ? `not healthy: ${notHealthy.join(', ')}` : 'no registered targets'),
    check('verify.targets.count', healthy.length >= expectedTargets, `${healthy.length} healthy`, `${expectedTargets} (as before maintenance)`, `${healthy.length} healthy targets, ${expectedTargets} before maintenance`),
  ];
}

async function cacheChecks(ctx: RunContext, spec: ClusterSpec, maintenanceRan: boolean, now: number): Promise<{ checks: Check[]; permanent: Check[]; settled: boolean }> {
  const rg = spec.cache!.replicationGroupId;
  const view = await ctx.cache.describe(rg);
  const cache = cacheReadiness(view);
  const checks: Check[] = [
    check('verify.cache.available', cache.available, cache.availability, 'available, every member available', `${rg} is not available yet (${cache.availability})`),
    check('verify.cache.pending', cache.pending.length === 0, cache.pending.length ? `pending ${cache.pending.join('; ')}` : 'nothing pending', 'nothing pending', `${rg} still has pending modifications (${cache.pending.join('; ')})`),
  ];
  const permanent: Check[] = [];
  // Only a settled group can be judged for good: mid-operation, a wrong value may still change.
  const settled = cache.available && cache.pending.length === 0;
  const judged = (c: Check) => {
    checks.push(c);
    if (!c.ok && settled) permanent.push(c);
  };

  if (maintenanceRan) {
    for (const [index, step] of ctx.plan.maintenance.entries()) {
      if (!('elasticache' in step)) continue;
      if (step.elasticache === 'failover') {
        const intent = await ctx.store.recall<StepIntent>(ctx.runId, stepKey(spec.name, index));
        const primary = view.primaries[step.nodeGroupId];
        const wanted = intent?.expectedPrimary;
        const before = intent?.previousPrimary;
        const moved = primary !== undefined && primary !== before && (wanted === undefined || primary === wanted);
        judged(check('verify.cache.primary', moved, `primary ${primary ?? 'none'}`, wanted ? `${wanted}` : `not ${before ?? 'the previous primary'}`, `the failover did not hold: primary is ${primary ?? 'none'}, was ${before ?? 'unknown'} before${wanted ? `, ${wanted} intended` : ''}`));
      }
      if (step.elasticache === 'modify') {
        const request = modifyRequest(step);
        const fields: Array<[string, string | undefined, string[]]> = [
          ['engine-version', request.engineVersion, view.engineVersions],
          ['node-type', request.cacheNodeType, view.cacheNodeTypes],
          ['parameter-group', request.cacheParameterGroupName, view.cacheParameterGroupNames],
        ];
        for (const [field, wanted, live] of fields) {
          if (wanted === undefined) continue;
          // Exact string comparison on purpose: "7.10" is not "7.1" (seed 001).
          const shown = live.length ? [...new Set(live)].map((v) => `"${v}"`).join(', ') : 'unknown';
          judged(check(`verify.cache.${field}`, live.length > 0 && live.every((v) => v === wanted), shown, `"${wanted}" exactly`, `${rg} reports ${shown}, requested "${wanted}"`));
        }
      }
    }
  }

  const memory = worstReading(await ctx.metrics.cacheNodeLatest(view.members.map((m) => m.cacheClusterId), 'DatabaseMemoryUsagePercentage', now - CACHE_METRIC_WINDOW_MS, now));
  const max = ctx.plan.verify.maxMemoryPercent;
  checks.push(
    check('verify.cache.memory', memory.value !== undefined && memory.value < max, `${percent(memory.value)}${memory.id ? ` on ${memory.id}` : ''}`, `< ${max}%`, memory.value === undefined ? `no DatabaseMemoryUsagePercentage datapoint for ${rg} in the last 10 minutes` : `cache memory ${percent(memory.value)} on ${memory.id} is at or above ${max}% (seed 004)`),
  );
  const replicas = view.members.filter((m) => m.role === 'replica').map((m) => m.cacheClusterId);
  if (replicas.length) {
    const lag = worstReading(await ctx.metrics.cacheNodeLatest(replicas, 'ReplicationLag', now - CACHE_METRIC_WINDOW_MS, now));
    const maxLag = ctx.plan.verify.maxReplicationLagSeconds;
    checks.push(
      check('verify.cache.replication-lag', lag.value === undefined || lag.value <= maxLag, lag.value === undefined ? 'no datapoint' : `${seconds(lag.value)} on ${lag.id}`, `<= ${maxLag}s`, `replication lag ${seconds(lag.value ?? 0)} on ${lag.id} is above verify.maxReplicationLagSeconds ${maxLag}s`),
    );
  }
  return { checks, permanent, settled };
}
